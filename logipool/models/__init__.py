"""Database models (SQLAlchemy 2.x typed declarative). Every row belongs to one coordination.

One module per capability, as in ``api/``, ``services/`` and ``web/``: ``directory``, ``accounts``,
``ledger``, ``vehicles``, ``storage``, ``routes``, ``orders``, ``invoices``, ``banking``, ``accounting``, ``mail``,
``audit``; ``base`` holds what they share (the enum column type, the address mixin, shared enums). Every model
is re-exported here, so ``from logipool.models import Member`` works, and importing this package
registers every table."""

from __future__ import annotations

from .accounting import ChartOfAccounts
from .accounts import ApiToken, Role, RoleGrant, User
from .audit import AuditEvent
from .banking import AccountCredit, BankLine, BankLineState, BankStatement
from .base import AddressMixin, Nature, TemperatureClass, VatRegime, VatTreatment, enum_column
from .directory import Coordination, Funder, FunderKind, Member, MemberKind, Site, SiteKind
from .idempotency import IdempotentRequest
from .invoices import (
    BillingRun,
    DirectDebit,
    Invoice,
    InvoiceCounter,
    InvoiceDeduction,
    InvoiceKind,
    InvoiceLine,
    InvoiceReminder,
    InvoiceStatus,
    MandateSequence,
    Payment,
    Refund,
    SepaMandate,
)
from .jobs import Job, JobState, QueueWorker
from .ledger import Charge, ChargeSource
from .mail import OPTIONAL_KINDS, MailKind, OutboxAttachment, OutboxMessage, OutboxState
from .orders import CycleBudget, CycleStatus, Offer, OrderCycle, OrderNeed, Supplier
from .routes import PlanStatus, RoutePlan
from .storage import StorageBooking, StorageStatus, StorageZone
from .vehicles import (
    HOLDING_STATUSES,
    BookingStatus,
    CalendarFeed,
    Vehicle,
    VehicleBlackout,
    VehicleBooking,
    VehicleKind,
    VehicleQuota,
)

__all__ = [
    # base
    "VatRegime", "VatTreatment", "Nature", "enum_column", "AddressMixin", "TemperatureClass",
    # directory
    "MemberKind", "SiteKind", "FunderKind", "Coordination", "Member", "Site", "Funder",
    # accounts
    "Role", "User", "RoleGrant", "ApiToken",
    # audit
    "AuditEvent",
    # ledger
    "ChargeSource", "Charge",
    # vehicles
    "VehicleKind", "BookingStatus", "HOLDING_STATUSES", "Vehicle", "VehicleBooking", "VehicleBlackout",
    "VehicleQuota", "CalendarFeed",
    # storage
    "StorageStatus", "StorageZone", "StorageBooking",
    # routes
    "PlanStatus", "RoutePlan",
    # orders
    "Supplier", "Offer", "CycleStatus", "OrderCycle", "OrderNeed", "CycleBudget",
    # idempotency
    "IdempotentRequest",
    # invoices
    "InvoiceKind", "InvoiceStatus", "InvoiceCounter", "BillingRun", "Invoice", "InvoiceLine",
    "InvoiceDeduction", "Payment", "MandateSequence", "SepaMandate", "DirectDebit", "Refund", "InvoiceReminder",
    # banking
    "BankStatement", "BankLine", "BankLineState", "AccountCredit",
    # accounting
    "ChartOfAccounts",
    # mail
    "MailKind", "OPTIONAL_KINDS", "OutboxState", "OutboxMessage", "OutboxAttachment",
    # jobs
    "JobState", "Job", "QueueWorker",
]


"""Invoices and credit notes: numbering, billing runs, lines, funders' deductions, payments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .base import Nature, VatTreatment, enum_column
from .directory import Funder, Member


class InvoiceKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    CREDITED = "credited"  # fully cancelled by credit notes


class InvoiceCounter(Base):
    """The last number issued in a coordination's series for one year (locked while issuing)."""

    __tablename__ = "invoice_counter"

    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class BillingRun(Base):
    """One period's invoicing: a draft per payer from its uninvoiced charges, issued together."""

    __tablename__ = "billing_run"
    __table_args__ = (CheckConstraint("period_end >= period_start", name="period_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the issued PDFs as one ZIP, built by the issuing job (loaded only when downloaded)
    archive: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class Invoice(Base):
    """An invoice or credit note to a member (or a funder). Immutable once issued: the number,
    the stored PDF and its SHA-256 never change; corrections go through credit notes."""

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("coordination_id", "number"),
        CheckConstraint("(member_id IS NULL) <> (funder_id IS NULL)", name="one_customer"),
        CheckConstraint("paid_cents >= 0 AND credited_cents >= 0", name="settled_amounts"),
        CheckConstraint("(status = 'draft') = (number IS NULL)", name="number_when_issued"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("funder.id"), index=True)
    kind: Mapped[InvoiceKind] = mapped_column(enum_column(InvoiceKind, "invoice_kind"))
    status: Mapped[InvoiceStatus] = mapped_column(enum_column(InvoiceStatus, "invoice_status"))
    number: Mapped[str | None] = mapped_column(String(35))
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    lines_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    deductions_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # incl. VAT, after deductions
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    credited_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    original_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))  # a credit note's invoice
    reason: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    billing_run_id: Mapped[int | None] = mapped_column(ForeignKey("billing_run.id"), index=True)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # ISO 11649 creditor reference ("RF…"), given at issue: what the payer quotes on a transfer
    payment_reference: Mapped[str | None] = mapped_column(String(25), unique=True)
    # SEPA direct debit: the mandate it is collected under and the collection date it states
    mandate_id: Mapped[int | None] = mapped_column(ForeignKey("sepa_mandate.id"), index=True)
    debit_on: Mapped[date | None] = mapped_column(Date)
    direct_debit_id: Mapped[int | None] = mapped_column(ForeignKey("direct_debit.id"), index=True)
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # credit notes
    # the late-payment penalty rate (% a year) the invoice states, fixed at issue
    late_penalty_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))

    lines: Mapped[list[InvoiceLine]] = relationship(order_by="InvoiceLine.position", cascade="all, delete-orphan")
    deductions: Mapped[list[InvoiceDeduction]] = relationship(
        order_by="InvoiceDeduction.id", cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(order_by="Payment.id")
    member: Mapped[Member | None] = relationship()
    funder: Mapped[Funder | None] = relationship()
    original: Mapped[Invoice | None] = relationship(remote_side=[id])
    mandate: Mapped[SepaMandate | None] = relationship()

    @property
    def remaining_cents(self) -> int:
        """What is left to pay; never negative (a credit beyond it is credit on the account)."""
        return max(self.total_cents - self.paid_cents - self.credited_cents, 0)

    @property
    def creditable_cents(self) -> int:
        """What a credit note may still cancel: the total not yet credited, paid or not."""
        return self.total_cents - self.credited_cents


class InvoiceLine(Base):
    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit: Mapped[str] = mapped_column(String(20))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(16, 4))  # excl. VAT, euros
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # excl. VAT
    vat_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    nature: Mapped[Nature] = mapped_column(enum_column(Nature, "nature"))
    source: Mapped[str] = mapped_column(String(120))  # in words, e.g. "Réservation véhicule n° 12"
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charge.id"), index=True)
    unit_label: Mapped[str] = mapped_column(String(40), default="", server_default="")  # "palette-jour"
    basis: Mapped[str] = mapped_column(Text, default="", server_default="")  # the charge's computation
    # the line's VAT treatment, fixed when the draft is filled; None: the coordination's regime
    vat_treatment: Mapped[VatTreatment | None] = mapped_column(
        enum_column(VatTreatment, "vat_treatment"), nullable=True)


class InvoiceDeduction(Base):
    """A funder's share or a subsidy, deducted from what the customer owes."""

    __tablename__ = "invoice_deduction"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(300))
    funder: Mapped[str] = mapped_column(String(200))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    vat_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    source: Mapped[str] = mapped_column(String(120), default="")
    # the VAT treatment of the charge it comes from; None: the coordination's regime
    vat_treatment: Mapped[VatTreatment | None] = mapped_column(
        enum_column(VatTreatment, "vat_treatment"), nullable=True)


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(30))  # transfer, cheque, cash, direct_debit
    reference: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # where the money came from: a line of an imported bank statement, or a credit on the account
    bank_line_id: Mapped[int | None] = mapped_column(ForeignKey("bank_line.id"), index=True)
    account_credit_id: Mapped[int | None] = mapped_column(ForeignKey("account_credit.id"), index=True)


class MandateSequence(enum.StrEnum):
    """SEPA sequence type: the first collection under a mandate, then recurring ones."""

    FIRST = "FRST"
    RECURRING = "RCUR"


class SepaMandate(Base):
    """A member's SEPA direct-debit mandate (core scheme) to the coordination."""

    __tablename__ = "sepa_mandate"
    __table_args__ = (UniqueConstraint("coordination_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    reference: Mapped[str] = mapped_column(String(35))  # the unique mandate reference (RUM)
    signed_on: Mapped[date] = mapped_column(Date)
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str] = mapped_column(String(11))
    account_holder: Mapped[str] = mapped_column(String(70))
    sequence: Mapped[MandateSequence] = mapped_column(enum_column(MandateSequence, "mandate_sequence"))
    revoked_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()


class DirectDebit(Base):
    """One pain.008 direct-debit file: the collections of some issued invoices."""

    __tablename__ = "direct_debit"

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(35))
    count: Mapped[int]
    total_cents: Mapped[int] = mapped_column(BigInteger)
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Refund(Base):
    """Money paid back to the customer of a credit note (what it credited beyond what was due)."""

    __tablename__ = "refund"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    credit_note_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(30))
    reference: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvoiceReminder(Base):
    """A reminder letter sent for an overdue invoice (level 1 or 2), kept as sent."""

    __tablename__ = "invoice_reminder"
    __table_args__ = (UniqueConstraint("invoice_id", "level"), CheckConstraint("level IN (1, 2)", name="level"))

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    level: Mapped[int]
    sent_on: Mapped[date] = mapped_column(Date)
    days_late: Mapped[int]
    remaining_cents: Mapped[int] = mapped_column(BigInteger)
    penalty_cents: Mapped[int] = mapped_column(BigInteger)
    indemnity_cents: Mapped[int] = mapped_column(BigInteger)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

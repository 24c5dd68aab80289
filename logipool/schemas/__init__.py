"""Marshmallow schemas of the HTTP API and the pages' forms. Unknown fields are refused (marshmallow's RAISE).

Body schemas and query-argument schemas are separate classes; money is a decimal string with
two places ("12.34"), datetimes are ISO 8601 with an offset.

One module per capability, as in ``api/``, ``services/``, ``web/`` and ``models/``: ``directory``,
``accounts``, ``ledger``, ``health``, ``vehicles``, ``storage``, ``routes``, ``orders``, ``invoices``,
``banking``, ``accounting``, ``funding``, ``mail``, ``audit``, ``privacy``; ``common`` holds the shared field types
and base schemas. Every public name is re-exported here, so ``from logipool import schemas as s`` then
``s.BookingSchema`` works."""

from __future__ import annotations

from .accounting import ChartOfAccountsSchema, FecQuery
from .accounts import (
    AdministratorSchema,
    InvitationSchema,
    LanguageSchema,
    MeSchema,
    MeUpdateSchema,
    NewPasswordSchema,
    SignInSchema,
    TokenCreatedSchema,
    TokenCreateSchema,
    TokenSchema,
    UserQuery,
    UserSchema,
    UserUpdateSchema,
)
from .audit import AUDIT_ACTIONS, AUDIT_ENTITIES, AuditActorSchema, AuditEventSchema, AuditQuery
from .banking import (
    AccountCreditQuery,
    AccountCreditSchema,
    BankImportResultSchema,
    BankLineMatchSchema,
    BankLinePaymentSchema,
    BankLineQuery,
    BankLineSchema,
    BankStatementSchema,
    page_of_bank_lines,
    page_of_credits,
    page_of_statements,
)
from .common import (
    MAX_CENTS,
    MONEY_PATTERN,
    AddressFields,
    Bic,
    CsvQuery,
    Day,
    Email,
    Iban,
    Identifier,
    LangQuery,
    Money,
    Name,
    PageArgs,
    PeriodArgs,
    Siren,
    Siret,
    UtcDateTime,
    VatNumber,
    Whole,
    decimal_between,
    page_of,
    printable,
)
from .directory import (
    CoordinationSchema,
    CoordinationUpdateSchema,
    FunderSchema,
    FunderUpdateSchema,
    MemberQuery,
    MemberSchema,
    MemberUpdateSchema,
    SiteQuery,
    SiteSchema,
    SiteUpdateSchema,
    VatTreatmentsSchema,
)
from .funding import (
    FundedMemberSchema,
    FundedPartSchema,
    FundedPeriodSchema,
    FundedPeriodSourceSchema,
    FundedSourceSchema,
    FunderStatementPdfQuery,
    FunderStatementQuery,
    FunderStatementSchema,
)
from .health import HealthSchema
from .invoices import (
    MONEY_NOTE,
    BillingRunCreateSchema,
    BillingRunSchema,
    CreditNoteRequestSchema,
    ExportQuery,
    InvoiceCreateSchema,
    InvoiceDeductionSchema,
    InvoiceLineSchema,
    InvoiceQuery,
    InvoiceSchema,
    InvoiceSummarySchema,
    InvoiceUpdateSchema,
    OpenItemSchema,
    PaymentCreateSchema,
    PaymentSchema,
    RunInvoiceSchema,
    StatementEntrySchema,
    StatementPdfQuery,
    StatementQuery,
    StatementSchema,
    page_of_runs,
    page_of_summaries,
)
from .jobs import JOB_STATES, JobErrorSchema, JobSchema, job_problem
from .ledger import ChargeQuery, ChargeSchema, ChargeTotalsSchema, SubsidySchema
from .mail import MailPreferencesSchema
from .orders import (
    FEE_KEYS,
    AllocateSchema,
    BudgetSchema,
    DeliveryItemSchema,
    DeliveryNoteSchema,
    DonationItemSchema,
    DonationLeftoverSchema,
    DonationLineSchema,
    DonationMemberSchema,
    DonationNeedSchema,
    DonationResultSchema,
    DonationSplitSchema,
    ImportQuery,
    ImportResultSchema,
    NeedQuery,
    NeedSchema,
    NeedUpdateSchema,
    OfferQuery,
    OfferSchema,
    OfferUpdateSchema,
    OrderCycleDetailSchema,
    OrderCycleQuery,
    OrderCycleSchema,
    OrderCycleUpdateSchema,
    PurchaseOrderSummarySchema,
    Quantity,
    ReceivedItemSchema,
    ReceiveSchema,
    SettlementSchema,
    SupplierQuery,
    SupplierSchema,
    SupplierUpdateSchema,
    TierSchema,
)
from .payments import (
    DebitInvoiceSchema,
    DirectDebitCreateSchema,
    DirectDebitSchema,
    MandateCreateSchema,
    MandateQuery,
    MandateRevokeSchema,
    MandateSchema,
    OverdueQuery,
    OverdueSchema,
    RefundCreateSchema,
    RefundSchema,
    ReminderSchema,
    page_of_direct_debits,
    page_of_mandates,
)
from .privacy import (
    ErasureSchema,
    PersonActionSchema,
    PersonalDataSchema,
    PersonRoleSchema,
    PersonSchema,
    PersonTokenSchema,
)
from .routes import SHARE_METHODS, PlanStopSchema, RoutePlanRequestSchema, RoutePlanResultSchema, RoutePlanSchema
from .storage import (
    ChargeUntilSchema,
    CostPartSchema,
    EndStorageSchema,
    FunderShareSchema,
    OccupancyQuery,
    OccupancySchema,
    OccupancyStepSchema,
    StorageBookingSchema,
    StorageQuery,
    WarehouseCostResultSchema,
    WarehouseCostSchema,
    ZoneSchema,
    ZoneUpdateSchema,
)
from .vehicles import (
    AvailabilityQuery,
    BlackoutSchema,
    BookingQuery,
    BookingSchema,
    BusySchema,
    DecisionSchema,
    FeedCreateSchema,
    FeedSchema,
    FreeBusySchema,
    FreeSchema,
    OccurrenceConflictSchema,
    OdometerSchema,
    QuotaSchema,
    QuotaUpdateSchema,
    RecurringBookingSchema,
    RecurringResultSchema,
    VehicleQuery,
    VehicleSchema,
    VehicleUpdateSchema,
)

__all__ = [
    # audit
    "AUDIT_ENTITIES", "AUDIT_ACTIONS", "AuditActorSchema", "AuditEventSchema", "AuditQuery",
    # common
    "Whole", "UtcDateTime", "Day", "MAX_CENTS", "MONEY_PATTERN", "Money", "decimal_between", "printable",
    "Siren", "Siret",
    "Identifier", "VatNumber", "Iban", "Bic",
    "Name", "Email", "PageArgs", "page_of", "AddressFields", "PeriodArgs", "LangQuery", "CsvQuery",
    # directory
    "CoordinationSchema", "VatTreatmentsSchema", "CoordinationUpdateSchema", "MemberSchema", "MemberUpdateSchema",
    "MemberQuery",
    "SiteSchema", "SiteUpdateSchema", "SiteQuery", "FunderSchema", "FunderUpdateSchema",
    # accounts
    "UserSchema", "UserUpdateSchema", "UserQuery", "TokenSchema", "TokenCreateSchema", "TokenCreatedSchema",
    "SignInSchema", "NewPasswordSchema", "InvitationSchema", "AdministratorSchema", "LanguageSchema", "MeSchema",
    "MeUpdateSchema",
    # mail
    "MailPreferencesSchema",
    # ledger
    "SubsidySchema", "ChargeSchema", "ChargeQuery", "ChargeTotalsSchema",
    # health
    "HealthSchema",
    # vehicles
    "VehicleSchema", "VehicleUpdateSchema", "VehicleQuery", "AvailabilityQuery", "BusySchema", "FreeSchema",
    "FreeBusySchema", "BookingSchema", "BookingQuery", "RecurringBookingSchema", "OccurrenceConflictSchema",
    "RecurringResultSchema", "DecisionSchema", "OdometerSchema", "BlackoutSchema", "QuotaSchema",
    "QuotaUpdateSchema", "FeedCreateSchema", "FeedSchema",
    # storage
    "ZoneSchema", "ZoneUpdateSchema", "StorageBookingSchema", "StorageQuery", "EndStorageSchema",
    "ChargeUntilSchema", "OccupancyStepSchema", "OccupancySchema", "OccupancyQuery", "FunderShareSchema",
    "WarehouseCostSchema", "CostPartSchema", "WarehouseCostResultSchema",
    # privacy
    "PersonSchema", "PersonRoleSchema", "PersonTokenSchema", "PersonActionSchema", "PersonalDataSchema",
    "ErasureSchema",
    # routes
    "SHARE_METHODS", "PlanStopSchema", "RoutePlanRequestSchema", "RoutePlanSchema", "RoutePlanResultSchema",
    # orders
    "Quantity", "SupplierSchema", "SupplierUpdateSchema", "SupplierQuery", "TierSchema", "OfferSchema",
    "OfferUpdateSchema", "OfferQuery", "ImportResultSchema", "ImportQuery", "FEE_KEYS", "OrderCycleSchema",
    "OrderCycleUpdateSchema", "OrderCycleQuery", "OrderCycleDetailSchema", "AllocateSchema", "NeedSchema",
    "NeedUpdateSchema", "NeedQuery", "BudgetSchema", "ReceivedItemSchema", "ReceiveSchema",
    "SettlementSchema", "PurchaseOrderSummarySchema", "DonationItemSchema", "DonationNeedSchema",
    "DonationSplitSchema", "DonationLineSchema", "DonationMemberSchema", "DonationLeftoverSchema",
    "DonationResultSchema", "DeliveryItemSchema", "DeliveryNoteSchema",
    # invoices
    "MONEY_NOTE", "InvoiceQuery", "InvoiceCreateSchema", "InvoiceUpdateSchema", "InvoiceLineSchema",
    "InvoiceDeductionSchema", "PaymentCreateSchema", "PaymentSchema", "CreditNoteRequestSchema",
    "InvoiceSummarySchema", "InvoiceSchema", "BillingRunCreateSchema", "RunInvoiceSchema", "BillingRunSchema",
    "StatementQuery", "StatementPdfQuery", "OpenItemSchema", "StatementEntrySchema", "StatementSchema",
    "ExportQuery", "page_of_summaries", "page_of_runs",
    # banking
    "BankStatementSchema", "BankImportResultSchema", "BankLineQuery", "BankLinePaymentSchema", "BankLineSchema",
    "BankLineMatchSchema", "AccountCreditQuery", "AccountCreditSchema", "page_of_statements",
    "page_of_bank_lines", "page_of_credits",
    # accounting
    "FecQuery", "ChartOfAccountsSchema",
    # funding
    "FunderStatementQuery", "FunderStatementPdfQuery", "FundedPeriodSchema", "FundedSourceSchema",
    "FundedPeriodSourceSchema", "FundedMemberSchema", "FundedPartSchema", "FunderStatementSchema",
    # payments
    "MandateCreateSchema", "MandateSchema", "MandateQuery", "MandateRevokeSchema", "DirectDebitCreateSchema",
    "DebitInvoiceSchema", "DirectDebitSchema", "OverdueQuery", "OverdueSchema", "ReminderSchema",
    "RefundCreateSchema", "RefundSchema", "page_of_mandates", "page_of_direct_debits",
    # jobs
    "JOB_STATES", "JobErrorSchema", "JobSchema", "job_problem",
]


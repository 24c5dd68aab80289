"""Schemas of the invoicing endpoints: invoices, credit notes, payments, billing runs, statements.

Money is a decimal string ("12.34") on the wire and integer cents inside; unknown fields are
refused; dates are local calendar dates (ISO 8601, no time)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from purchasing import format_cents

from ..models import InvoiceKind, InvoiceStatus
from ..services import invoicing
from ..services.parties import vat_regime
from .common import MONEY_PATTERN, CsvQuery, Day, LangQuery, Money, PageArgs, UtcDateTime, Whole, page_of, printable

MONEY_NOTE = "Decimal string in euros, e.g. \"12.34\"."


class InvoiceQuery(PageArgs):
    member_id = Whole()
    funder_id = Whole()
    status = fields.Enum(InvoiceStatus, by_value=True)
    kind = fields.Enum(InvoiceKind, by_value=True)
    billing_run_id = Whole()


class InvoiceCreateSchema(Schema):
    member_id = Whole(metadata={"description": "The member invoiced (or give funder_id)."})
    funder_id = Whole(metadata={"description": "The funder invoiced (or give member_id)."})
    charge_ids = fields.List(Whole(), load_default=list, validate=validate.Length(max=5000),
                             metadata={"description": "Uninvoiced charges of that payer; may be empty for now."})
    note = fields.String(validate=[validate.Length(max=500), printable],
                         metadata={"description": "Printed on the invoice; default: the coordination's note."})

    @validates_schema
    def _one_payer(self, data, **kwargs):
        if (data.get("member_id") is None) == (data.get("funder_id") is None):
            raise ValidationError("Give exactly one of member_id and funder_id.", "member_id")


class InvoiceUpdateSchema(Schema):
    note = fields.String(validate=[validate.Length(max=500), printable])
    due_date = Day(allow_none=True, metadata={
        "description": "null: issue date + the coordination's payment terms (at most 60 days)."})


class InvoiceLineSchema(Schema):
    position = Whole()
    description = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit = fields.String(metadata={"description": "UN/ECE Rec. 20 unit code: DAY, HUR, KMT, KGM, C62 (one), "
                                                  "LS (lump sum, when the charge has no quantity)."})
    unit_label = fields.String(metadata={"description": "Printed unit when it is compound, e.g. palette-jour "
                                                        "(pallet-days, sent as DAY); empty otherwise."})
    unit_price = fields.Decimal(as_string=True, metadata={"description": "Excluding VAT, euros."})
    amount = Money(attribute="amount_cents", metadata={"description": "Excluding VAT."})
    vat_rate = fields.Decimal(as_string=True, allow_none=True, places=2)
    nature = fields.String(attribute="nature.value")
    vat_treatment = fields.Function(
        lambda line: line.vat_treatment.value if line.vat_treatment else None, allow_none=True,
        metadata={"type": "string", "description": "The VAT treatment of the charge's nature when the line was filled "
                                 "(outside_vat, franchise_293b, cost_sharing_261b, vat_registered, disbursement); "
                                 "null: the coordination's vat_regime."})
    vat_category = fields.Function(
        lambda line: vat_regime(line.vat_treatment).category_code if line.vat_treatment else None,
        allow_none=True, metadata={"type": "string",
                                   "description": "EN 16931 VAT category of the line: S (VAT charged), "
                                                  "E (exempt, or disbursement excluded from the base), "
                                                  "O (outside the scope); null with vat_treatment null."})
    source = fields.String(metadata={"description": "What the charge comes from, in words, e.g. "
                                                    "« Commande groupée n° 1 — novembre 2026 »."})
    charge_id = Whole(allow_none=True)
    basis = fields.String(metadata={"description": "How the amount was computed (key, the payer's quantity "
                                                   "against the total, rate, funders' parts); on the first line "
                                                   "of each charge, printed in the « Détail du calcul » annex."})


class InvoiceDeductionSchema(Schema):
    label = fields.String()
    funder = fields.String()
    amount = Money(attribute="amount_cents", metadata={"description": "Excluding VAT."})
    vat_rate = fields.Decimal(as_string=True, allow_none=True, places=2)
    source = fields.String()


class PaymentCreateSchema(Schema):
    amount = Money(attribute="amount_cents", data_key="amount", required=True, metadata={"description": MONEY_NOTE})
    paid_on = Day(required=True)
    method = fields.String(required=True, validate=validate.OneOf(invoicing.PAYMENT_METHODS))
    reference = fields.String(load_default="", validate=validate.Length(max=100))


class PaymentSchema(PaymentCreateSchema):
    id = Whole(dump_only=True)
    invoice_id = Whole(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    bank_line_id = Whole(dump_only=True, allow_none=True, metadata={
        "description": "The bank statement line it was matched from, if any."})
    account_credit_id = Whole(dump_only=True, allow_none=True, metadata={
        "description": "The credit on the account it was taken from (method account_credit), if any."})


class CreditNoteRequestSchema(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=200), printable])
    amount = Money(attribute="amount_cents", data_key="amount", metadata={
        "description": "Incl. VAT; default: all that remains to pay."})


class InvoiceSummarySchema(Schema):
    id = Whole()
    kind = fields.Enum(InvoiceKind, by_value=True)
    status = fields.Enum(InvoiceStatus, by_value=True)
    number = fields.String(allow_none=True, metadata={"description": "YYYY-NNNNNN, given at issue."})
    member_id = Whole(allow_none=True)
    funder_id = Whole(allow_none=True)
    customer = fields.Function(invoicing.customer_name, metadata={"type": "string"})
    billing_run_id = Whole(allow_none=True)
    issue_date = Day(allow_none=True)
    due_date = Day(allow_none=True)
    period_start = Day(allow_none=True)
    period_end = Day(allow_none=True)
    total = Money(attribute="total_cents", metadata={"description": "Incl. VAT, after deductions: what is due."})
    paid = Money(attribute="paid_cents")
    credited = Money(attribute="credited_cents")
    remaining = fields.Function(lambda inv: format_cents(invoicing.remaining_cents(inv)),
                                metadata={"type": "string", "pattern": MONEY_PATTERN,
                                          "description": "Left to pay (0 for drafts and credit notes)."})
    original_id = Whole(allow_none=True)
    original_number = fields.Function(lambda inv: inv.original.number if inv.original else None, allow_none=True,
                                      metadata={"type": "string"})
    payment_reference = fields.String(allow_none=True, metadata={
        "description": "ISO 11649 creditor reference (RF…) given at issue: what the payer quotes on a transfer "
                       "(printed, in the EPC QR code and in the Factur-X PaymentReference)."})
    debit_on = Day(allow_none=True, metadata={
        "description": "Collected by SEPA direct debit on this day (« prélevé le »); null: paid by transfer."})
    mandate_id = Whole(allow_none=True)
    direct_debit_id = Whole(allow_none=True, metadata={"description": "The pain.008 file that collects it."})
    created_at = UtcDateTime()
    issued_at = UtcDateTime(allow_none=True)


class InvoiceSchema(InvoiceSummarySchema):
    original_issue_date = fields.Function(lambda inv: inv.original.issue_date.isoformat() if inv.original else None,
                                          allow_none=True, metadata={"type": "string", "format": "date"})
    reason = fields.String(metadata={"description": "Why a credit note was issued."})
    note = fields.String()
    lines_total = Money(attribute="lines_cents", metadata={"description": "Lines excl. VAT, before deductions."})
    deductions_total = Money(attribute="deductions_cents", metadata={"description": "Excluding VAT."})
    vat = Money(attribute="vat_cents")
    pdf_sha256 = fields.String(allow_none=True, metadata={"description": "SHA-256 of the stored PDF."})
    lines = fields.List(fields.Nested(InvoiceLineSchema))
    deductions = fields.List(fields.Nested(InvoiceDeductionSchema))
    payments = fields.List(fields.Nested(PaymentSchema))
    refunded = Money(attribute="refunded_cents", metadata={"description": "A credit note: what was paid back."})
    late_penalty_rate = fields.Decimal(as_string=True, places=2, allow_none=True, metadata={
        "description": "The late-payment penalty rate (% a year) the invoice states."})


class BillingRunCreateSchema(Schema):
    period_start = Day(required=True)
    period_end = Day(required=True, metadata={
        "description": "Inclusive local date: charges whose period ends by the following midnight are gathered."})
    confirm_in_progress = fields.Boolean(load_default=False, metadata={
        "description": "A period ending today or later is refused unless this is true (charges may still come)."})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["period_end"] < data["period_start"]:
            raise ValidationError("The period ends before it starts.", "period_end")


class RunInvoiceSchema(Schema):
    invoice_id = Whole()
    member_id = Whole(allow_none=True)
    funder_id = Whole(allow_none=True)
    payer = fields.String()
    lines = Whole(metadata={"description": "How many lines (charges)."})
    total = Money(attribute="total_cents")
    status = fields.Enum(InvoiceStatus, by_value=True)
    number = fields.String(allow_none=True)


class BillingRunSchema(Schema):
    id = Whole()
    period_start = Day()
    period_end = Day()
    status = fields.String(metadata={"description": "draft or issued"})
    created_at = UtcDateTime()
    issued_at = UtcDateTime(allow_none=True)
    count = Whole()
    total = Money(attribute="total_cents")
    invoices = fields.List(fields.Nested(RunInvoiceSchema))


class StatementQuery(Schema):
    member_id = Whole(metadata={"description": "Required for staff and auditors; yours otherwise."})
    start = Day(metadata={"description": "First day of the period (inclusive); the balance before it opens the "
                                         "statement. Without it: from the first document."})
    end = Day(metadata={"description": "Last day of the period (inclusive); today by default, and a later day "
                                       "counts as today."})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("The period ends before it starts.", "end")


class StatementPdfQuery(StatementQuery, LangQuery):
    pass


class OpenItemSchema(Schema):
    number = fields.String()
    issue_date = Day()
    due_date = Day()
    amount = Money(attribute="amount_cents")
    remaining = Money(attribute="remaining_cents")
    overdue = fields.Boolean()


class StatementEntrySchema(Schema):
    date = Day()
    kind = fields.String(metadata={"description": "invoice, credit_note, payment or refund"})
    reference = fields.String()
    label = fields.String()
    amount = Money(attribute="amount_cents")
    invoice_reference = fields.String(allow_none=True)
    balance = Money(attribute="balance_cents", metadata={"description": "Running balance after the entry."})


class StatementSchema(Schema):
    member_id = Whole()
    start = Day(allow_none=True, metadata={"description": "First day of the period (null: from the first document)."})
    as_of = Day(metadata={"description": "Last day of the period."})
    opening_balance = Money(attribute="opening_balance_cents",
                            metadata={"description": "What the member owed before `start` (0 without it)."})
    invoiced = Money(attribute="invoiced_cents")
    credited = Money(attribute="credited_cents")
    paid = Money(attribute="paid_cents")
    refunded = Money(attribute="refunded_cents", metadata={"description": "Credit paid back to the member."})
    credit = Money(attribute="credit_cents", metadata={
        "description": "Credit on the account: credit notes beyond what was due and payments not yet used, "
                       "less refunds."})
    balance = Money(attribute="balance_cents", metadata={
        "description": "What the member owes at the end of the period (negative: credit): the opening balance "
                       "plus invoiced and refunded, less credited and paid in the period."})
    overdue = Money(attribute="overdue_cents")
    open_items = fields.List(fields.Nested(OpenItemSchema))
    entries = fields.List(fields.Nested(StatementEntrySchema))


class ExportQuery(CsvQuery):
    start = Day(required=True, metadata={"description": "First issue date (inclusive)."})
    end = Day(required=True, metadata={"description": "Last issue date (inclusive)."})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["end"] < data["start"]:
            raise ValidationError("The period ends before it starts.", "end")


page_of_summaries = page_of(InvoiceSummarySchema)


page_of_runs = page_of(BillingRunSchema)

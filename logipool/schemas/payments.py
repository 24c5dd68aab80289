"""Schemas of getting paid: SEPA mandates, direct-debit files, overdue invoices and reminders,
refunds of credit notes."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models import MandateSequence
from ..services import invoicing
from .common import Day, Money, PageArgs, UtcDateTime, Whole, page_of


class MandateCreateSchema(Schema):
    member_id = Whole(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=35), metadata={
        "description": "The unique mandate reference (RUM) printed on the signed mandate."})
    signed_on = Day(required=True, metadata={"description": "Date of signature (not in the future)."})
    iban = fields.String(required=True, validate=validate.Length(min=5, max=50), metadata={
        "description": "The debtor's account; checked (ISO 13616) and stored compact."})
    bic = fields.String(required=True, validate=validate.Length(min=8, max=11))
    account_holder = fields.String(validate=validate.Length(max=70), metadata={
        "description": "Default: the member's legal name."})


class MandateSchema(MandateCreateSchema):
    id = Whole(dump_only=True)
    sequence = fields.Enum(MandateSequence, by_value=True, dump_only=True, metadata={
        "description": "FRST until the mandate's first direct-debit file, RCUR after."})
    revoked_on = Day(allow_none=True, dump_only=True)
    created_at = UtcDateTime(dump_only=True)


class MandateQuery(PageArgs):
    member_id = Whole()


class MandateRevokeSchema(Schema):
    revoked_on = Day(metadata={"description": "Default: today."})


class DirectDebitCreateSchema(Schema):
    billing_run_id = Whole(metadata={"description": "Collect the run's open invoices of mandated members."})
    invoice_ids = fields.List(Whole(), validate=validate.Length(min=1, max=5000), metadata={
        "description": "Or these issued invoices; each must be collectable (422 otherwise)."})
    collection_date = Day(metadata={
        "description": "Default: each invoice's stated collection date (its due date), at the earliest tomorrow."})

    @validates_schema
    def _one_source(self, data, **kwargs):
        if (data.get("billing_run_id") is None) == (data.get("invoice_ids") is None):
            raise ValidationError("Give exactly one of billing_run_id and invoice_ids.", "billing_run_id")


class DebitInvoiceSchema(Schema):
    id = Whole()
    number = fields.String()
    member_id = Whole()
    debit_on = Day()
    remaining = Money(attribute="remaining_cents")


class DirectDebitSchema(Schema):
    id = Whole()
    message_id = fields.String(metadata={"description": "The pain.008 message identification."})
    count = Whole()
    total = Money(attribute="total_cents")
    created_at = UtcDateTime()
    invoices = fields.List(fields.Nested(DebitInvoiceSchema))


class OverdueQuery(Schema):
    on = Day(metadata={"description": "Default: today."})


class OverdueSchema(Schema):
    invoice_id = Whole()
    number = fields.String()
    member_id = Whole(allow_none=True)
    funder_id = Whole(allow_none=True)
    customer = fields.String()
    issue_date = Day()
    due_date = Day()
    days_late = Whole()
    remaining = Money(attribute="remaining_cents")
    penalty = Money(attribute="penalty_cents", metadata={
        "description": "Late-payment penalties at the rate the invoice states: rate × days late / 365 × remaining."})
    indemnity = Money(attribute="indemnity_cents", metadata={
        "description": "The fixed recovery indemnity of 40 € (art. D441-5 C. com.)."})
    total = Money(attribute="total_cents", metadata={"description": "Remaining + penalty + indemnity."})
    payment_reference = fields.String(allow_none=True)
    reminders_sent = fields.List(Whole())
    reminder_due = Whole(allow_none=True, metadata={"description": "1 or 2: the reminder the schedule calls for."})


class ReminderSchema(Schema):
    id = Whole()
    invoice_id = Whole()
    level = Whole()
    sent_on = Day()
    days_late = Whole()
    remaining = Money(attribute="remaining_cents")
    penalty = Money(attribute="penalty_cents")
    indemnity = Money(attribute="indemnity_cents")
    created_at = UtcDateTime()


class RefundCreateSchema(Schema):
    amount = Money(attribute="amount_cents", data_key="amount", required=True)
    paid_on = Day(required=True)
    method = fields.String(required=True, validate=validate.OneOf(invoicing.PAYMENT_METHODS))
    reference = fields.String(load_default="", validate=validate.Length(max=100))


class RefundSchema(RefundCreateSchema):
    id = Whole(dump_only=True)
    credit_note_id = Whole(dump_only=True)
    created_at = UtcDateTime(dump_only=True)


page_of_mandates = page_of(MandateSchema)
page_of_direct_debits = page_of(DirectDebitSchema)

"""Schemas of the ledger of charges and their totals."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models import ChargeSource, Nature
from .common import Money, PageArgs, UtcDateTime, Whole, decimal_between


class SubsidySchema(Schema):
    funder_id = Whole()
    funder = fields.String()
    amount = Money(attribute="cents", data_key="amount")


class ChargeSchema(Schema):
    id = Whole(dump_only=True)
    member_id = Whole(allow_none=True)
    funder_id = Whole(allow_none=True)
    source_type = fields.Enum(ChargeSource, by_value=True, dump_only=True)
    source_id = Whole(dump_only=True, allow_none=True)
    label = fields.String(required=True, validate=validate.Length(min=1, max=300))
    period_start = UtcDateTime(required=True)
    period_end = UtcDateTime(required=True)
    allocation_key = fields.String(dump_only=True)
    basis = fields.String(
        required=True,
        validate=validate.Length(min=1, max=5000),
        metadata={"description": "How the amount was computed, for people to read."},
    )
    amount = Money(attribute="amount_cents", data_key="amount", required=True)
    nature = fields.Enum(Nature, by_value=True, required=True, metadata={
        "description": "services, goods (bought and resold) or disbursement (paid in the member's name, at cost: "
                       "débours); its VAT treatment is the coordination's vat_treatments."})
    vat_rate = fields.Decimal(
        allow_none=True,
        as_string=True,
        places=2,
        validate=decimal_between("0", "100"),
        metadata={"description": "Percent; set when the coordination charges VAT: the amount is then excl. VAT "
                                 "and VAT is added on the invoice."},
    )
    subsidies = fields.List(
        fields.Nested(SubsidySchema),
        dump_only=True,
        metadata={"description": "Parts of the gross share that funders pay; the amount is net of them."},
    )
    invoiced = fields.Boolean(dump_only=True)
    invoice_id = Whole(dump_only=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True)

    @validates_schema
    def _one_payer_and_ordered_period(self, data, **kwargs):
        if (data.get("member_id") is None) == (data.get("funder_id") is None):
            raise ValidationError("Give exactly one of member_id and funder_id.", "member_id")
        if data["period_end"] < data["period_start"]:
            raise ValidationError("The period ends before it starts.", "period_end")


class ChargeQuery(PageArgs):
    member_id = Whole()
    funder_id = Whole()
    source_type = fields.Enum(ChargeSource, by_value=True)
    invoiced = fields.Boolean()
    start = UtcDateTime(metadata={"description": "Charges whose period ends after this."})
    end = UtcDateTime(metadata={"description": "Charges whose period starts before this."})


class ChargeTotalsSchema(Schema):
    count = Whole()
    amount = Money(attribute="amount_cents", data_key="amount")

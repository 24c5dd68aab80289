"""Schemas of the funders' statements."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .common import Day, Money, Whole


class FunderStatementQuery(Schema):
    start = Day(required=True, metadata={"description": "First day of the period of service (inclusive)."})
    end = Day(required=True, metadata={"description": "Last day of the period of service (inclusive)."})

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["end"] < data["start"]:
            raise ValidationError("The period ends before it starts.", "end")


class FunderStatementPdfQuery(FunderStatementQuery):
    lang = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]))


class FundedPeriodSchema(Schema):
    period = Day(metadata={"description": "The first day of the month of service."})
    amount = Money(attribute="amount_cents")


class FundedSourceSchema(Schema):
    source = fields.String(metadata={"description": "The kind of service, e.g. « Frais d'entrepôt »."})
    amount = Money(attribute="amount_cents")


class FundedPeriodSourceSchema(FundedPeriodSchema):
    source = fields.String()


class FundedMemberSchema(Schema):
    member = fields.String()
    amount = Money(attribute="amount_cents")


class FundedPartSchema(Schema):
    period = Day()
    source = fields.String()
    member = fields.String()
    invoice_number = fields.String()
    label = fields.String(metadata={"description": "The charge the part was taken on, in words."})
    amount = Money(attribute="amount_cents")


class FunderStatementSchema(Schema):
    funder_id = Whole()
    funder = fields.String()
    start = Day()
    end = Day()
    total = Money(attribute="total_cents", metadata={"description": "Every part in the period; each grouping "
                                                                    "below sums to it."})
    by_period = fields.List(fields.Nested(FundedPeriodSchema))
    by_source = fields.List(fields.Nested(FundedSourceSchema))
    by_period_and_source = fields.List(fields.Nested(FundedPeriodSourceSchema))
    by_member = fields.List(fields.Nested(FundedMemberSchema))
    parts = fields.List(fields.Nested(FundedPartSchema))

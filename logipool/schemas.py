"""Marshmallow schemas of the HTTP API. Unknown fields are refused (marshmallow's RAISE).

Body schemas and query-argument schemas are separate classes; money is a decimal string with
two places ("12.34"), datetimes are ISO 8601 with an offset.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from purchasing import MoneyError, format_cents, to_cents

from .models import ChargeSource, FunderKind, MemberKind, Nature, Role, SiteKind, VatRegime
from .validators import opening_hours_errors, siren_error, siret_error


class UtcDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset on the way in (naive refused), UTC on the way out."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.astimezone(UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class Money(fields.Field):
    """Euros as a decimal string (``"12.34"``) on the wire, integer cents inside."""

    default_error_messages = {
        "invalid": "An amount is a decimal string with at most two decimals, e.g. \"12.34\".",
    }

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_cents(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not value.strip() or "e" in value.lower():
            raise self.make_error("invalid")
        try:
            return to_cents(value.strip())
        except MoneyError as exc:
            raise ValidationError(str(exc)) from None


def _check(error_fn):
    def validator(value):
        message = error_fn(value)
        if message:
            raise ValidationError(message)

    return validator


def _check_hours(value):
    errors = opening_hours_errors(value)
    if errors:
        raise ValidationError(errors)


Siren = lambda **kw: fields.String(validate=_check(siren_error), **kw)  # noqa: E731
Siret = lambda **kw: fields.String(validate=_check(siret_error), **kw)  # noqa: E731
Name = lambda **kw: fields.String(validate=validate.Length(min=1, max=200), **kw)  # noqa: E731
Email = lambda **kw: fields.Email(validate=validate.Length(max=254), **kw)  # noqa: E731


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200),
                           metadata={"description": "Page size (at most 200)."})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


def page_of(item_schema: type[Schema]) -> type[Schema]:
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True, metadata={"description": "Rows matching, all pages."}),
            "limit": fields.Integer(required=True),
            "offset": fields.Integer(required=True),
        },
    )


class AddressFields(Schema):
    street = fields.String(validate=validate.Length(max=200))
    postcode = fields.String(validate=validate.Regexp(r"^[0-9A-Z -]{2,10}$"))
    city = fields.String(validate=validate.Length(max=100))
    country = fields.String(validate=validate.Regexp(r"^[A-Z]{2}$"),
                            metadata={"description": "ISO 3166-1 alpha-2"})


class CoordinationSchema(AddressFields):
    id = fields.Integer(dump_only=True)
    slug = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,59}$"))
    name = Name(required=True)
    legal_name = Name(required=True)
    siren = Siren(allow_none=True)
    siret = Siret(allow_none=True)
    vat_regime = fields.Enum(VatRegime, by_value=True, required=True)
    vat_number = fields.String(allow_none=True, validate=validate.Regexp(r"^FR[0-9A-Z]{2}\d{9}$"))
    email = Email(allow_none=True)
    created_at = UtcDateTime(dump_only=True)


class CoordinationUpdateSchema(CoordinationSchema):
    slug = fields.String(dump_only=True)


class MemberSchema(AddressFields):
    id = fields.Integer(dump_only=True)
    legal_name = Name(required=True)
    short_name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    kind = fields.Enum(MemberKind, by_value=True, required=True)
    siren = Siren(required=True)
    siret = Siret(required=True)
    vat_regime = fields.Enum(VatRegime, by_value=True, required=True)
    vat_number = fields.String(allow_none=True, validate=validate.Regexp(r"^FR[0-9A-Z]{2}\d{9}$"))
    contact_email = Email(required=True)
    people_served_per_week = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    active = fields.Boolean()
    created_at = UtcDateTime(dump_only=True)


class MemberUpdateSchema(MemberSchema):
    pass


class MemberQuery(PageArgs):
    active = fields.Boolean()
    kind = fields.Enum(MemberKind, by_value=True)


class SiteSchema(AddressFields):
    id = fields.Integer(dump_only=True)
    name = Name(required=True)
    kind = fields.Enum(SiteKind, by_value=True, required=True)
    member_id = fields.Integer(allow_none=True,
                               metadata={"description": "Required for a member's distribution point."})
    latitude = fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    longitude = fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))
    opening_hours = fields.Dict(
        validate=_check_hours,
        metadata={"description": 'Weekly hours in local time: {"mon": [["08:00", "12:00"]], ...}; '
                                 "a day that is absent is closed.",
                  "example": {"mon": [["08:00", "12:00"], ["14:00", "17:30"]]}},
    )
    contact_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    contact_phone = fields.String(allow_none=True, validate=validate.Regexp(r"^\+?[0-9 .()-]{6,30}$"))
    notes = fields.String(validate=validate.Length(max=5000))
    active = fields.Boolean()


class SiteUpdateSchema(SiteSchema):
    pass


class SiteQuery(PageArgs):
    kind = fields.Enum(SiteKind, by_value=True)
    member_id = fields.Integer()


class FunderSchema(AddressFields):
    id = fields.Integer(dump_only=True)
    name = Name(required=True)
    kind = fields.Enum(FunderKind, by_value=True, required=True)
    siren = Siren(allow_none=True)
    contact_email = Email(allow_none=True)
    active = fields.Boolean()


class FunderUpdateSchema(FunderSchema):
    pass


class UserSchema(Schema):
    """A user as seen in one coordination: identity plus the role granted there."""

    id = fields.Integer(dump_only=True)
    email = Email(required=True)
    name = fields.String(validate=validate.Length(max=200))
    role = fields.Enum(Role, by_value=True, required=True)
    member_id = fields.Integer(allow_none=True,
                               metadata={"description": "Required for member_rep and treasurer."})
    active = fields.Boolean()
    created_at = UtcDateTime(dump_only=True)


class UserUpdateSchema(UserSchema):
    email = fields.Email(dump_only=True)


class UserQuery(PageArgs):
    role = fields.Enum(Role, by_value=True)


class TokenSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(validate=validate.Length(max=100))
    prefix = fields.String(dump_only=True, metadata={"description": "First characters, to recognise it."})
    user_id = fields.Integer(dump_only=True)
    created_at = UtcDateTime(dump_only=True)
    expires_at = UtcDateTime(dump_only=True)
    revoked_at = UtcDateTime(dump_only=True, allow_none=True)


class TokenCreateSchema(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=100))
    expires_in_days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=365))


class TokenCreatedSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "The secret, shown this once."})


class ChargeSchema(Schema):
    id = fields.Integer(dump_only=True)
    member_id = fields.Integer(allow_none=True)
    funder_id = fields.Integer(allow_none=True)
    source_type = fields.Enum(ChargeSource, by_value=True, dump_only=True)
    source_id = fields.Integer(dump_only=True, allow_none=True)
    label = fields.String(required=True, validate=validate.Length(min=1, max=300))
    period_start = UtcDateTime(required=True)
    period_end = UtcDateTime(required=True)
    allocation_key = fields.String(dump_only=True)
    basis = fields.String(required=True, validate=validate.Length(min=1, max=5000),
                          metadata={"description": "How the amount was computed, for people to read."})
    amount = Money(attribute="amount_cents", data_key="amount", required=True)
    nature = fields.Enum(Nature, by_value=True, required=True)
    vat_rate = fields.Decimal(allow_none=True, as_string=True, places=2,
                              validate=validate.Range(min=Decimal(0), max=Decimal(100)))
    invoiced = fields.Boolean(dump_only=True)
    invoice_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True)

    @validates_schema
    def _one_payer_and_ordered_period(self, data, **kwargs):
        if (data.get("member_id") is None) == (data.get("funder_id") is None):
            raise ValidationError("Give exactly one of member_id and funder_id.", "member_id")
        if data["period_end"] < data["period_start"]:
            raise ValidationError("The period ends before it starts.", "period_end")


class ChargeQuery(PageArgs):
    member_id = fields.Integer()
    funder_id = fields.Integer()
    source_type = fields.Enum(ChargeSource, by_value=True)
    invoiced = fields.Boolean()
    start = UtcDateTime(metadata={"description": "Charges whose period ends after this."})
    end = UtcDateTime(metadata={"description": "Charges whose period starts before this."})


class ChargeTotalsSchema(Schema):
    count = fields.Integer()
    amount = Money(attribute="amount_cents", data_key="amount")


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()

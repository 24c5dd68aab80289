"""Schemas of the directory: the coordination, its members, sites and funders."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..models import FunderKind, MemberKind, SiteKind, VatRegime, VatTreatment
from .common import (
    AddressFields,
    Bic,
    Email,
    Iban,
    Name,
    PageArgs,
    Siren,
    Siret,
    UtcDateTime,
    VatNumber,
    Whole,
    _check_hours,
    decimal_between,
)


class VatTreatmentsSchema(Schema):
    """The VAT treatment of each nature of charge; a nature left out (or null) follows vat_regime."""

    services = fields.Enum(VatTreatment, by_value=True, allow_none=True, metadata={
        "description": "Services to members (vehicles, storage, routes, fees): usually cost_sharing_261b "
                       "(art. 261 B CGI) for a grouping whose members' activity is exempt or outside VAT."})
    goods = fields.Enum(VatTreatment, by_value=True, allow_none=True, metadata={
        "description": "Goods bought and resold in joint orders: 261 B covers services only; vat_registered "
                       "(charge's rate) unless the coordination is outside VAT or under the franchise."})
    disbursement = fields.Enum(VatTreatment, by_value=True, allow_none=True, metadata={
        "description": "Disbursements at cost, paid in the member's name and on its behalf: disbursement "
                       "(débours, excluded from the taxable base, art. 267 II 2° CGI)."})


class CoordinationSchema(AddressFields):
    id = Whole(dump_only=True)
    slug = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,59}$"))
    name = Name(required=True)
    legal_name = Name(required=True)
    siren = Siren(allow_none=True)
    siret = Siret(allow_none=True)
    vat_regime = fields.Enum(VatRegime, by_value=True, required=True)
    vat_number = VatNumber(allow_none=True)
    email = Email(allow_none=True)
    payment_terms_days = Whole(
        validate=validate.Range(min=0, max=60),
        metadata={"description": "Invoices are due this many days after issue (at most 60, Code de commerce L441-10)."},
    )
    late_penalty_rate = fields.Decimal(
        as_string=True,
        places=2,
        validate=decimal_between("0.01", "99.99"),
        metadata={"description": "Late-payment penalty rate, % per year (printed on invoices)."},
    )
    iban = Iban(allow_none=True)
    bic = Bic(allow_none=True)
    invoice_note = fields.String(validate=validate.Length(max=500))
    sepa_creditor_id = fields.String(allow_none=True, validate=validate.Length(max=35), metadata={
        "description": "SEPA creditor identifier (ICS, e.g. FR72ZZZ123456), needed for direct debits; "
                       "checked (ISO 7064 mod 97-10)."})
    reminder_first_days = Whole(validate=validate.Range(min=1, max=365), metadata={
        "description": "The first reminder is due this many days after an invoice's due date (default 10)."})
    reminder_second_days = Whole(validate=validate.Range(min=2, max=730), metadata={
        "description": "The second reminder, this many days after the due date (default 30), after the first."})
    vat_treatments = fields.Nested(VatTreatmentsSchema, attribute="vat_treatment_by_nature", metadata={
        "description": "VAT treatment per nature of charge (docs/invoices.md, legal references); read back "
                       "with every nature, those not chosen following vat_regime. An update merges."})
    created_at = UtcDateTime(dump_only=True)


class CoordinationUpdateSchema(CoordinationSchema):
    slug = fields.String(dump_only=True)


class MemberSchema(AddressFields):
    id = Whole(dump_only=True)
    legal_name = Name(required=True)
    short_name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    kind = fields.Enum(MemberKind, by_value=True, required=True)
    siren = Siren(required=True)
    siret = Siret(required=True)
    vat_regime = fields.Enum(VatRegime, by_value=True, required=True)
    vat_number = VatNumber(allow_none=True)
    contact_email = Email(required=True)
    people_served_per_week = Whole(allow_none=True, validate=validate.Range(min=0, max=1_000_000))
    active = fields.Boolean()
    created_at = UtcDateTime(dump_only=True)


class MemberUpdateSchema(MemberSchema):
    pass


class MemberQuery(PageArgs):
    active = fields.Boolean()
    kind = fields.Enum(MemberKind, by_value=True)


class SiteSchema(AddressFields):
    id = Whole(dump_only=True)
    name = Name(required=True)
    kind = fields.Enum(SiteKind, by_value=True, required=True)
    member_id = Whole(allow_none=True, metadata={"description": "Required for a member's distribution point."})
    latitude = fields.Float(required=True, allow_nan=False, validate=validate.Range(-90, 90))
    longitude = fields.Float(required=True, allow_nan=False, validate=validate.Range(-180, 180))
    opening_hours = fields.Dict(
        validate=_check_hours,
        metadata={
            "description": 'Weekly hours in local time: {"mon": [["08:00", "12:00"]], ...}; '
            "a day that is absent is closed.",
            "example": {"mon": [["08:00", "12:00"], ["14:00", "17:30"]]},
        },
    )
    contact_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    contact_phone = fields.String(allow_none=True, validate=validate.Regexp(r"^\+?[0-9 .()-]{6,30}$"))
    notes = fields.String(validate=validate.Length(max=5000))
    active = fields.Boolean()


class SiteUpdateSchema(SiteSchema):
    pass


class SiteQuery(PageArgs):
    kind = fields.Enum(SiteKind, by_value=True)
    member_id = Whole()


class FunderSchema(AddressFields):
    id = Whole(dump_only=True)
    name = Name(required=True)
    kind = fields.Enum(FunderKind, by_value=True, required=True)
    siren = Siren(allow_none=True)
    contact_email = Email(allow_none=True)
    active = fields.Boolean()
    siret = Siret(allow_none=True, metadata={"description": "Required to invoice a public funder (Chorus Pro)."})
    service_code = fields.String(allow_none=True, validate=validate.Length(max=100), metadata={
        "description": "Chorus Pro service code of a public funder (BT-10 on its invoices)."})
    commitment_number = fields.String(allow_none=True, validate=validate.Length(max=50), metadata={
        "description": "Numéro d'engagement (commitment number) a public funder gave (BT-13)."})


class FunderUpdateSchema(FunderSchema):
    pass

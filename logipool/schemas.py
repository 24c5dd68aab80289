"""Marshmallow schemas of the HTTP API. Unknown fields are refused (marshmallow's RAISE).

Body schemas and query-argument schemas are separate classes; money is a decimal string with
two places ("12.34"), datetimes are ISO 8601 with an offset.
"""

from __future__ import annotations

import re
from datetime import UTC, date
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from purchasing import MoneyError, format_cents, to_cents

from .models import ChargeSource, FunderKind, MemberKind, Nature, Role, SiteKind, VatRegime, VatTreatment
from .validators import opening_hours_errors, siren_error, siret_error

_WHOLE = re.compile(r"[+-]?[0-9]{1,30}", re.ASCII)


class Whole(fields.Integer):
    """An integer that refuses 1.5 instead of truncating it to 1 (and refuses booleans)."""

    default_error_messages = {"fraction": "A whole number is expected.", "range": "This number is out of range."}
    LIMIT = 2**31 - 1  # every id, count and quantity fits a 32-bit integer column

    def _validated(self, value):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise self.make_error("fraction")
        if isinstance(value, str) and not _WHOLE.fullmatch(value):  # ASCII digits only, as money
            raise self.make_error("invalid")
        number = super()._validated(value)
        if number is not None and abs(number) > self.LIMIT:
            raise self.make_error("range")
        return number


class UtcDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset on the way in (naive refused), UTC on the way out.

    An instant whose UTC value falls outside years 1–9999 (``0001-01-01T00:00+01:00``) is refused:
    no date type can hold it."""

    default_error_messages = {"range": "This instant is out of range: its UTC time must lie in years 1 to 9999."}

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        try:
            instant.astimezone(UTC)
        except OverflowError:
            raise self.make_error("range") from None
        return instant

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None:
            value = value.astimezone(UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class Day(fields.Date):
    """An ISO date whose whole day is an instant in every time zone: 0001-01-02 to 9999-12-30
    (the first and last days of the calendar start or end outside it somewhere)."""

    FIRST, LAST = date(1, 1, 2), date(9999, 12, 30)
    default_error_messages = {"range": "This date is out of range: use a day from 0001-01-02 to 9999-12-30."}

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not self.FIRST <= day <= self.LAST:
            raise self.make_error("range")
        return day


MAX_CENTS = 10**13
MONEY_PATTERN = r"^[+-]?[0-9]+(\.[0-9]{1,2})?$"
_MONEY = re.compile(MONEY_PATTERN, re.ASCII)


class Money(fields.String):
    r"""Euros as a decimal string (``"12.34"``, ``"-5"``) on the wire, integer cents inside.

    Only ``[+-]?[0-9]+(\.[0-9]{1,2})?``: no exponent, no other script's digits, no ``_``
    separators, no surrounding space — what one reads is what is booked."""

    default_error_messages = {
        "invalid": 'An amount is a decimal string with at most two decimals, e.g. "12.34".',
    }

    def __init__(self, **kwargs):
        metadata = {"pattern": MONEY_PATTERN, "example": "12.34", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_cents(value)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or len(value) > 40 or not _MONEY.fullmatch(value):
            raise self.make_error("invalid")
        try:
            cents = to_cents(value)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from None
        if abs(cents) > MAX_CENTS:
            raise ValidationError("This amount is out of range (at most 100 billion euros).")
        return cents


def decimal_between(low: str, high: str):
    """Bounds of a decimal field (a plain function, so the OpenAPI type of the field stays valid)."""
    lo, hi = Decimal(low), Decimal(high)

    def validator(value):
        if not lo <= value <= hi:
            raise ValidationError(f"Must be between {lo} and {hi}.")

    return validator


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
    limit = Whole(
        load_default=50, validate=validate.Range(min=1, max=200), metadata={"description": "Page size (at most 200)."}
    )
    offset = Whole(load_default=0, validate=validate.Range(min=0))


def page_of(item_schema: type[Schema]) -> type[Schema]:
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": Whole(required=True, metadata={"description": "Rows matching, all pages."}),
            "limit": Whole(required=True),
            "offset": Whole(required=True),
        },
    )


class AddressFields(Schema):
    street = fields.String(validate=validate.Length(max=200))
    postcode = fields.String(validate=validate.Regexp(r"^[0-9A-Z -]{2,10}$"))
    city = fields.String(validate=validate.Length(max=100))
    country = fields.String(validate=validate.Regexp(r"^[A-Z]{2}$"), metadata={"description": "ISO 3166-1 alpha-2"})


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
    vat_number = fields.String(allow_none=True, validate=validate.Regexp(r"^FR[0-9A-Z]{2}\d{9}$"))
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
    iban = fields.String(allow_none=True, validate=validate.Regexp(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"))
    bic = fields.String(allow_none=True, validate=validate.Regexp(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"))
    invoice_note = fields.String(validate=validate.Length(max=500))
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
    vat_number = fields.String(allow_none=True, validate=validate.Regexp(r"^FR[0-9A-Z]{2}\d{9}$"))
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


class UserSchema(Schema):
    """A user as seen in one coordination: identity plus the role granted there."""

    id = Whole(dump_only=True)
    email = Email(required=True)
    name = fields.String(validate=validate.Length(max=200))
    role = fields.Enum(Role, by_value=True, required=True)
    member_id = Whole(allow_none=True, metadata={"description": "Required for member_rep and treasurer."})
    active = fields.Boolean(metadata={"description": "The person's own state, on every coordination: set when the "
                                                     "person is new; changed only by the person or a platform "
                                                     "administrator."})
    created_at = UtcDateTime(dump_only=True)


class UserUpdateSchema(UserSchema):
    email = fields.Email(dump_only=True)


class UserQuery(PageArgs):
    role = fields.Enum(Role, by_value=True)


class TokenSchema(Schema):
    id = Whole(dump_only=True)
    name = fields.String(validate=validate.Length(max=100))
    prefix = fields.String(dump_only=True, metadata={"description": "First characters, to recognise it."})
    user_id = Whole(dump_only=True)
    platform = fields.Boolean(dump_only=True, metadata={"description": "Carries the platform-administration scope."})
    parent_id = Whole(dump_only=True, allow_none=True, metadata={"description": "The token that created this one."})
    created_at = UtcDateTime(dump_only=True)
    expires_at = UtcDateTime(dump_only=True)
    revoked_at = UtcDateTime(dump_only=True, allow_none=True)


class TokenCreateSchema(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=100))
    expires_in_days = Whole(load_default=90, validate=validate.Range(min=1, max=365), metadata={
        "description": "Capped at the expiry of the token that creates it."})
    platform = fields.Boolean(load_default=False, metadata={
        "description": "The platform-administration scope; only a platform-scoped token may ask for it."})


class TokenCreatedSchema(TokenSchema):
    token = fields.String(dump_only=True, metadata={"description": "The secret, shown this once."})


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


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()


# Vehicles ------------------------------------------------------------------------------------

from .models import BookingStatus, StorageStatus, TemperatureClass, VehicleKind  # noqa: E402


class VehicleSchema(Schema):
    id = Whole(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    plate = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Z0-9][A-Z0-9 -]{1,18}$", error="A plate is letters, digits and dashes, e.g. GH-123-AB."
        ),
    )
    kind = fields.Enum(VehicleKind, by_value=True, required=True)
    capacity_kg = Whole(required=True, validate=validate.Range(min=0, max=60000))
    capacity_m3 = fields.Decimal(required=True, as_string=True, places=2, validate=decimal_between("0", "200"))
    capacity_pallets = Whole(required=True, validate=validate.Range(min=0, max=40))
    chilled = fields.Boolean(load_default=False)
    frozen = fields.Boolean(load_default=False)
    home_site_id = Whole(allow_none=True)
    owner_member_id = Whole(
        allow_none=True, metadata={"description": "The member that lends it; null: the coordination's."}
    )
    fixed_cost_per_day = Money(attribute="fixed_cost_per_day_cents", data_key="fixed_cost_per_day", load_default=0)
    cost_per_hour = Money(attribute="cost_per_hour_cents", data_key="cost_per_hour", load_default=0)
    cost_per_km = Money(attribute="cost_per_km_cents", data_key="cost_per_km", load_default=0)
    buffer_minutes = Whole(
        load_default=0,
        validate=validate.Range(min=0, max=24 * 60),
        metadata={"description": "Kept free after each booking (loading, cleaning)."},
    )
    auto_confirm = fields.Boolean(
        load_default=False, metadata={"description": "Members' requests are confirmed at once when free."}
    )
    odometer_km = Whole(load_default=0, validate=validate.Range(min=0, max=2_000_000))
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _no_negative_costs(self, data, **kwargs):
        for name in ("fixed_cost_per_day_cents", "cost_per_hour_cents", "cost_per_km_cents"):
            if data.get(name, 0) < 0:
                raise ValidationError("A cost cannot be negative.", name.removesuffix("_cents"))


class VehicleUpdateSchema(VehicleSchema):
    pass


class VehicleQuery(PageArgs):
    kind = fields.Enum(VehicleKind, by_value=True)
    active = fields.Boolean()


class PeriodArgs(Schema):
    start = UtcDateTime(required=True)
    end = UtcDateTime(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["end"] <= data["start"]:
            raise ValidationError("The period must end after it starts.", "end")
        if (data["end"] - data["start"]).days > 370:
            raise ValidationError("Ask for at most a year at a time.", "end")


class AvailabilityQuery(PeriodArgs):
    min_pallets = Whole(validate=validate.Range(min=0))
    min_kg = Whole(validate=validate.Range(min=0))
    min_m3 = fields.Decimal(validate=decimal_between("0", "1000"))
    chilled = fields.Boolean()
    frozen = fields.Boolean()
    kind = fields.Enum(VehicleKind, by_value=True)


class BusySchema(Schema):
    start = UtcDateTime()
    end = UtcDateTime()
    kind = fields.String(metadata={"description": "booking, buffer or blackout"})
    booking_id = Whole(allow_none=True)
    member_id = Whole(allow_none=True)
    status = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)


class FreeSchema(Schema):
    start = UtcDateTime()
    end = UtcDateTime()


class FreeBusySchema(Schema):
    vehicle_id = Whole()
    busy = fields.List(fields.Nested(BusySchema))
    free = fields.List(fields.Nested(FreeSchema))


class BookingSchema(Schema):
    id = Whole(dump_only=True)
    vehicle_id = Whole(required=True)
    member_id = Whole(metadata={"description": "Defaults to your member for representatives."})
    start = UtcDateTime(required=True, attribute="start_at", data_key="start")
    end = UtcDateTime(required=True, attribute="end_at", data_key="end")
    blocked_until = UtcDateTime(
        dump_only=True, attribute="block_end", metadata={"description": "End plus the vehicle's buffer."}
    )
    purpose = fields.String(load_default="", validate=validate.Length(max=300))
    for_rounds = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Booked for the pooled rounds: route plans use the vehicle only inside such "
            "bookings, and its costs are shared by the executed plan (no usage charge on return)."
        },
    )
    status = fields.Enum(BookingStatus, by_value=True, dump_only=True)
    series_id = fields.String(dump_only=True, allow_none=True)
    decision_reason = fields.String(dump_only=True, allow_none=True)
    checkout_at = UtcDateTime(dump_only=True, allow_none=True)
    checkout_odometer_km = Whole(dump_only=True, allow_none=True)
    return_at = UtcDateTime(dump_only=True, allow_none=True)
    return_odometer_km = Whole(dump_only=True, allow_none=True)
    distance_km = Whole(dump_only=True, allow_none=True)
    notes = fields.String(dump_only=True)
    override_quota = fields.Boolean(
        load_only=True, load_default=False, metadata={"description": "Staff only: book beyond a member's quota."}
    )

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "start_at" in data and "end_at" in data and data["end_at"] <= data["start_at"]:
            raise ValidationError("A booking must end after it starts.", "end")


class BookingQuery(PageArgs):
    vehicle_id = Whole()
    member_id = Whole()
    status = fields.Enum(BookingStatus, by_value=True)
    series_id = fields.String()
    start = UtcDateTime(metadata={"description": "Bookings ending after this."})
    end = UtcDateTime(metadata={"description": "Bookings starting before this."})


class RecurringBookingSchema(Schema):
    vehicle_id = Whole(required=True)
    member_id = Whole()
    rrule = fields.String(
        required=True,
        validate=validate.Length(min=5, max=500),
        metadata={"example": "FREQ=WEEKLY;BYDAY=TU,FR;UNTIL=20270330"},
    )
    first_start = fields.NaiveDateTime(
        required=True,
        metadata={
            "description": "Local wall-clock time of the first occurrence (no offset), "
            "e.g. 2026-11-24T08:00; each occurrence keeps this time across DST.",
            "example": "2026-11-24T08:00:00",
        },
    )
    duration_minutes = Whole(required=True, validate=validate.Range(min=15, max=7 * 24 * 60))
    purpose = fields.String(load_default="", validate=validate.Length(max=300))
    for_rounds = fields.Boolean(load_default=False, metadata={"description": "As for a single booking."})
    on_conflict = fields.String(load_default="all_or_none", validate=validate.OneOf(["all_or_none", "skip"]))
    override_quota = fields.Boolean(load_default=False)


class OccurrenceConflictSchema(Schema):
    start = UtcDateTime()
    end = UtcDateTime()
    reason = fields.String()
    conflicting_booking_id = Whole(allow_none=True)


class RecurringResultSchema(Schema):
    series_id = fields.String()
    created = fields.List(fields.Nested(BookingSchema))
    skipped = fields.List(fields.Nested(OccurrenceConflictSchema))


class DecisionSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class OdometerSchema(Schema):
    odometer_km = Whole(required=True, validate=validate.Range(min=0, max=2_000_000))
    at = UtcDateTime(metadata={"description": "When it happened; default now."})
    notes = fields.String(load_default="", validate=validate.Length(max=2000))


class BlackoutSchema(Schema):
    id = Whole(dump_only=True)
    vehicle_id = Whole(dump_only=True)
    start = UtcDateTime(required=True, attribute="start_at", data_key="start")
    end = UtcDateTime(required=True, attribute="end_at", data_key="end")
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["end_at"] <= data["start_at"]:
            raise ValidationError("A blackout must end after it starts.", "end")


class QuotaSchema(Schema):
    id = Whole(dump_only=True)
    vehicle_kind = fields.Enum(
        VehicleKind, by_value=True, allow_none=True, metadata={"description": "null: every kind together."}
    )
    member_id = Whole(allow_none=True, metadata={"description": "null: each member."})
    max_hours_per_week = Whole(required=True, validate=validate.Range(min=1, max=168))


class QuotaUpdateSchema(QuotaSchema):
    pass


class FeedCreateSchema(Schema):
    vehicle_id = Whole()
    member_id = Whole()

    @validates_schema
    def _one_subject(self, data, **kwargs):
        if ("vehicle_id" in data) == ("member_id" in data):
            raise ValidationError("Give exactly one of vehicle_id and member_id.", "vehicle_id")


class FeedSchema(Schema):
    id = Whole(dump_only=True)
    vehicle_id = Whole(allow_none=True)
    member_id = Whole(allow_none=True)
    created_at = UtcDateTime(dump_only=True)
    revoked_at = UtcDateTime(dump_only=True, allow_none=True)
    url = fields.String(dump_only=True, metadata={"description": "Shown once, at creation."})


# Storage -------------------------------------------------------------------------------------


class ZoneSchema(Schema):
    id = Whole(dump_only=True)
    site_id = Whole(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    temperature_class = fields.Enum(TemperatureClass, by_value=True, required=True)
    capacity_pallets = Whole(required=True, validate=validate.Range(min=1, max=100000))
    area_m2 = fields.Decimal(required=True, as_string=True, places=2, validate=decimal_between("0.01", "1000000"))
    cost_per_pallet_day = Money(attribute="cost_per_pallet_day_cents", data_key="cost_per_pallet_day", load_default=0)
    active = fields.Boolean(load_default=True)
    max_booking_days = Whole(load_default=92, validate=validate.Range(min=1, max=3660),
                             metadata={"description": "The longest one booking may last, in days."})
    max_horizon_days = Whole(load_default=365, validate=validate.Range(min=1, max=3660),
                             metadata={"description": "How many days ahead a booking may start."})
    max_pallets_per_member = Whole(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=100000),
        metadata={"description": "Fair use: the most positions one member holds at any instant; null: no limit."})


class ZoneUpdateSchema(ZoneSchema):
    pass


class StorageBookingSchema(Schema):
    id = Whole(dump_only=True)
    zone_id = Whole(required=True)
    member_id = Whole()
    pallets = Whole(required=True, validate=validate.Range(min=1, max=100000))
    start = UtcDateTime(required=True, attribute="start_at", data_key="start")
    end = UtcDateTime(required=True, attribute="end_at", data_key="end")
    status = fields.Enum(StorageStatus, by_value=True, dump_only=True)
    charged_until = UtcDateTime(dump_only=True, allow_none=True)
    notes = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["end_at"] <= data["start_at"]:
            raise ValidationError("A storage booking must end after it starts.", "end")


class StorageQuery(PageArgs):
    zone_id = Whole()
    member_id = Whole()
    status = fields.Enum(StorageStatus, by_value=True)
    start = UtcDateTime()
    end = UtcDateTime()


class EndStorageSchema(Schema):
    end = UtcDateTime(required=True, metadata={"description": "The new, earlier end."})


class ChargeUntilSchema(Schema):
    until = UtcDateTime(required=True, metadata={"description": "Charge every storage booking up to this instant."})


class OccupancyStepSchema(Schema):
    start = UtcDateTime()
    end = UtcDateTime()
    pallets = Whole()
    booking_ids = fields.List(Whole())


class OccupancySchema(Schema):
    zone_id = Whole()
    capacity_pallets = Whole()
    peak_pallets = Whole()
    steps = fields.List(fields.Nested(OccupancyStepSchema))


class OccupancyQuery(PeriodArgs):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "svg"]))


class FunderShareSchema(Schema):
    funder_id = Whole(required=True)
    percent = fields.Decimal(required=True, as_string=True, places=2, validate=decimal_between("0.01", "100"))


class WarehouseCostSchema(Schema):
    site_id = Whole(required=True)
    start = UtcDateTime(required=True)
    end = UtcDateTime(required=True)
    total_cost = Money(required=True)
    funders = fields.List(fields.Nested(FunderShareSchema), load_default=list)
    key = fields.String(load_default="pallet_days", validate=validate.OneOf(["pallet_days", "m2_days"]))
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Compute without posting charges."})

    @validates_schema
    def _check(self, data, **kwargs):
        if data["end"] <= data["start"]:
            raise ValidationError("The period must end after it starts.", "end")
        if data["total_cost"] <= 0:
            raise ValidationError("The cost to split must be positive.", "total_cost")
        if sum(f["percent"] for f in data["funders"]) > 100:
            raise ValidationError("Funders' percentages add up to more than 100 %.", "funders")
        ids = [f["funder_id"] for f in data["funders"]]
        if len(set(ids)) != len(ids):
            raise ValidationError("A funder appears twice.", "funders")


class CostPartSchema(Schema):
    member_id = Whole(allow_none=True)
    funder_id = Whole(allow_none=True)
    weight = fields.String(metadata={"description": "Percent for funders; pallet-days or m²-days for members."})
    amount = Money()
    charge_id = Whole(allow_none=True)


class WarehouseCostResultSchema(Schema):
    total_cost = Money()
    key = fields.String()
    posted = fields.Boolean()
    parts = fields.List(fields.Nested(CostPartSchema))


# Route plans ---------------------------------------------------------------------------------

SHARE_METHODS = ["shapley", "nucleolus", "proportional_standalone", "by_load", "equal"]


class PlanStopSchema(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["pickup", "delivery", "transfer"]),
        metadata={
            "description": "pickup: brought to the warehouse; delivery: from the warehouse; "
            "transfer: from site_id straight to to_site_id."
        },
    )
    site_id = Whole(required=True)
    to_site_id = Whole(metadata={"description": "For a transfer: where it is delivered."})
    member_id = Whole(
        metadata={"description": "Who the stop serves (pays its share). Default: the member of the delivery site."}
    )
    kg = Whole(required=True, validate=validate.Range(min=0, max=40000))
    pallets = Whole(load_default=0, validate=validate.Range(min=0, max=40))
    chilled = fields.Boolean(load_default=False)
    service_minutes = Whole(load_default=10, validate=validate.Range(min=0, max=240))
    optional = fields.Boolean(load_default=False)
    value = Money(metadata={"description": "For an optional stop: what serving it is worth."})


class RoutePlanRequestSchema(Schema):
    day = Day(required=True)
    depot_site_id = Whole(metadata={"description": "Default: the coordination's warehouse."})
    vehicle_ids = fields.List(
        Whole(),
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "Vehicles booked for the rounds that day; each such booking is one shift."},
    )
    stops = fields.List(fields.Nested(PlanStopSchema), required=True, validate=validate.Length(min=1, max=300))
    share_method = fields.String(load_default="shapley", validate=validate.OneOf(SHARE_METHODS))
    time_limit = Whole(
        load_default=10, validate=validate.Range(min=1, max=300), metadata={"description": "Seconds for the solver."}
    )
    seed = Whole(load_default=0, validate=validate.Range(min=0))
    depot_handling_minutes = Whole(
        load_default=15,
        validate=validate.Range(min=0, max=240),
        metadata={"description": "Time at the warehouse when a vehicle leaves and at each pass between two trips "
                  "(unloading pickups, loading deliveries)."},
    )
    handling_minutes_per_pallet = Whole(
        load_default=2,
        validate=validate.Range(min=0, max=60),
        metadata={"description": "Added to a stop's service time for each of its pallets."},
    )


class RoutePlanSchema(Schema):
    id = Whole(dump_only=True)
    day = Day(dump_only=True)
    status = fields.String(dump_only=True)
    share_method = fields.String(dump_only=True)
    time_limit_s = Whole(dump_only=True)
    progress = fields.Dict(dump_only=True, metadata={"description": "elapsed_s and best_cost while it runs."})
    error = fields.String(dump_only=True, allow_none=True)
    created_at = UtcDateTime(dump_only=True)
    started_at = UtcDateTime(dump_only=True, allow_none=True)
    finished_at = UtcDateTime(dump_only=True, allow_none=True)
    executed_at = UtcDateTime(dump_only=True, allow_none=True)


class RoutePlanResultSchema(RoutePlanSchema):
    result = fields.Dict(
        dump_only=True,
        metadata={"description": "routes, unserved stops, cost shares, value of pooling (docs/routing.md)."},
    )


# Joint supplier orders -----------------------------------------------------------------------


def _at_most_three_decimals(value):
    # the range first: quantizing a huge number would overflow the decimal context
    if not Decimal(0) <= value <= Decimal(10**9):
        raise ValidationError("Between 0 and 1,000,000,000.")
    if value != value.quantize(Decimal("0.001")):
        raise ValidationError("At most three decimals (grams, millilitres).")


Quantity = lambda **kw: fields.Decimal(as_string=True, validate=_at_most_three_decimals, **kw)  # noqa: E731


class SupplierSchema(AddressFields):
    id = Whole(dump_only=True)
    name = Name(required=True)
    siret = Siret(allow_none=True)
    site_id = Whole(allow_none=True, metadata={"description": "Where goods are picked up, if not delivered."})
    contact_email = Email(allow_none=True)
    lead_time_days = Whole(load_default=2, validate=validate.Range(min=0, max=365))
    minimum_order = Money(attribute="minimum_order_cents", data_key="minimum_order", load_default=0,
                          validate=validate.Range(min=0),
                          metadata={"description": "Excl. VAT; the supplier is used only if it is reached."})
    free_delivery = Money(attribute="free_delivery_cents", data_key="free_delivery", allow_none=True,
                          validate=validate.Range(min=0),
                          metadata={"description": "Order value excl. VAT from which delivery is free (null: never)."})
    delivery_fee = Money(attribute="delivery_fee_cents", data_key="delivery_fee", load_default=0,
                         validate=validate.Range(min=0))
    active = fields.Boolean(load_default=True)


class SupplierUpdateSchema(SupplierSchema):
    pass


class SupplierQuery(PageArgs):
    active = fields.Boolean()


class TierSchema(Schema):
    min_packs = Whole(required=True, validate=validate.Range(min=1, max=10**9))
    pack_price = Money(attribute="pack_price_cents", data_key="pack_price", required=True,
                       validate=validate.Range(min=0), metadata={"description": "Per pack, excl. VAT."})


class OfferSchema(Schema):
    id = Whole(dump_only=True)
    supplier_id = Whole(required=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=60))
    product = Name(required=True)
    category = fields.String(load_default="", validate=validate.Length(max=100))
    unit = fields.String(load_default="unit", validate=validate.Length(min=1, max=20),
                         metadata={"description": "What members count in: unit, kg, l, box..."})
    pack_size = Quantity(required=True, metadata={"description": "Units per pack."})
    divisible = fields.Boolean(load_default=False, metadata={"description": "Sold by weight: split to the gram."})
    vat_rate = fields.Decimal(as_string=True, load_default=Decimal("5.5"), validate=decimal_between("0", "20"),
                              metadata={"description": "Percent: 0, 2.1, 5.5, 10 or 20."})
    temperature_class = fields.Enum(TemperatureClass, by_value=True, load_default=TemperatureClass.AMBIENT)
    pack_weight_kg = Quantity(load_default=Decimal(0))
    pack_volume_l = Quantity(load_default=Decimal(0))
    packs_available = Whole(allow_none=True, validate=validate.Range(min=0, max=10**9),
                            metadata={"description": "Null: unlimited."})
    tiers = fields.List(fields.Nested(TierSchema), required=True, validate=validate.Length(min=1, max=20),
                        metadata={"description": "All-units discounts; the first starts at 1 pack."})
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _positive_pack(self, data, **kwargs):
        if "pack_size" in data and data["pack_size"] <= 0:
            raise ValidationError("A pack holds at least something.", "pack_size")


class OfferUpdateSchema(OfferSchema):
    supplier_id = Whole(dump_only=True)


class OfferQuery(PageArgs):
    supplier_id = Whole()
    category = fields.String()
    q = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "Product name contains."})
    active = fields.Boolean()


class ImportResultSchema(Schema):
    supplier_id = Whole()
    cycle_id = Whole()
    created = Whole()
    updated = Whole()
    rows = Whole()
    needs = Whole()
    members = Whole()


FEE_KEYS = ("weight", "value", "equal")


class OrderCycleSchema(Schema):
    id = Whole(dump_only=True)
    name = Name(required=True)
    status = fields.String(dump_only=True)
    supplier_ids = fields.List(Whole(), required=True, validate=validate.Length(min=1, max=50))
    needs_deadline = UtcDateTime(allow_none=True)
    delivery_date = Day(allow_none=True)
    delivery_site_id = Whole(allow_none=True)
    fee_key = fields.String(load_default="weight", validate=validate.OneOf(FEE_KEYS),
                            metadata={"description": "How fees, transport and split leftovers are shared."})
    leftover_policy = fields.String(load_default="shared_stock", validate=validate.OneOf(("shared_stock", "split")))
    transport = Money(attribute="transport_cents", data_key="transport", load_default=0,
                      validate=validate.Range(min=0))
    time_limit_s = Whole(load_default=10, validate=validate.Range(min=1, max=25))
    notes = fields.String(load_default="", validate=validate.Length(max=2000))
    created_at = UtcDateTime(dump_only=True)
    opened_at = UtcDateTime(dump_only=True, allow_none=True)
    closed_at = UtcDateTime(dump_only=True, allow_none=True)
    allocated_at = UtcDateTime(dump_only=True, allow_none=True)
    ordered_at = UtcDateTime(dump_only=True, allow_none=True)
    received_at = UtcDateTime(dump_only=True, allow_none=True)
    settled_at = UtcDateTime(dump_only=True, allow_none=True)


class OrderCycleUpdateSchema(OrderCycleSchema):
    pass


class OrderCycleQuery(PageArgs):
    status = fields.String(validate=validate.OneOf(
        ("draft", "open", "closed", "allocated", "ordered", "received", "settled", "cancelled")))


class OrderCycleDetailSchema(OrderCycleSchema):
    allocation = fields.Dict(dump_only=True, allow_none=True,
                             metadata={"description": "The proposed or ordered plan (docs/purchasing.md)."})
    final_allocation = fields.Dict(dump_only=True, allow_none=True,
                                   metadata={"description": "After receipt: what each member got and pays."})
    receipt = fields.Dict(dump_only=True, allow_none=True)
    names = fields.Method(
        "_names", dump_only=True,
        metadata={"description": "Who and what the plan's ids are: members, offers, suppliers."})

    def _names(self, cycle) -> dict | None:
        problem = cycle.problem
        if not problem:
            return None
        return {
            "members": {m["id"]: m.get("name", "") for m in problem["members"]},
            "offers": {o["id"]: o["product"] for o in problem["offers"]},
            "suppliers": {x["id"]: x.get("name", "") for x in problem["suppliers"]},
        }


class AllocateSchema(Schema):
    time_limit_s = Whole(validate=validate.Range(min=1, max=25))


class NeedSchema(Schema):
    id = Whole(dump_only=True)
    cycle_id = Whole(dump_only=True)
    member_id = Whole(required=True)
    offer_ids = fields.List(Whole(), required=True, validate=validate.Length(min=1, max=10),
                            metadata={"description": "One offer, or several interchangeable ones (same unit)."})
    minimum = Quantity(load_default=Decimal(0), metadata={"description": "Less is useless (hard bound)."})
    target = Quantity(required=True, metadata={"description": "The declared need."})
    maximum = Quantity(allow_none=True, metadata={"description": "Tolerance to absorb whole packs (default: target)."})
    note = fields.String(load_default="", validate=validate.Length(max=300))
    created_at = UtcDateTime(dump_only=True)


class NeedUpdateSchema(NeedSchema):
    member_id = Whole(dump_only=True)


class NeedQuery(PageArgs):
    member_id = Whole()


class BudgetSchema(Schema):
    member_id = Whole(dump_only=True)
    budget = Money(attribute="budget_cents", data_key="budget", allow_none=True,
                   validate=validate.Range(min=0),
                   metadata={"description": "Goods incl. VAT plus fee shares; null removes the cap."})
    weight = fields.Decimal(as_string=True, allow_none=True, validate=decimal_between("0.001", "1000000"),
                            metadata={"description": "Fairness weight (staff only); null: people served per week."})

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Give a budget, a weight, or both.", "budget")
        if data.get("weight") is not None and data["weight"] != data["weight"].quantize(Decimal("0.001")):
            raise ValidationError("At most three decimals.", "weight")


class ReceivedItemSchema(Schema):
    offer_id = Whole(required=True)
    packs = Whole(required=True, validate=validate.Range(min=0))
    lot = fields.String(validate=validate.Length(max=60))
    use_by = Day(allow_none=True, metadata={"description": "DLC"})
    best_before = Day(allow_none=True, metadata={"description": "DDM"})
    note = fields.String(validate=validate.Length(max=200))


class ReceiveSchema(Schema):
    items = fields.List(fields.Nested(ReceivedItemSchema), required=True, validate=validate.Length(max=2000),
                        metadata={"description": "Packs received per ordered offer; unlisted offers arrived in full."})


class SettlementSchema(Schema):
    cycle = fields.Nested(OrderCycleSchema)
    charges = fields.List(fields.Nested(ChargeSchema))
    charged = Money()
    shared_stock = Money(metadata={"description": "Leftovers kept as shared stock, paid by the coordination."})
    total_cost = Money(metadata={"description": "Supplier invoices + delivery fees + transport."})


class PurchaseOrderSummarySchema(Schema):
    supplier_id = Whole()
    supplier = fields.String()
    number = fields.String()
    lines = Whole()
    goods_ht = Money()
    delivery_fee = Money()


class DonationItemSchema(Schema):
    product = fields.String(required=True, validate=validate.Length(min=1, max=200))
    unit = fields.String(load_default="unit", validate=validate.Length(min=1, max=20))
    quantity = Quantity(required=True)
    divisible = fields.Boolean(load_default=False)


class DonationNeedSchema(Schema):
    member_id = Whole(required=True)
    product = fields.String(required=True, validate=validate.Length(min=1, max=200))
    minimum = Quantity()
    target = Quantity(required=True)
    maximum = Quantity()

    @validates_schema
    def _positive(self, data, **kwargs):
        if data.get("target") is not None and data["target"] <= 0:
            raise ValidationError("A need is positive.", "target")


class DonationSplitSchema(Schema):
    items = fields.List(fields.Nested(DonationItemSchema), required=True, validate=validate.Length(min=1, max=500))
    needs = fields.List(fields.Nested(DonationNeedSchema), required=True, validate=validate.Length(min=1, max=5000))
    time_limit_s = Whole(load_default=5, validate=validate.Range(min=1, max=25))


class DonationLineSchema(Schema):
    product = fields.String()
    unit = fields.String()
    target = fields.Decimal(as_string=True)
    received = fields.Decimal(as_string=True)
    fill_ratio = fields.Float()
    reason = fields.String(allow_none=True)


class DonationMemberSchema(Schema):
    member_id = Whole()
    name = fields.String()
    weight = Whole()
    fill_ratio = fields.Float()
    items = fields.List(fields.Nested(DonationLineSchema))


class DonationLeftoverSchema(Schema):
    product = fields.String()
    quantity = fields.Decimal(as_string=True)


class DonationResultSchema(Schema):
    status = fields.String()
    seconds = fields.Float()
    min_fill_ratio = fields.Float()
    jain_index = fields.Float()
    members = fields.List(fields.Nested(DonationMemberSchema))
    leftovers = fields.List(fields.Nested(DonationLeftoverSchema))


# Delivery notes ------------------------------------------------------------------------------


class DeliveryItemSchema(Schema):
    description = fields.String()
    lot = fields.String()
    use_by = fields.String(allow_none=True, metadata={"description": "DLC, ISO date"})
    best_before = fields.String(allow_none=True, metadata={"description": "DDM, ISO date"})
    temperature_class = fields.String(metadata={"description": "ambient, chilled or frozen"})
    measured_temperature = fields.String(allow_none=True, metadata={"description": "Filled in on arrival."})
    ordered_quantity = fields.String()
    delivered_quantity = fields.String()
    unit = fields.String(metadata={"description": "UN/ECE Recommendation 20 code (KGM, LTR, C62...)"})
    difference_reason = fields.String(allow_none=True)


class DeliveryNoteSchema(Schema):
    number = fields.String()
    delivery_date = fields.String()
    issuer = fields.String()
    recipient = fields.Dict()
    delivery_address = fields.Dict(allow_none=True)
    source = fields.String()
    vehicle = fields.String(allow_none=True)
    planned = fields.Boolean(metadata={"description": "True until the delivery has happened (a round not driven "
                                                      "yet): the quantities are planned, not delivered."})
    items = fields.List(fields.Nested(DeliveryItemSchema))


class LangQuery(Schema):
    lang = fields.String(load_default="fr", validate=validate.OneOf(["fr", "en"]),
                         metadata={"description": "Language of the printed document (French by default)."})


class SignInSchema(Schema):
    """A person's sign-in to the pages (machines use API tokens)."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class NewPasswordSchema(Schema):
    password = fields.String(required=True, load_only=True,
                             metadata={"description": "Its length is checked by the sign-in service."})
    confirm = fields.String(required=True, load_only=True)

    @validates_schema
    def _same(self, data, **kwargs):
        if data.get("password") != data.get("confirm"):
            raise ValidationError("The two passwords differ.", "confirm")


class InvitationSchema(Schema):
    url = fields.String(metadata={"description": "The password-setting page; shown this once."})
    expires_in_days = Whole()


class LanguageSchema(Schema):
    locale = fields.String(required=True, validate=validate.OneOf(["fr_FR", "en_GB"]))

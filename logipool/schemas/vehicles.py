"""Schemas of vehicles: the fleet, availability, bookings (single and recurring), decisions,
odometer readings, blackouts, quotas and iCalendar feeds."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models import BookingStatus, VehicleKind
from .common import Money, PageArgs, PeriodArgs, UtcDateTime, Whole, decimal_between


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

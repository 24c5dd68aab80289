"""Schemas of route plans: stops, the plan request, the plan and its cost shares."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import Day, Money, UtcDateTime, Whole

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

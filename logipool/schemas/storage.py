"""Schemas of shared storage: zones, pallet bookings, occupancy, warehouse costs and their split."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models import StorageStatus, TemperatureClass
from .common import Money, PageArgs, PeriodArgs, UtcDateTime, Whole, decimal_between


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

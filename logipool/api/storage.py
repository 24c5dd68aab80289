"""Warehouse zones, storage bookings, occupancy, and the split of the warehouse's costs."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, current_app
from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..charts import occupancy_svg
from ..db import get_session
from ..services import storage as svc
from ..timeline import peak
from .common import ApiBlueprint, commit, crud_blueprint, idempotent


def _zones() -> ApiBlueprint:
    blp = crud_blueprint(svc.ZONES, "storage_zones", s.ZoneSchema, s.ZoneUpdateSchema, s.PageArgs,
                         "Temperature zones of the shared warehouse, in pallet positions.")
    blp.url_prefix_suffix = "storage-zones"

    @blp.route("/<int:zone_id>/occupancy")
    class Occupancy(MethodView):
        @blp.arguments(s.OccupancyQuery, location="query")
        @blp.response(200, s.OccupancySchema)
        @blp.alt_response(200, description="With format=svg: the same as an SVG chart.",
                          content_type="image/svg+xml", success=True)
        def get(self, args, zone_id):
            """Pallets occupied over time (exact steps), as JSON or an SVG chart (format=svg)."""
            session = get_session()
            zone = svc.ZONES.get(session, current(), zone_id)
            steps = svc.zone_occupancy(session, zone, args["start"], args["end"])
            if args["format"] == "svg":
                tz = ZoneInfo(current_app.config["TIMEZONE"])
                title = f"{zone.name} – occupation ({zone.temperature_class.value})"
                svg = occupancy_svg(title, zone.capacity_pallets, steps, args["start"], args["end"], tz)
                return Response(svg, mimetype="image/svg+xml")
            top = peak(steps)
            return {"zone_id": zone.id, "capacity_pallets": zone.capacity_pallets,
                    "peak_pallets": top.level if top else 0,
                    "steps": [{"start": x.start, "end": x.end, "pallets": x.level, "booking_ids": list(x.items)}
                              for x in steps]}

    return blp


bookings = ApiBlueprint("storage_bookings", "storage-bookings",
                        "Pallet positions booked by members; charged per pallet-day.")


@bookings.route("/")
class StorageBookings(MethodView):
    @bookings.arguments(s.StorageQuery, location="query")
    @bookings.response(200, s.page_of(s.StorageBookingSchema))
    def get(self, args):
        return svc.list_bookings(get_session(), current(), args)

    @idempotent
    @bookings.arguments(s.StorageBookingSchema)
    @bookings.response(201, s.StorageBookingSchema)
    def post(self, data):
        """Book pallet positions; refused (409) if the zone would be over capacity at any instant."""
        row = svc.create_booking(get_session(), current(), data)
        commit()
        return row


@bookings.route("/<int:booking_id>")
class StorageBookingItem(MethodView):
    @bookings.response(200, s.StorageBookingSchema)
    def get(self, booking_id):
        return svc.get_booking(get_session(), current(), booking_id)


@bookings.route("/<int:booking_id>/cancel")
class CancelStorage(MethodView):
    @bookings.response(200, s.StorageBookingSchema)
    def post(self, booking_id):
        """Cancel the booking: its pallet positions are free again."""
        row = svc.cancel_booking(get_session(), current(), booking_id)
        commit()
        return row


@bookings.route("/<int:booking_id>/end")
class EndStorage(MethodView):
    @bookings.arguments(s.EndStorageSchema)
    @bookings.response(200, s.StorageBookingSchema)
    def post(self, data, booking_id):
        """End the booking (possibly early) and charge its pallet-days not charged yet."""
        row = svc.end_booking(get_session(), current(), booking_id, data["end"])
        commit()
        return row


@bookings.route("/charge")
class ChargeStorage(MethodView):
    @bookings.arguments(s.ChargeUntilSchema)
    @bookings.response(201, s.ChargeSchema(many=True))
    def post(self, data):
        """Period close: charge every booking's pallet-days not yet charged, up to ``until``."""
        charges = svc.charge_until(get_session(), current(), data["until"])
        commit()
        return charges


costs = ApiBlueprint("warehouse_costs", "warehouse-costs",
                     "Split a warehouse's operating cost: funders' fixed shares, members pro rata of use.")


@costs.route("/")
class WarehouseCosts(MethodView):
    @costs.arguments(s.WarehouseCostSchema)
    @costs.response(201, s.WarehouseCostResultSchema)
    def post(self, data):
        """Compute the split (``dry_run``) or post it as charges to funders and members."""
        result = svc.split_warehouse_costs(get_session(), current(), data)
        commit()
        return result


def blueprints():
    return [_zones(), bookings, costs]

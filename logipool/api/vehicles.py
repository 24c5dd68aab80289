"""Shared vehicles, their bookings, blackouts, fair-use quotas and calendar feeds."""

from __future__ import annotations

from flask import Response, current_app, request, url_for
from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..security import external_url
from ..services import calendars
from ..services import vehicles as svc
from .common import ApiBlueprint, commit, crud_blueprint, idempotent


def _vehicles() -> ApiBlueprint:
    blp = crud_blueprint(svc.VEHICLES, "vehicles", s.VehicleSchema, s.VehicleUpdateSchema, s.VehicleQuery,
                         "Shared vans and trucks, their capacities and cost model.")

    @blp.route("/availability")
    class Availability(MethodView):
        @blp.arguments(s.AvailabilityQuery, location="query")
        @blp.response(200, s.VehicleSchema(many=True))
        def get(self, args):
            """Vehicles that meet the needs and are free over the whole period (buffers included)."""
            return svc.available_vehicles(get_session(), current(), args)

    @blp.route("/<int:vehicle_id>/freebusy")
    class FreeBusy(MethodView):
        @blp.arguments(s.PeriodArgs, location="query")
        @blp.response(200, s.FreeBusySchema)
        def get(self, args, vehicle_id):
            """Busy intervals (bookings, buffers, blackouts) and the free gaps between them."""
            return svc.free_busy(get_session(), current(), vehicle_id, args)

    @blp.route("/<int:vehicle_id>/blackouts")
    class Blackouts(MethodView):
        @blp.response(200, s.BlackoutSchema(many=True))
        def get(self, vehicle_id):
            return svc.list_blackouts(get_session(), current(), vehicle_id)

        @blp.arguments(s.BlackoutSchema)
        @blp.response(201, s.BlackoutSchema)
        def post(self, data, vehicle_id):
            """Block the vehicle (maintenance…); refused if it overlaps a confirmed booking."""
            row = svc.add_blackout(get_session(), current(), vehicle_id, data)
            commit()
            return row

    @blp.route("/<int:vehicle_id>/blackouts/<int:blackout_id>")
    class BlackoutItem(MethodView):
        @blp.response(204)
        def delete(self, vehicle_id, blackout_id):
            svc.remove_blackout(get_session(), current(), vehicle_id, blackout_id)
            commit()

    return blp


bookings = ApiBlueprint("vehicle_bookings", "vehicle-bookings",
                        "Vehicle bookings: members request, staff confirm; check-out, return and costs.")


@bookings.route("/")
class Bookings(MethodView):
    @bookings.arguments(s.BookingQuery, location="query")
    @bookings.response(200, s.page_of(s.BookingSchema))
    def get(self, args):
        return svc.list_bookings(get_session(), current(), args)

    @idempotent
    @bookings.arguments(s.BookingSchema)
    @bookings.response(201, s.BookingSchema)
    def post(self, data):
        """Book a vehicle. Staff bookings are confirmed; members' are requests unless the vehicle
        confirms automatically. A clash answers 409 with the conflicting booking or blackout."""
        row = svc.create_booking(get_session(), current(), data)
        commit()
        return row


@bookings.route("/recurring")
class Recurring(MethodView):
    @idempotent
    @bookings.arguments(s.RecurringBookingSchema)
    @bookings.response(201, s.RecurringResultSchema)
    def post(self, data):
        """Book every occurrence of an RFC 5545 rule in local time (at most 500). With
        ``on_conflict=all_or_none`` one conflict books nothing and lists every conflicting
        occurrence (409); with ``skip`` the others are booked and the skipped ones listed."""
        result = svc.create_series(get_session(), current(), data)
        commit()
        return result


@bookings.route("/<int:booking_id>")
class BookingItem(MethodView):
    @bookings.response(200, s.BookingSchema)
    def get(self, booking_id):
        return svc.get_booking(get_session(), current(), booking_id)


def _action(name: str, fn, schema=None, doc: str = ""):
    if schema is None:
        schema = s.DecisionSchema

    @bookings.route(f"/<int:booking_id>/{name}", endpoint=name)
    class Action(MethodView):
        @bookings.arguments(schema)
        @bookings.response(200, s.BookingSchema)
        def post(self, data, booking_id):
            row = fn(get_session(), current(), booking_id, data)
            commit()
            return row

    Action.post.__doc__ = doc
    Action.__name__ = f"Booking{name.title().replace('-', '')}"
    return Action


_action("confirm", lambda ses, p, i, d: svc.confirm_booking(ses, p, i),
        doc="Staff: confirm a request; overlapping requests are rejected with a reason.")
_action("reject", lambda ses, p, i, d: svc.reject_booking(ses, p, i, d["reason"]),
        doc="Staff: reject a request; the reason is required and shown to the member.")
_action("cancel", lambda ses, p, i, d: svc.cancel_booking(ses, p, i, d["reason"]),
        doc="Cancel a request or a confirmed booking before check-out.")
_action("checkout", svc.check_out, s.OdometerSchema,
        doc="Hand the vehicle over: odometer reading (never below the last return).")
_action("return", svc.return_vehicle, s.OdometerSchema,
        doc="Take the vehicle back: odometer reading; posts the usage charge (fixed + hours + km).")


quotas = crud_blueprint(svc.QUOTAS, "vehicle_quotas", s.QuotaSchema, s.QuotaUpdateSchema, s.PageArgs,
                        "Fair-use quotas: maximum booked hours per week, per member and vehicle kind.")
quotas.url_prefix_suffix = "vehicle-quotas"

feeds = ApiBlueprint("calendar_feeds", "calendar-feeds",
                     "iCalendar subscriptions to a vehicle's or a member's bookings (read-only, revocable).")


@feeds.route("/")
class Feeds(MethodView):
    @feeds.arguments(s.PageArgs, location="query")
    @feeds.response(200, s.page_of(s.FeedSchema))
    def get(self, args):
        return calendars.list_feeds(get_session(), current(), args)

    @feeds.arguments(s.FeedCreateSchema)
    @feeds.response(201, s.FeedSchema)
    def post(self, data):
        """Create a feed; its URL (with the secret token) is shown this once."""
        feed, secret = calendars.create_feed(get_session(), current(), data)
        commit()
        path = url_for("calendar.Calendar", token=secret).removeprefix(request.script_root)
        feed.url = external_url(path, current_app)
        return feed


@feeds.route("/<int:feed_id>")
class FeedItem(MethodView):
    @feeds.response(204)
    def delete(self, feed_id):
        """Revoke a feed: its URL stops working at once."""
        calendars.revoke_feed(get_session(), current(), feed_id)
        commit()


calendar = ApiBlueprint("calendar", "calendar", "The subscribable .ics feeds (the token is the credential).",
                        public=True)


@calendar.route("/<string:token>.ics")
class Calendar(MethodView):
    @calendar.response(200, content_type="text/calendar")
    def get(self, token):
        return Response(calendars.render_feed(get_session(), token), mimetype="text/calendar")


def blueprints():
    return [_vehicles(), bookings, quotas, feeds, calendar]

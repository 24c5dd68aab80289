"""Vehicles for the association: search what is free, request it, follow and cancel the request,
the week's free/busy calendar and the iCalendar feed address."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app, render_template, request, url_for
from marshmallow import ValidationError

from .. import schemas as s
from ..db import get_session, utcnow
from ..security import external_url
from ..services import calendars
from ..services import vehicles as svc
from .common import FORM_ERRORS, PageBlueprint, _, commit, form_errors, load_form, page, principal, save, tz
from .home import week_start
from .labels import status_label

bp = PageBlueprint("vehicle_pages", "/vehicles")


def _default_period() -> dict:
    tomorrow = (utcnow().astimezone(tz()) + timedelta(days=1)).date()
    return {"start": f"{tomorrow}T08:00", "end": f"{tomorrow}T12:00"}


@bp.get("/")
def search():
    """The search form; with a period, the vehicles free over all of it (an htmx fragment too)."""
    context = {"form": request.args if "start" in request.args else _default_period(), "errors": {},
               "results": None}
    if "start" in request.args:
        try:
            context["results"] = svc.available_vehicles(get_session(), principal(),
                                                        load_form(s.AvailabilityQuery(), source=request.args))
        except FORM_ERRORS as exc:
            context["errors"], status = form_errors(exc)
            return page("vehicles/search.html", "vehicles/_results.html", status=status, **context)
    return page("vehicles/search.html", "vehicles/_results.html", **context)


@bp.post("/bookings")
def request_booking():
    def done(booking) -> str:
        return _("Your request for %(vehicle)s is recorded: %(status)s.", vehicle=booking.vehicle.name,
                 status=status_label(booking.status))

    return save(lambda: svc.create_booking(get_session(), principal(), load_form(s.BookingSchema())),
                refused=lambda errors, status: (render_template("vehicles/search.html", form=request.form,
                                                                errors=errors, results=None), status),
                done=done, then=url_for("vehicle_pages.bookings"))


def _bookings_page(errors: dict | None = None, status: int = 200):
    rows = svc.list_bookings(get_session(), principal(),
                             {"limit": 200, "offset": 0, "start": utcnow() - timedelta(days=7)})
    return render_template("vehicles/bookings.html", bookings=rows["items"], total=rows["total"],
                           errors=errors or {}), status


@bp.get("/bookings")
def bookings():
    return _bookings_page()


@bp.post("/bookings/<int:booking_id>/cancel")
def cancel(booking_id):
    return save(lambda: svc.cancel_booking(get_session(), principal(), booking_id,
                                           load_form(s.DecisionSchema())["reason"]),
                refused=_bookings_page, done=_("The booking is cancelled."), then=url_for("vehicle_pages.bookings"))


def _week(raw: str | None) -> datetime:
    if raw:
        try:
            return datetime.combine(date.fromisoformat(raw), time(), tzinfo=tz())
        except ValueError:
            raise ValidationError(_("A week is given by its Monday, e.g. 2026-12-07."), "week") from None
    return week_start(utcnow())


@bp.get("/calendar")
def calendar():
    """Each vehicle's busy and free time over one week (other members' bookings anonymised)."""
    start = week_start(_week(request.args.get("week")))
    end = start + timedelta(days=7)
    ses, p = get_session(), principal()
    vehicles = svc.VEHICLES.list(ses, p, {"limit": 200, "offset": 0, "active": True})["items"]
    days = [start + timedelta(days=i) for i in range(7)]
    grid = []
    free_busy = svc.free_busy_of(ses, p, vehicles, {"start": start, "end": end})
    for vehicle in vehicles:
        fb = free_busy[vehicle.id]
        cells = []
        for d in days:
            d_end = d + timedelta(days=1)
            cells.append([dict(x, start=max(x["start"], d), end=min(x["end"], d_end))
                          for x in fb["busy"] if x["start"] < d_end and x["end"] > d])
        grid.append((vehicle, cells))
    return page("vehicles/calendar.html", "vehicles/_calendar.html", start=start, days=days, grid=grid,
                previous=(start - timedelta(days=7)).date(), following=end.date())


@bp.post("/feed")
def feed():
    """A new iCalendar feed of the association's bookings; its address is shown this once."""
    p = principal()
    try:
        row, secret = calendars.create_feed(get_session(), p, load_form(s.FeedCreateSchema(),
                                                                        extra={"member_id": p.member_id}))
        commit()
    except FORM_ERRORS as exc:
        get_session().rollback()
        errors, status = form_errors(exc)
        return render_template("vehicles/feed.html", url=None, errors=errors), status
    url = external_url(url_for("calendar.Calendar", token=secret), current_app)
    return render_template("vehicles/feed.html", url=url, feed=row, errors={})

"""Warehouse storage for the association: request pallet positions in a zone, see its bookings."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request, url_for

from .. import schemas as s
from ..db import get_session, utcnow
from ..services import storage as svc
from .common import PageBlueprint, _, load_form, principal, save, tz

bp = PageBlueprint("storage", "/storage")


def _index(form: dict, errors: dict | None = None, status: int = 200):
    ses, p = get_session(), principal()
    zones = svc.ZONES.list(ses, p, {"limit": 200, "offset": 0, "active": True})["items"]
    bookings = svc.list_bookings(ses, p, {"limit": 200, "offset": 0, "start": utcnow() - timedelta(days=31)})
    return render_template("storage/index.html", zones=zones, bookings=bookings["items"], form=form,
                           errors=errors or {}), status


@bp.get("/")
def index():
    today = utcnow().astimezone(tz()).date()
    return _index({"start": f"{today + timedelta(days=1)}T08:00", "end": f"{today + timedelta(days=15)}T08:00",
                   "pallets": "1"})


@bp.post("/bookings")
def request_storage():
    return save(lambda: svc.create_booking(get_session(), principal(), load_form(s.StorageBookingSchema())),
                refused=lambda errors, status: _index(request.form, errors, status),
                done=_("Your storage request is recorded."), then=url_for("storage.index"))

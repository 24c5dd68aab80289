"""The home page: what this week holds for the association (or the treasurer's account)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template

from ..db import get_session, utcnow
from ..models import Role
from ..services import invoicing, ledger
from ..services import orders as orders_svc
from ..services import vehicles as vehicles_svc
from .common import PageBlueprint, principal, tz

bp = PageBlueprint("home")
RECENT_DAYS = 30


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 of the moment's week, in the coordination's time zone."""
    local = moment.astimezone(tz())
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(), tzinfo=tz())


@bp.get("/")
def index():
    p, ses = principal(), get_session()
    monday = week_start(utcnow())
    context = {"monday": monday}
    if p.role in (Role.MEMBER_REP, Role.ADMIN, Role.MANAGER, Role.AUDITOR):
        bookings = vehicles_svc.list_bookings(ses, p, {"limit": 200, "offset": 0, "start": monday,
                                                       "end": monday + timedelta(days=14)})["items"]
        context["this_week"] = [b for b in bookings if b.start_at < monday + timedelta(days=7)]
        context["next_week"] = [b for b in bookings if b.start_at >= monday + timedelta(days=7)]
        context["open_cycles"] = orders_svc.CYCLES.list(ses, p, {"limit": 20, "offset": 0, "status": "open"})["items"]
        since = utcnow() - timedelta(days=RECENT_DAYS)
        delivered = []
        for status in ("received", "settled"):
            cycles = orders_svc.CYCLES.list(ses, p, {"limit": 20, "offset": 0, "status": status})["items"]
            delivered += [c for c in cycles if c.received_at and c.received_at >= since]
        context["delivered"] = delivered
    if p.role == Role.TREASURER:
        context["statement"] = invoicing.statement_summary(invoicing.statement(ses, p, None, tz=tz()), p.member_id)
        context["uninvoiced"] = ledger.list_charges(ses, p, {"limit": 200, "offset": 0, "invoiced": False})
    return render_template("home/index.html", **context)

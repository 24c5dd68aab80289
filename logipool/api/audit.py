"""The audit trail: who changed what, when (read only)."""

from __future__ import annotations

from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services import audit as svc
from .common import ApiBlueprint

blp = ApiBlueprint("audit", "audit",
                   "Every change to bookings, needs, budgets, allocations, charges, invoices, payments and "
                   "settings: who, when, and the changed columns before and after.")


@blp.route("/")
class AuditEvents(MethodView):
    @blp.arguments(s.AuditQuery, location="query")
    @blp.response(200, s.page_of(s.AuditEventSchema))
    def get(self, args):
        """The audit trail, newest first. Auditors and staff: the coordination's events;
        representatives and treasurers: the events on their member's data."""
        return svc.list_events(get_session(), current(), args)


def blueprints():
    return [blp]

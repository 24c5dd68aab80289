"""The charges ledger (read; managers may add manual charges)."""

from __future__ import annotations

from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services import ledger as svc
from .common import ApiBlueprint, commit, idempotent

blp = ApiBlueprint("charges", "charges",
                   "Amounts owed by members and funders, each with its source and basis.")


class ChargePageSchema(s.page_of(s.ChargeSchema)):
    sum = s.Money(required=True, metadata={"description": "Sum of all matching charges."})


@blp.route("/")
class Charges(MethodView):
    @blp.arguments(s.ChargeQuery, location="query")
    @blp.response(200, ChargePageSchema)
    def get(self, args):
        return svc.list_charges(get_session(), current(), args)

    @idempotent
    @blp.arguments(s.ChargeSchema)
    @blp.response(201, s.ChargeSchema)
    def post(self, data):
        """Add a manual charge (staff only)."""
        row = svc.create_manual_charge(get_session(), current(), data)
        commit()
        return row


@blp.route("/<int:charge_id>")
class ChargeItem(MethodView):
    @blp.response(200, s.ChargeSchema)
    def get(self, charge_id):
        return svc.get_charge(get_session(), current(), charge_id)




def blueprints():
    return [blp]

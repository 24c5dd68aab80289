"""Coordinations (tenants)."""

from __future__ import annotations

from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services import coordinations as svc
from .common import ApiBlueprint, commit

blp = ApiBlueprint("coordinations", "coordinations",
                   "The coordination a token belongs to; platform administrators see and create all.")


@blp.route("/")
class Coordinations(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.page_of(s.CoordinationSchema))
    def get(self, args):
        return svc.list_coordinations(get_session(), current(), args["limit"], args["offset"])

    @blp.arguments(s.CoordinationSchema)
    @blp.response(201, s.CoordinationSchema)
    def post(self, data):
        row = svc.create_coordination(get_session(), current(), data)
        commit()
        return row


@blp.route("/<int:coordination_id>")
class CoordinationItem(MethodView):
    @blp.response(200, s.CoordinationSchema)
    def get(self, coordination_id):
        return svc.get_coordination(get_session(), current(), coordination_id)

    @blp.arguments(s.CoordinationUpdateSchema(partial=True))
    @blp.response(200, s.CoordinationSchema)
    def patch(self, data, coordination_id):
        row = svc.update_coordination(get_session(), current(), coordination_id, data)
        commit()
        return row

    @blp.response(204)
    def delete(self, coordination_id):
        svc.delete_coordination(get_session(), current(), coordination_id)
        commit()


def blueprints():
    return [blp]

"""Coordinations (tenants)."""

from __future__ import annotations

from flask import Response, current_app, request, url_for
from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..security import external_url
from ..services import coordinations as svc
from ..services import passwords
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


@blp.route("/<int:coordination_id>/administrators")
class CoordinationAdministrators(MethodView):
    @blp.arguments(s.AdministratorSchema)
    @blp.response(201, s.AdministratorSchema)
    def post(self, data, coordination_id):
        """Platform administrators (platform-scoped token): make a person an administrator of the
        coordination; the answer carries the single-use link (7 days) where they set their password."""
        grant, secret = svc.add_administrator(get_session(), current(), coordination_id, data)
        commit()
        return {"email": grant.user.email, "name": grant.user.name, "user_id": grant.user_id,
                "invitation_url": external_url(url_for("account.invitation", secret=secret), current_app),
                "expires_in_days": passwords.INVITATION_DAYS}


@blp.route("/<int:coordination_id>/logo")
class CoordinationLogo(MethodView):
    @blp.response(200, content_type="image/png")
    def get(self, coordination_id):
        data = svc.logo(get_session(), current(), coordination_id)
        return Response(data, mimetype="image/png" if data.startswith(b"\x89PNG") else "image/jpeg")

    @blp.doc(requestBody={"required": True, "content": {
        "image/png": {"schema": {"type": "string", "format": "binary"}},
        "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}})
    @blp.response(204)
    def put(self, coordination_id):
        """The logo printed on invoices, purchase orders, delivery notes and statements (admin)."""
        svc.set_logo(get_session(), current(), coordination_id, request.get_data(cache=False))
        commit()

    @blp.response(204)
    def delete(self, coordination_id):
        svc.remove_logo(get_session(), current(), coordination_id)
        commit()


def blueprints():
    return [blp]

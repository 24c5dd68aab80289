"""Shared pickup and delivery routes: plan a day, poll, fetch the result and maps, accept, execute."""

from __future__ import annotations

from flask import Response, jsonify
from flask.views import MethodView

import invoices

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services import routes as svc
from ..services.parties import logo_of
from .common import ApiBlueprint, commit
from .jobs import accepted

blp = ApiBlueprint(
    "route_plans",
    "route-plans",
    "A day's pooled collection and delivery rounds, their maps, run sheets and cost shares.",
)


@blp.route("/")
class RoutePlans(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.page_of(s.RoutePlanSchema))
    def get(self, args):
        return svc.list_plans(get_session(), current(), args)

    @blp.arguments(s.RoutePlanRequestSchema)
    @blp.response(202, s.RoutePlanSchema)
    def post(self, data):
        """Build the day's problem (vehicles from their bookings, windows from opening hours) and
        queue its solve: ``Location`` names the job; the plan shows the progress too."""
        plan = svc.create_plan(get_session(), current(), data)
        commit()
        return accepted(plan, plan.job)


@blp.route("/<int:plan_id>")
class RoutePlanItem(MethodView):
    @blp.response(200, s.RoutePlanSchema)
    def get(self, plan_id):
        """Status and progress (elapsed seconds, best cost so far)."""
        plan = svc.get_plan(get_session(), current(), plan_id)
        commit()
        return plan


@blp.route("/<int:plan_id>/result")
class RoutePlanResult(MethodView):
    @blp.response(200, s.RoutePlanResultSchema)
    def get(self, plan_id):
        """Routes with timed stops and loads, unserved stops with reasons, cost shares, value of pooling."""
        return svc.result(get_session(), current(), plan_id)


@blp.route("/<int:plan_id>/geojson")
class RoutePlanGeoJSON(MethodView):
    @blp.response(200, content_type="application/geo+json")
    def get(self, plan_id):
        """The routes as GeoJSON (opens in uMap or QGIS)."""
        plan = svc.result(get_session(), current(), plan_id)
        response = jsonify(plan.geojson)
        response.mimetype = "application/geo+json"
        return response


@blp.route("/<int:plan_id>/map.svg")
class RoutePlanMap(MethodView):
    @blp.response(200, content_type="image/svg+xml")
    def get(self, plan_id):
        return Response(svc.result(get_session(), current(), plan_id).svg, mimetype="image/svg+xml")


@blp.route("/<int:plan_id>/runsheet.pdf")
class RoutePlanRunSheet(MethodView):
    @blp.response(200, content_type="application/pdf")
    def get(self, plan_id):
        """The drivers' run sheets: stops in order, times, what to load and unload, site contacts."""
        plan = svc.result(get_session(), current(), plan_id)
        return Response(
            plan.runsheet_pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="tournees-{plan.day}.pdf"'},
        )


@blp.route("/<int:plan_id>/accept")
class RoutePlanAccept(MethodView):
    @blp.response(200, s.RoutePlanSchema)
    def post(self, plan_id):
        """Accept the solved plan as the day's rounds."""
        plan = svc.accept(get_session(), current(), plan_id)
        commit()
        return plan


@blp.route("/<int:plan_id>/execute")
class RoutePlanExecute(MethodView):
    @blp.response(200, s.RoutePlanSchema)
    def post(self, plan_id):
        """The rounds were driven: each member's share is posted as a charge."""
        plan = svc.execute(get_session(), current(), plan_id)
        commit()
        return plan


@blp.route("/<int:plan_id>/delivery-notes/<int:member_id>")
class RoutePlanDeliveryNote(MethodView):
    @blp.response(200, s.DeliveryNoteSchema)
    def get(self, plan_id, member_id):
        """The member's delivery note for the day: what each delivery or transfer brings, in kg and
        pallets, the vehicle and arrival time; an unserved stop shows 0 delivered with its reason."""
        return svc.delivery_note(get_session(), current(), plan_id, member_id).to_dict()


@blp.route("/<int:plan_id>/delivery-notes/<int:member_id>.pdf")
class RoutePlanDeliveryNotePdf(MethodView):
    @blp.arguments(s.LangQuery, location="query")
    @blp.response(200, content_type="application/pdf")
    def get(self, args, plan_id, member_id):
        note = svc.delivery_note(get_session(), current(), plan_id, member_id)
        return Response(
            invoices.render_delivery_note(
                note, lang=args["lang"], logo=logo_of(get_session(), current().coordination_id)
            ),
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{note.number}.pdf"'},
        )


def blueprints():
    return [blp]

"""Funders' statements: what their parts paid for, per period and per source (JSON and PDF)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, current_app
from flask.views import MethodView

import invoices as lib

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services import funding as svc
from ..services.parties import logo_of
from .common import ApiBlueprint


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


blp = ApiBlueprint("funder_statements", "funders", "Funders' statements: their parts per period, source and member.")


@blp.route("/<int:funder_id>/statement")
class FunderStatement(MethodView):
    @blp.arguments(s.FunderStatementQuery, location="query")
    @blp.response(200, s.FunderStatementSchema)
    def get(self, args, funder_id):
        """The funder's parts (the invoices' deductions) for services in the period (staff and auditors)."""
        st = svc.funder_statement(get_session(), current(), funder_id, args["start"], args["end"], tz=_tz())
        return svc.funder_statement_summary(st, funder_id)


@blp.route("/<int:funder_id>/statement.pdf")
class FunderStatementPdf(MethodView):
    @blp.arguments(s.FunderStatementPdfQuery, location="query")
    @blp.response(200, content_type="application/pdf")
    def get(self, args, funder_id):
        st = svc.funder_statement(get_session(), current(), funder_id, args["start"], args["end"], tz=_tz())
        pdf = lib.render_funder_statement(st, lang=args["lang"], logo=logo_of(get_session(), current().coordination_id))
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'inline; filename="financeur-{funder_id}-{st.start}-{st.end}.pdf"'})


def blueprints():
    return [blp]

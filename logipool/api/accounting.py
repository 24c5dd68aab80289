"""The accounting export (FEC) and the chart of accounts it is written on."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services import accounting as svc
from .common import ApiBlueprint, commit

blp = ApiBlueprint("accounting", "accounting", "For the accountant: the FEC of a year, on the coordination's chart "
                                               "of accounts.")


@blp.route("/fec")
class Fec(MethodView):
    @blp.arguments(s.FecQuery, location="query")
    @blp.response(200, content_type="text/plain")
    def get(self, args):
        """The year's FEC (art. A47 A-1 LPF): invoices, credit notes and payments, 18 tab-separated columns,
        ISO 8859-15, named ``<SIREN>FEC<AAAAMMJJ>.txt`` (staff and auditors)."""
        name, lines = svc.fec_lines(get_session(), current(), args["year"])
        body = (line.encode(svc.FEC_ENCODING, errors="replace") for line in lines)
        return Response(body, mimetype="text/plain", headers={
            "Content-Type": "text/plain; charset=iso-8859-15",
            "Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/chart")
class Chart(MethodView):
    @blp.response(200, s.ChartOfAccountsSchema)
    def get(self):
        return svc.get_chart(get_session(), current())

    @blp.arguments(s.ChartOfAccountsSchema)
    @blp.response(200, s.ChartOfAccountsSchema)
    def patch(self, data):
        """Change some accounts or journals; the others keep their value."""
        chart = svc.update_chart(get_session(), current(), data)
        commit()
        return chart


def blueprints():
    return [blp]

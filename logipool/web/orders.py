"""Joint orders for the association: the open cycle's catalogue with tier prices, its needs and
budget, and after allocation what it receives and why."""

from __future__ import annotations

from itertools import groupby

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import ngettext

import invoices
from purchasing.exceptions import TableError

from .. import schemas as s
from ..db import get_session
from ..errors import InvalidInput
from ..models import CycleStatus
from ..services import orders as svc
from ..services.parties import logo_of
from .common import (
    FORM_ERRORS,
    PageBlueprint,
    _,
    commit,
    flash_done,
    form_errors,
    load_form,
    page_lang,
    principal,
    save,
    tz,
)

bp = PageBlueprint("orders", "/orders")


@bp.get("/")
def index():
    cycles = svc.CYCLES.list(get_session(), principal(), {"limit": 50, "offset": 0})["items"]
    return render_template("orders/index.html", cycles=cycles)


def _cycle_page(cycle_id: int, errors: dict | None = None, status: int = 200, import_rows: list | None = None):
    ses, p = get_session(), principal()
    cycle = svc.CYCLES.get(ses, p, cycle_id)
    offers = []
    for supplier_id in cycle.supplier_ids:
        offers += svc.OFFERS.list(ses, p, {"limit": 200, "offset": 0, "supplier_id": supplier_id,
                                           "active": True})["items"]
    offers.sort(key=lambda o: (o.category, o.product, o.id))
    catalogue = [(category, list(rows)) for category, rows in groupby(offers, key=lambda o: o.category)]
    needs = svc.list_needs(ses, p, cycle.id, {"limit": 200, "offset": 0, "member_id": p.member_id})["items"]
    budgets = {b.member_id: b for b in svc.list_budgets(ses, p, cycle.id)}
    outcome = svc.member_outcome(ses, p, cycle.id, p.member_id) if p.member_id else None
    return render_template("orders/cycle.html", cycle=cycle, catalogue=catalogue,
                           needs={tuple(n.offer_ids): n for n in needs}, budget=budgets.get(p.member_id),
                           outcome=outcome, open=cycle.status == CycleStatus.OPEN, errors=errors or {},
                           offer_names={o.id: o.product for o in offers}, import_rows=import_rows or []), status


@bp.get("/<int:cycle_id>")
def cycle(cycle_id):
    return _cycle_page(cycle_id)


@bp.post("/<int:cycle_id>/needs")
def declare(cycle_id):
    """Declare (or change) the association's need for one product."""
    ses, p = get_session(), principal()

    def write():
        data = load_form(s.NeedSchema(), extra={"member_id": p.member_id})
        existing = svc.list_needs(ses, p, cycle_id, {"limit": 200, "offset": 0, "member_id": p.member_id})["items"]
        same = next((n for n in existing if n.offer_ids == data["offer_ids"]), None)
        if same is None:
            return svc.create_need(ses, p, cycle_id, data)
        data.pop("member_id")
        return svc.update_need(ses, p, cycle_id, same.id, data)

    return save(write, refused=lambda errors, status: _cycle_page(cycle_id, errors, status),
                done=_("Your need is recorded."), then=url_for("orders.cycle", cycle_id=cycle_id))


@bp.post("/<int:cycle_id>/needs/import")
def import_needs(cycle_id):
    """Upload the association's needs as CSV or XLSX (the API's import): all rows or none, each
    refused row shown by the upload."""
    ses, p = get_session(), principal()
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InvalidInput.field("file", "Choose a CSV or XLSX file.")
        data = upload.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
        if not data:
            raise InvalidInput.field("file", "The file is empty.")
        result = svc.import_needs(ses, p, cycle_id, data, upload.filename)
        commit()
    except TableError as exc:
        ses.rollback()
        message = ngettext("Nothing was imported: %(num)s problem in the file, listed below.",
                           "Nothing was imported: %(num)s problems in the file, listed below.", len(exc.errors))
        return _cycle_page(cycle_id, {"file": [message]}, 422, import_rows=exc.errors)
    except FORM_ERRORS as exc:
        ses.rollback()
        errors, status = form_errors(exc)
        return _cycle_page(cycle_id, errors, status)
    flash_done(ngettext("%(num)s need imported; it replaces the association's previous needs.",
                        "%(num)s needs imported; they replace the association's previous needs.", result["needs"]))
    return redirect(url_for("orders.cycle", cycle_id=cycle_id))


@bp.post("/<int:cycle_id>/budget")
def budget(cycle_id):
    ses, p = get_session(), principal()
    return save(lambda: svc.set_terms(ses, p, cycle_id, p.member_id, load_form(s.BudgetSchema(), only=("budget",))),
                refused=lambda errors, status: _cycle_page(cycle_id, errors, status),
                done=_("Your budget is recorded."), then=url_for("orders.cycle", cycle_id=cycle_id))


@bp.get("/<int:cycle_id>/delivery-note.pdf")
def delivery_note(cycle_id):
    p = principal()
    note = svc.delivery_note(get_session(), p, cycle_id, p.member_id, tz())
    pdf = invoices.render_delivery_note(note, lang=page_lang(), logo=logo_of(get_session(), p.coordination_id))
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{note.number}.pdf"'})

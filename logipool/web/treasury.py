"""The treasurer's space: invoices and credit notes, "why this amount" per line, the charges not
yet invoiced, the statement; PDF and Factur-X XML downloads."""

from __future__ import annotations

from flask import Response, render_template, request, url_for

import invoices as lib

from ..db import get_session
from ..models import ChargeSource
from ..schemas import StatementQuery
from ..services import invoicing as svc
from ..services import ledger
from ..services import payments as pay
from ..services.parties import logo_of
from .common import FORM_ERRORS, PageBlueprint, form_errors, load_form, page_lang, principal, tz

bp = PageBlueprint("treasury", "/treasury")


@bp.get("/invoices/")
def invoices():
    rows = svc.list_invoices(get_session(), principal(), {"limit": 200, "offset": 0})
    documents = sorted(rows["items"], key=lambda i: (i.issue_date is None, i.issue_date, i.id), reverse=True)
    return render_template("treasury/invoices.html", invoices=documents, total=rows["total"])


def source_link(charge) -> str | None:
    """The page that shows where a charge came from (its booking, its joint order), if any."""
    if charge.source_type == ChargeSource.VEHICLE_BOOKING:
        return url_for("vehicle_pages.bookings", _anchor=f"booking-{charge.source_id}")
    if charge.source_type == ChargeSource.STORAGE_BOOKING:
        return url_for("storage.index", _anchor=f"storage-{charge.source_id}")
    if charge.source_type == ChargeSource.ORDER_CYCLE and charge.source_id is not None:
        return url_for("orders.cycle", cycle_id=charge.source_id)
    return None


@bp.get("/invoices/<int:invoice_id>")
def invoice(invoice_id):
    """One document with, for each line, the charge it bills: source, key and computation."""
    ses, p = get_session(), principal()
    document = svc.get_invoice(ses, p, invoice_id)
    charges = {line.id: ledger.get_charge(ses, p, line.charge_id) for line in document.lines if line.charge_id}
    transfer = pay.transfer_of(ses, document)
    qr_svg = transfer.qr().svg_inline(scale=4, title=transfer.payload.split("\n")[-1]) if transfer else None
    return render_template("treasury/invoice.html", invoice=document, charges=charges, source_link=source_link,
                           transfer=transfer, qr_svg=qr_svg)


@bp.get("/overdue")
def overdue():
    """Invoices past due: days late, penalties and indemnity as the invoices state them."""
    rows = pay.overdue(get_session(), principal(), tz=tz())
    return render_template("treasury/overdue.html", rows=rows)


@bp.get("/invoices/<int:invoice_id>/reminders/<int:level>.pdf")
def reminder_pdf(invoice_id, level):
    reminder = pay.reminder_pdf(get_session(), principal(), invoice_id, level)
    return Response(reminder.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="relance-{level}-{invoice_id}.pdf"'})


@bp.get("/invoices/<int:invoice_id>.pdf")
def invoice_pdf(invoice_id):
    document = svc.pdf_of(get_session(), principal(), invoice_id)
    return Response(document.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{document.number}.pdf"'})


@bp.get("/invoices/<int:invoice_id>.xml")
def invoice_xml(invoice_id):
    document, xml = svc.facturx_xml_of(get_session(), principal(), invoice_id)
    return Response(xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{document.number}-factur-x.xml"'})


@bp.get("/charges/")
def uninvoiced():
    """What will be on the next invoice, so nothing is a surprise at month end."""
    rows = ledger.list_charges(get_session(), principal(), {"limit": 200, "offset": 0, "invoiced": False})
    return render_template("treasury/charges.html", charges=rows["items"], total=rows["total"], sum=rows["sum"],
                           source_link=source_link)


def _period() -> dict:
    """The period asked in the query string (``start``, ``end``), read with the API's schema."""
    return load_form(StatementQuery(), only=("start", "end"), source=request.args)


def _statement(period: dict):
    return svc.statement(get_session(), principal(), None, tz=tz(), start=period.get("start"), end=period.get("end"))


@bp.get("/statement")
def statement():
    """The account for a period (from the first document to today by default)."""
    p = principal()
    try:
        period = _period()
        summary = svc.statement_summary(_statement(period), p.member_id)
    except FORM_ERRORS as exc:
        errors, status = form_errors(exc)
        return render_template("treasury/statement.html", statement=None, errors=errors, form=request.args,
                               period={}), status
    return render_template("treasury/statement.html", statement=summary, errors={}, form=request.args,
                           period={k: v.isoformat() for k, v in period.items()})


@bp.get("/statement.pdf")
def statement_pdf():
    st = _statement(_period())
    pdf = lib.render_statement(st, lang=page_lang(), logo=logo_of(get_session(), principal().coordination_id))
    name = f"releve-{st.period_start}-{st.as_of}.pdf" if st.period_start else f"releve-{st.as_of}.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'})

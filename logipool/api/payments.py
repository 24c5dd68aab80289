"""Getting paid: SEPA mandates, direct-debit files, overdue invoices and reminders, refunds."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, current_app
from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services import payments as svc
from .common import ApiBlueprint, commit, idempotent


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


mandates = ApiBlueprint("mandates", "mandates",
                        "Members' SEPA direct-debit mandates (staff record them; members see their own).")


@mandates.route("/")
class Mandates(MethodView):
    @mandates.arguments(s.MandateQuery, location="query")
    @mandates.response(200, s.page_of_mandates)
    def get(self, args):
        return svc.list_mandates(get_session(), current(), args)

    @mandates.arguments(s.MandateCreateSchema)
    @mandates.response(201, s.MandateSchema)
    def post(self, data):
        """Record a signed mandate: unique reference, IBAN and BIC checked, sequence FRST."""
        mandate = svc.create_mandate(get_session(), current(), data, tz=_tz())
        commit()
        return mandate


@mandates.route("/<int:mandate_id>")
class MandateItem(MethodView):
    @mandates.response(200, s.MandateSchema)
    def get(self, mandate_id):
        return svc.get_mandate(get_session(), current(), mandate_id)


@mandates.route("/<int:mandate_id>/revoke")
class MandateRevoke(MethodView):
    @mandates.arguments(s.MandateRevokeSchema)
    @mandates.response(200, s.MandateSchema)
    def post(self, data, mandate_id):
        """The member withdrew the mandate: nothing more is collected under it."""
        mandate = svc.revoke_mandate(get_session(), current(), mandate_id, data, tz=_tz())
        commit()
        return mandate


debits = ApiBlueprint("direct_debits", "direct-debits",
                      "SEPA direct-debit files (pain.008.001.02) collecting mandated members' invoices.")


def _debit(session, debit) -> dict:
    return {"id": debit.id, "message_id": debit.message_id, "count": debit.count, "total_cents": debit.total_cents,
            "created_at": debit.created_at, "invoices": svc.debit_invoices(session, debit)}


@debits.route("/")
class DirectDebits(MethodView):
    @debits.arguments(s.PageArgs, location="query")
    @debits.response(200, s.page_of_direct_debits)
    def get(self, args):
        session = get_session()
        page = svc.list_direct_debits(session, current(), args)
        page["items"] = [_debit(session, d) for d in page["items"]]
        return page

    @idempotent
    @debits.arguments(s.DirectDebitCreateSchema)
    @debits.response(201, s.DirectDebitSchema)
    def post(self, data):
        """One pain.008 file for a billing run's (or chosen) open invoices of mandated members."""
        session = get_session()
        debit = svc.create_direct_debit(session, current(), data, tz=_tz())
        commit()
        return _debit(session, debit)


@debits.route("/<int:debit_id>")
class DirectDebitItem(MethodView):
    @debits.response(200, s.DirectDebitSchema)
    def get(self, debit_id):
        session = get_session()
        return _debit(session, svc.get_direct_debit(session, current(), debit_id))


@debits.route("/<int:debit_id>/pain.008.xml")
class DirectDebitXml(MethodView):
    @debits.response(200, content_type="application/xml")
    def get(self, debit_id):
        """The file to upload to the coordination's bank."""
        debit = svc.get_direct_debit(get_session(), current(), debit_id)
        return Response(debit.xml, mimetype="application/xml", headers={
            "Content-Disposition": f'attachment; filename="prelevements-{debit.id}.xml"'})


reminders = ApiBlueprint("reminders", "", "Overdue invoices, their late-payment figures and reminder letters; "
                                          "refunds of credit notes.")


@reminders.route("/overdue")
class Overdue(MethodView):
    @reminders.arguments(s.OverdueQuery, location="query")
    @reminders.response(200, s.OverdueSchema(many=True))
    def get(self, args):
        """Invoices past due with days late, penalties and indemnity, and the reminder due."""
        return svc.overdue(get_session(), current(), tz=_tz(), on=args.get("on"))


@reminders.route("/invoices/<int:invoice_id>/reminders")
class InvoiceReminders(MethodView):
    @reminders.response(200, s.ReminderSchema(many=True))
    def get(self, invoice_id):
        return svc.list_reminders(get_session(), current(), invoice_id)

    @idempotent
    @reminders.response(201, s.ReminderSchema)
    def post(self, invoice_id):
        """Send the next reminder now (first, then second); 422 when the invoice is not overdue."""
        reminder = svc.create_reminder(get_session(), current(), invoice_id, tz=_tz())
        commit()
        return reminder


@reminders.route("/invoices/<int:invoice_id>/reminders/<int:level>.pdf")
class InvoiceReminderPdf(MethodView):
    @reminders.response(200, content_type="application/pdf")
    def get(self, invoice_id, level):
        reminder = svc.reminder_pdf(get_session(), current(), invoice_id, level)
        return Response(reminder.pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'inline; filename="relance-{level}-{invoice_id}.pdf"'})


@reminders.route("/invoices/<int:credit_note_id>/refunds")
class CreditNoteRefunds(MethodView):
    @idempotent
    @reminders.arguments(s.RefundCreateSchema)
    @reminders.response(201, s.RefundSchema)
    def post(self, data, credit_note_id):
        """Pay back a credit note of a paid invoice; never more than was paid and credited (422)."""
        refund = svc.record_refund(get_session(), current(), credit_note_id, data, tz=_tz())
        commit()
        return refund


def blueprints():
    return [mandates, debits, reminders]

"""Invoices, credit notes, payments, billing runs and statements."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Response, current_app
from flask.views import MethodView

import invoices as lib

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..services import invoicing as svc
from ..services.parties import logo_of
from .common import ApiBlueprint, commit, idempotent
from .jobs import accepted


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


blp = ApiBlueprint("invoices", "invoices",
                   "Invoices and credit notes to members and funders: drafts, issue, PDFs, payments.")


@blp.route("/")
class Invoices(MethodView):
    @blp.arguments(s.InvoiceQuery, location="query")
    @blp.response(200, s.page_of_summaries)
    def get(self, args):
        """Invoices and credit notes (representatives and treasurers: their member's only)."""
        return svc.list_invoices(get_session(), current(), args)

    @idempotent
    @blp.arguments(s.InvoiceCreateSchema)
    @blp.response(201, s.InvoiceSchema)
    def post(self, data):
        """A manual draft for one member or funder from some of its uninvoiced charges."""
        invoice = svc.create_draft(get_session(), current(), data, tz=_tz())
        commit()
        return invoice


@blp.route("/export.csv")
class InvoiceExport(MethodView):
    @blp.arguments(s.ExportQuery, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """For the accounts: one row per issued document and VAT rate, for French spreadsheets
        (`?dialect=plain` for machines)."""
        rows = svc.export_csv(get_session(), current(), args["start"], args["end"], dialect=args["dialect"])
        name = f"factures-{args['start']}-{args['end']}.csv"
        return Response(rows, mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/<int:invoice_id>")
class InvoiceItem(MethodView):
    @blp.response(200, s.InvoiceSchema)
    def get(self, invoice_id):
        return svc.get_invoice(get_session(), current(), invoice_id)

    @blp.arguments(s.InvoiceUpdateSchema)
    @blp.response(200, s.InvoiceSchema)
    def patch(self, data, invoice_id):
        """Change a draft's note or due date; an issued invoice is immutable (409)."""
        invoice = svc.update_draft(get_session(), current(), invoice_id, data, tz=_tz())
        commit()
        return invoice

    @blp.response(204)
    def delete(self, invoice_id):
        """Delete a draft (its charges become uninvoiced); an issued invoice is never deleted (409)."""
        svc.delete_draft(get_session(), current(), invoice_id)
        commit()


@blp.route("/<int:invoice_id>/issue")
class InvoiceIssue(MethodView):
    @idempotent
    @blp.response(200, s.InvoiceSchema)
    def post(self, invoice_id):
        """Number it, date it today, render and store its Factur-X PDF. Only once (409 after)."""
        invoice = svc.issue_invoice(get_session(), current(), invoice_id, tz=_tz())
        commit()
        return invoice


@blp.route("/archive/<int:year>.zip")
class YearArchive(MethodView):
    @blp.response(200, content_type="application/zip")
    def get(self, year):
        """Every invoice and credit note issued in the year, with ``SHA256SUMS`` signed by the
        installation's Ed25519 key, its public key and how to verify (staff and auditors)."""
        key = svc.signing_key(current_app.instance_path)
        data = svc.year_archive(get_session(), current(), year, key)
        return Response(data, mimetype="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="factures-{year}.zip"'})


@blp.route("/archive/public-key.pem")
class ArchiveKey(MethodView):
    @blp.response(200, content_type="application/x-pem-file")
    def get(self):
        """The public key the archives are signed with, and its SHA-256 fingerprint (header)."""
        public = svc.archive_public_key(current(), current_app.instance_path)
        return Response(public, mimetype="application/x-pem-file",
                        headers={"X-Key-SHA256": lib.key_fingerprint(public)})


@blp.route("/<int:invoice_id>/pdf")
class InvoicePdf(MethodView):
    @blp.response(200, content_type="application/pdf")
    def get(self, invoice_id):
        """The stored Factur-X PDF, byte for byte (a draft has none: 409)."""
        invoice = svc.pdf_of(get_session(), current(), invoice_id)
        return Response(invoice.pdf, mimetype="application/pdf", headers={
            "ETag": f'"{invoice.pdf_sha256}"', "X-Content-SHA256": invoice.pdf_sha256,
            "Content-Disposition": f'attachment; filename="{invoice.number}.pdf"'})


@blp.route("/<int:invoice_id>/facturx.xml")
class InvoiceXml(MethodView):
    @blp.response(200, content_type="application/xml")
    def get(self, invoice_id):
        """The Factur-X (EN 16931 CII) XML embedded in the stored PDF."""
        invoice, xml = svc.facturx_xml_of(get_session(), current(), invoice_id)
        return Response(xml, mimetype="application/xml", headers={
            "Content-Disposition": f'inline; filename="{invoice.number}-factur-x.xml"'})


@blp.route("/<int:invoice_id>/payments")
class InvoicePayments(MethodView):
    @idempotent
    @blp.arguments(s.PaymentCreateSchema)
    @blp.response(201, s.PaymentSchema)
    def post(self, data, invoice_id):
        """Record money received; never more than what remains (422)."""
        payment = svc.record_payment(get_session(), current(), invoice_id, data, tz=_tz())
        commit()
        return payment


@blp.route("/<int:invoice_id>/credit-notes")
class InvoiceCreditNotes(MethodView):
    @idempotent
    @blp.arguments(s.CreditNoteRequestSchema)
    @blp.response(201, s.InvoiceSchema)
    def post(self, data, invoice_id):
        """Issue a credit note citing the invoice, for all that remains or a given amount."""
        note = svc.create_credit_note(get_session(), current(), invoice_id, data, tz=_tz())
        commit()
        return note


runs = ApiBlueprint("billing_runs", "billing-runs",
                    "A period's invoicing: one draft per payer from the uninvoiced charges, issued together.")


@runs.route("/")
class BillingRuns(MethodView):
    @runs.arguments(s.PageArgs, location="query")
    @runs.response(200, s.page_of_runs)
    def get(self, args):
        session = get_session()
        page = svc.list_runs(session, current(), args)
        page["items"] = [svc.run_summary(session, run) for run in page["items"]]
        return page

    @idempotent
    @runs.arguments(s.BillingRunCreateSchema)
    @runs.response(201, s.BillingRunSchema)
    def post(self, data):
        """Gather every uninvoiced charge ending by period_end into one draft per payer."""
        session = get_session()
        run = svc.create_billing_run(session, current(), data, tz=_tz())
        commit()
        return svc.run_summary(session, run)


@runs.route("/<int:run_id>")
class BillingRunItem(MethodView):
    @runs.response(200, s.BillingRunSchema)
    def get(self, run_id):
        session = get_session()
        return svc.run_summary(session, svc.get_run(session, current(), run_id))

    @runs.response(204)
    def delete(self, run_id):
        """Discard a run that was not issued; its charges become uninvoiced."""
        svc.delete_run(get_session(), current(), run_id)
        commit()


@runs.route("/<int:run_id>/issue")
class BillingRunIssue(MethodView):
    @idempotent
    @runs.response(202, s.BillingRunSchema)
    def post(self, run_id):
        """Check every draft, then queue the issue (``Location`` names the job): all drafts are
        numbered consecutively, rendered and stored in one transaction, with the run's ZIP."""
        session = get_session()
        run, job = svc.request_issue(session, current(), run_id, tz=_tz())
        commit()
        session.refresh(run)
        return accepted(svc.run_summary(session, run), job)


@runs.route("/<int:run_id>/invoices.zip")
class BillingRunZip(MethodView):
    @runs.response(200, content_type="application/zip")
    def get(self, run_id):
        """The run's issued PDFs in one ZIP, streamed."""
        chunks = svc.zip_run(get_session(), current(), run_id)
        return Response(chunks, mimetype="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="factures-{run_id}.zip"'})


statements = ApiBlueprint("statements", "", "A member's account: invoiced, credited, paid, balance, overdue.")


@statements.route("/statement")
class StatementView(MethodView):
    @statements.arguments(s.StatementQuery, location="query")
    @statements.response(200, s.StatementSchema)
    def get(self, args):
        """Representatives and treasurers: their member's; staff and auditors: give member_id."""
        principal = current()
        st = svc.statement(get_session(), principal, args.get("member_id"), tz=_tz(), start=args.get("start"),
                           end=args.get("end"))
        member_id = args.get("member_id") if principal.sees_all_members else principal.member_id
        return svc.statement_summary(st, member_id)


@statements.route("/statement.pdf")
class StatementPdf(MethodView):
    @statements.arguments(s.StatementPdfQuery, location="query")
    @statements.response(200, content_type="application/pdf")
    def get(self, args):
        st = svc.statement(get_session(), current(), args.get("member_id"), tz=_tz(), start=args.get("start"),
                           end=args.get("end"))
        pdf = lib.render_statement(st, lang=args["lang"], logo=logo_of(get_session(), current().coordination_id))
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="releve-{st.as_of}.pdf"'})


def blueprints():
    return [blp, runs, statements]

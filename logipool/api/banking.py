"""Bank statements: import and matching, the queue of unmatched credits, credits on account."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, request
from flask.views import MethodView

from .. import schemas as s
from ..auth import current
from ..db import get_session
from ..errors import InvalidInput
from ..services import banking as svc
from .common import ApiBlueprint, commit, idempotent

STATEMENT_BODY = {
    "content": {
        "multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string",
                                                                                     "format": "binary"}}}},
        "application/xml": {"schema": {"type": "string", "description": "ISO 20022 camt.053.001.02 or later"}},
        "text/csv": {"schema": {"type": "string", "description": "A French bank's CSV export"}},
    },
    "required": True,
}


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _upload() -> bytes:
    """The statement, as multipart ``file`` or as the raw body (bodies over MAX_CONTENT_LENGTH: 413)."""
    if request.files:
        if "file" not in request.files:
            raise InvalidInput.field("file", "Send the statement in the multipart field 'file'.")
        data = request.files["file"].read()
    else:
        data = request.get_data(cache=False)
    if not data:
        raise InvalidInput.field("file", "The file is empty.")
    return data


statements = ApiBlueprint("bank_statements", "bank-statements",
                          "Bank statements (CAMT.053 or a French bank's CSV): imported once, credits matched to "
                          "invoices as payments.")


@statements.route("/")
class BankStatements(MethodView):
    @statements.arguments(s.PageArgs, location="query")
    @statements.response(200, s.page_of_statements)
    def get(self, args):
        return svc.list_statements(get_session(), current(), args)

    @idempotent
    @statements.doc(requestBody=STATEMENT_BODY)
    @statements.response(201, s.BankImportResultSchema)
    def post(self):
        """Import a statement: new lines stored (a line already imported is not stored again), credits
        matched by reference, then by amount and payer; the rest waits in the queue. Not CAMT.053 nor a
        known CSV, not EUR, or malformed: 422 and nothing is written."""
        result = svc.import_statement(get_session(), current(), _upload(), tz=_tz())
        commit()
        return result


lines = ApiBlueprint("bank_lines", "bank-lines", "The lines of imported statements; `state=unmatched` is the queue "
                                                 "of credits for a person to match or ignore.")


@lines.route("/")
class BankLines(MethodView):
    @lines.arguments(s.BankLineQuery, location="query")
    @lines.response(200, s.page_of_bank_lines)
    def get(self, args):
        return svc.list_lines(get_session(), current(), args)


@lines.route("/<int:line_id>")
class BankLineItem(MethodView):
    @lines.response(200, s.BankLineSchema)
    def get(self, line_id):
        return svc.get_line(get_session(), current(), line_id)


@lines.route("/<int:line_id>/match")
class BankLineMatch(MethodView):
    @idempotent
    @lines.arguments(s.BankLineMatchSchema)
    @lines.response(200, s.BankLineSchema)
    def post(self, data, line_id):
        """Match a queued credit to an invoice (surplus: a credit on the account) or to a member's account."""
        line = svc.match_line(get_session(), current(), line_id, data, tz=_tz())
        commit()
        return line


@lines.route("/<int:line_id>/ignore")
class BankLineIgnore(MethodView):
    @lines.response(200, s.BankLineSchema)
    def post(self, line_id):
        """Take a queued credit that pays no invoice out of the queue."""
        line = svc.ignore_line(get_session(), current(), line_id)
        commit()
        return line


credits = ApiBlueprint("account_credits", "account-credits",
                       "What customers paid beyond their invoices: used, oldest first, by their next issued invoices.")


@credits.route("/")
class AccountCredits(MethodView):
    @credits.arguments(s.AccountCreditQuery, location="query")
    @credits.response(200, s.page_of_credits)
    def get(self, args):
        return svc.list_credits(get_session(), current(), args)


def blueprints():
    return [statements, lines, credits]

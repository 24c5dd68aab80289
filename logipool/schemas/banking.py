"""Schemas of the bank statement endpoints: statements imported, their lines, the matching queue
and credits on customers' accounts."""

from __future__ import annotations

from marshmallow import Schema, fields

from ..models import BankLineState
from .common import Day, Money, PageArgs, UtcDateTime, Whole, page_of


class BankStatementSchema(Schema):
    id = Whole()
    file_format = fields.String(metadata={"description": "camt.053.001.NN, or csv:credit_agricole, "
                                                         "csv:credit_mutuel, csv:banque_postale, csv:societe_generale"})
    statement_id = fields.String(metadata={"description": "The bank's identification of the statement (CAMT)."})
    account_iban = fields.String()
    from_date = Day(allow_none=True)
    to_date = Day(allow_none=True)
    sha256 = fields.String(metadata={"description": "SHA-256 of the file: the same file is the same statement."})
    lines_count = Whole(metadata={"description": "Lines this import created."})
    duplicates_count = Whole(metadata={"description": "Lines already known from an earlier import, left alone."})
    created_at = UtcDateTime()


class BankImportResultSchema(Schema):
    statement = fields.Nested(BankStatementSchema)
    created = fields.Boolean(metadata={"description": "false: this very file was imported before; nothing changed."})
    lines = Whole(metadata={"description": "New lines stored."})
    duplicates = Whole(metadata={"description": "Lines already imported, not stored again."})
    debits = Whole(metadata={"description": "New lines that are money going out (kept, never matched)."})
    matched = Whole(metadata={"description": "New credits recorded as payments."})
    unmatched = Whole(metadata={"description": "New credits waiting in the queue for a person."})
    by_rule = fields.Dict(keys=fields.String(), values=Whole(),
                          metadata={"description": "Matched credits per rule: reference, amount_payer."})
    paid = Money(attribute="paid_cents", metadata={"description": "Recorded as payments of invoices."})
    credit = Money(attribute="credit_cents", metadata={"description": "Paid beyond the invoices: credits on "
                                                                      "the customers' accounts."})


class BankLineQuery(PageArgs):
    state = fields.Enum(BankLineState, by_value=True, metadata={
        "description": "unmatched (the queue), matched, ignored or debit."})
    statement_id = Whole()
    member_id = Whole()


class BankLinePaymentSchema(Schema):
    id = Whole()
    invoice_id = Whole()
    amount = Money(attribute="amount_cents")


class BankLineSchema(Schema):
    id = Whole()
    statement_id = Whole()
    booking_date = Day()
    value_date = Day(allow_none=True)
    amount = Money(attribute="amount_cents", metadata={"description": "Positive: received; negative: paid out."})
    counterparty_name = fields.String()
    counterparty_iban = fields.String()
    remittance = fields.String(metadata={"description": "The payer's remittance information and the bank's label."})
    bank_reference = fields.String()
    state = fields.Enum(BankLineState, by_value=True)
    match_rule = fields.String(metadata={"description": "reference, amount_payer or manual; empty while queued."})
    member_id = Whole(allow_none=True)
    funder_id = Whole(allow_none=True)
    matched_at = UtcDateTime(allow_none=True)
    payments = fields.List(fields.Nested(BankLinePaymentSchema), metadata={
        "description": "The payments of invoices it was recorded as."})


class BankLineMatchSchema(Schema):
    invoice_id = Whole(metadata={"description": "The invoice it pays (up to what remains; the surplus becomes a "
                                                "credit on the customer's account)."})
    member_id = Whole(metadata={"description": "Or the member whose account it credits, all of it."})


class AccountCreditQuery(PageArgs):
    member_id = Whole()
    funder_id = Whole()
    open = fields.Boolean(metadata={"description": "true: with something left to use; false: used up."})


class AccountCreditSchema(Schema):
    id = Whole()
    member_id = Whole(allow_none=True)
    funder_id = Whole(allow_none=True)
    amount = Money(attribute="amount_cents")
    remaining = Money(attribute="remaining_cents", metadata={"description": "Not yet used by an invoice."})
    received_on = Day()
    bank_line_id = Whole(allow_none=True)
    reference = fields.String()


page_of_statements = page_of(BankStatementSchema)
page_of_bank_lines = page_of(BankLineSchema)
page_of_credits = page_of(AccountCreditSchema)

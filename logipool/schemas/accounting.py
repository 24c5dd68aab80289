"""Schemas of the accounting endpoints: the FEC export and the chart of accounts."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .common import Whole

_ACCOUNT = validate.Regexp(r"^[0-9][0-9A-Z]{2,19}$", error="An account number: a digit, then 2 to 19 digits or "
                                                           "capital letters.")
_JOURNAL = validate.Regexp(r"^[A-Z0-9]{1,6}$", error="A journal code: 1 to 6 capital letters or digits.")
_LABEL = validate.Length(min=1, max=100)


class FecQuery(Schema):
    year = Whole(required=True, validate=validate.Range(min=2000, max=2999),
                 metadata={"description": "The fiscal year (calendar year)."})


class ChartOfAccountsSchema(Schema):
    sales_journal = fields.String(validate=_JOURNAL, metadata={"description": "Invoices and credit notes (VE)."})
    sales_journal_label = fields.String(validate=_LABEL)
    bank_journal = fields.String(validate=_JOURNAL, metadata={"description": "Money received (BQ)."})
    bank_journal_label = fields.String(validate=_LABEL)
    services = fields.String(validate=_ACCOUNT, metadata={"description": "Revenue from services (706000)."})
    goods = fields.String(validate=_ACCOUNT, metadata={"description": "Revenue from goods resold (707000)."})
    disbursement = fields.String(validate=_ACCOUNT, metadata={"description": "Disbursements re-invoiced (708000)."})
    customers = fields.String(validate=_ACCOUNT, metadata={"description": "Customers (411000), one auxiliary "
                                                                         "account per member (M…) and funder (F…)."})
    funders = fields.String(validate=_ACCOUNT, metadata={"description": "Funders' parts receivable, the invoices' "
                                                                       "deductions (441000)."})
    vat_collected = fields.String(validate=_ACCOUNT, metadata={"description": "VAT collected (445710)."})
    bank = fields.String(validate=_ACCOUNT, metadata={"description": "Bank (512000)."})
    cash = fields.String(validate=_ACCOUNT, metadata={"description": "Cash payments (530000)."})

"""Bank statements: import (CAMT.053 or a French bank's CSV), matching credits to open invoices,
and the queue of lines left for a person to match or ignore.

An import stores every line once: a line whose key is already known (from an earlier import of
the same or an overlapping statement) is counted as a duplicate and left alone, and a file
imported again is the same statement. Credits are matched by ``invoices.match_credits`` (by
reference, then by amount and payer); each match becomes payments through
``invoicing.pay`` (the rules of a payment typed in: ``invoicing.check_payment``), and what exceeds the invoices
cited becomes an ``AccountCredit`` that pays the customer's next issued invoices.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

import invoices as lib
from invoices.matching import Credit, OpenInvoice, match_credits
from invoices.payment import invoice_reference

from ..auth import STAFF, STAFF_READERS, Principal, require
from ..db import utcnow
from ..errors import Conflict, InvalidInput
from ..models import (
    AccountCredit,
    BankLine,
    BankLineState,
    BankStatement,
    Coordination,
    Funder,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Member,
)
from . import invoicing
from .crud import Resource

STATEMENTS = Resource(model=BankStatement, label="bank statement", write_roles=STAFF, read_roles=STAFF_READERS)
LINES = Resource(model=BankLine, label="bank line", write_roles=STAFF, read_roles=STAFF_READERS,
                 ordering=lambda m: (m.booking_date, m.id))
CREDITS = Resource(model=AccountCredit, label="account credit", write_roles=STAFF, read_roles=STAFF_READERS,
                   ordering=lambda m: (m.received_on, m.id),
                   filters={"open": lambda stmt, value: stmt.where((AccountCredit.remaining_cents > 0) == value)})
OPEN = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)


def payment_reference(invoice: Invoice) -> str:
    """The RF creditor reference a payer cites for an invoice: the one stored at issue (ISO 11649,
    printed on the invoice and in its QR code), else the same rule from its number."""
    return invoice.payment_reference or invoice_reference(invoice.coordination_id, invoice.number)


def _customer(row) -> tuple[str, int]:
    return ("member", row.member_id) if row.member_id is not None else ("funder", row.funder_id)


def _open_invoices(session: Session, coordination_id: int) -> list[OpenInvoice]:
    rows = session.execute(select(Invoice.id, Invoice.number, Invoice.member_id, Invoice.funder_id,
                                  Invoice.total_cents, Invoice.paid_cents, Invoice.credited_cents, Invoice.issue_date,
                                  Invoice.payment_reference)
                           .where(Invoice.coordination_id == coordination_id, Invoice.kind == InvoiceKind.INVOICE,
                                  Invoice.status.in_(OPEN))).all()
    return [OpenInvoice(id=r.id, number=r.number, customer=_customer(r),
                        remaining_cents=r.total_cents - r.paid_cents - r.credited_cents, issue_date=r.issue_date,
                        reference=r.payment_reference or invoice_reference(coordination_id, r.number))
            for r in rows if r.total_cents - r.paid_cents - r.credited_cents > 0]


def _names(session: Session, coordination_id: int) -> dict[tuple[str, int], list[str]]:
    names: dict[tuple[str, int], list[str]] = {}
    for m in session.execute(select(Member.id, Member.legal_name, Member.short_name)
                             .where(Member.coordination_id == coordination_id)):
        names[("member", m.id)] = [m.legal_name, m.short_name]
    for f in session.execute(select(Funder.id, Funder.name).where(Funder.coordination_id == coordination_id)):
        names[("funder", f.id)] = [f.name]
    return names


def _known_ibans(session: Session, coordination_id: int) -> dict[str, tuple[str, int]]:
    """IBANs seen on lines already matched to a customer: the payer is known next time."""
    rows = session.execute(select(BankLine.counterparty_iban, BankLine.member_id, BankLine.funder_id)
                           .where(BankLine.coordination_id == coordination_id, BankLine.counterparty_iban != "",
                                  BankLine.state == BankLineState.MATCHED).order_by(BankLine.id)).all()
    return {r.counterparty_iban: _customer(r) for r in rows if r.member_id or r.funder_id}


def _set_customer(line: BankLine, customer: tuple[str, int]) -> None:
    kind, key = customer
    line.member_id, line.funder_id = (key, None) if kind == "member" else (None, key)


def _credit_on_account(session: Session, line: BankLine, customer: tuple[str, int], cents: int) -> AccountCredit:
    kind, key = customer
    credit = AccountCredit(coordination_id=line.coordination_id, amount_cents=cents, remaining_cents=cents,
                           received_on=line.booking_date, bank_line_id=line.id,
                           reference=(line.bank_reference or f"Relevé, ligne {line.id}")[:100],
                           **({"member_id": key} if kind == "member" else {"funder_id": key}))
    session.add(credit)
    session.flush()
    return credit


def _transfer(line: BankLine, cents: int) -> dict:
    return {"amount_cents": cents, "paid_on": line.booking_date, "method": "transfer",
            "reference": line.bank_reference or line.remittance[:100]}


def _pay(session: Session, principal: Principal, line: BankLine, allocations: Sequence[tuple[Invoice, int]],
         surplus: int, customer: tuple[str, int], rule: str, *, tz: ZoneInfo) -> None:
    """Record a line as payments of invoices (locked, their payments checked by the caller) and a
    credit on the account for the surplus."""
    for invoice, cents in allocations:
        invoicing.pay(session, principal, invoice, _transfer(line, cents), tz=tz, bank_line_id=line.id)
    if surplus > 0:
        _credit_on_account(session, line, customer, surplus)
    _set_customer(line, customer)
    line.state, line.match_rule = BankLineState.MATCHED, rule
    line.matched_at = utcnow()
    line.matched_by_id = principal.user_id if rule == "manual" else None


def match_lines(session: Session, principal: Principal, lines: Sequence[BankLine], *, tz: ZoneInfo) -> dict:
    """Match unmatched credits to the coordination's open invoices; the rest stays in the queue.
    The invoices matched are locked together; a line whose payment the rules refuse (dated
    before an advance may be) stays in the queue."""
    by_key = {line.line_key: line for line in lines if line.state == BankLineState.UNMATCHED}
    result = match_credits(
        (Credit(line.line_key, line.booking_date, line.amount_cents, line.counterparty_name, line.counterparty_iban,
                line.remittance) for line in by_key.values()),
        _open_invoices(session, principal.coordination_id),
        customer_names=_names(session, principal.coordination_id),
        known_ibans=_known_ibans(session, principal.coordination_id))
    invoices = invoicing.open_invoices_locked(
        session, principal, (a.invoice_id for m in result.matches for a in m.allocations))
    left = list(result.unmatched)
    matched = paid = credit = 0
    for match in result.matches:
        line = by_key[match.key]
        allocations = [(invoices[a.invoice_id], a.amount_cents) for a in match.allocations]
        try:
            for invoice, cents in allocations:
                invoicing.check_payment(invoice, _transfer(line, cents), tz=tz)
        except InvalidInput:
            left.append(match.key)
            continue
        _pay(session, principal, line, allocations, match.surplus_cents, match.customer, match.rule, tz=tz)
        matched, paid, credit = matched + 1, paid + sum(c for _i, c in allocations), credit + match.surplus_cents
    session.flush()
    rules: dict[str, int] = {}
    queued = set(left)
    for match in result.matches:
        if match.key not in queued:
            rules[match.rule] = rules.get(match.rule, 0) + 1
    return {"matched": matched, "unmatched": len(left), "by_rule": rules, "paid_cents": paid, "credit_cents": credit}


def import_statement(session: Session, principal: Principal, data: bytes, *, tz: ZoneInfo) -> dict:
    """Store a statement's new lines and match its credits. The same file again, or lines already
    imported from another file, create nothing twice. A file that is not CAMT.053 nor a known
    CSV export, not in EUR or malformed is refused whole (422 on ``file``)."""
    require(principal, *STAFF)
    try:
        parsed = lib.read_statement(data)
    except lib.StatementError as exc:
        field, _, message = str(exc).partition(": ")
        raise InvalidInput.field(field, message or str(exc)) from None
    coordination = session.get(Coordination, principal.coordination_id)
    own = (coordination.iban or "").replace(" ", "").upper()
    if own and parsed.account_iban and parsed.account_iban.upper() != own:
        raise InvalidInput.field("file", f"This statement is of the account {parsed.account_iban}, not the "
                                         f"coordination's ({own}).")
    sha = hashlib.sha256(data).hexdigest()
    existing = session.scalars(select(BankStatement).where(
        BankStatement.coordination_id == principal.coordination_id, BankStatement.sha256 == sha)).first()
    if existing is not None:
        return {"statement": existing, "created": False, "lines": 0, "duplicates": len(parsed.lines),
                "debits": 0, "matched": 0, "unmatched": 0, "by_rule": {}, "paid_cents": 0, "credit_cents": 0}
    keys = [line.key for line in parsed.lines]
    known: set[str] = set()
    for i in range(0, len(keys), 500):
        known.update(session.scalars(select(BankLine.line_key).where(
            BankLine.coordination_id == principal.coordination_id, BankLine.line_key.in_(keys[i:i + 500]))))
    statement = BankStatement(coordination_id=principal.coordination_id, file_format=parsed.file_format,
                              statement_id=parsed.statement_id, account_iban=parsed.account_iban,
                              from_date=parsed.from_date, to_date=parsed.to_date, sha256=sha,
                              created_by_id=principal.user_id)
    session.add(statement)
    session.flush()
    new = []
    for line in parsed.lines:
        if line.key in known:
            continue
        known.add(line.key)
        new.append(BankLine(
            coordination_id=principal.coordination_id, statement_id=statement.id, line_key=line.key,
            booking_date=line.booking_date, value_date=line.value_date, amount_cents=line.amount_cents,
            counterparty_name=line.counterparty_name, counterparty_iban=line.counterparty_iban,
            remittance=line.remittance, bank_reference=line.bank_reference,
            state=BankLineState.UNMATCHED if line.amount_cents > 0 else BankLineState.DEBIT))
    session.add_all(new)
    statement.lines_count, statement.duplicates_count = len(new), len(parsed.lines) - len(new)
    session.flush()
    summary = match_lines(session, principal, new, tz=tz)
    return {"statement": statement, "created": True, "lines": len(new), "duplicates": statement.duplicates_count,
            "debits": sum(1 for line in new if line.amount_cents < 0), **summary}


def list_statements(session: Session, principal: Principal, args: dict) -> dict:
    return STATEMENTS.list(session, principal, args)


def list_lines(session: Session, principal: Principal, args: dict) -> dict:
    return LINES.list(session, principal, args)


def get_line(session: Session, principal: Principal, line_id: int) -> BankLine:
    return LINES.get(session, principal, line_id)


def _queued(session: Session, principal: Principal, line_id: int) -> BankLine:
    require(principal, *STAFF)
    line = LINES.get(session, principal, line_id, for_update=True)
    if line.state != BankLineState.UNMATCHED:
        raise Conflict(f"Bank line {line.id} is {line.state.value}: only an unmatched credit is matched or ignored.")
    return line


def match_line(session: Session, principal: Principal, line_id: int, data: dict, *, tz: ZoneInfo) -> BankLine:
    """A person matches a queued credit: to an invoice (``invoice_id``: it pays what remains, the
    surplus is a credit on the customer's account), or to a member (``member_id``: all of it is a
    credit on its account, used by its next invoice)."""
    line = _queued(session, principal, line_id)
    if (data.get("invoice_id") is None) == (data.get("member_id") is None):
        raise InvalidInput.field("invoice_id", "Give exactly one of invoice_id and member_id.")
    if data.get("invoice_id") is not None:
        invoice = session.scalars(invoicing.INVOICES.query(principal).where(
            Invoice.id == data["invoice_id"])).first()
        if invoice is None:
            raise InvalidInput.field("invoice_id", f"No invoice {data['invoice_id']} here.")
        if invoice.kind != InvoiceKind.INVOICE or invoice.status not in OPEN:
            raise InvalidInput.field("invoice_id", f"Invoice {invoice.number or invoice.id} is not open for payment.")
        invoice = invoicing.open_invoices_locked(session, principal, [invoice.id])[invoice.id]
        part = min(line.amount_cents, invoice.remaining_cents)
        _pay(session, principal, line, [(invoice, part)], line.amount_cents - part, _customer(invoice), "manual",
             tz=tz)
    else:
        member = session.get(Member, data["member_id"])
        if member is None or member.coordination_id != principal.coordination_id:
            raise InvalidInput.field("member_id", f"No member {data['member_id']} here.")
        _pay(session, principal, line, [], line.amount_cents, ("member", member.id), "manual", tz=tz)
    session.flush()
    return line


def ignore_line(session: Session, principal: Principal, line_id: int) -> BankLine:
    """A queued credit that pays no invoice (a grant, a donation...): out of the queue."""
    line = _queued(session, principal, line_id)
    line.state, line.match_rule = BankLineState.IGNORED, "manual"
    line.matched_at, line.matched_by_id = utcnow(), principal.user_id
    session.flush()
    return line


def list_credits(session: Session, principal: Principal, args: dict) -> dict:
    return CREDITS.list(session, principal, args)

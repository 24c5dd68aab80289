"""The accounting export: the FEC (fichier des écritures comptables, article A47 A-1 of the Livre
des procédures fiscales) of a year's invoices, credit notes and payments, on the coordination's
chart of accounts.

Journals: sales (``VE``) for invoices and credit notes, bank (``BQ``) for money received.
An invoice debits the customer (411, with the member's or funder's auxiliary account) for what
it owes and each funder's receivable account for its part (the deductions), and credits revenue
by nature of its lines (goods, services, disbursements) and VAT collected (44571); a credit note
is the reverse. A payment debits the bank (512; cash 530) and credits the customer; money
received beyond the invoices (a credit on the account) is a payment of the customer's account
too, and using it on a later invoice is a matter of lettering only: no entry. Every entry
balances, and entries are numbered 1, 2, 3… per journal in date order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, defer, selectinload

from purchasing import format_cents

from ..auth import STAFF, STAFF_READERS, Principal, require
from ..errors import InvalidInput
from ..models import (
    AccountCredit,
    ChartOfAccounts,
    Coordination,
    Funder,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Member,
    Nature,
    Payment,
)
from .invoicing import ACCOUNT_CREDIT

#: what a coordination's chart of accounts holds, and the accounts used when it says nothing
DEFAULT_CHART = {
    "sales_journal": "VE", "sales_journal_label": "Ventes",
    "bank_journal": "BQ", "bank_journal_label": "Banque",
    "services": "706000", "goods": "707000", "disbursement": "708000",
    "customers": "411000", "funders": "441000", "vat_collected": "445710",
    "bank": "512000", "cash": "530000",
}
ACCOUNT_LABELS = {
    "services": "Prestations de services", "goods": "Ventes de marchandises",
    "disbursement": "Produits des activités annexes", "customers": "Clients", "funders": "Financeurs, parts à recevoir",
    "vat_collected": "TVA collectée", "bank": "Banque", "cash": "Caisse",
}
FEC_COLUMNS = ("JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib", "CompAuxNum",
               "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit", "EcritureLet", "DateLet",
               "ValidDate", "Montantdevise", "Idevise")
#: the FEC's character set (ISO 8859-15); typographic signs it lacks are written plainly
FEC_ENCODING = "iso8859_15"
_PLAIN = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u202f": " ", "\xa0": " ",
                        "…": "...", "\t": " ", "|": "/", "\r": " ", "\n": " "})


def chart_of(session: Session, coordination_id: int) -> dict[str, str]:
    row = session.get(ChartOfAccounts, coordination_id)
    return DEFAULT_CHART | (row.accounts if row is not None else {})


def get_chart(session: Session, principal: Principal) -> dict[str, str]:
    require(principal, *STAFF_READERS)
    return chart_of(session, principal.coordination_id)


def update_chart(session: Session, principal: Principal, data: dict) -> dict[str, str]:
    """Change some accounts or journals of the coordination's chart; the others keep their value."""
    require(principal, *STAFF)
    row = session.get(ChartOfAccounts, principal.coordination_id, with_for_update=True)
    if row is None:
        row = ChartOfAccounts(coordination_id=principal.coordination_id, accounts={})
        session.add(row)
    row.accounts = {**row.accounts, **data}
    session.flush()
    return chart_of(session, principal.coordination_id)


@dataclass(frozen=True)
class Posting:
    account: str
    account_label: str
    debit_cents: int
    credit_cents: int
    aux: str = ""
    aux_label: str = ""


@dataclass(frozen=True)
class Entry:
    journal: str
    day: date
    piece: str
    label: str
    postings: tuple[Posting, ...]

    def balanced(self) -> bool:
        return sum(p.debit_cents for p in self.postings) == sum(p.credit_cents for p in self.postings)


def _amount(cents: int) -> str:
    return format_cents(cents).replace(".", ",")


def _day(d: date) -> str:
    return d.strftime("%Y%m%d")


def _text(value: str) -> str:
    return value.translate(_PLAIN).strip()


def _side(account: str, label: str, cents: int, *, debit: bool, aux: str = "", aux_label: str = "") -> Posting:
    if cents < 0:
        cents, debit = -cents, not debit
    return Posting(account, label, cents if debit else 0, 0 if debit else cents, aux, aux_label)


def fec_file_name(coordination: Coordination, year: int) -> str:
    """``<SIREN>FEC<closing date>.txt`` (the fiscal year is the calendar year)."""
    return f"{coordination.siren}FEC{year}1231.txt"


def fec_entries(session: Session, principal: Principal, year: int) -> list[Entry]:
    """The year's entries, journal by journal, each in date order."""
    require(principal, *STAFF_READERS)
    cid = principal.coordination_id
    chart = chart_of(session, cid)
    start, end = date(year, 1, 1), date(year, 12, 31)
    members = {m.id: m for m in session.scalars(select(Member).where(Member.coordination_id == cid))}
    funders = {f.id: f for f in session.scalars(select(Funder).where(Funder.coordination_id == cid))}
    funder_by_name = {f.name: f for f in funders.values()}

    def customer(member_id: int | None, funder_id: int | None) -> tuple[str, str]:
        if member_id is not None:
            return f"M{member_id:05d}", members[member_id].legal_name
        return f"F{funder_id:05d}", funders[funder_id].name

    def receivable(name: str) -> tuple[str, str]:
        f = funder_by_name.get(name)
        code = f"F{f.id:05d}" if f is not None else "F" + re.sub(r"[^A-Z0-9]", "", name.upper())[:12]
        return code, name

    label = {k: ACCOUNT_LABELS.get(k, k) for k in DEFAULT_CHART}
    sales: list[Entry] = []
    documents = session.scalars(
        select(Invoice).options(defer(Invoice.pdf), selectinload(Invoice.lines), selectinload(Invoice.deductions))
        .where(Invoice.coordination_id == cid, Invoice.status != InvoiceStatus.DRAFT,
               Invoice.issue_date >= start, Invoice.issue_date <= end)
        .order_by(Invoice.issue_date, Invoice.number)).all()
    for doc in documents:
        is_invoice = doc.kind == InvoiceKind.INVOICE
        aux, aux_label = customer(doc.member_id, doc.funder_id)
        postings = [_side(chart["customers"], label["customers"], doc.total_cents, debit=is_invoice, aux=aux,
                          aux_label=aux_label)]
        by_funder: dict[str, int] = {}
        for d in doc.deductions:
            by_funder[d.funder] = by_funder.get(d.funder, 0) + d.amount_cents
        for name, cents in by_funder.items():
            postings.append(_side(chart["funders"], label["funders"], cents, debit=is_invoice,
                                  aux=receivable(name)[0], aux_label=name))
        by_nature: dict[Nature, int] = {}
        for line in doc.lines:
            by_nature[line.nature] = by_nature.get(line.nature, 0) + line.amount_cents
        for nature, cents in by_nature.items():
            postings.append(_side(chart[nature.value], label[nature.value], cents, debit=not is_invoice))
        if doc.vat_cents:
            postings.append(_side(chart["vat_collected"], label["vat_collected"], doc.vat_cents, debit=not is_invoice))
        what = "Facture" if is_invoice else "Avoir"
        sales.append(Entry(chart["sales_journal"], doc.issue_date, doc.number, f"{what} {doc.number} {aux_label}",
                           tuple(p for p in postings if p.debit_cents or p.credit_cents)))

    bank: list[Entry] = []
    payments = session.execute(
        select(Payment, Invoice.number, Invoice.member_id, Invoice.funder_id)
        .join(Invoice, Payment.invoice_id == Invoice.id)
        .where(Payment.coordination_id == cid, Payment.method != ACCOUNT_CREDIT,
               Payment.paid_on >= start, Payment.paid_on <= end)).all()
    for p, number, member_id, funder_id in payments:
        aux, aux_label = customer(member_id, funder_id)
        money = "cash" if p.method == "cash" else "bank"
        bank.append(Entry(chart["bank_journal"], p.paid_on, (p.reference.strip() or f"P{p.id}")[:40],
                          f"Règlement {number} {aux_label}",
                          (_side(chart[money], label[money], p.amount_cents, debit=True),
                           _side(chart["customers"], label["customers"], p.amount_cents, debit=False, aux=aux,
                                 aux_label=aux_label))))
    for c in session.scalars(select(AccountCredit).where(
            AccountCredit.coordination_id == cid, AccountCredit.received_on >= start,
            AccountCredit.received_on <= end)):
        aux, aux_label = customer(c.member_id, c.funder_id)
        bank.append(Entry(chart["bank_journal"], c.received_on, (c.reference.strip() or f"C{c.id}")[:40],
                          f"Trop-perçu {aux_label}",
                          (_side(chart["bank"], label["bank"], c.amount_cents, debit=True),
                           _side(chart["customers"], label["customers"], c.amount_cents, debit=False, aux=aux,
                                 aux_label=aux_label))))
    bank.sort(key=lambda e: (e.day, e.piece))
    return sales + bank


def fec_lines(session: Session, principal: Principal, year: int) -> tuple[str, Iterator[str]]:
    """The FEC file's name and its lines: tab-separated, the 18 columns of article A47 A-1, dates
    AAAAMMJJ, amounts with a decimal comma, entries numbered per journal without gap."""
    entries = fec_entries(session, principal, year)
    coordination = session.get(Coordination, principal.coordination_id)
    if not coordination.siren:
        raise InvalidInput.field("coordination.siren", "The FEC file is named after the coordination's SIREN.")
    chart = chart_of(session, principal.coordination_id)
    journals = {chart["sales_journal"]: chart["sales_journal_label"],
                chart["bank_journal"]: chart["bank_journal_label"]}

    def generate() -> Iterator[str]:
        yield "\t".join(FEC_COLUMNS) + "\r\n"
        numbers: dict[str, int] = {}
        for entry in entries:
            numbers[entry.journal] = numbers.get(entry.journal, 0) + 1
            day = _day(entry.day)
            for p in entry.postings:
                yield "\t".join(_text(v) for v in (
                    entry.journal, journals[entry.journal], str(numbers[entry.journal]), day, p.account,
                    p.account_label, p.aux, p.aux_label, entry.piece, day, entry.label, _amount(p.debit_cents),
                    _amount(p.credit_cents), "", "", day, "", "")) + "\r\n"

    return fec_file_name(coordination, year), generate()

"""Funders' statements: what each funder's parts paid for — the deductions it took on issued
invoices — per period (the local month in which the charge's service began), per source and per
member.

A credit note corrects what the member owes, not the funder's part: the deductions of an invoice
later credited still count."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

import invoices as lib

from ..auth import STAFF_READERS, Principal, require
from ..errors import InvalidInput, NotFound
from ..models import Charge, Coordination, Funder, Invoice, InvoiceDeduction, InvoiceKind, InvoiceLine, InvoiceStatus
from .invoicing import customer_name, issuer_party
from .parties import document_part

_SOURCE_END = re.compile(r"\s+(?:n°|—|du)\s")


def source_kind(source: str) -> str:
    """The kind of service a deduction's source names: « Réservation de véhicule n° 12 — 3 novembre
    2026 » → « Réservation de véhicule »."""
    return _SOURCE_END.split(source, maxsplit=1)[0].strip() or source


def funder_statement(session: Session, principal: Principal, funder_id: int, start: date, end: date, *,
                     tz: ZoneInfo) -> lib.FunderStatement:
    """The funder's parts of the charges whose service begins in ``[start, end]`` (local dates;
    staff and auditors)."""
    require(principal, *STAFF_READERS)
    if end < start:
        raise InvalidInput.field("end", "The period ends before it starts.")
    funder = session.get(Funder, funder_id)
    if funder is None or funder.coordination_id != principal.coordination_id:
        raise NotFound(f"No funder {funder_id} here.")
    # an invoice's period may span months: each deduction takes the period of its charge (the
    # invoice line of the same source)
    rows = session.execute(
        select(InvoiceDeduction, Invoice)
        .join(Invoice, InvoiceDeduction.invoice_id == Invoice.id)
        .where(Invoice.coordination_id == principal.coordination_id, Invoice.kind == InvoiceKind.INVOICE,
               Invoice.status != InvoiceStatus.DRAFT, InvoiceDeduction.funder == funder.name,
               Invoice.period_start <= end, Invoice.period_end >= start)
        .order_by(Invoice.number, InvoiceDeduction.id)).all()
    lines = session.execute(
        select(InvoiceLine.invoice_id, InvoiceLine.source, Charge.period_start)
        .join(Charge, InvoiceLine.charge_id == Charge.id)
        .where(InvoiceLine.invoice_id.in_({inv.id for _d, inv in rows}))).all()
    served = {(invoice_id, source): begins.astimezone(tz).date() for invoice_id, source, begins in lines}
    rows = [(d, inv, served.get((inv.id, d.source), inv.period_start)) for d, inv in rows]
    rows = [(d, inv, day) for d, inv, day in rows if start <= day <= end]
    issuer = issuer_party(session.get(Coordination, principal.coordination_id))

    def build() -> lib.FunderStatement:
        parts = tuple(lib.FundedPart(
            period=day.replace(day=1), source=source_kind(d.source)[:120],
            member=customer_name(inv)[:200], invoice_reference=inv.number, label=d.source[:200],
            amount_cents=d.amount_cents) for d, inv, day in rows if d.amount_cents > 0)
        return lib.FunderStatement(issuer=issuer, funder=funder.name, start=start, end=end, parts=parts)

    return document_part("funder_statement", build)


def funder_statement_summary(st: lib.FunderStatement, funder_id: int) -> dict:
    return {
        "funder_id": funder_id, "funder": st.funder, "start": st.start, "end": st.end, "total_cents": st.total_cents,
        "by_period": [{"period": month, "amount_cents": cents} for month, cents in st.by_period()],
        "by_source": [{"source": source, "amount_cents": cents} for source, cents in st.by_source()],
        "by_period_and_source": [{"period": month, "source": source, "amount_cents": cents}
                                 for (month, source), cents in st.by_period_and_source()],
        "by_member": [{"member": member, "amount_cents": cents} for member, cents in st.by_member()],
        "parts": [{"period": p.period, "source": p.source, "member": p.member, "invoice_number": p.invoice_reference,
                   "label": p.label, "amount_cents": p.amount_cents} for p in st.parts],
    }

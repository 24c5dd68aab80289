"""Cost-share invoices: drafts from the charges ledger, numbering, issue, payments, credit notes.

The lifecycle is draft → issued → partly paid / paid, or credited when credit notes cancel it
entirely. A draft holds lines built from uninvoiced charges (one per charge, linked back to
it); issuing gives it the next number of the coordination's yearly series, renders the
Factur-X PDF once and stores it with its SHA-256. An issued invoice never changes again: it is
corrected by a credit note, which takes its number from the same series.

Numbers come from one ``InvoiceCounter`` row per coordination and year, locked
(``SELECT … FOR UPDATE``) until the transaction commits, so the series has no gap and no
duplicate: a number is consumed only by a transaction that commits, and two issuers queue on
the row (on SQLite, write transactions are already serialised by ``BEGIN IMMEDIATE``).

Money: a charge's amount is what the payer owes, VAT included when the coordination charges
VAT. The invoice library computes VAT per rate on the sum of the lines (EN 16931), so the base
excluding VAT is derived per rate such that base + VAT equals the charges of that rate to the
cent. Services flush, the API commits.
"""

from __future__ import annotations

import functools
import hashlib
import io
import multiprocessing
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, defer

import invoices as lib
from invoices.i18n import long_date, month_year, number, percent
from invoices.model import round_cents
from purchasing import apportion, format_cents, from_cents

from .. import queue
from ..auth import READERS, STAFF, STAFF_READERS, Principal, require
from ..db import read_in_chunks, utcnow
from ..errors import Conflict, InvalidInput, NotFound
from ..exports import EXCEL_FR, Column, Dialect, csv_header, csv_line
from ..models import (
    AccountCredit,
    BillingRun,
    Charge,
    ChargeSource,
    Coordination,
    Funder,
    Invoice,
    InvoiceCounter,
    InvoiceDeduction,
    InvoiceKind,
    InvoiceLine,
    InvoiceStatus,
    Job,
    Member,
    Nature,
    OrderCycle,
    Payment,
    Refund,
    SepaMandate,
    VatRegime,
    VatTreatment,
)
from . import jobs, mail
from .crud import Resource, own_member_only
from .parties import (
    coordination_party,
    document_part,
    funder_party,
    goods_handover_site,
    member_party,
    site_address,
    vat_regime,
)

#: A charge with no measured quantity is a lump sum: quantity 1 of UN/ECE Rec. 20 "LS" (forfait).
LUMP_SUM_UNIT = "LS"
#: invoice_line keeps quantities to 3 decimals and unit prices to 4
QUANTITY_PLACES, PRICE_PLACES = Decimal("0.001"), Decimal("0.0001")
PAYMENT_METHODS = ("transfer", "cheque", "cash", "direct_debit", "card")
MAX_PAYMENT_TERMS_DAYS = 60  # Code de commerce L441-10
ADVANCE_DAYS = 365  # an advance may be received up to this long before the period it pays for
SOURCE_ORDER = {source: i for i, source in enumerate(ChargeSource)}
CENT = Decimal("0.01")


def today_in(tz: ZoneInfo) -> date:
    return datetime.now(tz).date()


# Reading ---------------------------------------------------------------------------------------


def _visible(principal: Principal, stmt: Select) -> Select:
    # funder invoices have no member: representatives and treasurers never see them; the PDF
    # is loaded only when asked for
    return own_member_only(principal, stmt.options(defer(Invoice.pdf)), Invoice.member_id)


INVOICES = Resource(model=Invoice, label="invoice", write_roles=STAFF, read_roles=READERS, visible=_visible)
RUNS = Resource(model=BillingRun, label="billing run", write_roles=STAFF, read_roles=STAFF_READERS)


def list_invoices(session: Session, principal: Principal, args: dict) -> dict:
    return INVOICES.list(session, principal, args)


def get_invoice(session: Session, principal: Principal, invoice_id: int) -> Invoice:
    return INVOICES.get(session, principal, invoice_id)


def _locked(session: Session, principal: Principal, invoice_id: int) -> Invoice:
    require(principal, *STAFF)
    return INVOICES.get(session, principal, invoice_id, for_update=True)


def customer_name(invoice: Invoice) -> str:
    return invoice.member.legal_name if invoice.member is not None else invoice.funder.name


def remaining_cents(invoice: Invoice) -> int:
    """What is left to pay (0 for drafts and credit notes)."""
    if invoice.status == InvoiceStatus.DRAFT or invoice.kind == InvoiceKind.CREDIT_NOTE:
        return 0
    return invoice.remaining_cents


def charges_total_cents(session: Session, invoice: Invoice) -> int:
    """The sum of the charges on the invoice: its total excluding VAT (its total without VAT)."""
    return session.scalar(
        select(func.coalesce(func.sum(Charge.amount_cents), 0)).where(Charge.invoice_id == invoice.id)
    )


# Amounts excluding VAT ------------------------------------------------------------------------


def taxable_for(total_cents: int, rate: Decimal) -> int | None:
    """The base excluding VAT whose VAT (rounded half up) brings it to exactly ``total_cents``.

    ``base + round(base × rate)`` grows by one or two cents per cent of base, so some totals
    (about one in six at 20 %) cannot be reached by any base: then None.
    """
    guess = int(Decimal(total_cents) * 100 / (100 + rate))
    for base in range(max(guess - 2, 0), guess + 3):
        if base + round_cents(Decimal(base) * rate / 100) == total_cents:
            return base
    return None


def vat_targets(totals: dict[Decimal, int]) -> dict[Decimal, int]:
    """Totals incl. VAT per rate that per-rate VAT can reach, summing to the same grand total.

    A rate whose total cannot be reached takes a neighbouring cent; other rates take the
    opposite cent so that the document total stays exact. Only an invoice whose one rate
    cannot reach its total ends a cent short (in the payer's favour).
    """

    def reachable(rate: Decimal, cents: int) -> bool:
        return cents >= 0 and taxable_for(cents, rate) is not None

    targets = dict(totals)
    short = 0
    for rate, cents in totals.items():
        if not reachable(rate, cents):
            step = -1 if short <= 0 else 1
            targets[rate] = cents + step
            short -= step
    if short == 0:
        return targets
    largest_first = sorted(totals, key=lambda r: -totals[r])
    for rate in largest_first:  # one cent short: a reachable rate takes it
        if targets[rate] == totals[rate] and reachable(rate, totals[rate] + 1):
            targets[rate] += 1
            return targets
    for lowered in largest_first:  # or a lowered rate goes up instead, and another one down
        if targets[lowered] != totals[lowered] - 1:
            continue
        for rate in largest_first:
            if rate != lowered and targets[rate] == totals[rate] and reachable(rate, totals[rate] - 1):
                targets[lowered] += 2
                targets[rate] -= 1
                return targets
    return targets


@dataclass(frozen=True)
class PricedLine:
    charge: Charge
    amount_cents: int  # excl. VAT, before deductions
    vat_rate: Decimal | None
    vat_treatment: VatTreatment | None = None


@dataclass(frozen=True)
class PricedDeduction:
    charge: Charge
    funder: str
    amount_cents: int  # excl. VAT
    vat_rate: Decimal | None
    vat_treatment: VatTreatment | None = None


@dataclass(frozen=True)
class Pricing:
    lines: list[PricedLine]
    deductions: list[PricedDeduction]
    lines_cents: int
    deductions_cents: int
    vat_cents: int
    total_cents: int


def _gross(charge: Charge) -> int:
    return charge.amount_cents + sum(int(s["cents"]) for s in charge.subsidies or ())


def _charge_rate(charge: Charge, treatment: VatTreatment) -> Decimal | None:
    if treatment != VatTreatment.VAT_REGISTERED:
        return None
    if charge.vat_rate is None:
        raise InvalidInput(
            f"vat_rate: charge {charge.id} ({charge.label}) has no VAT rate, and the coordination charges VAT "
            f"on its {charge.nature.value}.",
            errors={"vat_rate": [f"Charge {charge.id} needs a VAT rate."]}, extra={"charge_id": charge.id})
    rate = Decimal(charge.vat_rate).quantize(CENT)
    if rate not in lib.FRENCH_VAT_RATES:
        raise InvalidInput(
            f"vat_rate: charge {charge.id} ({charge.label}) has the rate {rate} %, which is not a French VAT rate.",
            errors={"vat_rate": [f"Charge {charge.id}: {rate} % is not a French VAT rate."]},
            extra={"charge_id": charge.id})
    return rate


def _treatments(how: Coordination | VatRegime) -> Callable[[Nature], VatTreatment]:
    """Each nature's VAT treatment: the coordination's choices, or one regime for all."""
    if isinstance(how, Coordination):
        return how.vat_treatment
    return lambda nature: VatTreatment(VatRegime(how).value)


def price_charges(charges: Sequence[Charge], how: Coordination | VatRegime) -> Pricing:
    """Lines and deductions excluding VAT, and the VAT per rate.

    A charge is what the payer owes excluding VAT: when the coordination charges VAT, each
    rate's VAT is computed once on the sum of its lines (EN 16931), so the invoice's total
    excluding VAT equals the sum of its charges exactly, and without VAT so does its total.
    Each line shows the charge's gross amount (what it is worth before funders' parts); each
    funder's part is a deduction at the same rate and treatment. ``how`` is the coordination
    (its VAT treatment per nature of charge) or one regime for every charge.
    """
    treatment_of = _treatments(how)
    treatments = [treatment_of(c.nature) for c in charges]
    rates = [_charge_rate(c, t) for c, t in zip(charges, treatments, strict=True)]
    groups: dict[Decimal | None, list[Charge]] = {}
    for charge, rate in zip(charges, rates, strict=True):
        groups.setdefault(rate, []).append(charge)
    deductions: list[PricedDeduction] = []
    lines_total = deductions_total = vat_total = 0
    for rate, members in groups.items():
        taxable = sum(c.amount_cents for c in members)
        for c in members:
            for s in c.subsidies or ():
                if int(s["cents"]) > 0:
                    deductions.append(PricedDeduction(c, s["funder"], int(s["cents"]), rate,
                                                      treatment_of(c.nature)))
                    deductions_total += int(s["cents"])
        lines_total += sum(_gross(c) for c in members)
        vat_total += 0 if rate is None else round_cents(Decimal(taxable) * rate / 100)
    lines = [PricedLine(c, _gross(c), r, t) for c, r, t in zip(charges, rates, treatments, strict=True)]
    return Pricing(lines, deductions, lines_total, deductions_total, vat_total,
                   lines_total - deductions_total + vat_total)


# Drafts ---------------------------------------------------------------------------------------


def _coordination(session: Session, principal: Principal) -> Coordination:
    return session.get(Coordination, principal.coordination_id)


def _local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def _ordered(charges: Iterable[Charge]) -> list[Charge]:
    return sorted(charges, key=lambda c: (SOURCE_ORDER[c.source_type], c.period_start, c.id))


def _source(charge: Charge, tz: ZoneInfo) -> str:
    """Where a charge comes from, in words a treasurer reads ("Frais d'entrepôt — novembre 2026")."""
    day = _local_date(charge.period_start, tz)
    n = charge.source_id
    words = {
        ChargeSource.VEHICLE_BOOKING: f"Réservation de véhicule n° {n} — {long_date(day, 'fr')}",
        ChargeSource.STORAGE_BOOKING: f"Réservation de stockage n° {n} — {month_year(day, 'fr')}",
        ChargeSource.WAREHOUSE_COSTS: f"Frais d'entrepôt — {month_year(day, 'fr')}",
        ChargeSource.ORDER_CYCLE: f"Commande groupée n° {n} — {month_year(day, 'fr')}",
        ChargeSource.ROUTE_PLAN: f"Tournées mutualisées du {long_date(day, 'fr')}",
        ChargeSource.MANUAL: f"Écriture manuelle — {month_year(day, 'fr')}",
    }
    return words[charge.source_type][:100]


@dataclass(frozen=True)
class LineMeasure:
    """One invoice line of a charge: its quantity, unit and unit price excl. VAT."""

    description: str
    quantity: Decimal
    unit: str
    unit_label: str
    unit_price: Decimal
    amount_cents: int


def _priced(quantity: Decimal, cents: int, unit_price: Decimal | None) -> Decimal | None:
    """The unit price that gives exactly ``cents`` for ``quantity`` (the tariff when it does)."""
    candidates = [] if unit_price is None else [unit_price]
    candidates.append((Decimal(cents) / 100 / quantity).quantize(PRICE_PLACES))
    for price in candidates:
        if price == price.quantize(PRICE_PLACES) and round_cents(quantity * price * 100) == cents:
            return price
    return None


def line_measures(charge: Charge, gross_cents: int) -> list[LineMeasure]:
    """The lines a charge prints as: its real quantities (days, hours, km, kg, pallet-days...)
    at their unit price where the charge measured them and they reproduce its amount to the
    cent; else one lump sum."""
    lump = [LineMeasure(charge.label, Decimal(1), LUMP_SUM_UNIT, "", Decimal(gross_cents) / 100, gross_cents)]
    parts = charge.measure or []
    if not parts or sum(int(p["cents"]) for p in parts) != gross_cents:
        return lump
    lines = []
    for p in parts:
        description = f"{charge.label} — {p['what']}" if p.get("what") and len(parts) > 1 else charge.label
        quantity, cents = Decimal(p["quantity"]), int(p["cents"])
        price = None
        if quantity > 0 and quantity == quantity.quantize(QUANTITY_PLACES) and p.get("unit") in lib.UNITS:
            price = _priced(quantity, cents, Decimal(p["unit_price"]) if p.get("unit_price") else None)
        if price is None:
            unit = p.get("unit_label") or lib.UNITS.get(p.get("unit"), (p.get("unit", ""),))[0]
            description += f" ({number(quantity, 'fr')} {unit})"
            lines.append(LineMeasure(description[:300], Decimal(1), LUMP_SUM_UNIT, "", Decimal(cents) / 100, cents))
        else:
            lines.append(LineMeasure(description[:300], quantity.normalize(), p["unit"], p.get("unit_label") or "",
                                     price, cents))
    return lines


def _fill(session: Session, invoice: Invoice, charges: Sequence[Charge], coordination: Coordination,
          tz: ZoneInfo) -> None:
    """(Re)build a draft's lines, deductions, period and totals from its charges: each charge
    gives its measured lines, the first carrying the charge's computation (its basis), each
    line the VAT treatment of its charge's nature."""
    charges = _ordered(charges)
    pricing = price_charges(charges, coordination)
    invoice.lines.clear()
    invoice.deductions.clear()
    session.flush()
    position = 0
    for line in pricing.lines:
        c = line.charge
        c.invoice_id = invoice.id
        for k, m in enumerate(line_measures(c, line.amount_cents)):
            position += 1
            invoice.lines.append(InvoiceLine(
                position=position, description=m.description, quantity=m.quantity, unit=m.unit,
                unit_label=m.unit_label, unit_price=m.unit_price, amount_cents=m.amount_cents,
                vat_rate=line.vat_rate, nature=c.nature, source=_source(c, tz), charge_id=c.id,
                basis=c.basis if k == 0 else "", vat_treatment=line.vat_treatment))
    for d in pricing.deductions:
        invoice.deductions.append(InvoiceDeduction(
            label=f"Part prise en charge par {d.funder}"[:300], funder=d.funder, amount_cents=d.amount_cents,
            vat_rate=d.vat_rate, source=_source(d.charge, tz), vat_treatment=d.vat_treatment))
    invoice.lines_cents = pricing.lines_cents
    invoice.deductions_cents = pricing.deductions_cents
    invoice.vat_cents = pricing.vat_cents
    invoice.total_cents = pricing.total_cents
    if charges:
        invoice.period_start = min(_local_date(c.period_start, tz) for c in charges)
        # periods are half-open: a charge ending at midnight ends the day before
        invoice.period_end = max(max(_local_date(c.period_end - timedelta(microseconds=1), tz),
                                     _local_date(c.period_start, tz)) for c in charges)
    else:
        invoice.period_start = invoice.period_end = None
    session.flush()


def _payer(session: Session, principal: Principal, data: dict) -> tuple[int | None, int | None]:
    member_id, funder_id = data.get("member_id"), data.get("funder_id")
    if (member_id is None) == (funder_id is None):
        raise InvalidInput.field("member_id", "Give exactly one of member_id and funder_id.")
    if member_id is not None:
        member = session.get(Member, member_id)
        if member is None or member.coordination_id != principal.coordination_id:
            raise InvalidInput.field("member_id", f"No member {member_id} in this coordination.")
    else:
        funder = session.get(Funder, funder_id)
        if funder is None or funder.coordination_id != principal.coordination_id:
            raise InvalidInput.field("funder_id", f"No funder {funder_id} in this coordination.")
    return member_id, funder_id


def _claim_charges(session: Session, principal: Principal, ids: Sequence[int],
                   member_id: int | None, funder_id: int | None) -> list[Charge]:
    """The uninvoiced charges of this payer, locked so that no other draft takes them."""
    if len(set(ids)) != len(ids):
        raise InvalidInput.field("charge_ids", "A charge appears twice.")
    if not ids:
        return []
    rows = {c.id: c for c in session.scalars(
        select(Charge).where(Charge.coordination_id == principal.coordination_id, Charge.id.in_(ids))
        .with_for_update().execution_options(populate_existing=True))}
    for charge_id in ids:
        charge = rows.get(charge_id)
        if charge is None:
            raise InvalidInput.field("charge_ids", f"No charge {charge_id} in this coordination.")
        if (charge.member_id, charge.funder_id) != (member_id, funder_id):
            raise InvalidInput.field("charge_ids", f"Charge {charge_id} is owed by another payer.")
        if charge.invoice_id is not None:
            raise InvalidInput.field("charge_ids", f"Charge {charge_id} is already on invoice {charge.invoice_id}.")
    return [rows[i] for i in ids]


def create_draft(session: Session, principal: Principal, data: dict, *, tz: ZoneInfo) -> Invoice:
    """A draft for one member or funder from some of its uninvoiced charges (possibly none yet).

    ``data``: ``member_id`` or ``funder_id``, ``charge_ids``, optional ``note`` (default: the
    coordination's invoice note).
    """
    require(principal, *STAFF)
    member_id, funder_id = _payer(session, principal, data)
    charges = _claim_charges(session, principal, data.get("charge_ids") or [], member_id, funder_id)
    coordination = _coordination(session, principal)
    invoice = Invoice(
        coordination_id=principal.coordination_id, member_id=member_id, funder_id=funder_id,
        kind=InvoiceKind.INVOICE, status=InvoiceStatus.DRAFT,
        note=data["note"] if data.get("note") is not None else coordination.invoice_note,
        created_by_id=principal.user_id)
    session.add(invoice)
    session.flush()
    _fill(session, invoice, charges, coordination, tz)
    return invoice


def _draft(session: Session, principal: Principal, invoice_id: int) -> Invoice:
    invoice = _locked(session, principal, invoice_id)
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict(f"Invoice {invoice.number} is issued: it can no longer change; correct it with a credit note.")
    return invoice


def _check_due_date(invoice: Invoice, due: date, issue: date) -> None:
    """A due date lies between the issue date and the legal maximum (art. L441-10 C. com.)."""
    if not issue <= due <= issue + timedelta(days=MAX_PAYMENT_TERMS_DAYS):
        name = invoice.number or f"draft {invoice.id} ({customer_name(invoice)})"
        raise InvalidInput(
            f"due_date: invoice {name} is due on {due}, which is not between its issue date ({issue}) "
            f"and {MAX_PAYMENT_TERMS_DAYS} days after it.",
            errors={"due_date": [f"Between {issue} and {issue + timedelta(days=MAX_PAYMENT_TERMS_DAYS)}."]},
            extra={"invoice_id": invoice.id})


def update_draft(session: Session, principal: Principal, invoice_id: int, data: dict, *,
                 tz: ZoneInfo) -> Invoice:
    """Change a draft's note or due date (null: the coordination's payment terms). A due date is
    checked now against today (the earliest issue date), and again when the draft is issued."""
    invoice = _draft(session, principal, invoice_id)
    if "note" in data:
        invoice.note = data["note"] or ""
    if "due_date" in data:
        if data["due_date"] is not None:
            _check_due_date(invoice, data["due_date"], today_in(tz))
        invoice.due_date = data["due_date"]
    session.flush()
    return invoice


def _discard(session: Session, invoice: Invoice) -> None:
    for charge in session.scalars(select(Charge).where(Charge.invoice_id == invoice.id)):
        charge.invoice_id = None
    session.flush()
    session.delete(invoice)


def delete_draft(session: Session, principal: Principal, invoice_id: int) -> None:
    """Delete a draft; its charges become uninvoiced again."""
    _discard(session, _draft(session, principal, invoice_id))
    session.flush()


# Issuing --------------------------------------------------------------------------------------


def issuer_party(c: Coordination) -> lib.Party:
    if not c.siren and not c.siret:
        raise InvalidInput.field("coordination.siren", "The coordination's SIREN is required on an invoice.")
    return coordination_party(c)


def customer_party(invoice: Invoice) -> lib.Party:
    if invoice.member is not None:
        return member_party(invoice.member)
    f = invoice.funder
    if not f.siren and not f.siret and f.country == "FR":
        raise InvalidInput.field(f"funder {f.id}.siren",
                                 f"{f.name} has no SIREN: a French customer's SIREN is required.")
    return funder_party(f)


def payment_terms(c: Coordination, issue_date: date | None = None, due_date: date | None = None) -> str:
    """The terms as printed: the days between issue and due date when both are known (a draft's
    due date may have been changed), else the coordination's terms."""
    days = (due_date - issue_date).days if issue_date and due_date else c.payment_terms_days
    when = "à réception" if days == 0 else ("à 1 jour" if days == 1 else f"à {days} jours")
    return f"Paiement {when}" + (" par virement" if c.iban else "")


def _nature(natures: set[Nature]) -> lib.Nature:
    # disbursements are services bought for the member (billing frame S1)
    natures = {Nature.SERVICES if n == Nature.DISBURSEMENT else n for n in natures}
    if natures == {Nature.GOODS}:
        return lib.Nature.GOODS
    return lib.Nature.SERVICES if natures <= {Nature.SERVICES} else lib.Nature.MIXED


def _treatment(value: VatTreatment | None) -> lib.VatRegime | None:
    return None if value is None else vat_regime(value)


def _rate(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(CENT)


def _delivery_address(session: Session, invoice: Invoice) -> lib.DeliveryAddress | None:
    """Where the invoice's goods were delivered, when that is not the customer's address (the
    e-invoicing reform asks for it): the delivery site of the joint orders they come from."""
    if invoice.member_id is None:
        return None
    charge_ids = [line.charge_id for line in (invoice.original or invoice).lines
                  if line.nature == Nature.GOODS and line.charge_id is not None]
    cycles = session.scalars(select(OrderCycle).where(OrderCycle.id.in_(
        select(Charge.source_id).where(Charge.id.in_(charge_ids),
                                       Charge.source_type == ChargeSource.ORDER_CYCLE)))).all() if charge_ids else []
    sites = {site.id: site for site in (goods_handover_site(session, cycle, invoice.member_id) for cycle in cycles)
             if site is not None}
    if len(sites) != 1:
        return None
    return site_address(sites.popitem()[1])


def _public_buyer(invoice: Invoice) -> dict:
    """A public funder's Chorus Pro references: service code (BT-10), commitment number (BT-13)."""
    f = invoice.funder
    if f is None or not f.is_public:
        return {}
    return {"buyer_reference": f.service_code or "", "order_reference": f.commitment_number or ""}


def _document(invoice: Invoice, coordination: Coordination, number: str,
              delivery: lib.DeliveryAddress | None = None) -> lib.Invoice:
    """The invoice as the library's document (which checks everything French law asks)."""
    issuer, customer = issuer_party(coordination), customer_party(invoice)
    original = invoice.original
    # a credit note is goods, services or both as the invoice it corrects
    natures = {line.nature for line in (original or invoice).lines}

    def build() -> lib.Invoice:
        return lib.Invoice(
            number=number,
            kind=lib.InvoiceKind(invoice.kind.value),
            issue_date=invoice.issue_date,
            issuer=issuer,
            customer=customer,
            nature=_nature(natures),
            lines=tuple(lib.InvoiceLine(
                description=line.description, quantity=line.quantity, unit=line.unit, unit_price=line.unit_price,
                amount_cents=line.amount_cents, source=line.source, vat_rate=_rate(line.vat_rate),
                unit_label=line.unit_label or "", basis=line.basis or "",
                vat_treatment=_treatment(line.vat_treatment))
                for line in invoice.lines),
            deductions=tuple(lib.Deduction(
                label=d.label[:200], funder=d.funder, amount_cents=d.amount_cents, source=d.source[:100],
                vat_rate=_rate(d.vat_rate), vat_treatment=_treatment(d.vat_treatment))
                for d in invoice.deductions),
            late_penalty_rate=Decimal(coordination.late_penalty_rate),
            payment_terms=payment_terms(coordination, invoice.issue_date, invoice.due_date),
            due_date=invoice.due_date,
            period_start=invoice.period_start,
            period_end=invoice.period_end,
            original_number=original.number if original is not None else None,
            original_date=original.issue_date if original is not None else None,
            delivery_address=delivery,
            note=invoice.note,
            **_public_buyer(invoice),
        )

    return document_part("invoice", build)


def next_number(session: Session, coordination_id: int, year: int) -> str:
    """The next number of the coordination's series for ``year``, e.g. ``2026-000123``.

    The counter row stays locked until the transaction ends: a rolled-back issue gives its
    number back, and concurrent issuers queue, so numbers follow commit order without gaps.
    """
    stmt = (select(InvoiceCounter)
            .where(InvoiceCounter.coordination_id == coordination_id, InvoiceCounter.year == year)
            .with_for_update().execution_options(populate_existing=True))
    counter = session.scalars(stmt).first()
    if counter is None:
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        session.execute(insert(InvoiceCounter)
                        .values(coordination_id=coordination_id, year=year, last_number=0)
                        .on_conflict_do_nothing())
        counter = session.scalars(stmt).one()
    counter.last_number += 1
    session.flush()
    return f"{year}-{counter.last_number:06d}"


def active_mandates(session: Session, coordination_id: int, member_ids: Iterable[int]) -> dict[int, SepaMandate]:
    """Each member's mandate in force (not revoked; the latest signed when several are)."""
    ids = {m for m in member_ids if m is not None}
    if not ids:
        return {}
    rows = session.scalars(select(SepaMandate).where(
        SepaMandate.coordination_id == coordination_id, SepaMandate.member_id.in_(ids),
        SepaMandate.revoked_on.is_(None)).order_by(SepaMandate.signed_on, SepaMandate.id)).all()
    return {m.member_id: m for m in rows}


def _direct_debit(invoice: Invoice, coordination: Coordination,
                  mandates: dict[int, SepaMandate] | None, session: Session) -> lib.DirectDebitNotice | None:
    """The pre-notification printed on an invoice of a member with a mandate in force, when the
    coordination has its SEPA creditor identifier: collected on the due date."""
    if invoice.kind != InvoiceKind.INVOICE or invoice.member_id is None or not coordination.sepa_creditor_id:
        return None
    if mandates is None:
        mandates = active_mandates(session, coordination.id, [invoice.member_id])
    mandate = mandates.get(invoice.member_id)
    if mandate is None:
        invoice.mandate_id = invoice.debit_on = None
        return None
    invoice.mandate_id, invoice.debit_on = mandate.id, invoice.due_date
    return lib.DirectDebitNotice(collection_date=invoice.due_date, mandate_reference=mandate.reference,
                                 creditor_id=coordination.sepa_creditor_id, iban=mandate.iban)


def _prepare(session: Session, invoice: Invoice, coordination: Coordination, today: date,
             mandates: dict[int, SepaMandate] | None = None) -> lib.Invoice:
    """Check the draft, give it its number and its payment reference: the document to render."""
    if not invoice.lines:
        raise InvalidInput(f"lines: invoice draft {invoice.id} has no line; add charges before issuing it.",
                           errors={"lines": ["An invoice needs at least one line."]}, extra={"invoice_id": invoice.id})
    if invoice.kind == InvoiceKind.INVOICE:
        if invoice.due_date is None:
            invoice.due_date = today + timedelta(days=coordination.payment_terms_days)
        else:
            _check_due_date(invoice, invoice.due_date, today)
    invoice.issue_date = today
    # every check before taking a number
    document = _document(invoice, coordination, "DRAFT", _delivery_address(session, invoice))
    debit = document_part("invoice", lambda: _direct_debit(invoice, coordination, mandates, session))
    # the row takes its number with its PDF (a draft has none): see _store
    number = next_number(session, coordination.id, today.year)
    reference = lib.invoice_reference(coordination.id, number) if invoice.kind == InvoiceKind.INVOICE else ""
    return replace(document, number=number, payment_reference=reference, direct_debit=debit)


def _store(invoice: Invoice, document: lib.Invoice, pdf: bytes) -> None:
    """The rendered PDF and its totals are stored: the invoice is now immutable."""
    totals = document.totals
    invoice.number = document.number
    invoice.payment_reference = document.payment_reference or None
    invoice.late_penalty_rate = document.late_penalty_rate
    invoice.lines_cents, invoice.deductions_cents = totals.lines_cents, totals.deductions_cents
    invoice.vat_cents, invoice.total_cents = totals.vat_cents, totals.due_cents
    invoice.pdf = pdf
    invoice.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    invoice.status = InvoiceStatus.ISSUED
    invoice.issued_at = utcnow()
    _settle(invoice)


#: From this many invoices on, a run renders its PDFs on every core (separate processes).
PARALLEL_FROM = 40


def render_all(documents: Sequence[lib.Invoice], logo: bytes | None = None) -> list[bytes]:
    """Factur-X PDFs of the documents, in order; large runs use a pool of processes (spawned,
    not forked, so that a threaded server is safe), since rendering is pure CPU."""
    workers = min(os.cpu_count() or 1, 8)
    render = functools.partial(lib.render_facturx, logo=logo)
    if len(documents) < PARALLEL_FROM or workers < 2:
        return [render(d) for d in documents]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(render, documents, chunksize=8))


def _seal(session: Session, invoice: Invoice, coordination: Coordination, today: date) -> None:
    document = _prepare(session, invoice, coordination, today)
    _store(invoice, document, lib.render_facturx(document, logo=coordination.logo))
    session.flush()
    apply_account_credits(session, invoice)


def issue_invoice(session: Session, principal: Principal, invoice_id: int, *, tz: ZoneInfo) -> Invoice:
    """Issue a draft today (local date): number, due date, stored PDF. A second issue is a 409."""
    invoice = _draft(session, principal, invoice_id)
    _seal(session, invoice, _coordination(session, principal), today_in(tz))
    mail.invoices_issued(session, [invoice])
    return invoice


def _settle(invoice: Invoice) -> None:
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        return
    if invoice.remaining_cents > 0:
        invoice.status = InvoiceStatus.PARTLY_PAID if invoice.paid_cents else InvoiceStatus.ISSUED
    elif invoice.credited_cents and invoice.credited_cents == invoice.total_cents:
        invoice.status = InvoiceStatus.CREDITED
    else:
        invoice.status = InvoiceStatus.PAID


def pdf_of(session: Session, principal: Principal, invoice_id: int) -> Invoice:
    """An issued invoice with its stored PDF (drafts have none: 409)."""
    invoice = get_invoice(session, principal, invoice_id)
    if invoice.status == InvoiceStatus.DRAFT:
        raise Conflict(f"Invoice draft {invoice.id} has no PDF yet: it is rendered once, when issued.")
    return invoice


def facturx_xml_of(session: Session, principal: Principal, invoice_id: int) -> tuple[Invoice, bytes]:
    """The Factur-X XML embedded in the stored PDF of an issued invoice."""
    from facturx import get_xml_from_pdf

    invoice = pdf_of(session, principal, invoice_id)
    _name, xml = get_xml_from_pdf(invoice.pdf, check_xsd=False)
    return invoice, xml


# Payments and credit notes --------------------------------------------------------------------


def _open_invoice(session: Session, principal: Principal, invoice_id: int) -> Invoice:
    invoice = _locked(session, principal, invoice_id)
    if invoice.kind == InvoiceKind.CREDIT_NOTE:
        raise Conflict(f"{invoice.number} is a credit note: it is not paid or credited.")
    if invoice.status == InvoiceStatus.DRAFT:
        raise Conflict(f"Invoice draft {invoice.id} is not issued yet.")
    return invoice


def _earliest_payment(invoice: Invoice) -> date:
    # an advance (acompte) received before the invoice was issued is recorded with its real date:
    # on the statement it stands as a credit on the account until the invoice comes
    return (invoice.period_start or invoice.issue_date) - timedelta(days=ADVANCE_DAYS)


def _check_amount(invoice: Invoice, amount: int) -> None:
    if amount <= 0:
        raise InvalidInput.field("amount", "A payment is a positive amount.")
    if amount > invoice.remaining_cents:
        raise InvalidInput.field("amount", f"{format_cents(amount)} € exceeds what remains of {invoice.number} "
                                           f"({format_cents(invoice.remaining_cents)} €).")


def _add_payment(session: Session, invoice: Invoice, amount: int, paid_on: date, method: str, reference: str,
                 user_id: int | None, **source) -> Payment:
    """The one way money is put on an invoice (typed in, matched from the bank, or taken from a
    credit on the account): never more than what remains. The caller flushes."""
    _check_amount(invoice, amount)
    payment = Payment(coordination_id=invoice.coordination_id, invoice_id=invoice.id, amount_cents=amount,
                      paid_on=paid_on, method=method, reference=reference[:100], created_by_id=user_id, **source)
    session.add(payment)
    invoice.paid_cents += amount
    _settle(invoice)
    return payment


def check_payment(invoice: Invoice, data: dict, *, tz: ZoneInfo) -> None:
    """The rules of money received for an issued invoice: a positive amount, never more than what
    remains, dated between the earliest advance and today, by a known method (422 naming the field)."""
    _check_amount(invoice, data["amount_cents"])
    earliest = _earliest_payment(invoice)
    if not earliest <= data["paid_on"] <= today_in(tz):
        raise InvalidInput.field("paid_on", f"A payment of {invoice.number} is dated between {earliest} (an advance "
                                            f"up to {ADVANCE_DAYS} days before the period invoiced) and today.")
    if data["method"] not in PAYMENT_METHODS:
        raise InvalidInput.field("method", f"One of {', '.join(PAYMENT_METHODS)}.")


def open_invoices_locked(session: Session, principal: Principal, invoice_ids: Iterable[int]) -> dict[int, Invoice]:
    """Open (issued, not credit notes) invoices locked for payment, read in a few statements."""
    require(principal, *STAFF)
    ids, found = sorted(set(invoice_ids)), {}
    for i in range(0, len(ids), 500):
        found.update((inv.id, inv) for inv in session.scalars(INVOICES.query(principal).where(
            Invoice.id.in_(ids[i:i + 500]), Invoice.kind == InvoiceKind.INVOICE,
            Invoice.status != InvoiceStatus.DRAFT).with_for_update()))
    return found


def pay(session: Session, principal: Principal, invoice: Invoice, data: dict, *, tz: ZoneInfo,
        bank_line_id: int | None = None) -> Payment:
    """Record money received for an invoice already locked (``open_invoices_locked``), after
    ``check_payment``; the caller flushes."""
    check_payment(invoice, data, tz=tz)
    return _add_payment(session, invoice, data["amount_cents"], data["paid_on"], data["method"],
                        data.get("reference") or "", principal.user_id, bank_line_id=bank_line_id)


def record_payment(session: Session, principal: Principal, invoice_id: int, data: dict, *,
                   tz: ZoneInfo) -> Payment:
    """Record money received for an issued invoice (``amount`` cents, ``paid_on``, ``method``,
    ``reference``); never more than what remains."""
    payment = pay(session, principal, _open_invoice(session, principal, invoice_id), data, tz=tz)
    session.flush()
    return payment


#: the method of a payment taken from a credit on the customer's account (no money moves)
ACCOUNT_CREDIT = "account_credit"


def apply_account_credits(session: Session, invoice: Invoice) -> list[Payment]:
    """Pay a newly issued invoice from its customer's credits on account (overpayments), oldest
    first. Each payment is dated when the money was received (or, for older money, as early as
    an advance may be), so the statement shows it when it came."""
    if invoice.kind != InvoiceKind.INVOICE or invoice.remaining_cents <= 0:
        return []
    customer = (AccountCredit.member_id == invoice.member_id if invoice.member_id is not None
                else AccountCredit.funder_id == invoice.funder_id)
    credits = session.scalars(select(AccountCredit).where(
        AccountCredit.coordination_id == invoice.coordination_id, customer, AccountCredit.remaining_cents > 0)
        .order_by(AccountCredit.received_on, AccountCredit.id).with_for_update()).all()
    payments = []
    for credit in credits:
        part = min(credit.remaining_cents, invoice.remaining_cents)
        if part <= 0:
            break
        credit.remaining_cents -= part
        payments.append(_add_payment(
            session, invoice, part, max(credit.received_on, _earliest_payment(invoice)), ACCOUNT_CREDIT,
            credit.reference or f"Avoir sur compte n° {credit.id}", None, account_credit_id=credit.id))
    session.flush()
    return payments


def _rate_totals(invoice: Invoice) -> dict[Decimal | None, tuple[int, int]]:
    """Per VAT rate of an issued document: (taxable base, VAT), as the library computed them."""
    bases: dict[Decimal | None, int] = {}
    for line in invoice.lines:
        rate = _rate(line.vat_rate)
        bases[rate] = bases.get(rate, 0) + line.amount_cents
    rates = sorted(bases, key=lambda r: r or Decimal(0))
    for d in invoice.deductions:
        if d.vat_rate is not None or len(rates) == 1 or d.vat_treatment is not None:
            # a deduction without rate but with a treatment reduces the lines charging no VAT
            bases[_rate(d.vat_rate) if d.vat_rate is not None else (None if len(rates) > 1 else rates[0])] \
                -= d.amount_cents
        else:
            for rate, part in zip(rates, apportion(d.amount_cents, [bases[r] for r in rates]), strict=True):
                bases[rate] -= part
    return {r: (bases[r], 0 if r is None else round_cents(Decimal(bases[r]) * r / 100)) for r in rates}


def _credit_bases(original: Invoice, amount: int) -> dict[Decimal | None, int]:
    """Bases excluding VAT per rate of a credit of ``amount`` cents incl. VAT (mirroring the
    original's rates); refuses an amount that no per-rate VAT computation can reach."""
    groups = _rate_totals(original)
    if amount == original.total_cents:
        return {r: base for r, (base, _vat) in groups.items()}
    rates = list(groups)
    parts = dict(zip(rates, apportion(amount, [base + vat for base, vat in groups.values()]), strict=True))
    if rates == [None]:
        return parts
    targets = vat_targets(parts)
    if sum(targets.values()) != amount:
        near = [c for c in (amount - 1, amount + 1) if c <= original.creditable_cents]
        raise InvalidInput.field("amount", f"No base excl. VAT at {rates[0]} % gives exactly "
                                           f"{format_cents(amount)} € incl. VAT; credit "
                                           f"{' or '.join(format_cents(c) for c in near)} € instead.")
    return {r: taxable_for(targets[r], r) for r in rates}


def _credit_treatments(original: Invoice, rate: Decimal | None, base: int) -> list[tuple[VatTreatment | None, int]]:
    """A credit's base at one rate, per VAT treatment of the original's lines at that rate
    (pro rata of their amounts, largest remainder), so each keeps its category and mention."""
    amounts: dict[VatTreatment | None, int] = {}
    for line in original.lines:
        if _rate(line.vat_rate) == rate:
            amounts[line.vat_treatment] = amounts.get(line.vat_treatment, 0) + line.amount_cents
    if len(amounts) <= 1:
        return [(next(iter(amounts), None), base)]
    parts = apportion(base, list(amounts.values()))
    return [(t, c) for t, c in zip(amounts, parts, strict=True) if c]


def create_credit_note(session: Session, principal: Principal, invoice_id: int, data: dict, *,
                       tz: ZoneInfo) -> Invoice:
    """Issue at once a credit note citing the invoice (``reason``; ``amount`` cents, default all
    that remains to pay, or all that is not yet credited of a paid invoice), numbered in the
    same series; the invoice's status follows. What it credits beyond what remained to pay was
    paid already: a credit on the member's account, until it is refunded (``record_refund``)."""
    original = _open_invoice(session, principal, invoice_id)
    amount = data.get("amount_cents")
    if amount is None:
        amount = original.remaining_cents or original.creditable_cents
    if amount <= 0:
        raise InvalidInput.field("amount", f"Nothing remains to credit on {original.number}."
                                 if original.creditable_cents == 0 else "A credit is a positive amount.")
    if amount > original.creditable_cents:
        raise InvalidInput.field("amount", f"{format_cents(amount)} € exceeds what is not yet credited of "
                                           f"{original.number} ({format_cents(original.creditable_cents)} €).")
    bases = _credit_bases(original, amount)
    reason = data["reason"].strip()
    if not reason:
        raise InvalidInput.field("reason", "Say why the invoice is credited.")
    note = Invoice(
        coordination_id=original.coordination_id, member_id=original.member_id, funder_id=original.funder_id,
        kind=InvoiceKind.CREDIT_NOTE, status=InvoiceStatus.DRAFT, original_id=original.id, original=original,
        reason=reason, period_start=original.period_start, period_end=original.period_end,
        created_by_id=principal.user_id)
    nature = Nature.GOODS if {line.nature for line in original.lines} == {Nature.GOODS} else Nature.SERVICES
    position = 0
    for rate, base in bases.items():
        rate_text = f" (TVA {percent(rate, 'fr')})" if rate is not None else ""
        for treatment, part in _credit_treatments(original, rate, base):
            position += 1
            note.lines.append(InvoiceLine(
                position=position, description=f"Avoir sur la facture {original.number}{rate_text} : {reason}"[:300],
                quantity=Decimal(1), unit=LUMP_SUM_UNIT, unit_price=Decimal(part) / 100, amount_cents=part,
                vat_rate=rate, nature=nature, source=f"Facture n° {original.number}", vat_treatment=treatment))
    session.add(note)
    session.flush()
    _seal(session, note, _coordination(session, principal), today_in(tz))
    original.credited_cents += note.total_cents
    _settle(original)
    session.flush()
    return note


# Billing runs ---------------------------------------------------------------------------------


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz)


def create_billing_run(session: Session, principal: Principal, data: dict, *, tz: ZoneInfo,
                       today: date | None = None) -> BillingRun:
    """One draft per payer from every uninvoiced charge whose period ends by the end of
    ``period_end`` (local date, inclusive); 422 when there is nothing to invoice."""
    require(principal, *STAFF)
    start, end = data["period_start"], data["period_end"]
    if end < start:
        raise InvalidInput.field("period_end", "The period ends before it starts.")
    if end >= (today or today_in(tz)) and not data.get("confirm_in_progress"):
        raise InvalidInput.field("period_end", f"The period ends on {end}, which is not over yet: charges may still "
                                               "come. Bill it anyway with confirm_in_progress: true.")
    cutoff = _local_midnight(end + timedelta(days=1), tz)
    charges = session.scalars(
        select(Charge).where(Charge.coordination_id == principal.coordination_id, Charge.invoice_id.is_(None),
                             Charge.period_end <= cutoff)
        .order_by(Charge.member_id, Charge.funder_id, Charge.id)
        .with_for_update().execution_options(populate_existing=True)).all()
    if not charges:
        raise InvalidInput.field("period_end", f"No uninvoiced charge ends by {end}.")
    run = BillingRun(coordination_id=principal.coordination_id, period_start=start, period_end=end,
                     created_by_id=principal.user_id)
    session.add(run)
    session.flush()
    coordination = _coordination(session, principal)
    by_payer = groupby(charges, key=lambda c: (c.member_id, c.funder_id))
    for (member_id, funder_id), rows in by_payer:
        invoice = Invoice(coordination_id=run.coordination_id, member_id=member_id, funder_id=funder_id,
                          kind=InvoiceKind.INVOICE, status=InvoiceStatus.DRAFT, note=coordination.invoice_note,
                          created_by_id=principal.user_id, billing_run_id=run.id)
        session.add(invoice)
        session.flush()
        _fill(session, invoice, list(rows), coordination, tz)
    return run


def list_runs(session: Session, principal: Principal, args: dict) -> dict:
    return RUNS.list(session, principal, args)


def get_run(session: Session, principal: Principal, run_id: int) -> BillingRun:
    return RUNS.get(session, principal, run_id)


def run_invoices(session: Session, run: BillingRun) -> list[Invoice]:
    return list(session.scalars(select(Invoice).where(Invoice.billing_run_id == run.id).order_by(Invoice.id)))


def run_summary(session: Session, run: BillingRun) -> dict:
    """The run with each invoice's payer, count of lines and total (what the API shows)."""
    rows = session.execute(
        select(Invoice, func.count(InvoiceLine.id))
        .outerjoin(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(Invoice.billing_run_id == run.id).group_by(Invoice.id).order_by(Invoice.id)).all()
    items = [{"invoice_id": inv.id, "member_id": inv.member_id, "funder_id": inv.funder_id,
              "payer": customer_name(inv), "lines": count, "total_cents": inv.total_cents,
              "status": inv.status, "number": inv.number} for inv, count in rows]
    return {"id": run.id, "period_start": run.period_start, "period_end": run.period_end,
            "created_at": run.created_at, "issued_at": run.issued_at,
            "status": "issued" if run.issued_at is not None else "draft",
            "count": len(items), "total_cents": sum(i["total_cents"] for i in items), "invoices": items}


def _locked_run(session: Session, principal: Principal, run_id: int) -> BillingRun:
    require(principal, *STAFF)
    run = RUNS.get(session, principal, run_id, for_update=True)
    if run.issued_at is not None:
        raise Conflict(f"Billing run {run.id} is already issued.")
    return run


def issue_run(session: Session, principal: Principal, run_id: int, *, tz: ZoneInfo) -> BillingRun:
    """Issue every draft of the run in one transaction: consecutive numbers, all or none."""
    run = _locked_run(session, principal, run_id)
    drafts = _run_drafts(session, run)
    coordination, today = _coordination(session, principal), today_in(tz)
    mandates = active_mandates(session, coordination.id, (i.member_id for i in drafts))
    documents = [_prepare(session, invoice, coordination, today, mandates) for invoice in drafts]  # all checked
    for invoice, document, pdf in zip(drafts, documents, render_all(documents, coordination.logo), strict=True):
        _store(invoice, document, pdf)
    session.flush()
    for invoice in drafts:
        apply_account_credits(session, invoice)
    run.issued_at = utcnow()
    session.flush()
    mail.invoices_issued(session, drafts)
    return run


def _run_drafts(session: Session, run: BillingRun) -> list[Invoice]:
    drafts = session.scalars(
        select(Invoice).where(Invoice.billing_run_id == run.id, Invoice.status == InvoiceStatus.DRAFT)
        .order_by(Invoice.id).with_for_update()).all()
    if not drafts:
        raise Conflict(f"Billing run {run.id} has no draft left to issue.")
    return drafts


def request_issue(session: Session, principal: Principal, run_id: int, *, tz: ZoneInfo) -> tuple[BillingRun, Job]:
    """Check every draft of the run as issuing would (422 naming the draft and field), then queue
    the issue: the job numbers, renders and stores the PDFs and the run's ZIP in one transaction."""
    run = _locked_run(session, principal, run_id)
    coordination, today = _coordination(session, principal), today_in(tz)
    checks = session.begin_nested()  # the checks set issue and due dates: not kept
    try:
        for invoice in _run_drafts(session, run):
            if not invoice.lines:
                raise InvalidInput(f"lines: invoice draft {invoice.id} has no line; add charges before issuing it.",
                                   errors={"lines": ["An invoice needs at least one line."]},
                                   extra={"invoice_id": invoice.id})
            if invoice.kind == InvoiceKind.INVOICE and invoice.due_date is not None:
                _check_due_date(invoice, invoice.due_date, today)
            invoice.issue_date = today
            invoice.due_date = invoice.due_date or today + timedelta(days=coordination.payment_terms_days)
            _document(invoice, coordination, "DRAFT", _delivery_address(session, invoice))
    finally:
        checks.rollback()
    job = jobs.enqueue(session, "billing_run.issue", {"run_id": run.id}, principal=principal,
                       dedupe_key=f"billing_run.issue:{run.id}")
    return run, job


@queue.handler("billing_run.issue", max_attempts=3, time_limit_s=3600)
def _issue_job(session: Session, ctx: queue.JobContext) -> dict:
    """Issue the run and store its ZIP, committed with the job's success: a retried or re-taken
    job finds the run issued (nothing posted or numbered twice) or issues it from the start."""
    principal = jobs.principal_of(ctx.acting_as)
    run = RUNS.get(session, principal, ctx.params["run_id"], for_update=True)
    if run.issued_at is None:
        issue_run(session, principal, run.id, tz=ZoneInfo(ctx.app.config["TIMEZONE"]))
    if run.archive is None:
        run.archive = b"".join(_zip_chunks(session.execute(
            select(Invoice.number, Invoice.issue_date, Invoice.pdf)
            .where(Invoice.billing_run_id == run.id, Invoice.status != InvoiceStatus.DRAFT)
            .order_by(Invoice.number))))
        session.flush()
    count = session.scalar(select(func.count()).select_from(Invoice).where(Invoice.billing_run_id == run.id))
    return {"url": f"/api/v1/billing-runs/{run.id}", "invoices": count,
            "archive_url": f"/api/v1/billing-runs/{run.id}/invoices.zip"}


def delete_run(session: Session, principal: Principal, run_id: int) -> None:
    """Discard a run that was not issued: its drafts go, their charges become uninvoiced."""
    run = _locked_run(session, principal, run_id)
    invoices = run_invoices(session, run)
    issued = [i.number for i in invoices if i.status != InvoiceStatus.DRAFT]
    if issued:
        raise Conflict(f"Billing run {run.id} has issued invoices ({', '.join(issued)}); they cannot be deleted.")
    for invoice in invoices:
        _discard(session, invoice)
    session.flush()
    session.delete(run)
    session.flush()


class _Pipe(io.RawIOBase):
    """A write-only, unseekable stream whose bytes are taken out as they come (ZIP streaming)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


def zip_run(session: Session, principal: Principal, run_id: int, *, chunk: int = 50) -> Iterator[bytes]:
    """The issued PDFs of a run as a ZIP, produced piece by piece: PDFs are read ``chunk`` at a
    time, each chunk in its own short transaction, and each is written out before the next is read."""
    run = get_run(session, principal, run_id)
    ids = session.scalars(select(Invoice.id).where(
        Invoice.billing_run_id == run.id, Invoice.status != InvoiceStatus.DRAFT).order_by(Invoice.number)).all()

    def read(chunk_session: Session, chunk_ids: Sequence[int]) -> list[tuple]:
        return [tuple(r) for r in chunk_session.execute(
            select(Invoice.number, Invoice.issue_date, Invoice.pdf)
            .where(Invoice.id.in_(chunk_ids)).order_by(Invoice.number))]

    archive = session.scalar(select(BillingRun.archive).where(BillingRun.id == run.id))
    if archive is not None:
        return iter((archive,))  # built by the issuing job
    return _zip_chunks(read_in_chunks(ids, read, chunk=chunk))


def _zip_chunks(documents: Iterable[tuple]) -> Iterator[bytes]:
    """(number, issue date, PDF) as a ZIP, piece by piece."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, issue_date, pdf in documents:
            info = zipfile.ZipInfo(f"{number}.pdf", date_time=(*issue_date.timetuple()[:3], 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, pdf)
            yield pipe.take()
    yield pipe.take()


# The year-end archive -------------------------------------------------------------------------


def signing_key(instance_path: str) -> bytes:
    """The installation's Ed25519 archive key, created on first use (``archive_signing_key.pem``,
    readable by its owner only, beside the secret key)."""
    path = os.path.join(instance_path, "archive_signing_key.pem")
    if not os.path.exists(path):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another worker created it meanwhile
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(lib.generate_signing_key())
    with open(path, "rb") as f:
        return f.read()


def archive_public_key(principal: Principal, instance_path: str) -> bytes:
    require(principal, *STAFF_READERS)
    return lib.public_key_of(signing_key(instance_path))


def year_archive(session: Session, principal: Principal, year: int, key_pem: bytes) -> bytes:
    """Every document issued in ``year`` with its SHA-256 in a signed list (staff and auditors);
    a gap in the year's numbering or a PDF that no longer matches its hash refuses it (422)."""
    require(principal, *STAFF_READERS)
    rows = session.scalars(select(Invoice).where(
        Invoice.coordination_id == principal.coordination_id, Invoice.status != InvoiceStatus.DRAFT,
        Invoice.number.like(f"{year}-%")).order_by(Invoice.number)).all()
    docs = [document_part(f"invoice {inv.number}", lambda inv=inv: lib.ArchivedDocument(
        number=inv.number, kind=inv.kind.value, issue_date=inv.issue_date, customer=customer_name(inv),
        total_cents=inv.total_cents, pdf=inv.pdf, sha256=inv.pdf_sha256)) for inv in rows]
    issuer = _coordination(session, principal).legal_name
    return document_part("archive", lambda: lib.year_archive(docs, year=year, issuer=issuer, signing_key_pem=key_pem))


# Statements and the accounting export ---------------------------------------------------------


def _statement_member(session: Session, principal: Principal, member_id: int | None) -> Member:
    require(principal, *READERS)
    if not principal.sees_all_members:
        if member_id not in (None, principal.member_id):
            raise NotFound(f"No member {member_id} here.")
        member_id = principal.member_id
    if member_id is None:
        raise InvalidInput.field("member_id", "Say whose statement: member_id.")
    member = session.get(Member, member_id)
    if member is None or member.coordination_id != principal.coordination_id:
        raise NotFound(f"No member {member_id} here.")
    return member


def statement(session: Session, principal: Principal, member_id: int | None, *, tz: ZoneInfo,
              start: date | None = None, end: date | None = None) -> lib.Statement:
    """A member's account: its issued invoices, credit notes and payments up to ``end`` (today by
    default; a later day counts as today). With ``start``, the statement of the period
    ``[start, end]``: the balance before ``start`` opens it."""
    member = _statement_member(session, principal, member_id)
    as_of = today_in(tz) if end is None else min(end, today_in(tz))
    if start is not None and start > as_of:
        raise InvalidInput.field("start", "The period starts after it ends (or after today).")
    documents = session.scalars(
        select(Invoice).where(Invoice.member_id == member.id, Invoice.status != InvoiceStatus.DRAFT,
                              Invoice.issue_date <= as_of)
        .order_by(Invoice.issue_date, Invoice.id)).all()
    entries = []
    for doc in documents:
        if doc.total_cents <= 0:
            continue
        if doc.kind == InvoiceKind.INVOICE:
            label = (f"Facture du {doc.period_start:%d/%m/%Y} au {doc.period_end:%d/%m/%Y}"
                     if doc.period_start else "Facture")
            entries.append(lib.StatementEntry(
                lib.EntryKind.INVOICE, doc.issue_date, doc.number, label, doc.total_cents, due_date=doc.due_date,
                period=(doc.period_start, doc.period_end) if doc.period_start else None))
        else:
            entries.append(lib.StatementEntry(lib.EntryKind.CREDIT_NOTE, doc.issue_date, doc.number,
                                              doc.reason[:200], doc.total_cents,
                                              invoice_reference=doc.original.number))
    numbers = {d.id: d.number for d in documents}
    payments = session.scalars(
        select(Payment).join(Invoice, Payment.invoice_id == Invoice.id)
        .where(Invoice.member_id == member.id, Payment.paid_on <= as_of).order_by(Payment.paid_on, Payment.id)).all()
    for p in payments:
        label = {"transfer": "Virement", "cheque": "Chèque", "cash": "Espèces", "direct_debit": "Prélèvement",
                 "card": "Carte", ACCOUNT_CREDIT: "Crédit sur compte"}.get(p.method, p.method)
        # an advance on an invoice issued after the statement's end stands as a credit on the account
        entries.append(lib.StatementEntry(lib.EntryKind.PAYMENT, p.paid_on, (p.reference.strip() or f"P-{p.id}")[:35],
                                          f"{label} reçu", p.amount_cents, invoice_reference=numbers.get(p.invoice_id)))
    # what was paid beyond the invoices and is not yet used by one stands as a credit on the account
    for credit in session.scalars(select(AccountCredit).where(
            AccountCredit.member_id == member.id, AccountCredit.remaining_cents > 0,
            AccountCredit.received_on <= as_of).order_by(AccountCredit.received_on, AccountCredit.id)):
        entries.append(lib.StatementEntry(lib.EntryKind.PAYMENT, credit.received_on,
                                          (credit.reference.strip() or f"C-{credit.id}")[:35],
                                          "Trop-perçu, crédit sur compte", credit.remaining_cents))
    refunds = session.scalars(
        select(Refund).join(Invoice, Refund.credit_note_id == Invoice.id)
        .where(Invoice.member_id == member.id, Refund.paid_on <= as_of).order_by(Refund.paid_on, Refund.id)).all()
    for r in refunds:
        entries.append(lib.StatementEntry(lib.EntryKind.REFUND, r.paid_on, (r.reference.strip() or f"R-{r.id}")[:35],
                                          f"Remboursement de l'avoir {numbers.get(r.credit_note_id, '')}".strip(),
                                          r.amount_cents))
    issuer = issuer_party(_coordination(session, principal))
    customer = member_party(member)
    return document_part("statement", lambda: lib.Statement(
        issuer=issuer, member=customer, as_of=as_of, entries=tuple(entries), period_start=start))


def statement_summary(st: lib.Statement, member_id: int) -> dict:
    summary = st.summary()
    return {
        "member_id": member_id, "start": st.period_start, "as_of": st.as_of,
        "opening_balance_cents": summary.opening_balance_cents,
        "invoiced_cents": summary.invoiced_cents, "credited_cents": summary.credited_cents,
        "paid_cents": summary.paid_cents, "refunded_cents": summary.refunded_cents,
        "credit_cents": summary.unallocated_cents, "balance_cents": summary.balance_cents,
        "overdue_cents": summary.overdue_cents,
        "open_items": [{"number": o.reference, "issue_date": o.issue_date, "due_date": o.due_date,
                        "amount_cents": o.amount_cents, "remaining_cents": o.remaining_cents, "overdue": o.overdue}
                       for o in summary.open_items],
        "entries": [{"date": e.entry_date, "kind": e.kind.value, "reference": e.reference, "label": e.label,
                     "period": e.period, "amount_cents": e.amount_cents, "invoice_reference": e.invoice_reference,
                     "balance_cents": balance} for e, balance in st.period_entries()],
    }


EXPORT_COLUMNS = [Column("date", "Date"), Column("number", "Numéro"), Column("kind", "Type"),
                  Column("customer", "Client"), Column("siren", "SIREN"), Column("ht", "Montant HT"),
                  Column("vat_rate", "Taux de TVA"), Column("vat", "TVA"), Column("ttc", "Montant TTC"),
                  Column("paid", "Payé"), Column("remaining", "Reste dû")]


def export_csv(session: Session, principal: Principal, start: date, end: date, *, dialect: Dialect = EXCEL_FR,
               chunk: int = 200) -> Iterator[str]:
    """Issued invoices and credit notes dated in ``[start, end]`` for the accounts, one row per
    document and VAT rate, in the CSV ``dialect`` (exports.py); credit notes negative.
    Paid and remaining are per document: on its first row only."""
    require(principal, *READERS)
    if end < start:
        raise InvalidInput.field("end", "The period ends before it starts.")
    stmt = _visible(principal, select(Invoice).where(
        Invoice.coordination_id == principal.coordination_id, Invoice.status != InvoiceStatus.DRAFT,
        Invoice.issue_date >= start, Invoice.issue_date <= end)).order_by(Invoice.issue_date, Invoice.number)

    def read(chunk_session: Session, chunk_ids: Sequence[int]) -> list[str]:
        docs = {d.id: d for d in chunk_session.scalars(select(Invoice).where(Invoice.id.in_(chunk_ids)))}
        lines = []
        for doc in (docs[key] for key in chunk_ids if key in docs):
            sign = -1 if doc.kind == InvoiceKind.CREDIT_NOTE else 1
            siren = doc.member.siren if doc.member is not None else (doc.funder.siren or "")
            for i, (rate, (base, vat)) in enumerate(_rate_totals(doc).items()):
                first = i == 0 and doc.kind == InvoiceKind.INVOICE
                lines.append(csv_line([doc.issue_date.isoformat(), doc.number, doc.kind.value, customer_name(doc),
                                       siren, from_cents(sign * base), rate, from_cents(sign * vat),
                                       from_cents(sign * (base + vat)), from_cents(doc.paid_cents) if first else None,
                                       from_cents(doc.remaining_cents) if first else None], dialect))
        return lines

    ids = session.scalars(stmt.with_only_columns(Invoice.id)).all()
    rows = read_in_chunks(ids, read, chunk=chunk)

    def generate() -> Iterator[str]:
        yield csv_header(EXPORT_COLUMNS, dialect)
        yield from rows

    return generate()

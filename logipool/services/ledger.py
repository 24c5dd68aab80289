"""The charges ledger: what each member or funder owes, from which source, and why.

Capabilities post charges through :func:`post_charges` (or :func:`split_charge`, which
apportions one amount over several payers with the shared largest-remainder rule); the billing
run turns uninvoiced charges into invoices. Posting is idempotent by ``posting_key``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

import invoices.i18n as fr
from purchasing import apportion

from ..auth import READERS, STAFF, Principal, require
from ..errors import Conflict, InvalidInput, NotFound
from ..models import Charge, ChargeSource, Funder, Nature
from .crud import own_member_only, paginate
from .directory import member_in_coordination


@dataclass(frozen=True)
class Payer:
    member_id: int | None = None
    funder_id: int | None = None

    def __post_init__(self):
        if (self.member_id is None) == (self.funder_id is None):
            raise ValueError("a payer is exactly one member or one funder")

    @property
    def key(self) -> str:
        return f"m{self.member_id}" if self.member_id is not None else f"f{self.funder_id}"


@dataclass(frozen=True)
class ChargeDraft:
    payer: Payer
    source_type: ChargeSource
    source_id: int | None
    posting_key: str
    label: str
    period_start: datetime
    period_end: datetime
    allocation_key: str
    basis: str
    amount_cents: int
    nature: Nature
    vat_rate: Decimal | None = None
    # parts of the payer's gross share paid by funders instead: ({"funder_id", "funder", "cents"}, ...)
    subsidies: tuple[dict, ...] = ()
    # parts of what was consumed, each priced: see Charge.measure
    measure: tuple[dict, ...] | None = None


def post_charges(session: Session, coordination_id: int, drafts: Sequence[ChargeDraft],
                 created_by_id: int | None = None) -> list[Charge]:
    """Record charges; refuse the whole batch if any of them was posted before."""
    keys = [d.posting_key for d in drafts]
    if len(set(keys)) != len(keys):
        raise Conflict("The same posting key appears twice in one batch of charges.")
    if keys:
        existing = session.scalars(
            select(Charge.posting_key).where(
                Charge.coordination_id == coordination_id, Charge.posting_key.in_(keys)
            )
        ).all()
        if existing:
            raise Conflict(f"Already posted: {', '.join(sorted(existing))}.",
                           extra={"posting_keys": sorted(existing)})
    rows = []
    for d in drafts:
        if d.period_end < d.period_start:
            raise InvalidInput.field("period_end", "The period ends before it starts.")
        rows.append(Charge(
            coordination_id=coordination_id, member_id=d.payer.member_id,
            funder_id=d.payer.funder_id, source_type=d.source_type, source_id=d.source_id,
            posting_key=d.posting_key, label=d.label, period_start=d.period_start,
            period_end=d.period_end, allocation_key=d.allocation_key, basis=d.basis,
            amount_cents=d.amount_cents, nature=d.nature, vat_rate=d.vat_rate,
            subsidies=list(d.subsidies), created_by_id=created_by_id,
            measure=list(d.measure) if d.measure is not None else None,
        ))
    session.add_all(rows)
    session.flush()
    return rows


def split_charge(template: ChargeDraft, total_cents: int,
                 parts: Sequence[tuple[Payer, int | Decimal, str]]) -> list[ChargeDraft]:
    """Apportion ``total_cents`` over payers by weight; each part says how it was computed.

    The basis is written in French: it is printed on the invoices members receive.

    ``parts`` are ``(payer, weight, what the weight is)``; the basis of each draft states the
    key, the payer's weight, the total weight and the amount split, so anyone can redo it.
    """
    amounts = apportion(total_cents, [w for _, w, _ in parts])
    total_weight = sum(Decimal(w) for _, w, _ in parts)
    drafts = []
    for (payer, weight, what), amount in zip(parts, amounts, strict=True):
        basis = (f"{template.basis} {fr.money(total_cents, 'fr')} × {fr.number(Decimal(weight), 'fr')} / "
                 f"{fr.number(total_weight, 'fr')} ({what}) = {fr.money(amount, 'fr')} "
                 f"(arrondi au plus fort reste : la somme des parts égale le total).")
        drafts.append(replace(template, payer=payer, amount_cents=amount, basis=basis,
                              posting_key=f"{template.posting_key}:{payer.key}"))
    return drafts


def _visible(principal: Principal, stmt: Select) -> Select:
    return own_member_only(principal, stmt, Charge.member_id)


def _query(principal: Principal, args: dict) -> Select:
    stmt = _visible(principal, select(Charge).where(Charge.coordination_id == principal.coordination_id))
    for name in ("member_id", "funder_id", "source_type"):
        if args.get(name) is not None:
            stmt = stmt.where(getattr(Charge, name) == args[name])
    if args.get("invoiced") is not None:
        stmt = stmt.where(Charge.invoice_id.is_not(None) if args["invoiced"] else Charge.invoice_id.is_(None))
    if args.get("start") is not None:
        stmt = stmt.where(Charge.period_end > args["start"])
    if args.get("end") is not None:
        stmt = stmt.where(Charge.period_start < args["end"])
    return stmt


def list_charges(session: Session, principal: Principal, args: dict) -> dict:
    require(principal, *READERS)
    stmt = _query(principal, args)
    page = paginate(session, stmt.order_by(Charge.id), args["limit"], args["offset"])
    matching = stmt.subquery()
    page["sum"] = session.scalar(select(func.coalesce(func.sum(matching.c.amount_cents), 0)))
    return page


def get_charge(session: Session, principal: Principal, charge_id: int) -> Charge:
    require(principal, *READERS)
    stmt = _visible(principal, select(Charge).where(
        Charge.coordination_id == principal.coordination_id, Charge.id == charge_id))
    row = session.scalars(stmt).first()
    if row is None:
        raise NotFound(f"No charge {charge_id} here.")
    return row


def create_manual_charge(session: Session, principal: Principal, data: dict) -> Charge:
    require(principal, *STAFF)
    member_in_coordination(session, principal, data.get("member_id"))
    if data.get("funder_id") is not None:
        funder = session.get(Funder, data["funder_id"])
        if funder is None or funder.coordination_id != principal.coordination_id:
            raise InvalidInput.field("funder_id", f"No funder {data['funder_id']} in this coordination.")
    draft = ChargeDraft(
        payer=Payer(data.get("member_id"), data.get("funder_id")),
        source_type=ChargeSource.MANUAL, source_id=None,
        posting_key=f"manual:{uuid.uuid4().hex}", label=data["label"],
        period_start=data["period_start"], period_end=data["period_end"],
        allocation_key="manual", basis=data["basis"], amount_cents=data["amount_cents"],
        nature=data["nature"], vat_rate=data.get("vat_rate"),
    )
    return post_charges(session, principal.coordination_id, [draft], principal.user_id)[0]

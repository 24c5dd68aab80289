"""Joint supplier orders (achats groupés): catalogue, order cycles, declared needs, the fair split,
purchase orders, receipt of goods, settlement into charges, and pooled donations.

The split itself is ``purchasing`` (pure Python, PuLP); this module turns the coordination's rows
into its problem (ids are the database ids as strings) and its result back into documents and
charges. A cycle moves draft → open → closed → allocated → ordered → received → settled.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select, true
from sqlalchemy.orm import Session

import invoices
import invoices.i18n as fr
import purchasing
from purchasing import from_cents, to_cents
from purchasing.exceptions import TableError
from purchasing.jsonio import exact_text
from purchasing.receipt import split_delivered
from purchasing.solver import diagnose
from purchasing.tabular import parse_needs, parse_price_list

from .. import metrics, queue
from ..auth import READERS, STAFF, Principal, require
from ..db import utcnow
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..exports import EXCEL_FR, Column, Dialect, csv_text
from ..models import (
    ChargeSource,
    Coordination,
    CycleBudget,
    CycleStatus,
    Job,
    Member,
    Nature,
    Offer,
    OrderCycle,
    OrderNeed,
    Role,
    Site,
    Supplier,
    TemperatureClass,
    VatTreatment,
)
from . import jobs, mail
from .crud import Resource, own_member_only, refers
from .directory import member_in_coordination
from .ledger import ChargeDraft, Payer, post_charges
from .parties import (
    coordination_party,
    document_part,
    goods_handover_site,
    member_party,
    site_address,
    supplier_party,
)

FRENCH_VAT_PERCENT = (Decimal("0"), Decimal("2.1"), Decimal("5.5"), Decimal("10"), Decimal("20"))
MAX_TIME_LIMIT_S = 25  # a synchronous request stays well inside the server's 30 s timeout
BOOKERS = (Role.ADMIN, Role.MANAGER, Role.MEMBER_REP)


# Catalogue -----------------------------------------------------------------------------------


def _check_supplier(session: Session, principal: Principal, supplier: Supplier) -> None:
    if supplier.site_id is not None:
        site = session.get(Site, supplier.site_id)
        if site is None or site.coordination_id != principal.coordination_id:
            raise InvalidInput.field("site_id", f"No site {supplier.site_id} in this coordination.")


def _supplier_in_use(session: Session, supplier: Supplier) -> str | None:
    return "it has offers in the catalogue." if refers(session, Offer, Offer.supplier_id, supplier.id) else None


SUPPLIERS = Resource(
    Supplier, "supplier", STAFF, READERS, check=_check_supplier, in_use=_supplier_in_use,
    ordering=lambda m: (m.name, m.id),
)


_UNIT_CODES = {
    "unit": "C62", "unité": "C62", "u": "C62", "piece": "H87", "pièce": "H87", "kg": "KGM", "g": "KGM",
    "l": "LTR", "litre": "LTR", "liter": "LTR", "box": "XBX", "carton": "XBX", "pallet": "XPX", "palette": "XPX",
}


def unit_code(unit: str) -> str:
    """The UN/ECE Recommendation 20 code printed documents use for a catalogue's unit (C62: one)."""
    u = unit.strip()
    return u if u in invoices.UNITS else _UNIT_CODES.get(u.casefold(), "C62")


def plain(value) -> Decimal:
    """A stored quantity without its trailing zeros: 6.000 → 6, 2.500 → 2.5."""
    d = Decimal(value)
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def domain_offer(offer: Offer) -> purchasing.Offer:
    """The catalogue row as the purchasing library sees it (ids are database ids as text)."""
    return purchasing.Offer(
        str(offer.id),
        str(offer.supplier_id),
        offer.product,
        tuple(purchasing.PriceTier(t["min_packs"], t["pack_price_cents"]) for t in offer.tiers),
        category=offer.category,
        unit=offer.unit,
        pack_size=plain(offer.pack_size),
        divisible=offer.divisible,
        vat_rate=Decimal(offer.vat_rate) / 100,
        temperature=offer.temperature_class.value,
        pack_weight_kg=plain(offer.pack_weight_kg),
        pack_volume_l=plain(offer.pack_volume_l),
        packs_available=offer.packs_available,
    )


def _check_offer(session: Session, principal: Principal, offer: Offer) -> None:
    supplier = session.get(Supplier, offer.supplier_id)
    if supplier is None or supplier.coordination_id != principal.coordination_id:
        raise InvalidInput.field("supplier_id", f"No supplier {offer.supplier_id} in this coordination.")
    if Decimal(offer.vat_rate) not in FRENCH_VAT_PERCENT:
        raise InvalidInput.field("vat_rate", "A French VAT rate: 0, 2.1, 5.5, 10 or 20 (%).")
    tiers = offer.tiers or []
    if not tiers or tiers[0]["min_packs"] != 1:
        raise InvalidInput.field("tiers", "The first price tier starts at 1 pack, so that every order has a price.")
    if any(b["min_packs"] <= a["min_packs"] for a, b in zip(tiers, tiers[1:], strict=False)):
        raise InvalidInput.field("tiers", "Tiers are listed by strictly increasing min_packs.")
    pack_size = Decimal(offer.pack_size)
    if not offer.divisible and pack_size != pack_size.to_integral_value():
        raise InvalidInput.field("pack_size", f"{pack_size} units per pack: only goods sold by weight are fractional.")
    clash = session.scalars(
        select(Offer.id).where(Offer.supplier_id == offer.supplier_id, Offer.reference == offer.reference,
                               Offer.id != (offer.id or 0))
    ).first()
    if clash is not None:
        raise InvalidInput.field("reference", f"This supplier already has an offer {offer.reference!r} ({clash}).")
    try:
        domain_offer(offer)
    except purchasing.InvalidInput as exc:
        raise InvalidInput.field("tiers", str(exc)) from None


def _offer_in_use(session: Session, offer: Offer) -> str | None:
    needs = session.scalars(select(OrderNeed.offer_ids).where(OrderNeed.coordination_id == offer.coordination_id))
    return "members declared needs for it." if any(offer.id in ids for ids in needs) else None


OFFERS = Resource(
    Offer, "offer", STAFF, READERS, check=_check_offer, in_use=_offer_in_use,
    filters={
        "q": lambda stmt, value: stmt.where(Offer.product.ilike(f"%{value}%")),
        "category": lambda stmt, value: stmt.where(Offer.category == value),
    },
    ordering=lambda m: (m.supplier_id, m.category, m.product, m.id),
)


def import_price_list(session: Session, principal: Principal, supplier_id: int, data: bytes, filename: str,
                      *, locale: str | None = None) -> dict:
    """Create or update the supplier's offers from a CSV/XLSX price list, all rows or none."""
    require(principal, *STAFF)
    supplier = SUPPLIERS.get(session, principal, supplier_id, for_update=True)
    rows = parse_price_list(data, filename, locale=locale)
    existing = {o.reference: o for o in session.scalars(select(Offer).where(Offer.supplier_id == supplier.id))}
    created = updated = 0
    for row in rows:
        values = dict(
            product=row.product, category=row.category, unit=row.unit, pack_size=row.pack_size,
            divisible=row.divisible, vat_rate=row.vat_rate, temperature_class=TemperatureClass(row.temperature),
            pack_weight_kg=row.pack_weight_kg, pack_volume_l=row.pack_volume_l,
            packs_available=row.packs_available, active=True,
            tiers=[{"min_packs": m, "pack_price_cents": c} for m, c in row.tiers],
        )
        offer = existing.get(row.reference)
        if offer is None:
            offer = Offer(coordination_id=principal.coordination_id, supplier_id=supplier.id,
                          reference=row.reference, **values)
            created += 1
        else:
            for k, v in values.items():
                setattr(offer, k, v)
            updated += 1
        try:
            with session.no_autoflush:
                _check_offer(session, principal, offer)
            session.add(offer)
        except InvalidInput as exc:
            raise TableError([{"row": row.row, "column": k, "message": m[0]}
                              for k, m in (exc.errors or {}).items()], filename) from None
    session.flush()
    return {"supplier_id": supplier.id, "created": created, "updated": updated, "rows": len(rows)}


# Order cycles --------------------------------------------------------------------------------

EDITABLE = (CycleStatus.DRAFT, CycleStatus.OPEN, CycleStatus.CLOSED, CycleStatus.ALLOCATED)
CYCLES = Resource(OrderCycle, "order cycle", STAFF, READERS, ordering=lambda m: (m.id.desc(),))


def _check_cycle(session: Session, principal: Principal, cycle: OrderCycle) -> None:
    ids = cycle.supplier_ids or []
    if not ids:
        raise InvalidInput.field("supplier_ids", "Name at least one supplier.")
    if len(set(ids)) != len(ids):
        raise InvalidInput.field("supplier_ids", "A supplier is listed twice.")
    found = set(session.scalars(select(Supplier.id).where(
        Supplier.id.in_(ids), Supplier.coordination_id == principal.coordination_id)))
    for i, sid in enumerate(ids):
        if sid not in found:
            raise InvalidInput.field(f"supplier_ids.{i}", f"No supplier {sid} in this coordination.")
    if cycle.delivery_site_id is not None:
        site = session.get(Site, cycle.delivery_site_id)
        if site is None or site.coordination_id != principal.coordination_id:
            raise InvalidInput.field("delivery_site_id", f"No site {cycle.delivery_site_id} in this coordination.")
    if not 1 <= cycle.time_limit_s <= MAX_TIME_LIMIT_S:
        raise InvalidInput.field("time_limit_s", f"Between 1 and {MAX_TIME_LIMIT_S} seconds.")


def create_cycle(session: Session, principal: Principal, data: dict) -> OrderCycle:
    require(principal, *STAFF)
    cycle = OrderCycle(coordination_id=principal.coordination_id, status=CycleStatus.DRAFT,
                       created_by_id=principal.user_id, **data)
    _check_cycle(session, principal, cycle)
    session.add(cycle)
    session.flush()
    return cycle


def _for_update(session: Session, principal: Principal, cycle_id: int) -> OrderCycle:
    return CYCLES.get(session, principal, cycle_id, for_update=True)


def _invalidate(cycle: OrderCycle) -> None:
    """A change after allocation makes the proposed plan stale: back to closed, re-run it."""
    if cycle.status == CycleStatus.ALLOCATED:
        cycle.status = CycleStatus.CLOSED
        cycle.allocation = cycle.problem = None
        cycle.allocated_at = None


def update_cycle(session: Session, principal: Principal, cycle_id: int, data: dict) -> OrderCycle:
    require(principal, *STAFF)
    cycle = _for_update(session, principal, cycle_id)
    if cycle.status not in EDITABLE:
        raise Conflict(f"The cycle is {cycle.status.value}: its settings are frozen.")
    for k, v in data.items():
        setattr(cycle, k, v)
    _check_cycle(session, principal, cycle)
    _invalidate(cycle)
    session.flush()
    return cycle


def delete_cycle(session: Session, principal: Principal, cycle_id: int) -> None:
    require(principal, *STAFF)
    cycle = _for_update(session, principal, cycle_id)
    if cycle.status != CycleStatus.DRAFT:
        raise Conflict(f"The cycle is {cycle.status.value}: only a draft is deleted; cancel it instead.")
    session.delete(cycle)
    session.flush()


_MOVES = {
    "open": ((CycleStatus.DRAFT, CycleStatus.CLOSED), CycleStatus.OPEN, "opened_at"),
    "close": ((CycleStatus.OPEN,), CycleStatus.CLOSED, "closed_at"),
    "cancel": ((CycleStatus.DRAFT, CycleStatus.OPEN, CycleStatus.CLOSED, CycleStatus.ALLOCATED),
               CycleStatus.CANCELLED, None),
}


def move(session: Session, principal: Principal, cycle_id: int, action: str) -> OrderCycle:
    """open (from draft, or again from closed), close, cancel (until ordered)."""
    require(principal, *STAFF)
    cycle = _for_update(session, principal, cycle_id)
    sources, target, stamp = _MOVES[action]
    if cycle.status not in sources:
        allowed = " or ".join(s.value for s in sources)
        raise Conflict(f"Cannot {action} a cycle that is {cycle.status.value} (it must be {allowed}).")
    if action == "open":
        offers = session.scalar(select(Offer.id).where(Offer.supplier_id.in_(cycle.supplier_ids), Offer.active))
        if offers is None:
            raise InvalidInput.field("supplier_ids", "None of the cycle's suppliers has an active offer.")
    cycle.status = target
    if stamp:
        setattr(cycle, stamp, utcnow())
    session.flush()
    if action == "open":
        mail.cycle_opened(session, cycle)
    return cycle


# Needs and budgets ---------------------------------------------------------------------------


def _member_scope(principal: Principal, member_id: int) -> None:
    if not principal.sees_all_members and member_id != principal.member_id:
        raise Forbidden("Representatives declare the needs and budget of their own member only.")


def _writable_by(principal: Principal, cycle: OrderCycle) -> None:
    if principal.role in STAFF:
        if cycle.status not in (CycleStatus.OPEN, CycleStatus.CLOSED, CycleStatus.ALLOCATED):
            raise Conflict(f"The cycle is {cycle.status.value}: needs change while it is open, closed or allocated.")
    elif cycle.status != CycleStatus.OPEN:
        raise Conflict(f"The cycle is {cycle.status.value}: members declare needs while it is open.")


def _visible_needs(principal: Principal, stmt: Select) -> Select:
    return own_member_only(principal, stmt, OrderNeed.member_id)


NEEDS = Resource(OrderNeed, "need", BOOKERS, READERS, visible=_visible_needs)


def _check_need(session: Session, cycle: OrderCycle, need: OrderNeed, where: str = "") -> None:
    ids = need.offer_ids or []
    if not ids:
        raise InvalidInput.field(f"{where}offer_ids", "Name at least one offer.")
    if len(set(ids)) != len(ids):
        raise InvalidInput.field(f"{where}offer_ids", "An offer is listed twice.")
    offers = {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_(ids)))}
    for i, oid in enumerate(ids):
        o = offers.get(oid)
        if o is None or o.coordination_id != cycle.coordination_id or o.supplier_id not in cycle.supplier_ids:
            raise InvalidInput.field(f"{where}offer_ids.{i}", f"Offer {oid} is not sold by this cycle's suppliers.")
        if not o.active:
            raise InvalidInput.field(f"{where}offer_ids.{i}", f"Offer {oid} ({o.product}) is no longer sold.")
    first = offers[ids[0]]
    for i, oid in enumerate(ids[1:], start=1):
        if (offers[oid].unit, offers[oid].divisible) != (first.unit, first.divisible):
            raise InvalidInput.field(
                f"{where}offer_ids.{i}",
                f"{offers[oid].product} is counted in {offers[oid].unit}, {first.product} in {first.unit}: "
                "interchangeable offers share their unit.")
    if need.maximum is None:
        need.maximum = need.target
    if need.minimum is None:
        need.minimum = Decimal(0)
    if need.target <= 0:
        raise InvalidInput.field(f"{where}target", "The need is positive.")
    if need.minimum > need.target:
        raise InvalidInput.field(f"{where}minimum", f"The minimum {need.minimum} is above the target {need.target}.")
    if need.target > need.maximum:
        raise InvalidInput.field(f"{where}maximum", f"The maximum {need.maximum} is below the target {need.target}.")
    if not first.divisible:
        for name in ("minimum", "target", "maximum"):
            value = Decimal(getattr(need, name))
            if value != value.to_integral_value():
                raise InvalidInput.field(f"{where}{name}", f"{first.product} is counted in whole {first.unit}.")


def _one_need_per_offer(session: Session, need: OrderNeed) -> None:
    """A member declares one need per product: a second need naming the same offer is refused."""
    others = session.scalars(select(OrderNeed).where(
        OrderNeed.cycle_id == need.cycle_id, OrderNeed.member_id == need.member_id,
        OrderNeed.id != need.id if need.id is not None else true())).all()
    for other in others:
        for i, oid in enumerate(need.offer_ids):
            if oid in other.offer_ids:
                raise InvalidInput.field(
                    f"offer_ids.{i}",
                    f"Offer {oid} is already in need {other.id} of this member: change that need instead.")


def list_needs(session: Session, principal: Principal, cycle_id: int, args: dict) -> dict:
    CYCLES.get(session, principal, cycle_id)
    return NEEDS.list(session, principal, {**args, "cycle_id": cycle_id})


def create_need(session: Session, principal: Principal, cycle_id: int, data: dict) -> OrderNeed:
    require(principal, *BOOKERS)
    cycle = _for_update(session, principal, cycle_id)
    member_in_coordination(session, principal, data["member_id"])
    _member_scope(principal, data["member_id"])
    _writable_by(principal, cycle)
    need = OrderNeed(coordination_id=principal.coordination_id, cycle_id=cycle.id,
                     created_by_id=principal.user_id, **data)
    _check_need(session, cycle, need)
    _one_need_per_offer(session, need)
    session.add(need)
    _invalidate(cycle)
    session.flush()
    return need


def _need(session: Session, principal: Principal, cycle_id: int, need_id: int) -> tuple[OrderCycle, OrderNeed]:
    cycle = _for_update(session, principal, cycle_id)
    need = NEEDS.get(session, principal, need_id, for_update=True)
    if need.cycle_id != cycle.id:
        raise NotFound(f"No need {need_id} in cycle {cycle_id}.")
    return cycle, need


def update_need(session: Session, principal: Principal, cycle_id: int, need_id: int, data: dict) -> OrderNeed:
    require(principal, *BOOKERS)
    cycle, need = _need(session, principal, cycle_id, need_id)
    _writable_by(principal, cycle)
    if "target" in data and "maximum" not in data and need.maximum == need.target:
        data["maximum"] = data["target"]  # the tolerance followed the target: keep it so
    for k, v in data.items():
        setattr(need, k, v)
    _check_need(session, cycle, need)
    _one_need_per_offer(session, need)
    _invalidate(cycle)
    session.flush()
    return need


def delete_need(session: Session, principal: Principal, cycle_id: int, need_id: int) -> None:
    require(principal, *BOOKERS)
    cycle, need = _need(session, principal, cycle_id, need_id)
    _writable_by(principal, cycle)
    session.delete(need)
    _invalidate(cycle)
    session.flush()


def import_needs(session: Session, principal: Principal, cycle_id: int, data: bytes, filename: str,
                 *, locale: str | None = None) -> dict:
    """Replace the needs of every member named in a CSV/XLSX file, all rows or none."""
    require(principal, *BOOKERS)
    cycle = _for_update(session, principal, cycle_id)
    _writable_by(principal, cycle)
    rows = parse_needs(data, filename, locale=locale)
    members = session.scalars(select(Member).where(Member.coordination_id == principal.coordination_id)).all()
    by_name = {m.short_name.casefold(): m for m in members} | {m.siret: m for m in members}
    offers = session.scalars(select(Offer).where(Offer.supplier_id.in_(cycle.supplier_ids))).all()
    by_ref: dict[str, list[Offer]] = defaultdict(list)
    for o in offers:
        by_ref[o.reference].append(o)
    errors, needs = [], []
    for row in rows:
        member = by_name.get(row.member.strip().casefold()) or by_name.get(row.member.strip())
        if member is None:
            errors.append({"row": row.row, "column": "member", "message": f"No member {row.member!r} here."})
            continue
        if not principal.sees_all_members and member.id != principal.member_id:
            errors.append({"row": row.row, "column": "member",
                           "message": "Representatives import the needs of their own member only."})
            continue
        ids = []
        for ref in row.references:
            found = by_ref.get(ref, [])
            if len(found) != 1:
                problem = "is sold by several of the cycle's suppliers" if found else "is not in the cycle's catalogue"
                errors.append({"row": row.row, "column": "reference", "message": f"{ref!r} {problem}."})
                break
            ids.append(found[0].id)
        else:
            need = OrderNeed(coordination_id=principal.coordination_id, cycle_id=cycle.id, member_id=member.id,
                             offer_ids=ids, minimum=row.minimum, target=row.target, maximum=row.maximum,
                             note=row.note, created_by_id=principal.user_id)
            try:
                _check_need(session, cycle, need)
            except InvalidInput as exc:
                for name, messages in (exc.errors or {}).items():
                    errors.append({"row": row.row, "column": name.split(".")[0], "message": messages[0]})
                continue
            needs.append(need)
    if errors:
        raise TableError(errors, filename)
    replaced = {n.member_id for n in needs}
    for old in session.scalars(select(OrderNeed).where(OrderNeed.cycle_id == cycle.id,
                                                       OrderNeed.member_id.in_(replaced))):
        session.delete(old)
    session.add_all(needs)
    _invalidate(cycle)
    session.flush()
    return {"cycle_id": cycle.id, "needs": len(needs), "members": len(replaced)}


def list_budgets(session: Session, principal: Principal, cycle_id: int) -> list[CycleBudget]:
    CYCLES.get(session, principal, cycle_id)
    stmt = own_member_only(principal, select(CycleBudget).where(CycleBudget.cycle_id == cycle_id),
                           CycleBudget.member_id)
    return list(session.scalars(stmt.order_by(CycleBudget.member_id)))


def set_terms(session: Session, principal: Principal, cycle_id: int, member_id: int,
              data: dict) -> CycleBudget | None:
    """Set a member's budget cap in the cycle and, for staff, its fairness weight (``None``
    clears either: no cap; the people it serves per week). Representatives set their own
    member's budget; weights decide who yields in a shortfall, so only staff set them."""
    require(principal, *BOOKERS)
    cycle = _for_update(session, principal, cycle_id)
    member_in_coordination(session, principal, member_id)
    if not principal.sees_all_members and member_id != principal.member_id:
        raise NotFound(f"No member {member_id} here.")
    if data.get("weight") is not None and principal.role not in STAFF:
        raise Forbidden("Fairness weights are set by the coordination's staff.")
    _writable_by(principal, cycle)
    row = session.scalars(select(CycleBudget).where(CycleBudget.cycle_id == cycle.id,
                                                    CycleBudget.member_id == member_id)).first()
    values = {"budget_cents": row.budget_cents if row else None, "weight": row.weight if row else None}
    values |= {k: data[k] for k in values if k in data}
    if values["weight"] is not None:
        values["weight"] = Decimal(values["weight"]).quantize(Decimal("0.001"))  # as stored
    if values["budget_cents"] is None and values["weight"] is None:
        if row is not None:
            session.delete(row)
        row = None
    elif row is None:
        row = CycleBudget(coordination_id=principal.coordination_id, cycle_id=cycle.id, member_id=member_id, **values)
        session.add(row)
    else:
        row.budget_cents, row.weight = values["budget_cents"], values["weight"]
    _invalidate(cycle)
    session.flush()
    return row


# The split -----------------------------------------------------------------------------------


def problem_dict(session: Session, cycle: OrderCycle) -> dict:
    """The cycle as a purchasing problem in its JSON form (ids: database ids as text)."""
    needs = session.scalars(select(OrderNeed).where(OrderNeed.cycle_id == cycle.id).order_by(OrderNeed.id)).all()
    if not needs:
        raise InvalidInput.field("needs", "No member declared a need in this cycle.")
    offer_ids = sorted({oid for n in needs for oid in n.offer_ids})
    offers = session.scalars(select(Offer).where(Offer.id.in_(offer_ids)).order_by(Offer.id)).all()
    suppliers = session.scalars(
        select(Supplier).where(Supplier.id.in_({o.supplier_id for o in offers})).order_by(Supplier.id)).all()
    member_ids = sorted({n.member_id for n in needs})
    members = session.scalars(select(Member).where(Member.id.in_(member_ids)).order_by(Member.id)).all()
    terms = {b.member_id: b for b in session.scalars(select(CycleBudget).where(CycleBudget.cycle_id == cycle.id))}
    problem = purchasing.Problem(
        suppliers=[purchasing.Supplier(str(s.id), s.minimum_order_cents, s.free_delivery_cents,
                                       s.delivery_fee_cents, s.name) for s in suppliers],
        offers=[domain_offer(o) for o in offers],
        members=[purchasing.Member(
            str(m.id),
            plain(terms[m.id].weight) if m.id in terms and terms[m.id].weight
            else Decimal(m.people_served_per_week or 1),
            terms[m.id].budget_cents if m.id in terms else None,
            m.short_name) for m in members],
        needs=[purchasing.Need(str(n.member_id), tuple(str(o) for o in n.offer_ids), plain(n.target),
                               plain(n.minimum), plain(n.maximum), id=str(n.id)) for n in needs],
        fee_key=cycle.fee_key,
        leftover_policy=cycle.leftover_policy,
        transport_cents=cycle.transport_cents,
    )
    return purchasing.problem_to_dict(problem)


def allocate(session: Session, principal: Principal, cycle_id: int, time_limit_s: int | None = None) -> OrderCycle:
    """Propose the fair split. The solver runs outside any transaction (other requests go on);
    the plan is kept only if nobody changed the cycle meanwhile."""
    require(principal, *STAFF)
    cycle = CYCLES.get(session, principal, cycle_id)
    if cycle.status not in (CycleStatus.CLOSED, CycleStatus.ALLOCATED):
        raise Conflict(f"The cycle is {cycle.status.value}: close it before allocating.")
    problem_json = problem_dict(session, cycle)
    limit = time_limit_s or cycle.time_limit_s
    session.commit()  # nothing written yet: release the database while the solver runs
    problem = purchasing.problem_from_dict(problem_json)
    reasons = diagnose(problem)
    if reasons:
        raise InvalidInput("No plan can meet every bound: " + " ".join(reasons),
                           errors={"needs": reasons})
    try:
        with metrics.timed("allocation"):
            allocation = purchasing.split_order(problem, time_limit=limit)
    except purchasing.NoPlanError as exc:
        raise InvalidInput(f"{exc}: " + " ".join(exc.reasons), errors={"needs": list(exc.reasons) or [str(exc)]}) \
            from None
    cycle = _for_update(session, principal, cycle_id)
    if cycle.status not in (CycleStatus.CLOSED, CycleStatus.ALLOCATED) or problem_dict(session, cycle) != problem_json:
        raise Conflict("The cycle changed while it was being allocated: run the allocation again.")
    cycle.problem = problem_json
    cycle.allocation = purchasing.allocation_to_dict(allocation)
    cycle.status = CycleStatus.ALLOCATED
    cycle.allocated_at = utcnow()
    session.flush()
    mail.cycle_allocated(session, cycle)
    return cycle


#: a cycle with more (need, offer) pairs than this is allocated by a job; smaller ones at once
ALLOCATE_INLINE_MAX = 300


def request_allocation(session: Session, principal: Principal, cycle_id: int,
                       time_limit_s: int | None = None) -> tuple[OrderCycle, Job | None]:
    """Allocate a small cycle at once; queue a large one's allocation as a job (returned)."""
    require(principal, *STAFF)
    cycle = CYCLES.get(session, principal, cycle_id)
    if cycle.status not in (CycleStatus.CLOSED, CycleStatus.ALLOCATED):
        raise Conflict(f"The cycle is {cycle.status.value}: close it before allocating.")
    pairs = sum(len(n.offer_ids) for n in session.scalars(select(OrderNeed).where(OrderNeed.cycle_id == cycle.id)))
    if pairs <= ALLOCATE_INLINE_MAX:
        return allocate(session, principal, cycle_id, time_limit_s), None
    limit = time_limit_s or cycle.time_limit_s
    job = jobs.enqueue(session, "order_cycle.allocate", {"cycle_id": cycle.id, "time_limit_s": limit},
                       principal=principal, time_limit_s=int(limit) * 3 + 60)
    return cycle, job


@queue.handler("order_cycle.allocate", max_attempts=3, time_limit_s=300)
def _allocate_job(session: Session, ctx: queue.JobContext) -> dict:
    cycle = allocate(session, jobs.principal_of(ctx.acting_as), ctx.params["cycle_id"], ctx.params["time_limit_s"])
    return {"url": f"/api/v1/order-cycles/{cycle.id}", "status": cycle.status.value}


def place_order(session: Session, principal: Principal, cycle_id: int) -> OrderCycle:
    """Freeze the plan: the purchase orders go out."""
    require(principal, *STAFF)
    cycle = _for_update(session, principal, cycle_id)
    if cycle.status != CycleStatus.ALLOCATED:
        raise Conflict(f"The cycle is {cycle.status.value}: allocate it before ordering.")
    if not any(o["packs"] for o in cycle.allocation["offers"]):
        raise Conflict("The plan orders nothing: change the needs or cancel the cycle.")
    cycle.status = CycleStatus.ORDERED
    cycle.ordered_at = utcnow()
    session.flush()
    return cycle


def _ordered_allocation(cycle: OrderCycle) -> purchasing.Allocation:
    """The stored plan rebuilt as an Allocation (the same costs, recomputed exactly)."""
    from purchasing.allocation import evaluate

    problem = purchasing.problem_from_dict(cycle.problem)
    plan = cycle.allocation
    packs = {o["id"]: o["packs"] for o in plan["offers"]}
    received = {(n["id"], oid): Decimal(q) for n in plan["needs"] for oid, q in n["received"].items()}
    return evaluate(problem, packs, received, method=plan["method"], status=plan["status"], solver=plan["solver"],
                    gap=None if plan["gap"] is None else float(plan["gap"]), seconds=plan["seconds"])


def receive(session: Session, principal: Principal, cycle_id: int, data: dict) -> OrderCycle:
    """Record what arrived (packs per offer, lots, dates); a shortfall is re-split fairly."""
    require(principal, *STAFF)
    cycle = _for_update(session, principal, cycle_id)
    if cycle.status != CycleStatus.ORDERED:
        raise Conflict(f"The cycle is {cycle.status.value}: goods are received once ordered.")
    ordered = {o["id"]: o for o in cycle.allocation["offers"] if o["packs"]}
    receipt, packs = {}, {}
    for i, item in enumerate(data["items"]):
        key = str(item["offer_id"])
        if key not in ordered:
            raise InvalidInput.field(f"items.{i}.offer_id", f"Offer {item['offer_id']} was not ordered in this cycle.")
        if key in receipt:
            raise InvalidInput.field(f"items.{i}.offer_id", f"Offer {item['offer_id']} is listed twice.")
        if item["packs"] > ordered[key]["packs"]:
            raise InvalidInput.field(
                f"items.{i}.packs",
                f"{item['packs']} packs received but {ordered[key]['packs']} ordered: record a surplus as a donation.")
        if item.get("use_by") and cycle.delivery_date and item["use_by"] < cycle.delivery_date:
            raise InvalidInput.field(f"items.{i}.use_by", "Past its use-by date (DLC) on delivery: refuse it.")
        packs[key] = item["packs"]
        receipt[key] = {
            "packs": item["packs"], "lot": item.get("lot") or "",
            "use_by": item["use_by"].isoformat() if item.get("use_by") else None,
            "best_before": item["best_before"].isoformat() if item.get("best_before") else None,
            "note": item.get("note") or "",
        }
    for key, o in ordered.items():  # not listed: arrived as ordered
        receipt.setdefault(key, {"packs": o["packs"], "lot": "", "use_by": None, "best_before": None, "note": ""})
        packs.setdefault(key, o["packs"])
    problem = purchasing.problem_from_dict(cycle.problem)
    try:
        final = split_delivered(problem, _ordered_allocation(cycle), packs, time_limit=cycle.time_limit_s)
    except purchasing.NoPlanError as exc:
        raise InvalidInput(f"{exc}: " + " ".join(exc.reasons), errors={"items": list(exc.reasons) or [str(exc)]}) \
            from None
    cycle.receipt = receipt
    cycle.final_allocation = purchasing.allocation_to_dict(final)
    cycle.status = CycleStatus.RECEIVED
    cycle.received_at = utcnow()
    session.flush()
    mail.cycle_delivered(session, cycle)
    return cycle


def _period(cycle: OrderCycle, tz: ZoneInfo) -> tuple[datetime, datetime]:
    day = cycle.delivery_date or (cycle.received_at or utcnow()).astimezone(tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def _exact_fr(text: str) -> str:
    """An exact weight as published (``"120.5"`` or ``"1000/3"``) in French figures."""
    parts = [fr.number(Decimal(part).normalize(), "fr") for part in text.split("/")]
    return "/".join(parts)


def settlement_drafts(session: Session, cycle: OrderCycle, tz: ZoneInfo) -> list[ChargeDraft]:
    """Each member's goods (one charge per product, VAT shown) and its shares of fees, transport and
    leftovers; with the shared-stock lines they sum exactly to what the coordination pays out.
    A VAT-registered coordination charges amounts excluding VAT (it recovers the VAT it paid and
    adds VAT on its invoices): its charges carry the rate."""
    final = cycle.final_allocation
    coordination = session.get(Coordination, cycle.coordination_id)
    # VAT follows each nature's treatment: goods resold may be taxed while services are exempt
    vat_registered = coordination.vat_treatment(Nature.GOODS) == VatTreatment.VAT_REGISTERED
    services_taxed = coordination.vat_treatment(Nature.SERVICES) == VatTreatment.VAT_REGISTERED
    start, end = _period(cycle, tz)
    key = final["fee_key"]
    weights = key["weights"]
    total_weight = exact_text(sum((Fraction(w) for w in weights.values()), Fraction(0)))  # exact: "1234/3"
    key_name = {"weight": "personnes accueillies", "value": "valeur commandée", "equal": "parts égales"}[key["key"]]
    drafts = []
    common = dict(source_type=ChargeSource.ORDER_CYCLE, source_id=cycle.id, period_start=start, period_end=end)
    prefix = f"order_cycle:{cycle.id}"
    offer_tiers = {o["id"]: o for o in final["offers"]}
    for m in final["members"]:
        payer = Payer(member_id=int(m["id"]))
        for line in m["lines"]:
            o = offer_tiers[line["offer"]]
            rate = Decimal(line["vat_rate"]) * 100
            drafts.append(ChargeDraft(
                payer=payer, posting_key=f"{prefix}:m{m['id']}:o{line['offer']}",
                label=f"{line['product']} ({cycle.name})",
                allocation_key="received_quantity",
                basis=(f"{fr.quantity(line['quantity'], unit_code(line['unit']))} reçus sur "
                       f"{fr.quantity(o['units'], unit_code(line['unit']))} achetés ({o['packs']} colis à "
                       f"{fr.euros(o['pack_price'])} HT, palier dès {o['tier_min_packs']} colis) : "
                       f"{fr.euros(line['ht'])} HT + TVA {fr.percent(rate, 'fr')} {fr.euros(line['vat'])} = "
                       f"{fr.euros(line['ttc'])} (arrondi au plus fort reste entre les membres)."),
                # a VAT-registered coordination charges the net amount and adds VAT on its invoice
                amount_cents=to_cents(line["ht"] if vat_registered else line["ttc"]), nature=Nature.GOODS,
                vat_rate=rate.quantize(Decimal("0.01")) if vat_registered else None,
                measure=({"what": "", "quantity": str(plain(line["quantity"])), "unit": unit_code(line["unit"]),
                          "cents": to_cents(line["ht"] if vat_registered else line["ttc"])},), **common))
        share = weights[m["id"]]
        shares = (("fee_share", "Frais de livraison des fournisseurs", final["totals"]["delivery_fees"]),
                  ("transport_share", "Transport", final["totals"]["transport"]),
                  ("leftover_share", "Surplus des colis entiers", None))
        for field, what, total in shares:
            cents = to_cents(m[field])
            if not cents:
                continue
            total_txt = fr.euros(total) if total else "le surplus"
            drafts.append(ChargeDraft(
                payer=payer, posting_key=f"{prefix}:m{m['id']}:{field}",
                label=f"{what} — quote-part ({cycle.name})", allocation_key=key["key"],
                basis=(f"{what} : {total_txt} × {_exact_fr(share)} / {_exact_fr(total_weight)} "
                       f"({key_name}) = {fr.euros(m[field])} "
                       "(arrondi au plus fort reste : la somme des parts égale le total)."),
                amount_cents=cents, nature=Nature.SERVICES if field != "leftover_share" else Nature.GOODS,
                vat_rate=Decimal("20.00") if services_taxed and field != "leftover_share" else None, **common))
    return drafts


def settle(session: Session, principal: Principal, cycle_id: int, tz: ZoneInfo) -> dict:
    """Post each member's charges; the shared stock's part stays with the coordination."""
    require(principal, *STAFF)
    cycle = _for_update(session, principal, cycle_id)
    if cycle.status != CycleStatus.RECEIVED:
        raise Conflict(f"The cycle is {cycle.status.value}: it is settled once received.")
    drafts = settlement_drafts(session, cycle, tz)
    totals = cycle.final_allocation["totals"]
    charged = sum(d.amount_cents for d in drafts)
    shared = to_cents(totals["shared_stock"])
    vat_registered = any(d.vat_rate is not None for d in drafts)
    if not vat_registered and charged + shared != to_cents(totals["total_cost"]):  # pragma: no cover
        raise RuntimeError(f"cycle {cycle.id}: charges {charged} + shared stock {shared} != {totals['total_cost']}")
    charges = post_charges(session, principal.coordination_id, drafts, principal.user_id)
    cycle.status = CycleStatus.SETTLED
    cycle.settled_at = utcnow()
    session.flush()
    return {"cycle": cycle, "charges": charges, "charged": charged, "shared_stock": shared,
            "total_cost": to_cents(totals["total_cost"])}


# Documents -----------------------------------------------------------------------------------

_FROZEN = (CycleStatus.ORDERED, CycleStatus.RECEIVED, CycleStatus.SETTLED)


def _ordered_cycle(session: Session, principal: Principal, cycle_id: int) -> OrderCycle:
    """A cycle whose plan is frozen: it has purchase orders."""
    cycle = CYCLES.get(session, principal, cycle_id)
    if cycle.status not in _FROZEN:
        raise Conflict(f"The cycle is {cycle.status.value}: purchase orders exist once it is ordered.")
    return cycle


def _po_number(cycle: OrderCycle, supplier_id: int) -> str:
    return f"BC-{cycle.id:05d}-{supplier_id}"


def purchase_orders(session: Session, principal: Principal, cycle_id: int) -> list[dict]:
    """One purchase order per supplier of the frozen plan."""
    cycle = _ordered_cycle(session, principal, cycle_id)
    names = {s["id"]: s.get("name") for s in cycle.problem["suppliers"]}
    out = []
    for s in cycle.allocation["suppliers"]:
        lines = [o for o in cycle.allocation["offers"] if o["supplier"] == s["id"] and o["packs"]]
        if lines:
            out.append({"supplier_id": int(s["id"]), "supplier": names.get(s["id"]),
                        "number": _po_number(cycle, int(s["id"])), "lines": len(lines),
                        "goods_ht": to_cents(s["goods_ht"]), "delivery_fee": to_cents(s["delivery_fee"])})
    return out


def _po_lines(cycle: OrderCycle, supplier_id: int) -> list[tuple[Offer, dict]]:
    key = str(supplier_id)
    rows = [o for o in cycle.allocation["offers"] if o["supplier"] == key and o["packs"]]
    if not rows:
        raise NotFound(f"Nothing is ordered from supplier {supplier_id} in this cycle.")
    return rows


def purchase_order(session: Session, principal: Principal, cycle_id: int, supplier_id: int, tz: ZoneInfo):
    """The purchase order to one supplier as a document (render it as PDF or CSV)."""
    cycle = _ordered_cycle(session, principal, cycle_id)
    rows = _po_lines(cycle, supplier_id)
    offers = {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_([int(r["id"]) for r in rows])))}
    supplier = session.get(Supplier, supplier_id)
    coordination = session.get(Coordination, cycle.coordination_id)
    fee = next(to_cents(s["delivery_fee"]) for s in cycle.allocation["suppliers"] if s["id"] == str(supplier_id))
    site = session.get(Site, cycle.delivery_site_id) if cycle.delivery_site_id else None
    lines = tuple(
        document_part(f"offer {r['id']}", lambda r=r, o=offers[int(r["id"])]: invoices.PurchaseOrderLine(
            reference=o.reference, description=o.product, packs=r["packs"], pack_size=plain(o.pack_size),
            unit=unit_code(o.unit), pack_price_cents=to_cents(r["pack_price"]), vat_rate=plain(o.vat_rate),
            amount_cents=to_cents(r["ht"]), temperature=o.temperature_class.value))
        for r in rows
    )
    return document_part("purchase_order", lambda: invoices.PurchaseOrder(
        number=_po_number(cycle, supplier_id),
        order_date=(cycle.ordered_at or utcnow()).astimezone(tz).date(),
        buyer=coordination_party(coordination),
        supplier=supplier_party(supplier),
        lines=lines,
        delivery_date=cycle.delivery_date,
        delivery_address=site_address(site) if site else None,
        delivery_fee_cents=fee,
        notes=cycle.notes,
        reference=cycle.name,
    ))


PURCHASE_ORDER_COLUMNS = [
    Column("number", "Bon de commande"), Column("reference", "Référence"), Column("product", "Produit"),
    Column("packs", "Colis"), Column("pack_size", "Contenance"), Column("unit", "Unité"),
    Column("pack_price_ht", "Prix du colis HT"), Column("vat_rate", "Taux de TVA"), Column("amount_ht", "Montant HT")]


def purchase_order_csv(po, dialect: Dialect = EXCEL_FR) -> str:
    """The purchase order for the supplier's spreadsheet; amounts are numbers, text is inert."""
    return csv_text(PURCHASE_ORDER_COLUMNS, [
        [po.number, line.reference, line.description, line.packs, line.pack_size, line.unit,
         from_cents(line.pack_price_cents), line.vat_rate, from_cents(line.amount_cents)] for line in po.lines],
        dialect)


def delivery_note(session: Session, principal: Principal, cycle_id: int, member_id: int,
                  tz: ZoneInfo) -> invoices.DeliveryNote:
    """What one member receives from a received cycle: ordered (the plan) against delivered,
    with the reason of any difference, lots and dates."""
    require(principal, *READERS)
    cycle = CYCLES.get(session, principal, cycle_id)
    if not principal.sees_all_members and member_id != principal.member_id:
        raise NotFound(f"No delivery note for member {member_id} here.")
    if cycle.status not in (CycleStatus.RECEIVED, CycleStatus.SETTLED):
        raise Conflict(f"The cycle is {cycle.status.value}: delivery notes exist once goods are received.")
    member = session.get(Member, member_id)
    planned = {(m["id"], line["offer"]): Decimal(line["quantity"])
               for m in cycle.allocation["members"] for line in m["lines"]}
    delivered = {(m["id"], line["offer"]): Decimal(line["quantity"])
                 for m in cycle.final_allocation["members"] for line in m["lines"]}
    key = str(member_id)
    offer_keys = sorted({o for (m, o) in planned | delivered if m == key}, key=int)
    if member is None or member.coordination_id != principal.coordination_id or not offer_keys:
        raise NotFound(f"Member {member_id} receives nothing from this cycle.")
    offers = {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_([int(k) for k in offer_keys])))}
    items = []
    for k in offer_keys:
        o = offers[int(k)]
        got, want = delivered.get((key, k), Decimal(0)), planned.get((key, k), Decimal(0))
        info = cycle.receipt.get(k, {})
        reason = ""
        if got != want:
            reason = "Livraison fournisseur incomplète : manque réparti équitablement" if got < want else \
                "Réaffectation après livraison incomplète"
        items.append(document_part(f"offer {k}", lambda o=o, got=got, want=want, info=info, reason=reason:
                                   invoices.DeliveryItem(
            description=f"{o.product} ({o.reference})", lot=info.get("lot") or "—",
            temperature_class=invoices.TemperatureClass(o.temperature_class.value),
            ordered_quantity=want, delivered_quantity=got, unit=unit_code(o.unit),
            use_by=date.fromisoformat(info["use_by"]) if info.get("use_by") else None,
            best_before=date.fromisoformat(info["best_before"]) if info.get("best_before") else None,
            difference_reason=reason)))
    coordination = session.get(Coordination, cycle.coordination_id)
    site = goods_handover_site(session, cycle, member_id)
    day = cycle.delivery_date or cycle.received_at.astimezone(tz).date()
    return document_part("delivery_note", lambda: invoices.DeliveryNote(
        number=f"BL-{cycle.id:05d}-{member_id}", delivery_date=day,
        issuer=coordination_party(coordination),
        recipient=member_party(member),
        source=f"Achat groupé « {cycle.name} »"[:100], items=tuple(items),
        delivery_address=site_address(site) if site else None))


# Pooled donations ----------------------------------------------------------------------------


def split_donation(session: Session, principal: Principal, data: dict) -> dict:
    """Split goods already received (a collection's haul, a donation) by declared need, max–min fair."""
    require(principal, *STAFF)
    items = data["items"]
    names = {}
    for i, item in enumerate(items):
        if item["product"] in names:
            raise InvalidInput.field(f"items.{i}.product", f"{item['product']!r} is listed twice.")
        names[item["product"]] = i
        if not item["divisible"] and item["quantity"] != item["quantity"].to_integral_value():
            raise InvalidInput.field(f"items.{i}.quantity", "Counted in whole units: no fraction.")
    members = {}
    needs = []
    for i, need in enumerate(data["needs"]):
        member = member_in_coordination(session, principal, need["member_id"], f"needs.{i}.member_id")
        members[member.id] = member
        if need["product"] not in names:
            raise InvalidInput.field(f"needs.{i}.product", f"{need['product']!r} is not among the items.")
        item = items[names[need["product"]]]
        minimum, target = need.get("minimum") or Decimal(0), need["target"]
        maximum = need.get("maximum") or target
        if minimum > target:
            raise InvalidInput.field(f"needs.{i}.minimum", f"The minimum {minimum} is above the target {target}.")
        if target > maximum:
            raise InvalidInput.field(f"needs.{i}.maximum", f"The maximum {maximum} is below the target {target}.")
        if not item["divisible"] and any(v != v.to_integral_value() for v in (minimum, target, maximum)):
            raise InvalidInput.field(f"needs.{i}.target", f"{item['product']} is counted in whole units.")
        needs.append(purchasing.Need(str(member.id), (str(names[need["product"]]),), target, minimum, maximum,
                                     id=str(i)))
    if not needs:
        raise InvalidInput.field("needs", "Declare at least one need.")
    problem = purchasing.Problem(
        suppliers=[purchasing.Supplier("donation", name="Dons")],
        offers=[purchasing.Offer(str(i), "donation", it["product"], ((1, 0),), unit=it["unit"],
                                 divisible=it["divisible"], vat_rate=Decimal(0)) for i, it in enumerate(items)],
        members=[purchasing.Member(str(m.id), Decimal(m.people_served_per_week or 1), name=m.short_name)
                 for m in members.values()],
        needs=needs,
    )
    try:
        result = purchasing.split_received(problem, {str(i): it["quantity"] for i, it in enumerate(items)},
                                           time_limit=data["time_limit_s"])
    except purchasing.NoPlanError as exc:
        raise InvalidInput(f"{exc}: " + " ".join(exc.reasons), errors={"needs": list(exc.reasons) or [str(exc)]}) \
            from None
    by_member: dict[str, list] = defaultdict(list)
    for n in result.needs:
        item = items[int(n.offer_ids[0])]
        by_member[n.member_id].append({"product": item["product"], "unit": item["unit"], "target": n.target,
                                       "received": n.total, "fill_ratio": n.fill_ratio, "reason": n.reason,
                                       "cause": n.cause})
    return {
        "status": result.status,
        "seconds": round(result.seconds, 3),
        "min_fill_ratio": result.min_fill_ratio,
        "jain_index": result.jain_index,
        "members": [{"member_id": int(m.member_id), "name": members[int(m.member_id)].short_name,
                     "weight": members[int(m.member_id)].people_served_per_week or 1,
                     "fill_ratio": m.fill_ratio, "items": by_member[m.member_id]} for m in result.members],
        "leftovers": [{"product": items[int(o.offer_id)]["product"], "quantity": o.leftover_units}
                      for o in result.offers if o.leftover_units > 0],
    }


def member_outcome(session: Session, principal: Principal, cycle_id: int, member_id: int) -> dict | None:
    """What one member receives from a cycle's plan and why, with the others anonymised: its lines
    with the price tier each offer reached, its needs' fill ratios and reasons, its shares of fees,
    transport and leftovers with the key, and the spread (min, median, max) of the other members'
    fill ratios. ``None`` before allocation. After receipt, the final (re-split) plan is shown."""
    cycle = CYCLES.get(session, principal, cycle_id)
    _member_scope(principal, member_id)
    plan = cycle.final_allocation or cycle.allocation
    if not plan:
        return None
    me = next((m for m in plan["members"] if m["id"] == str(member_id)), None)
    if me is None:
        return {"cycle": cycle, "member": None, "final": bool(cycle.final_allocation)}
    offers = {o["id"]: o for o in plan["offers"]}
    others = sorted(Decimal(m["fill_ratio"]) for m in plan["members"] if m["id"] != str(member_id))
    lines = [dict(line, tier_min_packs=offers[line["offer"]]["tier_min_packs"],
                  pack_price=offers[line["offer"]]["pack_price"], packs=offers[line["offer"]]["packs"])
             for line in me["lines"]]
    return {
        "cycle": cycle,
        "final": bool(cycle.final_allocation),
        "member": me,
        "lines": lines,
        "needs": [n for n in plan["needs"] if n["member"] == str(member_id)],
        "fee_key": plan["fee_key"]["key"],
        "weight": plan["fee_key"]["weights"].get(str(member_id)),
        "others": {"count": len(others), "min": others[0], "median": others[len(others) // 2],
                   "max": others[-1]} if others else None,
        "totals": plan["totals"],
    }

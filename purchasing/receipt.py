"""After delivery: split what actually arrived, at the prices and keys of the purchase order.

A supplier may deliver fewer packs than ordered. The shortfall is spread by the same max–min
rule as the order (:func:`purchasing.split_received`), then costed at the tier price the order
reached (the supplier invoices delivered packs at the agreed price) with the delivery fees the
order was charged; packs not delivered are not paid for.

The re-split keeps the plan's list prices and needs, so fill ratios and the fee key are the
plan's. Each need receives of each offer at most what the plan gave it, minimums no longer bind
(the goods are what they are), and no member is charged more than the plan charged it, line by
line, fee and transport shares included: every part is apportioned with the plan's amount as its
cap. A member listed in ``top_up`` has agreed to receive more than its plan — up to each need's
maximum, from units others do not take — as long as its total stays within its budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from decimal import Decimal

from .allocation import Allocation, evaluate
from .exceptions import InvalidInput, NoPlanError
from .model import Member, Need, Offer, PriceTier, Problem, Supplier
from .money import format_cents
from .solver import split_received


def split_delivered(
    problem: Problem,
    ordered: Allocation,
    delivered_packs: Mapping[str, int],
    *,
    time_limit: float | None = None,
    solver: str | None = None,
    top_up: Iterable[str] = (),
) -> Allocation:
    """Re-split an order after delivery; ``delivered_packs`` gives packs received per offer id.

    Offers missing from ``delivered_packs`` count as delivered in full. Delivering more than
    ordered is refused (record the surplus as a new order or a donation). ``top_up`` names the
    members that agreed to receive more than their plan (within their maximums and budget).
    """
    started = time.perf_counter()
    orders = {o.offer_id: o for o in ordered.offers}
    packs: dict[str, int] = {}
    for oid, order in orders.items():
        got = delivered_packs.get(oid, order.packs)
        if isinstance(got, bool) or not isinstance(got, int) or got < 0:
            raise InvalidInput(f"delivered {oid!r}: a whole number of packs, at least 0, got {got!r}")
        if got > order.packs:
            raise InvalidInput(f"delivered {oid!r}: {got} packs but only {order.packs} were ordered")
        packs[oid] = got
    for oid in delivered_packs:
        if oid not in orders:
            raise InvalidInput(f"delivered {oid!r}: this offer was not ordered")
    agreed = frozenset(top_up)
    for mid in agreed:
        if mid not in problem.member_by_id:
            raise InvalidInput(f"top_up: unknown member {mid!r}")
    if all(packs[oid] == o.packs for oid, o in orders.items()):
        return ordered  # nothing short: the plan stands as ordered

    # Suppliers charge the fee the order was charged (or none) whatever arrives; offers keep
    # their tiers (list prices: the plan's fill ratios and fee key) and are paid at the order's.
    fee_of = {s.supplier_id: s.delivery_fee_cents for s in ordered.suppliers}
    suppliers = tuple(Supplier(s.id, 0, None, fee_of.get(s.id, 0), s.name) for s in problem.suppliers)
    offers = tuple(
        Offer(
            o.id, o.supplier_id, o.product, o.tiers, category=o.category, unit=o.unit,
            pack_size=o.pack_size, divisible=o.divisible, vat_rate=o.vat_rate,
            temperature=o.temperature, pack_weight_kg=o.pack_weight_kg,
            pack_volume_l=o.pack_volume_l, packs_available=packs.get(o.id, 0),
        )
        for o in problem.offers
    )
    tiers = {oid: PriceTier(o.tier_min_packs, o.pack_price_cents) for oid, o in orders.items()}
    needs = tuple(Need(n.member_id, n.offer_ids, n.target, Decimal(0), n.maximum, id=n.id) for n in problem.needs)
    members = tuple(Member(m.id, m.weight, m.budget_cents, m.name) for m in problem.members)
    after = Problem(
        suppliers, offers, members, needs, fee_key=problem.fee_key,
        leftover_policy=problem.leftover_policy, transport_cents=problem.transport_cents,
    )
    planned = {(n.need_id, oid): q for n in ordered.needs for oid, q in n.received.items()}
    supply = {oid: problem.offer_by_id[oid].pack_size * n for oid, n in packs.items()}
    while True:
        caps = {
            (n.id, oid): planned.get((n.id, oid), Decimal(0))
            for n in problem.needs
            if n.member_id not in agreed
            for oid in n.offer_ids
        }
        split = split_received(after, supply, time_limit=time_limit, solver=solver, caps=caps)
        received = {(n.need_id, oid): q for n in split.needs for oid, q in n.received.items() if q}
        result = evaluate(
            after, packs, received, method="delivered, max-min fair", status=split.status,
            solver=split.solver, gap=split.gap, seconds=time.perf_counter() - started,
            objectives=split.objectives, tiers=tiers, ceiling=ordered, exempt=agreed,
        )
        result.stages = split.stages
        over = {
            m.member_id
            for m in result.members
            if m.member_id in agreed and m.budget_cents is not None and m.total_cents > m.budget_cents
        }
        if not over:
            break
        agreed -= over  # a top-up never crosses the budget: those members keep their plan's caps
    _check_against_plan(result, ordered, agreed)
    return result


def _check_against_plan(result: Allocation, ordered: Allocation, agreed: frozenset[str]) -> None:
    """No member above its plan (unless it agreed) nor its budget; raises rather than returns."""
    plan = {m.member_id: m.total_cents for m in ordered.members}
    broken = [
        f"member {m.member_id!r} would pay {format_cents(m.total_cents)}, more than its plan's "
        f"{format_cents(plan.get(m.member_id, 0))}"
        for m in result.members
        if m.member_id not in agreed and m.total_cents > plan.get(m.member_id, 0)
    ]
    broken += result.violations()
    if broken:
        raise NoPlanError("the re-split failed its checks", broken)

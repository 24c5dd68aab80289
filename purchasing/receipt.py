"""After delivery: split what actually arrived, at the prices of the purchase order.

A supplier may deliver fewer packs than ordered. The shortfall is spread by the same max–min
rule as the order (:func:`purchasing.split_received`), then costed at the tier price the order
reached (the supplier invoices delivered packs at the agreed price) with the delivery fees of the
order; packs not delivered are not paid for.

Each need may receive up to what the plan gave it, or up to its target when the plan gave it
less; minimums no longer bind (the goods are what they are). Budgets are not re-applied: the
goods are already bought, and nobody receives more than the plan or its own declared need.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal

from .allocation import Allocation, evaluate
from .exceptions import InvalidInput
from .model import Member, Need, Offer, PriceTier, Problem, Supplier
from .solver import split_received


def split_delivered(
    problem: Problem,
    ordered: Allocation,
    delivered_packs: Mapping[str, int],
    *,
    time_limit: float | None = None,
    solver: str | None = None,
) -> Allocation:
    """Re-split an order after delivery; ``delivered_packs`` gives packs received per offer id.

    Offers missing from ``delivered_packs`` count as delivered in full. Delivering more than
    ordered is refused (record the surplus as a new order or a donation).
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
    if all(packs[oid] == o.packs for oid, o in orders.items()):
        return ordered  # nothing short: the plan stands as ordered

    fee_of = {s.supplier_id: s.delivery_fee_cents for s in ordered.suppliers}
    suppliers = tuple(
        Supplier(s.id, 0, None, fee_of.get(s.id, 0), s.name) for s in problem.suppliers
    )
    offers = []
    for o in problem.offers:
        order = orders.get(o.id)
        price = order.pack_price_cents if order else o.tiers[0].pack_price_cents
        offers.append(
            Offer(
                o.id, o.supplier_id, o.product, (PriceTier(1, price),), category=o.category,
                unit=o.unit, pack_size=o.pack_size, divisible=o.divisible, vat_rate=o.vat_rate,
                temperature=o.temperature, pack_weight_kg=o.pack_weight_kg,
                pack_volume_l=o.pack_volume_l, packs_available=packs.get(o.id, 0),
            )
        )
    # a need receives at most what the plan gave it, or its target when the plan gave it less
    planned = {n.need_id: n.total for n in ordered.needs}
    needs = []
    for n in problem.needs:
        cap = planned.get(n.id, Decimal(0))
        needs.append(Need(n.member_id, n.offer_ids, n.target, Decimal(0), max(cap, n.target), id=n.id))
    members = tuple(Member(m.id, m.weight, None, m.name) for m in problem.members)
    after = Problem(
        suppliers, tuple(offers), members, tuple(needs), fee_key=problem.fee_key,
        leftover_policy=problem.leftover_policy, transport_cents=problem.transport_cents,
    )
    supply = {oid: problem.offer_by_id[oid].pack_size * n for oid, n in packs.items()}
    split = split_received(after, supply, time_limit=time_limit, solver=solver)
    received = {
        (n.need_id, oid): q for n in split.needs for oid, q in n.received.items() if q
    }
    return evaluate(
        after,
        packs,
        received,
        method="delivered, max-min fair",
        status=split.status,
        solver=split.solver,
        gap=split.gap,
        seconds=time.perf_counter() - started,
        objectives=split.objectives,
    )

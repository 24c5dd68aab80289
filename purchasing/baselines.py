"""The rules coordinations use today, costed by the same code, to compare against.

Neither knows interchangeable offers (a need goes to its first offer), minimums or budgets;
both drop a supplier whose minimum order is not reached, as happens when the order is placed.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from decimal import Decimal

from .allocation import Allocation, evaluate
from .model import QUANTITY_DECIMALS, Need, Offer, Problem
from .money import apportion

_SCALE = 10**QUANTITY_DECIMALS


Plan = tuple[dict[str, int], dict[tuple[str, str], Decimal]]


def first_come_first_served(problem: Problem) -> Allocation:
    """Foodsoft's rule: whole packs, tolerance completes a pack, earlier orders served first.

    Needs are taken in the order given (their timestamps): the last to order absorbs the whole
    shortfall of a pack that could not be completed or of a scarce offer.
    """
    start = time.perf_counter()
    packs, received = fcfs_plan(problem)
    return evaluate(
        problem,
        packs,
        received,
        method="first come, first served",
        status="heuristic",
        seconds=time.perf_counter() - start,
    )


def proportional_rounding(problem: Problem) -> Allocation:
    """The spreadsheet rule: enough packs for all targets, scarce units shared pro rata of targets.

    Shares are whole units (grams for goods sold by weight), the remainders going by the
    largest-remainder rule, so the units handed out never exceed the units bought.
    """
    start = time.perf_counter()
    packs, received = proportional_plan(problem)
    return evaluate(
        problem,
        packs,
        received,
        method="proportional rounding",
        status="heuristic",
        seconds=time.perf_counter() - start,
    )


def fcfs_plan(problem: Problem) -> Plan:
    """Packs and quantities of :func:`first_come_first_served`, before costing."""
    packs: dict[str, int] = {}
    received: dict[tuple[str, str], Decimal] = {}
    for offer, needs in _by_first_offer(problem).items():
        size = offer.pack_size
        target = sum((n.target for n in needs), Decimal(0))
        tolerance = sum((n.maximum - n.target for n in needs), Decimal(0))
        boxes = int(target // size)
        if target - boxes * size > 0 and target - boxes * size + tolerance >= size:
            boxes += 1
        packs[offer.id] = _cap(offer, boxes)
        left = size * packs[offer.id]
        for n in needs:
            give = min(n.target, left)
            received[(n.id, offer.id)] = give
            left -= give
        for n in needs:
            extra = min(n.maximum - received[(n.id, offer.id)], left)
            received[(n.id, offer.id)] += extra
            left -= extra
    _drop_below_minimum(problem, packs, received)
    return packs, received


def proportional_plan(problem: Problem) -> Plan:
    """Packs and quantities of :func:`proportional_rounding`, before costing."""
    packs: dict[str, int] = {}
    received: dict[tuple[str, str], Decimal] = {}
    for offer, needs in _by_first_offer(problem).items():
        target = sum((n.target for n in needs), Decimal(0))
        packs[offer.id] = _cap(offer, math.ceil(target / offer.pack_size))
        units = min(offer.pack_size * packs[offer.id], target)
        scale = _SCALE if offer.divisible else 1
        parts = apportion(int(units * scale), [int(n.target * scale) for n in needs])
        for n, part in zip(needs, parts, strict=False):
            received[(n.id, offer.id)] = Decimal(part) / scale
    _drop_below_minimum(problem, packs, received)
    return packs, received


def _by_first_offer(problem: Problem) -> dict[Offer, list[Need]]:
    out: dict[Offer, list[Need]] = defaultdict(list)
    for n in problem.needs:
        out[problem.offer_by_id[n.offer_ids[0]]].append(n)
    return out


def _cap(offer: Offer, packs: int) -> int:
    return packs if offer.packs_available is None else min(packs, offer.packs_available)


def _drop_below_minimum(
    problem: Problem, packs: dict[str, int], received: dict[tuple[str, str], Decimal]
) -> None:
    goods: dict[str, int] = defaultdict(int)
    for oid, n in packs.items():
        offer = problem.offer_by_id[oid]
        goods[offer.supplier_id] += n * offer.tier_for(n).pack_price_cents
    for s in problem.suppliers:
        if 0 < goods.get(s.id, 0) < s.minimum_order_cents:
            for oid in packs:
                if problem.offer_by_id[oid].supplier_id == s.id:
                    packs[oid] = 0
            for key in received:
                if problem.offer_by_id[key[1]].supplier_id == s.id:
                    received[key] = Decimal(0)

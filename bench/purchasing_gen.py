"""Seeded generator of realistic joint-order cycles for the purchasing benchmark.

Shape taken from the field: a few wholesalers with minimum orders and delivery fees, more local
producers with small minimums, priority products (water, fruit, vegetables, cereals, dairy,
protein, hygiene, baby, period protection), volume tiers, some scarce offers, members of very
different sizes (people served per week), and budget caps for some of them.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from decimal import Decimal

from purchasing import Member, Need, Offer, Problem, Supplier

CATEGORIES = [
    # category, unit, divisible, unit price range (cents HT), pack sizes, VAT, temperature
    ("water", "bottle 1.5 L", False, (20, 45), (6, 12), "0.055", "ambient"),
    ("fruit", "kg", True, (150, 450), (5, 10), "0.055", "ambient"),
    ("vegetables", "kg", True, (100, 350), (5, 10), "0.055", "ambient"),
    ("cereals", "pack 500 g", False, (60, 250), (10, 12, 20), "0.055", "ambient"),
    ("dairy", "unit", False, (40, 300), (6, 12, 24), "0.055", "chilled"),
    ("protein", "can 400 g", False, (150, 600), (12, 24), "0.055", "ambient"),
    ("frozen", "bag 1 kg", False, (250, 800), (6, 10), "0.055", "frozen"),
    ("hygiene", "unit", False, (100, 500), (6, 12, 24), "0.20", "ambient"),
    ("baby", "pack", False, (300, 1200), (4, 6), "0.055", "ambient"),
    ("period protection", "box", False, (150, 500), (12, 24), "0.055", "ambient"),
]


def generate(
    n_members: int, n_offers: int, seed: int = 0, *, density: float = 1.0, budgets: bool = True
) -> Problem:
    """A cycle with about ``n_members * n_offers * density`` (need, offer) pairs.

    ``budgets=False`` drops the budget caps (same instance otherwise), to compare fairness with
    rules that ignore budgets on equal terms.
    """
    rng = random.Random(seed)
    n_suppliers = max(2, n_offers // 8)
    suppliers = []
    for k in range(n_suppliers):
        if k % 3 == 0:  # wholesaler
            suppliers.append(
                Supplier(
                    f"S{k:03d}",
                    100 * rng.randint(150, 400),
                    100 * rng.randint(800, 2000),
                    100 * rng.randint(25, 60),
                    name=f"Wholesaler {k}",
                )
            )
        else:  # local producer
            suppliers.append(
                Supplier(
                    f"S{k:03d}",
                    100 * rng.randint(30, 120),
                    None,
                    100 * rng.randint(0, 15),
                    name=f"Producer {k}",
                )
            )
    # products: each has 1 to 3 interchangeable offers from different suppliers
    products: list[list[Offer]] = []
    made = 0
    while made < n_offers:
        cat, unit, divisible, (lo, hi), sizes, vat, temp = rng.choice(CATEGORIES)
        # interchangeable offers come from different suppliers: never more than there are
        count = min(n_offers - made, rng.choice((1, 1, 1, 2, 2, 3)), len(suppliers))
        name = f"{cat} #{len(products) + 1}"
        base = rng.randint(lo, hi)
        offers = []
        for j, s in enumerate(rng.sample(suppliers, count)):
            size = rng.choice(sizes)
            pack_price = int(base * size * rng.uniform(0.9, 1.15))
            tiers = [(1, pack_price)]
            for step, discount in ((rng.randint(5, 10), 0.95), (rng.randint(20, 40), 0.90)):
                if rng.random() < 0.6:
                    tiers.append((step, int(pack_price * discount)))
            offers.append(
                Offer(
                    f"O{made + j:04d}",
                    s.id,
                    name,
                    tiers=tiers,
                    category=cat,
                    unit=unit,
                    pack_size=Decimal(size),
                    divisible=divisible,
                    vat_rate=Decimal(vat),
                    temperature=temp,
                    pack_weight_kg=Decimal(size),
                    pack_volume_l=Decimal(size),
                )
            )
        made += count
        products.append(offers)

    members = []
    for k in range(n_members):
        people = max(10, int(rng.lognormvariate(math.log(120), 0.9)))
        members.append(Member(f"M{k:04d}", Decimal(people), None, name=f"Association {k}"))

    needs = []
    demand: dict[str, Decimal] = {}
    declared_value: dict[str, int] = {m.id: 0 for m in members}
    for offers in products:
        first = offers[0]
        rate = rng.uniform(0.02, 0.15)  # units per person served and week
        for m in members:
            if rng.random() > density:
                continue
            target = Decimal(max(1, round(float(m.weight) * rate * rng.uniform(0.5, 1.5))))
            if first.divisible:
                target = (target / 2).quantize(Decimal("0.5"))
                target = max(target, Decimal("0.5"))
            maximum = target
            if rng.random() < 0.3:
                maximum = target + Decimal(max(1, int(first.pack_size // 2)))
            minimum = Decimal(0)
            needs.append(Need(m.id, tuple(o.id for o in offers), target, minimum, maximum))
            demand[first.product] = demand.get(first.product, Decimal(0)) + target
            declared_value[m.id] += int(target * first.tiers[0].pack_price_cents / first.pack_size)

    # scarcity: a third of products can only partly be served
    limited = {}
    for offers in products:
        if rng.random() < 0.33:
            total = demand.get(offers[0].product, Decimal(0))
            for o in offers:
                share = total * Decimal(str(round(rng.uniform(0.4, 0.9), 2))) / len(offers)
                limited[o.id] = max(1, int(share / o.pack_size))
    all_offers = []
    for offers in products:
        for o in offers:
            if o.id in limited:
                o = Offer(
                    o.id,
                    o.supplier_id,
                    o.product,
                    o.tiers,
                    o.category,
                    o.unit,
                    o.pack_size,
                    o.divisible,
                    o.vat_rate,
                    o.temperature,
                    o.pack_weight_kg,
                    o.pack_volume_l,
                    limited[o.id],
                )
            all_offers.append(o)

    # budgets for a third of the members: 50 % to 110 % of what they declared, incl. VAT and fees
    capped = []
    for m in members:  # the same draws with or without budgets: the rest of the cycle is identical
        if rng.random() < 0.33:
            budget = int(declared_value[m.id] * rng.uniform(0.5, 1.1)) + 5000
            m = Member(m.id, m.weight, budget if budgets else None, m.name)
        capped.append(m)
    members = capped
    return Problem(
        suppliers,
        all_offers,
        members,
        needs,
        fee_key="weight",
        leftover_policy="shared_stock",
        transport_cents=100 * rng.randint(100, 400),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("members", type=int)
    parser.add_argument("offers", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from purchasing.jsonio import problem_to_dict

    print(json.dumps(problem_to_dict(generate(args.members, args.offers, args.seed)), indent=1))


if __name__ == "__main__":
    main()

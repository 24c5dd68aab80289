from decimal import Decimal

import pytest

from purchasing import Member, Need, Offer, Problem, Supplier


def milk_problem(**overrides) -> Problem:
    """Three associations share 3 packs of 6 bottles of milk (18 units) for 24 declared."""
    suppliers = [Supplier("farm", minimum_order_cents=0, delivery_fee_cents=0)]
    offers = [
        Offer(
            "milk",
            "farm",
            "UHT milk 1 L",
            tiers=[(1, 600)],
            pack_size=Decimal(6),
            packs_available=3,
        )
    ]
    members = [Member("early"), Member("middle"), Member("late")]
    needs = [Need("early", "milk", 8), Need("middle", "milk", 8), Need("late", "milk", 8)]
    args = dict(suppliers=suppliers, offers=offers, members=members, needs=needs)
    args.update(overrides)
    return Problem(**args)


@pytest.fixture
def milk() -> Problem:
    return milk_problem()

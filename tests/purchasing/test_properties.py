"""Invariants on small random cycles: bounds hold, fairness beats the usual rules, cents add up."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from purchasing import (
    InfeasibleProblem,
    Member,
    Need,
    Offer,
    Problem,
    Supplier,
    first_come_first_served,
    proportional_rounding,
    split_order,
)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def cycles(draw, *, with_minimums: bool = True, with_budgets: bool = True):
    n_suppliers = draw(st.integers(1, 2))
    suppliers = [
        Supplier(
            f"s{k}",
            minimum_order_cents=draw(st.sampled_from([0, 0, 2000, 5000])),
            free_delivery_cents=draw(st.sampled_from([None, 8000])),
            delivery_fee_cents=draw(st.sampled_from([0, 500, 1201])),
        )
        for k in range(n_suppliers)
    ]
    offers = []
    for k in range(draw(st.integers(1, 3))):
        price = draw(st.integers(50, 3000))
        tiers = [(1, price)]
        if draw(st.booleans()):
            tiers.append(
                (draw(st.integers(2, 5)), price - draw(st.integers(1, max(1, price // 10))))
            )
        offers.append(
            Offer(
                f"o{k}",
                f"s{draw(st.integers(0, n_suppliers - 1))}",
                f"product {k}",
                tiers=tiers,
                pack_size=Decimal(draw(st.sampled_from([1, 3, 6, 12]))),
                vat_rate=Decimal(draw(st.sampled_from(["0", "0.055", "0.2"]))),
                packs_available=draw(st.sampled_from([None, 1, 2, 4])),
            )
        )
    members = [
        Member(
            f"m{k}",
            weight=Decimal(draw(st.integers(1, 5))),
            budget_cents=draw(st.sampled_from([None, None, 3000, 20000])) if with_budgets else None,
        )
        for k in range(draw(st.integers(1, 4)))
    ]
    needs = []
    for m in members:
        for o in offers:
            if draw(st.booleans()):
                target = draw(st.integers(1, 12))
                minimum = draw(st.integers(0, target // 3)) if with_minimums else 0
                needs.append(Need(m.id, o.id, target, minimum, target + draw(st.integers(0, 3))))
    return Problem(
        suppliers,
        offers,
        members,
        needs,
        fee_key=draw(st.sampled_from(["weight", "value", "equal"])),
        leftover_policy=draw(st.sampled_from(["shared_stock", "split"])),
        transport_cents=draw(st.sampled_from([0, 1000, 999])),
    )


def charges_add_up(a) -> bool:
    charged = sum(m.total_cents for m in a.members) + a.shared_stock_cents
    return charged == a.invoice_ttc_cents + a.fees_cents + a.problem.transport_cents


@SETTINGS
@given(cycles())
def test_every_bound_holds_and_every_cent_is_charged(problem):
    try:
        a = split_order(problem, time_limit=5)
    except InfeasibleProblem as exc:
        assert exc.reasons
        return
    assert a.violations() == []
    assert charges_add_up(a)
    for m in a.members:
        for line in m.lines:
            assert line.ttc_cents == line.ht_cents + line.vat_cents
    for n in a.needs:
        assert n.minimum <= n.total <= n.maximum
        assert (n.reason is None) == (n.total >= n.target)


@SETTINGS
@given(cycles(with_minimums=False, with_budgets=False))
def test_never_less_fair_than_first_come_first_served_or_proportional_rounding(problem):
    ours = split_order(problem, time_limit=5)
    for rule in (first_come_first_served, proportional_rounding):
        baseline = rule(problem)
        assert baseline.is_feasible(), (
            baseline.violations()
        )  # a valid plan: the comparison means something
        assert charges_add_up(baseline)
        assert ours.min_fill_ratio >= baseline.min_fill_ratio - 1e-9


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cycles())
def test_leximin_option_respects_every_bound_too(problem):
    try:
        a = split_order(problem, time_limit=5, leximin=True)
    except InfeasibleProblem:
        return
    assert a.violations() == []
    assert charges_add_up(a)

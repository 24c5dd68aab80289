import time
from decimal import Decimal

import pytest

from purchasing import (
    InfeasibleProblem,
    InvalidInput,
    Member,
    Need,
    Offer,
    Problem,
    Reason,
    Supplier,
    allocation_to_dict,
    available_solvers,
    first_come_first_served,
    proportional_rounding,
    split_order,
    split_received,
)

LIMIT = 10


def received(a, member_id):
    return {
        oid: q for n in a.needs if n.member_id == member_id for oid, q in n.received.items() if q
    }


def test_shortfall_is_spread_instead_of_dumped_on_the_last_to_order(milk):
    fcfs = first_come_first_served(milk)
    assert [n.total for n in fcfs.needs] == [8, 8, 2]  # Foodsoft: the last absorbs everything
    ours = split_order(milk, time_limit=LIMIT)
    assert [n.total for n in ours.needs] == [6, 6, 6]
    assert ours.min_fill_ratio == pytest.approx(0.75)
    assert ours.min_fill_ratio > fcfs.min_fill_ratio
    assert {n.reason for n in ours.needs} == {Reason.AVAILABILITY}
    assert ours.status == "optimal" and ours.is_feasible()


def test_volume_tier_reached_by_the_group_prices_every_pack():
    offers = [
        Offer(
            "rice",
            "s",
            "rice 1 kg",
            tiers=[(1, 1000), (5, 900)],
            pack_size=Decimal(6),
            vat_rate=Decimal(0),
        )
    ]
    members = [Member(f"m{i}") for i in range(5)]
    needs = [Need(f"m{i}", "rice", 6) for i in range(5)]
    a = split_order(Problem([Supplier("s")], offers, members, needs), time_limit=LIMIT)
    (order,) = a.offers
    assert (order.packs, order.pack_price_cents, order.ht_cents) == (5, 900, 4500)
    assert all(m.goods_ht_cents == 900 for m in a.members)


def test_supplier_whose_minimum_is_not_reached_is_not_used():
    suppliers = [Supplier("big", minimum_order_cents=100_00), Supplier("local")]
    offers = [
        Offer("oil", "big", "oil", tiers=[(1, 1000)], packs_available=2),
        Offer("eggs", "local", "eggs", tiers=[(1, 300)]),
    ]
    members = [Member("a")]
    needs = [Need("a", "oil", 2), Need("a", "eggs", 3)]
    a = split_order(Problem(suppliers, offers, members, needs), time_limit=LIMIT)
    assert received(a, "a") == {"eggs": 3}
    oil = next(n for n in a.needs if n.offer_ids == ("oil",))
    assert oil.reason == Reason.SUPPLIER_MINIMUM
    assert a.is_feasible()


def test_budget_caps_goods_plus_fee_share_and_is_named_as_the_reason():
    suppliers = [Supplier("s", delivery_fee_cents=10_00)]
    offers = [Offer("soap", "s", "soap", tiers=[(1, 200)], vat_rate=Decimal("0.20"))]
    members = [Member("rich"), Member("poor", budget_cents=20_00)]
    needs = [Need("rich", "soap", 10), Need("poor", "soap", 10)]
    a = split_order(Problem(suppliers, offers, members, needs, fee_key="equal"), time_limit=LIMIT)
    poor = a.member("poor")
    assert poor.total_cents <= 20_00
    assert poor.fee_share_cents == 5_00
    assert received(a, "poor")["soap"] == 6  # 6 x 2.40 TTC + 5.00 fee = 19.40
    assert next(n for n in a.needs if n.member_id == "poor").reason == Reason.BUDGET
    assert received(a, "rich")["soap"] == 10


def test_another_members_budget_blocking_a_pack_is_named_as_budget_not_pack_rounding():
    """With split leftovers, the pack that would complete one need leaves units over that a
    budget-capped member would have to share: the reason is that member's budget, named."""
    offers = [Offer("rice", "s", "rice", tiers=[(1, 1000)], pack_size=Decimal(10), vat_rate=Decimal(0))]
    members = [Member("a"), Member("b", budget_cents=2_50)]
    needs = [Need("a", "rice", 15), Need("b", "rice", 1)]
    problem = Problem([Supplier("s")], offers, members, needs, fee_key="equal", leftover_policy="split")
    a = split_order(problem, time_limit=LIMIT)
    short = next(n for n in a.needs if n.member_id == "a")
    assert short.total == 9 and short.reason == Reason.BUDGET
    assert "'b'" in short.cause and "2.50" in short.cause and "4 units over" in short.cause
    assert allocation_to_dict(a)["needs"][0]["cause"] == short.cause
    # the same order with leftovers kept as shared stock: nobody's budget is touched
    stock = split_order(Problem([Supplier("s")], offers, members, needs, fee_key="equal"), time_limit=LIMIT)
    assert [n.total for n in stock.needs] == [15, 1] and all(n.cause is None for n in stock.needs)


def test_every_reason_carries_its_cause_naming_member_offer_or_supplier():
    suppliers = [Supplier("big", minimum_order_cents=100_00), Supplier("s", delivery_fee_cents=10_00)]
    offers = [
        Offer("oil", "big", "oil", tiers=[(1, 1000)], packs_available=2),
        Offer("soap", "s", "soap", tiers=[(1, 200)], vat_rate=Decimal("0.20")),
    ]
    members = [Member("rich"), Member("poor", budget_cents=20_00)]
    needs = [Need("rich", "oil", 2), Need("rich", "soap", 10), Need("poor", "soap", 10)]
    a = split_order(Problem(suppliers, offers, members, needs, fee_key="equal"), time_limit=LIMIT)
    causes = {(n.member_id, n.offer_ids[0]): (n.reason, n.cause) for n in a.needs if n.reason}
    assert causes[("rich", "oil")][0] == Reason.SUPPLIER_MINIMUM and "'big'" in causes[("rich", "oil")][1]
    assert causes[("poor", "soap")][0] == Reason.BUDGET and "'poor'" in causes[("poor", "soap")][1]
    for _reason, cause in causes.values():
        assert cause and ("'" in cause)


def test_budgets_below_minimums_are_reported_naming_members_and_offers():
    offers = [Offer("nappies", "s", "nappies", tiers=[(1, 1500)], vat_rate=Decimal("0.055"))]
    members = [Member("creche", budget_cents=10_00)]
    needs = [Need("creche", "nappies", 4, minimum=2)]
    with pytest.raises(InfeasibleProblem) as exc:
        split_order(Problem([Supplier("s")], offers, members, needs), time_limit=LIMIT)
    assert "creche" in str(exc.value) and "nappies" in str(exc.value)
    assert exc.value.reasons


def test_minimums_above_availability_are_infeasible():
    offers = [Offer("milk", "s", "milk", tiers=[(1, 600)], pack_size=Decimal(6), packs_available=1)]
    members = [Member("a"), Member("b")]
    needs = [Need("a", "milk", 4, minimum=4), Need("b", "milk", 4, minimum=4)]
    with pytest.raises(InfeasibleProblem, match="'milk'.*only 6 available"):
        split_order(Problem([Supplier("s")], offers, members, needs), time_limit=LIMIT)


def test_delivery_fee_waived_above_threshold_and_shared_by_weight_otherwise():
    offers = [Offer("flour", "s", "flour", tiers=[(1, 1000)], vat_rate=Decimal(0))]
    members = [Member("a", weight=Decimal(1)), Member("b", weight=Decimal(3))]

    def run(threshold):
        supplier = Supplier("s", free_delivery_cents=threshold, delivery_fee_cents=20_00)
        needs = [Need("a", "flour", 2), Need("b", "flour", 2)]
        return split_order(
            Problem([supplier], offers, members, needs, fee_key="weight"), time_limit=LIMIT
        )

    cheap = run(40_00)
    assert cheap.fees_cents == 0
    charged = run(100_00)
    assert charged.fees_cents == 20_00
    assert [m.fee_share_cents for m in charged.members] == [5_00, 15_00]


@pytest.mark.parametrize("policy", ["shared_stock", "split"])
def test_leftovers_are_never_dropped(policy):
    offers = [
        Offer("jam", "s", "jam", tiers=[(1, 700)], pack_size=Decimal(6), vat_rate=Decimal("0.055"))
    ]
    members = [Member("a"), Member("b"), Member("c")]
    needs = [Need("a", "jam", 1), Need("b", "jam", 1), Need("c", "jam", 2)]
    p = Problem(
        [Supplier("s")], offers, members, needs, leftover_policy=policy, transport_cents=10_01
    )
    a = split_order(p, time_limit=LIMIT)
    assert a.leftover_units == 2
    charged = sum(m.total_cents for m in a.members) + a.shared_stock_cents
    assert charged == a.invoice_ttc_cents + a.fees_cents + p.transport_cents
    if policy == "shared_stock":
        assert a.shared_stock_cents > 0 and all(m.leftover_share_cents == 0 for m in a.members)
    else:
        assert a.shared_stock_cents == 0 and sum(m.leftover_share_cents for m in a.members) > 0


def test_tolerance_absorbs_pack_rounding_before_leftovers():
    offers = [Offer("yog", "s", "yoghurt", tiers=[(1, 240)], pack_size=Decimal(6))]
    members = [Member("a"), Member("b")]
    needs = [Need("a", "yog", 4, maximum=5), Need("b", "yog", 1, maximum=2)]
    a = split_order(Problem([Supplier("s")], offers, members, needs), time_limit=LIMIT)
    assert a.offers[0].packs == 1 and a.leftover_units == 0
    assert sorted(n.total for n in a.needs) == [2, 4] or sorted(n.total for n in a.needs) == [1, 5]


def test_interchangeable_offers_complete_each_other():
    suppliers = [Supplier("s1"), Supplier("s2")]
    offers = [
        Offer("milk-a", "s1", "milk", tiers=[(1, 500)], pack_size=Decimal(6), packs_available=1),
        Offer("milk-b", "s2", "milk", tiers=[(1, 650)], pack_size=Decimal(6)),
    ]
    members = [Member("a"), Member("b")]
    needs = [Need("a", ("milk-a", "milk-b"), 6), Need("b", ("milk-a", "milk-b"), 6)]
    a = split_order(Problem(suppliers, offers, members, needs), time_limit=LIMIT)
    assert all(n.total == 6 for n in a.needs)
    assert {o.offer_id: o.packs for o in a.offers} == {"milk-a": 1, "milk-b": 1}


def test_goods_sold_by_weight_are_split_in_grams():
    offers = [
        Offer(
            "apples",
            "s",
            "apples",
            unit="kg",
            divisible=True,
            tiers=[(1, 1000)],
            pack_size=Decimal(5),
            packs_available=1,
        )
    ]
    members = [Member("a"), Member("b")]
    needs = [Need("a", "apples", Decimal("4.5")), Need("b", "apples", Decimal("1.5"))]
    a = split_order(Problem([Supplier("s")], offers, members, needs), time_limit=LIMIT)
    assert [n.total for n in a.needs] == [Decimal("3.750"), Decimal("1.250")]
    assert a.min_fill_ratio == pytest.approx(5 / 6, abs=1e-3)


def test_vat_is_shown_per_line_and_lines_add_up():
    offers = [
        Offer(
            "pads",
            "s",
            "period protection",
            tiers=[(1, 1001)],
            pack_size=Decimal(3),
            vat_rate=Decimal("0.055"),
        )
    ]
    members = [Member("a"), Member("b"), Member("c")]
    needs = [Need(m.id, "pads", 1) for m in members]
    a = split_order(Problem([Supplier("s")], offers, members, needs), time_limit=LIMIT)
    lines = [line for m in a.members for line in m.lines]
    assert sum(line.ht_cents for line in lines) == 1001
    assert sum(line.vat_cents for line in lines) == 55  # 10.01 x 5.5 % = 0.55
    assert all(line.ttc_cents == line.ht_cents + line.vat_cents for line in lines)


def test_same_input_same_result(milk):
    first = allocation_to_dict(split_order(milk, time_limit=LIMIT))
    second = allocation_to_dict(split_order(milk, time_limit=LIMIT))
    first.pop("seconds"), second.pop("seconds")
    assert first == second


@pytest.mark.skipif(len(available_solvers()) < 2, reason="needs both HiGHS and CBC")
def test_highs_and_cbc_agree(milk):
    highs = split_order(milk, solver="highs", time_limit=LIMIT)
    cbc = split_order(milk, solver="cbc", time_limit=LIMIT)
    assert highs.min_fill_ratio == pytest.approx(cbc.min_fill_ratio)
    assert highs.total_cost_cents == cbc.total_cost_cents


def test_bad_solver_options(milk):
    with pytest.raises(InvalidInput, match="solver"):
        split_order(milk, solver="gurobi")
    with pytest.raises(InvalidInput, match="time_limit"):
        split_order(milk, time_limit=0)


def test_received_goods_are_split_by_declared_need():
    offers = [Offer("haul", "s", "mixed vegetables", tiers=[(1, 0)])]
    members = [Member("a"), Member("b"), Member("c")]
    needs = [Need("a", "haul", 4), Need("b", "haul", 8), Need("c", "haul", 12)]
    a = split_received(
        Problem([Supplier("s")], offers, members, needs), {"haul": 12}, time_limit=LIMIT
    )
    assert [n.total for n in a.needs] == [2, 4, 6]
    assert a.is_feasible() and a.leftover_units == 0


def test_received_goods_cannot_cover_minimums():
    offers = [Offer("haul", "s", "bread", tiers=[(1, 0)])]
    needs = [Need("a", "haul", 4, minimum=3), Need("b", "haul", 4, minimum=3)]
    p = Problem([Supplier("s")], offers, [Member("a"), Member("b")], needs)
    with pytest.raises(InfeasibleProblem, match="only 5 available"):
        split_received(p, {"haul": 5})
    with pytest.raises(InvalidInput, match="unknown offer"):
        split_received(p, {"cake": 5})


def test_summary_explains_members_and_unmet_needs(milk):
    text = split_order(milk, time_limit=LIMIT).summary()
    assert "smallest fill ratio 0.750" in text
    assert "late" in text and "(availability)" in text


def test_baselines_are_costed_like_ours(milk):
    for a in (first_come_first_served(milk), proportional_rounding(milk)):
        assert a.is_feasible()
        assert sum(m.total_cents for m in a.members) + a.shared_stock_cents == a.total_cost_cents


def test_violations_catch_a_broken_plan(milk):
    from purchasing.allocation import evaluate

    bad = evaluate(milk, {"milk": 1}, {("n1", "milk"): Decimal(7)}, method="x", status="heuristic")
    assert any("7 units handed out, 6 bought" in v for v in bad.violations())
    assert not bad.is_feasible()


def test_leximin_option_keeps_bounds_and_the_floor(milk):
    plain = split_order(milk, time_limit=LIMIT)
    levelled = split_order(milk, time_limit=LIMIT, leximin=True)
    assert levelled.is_feasible() and levelled.method == "leximin fair"
    assert levelled.min_fill_ratio == pytest.approx(plain.min_fill_ratio)


def _nothing_to_be_had() -> Problem:
    return Problem(
        [Supplier("farm", minimum_order_cents=0)],
        [Offer("milk", "farm", "UHT milk", ((1, 600),), pack_size=Decimal(6), packs_available=0)],
        [Member("a"), Member("b")],
        [Need("a", "milk", 8), Need("b", "milk", 4)],
    )


@pytest.mark.parametrize("solver", available_solvers())
def test_nothing_can_be_supplied_gives_the_empty_plan_with_its_reason(solver):
    a = split_order(_nothing_to_be_had(), time_limit=LIMIT, solver=solver)
    assert a.offers == [] and a.is_feasible()
    assert [(n.total, n.reason) for n in a.needs] == [(0, Reason.AVAILABILITY)] * 2


def _scarce(units: int) -> Problem:
    return Problem(
        [Supplier("s")],
        [Offer("water", "s", "Water", ((1, 30),), packs_available=units)],
        [Member("a"), Member("b"), Member("c", weight=Decimal(3))],
        [Need(m, "water", units) for m in ("a", "b", "c")],
    )


def test_a_scarce_cycle_of_a_billion_units_is_split_fairly_within_its_time_limit():
    start = time.process_time()
    a = split_order(_scarce(10**9), time_limit=5)
    assert time.process_time() - start < 5
    assert a.is_feasible() and a.min_fill_ratio >= 0.333
    assert sum(n.total for n in a.needs) >= 10**9 - 1


def test_a_plan_the_branch_and_bound_proves_optimal_is_reported_optimal():
    # 1000 bottles for three needs of 1000: the LP bound is 1/3, the best whole split 333/1000
    a = split_order(_scarce(1000), time_limit=LIMIT, solver="highs")
    assert a.min_fill_ratio == 0.333
    assert a.status == "optimal" and a.gap <= 1e-4
    assert "branch and bound" in a.stages["min_fill_ratio"]["proof"]
    assert a.objectives["bound_min_fill_ratio"] == pytest.approx(0.333)
    published = allocation_to_dict(a)["stages"]["min_fill_ratio"]
    assert published["status"] == "optimal" and published["gap"] == "0.000000"


def test_the_reported_fill_ratio_is_that_of_the_plan_rounded_to_grams():
    p = Problem(
        [Supplier("s")],
        [Offer("apples", "s", "Apples", ((1, 1800),), unit="kg", pack_size=Decimal(10),
               divisible=True, packs_available=1)],
        [Member("a"), Member("b"), Member("c")],
        [Need(m, "apples", Decimal(7)) for m in "abc"],
    )
    a = split_order(p, time_limit=LIMIT)
    assert all(n.total == n.total.quantize(Decimal("0.001")) for n in a.needs)
    assert a.objectives["min_fill_ratio"] == a.min_fill_ratio


def test_the_generator_makes_small_cycles_too():
    from bench.purchasing_gen import generate

    for offers in (1, 2, 5, 23):
        p = generate(4, offers, seed=1)
        assert len(p.offers) == offers


def test_a_need_held_back_by_its_budget_at_list_prices_names_the_budget():
    # the group reaches the 5.00 tier, but budgets are counted at the 10.00 list price
    p = Problem(
        [Supplier("s")],
        [Offer("oil", "s", "Oil", ((1, 1000), (2, 500)))],
        [Member("a", budget_cents=5000), Member("b")],
        [Need("a", "oil", 10), Need("b", "oil", 10)],
    )
    a = split_order(p, time_limit=LIMIT)
    need = next(n for n in a.needs if n.member_id == "a")
    assert need.total == 4 and need.reason == Reason.BUDGET


def test_bounds_that_only_fail_together_are_explained_naming_members_and_offers():
    p = Problem(
        [Supplier("s")],
        [
            Offer("o1", "s", "Rice", ((1, 600),), pack_size=Decimal(6), packs_available=1),
            Offer("o2", "s", "Rice", ((1, 600),), pack_size=Decimal(6), packs_available=1),
        ],
        [Member("a"), Member("b")],
        [Need("a", ("o1", "o2"), 10, 10), Need("b", ("o1", "o2"), 10, 10)],
    )
    for solver in available_solvers():
        with pytest.raises(InfeasibleProblem) as err:
            split_order(p, time_limit=LIMIT, solver=solver)
        (reason,) = err.value.reasons
        assert "members a, b" in reason and "o1, o2" in reason


def test_fee_key_weights_are_published_exactly_so_shares_can_be_rebuilt_to_the_cent():
    from fractions import Fraction

    from purchasing import apportion

    # values per unit of 1/3 cent: a weight of 1000/3 has no exact decimal
    p = Problem(
        [Supplier("s", 0, None, 1000)],
        [Offer("eggs", "s", "Eggs", ((1, 100),), pack_size=Decimal(3))],
        [Member("a"), Member("b"), Member("c")],
        [Need("a", "eggs", 10), Need("b", "eggs", 1), Need("c", "eggs", 10)],
        fee_key="value",
        transport_cents=1001,
    )
    d = allocation_to_dict(split_order(p, time_limit=LIMIT))
    weights = d["fee_key"]["weights"]
    assert weights["a"] == "1000/3"
    ids = list(weights)
    rebuilt = apportion(1001, [Fraction(weights[k]) for k in ids])
    assert rebuilt == [int(Decimal(m["transport_share"]) * 100) for m in d["members"]]


def test_under_a_tiny_time_limit_the_plan_is_complete_and_each_stage_names_its_proof():
    from bench.purchasing_gen import generate

    a = split_order(generate(60, 40, seed=3), time_limit=0.3)
    assert a.is_feasible()
    for stage in a.stages.values():
        assert stage["proof"]
        if stage["proof"] == "time limit reached before this stage":
            assert stage["status"] == "feasible" and stage["gap"] == 1.0

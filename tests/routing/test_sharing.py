from decimal import Decimal
from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purchasing import apportion
from routing import (
    SharingError,
    Stop,
    StopKind,
    blocking_coalitions,
    in_core,
    least_core,
    nucleolus,
    plan_routes,
    proportional_to_standalone,
    restrict_plan,
    shapley_value,
    share_costs,
    sharing,
)

from ._problems import problem, three_members, van, w

# Published example (LINDO's SHAPLEY model), see shared DOMAIN.md.
A, B, C = "A", "B", "C"
GAME = {
    frozenset({A}): 88,
    frozenset({B}): 92,
    frozenset({C}): 70,
    frozenset({A, B}): 100,
    frozenset({A, C}): 119,
    frozenset({B, C}): 112,
    frozenset({A, B, C}): 120,
}


def test_shapley_matches_the_published_three_member_example():
    value = shapley_value(GAME)
    assert value == {A: Fraction("41.5"), B: Fraction(40), C: Fraction("38.5")}


def test_proportional_to_standalone_matches_the_published_example():
    value = proportional_to_standalone(GAME)
    assert value == {A: Fraction("42.24"), B: Fraction("44.16"), C: Fraction("33.60")}


def test_both_published_allocations_are_in_the_core():
    assert in_core(GAME, shapley_value(GAME))
    assert in_core(GAME, proportional_to_standalone(GAME))


def test_an_allocation_that_overcharges_a_pair_is_not_in_the_core():
    unfair = {A: 60, B: 45, C: 15}  # A and B together pay 105 > c(AB) = 100
    assert not in_core(GAME, unfair)
    assert frozenset({A, B}) in blocking_coalitions(GAME, unfair)


def test_core_requires_covering_the_whole_cost():
    assert not in_core(GAME, {A: 40, B: 40, C: 38})


def test_shapley_shares_in_cents_sum_exactly_to_the_total():
    value = shapley_value({k: v * 100 for k, v in GAME.items()})
    parts = apportion(12000, [value[A], value[B], value[C]])
    assert parts == [4150, 4000, 3850]


def test_decimal_costs_are_accepted():
    game = {k: Decimal(v) / 3 for k, v in GAME.items()}
    assert sum(shapley_value(game).values()) == Fraction(Decimal(120) / 3)


def test_missing_coalition_is_a_clear_error():
    game = dict(GAME)
    del game[frozenset({A, C})]
    with pytest.raises(SharingError, match="coalition"):
        shapley_value(game)


@given(st.lists(st.integers(0, 10_000), min_size=7, max_size=7))
def test_shapley_is_efficient_and_symmetric_players_pay_alike(costs):
    players = ("x", "y", "z")
    coalitions = [frozenset(c) for k in (1, 2, 3) for c in combinations(players, k)]
    game = dict(zip(coalitions, costs, strict=False))
    value = shapley_value(game)
    assert sum(value.values()) == game[frozenset(players)]
    # dummy-free check of symmetry: make y and z interchangeable
    sym = dict(game)
    sym[frozenset({"z"})] = sym[frozenset({"y"})]
    sym[frozenset({"x", "z"})] = sym[frozenset({"x", "y"})]
    v = shapley_value(sym)
    assert v["y"] == v["z"]


@pytest.fixture(scope="module")
def planned():
    problem = three_members()
    return problem, plan_routes(problem, time_limit=1, max_iterations=300)


@pytest.mark.parametrize("method", ["shapley", "proportional_standalone", "by_load", "equal"])
def test_every_method_splits_the_plan_cost_to_the_cent(planned, method):
    problem, plan = planned
    shares = share_costs(problem, plan, method, max_iterations=200)
    assert sum(m.share_cents for m in shares.members) == plan.cost_cents
    assert {m.member for m in shares.members} == {"m1", "m2", "m3"}
    # Shapley needs every coalition; the other rules only the stand-alone costs and c(N)
    assert shares.exact and len(shares.coalition_costs) == (7 if method == "shapley" else 4)
    for m in shares.members:
        assert m.standalone_cents == shares.coalition_costs[frozenset({m.member})]
        assert m.saving_cents == m.standalone_cents - m.share_cents
    assert shares.individually_rational == all(
        m.share_cents <= m.standalone_cents for m in shares.members
    )
    assert shares.in_core in ((True, False) if method == "shapley" else (None,))


def test_pooling_saves_compared_with_everyone_alone(planned):
    problem, plan = planned
    value = sharing.pooling_value(problem, plan, max_iterations=200)
    assert set(value.standalone) == {"m1", "m2", "m3"}
    assert value.pooled_cents == plan.cost_cents
    assert value.saved_cents == value.standalone_cents - plan.cost_cents
    assert value.saved_cents > 0  # three fixed vehicle costs alone vs at most two pooled


def test_by_load_charges_more_to_the_member_whose_goods_travel_more(planned):
    problem, plan = planned
    shares = share_costs(problem, plan, "by_load", max_iterations=200)
    by_member = {m.member: m for m in shares.members}
    heavier = max(by_member.values(), key=lambda m: m.ton_km)
    assert heavier.share_cents == max(m.share_cents for m in shares.members)


def test_beyond_the_exact_limit_shapley_is_sampled_with_standard_errors(planned, monkeypatch):
    problem, plan = planned
    monkeypatch.setattr(sharing, "EXACT_SHAPLEY_LIMIT", 2)
    shares = share_costs(problem, plan, "shapley", max_iterations=200, samples=8, seed=3)
    assert not shares.exact and shares.in_core is None
    assert all(m.std_error_cents is not None for m in shares.members)
    assert sum(m.share_cents for m in shares.members) == plan.cost_cents
    again = share_costs(problem, plan, "shapley", max_iterations=200, samples=8, seed=3)
    assert [m.share_cents for m in again.members] == [m.share_cents for m in shares.members]


def test_unknown_method_and_memberless_stops_are_refused(planned):
    problem, plan = planned
    with pytest.raises(SharingError, match="unknown sharing method"):
        share_costs(problem, plan, "by_weather")
    from dataclasses import replace

    anonymous = problem.with_stops(replace(s, member=None) for s in problem.stops)
    with pytest.raises(SharingError, match="no member"):
        share_costs(anonymous, plan, "equal")


def test_proportional_to_standalone_solves_only_the_stand_alone_coalitions(planned):
    problem, plan = planned
    game = sharing.CoalitionCosts(problem, plan, max_iterations=200)
    share_costs(problem, plan, "proportional_standalone", coalition_costs=game)
    assert game.solves == 3 and len(game.known()) == 1 + 1 + 3  # the empty and grand coalitions


def test_optional_stops_count_their_forgone_value_so_nobody_pays_more_than_alone():
    """An optional stop served by the pooled plan but not worth a trip alone: its member's
    stand-alone cost includes the value it would forgo, and its share stays below it."""
    stops = [
        Stop("p1", StopKind.PICKUP, "A", 200, 1, w("08:00", "16:00"), 600, member="m1"),
        Stop("d1", StopKind.DELIVERY, "F", 150, 1, w("08:00", "16:00"), 600, member="m1"),
        Stop("o2", StopKind.DELIVERY, "C", 100, 1, w("08:00", "16:00"), 300, member="m2",
             optional=True, prize_cents=1500),
        Stop("p3", StopKind.PICKUP, "B", 100, 1, w("08:00", "16:00"), 300, member="m3"),
    ]
    p = problem(stops, [van("V1")])
    plan = plan_routes(p, time_limit=1, max_iterations=300)
    assert "o2" in plan.served  # on the way to F, it costs almost nothing pooled
    for method in ("shapley", "proportional_standalone"):
        shares = share_costs(p, plan, method, max_iterations=200)
        alone = {m.member: m.standalone_cents for m in shares.members}
        # alone, m2's stop is not worth the van's fixed cost: it forgoes the stop's value
        assert alone["m2"] == 1500
        assert shares.individually_rational, shares.summary()
        assert all(m.saving_cents >= 0 for m in shares.members)


def test_a_coalition_never_costs_more_than_a_larger_one_restricted_to_it(planned):
    """Solver noise cannot make a coalition dearer than a superset's routes driven for it, and
    the shares are the same on a re-solve with the same seed."""
    problem, plan = planned
    game = sharing.CoalitionCosts(problem, plan, max_iterations=30)
    costs = game.game()
    for s, c in costs.items():
        for t in costs:
            if s < t:
                restricted = restrict_plan(problem.restricted_to(s), game._plans[t])
                assert restricted.is_feasible()
                assert c <= restricted.cost_cents
    first = share_costs(problem, plan, "shapley", max_iterations=30, seed=4)
    again = share_costs(problem, plan, "shapley", max_iterations=30, seed=4)
    assert [m.share_cents for m in first.members] == [m.share_cents for m in again.members]


# c(1) = c(2) = c(3) = c(12) = c(13) = 6, c(23) = c(N) = 12: the core is the single point (0, 6, 6)
OUTSIDE = {
    frozenset("1"): 6,
    frozenset("2"): 6,
    frozenset("3"): 6,
    frozenset("12"): 6,
    frozenset("13"): 6,
    frozenset("23"): 12,
    frozenset("123"): 12,
}


def test_the_nucleolus_is_in_the_core_where_the_shapley_value_is_not():
    value = shapley_value(OUTSIDE)
    assert value == {"1": 2, "2": 5, "3": 5}
    assert blocking_coalitions(OUTSIDE, value) == [frozenset("12"), frozenset("13")]
    nuc = nucleolus(OUTSIDE)
    assert {p: round(float(v), 6) for p, v in nuc.items()} == {"1": 0, "2": 6, "3": 6}
    assert sum(nuc.values()) == 12 and in_core(OUTSIDE, {p: round(v) for p, v in nuc.items()})
    assert least_core(OUTSIDE) == 0


def test_the_nucleolus_of_the_published_example_is_in_its_core_and_symmetric_games_split_equally():
    nuc = nucleolus(GAME)
    assert sum(nuc.values()) == 120 and in_core(GAME, nuc)
    # its least-saving coalition saves as much as any core point can (the least-core value)
    eps = least_core(GAME)
    least = min(GAME[s] - sum(nuc[p] for p in s) for s in GAME if len(s) < 3)
    assert least == pytest.approx(float(eps), abs=1e-4)
    sym = {frozenset(s): {1: 10, 2: 15, 3: 18}[len(s)] for s in ("x", "y", "z", "xy", "xz", "yz", "xyz")}
    assert {p: round(float(v), 6) for p, v in nucleolus(sym).items()} == {"x": 6, "y": 6, "z": 6}


@given(st.lists(st.integers(0, 50), min_size=7, max_size=7))
def test_the_nucleolus_is_in_the_core_whenever_the_core_is_not_empty(extra):
    """Random subadditive 3-player games: whenever some allocation is in the core (least-core
    value ≥ 0), the nucleolus is one."""
    single = {p: 40 + e for p, e in zip("abc", extra[:3], strict=False)}
    game = {frozenset(p): single[p] for p in "abc"}
    for k, pair in enumerate(("ab", "ac", "bc")):
        game[frozenset(pair)] = min(single[pair[0]] + single[pair[1]], 50 + extra[3 + k])
    splits = (("ab", "c"), ("ac", "b"), ("bc", "a"))
    game[frozenset("abc")] = min(min(game[frozenset(p)] + single[q] for p, q in splits), 70 + extra[6])
    nuc = nucleolus(game)
    assert sum(nuc.values()) == game[frozenset("abc")]
    if least_core(game) >= 0:
        assert all(sum(nuc[p] for p in s) <= game[s] + Fraction(1, 1000) for s in game)


def test_shapley_outside_the_core_is_replaced_by_the_nucleolus_with_the_blocking_groups_shown(planned, monkeypatch):
    problem, plan = planned
    members = sharing.CoalitionCosts(problem, plan, max_iterations=50).members
    mapping = dict(zip("123", members, strict=True))
    # the solver's game, replaced by one whose Shapley value is outside the core
    scaled = {frozenset(mapping[p] for p in s): c * plan.cost_cents // 12 for s, c in OUTSIDE.items()}
    scaled[frozenset(members)] = plan.cost_cents
    monkeypatch.setattr(sharing.CoalitionCosts, "game", lambda self: scaled)
    monkeypatch.setattr(sharing.CoalitionCosts, "solved", lambda self, s: (scaled[frozenset(s)], 0))
    shares = share_costs(problem, plan, "shapley")
    assert shares.method == "nucleolus" and shares.in_core
    one, two, three = (mapping[p] for p in "123")
    assert set(shares.shapley_blocking) == {frozenset({one, two}), frozenset({one, three})}
    assert "outside the core" in shares.notes[0]
    from routing.jsonio import shares_to_dict

    shown = shares_to_dict(shares)
    assert len(shown["coalitions"]) == 7 and shown["shapley_blocking_coalitions"]


def test_a_sampled_shapley_share_has_an_error_bound_even_when_its_samples_agree():
    """40 members, the farthest sets the cost (1000 for one, 500 for the others): a 500-member
    pays only when it comes first, so a few orders often show it a zero marginal every time.
    Its standard error then reads 0, yet the bound still covers the exact value (12.50)."""
    members = tuple(f"m{i:02d}" for i in range(40))
    far = {m: (1000 if m == "m00" else 500) for m in members}
    exact = {m: (Fraction(1025, 2) if m == "m00" else Fraction(25, 2)) for m in members}

    def cost(coalition):
        return max(far[m] for m in coalition)

    value, err, bound = sharing._sampled_shapley(cost, members, 16, 7, far)
    zero_error = [m for m in members if err[m] == 0 and value[m] != exact[m]]
    assert zero_error  # the trap: samples that agree but are wrong
    for m in members:
        assert abs(value[m] - exact[m]) <= bound[m]
        assert bound[m] > 0


def test_pooled_vs_alone_per_member_in_km_cost_and_co2():
    """Each member's part of the pooled plan follows what it pays; the parts sum to the pooled
    km, cost and CO2, and alone each member emits at its vehicles' factor."""
    from dataclasses import replace

    base = three_members()
    p = replace(base, vehicles=tuple(replace(v, co2_g_per_km=300) for v in base.vehicles))
    plan = plan_routes(p, time_limit=1, max_iterations=300)
    game = sharing.CoalitionCosts(p, plan, max_iterations=200)
    shares = share_costs(p, plan, "shapley", coalition_costs=game)
    value = sharing.pooling_value(p, plan, coalition_costs=game, shares=shares)
    assert value.pooled_co2_g == sum((r.metres * 300 + 500) // 1000 for r in plan.routes)
    assert sum(part[0] for part in value.pooled_part.values()) == plan.metres
    assert sum(part[2] for part in value.pooled_part.values()) == value.pooled_co2_g
    for m in shares.members:
        metres, cents, grams = value.pooled_part[m.member]
        assert cents == m.share_cents
        assert value.standalone_co2_g[m.member] == pytest.approx(value.standalone[m.member][0] * 0.3, abs=3)
    assert value.saved_co2_g > 0
    from routing.jsonio import pooling_to_dict

    shown = pooling_to_dict(value)["members"]["m1"]
    assert set(shown) >= {"km", "cost", "co2_kg", "pooled", "saved"}

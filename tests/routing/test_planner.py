import time
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import (
    GraphNetwork,
    Plan,
    PlanCheckError,
    Problem,
    Stop,
    StopKind,
    UnservedReason,
    check_plan,
    parse_time,
    plan_routes,
    require_feasible,
)
from routing.demo import demo_problem

from ._problems import DAY, SITES, problem, three_members, van, w

FAST = dict(time_limit=1, max_iterations=300)


def visit_of(plan: Plan, stop_id: str, action: str | None = None):
    for r in plan.routes:
        for i, v in enumerate(r.visits):
            if v.stop_id == stop_id and (action is None or v.action == action):
                return r, i, v
    raise AssertionError(f"{stop_id} not visited")


def test_a_plan_serves_every_stop_within_windows_and_capacities():
    p = three_members()
    plan = plan_routes(p, **FAST)
    assert plan.is_feasible() and check_plan(p, plan) == []
    assert sorted(plan.served) == sorted(s.id for s in p.stops)
    assert not plan.unserved
    for r in plan.routes:
        vehicle = p.vehicle(r.vehicle_id)
        assert r.visits[0].site == "WH" and r.visits[-1].site == "WH"
        assert r.cost_cents == vehicle.cost_cents(r.metres, r.seconds)
        for v in r.visits:
            assert v.load_kg <= vehicle.capacity_kg and v.load_pallets <= vehicle.capacity_pallets
            if v.stop_id:
                s = p.stop(v.stop_id)
                assert s.window[0] <= v.start_s <= s.window[1]
                assert v.arrival_s <= v.start_s < v.departure_s
    assert plan.cost_cents == sum(r.cost_cents for r in plan.routes)


def test_deliveries_leave_loaded_and_pickups_come_back():
    p = problem(
        [
            Stop("d", StopKind.DELIVERY, "C", 300, 1),
            Stop("p", StopKind.PICKUP, "D", 200, 1),
        ]
    )
    plan = plan_routes(p, **FAST)
    (route,) = plan.routes
    assert route.visits[0].load_kg == 300
    _, _, d = visit_of(plan, "d")
    _, _, pk = visit_of(plan, "p")
    assert route.visits[-2].load_kg in (200, 0)
    assert {d.action, pk.action} == {"delivery", "pickup"}


def test_a_transfer_is_loaded_before_it_is_unloaded_on_the_same_vehicle():
    p = problem(
        [
            Stop(
                "t",
                StopKind.TRANSFER,
                "A",
                300,
                2,
                w("08:00", "10:00"),
                300,
                to_site="E",
                to_window=w("09:00", "12:00"),
                to_service_s=300,
            ),
            Stop("d", StopKind.DELIVERY, "C", 100),
        ],
        [van("V1"), van("V2")],
    )
    plan = plan_routes(p, **FAST)
    assert plan.is_feasible()
    r1, i1, load = visit_of(plan, "t", "load")
    r2, i2, unload = visit_of(plan, "t", "unload")
    assert r1 is r2 and i1 < i2
    assert load.site == "A" and unload.site == "E"
    assert load.load_kg - r1.visits[i1 - 1].load_kg == 300


def test_chilled_stops_ride_only_in_chilled_vehicles():
    p = problem(
        [Stop(f"c{i}", StopKind.DELIVERY, s, 100, chilled=True) for i, s in enumerate("CDE")]
        + [Stop("dry", StopKind.DELIVERY, "F", 100)],
        [van("DRY", fixed_cost_cents=0), van("COLD", chilled=True, fixed_cost_cents=9000)],
    )
    plan = plan_routes(p, **FAST)
    assert plan.is_feasible() and not plan.unserved
    for sid in ("c0", "c1", "c2"):
        assert visit_of(plan, sid)[0].vehicle_id == "COLD"


def test_a_vehicle_makes_several_trips_when_one_load_is_not_enough():
    p = problem(
        [Stop(f"d{i}", StopKind.DELIVERY, s, 400, 1) for i, s in enumerate("CDEF")],
        [van("SMALL", capacity_kg=800, max_trips=2)],
        reload_s=600,
    )
    plan = plan_routes(p, **FAST)
    assert plan.is_feasible() and not plan.unserved
    (route,) = plan.routes
    assert route.num_trips == 2
    reload = next(v for v in route.visits if v.action == "reload")
    assert reload.site == "WH" and reload.departure_s - reload.start_s >= 600
    assert reload.load_kg == 800


def test_bad_stops_are_reported_with_their_reason_and_the_rest_is_planned():
    p = problem(
        [
            Stop("ok", StopKind.DELIVERY, "C", 100),
            Stop("heavy", StopKind.DELIVERY, "D", 5000),
            Stop("cold", StopKind.DELIVERY, "E", 50, chilled=True),
            Stop("late", StopKind.DELIVERY, "F", 50, window=w("19:00", "20:00")),
        ],
    )
    plan = plan_routes(p, **FAST)
    reasons = {u.stop_id: u.reason for u in plan.unserved}
    assert reasons == {
        "heavy": UnservedReason.OVER_CAPACITY,
        "cold": UnservedReason.NO_CHILLED_VEHICLE,
        "late": UnservedReason.WINDOW_IMPOSSIBLE,
    }
    assert plan.served == ("ok",)
    assert all(u.detail for u in plan.unserved)
    assert check_plan(p, plan) == []


def test_a_stop_on_a_disconnected_road_is_unreachable():
    coords = {s.id: (s.lat, s.lon) for s in SITES}
    edges = [("WH", "A", 1500, 50), ("A", "C", 5000, 50), ("WH", "D", 7000, 70)]
    # E and F sit on their own island of road.
    edges.append(("E", "F", 20000, 80))
    net = GraphNetwork.from_edges(coords, edges)
    p = Problem(
        DAY,
        "WH",
        SITES,
        (van(),),
        (
            Stop("c", StopKind.DELIVERY, "C", 100),
            Stop("e", StopKind.DELIVERY, "E", 100),
        ),
        net,
    )
    plan = plan_routes(p, **FAST)
    assert plan.served == ("c",)
    (u,) = plan.unserved
    assert u.stop_id == "e" and u.reason is UnservedReason.UNREACHABLE
    assert "E" in u.detail
    assert plan.routes[0].metres == 2 * 6500  # WH-A-C and back along the roads


def test_when_the_fleet_cannot_take_everything_the_rest_is_still_planned():
    stops = [Stop(f"d{i}", StopKind.DELIVERY, s, 600, 1) for i, s in enumerate("CDEF")]
    p = problem(stops, [van("ONE", capacity_kg=1000)])  # one trip, 1000 kg: one stop fits
    plan = plan_routes(p, **FAST)
    assert plan.is_feasible()
    assert len(plan.served) == 1
    assert {u.reason for u in plan.unserved} == {UnservedReason.NO_ROOM}


def test_optional_stops_are_served_only_when_worth_their_cost():
    far = Stop("far", StopKind.PICKUP, "F", 100, optional=True, prize_cents=1)
    p = problem([Stop("near", StopKind.DELIVERY, "A", 100), far])
    plan = plan_routes(p, **FAST)
    assert [(u.stop_id, u.reason) for u in plan.unserved] == [
        ("far", UnservedReason.OPTIONAL_DROPPED)
    ]
    rich = p.with_stops([p.stops[0], replace(far, prize_cents=100_000)])
    assert "far" in plan_routes(rich, **FAST).served


def test_the_same_seed_and_iteration_budget_give_the_same_plan():
    p = three_members()
    a = plan_routes(p, time_limit=5, max_iterations=200, seed=7)
    b = plan_routes(p, time_limit=5, max_iterations=200, seed=7)
    assert [r.visits for r in a.routes] == [r.visits for r in b.routes]


def test_progress_reports_elapsed_time_and_best_cost():
    calls = []
    p = three_members()
    plan = plan_routes(p, time_limit=0.6, progress=lambda t, c: calls.append((t, c)))
    assert calls and all(t >= 0 and c > 0 for t, c in calls)
    assert calls[-1][1] == pytest.approx(plan.cost_cents, rel=0.01)


def test_the_checker_catches_a_tampered_plan():
    p = three_members()
    plan = plan_routes(p, **FAST)
    route = plan.routes[0]
    i = next(k for k, v in enumerate(route.visits) if v.stop_id)
    v = route.visits[i]
    late = replace(v, start_s=v.start_s + 12 * 3600, departure_s=v.departure_s + 12 * 3600)
    bad = replace(
        plan,
        routes=(replace(route, visits=route.visits[:i] + (late,) + route.visits[i + 1 :]),)
        + plan.routes[1:],
    )
    assert any("outside" in m for m in check_plan(p, bad))
    heavy = p.with_stops(replace(s, kg=s.kg * 10) if s.id == v.stop_id else s for s in p.stops)
    assert any("capacity" in m or "load" in m for m in check_plan(heavy, plan))
    missing = replace(plan, routes=plan.routes[1:])
    assert any("neither served nor reported" in m for m in check_plan(p, missing))
    with pytest.raises(PlanCheckError, match="neither served nor reported"):
        require_feasible(p, missing)
    assert require_feasible(p, plan) is plan


def test_the_demo_day_plans_fast_and_serves_everyone():
    p = demo_problem()
    assert len([s for s in p.stops if s.kind is StopKind.PICKUP]) == 8
    assert len([s for s in p.stops if s.kind is StopKind.DELIVERY]) == 6
    assert len(p.vehicles) == 3
    started = time.perf_counter()
    plan = plan_routes(p, time_limit=1.5)
    assert time.perf_counter() - started < 3
    assert plan.is_feasible() and not plan.unserved
    assert visit_of(plan, "T1")[0].vehicle_id == "FRIGO-8"


@settings(max_examples=12, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["pickup", "delivery", "transfer"]),
            st.sampled_from("ABCDEF"),
            st.sampled_from("ABCDEF"),
            st.integers(0, 1500),
            st.integers(0, 8),
            st.integers(6, 20),
            st.integers(0, 6),
            st.booleans(),
            st.booleans(),
        ),
        min_size=1,
        max_size=7,
    ),
    st.booleans(),
)
def test_any_day_is_planned_or_explained_never_crashes(rows, chilled_van):
    stops = []
    for i, (kind, a, b, kg, pallets, opens, hours, chilled, optional) in enumerate(rows):
        if kind == "transfer" and a == b:
            kind = "pickup"
        window = (opens * 3600, min(opens + hours, 48) * 3600)
        extra = dict(to_site=b, to_window=window) if kind == "transfer" else {}
        stops.append(
            Stop(
                f"s{i}",
                kind,
                a,
                kg,
                pallets,
                window,
                600,
                chilled=chilled,
                optional=optional,
                prize_cents=5000 if optional else 0,
                **extra,
            )
        )
    p = problem(stops, [van("V1", max_trips=2), van("V2", chilled=chilled_van, capacity_kg=700)])
    plan = plan_routes(p, time_limit=1, max_iterations=100)
    assert check_plan(p, plan) == []
    assert sorted(plan.served + tuple(u.stop_id for u in plan.unserved)) == sorted(
        s.id for s in stops
    )


def test_a_vehicle_may_start_from_its_own_garage():
    p = problem(
        [Stop("d", StopKind.DELIVERY, "C", 100), Stop("p", StopKind.PICKUP, "E", 100)],
        [van("HOME", start_site="F")],
    )
    plan = plan_routes(p, **FAST)
    (route,) = plan.routes
    assert route.visits[0].site == "F" and route.visits[-1].site == "WH"
    assert plan.is_feasible() and not plan.unserved


def test_no_visit_is_planned_during_a_lunch_closure():
    """A site open 08:00-08:30 and 14:00-17:00 is served in one of its slots, never at noon,
    and the checker refuses a visit made while it is closed."""
    morning_only_reachable_late = [
        Stop(
            f"d{i}",
            StopKind.DELIVERY,
            site,
            100,
            1,
            service_s=600,
            windows=(w("08:00", "08:30"), w("14:00", "17:00")),
            member="m1",
        )
        for i, site in enumerate(("C", "D", "E", "F"))
    ]
    p = problem(morning_only_reachable_late, [van("V1", shift=w("10:00", "17:00"))])
    plan = plan_routes(p, **FAST)
    assert plan.is_feasible() and not plan.unserved
    for stop in p.stops:
        _, _, v = visit_of(plan, stop.id)
        assert parse_time("14:00") <= v.start_s <= parse_time("17:00")
    # the same route moved into the closure is refused by the checker
    route = plan.routes[0]
    shifted = replace(
        route,
        visits=tuple(
            replace(v, start_s=parse_time("12:30"), arrival_s=parse_time("12:30"),
                    departure_s=parse_time("12:40")) if v.stop_id == "d0" else v
            for v in route.visits
        ),
    )
    broken = check_plan(p, replace(plan, routes=(shifted,)))
    assert any("outside its opening hours" in b for b in broken)


def test_a_stop_whose_slots_have_all_closed_is_reported_not_planned():
    late = Stop("d", StopKind.DELIVERY, "C", 100, 1, windows=(w("07:00", "08:00"), w("09:00", "09:30")))
    plan = plan_routes(problem([late], [van("V1", shift=w("10:00", "17:00"))]), **FAST)
    assert not plan.routes and plan.unserved[0].reason is UnservedReason.WINDOW_IMPOSSIBLE

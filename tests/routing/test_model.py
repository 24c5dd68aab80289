import datetime as dt

import pytest

from routing import Problem, ProblemError, Site, Stop, StopKind, Vehicle, format_time, parse_time

from ._problems import DAY, SITES, problem, van, w


def test_times_of_day_read_and_print():
    assert parse_time("08:30") == 30600
    assert parse_time("7:05:30") == 7 * 3600 + 5 * 60 + 30
    assert format_time(30600) == "08:30"
    for bad in ("8h30", "08:75", "", True):
        with pytest.raises(ProblemError):
            parse_time(bad)


def test_vehicle_cost_is_exact_cents_from_km_and_hours():
    v = van(cost_per_km_cents=45, cost_per_hour_cents=2200, fixed_cost_cents=3000)
    # 12.345 km x 0.45 + 1.5 h x 22 + 30 = 5.55525 + 33 + 30 = 68.55525 -> 68.56
    assert v.cost_cents(12345, 5400) == 6856
    assert v.cost_cents(0, 0) == 3000


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Stop("s", "teleport", "A", 10), "kind must be one of"),
        (lambda: Stop("s", StopKind.DELIVERY, "A", -1), "kg must not be negative"),
        (lambda: Stop("s", StopKind.DELIVERY, "A", 10, window=w("12:00", "09:00")), "window"),
        (lambda: Stop("s", StopKind.TRANSFER, "A", 10), "needs a to_site"),
        (lambda: Stop("s", StopKind.PICKUP, "A", 10, to_site="B"), "only a transfer"),
        (lambda: Stop("s", StopKind.PICKUP, "A", 10, prize_cents=500), "optional"),
        (lambda: Stop("s", StopKind.PICKUP, "A", 2.5), "integer"),
        (lambda: Vehicle("v", 100, 1, max_trips=0), "max_trips"),
        (lambda: Vehicle("v", 100, 1, shift=(0, 3 * 86400)), "window"),
        (lambda: Site("x", 95.0, 5.0), "lat"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(make, message):
    with pytest.raises(ProblemError, match=message):
        make()


def test_problem_checks_references_and_unique_ids():
    ok = Stop("s", StopKind.DELIVERY, "A", 10)
    with pytest.raises(ProblemError, match="unknown site 'Z'"):
        problem([Stop("s", StopKind.DELIVERY, "Z", 10)])
    with pytest.raises(ProblemError, match="repeated: s"):
        problem([ok, ok])
    with pytest.raises(ProblemError, match="warehouse itself"):
        problem([Stop("s", StopKind.DELIVERY, "WH", 10)])
    with pytest.raises(ProblemError, match="not among the sites"):
        Problem(DAY, "NOPE", SITES, (van(),), (ok,))
    with pytest.raises(ProblemError, match="unknown site"):
        problem([ok], [van(start_site="Q")])
    with pytest.raises(ProblemError, match="day must be a date"):
        Problem("2026-03-12", "WH", SITES, (van(),), (ok,))


def test_coalition_problems_keep_only_their_members_stops():
    p = problem(
        [
            Stop("a", StopKind.DELIVERY, "A", 10, member="m1"),
            Stop("b", StopKind.DELIVERY, "B", 10, member="m2"),
        ]
    )
    _ = p.matrices
    sub = p.restricted_to({"m2"})
    assert [s.id for s in sub.stops] == ["b"]
    assert sub.matrices is p.matrices
    assert p.members == ("m1", "m2")
    assert sub.day == dt.date(2026, 3, 12)

"""Small planning problems for the routing tests (a few stops around Aubagne)."""

from __future__ import annotations

import datetime as dt

from routing import GreatCircleNetwork, Problem, Site, Stop, StopKind, Vehicle, parse_time

DAY = dt.date(2026, 3, 12)


def w(a: str, b: str) -> tuple[int, int]:
    return (parse_time(a), parse_time(b))


SITES = (
    Site("WH", 43.2905, 5.5930, "Warehouse"),
    Site("A", 43.2868, 5.5781, "Shop A"),
    Site("B", 43.3012, 5.6190, "Shop B"),
    Site("C", 43.2841, 5.5268, "Member C"),
    Site("D", 43.3465, 5.6021, "Member D"),
    Site("E", 43.2772, 5.6985, "Member E"),
    Site("F", 43.2985, 5.4386, "Member F"),
)


def van(id: str = "VAN", **kw) -> Vehicle:
    args = dict(
        capacity_kg=1000,
        capacity_pallets=6,
        shift=w("07:00", "17:00"),
        cost_per_km_cents=40,
        cost_per_hour_cents=2000,
        fixed_cost_cents=2000,
    )
    args.update(kw)
    return Vehicle(id, **args)


def problem(stops, vehicles=None, **kw) -> Problem:
    return Problem(
        DAY,
        "WH",
        SITES,
        tuple(vehicles or (van(),)),
        tuple(stops),
        GreatCircleNetwork(1.3, 40.0),
        **kw,
    )


def three_members() -> Problem:
    return problem(
        [
            Stop("p1", StopKind.PICKUP, "A", 200, 1, w("08:00", "11:00"), 600, member="m1"),
            Stop("d1", StopKind.DELIVERY, "C", 150, 1, w("09:00", "16:00"), 600, member="m1"),
            Stop("p2", StopKind.PICKUP, "B", 300, 2, w("08:00", "11:00"), 600, member="m2"),
            Stop("d2", StopKind.DELIVERY, "D", 100, 1, w("09:00", "16:00"), 600, member="m2"),
            Stop("d3", StopKind.DELIVERY, "E", 250, 1, w("09:00", "16:00"), 600, member="m3"),
            Stop("d4", StopKind.DELIVERY, "F", 120, 1, w("09:00", "16:00"), 600, member="m3"),
        ],
        [van("V1"), van("V2", capacity_kg=600, capacity_pallets=3)],
    )

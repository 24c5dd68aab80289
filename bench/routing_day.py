"""A realistic pooled day, generated: 12 members with 14 distribution points, 24 supermarkets,
57 stops (pickups with lunch closures, deliveries, chilled transfers, a few optional stops),
6 vehicles. Then the plan and its cost shares, timed (wall and CPU).

    python bench/routing_day.py [--members 12] [--time-limit 30] [--method shapley] [--samples 64]

Prints one JSON line per run (and writes bench/out/routing_day.json).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import routing  # noqa: E402
from routing import Problem, Site, Stop, Vehicle, parse_time  # noqa: E402
from routing.sharing import CoalitionCosts, pooling_value, share_costs  # noqa: E402


def w(a: str, b: str) -> tuple[int, int]:
    return (parse_time(a), parse_time(b))


def generate_day(members: int = 12, stops: int = 57, seed: int = 0) -> Problem:
    """Sites in a 25 x 20 km area around Aubagne; supermarkets open 08:30-12:00 and
    14:00-19:00 (lunch closure), distribution points 09:00-12:30 and 14:00-17:00."""
    rng = random.Random(seed)

    def point() -> tuple[float, float]:
        return 43.22 + rng.random() * 0.18, 5.42 + rng.random() * 0.30

    sites = [Site("WH", 43.2905, 5.5930, "Entrepôt")]
    shops = [Site(f"SM{i:02d}", *point(), f"Supermarché {i}") for i in range(24)]
    points = [Site(f"DP{i:02d}", *point(), f"Point {i}") for i in range(max(14, members + 2))]
    sites += shops + points
    names = [f"M{i:02d}" for i in range(members)]
    owner = {p.id: names[i % members] for i, p in enumerate(points)}
    shop_slots = (w("08:30", "12:00"), w("14:00", "19:00"))
    point_slots = (w("09:00", "12:30"), w("14:00", "17:00"))
    out = []
    for k in range(stops):
        member = names[k % members]
        if k % 19 == 18:  # a chilled transfer from a shop straight to a point
            dst = rng.choice([p for p in points if owner[p.id] == member])
            out.append(Stop(f"T{k}", "transfer", rng.choice(shops).id, 120, 1, service_s=600,
                            chilled=True, member=member, windows=shop_slots, to_site=dst.id,
                            to_windows=point_slots, to_service_s=600))
        elif k % 2 == 0:
            optional = k % 10 == 4
            out.append(Stop(f"P{k}", "pickup", rng.choice(shops).id, rng.randint(80, 320), rng.randint(0, 2),
                            service_s=600, chilled=k % 4 == 0, member=member, windows=shop_slots,
                            optional=optional, prize_cents=2500 if optional else 0))
        else:
            dst = rng.choice([p for p in points if owner[p.id] == member])
            out.append(Stop(f"D{k}", "delivery", dst.id, rng.randint(80, 400), rng.randint(0, 2),
                            service_s=600, member=member, windows=point_slots))
    vehicles = [
        Vehicle(f"FRIGO-{i}", 1200, 6, chilled=True, shift=w("07:00", "18:00"), cost_per_km_cents=55,
                cost_per_hour_cents=2200, fixed_cost_cents=4500, max_trips=3, co2_g_per_km=650)
        for i in range(2)
    ] + [
        Vehicle(f"VAN-{i}", 1000, 5, shift=w("07:00", "18:00"), cost_per_km_cents=40,
                cost_per_hour_cents=2200, fixed_cost_cents=3000, max_trips=3, co2_g_per_km=250)
        for i in range(4)
    ]
    return Problem(dt.date(2026, 12, 1), "WH", tuple(sites), tuple(vehicles), tuple(out), reload_s=900)


def run(members: int, time_limit: float, method: str, samples: int, seed: int) -> dict:
    problem = generate_day(members, seed=seed)
    wall, cpu = time.perf_counter(), time.process_time()
    deadline = time.monotonic() + time_limit
    plan = routing.plan_routes(problem, time_limit=time_limit * 0.4, seed=seed)
    t_plan = time.perf_counter() - wall
    game = CoalitionCosts(problem, plan, seed=seed, deadline=deadline)
    shares = share_costs(problem, plan, method, coalition_costs=game, samples=samples, seed=seed)
    pooling = pooling_value(problem, plan, coalition_costs=game, shares=shares)
    out = {
        "members": members,
        "stops": len(problem.stops),
        "method": shares.method,
        "exact": shares.exact,
        "time_limit_s": time_limit,
        "plan_s": round(t_plan, 2),
        "wall_s": round(time.perf_counter() - wall, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
        "cost": plan.cost_cents / 100,
        "unserved": len(plan.unserved),
        "coalitions": len(game.known()) - 1,
        "own_solves": game.solves,
        "in_core": shares.in_core,
        "individually_rational": shares.individually_rational,
        "max_error_bound": max((m.error_bound_cents or 0) for m in shares.members) / 100,
        "saved_cost": pooling.saved_cents / 100,
        "saved_co2_kg": pooling.saved_co2_g / 1000,
    }
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, nargs="+", default=[12])
    ap.add_argument("--time-limit", type=float, default=30)
    ap.add_argument("--method", default="shapley")
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    results = []
    for n in args.members:
        r = run(n, args.time_limit, args.method, args.samples, args.seed)
        print(json.dumps(r), flush=True)
        results.append(r)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "routing_day.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()

"""Route planner benchmark: gap to best-known on the shared public instances, side by side with
raw PyVRP (same engine without our adapter) and OR-Tools (guided local search), at the same
time limit and one thread each; then the demo day and its exact 8-member Shapley split.

    python bench/routing_bench.py [--time-limit 10] [--seed 0] [--only NAME ...] [--skip-ortools]

Prints a Markdown table and writes bench/out/routing_bench.json. Solvers run one after the other.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:  # before routing: purchasing loads HiGHS, whose symbols clash with the copy inside OR-Tools
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # noqa: E402
except ImportError:  # the bench extra is not installed: --skip-ortools
    pywrapcp = routing_enums_pb2 = None

from routing import read_lilim, read_solomon, read_vrplib, solve_file  # noqa: E402
from routing.solver import RoutingModel, SolvedRoute, SolverResult, Step  # noqa: E402

# the public instances with best-known solutions: LOGIPOOL_BENCH_INSTANCES, else the workplace's
# shared folder beside the checkout
INSTANCES = Path(os.environ.get("LOGIPOOL_BENCH_INSTANCES") or ROOT.parent / "shared" / "bench" / "instances")
FAMILIES = (
    ("CVRP", "cvrp", "*.vrp", "vrplib", 1),
    ("VRPTW", "vrptw", "*.txt", "solomon", 10),
    ("PDPTW", "pdptw", "*.txt", "lilim", 1000),
)
READERS = {"vrplib": read_vrplib, "solomon": read_solomon, "lilim": read_lilim}


def best_known(sol: Path, scale: int) -> float:
    for line in sol.read_text().splitlines():
        if line.lower().startswith("cost"):
            value = float(line.split()[1])
            # Li & Lim references are written x 1000; CVRPLIB and Solomon in file units.
            return value / 1000 if scale == 1000 else value
    raise ValueError(f"no Cost line in {sol}")


def raw_pyvrp(
    path: Path, fmt: str, time_limit: float, seed: int, iterations: int | None = None
) -> float | None:
    """PyVRP straight from its own reader (or, for Solomon, from ProblemData built by hand)."""
    import pyvrp
    from pyvrp.stop import MaxIterations, MaxRuntime

    if fmt == "vrplib":
        data, scale = pyvrp.read(path, round_func="round"), 1
    elif fmt == "lilim":
        data, scale = pyvrp.read(path.with_suffix(".vrp"), round_func="exact"), 1000
    else:
        data, scale = _solomon_data(path), 10
    stop = MaxIterations(iterations) if iterations else MaxRuntime(time_limit)
    result = pyvrp.solve(data, stop, seed=seed, collect_stats=False)
    return result.cost() / scale if result.is_feasible() else None


def _solomon_data(path: Path):
    import numpy as np
    import vrplib
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType

    inst = vrplib.read_instance(str(path), instance_format="solomon")
    xy = np.asarray(inst["node_coord"], dtype=float)
    dist = (10 * np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))).astype(np.int64)
    tw = np.asarray(inst["time_window"], dtype=np.int64) * 10
    service = np.asarray(inst["service_time"], dtype=np.int64) * 10
    demand = np.asarray(inst["demand"], dtype=np.int64)
    return ProblemData(
        locations=[Location(x=float(x), y=float(y)) for x, y in xy],
        clients=[
            Client(
                location=i,
                delivery=[int(demand[i])],
                service_duration=int(service[i]),
                tw_early=int(tw[i, 0]),
                tw_late=int(tw[i, 1]),
            )
            for i in range(1, len(xy))
        ],
        depots=[Depot(location=0)],
        vehicle_types=[
            VehicleType(
                int(inst["vehicles"]),
                capacity=[int(inst["capacity"])],
                tw_early=int(tw[0, 0]),
                tw_late=int(tw[0, 1]),
            )
        ],
        distance_matrices=[dist],
        duration_matrices=[dist],
    )


class ORToolsSolver:
    """OR-Tools routing behind our Solver interface (single depot, one trip per vehicle):
    capacities, time windows, pickup-and-delivery pairs; guided local search."""

    def solve(
        self,
        model: RoutingModel,
        *,
        time_limit: float,
        seed: int = 0,
        max_iterations=None,
        progress=None,
    ) -> SolverResult:
        started = time.perf_counter()
        n = model.num_locations
        dist = model.distances[0].astype(int).tolist()
        dur = model.durations[0].astype(int).tolist()
        (vt,) = model.vehicles
        count = vt.count
        if count >= n - 1:  # "unbounded" CVRP fleet: many idle vehicles only slow OR-Tools down
            demand = sum(j.delivery[0] for j in model.jobs)
            count = math.ceil(1.2 * math.ceil(demand / vt.capacity[0])) + 2
        manager = pywrapcp.RoutingIndexManager(n, count, 0)
        routing = pywrapcp.RoutingModel(manager)
        node = manager.IndexToNode

        arc = routing.RegisterTransitCallback(lambda i, j: dist[node(i)][node(j)])
        routing.SetArcCostEvaluatorOfAllVehicles(arc)

        delta = [0] * n
        service = [0] * n
        windows = {}
        for j in model.jobs:
            delta[j.location] = j.delivery[0] if j.delivery else 0
            service[j.location] = j.service
            windows[j.location] = (j.tw_early, j.tw_late)
        for p in model.paired_jobs:
            delta[p.pickup_location], delta[p.delivery_location] = p.amount[0], -p.amount[0]
            service[p.pickup_location], service[p.delivery_location] = (
                p.pickup_service,
                p.delivery_service,
            )
            windows[p.pickup_location], windows[p.delivery_location] = p.pickup_tw, p.delivery_tw
        load = routing.RegisterUnaryTransitCallback(lambda i: delta[node(i)])
        routing.AddDimension(load, 0, vt.capacity[0], True, "load")
        timed = (
            bool(windows)
            and any(w != (0, int(vt.tw_late)) for w in windows.values())
            and vt.tw_late < 2**62
        )
        if timed:
            horizon = int(vt.tw_late)
            transit = routing.RegisterTransitCallback(
                lambda i, j: service[node(i)] + dur[node(i)][node(j)]
            )
            routing.AddDimension(transit, horizon, horizon, False, "time")
            tdim = routing.GetDimensionOrDie("time")
            for loc, (a, b) in windows.items():
                tdim.CumulVar(manager.NodeToIndex(loc)).SetRange(int(a), int(b))
            for v in range(count):
                tdim.CumulVar(routing.Start(v)).SetRange(int(vt.tw_early), horizon)
                tdim.CumulVar(routing.End(v)).SetRange(int(vt.tw_early), horizon)
        for p in model.paired_jobs:
            a, b = manager.NodeToIndex(p.pickup_location), manager.NodeToIndex(p.delivery_location)
            routing.AddPickupAndDelivery(a, b)
            routing.solver().Add(routing.VehicleVar(a) == routing.VehicleVar(b))
            if timed:
                routing.solver().Add(tdim.CumulVar(a) <= tdim.CumulVar(b))

        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
            if model.paired_jobs or timed
            else routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
        )
        params.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        params.time_limit.FromMilliseconds(int(time_limit * 1000))
        solution = routing.SolveWithParameters(params)
        if solution is None:
            return SolverResult((), -1, False, time.perf_counter() - started)
        routes, total = [], 0
        for v in range(count):
            idx, steps, prev, metres = routing.Start(v), [], 0, 0
            idx = solution.Value(routing.NextVar(idx))
            while not routing.IsEnd(idx):
                loc = node(idx)
                steps.append(Step("job", -1, loc, 0, 0, 0))
                metres += dist[prev][loc]
                prev = loc
                idx = solution.Value(routing.NextVar(idx))
            if steps:
                metres += dist[prev][0]
                total += metres
                routes.append(SolvedRoute(0, tuple(steps), metres, 0))
        return SolverResult(tuple(routes), total, True, time.perf_counter() - started)


def ortools_cost(path: Path, fmt: str, time_limit: float, seed: int) -> float | None:
    inst = READERS[fmt](path)
    result = ORToolsSolver().solve(inst.model, time_limit=time_limit, seed=seed)
    return result.objective / inst.scale if result.feasible else None


def gap(cost: float | None, bks: float) -> float | None:
    return None if cost is None else 100 * (cost - bks) / bks


def demo_numbers(seed: int) -> dict:
    from routing import plan_routes, share_costs
    from routing.demo import demo_problem
    from routing.sharing import CoalitionCosts

    problem = demo_problem()
    started = time.perf_counter()
    plan = plan_routes(problem, time_limit=2.0, seed=seed)
    plan_s = time.perf_counter() - started
    long_plan = plan_routes(problem, time_limit=10.0, seed=seed)
    started = time.perf_counter()
    game = CoalitionCosts(problem, plan, seed=seed)
    shares = share_costs(problem, plan, "shapley", coalition_costs=game)
    shapley_s = time.perf_counter() - started
    return {
        "plan_seconds": round(plan_s, 2),
        "plan_cost_cents": plan.cost_cents,
        "plan_km": round(plan.metres / 1000, 1),
        "plan_routes": len(plan.routes),
        "unserved": len(plan.unserved),
        "feasible": plan.is_feasible(),
        "cost_cents_at_10s": long_plan.cost_cents,
        "shapley_members": len(shares.members),
        "shapley_seconds": round(shapley_s, 1),
        "shapley_coalitions": len(shares.coalition_costs),
        "shapley_in_core": shares.in_core,
        "shapley_individually_rational": shares.individually_rational,
        "shares_cents": {m.member: m.share_cents for m in shares.members},
        "standalone_cents": {m.member: m.standalone_cents for m in shares.members},
    }


def equal_iterations(iterations: int, seed: int, only) -> list[dict]:
    """Adapter overhead without timing noise: same seed, same iteration budget, both paths."""
    from routing.solver import PyVRPSolver

    rows = []
    for _family, folder, pattern, fmt, _scale in FAMILIES:
        for path in sorted((INSTANCES / folder).glob(pattern)):
            if only and path.stem not in only:
                continue
            inst = READERS[fmt](path)
            started = time.perf_counter()
            ours = PyVRPSolver().solve(
                inst.model, time_limit=1e6, seed=seed, max_iterations=iterations
            )
            ours_s = time.perf_counter() - started
            started = time.perf_counter()
            raw = raw_pyvrp(path, fmt, 1e6, seed, iterations)
            raw_s = time.perf_counter() - started
            row = {
                "instance": path.stem,
                "iterations": iterations,
                "logipool": ours.objective / inst.scale,
                "pyvrp": raw,
                "logipool_s": round(ours_s, 2),
                "pyvrp_s": round(raw_s, 2),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--skip-ortools", action="store_true")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument(
        "--equal-iterations", type=int, default=0, help="only compare adapter vs raw PyVRP"
    )
    args = parser.parse_args()
    if not INSTANCES.is_dir():
        sys.exit(f"no benchmark instances in {INSTANCES}: set LOGIPOOL_BENCH_INSTANCES to the folder holding "
                 "cvrp/, vrptw/ and pdptw/")
    if args.equal_iterations:
        rows = equal_iterations(args.equal_iterations, args.seed, args.only)
        out = ROOT / "bench" / "out"
        out.mkdir(parents=True, exist_ok=True)
        (out / "routing_equal_iterations.json").write_text(json.dumps(rows, indent=1))
        return

    rows = []
    for family, folder, pattern, fmt, scale in FAMILIES:
        for path in sorted((INSTANCES / folder).glob(pattern)):
            if args.only and path.stem not in args.only:
                continue
            bks = best_known(path.with_suffix(".sol"), scale)
            ours = solve_file(path, fmt, args.time_limit, args.seed)
            raw = raw_pyvrp(path, fmt, args.time_limit, args.seed)
            ort = None if args.skip_ortools else ortools_cost(path, fmt, args.time_limit, args.seed)
            row = {
                "family": family,
                "instance": path.stem,
                "bks": bks,
                "logipool": ours["cost"],
                "pyvrp": raw,
                "ortools": ort,
                "gap_logipool": gap(ours["cost"], bks),
                "gap_pyvrp": gap(raw, bks),
                "gap_ortools": gap(ort, bks),
                "routes": len(ours["routes"]),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)

    def fmt_gap(g):
        return "n/a" if g is None else f"{g:.2f} %"

    lines = [
        "| family | instance | BKS | logipool | gap | raw PyVRP | gap | OR-Tools | gap |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['family']} | {r['instance']} | {r['bks']:.10g} | {r['logipool']:.10g} | "
            f"{fmt_gap(r['gap_logipool'])} | {r['pyvrp'] if r['pyvrp'] is not None else 'n/a'} | "
            f"{fmt_gap(r['gap_pyvrp'])} | {r['ortools'] if r['ortools'] is not None else 'n/a'} | "
            f"{fmt_gap(r['gap_ortools'])} |"
        )
    means = {}
    for family, *_ in FAMILIES:
        fam = [r for r in rows if r["family"] == family]
        if not fam:
            continue
        m = {}
        for key in ("gap_logipool", "gap_pyvrp", "gap_ortools"):
            vals = [r[key] for r in fam]
            m[key] = None if any(v is None for v in vals) else sum(vals) / len(vals)
        means[family] = m
        lines.append(
            f"| **{family} mean** | {len(fam)} files | | | **{fmt_gap(m['gap_logipool'])}** | | "
            f"**{fmt_gap(m['gap_pyvrp'])}** | | **{fmt_gap(m['gap_ortools'])}** |"
        )
    print("\n".join(lines))

    demo = None if args.skip_demo else demo_numbers(args.seed)
    if demo:
        print(json.dumps(demo, indent=1))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "routing_bench.json").write_text(
        json.dumps(
            {
                "python": platform.python_version(),
                "time_limit": args.time_limit,
                "seed": args.seed,
                "rows": rows,
                "means": means,
                "demo": demo,
                "table": lines,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()

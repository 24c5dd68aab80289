"""``python -m routing solve FILE``: one function for the command line, the web app's CLI and
the benchmarks, so all three read files and report results the same way."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .exceptions import FormatError, RoutingError
from .readers import read_lilim, read_solomon, read_vrplib
from .solver import PyVRPSolver, Solver

FORMATS = ("vrplib", "solomon", "lilim", "json")
_READERS = {"vrplib": read_vrplib, "solomon": read_solomon, "lilim": read_lilim}


def guess_format(path: str | Path) -> str:
    """By extension, then first line: Li & Lim text starts ``vehicles capacity speed``."""
    path = Path(path)
    if path.suffix == ".json":
        return "json"
    if path.suffix == ".vrp":
        return "vrplib"
    try:
        first = path.read_text().lstrip().split("\n", 1)[0].split()
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc})") from None
    return "lilim" if len(first) == 3 and all(x.isdigit() for x in first) else "solomon"


def solve_file(
    path: str | Path,
    format: str | None = None,
    time_limit: float = 10.0,
    seed: int = 0,
    solver: Solver | None = None,
) -> dict:
    """Solve a benchmark file or a JSON problem. Always returns ``cost``, ``routes`` and
    ``seconds``. For benchmarks, routes list the file's client numbers (depot excluded, 1..n in
    file order, as in CVRPLIB .sol files) and ``cost`` is in the file's distance units under its
    convention; for JSON, routes list stop numbers (1..n in the file's order) and ``cost`` is
    a decimal string in euros, with the full ``plan`` beside it."""
    format = format or guess_format(path)
    if format not in FORMATS:
        raise FormatError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    started = time.perf_counter()
    if format == "json":
        from .jsonio import load_problem, plan_to_dict
        from .planner import plan_routes

        problem = load_problem(path)
        plan = plan_routes(problem, time_limit=time_limit, seed=seed, solver=solver)
        number = {s.id: i + 1 for i, s in enumerate(problem.stops)}
        out = plan_to_dict(plan)
        return {
            "name": Path(path).stem,
            "format": format,
            "cost": out["cost"],
            "routes": [
                [number[v["stop"]] for v in r["visits"] if v["stop"] is not None]
                for r in out["routes"]
            ],
            "seconds": round(time.perf_counter() - started, 3),
            "feasible": plan.is_feasible(),
            "plan": out,
        }
    instance = _READERS[format](path)
    result = (solver or PyVRPSolver()).solve(instance.model, time_limit=time_limit, seed=seed)
    routes = [[s.location for s in r.steps if s.kind != "depot"] for r in result.routes]
    cost = result.objective / instance.scale if result.feasible else None
    return {
        "name": instance.name,
        "format": format,
        "cost": int(cost) if cost is not None and instance.scale == 1 else cost,
        "routes": routes,
        "seconds": round(time.perf_counter() - started, 3),
        "feasible": result.feasible,
        "iterations": result.iterations,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m routing", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    solve = sub.add_parser("solve", help="solve a benchmark file or a JSON problem, print JSON")
    solve.add_argument("file")
    solve.add_argument("--format", choices=FORMATS, default=None, help="default: guessed")
    solve.add_argument("--time-limit", type=float, default=10.0, help="seconds (default 10)")
    solve.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        result = solve_file(args.file, args.format, args.time_limit, args.seed)
    except RoutingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, indent=1, ensure_ascii=False)
    print()
    return 0

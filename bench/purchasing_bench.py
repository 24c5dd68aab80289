"""Benchmark: first come first served, proportional rounding and the max-min fair split.

Each (instance, method) runs in its own process so that peak memory (max RSS, which counts the
solver's native memory too) belongs to that method alone. Prints a Markdown table.

    .venv/bin/python bench/purchasing_bench.py                 # 200x150 (10 s) and 1000x300 (60 s)
    .venv/bin/python bench/purchasing_bench.py --sizes 200x150 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMITS = {"200x150": 10.0, "1000x300": 60.0}
METHODS = ("fcfs", "proportional", "ours", "ours-leximin")


def run_one(
    size: str, seed: int, method: str, time_limit: float, gap: float, budgets: bool = True
) -> dict:
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    from purchasing_gen import generate

    from purchasing import NoPlanError, first_come_first_served, proportional_rounding, split_order

    members, offers = (int(x) for x in size.split("x"))
    problem = generate(members, offers, seed, budgets=budgets)
    start = time.perf_counter()
    cpu_start = time.process_time()
    try:
        if method == "fcfs":
            a = first_come_first_served(problem)
        elif method == "proportional":
            a = proportional_rounding(problem)
        else:
            a = split_order(
                problem, time_limit=time_limit, gap=gap, leximin=method == "ours-leximin"
            )
    except NoPlanError as exc:
        return {"error": str(exc)[:200], "seconds": time.perf_counter() - start}
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    objectives = a.objectives
    return {
        "needs": len(problem.needs),
        "lines": sum(len(n.offer_ids) for n in problem.needs),
        "min_fill": a.min_fill_ratio,
        "min_fill_uncapped": min(m.fill_ratio for m in a.members if m.budget_cents is None),
        "jain": a.jain_index,
        "leftover": str(a.leftover_units),
        "cost": a.total_cost_cents,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "solver_seconds": a.seconds,
        "status": a.status,
        "gap": a.gap,
        "gaps": [objectives.get(f"gap_{k}") for k in ("min_fill_ratio", "coverage", "cost")],
        "violations": len(a.violations()),
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def fmt_gap(g) -> str:
    return "-" if g is None else f"{g:.2%}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", default=list(LIMITS))
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--gap", type=float, default=0.005)
    parser.add_argument(
        "--one", nargs=3, metavar=("SIZE", "SEED", "METHOD"), help=argparse.SUPPRESS
    )
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--no-budgets", action="store_true", help="drop the members' budget caps")
    args = parser.parse_args()
    if args.one:
        size, seed, method = args.one
        limit = args.time_limit or LIMITS.get(size, 60.0)
        print(json.dumps(run_one(size, int(seed), method, limit, args.gap, not args.no_budgets)))
        return
    print(
        f"python {platform.python_version()}, {platform.machine()}, "
        f"budgets {'off' if args.no_budgets else 'on'}"
    )
    print(
        "| instance | seed | need lines | method | smallest fill | smallest fill, uncapped members "
        "| Jain | leftover units | total cost € | time s | CPU s | status | gap fill / cover / cost "
        "| bound violations | peak MiB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for size in args.sizes:
        for seed in args.seeds:
            for method in args.methods:
                cmd = [
                    sys.executable,
                    __file__,
                    "--one",
                    size,
                    str(seed),
                    method,
                    "--gap",
                    str(args.gap),
                ]
                if args.no_budgets:
                    cmd.append("--no-budgets")
                if args.time_limit:
                    cmd += ["--time-limit", str(args.time_limit)]
                out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
                if out.returncode != 0:
                    print(
                        f"| {size} | {seed} | | {method} "
                        f"| crashed: {out.stderr.strip().splitlines()[-1:]} |"
                    )
                    continue
                r = json.loads(out.stdout)
                if "error" in r:
                    print(
                        f"| {size} | {seed} | | {method} | no plan: {r['error']} "
                        f"| | | | {r['seconds']:.1f} |"
                    )
                    continue
                ours = method.startswith("ours")
                gaps = " / ".join(fmt_gap(g) for g in r["gaps"]) if ours else "-"
                print(
                    f"| {size} | {seed} | {r['lines']} | {method} | {r['min_fill']:.4f} "
                    f"| {r['min_fill_uncapped']:.4f} | {r['jain']:.4f} "
                    f"| {r['leftover']} | {r['cost'] / 100:,.2f} | {r['seconds']:.2f} "
                    f"| {r['cpu_seconds']:.2f} "
                    f"| {r['status']} "
                    f"| {gaps} | {r['violations']} | {r['peak_mib']:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()

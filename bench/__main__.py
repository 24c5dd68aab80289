"""``make bench``: every benchmark in turn; paste their tables into docs/benchmarks.md.

Each one can also be run alone (see its --help). They take about 25 minutes in all on a
2-core machine; run them on an otherwise idle machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ("bookings", ["bookings_bench.py", "--postgres"]),
    ("purchasing", ["purchasing_bench.py", "--sizes", "200x150", "1000x300", "--seeds", "0",
                    "--methods", "fcfs", "proportional", "ours"]),
    ("routing", ["routing_bench.py", "--time-limit", "10", "--seed", "0"]),
    ("invoices", ["invoices_bench.py", "--count", "1000", "--workers", "1", "2", "--runs", "50"]),
    ("billing", ["billing_bench.py", "--members", "1000"]),
    ("pages", ["pages_bench.py", "--runs", "50"]),
    ("matching", ["matching_bench.py", "--lines", "5000", "--invoices", "2000"]),
    ("mail", ["mail_bench.py", "--members", "1000"]),
    ("queue", ["queue_bench.py", "--jobs", "200", "--members", "1000"]),
]


def main() -> int:
    only = set(sys.argv[1:])
    failed = []
    for name, args in RUNS:
        if only and name not in only:
            continue
        print(f"\n===== {name}: python bench/{' '.join(args)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]], cwd=HERE.parent).returncode:
            failed.append(name)
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

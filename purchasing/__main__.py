"""``python -m purchasing split PROBLEM.json [--time-limit S]``: print the JSON allocation."""

from __future__ import annotations

import argparse
import json
import sys

from .exceptions import NoPlanError, PurchasingError
from .jsonio import allocation_to_dict, problem_from_dict
from .solver import split_order


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m purchasing", description="Fair joint-order splitting."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    split = sub.add_parser("split", help="split a joint order given as JSON; print the JSON result")
    split.add_argument("problem", help="problem file (JSON), '-' for standard input")
    split.add_argument("--time-limit", type=float, default=None, help="seconds (default: none)")
    split.add_argument("--solver", choices=("highs", "cbc"), default=None)
    args = parser.parse_args(argv)
    try:
        with sys.stdin if args.problem == "-" else open(args.problem, encoding="utf-8") as fh:
            data = json.load(fh)  # a number with a fraction is refused: money and quantities are strings
    except (OSError, json.JSONDecodeError) as exc:
        print(json.dumps({"error": "unreadable problem", "detail": str(exc)}), file=sys.stderr)
        return 2
    try:
        allocation = split_order(
            problem_from_dict(data), time_limit=args.time_limit, solver=args.solver
        )
    except NoPlanError as exc:
        print(
            json.dumps(
                {"error": type(exc).__name__, "detail": str(exc), "reasons": exc.reasons}, indent=2
            )
        )
        return 1
    except PurchasingError as exc:
        print(
            json.dumps({"error": type(exc).__name__, "detail": str(exc)}, indent=2), file=sys.stderr
        )
        return 2
    print(json.dumps(allocation_to_dict(allocation), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The JSON problem and result formats (documented in docs/routing.md).

Times of day are ``"HH:MM"`` strings, durations whole minutes, money decimal strings in euros
(``"0.45"``), quantities whole kilograms and pallets.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from purchasing import MoneyError, format_cents, to_cents

from .exceptions import FormatError, ProblemError
from .model import DAY_S, Problem, Site, Stop, Vehicle, format_time, parse_time
from .network import GraphNetwork, GreatCircleNetwork, RoadNetwork
from .plan import Plan
from .sharing import CostShares, PoolingValue


def _window(value: Any, what: str) -> tuple[int, int]:
    if value is None:
        return (0, DAY_S)
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ProblemError(f'{what}: a window is a pair like ["08:00", "11:00"]')
    return (parse_time(value[0]), parse_time(value[1]))


def _slots(value: Any, what: str) -> tuple[tuple[int, int], ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise ProblemError(f'{what}: opening slots are a list like [["08:00", "12:00"], ...]')
    return tuple(_window(w, what) for w in value)


def _cents(value: Any, what: str) -> int:
    if value is None:
        return 0
    try:
        return to_cents(str(value) if isinstance(value, int) else value)
    except MoneyError as exc:
        raise ProblemError(f"{what}: {exc}") from None


def _minutes(value: Any, what: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProblemError(f"{what}: minutes must be a non-negative whole number, got {value!r}")
    return value * 60


_GRAPHS: dict[tuple, GraphNetwork] = {}
_GRAPHS_LOCK = threading.Lock()


def _graphml(path: Path, default_speed_kmh: float) -> GraphNetwork:
    """An area's road graph, parsed once per process (again only if the file changes), so the
    request that builds a plan and the solve that follows share it and its path cache."""
    try:
        stat = path.stat()
    except OSError:
        return GraphNetwork.from_graphml(path, default_speed_kmh)  # says why it cannot be read
    key = (str(path), stat.st_mtime_ns, stat.st_size, default_speed_kmh)
    with _GRAPHS_LOCK:
        if key not in _GRAPHS:
            for old in [k for k in _GRAPHS if k[0] == key[0]]:
                del _GRAPHS[old]
            _GRAPHS[key] = GraphNetwork.from_graphml(path, default_speed_kmh)
        return _GRAPHS[key]


def network_from_dict(spec: dict | None, base: Path | None = None) -> RoadNetwork:
    """``great_circle`` (default), ``graphml`` (a file path) or ``edges`` (inline)."""
    spec = spec or {}
    kind = spec.get("kind", "great_circle")
    if kind == "great_circle":
        return GreatCircleNetwork(
            float(spec.get("detour_factor", 1.3)), float(spec.get("speed_kmh", 40))
        )
    if kind == "graphml":
        path = Path(spec["path"])
        if base is not None and not path.is_absolute():
            path = base / path
        return _graphml(path.resolve(), float(spec.get("default_speed_kmh", 40)))
    if kind == "edges":
        nodes = {k: (float(v[0]), float(v[1])) for k, v in spec["nodes"].items()}
        edges = [
            (str(u), str(v), float(length), float(speed)) for u, v, length, speed in spec["edges"]
        ]
        return GraphNetwork.from_edges(nodes, edges, directed=bool(spec.get("directed", False)))
    raise ProblemError(f"unknown network kind {kind!r}; use great_circle, graphml or edges")


def problem_from_dict(data: dict, base: Path | None = None) -> Problem:
    """Build (and so validate) a problem from its JSON form."""
    try:
        sites = tuple(
            Site(
                str(s["id"]),
                s["lat"],
                s["lon"],
                s.get("name", ""),
                s.get("address", ""),
                s.get("contact", ""),
            )
            for s in data["sites"]
        )
        vehicles = tuple(
            Vehicle(
                id=str(v["id"]),
                capacity_kg=v["capacity_kg"],
                capacity_pallets=v.get("capacity_pallets", 0),
                chilled=bool(v.get("chilled", False)),
                start_site=v.get("start_site"),
                end_site=v.get("end_site"),
                shift=_window(v.get("shift"), f"vehicle {v['id']}"),
                cost_per_km_cents=_cents(v.get("cost_per_km"), f"vehicle {v['id']}"),
                cost_per_hour_cents=_cents(v.get("cost_per_hour"), f"vehicle {v['id']}"),
                fixed_cost_cents=_cents(v.get("fixed_cost"), f"vehicle {v['id']}"),
                max_trips=v.get("max_trips", 1),
                co2_g_per_km=v.get("co2_g_per_km", 0),
            )
            for v in data["vehicles"]
        )
        stops = tuple(
            Stop(
                id=str(s["id"]),
                kind=s["kind"],
                site=s["site"],
                kg=s["kg"],
                pallets=s.get("pallets", 0),
                window=_window(s.get("window"), f"stop {s['id']}"),
                service_s=_minutes(s.get("service_min"), f"stop {s['id']}"),
                chilled=bool(s.get("chilled", False)),
                member=s.get("member"),
                optional=bool(s.get("optional", False)),
                prize_cents=_cents(s.get("prize"), f"stop {s['id']}"),
                to_site=s.get("to_site"),
                to_window=_window(s.get("to_window"), f"stop {s['id']}"),
                to_service_s=_minutes(s.get("to_service_min"), f"stop {s['id']}"),
                windows=_slots(s.get("windows"), f"stop {s['id']}"),
                to_windows=_slots(s.get("to_windows"), f"stop {s['id']}"),
            )
            for s in data["stops"]
        )
        day = dt.date.fromisoformat(data["day"])
    except KeyError as exc:
        raise ProblemError(f"missing field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        if isinstance(exc, ProblemError):
            raise
        raise ProblemError(str(exc)) from None
    return Problem(
        day,
        data.get("depot", ""),
        sites,
        vehicles,
        stops,
        network_from_dict(data.get("network"), base),
        reload_s=_minutes(data.get("reload_min"), "reload_min"),
        max_snap_m=data.get("max_snap_m", 2000),
    )


def problem_to_dict(problem: Problem) -> dict:
    """The JSON form of a problem (the network as great-circle settings when it is one)."""
    net = problem.network
    network = (
        {"kind": "great_circle", "detour_factor": net.detour_factor, "speed_kmh": net.speed_kmh}
        if isinstance(net, GreatCircleNetwork)
        else None
    )
    out: dict[str, Any] = {"day": problem.day.isoformat(), "depot": problem.depot}
    if network:
        out["network"] = network
    out["reload_min"] = problem.reload_s // 60
    out["sites"] = [
        {k: v for k, v in vars(s).items() if v != "" or k in ("id",)} for s in problem.sites
    ]
    out["vehicles"] = [
        {
            "id": v.id,
            "capacity_kg": v.capacity_kg,
            "capacity_pallets": v.capacity_pallets,
            "chilled": v.chilled,
            **({"start_site": v.start_site} if v.start_site else {}),
            **({"end_site": v.end_site} if v.end_site else {}),
            "shift": [format_time(v.shift[0]), format_time(v.shift[1])],
            "cost_per_km": format_cents(v.cost_per_km_cents),
            "cost_per_hour": format_cents(v.cost_per_hour_cents),
            "fixed_cost": format_cents(v.fixed_cost_cents),
            "max_trips": v.max_trips,
            "co2_g_per_km": v.co2_g_per_km,
        }
        for v in problem.vehicles
    ]
    stops = []
    for s in problem.stops:
        d: dict[str, Any] = {
            "id": s.id,
            "kind": s.kind.value,
            "site": s.site,
            "kg": s.kg,
            "pallets": s.pallets,
            "window": [format_time(s.window[0]), format_time(s.window[1])],
            "service_min": s.service_s // 60,
        }
        if len(s.windows) > 1:
            d["windows"] = [[format_time(a), format_time(b)] for a, b in s.windows]
        if s.chilled:
            d["chilled"] = True
        if s.member is not None:
            d["member"] = s.member
        if s.optional:
            d["optional"] = True
            d["prize"] = format_cents(s.prize_cents)
        if s.to_site:
            d["to_site"] = s.to_site
            d["to_window"] = [format_time(s.to_window[0]), format_time(s.to_window[1])]
            d["to_service_min"] = s.to_service_s // 60
            if len(s.to_windows) > 1:
                d["to_windows"] = [[format_time(a), format_time(b)] for a, b in s.to_windows]
        stops.append(d)
    out["stops"] = stops
    return out


def plan_to_dict(plan: Plan) -> dict:
    """The JSON result: routes with timed, loaded visits, costs as decimal strings."""
    return {
        "cost": format_cents(plan.cost_cents),
        "cost_cents": plan.cost_cents,
        "km": round(plan.metres / 1000, 3),
        "hours": round(plan.seconds / 3600, 3),
        "feasible": plan.is_feasible(),
        "violations": list(plan.violations),
        "routes": [
            {
                "vehicle": r.vehicle_id,
                "km": round(r.km, 3),
                "hours": round(r.hours, 3),
                "trips": r.num_trips,
                "cost": format_cents(r.cost_cents),
                "visits": [
                    {
                        "site": v.site,
                        "action": v.action,
                        "stop": v.stop_id,
                        "trip": v.trip,
                        "arrival": format_time(v.arrival_s),
                        "start": format_time(v.start_s),
                        "departure": format_time(v.departure_s),
                        "load_kg": v.load_kg,
                        "load_pallets": v.load_pallets,
                        "km_from_start": round(v.metres_from_start / 1000, 3),
                    }
                    for v in r.visits
                ],
            }
            for r in plan.routes
        ],
        "unserved": [
            {"stop": u.stop_id, "reason": u.reason.value, "detail": u.detail} for u in plan.unserved
        ],
    }


def shares_to_dict(shares: CostShares) -> dict:
    return {
        "method": shares.method,
        "total": format_cents(shares.total_cents),
        "exact": shares.exact,
        "individually_rational": shares.individually_rational,
        "in_core": shares.in_core,
        "members": [
            {
                "member": m.member,
                "share": format_cents(m.share_cents),
                "standalone": format_cents(m.standalone_cents),
                "saving": format_cents(m.saving_cents),
                "ton_km": float(round(m.ton_km / 1000, 3)),
                **(
                    {
                        "std_error": format_cents(m.std_error_cents),
                        "error_bound": format_cents(m.error_bound_cents),
                    }
                    if m.std_error_cents is not None
                    else {}
                ),
            }
            for m in shares.members
        ],
        # every coalition's own cost beside what its members pay: anyone can check the core
        "coalitions": [
            {
                "members": sorted(c, key=str),
                "cost": format_cents(cost),
                "paid": format_cents(shares.paid_by(c)),
                "saving": format_cents(cost - shares.paid_by(c)),
            }
            for c, cost in sorted(
                shares.coalition_costs.items(), key=lambda kv: (len(kv[0]), sorted(kv[0], key=str))
            )
        ],
        "blocking_coalitions": [sorted(c, key=str) for c in shares.blocking()],
        "shapley_blocking_coalitions": [sorted(c, key=str) for c in shares.shapley_blocking],
        "notes": list(shares.notes),
    }


def pooling_to_dict(value: PoolingValue) -> dict:
    return {
        "pooled": {
            "km": round(value.pooled_metres / 1000, 3),
            "cost": format_cents(value.pooled_cents),
        },
        "alone": {
            "km": round(value.standalone_metres / 1000, 3),
            "cost": format_cents(value.standalone_cents),
        },
        "saved": {
            "km": round(value.saved_metres / 1000, 3),
            "cost": format_cents(value.saved_cents),
        },
        "co2_kg": {
            "pooled": round(value.pooled_co2_g / 1000, 1),
            "alone": round(sum(value.standalone_co2_g.values()) / 1000, 1),
            "saved": round(value.saved_co2_g / 1000, 1),
        },
        # per member: alone, its part of the pooled plan (what it pays), and what pooling saves
        "members": {
            m: {
                "km": round(metres / 1000, 3),
                "cost": format_cents(cents),
                "co2_kg": round(value.standalone_co2_g.get(m, 0) / 1000, 1),
                **_pooled_part(value, m, metres, cents),
            }
            for m, (metres, cents) in value.standalone.items()
        },
    }


def _pooled_part(value: PoolingValue, member: str, metres: int, cents: int) -> dict:
    if member not in value.pooled_part:
        return {}
    p_metres, p_cents, p_grams = value.pooled_part[member]
    alone_g = value.standalone_co2_g.get(member, 0)
    return {
        "pooled": {
            "km": round(p_metres / 1000, 3),
            "cost": format_cents(p_cents),
            "co2_kg": round(p_grams / 1000, 1),
        },
        "saved": {
            "km": round((metres - p_metres) / 1000, 3),
            "cost": format_cents(cents - p_cents),
            "co2_kg": round((alone_g - p_grams) / 1000, 1),
        },
    }


def load_problem(path: str | Path) -> Problem:
    """Read a JSON problem file; a GraphML path inside it is relative to the file."""
    import json

    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise FormatError(f"{path}: not a JSON problem ({exc})") from None
    if not isinstance(data, dict):
        raise FormatError(f"{path}: a JSON problem is an object")
    return problem_from_dict(data, path.parent)

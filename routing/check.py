"""An independent feasibility checker: it trusts nothing the engine says and recomputes times,
loads and costs from the problem alone. A plan is only returned or stored once it passes here."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from .exceptions import PlanCheckError
from .model import Problem, StopKind, format_time

if TYPE_CHECKING:
    from .plan import Plan, Route

_STOP_ACTIONS = {"pickup", "delivery", "load", "unload"}


def check_plan(problem: Problem, plan: Plan) -> list[str]:
    """Every rule the plan breaks, in words; an empty list means the plan is feasible."""
    out: list[str] = []
    stops = {s.id: s for s in problem.stops}
    counts = Counter(r.vehicle_id for r in plan.routes)
    out += [f"vehicle {v} has {n} routes" for v, n in counts.items() if n > 1]
    served: Counter[str] = Counter()
    for route in plan.routes:
        out += check_route(problem, route)
        for v in route.visits:
            if v.action in ("pickup", "delivery", "load"):
                served[v.stop_id] += 1
    out += [f"stop {s} is served {n} times" for s, n in served.items() if n > 1]
    unserved = {u.stop_id for u in plan.unserved}
    out += [f"stop {s} is both served and unserved" for s in unserved & set(served)]
    out += [f"unserved stop {s} is not in the problem" for s in unserved - set(stops)]
    for sid in stops:
        if sid not in served and sid not in unserved:
            out.append(f"stop {sid} is neither served nor reported unserved")
    return out


def check_route(problem: Problem, route: Route) -> list[str]:
    """The rules one route breaks: sites, order, windows, shift, loads, chilling, km and cost."""
    try:
        vehicle = problem.vehicle(route.vehicle_id)
    except KeyError:
        return [f"route of unknown vehicle {route.vehicle_id}"]
    out: list[str] = []
    name = f"vehicle {vehicle.id}"
    visits = route.visits
    if len(visits) < 2 or visits[0].action != "start" or visits[-1].action != "end":
        return [f"{name}: a route must start and end at a depot"]
    if visits[0].site != problem.start_of(vehicle):
        out.append(f"{name}: starts at {visits[0].site}, not at {problem.start_of(vehicle)}")
    if visits[-1].site != problem.end_of(vehicle):
        out.append(f"{name}: ends at {visits[-1].site}, not at {problem.end_of(vehicle)}")
    reloads = [v for v in visits if v.action == "reload"]
    if any(v.site != problem.depot for v in reloads):
        out.append(f"{name}: reloads away from the warehouse")
    if len(reloads) + 1 > vehicle.max_trips:
        out.append(f"{name}: {len(reloads) + 1} trips, at most {vehicle.max_trips} allowed")
    if visits[0].departure_s < vehicle.shift[0]:
        out.append(f"{name}: leaves at {format_time(visits[0].departure_s)}, before its shift")
    if visits[-1].arrival_s > vehicle.shift[1]:
        out.append(f"{name}: back at {format_time(visits[-1].arrival_s)}, after its shift")

    m = problem.matrices
    idx = problem.site_index
    stops = {s.id: s for s in problem.stops}
    metres = 0
    for prev, cur in zip(visits, visits[1:], strict=False):
        a, b = idx[prev.site], idx[cur.site]
        if not m.reachable(a, b):
            out.append(f"{name}: no road from {prev.site} to {cur.site}")
            continue
        metres += int(m.metres[a, b])
        if cur.arrival_s < prev.departure_s + int(m.seconds[a, b]):
            out.append(
                f"{name}: reaches {cur.site} at {format_time(cur.arrival_s)}, too early to be true"
            )
    if metres != route.metres:
        out.append(f"{name}: {route.metres} m reported, {metres} m driven")

    # Loads: a trip's deliveries are on board when it leaves the depot; transfers stay on board
    # from their loading to their unloading, across depot visits.
    trip_deliveries: list[tuple[int, int]] = []
    for v in visits:
        if v.action in ("start", "reload"):
            trip_deliveries.append((0, 0))
        elif v.action == "delivery" and v.stop_id in stops and trip_deliveries:
            s = stops[v.stop_id]
            kg, pal = trip_deliveries[-1]
            trip_deliveries[-1] = (kg + s.kg, pal + s.pallets)
    trip = -1
    kg = pal = tkg = tpal = 0
    loaded: set[str] = set()
    for v in visits:
        if v.start_s < v.arrival_s or v.departure_s < v.start_s:
            out.append(f"{name}: times at {v.site} are out of order")
        if v.action in ("start", "reload"):
            trip += 1
            kg, pal = tkg + trip_deliveries[trip][0], tpal + trip_deliveries[trip][1]
            if v.action == "reload" and v.departure_s < v.start_s + problem.reload_s:
                out.append(f"{name}: reload at the warehouse shorter than {problem.reload_s} s")
        elif v.action == "end":
            kg, pal = tkg, tpal
            if loaded:
                out.append(f"{name}: ends with transfers {sorted(loaded)} still on board")
        elif v.action in _STOP_ACTIONS:
            stop = stops.get(v.stop_id)
            if stop is None:
                out.append(f"{name}: visits unknown stop {v.stop_id}")
                continue
            expected = {
                StopKind.PICKUP: {"pickup": stop.site},
                StopKind.DELIVERY: {"delivery": stop.site},
                StopKind.TRANSFER: {"load": stop.site, "unload": stop.to_site},
            }[stop.kind]
            if expected.get(v.action) != v.site:
                out.append(
                    f"{name}: stop {stop.id} ({stop.kind.value}) cannot be '{v.action}' at {v.site}"
                )
                continue
            slots = stop.slots_at(v.action)
            service = stop.to_service_s if v.action == "unload" else stop.service_s
            if not any(a <= v.start_s <= b for a, b in slots):
                opening = ", ".join(f"{format_time(a)}-{format_time(b)}" for a, b in slots)
                out.append(
                    f"{name}: stop {stop.id} served at {format_time(v.start_s)}, outside "
                    f"its opening hours {opening}"
                )
            if v.departure_s < v.start_s + service:
                out.append(f"{name}: stop {stop.id} left before its {service} s of service")
            if stop.chilled and not vehicle.chilled:
                out.append(f"{name}: chilled stop {stop.id} on a vehicle that is not chilled")
            if v.action == "pickup":
                kg, pal = kg + stop.kg, pal + stop.pallets
            elif v.action == "delivery":
                kg, pal = kg - stop.kg, pal - stop.pallets
            elif v.action == "load":
                loaded.add(stop.id)
                kg, pal, tkg, tpal = (
                    kg + stop.kg,
                    pal + stop.pallets,
                    tkg + stop.kg,
                    tpal + stop.pallets,
                )
            else:
                if stop.id not in loaded:
                    out.append(f"{name}: transfer {stop.id} delivered before it is picked up")
                loaded.discard(stop.id)
                kg, pal, tkg, tpal = (
                    kg - stop.kg,
                    pal - stop.pallets,
                    tkg - stop.kg,
                    tpal - stop.pallets,
                )
        else:
            out.append(f"{name}: unknown action {v.action!r}")
            continue
        if kg > vehicle.capacity_kg or pal > vehicle.capacity_pallets:
            out.append(f"{name}: {kg} kg / {pal} pallets on board at {v.site}, above capacity")
        if (kg, pal) != (v.load_kg, v.load_pallets):
            out.append(f"{name}: load at {v.site} reported {v.load_kg} kg, really {kg} kg")
    seconds = visits[-1].arrival_s - visits[0].departure_s
    if seconds != route.seconds:
        out.append(f"{name}: {route.seconds} s reported, {seconds} s on the road")
    if vehicle.cost_cents(metres, seconds) != route.cost_cents:
        out.append(
            f"{name}: cost {route.cost_cents} cents reported, "
            f"{vehicle.cost_cents(metres, seconds)} due"
        )
    return out


def require_feasible(problem: Problem, plan: Plan) -> Plan:
    """The plan itself if it passes :func:`check_plan`; otherwise a ``PlanCheckError`` listing
    every broken rule (for callers about to store or execute a plan they did not just make)."""
    broken = check_plan(problem, plan)
    if broken:
        raise PlanCheckError("the plan breaks its problem's rules: " + "; ".join(broken))
    return plan

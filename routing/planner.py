"""Plan a day: screen out stops nobody can serve, compile the rest for the engine, read back a
plan, and let the independent checker confirm it before anyone sees it.

Costs are exact in units of 1/18000 cent (see ``Vehicle.cost_cents``). The engine balances costs
against penalties for broken constraints in its own units, so its rates are divided by a common
step that brings the smallest positive rate to about ``_ENGINE_MIN_RATE``; the plan then reports
the exact cost of the routes found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .check import check_plan, check_route
from .model import Problem, Stop, StopKind, Vehicle, format_time
from .plan import Plan, Route, Unserved, UnservedReason, Visit
from .solver import (
    FORBIDDEN,
    Job,
    JobGroup,
    PairedJob,
    Progress,
    PyVRPSolver,
    RoutingModel,
    Solver,
    SolverResult,
    VehicleSpec,
)

UNITS_PER_CENT = 18_000
_ENGINE_MIN_RATE = 10


@dataclass
class _Compiled:
    model: RoutingModel
    loc_site: list[str]
    job_stop: list[Stop]
    pair_stop: list[Stop]
    seconds: np.ndarray  # base-profile durations between locations
    step: int  # engine cost unit, in 1/18000 cent


def plan_routes(
    problem: Problem,
    *,
    time_limit: float = 1.0,
    seed: int = 0,
    solver: Solver | None = None,
    progress: Progress | None = None,
    max_iterations: int | None = None,
) -> Plan:
    """Plan the day's routes. Never raises for stops that cannot be served: they come back in
    ``Plan.unserved`` with a reason, and everything else is planned. ``progress`` receives
    (elapsed seconds, best cost in cents so far)."""
    solver = solver or PyVRPSolver()
    unserved, candidates = screen_stops(problem)
    if not candidates or not problem.vehicles:
        reason = UnservedReason.NO_ROOM
        unserved += [Unserved(s.id, reason, "no vehicle available") for s in candidates]
        return Plan((), tuple(unserved))

    compiled = _compile(problem, candidates)
    report = None
    if progress is not None:

        def report(elapsed: float, objective: int) -> None:
            progress(elapsed, objective * compiled.step // UNITS_PER_CENT)

    kwargs = dict(time_limit=time_limit, seed=seed, max_iterations=max_iterations, progress=report)
    result = solver.solve(compiled.model, **kwargs)
    seconds = result.seconds
    if not result.feasible or _missing_required(compiled, result):
        relaxed = replace(compiled, model=_relax(compiled.model))
        if max_iterations is not None:
            # Finding *some* feasible selection of stops can take longer than polishing one.
            kwargs["max_iterations"] = 10 * max_iterations
        result = solver.solve(relaxed.model, **kwargs)
        seconds += result.seconds

    routes, served = [], set()
    for solved in result.routes:
        route = _to_route(problem, compiled, solved)
        problems = check_route(problem, route)
        if problems:
            for sid in route.stop_ids:
                unserved.append(Unserved(sid, UnservedReason.NO_ROOM, "; ".join(problems)))
            continue
        routes.append(route)
        served.update(route.stop_ids)
    for stop in candidates:
        if stop.id not in served and not any(u.stop_id == stop.id for u in unserved):
            if stop.optional:
                unserved.append(
                    Unserved(stop.id, UnservedReason.OPTIONAL_DROPPED, "worth less than its cost")
                )
            else:
                unserved.append(
                    Unserved(
                        stop.id,
                        UnservedReason.NO_ROOM,
                        "the fleet's capacity or shifts are used up",
                    )
                )
    order = {s.id: i for i, s in enumerate(problem.stops)}
    unserved.sort(key=lambda u: order[u.stop_id])
    plan = Plan(tuple(routes), tuple(unserved), seconds)
    return replace(plan, violations=tuple(check_plan(problem, plan)))


def earliest_start(slots: tuple[tuple[int, int], ...], arrival: int) -> int | None:
    """When service can start for a vehicle arriving at ``arrival``: in the first slot still
    open, waiting for it to open if need be (``None``: every slot has closed)."""
    for a, b in slots:
        if arrival <= b:
            return max(arrival, a)
    return None


def screen_stops(problem: Problem) -> tuple[list[Unserved], list[Stop]]:
    """Split the stops into those no vehicle could ever serve (with the reason) and the rest."""
    m = problem.matrices
    idx = problem.site_index
    unserved: list[Unserved] = []
    candidates: list[Stop] = []

    def t(a: str, b: str) -> int:
        return int(m.seconds[idx[a], idx[b]])

    for stop in problem.stops:
        sites = stop.sites
        far = [s for s in sites if m.snap_m[idx[s]] > problem.max_snap_m]
        if far:
            unserved.append(
                Unserved(
                    stop.id,
                    UnservedReason.UNREACHABLE,
                    f"site {far[0]} is {m.snap_m[idx[far[0]]]} m from the nearest road",
                )
            )
            continue
        legs = [
            (problem.depot, sites[0]),
            *zip(sites, sites[1:], strict=False),
            (sites[-1], problem.depot),
        ]
        broken = [(a, b) for a, b in legs if not m.reachable(idx[a], idx[b])]
        if broken:
            a, b = broken[0]
            unserved.append(
                Unserved(stop.id, UnservedReason.UNREACHABLE, f"no road from {a} to {b}")
            )
            continue
        eligible = [v for v in problem.vehicles if v.chilled or not stop.chilled]
        if not eligible:
            unserved.append(
                Unserved(stop.id, UnservedReason.NO_CHILLED_VEHICLE, "no chilled vehicle that day")
            )
            continue
        eligible = [
            v for v in eligible if stop.kg <= v.capacity_kg and stop.pallets <= v.capacity_pallets
        ]
        if not eligible:
            unserved.append(
                Unserved(
                    stop.id,
                    UnservedReason.OVER_CAPACITY,
                    f"{stop.kg} kg / {stop.pallets} pallets exceed every suitable vehicle",
                )
            )
            continue

        def fits(v: Vehicle, stop: Stop = stop, sites: tuple[str, ...] = sites) -> bool:
            here = problem.start_of(v)
            if not (
                m.reachable(idx[here], idx[sites[0]])
                and m.reachable(idx[sites[-1]], idx[problem.end_of(v)])
            ):
                return False
            clock = v.shift[0]
            windows = [(stop.windows, stop.service_s)]
            if stop.kind is StopKind.TRANSFER:
                windows.append((stop.to_windows, stop.to_service_s))
            for site, (slots, service) in zip(sites, windows, strict=False):
                clock = earliest_start(slots, clock + t(here, site))
                if clock is None:
                    return False
                clock += service
                here = site
            return clock + t(here, problem.end_of(v)) <= v.shift[1]

        if not any(fits(v) for v in eligible):
            w = stop.window
            unserved.append(
                Unserved(
                    stop.id,
                    UnservedReason.WINDOW_IMPOSSIBLE,
                    f"window {format_time(w[0])}-{format_time(w[1])} cannot be met within any "
                    "suitable vehicle's shift",
                )
            )
            continue
        candidates.append(stop)
    return unserved, candidates


def _compile(problem: Problem, stops: list[Stop]) -> _Compiled:
    depots = [problem.depot]
    for v in problem.vehicles:
        for s in (problem.start_of(v), problem.end_of(v)):
            if s not in depots:
                depots.append(s)
    loc_site = list(depots)
    job_stop, pair_stop, jobs, pairs = [], [], [], []
    groups: list[JobGroup] = []
    chilled_locs = []
    for stop in stops:
        if stop.kind is StopKind.TRANSFER:
            a, b = len(loc_site), len(loc_site) + 1
            loc_site += [stop.site, stop.to_site]
            # The engine has no alternative windows for a paired job: it gets the widest pair
            # of slots that fit together, so it never plans a transfer outside opening hours.
            pickup_tw, delivery_tw = _slot_pair(stop.windows, stop.to_windows)
            pairs.append(
                PairedJob(
                    pickup_location=a,
                    delivery_location=b,
                    amount=(stop.kg, stop.pallets),
                    pickup_service=stop.service_s,
                    pickup_tw=pickup_tw,
                    delivery_service=stop.to_service_s,
                    delivery_tw=delivery_tw,
                    prize=stop.prize_cents * UNITS_PER_CENT,
                    required=not stop.optional,
                )
            )
            pair_stop.append(stop)
            locs = [a, b]
        else:
            # One job per opening slot; several slots form a group of which one is served.
            qty = (stop.kg, stop.pallets)
            group = len(groups) if len(stop.windows) > 1 else None
            locs = []
            for tw_early, tw_late in stop.windows:
                a = len(loc_site)
                loc_site.append(stop.site)
                locs.append(a)
                jobs.append(
                    Job(
                        location=a,
                        delivery=qty if stop.kind is StopKind.DELIVERY else (0, 0),
                        pickup=qty if stop.kind is StopKind.PICKUP else (0, 0),
                        service=stop.service_s,
                        tw_early=tw_early,
                        tw_late=tw_late,
                        prize=stop.prize_cents * UNITS_PER_CENT,
                        required=not stop.optional and group is None,
                        group=group,
                    )
                )
                job_stop.append(stop)
            if group is not None:
                first = len(jobs) - len(locs)
                groups.append(JobGroup(tuple(range(first, len(jobs))), required=not stop.optional))
        if stop.chilled:
            chilled_locs += locs

    m = problem.matrices
    site_ix = np.array([problem.site_index[s] for s in loc_site])
    metres = m.metres[np.ix_(site_ix, site_ix)].copy()
    seconds = m.seconds[np.ix_(site_ix, site_ix)].copy()
    metres[metres < 0] = FORBIDDEN
    seconds[seconds < 0] = FORBIDDEN
    distances, durations = [metres], [seconds]
    plain_profile = 0
    if chilled_locs and any(not v.chilled for v in problem.vehicles):
        d, s = metres.copy(), seconds.copy()
        for k in chilled_locs:
            d[k, :] = d[:, k] = FORBIDDEN
            s[k, :] = s[:, k] = FORBIDDEN
            d[k, k] = s[k, k] = 0
        distances.append(d)
        durations.append(s)
        plain_profile = 1

    rates = [
        r
        for v in problem.vehicles
        for r in (v.cost_per_km_cents * 18, v.cost_per_hour_cents * 5)
        if r
    ]
    no_rates = not rates
    step = max(1, min(rates) // _ENGINE_MIN_RATE) if rates else 1

    def engine(units: int) -> int:
        return (units + step // 2) // step

    vehicles = tuple(
        VehicleSpec(
            count=1,
            capacity=(v.capacity_kg, v.capacity_pallets),
            start_depot=depots.index(problem.start_of(v)),
            end_depot=depots.index(problem.end_of(v)),
            tw_early=v.shift[0],
            tw_late=v.shift[1],
            fixed_cost=engine(v.fixed_cost_cents * UNITS_PER_CENT),
            # Without any rate, distance still decides, so routes are never wasteful.
            unit_distance_cost=1 if no_rates else engine(v.cost_per_km_cents * 18),
            unit_duration_cost=engine(v.cost_per_hour_cents * 5),
            profile=0 if v.chilled else plain_profile,
            reload_depots=(0,) if v.max_trips > 1 else (),
            max_reloads=v.max_trips - 1,
        )
        for v in problem.vehicles
    )
    coords = tuple((problem.site(s).lon, problem.site(s).lat) for s in loc_site)
    depot_service = (problem.reload_s,) + (0,) * (len(depots) - 1)
    model = RoutingModel(
        len(depots),
        tuple(jobs),
        tuple(pairs),
        vehicles,
        tuple(distances),
        tuple(durations),
        depot_service,
        coords,
        tuple(groups),
    )
    model = replace(
        model,
        jobs=tuple(replace(j, prize=engine(j.prize)) for j in model.jobs),
        paired_jobs=tuple(replace(p, prize=engine(p.prize)) for p in model.paired_jobs),
    )
    return _Compiled(model, loc_site, job_stop, pair_stop, seconds, step)


def _slot_pair(
    first: tuple[tuple[int, int], ...], then: tuple[tuple[int, int], ...]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """The pair of slots (loading, unloading) with the most time, the unloading slot closing
    after the loading slot opens (screening has dropped transfers with no such pair)."""
    pairs = [(a, b) for a in first for b in then if b[1] >= a[0]] or [(first[0], then[-1])]
    return max(pairs, key=lambda ab: (ab[0][1] - ab[0][0] + ab[1][1] - ab[1][0], -ab[0][0]))


def _missing_required(compiled: _Compiled, result: SolverResult) -> bool:
    seen_jobs = {s.index for r in result.routes for s in r.steps if s.kind == "job"}
    seen_pairs = {s.index for r in result.routes for s in r.steps if s.kind == "pickup"}
    model = compiled.model
    return (
        any(j.required and k not in seen_jobs for k, j in enumerate(model.jobs))
        or any(p.required and k not in seen_pairs for k, p in enumerate(model.paired_jobs))
        or any(g.required and not seen_jobs.intersection(g.jobs) for g in model.groups)
    )


def _relax(model: RoutingModel) -> RoutingModel:
    """Required stops become optional, each worth ten times a trip made for it alone: the
    engine then serves all it can and leaves out only what does not fit. (A prize far above
    that would make breaking a capacity look cheaper than leaving a stop out.)"""
    d, t = model.distances[0], model.durations[0]
    fixed = max(v.fixed_cost for v in model.vehicles)
    per_m = max(v.unit_distance_cost for v in model.vehicles)
    per_s = max(v.unit_duration_cost for v in model.vehicles)

    def worth(path: list[int], service: int) -> int:
        legs = list(zip([0, *path], [*path, 0], strict=False))
        metres = sum(int(d[a, b]) for a, b in legs)
        seconds = sum(int(t[a, b]) for a, b in legs) + service
        return 10 * (fixed + per_m * metres + per_s * seconds) + 1

    in_required_group = {k for g in model.groups if g.required for k in g.jobs}
    return replace(
        model,
        groups=tuple(replace(g, required=False) for g in model.groups),
        jobs=tuple(
            replace(j, required=False, prize=worth([j.location], j.service))
            if j.required or k in in_required_group
            else j
            for k, j in enumerate(model.jobs)
        ),
        paired_jobs=tuple(
            replace(
                p,
                required=False,
                prize=worth(
                    [p.pickup_location, p.delivery_location], p.pickup_service + p.delivery_service
                ),
            )
            if p.required
            else p
            for p in model.paired_jobs
        ),
    )


def _to_route(problem: Problem, c: _Compiled, solved) -> Route:
    vehicle = problem.vehicles[solved.vehicle]
    metres_m = c.model.distances[0]
    steps = solved.steps
    # Trips are counted here, between depot visits, not taken from the engine.
    trip_of, depots_seen = [], 0
    for i, s in enumerate(steps):
        if s.kind == "depot":
            trip_of.append(depots_seen if i < len(steps) - 1 else depots_seen - 1)
            depots_seen += 1
        else:
            trip_of.append(depots_seen - 1)
    # Deliveries of a trip are loaded at the depot visit that starts it.
    trip_deliveries: dict[int, tuple[int, int]] = {}
    for s, trip in zip(steps, trip_of, strict=False):
        if s.kind == "job" and c.job_stop[s.index].kind is StopKind.DELIVERY:
            kg, pal = trip_deliveries.get(trip, (0, 0))
            stop = c.job_stop[s.index]
            trip_deliveries[trip] = (kg + stop.kg, pal + stop.pallets)
    visits: list[Visit] = []
    kg = pal = 0
    transfers_kg = transfers_pal = 0
    metres = 0
    prev = None
    for i, (s, trip) in enumerate(zip(steps, trip_of, strict=False)):
        site = c.loc_site[s.location]
        if prev is None:
            arrival = s.start
        else:
            metres += int(metres_m[prev.location, s.location])
            arrival = prev.end + int(c.seconds[prev.location, s.location])
        stop_id = None
        if s.kind == "depot":
            action = "start" if i == 0 else ("end" if i == len(steps) - 1 else "reload")
            dkg, dpal = (0, 0) if action == "end" else trip_deliveries.get(trip, (0, 0))
            kg, pal = transfers_kg + dkg, transfers_pal + dpal
        elif s.kind == "job":
            stop = c.job_stop[s.index]
            stop_id, action = stop.id, stop.kind.value
            sign = 1 if stop.kind is StopKind.PICKUP else -1
            kg, pal = kg + sign * stop.kg, pal + sign * stop.pallets
        else:
            stop = c.pair_stop[s.index]
            stop_id = stop.id
            sign = 1 if s.kind == "pickup" else -1
            action = "load" if sign > 0 else "unload"
            kg, pal = kg + sign * stop.kg, pal + sign * stop.pallets
            transfers_kg += sign * stop.kg
            transfers_pal += sign * stop.pallets
        visits.append(
            Visit(
                site, action, stop_id, trip, arrival, max(s.start, arrival), s.end, kg, pal, metres
            )
        )
        prev = s
    seconds = visits[-1].arrival_s - visits[0].departure_s
    return Route(vehicle.id, tuple(visits), metres, seconds, vehicle.cost_cents(metres, seconds))


def restrict_plan(problem: Problem, plan: Plan) -> Plan:
    """``plan`` driven for ``problem``'s stops only (a coalition's stops within a larger plan):
    the other stops are skipped, each route leaves as late as its first remaining stop allows and
    is re-timed, re-loaded and re-costed, then checked. With travel times that obey the triangle
    inequality it is never longer nor costlier than the original; a route that no longer checks
    is dropped with its stops reported unserved."""
    keep = {s.id for s in problem.stops}
    routes, served = [], set()
    for route in plan.routes:
        visits = [v for v in route.visits if v.stop_id is None or v.stop_id in keep]
        if not any(v.stop_id for v in visits):
            continue
        retimed = _retime(problem, route.vehicle_id, visits)
        if retimed is not None and not check_route(problem, retimed):
            routes.append(retimed)
            served.update(retimed.stop_ids)
    unserved = [
        Unserved(
            s.id,
            UnservedReason.OPTIONAL_DROPPED if s.optional else UnservedReason.NO_ROOM,
            "not served by the plan restricted to these stops",
        )
        for s in problem.stops
        if s.id not in served
    ]
    return Plan(tuple(routes), tuple(unserved))  # every route passed check_route above


def _retime(problem: Problem, vehicle_id: str, visits: list[Visit]) -> Route | None:
    vehicle = problem.vehicle(vehicle_id)
    m, idx = problem.matrices, problem.site_index
    stops = {s.id: s for s in problem.stops}

    def travel(a: str, b: str) -> int:
        return int(m.seconds[idx[a], idx[b]])

    def forward(departure: int) -> list[tuple[int, int, int]] | None:
        times, clock, here = [], departure, visits[0].site
        times.append((departure, departure, departure))
        for v in visits[1:]:
            arrival = clock + travel(here, v.site)
            if v.stop_id is None:
                start = arrival
                end = start + (problem.reload_s if v.action == "reload" else 0)
                if v.action == "end":
                    end = start
            else:
                stop = stops[v.stop_id]
                start = earliest_start(stop.slots_at(v.action), arrival)
                if start is None:
                    return None
                end = start + (stop.to_service_s if v.action == "unload" else stop.service_s)
            times.append((arrival, start, end))
            clock, here = end, v.site
        return times

    times = forward(vehicle.shift[0])
    if times is None:
        return None
    # leave as late as the first stop allows, so no time is spent waiting at its door
    first = visits[1]
    latest = times[1][1] - travel(visits[0].site, first.site)
    later = forward(max(vehicle.shift[0], latest))
    if later is not None and later[-1][0] <= times[-1][0]:
        times = later
    trip_deliveries: dict[int, tuple[int, int]] = {}
    trip = -1
    for v in visits:
        if v.action in ("start", "reload"):
            trip += 1
        elif v.action == "delivery":
            kg, pal = trip_deliveries.get(trip, (0, 0))
            s = stops[v.stop_id]
            trip_deliveries[trip] = (kg + s.kg, pal + s.pallets)
    out: list[Visit] = []
    trip = -1
    kg = pal = tkg = tpal = metres = 0
    for k, (v, (arrival, start, end)) in enumerate(zip(visits, times, strict=True)):
        if k:
            metres += int(m.metres[idx[visits[k - 1].site], idx[v.site]])
        if v.action in ("start", "reload"):
            trip += 1
            dkg, dpal = trip_deliveries.get(trip, (0, 0))
            kg, pal = tkg + dkg, tpal + dpal
        elif v.action == "end":
            kg, pal = tkg, tpal
        else:
            s = stops[v.stop_id]
            sign = 1 if v.action in ("pickup", "load") else -1
            kg, pal = kg + sign * s.kg, pal + sign * s.pallets
            if v.action in ("load", "unload"):
                tkg, tpal = tkg + sign * s.kg, tpal + sign * s.pallets
        out.append(replace(v, trip=max(trip, 0), arrival_s=arrival, start_s=start, departure_s=end,
                           load_kg=kg, load_pallets=pal, metres_from_start=metres))
    seconds = out[-1].arrival_s - out[0].departure_s
    return Route(vehicle.id, tuple(out), metres, seconds, vehicle.cost_cents(metres, seconds))

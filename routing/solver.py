"""The engine seam: a solver-neutral routing model and the PyVRP adapter that solves it.

The planner compiles a day into a :class:`RoutingModel` (integers only: locations, matrices,
jobs, vehicle types) and hands it to any object satisfying :class:`Solver`. Swapping engines
means writing one more adapter, not touching the planner, the checker or the cost shares.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

Progress = Callable[[float, int], None]
"""Called with (elapsed seconds, best objective so far) during long solves."""

_FIXED_COST_SCALE = 100_000

FORBIDDEN = 1 << 30
"""Arc length/duration that keeps a vehicle profile away from a location (e.g. chilled goods):
far beyond any day, yet small enough that penalties on it cannot overflow 64-bit integers."""


@dataclass(frozen=True)
class Job:
    """A single visit: ``delivery`` is loaded at the trip's depot, ``pickup`` unloaded there."""

    location: int
    delivery: tuple[int, ...]
    pickup: tuple[int, ...]
    service: int = 0
    tw_early: int = 0
    tw_late: int = np.iinfo(np.int64).max
    prize: int = 0
    required: bool = True
    group: int | None = None  # index into RoutingModel.groups


@dataclass(frozen=True)
class JobGroup:
    """Alternative jobs (e.g. one per opening slot of a site): exactly one is served when the
    group is required, at most one otherwise. Its jobs themselves are never ``required``."""

    jobs: tuple[int, ...]
    required: bool = True


@dataclass(frozen=True)
class PairedJob:
    """Load ``amount`` at ``pickup_location``, unload it at ``delivery_location``, same vehicle."""

    pickup_location: int
    delivery_location: int
    amount: tuple[int, ...]
    pickup_service: int = 0
    pickup_tw: tuple[int, int] = (0, np.iinfo(np.int64).max)
    delivery_service: int = 0
    delivery_tw: tuple[int, int] = (0, np.iinfo(np.int64).max)
    prize: int = 0
    required: bool = True


@dataclass(frozen=True)
class VehicleSpec:
    """``count`` identical vehicles. Depot numbers are location numbers (depots come first)."""

    count: int
    capacity: tuple[int, ...]
    start_depot: int = 0
    end_depot: int = 0
    tw_early: int = 0
    tw_late: int = np.iinfo(np.int64).max
    fixed_cost: int = 0
    unit_distance_cost: int = 1
    unit_duration_cost: int = 0
    profile: int = 0
    reload_depots: tuple[int, ...] = ()
    max_reloads: int = 0


@dataclass(frozen=True)
class RoutingModel:
    """Locations ``0..num_depots-1`` are depots; ``distances[p]``/``durations[p]`` are the
    matrices of profile ``p``."""

    num_depots: int
    jobs: tuple[Job, ...]
    paired_jobs: tuple[PairedJob, ...]
    vehicles: tuple[VehicleSpec, ...]
    distances: tuple[np.ndarray, ...]
    durations: tuple[np.ndarray, ...]
    depot_service: tuple[int, ...] = ()
    coords: tuple[tuple[float, float], ...] = ()
    groups: tuple[JobGroup, ...] = ()

    @property
    def num_locations(self) -> int:
        return int(self.distances[0].shape[0])


@dataclass(frozen=True)
class Step:
    """One activity of a solved route: ``kind`` is ``depot``, ``job``, ``pickup`` or ``delivery``
    (of paired job ``index``); ``start``/``end`` bound the service, ``wait`` precedes it."""

    kind: str
    index: int
    location: int
    trip: int
    start: int
    end: int
    wait: int = 0


@dataclass(frozen=True)
class SolvedRoute:
    vehicle: int  # index into RoutingModel.vehicles
    steps: tuple[Step, ...]
    distance: int
    duration: int


@dataclass(frozen=True)
class SolverResult:
    routes: tuple[SolvedRoute, ...]
    objective: int
    feasible: bool
    seconds: float
    iterations: int = 0
    stats: dict = field(default_factory=dict)


class Solver(Protocol):
    """What the planner needs from an engine."""

    def solve(
        self,
        model: RoutingModel,
        *,
        time_limit: float,
        seed: int = 0,
        max_iterations: int | None = None,
        progress: Progress | None = None,
    ) -> SolverResult: ...


class PyVRPSolver:
    """Adapter to PyVRP (iterated local search); one thread, stops at the time limit or after
    ``max_iterations`` (deterministic for a given seed)."""

    def to_data(self, model: RoutingModel):
        """The PyVRP ``ProblemData`` of a model (public so benchmarks can compare like for like)."""
        from pyvrp import (
            Client,
            ClientGroup,
            Depot,
            Location,
            ProblemData,
            Shipment,
            VehicleType,
        )

        coords = model.coords or tuple((0.0, 0.0) for _ in range(model.num_locations))
        service = model.depot_service or (0,) * model.num_depots
        return ProblemData(
            locations=[Location(x=x, y=y) for x, y in coords],
            depots=[
                Depot(location=i, service_duration=service[i]) for i in range(model.num_depots)
            ],
            clients=[
                Client(
                    location=j.location,
                    delivery=list(j.delivery),
                    pickup=list(j.pickup),
                    service_duration=j.service,
                    tw_early=j.tw_early,
                    tw_late=j.tw_late,
                    prize=j.prize,
                    required=j.required,
                    group=j.group,
                )
                for j in model.jobs
            ],
            groups=[ClientGroup(list(g.jobs), required=g.required) for g in model.groups],
            shipments=[
                Shipment(
                    pickup_location=p.pickup_location,
                    delivery_location=p.delivery_location,
                    pickup_tw_early=p.pickup_tw[0],
                    pickup_tw_late=p.pickup_tw[1],
                    pickup_service_duration=p.pickup_service,
                    delivery_tw_early=p.delivery_tw[0],
                    delivery_tw_late=p.delivery_tw[1],
                    delivery_service_duration=p.delivery_service,
                    amount=list(p.amount),
                    prize=p.prize,
                    required=p.required,
                )
                for p in model.paired_jobs
            ],
            vehicle_types=[
                VehicleType(
                    num_available=v.count,
                    capacity=list(v.capacity),
                    start_depot=v.start_depot,
                    end_depot=v.end_depot,
                    fixed_cost=v.fixed_cost,
                    tw_early=v.tw_early,
                    tw_late=v.tw_late,
                    unit_distance_cost=v.unit_distance_cost,
                    unit_duration_cost=v.unit_duration_cost,
                    profile=v.profile,
                    reload_depots=list(v.reload_depots),
                    max_reloads=v.max_reloads,
                )
                for v in model.vehicles
            ],
            distance_matrices=[np.asarray(d, dtype=np.int64) for d in model.distances],
            duration_matrices=[np.asarray(d, dtype=np.int64) for d in model.durations],
        )

    def solve(
        self,
        model: RoutingModel,
        *,
        time_limit: float,
        seed: int = 0,
        max_iterations: int | None = None,
        progress: Progress | None = None,
    ) -> SolverResult:
        from pyvrp import solve
        from pyvrp.exceptions import PenaltyBoundWarning
        from pyvrp.IteratedLocalSearch import (
            IteratedLocalSearchParams,
        )
        from pyvrp.PenaltyManager import PenaltyParams
        from pyvrp.solve import SolveParams
        from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

        data = self.to_data(model)
        stops = [MaxRuntime(time_limit)]
        if max_iterations is not None:
            stops.append(MaxIterations(max_iterations))
        started = time.perf_counter()
        callbacks = _ProgressCallbacks(progress) if progress is not None else None
        # PyVRP's penalty bounds suit costs of the order of distances. With fixed vehicle costs
        # far above that, breaking a capacity would look cheaper than starting a vehicle or
        # leaving a stop out, so the bound grows with the largest fixed cost.
        fixed = max((v.fixed_cost for v in model.vehicles), default=0)
        bound = PenaltyParams.max_penalty * max(1.0, fixed / _FIXED_COST_SCALE)
        params = SolveParams(
            ils=IteratedLocalSearchParams(callbacks=callbacks),
            penalty=PenaltyParams(max_penalty=bound),
        )
        with warnings.catch_warnings():
            # PyVRP warns when its penalties saturate; our checker judges feasibility instead.
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            result = solve(
                data, MultipleCriteria(stops), seed=seed, collect_stats=False, params=params
            )
        seconds = time.perf_counter() - started
        best = result.best
        routes = tuple(self._route(model, r) for r in best.routes())
        objective = int(result.cost()) if best.is_feasible() else -1
        if progress is not None and objective >= 0:
            progress(seconds, objective)
        return SolverResult(routes, objective, best.is_feasible(), seconds, result.num_iterations)

    @staticmethod
    def _route(model: RoutingModel, route) -> SolvedRoute:
        steps = []
        for act in route.schedule():
            if act.is_depot():
                kind, loc = "depot", act.idx
            elif act.is_pickup():
                kind, loc = "pickup", model.paired_jobs[act.idx].pickup_location
            elif act.is_delivery():
                kind, loc = "delivery", model.paired_jobs[act.idx].delivery_location
            else:
                kind, loc = "job", model.jobs[act.idx].location
            steps.append(
                Step(kind, act.idx, loc, act.trip, act.start_time, act.end_time, act.wait_duration)
            )
        return SolvedRoute(route.vehicle_type(), tuple(steps), route.distance(), route.duration())


class _ProgressCallbacks:
    """Reports the best feasible objective at most twice a second, so callbacks stay cheap."""

    def __init__(self, progress: Progress, interval: float = 0.5):
        self._progress = progress
        self._interval = interval
        self._started = time.perf_counter()
        self._last = -interval

    def on_start(self, ils) -> None:
        self._started = time.perf_counter()

    def on_end(self, result) -> None:
        pass

    def on_restart(self, best) -> None:
        pass

    def on_best(self, best) -> None:
        pass

    def on_iteration(self, current, candidate, best, cost_evaluator) -> None:
        now = time.perf_counter() - self._started
        if now - self._last >= self._interval and best.is_feasible():
            self._last = now
            self._progress(now, int(cost_evaluator.cost(best)))

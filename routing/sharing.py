"""Fair shares of a pooled plan's cost among the members it serves, and the value of pooling.

The cost game gives each coalition S of members the cost c(S) of the best plan serving only
their stops (solved with the same fleet, cached). The Shapley value charges each member its
average marginal cost over all arrival orders; the core asks that no group pays more together
than it would alone. Parts are rounded to cents once, by the shared largest-remainder rule, so
they always sum to the plan's cost.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import combinations

from purchasing import apportion

from .exceptions import SharingError
from .model import Problem
from .plan import Plan
from .solver import Solver

Cost = int | Fraction | Decimal
METHODS = ("shapley", "nucleolus", "proportional_standalone", "by_load", "equal")
EXACT_SHAPLEY_LIMIT = 10


def _players(costs: Mapping[frozenset, Cost]) -> list:
    players: dict = {}
    for coalition in costs:
        for p in sorted(coalition, key=str):
            players.setdefault(p, None)
    return list(players)


def _cost(costs: Mapping[frozenset, Cost], coalition: frozenset) -> Fraction:
    if not coalition:
        return Fraction(costs.get(frozenset(), 0))
    try:
        return Fraction(costs[coalition])
    except KeyError:
        names = ", ".join(sorted(map(str, coalition)))
        raise SharingError(f"the cost game has no cost for coalition {{{names}}}") from None


def shapley_value(costs: Mapping[frozenset, Cost]) -> dict[Hashable, Fraction]:
    """Exact Shapley value of a cost game given for every non-empty coalition (c(∅) = 0)."""
    players = _players(costs)
    n = len(players)
    if n == 0:
        return {}
    weight = [
        Fraction(math.factorial(k) * math.factorial(n - k - 1), math.factorial(n)) for k in range(n)
    ]
    value = {p: Fraction(0) for p in players}
    for p in players:
        others = [q for q in players if q != p]
        for k in range(n):
            for rest in combinations(others, k):
                s = frozenset(rest)
                value[p] += weight[k] * (_cost(costs, s | {p}) - _cost(costs, s))
    return value


def proportional_to_standalone(costs: Mapping[frozenset, Cost]) -> dict[Hashable, Fraction]:
    """x_i = c(N) · c(i) / Σ c(j)."""
    players = _players(costs)
    grand = _cost(costs, frozenset(players))
    alone = {p: _cost(costs, frozenset([p])) for p in players}
    total = sum(alone.values(), Fraction(0))
    if total == 0:
        raise SharingError("every stand-alone cost is zero: there is nothing to be proportional to")
    return {p: grand * alone[p] / total for p in players}


def blocking_coalitions(
    costs: Mapping[frozenset, Cost], allocation: Mapping[Hashable, Cost]
) -> list[frozenset]:
    """Coalitions that pay more than they would alone (an allocation is in the core iff none,
    and it covers c(N) exactly)."""
    players = _players(costs)
    out = []
    for k in range(1, len(players) + 1):
        for group in combinations(players, k):
            s = frozenset(group)
            if sum((Fraction(allocation[p]) for p in s), Fraction(0)) > _cost(costs, s):
                out.append(s)
    return out


def in_core(costs: Mapping[frozenset, Cost], allocation: Mapping[Hashable, Cost]) -> bool:
    """True when the allocation pays c(N) exactly and no coalition pays more than c(S)."""
    players = _players(costs)
    paid = sum((Fraction(allocation[p]) for p in players), Fraction(0))
    if paid != _cost(costs, frozenset(players)):
        return False
    return not blocking_coalitions(costs, allocation)


def least_core(costs: Mapping[frozenset, Cost]) -> Fraction:
    """The largest ε such that some allocation of c(N) leaves every coalition S ≠ N paying at
    most c(S) − ε: the core is non-empty iff ε ≥ 0."""
    return Fraction(_nucleolus_lps(costs)[1]).limit_denominator(10**6)


def nucleolus(costs: Mapping[frozenset, Cost]) -> dict[Hashable, Fraction]:
    """The allocation of c(N) that makes the least-saving coalition save as much as possible,
    then the next, and so on (Schmeidler). It lies in the core whenever the core is non-empty;
    otherwise in the least core. Computed by a sequence of LPs (PuLP with HiGHS): at each step
    the coalitions whose constraint has a positive dual are tight at every optimum and fixed."""
    return _nucleolus_lps(costs)[0]


def _nucleolus_lps(costs: Mapping[frozenset, Cost]) -> tuple[dict[Hashable, Fraction], float]:
    import numpy as np
    import pulp

    players = _players(costs)
    n = len(players)
    grand = frozenset(players)
    if n == 1:
        return {players[0]: _cost(costs, grand)}, 0.0
    scale = max(1, max(abs(float(_cost(costs, s))) for s in costs if s))
    c = {s: float(_cost(costs, s)) / scale for s in costs if s and s != grand}
    total = float(_cost(costs, grand)) / scale
    fixed: dict[frozenset, float] = {}
    first_eps = None
    rows = [np.ones(n)]
    x_val: dict = {}
    for _ in range(len(c) + 1):
        lp = pulp.LpProblem("nucleolus", pulp.LpMaximize)
        x = {p: lp.add_variable(f"x{i}") for i, p in enumerate(players)}
        eps = lp.add_variable("eps")
        lp += eps
        lp += pulp.lpSum(x.values()) == total
        free = {}
        for k, (s, cost) in enumerate(c.items()):
            paid = pulp.lpSum(x[p] for p in s)
            if s in fixed:
                lp += paid == cost - fixed[s]
            else:
                free[s] = paid + eps <= cost
                lp += free[s], f"s{k}"
        if not free:
            break
        lp.solve(pulp.HiGHS(msg=False))
        if pulp.LpStatus[lp.status] != "Optimal":
            raise SharingError(f"the nucleolus LP is {pulp.LpStatus[lp.status].lower()}")
        value = float(eps.value())
        if first_eps is None:
            first_eps = value
        x_val = {p: float(x[p].value()) for p in players}
        tight = [s for s, con in free.items() if con.pi is not None and abs(con.pi) > 1e-9]
        if not tight:  # no dual information: fall back to the coalitions tight here
            tight = [s for s, con in free.items() if abs(con.slack or 0.0) < 1e-9]
        for s in tight:
            fixed[s] = value
            rows.append(np.array([1.0 if p in s else 0.0 for p in players]))
        if np.linalg.matrix_rank(np.array(rows)) >= n:
            break
    out = {p: Fraction(v * scale).limit_denominator(10**6) for p, v in x_val.items()}
    # exact sum: the rounding error goes to the last player, well below a cent
    out[players[-1]] += _cost(costs, grand) - sum(out.values(), Fraction(0))
    return out, (first_eps or 0.0) * scale


@dataclass(frozen=True)
class MemberShare:
    member: str
    share_cents: int
    standalone_cents: int
    standalone_metres: int
    ton_km: Fraction
    std_error_cents: int | None = None
    error_bound_cents: int | None = None  # sampled: |estimate - Shapley| below this at 95 %

    @property
    def saving_cents(self) -> int:
        return self.standalone_cents - self.share_cents


@dataclass(frozen=True)
class CostShares:
    """Who pays what for a plan, and why it is fair: ``coalition_costs`` is the whole game
    (when exact), so every figure can be shown and recomputed."""

    method: str
    total_cents: int
    members: tuple[MemberShare, ...]
    individually_rational: bool
    in_core: bool | None
    exact: bool
    coalition_costs: dict[frozenset, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    shapley_blocking: tuple[frozenset, ...] = ()  # when the nucleolus replaced the Shapley value

    def paid_by(self, coalition: frozenset) -> int:
        return sum(m.share_cents for m in self.members if m.member in coalition)

    def blocking(self) -> list[frozenset]:
        """Coalitions whose members together pay more (in cents) than their own day costs."""
        return [s for s, c in self.coalition_costs.items() if self.paid_by(s) > c]

    def share_of(self, member: str) -> int:
        for m in self.members:
            if m.member == member:
                return m.share_cents
        raise KeyError(member)

    def summary(self) -> str:
        lines = [
            f"{self.method}: {self.total_cents / 100:.2f} EUR among {len(self.members)} members"
        ]
        for m in self.members:
            lines.append(
                f"  {m.member}: pays {m.share_cents / 100:.2f}, "
                f"alone {m.standalone_cents / 100:.2f}, "
                f"saves {m.saving_cents / 100:.2f}"
            )
        lines.append(
            f"  individually rational: {self.individually_rational}; in core: {self.in_core}"
        )
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


class CoalitionCosts:
    """c(S) for coalitions of members, each worked out once and cached.

    Only the stops the pooled plan serves count, so c(N) is the plan itself. c(S) is what S's
    own day costs: its routes plus the value (prize) of each of its optional stops it would
    leave out, which the pooled plan serves. It is the cheaper of S's own solve and of the plan
    of each already-known coalition one member larger (and of the pooled plan) driven for S's
    stops only, so a coalition never costs more than a larger one's routes restricted to it.

    Solves stop after ``max_iterations`` (reproducible for a seed) or ``time_limit``, and never
    run past ``deadline`` (a ``time.monotonic()`` instant): past it, only restrictions of known
    plans are used. ``progress`` is told how many coalitions have been worked out.
    """

    def __init__(
        self,
        problem: Problem,
        plan: Plan,
        *,
        time_limit: float = 2.0,
        max_iterations: int | None = 400,
        seed: int = 0,
        solver: Solver | None = None,
        deadline: float | None = None,
        progress: Callable[[int], None] | None = None,
    ):
        served = set(plan.served)
        unassigned = [s.id for s in problem.stops if s.id in served and s.member is None]
        if unassigned:
            raise SharingError(
                f"stops {', '.join(unassigned)} have no member: "
                "every served stop needs one to share costs"
            )
        self.problem = problem.with_stops(s for s in problem.stops if s.id in served)
        self.members = tuple(dict.fromkeys(s.member for s in self.problem.stops))
        self._time_limit, self._max_iterations = time_limit, max_iterations
        self._seed, self._solver = seed, solver
        self.deadline, self._progress = deadline, progress
        grand = frozenset(self.members)
        self._plans: dict[frozenset, Plan] = {grand: plan}
        self._cache: dict[frozenset, tuple[int, int]] = {
            frozenset(): (0, 0),
            grand: (plan.cost_cents, plan.metres),
        }
        self.solves = 0
        self.pending = 0  # coalitions still to be worked out, to share the time left between them

    def _forgone(self, sub: Problem, plan: Plan) -> int | None:
        """Prizes of the optional stops ``plan`` leaves out; None if it leaves out a required one."""
        served = set(plan.served)
        missing = [s for s in sub.stops if s.id not in served]
        if any(not s.optional for s in missing):
            return None
        return sum(s.prize_cents for s in missing)

    def _own_plan(self, sub: Problem) -> Plan | None:
        from .planner import plan_routes

        limit = self._time_limit
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0.05:
                return None
            limit = min(limit, left / max(1, self.pending))
        self.solves += 1
        return plan_routes(
            sub,
            time_limit=limit,
            max_iterations=self._max_iterations,
            seed=self._seed,
            solver=self._solver,
        )

    def solved(self, coalition: Iterable[str]) -> tuple[int, int]:
        """(cost in cents, metres) of the coalition's own day."""
        from .planner import restrict_plan

        key = frozenset(coalition)
        if key in self._cache:
            return self._cache[key]
        sub = self.problem.restricted_to(key)
        grand = frozenset(self.members)
        larger = [key | {m} for m in self.members if m not in key] + [grand]
        if self.deadline is not None and time.monotonic() >= self.deadline:
            larger = [grand]  # out of time: the pooled plan's routes restricted to S only
        candidates = [restrict_plan(sub, self._plans[t]) for t in dict.fromkeys(larger) if t in self._plans]
        own = self._own_plan(sub)
        if own is not None:
            candidates.append(own)
        best = None
        for cand in candidates:
            forgone = self._forgone(sub, cand)
            if forgone is None or not cand.is_feasible():
                continue
            cost = cand.cost_cents + forgone
            if best is None or cost < best[0]:
                best = (cost, cand.metres, cand)
        if best is None:  # cannot happen: the pooled plan restricted to S serves all of S
            raise SharingError(f"no plan serves coalition {sorted(key)}")
        self._cache[key] = best[:2]
        self._plans[key] = best[2]
        self.pending = max(0, self.pending - 1)
        if self._progress is not None:
            self._progress(len(self._cache) - 1)
        return self._cache[key]

    def __call__(self, coalition: Iterable[str]) -> int:
        return self.solved(coalition)[0]

    def known(self) -> list[frozenset]:
        """The coalitions worked out so far."""
        return list(self._cache)

    def game(self) -> dict[frozenset, int]:
        """Every coalition's cost (2^n - 1 of them), larger coalitions first so each smaller one
        can start from their routes."""
        groups = [
            frozenset(g)
            for k in range(len(self.members), 0, -1)
            for g in combinations(self.members, k)
        ]
        self.pending = sum(1 for g in groups if g not in self._cache)
        return {g: self(g) for g in groups}


def _ton_km(problem: Problem, plan: Plan) -> dict[str, Fraction]:
    """kg x km each member's goods travel on board (ton-km x 1000)."""
    stops = {s.id: s for s in problem.stops}
    out: dict[str, Fraction] = {}
    for route in plan.routes:
        visits = route.visits
        trip_start, trip_end = {}, {}
        for v in visits:
            if v.action in ("start", "reload"):
                trip_start.setdefault(v.trip, v.metres_from_start)
            if v.action in ("reload", "end"):
                trip_end[v.trip - 1 if v.action == "reload" else v.trip] = v.metres_from_start
        loaded_at: dict[str, int] = {}
        for v in visits:
            stop = stops.get(v.stop_id) if v.stop_id else None
            if stop is None or stop.member is None:
                continue
            if v.action == "delivery":
                metres = v.metres_from_start - trip_start[v.trip]
            elif v.action == "pickup":
                metres = trip_end[v.trip] - v.metres_from_start
            elif v.action == "load":
                loaded_at[stop.id] = v.metres_from_start
                continue
            else:
                metres = v.metres_from_start - loaded_at.get(stop.id, v.metres_from_start)
            out[stop.member] = out.get(stop.member, Fraction(0)) + Fraction(stop.kg * metres, 1000)
    return out


def share_costs(
    problem: Problem,
    plan: Plan,
    method: str = "shapley",
    *,
    time_limit: float = 2.0,
    max_iterations: int | None = 400,
    seed: int = 0,
    samples: int = 64,
    solver: Solver | None = None,
    coalition_costs: CoalitionCosts | None = None,
) -> CostShares:
    """Split ``plan.cost_cents`` among the members it serves. Shapley is exact up to
    ``EXACT_SHAPLEY_LIMIT`` members (2^n - 1 coalition plans, each capped by ``time_limit`` and
    ``max_iterations``); beyond, it averages ``samples`` random arrival orders drawn from
    ``seed`` and reports each member's standard error."""
    if method not in METHODS:
        raise SharingError(f"unknown sharing method {method!r}; use one of {', '.join(METHODS)}")
    game = coalition_costs or CoalitionCosts(
        problem,
        plan,
        time_limit=time_limit,
        max_iterations=max_iterations,
        seed=seed,
        solver=solver,
    )
    members = game.members
    total = plan.cost_cents
    if not members:
        return CostShares(method, total, (), True, None, True)
    n = len(members)
    exact = n <= EXACT_SHAPLEY_LIMIT
    notes: list[str] = []
    # Only Shapley needs every coalition; the other rules need the n stand-alone costs.
    full = game.game() if exact and method in ("shapley", "nucleolus") else {}
    game.pending = sum(1 for m in members if frozenset([m]) not in game._cache)
    alone = {m: game.solved([m]) for m in members}
    ton_km = _ton_km(problem, plan)
    std_err: dict[str, int] = {}
    bound: dict[str, int] = {}

    blocking_shapley: list[frozenset] = []
    if method == "nucleolus" and not exact:
        raise SharingError(
            f"the nucleolus needs every coalition's cost: at most {EXACT_SHAPLEY_LIMIT} members"
        )
    if method == "nucleolus":
        value = nucleolus(full)
    elif method == "shapley":
        if exact:
            value = shapley_value(full)
            blocking_shapley = blocking_coalitions(full, value)
            if blocking_shapley:
                # Shapley would make some group pay more than it would alone: the nucleolus
                # (in the core whenever there is one) is charged instead, and the groups shown.
                method, value = "nucleolus", nucleolus(full)
                notes.append(
                    f"the Shapley value is outside the core ({len(blocking_shapley)} coalitions "
                    "would pay more than alone): the nucleolus is charged instead"
                )
        else:
            value, std_err, bound = _sampled_shapley(
                game, members, samples, seed, {m: alone[m][0] for m in members}
            )
            notes.append(
                f"Shapley value estimated from {samples} random arrival orders; each share is "
                "within its error bound of the exact value with 95 % confidence"
            )
    elif method == "proportional_standalone":
        value = {m: Fraction(alone[m][0]) for m in members}
    elif method == "by_load":
        value = {m: ton_km.get(m, Fraction(0)) for m in members}
        if not any(value.values()):
            raise SharingError("no goods travel on board: there is no load to share by")
    else:
        value = {m: Fraction(1) for m in members}

    weights = [value[m] for m in members]
    if any(w < 0 for w in weights):
        notes.append("negative values (a member lowering others' cost) were counted as zero")
        weights = [max(w, Fraction(0)) for w in weights]
    if not any(weights):
        weights = [Fraction(1)] * n
    parts = apportion(total, weights)
    exact_alloc = {
        m: Fraction(total) * w / sum(weights) for m, w in zip(members, weights, strict=False)
    }
    shares = tuple(
        MemberShare(
            m,
            parts[i],
            alone[m][0],
            alone[m][1],
            ton_km.get(m, Fraction(0)),
            std_err.get(m),
            bound.get(m),
        )
        for i, m in enumerate(members)
    )
    rational = all(s.share_cents <= s.standalone_cents for s in shares)
    core = in_core(full, exact_alloc) if full else None
    known = full or {k: game(k) for k in game.known() if k}
    return CostShares(
        method, total, shares, rational, core, exact, known, tuple(notes), tuple(blocking_shapley)
    )


def _sampled_shapley(
    cost: Callable[[Iterable[str]], int],
    members: tuple[str, ...],
    samples: int,
    seed: int,
    alone: Mapping[str, int] | None = None,
    confidence: float = 0.95,
) -> tuple[dict[str, Fraction], dict[str, int], dict[str, int]]:
    """Mean marginal cost over ``samples`` seeded arrival orders, its standard error, and an
    error bound that holds even when the samples happen to agree (standard error 0).

    The bound is the empirical Bernstein inequality (Maurer & Pontil 2009) on each member's
    marginal costs, whose range is taken as [min(0, seen), max(c(i), seen)]: in a monotone,
    subadditive cost game a marginal cost lies between 0 and the stand-alone cost.
    """
    rng = random.Random(seed)  # noqa: S311 - a seeded sample, not a secret
    alone = alone or {}
    sums = {m: Fraction(0) for m in members}
    squares = {m: Fraction(0) for m in members}
    low = {m: 0 for m in members}
    high = {m: alone.get(m, 0) for m in members}
    order = list(members)
    for _ in range(samples):
        rng.shuffle(order)
        before, prev = [], 0
        for m in order:
            before.append(m)
            now = cost(before)
            marginal = now - prev
            sums[m] += marginal
            squares[m] += marginal * marginal
            low[m], high[m] = min(low[m], marginal), max(high[m], marginal)
            prev = now
    mean = {m: sums[m] / samples for m in members}
    err, bound = {}, {}
    log_term = math.log(3 / (1 - confidence))
    for m in members:
        var = max(float((squares[m] - samples * mean[m] ** 2) / max(samples - 1, 1)), 0.0)
        err[m] = round(math.sqrt(var / samples))
        spread = high[m] - low[m]
        bound[m] = math.ceil(
            math.sqrt(2 * var * log_term / samples) + 3 * spread * log_term / max(samples - 1, 1)
        )
    return mean, err, bound


def plan_co2_g(problem: Problem, plan: Plan) -> int:
    """Grams of CO2 the plan's routes emit, at each vehicle's ``co2_g_per_km``."""
    return sum(
        (r.metres * problem.vehicle(r.vehicle_id).co2_g_per_km + 500) // 1000 for r in plan.routes
    )


@dataclass(frozen=True)
class PoolingValue:
    """Every member driving its own rounds with the fleet vs everyone in one plan. Each member's
    part of the pooled km and CO2 is in proportion to what it pays (its share; without shares,
    its stand-alone cost), apportioned so the parts sum to the pooled figures."""

    pooled_metres: int
    pooled_cents: int
    standalone: dict[str, tuple[int, int]]  # member -> (metres, cents)
    pooled_co2_g: int = 0
    standalone_co2_g: dict[str, int] = field(default_factory=dict)
    pooled_part: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # metres, cents, g

    @property
    def standalone_metres(self) -> int:
        return sum(m for m, _ in self.standalone.values())

    @property
    def standalone_cents(self) -> int:
        return sum(c for _, c in self.standalone.values())

    @property
    def saved_metres(self) -> int:
        return self.standalone_metres - self.pooled_metres

    @property
    def saved_cents(self) -> int:
        return self.standalone_cents - self.pooled_cents

    @property
    def saved_co2_g(self) -> int:
        return sum(self.standalone_co2_g.values()) - self.pooled_co2_g


def pooling_value(
    problem: Problem,
    plan: Plan,
    *,
    time_limit: float = 2.0,
    max_iterations: int | None = 400,
    seed: int = 0,
    solver: Solver | None = None,
    coalition_costs: CoalitionCosts | None = None,
    shares: CostShares | None = None,
) -> PoolingValue:
    """Km, cost and CO2 of each member alone vs its part of the pooled plan (reuses
    ``coalition_costs``; ``shares`` decide each member's part)."""
    game = coalition_costs or CoalitionCosts(
        problem,
        plan,
        time_limit=time_limit,
        max_iterations=max_iterations,
        seed=seed,
        solver=solver,
    )
    alone, co2 = {}, {}
    for m in game.members:
        cents, metres = game.solved([m])
        alone[m] = (metres, cents)
        co2[m] = plan_co2_g(problem, game._plans[frozenset([m])])
    pooled_co2 = plan_co2_g(problem, plan)
    members = list(game.members)
    part: dict[str, tuple[int, int, int]] = {}
    if members:
        weights = [shares.share_of(m) if shares else alone[m][1] for m in members]
        if not any(weights):
            weights = [1] * len(members)
        metres = apportion(plan.metres, weights)
        cents = [shares.share_of(m) for m in members] if shares else apportion(plan.cost_cents, weights)
        grams = apportion(pooled_co2, weights)
        part = {m: (metres[i], cents[i], grams[i]) for i, m in enumerate(members)}
    return PoolingValue(plan.metres, plan.cost_cents, alone, pooled_co2, co2, part)

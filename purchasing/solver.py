"""The fair split as a mixed-integer model in PuLP, solved lexicographically.

Stages: (1) maximise the smallest member fill ratio, (2) keeping it, maximise the need covered,
(3) keeping both, minimise what is paid (goods, fees, and leftovers counted once more).

The model is built once in PuLP. With HiGHS each stage first solves the LP relaxation (warm
from the previous stage's basis), rounds it into a complete integer plan (packs up, units down,
spare units to the least-served members first, then unit moves that raise the smallest fill
ratio), and checks that plan against every row. If the plan is within the gap tolerance of the
LP bound the stage is done: that bound proves it. Otherwise the MIP runs from that plan for the
time left. The first-come-first-served and proportional plans are offered as starting plans
too, so the result is never less fair than either when they are valid. See docs/purchasing.md.
"""

from __future__ import annotations

import math
import time
import warnings
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

import pulp

from .allocation import Allocation, evaluate, fill_coefficients
from .exceptions import InfeasibleProblem, InvalidInput, NoPlanError, SolverTimeout
from .model import QUANTITY_DECIMALS, LeftoverPolicy, Offer, Problem, budget_margin_cents, quantity
from .money import format_cents

#: Default relative gap at which a stage counts as solved (the benchmark target is 0.5 %).
DEFAULT_GAP = 1e-4
_Q = Decimal(1).scaleb(-QUANTITY_DECIMALS)
_EPS = 1e-6
_STAGES = ("min_fill_ratio", "coverage", "cost")


def _bundled_cbc(**options) -> pulp.LpSolver:
    """The CBC binary PuLP ships. PuLP 3.3 announces its removal for 4.0 (a version this project
    pins out) with a DeprecationWarning at every construction; it is the fallback when HiGHS is
    missing, so the warning is silenced here rather than printed at every solve."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(**options)


def available_solvers() -> list[str]:
    """Solvers usable here, best first: HiGHS (when highspy is installed), then bundled CBC."""
    names = []
    if pulp.HiGHS().available():
        names.append("highs")
    if _bundled_cbc(msg=False).available():
        names.append("cbc")
    return names


def split_order(
    problem: Problem,
    *,
    time_limit: float | None = None,
    solver: str | None = None,
    gap: float = DEFAULT_GAP,
    leximin: bool = False,
) -> Allocation:
    """Decide packs per offer and units per member: fairest first, then most need, then cheapest.

    ``leximin=True`` (HiGHS only) also protects the members above the smallest fill ratio:
    stage 1 is levelled on the LP and every member keeps its stage-1 fill ratio afterwards.
    Raises :class:`InfeasibleProblem` (reasons name members and offers) when the bounds cannot
    all hold, and :class:`SolverTimeout` when no complete plan was found in ``time_limit``.
    """
    reasons = diagnose(problem)
    if reasons:
        raise InfeasibleProblem("no plan satisfies every bound", reasons)
    method = "leximin fair" if leximin else "max-min fair"
    return _Lexicographic(problem, None, time_limit, solver, gap, leximin).run(method)


def split_received(
    problem: Problem,
    received: Mapping[str, Decimal | int | str],
    *,
    time_limit: float | None = None,
    solver: str | None = None,
    gap: float = DEFAULT_GAP,
    caps: Mapping[tuple[str, str], Decimal] | None = None,
) -> Allocation:
    """Split goods already on hand (units per offer id, e.g. a collection's haul) by declared need.

    Same model and objective as :func:`split_order` with supply fixed: no packs, prices, fees or
    budgets; members' minimums still hold (infeasible if the haul cannot cover them).
    ``caps[(need id, offer id)]`` bounds what a need may receive of an offer (a re-split after
    a short delivery never gives a need more of an offer than its plan did).
    """
    supply: dict[str, Decimal] = {}
    for oid, q in received.items():
        if oid not in problem.offer_by_id:
            raise InvalidInput(f"received: unknown offer {oid!r}")
        units = quantity(q, f"received {oid!r}")
        if not problem.offer_by_id[oid].divisible and units != units.to_integral_value():
            raise InvalidInput(
                f"received {oid!r}: {units} is fractional but it is counted in whole units"
            )
        supply[oid] = units
    reasons = diagnose(problem, supply)
    if reasons:
        raise InfeasibleProblem("the received goods cannot meet every minimum", reasons)
    return _Lexicographic(problem, supply, time_limit, solver, gap, caps=caps).run(
        "received, max-min fair"
    )


# -- diagnosis -------------------------------------------------------------------------------


def _ttc_unit(offer: Offer) -> Fraction:
    return offer.list_unit_price_ttc


def _pack_bound(problem: Problem, offer: Offer) -> int:
    """Most packs worth ordering: enough for every maximum, never above availability."""
    demand = sum((n.maximum for n in problem.needs_by_offer.get(offer.id, ())), Decimal(0))
    packs = math.ceil(demand / offer.pack_size)
    return packs if offer.packs_available is None else min(packs, offer.packs_available)


def diagnose(problem: Problem, supply: Mapping[str, Decimal] | None = None) -> list[str]:
    """Bounds that cannot hold whatever the plan: budgets below minimums, minimums above stock."""
    p = problem
    reasons: list[str] = []
    key = p.fee_key_weights()
    key_total = sum(key.values(), Fraction(0))
    if supply is None:
        for m in p.members:
            if m.budget_cents is None or m.id not in key:
                continue
            mins = [n for n in p.needs_by_member.get(m.id, ()) if n.minimum > 0]
            cost = sum(
                (
                    Fraction(n.minimum) * min(_ttc_unit(p.offer_by_id[o]) for o in n.offer_ids)
                    for n in mins
                ),
                Fraction(0),
            )
            sure_fees = {  # a supplier that alone serves a minimum, and never waives its fee
                p.offer_by_id[n.offer_ids[0]].supplier_id
                for n in mins
                if len({p.offer_by_id[o].supplier_id for o in n.offer_ids}) == 1
                and p.supplier_by_id[p.offer_by_id[n.offer_ids[0]].supplier_id].free_delivery_cents
                is None
            }
            fees = sum(p.supplier_by_id[s].delivery_fee_cents for s in sure_fees)
            cost += Fraction(p.transport_cents + fees) * key[m.id] / key_total + budget_margin_cents(
                p, m.id
            )
            if cost > m.budget_cents:
                offers = sorted({o for n in mins for o in n.offer_ids})
                reasons.append(
                    f"member {m.id!r}: budget {format_cents(m.budget_cents)} is below the "
                    f"{format_cents(math.ceil(cost))} its minimums cost at list prices with its "
                    f"share of fees and transport (offers {', '.join(offers)})"
                )
    for offer in p.offers:
        single = [
            n
            for n in p.needs_by_offer.get(offer.id, ())
            if n.offer_ids == (offer.id,) and n.minimum > 0
        ]
        if not single:
            continue
        need = sum((n.minimum for n in single), Decimal(0))
        if supply is not None:
            have = supply.get(offer.id, Decimal(0))
        elif offer.packs_available is None:
            continue
        else:
            have = offer.pack_size * offer.packs_available
        if need > have:
            members = sorted({n.member_id for n in single})
            reasons.append(
                f"offer {offer.id!r}: members {', '.join(members)} need at least {need} "
                f"{offer.unit} in total, only {have} available"
            )
    if supply is None:
        for s in p.suppliers:
            if s.minimum_order_cents == 0:
                continue
            offers = [o for o in p.offers if o.supplier_id == s.id]
            reachable = sum(
                _pack_bound(p, o) * o.tier_for(_pack_bound(p, o)).pack_price_cents for o in offers
            )
            required = [
                n.id
                for o in offers
                for n in p.needs_by_offer.get(o.id, ())
                if n.minimum > 0
                and n.offer_ids[0] == o.id
                and all(p.offer_by_id[x].supplier_id == s.id for x in n.offer_ids)
            ]
            if required and reachable < s.minimum_order_cents:
                reasons.append(
                    f"supplier {s.id!r}: minimum order {format_cents(s.minimum_order_cents)} "
                    f"cannot be reached (at most {format_cents(reachable)} can be ordered), "
                    f"but needs {', '.join(required)} have minimums only it can serve"
                )
    return reasons


# -- the model -------------------------------------------------------------------------------


@dataclass
class _Model:
    """The PuLP problem and the handles the rounding and the plan read back."""

    lp: pulp.LpProblem
    t: pulp.LpVariable
    coverage: pulp.LpAffineExpression
    cost: pulp.LpAffineExpression
    packs: dict[str, pulp.LpVariable] = field(default_factory=dict)  # single-tier offers
    tiers: dict[str, list[tuple[pulp.LpVariable, pulp.LpVariable, int, int]]] = field(
        default_factory=dict
    )
    bound: dict[str, int] = field(default_factory=dict)
    capacity: dict[str, float] = field(default_factory=dict)  # fixed supply
    y: dict[tuple[str, str], pulp.LpVariable] = field(default_factory=dict)
    cover: dict[str, pulp.LpVariable] = field(default_factory=dict)
    used: dict[str, pulp.LpVariable] = field(default_factory=dict)
    free: dict[str, pulp.LpVariable] = field(default_factory=dict)
    coef: dict[str, float] = field(default_factory=dict)
    fill: dict[str, pulp.LpAffineExpression] = field(default_factory=dict)
    fair_rows: dict[str, str] = field(default_factory=dict)  # member id -> row name


def _build(
    problem: Problem,
    supply: Mapping[str, Decimal] | None,
    caps: Mapping[tuple[str, str], Decimal] | None = None,
) -> _Model:
    p = problem
    fixed = supply is not None
    lp = pulp.LpProblem("split", pulp.LpMaximize)
    # PuLP names by position: ids may hold characters PuLP would rewrite into clashes
    oi = {o.id: i for i, o in enumerate(p.offers)}
    si = {s.id: i for i, s in enumerate(p.suppliers)}
    ni = {n.id: i for i, n in enumerate(p.needs)}
    mi = {m.id: i for i, m in enumerate(p.members)}
    t = lp.add_variable("t", 0, 1)
    model = _Model(lp, t, pulp.LpAffineExpression(), pulp.LpAffineExpression())
    coef = fill_coefficients(p)
    model.coef = {k: float(v) for k, v in coef.items()}
    key = p.fee_key_weights()
    key_total = sum(key.values(), Fraction(0))
    mean_weight = sum((m.weight for m in p.members), Decimal(0)) / len(p.members)
    weight = {m.id: float(m.weight / mean_weight) for m in p.members}

    packs_expr: dict[str, pulp.LpAffineExpression] = {}
    cost_ht: dict[str, pulp.LpAffineExpression] = {}
    supplier_offers: dict[str, list[Offer]] = defaultdict(list)
    for o in p.offers:
        if o.id not in p.needs_by_offer:
            continue
        if fixed:
            units = supply.get(o.id, Decimal(0))
            if units > 0:
                model.capacity[o.id] = float(units)
            continue
        ub = _pack_bound(p, o)
        if ub <= 0:
            continue
        model.bound[o.id] = ub
        tiers = [tier for tier in o.tiers if tier.min_packs <= ub]
        if len(tiers) == 1:
            packs = lp.add_variable(f"p_{oi[o.id]}", 0, ub, cat=pulp.LpInteger)
            model.packs[o.id] = packs
            packs_expr[o.id] = pulp.LpAffineExpression({packs: 1})
            cost_ht[o.id] = pulp.LpAffineExpression({packs: tiers[0].pack_price_cents})
        else:
            parts, chosen, handles = {}, [], []
            for k, tier in enumerate(tiers):
                hi = (tiers[k + 1].min_packs - 1) if k + 1 < len(tiers) else ub
                q = lp.add_variable(f"q_{oi[o.id]}_{k}", 0, hi, cat=pulp.LpInteger)
                z = lp.add_variable(f"z_{oi[o.id]}_{k}", cat=pulp.LpBinary)
                lp += q - tier.min_packs * z >= 0, f"tier_lo_{oi[o.id]}_{k}"
                lp += q - hi * z <= 0, f"tier_hi_{oi[o.id]}_{k}"
                parts[q] = tier.pack_price_cents
                chosen.append(z)
                handles.append((q, z, tier.min_packs, hi))
            lp += pulp.lpSum(chosen) <= 1, f"one_tier_{oi[o.id]}"
            model.tiers[o.id] = handles
            packs_expr[o.id] = pulp.LpAffineExpression({q: 1 for q in parts})
            cost_ht[o.id] = pulp.LpAffineExpression(parts)
        supplier_offers[o.supplier_id].append(o)

    fees = pulp.LpAffineExpression()
    for s in p.suppliers:
        offers = supplier_offers.get(s.id)
        if fixed or not offers or (s.minimum_order_cents == 0 and s.delivery_fee_cents == 0):
            continue
        used = lp.add_variable(f"u_{si[s.id]}", cat=pulp.LpBinary)
        model.used[s.id] = used
        goods = pulp.lpSum(cost_ht[o.id] for o in offers)
        for o in offers:
            lp += packs_expr[o.id] - model.bound[o.id] * used <= 0, f"open_{oi[o.id]}"
        if s.minimum_order_cents:
            lp += goods - s.minimum_order_cents * used >= 0, f"minimum_{si[s.id]}"
        if s.delivery_fee_cents:
            if s.free_delivery_cents is None:
                fees += s.delivery_fee_cents * used
            else:
                free = lp.add_variable(f"g_{si[s.id]}", cat=pulp.LpBinary)
                model.free[s.id] = free
                lp += free - used <= 0, f"free_if_used_{si[s.id]}"
                lp += goods - s.free_delivery_cents * free >= 0, f"free_delivery_{si[s.id]}"
                fees += s.delivery_fee_cents * (used - free)

    per_offer: dict[str, list[pulp.LpVariable]] = defaultdict(list)
    fill: dict[str, pulp.LpAffineExpression] = defaultdict(pulp.LpAffineExpression)
    goods_of: dict[str, pulp.LpAffineExpression] = defaultdict(pulp.LpAffineExpression)
    for n in p.needs:
        offers = [p.offer_by_id[o] for o in n.offer_ids if o in packs_expr or o in model.capacity]
        if not offers:
            if n.minimum > 0:  # caught by diagnose() in practice; keeps the model honest
                lp += t <= -1, f"unservable_{ni[n.id]}"
            continue
        cat = pulp.LpContinuous if offers[0].divisible else pulp.LpInteger
        single = len(offers) == 1
        ys = []
        for o in offers:
            lo = float(n.minimum) if single else 0
            hi = float(min(n.maximum, caps.get((n.id, o.id), n.maximum))) if caps else float(n.maximum)
            y = lp.add_variable(f"y_{ni[n.id]}_{oi[o.id]}", min(lo, hi), hi, cat=cat)
            model.y[(n.id, o.id)] = y
            per_offer[o.id].append(y)
            goods_of[n.member_id].addterm(y, float(_ttc_unit(o)))
            ys.append(y)
        total = pulp.LpAffineExpression({y: 1 for y in ys})
        if not single:
            if n.minimum > 0:
                lp += total >= float(n.minimum), f"min_{ni[n.id]}"
            lp += total <= float(n.maximum), f"max_{ni[n.id]}"
        if n.maximum == n.target:
            covered = total
        else:
            c = lp.add_variable(f"c_{ni[n.id]}", 0, float(n.target))
            model.cover[n.id] = c
            lp += c - total <= 0, f"cover_{ni[n.id]}"
            covered = pulp.LpAffineExpression({c: 1})
        a = model.coef[n.id]
        for var, k in covered.items():
            fill[n.member_id].addterm(var, a * k)
            model.coverage.addterm(
                var, weight[n.member_id] * float(coef[n.id] * Fraction(n.target)) * k
            )

    leftover = pulp.LpAffineExpression()
    for oid, ys in per_offer.items():
        offer = p.offer_by_id[oid]
        cap = model.capacity[oid] if fixed else float(offer.pack_size) * packs_expr[oid]
        lp += pulp.lpSum(ys) - cap <= 0, f"supply_{oi[oid]}"
        price = float(_ttc_unit(offer)) or 1.0
        leftover += price * (cap - pulp.lpSum(ys))
    for m in p.members:
        if m.id in fill:
            lp += t - fill[m.id] <= 0, f"fair_{mi[m.id]}"
            model.fair_rows[m.id] = f"fair_{mi[m.id]}"
    model.fill = dict(fill)
    if not fixed:
        for m in p.members:
            if m.budget_cents is None or m.id not in key:
                continue
            share = float(key[m.id] / key_total)
            shared = fees + p.transport_cents
            if p.leftover_policy is LeftoverPolicy.SPLIT:
                shared = shared + leftover
            lp += (
                goods_of[m.id] + share * shared <= m.budget_cents - budget_margin_cents(p, m.id),
                f"budget_{mi[m.id]}",
            )
        goods_ttc = pulp.lpSum(float(1 + p.offer_by_id[o].vat_rate) * c for o, c in cost_ht.items())
        model.cost = goods_ttc + fees + leftover
    else:
        model.cost = leftover  # hand out as much as possible
    lp.setObjective(t)
    return model


# -- solving ---------------------------------------------------------------------------------


class _Lexicographic:
    """Runs the three stages on one model and turns the last complete plan into an Allocation."""

    def __init__(self, problem, supply, time_limit, solver, gap, leximin=False, caps=None):
        names = available_solvers()
        if solver is None:
            solver = names[0]
        solver = str(solver).lower()
        if solver not in ("highs", "cbc"):
            raise InvalidInput(f"solver must be 'highs' or 'cbc', got {solver!r}")
        if solver not in names:
            raise InvalidInput(
                f"solver {solver!r} is not available here (available: {', '.join(names)})"
            )
        if time_limit is not None and (isinstance(time_limit, bool) or time_limit <= 0):
            raise InvalidInput(
                f"time_limit must be a positive number of seconds, got {time_limit!r}"
            )
        if not 0 <= gap < 1:
            raise InvalidInput(f"gap must be in [0, 1), got {gap!r}")
        self.leximin = leximin
        self.caps = caps
        self.problem, self.supply, self.time_limit, self.solver, self.gap = (
            problem,
            supply,
            time_limit,
            solver,
            gap,
        )

    def run(self, method: str) -> Allocation:
        start = time.perf_counter()
        p = self.problem
        fixed = self.supply is not None
        if not p.needs:
            return evaluate(
                p,
                {},
                {},
                method=method,
                status="optimal",
                solver=self.solver,
                gap=0.0,
                fixed_supply=fixed,
            )
        model = _build(p, self.supply, self.caps)
        if not model.y:  # no offer any need names can be had: the empty plan is the only one
            return evaluate(
                p,
                self.supply if fixed else {},
                {},
                method=method,
                status="optimal",
                solver=self.solver,
                gap=0.0,
                seconds=time.perf_counter() - start,
                fixed_supply=fixed,
            )
        starts = [] if fixed else self._baseline_plans()
        if self.solver == "highs":
            stages = _HighsStages(self, model, start, starts)
            values, gaps, statuses, objectives = stages.run()
            proofs = stages.proofs
        else:
            values, gaps, statuses, objectives, proofs = self._solve_cbc(model, start, starts)
        packs, received = self._plan(model, values)
        alloc = evaluate(
            p,
            self.supply if fixed else packs,
            received,
            method=method,
            status="feasible",  # settled below, once fairness is measured on the published plan
            solver=self.solver,
            gap=max(gaps),
            seconds=time.perf_counter() - start,
            objectives=objectives,
            fixed_supply=fixed,
        )
        # Fairness is judged on the plan as published (goods sold by weight rounded to grams),
        # among the members the floor covers, against the best bound a stage proved.
        floor = [m.fill_ratio for m in alloc.members if m.member_id in model.fair_rows]
        smallest = min(floor, default=1.0)
        gaps[0] = _rel_gap(-smallest, -objectives.get("bound_min_fill_ratio", smallest))
        statuses[0] = "optimal" if gaps[0] <= self.gap else "feasible"
        alloc.objectives["min_fill_ratio"] = smallest
        alloc.objectives.update({f"gap_{k}": g for k, g in zip(_STAGES, gaps, strict=True)})
        alloc.status = "optimal" if all(s == "optimal" for s in statuses) else "feasible"
        alloc.gap = max(gaps)
        alloc.stages = {
            name: {"status": st, "gap": g, "proof": proofs.get(name, "")}
            for name, st, g in zip(_STAGES, statuses, gaps, strict=True)
        }
        broken = alloc.violations()
        if broken:
            raise NoPlanError("the solver's plan failed the final checks", broken)
        return alloc

    def _baseline_plans(self) -> list[tuple[dict[str, int], dict[tuple[str, str], float]]]:
        from .baselines import fcfs_plan, proportional_plan

        plans = []
        for rule in (fcfs_plan, proportional_plan):
            packs, received = rule(self.problem)
            plans.append((packs, {k: float(q) for k, q in received.items()}))
        return plans

    #: seconds per need line kept aside for what follows the solver (costing and re-checking
    #: the plan, explaining each need), so that the whole call stays within ``time_limit``
    FINISH_S_PER_LINE = 3e-5

    def remaining(self, start: float, share: float) -> float | None:
        if self.time_limit is None:
            return None
        if not hasattr(self, "_finish_s"):
            lines = sum(len(n.offer_ids) for n in self.problem.needs)
            self._finish_s = min(self.FINISH_S_PER_LINE * lines, 0.4 * self.time_limit)
        finish = self._finish_s
        left = self.time_limit - finish - (time.perf_counter() - start)
        return max(left * share, 0.05)

    def no_plan(self, status: str) -> NoPlanError:
        if status == "timeout":
            return SolverTimeout(f"no complete plan found within {self.time_limit} s")
        return InfeasibleProblem("no plan satisfies every bound", [self._joint_cause()])

    def _joint_cause(self) -> str:
        """Bounds that hold one by one but not together: name who and what they concern."""
        p = self.problem
        bound = [n for n in p.needs if n.minimum > 0]
        members = sorted({n.member_id for n in bound})
        offers = sorted({o for n in bound for o in n.offer_ids})
        budgets = sorted(m.id for m in p.members if m.budget_cents is not None and m.id in members)
        suppliers = sorted(
            {p.offer_by_id[o].supplier_id for o in offers}
            & {s.id for s in p.suppliers if s.minimum_order_cents > 0}
        )
        parts = [f"the minimums of members {', '.join(members)} (offers {', '.join(offers)})"]
        if budgets:
            parts.append(f"the budgets of {', '.join(budgets)}")
        if suppliers:
            parts.append(f"the minimum orders of suppliers {', '.join(suppliers)}")
        if self.supply is not None or any(p.offer_by_id[o].packs_available is not None for o in offers):
            parts.append("the units available")
        return ", ".join(parts[:-1]) + " and " + parts[-1] + " cannot all hold together"

    # CBC: re-solve the PuLP model with the previous stage kept as a constraint and a warm start.
    def _solve_cbc(self, model: _Model, start: float, starts):
        lp = model.lp
        statuses, gaps, objectives, proofs = [], [], {}, {}
        stages = (
            ("min_fill_ratio", model.t, pulp.LpMaximize),
            ("coverage", model.coverage, pulp.LpMaximize),
            ("cost", model.cost, pulp.LpMinimize),
        )
        values = None
        for k, (name, expr, sense) in enumerate(stages):
            lp.sense = sense
            lp.setObjective(expr)
            solver = _bundled_cbc(
                msg=False,
                timeLimit=self.remaining(start, (0.5, 0.5, 1.0)[k]),
                gapRel=self.gap,
                warmStart=k > 0,
                threads=1,
            )
            lp.solve(solver)
            has_plan = lp.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
            if not has_plan:
                if values is None:
                    timed = lp.status != pulp.LpStatusInfeasible and self.time_limit is not None
                    raise self.no_plan("timeout" if timed else "infeasible")
                for v in lp.variables():  # keep the previous stage's plan
                    v.varValue = values[v.name]
                statuses.append("feasible")
                gaps.append(1.0)  # CBC proved nothing for this stage
                proofs[name] = f"CBC: {pulp.LpStatus[lp.status].lower()}, previous stage's plan kept"
            else:
                values = {v.name: v.varValue or 0.0 for v in lp.variables()}
                proven = lp.sol_status == pulp.LpSolutionOptimal
                statuses.append("optimal" if proven else "feasible")
                # PuLP does not pass on CBC's bound: optimal means within the gap tolerance
                gaps.append(0.0 if proven else 1.0)
                proofs[name] = (
                    "CBC: optimal within the gap tolerance" if proven else "CBC: stopped, no bound"
                )
            achieved = pulp.value(expr)
            objectives[name] = achieved
            if lp.sol_status == pulp.LpSolutionOptimal:
                objectives[f"bound_{name}"] = achieved
            if k < 2:
                slack = _EPS if k == 0 else max(_EPS * abs(achieved), 1e-4)
                lp += (expr >= achieved - slack), f"keep_{name}"
        return values, gaps, statuses, objectives, proofs

    def _plan(self, model: _Model, values: Mapping[str, float]):
        p = self.problem
        packs = {}
        for oid, var in model.packs.items():
            packs[oid] = int(round(values[var.name]))
        for oid, handles in model.tiers.items():
            packs[oid] = int(round(sum(values[q.name] for q, _, _, _ in handles)))
        received: dict[tuple[str, str], Decimal] = {}
        by_offer: dict[str, list[tuple[str, str]]] = defaultdict(list)
        need_by_id = {n.id: n for n in p.needs}
        for (nid, oid), var in model.y.items():
            raw = values[var.name]
            if p.offer_by_id[oid].divisible:
                q = Decimal(repr(max(raw, 0.0))).quantize(_Q)
            else:
                q = Decimal(int(round(raw)))
            received[(nid, oid)] = q
            by_offer[oid].append((nid, oid))
        # Solver tolerances can leave a need a gram off its bounds or an offer a gram over.
        for nid, n in need_by_id.items():
            keys = [(nid, o) for o in n.offer_ids if (nid, o) in received]
            if not keys:
                continue
            total = sum(received[k] for k in keys)
            if total < n.minimum:
                received[keys[0]] += n.minimum - total
            elif total > n.maximum:
                received[keys[0]] -= min(total - n.maximum, received[keys[0]])
        for oid, keys in by_offer.items():
            offer = p.offer_by_id[oid]
            have = (
                self.supply[oid] if self.supply is not None else offer.pack_size * packs.get(oid, 0)
            )
            excess = sum(received[k] for k in keys) - have
            step = _Q if offer.divisible else Decimal(1)
            for k in sorted(keys, key=lambda k: (-(received[k] - need_by_id[k[0]].minimum), k)):
                if excess <= 0:
                    break
                spare = received[k] - need_by_id[k[0]].minimum
                take = min(spare, excess).quantize(step, rounding=ROUND_DOWN)
                received[k] -= take
                excess -= take
        return packs, received


class _HighsStages:
    """The stages on HiGHS: LP bound, rounded plan, and the MIP only if that plan is not close."""

    def __init__(self, owner: _Lexicographic, model: _Model, start: float, starts):
        import highspy
        import numpy as np

        self.hs, self.np = highspy, np
        self.owner, self.model, self.start, self.starts = owner, model, start, starts
        self.problem = owner.problem
        self.variables = model.lp.variables()
        self.n = len(self.variables)
        self.h = _to_highs(model.lp, self.variables)
        self.integer = [v.index for v in self.variables if v.cat == pulp.LpInteger]
        lp = self.h.getLp()
        a = lp.a_matrix_
        self.col_lo = np.array(lp.col_lower_)
        self.col_hi = np.array(lp.col_upper_)
        outer = np.repeat(np.arange(len(a.start_) - 1), np.diff(np.array(a.start_)))
        if a.format_ == highspy.MatrixFormat.kColwise:
            self.rows = (np.array(a.index_, dtype=np.int64), np.array(a.value_, dtype=float), outer)
        else:
            self.rows = (outer, np.array(a.value_, dtype=float), np.array(a.index_, dtype=np.int64))
        self.row_lo = list(lp.row_lower_)
        self.row_hi = list(lp.row_upper_)
        row_of = {c.name: i for i, c in enumerate(model.lp.constraints())}
        self.fair_row = {mid: row_of[name] for mid, name in model.fair_rows.items()}
        self.floors: dict[str, float] = {}  # members whose fill is fixed by an earlier level
        self.baseline_t = 0.0
        self.fill_terms = {
            mid: (
                np.array([v.index for v in e], dtype=int),
                np.array(list(e.values()), dtype=float),
            )
            for mid, e in model.fill.items()
        }
        self.mip = None
        self.proofs: dict[str, str] = {}  # per stage, what proves its gap (or why it stopped)
        self.problem_need = {n.id: n for n in self.problem.needs}
        left = owner.remaining(start, 1.0)
        self.stop = None if left is None else time.perf_counter() + left

    # -- helpers ---------------------------------------------------------------------------
    def _feasible(self, x) -> bool:
        np = self.np
        rows, vals, cols = self.rows
        activity = np.bincount(rows, weights=vals * x[cols], minlength=len(self.row_lo))
        lo, hi = np.array(self.row_lo), np.array(self.row_hi)
        tol = 1e-6 * (
            1 + np.abs(np.where(np.isfinite(lo), lo, 0)) + np.abs(np.where(np.isfinite(hi), hi, 0))
        )
        if np.any(activity < lo - tol) or np.any(activity > hi + tol):
            return False
        if np.any(x < self.col_lo - 1e-9) or np.any(x > self.col_hi + 1e-9):
            return False
        ints = x[self.integer]
        return bool(np.all(np.abs(ints - np.round(ints)) < 1e-9))

    def _expr_vector(self, expr: pulp.LpAffineExpression, sense: float):
        c = self.np.zeros(self.n)
        for v, k in expr.items():
            c[v.index] += sense * k
        return c

    def _add_row(self, c, lo: float, lo_lp: float) -> None:
        """Keep ``c @ x >= lo`` for plans; the LP gets a tighter ``lo_lp``: room to round."""
        idx = self.np.nonzero(c)[0].astype(self.np.int32)
        vals = c[idx].astype(float)
        self.h.addRow(lo_lp, self.hs.kHighsInf, len(idx), idx, vals)
        self.row_lo.append(lo)
        self.row_hi.append(math.inf)
        rows, values, cols = self.rows
        np = self.np
        self.rows = (
            np.concatenate([rows, np.full(len(idx), len(self.row_lo) - 1, dtype=np.int64)]),
            np.concatenate([values, vals]),
            np.concatenate([cols, np.asarray(idx, dtype=np.int64)]),
        )

    def _set_cost(self, h, c) -> None:
        h.changeObjectiveSense(self.hs.ObjSense.kMinimize)
        h.changeColsCost(self.n, self.np.arange(self.n, dtype=self.np.int32), c)

    def _limit(self, h, share: float) -> bool:
        limit = self.owner.remaining(self.start, share)
        # HiGHS counts its time limit over the instance's whole life, not per run
        h.setOptionValue(
            "time_limit", float(limit) + h.getRunTime() if limit is not None else math.inf
        )
        return limit is None or limit > 0.05

    # -- stages ----------------------------------------------------------------------------
    def run(self):
        hs, np, m = self.hs, self.np, self.model
        h = self.h
        stages = (
            ("min_fill_ratio", m.t, -1.0),
            ("coverage", m.coverage, -1.0),
            ("cost", m.cost, 1.0),
        )
        best = None
        gaps, statuses, objectives = [], [], {}
        for k, (name, expr, sense) in enumerate(stages):
            c = self._expr_vector(
                expr
                if isinstance(expr, pulp.LpAffineExpression)
                else pulp.LpAffineExpression({expr: 1}),
                sense,
            )
            const = sense * (expr.constant if isinstance(expr, pulp.LpAffineExpression) else 0.0)
            if best is not None and self.past_deadline():
                # out of time: the previous stage's plan stands, and nothing is proven here
                gaps.append(1.0)
                statuses.append("feasible")
                self.proofs[name] = "time limit reached before this stage"
                objectives[name] = sense * (float(c @ best) + const)
                continue
            self._set_cost(h, c)
            self._limit(h, (0.6, 0.5, 1.0)[k])
            h.setOptionValue("solver", "ipm" if k == 0 else "simplex")
            h.run()
            lp_status = h.getModelStatus()
            if lp_status in (
                hs.HighsModelStatus.kInfeasible,
                hs.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                raise self.owner.no_plan("infeasible")
            lp_ok = lp_status == hs.HighsModelStatus.kOptimal
            bound = h.getInfo().objective_function_value if lp_ok else -math.inf
            if k == 0:  # the baselines' plans, and handing out only the minimums
                starts = [self._vector(packs, y) for packs, y in self.starts]
                starts = [x for x in starts if x is not None and self._feasible(x)]
                self.baseline_t = max((min(self._fills(x).values()) for x in starts), default=0.0)
                if lp_ok and self.owner.leximin:
                    self._levels(-bound, 0.35)
                    lp_ok = h.getModelStatus() == hs.HighsModelStatus.kOptimal
            candidates = []
            if lp_ok:
                lp_x = np.array(h.getSolution().col_value)
                candidates.append(self._round(lp_x, k))
                if best is not None:  # the previous plan, moved towards this stage's LP optimum
                    candidates.append(self._toward(best, lp_x))
            if best is not None:
                candidates.append(best)
                candidates.append(self._trimmed(best))
            if k == 0:
                starts = [self._vector(packs, y) for packs, y in self.starts]
                candidates += starts
                candidates.append(self._vector({}, {}))
            if k == 0:
                self._unlevel()
            feasible = [x for x in candidates if x is not None and self._feasible(x)]
            # best objective first; among equals (to 1e-9) the plan with the most fill overall
            x = min(
                feasible,
                key=lambda x: (round(float(c @ x), 9), -sum(self._fills(x).values())),
                default=None,
            )
            value = float(c @ x) if x is not None else math.inf
            stage_gap = _rel_gap(value, bound)
            proof = "LP bound" if lp_ok else h.modelStatusToString(lp_status)
            if x is None or stage_gap > self.owner.gap:
                x, value, mip_bound = self._mip(c, x, (0.6, 0.5, 1.0)[k])
                if x is None:
                    timed_out = self.mip.getModelStatus() == hs.HighsModelStatus.kTimeLimit
                    raise self.owner.no_plan("timeout" if timed_out else "infeasible")
                # the branch and bound's own proof counts: its dual bound is at least the LP's
                bound = max(bound, mip_bound)
                stage_gap = _rel_gap(value, bound)
                mip_status = self.mip.getModelStatus()
                proof = (
                    "time limit reached before branch and bound"
                    if mip_status == hs.HighsModelStatus.kNotset
                    else "branch and bound, " + self.mip.modelStatusToString(mip_status).lower()
                )
            best = x
            gaps.append(stage_gap)
            statuses.append("optimal" if stage_gap <= self.owner.gap else "feasible")
            self.proofs[name] = proof
            objectives[name] = sense * (value + const)
            objectives[f"bound_{name}"] = sense * (bound + const)
            if k < 2:
                # Later stages keep this objective within the gap tolerance (fairness never below
                # a valid baseline's), so that a rounded plan can still be accepted; the gap
                # reported at the end is measured against the first LP bound, so it stays honest.
                slack = max(
                    _EPS * abs(value), 1e-6 if k == 0 else 1e-4, self.owner.gap * abs(value)
                )
                floor = value + slack
                if k == 0:  # never below a valid baseline's smallest fill ratio
                    floor = min(floor, -self.baseline_t)
                self._add_row(-c, -floor, -min(value + slack / 2, floor))
                if k == 0 and self.owner.leximin:
                    self._hold_fills(best)
        return {v.name: float(best[v.index]) for v in self.variables}, gaps, statuses, objectives

    def _fills(self, x) -> dict[str, float]:
        return {mid: float(vals @ x[idx]) for mid, (idx, vals) in self.fill_terms.items()}

    def _levels(self, value: float, share: float) -> float:
        """Leximin on the LP, to round from a balanced plan rather than any max-min vertex.

        After a max-min LP, members whose fairness row has a non-zero dual cannot gain without
        someone at the floor losing (their budget or stock blocks them): their fill is held at
        the floor and the next LP raises the floor of the others. Stops when every member is
        held, the floor reaches 1, or the time share runs out. :meth:`_unlevel` undoes it.
        """
        hs = self.hs
        h, t_col = self.h, self.model.t.index
        deadline = self.owner.remaining(self.start, share)
        stop = None if deadline is None else time.perf_counter() + deadline
        for _ in range(50):
            duals = h.getSolution().row_dual
            blocked = [
                mid
                for mid, r in self.fair_row.items()
                if mid not in self.floors and abs(duals[r]) > 1e-9
            ]
            free = [mid for mid in self.fair_row if mid not in self.floors and mid not in blocked]
            if not blocked or not free or value >= 1 - 1e-9:
                return value
            for mid in blocked:
                r = self.fair_row[mid]
                self.floors[mid] = value
                h.changeCoeff(r, t_col, 0.0)
                h.changeRowBounds(r, -hs.kHighsInf, -value * (1 - self.owner.gap / 2))
            if stop is not None:
                left = stop - time.perf_counter()
                if left <= 0.05:
                    break
                h.setOptionValue("time_limit", left + h.getRunTime())
            h.run()
            if h.getModelStatus() != hs.HighsModelStatus.kOptimal:
                break
            value = -h.getInfo().objective_function_value
        return value

    def _unlevel(self) -> None:
        for mid in self.floors:
            r = self.fair_row[mid]
            self.h.changeCoeff(r, self.model.t.index, 1.0)
            self.h.changeRowBounds(r, -self.hs.kHighsInf, 0.0)
        self.floors.clear()

    def _hold_fills(self, x) -> None:
        """Later stages may add to a member's fill ratio, never take from it (within the gap)."""
        for mid, value in self._fills(x).items():
            idx, vals = self.fill_terms[mid]
            c = self.np.zeros(self.n)
            c[idx] = vals
            self._add_row(
                c, value * (1 - self.owner.gap) - 1e-9, value * (1 - self.owner.gap / 2) - 1e-9
            )

    def _mip(self, c, start, share: float):
        """Branch and bound from ``start`` (when given) for the time left: best plan, its value
        and the dual bound the search proved (``-inf`` when it proved none)."""
        hs, np = self.hs, self.np
        # a fresh instance each time: its time limit then counts from this run
        mip = self.mip = hs.Highs()
        mip.setOptionValue("output_flag", False)
        mip.setOptionValue("random_seed", 0)
        mip.setOptionValue("threads", 1)
        _small_coefficients(mip)
        lp = self.h.getLp()
        kinds = [hs.HighsVarType.kContinuous] * self.n
        for i in self.integer:
            kinds[i] = hs.HighsVarType.kInteger
        lp.integrality_ = kinds
        mip.passModel(lp)
        mip.setOptionValue("mip_rel_gap", self.owner.gap)
        self._set_cost(mip, c)
        if not self._limit(mip, share) and start is not None:
            return start, float(c @ start), -math.inf
        if start is not None:
            sol = hs.HighsSolution()
            sol.col_value = list(start)
            sol.value_valid = True
            mip.setSolution(sol)
        mip.run()
        sol = mip.getSolution()
        found = None
        if sol.value_valid and mip.getModelStatus() != hs.HighsModelStatus.kInfeasible:
            x = np.array(sol.col_value)
            x[self.integer] = np.round(x[self.integer])
            if self._feasible(x):
                found = x
        if found is None or (start is not None and float(c @ start) <= float(c @ found)):
            found = start
        if found is None:
            return None, math.inf, -math.inf
        dual = mip.getInfo().mip_dual_bound
        return found, float(c @ found), dual if math.isfinite(dual) else -math.inf

    # -- rounding --------------------------------------------------------------------------
    def _round(self, x, stage: int):
        """A whole-pack, whole-unit plan near the LP optimum ``x``."""
        m, p = self.model, self.problem
        packs: dict[str, int] = {}
        for oid, var in m.packs.items():
            packs[oid] = min(m.bound[oid], math.ceil(x[var.index] - 1e-6))
        for oid, handles in m.tiers.items():
            packs[oid] = min(
                m.bound[oid], math.ceil(sum(x[q.index] for q, _, _, _ in handles) - 1e-6)
            )
        y = {}
        for key, var in m.y.items():
            v = max(x[var.index], 0.0)
            y[key] = v if p.offer_by_id[key[1]].divisible else math.floor(v + 1e-6)
        return self._vector(packs, y, improve=True)

    def _packs_of(self, x) -> dict[str, int]:
        m = self.model
        packs = {oid: int(round(x[var.index])) for oid, var in m.packs.items()}
        for oid, handles in m.tiers.items():
            packs[oid] = int(round(sum(x[q.index] for q, _, _, _ in handles)))
        return packs

    def _toward(self, best, lp_x):
        """Keep every unit of the previous plan, add packs and units the LP asks for."""
        m, p = self.model, self.problem
        packs = self._packs_of(best)
        for oid, var in m.packs.items():
            packs[oid] = max(
                packs.get(oid, 0), min(m.bound[oid], math.ceil(lp_x[var.index] - 1e-6))
            )
        for oid, handles in m.tiers.items():
            want = math.ceil(sum(lp_x[q.index] for q, _, _, _ in handles) - 1e-6)
            packs[oid] = max(packs.get(oid, 0), min(m.bound[oid], want))
        y = {key: float(best[var.index]) for key, var in m.y.items()}
        toward = {}
        for key, var in m.y.items():
            v = max(lp_x[var.index], 0.0)
            toward[key] = v if p.offer_by_id[key[1]].divisible else math.floor(v + 1e-6)
        return self._vector(packs, y, toward=toward)

    def _trimmed(self, best):
        """The previous plan without packs that only feed leftovers."""
        m, p = self.model, self.problem
        packs = self._packs_of(best)
        y = {key: float(best[var.index]) for key, var in m.y.items()}
        used: dict[str, float] = defaultdict(float)
        for (_, oid), v in y.items():
            used[oid] += v
        changed = False
        for oid, n in packs.items():
            size = float(p.offer_by_id[oid].pack_size)
            while n > 0 and size * (n - 1) >= used[oid] - 1e-9:
                n -= 1
                changed = True
            packs[oid] = n
        return self._vector(packs, y) if changed else None

    def _vector(
        self,
        packs: dict[str, int],
        y: dict[tuple[str, str], float],
        improve: bool = False,
        toward: dict[tuple[str, str], float] | None = None,
    ):
        """Complete model vector for a plan: tiers, suppliers, coverage and t; None if unusable."""
        m, p = self.model, self.problem
        fixed = self.owner.supply is not None
        packs = dict(packs)
        y = {k: float(y.get(k, 0.0)) for k in m.y}
        if not fixed:
            self._reach_minimums(packs)
            capacity = {
                oid: float(p.offer_by_id[oid].pack_size) * packs.get(oid, 0) for oid in m.bound
            }
        else:
            capacity = dict(m.capacity)
        used: dict[str, float] = defaultdict(float)
        for (_, oid), v in y.items():
            used[oid] += v
        over = {oid for oid, u in used.items() if u > capacity.get(oid, 0.0) + 1e-9}
        for (nid, oid), v in sorted(k for k in y.items() if k[0][1] in over):  # dropped or short: take back
            if used[oid] > capacity.get(oid, 0.0) + 1e-9 and v > 0:
                back = min(v, used[oid] - capacity.get(oid, 0.0))
                y[(nid, oid)] -= back
                used[oid] -= back
        need = {n.id: n for n in p.needs}
        totals: dict[str, float] = defaultdict(float)
        for (nid, _), v in y.items():
            totals[nid] += v
        for nid, n in need.items():  # minimums first
            short = float(n.minimum) - totals[nid]
            for oid in n.offer_ids:
                if short <= 1e-9 or (nid, oid) not in y:
                    continue
                give = min(short, capacity.get(oid, 0.0) - used[oid])
                if not p.offer_by_id[oid].divisible:
                    give = math.floor(give + 1e-9)
                if give > 0:
                    y[(nid, oid)] += give
                    used[oid] += give
                    totals[nid] += give
                    short -= give
            if short > 1e-9:
                return None
        slack = self._budget_slack(packs, y, capacity, used) if not fixed else {}
        if not self._repair_budgets(y, used, totals, slack):
            return None
        fill: dict[str, float] = defaultdict(float)
        for nid, n in need.items():
            fill[n.member_id] += m.coef[nid] * min(totals[nid], float(n.target))
        if toward:
            self._raise_toward(y, toward, used, capacity, totals, fill, slack)
        self._water_fill(y, used, capacity, totals, fill, slack, up_to_target=True)
        if improve:
            self._raise_minimum(y, totals, fill, slack)
        self._water_fill(y, used, capacity, totals, fill, slack, up_to_target=False)
        return self._assemble(packs, y, totals, fill)

    def _reach_minimums(self, packs: dict[str, int]) -> None:
        """A supplier below its minimum order: add packs where they serve most, else drop it."""
        m, p = self.model, self.problem
        for s in p.suppliers:
            offers = [o for o in p.offers if o.supplier_id == s.id and o.id in m.bound]
            goods = sum(
                packs.get(o.id, 0) * o.tier_for(packs.get(o.id, 0)).pack_price_cents for o in offers
            )
            if goods == 0 or goods >= s.minimum_order_cents:
                continue
            growable = sorted(
                (o for o in offers if packs.get(o.id, 0) < m.bound[o.id]),
                key=lambda o: (-len(p.needs_by_offer.get(o.id, ())), o.id),
            )
            while goods < s.minimum_order_cents and growable:
                for o in list(growable):
                    if goods >= s.minimum_order_cents:
                        break
                    packs[o.id] = packs.get(o.id, 0) + 1
                    if packs[o.id] >= m.bound[o.id]:
                        growable.remove(o)
                    goods = sum(
                        packs.get(x.id, 0) * x.tier_for(packs.get(x.id, 0)).pack_price_cents
                        for x in offers
                    )
            if goods < s.minimum_order_cents:
                for o in offers:
                    packs[o.id] = 0

    def _fees(self, packs: dict[str, int]) -> float:
        p = self.problem
        goods: dict[str, int] = defaultdict(int)
        for oid, n in packs.items():
            o = p.offer_by_id[oid]
            goods[o.supplier_id] += n * o.tier_for(n).pack_price_cents
        fees = 0.0
        for s in p.suppliers:
            if goods.get(s.id, 0) > 0 and not (
                s.free_delivery_cents is not None and goods[s.id] >= s.free_delivery_cents
            ):
                fees += s.delivery_fee_cents
        return fees

    def _budget_slack(self, packs, y, capacity, used) -> dict[str, float]:
        """Room left in each capped budget as the model counts it (list prices, rounding margin)."""
        p = self.problem
        key = p.fee_key_weights()
        key_total = sum(key.values(), Fraction(0))
        shared = self._fees(packs) + p.transport_cents
        if p.leftover_policy is LeftoverPolicy.SPLIT:
            shared += sum(
                float(_ttc_unit(p.offer_by_id[o])) * (capacity[o] - used[o]) for o in capacity
            )
        spend: dict[str, float] = defaultdict(float)
        need = {n.id: n for n in p.needs}
        for (nid, oid), v in y.items():
            spend[need[nid].member_id] += v * float(_ttc_unit(p.offer_by_id[oid]))
        slack = {}
        for mem in p.members:
            if mem.budget_cents is None or mem.id not in key:
                continue
            share = float(key[mem.id] / key_total)
            slack[mem.id] = (
                mem.budget_cents - budget_margin_cents(p, mem.id) - share * shared - spend[mem.id] - 1e-3
            )
        return slack

    def _repair_budgets(self, y, used, totals, slack) -> bool:
        """Take units back (dearest first, never below minimums) from members over budget."""
        p = self.problem
        need = {n.id: n for n in p.needs}
        over = {mid for mid, v in slack.items() if v < 0}
        if not over:
            return True
        for key in sorted(
            (k for k in y if need[k[0]].member_id in over),
            key=lambda k: (-float(_ttc_unit(p.offer_by_id[k[1]])), k),
        ):
            nid, oid = key
            member = need[nid].member_id
            if slack[member] >= 0:
                continue
            offer = p.offer_by_id[oid]
            price = float(_ttc_unit(offer))
            if price <= 0:
                continue
            take = min(-slack[member] / price, y[key], totals[nid] - float(need[nid].minimum))
            if not offer.divisible:
                take = min(
                    math.ceil(take - 1e-9),
                    math.floor(min(y[key], totals[nid] - float(need[nid].minimum))),
                )
            if take <= 0:
                continue
            y[key] -= take
            used[oid] -= take
            totals[nid] -= take
            slack[member] += take * price
        return all(v >= 0 for v in slack.values())

    def _water_fill(self, y, used, capacity, totals, fill, slack, *, up_to_target: bool) -> None:
        """Hand spare units out least-served member first, in bulk so that huge counts cost nothing.

        Per offer, the units that raise fill ratios first bring the least-served members up to a
        common level (found by bisection), whole units rounded down; the few units left then go
        one at a time to the least served, and units beyond targets (tolerances) go last.
        """
        import heapq

        m, p = self.model, self.problem
        need = {n.id: n for n in p.needs}
        by_offer: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key in y:
            by_offer[key[1]].append(key)
        for oid, keys in by_offer.items():
            offer = p.offer_by_id[oid]
            whole = not offer.divisible
            step = 1.0 if whole else 1e-6
            spare = capacity.get(oid, 0.0) - used[oid]
            if spare < step:
                continue
            price = float(_ttc_unit(offer))
            room: dict[str, float] = {}
            for nid, _ in keys:
                n = need[nid]
                cap = float(n.target) if up_to_target else float(n.maximum)
                r = min(min(cap, float(n.maximum)) - totals[nid], m.y[(nid, oid)].upBound - y[(nid, oid)])
                if n.member_id in slack and price > 0:
                    r = min(r, slack[n.member_id] / price)
                if whole:
                    r = math.floor(r + 1e-9)
                if r > 1e-9:
                    room[nid] = r
            if not room:
                continue

            np = self.np
            ids = sorted(room)
            start = np.array([fill[need[nid].member_id] for nid in ids])
            coef = np.array([m.coef[nid] for nid in ids])
            gain = np.maximum(
                np.minimum(
                    np.array([room[nid] for nid in ids]),
                    np.array([float(need[nid].target) - totals[nid] for nid in ids]),
                ),
                0.0,
            )  # units that still raise each fill ratio
            if whole:
                gain = np.floor(gain + 1e-9)
            if gain.sum() <= spare:
                units = gain
            else:
                lo, hi = float(start.min()), float((start + gain * coef).max())
                for _ in range(100):
                    mid = (lo + hi) / 2
                    want = np.minimum(gain, np.maximum((mid - start) / coef, 0.0))
                    if (np.floor(want + 1e-9) if whole else want).sum() <= spare:
                        lo = mid
                    else:
                        hi = mid
                units = np.minimum(gain, np.maximum((lo - start) / coef, 0.0))
                if whole:
                    units = np.floor(units + 1e-9)
            for nid, u in zip(ids, units.tolist(), strict=True):
                self._give(y, used, totals, fill, slack, nid, oid, u, price)
                room[nid] -= u
                spare -= u

            def below(nid: str) -> float:
                b = min(room[nid], float(need[nid].target) - totals[nid])  # noqa: B023
                return max(math.floor(b + 1e-9) if whole else b, 0.0)  # noqa: B023
            heap = [(fill[need[nid].member_id], nid) for nid in room if room[nid] > 1e-9]
            heapq.heapify(heap)
            while heap and spare >= step and not self.past_deadline():
                _, nid = heapq.heappop(heap)
                raising = below(nid)
                give = min(1.0 if whole and raising >= 1 else (raising or room[nid]), room[nid], spare)
                if whole:
                    give = math.floor(give + 1e-9)
                if give <= 1e-9:
                    continue
                self._give(y, used, totals, fill, slack, nid, oid, give, price)
                room[nid] -= give
                spare -= give
                if room[nid] > 1e-9:
                    heapq.heappush(heap, (fill[need[nid].member_id], nid))

    def _give(self, y, used, totals, fill, slack, nid, oid, units, price) -> None:
        if units <= 0:
            return
        n = self.problem_need[nid]
        y[(nid, oid)] += units
        used[oid] += units
        before = min(totals[nid], float(n.target))
        totals[nid] += units
        fill[n.member_id] += self.model.coef[nid] * (min(totals[nid], float(n.target)) - before)
        if n.member_id in slack:
            slack[n.member_id] -= units * price

    def past_deadline(self) -> bool:
        """True once the time limit has run out: the rounding then stops improving its plan."""
        return self.stop is not None and time.perf_counter() > self.stop

    def _raise_toward(self, y, toward, used, capacity, totals, fill, slack) -> None:
        """Add units up to ``toward`` where stock, maxima and budgets allow, least served first."""
        m, p = self.model, self.problem
        need = {n.id: n for n in p.needs}
        order = sorted(
            (k for k in y if toward.get(k, 0.0) > y[k] + 1e-9),
            key=lambda k: (fill[need[k[0]].member_id], k),
        )
        for key in order:
            nid, oid = key
            n = need[nid]
            offer = p.offer_by_id[oid]
            give = min(
                toward[key] - y[key],
                m.y[key].upBound - y[key],
                capacity.get(oid, 0.0) - used[oid],
                float(n.maximum) - totals[nid],
            )
            price = float(_ttc_unit(offer))
            if n.member_id in slack and price > 0:
                give = min(give, slack[n.member_id] / price)
            if not offer.divisible:
                give = math.floor(give + 1e-9)
            if give <= 1e-9:
                continue
            before = min(totals[nid], float(n.target))
            y[key] += give
            used[oid] += give
            totals[nid] += give
            fill[n.member_id] += m.coef[nid] * (min(totals[nid], float(n.target)) - before)
            if n.member_id in slack:
                slack[n.member_id] -= give * price

    def _raise_minimum(self, y, totals, fill, slack, rounds: int = 2000) -> None:
        """Move single units from better-served members to the least-served one while that helps."""
        m, p = self.model, self.problem
        need = {n.id: n for n in p.needs}
        pairs_of_member: dict[str, list[tuple[str, str]]] = defaultdict(list)
        pairs_of_offer: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key in y:
            pairs_of_member[need[key[0]].member_id].append(key)
            pairs_of_offer[key[1]].append(key)
        for _ in range(rounds):
            if self.past_deadline():
                return
            worst = min(fill, key=lambda k: (fill[k], k))
            moved = False
            for key in pairs_of_member[worst]:
                nid, oid = key
                n = need[nid]
                offer = p.offer_by_id[oid]
                unit = 1.0 if not offer.divisible else min(1.0, float(n.target) - totals[nid])
                if (
                    totals[nid] + unit > float(n.target) + 1e-9
                    or y[key] + unit > m.y[key].upBound + 1e-9
                    or unit <= 1e-9
                ):
                    continue
                price = float(_ttc_unit(offer))
                if worst in slack and slack[worst] < unit * price:
                    continue
                gain = m.coef[nid] * unit
                for donor in pairs_of_offer[oid]:
                    dn = need[donor[0]]
                    dm = dn.member_id
                    if (
                        dm == worst
                        or y[donor] < unit - 1e-9
                        or totals[donor[0]] - unit < float(dn.minimum) - 1e-9
                    ):
                        continue
                    loss = m.coef[donor[0]] * (
                        min(totals[donor[0]], float(dn.target))
                        - min(totals[donor[0]] - unit, float(dn.target))
                    )
                    if fill[dm] - loss <= fill[worst] + 1e-12:
                        continue
                    y[donor] -= unit
                    totals[donor[0]] -= unit
                    fill[dm] -= loss
                    y[key] += unit
                    totals[nid] += unit
                    fill[worst] += gain
                    if worst in slack:
                        slack[worst] -= unit * price
                    if dm in slack:
                        slack[dm] += unit * price
                    moved = True
                    break
                if moved:
                    break
            if not moved:
                return

    def _assemble(self, packs, y, totals, fill):
        m, p, np = self.model, self.problem, self.np
        x = np.zeros(self.n)
        for oid, var in m.packs.items():
            x[var.index] = packs.get(oid, 0)
        for oid, handles in m.tiers.items():
            n_packs = packs.get(oid, 0)
            for q, z, lo, hi in handles:
                if n_packs > 0 and lo <= n_packs <= hi:
                    x[q.index], x[z.index] = n_packs, 1
        goods: dict[str, int] = defaultdict(int)
        for oid, n_packs in packs.items():
            o = p.offer_by_id[oid]
            goods[o.supplier_id] += n_packs * o.tier_for(n_packs).pack_price_cents
        for sid, var in m.used.items():
            x[var.index] = 1 if goods.get(sid, 0) > 0 else 0
        for sid, var in m.free.items():
            s = p.supplier_by_id[sid]
            x[var.index] = 1 if goods.get(sid, 0) > 0 and goods[sid] >= s.free_delivery_cents else 0
        for key, var in m.y.items():
            x[var.index] = y[key]
        for nid, var in m.cover.items():
            x[var.index] = min(totals[nid], float(var.upBound))
        x[m.t.index] = min(fill.values()) if fill else 0.0
        return x


def _to_highs(lp: pulp.LpProblem, variables: list[pulp.LpVariable]):
    """Hand the PuLP model to HiGHS in one call (PuLP's own transfer adds rows one by one)."""
    import highspy
    import numpy as np

    inf = highspy.kHighsInf
    for i, v in enumerate(variables):
        v.index = i
    model = highspy.HighsLp()
    model.num_col_ = len(variables)
    model.col_cost_ = np.zeros(len(variables))
    model.col_lower_ = np.array(
        [-inf if v.lowBound is None else v.lowBound for v in variables], dtype=float
    )
    model.col_upper_ = np.array(
        [inf if v.upBound is None else v.upBound for v in variables], dtype=float
    )
    starts, index, value, lower, upper = [0], [], [], [], []
    for c in lp.constraints():
        for v, k in c.items():
            if k:
                index.append(v.index)
                value.append(k)
        starts.append(len(index))
        rhs = -c.constant
        lower.append(rhs if c.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ) else -inf)
        upper.append(rhs if c.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ) else inf)
    model.num_row_ = len(lower)
    model.row_lower_ = np.array(lower, dtype=float)
    model.row_upper_ = np.array(upper, dtype=float)
    model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    model.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    model.a_matrix_.index_ = np.array(index, dtype=np.int32)
    model.a_matrix_.value_ = np.array(value, dtype=float)
    model.a_matrix_.num_col_ = len(variables)
    model.a_matrix_.num_row_ = len(lower)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    _small_coefficients(h)
    h.passModel(model)
    return h


def _small_coefficients(h) -> None:
    """Keep fill coefficients of huge targets: HiGHS drops matrix entries below 1e-9 by default,
    and one unit of a target of a billion is worth 1e-9 of a fill ratio."""
    h.setOptionValue("small_matrix_value", 1e-12)


def _rel_gap(value: float, bound: float) -> float:
    """Relative distance of a minimised objective ``value`` to a lower ``bound``."""
    if not math.isfinite(value):
        return 1.0
    if not math.isfinite(bound):
        return 1.0
    return max(value - bound, 0.0) / max(abs(value), abs(bound), 1e-9)

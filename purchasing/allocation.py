"""A plan (packs per offer, quantities per need) turned into an explained, costed allocation.

The optimiser and the baselines all hand their plan to :func:`evaluate`, so their results are
costed, explained and checked by the very same code and can be compared line by line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property

from .model import QUANTITY_DECIMALS, LeftoverPolicy, PriceTier, Problem, budget_margin_cents
from .money import apportion, format_cents

_MILLI = 10**QUANTITY_DECIMALS


class Reason:
    """Why a need got less than its target (words a treasurer can read)."""

    BUDGET = "budget"
    AVAILABILITY = "availability"
    PACK_ROUNDING = "pack_rounding"
    SUPPLIER_MINIMUM = "supplier_minimum"


@dataclass(frozen=True)
class ChargeLine:
    """Goods of one offer charged to one member (or to the shared stock), VAT shown."""

    offer_id: str
    product: str
    quantity: Decimal
    unit: str
    vat_rate: Decimal
    ht_cents: int
    vat_cents: int

    @property
    def ttc_cents(self) -> int:
        return self.ht_cents + self.vat_cents


@dataclass(frozen=True)
class OfferOrder:
    """Packs ordered from one offer, at the tier the group reached."""

    offer_id: str
    supplier_id: str
    packs: int
    units: Decimal
    allocated_units: Decimal
    leftover_units: Decimal
    tier_min_packs: int
    pack_price_cents: int
    ht_cents: int
    vat_cents: int

    @property
    def ttc_cents(self) -> int:
        return self.ht_cents + self.vat_cents


@dataclass(frozen=True)
class SupplierOrder:
    supplier_id: str
    goods_ht_cents: int
    goods_ttc_cents: int
    minimum_order_cents: int
    delivery_fee_cents: int  # charged: 0 when waived above the free-delivery threshold


@dataclass(frozen=True)
class NeedResult:
    need_id: str
    member_id: str
    offer_ids: tuple[str, ...]
    minimum: Decimal
    target: Decimal
    maximum: Decimal
    received: dict[str, Decimal]
    reason: str | None  # None when the target is met
    # the reason in words, naming what blocked: the member, offer or supplier and the figure
    cause: str | None = None

    @property
    def total(self) -> Decimal:
        return sum(self.received.values(), Decimal(0))

    @property
    def fill_ratio(self) -> float:
        return float(min(self.total, self.target) / self.target)


@dataclass(frozen=True)
class MemberResult:
    member_id: str
    fill_ratio: float
    need_value_cents: Decimal  # declared needs at list prices, excl. VAT
    lines: tuple[ChargeLine, ...]
    fee_share_cents: int
    transport_share_cents: int
    leftover_share_cents: int
    budget_cents: int | None

    # computed once: a result is immutable, and explanations ask for them per need
    @cached_property
    def goods_ht_cents(self) -> int:
        return sum(line.ht_cents for line in self.lines)

    @cached_property
    def goods_vat_cents(self) -> int:
        return sum(line.vat_cents for line in self.lines)

    @cached_property
    def total_cents(self) -> int:
        return (
            self.goods_ht_cents
            + self.goods_vat_cents
            + self.fee_share_cents
            + self.transport_share_cents
            + self.leftover_share_cents
        )


@dataclass
class Allocation:
    """The result of a split: who receives what, who pays what, and why."""

    problem: Problem
    method: str
    status: str  # optimal | feasible (stopped at gap or time limit) | heuristic | fixed
    solver: str
    gap: float | None
    seconds: float
    offers: list[OfferOrder]
    suppliers: list[SupplierOrder]
    needs: list[NeedResult]
    members: list[MemberResult]
    shared_stock: list[ChargeLine]
    key_weights: dict[str, Fraction]
    objectives: dict[str, float] = field(default_factory=dict)
    #: per stage (min_fill_ratio, coverage, cost): status, gap and what proves it (solver runs only)
    stages: dict[str, dict] = field(default_factory=dict)

    # -- figures ---------------------------------------------------------------------------
    @property
    def min_fill_ratio(self) -> float:
        return min((m.fill_ratio for m in self.members), default=1.0)

    @property
    def jain_index(self) -> float:
        """Jain's fairness index of the members' fill ratios: 1 when all are equal."""
        fills = [m.fill_ratio for m in self.members]
        square_sum = sum(f * f for f in fills)
        return 1.0 if square_sum == 0 else sum(fills) ** 2 / (len(fills) * square_sum)

    @property
    def leftover_units(self) -> Decimal:
        return sum((o.leftover_units for o in self.offers), Decimal(0))

    @property
    def invoice_ttc_cents(self) -> int:
        return sum(o.ttc_cents for o in self.offers)

    @property
    def fees_cents(self) -> int:
        return sum(s.delivery_fee_cents for s in self.suppliers)

    @property
    def total_cost_cents(self) -> int:
        """What the coordination pays out: supplier invoices, delivery fees and transport."""
        return self.invoice_ttc_cents + self.fees_cents + self.problem.transport_cents

    @property
    def shared_stock_cents(self) -> int:
        return sum(line.ttc_cents for line in self.shared_stock)

    def member(self, member_id: str) -> MemberResult:
        return next(m for m in self.members if m.member_id == member_id)

    # -- checks ----------------------------------------------------------------------------
    def violations(self) -> list[str]:
        """Every bound the plan breaks, in words; empty for a valid plan."""
        p = self.problem
        out: list[str] = []
        delivered: dict[str, Decimal] = defaultdict(Decimal)
        for n in self.needs:
            divisible = p.offer_by_id[n.offer_ids[0]].divisible
            for oid, q in n.received.items():
                if oid not in n.offer_ids:
                    out.append(f"need {n.need_id} received {oid!r}, which it did not ask for")
                if q < 0:
                    out.append(f"need {n.need_id} received a negative quantity of {oid!r}")
                if not divisible and q != q.to_integral_value():
                    out.append(f"need {n.need_id} received {q} units of {oid!r}: not whole units")
                delivered[oid] += q
            if not n.minimum <= n.total <= n.maximum:
                out.append(
                    f"need {n.need_id} of {n.member_id!r} received {n.total}, "
                    f"outside [{n.minimum}, {n.maximum}]"
                )
        for o in self.offers:
            offer = p.offer_by_id[o.offer_id]
            if o.packs < 0:
                out.append(f"offer {o.offer_id!r}: negative pack count")
            if offer.packs_available is not None and o.packs > offer.packs_available:
                out.append(
                    f"offer {o.offer_id!r}: {o.packs} packs ordered, "
                    f"{offer.packs_available} available"
                )
            if delivered[o.offer_id] > o.units:
                out.append(
                    f"offer {o.offer_id!r}: {delivered[o.offer_id]} units handed out, "
                    f"{o.units} bought"
                )
            if o.units != o.allocated_units + o.leftover_units:
                out.append(f"offer {o.offer_id!r}: units bought are not all accounted for")
        ordered = {o.offer_id for o in self.offers}
        for oid, q in delivered.items():
            if q > 0 and oid not in ordered:
                out.append(f"offer {oid!r}: {q} units handed out but none ordered")
        for s in self.suppliers:
            if s.goods_ht_cents < s.minimum_order_cents:
                out.append(
                    f"supplier {s.supplier_id!r}: order of {format_cents(s.goods_ht_cents)} "
                    f"is below its minimum {format_cents(s.minimum_order_cents)}"
                )
        for m in self.members:
            if m.budget_cents is not None and m.total_cents > m.budget_cents:
                out.append(
                    f"member {m.member_id!r} pays {format_cents(m.total_cents)}, above its budget "
                    f"{format_cents(m.budget_cents)}"
                )
        charged = sum(m.total_cents for m in self.members) + self.shared_stock_cents
        if charged != self.total_cost_cents:
            out.append(
                f"charges {format_cents(charged)} differ from costs "
                f"{format_cents(self.total_cost_cents)}"
            )
        return out

    def is_feasible(self) -> bool:
        """Re-check every bound from scratch (quantities, packs, minimums, budgets, money)."""
        return not self.violations()

    def summary(self) -> str:
        """A plain-text report: status, then one line per member, then unmet needs and why."""
        gap = "-" if self.gap is None else f"{self.gap:.4%}"
        head = [
            f"{self.method}: {self.status} ({self.solver}, gap {gap}, {self.seconds:.2f} s)",
            f"smallest fill ratio {self.min_fill_ratio:.3f}, Jain index {self.jain_index:.3f}, "
            f"leftover units {self.leftover_units}",
            f"supplier invoices {format_cents(self.invoice_ttc_cents)} TTC, delivery fees "
            f"{format_cents(self.fees_cents)}, "
            f"transport {format_cents(self.problem.transport_cents)}, "
            f"shared stock {format_cents(self.shared_stock_cents)}",
            f"{'member':<16}{'fill':>7}{'goods TTC':>12}{'fees':>10}{'leftover':>10}"
            f"{'total':>12}{'budget':>12}",
        ]
        for m in self.members:
            budget = "-" if m.budget_cents is None else format_cents(m.budget_cents)
            goods = format_cents(m.goods_ht_cents + m.goods_vat_cents)
            shares = format_cents(m.fee_share_cents + m.transport_share_cents)
            head.append(
                f"{m.member_id:<16}{m.fill_ratio:>7.3f}{goods:>12}{shares:>10}"
                f"{format_cents(m.leftover_share_cents):>10}{format_cents(m.total_cents):>12}"
                f"{budget:>12}"
            )
        unmet = [n for n in self.needs if n.reason]
        if unmet:
            head.append("unmet needs:")
            head += [
                f"  {n.need_id} {n.member_id} {'/'.join(n.offer_ids)}: "
                f"{n.total} of {n.target} ({n.reason})"
                for n in unmet
            ]
        return "\n".join(head)


def fill_coefficients(problem: Problem) -> dict[str, Fraction]:
    """Per need, the fill-ratio points one covered unit brings its member.

    A member's fill ratio is the share of the value it declared (targets at list prices) that
    it receives, each need counted up to its target; needs of free goods count by lines.
    """
    return problem.fill_coefficients


def _vat(ht_cents: int, rate: Decimal) -> int:
    return int((Decimal(ht_cents) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _milli(q: Decimal) -> int:
    return int(q * _MILLI)


def evaluate(
    problem: Problem,
    packs: Mapping[str, int],
    received: Mapping[tuple[str, str], Decimal],
    *,
    method: str,
    status: str,
    solver: str = "-",
    gap: float | None = None,
    seconds: float = 0.0,
    objectives: dict[str, float] | None = None,
    fixed_supply: bool = False,
    tiers: Mapping[str, PriceTier] | None = None,
    ceiling: Allocation | None = None,
    exempt: frozenset[str] = frozenset(),
) -> Allocation:
    """Cost and explain a plan: ``packs`` per offer, ``received[(need id, offer id)]`` units.

    With ``fixed_supply`` (goods already received) ``packs`` gives the units on hand per offer,
    and no supplier minimum, tier, fee or budget applies. ``tiers`` fixes the price tier of
    some offers (a delivery is paid at the tier the order reached). With ``ceiling`` (the plan
    a re-split replaces) no part of the cost — a goods line, the shared stock's line, a fee,
    transport or leftover share — is apportioned above what the ceiling charged it, except for
    the members in ``exempt`` (they agreed to receive more than their plan).
    """
    p = problem
    key = p.fee_key_weights()
    key_ids = list(key)
    received = {k: Decimal(v) for k, v in received.items() if v}
    per_offer_member: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    need_member = {n.id: n.member_id for n in p.needs}
    for (need_id, oid), q in received.items():
        per_offer_member[oid][need_member[need_id]] += q

    offers: list[OfferOrder] = []
    member_lines: dict[str, list[ChargeLine]] = defaultdict(list)
    shared: list[ChargeLine] = []
    goods_ht: dict[str, int] = defaultdict(int)
    goods_ttc: dict[str, int] = defaultdict(int)
    leftover_ttc = 0
    before = _ceilings(ceiling, exempt)
    for offer in p.offers:
        if fixed_supply:
            n_packs, units = 0, Decimal(packs.get(offer.id, 0))
        else:
            n_packs = int(packs.get(offer.id, 0))
            units = offer.pack_size * n_packs
        if units <= 0 and not per_offer_member.get(offer.id):
            continue
        shares = per_offer_member.get(offer.id, {})
        allocated = sum(shares.values(), Decimal(0))
        leftover = units - allocated
        if fixed_supply:
            tier_min, price, ht = 1, 0, 0
        else:
            tier = tiers[offer.id] if tiers and offer.id in tiers else offer.tier_for(n_packs)
            tier_min, price, ht = (
                tier.min_packs,
                tier.pack_price_cents,
                n_packs * tier.pack_price_cents,
            )
        vat = _vat(ht, offer.vat_rate)
        recipients = [m for m in (mm.id for mm in p.members) if shares.get(m, 0) > 0]
        weights = [_milli(shares[m]) for m in recipients] + [max(_milli(leftover), 0)]
        if sum(weights) == 0:
            weights = [0] * len(recipients) + [1]
        owners = [*recipients, _LEFTOVER]
        ht_parts = apportion(ht, weights, before.caps(offer.id, "ht", owners))
        vat_parts = apportion(vat, weights, before.caps(offer.id, "vat", owners))
        # the parts lists carry one more entry, the leftover's
        quantities = (shares[m] for m in recipients)
        for m, q, h, v in zip(recipients, quantities, ht_parts, vat_parts, strict=False):
            member_lines[m].append(
                ChargeLine(offer.id, offer.product, q, offer.unit, offer.vat_rate, h, v)
            )
        if ht_parts[-1] or vat_parts[-1] or leftover > 0:
            line = ChargeLine(
                offer.id,
                offer.product,
                leftover,
                offer.unit,
                offer.vat_rate,
                ht_parts[-1],
                vat_parts[-1],
            )
            leftover_ttc += line.ttc_cents
            if p.leftover_policy is LeftoverPolicy.SHARED_STOCK or not key_ids:
                shared.append(line)
        goods_ht[offer.supplier_id] += ht
        goods_ttc[offer.supplier_id] += ht + vat
        offers.append(
            OfferOrder(
                offer.id,
                offer.supplier_id,
                n_packs,
                units,
                allocated,
                leftover,
                tier_min,
                price,
                ht,
                vat,
            )
        )

    suppliers = []
    for s in p.suppliers:
        if s.id not in goods_ht or (fixed_supply and goods_ht[s.id] == 0):
            continue
        used = any(o.packs > 0 for o in offers if o.supplier_id == s.id)
        waived = s.free_delivery_cents is not None and goods_ht[s.id] >= s.free_delivery_cents
        fee = 0 if fixed_supply or not used or waived else s.delivery_fee_cents
        minimum = 0 if fixed_supply or not used else s.minimum_order_cents
        suppliers.append(SupplierOrder(s.id, goods_ht[s.id], goods_ttc[s.id], minimum, fee))

    fees = sum(s.delivery_fee_cents for s in suppliers)
    weights_key = [key[m] for m in key_ids]
    fee_parts = apportion(fees, weights_key, before.caps("", "fee", key_ids)) if key_ids else []
    transport_parts = (
        apportion(p.transport_cents, weights_key, before.caps("", "transport", key_ids))
        if key_ids
        else []
    )
    split_leftover = p.leftover_policy is LeftoverPolicy.SPLIT and key_ids
    leftover_parts = (
        apportion(leftover_ttc, weights_key, before.caps("", "leftover", key_ids))
        if split_leftover
        else [0] * len(key_ids)
    )
    fee_of = dict(zip(key_ids, fee_parts, strict=False))
    transport_of = dict(zip(key_ids, transport_parts, strict=False))
    leftover_of = dict(zip(key_ids, leftover_parts, strict=False))

    coef = p.fill_coefficients_float
    fill: dict[str, float] = defaultdict(float)
    need_results = []
    for n in p.needs:
        got = {oid: received.get((n.id, oid), Decimal(0)) for oid in n.offer_ids}
        total = sum(got.values(), Decimal(0))
        fill[n.member_id] += coef[n.id] * float(min(total, n.target))
        need_results.append(
            NeedResult(n.id, n.member_id, n.offer_ids, n.minimum, n.target, n.maximum, got, None)
        )

    members = []
    for m in p.members:
        if m.id not in key:
            continue
        members.append(
            MemberResult(
                m.id,
                min(fill[m.id], 1.0),
                p.declared_value.get(m.id, Decimal(0)),
                tuple(member_lines.get(m.id, ())),
                fee_of.get(m.id, 0),
                transport_of.get(m.id, 0),
                leftover_of.get(m.id, 0),
                None if fixed_supply else m.budget_cents,
            )
        )
    alloc = Allocation(
        p,
        method,
        status,
        solver,
        gap,
        seconds,
        offers,
        suppliers,
        need_results,
        members,
        shared,
        key,
        dict(objectives or {}),
    )
    by_id = {m.member_id: m for m in members}
    ordered = {o.offer_id: o for o in offers}
    rooms = {} if fixed_supply else _budget_rooms(alloc)
    alloc.needs = [
        _explain(alloc, n, fixed_supply, by_id[n.member_id], ordered, rooms) for n in need_results
    ]
    return alloc


_LEFTOVER = ""  # the owner of an offer's leftover part: the shared stock


@dataclass(frozen=True)
class _Ceilings:
    """What a previous plan charged each part, as caps for :func:`apportion` (None: no cap)."""

    amounts: dict[tuple[str, str, str], int]  # (offer id or "", component, owner) -> cents
    exempt: frozenset[str]
    active: bool

    def caps(self, offer_id: str, component: str, owners: list[str]) -> list[int | None] | None:
        if not self.active:
            return None
        return [
            None if owner in self.exempt else self.amounts.get((offer_id, component, owner), 0)
            for owner in owners
        ]


def _ceilings(plan: Allocation | None, exempt: frozenset[str]) -> _Ceilings:
    amounts: dict[tuple[str, str, str], int] = {}
    if plan is None:
        return _Ceilings(amounts, exempt, False)
    for m in plan.members:
        for line in m.lines:
            amounts[(line.offer_id, "ht", m.member_id)] = line.ht_cents
            amounts[(line.offer_id, "vat", m.member_id)] = line.vat_cents
        amounts[("", "fee", m.member_id)] = m.fee_share_cents
        amounts[("", "transport", m.member_id)] = m.transport_share_cents
        amounts[("", "leftover", m.member_id)] = m.leftover_share_cents
    for o in plan.offers:  # the leftover part of each offer, whoever pays it
        amounts[(o.offer_id, "ht", _LEFTOVER)] = o.ht_cents - sum(
            line.ht_cents for m in plan.members for line in m.lines if line.offer_id == o.offer_id
        )
        amounts[(o.offer_id, "vat", _LEFTOVER)] = o.vat_cents - sum(
            line.vat_cents for m in plan.members for line in m.lines if line.offer_id == o.offer_id
        )
    return _Ceilings(amounts, exempt, True)


def _explain(
    alloc: Allocation,
    n: NeedResult,
    fixed_supply: bool,
    member: MemberResult,
    ordered: dict[str, OfferOrder],
    rooms: dict[str, Fraction],
) -> NeedResult:
    """Name the first constraint that stopped a need short of its target."""
    if n.total >= n.target:
        return n
    p = alloc.problem
    if not fixed_supply:
        idle = [
            p.offer_by_id[o] for o in n.offer_ids if ordered.get(o) is None or ordered[o].packs == 0
        ]
        if len(idle) == len(n.offer_ids) and all(
            p.supplier_by_id[o.supplier_id].minimum_order_cents > 0 for o in idle
        ):
            minimums = ", ".join(
                f"{o.supplier_id!r} ({format_cents(p.supplier_by_id[o.supplier_id].minimum_order_cents)} €)"
                for o in idle
            )
            return _with_reason(n, Reason.SUPPLIER_MINIMUM, f"the minimum order of supplier {minimums} was not reached")
    if member.budget_cents is not None and not fixed_supply:
        offers = [p.offer_by_id[o] for o in n.offer_ids]
        step = Fraction(1, _MILLI) if offers[0].divisible else Fraction(1)
        one_more = step * min(o.list_unit_price_ttc for o in offers)
        if rooms[member.member_id] < one_more or (
            member.budget_cents - member.total_cents < one_more + len(member.lines) + 3
        ):
            return _with_reason(n, Reason.BUDGET, f"the budget of member {member.member_id!r} "
                                f"({format_cents(member.budget_cents)} €) has no room for one more unit")
    if not fixed_supply:
        blocker = _other_budget_blocking(alloc, n, ordered, rooms)
        if blocker:
            return _with_reason(n, Reason.BUDGET, blocker)
    exhausted = True
    for oid in n.offer_ids:
        offer = p.offer_by_id[oid]
        order = ordered.get(oid)
        spare = order.leftover_units if order else Decimal(0)
        if fixed_supply:
            capped = True
        else:
            capped = (
                offer.packs_available is not None
                and (order.packs if order else 0) >= offer.packs_available
            )
        if not capped or spare >= (Decimal("0.001") if offer.divisible else Decimal(1)):
            exhausted = False
    offers = ", ".join(repr(o) for o in n.offer_ids)
    if exhausted:
        return _with_reason(n, Reason.AVAILABILITY, f"every unit of {offers} that could be bought was handed out")
    return _with_reason(n, Reason.PACK_ROUNDING, f"one more pack of {offers} would leave units over "
                        "that were not worth their cost")


def _other_budget_blocking(
    alloc: Allocation, n: NeedResult, ordered: dict[str, OfferOrder], rooms: dict[str, Fraction]
) -> str | None:
    """With split leftovers, one more pack for this need leaves units over that every member
    pays a key share of: name the other member whose budget has no room for its share."""
    p = alloc.problem
    if p.leftover_policy is not LeftoverPolicy.SPLIT or not rooms:
        return None
    key = alloc.key_weights
    key_total = sum(key.values(), Fraction(0)) or Fraction(1)
    missing = n.target - n.total
    for oid in n.offer_ids:
        offer = p.offer_by_id[oid]
        order = ordered.get(oid)
        packs = order.packs if order else 0
        if offer.packs_available is not None and packs >= offer.packs_available:
            continue
        spare = order.leftover_units if order else Decimal(0)
        absorbed = min(missing, spare + offer.pack_size)
        more_left = spare + offer.pack_size - absorbed - spare
        if more_left <= 0:
            continue
        extra = Fraction(more_left) * offer.list_unit_price_ttc
        for m in alloc.members:
            if m.member_id == n.member_id or m.member_id not in rooms:
                continue
            share = key.get(m.member_id, Fraction(0)) / key_total * extra
            if share > 0 and rooms[m.member_id] < share:
                return (
                    f"one more pack of {oid!r} would leave {_number(more_left)} units over, split by the fee key: "
                    f"the budget of member {m.member_id!r} ({format_cents(m.budget_cents)} €) has no room "
                    f"for its share ({format_cents(int(share) + (share.denominator != 1))} €)"
                )
    return None


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _budget_rooms(alloc: Allocation) -> dict[str, Fraction]:
    """Room left in each capped budget as the model counts it: goods at list prices incl. VAT,
    the member's key share of the fees, transport and split leftovers, less the rounding margin."""
    p = alloc.problem
    shared = Fraction(alloc.fees_cents + p.transport_cents)
    if p.leftover_policy is LeftoverPolicy.SPLIT:
        shared += sum(
            (Fraction(o.leftover_units) * p.offer_by_id[o.offer_id].list_unit_price_ttc for o in alloc.offers),
            Fraction(0),
        )
    key = alloc.key_weights
    key_total = sum(key.values(), Fraction(0)) or Fraction(1)
    rooms = {}
    for m in alloc.members:
        if m.budget_cents is None:
            continue
        spend = sum(
            (Fraction(line.quantity) * p.offer_by_id[line.offer_id].list_unit_price_ttc for line in m.lines),
            Fraction(0),
        )
        share = key.get(m.member_id, Fraction(0)) / key_total
        rooms[m.member_id] = m.budget_cents - budget_margin_cents(p, m.member_id) - spend - share * shared
    return rooms


def _with_reason(n: NeedResult, reason: str, cause: str | None = None) -> NeedResult:
    return NeedResult(
        n.need_id, n.member_id, n.offer_ids, n.minimum, n.target, n.maximum, n.received, reason, cause
    )

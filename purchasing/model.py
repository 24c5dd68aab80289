"""Input of a joint order: catalogue, members and their declared needs.

Every dataclass checks itself on creation, so that a solver never sees a negative pack count,
an inverted [minimum, maximum] range or an offer nobody defined; the message names the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from functools import cached_property

from .exceptions import InvalidInput

#: Goods sold by weight or volume are split to the gram / millilitre.
QUANTITY_DECIMALS = 3
_QUANTUM = Decimal(1).scaleb(-QUANTITY_DECIMALS)
#: Largest quantity (units, weights, pack sizes) and pack count accepted: a billion keeps every
#: sum of a cycle exact in the solver's floating point and within the decimal context.
MAX_QUANTITY = 10**9


class FeeKey(StrEnum):
    """How delivery fees, transport and (optionally) leftovers are shared between members."""

    WEIGHT = "weight"  # pro rata of the members' fairness weights (e.g. people served)
    VALUE = "value"  # pro rata of the value each member declared (targets at list prices)
    EQUAL = "equal"  # the same share for every member with a need


class LeftoverPolicy(StrEnum):
    """What happens to units bought only because packs are whole."""

    SHARED_STOCK = "shared_stock"  # a separate line, paid by the coordination's shared stock
    SPLIT = "split"  # charged to the members by the fee key


class Temperature(StrEnum):
    AMBIENT = "ambient"
    CHILLED = "chilled"
    FROZEN = "frozen"


def _err(where: str, msg: str) -> InvalidInput:
    return InvalidInput(f"{where}: {msg}")


def _cents(value: object, where: str, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _err(where, f"must be an integer number of cents, got {value!r}")
    if value < 0:
        raise _err(where, f"must not be negative, got {value}")
    return value


def _count(value: object, where: str, *, allow_none: bool = False, minimum: int = 0) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _err(where, f"must be a whole number, got {value!r}")
    if value < minimum:
        raise _err(where, f"must be at least {minimum}, got {value}")
    if value > MAX_QUANTITY:
        raise _err(where, f"must be at most {MAX_QUANTITY:,}, got {value}")
    return value


def quantity(value: object, where: str) -> Decimal:
    """A non-negative quantity as Decimal; floats are refused because they are not exact."""
    if isinstance(value, bool) or isinstance(value, float):
        raise _err(where, f"must be given as an integer, Decimal or decimal string, not {value!r}")
    try:
        q = (
            value
            if isinstance(value, Decimal)
            else Decimal(str(value))
            if isinstance(value, (int, str))
            else None
        )
    except InvalidOperation:
        q = None
    if q is None or not q.is_finite():
        raise _err(where, f"{value!r} is not a quantity")
    if q < 0:
        raise _err(where, f"must not be negative, got {q}")
    if q > MAX_QUANTITY:  # before quantizing: a huge number would overflow the decimal context
        raise _err(where, f"must be at most {MAX_QUANTITY:,}, got {q}")
    if q != q.quantize(_QUANTUM, rounding="ROUND_DOWN"):
        raise _err(where, f"{q} has more than {QUANTITY_DECIMALS} decimals")
    return q


def _ident(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _err(where, f"must be a non-empty string, got {value!r}")
    return value


@dataclass(frozen=True)
class Supplier:
    """A supplier; ``free_delivery_cents`` None means the fee is never waived."""

    id: str
    minimum_order_cents: int = 0
    free_delivery_cents: int | None = None
    delivery_fee_cents: int = 0
    name: str = ""

    def __post_init__(self) -> None:
        _ident(self.id, "supplier id")
        where = f"supplier {self.id!r}"
        _cents(self.minimum_order_cents, f"{where} minimum_order_cents")
        _cents(self.free_delivery_cents, f"{where} free_delivery_cents", allow_none=True)
        _cents(self.delivery_fee_cents, f"{where} delivery_fee_cents")


@dataclass(frozen=True)
class PriceTier:
    """All-units discount: from ``min_packs`` packs on, every pack costs ``pack_price_cents``."""

    min_packs: int
    pack_price_cents: int


@dataclass(frozen=True)
class Offer:
    """A product as a supplier sells it: whole packs of ``pack_size`` units, prices excl. VAT."""

    id: str
    supplier_id: str
    product: str
    tiers: tuple[PriceTier, ...]
    category: str = ""
    unit: str = "unit"
    pack_size: Decimal = Decimal(1)
    divisible: bool = False
    vat_rate: Decimal = Decimal("0.055")
    temperature: Temperature = Temperature.AMBIENT
    pack_weight_kg: Decimal = Decimal(0)
    pack_volume_l: Decimal = Decimal(0)
    packs_available: int | None = None

    def __post_init__(self) -> None:
        _ident(self.id, "offer id")
        where = f"offer {self.id!r}"
        _ident(self.supplier_id, f"{where} supplier_id")
        _ident(self.product, f"{where} product")
        if not isinstance(self.divisible, bool):
            raise _err(f"{where} divisible", "must be true or false")
        size = quantity(self.pack_size, f"{where} pack_size")
        if size <= 0:
            raise _err(f"{where} pack_size", "must be positive")
        if not self.divisible and size != size.to_integral_value():
            raise _err(
                f"{where} pack_size", f"{size} is fractional but the offer is sold by whole units"
            )
        object.__setattr__(self, "pack_size", size)
        rate = self.vat_rate
        if isinstance(rate, (float, bool)) or not isinstance(rate, (Decimal, str, int)):
            raise _err(f"{where} vat_rate", f"must be a Decimal such as 0.055, got {rate!r}")
        try:
            rate = Decimal(rate)
        except InvalidOperation:
            raise _err(f"{where} vat_rate", f"{self.vat_rate!r} is not a rate") from None
        if not rate.is_finite() or rate < 0 or rate >= 1:
            raise _err(f"{where} vat_rate", f"must be a fraction in [0, 1), e.g. 0.055, got {rate}")
        object.__setattr__(self, "vat_rate", rate)
        try:
            object.__setattr__(self, "temperature", Temperature(self.temperature))
        except ValueError:
            raise _err(
                f"{where} temperature",
                f"must be ambient, chilled or frozen, got {self.temperature!r}",
            ) from None
        object.__setattr__(
            self, "pack_weight_kg", quantity(self.pack_weight_kg, f"{where} pack_weight_kg")
        )
        object.__setattr__(
            self, "pack_volume_l", quantity(self.pack_volume_l, f"{where} pack_volume_l")
        )
        _count(self.packs_available, f"{where} packs_available", allow_none=True)
        if self.packs_available is not None:
            object.__setattr__(self, "packs_available", int(self.packs_available))
        tiers = []
        for k, tier in enumerate(self.tiers or ()):
            if not isinstance(tier, PriceTier):
                try:
                    min_packs, price = tier
                except (TypeError, ValueError):
                    raise _err(
                        f"{where} tier {k}", "must be (min packs, price per pack in cents)"
                    ) from None
                tier = PriceTier(min_packs, price)
            _count(tier.min_packs, f"{where} tier {k} min_packs", minimum=1)
            _cents(tier.pack_price_cents, f"{where} tier {k} pack_price_cents")
            tiers.append(PriceTier(int(tier.min_packs), tier.pack_price_cents))
        if not tiers:
            raise _err(f"{where} tiers", "at least one price tier is needed")
        if tiers[0].min_packs != 1:
            raise _err(
                f"{where} tiers",
                "the first tier must start at 1 pack so that every order has a price",
            )
        for a, b in zip(tiers, tiers[1:], strict=False):
            if b.min_packs <= a.min_packs:
                raise _err(f"{where} tiers", "min_packs must be strictly increasing")
        object.__setattr__(self, "tiers", tuple(tiers))

    def tier_for(self, packs: int) -> PriceTier:
        """The tier an order of ``packs`` reaches (all-units discount)."""
        reached = self.tiers[0]
        for tier in self.tiers:
            if packs >= tier.min_packs:
                reached = tier
        return reached

    @cached_property
    def list_unit_price(self) -> Fraction:
        """Price of one unit excl. VAT at the first tier, in cents (used for values and budgets)."""
        return Fraction(self.tiers[0].pack_price_cents) / Fraction(self.pack_size)

    @cached_property
    def list_unit_price_ttc(self) -> Fraction:
        """The same incl. VAT: what budgets are checked against, whatever tier is reached."""
        return self.list_unit_price * (1 + Fraction(self.vat_rate))


@dataclass(frozen=True)
class Member:
    """An association taking part in the order; ``weight`` is its fairness weight."""

    id: str
    weight: Decimal = Decimal(1)
    budget_cents: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        _ident(self.id, "member id")
        w = quantity(self.weight, f"member {self.id!r} weight")
        if w <= 0:
            raise _err(f"member {self.id!r} weight", "must be positive")
        object.__setattr__(self, "weight", w)
        _cents(self.budget_cents, f"member {self.id!r} budget_cents", allow_none=True)


@dataclass(frozen=True)
class Need:
    """What a member declares for one product: any of ``offer_ids`` can satisfy it (same unit)."""

    member_id: str
    offer_ids: tuple[str, ...]
    target: Decimal
    minimum: Decimal = Decimal(0)
    maximum: Decimal | None = None
    id: str = ""

    def __post_init__(self) -> None:
        _ident(self.member_id, "need member_id")
        ids = (self.offer_ids,) if isinstance(self.offer_ids, str) else tuple(self.offer_ids or ())
        if not ids:
            raise _err(
                f"need of member {self.member_id!r}", "offer_ids must name at least one offer"
            )
        for oid in ids:
            _ident(oid, f"need of member {self.member_id!r} offer id")
        if len(set(ids)) != len(ids):
            raise _err(f"need of member {self.member_id!r}", f"offer {ids} listed twice")
        object.__setattr__(self, "offer_ids", ids)
        where = f"need {self.id or ''} of member {self.member_id!r} for {'/'.join(ids)}".replace(
            "need  ", "need "
        )
        target = quantity(self.target, f"{where} target")
        minimum = quantity(self.minimum, f"{where} minimum")
        maximum = target if self.maximum is None else quantity(self.maximum, f"{where} maximum")
        if target <= 0:
            raise _err(f"{where} target", "must be positive")
        if minimum > target:
            raise _err(where, f"minimum {minimum} is above target {target}")
        if target > maximum:
            raise _err(where, f"target {target} is above maximum {maximum}")
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "minimum", minimum)
        object.__setattr__(self, "maximum", maximum)


@dataclass(frozen=True)
class Problem:
    """One order cycle: catalogue, members, needs, and how shared costs are split."""

    suppliers: tuple[Supplier, ...]
    offers: tuple[Offer, ...]
    members: tuple[Member, ...]
    needs: tuple[Need, ...]
    fee_key: FeeKey = FeeKey.WEIGHT
    leftover_policy: LeftoverPolicy = LeftoverPolicy.SHARED_STOCK
    transport_cents: int = 0
    supplier_by_id: dict[str, Supplier] = field(init=False, repr=False, compare=False)
    offer_by_id: dict[str, Offer] = field(init=False, repr=False, compare=False)
    member_by_id: dict[str, Member] = field(init=False, repr=False, compare=False)
    needs_by_member: dict[str, list[Need]] = field(init=False, repr=False, compare=False)
    needs_by_offer: dict[str, list[Need]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("suppliers", "offers", "members", "needs"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        try:
            object.__setattr__(self, "fee_key", FeeKey(self.fee_key))
        except ValueError:
            raise _err(
                "problem fee_key", f"must be weight, value or equal, got {self.fee_key!r}"
            ) from None
        try:
            object.__setattr__(self, "leftover_policy", LeftoverPolicy(self.leftover_policy))
        except ValueError:
            raise _err(
                "problem leftover_policy",
                f"must be shared_stock or split, got {self.leftover_policy!r}",
            ) from None
        _cents(self.transport_cents, "problem transport_cents")
        object.__setattr__(self, "supplier_by_id", _index(self.suppliers, Supplier, "supplier"))
        object.__setattr__(self, "offer_by_id", _index(self.offers, Offer, "offer"))
        object.__setattr__(self, "member_by_id", _index(self.members, Member, "member"))
        if not self.members:
            raise _err("problem members", "at least one member is needed")
        for offer in self.offers:
            if offer.supplier_id not in self.supplier_by_id:
                raise _err(f"offer {offer.id!r}", f"unknown supplier {offer.supplier_id!r}")
        seen_ids: set[str] = set()
        need_of: dict[tuple[str, str], int] = {}  # (member, offer) -> the need that names it
        needs = []
        for k, need in enumerate(self.needs):
            if not isinstance(need, Need):
                raise _err(f"need {k}", f"must be a Need, got {type(need).__name__}")
            if need.member_id not in self.member_by_id:
                raise _err(f"need {k}", f"unknown member {need.member_id!r}")
            offers = []
            for oid in need.offer_ids:
                if oid not in self.offer_by_id:
                    raise _err(f"need {k} of member {need.member_id!r}", f"unknown offer {oid!r}")
                earlier = need_of.setdefault((need.member_id, oid), k)
                if earlier != k:
                    raise _err(
                        f"need {k} of member {need.member_id!r}",
                        f"offer {oid!r} is already in need {earlier} of this member: "
                        "declare one need per product (raise its target instead)",
                    )
                offers.append(self.offer_by_id[oid])
            first = offers[0]
            for other in offers[1:]:
                if other.unit != first.unit or other.divisible != first.divisible:
                    raise _err(
                        f"need {k} of member {need.member_id!r}",
                        f"offers {first.id!r} and {other.id!r} are not interchangeable "
                        "(unit or divisibility differ)",
                    )
            if not first.divisible:
                for name in ("minimum", "target", "maximum"):
                    value = getattr(need, name)
                    if value != value.to_integral_value():
                        raise _err(
                            f"need {k} of member {need.member_id!r} {name}",
                            f"{value} is fractional but {first.id!r} is sold by whole units",
                        )
            if not need.id:
                need = Need(
                    need.member_id,
                    need.offer_ids,
                    need.target,
                    need.minimum,
                    need.maximum,
                    id=f"n{k + 1}",
                )
            if need.id in seen_ids:
                raise _err(f"need {k}", f"duplicate need id {need.id!r}")
            seen_ids.add(need.id)
            needs.append(need)
        object.__setattr__(self, "needs", tuple(needs))
        by_member: dict[str, list[Need]] = {}
        by_offer: dict[str, list[Need]] = {}
        for need in needs:
            by_member.setdefault(need.member_id, []).append(need)
            for oid in need.offer_ids:
                by_offer.setdefault(oid, []).append(need)
        object.__setattr__(self, "needs_by_member", by_member)
        object.__setattr__(self, "needs_by_offer", by_offer)

    @cached_property
    def need_values(self) -> dict[str, Fraction]:
        """Per need id, its declared value: target at the cheapest list unit price (cents HT)."""
        price: dict[tuple[str, ...], Fraction] = {}
        out = {}
        for n in self.needs:
            if n.offer_ids not in price:
                price[n.offer_ids] = min(self.offer_by_id[o].list_unit_price for o in n.offer_ids)
            out[n.id] = Fraction(n.target) * price[n.offer_ids]
        return out

    @cached_property
    def fill_coefficients(self) -> dict[str, Fraction]:
        """Per need id, the fill-ratio points one covered unit brings its member."""
        coef: dict[str, Fraction] = {}
        for needs in self.needs_by_member.values():
            values = [self.need_values[n.id] for n in needs]
            if any(v == 0 for v in values):
                values = [Fraction(1)] * len(needs)
            total = sum(values, Fraction(0))
            for n, v in zip(needs, values, strict=False):
                coef[n.id] = v / total / Fraction(n.target)
        return coef

    @cached_property
    def fill_coefficients_float(self) -> dict[str, float]:
        return {k: float(v) for k, v in self.fill_coefficients.items()}

    @cached_property
    def declared_value(self) -> dict[str, Decimal]:
        """Per member, its needs' targets at list prices excl. VAT, in cents (2 decimals)."""
        out = {}
        for mid, needs in self.needs_by_member.items():
            v = sum((self.need_values[n.id] for n in needs), Fraction(0))
            out[mid] = (Decimal(v.numerator) / Decimal(v.denominator)).quantize(Decimal("0.01"))
        return out

    def fee_key_weights(self) -> dict[str, Fraction]:
        """Each member's fee-key weight; fixed before solving so every member can check it."""
        return dict(self._key_weights)

    @cached_property
    def _key_weights(self) -> dict[str, Fraction]:
        weights: dict[str, Fraction] = {}
        sharing = self.needs_by_member or {
            m.id: [] for m in self.members
        }  # nobody ordered: all share
        for m in self.members:
            if m.id not in sharing:
                continue
            if self.fee_key is FeeKey.EQUAL:
                weights[m.id] = Fraction(1)
            elif self.fee_key is FeeKey.WEIGHT:
                weights[m.id] = Fraction(m.weight)
            else:
                weights[m.id] = sum((self.need_values[n.id] for n in sharing[m.id]), Fraction(0))
        if weights and sum(weights.values()) == 0:
            weights = {k: Fraction(1) for k in weights}
        return weights


def budget_margin_cents(problem: Problem, member_id: str) -> int:
    """Cents kept aside in a budget for rounding: each goods line may round up by a few cents."""
    lines = {o for n in problem.needs_by_member.get(member_id, ()) for o in n.offer_ids}
    return 3 * len(lines) + 3


def need_value(problem: Problem, need: Need) -> Fraction:
    """Declared value of a need: target at the cheapest list unit price of its offers (cents HT)."""
    return problem.need_values[need.id]


def _index(items: Iterable[object], cls: type, what: str) -> dict:
    out: dict = {}
    for k, item in enumerate(items):
        if not isinstance(item, cls):
            raise _err(f"{what} {k}", f"must be a {cls.__name__}, got {type(item).__name__}")
        if item.id in out:  # type: ignore[attr-defined]
            raise _err(what, f"duplicate id {item.id!r}")  # type: ignore[attr-defined]
        out[item.id] = item  # type: ignore[attr-defined]
    return out

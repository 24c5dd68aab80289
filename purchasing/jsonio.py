"""JSON in and out: money and quantities travel as decimal strings ("12.34"), never floats.

The web API and both CLIs (``python -m purchasing`` and ``logipool purchasing split``) use these
functions, so the format documented in docs/purchasing.md is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .allocation import Allocation, ChargeLine
from .exceptions import InvalidInput, MoneyError
from .model import Member, Need, Offer, PriceTier, Problem, Supplier
from .money import format_cents, to_cents

#: The keys each object of the JSON format may hold; any other key is refused (a misspelt
#: ``maxmum`` must not be silently ignored).
_KEYS = {
    "problem": {"fee_key", "leftover_policy", "transport", "suppliers", "offers", "members", "needs"},
    "supplier": {"id", "name", "minimum_order", "free_delivery", "delivery_fee"},
    "offer": {
        "id", "supplier", "product", "category", "unit", "pack_size", "divisible", "vat_rate",
        "temperature", "pack_weight_kg", "pack_volume_l", "packs_available", "tiers",
    },
    "tier": {"min_packs", "pack_price"},
    "member": {"id", "name", "weight", "budget"},
    "need": {"id", "member", "offer", "offers", "minimum", "target", "maximum"},
}


def _known_keys(d: Any, kind: str, where: str) -> None:
    if not isinstance(d, Mapping):
        raise InvalidInput(f"{where}: must be an object")
    unknown = sorted(str(k) for k in d if k not in _KEYS[kind])
    if unknown:
        allowed = ", ".join(sorted(_KEYS[kind]))
        raise InvalidInput(f"{where}.{unknown[0]}: unknown field (a {kind} has {allowed})")


def _get(d: Mapping[str, Any], key: str, where: str, default: Any = ...) -> Any:
    if not isinstance(d, Mapping):
        raise InvalidInput(f"{where}: must be an object")
    if key in d:
        return d[key]
    if default is ...:
        raise InvalidInput(f"{where}.{key}: missing")
    return default


def _money(value: Any, where: str, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, (float, Decimal)):  # a JSON number with a fraction, however parsed
        raise InvalidInput(f'{where}: give money as a decimal string such as "12.34", not a float')
    try:
        cents = to_cents(value)
    except MoneyError as exc:
        raise InvalidInput(f"{where}: {exc}") from None
    if cents < 0:
        raise InvalidInput(f"{where}: must not be negative")
    return cents


def _qty(value: Any, where: str) -> Any:
    if isinstance(value, (float, Decimal)):  # a JSON number with a fraction, however parsed
        raise InvalidInput(
            f'{where}: give quantities as integers or decimal strings such as "2.5", not floats'
        )
    return value


def _list(d: Mapping[str, Any], key: str) -> list:
    value = _get(d, key, "problem", [])
    if not isinstance(value, list):
        raise InvalidInput(f"problem.{key}: must be a list")
    return value


def problem_from_dict(d: Mapping[str, Any]) -> Problem:
    """Build and validate a Problem from its JSON form; errors name the offending field."""
    _known_keys(d, "problem", "problem")
    suppliers = []
    for i, s in enumerate(_list(d, "suppliers")):
        w = f"suppliers[{i}]"
        _known_keys(s, "supplier", w)
        suppliers.append(
            Supplier(
                _get(s, "id", w),
                _money(_get(s, "minimum_order", w, "0"), f"{w}.minimum_order"),
                _money(_get(s, "free_delivery", w, None), f"{w}.free_delivery", allow_none=True),
                _money(_get(s, "delivery_fee", w, "0"), f"{w}.delivery_fee"),
                _get(s, "name", w, ""),
            )
        )
    offers = []
    for i, o in enumerate(_list(d, "offers")):
        w = f"offers[{i}]"
        _known_keys(o, "offer", w)
        tiers = _get(o, "tiers", w)
        if not isinstance(tiers, list):
            raise InvalidInput(f"{w}.tiers: must be a list")
        parsed = []
        for k, t in enumerate(tiers):
            tw = f"{w}.tiers[{k}]"
            _known_keys(t, "tier", tw)
            parsed.append(
                PriceTier(
                    _get(t, "min_packs", tw), _money(_get(t, "pack_price", tw), f"{tw}.pack_price")
                )
            )
        offers.append(
            Offer(
                _get(o, "id", w),
                _get(o, "supplier", w),
                _get(o, "product", w),
                tuple(parsed),
                category=_get(o, "category", w, ""),
                unit=_get(o, "unit", w, "unit"),
                pack_size=_qty(_get(o, "pack_size", w, 1), f"{w}.pack_size"),
                divisible=_get(o, "divisible", w, False),
                vat_rate=_qty(_get(o, "vat_rate", w, "0.055"), f"{w}.vat_rate"),
                temperature=_get(o, "temperature", w, "ambient"),
                pack_weight_kg=_qty(_get(o, "pack_weight_kg", w, 0), f"{w}.pack_weight_kg"),
                pack_volume_l=_qty(_get(o, "pack_volume_l", w, 0), f"{w}.pack_volume_l"),
                packs_available=_get(o, "packs_available", w, None),
            )
        )
    members = []
    for i, m in enumerate(_list(d, "members")):
        w = f"members[{i}]"
        _known_keys(m, "member", w)
        members.append(
            Member(
                _get(m, "id", w),
                _qty(_get(m, "weight", w, 1), f"{w}.weight"),
                _money(_get(m, "budget", w, None), f"{w}.budget", allow_none=True),
                _get(m, "name", w, ""),
            )
        )
    needs = []
    for i, n in enumerate(_list(d, "needs")):
        w = f"needs[{i}]"
        _known_keys(n, "need", w)
        if "offer" in n and "offers" in n:
            raise InvalidInput(f"{w}.offers: give either offer or offers, not both")
        offer_ids = _get(n, "offers", w, None)
        if offer_ids is None:
            offer_ids = [_get(n, "offer", w)]
        if not isinstance(offer_ids, (list, str)):
            raise InvalidInput(f"{w}.offers: must be a list of offer ids")
        needs.append(
            Need(
                _get(n, "member", w),
                tuple([offer_ids] if isinstance(offer_ids, str) else offer_ids),
                _qty(_get(n, "target", w), f"{w}.target"),
                _qty(_get(n, "minimum", w, 0), f"{w}.minimum"),
                _qty(_get(n, "maximum", w, None), f"{w}.maximum"),
                id=_get(n, "id", w, ""),
            )
        )
    return Problem(
        suppliers,
        offers,
        members,
        needs,
        fee_key=_get(d, "fee_key", "problem", "weight"),
        leftover_policy=_get(d, "leftover_policy", "problem", "shared_stock"),
        transport_cents=_money(_get(d, "transport", "problem", "0"), "problem.transport"),
    )


def _opt_money(cents: int | None) -> str | None:
    return None if cents is None else format_cents(cents)


def problem_to_dict(p: Problem) -> dict[str, Any]:
    """The JSON form read by :func:`problem_from_dict` (round-trips exactly)."""
    return {
        "fee_key": p.fee_key.value,
        "leftover_policy": p.leftover_policy.value,
        "transport": format_cents(p.transport_cents),
        "suppliers": [
            {
                "id": s.id,
                "name": s.name,
                "minimum_order": format_cents(s.minimum_order_cents),
                "free_delivery": _opt_money(s.free_delivery_cents),
                "delivery_fee": format_cents(s.delivery_fee_cents),
            }
            for s in p.suppliers
        ],
        "offers": [
            {
                "id": o.id,
                "supplier": o.supplier_id,
                "product": o.product,
                "category": o.category,
                "unit": o.unit,
                "pack_size": str(o.pack_size),
                "divisible": o.divisible,
                "vat_rate": str(o.vat_rate),
                "temperature": o.temperature.value,
                "pack_weight_kg": str(o.pack_weight_kg),
                "pack_volume_l": str(o.pack_volume_l),
                "packs_available": o.packs_available,
                "tiers": [
                    {"min_packs": t.min_packs, "pack_price": format_cents(t.pack_price_cents)}
                    for t in o.tiers
                ],
            }
            for o in p.offers
        ],
        "members": [
            {
                "id": m.id,
                "name": m.name,
                "weight": str(m.weight),
                "budget": _opt_money(m.budget_cents),
            }
            for m in p.members
        ],
        "needs": [
            {
                "id": n.id,
                "member": n.member_id,
                "offers": list(n.offer_ids),
                "minimum": str(n.minimum),
                "target": str(n.target),
                "maximum": str(n.maximum),
            }
            for n in p.needs
        ],
    }


def _line(line: ChargeLine) -> dict[str, Any]:
    return {
        "offer": line.offer_id,
        "product": line.product,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "vat_rate": str(line.vat_rate),
        "ht": format_cents(line.ht_cents),
        "vat": format_cents(line.vat_cents),
        "ttc": format_cents(line.ttc_cents),
    }


def exact_text(value: Fraction) -> str:
    """A fraction written exactly: a decimal when it has one (``"120"``, ``"1234.5"``), else
    ``"numerator/denominator"`` (``"1234/3"``); ``Fraction(text)`` reads either back."""
    d, twos, fives = value.denominator, 0, 0
    while d % 2 == 0:
        d, twos = d // 2, twos + 1
    while d % 5 == 0:
        d, fives = d // 5, fives + 1
    if d != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    digits = value.numerator * 10**places // value.denominator
    text = str(Decimal(digits).scaleb(-places))
    return text if places == 0 else text.rstrip("0").rstrip(".") if "." in text else text


def _ratio(value: float) -> str:
    return str(Decimal(repr(value)).quantize(Decimal("0.000001")))


def allocation_to_dict(a: Allocation) -> dict[str, Any]:
    """The result as JSON: money as "12.34", ratios as decimal strings with six places."""
    return {
        "method": a.method,
        "status": a.status,
        "solver": a.solver,
        "gap": None if a.gap is None else _ratio(a.gap),
        "seconds": round(a.seconds, 3),
        "stages": {
            name: {"status": st["status"], "gap": _ratio(st["gap"]), "proof": st["proof"]}
            for name, st in a.stages.items()
        },
        "feasible": a.is_feasible(),
        "totals": {
            "min_fill_ratio": _ratio(a.min_fill_ratio),
            "jain_index": _ratio(a.jain_index),
            "leftover_units": str(a.leftover_units),
            "supplier_invoices_ttc": format_cents(a.invoice_ttc_cents),
            "delivery_fees": format_cents(a.fees_cents),
            "transport": format_cents(a.problem.transport_cents),
            "shared_stock": format_cents(a.shared_stock_cents),
            "total_cost": format_cents(a.total_cost_cents),
        },
        "fee_key": {
            "key": a.problem.fee_key.value,
            "weights": {k: exact_text(v) for k, v in a.key_weights.items()},
        },
        "suppliers": [
            {
                "id": s.supplier_id,
                "goods_ht": format_cents(s.goods_ht_cents),
                "goods_ttc": format_cents(s.goods_ttc_cents),
                "minimum_order": format_cents(s.minimum_order_cents),
                "delivery_fee": format_cents(s.delivery_fee_cents),
            }
            for s in a.suppliers
        ],
        "offers": [
            {
                "id": o.offer_id,
                "supplier": o.supplier_id,
                "packs": o.packs,
                "units": str(o.units),
                "allocated_units": str(o.allocated_units),
                "leftover_units": str(o.leftover_units),
                "tier_min_packs": o.tier_min_packs,
                "pack_price": format_cents(o.pack_price_cents),
                "ht": format_cents(o.ht_cents),
                "vat": format_cents(o.vat_cents),
                "ttc": format_cents(o.ttc_cents),
            }
            for o in a.offers
        ],
        "members": [
            {
                "id": m.member_id,
                "fill_ratio": _ratio(m.fill_ratio),
                "budget": _opt_money(m.budget_cents),
                "goods_ht": format_cents(m.goods_ht_cents),
                "goods_vat": format_cents(m.goods_vat_cents),
                "goods_ttc": format_cents(m.goods_ht_cents + m.goods_vat_cents),
                "fee_share": format_cents(m.fee_share_cents),
                "transport_share": format_cents(m.transport_share_cents),
                "leftover_share": format_cents(m.leftover_share_cents),
                "total": format_cents(m.total_cents),
                "lines": [_line(line) for line in m.lines],
            }
            for m in a.members
        ],
        "needs": [
            {
                "id": n.need_id,
                "member": n.member_id,
                "offers": list(n.offer_ids),
                "minimum": str(n.minimum),
                "target": str(n.target),
                "maximum": str(n.maximum),
                "received": {k: str(v) for k, v in n.received.items() if v},
                "total": str(n.total),
                "fill_ratio": _ratio(n.fill_ratio),
                "reason": n.reason,
                "cause": n.cause,
            }
            for n in a.needs
        ],
        "shared_stock": [_line(line) for line in a.shared_stock],
    }

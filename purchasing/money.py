"""Exact money: integer cents, decimal strings, and the largest-remainder apportionment.

Every cost split in logipool goes through :func:`apportion`, so that the parts of an amount
always sum to that amount to the cent, and the rounding is the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from .exceptions import ApportionError, MoneyError

Weight = int | Decimal | Fraction


def to_cents(amount: Decimal | str | int) -> int:
    """Convert an amount in euros to integer cents; refuse floats and sub-cent precision."""
    if isinstance(amount, bool) or isinstance(amount, float):
        raise MoneyError("amounts must be given as decimal strings or Decimal, never float")
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, ValueError, TypeError):
        raise MoneyError(f"{amount!r} is not a decimal amount") from None
    if not value.is_finite():
        raise MoneyError(f"{amount!r} is not a finite amount")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise MoneyError(f"{amount!r} has more than two decimals")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """Integer cents as a Decimal with exactly two places."""
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def format_cents(cents: int) -> str:
    """Integer cents as the API's decimal string, e.g. ``-1234`` -> ``"-12.34"``."""
    return str(from_cents(cents))


def apportion(
    total_cents: int, weights: Sequence[Weight], caps: Sequence[int | None] | None = None
) -> list[int]:
    """Split ``total_cents`` into integer parts proportional to ``weights`` (largest remainder).

    Each part first gets the floor of its exact quota; the cents left over go one each to the
    parts with the largest fractional remainders, ties going to the earlier part. The parts
    always sum to ``total_cents`` exactly, and no part differs from its exact quota by a cent
    or more. A negative total (a credit) is split as its absolute value, then negated.

    ``caps`` (one per part, ``None`` for no cap) bound the parts of a non-negative total: a part
    at its cap passes its cent to the next largest remainder (used so that a re-split never
    charges anyone more than before). Raises :class:`ApportionError` if the caps cannot hold.

    >>> apportion(100000, [1, 1, 1])
    [33334, 33333, 33333]
    >>> apportion(100000, [1, 1, 1], caps=[33333, None, None])
    [33333, 33334, 33333]
    """
    if isinstance(total_cents, bool) or not isinstance(total_cents, int):
        raise ApportionError("the total must be an integer number of cents")
    if not weights:
        raise ApportionError("there must be at least one part to apportion to")
    if caps is not None:
        return _apportion_capped(total_cents, weights, caps)
    if all(type(w) is int and w >= 0 for w in weights):
        return _apportion_int(total_cents, list(weights))
    exact: list[Fraction] = []
    for i, w in enumerate(weights):
        if isinstance(w, bool) or isinstance(w, float) or not isinstance(w, int | Decimal | Fraction):
            raise ApportionError(f"weight {i} must be an int, Decimal or Fraction, not {type(w).__name__}")
        if isinstance(w, Decimal) and not w.is_finite():
            raise ApportionError(f"weight {i} is not finite")
        if w < 0:
            raise ApportionError(f"weight {i} is negative")
        exact.append(Fraction(w))
    total_weight = sum(exact, Fraction(0))
    if total_weight == 0:
        if total_cents == 0:
            return [0] * len(weights)
        raise ApportionError("all weights are zero: there is no key to split the amount by")
    sign = -1 if total_cents < 0 else 1
    amount = abs(total_cents)
    quotas = [amount * w / total_weight for w in exact]
    parts = [q.numerator // q.denominator for q in quotas]
    left = amount - sum(parts)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [sign * p for p in parts]


def _apportion_int(total_cents: int, weights: list[int]) -> list[int]:
    """The same rule on integer weights, in integer arithmetic (fast for thousands of parts)."""
    total_weight = sum(weights)
    if total_weight == 0:
        if total_cents == 0:
            return [0] * len(weights)
        raise ApportionError("all weights are zero: there is no key to split the amount by")
    sign = -1 if total_cents < 0 else 1
    amount = abs(total_cents)
    parts, remainders = [], []
    for w in weights:
        q, r = divmod(amount * w, total_weight)
        parts.append(q)
        remainders.append(r)
    left = amount - sum(parts)
    if left:
        # remainders share the denominator total_weight: the largest remainder is the largest r
        order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
        for i in order[:left]:
            parts[i] += 1
    return [sign * p for p in parts]


def _apportion_capped(total_cents: int, weights: Sequence[Weight], caps: Sequence[int | None]) -> list[int]:
    if len(caps) != len(weights):
        raise ApportionError("there must be one cap per part")
    if total_cents < 0:
        raise ApportionError("caps apply to a non-negative total")
    if None not in caps and sum(caps) < total_cents:
        raise ApportionError(f"the caps sum to {sum(caps)} cents, less than the {total_cents} to split")
    parts = apportion(total_cents, weights)
    if all(c is None or p <= c for p, c in zip(parts, caps, strict=True)):
        return parts
    # the same rule with the caps: floors (never above a cap), then the remainders in order
    exact = [Fraction(w) for w in weights]
    total_weight = sum(exact, Fraction(0))
    quotas = [total_cents * w / total_weight for w in exact]
    parts = [q.numerator // q.denominator for q in quotas]
    parts = [p if c is None else min(p, c) for p, c in zip(parts, caps, strict=True)]
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - parts[i]), i))
    left = total_cents - sum(parts)
    while left:
        for i in order:
            if left and (caps[i] is None or parts[i] < caps[i]):
                parts[i] += 1
                left -= 1
    return parts

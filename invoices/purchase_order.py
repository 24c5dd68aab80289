"""Purchase orders (bons de commande): what the coordination orders from a supplier.

A purchase order is sent before the goods exist on any invoice: it states the packs ordered at
the price of the tier the joint order reached, the VAT the supplier will charge, where and when
to deliver, and in which temperature classes, and it leaves room for the supplier's "bon pour
accord". It is not an invoice, so the supplier's SIREN is not required.

Amounts are integer cents excluding VAT; VAT rates are percentages (``Decimal("5.5")``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cached_property

from purchasing import apportion

from .exceptions import DocumentError
from .model import (
    FRENCH_VAT_RATES,
    DeliveryAddress,
    Party,
    _cents,
    _date,
    _decimal,
    _set,
    _text,
    round_cents,
)

#: Temperature classes a line can travel in, coldest last (the order they are printed in).
TEMPERATURES = ("ambient", "chilled", "frozen")

#: VAT rates (percent) a supplier may charge on a purchase: the French rates, or 0.
PURCHASE_VAT_RATES = FRENCH_VAT_RATES | {Decimal(0)}


@dataclass(frozen=True)
class PurchaseOrderLine:
    """Whole packs of one supplier reference, at the pack price of the tier reached (excl. VAT)."""

    reference: str
    description: str
    packs: int
    pack_size: Decimal
    unit: str
    pack_price_cents: int
    vat_rate: Decimal
    amount_cents: int
    temperature: str = "ambient"

    def __post_init__(self) -> None:
        _text(self.reference, "reference", max_len=50)
        _text(self.description, "description", max_len=300)
        if isinstance(self.packs, bool) or not isinstance(self.packs, int):
            raise DocumentError(f"packs: a whole number of packs, got {self.packs!r}")
        if self.packs < 1:
            raise DocumentError(f"packs: a line orders at least one pack, got {self.packs}")
        size = _decimal(self.pack_size, "pack_size", places=3)
        if size <= 0:
            raise DocumentError(f"pack_size: must be positive, got {size}")
        _set(self, "pack_size", size)
        _text(self.unit, "unit", max_len=30)
        if _cents(self.pack_price_cents, "pack_price_cents") < 0:
            raise DocumentError(f"pack_price_cents: must not be negative, got {self.pack_price_cents}")
        rate = _decimal(self.vat_rate, "vat_rate", places=3)
        if rate not in PURCHASE_VAT_RATES:
            hint = " (give it in percent, e.g. 5.5, not 0.055)" if 0 < rate < 1 else ""
            raise DocumentError(
                f"vat_rate: {rate} is not a French VAT rate in percent "
                f"({', '.join(str(r) for r in sorted(PURCHASE_VAT_RATES))}){hint}"
            )
        _set(self, "vat_rate", rate)
        _cents(self.amount_cents, "amount_cents")
        expected = self.packs * self.pack_price_cents
        if self.amount_cents != expected:
            raise DocumentError(
                f"amount_cents: {self.amount_cents} is not packs × pack price "
                f"({self.packs} × {self.pack_price_cents} = {expected} cents)"
            )
        temperature = self.temperature.value if isinstance(self.temperature, Enum) else self.temperature
        if temperature not in TEMPERATURES:
            raise DocumentError(
                f"temperature: one of {', '.join(TEMPERATURES)}, got {self.temperature!r}"
            )
        _set(self, "temperature", temperature)

    @property
    def quantity(self) -> Decimal:
        """Units ordered: packs × pack size."""
        return self.packs * self.pack_size


@dataclass(frozen=True)
class PurchaseOrderVat:
    """Taxable base and VAT of one rate, in cents (the delivery fee included pro rata)."""

    rate: Decimal
    lines_cents: int
    delivery_fee_cents: int
    taxable_cents: int
    vat_cents: int


@dataclass(frozen=True)
class PurchaseOrderTotals:
    """Totals in cents: goods and delivery fee excl. VAT (HT), VAT per rate, total incl. VAT."""

    lines_cents: int
    delivery_fee_cents: int
    taxable_cents: int
    vat_cents: int
    total_cents: int
    breakdown: tuple[PurchaseOrderVat, ...]


@dataclass(frozen=True)
class PurchaseOrder:
    """An order from the buyer (the coordination) to a supplier, with delivery instructions."""

    number: str
    order_date: date
    buyer: Party
    supplier: Party
    lines: tuple[PurchaseOrderLine, ...]
    delivery_date: date | None = None
    delivery_address: DeliveryAddress | None = None
    delivery_fee_cents: int = 0
    notes: str = ""
    reference: str = ""

    def __post_init__(self) -> None:
        _text(self.number, "number", max_len=35)
        _date(self.order_date, "order_date")
        if not isinstance(self.buyer, Party):
            raise DocumentError("buyer: expected a Party")
        if not isinstance(self.supplier, Party):
            raise DocumentError("supplier: expected a Party")
        if isinstance(self.lines, PurchaseOrderLine) or not isinstance(self.lines, tuple | list):
            raise DocumentError("lines: expected a tuple of PurchaseOrderLine")
        lines = tuple(self.lines)
        if not lines:
            raise DocumentError("lines: a purchase order needs at least one line")
        for i, line in enumerate(lines):
            if not isinstance(line, PurchaseOrderLine):
                raise DocumentError(f"lines[{i}]: expected a PurchaseOrderLine")
        _set(self, "lines", lines)
        if self.delivery_date is not None:
            _date(self.delivery_date, "delivery_date")
            if self.delivery_date < self.order_date:
                raise DocumentError(
                    f"delivery_date: {self.delivery_date} is before the order date {self.order_date}"
                )
        if self.delivery_address is not None and not isinstance(
            self.delivery_address, DeliveryAddress
        ):
            raise DocumentError("delivery_address: expected a DeliveryAddress")
        if _cents(self.delivery_fee_cents, "delivery_fee_cents") < 0:
            raise DocumentError(
                f"delivery_fee_cents: must not be negative, got {self.delivery_fee_cents}"
            )
        _text(self.notes, "notes", max_len=1000, required=False)
        _text(self.reference, "reference", max_len=100, required=False)

    @property
    def temperatures(self) -> tuple[str, ...]:
        """The temperature classes present among the lines, ambient first."""
        present = {line.temperature for line in self.lines}
        return tuple(t for t in TEMPERATURES if t in present)

    @cached_property
    def totals(self) -> PurchaseOrderTotals:
        """HT, VAT per rate (base × rate rounded half up once per rate) and TTC.

        The delivery fee is an accessory of the goods: it follows their VAT rates, split pro
        rata of the goods of each rate with the largest-remainder rule (``purchasing.apportion``).
        """
        rates = sorted({line.vat_rate for line in self.lines})
        by_rate = {r: 0 for r in rates}
        for line in self.lines:
            by_rate[line.vat_rate] += line.amount_cents
        weights = [by_rate[r] for r in rates]
        if sum(weights) == 0:
            weights = [1] * len(rates)  # free goods: the fee goes to the rates evenly
        fees = apportion(self.delivery_fee_cents, weights)
        breakdown = []
        for r, fee in zip(rates, fees, strict=True):
            taxable = by_rate[r] + fee
            breakdown.append(
                PurchaseOrderVat(
                    rate=r,
                    lines_cents=by_rate[r],
                    delivery_fee_cents=fee,
                    taxable_cents=taxable,
                    vat_cents=round_cents(Decimal(taxable) * r / 100),
                )
            )
        lines_total = sum(by_rate.values())
        taxable_total = lines_total + self.delivery_fee_cents
        vat_total = sum(b.vat_cents for b in breakdown)
        return PurchaseOrderTotals(
            lines_cents=lines_total,
            delivery_fee_cents=self.delivery_fee_cents,
            taxable_cents=taxable_total,
            vat_cents=vat_total,
            total_cents=taxable_total + vat_total,
            breakdown=tuple(breakdown),
        )


__all__ = [
    "PURCHASE_VAT_RATES",
    "TEMPERATURES",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderTotals",
    "PurchaseOrderVat",
]

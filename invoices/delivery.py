"""Delivery notes (bons de livraison): what a member received, with the food-safety data.

Donated and bought food carries a lot number and a date (DLC use-by, DDM best-before) and travels
in a temperature class; the receiving association writes the measured temperature and signs.
A shortfall or an excess must say why, so that splits stay explainable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from .exceptions import DocumentError
from .model import UNITS, DeliveryAddress, Party, _date, _decimal, _set, _text


class TemperatureClass(Enum):
    """Storage and transport class of an item."""

    AMBIENT = "ambient"
    CHILLED = "chilled"  # 0 to 4 °C
    FROZEN = "frozen"  # -18 °C or colder


@dataclass(frozen=True)
class DeliveryItem:
    """One delivered product, with its traceability and the ordered/delivered gap."""

    description: str
    lot: str
    temperature_class: TemperatureClass
    ordered_quantity: Decimal
    delivered_quantity: Decimal
    unit: str
    use_by: date | None = None  # DLC
    best_before: date | None = None  # DDM
    difference_reason: str = ""

    def __post_init__(self) -> None:
        _text(self.description, "description", max_len=300)
        _text(self.lot, "lot", max_len=50)
        if not isinstance(self.temperature_class, TemperatureClass):
            raise DocumentError("temperature_class: expected a TemperatureClass")
        ordered = _decimal(self.ordered_quantity, "ordered_quantity", places=4)
        delivered = _decimal(self.delivered_quantity, "delivered_quantity", places=4)
        if ordered < 0 or delivered < 0:
            raise DocumentError("ordered_quantity, delivered_quantity: must not be negative")
        _set(self, "ordered_quantity", ordered)
        _set(self, "delivered_quantity", delivered)
        if self.unit not in UNITS:
            raise DocumentError(f"unit: {self.unit!r} is not one of {', '.join(UNITS)}")
        if self.use_by is not None and self.best_before is not None:
            raise DocumentError("use_by, best_before: a product has a DLC or a DDM, not both")
        if self.use_by is not None:
            _date(self.use_by, "use_by")
        if self.best_before is not None:
            _date(self.best_before, "best_before")
        _text(self.difference_reason, "difference_reason", max_len=200, required=False)
        if ordered != delivered and not self.difference_reason.strip():
            raise DocumentError(
                f"difference_reason: {delivered} delivered for {ordered} ordered needs a reason"
            )

    @property
    def difference(self) -> Decimal:
        return self.delivered_quantity - self.ordered_quantity


@dataclass(frozen=True)
class DeliveryNote:
    """A delivery to one member, from an order cycle's allocation or a route stop."""

    number: str
    delivery_date: date
    issuer: Party
    recipient: Party
    source: str
    items: tuple[DeliveryItem, ...]
    delivery_address: DeliveryAddress | None = None
    vehicle: str = ""
    #: a delivery that has not happened yet (a round not driven): quantities are planned
    planned: bool = False

    def __post_init__(self) -> None:
        _text(self.number, "number", max_len=35)
        if not isinstance(self.planned, bool):
            raise DocumentError("planned: expected true or false")
        _date(self.delivery_date, "delivery_date")
        if not isinstance(self.issuer, Party) or not isinstance(self.recipient, Party):
            raise DocumentError("issuer, recipient: expected Party objects")
        _text(self.source, "source", max_len=100)
        items = tuple(self.items)
        if not items:
            raise DocumentError("items: a delivery note lists at least one item")
        for i, item in enumerate(items):
            if not isinstance(item, DeliveryItem):
                raise DocumentError(f"items[{i}]: expected a DeliveryItem")
            if item.use_by is not None and item.use_by < self.delivery_date:
                raise DocumentError(
                    f"items[{i}].use_by: {item.use_by} is before the delivery; "
                    "food past its DLC cannot be distributed"
                )
        _set(self, "items", items)
        _text(self.vehicle, "vehicle", max_len=100, required=False)

    def to_dict(self) -> dict:
        """A JSON-ready view (dates ISO, quantities as decimal strings)."""
        return {
            "number": self.number,
            "delivery_date": self.delivery_date.isoformat(),
            "issuer": self.issuer.legal_name,
            "recipient": {"legal_name": self.recipient.legal_name, "siren": self.recipient.siren},
            "delivery_address": None
            if self.delivery_address is None
            else {
                "name": self.delivery_address.name,
                "address_lines": list(self.delivery_address.address_lines),
                "postcode": self.delivery_address.postcode,
                "city": self.delivery_address.city,
                "country": self.delivery_address.country,
            },
            "source": self.source,
            "vehicle": self.vehicle or None,
            "planned": self.planned,
            "items": [
                {
                    "description": it.description,
                    "lot": it.lot,
                    "use_by": it.use_by.isoformat() if it.use_by else None,
                    "best_before": it.best_before.isoformat() if it.best_before else None,
                    "temperature_class": it.temperature_class.value,
                    "measured_temperature": None,
                    "ordered_quantity": str(it.ordered_quantity),
                    "delivered_quantity": str(it.delivered_quantity),
                    "unit": it.unit,
                    "difference_reason": it.difference_reason or None,
                }
                for it in self.items
            ],
        }

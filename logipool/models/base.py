"""What the capabilities' tables share: the enum column type, the address mixin and the shared enums."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column


class VatRegime(enum.StrEnum):
    OUTSIDE_VAT = "outside_vat"  # not subject to VAT (non-profit activity outside its scope)
    FRANCHISE_293B = "franchise_293b"  # "TVA non applicable, art. 293 B du CGI"
    COST_SHARING_261B = "cost_sharing_261b"  # exempt cost-sharing grouping, art. 261 B du CGI
    VAT_REGISTERED = "vat_registered"  # charges VAT; a VAT number is required


class VatTreatment(enum.StrEnum):
    """How one nature of charge is treated for VAT (the coordination's choice per nature)."""

    OUTSIDE_VAT = "outside_vat"
    FRANCHISE_293B = "franchise_293b"
    COST_SHARING_261B = "cost_sharing_261b"  # services of a cost-sharing grouping, art. 261 B CGI
    VAT_REGISTERED = "vat_registered"  # VAT charged at the charge's rate
    DISBURSEMENT = "disbursement"  # débours: excluded from the taxable base, art. 267 II 2° CGI


class Nature(enum.StrEnum):
    GOODS = "goods"  # goods bought and resold (joint orders)
    SERVICES = "services"  # services to members (vehicles, storage, routes, fees)
    DISBURSEMENT = "disbursement"  # paid in the member's name and on its behalf, at cost


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class AddressMixin:
    street: Mapped[str] = mapped_column(String(200), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="FR")


class TemperatureClass(enum.StrEnum):
    AMBIENT = "ambient"
    CHILLED = "chilled"  # 0–4 °C
    FROZEN = "frozen"  # ≤ −18 °C

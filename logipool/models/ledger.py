"""The ledger of charges: what each member or funder owes, before it is invoiced."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .base import Nature, enum_column
from .directory import Funder, Member


class ChargeSource(enum.StrEnum):
    VEHICLE_BOOKING = "vehicle_booking"
    STORAGE_BOOKING = "storage_booking"
    WAREHOUSE_COSTS = "warehouse_costs"
    ORDER_CYCLE = "order_cycle"
    ROUTE_PLAN = "route_plan"
    MANUAL = "manual"


class Charge(Base):
    """One amount owed by one member or one funder, with where it comes from and how it was computed.

    Capabilities post charges (vehicle and storage bookings, order cycles, route plans); the
    billing run gathers the uninvoiced ones into invoices. ``posting_key`` makes posting
    idempotent: the same source never charges the same party twice.
    """

    __tablename__ = "charge"
    __table_args__ = (
        UniqueConstraint("coordination_id", "posting_key"),
        CheckConstraint("(member_id IS NULL) <> (funder_id IS NULL)", name="one_payer"),
        CheckConstraint("period_end >= period_start", name="period_order"),
        Index("ix_charge_member_invoice", "member_id", "invoice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("funder.id"), index=True)
    source_type: Mapped[ChargeSource] = mapped_column(enum_column(ChargeSource, "charge_source"))
    source_id: Mapped[int | None]
    posting_key: Mapped[str] = mapped_column(String(120))
    label: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    allocation_key: Mapped[str] = mapped_column(String(60))
    basis: Mapped[str] = mapped_column(Text)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    nature: Mapped[Nature] = mapped_column(enum_column(Nature, "nature"))
    vat_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # parts of this payer's gross share that funders pay instead, shown as deductions on the
    # invoice: [{"funder_id": 1, "funder": "Fondation X", "cents": 1234}]; amount_cents is net
    subsidies: Mapped[list] = mapped_column(JSON, default=list)
    # what was consumed, for the invoice line's quantity, unit and unit price: one part per
    # tariff, [{"what": "Jours", "quantity": "3", "unit": "DAY", "unit_label": "", "cents": 9000}],
    # whose cents sum to the gross amount (amount + subsidies); None: a lump sum
    measure: Mapped[list | None] = mapped_column(JSON, nullable=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    member: Mapped[Member | None] = relationship()
    funder: Mapped[Funder | None] = relationship()

    @property
    def invoiced(self) -> bool:
        return self.invoice_id is not None

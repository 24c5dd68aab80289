"""Joint supplier orders: suppliers, offers, order cycles, members' needs and budgets."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .base import AddressMixin, TemperatureClass, enum_column


class Supplier(AddressMixin, Base):
    """A supplier the coordination buys from (wholesaler, producer, food bank)."""

    __tablename__ = "supplier"
    __table_args__ = (
        UniqueConstraint("coordination_id", "name"),
        CheckConstraint("minimum_order_cents >= 0 AND delivery_fee_cents >= 0 "
                        "AND (free_delivery_cents IS NULL OR free_delivery_cents >= 0)", name="amounts"),
        CheckConstraint("lead_time_days >= 0", name="lead_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    siret: Mapped[str | None] = mapped_column(String(14))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))  # where goods are picked up
    contact_email: Mapped[str | None] = mapped_column(String(254))
    lead_time_days: Mapped[int] = mapped_column(default=2)
    minimum_order_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    free_delivery_cents: Mapped[int | None] = mapped_column(BigInteger)
    delivery_fee_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Offer(Base):
    """A product as a supplier sells it: whole packs, prices excl. VAT by tier (all-units discounts).

    ``tiers`` is ``[{"min_packs": 1, "pack_price_cents": 1490}, {"min_packs": 10, ...}]``.
    """

    __tablename__ = "offer"
    __table_args__ = (
        UniqueConstraint("supplier_id", "reference"),
        CheckConstraint("pack_size > 0", name="pack_size"),
        CheckConstraint("packs_available IS NULL OR packs_available >= 0", name="packs_available"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    reference: Mapped[str] = mapped_column(String(60))
    product: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100), default="")
    unit: Mapped[str] = mapped_column(String(20), default="unit")
    pack_size: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    divisible: Mapped[bool] = mapped_column(Boolean, default=False)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))  # percent, e.g. 5.50
    temperature_class: Mapped[TemperatureClass] = mapped_column(
        enum_column(TemperatureClass, "temperature_class"), default=TemperatureClass.AMBIENT)
    pack_weight_kg: Mapped[Decimal] = mapped_column(Numeric(10, 3), default=Decimal(0))
    pack_volume_l: Mapped[Decimal] = mapped_column(Numeric(10, 3), default=Decimal(0))
    packs_available: Mapped[int | None]
    tiers: Mapped[list] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    supplier: Mapped[Supplier] = relationship()


class CycleStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"  # members declare their needs
    CLOSED = "closed"
    ALLOCATED = "allocated"  # a proposed plan (may be re-run)
    ORDERED = "ordered"  # frozen: purchase orders sent
    RECEIVED = "received"  # actual quantities recorded, shortfalls re-allocated
    SETTLED = "settled"  # charges posted
    CANCELLED = "cancelled"


class OrderCycle(Base):
    """One joint order (achat groupé): which suppliers, who needs what, the plan, what came, who pays."""

    __tablename__ = "order_cycle"
    __table_args__ = (CheckConstraint("transport_cents >= 0", name="transport"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[CycleStatus] = mapped_column(enum_column(CycleStatus, "cycle_status"))
    supplier_ids: Mapped[list] = mapped_column(JSON)
    needs_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    delivery_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    fee_key: Mapped[str] = mapped_column(String(20), default="weight")
    leftover_policy: Mapped[str] = mapped_column(String(20), default="shared_stock")
    transport_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    time_limit_s: Mapped[int] = mapped_column(default=20)
    notes: Mapped[str] = mapped_column(Text, default="")
    # frozen when allocated: the exact problem solved (purchasing JSON format) and its result
    problem: Mapped[dict | None] = mapped_column(JSON)
    allocation: Mapped[dict | None] = mapped_column(JSON)
    # when received: {offer id: {"packs": n, "lot": ..., "use_by": ..., "best_before": ...}}
    receipt: Mapped[dict | None] = mapped_column(JSON)
    final_allocation: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    allocated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OrderNeed(Base):
    """What one member needs in one cycle: any of ``offer_ids`` (interchangeable) satisfies it."""

    __tablename__ = "order_need"
    __table_args__ = (
        CheckConstraint("minimum >= 0 AND minimum <= target AND target <= maximum AND target > 0",
                        name="bounds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("order_cycle.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    offer_ids: Mapped[list] = mapped_column(JSON)
    minimum: Mapped[Decimal] = mapped_column(Numeric(12, 3), default=Decimal(0))
    target: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    maximum: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CycleBudget(Base):
    """A member's terms in one cycle: its spending cap (goods incl. VAT plus its share of fees)
    and its fairness weight when it is not the people it serves per week."""

    __tablename__ = "cycle_budget"
    __table_args__ = (
        UniqueConstraint("cycle_id", "member_id"),
        CheckConstraint("budget_cents IS NULL OR budget_cents >= 0", name="budget"),
        CheckConstraint("weight IS NULL OR weight > 0", name="weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("order_cycle.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    budget_cents: Mapped[int | None] = mapped_column(BigInteger)
    weight: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))

"""Shared storage: warehouse zones and pallet-position bookings."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .base import TemperatureClass, enum_column
from .directory import Member


class StorageStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class StorageZone(Base):
    __tablename__ = "storage_zone"
    __table_args__ = (
        CheckConstraint("capacity_pallets > 0", name="capacity"),
        CheckConstraint("cost_per_pallet_day_cents >= 0", name="cost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    name: Mapped[str] = mapped_column(String(100))
    temperature_class: Mapped[TemperatureClass] = mapped_column(
        enum_column(TemperatureClass, "temperature_class"))
    capacity_pallets: Mapped[int]
    area_m2: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    cost_per_pallet_day_cents: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # fair use: how long one booking lasts, how far ahead it starts, how many positions one
    # member holds at any instant (None: up to the capacity)
    max_booking_days: Mapped[int] = mapped_column(default=92)
    max_horizon_days: Mapped[int] = mapped_column(default=365)
    max_pallets_per_member: Mapped[int | None]


class StorageBooking(Base):
    """``pallets`` positions of a zone held by a member over ``[start_at, end_at)``.

    ``charged_until`` says up to when it has been charged (by period closes or at its end), so
    a booking is never charged twice for the same day nor left uncharged.
    """

    __tablename__ = "storage_booking"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="period_order"),
        CheckConstraint("pallets > 0", name="pallets"),
        Index("ix_storage_booking_zone_period", "zone_id", "start_at", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("storage_zone.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    pallets: Mapped[int]
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[StorageStatus] = mapped_column(enum_column(StorageStatus, "storage_status"))
    charged_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    zone: Mapped[StorageZone] = relationship()
    member: Mapped[Member] = relationship()

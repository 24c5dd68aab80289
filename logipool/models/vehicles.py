"""Vehicles: the fleet, bookings, blackouts, weekly quotas and iCalendar feeds."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .base import enum_column
from .directory import Member


class VehicleKind(enum.StrEnum):
    VAN = "van"
    TRUCK = "truck"
    REFRIGERATED_TRUCK = "refrigerated_truck"


class BookingStatus(enum.StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    CHECKED_OUT = "checked_out"
    RETURNED = "returned"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


# Statuses that hold the vehicle: no two of them may overlap (buffers included).
HOLDING_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.CHECKED_OUT, BookingStatus.RETURNED)


class Vehicle(Base):
    __tablename__ = "vehicle"
    __table_args__ = (
        UniqueConstraint("coordination_id", "plate"),
        CheckConstraint("capacity_kg >= 0 AND capacity_pallets >= 0 AND capacity_m3 >= 0", name="capacities"),
        CheckConstraint("fixed_cost_per_day_cents >= 0 AND cost_per_hour_cents >= 0 "
                        "AND cost_per_km_cents >= 0", name="costs"),
        CheckConstraint("buffer_minutes >= 0", name="buffer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    plate: Mapped[str] = mapped_column(String(20))
    kind: Mapped[VehicleKind] = mapped_column(enum_column(VehicleKind, "vehicle_kind"))
    capacity_kg: Mapped[int]
    capacity_m3: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    capacity_pallets: Mapped[int]
    chilled: Mapped[bool] = mapped_column(Boolean, default=False)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    home_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    owner_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    fixed_cost_per_day_cents: Mapped[int] = mapped_column(default=0)
    cost_per_hour_cents: Mapped[int] = mapped_column(default=0)
    cost_per_km_cents: Mapped[int] = mapped_column(default=0)
    buffer_minutes: Mapped[int] = mapped_column(default=0)
    auto_confirm: Mapped[bool] = mapped_column(Boolean, default=False)
    odometer_km: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class VehicleBooking(Base):
    """A member's use of a vehicle over ``[start_at, end_at)``; it holds the vehicle until
    ``block_end`` (the end plus the vehicle's loading/cleaning buffer)."""

    __tablename__ = "vehicle_booking"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="period_order"),
        CheckConstraint("block_end >= end_at", name="block_after_end"),
        Index("ix_vehicle_booking_vehicle_period", "vehicle_id", "start_at", "block_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    block_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[BookingStatus] = mapped_column(enum_column(BookingStatus, "booking_status"))
    purpose: Mapped[str] = mapped_column(String(300), default="")
    # Made for the pooled rounds: route plans may use the vehicle only inside such bookings, and
    # its costs are shared through the executed plan, not charged to the booking's member.
    for_rounds: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    series_id: Mapped[str | None] = mapped_column(String(32), index=True)
    decision_reason: Mapped[str | None] = mapped_column(String(300))
    checkout_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkout_odometer_km: Mapped[int | None]
    return_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_odometer_km: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the booking's revision, for calendar clients (iCalendar SEQUENCE and LAST-MODIFIED): every
    # UPDATE of the row, whatever changes it, counts one more and stamps the time
    sequence: Mapped[int] = mapped_column(default=0, server_default="0", onupdate=text("sequence + 1"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    vehicle: Mapped[Vehicle] = relationship()
    member: Mapped[Member] = relationship()

    @property
    def distance_km(self) -> int | None:
        if self.checkout_odometer_km is None or self.return_odometer_km is None:
            return None
        return self.return_odometer_km - self.checkout_odometer_km


class VehicleBlackout(Base):
    """Maintenance or any unavailability: no booking may overlap it."""

    __tablename__ = "vehicle_blackout"
    __table_args__ = (CheckConstraint("end_at > start_at", name="period_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicle.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(300))


class VehicleQuota(Base):
    """Fair use: at most ``max_hours_per_week`` booked per member (one, or each) and vehicle kind."""

    __tablename__ = "vehicle_quota"

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    vehicle_kind: Mapped[VehicleKind | None] = mapped_column(enum_column(VehicleKind, "vehicle_kind"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    max_hours_per_week: Mapped[int]


class CalendarFeed(Base):
    """A read-only iCalendar subscription (vehicle or member); the URL carries a secret token."""

    __tablename__ = "calendar_feed"
    __table_args__ = (
        CheckConstraint("(vehicle_id IS NULL) <> (member_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

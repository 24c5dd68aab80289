"""Database models (SQLAlchemy 2.x typed declarative). Every row belongs to one coordination."""

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
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, UTCDateTime, utcnow


class VatRegime(enum.StrEnum):
    OUTSIDE_VAT = "outside_vat"  # not subject to VAT (non-profit activity outside its scope)
    FRANCHISE_293B = "franchise_293b"  # "TVA non applicable, art. 293 B du CGI"
    COST_SHARING_261B = "cost_sharing_261b"  # exempt cost-sharing grouping, art. 261 B du CGI
    VAT_REGISTERED = "vat_registered"  # charges VAT; a VAT number is required


class MemberKind(enum.StrEnum):
    SOCIAL_GROCERY = "social_grocery"  # épicerie sociale et solidaire
    PARCEL_DISTRIBUTION = "parcel_distribution"
    STREET_OUTREACH = "street_outreach"  # maraude
    COMMUNITY_KITCHEN = "community_kitchen"
    NETWORK_ANTENNA = "network_antenna"  # local antenna of a national network
    NEIGHBOURHOOD = "neighbourhood"
    OTHER = "other"


class SiteKind(enum.StrEnum):
    WAREHOUSE = "warehouse"
    SUPPLIER = "supplier"
    SUPERMARKET = "supermarket"
    DISTRIBUTION_POINT = "distribution_point"  # a member's distribution point


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER_REP = "member_rep"
    TREASURER = "treasurer"
    AUDITOR = "auditor"

    @property
    def needs_member(self) -> bool:
        return self in (Role.MEMBER_REP, Role.TREASURER)


class FunderKind(enum.StrEnum):
    FOUNDATION = "foundation"
    STATE = "state"
    REGION = "region"
    DEPARTMENT = "department"
    TOWN = "town"
    OTHER = "other"


class ChargeSource(enum.StrEnum):
    VEHICLE_BOOKING = "vehicle_booking"
    STORAGE_BOOKING = "storage_booking"
    WAREHOUSE_COSTS = "warehouse_costs"
    ORDER_CYCLE = "order_cycle"
    ROUTE_PLAN = "route_plan"
    MANUAL = "manual"


class Nature(enum.StrEnum):
    GOODS = "goods"
    SERVICES = "services"


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


class Coordination(AddressMixin, Base):
    __tablename__ = "coordination"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str] = mapped_column(String(200))
    siren: Mapped[str | None] = mapped_column(String(9))
    siret: Mapped[str | None] = mapped_column(String(14))
    vat_regime: Mapped[VatRegime] = mapped_column(enum_column(VatRegime, "vat_regime"))
    vat_number: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Member(AddressMixin, Base):
    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("coordination_id", "siret"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    legal_name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[MemberKind] = mapped_column(enum_column(MemberKind, "member_kind"))
    siren: Mapped[str] = mapped_column(String(9))
    siret: Mapped[str] = mapped_column(String(14))
    vat_regime: Mapped[VatRegime] = mapped_column(enum_column(VatRegime, "vat_regime"))
    vat_number: Mapped[str | None] = mapped_column(String(20))
    contact_email: Mapped[str] = mapped_column(String(254))
    people_served_per_week: Mapped[int | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    coordination: Mapped[Coordination] = relationship()


class Site(AddressMixin, Base):
    __tablename__ = "site"
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SiteKind] = mapped_column(enum_column(SiteKind, "site_kind"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    latitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    # {"mon": [["08:00", "12:00"], ["14:00", "18:00"]], ...}; a missing day is closed
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Funder(AddressMixin, Base):
    __tablename__ = "funder"

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[FunderKind] = mapped_column(enum_column(FunderKind, "funder_kind"))
    siren: Mapped[str | None] = mapped_column(String(9))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # may create coordinations (tenants); everything else goes through a role grant
    platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user")


class RoleGrant(Base):
    """A user's one role in one coordination (scoped to a member for representatives and treasurers)."""

    __tablename__ = "role_grant"
    __table_args__ = (
        UniqueConstraint("user_id", "coordination_id"),
        CheckConstraint(
            "(role IN ('member_rep', 'treasurer')) = (member_id IS NOT NULL)",
            name="member_scope",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")
    coordination: Mapped[Coordination] = relationship()
    member: Mapped[Member | None] = relationship()


class ApiToken(Base):
    """A bearer token for one role grant. Only the SHA-256 of the secret is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("role_grant.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    grant: Mapped[RoleGrant] = relationship()


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
    invoice_id: Mapped[int | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    member: Mapped[Member | None] = relationship()
    funder: Mapped[Funder | None] = relationship()

    @property
    def invoiced(self) -> bool:
        return self.invoice_id is not None


# Vehicles ------------------------------------------------------------------------------------


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
    series_id: Mapped[str | None] = mapped_column(String(32), index=True)
    decision_reason: Mapped[str | None] = mapped_column(String(300))
    checkout_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkout_odometer_km: Mapped[int | None]
    return_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_odometer_km: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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


# Storage -------------------------------------------------------------------------------------


class TemperatureClass(enum.StrEnum):
    AMBIENT = "ambient"
    CHILLED = "chilled"  # 0–4 °C
    FROZEN = "frozen"  # ≤ −18 °C


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


# Route plans ---------------------------------------------------------------------------------


class PlanStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SOLVED = "solved"
    FAILED = "failed"
    ACCEPTED = "accepted"
    EXECUTED = "executed"


class RoutePlan(Base):
    """A day's shared pickup and delivery routes: the problem built from bookings and sites,
    the solver's progress while it runs, then the checked plan, its cost shares and its maps."""

    __tablename__ = "route_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus, "plan_status"))
    share_method: Mapped[str] = mapped_column(String(40))
    time_limit_s: Mapped[int]
    seed: Mapped[int] = mapped_column(default=0)
    problem: Mapped[dict] = mapped_column(JSON)
    progress: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    geojson: Mapped[dict | None] = mapped_column(JSON)
    svg: Mapped[str | None] = mapped_column(Text)
    runsheet_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

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
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base, UTCDateTime, utcnow


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
    # invoicing settings (printed on every invoice)
    payment_terms_days: Mapped[int] = mapped_column(default=30)
    # late-payment penalty rate, % per year (at least three times the legal interest rate)
    late_penalty_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("12.15"))
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    invoice_note: Mapped[str] = mapped_column(String(500), default="")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary)  # PNG or JPEG, printed on documents
    # VAT treatment per charge nature, {"goods": "vat_registered", ...}; a nature not listed
    # follows vat_regime (see vat_treatment)
    vat_treatments: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def vat_treatment(self, nature: Nature | str) -> VatTreatment:
        """The VAT treatment of charges of this nature: the configured one, else the regime's."""
        chosen = (self.vat_treatments or {}).get(Nature(nature).value)
        return VatTreatment(chosen or VatRegime(self.vat_regime).value)

    @property
    def vat_treatment_by_nature(self) -> dict[str, VatTreatment]:
        """Every nature's effective VAT treatment (what the settings read back)."""
        return {n.value: self.vat_treatment(n) for n in Nature}


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
    # a public funder (State, region, department, town) is invoiced through Chorus Pro (B2G):
    # its SIRET, the service code and the commitment number it gave go on the invoice
    siret: Mapped[str | None] = mapped_column(String(14))
    service_code: Mapped[str | None] = mapped_column(String(100))
    commitment_number: Mapped[str | None] = mapped_column(String(50))

    @property
    def is_public(self) -> bool:
        return self.kind in (FunderKind.STATE, FunderKind.REGION, FunderKind.DEPARTMENT, FunderKind.TOWN)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # may create coordinations (tenants); everything else goes through a role grant
    platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # sign-in to the web pages: a scrypt hash (None: no password set yet), the failed attempts
    # since the last success and the lock they lead to, and the page language chosen by the user
    password_hash: Mapped[str | None] = mapped_column(String(200))
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(10))
    # the one pending invitation / password-setting link (SHA-256 of its secret), single use
    invitation_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

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
    # platform administration is an explicit scope of the token, never implied by the user
    platform: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the token that created this one: a child never outlives it and is revoked with it
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"), index=True)

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
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the worker's last sign of life
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Joint supplier orders ------------------------------------------------------------------------


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


# Invoices ------------------------------------------------------------------------------------


class InvoiceKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    CREDITED = "credited"  # fully cancelled by credit notes


class InvoiceCounter(Base):
    """The last number issued in a coordination's series for one year (locked while issuing)."""

    __tablename__ = "invoice_counter"

    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class BillingRun(Base):
    """One period's invoicing: a draft per payer from its uninvoiced charges, issued together."""

    __tablename__ = "billing_run"
    __table_args__ = (CheckConstraint("period_end >= period_start", name="period_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # inclusive
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Invoice(Base):
    """An invoice or credit note to a member (or a funder). Immutable once issued: the number,
    the stored PDF and its SHA-256 never change; corrections go through credit notes."""

    __tablename__ = "invoice"
    __table_args__ = (
        UniqueConstraint("coordination_id", "number"),
        CheckConstraint("(member_id IS NULL) <> (funder_id IS NULL)", name="one_customer"),
        CheckConstraint("paid_cents >= 0 AND credited_cents >= 0", name="settled_amounts"),
        CheckConstraint("(status = 'draft') = (number IS NULL)", name="number_when_issued"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    funder_id: Mapped[int | None] = mapped_column(ForeignKey("funder.id"), index=True)
    kind: Mapped[InvoiceKind] = mapped_column(enum_column(InvoiceKind, "invoice_kind"))
    status: Mapped[InvoiceStatus] = mapped_column(enum_column(InvoiceStatus, "invoice_status"))
    number: Mapped[str | None] = mapped_column(String(35))
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    lines_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    deductions_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)  # incl. VAT, after deductions
    paid_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    credited_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    original_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))  # a credit note's invoice
    reason: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    billing_run_id: Mapped[int | None] = mapped_column(ForeignKey("billing_run.id"), index=True)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[InvoiceLine]] = relationship(order_by="InvoiceLine.position", cascade="all, delete-orphan")
    deductions: Mapped[list[InvoiceDeduction]] = relationship(
        order_by="InvoiceDeduction.id", cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(order_by="Payment.id")
    member: Mapped[Member | None] = relationship()
    funder: Mapped[Funder | None] = relationship()
    original: Mapped[Invoice | None] = relationship(remote_side=[id])

    @property
    def remaining_cents(self) -> int:
        return self.total_cents - self.paid_cents - self.credited_cents


class InvoiceLine(Base):
    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit: Mapped[str] = mapped_column(String(20))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(16, 4))  # excl. VAT, euros
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # excl. VAT
    vat_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    nature: Mapped[Nature] = mapped_column(enum_column(Nature, "nature"))
    source: Mapped[str] = mapped_column(String(120))  # in words, e.g. "Réservation véhicule n° 12"
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charge.id"), index=True)
    unit_label: Mapped[str] = mapped_column(String(40), default="", server_default="")  # "palette-jour"
    basis: Mapped[str] = mapped_column(Text, default="", server_default="")  # the charge's computation
    # the line's VAT treatment, fixed when the draft is filled; None: the coordination's regime
    vat_treatment: Mapped[VatTreatment | None] = mapped_column(
        enum_column(VatTreatment, "vat_treatment"), nullable=True)


class InvoiceDeduction(Base):
    """A funder's share or a subsidy, deducted from what the customer owes."""

    __tablename__ = "invoice_deduction"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(300))
    funder: Mapped[str] = mapped_column(String(200))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    vat_rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    source: Mapped[str] = mapped_column(String(120), default="")
    # the VAT treatment of the charge it comes from; None: the coordination's regime
    vat_treatment: Mapped[VatTreatment | None] = mapped_column(
        enum_column(VatTreatment, "vat_treatment"), nullable=True)


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(30))  # transfer, cheque, cash, direct_debit
    reference: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

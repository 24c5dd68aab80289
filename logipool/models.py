"""Database models (SQLAlchemy 2.x typed declarative). Every row belongs to one coordination."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
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

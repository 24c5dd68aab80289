"""The directory: the coordination itself, its members, sites and funders."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .base import AddressMixin, Nature, VatRegime, VatTreatment, enum_column


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


class FunderKind(enum.StrEnum):
    FOUNDATION = "foundation"
    STATE = "state"
    REGION = "region"
    DEPARTMENT = "department"
    TOWN = "town"
    OTHER = "other"


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
    # SEPA creditor identifier (ICS, "identifiant créancier SEPA"), needed for direct debits
    sepa_creditor_id: Mapped[str | None] = mapped_column(String(35))
    # reminders: the first and second reminder letters, this many days after the due date
    reminder_first_days: Mapped[int] = mapped_column(default=10, server_default="10")
    reminder_second_days: Mapped[int] = mapped_column(default=30, server_default="30")
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

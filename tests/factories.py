"""Rows for tests, with valid identifiers generated on demand."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from invoices.identifiers import luhn_valid as luhn_ok
from logipool.models import (
    Coordination,
    Funder,
    FunderKind,
    Member,
    MemberKind,
    Role,
    Site,
    SiteKind,
    VatRegime,
)
from logipool.services.accounts import grant_role, issue_token

_serial = itertools.count(10_000_000)


def with_check_digit(prefix: str) -> str:
    return next(prefix + str(d) for d in range(10) if luhn_ok(prefix + str(d)))


def new_siren() -> str:
    return with_check_digit(str(next(_serial)))


def siret_of(siren: str, establishment: str = "0001") -> str:
    return with_check_digit(siren + establishment)


def make_coordination(session: Session, slug: str, **kw) -> Coordination:
    siren = new_siren()
    row = Coordination(slug=slug, name=kw.pop("name", f"Coordination {slug}"),
                       legal_name=kw.pop("legal_name", f"Groupement {slug}"), siren=siren,
                       siret=siret_of(siren), vat_regime=kw.pop("vat_regime", VatRegime.COST_SHARING_261B),
                       street=kw.pop("street", "2 rue de la Coopération"), city="Aubagne", postcode="13400", **kw)
    session.add(row)
    session.flush()
    return row


def make_member(session: Session, coordination: Coordination, short_name: str, **kw) -> Member:
    siren = new_siren()
    row = Member(coordination_id=coordination.id, short_name=short_name,
                 legal_name=kw.pop("legal_name", f"Association {short_name}"),
                 kind=kw.pop("kind", MemberKind.SOCIAL_GROCERY), siren=siren, siret=siret_of(siren),
                 vat_regime=kw.pop("vat_regime", VatRegime.OUTSIDE_VAT),
                 contact_email=f"{short_name}@example.org",
                 people_served_per_week=kw.pop("people_served_per_week", 100),
                 street=kw.pop("street", "10 avenue des Associations"), postcode=kw.pop("postcode", "13400"),
                 city=kw.pop("city", "Aubagne"), **kw)
    session.add(row)
    session.flush()
    return row


def make_site(session: Session, coordination: Coordination, name: str, kind=SiteKind.SUPERMARKET,
              member: Member | None = None) -> Site:
    row = Site(coordination_id=coordination.id, name=name, kind=kind,
               member_id=member.id if member else None, latitude=Decimal("43.2928"),
               longitude=Decimal("5.5708"), opening_hours={"mon": [["08:00", "12:00"]]})
    session.add(row)
    session.flush()
    return row


def make_funder(session: Session, coordination: Coordination, name: str) -> Funder:
    row = Funder(coordination_id=coordination.id, name=name, kind=FunderKind.FOUNDATION)
    session.add(row)
    session.flush()
    return row


@dataclass
class Tenant:
    coordination: Coordination
    member: Member  # the member that representatives and treasurers act for
    other_member: Member
    site: Site
    funder: Funder
    tokens: dict[Role, str] = field(default_factory=dict)
    user_ids: dict[Role, int] = field(default_factory=dict)

    def headers(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@dataclass
class World:
    a: Tenant
    b: Tenant


def build_tenant(session: Session, slug: str) -> Tenant:
    c = make_coordination(session, slug)
    member = make_member(session, c, f"{slug}-m1")
    other = make_member(session, c, f"{slug}-m2")
    tenant = Tenant(c, member, other, make_site(session, c, f"{slug} shop"), make_funder(session, c, f"{slug} fund"))
    for role in Role:
        grant = grant_role(session, c.id, f"{role.value}@{slug}.example", role,
                           member.id if role.needs_member else None)
        _token, secret = issue_token(session, grant, days=30)
        tenant.tokens[role] = secret
        tenant.user_ids[role] = grant.user_id
    return tenant


def build_world(session: Session) -> World:
    return World(build_tenant(session, "alpha"), build_tenant(session, "beta"))


def make_vehicle(session: Session, coordination: Coordination, name: str = "Master frigo", **kw):
    from logipool.models import Vehicle, VehicleKind

    values = dict(plate=f"{name[:2].upper()}-{next(_serial) % 1000:03d}-LP", kind=VehicleKind.REFRIGERATED_TRUCK,
                  capacity_kg=1200, capacity_m3=Decimal("12.00"), capacity_pallets=4, chilled=True,
                  fixed_cost_per_day_cents=2500, cost_per_hour_cents=600, cost_per_km_cents=45,
                  buffer_minutes=30, odometer_km=15000)
    values.update(kw)
    row = Vehicle(coordination_id=coordination.id, name=name, **values)
    session.add(row)
    session.flush()
    return row


def make_zone(session: Session, coordination: Coordination, capacity: int = 10, **kw):
    from logipool.models import StorageZone, TemperatureClass

    warehouse = make_site(session, coordination, f"Entrepôt {next(_serial)}", kind=SiteKind.WAREHOUSE)
    values = dict(name="Froid positif", temperature_class=TemperatureClass.CHILLED, capacity_pallets=capacity,
                  area_m2=Decimal("40.00"), cost_per_pallet_day_cents=150)
    values.update(kw)
    row = StorageZone(coordination_id=coordination.id, site_id=warehouse.id, **values)
    session.add(row)
    session.flush()
    return row


def platform_token(session: Session, tenant: Tenant, role: Role = Role.ADMIN) -> dict[str, str]:
    """Make the tenant's ``role`` user a platform administrator and give it a platform-scoped token."""
    from sqlalchemy import select

    from logipool.models import RoleGrant

    grant = session.scalars(select(RoleGrant).where(RoleGrant.user_id == tenant.user_ids[role],
                                                    RoleGrant.coordination_id == tenant.coordination.id)).one()
    grant.user.platform_admin = True
    _token, secret = issue_token(session, grant, days=30, platform=True)
    session.commit()
    return {"Authorization": f"Bearer {secret}"}

"""Members (associations), sites and funders of a coordination."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Select
from sqlalchemy.orm import Session

from ..auth import READERS, STAFF, Principal
from ..errors import InvalidInput
from ..models import Charge, Funder, Member, RoleGrant, Site, SiteKind, VatRegime
from .crud import Resource, own_member_only, refers


def _own_member_only(principal: Principal, stmt: Select) -> Select:
    return own_member_only(principal, stmt, Member.id)


def _check_vat(row) -> None:
    if row.vat_regime == VatRegime.VAT_REGISTERED and not row.vat_number:
        raise InvalidInput.field("vat_number", "A VAT-registered association needs its VAT number.")
    if row.vat_regime != VatRegime.VAT_REGISTERED and row.vat_number:
        raise InvalidInput.field("vat_number", "Only a VAT-registered association has a VAT number.")


def _check_member(session: Session, principal: Principal, member: Member) -> None:
    if member.siret[:9] != member.siren:
        raise InvalidInput.field("siret", "The SIRET must start with the association's SIREN.")
    _check_vat(member)


def _member_in_use(session: Session, member: Member) -> str | None:
    if refers(session, Charge, Charge.member_id, member.id):
        return "charges are recorded against it (they are kept for 10 years)."
    if refers(session, Site, Site.member_id, member.id):
        return "it has sites."
    if refers(session, RoleGrant, RoleGrant.member_id, member.id):
        return "users are attached to it."
    return None


MEMBERS = Resource(
    model=Member,
    label="member",
    write_roles=STAFF,
    read_roles=READERS,
    visible=_own_member_only,
    check=_check_member,
    in_use=_member_in_use,
)


def member_in_coordination(session: Session, principal: Principal, member_id: int | None,
                           field: str = "member_id") -> Member | None:
    if member_id is None:
        return None
    member = session.get(Member, member_id)
    if member is None or member.coordination_id != principal.coordination_id:
        raise InvalidInput.field(field, f"No member {member_id} in this coordination.")
    return member


def _check_site(session: Session, principal: Principal, site: Site) -> None:
    if site.kind == SiteKind.DISTRIBUTION_POINT and site.member_id is None:
        raise InvalidInput.field("member_id", "A distribution point belongs to a member: give member_id.")
    if site.kind != SiteKind.DISTRIBUTION_POINT and site.member_id is not None:
        raise InvalidInput.field("member_id", "Only a distribution point belongs to a member.")
    member_in_coordination(session, principal, site.member_id)
    # coordinates are WGS84 degrees; six decimals is ~0.1 m
    site.latitude = Decimal(str(site.latitude)).quantize(Decimal("0.000001"))
    site.longitude = Decimal(str(site.longitude)).quantize(Decimal("0.000001"))


def _site_in_use(session: Session, site: Site) -> str | None:
    return None


SITES = Resource(
    model=Site,
    label="site",
    write_roles=STAFF,
    read_roles=READERS,
    check=_check_site,
    in_use=_site_in_use,
)


def _funder_in_use(session: Session, funder: Funder) -> str | None:
    if refers(session, Charge, Charge.funder_id, funder.id):
        return "charges are recorded against it (they are kept for 10 years)."
    return None


FUNDERS = Resource(
    model=Funder,
    label="funder",
    write_roles=STAFF,
    read_roles=READERS,
    in_use=_funder_in_use,
)

"""Coordinations: the tenants. Created by platform administrators, run by their admins."""

from __future__ import annotations

import io

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..auth import READERS, Principal, require
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..models import (
    ApiToken,
    Coordination,
    Funder,
    Member,
    Nature,
    OutboxMessage,
    Role,
    RoleGrant,
    Site,
    VatRegime,
    VatTreatment,
)
from . import passwords
from .accounts import grant_role
from .crud import paginate, refers
from .directory import _check_vat
from .payments import check_creditor_id


def _set_treatments(coordination: Coordination, data: dict) -> None:
    """Merge the VAT treatments given per nature into the coordination's (null: follow the
    regime again)."""
    chosen = data.pop("vat_treatment_by_nature", None)
    if chosen is None:
        return
    merged = dict(coordination.vat_treatments or {})
    for nature, treatment in chosen.items():
        if treatment is None:
            merged.pop(nature, None)
        else:
            merged[nature] = VatTreatment(treatment).value
    coordination.vat_treatments = merged


def _check_treatments(coordination: Coordination) -> None:
    """The treatments per nature must fit together on one invoice and with the regime."""
    treatments = {n: coordination.vat_treatment(n) for n in Nature}
    for nature, treatment in treatments.items():
        field = f"vat_treatments.{nature.value}"
        if treatment == VatTreatment.DISBURSEMENT and nature != Nature.DISBURSEMENT:
            raise InvalidInput.field(field, "Only disbursements at cost (débours, art. 267 II 2° CGI) "
                                            "are excluded from the taxable base as such.")
        if treatment == VatTreatment.VAT_REGISTERED and not coordination.vat_number:
            raise InvalidInput.field(field, "Charging VAT needs the coordination's VAT number (vat_number).")
        if treatment == VatTreatment.VAT_REGISTERED and coordination.vat_regime == VatRegime.FRANCHISE_293B:
            raise InvalidInput.field(field, "A coordination under the franchise (art. 293 B CGI) charges no VAT.")
        others = {t for t in treatments.values() if t != treatment}
        if treatment == VatTreatment.OUTSIDE_VAT and others:
            raise InvalidInput.field(field, "Charges outside the scope of VAT cannot be invoiced with exempt or "
                                            "taxed charges (EN 16931 BR-O-11): give every nature the same "
                                            "treatment.")


def _check(coordination: Coordination) -> None:
    taxed = any(coordination.vat_treatment(n) == VatTreatment.VAT_REGISTERED for n in Nature)
    if not (taxed and coordination.vat_number and coordination.vat_regime != VatRegime.VAT_REGISTERED):
        # a VAT number is also held by a coordination charging VAT on some natures only
        _check_vat(coordination)
    _check_treatments(coordination)
    if coordination.siret and coordination.siren and coordination.siret[:9] != coordination.siren:
        raise InvalidInput.field("siret", "The SIRET must start with the coordination's SIREN.")
    coordination.sepa_creditor_id = check_creditor_id(coordination.sepa_creditor_id)
    if coordination.reminder_first_days is None:
        coordination.reminder_first_days = 10
    if coordination.reminder_second_days is None:
        coordination.reminder_second_days = 30
    if coordination.reminder_second_days <= coordination.reminder_first_days:
        raise InvalidInput.field("reminder_second_days", "The second reminder comes after the first.")


def list_coordinations(session: Session, principal: Principal, limit: int, offset: int) -> dict:
    require(principal, *READERS)
    stmt = select(Coordination).order_by(Coordination.id)
    if not principal.platform_admin:
        stmt = stmt.where(Coordination.id == principal.coordination_id)
    return paginate(session, stmt, limit, offset)


def get_coordination(session: Session, principal: Principal, coordination_id: int) -> Coordination:
    require(principal, *READERS)
    row = session.get(Coordination, coordination_id)
    if row is None or (not principal.platform_admin and row.id != principal.coordination_id):
        raise NotFound(f"No coordination {coordination_id} here.")
    return row


def create_coordination(session: Session, principal: Principal, data: dict) -> Coordination:
    if not principal.platform_admin:
        raise Forbidden("Only a platform administrator creates coordinations.")
    row = _insert(session, data)
    # whoever creates a coordination administers it until they hand it over
    session.add(RoleGrant(user_id=principal.user_id, coordination_id=row.id, role=Role.ADMIN))
    session.flush()
    return row


def _insert(session: Session, data: dict) -> Coordination:
    if session.scalar(select(Coordination.id).where(Coordination.slug == data["slug"])):
        raise Conflict(f"A coordination with slug {data['slug']!r} exists already.")
    data = dict(data)
    row = Coordination(**{k: v for k, v in data.items() if k != "vat_treatment_by_nature"}, vat_treatments={})
    _set_treatments(row, data)
    _check(row)
    session.add(row)
    session.flush()
    return row


def install_coordination(session: Session, data: dict, admin_email: str, admin_name: str = "",
                         ) -> tuple[Coordination, RoleGrant, str]:
    """A new coordination set up from the server's command line (its operator needs no token, so
    this is how a fresh install starts): the coordination with its invoicing settings, its first
    administrator, and the secret of that person's password-setting link."""
    row = _insert(session, data)
    grant = grant_role(session, row.id, admin_email, Role.ADMIN, None, admin_name)
    return row, grant, passwords.create_invitation(session, grant.user)


def add_administrator(session: Session, principal: Principal, coordination_id: int,
                      data: dict) -> tuple[RoleGrant, str]:
    """Platform administrators: make a person (created if new) an administrator of a coordination
    and return the secret of their password-setting link."""
    row = get_coordination(session, principal, coordination_id)
    if not principal.platform_admin:
        raise Forbidden("Only a platform administrator names a coordination's administrators.")
    grant = grant_role(session, row.id, data["email"], Role.ADMIN, None, data.get("name", ""))
    return grant, passwords.create_invitation(session, grant.user)


def update_coordination(session: Session, principal: Principal, coordination_id: int, data: dict):
    row = get_coordination(session, principal, coordination_id)
    if not (principal.platform_admin or principal.role == Role.ADMIN):
        raise Forbidden("Only the coordination's admin changes its settings.")
    data = dict(data)
    _set_treatments(row, data)
    for key, value in data.items():
        setattr(row, key, value)
    _check(row)
    session.flush()
    return row


def delete_coordination(session: Session, principal: Principal, coordination_id: int) -> None:
    row = get_coordination(session, principal, coordination_id)
    if not principal.platform_admin:
        raise Forbidden("Only a platform administrator deletes coordinations.")
    if row.id == principal.coordination_id:
        raise Conflict("You cannot delete the coordination your token belongs to.")
    for model, what in ((Member, "members"), (Site, "sites"), (Funder, "funders")):
        if refers(session, model, model.coordination_id, row.id):
            raise Conflict(f"This coordination still has {what}; it cannot be deleted.")
    grants = select(RoleGrant.id).where(RoleGrant.coordination_id == row.id)
    session.execute(delete(ApiToken).where(ApiToken.grant_id.in_(grants)))
    session.execute(delete(RoleGrant).where(RoleGrant.coordination_id == row.id))
    # its mail history goes with it (attachments follow by ON DELETE CASCADE)
    session.execute(delete(OutboxMessage).where(OutboxMessage.coordination_id == row.id))
    session.delete(row)
    session.flush()


MAX_LOGO_BYTES = 512 * 1024


def set_logo(session: Session, principal: Principal, coordination_id: int, data: bytes) -> Coordination:
    """Store the logo printed on invoices, purchase orders, delivery notes and statements."""
    coordination = get_coordination(session, principal, coordination_id)
    require(principal, Role.ADMIN)
    if not data:
        raise InvalidInput.field("logo", "Send the image as the request body (PNG or JPEG).")
    if len(data) > MAX_LOGO_BYTES:
        raise InvalidInput.field("logo", f"At most {MAX_LOGO_BYTES // 1024} KiB.")
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise InvalidInput.field("logo", "A PNG or JPEG image.")
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise InvalidInput.field("logo", f"The image cannot be read ({exc}).") from None
    if not (16 <= width <= 4000 and 16 <= height <= 4000):
        raise InvalidInput.field("logo", f"Between 16 and 4000 pixels a side, got {width} × {height}.")
    coordination.logo = data
    session.flush()
    return coordination


def remove_logo(session: Session, principal: Principal, coordination_id: int) -> None:
    coordination = get_coordination(session, principal, coordination_id)
    require(principal, Role.ADMIN)
    coordination.logo = None
    session.flush()


def logo(session: Session, principal: Principal, coordination_id: int) -> bytes:
    coordination = get_coordination(session, principal, coordination_id)
    if coordination.logo is None:
        raise NotFound("This coordination has no logo.")
    return coordination.logo

"""A person's data (GDPR articles 15, 17 and 20): the export of everything logipool holds about a
user, and the erasure that anonymises the user while keeping the accounting records intact.

Invoices, charges, payments and bookings belong to members and funders, not to people: they stay
as they are (an issued invoice names the member, never a user). What pointed at the person
(``created_by_id`` columns, the audit trail's ``actor_user_id``) keeps pointing at the user's id,
which becomes a pseudonymous reference once the name and e-mail are gone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import Principal, require
from ..db import utcnow
from ..errors import Conflict, Forbidden, NotFound
from ..models import (
    ApiToken,
    AuditEvent,
    BillingRun,
    CalendarFeed,
    Charge,
    Coordination,
    Invoice,
    Member,
    OrderCycle,
    OrderNeed,
    OutboxMessage,
    Payment,
    Role,
    RoleGrant,
    RoutePlan,
    StorageBooking,
    User,
    VehicleBooking,
)

EXPORT_FORMAT = "logipool-personal-data/1"
# the rows a person created, by the column that names them
CREATED_BY = (VehicleBooking, StorageBooking, OrderNeed, OrderCycle, Charge, Invoice, Payment, BillingRun, RoutePlan,
              CalendarFeed)


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@erased.invalid"


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user


def _grants(session: Session, user_id: int) -> list[RoleGrant]:
    return list(session.scalars(select(RoleGrant).where(RoleGrant.user_id == user_id).order_by(RoleGrant.id)))


def export_user(session: Session, principal: Principal | None, user_id: int) -> dict:
    """Everything held about the person (dumped by ``PersonalDataSchema``): for the person, or a platform administrator
    (``principal`` None: the command line)."""
    if principal is not None and user_id != principal.user_id and not principal.platform_admin:
        raise NotFound(f"No user {user_id} you may export: people export their own data.")
    user = _user(session, user_id)
    grants = _grants(session, user_id)
    roles = []
    for grant in grants:
        coordination = session.get(Coordination, grant.coordination_id)
        member = session.get(Member, grant.member_id) if grant.member_id else None
        roles.append({"coordination_id": coordination.id, "coordination": coordination.name, "role": grant.role.value,
                      "member_id": grant.member_id, "member": member.short_name if member else None,
                      "granted_at": grant.created_at})
    tokens = session.scalars(select(ApiToken).where(ApiToken.grant_id.in_([g.id for g in grants]))
                             .order_by(ApiToken.id)).all() if grants else []
    created = {}
    for model in CREATED_BY:
        ids = session.scalars(select(model.id).where(model.created_by_id == user_id).order_by(model.id)).all()
        if ids:
            created[model.__tablename__] = list(ids)
    actions = session.execute(
        select(AuditEvent.at, AuditEvent.entity, AuditEvent.entity_id, AuditEvent.action, AuditEvent.actor_kind)
        .where(AuditEvent.actor_user_id == user_id).order_by(AuditEvent.id)).all()
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow(),
        "user": {"id": user.id, "email": user.email, "name": user.name, "locale": user.locale, "active": user.active,
                 "platform_admin": user.platform_admin, "created_at": user.created_at,
                 "password_set": user.password_hash is not None,
                 "invitation_pending": user.invitation_hash is not None},
        "roles": roles,
        "tokens": [{"id": t.id, "name": t.name, "prefix": t.prefix, "platform": t.platform,
                    "created_at": t.created_at, "expires_at": t.expires_at, "revoked_at": t.revoked_at}
                   for t in tokens],
        "created": created,
        "actions": [{"at": at, "entity": entity, "entity_id": entity_id, "action": action, "via": kind}
                    for at, entity, entity_id, action, kind in actions],
    }


def erase_user(session: Session, principal: Principal | None, user_id: int) -> User:
    """Anonymise the person: name, e-mail, password, invitation, language and tokens go, every
    role is withdrawn, every web session ends. An administrator erases people whose roles are all
    in their coordination; a platform administrator anyone (``principal`` None: the command line)."""
    user = _user(session, user_id)
    grants = _grants(session, user_id)
    if principal is not None:
        if not principal.platform_admin:
            require(principal, Role.ADMIN)
            if principal.coordination_id not in {g.coordination_id for g in grants}:
                raise NotFound(f"No user {user_id} in this coordination.")
            if any(g.coordination_id != principal.coordination_id for g in grants):
                raise Conflict("This person also works for other coordinations: a platform administrator erases them.")
        if user_id == principal.user_id:
            raise Forbidden("You cannot erase yourself: ask another administrator.")
    for grant in grants:
        other_admin = select(RoleGrant.id).where(RoleGrant.coordination_id == grant.coordination_id,
                                                 RoleGrant.role == Role.ADMIN, RoleGrant.user_id != user_id)
        if grant.role == Role.ADMIN and session.scalar(other_admin.limit(1)) is None:
            raise Conflict("A coordination keeps at least one admin: name another admin first.")
    # tokens newest first: one made from another goes before its parent (which would cascade to it)
    tokens = session.scalars(select(ApiToken).where(ApiToken.grant_id.in_([g.id for g in grants]))
                             .order_by(ApiToken.id.desc())).all() if grants else []
    for token in tokens:
        session.delete(token)
        session.flush()
    for grant in grants:
        session.delete(grant)
    # the mail written to the person (sent or waiting) goes with their address: it is no accounting record
    for message in session.scalars(select(OutboxMessage).where(
            (OutboxMessage.user_id == user.id) | (OutboxMessage.recipient == user.email))):
        session.delete(message)
    user.name, user.email, user.locale = "", erased_email(user.id), None
    user.password_hash = user.invitation_hash = user.invitation_expires_at = user.locked_until = None
    user.failed_sign_ins, user.active, user.platform_admin = 0, False, False
    session.flush()
    return user

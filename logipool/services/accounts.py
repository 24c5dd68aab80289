"""Users, their role in the coordination, and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth import STAFF_READERS, Principal, hash_token, new_token_secret, require
from ..db import utcnow
from ..errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from ..models import ApiToken, Coordination, Member, Role, RoleGrant, User
from .crud import paginate
from .directory import member_in_coordination


@dataclass
class UserView:
    """A user as one coordination sees it: identity and the role granted there."""

    id: int
    email: str
    name: str
    role: Role
    member_id: int | None
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, grant: RoleGrant) -> UserView:
        u = grant.user
        return cls(u.id, u.email, u.name, grant.role, grant.member_id, u.active, u.created_at)


def _grant_stmt(principal: Principal):
    return (
        select(RoleGrant)
        .join(User, RoleGrant.user_id == User.id)
        .where(RoleGrant.coordination_id == principal.coordination_id)
        .order_by(User.id)
    )


def list_users(session: Session, principal: Principal, args: dict) -> dict:
    require(principal, *STAFF_READERS)
    stmt = _grant_stmt(principal)
    if args.get("role"):
        stmt = stmt.where(RoleGrant.role == args["role"])
    page = paginate(session, stmt, args["limit"], args["offset"])
    page["items"] = [UserView.of(g) for g in page["items"]]
    return page


def _grant(session: Session, principal: Principal, user_id: int) -> RoleGrant:
    grant = session.scalars(_grant_stmt(principal).where(RoleGrant.user_id == user_id)).first()
    if grant is None:
        raise NotFound(f"No user {user_id} in this coordination.")
    return grant


def get_user(session: Session, principal: Principal, user_id: int) -> UserView:
    if user_id != principal.user_id:
        require(principal, *STAFF_READERS)
    return UserView.of(_grant(session, principal, user_id))


def get_me(session: Session, principal: Principal) -> dict:
    """The signed-in person: their user here, language and choice of optional e-mails."""
    from . import mail

    grant = _grant(session, principal, principal.user_id)
    return dict(vars(UserView.of(grant)), locale=grant.user.locale, mail=mail.preferences(grant.user))


def update_me(session: Session, principal: Principal, data: dict) -> dict:
    """A person changes their own name, language or optional e-mails (any role, even an auditor)."""
    from . import mail

    user = _grant(session, principal, principal.user_id).user
    if "name" in data:
        user.name = data["name"]
    if "locale" in data:
        user.locale = data["locale"]
    if "mail" in data:
        mail.set_preferences(session, user, data["mail"])
    session.flush()
    return get_me(session, principal)


def _check_scope(session: Session, principal: Principal, role: Role, member_id: int | None) -> None:
    if role.needs_member and member_id is None:
        raise InvalidInput.field("member_id", f"A {role.value} acts for one member: give member_id.")
    if not role.needs_member and member_id is not None:
        raise InvalidInput.field("member_id", f"A {role.value} is not tied to a member.")
    member_in_coordination(session, principal, member_id)


def grant_role(session: Session, coordination_id: int, email: str, role: Role,
               member_id: int | None, name: str = "") -> RoleGrant:
    email = email.strip().lower()
    user = session.scalars(select(User).where(User.email == email)).first()
    if user is None:
        user = User(email=email, name=name)
        session.add(user)
        session.flush()
    elif session.scalar(
        select(RoleGrant.id).where(RoleGrant.user_id == user.id,
                                   RoleGrant.coordination_id == coordination_id)
    ):
        raise Conflict(f"{email} already has a role in this coordination.")
    grant = RoleGrant(user=user, coordination_id=coordination_id, role=role, member_id=member_id)
    session.add(grant)
    session.flush()
    return grant


def create_user(session: Session, principal: Principal, data: dict) -> UserView:
    """Grant a role here. A person new to the platform is created with the given name and state;
    a person who already exists keeps theirs (they are the person's, not this coordination's)."""
    require(principal, Role.ADMIN)
    _check_scope(session, principal, data["role"], data.get("member_id"))
    email = data["email"].strip().lower()
    is_new = session.scalar(select(User.id).where(User.email == email)) is None
    grant = grant_role(session, principal.coordination_id, email, data["role"],
                       data.get("member_id"), data.get("name", ""))
    if is_new and "active" in data:
        grant.user.active = data["active"]
    return UserView.of(grant)


def _admins(session: Session, coordination_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(RoleGrant).where(
            RoleGrant.coordination_id == coordination_id, RoleGrant.role == Role.ADMIN
        )
    )


PERSON_FIELDS = ("name", "active")  # global to the person, whatever coordinations they work in


def update_user(session: Session, principal: Principal, user_id: int, data: dict) -> UserView:
    """An admin changes the role granted here; the person's own fields (name, active) change only
    by the person or with a platform-scoped token."""
    grant = _grant(session, principal, user_id)
    person = [f for f in PERSON_FIELDS if f in data]
    if person and user_id != principal.user_id and not principal.platform_admin:
        message = "A person's name and state are theirs: only they or a platform administrator change them."
        raise Forbidden(f"{person[0]}: {message}", errors={f: [message] for f in person})
    if "role" in data or "member_id" in data:
        require(principal, Role.ADMIN)
    for field in person:
        setattr(grant.user, field, data[field])
    if "role" not in data and "member_id" not in data:
        session.flush()
        return UserView.of(grant)
    role = data.get("role", grant.role)
    member_id = data.get("member_id", grant.member_id if role.needs_member else None)
    _check_scope(session, principal, role, member_id)
    if grant.role == Role.ADMIN and role != Role.ADMIN and _admins(session, grant.coordination_id) == 1:
        raise Conflict("A coordination keeps at least one admin: name another admin first.")
    grant.role, grant.member_id = role, member_id
    session.flush()
    return UserView.of(grant)


def remove_user(session: Session, principal: Principal, user_id: int) -> None:
    """Withdraw the user's role in this coordination and revoke its tokens here."""
    require(principal, Role.ADMIN)
    grant = _grant(session, principal, user_id)
    if grant.role == Role.ADMIN and _admins(session, grant.coordination_id) == 1:
        raise Conflict("A coordination keeps at least one admin: name another admin first.")
    # row by row, each an event of the audit trail; newest first, so a token made from another
    # goes before its parent (whose deletion would cascade to it)
    for token in session.scalars(select(ApiToken).where(ApiToken.grant_id == grant.id).order_by(ApiToken.id.desc())):
        session.delete(token)
        session.flush()
    session.delete(grant)
    session.flush()


# Tokens ---------------------------------------------------------------------------------------


def issue_token(session: Session, grant: RoleGrant, *, days: int, name: str = "", platform: bool = False,
                parent: ApiToken | None = None, now: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for ``grant``; one made by another token (``parent``) expires no later than it."""
    if platform and not grant.user.platform_admin:
        raise Forbidden.field("platform", f"{grant.user.email} is not a platform administrator.")
    secret = new_token_secret()
    now = now or utcnow()
    expires_at = now + timedelta(days=days)
    if parent is not None:
        expires_at = min(expires_at, parent.expires_at)
    token = ApiToken(grant_id=grant.id, name=name, prefix=secret[:10], token_hash=hash_token(secret),
                     created_at=now, expires_at=expires_at, platform=platform,
                     parent_id=parent.id if parent is not None else None)
    session.add(token)
    session.flush()
    return token, secret


def _token_stmt(principal: Principal):
    stmt = (
        select(ApiToken, RoleGrant.user_id)
        .join(RoleGrant, ApiToken.grant_id == RoleGrant.id)
        .where(RoleGrant.coordination_id == principal.coordination_id)
        .order_by(ApiToken.id)
    )
    if principal.role != Role.ADMIN:
        stmt = stmt.where(RoleGrant.user_id == principal.user_id)
    return stmt


def _token_view(token: ApiToken, user_id: int) -> dict:
    return {"id": token.id, "name": token.name, "prefix": token.prefix, "user_id": user_id,
            "platform": token.platform, "parent_id": token.parent_id, "created_at": token.created_at,
            "expires_at": token.expires_at, "revoked_at": token.revoked_at}


def list_tokens(session: Session, principal: Principal, limit: int, offset: int) -> dict:
    total = session.scalar(select(func.count()).select_from(_token_stmt(principal).subquery()))
    rows = session.execute(_token_stmt(principal).limit(limit).offset(offset)).all()
    return {"items": [_token_view(t, u) for t, u in rows], "total": total, "limit": limit,
            "offset": offset}


def create_token(session: Session, principal: Principal, data: dict) -> dict:
    """A child of the caller's token: same grant, expiring no later, revoked with it; the platform
    scope only from a token that has it."""
    if data.get("platform") and not principal.platform_admin:
        raise Forbidden.field("platform", "Only a platform-scoped token creates platform-scoped tokens.")
    # locked, so that a concurrent revocation of the parent also catches this child
    parent = session.scalars(select(ApiToken).where(ApiToken.id == principal.token_id).with_for_update()).one()
    if parent.revoked_at is not None:
        raise Unauthorized("The bearer token has been revoked.")
    grant = session.get(RoleGrant, principal.grant_id)
    token, secret = issue_token(session, grant, days=data["expires_in_days"], name=data["name"],
                                platform=data.get("platform", False), parent=parent)
    return {**_token_view(token, principal.user_id), "token": secret}


def revoke_token(session: Session, principal: Principal, token_id: int) -> None:
    """Revoke a token and every token made from it, however deep."""
    row = session.execute(_token_stmt(principal).where(ApiToken.id == token_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"No token {token_id} here.")
    now = utcnow()
    ids = [token_id]
    while ids:
        # row by row, not a bulk UPDATE: each revocation is an event of the audit trail
        for token in session.scalars(select(ApiToken).where(ApiToken.id.in_(ids), ApiToken.revoked_at.is_(None))):
            token.revoked_at = now
        ids = session.scalars(select(ApiToken.id).where(ApiToken.parent_id.in_(ids))).all()
    session.flush()


# For the command line -------------------------------------------------------------------------


def coordination_for_cli(session: Session, slug: str | None) -> Coordination:
    rows = session.scalars(select(Coordination).order_by(Coordination.id)).all()
    if slug:
        rows = [c for c in rows if c.slug == slug]
        if not rows:
            raise NotFound(f"No coordination with slug {slug!r}.")
    if not rows:
        raise NotFound("There is no coordination yet: create one with 'logipool coordinations create' "
                       "(or load the demo with 'logipool demo').")
    if len(rows) > 1:
        raise InvalidInput.field("coordination", "Several coordinations exist: name one with --coordination.")
    return rows[0]


def member_by_ref(session: Session, coordination_id: int, ref: str) -> Member:
    stmt = select(Member).where(Member.coordination_id == coordination_id)
    stmt = stmt.where(Member.id == int(ref)) if ref.isdigit() else stmt.where(Member.short_name == ref)
    member = session.scalars(stmt).first()
    if member is None:
        raise NotFound(f"No member {ref!r} in this coordination (give its id or short name).")
    return member


def grant_for_cli(session: Session, email: str, slug: str | None) -> RoleGrant:
    stmt = select(RoleGrant).join(User).where(User.email == email.strip().lower())
    if slug:
        stmt = stmt.join(Coordination, RoleGrant.coordination_id == Coordination.id).where(
            Coordination.slug == slug
        )
    grants = session.scalars(stmt).all()
    if not grants:
        raise NotFound(f"{email} has no role" + (f" in {slug}." if slug else " in any coordination."))
    if len(grants) > 1:
        raise InvalidInput.field("coordination", f"{email} has roles in several coordinations: name one.")
    return grants[0]

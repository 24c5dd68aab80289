"""Bearer tokens and the caller's scope.

A token is 256 random bits shown once; only its SHA-256 is stored, and the stored hash is
compared in constant time. A token belongs to one role grant, so it carries exactly one
coordination, one role and, for representatives and treasurers, one member. Platform
administration (creating and running every coordination, a person's global fields) is a
separate scope the token must carry explicitly, and only a platform administrator's token can.
Failed authentications are rate limited per client address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import g, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from . import ratelimit
from .db import get_session, utcnow
from .errors import Forbidden, Unauthorized
from .models import ApiToken, Role, RoleGrant, User

TOKEN_PREFIX = "lp_"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True)
class Principal:
    user_id: int
    email: str
    grant_id: int
    coordination_id: int
    role: Role
    member_id: int | None
    platform_admin: bool  # the token carries the platform scope (and its user may use it)
    token_id: int

    @property
    def sees_all_members(self) -> bool:
        return self.role in (Role.ADMIN, Role.MANAGER, Role.AUDITOR)


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


# Built once: every request runs it, and only the columns a Principal needs are loaded.
_TOKEN_LOOKUP = (
    select(ApiToken.id, ApiToken.token_hash, ApiToken.revoked_at, ApiToken.expires_at, ApiToken.platform, RoleGrant.id,
           RoleGrant.coordination_id, RoleGrant.role, RoleGrant.member_id, User.id, User.email, User.active,
           User.platform_admin)
    .join(RoleGrant, ApiToken.grant_id == RoleGrant.id)
    .join(User, RoleGrant.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("digest"))
)


def principal_for_token(session: Session, secret: str, now: datetime | None = None) -> Principal:
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthorized("The bearer token is not a logipool token.")
    digest = hash_token(secret)
    row = session.execute(_TOKEN_LOOKUP, {"digest": digest}).first()
    if row is None or not hmac.compare_digest(row[1], digest):
        raise Unauthorized("The bearer token is unknown.")
    (token_id, _hash, revoked_at, expires_at, platform_scope, grant_id, coordination_id, role, member_id, user_id,
     email, active, platform_admin) = row
    now = now or utcnow()
    if revoked_at is not None:
        raise Unauthorized("The bearer token has been revoked.")
    if expires_at <= now:
        raise Unauthorized("The bearer token has expired.")
    if not active:
        raise Unauthorized("The user of this token is deactivated.")
    return Principal(
        user_id=user_id,
        email=email,
        grant_id=grant_id,
        coordination_id=coordination_id,
        role=role,
        member_id=member_id,
        platform_admin=bool(platform_scope and platform_admin),
        token_id=token_id,
    )


def authenticate() -> None:
    """``before_request`` of every API blueprint: resolve the bearer token into ``g.principal``."""
    if request.method == "OPTIONS":
        return
    address = ratelimit.client_address()
    ratelimit.check("auth_failures", address)
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    try:
        if scheme.lower() != "bearer" or not secret.strip():
            raise Unauthorized("Send an API token as 'Authorization: Bearer <token>'.")
        g.principal = principal_for_token(get_session(), secret.strip())
    except Unauthorized:
        ratelimit.hit("auth_failures", address)
        raise


def current() -> Principal:
    return g.principal


def require(principal: Principal, *roles: Role) -> Principal:
    """The caller, if its role is one of ``roles``; otherwise 403."""
    if principal.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise Forbidden(f"This action needs one of the roles: {allowed} (you are {principal.role.value}).")
    return principal


READERS = (Role.ADMIN, Role.MANAGER, Role.AUDITOR, Role.MEMBER_REP, Role.TREASURER)
STAFF = (Role.ADMIN, Role.MANAGER)
STAFF_READERS = (Role.ADMIN, Role.MANAGER, Role.AUDITOR)

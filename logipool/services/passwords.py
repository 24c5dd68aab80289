"""People's sign-in to the web pages: passwords, failed attempts, invitation links.

Passwords are stored as scrypt hashes (werkzeug's default, memory-hard). Every failed attempt is
counted on the account in the database, so the limit holds across server processes; after
``MAX_FAILED`` in a row the account refuses every password for ``LOCK_MINUTES``. An unknown
e-mail and a wrong password answer the same message, so sign-in tells nobody who has an account.

An invitation is a single-use link (256 random bits, only its SHA-256 stored) that lets a person
set their password; an administrator creates it; it is e-mailed when mail is configured, and always shown to the
administrator too.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..auth import Principal, hash_token, require
from ..db import utcnow
from ..errors import InvalidInput, NotFound, Unauthorized
from ..models import Role, RoleGrant, User

MAX_FAILED = 5
LOCK_MINUTES = 15
MIN_LENGTH = 10
INVITATION_DAYS = 7
INVITATION_PREFIX = "inv_"
# compared against when the e-mail is unknown, so both answers take the same time
_DUMMY_HASH = generate_password_hash("logipool-no-such-user")


class SignInRefused(Unauthorized):
    slug = "sign-in-refused"


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput.field("password", f"Choose at least {MIN_LENGTH} characters.")
    if len(password) > 200:
        raise InvalidInput.field("password", "At most 200 characters.")


def set_password(user: User, password: str) -> None:
    check_new_password(password)
    user.password_hash = generate_password_hash(password)
    user.failed_sign_ins = 0
    user.locked_until = None


def sign_in(session: Session, email: str, password: str, now: datetime | None = None) -> User:
    """The user whose password this is; otherwise counts the failure and raises SignInRefused."""
    now = now or utcnow()
    user = session.scalars(
        select(User).where(User.email == email.strip().lower()).with_for_update()
    ).first()
    if user is None or not user.active or user.password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        raise SignInRefused("This e-mail and password do not match an account.")
    if user.locked_until is not None and user.locked_until > now:
        raise SignInRefused("Too many failed attempts: this account is locked for a few minutes.",
                            extra={"locked_until": user.locked_until.isoformat()})
    if not check_password_hash(user.password_hash, password):
        user.failed_sign_ins += 1
        if user.failed_sign_ins >= MAX_FAILED:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_sign_ins = 0
        session.flush()
        raise SignInRefused("This e-mail and password do not match an account.")
    user.failed_sign_ins = 0
    user.locked_until = None
    session.flush()
    return user


def grant_of(session: Session, user_id: int, grant_id: int | None = None) -> RoleGrant | None:
    """The user's role grant the pages act under (the given one, else the first)."""
    stmt = select(RoleGrant).where(RoleGrant.user_id == user_id).order_by(RoleGrant.id)
    if grant_id is not None:
        stmt = stmt.where(RoleGrant.id == grant_id)
    return session.scalars(stmt).first()


def principal_for_grant(grant: RoleGrant) -> Principal:
    """The same Principal an API token of this grant gives: pages and API share every rule."""
    user = grant.user
    return Principal(user_id=user.id, email=user.email, grant_id=grant.id,
                     coordination_id=grant.coordination_id, role=grant.role, member_id=grant.member_id,
                     platform_admin=user.platform_admin, token_id=0)


def user_by_email(session: Session, email: str) -> User:
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(f"No user {email}.")
    return user


def create_invitation(session: Session, user: User, now: datetime | None = None) -> str:
    """A new single-use password-setting link secret for ``user`` (any earlier one stops working)."""
    secret = INVITATION_PREFIX + secrets.token_urlsafe(32)
    user.invitation_hash = hash_token(secret)
    user.invitation_expires_at = (now or utcnow()) + timedelta(days=INVITATION_DAYS)
    session.flush()
    return secret


def invite_user(session: Session, principal: Principal, user_id: int) -> tuple[User, str]:
    """Administrators: a password-setting link for a user of their coordination."""
    require(principal, Role.ADMIN)
    grant = session.scalars(select(RoleGrant).where(
        RoleGrant.user_id == user_id, RoleGrant.coordination_id == principal.coordination_id)).first()
    if grant is None:
        raise NotFound(f"No user {user_id} in this coordination.")
    return grant.user, create_invitation(session, grant.user)


def mail_invitation(session: Session, user: User, url: str) -> bool:
    """Put the link in the outbox when mail is configured; False when it is not (the link is
    then only shown to the administrator, who passes it on)."""
    from . import mail

    if not mail.mail_configured():
        return False
    mail.invitation(session, user, url)
    return True


def invited_user(session: Session, secret: str, now: datetime | None = None) -> User:
    if not secret.startswith(INVITATION_PREFIX) or len(secret) > 200:
        raise NotFound("This link is not valid.")
    digest = hash_token(secret)
    user = session.scalars(select(User).where(User.invitation_hash == digest)).first()
    if user is None or not hmac.compare_digest(user.invitation_hash, digest):
        raise NotFound("This link is not valid or has already been used.")
    if user.invitation_expires_at <= (now or utcnow()):
        raise NotFound("This link has expired: ask your coordination for a new one.")
    return user


def accept_invitation(session: Session, secret: str, password: str) -> User:
    user = invited_user(session, secret)
    set_password(user, password)
    user.invitation_hash = None
    user.invitation_expires_at = None
    session.flush()
    return user

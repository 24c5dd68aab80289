"""People and machines: users, their role grants, API tokens."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .base import enum_column
from .directory import Coordination, Member


class Role(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER_REP = "member_rep"
    TREASURER = "treasurer"
    AUDITOR = "auditor"

    @property
    def needs_member(self) -> bool:
        return self in (Role.MEMBER_REP, Role.TREASURER)


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
    # the optional e-mail kinds (models.mail.OPTIONAL_KINDS) this person turned off
    mail_opt_outs: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

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

"""The audit trail: one append-only row per change of a row that matters (see docs/audit.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """Who changed what, when: ``changes`` holds ``{column: [before, after]}`` of the changed
    columns (``[null, value]`` for a new row, ``[value, null]`` for a deleted one).

    No foreign keys: an event outlives the row it describes (a deleted booking, an erased user)
    and refers to it by its id only. ``coordination_id`` and ``member_id`` say whose data it is
    (who may read it); the actor is a user id (a pseudonymous reference once the user is erased),
    the token used, or a named process."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_coordination_entity", "coordination_id", "entity", "entity_id"),
        Index("ix_audit_event_coordination_member", "coordination_id", "member_id"),
        Index("ix_audit_event_coordination_at", "coordination_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    coordination_id: Mapped[int | None]
    member_id: Mapped[int | None]
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(10))  # create, update, delete
    changes: Mapped[dict] = mapped_column(JSON)
    # "token" (an API token), "session" (the web pages) or "system" (command line, background job)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_user_id: Mapped[int | None] = mapped_column(index=True)
    actor_token_id: Mapped[int | None]
    actor_platform: Mapped[bool] = mapped_column(Boolean, default=False)
    # "cli", "job" or the request id, to find the request in the access log
    actor_detail: Mapped[str] = mapped_column(String(64), default="")

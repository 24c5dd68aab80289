"""Requests made idempotent by an ``Idempotency-Key``: the key, what the request was, and the
response it got, kept for a day so that a retry gets that same response."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class IdempotentRequest(Base):
    """One key of one principal (user) in one coordination. ``status`` is null while the first
    request is being processed; the row is written in that request's own transaction, so a
    request that fails leaves no key behind."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("coordination_id", "user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int] = mapped_column(ForeignKey("coordination.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None]
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

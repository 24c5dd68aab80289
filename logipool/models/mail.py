"""The outbox: every e-mail the service sends, written in the transaction of the event that causes it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from .base import enum_column


class MailKind(enum.StrEnum):
    """What an e-mail is about. The optional kinds may be turned off by each user."""

    INVITATION = "invitation"
    BOOKING_REQUESTED = "booking_requested"  # to staff
    BOOKING_CONFIRMED = "booking_confirmed"  # to the requester, with an .ics
    BOOKING_REJECTED = "booking_rejected"  # to the requester, with an .ics (cancelling)
    VEHICLE_DUE_BACK = "vehicle_due_back"
    CYCLE_OPENED = "cycle_opened"
    CYCLE_CLOSING = "cycle_closing"  # the needs deadline is less than 48 h away
    CYCLE_ALLOCATED = "cycle_allocated"  # each member's lines
    CYCLE_DELIVERED = "cycle_delivered"
    INVOICE_ISSUED = "invoice_issued"  # to the member's treasurers, the PDF attached
    INVOICE_DUE_SOON = "invoice_due_soon"
    INVOICE_OVERDUE = "invoice_overdue"

    @property
    def optional(self) -> bool:
        return self in OPTIONAL_KINDS


#: Kinds a user may turn off; the others answer the person's own request or carry a legal document.
OPTIONAL_KINDS = frozenset({
    MailKind.BOOKING_REQUESTED, MailKind.VEHICLE_DUE_BACK, MailKind.CYCLE_OPENED, MailKind.CYCLE_CLOSING,
    MailKind.CYCLE_ALLOCATED, MailKind.CYCLE_DELIVERED, MailKind.INVOICE_DUE_SOON,
})


class OutboxState(enum.StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt
    SENT = "sent"  # accepted by the SMTP server (its reply is kept)
    FAILED = "failed"  # transient errors until the attempts ran out
    REFUSED = "refused"  # a permanent refusal (5xx) or a bounce: never retried


class OutboxMessage(Base):
    """One e-mail to one recipient. ``event`` names what caused it (``booking:12:confirmed``); with
    the recipient it is unique, so a scheduled reminder run twice writes one row."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("event", "recipient"),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_outbox_message_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coordination_id: Mapped[int | None] = mapped_column(ForeignKey("coordination.id"), index=True)
    kind: Mapped[MailKind] = mapped_column(enum_column(MailKind, "mail_kind"))
    event: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    recipient: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    state: Mapped[OutboxState] = mapped_column(enum_column(OutboxState, "outbox_state"), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    smtp_reply: Mapped[str | None] = mapped_column(String(1000))
    message_id: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attachments: Mapped[list[OutboxAttachment]] = relationship(
        order_by="OutboxAttachment.id", cascade="all, delete-orphan", back_populates="message")


class OutboxAttachment(Base):
    """A file sent with a message: its bytes, or a reference to a stored invoice's PDF (not copied)."""

    __tablename__ = "outbox_attachment"
    __table_args__ = (
        CheckConstraint("(content IS NULL) <> (invoice_id IS NULL)", name="one_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))

    message: Mapped[OutboxMessage] = relationship(back_populates="attachments")

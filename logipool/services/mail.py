"""E-mail through an outbox: messages are rows written in the transaction of the event that causes
them, sent afterwards over SMTP with retries.

A rolled-back change leaves no mail behind; a committed one always has its rows, which
``deliver_pending`` sends (``logipool mail send``, or a job after commit and periodically). Every
row records its fate: sent with the server's reply, refused (a 5xx answer to the recipient or the
message: never retried) or, after ``MAIL_MAX_ATTEMPTS`` transient failures retried with back-off,
failed.

Each message is rendered when it is written, in the recipient's language (French unless the user
chose English), from ``templates/mail/<language>/<kind>.txt`` (subject and plain text) and
``.html``, with Babel's dates and money in the coordination's time zone. The optional kinds
(``OPTIONAL_KINDS``) are not written for users who turned them off.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from flask import current_app
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from purchasing.money import to_cents

from ..auth import STAFF
from ..db import utcnow
from ..errors import InvalidInput, ServiceError
from ..models import (
    OPTIONAL_KINDS,
    BookingStatus,
    Coordination,
    CycleStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    MailKind,
    Member,
    OrderCycle,
    OutboxAttachment,
    OutboxMessage,
    OutboxState,
    Role,
    RoleGrant,
    User,
    VehicleBooking,
)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "mail"
LANGUAGES = ("fr", "en")
#: how long before its end a checked-out vehicle's driver is reminded to bring it back
DUE_BACK_NOTICE = timedelta(hours=2)
#: how long before its needs deadline an open cycle's members are reminded
CLOSING_NOTICE = timedelta(hours=48)
#: how many days before its due date an unpaid invoice's treasurers are reminded
DUE_SOON_DAYS = 3
_BACKOFF_CAP = timedelta(hours=6)
# Headers are not folded below the 998-character line limit: the standard library's folding of
# encoded words drops the space between two of them ("décembre » : …" arrives as "décembre »: …").
_WIRE = policy.SMTP.clone(max_line_length=998)


class MailNotConfigured(ServiceError):
    status = 409
    slug = "mail-not-configured"


# Rendering -----------------------------------------------------------------------------------


def language_of(locale: str | None) -> str:
    return "en" if (locale or "").lower().startswith("en") else "fr"


def _babel_locale(ctx) -> str:
    return "en_GB" if ctx["language"] == "en" else "fr_FR"


@pass_context
def _money(ctx, value) -> str:
    """Integer cents or a decimal string in euros ("12.34"), e.g. "1 234,56 €"."""
    cents = value if isinstance(value, int) else to_cents(str(value))
    return format_currency(Decimal(cents).scaleb(-2), "EUR", locale=_babel_locale(ctx))


@pass_context
def _moment(ctx, value: datetime) -> str:
    return format_datetime(value, "EEEE d MMMM y, HH:mm", tzinfo=ctx["tz"], locale=_babel_locale(ctx))


@pass_context
def _clock(ctx, value: datetime) -> str:
    return format_datetime(value, "HH:mm", tzinfo=ctx["tz"], locale=_babel_locale(ctx))


@pass_context
def _day(ctx, value: date) -> str:
    if isinstance(value, datetime):
        return format_datetime(value, "EEEE d MMMM y", tzinfo=ctx["tz"], locale=_babel_locale(ctx))
    return format_date(value, "full", locale=_babel_locale(ctx))


@pass_context
def _number(ctx, value) -> str:
    return format_decimal(Decimal(str(value)).normalize(), locale=_babel_locale(ctx))


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(money=_money, moment=_moment, clock=_clock, day=_day, number=_number)
    return env


_ENV = _environment()


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(kind: MailKind, language: str, context: Mapping) -> Rendered:
    """Subject, plain text and HTML of one message (the subject is the text template's block)."""
    text_template = _ENV.get_template(f"{language}/{kind.value}.txt")
    ctx = dict(context, language=language, kind=kind.value)
    subject = "".join(text_template.blocks["subject"](text_template.new_context(ctx))).strip()
    return Rendered(re.sub(r"[ \t\r\n]+", " ", subject), text_template.render(ctx),
                    _ENV.get_template(f"{language}/{kind.value}.html").render(ctx))


# Writing to the outbox -----------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    user: User | None = None
    name: str = ""

    @property
    def locale(self) -> str:
        return (self.user.locale if self.user is not None and self.user.locale else None) \
            or str(current_app.config["LOCALE"])


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes | None = None
    invoice_id: int | None = None  # the invoice's stored PDF, read when the message is sent


def address_error(address: str) -> str | None:
    """Why ``address`` cannot receive mail (the API's own e-mail check), or None."""
    from ..schemas.common import Email

    try:
        Email(required=True).deserialize(address)
    except ValidationError as exc:
        return " ".join(exc.messages) if isinstance(exc.messages, list) else str(exc.messages)
    return None


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def of_user(user: User) -> Recipient:
    return Recipient(user.email, user, user.name)


def enqueue(session: Session, kind: MailKind, event: str, recipients: Iterable[Recipient], context: Mapping, *,
            coordination: Coordination | None, attachments: Sequence[Attachment] = ()) -> list[OutboxMessage]:
    """Write one message per recipient in the current transaction (never commits).

    Nothing is written while no SMTP server is configured. Skipped: users who turned this optional
    kind off, inactive users, and a recipient who already has a message for ``event`` (a reminder
    run twice). An address that cannot receive mail is kept as a refused row, so nothing
    disappears silently."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return []  # no mail configured: nothing piles up to be sent, stale, the day it is
    tz = ZoneInfo(str(config["TIMEZONE"]))
    rows, seen = [], set()
    for recipient in recipients:
        address = recipient.email.strip().lower()
        if address in seen:
            continue
        seen.add(address)
        user = recipient.user
        if user is not None and not user.active:
            continue
        if user is not None and kind in OPTIONAL_KINDS and kind.value in (user.mail_opt_outs or []):
            continue
        if session.scalars(select(OutboxMessage.id).where(
                OutboxMessage.event == event, OutboxMessage.recipient == address)).first() is not None:
            continue
        language = language_of(recipient.locale)
        rendered = render(kind, language, dict(
            context, tz=tz, recipient_name=recipient.name or "", external_url=str(config["EXTERNAL_URL"]).rstrip("/"),
            coordination_name=coordination.name if coordination else "logipool",
            optional=kind in OPTIONAL_KINDS))
        row = OutboxMessage(coordination_id=coordination.id if coordination else None, kind=kind, event=event,
                            user_id=user.id if user is not None else None, recipient=address,
                            locale=recipient.locale, subject=rendered.subject[:300], body_text=rendered.text,
                            body_html=rendered.html, state=OutboxState.PENDING, attempts=0,
                            next_attempt_at=utcnow())
        error = address_error(address)
        if error:
            row.state, row.last_error = OutboxState.REFUSED, f"Not a deliverable address: {error}"
        row.attachments = [OutboxAttachment(filename=a.filename, content_type=a.content_type, content=a.content,
                                            invoice_id=a.invoice_id) for a in attachments]
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


# Who receives what ---------------------------------------------------------------------------


def _users_with(session: Session, coordination_id: int, roles: Sequence[Role], member_id: int | None = None):
    stmt = (select(User).join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.coordination_id == coordination_id, RoleGrant.role.in_(roles), User.active.is_(True)))
    if member_id is not None:
        stmt = stmt.where(RoleGrant.member_id == member_id)
    return [of_user(u) for u in session.scalars(stmt.order_by(User.id)).unique()]


def _staff(session: Session, coordination_id: int) -> list[Recipient]:
    return _users_with(session, coordination_id, STAFF)


def _representatives(session: Session, coordination_id: int, member_id: int) -> list[Recipient]:
    """Who acts for a member: its representatives, else the member's contact address."""
    people = _users_with(session, coordination_id, (Role.MEMBER_REP,), member_id)
    if people:
        return people
    member = session.get(Member, member_id)
    return [Recipient(member.contact_email, name=member.short_name)] if member and member.contact_email else []


def _treasurers(session: Session, invoice: Invoice) -> list[Recipient]:
    """The member's treasurers (else its contact address); a funder's contact address."""
    if invoice.member_id is not None:
        people = _users_with(session, invoice.coordination_id, (Role.TREASURER,), invoice.member_id)
        if people:
            return people
        member = invoice.member
        return [Recipient(member.contact_email, name=member.short_name)] if member.contact_email else []
    funder = invoice.funder
    return [Recipient(funder.contact_email, name=funder.name)] if funder.contact_email else []


def _requester(session: Session, booking: VehicleBooking) -> list[Recipient]:
    user = session.get(User, booking.created_by_id) if booking.created_by_id else None
    return [of_user(user)] if user is not None else _representatives(session, booking.coordination_id,
                                                                       booking.member_id)


# The notifications ---------------------------------------------------------------------------


def _booking_context(booking: VehicleBooking) -> dict:
    return {"booking": booking, "vehicle": booking.vehicle, "member": booking.member}


def booking_requested(session: Session, booking: VehicleBooking) -> list[OutboxMessage]:
    """A member asked for a vehicle: the staff who decide are told."""
    coordination = session.get(Coordination, booking.coordination_id)
    return enqueue(session, MailKind.BOOKING_REQUESTED, f"booking:{booking.id}:requested",
                   _staff(session, booking.coordination_id), _booking_context(booking), coordination=coordination)


def booking_decided(session: Session, booking: VehicleBooking, *, decided_by: int | None) -> list[OutboxMessage]:
    """A request was confirmed or rejected: its requester is told (not when they decided it
    themselves), with the event as an .ics attachment."""
    from .calendars import booking_ics

    if booking.created_by_id is not None and booking.created_by_id == decided_by:
        return []
    kind = MailKind.BOOKING_CONFIRMED if booking.status == BookingStatus.CONFIRMED else MailKind.BOOKING_REJECTED
    coordination = session.get(Coordination, booking.coordination_id)
    ics = Attachment(f"reservation-{booking.id}.ics", "text/calendar", booking_ics(booking, coordination))
    return enqueue(session, kind, f"booking:{booking.id}:{booking.status.value}", _requester(session, booking),
                   _booking_context(booking), coordination=coordination, attachments=[ics])


def vehicle_due_back(session: Session, now: datetime, notice: timedelta = DUE_BACK_NOTICE) -> list[OutboxMessage]:
    """Scheduled: the driver of every checked-out vehicle due back within ``notice`` (or already
    late) is reminded, once per booking."""
    rows = []
    bookings = session.scalars(select(VehicleBooking).where(
        VehicleBooking.status == BookingStatus.CHECKED_OUT, VehicleBooking.end_at <= now + notice)
        .order_by(VehicleBooking.id)).all()
    for booking in bookings:
        coordination = session.get(Coordination, booking.coordination_id)
        rows += enqueue(session, MailKind.VEHICLE_DUE_BACK, f"booking:{booking.id}:due_back",
                        _requester(session, booking), dict(_booking_context(booking), late=booking.end_at <= now),
                        coordination=coordination)
    return rows


def _active_members(session: Session, coordination_id: int) -> list[Member]:
    return list(session.scalars(select(Member).where(Member.coordination_id == coordination_id,
                                                     Member.active.is_(True)).order_by(Member.id)))


def cycle_opened(session: Session, cycle: OrderCycle) -> list[OutboxMessage]:
    """A joint order opens: every active member's representatives may declare needs."""
    coordination = session.get(Coordination, cycle.coordination_id)
    rows = []
    for member in _active_members(session, cycle.coordination_id):
        rows += enqueue(session, MailKind.CYCLE_OPENED, f"cycle:{cycle.id}:opened:{cycle.opened_at:%Y%m%d%H%M%S}",
                        _representatives(session, cycle.coordination_id, member.id),
                        {"cycle": cycle, "member": member}, coordination=coordination)
    return rows


def cycles_closing(session: Session, now: datetime, notice: timedelta = CLOSING_NOTICE) -> list[OutboxMessage]:
    """Scheduled: open cycles whose needs deadline is less than ``notice`` away, once per cycle and
    recipient."""
    rows = []
    cycles = session.scalars(select(OrderCycle).where(
        OrderCycle.status == CycleStatus.OPEN, OrderCycle.needs_deadline > now,
        OrderCycle.needs_deadline <= now + notice).order_by(OrderCycle.id)).all()
    for cycle in cycles:
        coordination = session.get(Coordination, cycle.coordination_id)
        for member in _active_members(session, cycle.coordination_id):
            event = f"cycle:{cycle.id}:closing:{cycle.needs_deadline:%Y%m%d%H%M}"
            rows += enqueue(session, MailKind.CYCLE_CLOSING, event,
                            _representatives(session, cycle.coordination_id, member.id),
                            {"cycle": cycle, "member": member}, coordination=coordination)
    return rows


def _plan_mails(session: Session, cycle: OrderCycle, kind: MailKind, plan: dict,
                stamp: datetime) -> list[OutboxMessage]:
    coordination = session.get(Coordination, cycle.coordination_id)
    rows = []
    for entry in plan["members"]:
        member = session.get(Member, int(entry["id"]))
        if member is None or not entry["lines"]:
            continue
        rows += enqueue(session, kind, f"cycle:{cycle.id}:{kind.value}:{stamp:%Y%m%d%H%M%S}",
                        _representatives(session, cycle.coordination_id, member.id),
                        {"cycle": cycle, "member": member, "plan": entry}, coordination=coordination)
    return rows


def cycle_allocated(session: Session, cycle: OrderCycle) -> list[OutboxMessage]:
    """A cycle's plan is ready: each member is sent its own lines (not the others')."""
    return _plan_mails(session, cycle, MailKind.CYCLE_ALLOCATED, cycle.allocation, cycle.allocated_at)


def cycle_delivered(session: Session, cycle: OrderCycle) -> list[OutboxMessage]:
    """The goods arrived: each member is sent what it receives (after any shortfall re-split)."""
    return _plan_mails(session, cycle, MailKind.CYCLE_DELIVERED, cycle.final_allocation, cycle.received_at)


def _invoice_context(invoice: Invoice, coordination: Coordination) -> dict:
    return {"invoice": invoice, "customer": invoice.member.legal_name if invoice.member else invoice.funder.name,
            "iban": coordination.iban, "bic": coordination.bic, "remaining_cents": invoice.remaining_cents}


def invoices_issued(session: Session, invoices: Iterable[Invoice]) -> list[OutboxMessage]:
    """Each issued invoice goes to its member's treasurers, its PDF attached (read from the stored
    invoice when sent, not copied), with the payment details."""
    rows = []
    for invoice in invoices:
        if invoice.kind != InvoiceKind.INVOICE:
            continue
        coordination = session.get(Coordination, invoice.coordination_id)
        pdf = Attachment(f"{invoice.number}.pdf", "application/pdf", invoice_id=invoice.id)
        rows += enqueue(session, MailKind.INVOICE_ISSUED, f"invoice:{invoice.id}:issued",
                        _treasurers(session, invoice), _invoice_context(invoice, coordination),
                        coordination=coordination, attachments=[pdf])
    return rows


def invoice_reminders(session: Session, now: datetime, days: int = DUE_SOON_DAYS) -> list[OutboxMessage]:
    """Scheduled: unpaid invoices due within ``days`` (local dates) get a "due soon" reminder, those
    past their due date an "overdue" one; each once per invoice and recipient."""
    today = now.astimezone(ZoneInfo(str(current_app.config["TIMEZONE"]))).date()
    rows = []
    unpaid = session.scalars(select(Invoice).where(
        Invoice.kind == InvoiceKind.INVOICE, Invoice.status.in_((InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)),
        Invoice.due_date <= today + timedelta(days=days)).order_by(Invoice.id)).all()
    for invoice in unpaid:
        if invoice.remaining_cents <= 0:
            continue
        overdue = invoice.due_date < today
        kind = MailKind.INVOICE_OVERDUE if overdue else MailKind.INVOICE_DUE_SOON
        coordination = session.get(Coordination, invoice.coordination_id)
        context = dict(_invoice_context(invoice, coordination), days_late=(today - invoice.due_date).days,
                       days_left=(invoice.due_date - today).days)
        rows += enqueue(session, kind, f"invoice:{invoice.id}:{kind.value}", _treasurers(session, invoice), context,
                        coordination=coordination)
    return rows


def invitation(session: Session, user: User, url: str) -> list[OutboxMessage]:
    """The password-setting link, to the person it is for."""
    grant = session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id).order_by(RoleGrant.id)).first()
    coordination = session.get(Coordination, grant.coordination_id) if grant else None
    event = f"user:{user.id}:invitation:{user.invitation_expires_at:%Y%m%d%H%M%S%f}"
    return enqueue(session, MailKind.INVITATION, event, [of_user(user)],
                   {"url": url, "expires_at": user.invitation_expires_at, "user": user}, coordination=coordination)


# Opt-outs ------------------------------------------------------------------------------------


def preferences(user: User) -> dict[str, bool]:
    """Each optional kind: True when the user receives it."""
    off = set(user.mail_opt_outs or [])
    return {k.value: k.value not in off for k in sorted(OPTIONAL_KINDS)}


def set_preferences(session: Session, user: User, choices: Mapping[str, bool]) -> None:
    unknown = [k for k in choices if k not in {m.value for m in OPTIONAL_KINDS}]
    if unknown:
        raise InvalidInput.field(f"mail.{unknown[0]}", "Not an optional kind of e-mail.")
    off = set(user.mail_opt_outs or [])
    for kind, wanted in choices.items():
        (off.discard if wanted else off.add)(kind)
    user.mail_opt_outs = sorted(off)
    session.flush()


# Sending -------------------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    refused: int = 0
    ids: list[int] = field(default_factory=list)
    stopped: bool = False  # the server could not be reached: the rest waits for the next run

    def add(self, other: DeliveryReport) -> None:
        self.sent, self.retried = self.sent + other.sent, self.retried + other.retried
        self.failed, self.refused = self.failed + other.failed, self.refused + other.refused
        self.ids += other.ids
        self.stopped = self.stopped or other.stopped

    def summary(self) -> str:
        return f"{self.sent} sent, {self.retried} to retry, {self.failed} failed, {self.refused} refused"


class _Refused(Exception):
    """A permanent answer about this message or recipient (5xx): recorded, never retried."""


def build_message(session: Session, row: OutboxMessage, settings: Mapping) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = str(settings["SMTP_FROM"])
    msg["To"] = row.recipient
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(row.created_at.timestamp())
    msg["Message-ID"] = row.message_id
    msg["Auto-Submitted"] = "auto-generated"
    # quoted-printable: 7-bit clean, so any server takes it (with or without 8BITMIME)
    msg.set_content(row.body_text, cte="quoted-printable")
    msg.add_alternative(row.body_html, subtype="html", cte="quoted-printable")
    for attachment in row.attachments:
        data = attachment.content
        if data is None:
            data = session.get(Invoice, attachment.invoice_id).pdf
        maintype, _, subtype = attachment.content_type.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    msg["Content-Language"] = language_of(row.locale)  # last: set_content and add_* move Content-* headers
    return msg


def _connect(settings: Mapping) -> smtplib.SMTP:
    smtp = smtplib.SMTP(str(settings["SMTP_HOST"]), int(settings["SMTP_PORT"]),
                        timeout=int(settings["SMTP_TIMEOUT"]))
    try:
        smtp.ehlo()
        if settings.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.get("SMTP_USER"):
            smtp.login(str(settings["SMTP_USER"]), str(settings.get("SMTP_PASSWORD") or ""))
    except Exception:
        smtp.close()
        raise
    return smtp


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(text.split())}"[:1000]


def _transmit(smtp: smtplib.SMTP, sender: str, row: OutboxMessage, data: bytes) -> str:
    """MAIL, RCPT, DATA for one message; the server's final reply. A 5xx to the recipient or to the
    message raises _Refused; any other refusal raises SMTPResponseException (transient)."""
    code, text = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, text, sender)
    code, text = smtp.rcpt(row.recipient)
    if code not in (250, 251):
        smtp.rset()
        if 500 <= code < 600:
            raise _Refused(_reply(code, text))
        raise smtplib.SMTPResponseException(code, text)
    try:
        code, text = smtp.data(data)
    except smtplib.SMTPDataError as exc:
        smtp.rset()
        if 500 <= exc.smtp_code < 600:
            raise _Refused(_reply(exc.smtp_code, exc.smtp_error)) from None
        raise
    if code != 250:
        smtp.rset()
        if 500 <= code < 600:
            raise _Refused(_reply(code, text))
        raise smtplib.SMTPResponseException(code, text)
    return _reply(code, text)


def _retry_later(row: OutboxMessage, error: str, now: datetime, max_attempts: int, report: DeliveryReport) -> None:
    row.last_error = error[:1000]
    if row.attempts >= max_attempts:
        row.state = OutboxState.FAILED
        report.failed += 1
    else:
        row.next_attempt_at = now + min(timedelta(minutes=2 ** (row.attempts - 1)), _BACKOFF_CAP)
        report.retried += 1


def deliver_pending(session: Session, settings: Mapping, limit: int = 100, now: datetime | None = None, *,
                    ids: Sequence[int] | None = None) -> DeliveryReport:
    """Send up to ``limit`` pending messages whose attempt is due, over one SMTP connection, and
    record each outcome on its row (flushed, not committed: the caller commits).

    Rows are locked while being sent (``SKIP LOCKED`` on PostgreSQL), so several workers never
    send the same message; a crash before the commit sends that batch again (at least once)."""
    if not settings.get("SMTP_HOST"):
        raise MailNotConfigured("No SMTP server is configured (LOGIPOOL_SMTP_HOST).")
    now = now or utcnow()
    sender = parseaddr(str(settings["SMTP_FROM"]))[1]
    domain = sender.rpartition("@")[2] or "localhost"
    max_attempts = int(settings.get("MAIL_MAX_ATTEMPTS", 8))
    stmt = select(OutboxMessage).where(OutboxMessage.state == OutboxState.PENDING,
                                       OutboxMessage.next_attempt_at <= now)
    if ids is not None:  # only these (e.g. the invitation just written)
        stmt = stmt.where(OutboxMessage.id.in_(ids))
    rows = session.scalars(stmt.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
                           .with_for_update(skip_locked=True, of=OutboxMessage)
                           .options(selectinload(OutboxMessage.attachments))).all()
    report = DeliveryReport()
    smtp = None
    try:
        for row in rows:
            report.ids.append(row.id)
            row.attempts += 1
            row.message_id = row.message_id or make_msgid(f"outbox{row.id}", domain=domain)
            data = build_message(session, row, settings).as_bytes(policy=_WIRE)
            if smtp is None:
                try:
                    smtp = _connect(settings)
                except (OSError, smtplib.SMTPException) as exc:
                    # the server is unreachable or refuses us: this row waits, the rest of the
                    # batch is not tried (and keeps its attempts) until the next run
                    _retry_later(row, f"{type(exc).__name__}: {exc}", now, max_attempts, report)
                    report.stopped = True
                    break
            try:
                row.smtp_reply = _transmit(smtp, sender, row, data)
            except _Refused as exc:
                row.state, row.smtp_reply, row.last_error = OutboxState.REFUSED, str(exc), str(exc)
                report.refused += 1
            except smtplib.SMTPResponseException as exc:
                row.smtp_reply = _reply(exc.smtp_code, exc.smtp_error)
                _retry_later(row, row.smtp_reply, now, max_attempts, report)
            except (OSError, smtplib.SMTPException) as exc:
                _retry_later(row, f"{type(exc).__name__}: {exc}", now, max_attempts, report)
                if smtp is not None:
                    smtp.close()
                smtp = None  # reconnect for the next message
            else:
                row.state, row.sent_at, row.last_error = OutboxState.SENT, utcnow(), None
                report.sent += 1
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    session.flush()
    return report

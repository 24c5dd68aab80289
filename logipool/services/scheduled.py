"""Scheduled work, run by the workers (Huey periodic tasks, crontabs in UTC), each a function of
``(session, now)`` that flushes, never commits, and can be run again for the same ``now`` without
doing anything twice: storage period close, cycle deadline reminders, payment reminders (e-mails
and the reminder letters on each coordination's schedule), vehicles due back, the monthly
billing-run draft for staff to review, and the outbox sent every minute.

Reminders are ``notify`` jobs (one per event and subject, by their key) whose listeners are
whatever :func:`logipool.queue.listen` registered for the event (e.g. the mail outbox)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import queue
from ..errors import InvalidInput
from ..models import Coordination, CycleStatus, Invoice, InvoiceKind, InvoiceStatus, OrderCycle
from . import invoicing, jobs, mail, payments, storage

#: how long before its deadline a cycle's members are reminded to declare their needs
CYCLE_REMINDER_BEFORE = timedelta(hours=48)
#: how many days before its due date an unpaid invoice is reminded
DUE_SOON_DAYS = 3


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _month_start(now: datetime, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    return datetime.combine(local.date().replace(day=1), time(), tzinfo=tz)


def _coordinations(session: Session) -> list[Coordination]:
    return list(session.scalars(select(Coordination).order_by(Coordination.id)))


@queue.periodic("storage_close", queue.crontab(day="1", hour="2", minute="0"))
def storage_close(session: Session, now: datetime) -> dict:
    """Close last month's storage: every confirmed booking charged up to this month's first day
    (local time). A booking is charged for time not yet charged only, so a second run adds nothing."""
    until = _month_start(now, _tz())
    posted = 0
    for c in _coordinations(session):
        posted += len(storage.charge_until(session, jobs.system_principal(c.id), until))
    return {"until": until.isoformat(), "charges": posted}


@queue.periodic("billing_draft", queue.crontab(day="1", hour="3", minute="0"))
def billing_draft(session: Session, now: datetime) -> dict:
    """Last month's billing run as drafts for staff to review and issue, per coordination with
    uninvoiced charges (a charge on a draft is no longer uninvoiced: a second run adds nothing)."""
    tz = _tz()
    end = _month_start(now, tz).date() - timedelta(days=1)
    runs = []
    for c in _coordinations(session):
        step = session.begin_nested()
        try:
            run = invoicing.create_billing_run(session, jobs.system_principal(c.id),
                                               {"period_start": end.replace(day=1), "period_end": end}, tz=tz,
                                               today=now.astimezone(tz).date())
        except InvalidInput:  # nothing to invoice
            step.rollback()
            continue
        step.commit()
        runs.append(run.id)
    return {"period_end": end.isoformat(), "runs": runs}


@queue.periodic("cycle_reminders", queue.crontab(minute="5"))
def cycle_reminders(session: Session, now: datetime) -> dict:
    """Open cycles whose needs deadline falls within the next 48 hours: one reminder each (the
    members' e-mails, written once each, and a ``cycle.closing_soon`` event)."""
    cycles = session.scalars(select(OrderCycle).where(
        OrderCycle.status == CycleStatus.OPEN, OrderCycle.needs_deadline > now,
        OrderCycle.needs_deadline <= now + CYCLE_REMINDER_BEFORE).order_by(OrderCycle.id)).all()
    mails = mail.cycles_closing(session, now, CYCLE_REMINDER_BEFORE)
    keys = []
    for cycle in cycles:
        jobs.enqueue(session, "notify", {"event": "cycle.closing_soon", "cycle_id": cycle.id,
                                         "deadline": cycle.needs_deadline.isoformat()},
                     coordination_id=cycle.coordination_id, dedupe_key=f"cycle.closing_soon:{cycle.id}")
        keys.append(cycle.id)
    return {"cycles": keys, "mails": len(mails)}


@queue.periodic("payment_reminders", queue.crontab(hour="7", minute="0"))
def payment_reminders(session: Session, now: datetime) -> dict:
    """Unpaid invoices due within three days (``invoice.due_soon``) or past due (``invoice.overdue``):
    one reminder of each kind per invoice (the treasurers' e-mails, written once each, and the
    event); the reminder letters due by each coordination's schedule, each level once."""
    today: date = now.astimezone(_tz()).date()
    mails = mail.invoice_reminders(session, now, DUE_SOON_DAYS)
    letters = payments.send_due_reminders(session, now, tz=_tz())
    unpaid = session.scalars(select(Invoice).where(
        Invoice.kind == InvoiceKind.INVOICE, Invoice.status.in_((InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)),
        Invoice.due_date <= today + timedelta(days=DUE_SOON_DAYS)).order_by(Invoice.id)).all()
    found: dict[str, list[int]] = {"invoice.due_soon": [], "invoice.overdue": []}
    for invoice in unpaid:
        event = "invoice.overdue" if invoice.due_date < today else "invoice.due_soon"
        jobs.enqueue(session, "notify", {"event": event, "invoice_id": invoice.id,
                                         "due_date": invoice.due_date.isoformat()},
                     coordination_id=invoice.coordination_id, dedupe_key=f"{event}:{invoice.id}")
        found[event].append(invoice.id)
    return {**found, "mails": len(mails), "letters": [r.invoice_id for r in letters]}


@queue.periodic("vehicles_due_back", queue.crontab(minute="*/15"))
def vehicles_due_back(session: Session, now: datetime) -> dict:
    """Drivers of vehicles due back soon: one e-mail per booking."""
    return {"mails": len(mail.vehicle_due_back(session, now))}


@queue.periodic("mail_deliver", queue.crontab(minute="*"))
def mail_deliver(session: Session, now: datetime) -> dict:
    """Send the outbox: every message whose attempt is due (new ones, and retries by their back-off);
    nothing while no SMTP server is configured."""
    if not mail.mail_configured():
        return {"sent": 0}
    report = mail.deliver_pending(session, current_app.config, limit=500, now=now)
    return {"summary": report.summary()}


@queue.handler("notify", max_attempts=5, time_limit_s=300)
def _notify_job(session: Session, ctx: queue.JobContext) -> dict:
    """Hand an event to its listeners (none registered: nothing to do, and that is not an error)."""
    listeners = queue.LISTENERS.get(ctx.params["event"], [])
    for listener in listeners:
        listener(session, ctx.params)
    return {"event": ctx.params["event"], "listeners": len(listeners)}

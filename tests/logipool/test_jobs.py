"""Background jobs in the committing process (the queue's immediate mode): visibility, scoping,
errors as problem fields, exactly-once claims, retries with back-off, and the scheduled work
called with a fixed "now"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from logipool import queue
from logipool.models import (
    BillingRun,
    CycleStatus,
    Invoice,
    InvoiceKind,
    InvoiceStatus,
    Job,
    JobState,
    OrderCycle,
    Role,
)
from logipool.queue import queue_of
from logipool.services import jobs as svc
from logipool.services import scheduled

from .test_invoicing import charge, fresh, make_billable
from .test_orders import catalogue, cycle  # noqa: F401 - fixtures
from .test_storage import zone  # noqa: F401 - fixture


def _add_job(app, kind, params, coordination_id=None):
    db = app.extensions["logipool.db"]
    with app.app_context(), db.session() as s:
        job = svc.enqueue(s, kind, params, coordination_id=coordination_id)
        s.commit()  # immediate mode: the job runs here, once committed
        return job.id


@pytest.fixture
def flaky(app):
    """A kind of job that fails with a database error on its first attempts."""
    calls = []

    @queue.handler("test.flaky", max_attempts=3)
    def run(session, ctx):
        calls.append(ctx.attempt)
        if ctx.attempt < ctx.params["fail_times"] + 1:
            raise OperationalError("SELECT 1", {}, Exception("database is locked"))
        return {"url": "/api/v1/somewhere", "attempt": ctx.attempt}

    @queue.handler("test.refused")
    def refused(session, ctx):
        from logipool.errors import InvalidInput

        raise InvalidInput.field("needs", "No plan can meet every bound.")

    yield calls
    queue.HANDLERS.pop("test.flaky")
    queue.HANDLERS.pop("test.refused")


def test_a_transient_database_error_is_retried_with_back_off_until_it_succeeds(app, world, session, flaky,
                                                                                monkeypatch, client):
    delays = []
    q = queue_of(app)
    send = q.send
    monkeypatch.setattr(q, "send", lambda job_id, delay_s=None, time_limit_s=None: (
        delays.append(delay_s), send(job_id, delay_s=delay_s, time_limit_s=time_limit_s))[1])
    job_id = _add_job(app, "test.flaky", {"fail_times": 2}, world.a.coordination.id)
    assert flaky == [1, 2, 3]
    assert delays[1:] == [q.retry_delay_s, 2 * q.retry_delay_s]  # doubled at each attempt
    body = client.get(f"/api/v1/jobs/{job_id}", headers=world.a.headers(Role.MANAGER)).get_json()
    assert body["state"] == "succeeded" and body["attempts"] == 3
    assert body["result_url"] == "/api/v1/somewhere" and body["result"] == {"attempt": 3} and body["error"] is None


def test_a_job_out_of_attempts_fails_with_its_last_error(app, world, flaky, client):
    job_id = _add_job(app, "test.flaky", {"fail_times": 5}, world.a.coordination.id)
    assert flaky == [1, 2, 3]
    body = client.get(f"/api/v1/jobs/{job_id}", headers=world.a.headers(Role.MANAGER)).get_json()
    assert body["state"] == "failed" and body["attempts"] == 3
    assert body["error"]["status"] == 503 and "database is locked" in body["error"]["detail"]


def test_a_refused_job_answers_its_error_as_problem_fields_and_another_coordination_sees_no_job(app, world, flaky,
                                                                                                client):
    job_id = _add_job(app, "test.refused", {}, world.a.coordination.id)
    body = client.get(f"/api/v1/jobs/{job_id}", headers=world.a.headers(Role.MANAGER)).get_json()
    assert body["state"] == "failed" and body["attempts"] == 1  # not retried: the input is wrong
    assert body["error"] == {"type": "/problems/validation-error", "title": "Unprocessable Entity",
                             "status": 422, "detail": "needs: No plan can meet every bound.",
                             "errors": {"needs": ["No plan can meet every bound."]}}
    other = client.get(f"/api/v1/jobs/{job_id}", headers=world.b.headers(Role.MANAGER))
    assert other.status_code == 404 and other.mimetype == "application/problem+json"


def test_who_reads_a_job_staff_and_auditors_of_its_coordination_members_only_their_own(app, world, flaky,
                                                                                        client):
    job_id = _add_job(app, "test.refused", {}, world.a.coordination.id)  # made by the system, for alpha
    for role in (Role.ADMIN, Role.MANAGER, Role.AUDITOR):
        assert client.get(f"/api/v1/jobs/{job_id}", headers=world.a.headers(role)).status_code == 200, role
    for role in (Role.MEMBER_REP, Role.TREASURER):  # a member's people see the jobs they started only
        assert client.get(f"/api/v1/jobs/{job_id}", headers=world.a.headers(role)).status_code == 404, role
    for role in (Role.ADMIN, Role.MANAGER, Role.AUDITOR, Role.MEMBER_REP, Role.TREASURER):
        assert client.get(f"/api/v1/jobs/{job_id}", headers=world.b.headers(role)).status_code == 404, role
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 401


def test_a_message_delivered_twice_runs_its_job_once(app, world, flaky):
    job_id = _add_job(app, "test.flaky", {"fail_times": 0}, world.a.coordination.id)
    queue_of(app).run(job_id)
    queue_of(app).run(job_id)
    assert flaky == [1]


def test_a_rolled_back_transaction_sends_no_job(app, world, flaky):
    db = app.extensions["logipool.db"]
    with app.app_context(), db.session() as s:
        svc.enqueue(s, "test.flaky", {"fail_times": 0}, coordination_id=world.a.coordination.id)
        s.rollback()
        s.commit()
    assert flaky == []
    with db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Job)) == 0


def test_a_large_cycle_is_allocated_by_a_job_answered_202(app, world, client, catalogue, cycle,  # noqa: F811
                                                           monkeypatch):
    from logipool.services import orders

    from .test_orders import _need

    h = world.a.headers(Role.MANAGER)
    cycle_id = cycle["id"]
    client.post(f"/api/v1/order-cycles/{cycle_id}/open", headers=h)
    assert _need(client, world, cycle_id, world.a.member, catalogue[1]["RIZ1"]["id"], 30).status_code == 201
    assert _need(client, world, cycle_id, world.a.other_member, catalogue[1]["RIZ1"]["id"], 20).status_code == 201
    client.post(f"/api/v1/order-cycles/{cycle_id}/close", headers=h)
    monkeypatch.setattr(orders, "ALLOCATE_INLINE_MAX", 1)
    r = client.post(f"/api/v1/order-cycles/{cycle_id}/allocate", json={}, headers=h)
    assert r.status_code == 202, r.get_json()
    job = client.get(r.headers["Location"], headers=h).get_json()
    assert job["state"] == "succeeded" and job["result_url"] == f"/api/v1/order-cycles/{cycle_id}"
    assert client.get(job["result_url"], headers=h).get_json()["status"] == "allocated"


# scheduled work, with a fixed "now" ----------------------------------------------------------

def test_the_monthly_billing_draft_gathers_last_month_once_and_issues_nothing(app, world, session):
    make_billable(session, world.a)
    charge(session, world.a, 1234)
    charge(session, world.a, 766, member=world.a.other_member)
    session.commit()
    now = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    first = queue_of(app).run_periodic("billing_draft", scheduled.billing_draft, now)
    again = queue_of(app).run_periodic("billing_draft", scheduled.billing_draft, now)
    assert first["period_end"] == "2026-11-30" and len(first["runs"]) == 1 and again["runs"] == []
    fresh(session)
    run = session.get(BillingRun, first["runs"][0])
    assert run.issued_at is None and (run.period_start, run.period_end) == (date(2026, 11, 1), date(2026, 11, 30))
    invoices = session.scalars(select(Invoice).where(Invoice.billing_run_id == run.id)).all()
    assert sorted(i.status for i in invoices) == [InvoiceStatus.DRAFT] * 2


def test_payment_reminders_name_each_invoice_due_soon_or_overdue_once(app, world, session):
    make_billable(session, world.a)
    today = date(2026, 12, 10)
    rows = {}
    for name, due in (("overdue", today - timedelta(days=1)), ("soon", today + timedelta(days=2)),
                      ("later", today + timedelta(days=20)), ("long", today - timedelta(days=12))):
        rows[name] = Invoice(coordination_id=world.a.coordination.id, member_id=world.a.member.id,
                             kind=InvoiceKind.INVOICE, status=InvoiceStatus.ISSUED, number=f"2026-{len(rows) + 1:06d}",
                             issue_date=today - timedelta(days=30), due_date=due, total_cents=1000)
        session.add(rows[name])
    session.commit()
    now = datetime(2026, 12, 10, 7, tzinfo=UTC)
    seen = []
    queue.listen("invoice.overdue")(lambda s, params: seen.append(params["invoice_id"]))
    try:
        found = queue_of(app).run_periodic("payment_reminders", scheduled.payment_reminders, now)
        again = queue_of(app).run_periodic("payment_reminders", scheduled.payment_reminders, now)
    finally:
        queue.LISTENERS.pop("invoice.overdue")
    # no SMTP server configured: no e-mail written; the first reminder letter is due 10 days late
    assert found == {"invoice.due_soon": [rows["soon"].id], "invoice.overdue": [rows["overdue"].id, rows["long"].id],
                     "mails": 0, "letters": [rows["long"].id]}
    assert again["letters"] == []  # each letter once
    assert sorted(seen) == [rows["overdue"].id, rows["long"].id]  # the listener ran once each, in the notify job
    fresh(session)
    assert session.scalar(select(func.count()).select_from(Job).where(Job.state == JobState.SUCCEEDED)) == 3


def test_cycle_reminders_come_48_hours_before_the_needs_deadline(app, world, session):
    now = datetime(2026, 12, 10, 8, tzinfo=UTC)
    cycles = {}
    for name, deadline in (("soon", now + timedelta(hours=30)), ("later", now + timedelta(hours=60))):
        cycles[name] = OrderCycle(coordination_id=world.a.coordination.id, name=f"Cycle {name}",
                                  status=CycleStatus.OPEN, needs_deadline=deadline, supplier_ids=[])
        session.add(cycles[name])
    session.commit()
    found = queue_of(app).run_periodic("cycle_reminders", scheduled.cycle_reminders, now)
    assert found == {"cycles": [cycles["soon"].id], "mails": 0}  # no SMTP server configured: no e-mail
    assert queue_of(app).run_periodic("cycle_reminders", scheduled.cycle_reminders, now) == found
    fresh(session)
    assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_storage_close_charges_last_month_once(app, world, session, client, zone):  # noqa: F811
    from logipool.models import Charge

    from .test_storage import store

    assert store(client, world, zone.id, 2, 1, 20).status_code == 201  # 2 pallets, 1-20 February 2027
    now = datetime(2027, 3, 1, 2, tzinfo=UTC)
    first = queue_of(app).run_periodic("storage_close", scheduled.storage_close, now)
    again = queue_of(app).run_periodic("storage_close", scheduled.storage_close, now)
    assert first["charges"] == 1 and again["charges"] == 0
    fresh(session)
    assert session.scalars(select(Charge.amount_cents)).all() == [5700]  # 2 pallets × 19 days × 1.50

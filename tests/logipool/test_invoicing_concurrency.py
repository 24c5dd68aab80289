"""Invoice numbers under truly simultaneous requests against a running threaded server: the
series stays continuous (no gap, no duplicate), and a charge is never invoiced twice."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from logipool.models import Charge, Invoice, InvoiceCounter, Payment, Role

from .test_concurrency import fire, server  # noqa: F401 - the fixture is used by name
from .test_invoicing import charge, fresh, make_billable

DRAFTS = 12


def test_simultaneous_issues_number_without_gap_or_duplicate(server, client, world, session):  # noqa: F811
    a = world.a
    make_billable(session, a)
    charges = [charge(session, a, 1000 + i, member=(a.member, a.other_member)[i % 2]) for i in range(DRAFTS)]
    session.commit()
    staff = a.headers(Role.MANAGER)
    drafts = [client.post("/api/v1/invoices/", headers=staff,
                          json={"member_id": c.member_id, "charge_ids": [c.id]}).get_json()["id"] for c in charges]
    token = a.tokens[Role.MANAGER]
    results = fire(server, [(f"/api/v1/invoices/{i}/issue", {}, token) for i in drafts])
    assert [status for status, _ in results] == [200] * DRAFTS, results
    year = date.today().year
    numbers = sorted(body["number"] for _, body in results)
    assert numbers == [f"{year}-{n:06d}" for n in range(1, DRAFTS + 1)]
    fresh(session)
    assert session.scalars(select(InvoiceCounter.last_number)).one() == DRAFTS
    stored = session.execute(select(Invoice.number, Invoice.pdf_sha256)).all()
    assert sorted(n for n, _ in stored) == numbers and all(sha for _, sha in stored)


def test_simultaneous_billing_runs_invoice_each_charge_once(server, world, session):  # noqa: F811
    a = world.a
    make_billable(session, a)
    for i in range(6):
        charge(session, a, 500 + i, member=(a.member, a.other_member)[i % 2])
    session.commit()
    body = {"period_start": "2026-11-01", "period_end": "2026-11-30"}
    results = fire(server, [("/api/v1/billing-runs/", body, a.tokens[Role.MANAGER])] * 6)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [422] * 5, results
    fresh(session)
    assert len(session.scalars(select(Invoice)).all()) == 2
    assert all(c.invoice_id is not None for c in session.scalars(select(Charge)))


def test_simultaneous_payments_and_credit_notes_never_take_more_than_remains(
    server, client, world, session  # noqa: F811
):
    a = world.a
    make_billable(session, a)
    billed = charge(session, a, 10000)
    session.commit()
    staff = a.headers(Role.MANAGER)
    draft = client.post("/api/v1/invoices/", headers=staff,
                        json={"member_id": a.member.id, "charge_ids": [billed.id]}).get_json()["id"]
    assert client.post(f"/api/v1/invoices/{draft}/issue", headers=staff).status_code == 200
    token = a.tokens[Role.MANAGER]
    payment = {"amount": "30.00", "paid_on": date.today().isoformat(), "method": "transfer"}
    credit = {"amount": "30.00", "reason": "Réservation annulée"}
    requests = [(f"/api/v1/invoices/{draft}/payments", payment, token)] * 4
    requests += [(f"/api/v1/invoices/{draft}/credit-notes", credit, token)] * 4
    results = fire(server, requests)
    accepted = sum(status == 201 for status, _ in results)
    assert {status for status, _ in results} <= {201, 422}, results
    fresh(session)
    invoice = session.get(Invoice, draft)
    payments = session.scalars(select(Payment).where(Payment.invoice_id == draft)).all()
    credit_notes = session.scalars(select(Invoice).where(Invoice.original_id == draft)).all()
    assert len(payments) + len(credit_notes) == accepted
    # a payment never takes more than remained to pay when it was recorded, a credit note never
    # more than was not yet credited (beyond what remained it is credit on the account): replayed
    # in the order the locked invoice let them through, each fits
    events = sorted([(p.created_at, "payment", p.amount_cents) for p in payments]
                    + [(n.created_at, "credit", n.total_cents) for n in credit_notes])
    paid = credited = 0
    for _at, kind, amount in events:
        if kind == "payment":
            assert amount <= 10000 - paid - credited, events
            paid += amount
        else:
            assert amount <= 10000 - credited, events
            credited += amount
    assert (invoice.paid_cents, invoice.credited_cents) == (paid, credited)
    assert len(payments) <= 3 and len(credit_notes) <= 3 and 3 <= accepted <= 6  # 4 × 30.00 never fit in 100.00
    notes = session.scalars(select(Invoice.number).where(Invoice.original_id == draft)).all()
    year = date.today().year
    assert sorted(notes) == [f"{year}-{n:06d}" for n in range(2, 2 + len(notes))]  # no gap in the series

"""Retrying a request that creates money or documents with the same ``Idempotency-Key`` gets the
first response and writes nothing more; the same key for another request is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from logipool.models import Charge, IdempotentRequest, Payment, Role, VehicleBooking

from ..factories import make_vehicle
from .test_concurrency import fire, server  # noqa: F401 - the fixture is used by name
from .test_errors import assert_problem
from .test_invoicing import charge, fresh, make_billable

KEY = {"Idempotency-Key": "3b0c5e7a-8f61-4d2e-9c1a-2f7d6e5b4a39"}


@pytest.fixture
def invoice(client, world, session):
    """An issued invoice of 100.00 to world.a's member."""
    a = world.a
    make_billable(session, a)
    billed = charge(session, a, 10000)
    session.commit()
    staff = a.headers(Role.MANAGER)
    draft = client.post("/api/v1/invoices/", headers=staff,
                        json={"member_id": a.member.id, "charge_ids": [billed.id]}).get_json()["id"]
    assert client.post(f"/api/v1/invoices/{draft}/issue", headers=staff).status_code == 200
    return draft


def payment(amount="30.00"):
    return {"amount": amount, "paid_on": date.today().isoformat(), "method": "transfer", "reference": "VIR-7"}


def count(session, model) -> int:
    fresh(session)
    return session.scalar(select(func.count()).select_from(model))


def test_a_replayed_payment_gets_the_first_response_and_records_nothing(client, world, session, invoice):
    staff = world.a.headers(Role.MANAGER)
    first = client.post(f"/api/v1/invoices/{invoice}/payments", json=payment(), headers=staff | KEY)
    assert first.status_code == 201, first.get_json()
    for _ in range(2):
        again = client.post(f"/api/v1/invoices/{invoice}/payments", json=payment(), headers=staff | KEY)
        assert again.status_code == 201 and again.get_json() == first.get_json()
        assert again.mimetype == "application/json" and again.headers["Idempotent-Replayed"] == "true"
    assert count(session, Payment) == 1
    assert client.get(f"/api/v1/invoices/{invoice}", headers=staff).get_json()["remaining"] == "70.00"
    # the same JSON written differently is the same request
    spaced = client.post(f"/api/v1/invoices/{invoice}/payments", headers=staff | KEY,
                         data='{ "method": "transfer", "reference": "VIR-7", "amount": "30.00", '
                              f'"paid_on": "{date.today().isoformat()}" }}', content_type="application/json")
    assert spaced.status_code == 201 and spaced.get_json() == first.get_json()
    # without a key, a second payment is a second payment
    assert client.post(f"/api/v1/invoices/{invoice}/payments", json=payment(), headers=staff).status_code == 201
    assert count(session, Payment) == 2


def test_the_same_key_for_another_request_is_refused_and_writes_nothing(client, world, session, invoice):
    staff = world.a.headers(Role.MANAGER)
    assert client.post(f"/api/v1/invoices/{invoice}/payments", json=payment(), headers=staff | KEY).status_code == 201
    other = client.post(f"/api/v1/invoices/{invoice}/payments", json=payment("31.00"), headers=staff | KEY)
    assert_problem(other, 422)
    assert "Idempotency-Key" in other.get_json()["errors"]
    elsewhere = client.post(f"/api/v1/invoices/{invoice}/credit-notes", json={"reason": "Erreur"},
                            headers=staff | KEY)
    assert_problem(elsewhere, 422)
    assert count(session, Payment) == 1
    for bad in ("", "é" * 3, "x" * 256, "a b"):
        r = client.post(f"/api/v1/invoices/{invoice}/payments", json=payment(),
                        headers=staff | {"Idempotency-Key": bad})
        assert_problem(r, 422)
        assert "Idempotency-Key" in r.get_json()["errors"]
    assert count(session, Payment) == 1


def test_keys_belong_to_one_user_and_a_refused_request_keeps_none(client, world, session, invoice):
    manager, admin = world.a.headers(Role.MANAGER), world.a.headers(Role.ADMIN)
    over = client.post(f"/api/v1/invoices/{invoice}/payments", json=payment("500.00"), headers=manager | KEY)
    assert_problem(over, 422)  # refused: the key is not spent
    assert count(session, IdempotentRequest) == 0
    assert client.post(f"/api/v1/invoices/{invoice}/payments", json=payment(), headers=manager | KEY).status_code == 201
    assert client.post(f"/api/v1/invoices/{invoice}/payments", json=payment(), headers=admin | KEY).status_code == 201
    assert count(session, Payment) == 2


def test_a_key_is_kept_a_day(client, world, session, invoice):
    staff = world.a.headers(Role.MANAGER)
    assert client.post(f"/api/v1/invoices/{invoice}/payments", json=payment(), headers=staff | KEY).status_code == 201
    fresh(session)
    row = session.scalars(select(IdempotentRequest)).one()
    assert timedelta(hours=23) < row.expires_at - datetime.now(UTC) <= timedelta(hours=24)
    session.execute(update(IdempotentRequest).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    session.commit()
    assert client.post(f"/api/v1/invoices/{invoice}/payments", json=payment(), headers=staff | KEY).status_code == 201
    assert count(session, Payment) == 2 and count(session, IdempotentRequest) == 1


def test_manual_charges_and_bookings_are_idempotent_too(client, world, session):
    staff = world.a.headers(Role.MANAGER)
    body = {"member_id": world.a.member.id, "label": "Carburant avancé", "amount": "45.10",
            "period_start": "2026-11-03T08:00:00+01:00", "period_end": "2026-11-03T12:00:00+01:00",
            "basis": "Ticket du 3 novembre", "nature": "services"}
    first = client.post("/api/v1/charges/", json=body, headers=staff | KEY)
    assert first.status_code == 201, first.get_json()
    assert client.post("/api/v1/charges/", json=body, headers=staff | KEY).get_json() == first.get_json()
    assert count(session, Charge) == 1
    truck = make_vehicle(session, world.a.coordination)
    session.commit()
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    booking = {"vehicle_id": truck.id, "member_id": world.a.member.id,
               "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}
    key = {"Idempotency-Key": "booking-1"}
    first = client.post("/api/v1/vehicle-bookings/", json=booking, headers=staff | key)
    assert first.status_code == 201, first.get_json()
    again = client.post("/api/v1/vehicle-bookings/", json=booking, headers=staff | key)
    assert again.status_code == 201 and again.get_json() == first.get_json()  # not a 409 overlap
    assert count(session, VehicleBooking) == 1


def test_the_contract_offers_the_key_on_every_post_creating_money_or_documents(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/invoices/{invoice_id}/payments", "/api/v1/invoices/{invoice_id}/credit-notes",
                 "/api/v1/charges/", "/api/v1/billing-runs/", "/api/v1/billing-runs/{run_id}/issue",
                 "/api/v1/invoices/{invoice_id}/issue", "/api/v1/invoices/", "/api/v1/vehicle-bookings/",
                 "/api/v1/vehicle-bookings/recurring", "/api/v1/storage-bookings/", "/api/v1/direct-debits/",
                 "/api/v1/invoices/{invoice_id}/reminders", "/api/v1/invoices/{credit_note_id}/refunds",
                 "/api/v1/bank-statements/", "/api/v1/bank-lines/{line_id}/match"):
        names = [p["name"] for p in spec["paths"][path]["post"].get("parameters", []) if p["in"] == "header"]
        assert names == ["Idempotency-Key"], path


def test_the_same_key_sent_concurrently_records_one_payment(server, client, world, session, invoice):  # noqa: F811
    token = world.a.tokens[Role.MANAGER]
    results = fire(server, [(f"/api/v1/invoices/{invoice}/payments", payment("10.00"), token)] * 6, headers=KEY)
    assert [status for status, _ in results] == [201] * 6, results
    assert len({body["id"] for _, body in results}) == 1
    assert count(session, Payment) == 1
    fresh(session)
    assert session.scalars(select(Payment.amount_cents)).one() == 1000

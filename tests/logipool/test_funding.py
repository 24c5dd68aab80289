"""Funders' statements: what each funder's parts paid for, per period (month of service), per
source and per member, as JSON and as a PDF read back; every grouping sums to the total."""

from __future__ import annotations

from datetime import UTC, datetime

from logipool.models import ChargeSource, Role

from ..factories import make_funder
from ..invoices.pdftext import pdf_flow_text
from .test_errors import assert_problem
from .test_invoicing import charge, euros, make_billable

OCT = (datetime(2026, 9, 30, 22, tzinfo=UTC), datetime(2026, 10, 31, 23, tzinfo=UTC))
NOV = (datetime(2026, 10, 31, 23, tzinfo=UTC), datetime(2026, 11, 30, 23, tzinfo=UTC))


def part(funder, cents: int) -> dict:
    return {"funder_id": funder.id, "funder": funder.name, "cents": cents}


def test_funder_statement_per_period_source_and_member(client, world, session):
    a = world.a
    staff = a.headers(Role.MANAGER)
    make_billable(session, a)
    other_funder = make_funder(session, a.coordination, "Métropole Aix-Marseille")
    charge(session, a, 5000, source=ChargeSource.WAREHOUSE_COSTS, source_id=1, period=OCT,
           subsidies=[part(a.funder, 1234)])
    charge(session, a, 8000, source=ChargeSource.VEHICLE_BOOKING, source_id=7, period=NOV,
           subsidies=[part(a.funder, 2000), part(other_funder, 999)])
    charge(session, a, 3000, member=a.other_member, source=ChargeSource.WAREHOUSE_COSTS, source_id=2, period=NOV,
           subsidies=[part(a.funder, 1500)])
    charge(session, a, 4000, source=ChargeSource.STORAGE_BOOKING, source_id=3, period=NOV)  # nothing funded
    session.commit()
    r = client.post("/api/v1/billing-runs/", json={"period_start": "2026-10-01", "period_end": "2026-11-30"},
                    headers=staff)
    run = r.get_json()
    # drafts are not statements: nothing yet
    url = f"/api/v1/funders/{a.funder.id}/statement?start=2026-10-01&end=2026-11-30"
    assert client.get(url, headers=staff).get_json()["total"] == "0.00"
    assert client.post(f"/api/v1/billing-runs/{run['id']}/issue", headers=staff).status_code == 202

    st = client.get(url, headers=a.headers(Role.AUDITOR)).get_json()
    assert st["total"] == "47.34"
    assert [(p["period"], p["amount"]) for p in st["by_period"]] == [("2026-10-01", "12.34"), ("2026-11-01", "35.00")]
    assert [(p["source"], p["amount"]) for p in st["by_source"]] == [("Frais d'entrepôt", "27.34"),
                                                                      ("Réservation de véhicule", "20.00")]
    assert [(p["period"], p["source"], p["amount"]) for p in st["by_period_and_source"]] == [
        ("2026-10-01", "Frais d'entrepôt", "12.34"), ("2026-11-01", "Frais d'entrepôt", "15.00"),
        ("2026-11-01", "Réservation de véhicule", "20.00")]
    assert sorted((p["member"], p["amount"]) for p in st["by_member"]) == sorted(
        [(a.member.legal_name, "32.34"), (a.other_member.legal_name, "15.00")])
    assert all(p["invoice_number"] for p in st["parts"])
    november = client.get(f"/api/v1/funders/{a.funder.id}/statement?start=2026-11-01&end=2026-11-30",
                          headers=staff).get_json()
    assert november["total"] == "35.00"
    assert client.get(f"/api/v1/funders/{other_funder.id}/statement?start=2026-10-01&end=2026-11-30",
                      headers=staff).get_json()["total"] == "9.99"

    r = client.get(url.replace("/statement?", "/statement.pdf?"), headers=staff)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = pdf_flow_text(r.get_data())
    assert a.funder.name in text and "RELEVÉ DU FINANCEUR" in text
    for amount in (4734, 1234, 1500, 2000, 3234):
        assert euros(amount) in text, (euros(amount), text)


def test_funder_statement_is_for_staff_and_auditors(client, world, session):
    a = world.a
    make_billable(session, a)
    session.commit()
    url = f"/api/v1/funders/{a.funder.id}/statement?start=2026-10-01&end=2026-11-30"
    for role in (Role.MEMBER_REP, Role.TREASURER):
        assert_problem(client.get(url, headers=a.headers(role)), 403)
    assert_problem(client.get(url, headers=world.b.headers(Role.MANAGER)), 404)
    body = assert_problem(client.get(f"/api/v1/funders/{a.funder.id}/statement?start=2026-11-30&end=2026-10-01",
                                     headers=a.headers(Role.MANAGER)), 422)
    assert "end" in body["errors"]
    assert_problem(client.get(f"/api/v1/funders/{a.funder.id}/statement", headers=a.headers(Role.MANAGER)), 422)

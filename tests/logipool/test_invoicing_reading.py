"""Invoices a treasurer can check by hand: measured lines at their unit price, the computation of
each share, origins in words, payment terms that agree with the due date, due dates checked when
they are set, billing runs of a month still running, advances received before the invoice."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from logipool.models import ChargeSource, FunderKind, Invoice, InvoiceStatus, Nature, Role
from logipool.services.ledger import ChargeDraft, Payer, post_charges
from logipool.services.vehicles import usage_charge

from ..invoices.pdftext import pdf_flow_text, pdf_pages_text, pdf_text
from .test_errors import assert_problem
from .test_invoicing import NOV, charge, fresh, make_billable, run_and_issue, snapshot, xml_of


@pytest.fixture
def staff(world):
    return world.a.headers(Role.MANAGER)


def refused(response, field: str) -> dict:
    body = assert_problem(response, 422)
    assert field in body["errors"], body
    return body


NS = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}

VEHICLE_PARTS = (
    {"what": "jours commencés", "quantity": "1", "unit": "DAY", "unit_price": "30.00", "cents": 3000},
    {"what": "heures réservées", "quantity": "3", "unit": "HUR", "unit_price": "5.50", "cents": 1650},
    {"what": "kilomètres parcourus", "quantity": "37", "unit": "KMT", "unit_price": "0.38", "cents": 1406},
)
PALLET_DAYS = ({"what": "", "quantity": "84", "unit": "DAY", "unit_label": "palette-jour",
                "unit_price": "1.20", "cents": 10080},)


def measured(session, tenant, cents, measure, *, source=ChargeSource.VEHICLE_BOOKING, source_id=11,
             label="Utilisation Daily 35 – réservation 11", basis="forfait 1 j × 30,00 € + …", nature=Nature.SERVICES):
    draft = ChargeDraft(Payer(member_id=tenant.member.id), source, source_id, f"t:{label}:{cents}", label, *NOV,
                        "usage", basis, cents, nature, measure=measure)
    return post_charges(session, tenant.coordination.id, [draft])[0]


def test_a_charge_prints_as_its_quantities_at_their_unit_price(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    measured(session, a, 6056, VEHICLE_PARTS)
    measured(session, a, 10080, PALLET_DAYS, source=ChargeSource.STORAGE_BOOKING, source_id=3,
             label="Stockage chambre froide – réservation 3", basis="6 palette(s) × 14 jour(s) × 1,20 € = 100,80 €")
    measured(session, a, 999, PALLET_DAYS, source=ChargeSource.STORAGE_BOOKING, source_id=4,
             label="Parts qui ne font pas le montant", basis="")  # its measure does not give 9,99 €
    charge(session, a, 2500, label="Participation aux frais")  # no quantity: a lump sum
    session.commit()
    run = run_and_issue(client, staff)
    (inv,) = run["invoices"]
    body = client.get(f"/api/v1/invoices/{inv['invoice_id']}", headers=staff).get_json()
    lines = [(x["quantity"], x["unit"], x["unit_label"], x["unit_price"], x["amount"]) for x in body["lines"]]
    assert lines == [
        ("1.000", "DAY", "", "30.0000", "30.00"),
        ("3.000", "HUR", "", "5.5000", "16.50"),
        ("37.000", "KMT", "", "0.3800", "14.06"),
        ("84.000", "DAY", "palette-jour", "1.2000", "100.80"),
        ("1.000", "LS", "", "9.9900", "9.99"),
        ("1.000", "LS", "", "25.0000", "25.00"),
    ]
    assert body["total"] == "196.35"
    assert body["lines"][1]["description"] == "Utilisation Daily 35 – réservation 11 — heures réservées"
    fresh(session)
    pdf = session.scalars(select(Invoice.pdf).where(Invoice.id == inv["invoice_id"])).one()
    text = pdf_flow_text(pdf)
    assert "37 km 0,38 € 14,06 €" in text and "84 palette-jour 1,20 € 100,80 €" in text
    quantities = xml_of(pdf).xpath("//ram:BilledQuantity", namespaces=NS)
    assert [(q.text, q.get("unitCode")) for q in quantities][:4] == [
        ("1", "DAY"), ("3", "HUR"), ("37", "KMT"), ("84", "DAY")]


def test_a_vehicle_charge_measures_what_it_prices():
    vehicle = SimpleNamespace(name="Daily 35", plate="EX-903-RB", fixed_cost_per_day_cents=3000,
                              cost_per_hour_cents=550, cost_per_km_cents=38, owner_member_id=None)
    start = NOV[0] + timedelta(hours=8)
    booking = SimpleNamespace(id=11, member_id=5, start_at=start, end_at=start + timedelta(hours=3),
                              distance_km=37)
    draft = usage_charge(booking, vehicle)
    assert sum(p["cents"] for p in draft.measure) == draft.amount_cents == 6056
    assert [(p["quantity"], p["unit"]) for p in draft.measure] == [("1", "DAY"), ("3.0000", "HUR"), ("37", "KMT")]


def test_the_computation_and_origin_of_each_line_are_shown(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    basis = ("Part des membres 1 110,00 € (60 % de 1 850,00 €) × 84 / 1 848 palettes-jours = 50,46 € "
             "(arrondi au plus fort reste). Dont 33,64 € pris en charge par la Fondation.")
    measured(session, a, 5046, None, source=ChargeSource.WAREHOUSE_COSTS, source_id=7,
             label="Quote-part des frais d'exploitation — Entrepôt des Paluds", basis=basis)
    measured(session, a, 4000, None, source=ChargeSource.ORDER_CYCLE, source_id=1, label="Riz long grain 1 kg",
             basis="32 kg reçus sur 120 kg achetés", nature=Nature.GOODS)
    session.commit()
    (inv,) = run_and_issue(client, staff)["invoices"]
    body = client.get(f"/api/v1/invoices/{inv['invoice_id']}", headers=staff).get_json()
    assert [x["basis"] for x in body["lines"]] == [basis, "32 kg reçus sur 120 kg achetés"]
    assert [x["source"] for x in body["lines"]] == ["Frais d'entrepôt — novembre 2026",
                                                    "Commande groupée n° 1 — novembre 2026"]
    fresh(session)
    pdf = session.scalars(select(Invoice.pdf).where(Invoice.id == inv["invoice_id"])).one()
    pages = pdf_pages_text(pdf)
    assert "Origine : Frais d'entrepôt — novembre 2026" in pages[0]
    assert "warehouse_costs:" not in "".join(pages) and "order_cycle:" not in "".join(pages)
    assert "Détail du calcul" in pages[-1]
    assert "Dont 33,64 € pris en charge par la Fondation." in pdf_flow_text(pdf).replace("\u202f", " ")
    notes = xml_of(pdf).xpath("//ram:AssociatedDocumentLineDocument/ram:IncludedNote/ram:Content/text()",
                              namespaces=NS)
    assert notes[0] == f"Frais d'entrepôt — novembre 2026 — {basis}"


def test_payment_terms_agree_with_a_changed_due_date(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    c = charge(session, a, 12000)
    session.commit()
    draft = client.post("/api/v1/invoices/", json={"member_id": a.member.id, "charge_ids": [c.id]},
                        headers=staff).get_json()
    due = date.today() + timedelta(days=44)
    r = client.patch(f"/api/v1/invoices/{draft['id']}", json={"due_date": due.isoformat()}, headers=staff)
    assert r.status_code == 200, r.get_json()
    assert client.post(f"/api/v1/invoices/{draft['id']}/issue", headers=staff).status_code == 200
    fresh(session)
    pdf = session.scalars(select(Invoice.pdf).where(Invoice.id == draft["id"])).one()
    assert "Paiement à 44 jours par virement — Échéance" in pdf_text(pdf)
    terms = xml_of(pdf).xpath("//ram:SpecifiedTradePaymentTerms/ram:Description/text()", namespaces=NS)
    assert terms == ["Paiement à 44 jours par virement"]


def test_a_due_date_is_checked_when_it_is_set(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    c = charge(session, a, 12000)
    session.commit()
    draft = client.post("/api/v1/invoices/", json={"member_id": a.member.id, "charge_ids": [c.id]},
                        headers=staff).get_json()
    before = snapshot(session)
    for due in (date.today() + timedelta(days=103), date.today() - timedelta(days=1)):
        r = client.patch(f"/api/v1/invoices/{draft['id']}", json={"due_date": due.isoformat()}, headers=staff)
        refused(r, "due_date")
        assert f"draft {draft['id']}" in r.get_json()["detail"]
    assert snapshot(session) == before


def test_a_refused_run_names_the_invoice_at_fault(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    charge(session, a, 12000)
    charge(session, a, 3000, member=a.other_member)
    session.commit()
    run = client.post("/api/v1/billing-runs/", json={"period_start": "2026-11-01", "period_end": "2026-11-30"},
                      headers=staff).get_json()
    late = next(i for i in run["invoices"] if i["member_id"] == a.other_member.id)
    fresh(session)
    # a due date that became too far (set before, then the draft waited)
    row = session.get(Invoice, late["invoice_id"])
    row.due_date = date.today() + timedelta(days=90)
    session.commit()
    before = snapshot(session)
    r = client.post(f"/api/v1/billing-runs/{run['id']}/issue", headers=staff)
    refused(r, "due_date")
    assert f"draft {late['invoice_id']} ({a.other_member.legal_name})" in r.get_json()["detail"]
    assert r.get_json()["invoice_id"] == late["invoice_id"]
    assert snapshot(session) == before


def test_a_month_still_running_is_billed_only_when_confirmed(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    today = date.today()
    charge(session, a, 12000)
    session.commit()
    body = {"period_start": today.replace(day=1).isoformat(), "period_end": today.isoformat()}
    before = snapshot(session)
    refused(client.post("/api/v1/billing-runs/", json=body, headers=staff), "period_end")
    assert snapshot(session) == before
    r = client.post("/api/v1/billing-runs/", json={**body, "confirm_in_progress": True}, headers=staff)
    assert r.status_code == 201, r.get_json()


def test_an_advance_received_before_the_invoice_is_a_credit_on_the_account(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    charge(session, a, 12000)
    session.commit()
    (inv,) = run_and_issue(client, staff)["invoices"]
    r = client.post(f"/api/v1/invoices/{inv['invoice_id']}/payments", headers=staff,
                    json={"amount": "50.00", "paid_on": "2026-11-05", "method": "transfer", "reference": "ACOMPTE"})
    assert r.status_code == 201, r.get_json()
    r = client.get("/api/v1/statement", headers=a.headers(Role.TREASURER))
    assert r.status_code == 200, r.get_json()
    statement = r.get_json()
    assert [(e["kind"], e["balance"]) for e in statement["entries"]] == [("payment", "-50.00"),
                                                                           ("invoice", "70.00")]
    assert statement["balance"] == "70.00"
    fresh(session)
    assert session.get(Invoice, inv["invoice_id"]).status == InvoiceStatus.PARTLY_PAID
    pdf = client.get(f"/api/v1/statement.pdf?member_id={a.member.id}", headers=staff)
    assert "Pour régler : virement sur l'IBAN FR76 3000 6000 0112 3456 7890 189" in pdf_flow_text(pdf.data)


def test_a_vat_credit_note_prints_its_rate_the_french_way(client, world, session, staff):
    a = world.a
    make_billable(session, a, vat=True)
    charge(session, a, 10000, rate="5.5", nature=Nature.GOODS)
    session.commit()
    (inv,) = run_and_issue(client, staff)["invoices"]
    credit = client.post(f"/api/v1/invoices/{inv['invoice_id']}/credit-notes", headers=staff,
                         json={"reason": "Erreur de quantité"})
    assert credit.status_code == 201, credit.get_json()
    assert credit.get_json()["lines"][0]["description"].startswith(
        f"Avoir sur la facture {inv['number']} (TVA 5,5\u00a0%)")
    fresh(session)
    text = pdf_flow_text(session.scalars(select(Invoice.pdf).where(Invoice.id == credit.get_json()["id"])).one())
    assert "AVOIR AU PROFIT DE" in text.upper() and "pénalités" not in text
    assert Decimal(credit.get_json()["total"]) == Decimal(inv["total"])


def test_a_public_funder_is_invoiced_with_its_chorus_pro_references(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    a.funder.kind = FunderKind.TOWN
    session.commit()
    r = client.patch(f"/api/v1/funders/{a.funder.id}", headers=staff,
                     json={"siren": "211300058", "siret": "21130005800016", "service_code": "SOLIDARITES",
                           "commitment_number": "EJ-2026-000451"})
    assert r.status_code == 200, r.get_json()
    charge(session, a, 10000, funder=a.funder)
    session.commit()
    (inv,) = run_and_issue(client, staff)["invoices"]
    fresh(session)
    pdf = session.scalars(select(Invoice.pdf).where(Invoice.id == inv["invoice_id"])).one()
    root = xml_of(pdf)
    assert root.xpath("//ram:BuyerReference/text()", namespaces=NS) == ["SOLIDARITES"]
    assert root.xpath("//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID/text()",
                      namespaces=NS) == ["EJ-2026-000451"]
    assert root.xpath("//ram:BuyerTradeParty/ram:GlobalID/text()", namespaces=NS) == ["21130005800016"]
    text = pdf_flow_text(pdf)
    assert "Code service : SOLIDARITES" in text and "N° d'engagement : EJ-2026-000451" in text


def test_a_public_funder_without_siret_is_refused_and_named(client, world, session, staff):
    a = world.a
    make_billable(session, a)
    a.funder.kind = FunderKind.STATE
    session.commit()
    charge(session, a, 10000, funder=a.funder)
    session.commit()
    run = client.post("/api/v1/billing-runs/", json={"period_start": "2026-11-01", "period_end": "2026-11-30"},
                      headers=staff).get_json()
    before = snapshot(session)
    body = assert_problem(client.post(f"/api/v1/billing-runs/{run['id']}/issue", headers=staff), 422)
    assert any("siret" in field for field in body["errors"]), body
    assert snapshot(session) == before


def test_numbering_restarts_at_one_each_new_year(client, world, session, staff, monkeypatch):
    import logipool.services.invoicing as invoicing

    a = world.a
    make_billable(session, a)
    charges = [charge(session, a, 1000 + i) for i in range(3)]
    session.commit()
    numbers = []
    for c, day in zip(charges, (date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 2)), strict=True):
        monkeypatch.setattr(invoicing, "today_in", lambda tz, day=day: day)
        draft = client.post("/api/v1/invoices/", json={"member_id": a.member.id, "charge_ids": [c.id]},
                            headers=staff).get_json()
        r = client.post(f"/api/v1/invoices/{draft['id']}/issue", headers=staff)
        assert r.status_code == 200, r.get_json()
        numbers.append((r.get_json()["number"], r.get_json()["issue_date"]))
    assert numbers == [("2026-000001", "2026-12-31"), ("2027-000001", "2027-01-01"), ("2027-000002", "2027-01-02")]


def test_the_year_archive_holds_every_issued_document_under_a_signature(client, world, session, staff):
    import invoices as lib

    a = world.a
    make_billable(session, a)
    charge(session, a, 12000)
    charge(session, a, 3000, member=a.other_member)
    session.commit()
    run = run_and_issue(client, staff)
    year = date.today().year
    r = client.get(f"/api/v1/invoices/archive/{year}.zip", headers=staff)
    assert r.status_code == 200 and r.mimetype == "application/zip"
    key = client.get("/api/v1/invoices/archive/public-key.pem", headers=a.headers(Role.AUDITOR))
    assert key.status_code == 200 and key.headers["X-Key-SHA256"] == lib.key_fingerprint(key.data)
    assert lib.verify_archive(r.data, key.data) == []
    with zipfile.ZipFile(io.BytesIO(r.data)) as z:
        stored = {i["number"] for i in run["invoices"]}
        assert {n[:-4] for n in z.namelist() if n.endswith(".pdf")} == stored
    assert client.get(f"/api/v1/invoices/archive/{year}.zip", headers=a.headers(Role.TREASURER)).status_code in (
        403, 404)
    refused(client.get(f"/api/v1/invoices/archive/{year - 5}.zip", headers=staff), "archive.documents")

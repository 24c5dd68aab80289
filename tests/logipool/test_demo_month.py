"""The demo's month end to end, through the API only: vehicles used and returned, storage charged,
the warehouse's cost split with a funder, this month's joint order settled after a short
delivery, the pooled rounds executed, then this month's billing run (the demo issued last
month's). Every charge is invoiced exactly once and every invoice totals its charges to the cent."""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

import pdfplumber
from sqlalchemy import func, select

from logipool.models import (
    BookingStatus,
    Charge,
    ChargeSource,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    RoutePlan,
    VehicleBooking,
)
from logipool.services import vehicles as vehicles_svc

from ..invoices.pdftext import pdf_text

DOMAIN = "coordination-aubagne.example"


def _token(runner, email: str) -> dict:
    result = runner.invoke(args=["tokens", "create", "--email", email])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.stdout.strip().splitlines()[0]}"}


def _ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def test_the_demo_month_is_invoiced_exactly_once(runner, client, session, monkeypatch):
    assert runner.invoke(args=["demo"]).exit_code == 0
    manager = _token(runner, f"gestion@{DOMAIN}")
    treasurer = _token(runner, f"escale.tresorerie@{DOMAIN}")
    get = lambda path, h=manager: _ok(client.get(path, headers=h))  # noqa: E731
    post = lambda path, body=None, status=200: _ok(client.post(path, json=body, headers=manager), status)  # noqa: E731

    # vehicles: every confirmed one-off booking is driven and returned (the round stays booked)
    bookings = get("/api/v1/vehicle-bookings/?status=confirmed&limit=200")["items"]
    odometer = {v["id"]: v["odometer_km"] for v in get("/api/v1/vehicles/")["items"]}
    returned = 0
    for b in sorted(bookings, key=lambda b: b["start"]):
        if b["series_id"]:
            continue
        km = odometer[b["vehicle_id"]]
        # the coming week's bookings are driven: readings are recorded just after each one
        driven = datetime.fromisoformat(b["end"]) + timedelta(minutes=30)
        monkeypatch.setattr(vehicles_svc, "utcnow", lambda driven=driven: driven)
        post(f"/api/v1/vehicle-bookings/{b['id']}/checkout", {"odometer_km": km, "at": b["start"]})
        post(f"/api/v1/vehicle-bookings/{b['id']}/return", {"odometer_km": km + 37, "at": b["end"]})
        odometer[b["vehicle_id"]] = km + 37
        returned += 1
    monkeypatch.undo()
    assert returned >= 2

    # storage: charged until the end of next month; the warehouse's costs split with a funder
    today = date.today()
    end = (today.replace(day=1) + timedelta(days=62)).replace(day=1)
    post("/api/v1/storage-bookings/charge", {"until": f"{end.isoformat()}T00:00:00+01:00"}, 201)
    warehouse = next(s for s in get("/api/v1/sites/?limit=200")["items"] if s["kind"] == "warehouse")
    funder = get("/api/v1/funders/")["items"][0]
    split = post("/api/v1/warehouse-costs/", {
        "site_id": warehouse["id"], "start": f"{today.replace(day=1).isoformat()}T00:00:00+01:00",
        "end": f"{end.isoformat()}T00:00:00+01:00", "total_cost": "1850.00",
        "funders": [{"funder_id": funder["id"], "percent": "40"}]}, 201)
    assert split["posted"]

    # this month's joint order: closed, allocated, ordered, delivered a pack short, settled
    cycle = get("/api/v1/order-cycles/?status=open")["items"][0]
    post(f"/api/v1/order-cycles/{cycle['id']}/close")
    plan = post(f"/api/v1/order-cycles/{cycle['id']}/allocate", {"time_limit_s": 10})["allocation"]
    assert plan["feasible"]
    post(f"/api/v1/order-cycles/{cycle['id']}/order")
    biggest = max((o for o in plan["offers"] if o["packs"]), key=lambda o: o["packs"])
    post(f"/api/v1/order-cycles/{cycle['id']}/receive",
         {"items": [{"offer_id": int(biggest["id"]), "packs": biggest["packs"] - 1, "lot": "L-DEMO"}]})
    settled = post(f"/api/v1/order-cycles/{cycle['id']}/settle", None, 201)
    assert Decimal(settled["charged"]) + Decimal(settled["shared_stock"]) == Decimal(settled["total_cost"])

    # the pooled rounds: a note before they run says what is planned, not what was delivered
    plan_id = get("/api/v1/route-plans/")["items"][0]["id"]
    escale_id = next(m["id"] for m in get("/api/v1/members/")["items"] if m["short_name"] == "escale")
    post(f"/api/v1/route-plans/{plan_id}/accept")
    before = _ok(client.get(f"/api/v1/route-plans/{plan_id}/delivery-notes/{escale_id}", headers=treasurer))
    assert before["planned"] is True
    before_pdf = client.get(f"/api/v1/route-plans/{plan_id}/delivery-notes/{escale_id}.pdf", headers=treasurer)
    before_text = pdf_text(before_pdf.data)
    assert "Prévu" in before_text and "pas encore réalisée" in before_text
    assert not re.search(r"\bLivré\b(?! par)", before_text)  # only the signature box says "Livré par"
    post(f"/api/v1/route-plans/{plan_id}/execute")
    note = _ok(client.get(f"/api/v1/route-plans/{plan_id}/delivery-notes/{escale_id}", headers=treasurer))
    assert note["planned"] is False
    assert note["items"] and all(i["delivered_quantity"] == i["ordered_quantity"] for i in note["items"])
    assert note["vehicle"] and note["recipient"]["legal_name"].startswith("L'Escale")
    pdf_note = client.get(f"/api/v1/route-plans/{plan_id}/delivery-notes/{escale_id}.pdf", headers=treasurer)
    assert pdf_note.status_code == 200 and pdf_note.data.startswith(b"%PDF-")
    assert re.search(r"\bLivré\b(?! par)", pdf_text(pdf_note.data)) and "Prévu" not in pdf_text(pdf_note.data)
    other_id = next(m["id"] for m in get("/api/v1/members/")["items"] if m["short_name"] == "marmite")
    assert client.get(f"/api/v1/route-plans/{plan_id}/delivery-notes/{other_id}", headers=treasurer).status_code == 404

    # money paid for vehicles = the vehicles' costs: each member's own use at the vehicle's
    # rates, and the rounds once, through the plan's shares (their bookings post nothing)
    session.rollback()
    _vehicle_money_matches_vehicle_costs(session, plan_id)

    # the billing run: everything up to the end of next month
    session.rollback()
    all_charges = {c.id: c.amount_cents for c in session.scalars(select(Charge))}
    last_month = set(session.scalars(select(Invoice.id)))  # the demo's own run issued last month's
    funded = session.scalar(select(func.count()).select_from(Charge).where(Charge.funder_id.is_not(None)))
    assert funded == 1 and len(all_charges) > 60
    session.rollback()
    period = {"period_start": today.replace(day=1).isoformat(), "period_end": (end - timedelta(days=1)).isoformat()}
    refused = client.post("/api/v1/billing-runs/", json=period, headers=manager)  # next month is not over
    assert refused.status_code == 422 and "period_end" in refused.get_json()["errors"]
    run = post("/api/v1/billing-runs/", {**period, "confirm_in_progress": True}, 201)
    post(f"/api/v1/billing-runs/{run['id']}/issue", status=202)
    archive = client.get(f"/api/v1/billing-runs/{run['id']}/invoices.zip", headers=manager)
    assert archive.status_code == 200

    session.rollback()
    invoices = session.scalars(select(Invoice)).all()
    assert {i.status for i in invoices} == {InvoiceStatus.ISSUED}
    this_month = [i for i in invoices if i.billing_run_id == run["id"]]
    assert len(last_month) == 6 and len(this_month) == 6 + 1  # every member, and the funder
    assert {i.id for i in invoices} == last_month | {i.id for i in this_month}
    on = {(charge_id, invoice_id) for charge_id, invoice_id in session.execute(
        select(InvoiceLine.charge_id, InvoiceLine.invoice_id))}
    assert {c for c, _ in on} == set(all_charges)
    assert Counter(c for c, _ in on) == Counter(set(all_charges))  # each charge on one invoice, once
    # a charge's lines are its measured quantities (days, hours, km, kg, pallet-days), not "1 forfait"
    units = Counter(session.scalars(select(InvoiceLine.unit)))
    assert {"DAY", "KMT"} <= set(units) and units["LS"] < sum(units.values()) / 2
    for invoice in invoices:
        charges = session.scalars(select(Charge).where(Charge.invoice_id == invoice.id)).all()
        assert charges and invoice.total_cents == sum(c.amount_cents for c in charges)
        assert invoice.lines_cents - invoice.deductions_cents == invoice.total_cents  # no VAT (art. 261 B)
    assert sum(i.total_cents for i in invoices) == sum(all_charges.values())
    numbers = sorted(int(i.number.split("-")[1]) for i in invoices)
    assert numbers == list(range(1, len(invoices) + 1))  # no gap, no duplicate
    with zipfile.ZipFile(io.BytesIO(archive.data)) as z:
        assert len(z.namelist()) == len(this_month)
        escale = next(i for i in this_month if i.member and i.member.short_name == "escale")
        pdf = next(z.read(n) for n in z.namelist() if escale.number in n)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "\n".join(p.extract_text() for p in doc.pages)
    assert escale.number in text and "art. 261 B" in text and "Part prise en charge par" in text
    assert "Entrepôt mutualisé des Paluds" in text  # the joint order's goods were delivered there
    # origins in words, the computation of every share in the annex
    assert "order_cycle:" not in text and "warehouse_costs:" not in text and "booking:" not in text
    assert re.search(r"Origine : Commande groupée n° \d+ — \w+ \d{4}", text)
    assert re.search(r"Origine : Frais d'entrepôt — \w+ \d{4}", text)
    assert "Détail du calcul" in text and "palette-jour" in text and "palettes-jours" in text
    assert "arrondi au plus fort reste" in text
    # the joint order's delivery note names the same delivery address as the invoice
    cycle_note = _ok(client.get(f"/api/v1/order-cycles/{cycle['id']}/delivery-notes/{escale_id}",
                                headers=treasurer))
    assert cycle_note["delivery_address"]["name"] == "Entrepôt mutualisé des Paluds"

    # the treasurer sees its member's invoice and statement only
    ours = [i for i in invoices if i.member_id == escale.member_id]
    mine = _ok(client.get("/api/v1/invoices/", headers=treasurer))
    assert sorted(i["number"] for i in mine["items"]) == sorted(i.number for i in ours) and len(ours) == 2
    statement = _ok(client.get("/api/v1/statement", headers=treasurer))
    assert Decimal(statement["balance"]) == Decimal(sum(i.total_cents for i in ours)) / 100


def _vehicle_money_matches_vehicle_costs(session, plan_id: int) -> None:
    returned = session.scalars(select(VehicleBooking).where(VehicleBooking.status == BookingStatus.RETURNED)).all()
    rounds = [b for b in returned if b.for_rounds]
    assert rounds, "the demo's round bookings were driven and returned"
    own_use = 0
    for b in returned:
        if b.for_rounds or b.vehicle.owner_member_id == b.member_id:
            continue
        seconds = (b.end_at - b.start_at).total_seconds()
        hours = Decimal(int(seconds // 60)) / 60
        v = b.vehicle
        own_use += (math.ceil(seconds / 86400) * v.fixed_cost_per_day_cents
                    + int((hours * v.cost_per_hour_cents).to_integral_value(rounding="ROUND_HALF_UP"))
                    + b.distance_km * v.cost_per_km_cents)
    plan = session.get(RoutePlan, plan_id)
    rounds_cost = sum(int(Decimal(r["cost"]) * 100) for r in plan.result["plan"]["routes"])
    assert rounds_cost == plan.result["plan"]["cost_cents"] > 0

    def paid(source: ChargeSource, ids=None) -> int:
        stmt = select(func.coalesce(func.sum(Charge.amount_cents), 0)).where(Charge.source_type == source)
        if ids is not None:
            stmt = stmt.where(Charge.source_id.in_(ids))
        return session.scalar(stmt)

    assert paid(ChargeSource.VEHICLE_BOOKING, [b.id for b in rounds]) == 0  # no second charge for a round
    assert paid(ChargeSource.VEHICLE_BOOKING) == own_use
    assert paid(ChargeSource.ROUTE_PLAN) == rounds_cost
    assert paid(ChargeSource.VEHICLE_BOOKING) + paid(ChargeSource.ROUTE_PLAN) == own_use + rounds_cost

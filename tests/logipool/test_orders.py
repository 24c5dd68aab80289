"""Joint supplier orders over HTTP: catalogue, a whole cycle, documents, settlement, bad input."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pdfplumber
import pytest
from sqlalchemy import func, select

from logipool.models import Charge, ChargeSource, CycleStatus, Offer, OrderCycle, OrderNeed, Role

ADMIN, MANAGER, REP = Role.ADMIN, Role.MANAGER, Role.MEMBER_REP


def _ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


def _problem(response, status, field=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    if field is not None:
        assert field in body.get("errors", {}), body
    return body


@pytest.fixture
def catalogue(client, world):
    h = world.a.headers(MANAGER)
    supplier = _ok(client.post("/api/v1/suppliers/", json={
        "name": "Grossiste Provence", "minimum_order": "50.00", "free_delivery": "300.00",
        "delivery_fee": "35.00", "street": "ZI des Paluds", "postcode": "13400", "city": "Aubagne"}, headers=h), 201)
    offers = {}
    for ref, product, size, price, tiers in [
        ("RIZ1", "Riz long 1 kg", "10", "12.00", [{"min_packs": 10, "pack_price": "10.50"}]),
        ("HUI1", "Huile de tournesol 1 L", "6", "13.20", []),
        ("LAIT1", "Lait UHT 1 L", "6", "5.40", []),
    ]:
        offers[ref] = _ok(client.post("/api/v1/offers/", json={
            "supplier_id": supplier["id"], "reference": ref, "product": product, "pack_size": size,
            "tiers": [{"min_packs": 1, "pack_price": price}, *tiers], "category": "épicerie"}, headers=h), 201)
    return supplier, offers


@pytest.fixture
def cycle(client, world, catalogue):
    supplier, _ = catalogue
    return _ok(client.post("/api/v1/order-cycles/", json={
        "name": "Épicerie de décembre", "supplier_ids": [supplier["id"]], "delivery_date": "2026-12-10",
        "transport": "30.00"}, headers=world.a.headers(MANAGER)), 201)


def _need(client, world, cycle_id, member, offer_id, target, role=MANAGER, **kw):
    return client.post(f"/api/v1/order-cycles/{cycle_id}/needs", json={
        "member_id": member.id, "offer_ids": [offer_id], "target": str(target), **kw}, headers=world.a.headers(role))


def test_a_cycle_from_needs_to_charges(client, world, catalogue, cycle, session):
    h = world.a.headers(MANAGER)
    _, offers = catalogue
    cid = cycle["id"]
    assert _problem(_need(client, world, cid, world.a.member, offers["RIZ1"]["id"], 10, REP), 409)  # draft
    _ok(client.post(f"/api/v1/order-cycles/{cid}/open", headers=h))
    # a representative declares for its own member only
    _ok(_need(client, world, cid, world.a.member, offers["RIZ1"]["id"], 60, REP, maximum="65"), 201)
    _problem(_need(client, world, cid, world.a.other_member, offers["RIZ1"]["id"], 5, REP), 403)
    _ok(_need(client, world, cid, world.a.other_member, offers["RIZ1"]["id"], 60), 201)
    _ok(_need(client, world, cid, world.a.member, offers["HUI1"]["id"], 12), 201)
    _ok(_need(client, world, cid, world.a.other_member, offers["HUI1"]["id"], 7, minimum="6"), 201)
    _ok(client.post(f"/api/v1/order-cycles/{cid}/close", headers=h))

    detail = _ok(client.post(f"/api/v1/order-cycles/{cid}/allocate", json={}, headers=h))
    plan = detail["allocation"]
    assert detail["status"] == "allocated" and plan["feasible"]
    assert detail["names"]["offers"][str(offers["RIZ1"]["id"])] == "Riz long 1 kg"
    assert detail["names"]["members"][str(world.a.member.id)] == world.a.member.short_name
    rice = next(o for o in plan["offers"] if o["id"] == str(offers["RIZ1"]["id"]))
    assert rice["packs"] == 12 and rice["pack_price"] == "10.50"  # 120 kg reach the 10-pack tier
    oil = next(o for o in plan["offers"] if o["id"] == str(offers["HUI1"]["id"]))
    # 19 bottles: 4 packs serve everyone in full (5 left as shared stock); fairness comes before cost
    assert oil["packs"] == 4 and oil["leftover_units"] == "5"
    shares = {m["id"]: m for m in plan["members"]}
    total = sum(Decimal(m["total"]) for m in shares.values()) + Decimal(plan["totals"]["shared_stock"])
    assert total == Decimal(plan["totals"]["total_cost"])

    _ok(client.post(f"/api/v1/order-cycles/{cid}/order", headers=h))
    pos = _ok(client.get(f"/api/v1/order-cycles/{cid}/purchase-orders", headers=h))
    assert len(pos) == 1
    po_id = pos[0]["supplier_id"]
    csv_text = client.get(f"/api/v1/order-cycles/{cid}/purchase-orders/{po_id}.csv?dialect=plain",
                          headers=h).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert {r["reference"]: int(r["packs"]) for r in rows} == {"RIZ1": 12, "HUI1": 4}
    # a frozen cycle: needs and settings no longer change
    _problem(_need(client, world, cid, world.a.member, offers["LAIT1"]["id"], 6), 409)
    _problem(client.patch(f"/api/v1/order-cycles/{cid}", json={"transport": "1.00"}, headers=h), 409)

    # 2 packs of rice short: the shortfall is spread, not dumped on one member
    received = _ok(client.post(f"/api/v1/order-cycles/{cid}/receive", json={"items": [
        {"offer_id": offers["RIZ1"]["id"], "packs": 10, "lot": "L2611", "best_before": "2027-06-30"}]}, headers=h))
    final = received["final_allocation"]
    got = {n["member"]: Decimal(n["total"]) for n in final["needs"] if n["offers"] == [str(offers["RIZ1"]["id"])]}
    assert sum(got.values()) == 100 and max(got.values()) - min(got.values()) <= 10
    note = _ok(client.get(f"/api/v1/order-cycles/{cid}/delivery-notes/{world.a.member.id}",
                          headers=world.a.headers(REP)))
    rice_line = next(i for i in note["items"] if "RIZ1" in i["description"])
    assert Decimal(rice_line["delivered_quantity"]) < Decimal(rice_line["ordered_quantity"])
    assert rice_line["difference_reason"] and rice_line["lot"] == "L2611"
    _problem(client.get(f"/api/v1/order-cycles/{cid}/delivery-notes/{world.a.other_member.id}",
                        headers=world.a.headers(REP)), 404)

    settled = _ok(client.post(f"/api/v1/order-cycles/{cid}/settle", headers=h), 201)
    assert settled["cycle"]["status"] == "settled"
    assert Decimal(settled["charged"]) + Decimal(settled["shared_stock"]) == Decimal(settled["total_cost"])
    assert Decimal(settled["total_cost"]) == Decimal(final["totals"]["total_cost"])
    session.commit()
    charges = session.scalars(select(Charge).where(Charge.source_type == ChargeSource.ORDER_CYCLE)).all()
    assert sum(c.amount_cents for c in charges) == int(Decimal(settled["charged"]) * 100)
    assert all(c.basis and c.source_id == cid for c in charges)
    # settling twice posts nothing more
    _problem(client.post(f"/api/v1/order-cycles/{cid}/settle", headers=h), 409)


def _ordered_cycle(client, world, catalogue, cycle):
    h = world.a.headers(MANAGER)
    _, offers = catalogue
    cid = cycle["id"]
    _ok(client.post(f"/api/v1/order-cycles/{cid}/open", headers=h))
    _ok(_need(client, world, cid, world.a.member, offers["RIZ1"]["id"], 30), 201)
    _ok(_need(client, world, cid, world.a.other_member, offers["RIZ1"]["id"], 30), 201)
    _ok(client.post(f"/api/v1/order-cycles/{cid}/close", headers=h))
    _ok(client.post(f"/api/v1/order-cycles/{cid}/allocate", json={}, headers=h))
    _ok(client.post(f"/api/v1/order-cycles/{cid}/order", headers=h))
    return cid, offers


def test_purchase_order_pdf_reads_back(client, world, catalogue, cycle, session):
    cid, _ = _ordered_cycle(client, world, catalogue, cycle)
    coordination = session.merge(world.a.coordination)
    coordination.street = "5 avenue des Paluds"
    session.commit()
    h = world.a.headers(MANAGER)
    supplier_id = catalogue[0]["id"]
    response = client.get(f"/api/v1/order-cycles/{cid}/purchase-orders/{supplier_id}.pdf", headers=h)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-") and response.data.count(b"%PDF-") == 1
    with pdfplumber.open(io.BytesIO(response.data)) as pdf:
        text = "\n".join(page.extract_text() for page in pdf.pages)
    assert f"BC-{cid:05d}-{supplier_id}" in text and "Riz long 1 kg" in text and "Grossiste Provence" in text
    english = client.get(f"/api/v1/order-cycles/{cid}/purchase-orders/{supplier_id}.pdf?lang=en", headers=h)
    with pdfplumber.open(io.BytesIO(english.data)) as pdf:
        assert "PURCHASE ORDER" in pdf.pages[0].extract_text().upper()
    _problem(client.get(f"/api/v1/order-cycles/{cid}/purchase-orders/{supplier_id}.pdf?lang=de", headers=h),
             422, "lang")


def test_received_more_than_ordered_or_unknown_offer_is_refused(client, world, catalogue, cycle, session):
    cid, offers = _ordered_cycle(client, world, catalogue, cycle)
    h = world.a.headers(MANAGER)
    _problem(client.post(f"/api/v1/order-cycles/{cid}/receive", json={"items": [
        {"offer_id": offers["RIZ1"]["id"], "packs": 7}]}, headers=h), 422, "items.0.packs")
    _problem(client.post(f"/api/v1/order-cycles/{cid}/receive", json={"items": [
        {"offer_id": offers["LAIT1"]["id"], "packs": 1}]}, headers=h), 422, "items.0.offer_id")
    _problem(client.post(f"/api/v1/order-cycles/{cid}/receive", json={"items": [
        {"offer_id": offers["RIZ1"]["id"], "packs": 1.5}]}, headers=h), 422, "items.0.packs")
    session.commit()
    assert session.get(OrderCycle, cid).status == CycleStatus.ORDERED


@pytest.mark.parametrize(("body", "field"), [
    ({"packs_available": -1}, "packs_available"),
    ({"packs_available": 2.5}, "packs_available"),
    ({"packs_available": 10**12}, "packs_available"),  # pack counts stop at a billion, as in the solver
    ({"tiers": [{"min_packs": 1, "pack_price": "9.00"}, {"min_packs": 10**12, "pack_price": "8.00"}]}, "tiers"),
    ({"pack_size": "0"}, "pack_size"),
    ({"pack_size": "1.5"}, "pack_size"),  # whole units unless sold by weight
    ({"pack_size": 4.78e73}, "pack_size"),
    ({"tiers": [{"min_packs": 1, "pack_price": "12.345"}]}, "tiers"),
    ({"tiers": [{"min_packs": 2, "pack_price": "12.00"}]}, "tiers"),
    ({"tiers": [{"min_packs": 1, "pack_price": "12.00"}, {"min_packs": 1, "pack_price": "11.00"}]}, "tiers"),
    ({"vat_rate": "7"}, "vat_rate"),
    ({"supplier_id": 999999}, "supplier_id"),
    ({"colour": "red"}, "colour"),
])
def test_bad_offers_are_refused(client, world, catalogue, session, body, field):
    supplier, _ = catalogue
    offer = {"supplier_id": supplier["id"], "reference": "X1", "product": "Pâtes", "pack_size": "12",
             "tiers": [{"min_packs": 1, "pack_price": "9.00"}]} | body
    before = session.scalar(select(func.count()).select_from(Offer))
    problem = _problem(client.post("/api/v1/offers/", json=offer, headers=world.a.headers(MANAGER)), 422)
    assert any(k.startswith(field) for k in problem["errors"]), problem
    session.commit()
    assert session.scalar(select(func.count()).select_from(Offer)) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"target": "10", "minimum": "12"}, "minimum"),
    ({"target": "10", "maximum": "8"}, "maximum"),
    ({"target": "2.5"}, "target"),  # rice is counted in whole kilos here
    ({"target": "1.0001"}, "target"),
    ({"target": "-3"}, "target"),
    ({"target": 1.7976931348623157e308}, "target"),  # huge numbers are refused, not overflowed
    ({"target": "5", "offer_ids": [999999]}, "offer_ids.0"),
    ({"target": "5", "member_id": 999999}, "member_id"),
])
def test_bad_needs_are_refused(client, world, catalogue, cycle, session, body, field):
    _, offers = catalogue
    h = world.a.headers(MANAGER)
    _ok(client.post(f"/api/v1/order-cycles/{cycle['id']}/open", headers=h))
    need = {"member_id": world.a.member.id, "offer_ids": [offers["RIZ1"]["id"]]} | body
    _problem(client.post(f"/api/v1/order-cycles/{cycle['id']}/needs", json=need, headers=h), 422, field)
    session.commit()
    assert session.scalar(select(func.count()).select_from(OrderNeed)) == 0


def test_budgets_below_minimums_are_infeasible_and_named(client, world, catalogue, cycle, session):
    _, offers = catalogue
    h = world.a.headers(MANAGER)
    cid = cycle["id"]
    _ok(client.post(f"/api/v1/order-cycles/{cid}/open", headers=h))
    _ok(_need(client, world, cid, world.a.member, offers["RIZ1"]["id"], 50, minimum="40"), 201)
    _ok(client.put(f"/api/v1/order-cycles/{cid}/budgets/{world.a.member.id}", json={"budget": "20.00"}, headers=h))
    _ok(client.post(f"/api/v1/order-cycles/{cid}/close", headers=h))
    problem = _problem(client.post(f"/api/v1/order-cycles/{cid}/allocate", json={}, headers=h), 422, "needs")
    assert str(world.a.member.id) in problem["detail"] or world.a.member.short_name in problem["detail"]
    session.commit()
    row = session.get(OrderCycle, cid)
    assert row.status == CycleStatus.CLOSED and row.allocation is None


def test_a_change_after_allocation_makes_the_plan_stale(client, world, catalogue, cycle, session):
    _, offers = catalogue
    h = world.a.headers(MANAGER)
    cid = cycle["id"]
    _ok(client.post(f"/api/v1/order-cycles/{cid}/open", headers=h))
    _ok(_need(client, world, cid, world.a.member, offers["RIZ1"]["id"], 20), 201)
    _ok(client.post(f"/api/v1/order-cycles/{cid}/close", headers=h))
    _ok(client.post(f"/api/v1/order-cycles/{cid}/allocate", json={}, headers=h))
    _ok(_need(client, world, cid, world.a.other_member, offers["RIZ1"]["id"], 20), 201)
    assert _ok(client.get(f"/api/v1/order-cycles/{cid}", headers=h))["status"] == "closed"
    _problem(client.post(f"/api/v1/order-cycles/{cid}/order", headers=h), 409)


def _xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_price_list_import_from_xlsx_then_csv_updates(client, world, catalogue, session):
    supplier, _ = catalogue
    h = world.a.headers(MANAGER)
    data = _xlsx([["reference", "product", "pack_size", "price", "price_from_10", "vat_rate", "temperature"],
                  ["PAT1", "Pâtes 500 g", 24, 14.4, 13.2, 5.5, "ambient"],
                  ["YAO1", "Yaourts nature x4", 12, 9.6, None, 5.5, "chilled"]])
    result = _ok(client.post(f"/api/v1/suppliers/{supplier['id']}/price-list", data=data, headers=h | {
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}))
    assert result["created"] == 2
    csv_body = "reference;product;pack_size;price\nPAT1;Pâtes 500 g;24;14,90\n".encode()
    result = _ok(client.post(f"/api/v1/suppliers/{supplier['id']}/price-list",
                             data={"file": (io.BytesIO(csv_body), "tarifs.csv")}, headers=h,
                             content_type="multipart/form-data"))
    assert result["updated"] == 1
    session.commit()
    pasta = session.scalars(select(Offer).where(Offer.reference == "PAT1")).one()
    assert pasta.tiers == [{"min_packs": 1, "pack_price_cents": 1490}]


def test_bad_price_list_imports_nothing_and_names_rows(client, world, catalogue, session):
    supplier, _ = catalogue
    h = world.a.headers(MANAGER)
    before = session.scalar(select(func.count()).select_from(Offer))
    body = b"reference;product;pack_size;price\nA1;Farine;10;9.00\nA2;Sucre;-2;8.00\nA3;Sel;5;1.234\n"
    problem = _problem(client.post(f"/api/v1/suppliers/{supplier['id']}/price-list", data=body,
                                   headers=h | {"Content-Type": "text/csv"}), 422)
    rows = {(e["row"], e["column"]) for e in problem["rows"]}
    assert (3, "pack_size") in rows and (4, "price") in rows
    missing = _problem(client.post(f"/api/v1/suppliers/{supplier['id']}/price-list", data=b"reference;product\nA;B\n",
                                   headers=h | {"Content-Type": "text/csv"}), 422)
    assert "pack_size" in missing["errors"] and "price" in missing["errors"]
    session.commit()
    assert session.scalar(select(func.count()).select_from(Offer)) == before


def test_needs_import_replaces_the_members_needs(client, world, catalogue, cycle, session):
    _, offers = catalogue
    h = world.a.headers(MANAGER)
    cid = cycle["id"]
    _ok(client.post(f"/api/v1/order-cycles/{cid}/open", headers=h))
    _ok(_need(client, world, cid, world.a.member, offers["RIZ1"]["id"], 99), 201)
    body = (f"member;reference;minimum;target;maximum\n{world.a.member.short_name};RIZ1;0;20;25\n"
            f"{world.a.other_member.siret};HUI1|LAIT1;;12;\n").encode()
    result = _ok(client.post(f"/api/v1/order-cycles/{cid}/needs/import", data=body,
                             headers=h | {"Content-Type": "text/csv"}))
    assert (result["cycle_id"], result["needs"], result["members"]) == (cid, 2, 2)
    session.commit()
    needs = session.scalars(select(OrderNeed).where(OrderNeed.cycle_id == cid).order_by(OrderNeed.id)).all()
    assert [(n.target, len(n.offer_ids)) for n in needs] == [(Decimal("20.000"), 1), (Decimal("12.000"), 2)]
    # a representative may only import its own member's needs
    problem = _problem(client.post(f"/api/v1/order-cycles/{cid}/needs/import", data=body,
                                   headers=world.a.headers(REP) | {"Content-Type": "text/csv"}), 422)
    assert problem["rows"][0]["row"] == 3


def test_donation_split_is_fair_by_declared_need(client, world, session):
    m1, m2 = world.a.member, world.a.other_member
    body = {
        "items": [{"product": "Yaourts", "quantity": "90"}, {"product": "Pommes", "unit": "kg", "quantity": "30.5",
                                                              "divisible": True}],
        "needs": [{"member_id": m1.id, "product": "Yaourts", "target": "100"},
                  {"member_id": m2.id, "product": "Yaourts", "target": "50"},
                  {"member_id": m1.id, "product": "Pommes", "target": "20"},
                  {"member_id": m2.id, "product": "Pommes", "target": "20"}],
    }
    result = _ok(client.post("/api/v1/donation-splits/", json=body, headers=world.a.headers(MANAGER)))
    got = {(m["member_id"], i["product"]): Decimal(i["received"]) for m in result["members"] for i in m["items"]}
    assert got[(m1.id, "Yaourts")] + got[(m2.id, "Yaourts")] == 90
    assert got[(m1.id, "Pommes")] + got[(m2.id, "Pommes")] == Decimal("30.5")
    assert abs(result["members"][0]["fill_ratio"] - result["members"][1]["fill_ratio"]) < 0.02
    _problem(client.post("/api/v1/donation-splits/", json=body | {
        "needs": [{"member_id": m1.id, "product": "Poires", "target": "1"}]}, headers=world.a.headers(MANAGER)),
        422, "needs.0.product")
    _problem(client.post("/api/v1/donation-splits/", json=body, headers=world.a.headers(REP)), 403)


def test_a_vat_registered_coordination_charges_net_amounts_with_their_rate(client, world, catalogue, cycle, session):
    from logipool.models import VatRegime

    coordination = session.merge(world.a.coordination)
    coordination.vat_regime = VatRegime.VAT_REGISTERED
    session.commit()
    cid, _ = _ordered_cycle(client, world, catalogue, cycle)
    h = world.a.headers(MANAGER)
    final = _ok(client.post(f"/api/v1/order-cycles/{cid}/receive", json={"items": []}, headers=h))["final_allocation"]
    _ok(client.post(f"/api/v1/order-cycles/{cid}/settle", headers=h), 201)
    session.commit()
    goods = session.scalars(select(Charge).where(Charge.source_type == ChargeSource.ORDER_CYCLE,
                                                 Charge.allocation_key == "received_quantity")).all()
    assert {c.vat_rate for c in goods} == {Decimal("5.50")}
    net = sum(int(Decimal(m["goods_ht"]) * 100) for m in final["members"])
    assert sum(c.amount_cents for c in goods) == net


def test_member_terms_budget_by_representatives_weight_by_staff(client, world, catalogue, cycle, session):
    _, offers = catalogue
    h, rep = world.a.headers(MANAGER), world.a.headers(REP)
    cid = cycle["id"]
    _ok(client.post(f"/api/v1/order-cycles/{cid}/open", headers=h))
    url = f"/api/v1/order-cycles/{cid}/budgets/{world.a.member.id}"
    assert _ok(client.put(url, json={"budget": "80.00"}, headers=rep)) == {
        "member_id": world.a.member.id, "budget": "80.00", "weight": None}
    _problem(client.put(url, json={"weight": "500"}, headers=rep), 403)
    _problem(client.put(url, json={}, headers=h), 422, "budget")
    _problem(client.put(url, json={"weight": "0"}, headers=h), 422, "weight")
    assert _ok(client.put(url, json={"weight": "500"}, headers=h))["weight"] == "500.000"
    # the weight decides the fee key and the fairness weight; the people served are the default
    _ok(_need(client, world, cid, world.a.member, offers["RIZ1"]["id"], 10), 201)
    _ok(_need(client, world, cid, world.a.other_member, offers["RIZ1"]["id"], 10), 201)
    _ok(client.post(f"/api/v1/order-cycles/{cid}/close", headers=h))
    _ok(client.post(f"/api/v1/order-cycles/{cid}/allocate", json={}, headers=h))
    session.commit()
    members = {m["id"]: m for m in session.get(OrderCycle, cid).problem["members"]}
    assert members[str(world.a.member.id)]["weight"] == "500"
    assert members[str(world.a.member.id)]["budget"] == "80.00"
    assert members[str(world.a.other_member.id)]["weight"] == "100"  # people served per week
    # clearing both removes the member's terms
    assert _ok(client.put(url, json={"budget": None, "weight": None}, headers=h))["budget"] is None
    assert _ok(client.get(f"/api/v1/order-cycles/{cid}/budgets", headers=h)) == []


def test_price_list_upload_skips_a_merged_title_block_and_reads_numbers_by_the_stated_locale(
        client, world, catalogue, session):
    supplier, _ = catalogue
    h = world.a.headers(MANAGER)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Provence Alimentaire — tarif 2027"
    ws.merge_cells("A1:D2")
    for r, row in enumerate([["Référence", "Produit", "Colisage", "Prix HT"],
                             ["GOB1", "Gobelets carton", "1.000", "1.250,00"]], start=4):
        for c, value in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    url = f"/api/v1/suppliers/{supplier['id']}/price-list"
    upload = {"data": out.getvalue(),
              "headers": h | {"Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}}
    problem = _problem(client.post(url, **upload), 422)
    assert {(e["row"], e["column"]) for e in problem["rows"]} == {(5, "pack_size"), (5, "price")}
    assert all("locale=fr" in e["message"] for e in problem["rows"])
    assert "locale" in _problem(client.post(url + "?locale=de", **upload), 422)["errors"]
    assert _ok(client.post(url + "?locale=fr", **upload))["created"] == 1
    session.commit()
    cups = session.scalars(select(Offer).where(Offer.reference == "GOB1")).one()
    assert (cups.pack_size, cups.tiers) == (Decimal(1000), [{"min_packs": 1, "pack_price_cents": 125000}])

"""The authorisation matrix of joint orders (conventions in test_authz): every endpoint × role."""

from __future__ import annotations

import pytest

from logipool.models import CycleStatus, OrderCycle, OrderNeed, Role, Supplier

from ..factories import Tenant
from .test_authz import ALL, Case, everyone, expect, run_cross_matrix

ADMIN, MANAGER, REP, TREASURER, AUDITOR = (Role.ADMIN, Role.MANAGER, Role.MEMBER_REP, Role.TREASURER, Role.AUDITOR)
STAFF = (ADMIN, MANAGER)
BOOKERS = (ADMIN, MANAGER, REP)
STAFF_READERS = (ADMIN, MANAGER, AUDITOR)
C = "/api/v1/order-cycles"

CASES = [
    Case("list suppliers", "GET", "/api/v1/suppliers/", expect(200, ALL)),
    Case("read supplier", "GET", "/api/v1/suppliers/{supplier}", expect(200, ALL)),
    Case("read supplier of other coordination", "GET", "/api/v1/suppliers/{supplier_b}", everyone(404)),
    Case("create supplier", "POST", "/api/v1/suppliers/", expect(201, STAFF), body={"name": "Primeurs du Garlaban"}),
    Case("update supplier", "PATCH", "/api/v1/suppliers/{supplier}", expect(200, STAFF), body={"lead_time_days": 3}),
    Case("delete supplier with offers", "DELETE", "/api/v1/suppliers/{supplier}", expect(409, STAFF)),
    Case(
        "import a price list", "POST", "/api/v1/suppliers/{supplier}/price-list", expect(200, STAFF), body="price-list"
    ),
    Case("list offers", "GET", "/api/v1/offers/", expect(200, ALL)),
    Case("read offer", "GET", "/api/v1/offers/{offer}", expect(200, ALL)),
    Case("create offer", "POST", "/api/v1/offers/", expect(201, STAFF), body="offer"),
    Case("update offer", "PATCH", "/api/v1/offers/{offer}", expect(200, STAFF), body={"packs_available": 40}),
    Case("delete offer with needs", "DELETE", "/api/v1/offers/{offer}", expect(409, STAFF)),
    Case("list cycles", "GET", C + "/", expect(200, ALL)),
    Case("read cycle", "GET", C + "/{received}", expect(200, ALL)),
    Case("read cycle of other coordination", "GET", C + "/{cycle_b}", everyone(404)),
    Case("create cycle", "POST", C + "/", expect(201, STAFF), body="cycle"),
    Case("update draft cycle", "PATCH", C + "/{draft}", expect(200, STAFF), body={"transport": "12.00"}),
    Case("delete draft cycle", "DELETE", C + "/{draft}", expect(204, STAFF)),
    Case("open cycle", "POST", C + "/{draft}/open", expect(200, STAFF)),
    Case("close cycle", "POST", C + "/{open}/close", expect(200, STAFF)),
    Case("cancel cycle", "POST", C + "/{open}/cancel", expect(200, STAFF)),
    Case("allocate cycle", "POST", C + "/{closed}/allocate", expect(200, STAFF), body={}),
    Case("order cycle", "POST", C + "/{allocated}/order", expect(200, STAFF)),
    Case("receive cycle", "POST", C + "/{ordered}/receive", expect(200, STAFF), body={"items": []}),
    Case("settle cycle", "POST", C + "/{received}/settle", expect(201, STAFF)),
    Case("list needs", "GET", C + "/{open}/needs", expect(200, ALL)),
    Case("declare own need", "POST", C + "/{open}/needs", expect(201, BOOKERS), body="need"),
    Case("change own need", "PATCH", C + "/{open}/needs/{need_own}", expect(200, BOOKERS), body={"target": "12"}),
    Case(
        "change other member's need",
        "PATCH",
        C + "/{open}/needs/{need_other}",
        expect(200, STAFF) | {REP: 404},
        body={"target": "12"},
    ),
    Case("withdraw own need", "DELETE", C + "/{open}/needs/{need_own}", expect(204, BOOKERS)),
    Case("import own needs", "POST", C + "/{open}/needs/import", expect(200, BOOKERS), body="needs-file"),
    Case("list budgets", "GET", C + "/{open}/budgets", expect(200, ALL)),
    Case("set own budget", "PUT", C + "/{open}/budgets/{member}", expect(200, BOOKERS), body={"budget": "150.00"}),
    Case("list purchase orders", "GET", C + "/{ordered}/purchase-orders", expect(200, ALL)),
    Case("purchase order PDF", "GET", C + "/{ordered}/purchase-orders/{supplier}.pdf", expect(200, ALL)),
    Case("purchase order CSV", "GET", C + "/{ordered}/purchase-orders/{supplier}.csv", expect(200, ALL)),
    Case("own delivery note", "GET", C + "/{received}/delivery-notes/{member}", expect(200, ALL)),
    Case("own delivery note PDF", "GET", C + "/{received}/delivery-notes/{member}.pdf", expect(200, ALL)),
    Case(
        "other member's delivery note",
        "GET",
        C + "/{received}/delivery-notes/{other_member}",
        expect(200, STAFF_READERS, 404),
    ),
    Case("split a donation", "POST", "/api/v1/donation-splits/", expect(200, STAFF), body="donation"),
]


def build_orders(client, session, tenant: Tenant, elsewhere: Tenant) -> dict:
    """A cycle in every state, with needs, in ``tenant``; a supplier and a cycle in ``elsewhere``."""
    h = tenant.headers(MANAGER)

    def ok(response, status=200):
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_json()

    supplier = ok(
        client.post(
            "/api/v1/suppliers/",
            json={"name": "Grossiste", "street": "ZI des Paluds", "postcode": "13400", "city": "Aubagne"},
            headers=h,
        ),
        201,
    )
    offer = ok(
        client.post(
            "/api/v1/offers/",
            json={
                "supplier_id": supplier["id"],
                "reference": "RIZ1",
                "product": "Riz 1 kg",
                "pack_size": "10",
                "tiers": [{"min_packs": 1, "pack_price": "12.00"}],
            },
            headers=h,
        ),
        201,
    )
    spare = ok(  # an offer nobody has a need for yet: a member declares one need per offer
        client.post(
            "/api/v1/offers/",
            json={
                "supplier_id": supplier["id"],
                "reference": "PATES1",
                "product": "Pâtes 500 g",
                "pack_size": "12",
                "tiers": [{"min_packs": 1, "pack_price": "9.60"}],
            },
            headers=h,
        ),
        201,
    )
    body = {"name": "Décembre", "supplier_ids": [supplier["id"]], "delivery_date": "2026-12-10"}
    cid = ok(client.post(C + "/", json=body, headers=h), 201)["id"]
    ok(client.post(f"{C}/{cid}/open", headers=h))
    own = ok(
        client.post(
            f"{C}/{cid}/needs",
            json={"member_id": tenant.member.id, "offer_ids": [offer["id"]], "target": "20"},
            headers=h,
        ),
        201,
    )
    other = ok(
        client.post(
            f"{C}/{cid}/needs",
            json={"member_id": tenant.other_member.id, "offer_ids": [offer["id"]], "target": "15"},
            headers=h,
        ),
        201,
    )
    ok(client.post(f"{C}/{cid}/close", headers=h))
    ok(client.post(f"{C}/{cid}/allocate", json={}, headers=h))
    session.commit()
    template = session.get(OrderCycle, cid)

    def clone(status, **extra):
        values = {"problem": template.problem, "allocation": template.allocation} | extra
        row = OrderCycle(
            coordination_id=template.coordination_id,
            name=f"Cycle {status.value}",
            status=status,
            supplier_ids=template.supplier_ids,
            delivery_date=template.delivery_date,
            **values,
        )
        session.add(row)
        session.flush()
        return row.id

    def clone_needs(cycle_id):
        for n in session.query(OrderNeed).filter_by(cycle_id=cid).all():
            session.add(
                OrderNeed(
                    coordination_id=n.coordination_id,
                    cycle_id=cycle_id,
                    member_id=n.member_id,
                    offer_ids=n.offer_ids,
                    minimum=n.minimum,
                    target=n.target,
                    maximum=n.maximum,
                )
            )

    closed = clone(CycleStatus.CLOSED, problem=None, allocation=None)
    clone_needs(closed)
    open_id = clone(CycleStatus.OPEN)
    session.query(OrderNeed).filter_by(cycle_id=cid).update({"cycle_id": open_id})
    clone_needs(cid)
    ordered = clone(CycleStatus.ORDERED)
    received = clone(CycleStatus.RECEIVED, final_allocation=template.allocation, receipt={})
    b_supplier = Supplier(coordination_id=elsewhere.coordination.id, name="Autre")
    session.add(b_supplier)
    session.flush()
    cycle_b = OrderCycle(
        coordination_id=elsewhere.coordination.id, name="B", status=CycleStatus.DRAFT, supplier_ids=[b_supplier.id]
    )
    session.add(cycle_b)
    draft = OrderCycle(
        coordination_id=template.coordination_id,
        name="Brouillon",
        status=CycleStatus.DRAFT,
        supplier_ids=template.supplier_ids,
    )
    session.add(draft)
    session.flush()
    ids = {
        "supplier": supplier["id"],
        "supplier_b": b_supplier.id,
        "offer": offer["id"],
        "offer_spare": spare["id"],
        "draft": draft.id,
        "open": open_id,
        "closed": closed,
        "allocated": cid,
        "ordered": ordered,
        "received": received,
        "cycle_b": cycle_b.id,
        "need_own": own["id"],
        "need_other": other["id"],
        "member": tenant.member.id,
        "other_member": tenant.other_member.id,
    }
    session.commit()
    return ids


@pytest.fixture
def orders(client, world, session):
    return build_orders(client, session, world.a, world.b)


def request_kwargs(case: Case, tenant: Tenant, ids: dict) -> dict:
    kwargs = {"json": case.body}
    if case.body == "price-list":
        kwargs = {
            "data": "reference;product;pack_size;price\nPAT1;Pâtes;24;14.40\n".encode(),
            "content_type": "text/csv",
        }
    elif case.body == "needs-file":
        data = f"member;reference;target\n{tenant.member.short_name};RIZ1;10\n".encode()
        kwargs = {"data": data, "content_type": "text/csv"}
    elif case.body == "offer":
        kwargs["json"] = {
            "supplier_id": ids["supplier"],
            "reference": "HUI1",
            "product": "Huile",
            "pack_size": "6",
            "tiers": [{"min_packs": 1, "pack_price": "13.20"}],
        }
    elif case.body == "cycle":
        kwargs["json"] = {"name": "Janvier", "supplier_ids": [ids["supplier"]]}
    elif case.body == "need":
        kwargs["json"] = {"member_id": tenant.member.id, "offer_ids": [ids["offer_spare"]], "target": "5"}
    elif case.body == "donation":
        kwargs["json"] = {
            "items": [{"product": "Pommes", "quantity": "10"}],
            "needs": [{"member_id": tenant.member.id, "product": "Pommes", "target": "8"}],
        }
    return kwargs


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("role", ALL, ids=lambda r: r.value)
def test_matrix(client, world, orders, case, role):
    path = case.path.format(**orders)
    response = client.open(path, method=case.method, headers=world.a.headers(role),
                           **request_kwargs(case, world.a, orders))
    assert response.status_code == case.expected[role], response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


def test_cross_coordination_matrix(client, world, session):
    """Coordination A's roles against B's suppliers, offers, cycles and needs (see test_authz)."""
    ids = build_orders(client, session, world.b, world.a)
    run_cross_matrix(client, session, world, CASES, lambda c: c.path.format(**ids),
                     lambda c: request_kwargs(c, world.b, ids))

"""The authorisation matrix of the invoices endpoints (see test_authz for the conventions).

Representatives and treasurers read their own member's invoices and statement; other members'
and funders' invoices do not exist for them (404). Every write is staff's; auditors read all."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from logipool.models import Role

from ..factories import Tenant
from .test_authz import (
    ADMIN,
    ALL,
    AUDITOR,
    MANAGER,
    REP,
    STAFF,
    TREASURER,
    Case,
    everyone,
    expect,
    run_cross_matrix,
)
from .test_invoicing import charge, make_billable

READ_ALL = (ADMIN, MANAGER, AUDITOR)
TODAY = date.today().isoformat()
EXPORT = f"start=2026-01-01&end={date.today().year}-12-31"

CASES = [
    Case("list invoices", "GET", "/api/v1/invoices/", expect(200, ALL)),
    Case("read own member's invoice", "GET", "/api/v1/invoices/{invoice_own}", expect(200, ALL)),
    Case("read other member's invoice", "GET", "/api/v1/invoices/{invoice_other}", expect(200, READ_ALL, 404)),
    Case("read funder's invoice", "GET", "/api/v1/invoices/{invoice_funder}", expect(200, READ_ALL, 404)),
    Case("read invoice of other coordination", "GET", "/api/v1/invoices/{invoice_b}", everyone(404)),
    Case("create a draft", "POST", "/api/v1/invoices/", expect(201, STAFF), body="draft"),
    Case("edit a draft", "PATCH", "/api/v1/invoices/{draft}", expect(200, STAFF), body={"note": "Novembre"}),
    Case("edit a draft of other coordination", "PATCH", "/api/v1/invoices/{draft_b}", expect(404, STAFF),
         body={"note": "x"}),
    Case("delete a draft", "DELETE", "/api/v1/invoices/{draft}", expect(204, STAFF)),
    Case("issue a draft", "POST", "/api/v1/invoices/{draft}/issue", expect(200, STAFF)),
    Case("issue a draft of other coordination", "POST", "/api/v1/invoices/{draft_b}/issue", expect(404, STAFF)),
    Case("own invoice's PDF", "GET", "/api/v1/invoices/{invoice_own}/pdf", expect(200, ALL)),
    Case("other member's PDF", "GET", "/api/v1/invoices/{invoice_other}/pdf", expect(200, READ_ALL, 404)),
    Case("own invoice's Factur-X XML", "GET", "/api/v1/invoices/{invoice_own}/facturx.xml", expect(200, ALL)),
    Case("funder's Factur-X XML", "GET", "/api/v1/invoices/{invoice_funder}/facturx.xml",
         expect(200, READ_ALL, 404)),
    Case("record a payment", "POST", "/api/v1/invoices/{invoice_own}/payments", expect(201, STAFF),
         body={"amount": "1.00", "paid_on": TODAY, "method": "transfer"}),
    Case("issue a credit note", "POST", "/api/v1/invoices/{invoice_own}/credit-notes", expect(201, STAFF),
         body={"reason": "Réservation annulée"}),
    Case("credit an invoice of other coordination", "POST", "/api/v1/invoices/{invoice_b}/credit-notes",
         expect(404, STAFF), body={"reason": "x"}),
    Case("accounting export", "GET", "/api/v1/invoices/export.csv?" + EXPORT, expect(200, ALL)),
    # billing runs hold every payer's invoices: staff and auditors only
    Case("list billing runs", "GET", "/api/v1/billing-runs/", expect(200, READ_ALL)),
    Case("start a billing run", "POST", "/api/v1/billing-runs/", expect(201, STAFF),
         body={"period_start": "2026-11-01", "period_end": "2026-11-30"}),
    Case("read a billing run", "GET", "/api/v1/billing-runs/{run}", expect(200, READ_ALL)),
    Case("read a billing run of other coordination", "GET", "/api/v1/billing-runs/{run_b}", expect(404, READ_ALL)),
    Case("issue a billing run", "POST", "/api/v1/billing-runs/{run}/issue", expect(202, STAFF)),
    Case("discard a billing run", "DELETE", "/api/v1/billing-runs/{run}", expect(204, STAFF)),
    Case("discard an issued billing run", "DELETE", "/api/v1/billing-runs/{run_issued}", expect(409, STAFF)),
    Case("billing run ZIP", "GET", "/api/v1/billing-runs/{run_issued}/invoices.zip", expect(200, READ_ALL)),
    # the year-end archive holds every payer's documents: staff and auditors only
    Case("year-end archive", "GET", "/api/v1/invoices/archive/{year}.zip", expect(200, READ_ALL)),
    Case("archive public key", "GET", "/api/v1/invoices/archive/public-key.pem", expect(200, READ_ALL)),
    # statements
    Case("own statement", "GET", "/api/v1/statement", {ADMIN: 422, MANAGER: 422, AUDITOR: 422, REP: 200,
                                                       TREASURER: 200}),
    Case("statement of own member", "GET", "/api/v1/statement?member_id={a.member.id}", expect(200, ALL)),
    Case("statement of other member", "GET", "/api/v1/statement?member_id={a.other_member.id}",
         expect(200, READ_ALL, 404)),
    Case("statement of other coordination's member", "GET", "/api/v1/statement?member_id={b.member.id}",
         everyone(404)),
    Case("statement PDF", "GET", "/api/v1/statement.pdf?member_id={a.member.id}", expect(200, ALL)),
]

SEPT = (datetime(2026, 9, 10, tzinfo=UTC), datetime(2026, 9, 11, tzinfo=UTC))
OCT = (datetime(2026, 10, 10, tzinfo=UTC), datetime(2026, 10, 11, tzinfo=UTC))


def build_invoicing(client, session, a: Tenant, b: Tenant) -> dict:
    """Invoices of every kind and billing runs in ``a``; an invoice, a draft and a run in ``b``."""
    make_billable(session, a)
    make_billable(session, b)
    charge(session, a, 1100, period=SEPT)
    charge(session, a, 1200, member=a.other_member, period=OCT)
    own, other, funded, drafted = (charge(session, a, 1300), charge(session, a, 1400, member=a.other_member),
                                   charge(session, a, 1500, funder=a.funder), charge(session, a, 1600))
    charge(session, a, 1700)  # left uninvoiced
    in_b, in_b_draft = charge(session, b, 1800), charge(session, b, 1900)
    charge(session, b, 2000, period=OCT)
    session.commit()
    sa, sb = a.headers(Role.MANAGER), b.headers(Role.MANAGER)

    def invoice(headers, payer: dict, c, issue: bool = True) -> int:
        r = client.post("/api/v1/invoices/", json=payer | {"charge_ids": [c.id]}, headers=headers)
        assert r.status_code == 201, r.get_json()
        if issue:
            assert client.post(f"/api/v1/invoices/{r.get_json()['id']}/issue", headers=headers).status_code == 200
        return r.get_json()["id"]

    def run(headers, end: str, issue: bool = False) -> int:
        r = client.post("/api/v1/billing-runs/", json={"period_start": "2026-09-01", "period_end": end},
                        headers=headers)
        assert r.status_code == 201, r.get_json()
        if issue:
            assert client.post(f"/api/v1/billing-runs/{r.get_json()['id']}/issue", headers=headers).status_code == 202
        return r.get_json()["id"]

    return {
        "year": date.today().year,
        "run_issued": run(sa, "2026-09-30", issue=True),
        "run": run(sa, "2026-10-31"),
        "run_b": run(sb, "2026-10-31"),
        "invoice_own": invoice(sa, {"member_id": a.member.id}, own),
        "invoice_other": invoice(sa, {"member_id": a.other_member.id}, other),
        "invoice_funder": invoice(sa, {"funder_id": a.funder.id}, funded),
        "draft": invoice(sa, {"member_id": a.member.id}, drafted, issue=False),
        "invoice_b": invoice(sb, {"member_id": b.member.id}, in_b),
        "draft_b": invoice(sb, {"member_id": b.member.id}, in_b_draft, issue=False),
    }


@pytest.fixture
def invoicing(client, world, session) -> dict:
    return build_invoicing(client, session, world.a, world.b)


def _body(case: Case, tenant: Tenant):
    return {"member_id": tenant.member.id} if case.body == "draft" else case.body


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("role", ALL, ids=lambda r: r.value)
def test_matrix(client, world, invoicing, case, role):
    path = case.path.format(a=world.a, b=world.b, **invoicing)
    response = client.open(path, method=case.method, json=_body(case, world.a), headers=world.a.headers(role))
    assert response.status_code == case.expected[role], response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


def test_cross_coordination_matrix(client, world, session):
    """Coordination A's roles against B's invoices, runs and statements (see test_authz)."""
    ids = build_invoicing(client, session, world.b, world.a)
    run_cross_matrix(client, session, world, CASES, lambda c: c.path.format(a=world.b, b=world.a, **ids),
                     lambda c: {"json": _body(c, world.b)})

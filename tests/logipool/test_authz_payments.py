"""The authorisation matrix of getting paid (see test_authz for the conventions): mandates,
direct-debit files, overdue invoices, reminders and refunds. Members' representatives and
treasurers read their own member's mandates, overdue invoices and reminders; every write is
staff's; direct-debit files hold every payer's accounts: staff and auditors only. Rows of
another coordination do not exist (404)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from logipool.models import Coordination, Invoice, Role

from .test_authz import ADMIN, ALL, AUDITOR, MANAGER, STAFF, Case, everyone, expect
from .test_authz_invoices import build_invoicing
from .test_invoicing import fresh

READ_ALL = (ADMIN, MANAGER, AUDITOR)
TODAY = date.today().isoformat()
ICS = "FR72ZZZ123456"


def _mandate(client, headers, member_id: int, reference: str) -> int:
    r = client.post("/api/v1/mandates/", headers=headers, json={
        "member_id": member_id, "reference": reference, "signed_on": "2026-01-15",
        "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


@pytest.fixture
def paying(client, world, session) -> dict:
    a, b = world.a, world.b
    ids = build_invoicing(client, session, a, b)
    fresh(session)
    for tenant in (a, b):
        session.get(Coordination, tenant.coordination.id).sepa_creditor_id = ICS
    own = session.get(Invoice, ids["invoice_own"])  # overdue by 20 days
    own.issue_date, own.due_date = date.today() - timedelta(days=50), date.today() - timedelta(days=20)
    session.commit()
    sa, sb = a.headers(Role.MANAGER), b.headers(Role.MANAGER)
    ids["mandate"] = _mandate(client, sa, a.member.id, "A-OWN")
    ids["mandate_other"] = _mandate(client, sa, a.other_member.id, "A-OTHER")
    ids["mandate_b"] = _mandate(client, sb, b.member.id, "B-OWN")
    r = client.post("/api/v1/direct-debits/", json={"invoice_ids": [ids["invoice_other"]]}, headers=sa)
    assert r.status_code == 201, r.get_json()
    ids["debit"] = r.get_json()["id"]
    r = client.post("/api/v1/direct-debits/", json={"invoice_ids": [ids["invoice_b"]]}, headers=sb)
    assert r.status_code == 201, r.get_json()
    ids["debit_b"] = r.get_json()["id"]
    assert client.post(f"/api/v1/invoices/{ids['invoice_own']}/reminders", headers=sa).status_code == 201
    funder = ids["invoice_funder"]
    client.post(f"/api/v1/invoices/{funder}/payments", headers=sa,
                json={"amount": "15.00", "paid_on": TODAY, "method": "transfer"})
    r = client.post(f"/api/v1/invoices/{funder}/credit-notes", headers=sa, json={"reason": "x", "amount": "5.00"})
    ids["note_paid"] = r.get_json()["id"]
    ids["level"] = 1
    return ids


def _mandate_body(world, ids):
    return {"member_id": world.a.member.id, "reference": "A-NEW", "signed_on": "2026-02-01",
            "iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}


CASES = [
    Case("list mandates", "GET", "/api/v1/mandates/", expect(200, ALL)),
    Case("read own member's mandate", "GET", "/api/v1/mandates/{mandate}", expect(200, ALL)),
    Case("read other member's mandate", "GET", "/api/v1/mandates/{mandate_other}", expect(200, READ_ALL, 404)),
    Case("read mandate of other coordination", "GET", "/api/v1/mandates/{mandate_b}", everyone(404)),
    Case("record a mandate", "POST", "/api/v1/mandates/", expect(201, STAFF), body=_mandate_body),
    Case("revoke a mandate", "POST", "/api/v1/mandates/{mandate}/revoke", expect(200, STAFF), body={}),
    Case("revoke a mandate of other coordination", "POST", "/api/v1/mandates/{mandate_b}/revoke",
         expect(404, STAFF), body={}),
    Case("list direct debits", "GET", "/api/v1/direct-debits/", expect(200, READ_ALL)),
    Case("read a direct debit", "GET", "/api/v1/direct-debits/{debit}", expect(200, READ_ALL)),
    Case("read a direct debit of other coordination", "GET", "/api/v1/direct-debits/{debit_b}",
         expect(404, READ_ALL)),
    Case("pain.008 file", "GET", "/api/v1/direct-debits/{debit}/pain.008.xml", expect(200, READ_ALL)),
    Case("collect an invoice", "POST", "/api/v1/direct-debits/", expect(201, STAFF),
         body=lambda world, ids: {"invoice_ids": [ids["invoice_own"]]}),
    Case("collect an invoice of other coordination", "POST", "/api/v1/direct-debits/", expect(422, STAFF),
         body=lambda world, ids: {"invoice_ids": [ids["invoice_b"]]}),
    Case("overdue invoices", "GET", "/api/v1/overdue", expect(200, ALL)),
    Case("own invoice's reminders", "GET", "/api/v1/invoices/{invoice_own}/reminders", expect(200, ALL)),
    Case("own invoice's reminder letter", "GET", "/api/v1/invoices/{invoice_own}/reminders/{level}.pdf",
         expect(200, ALL)),
    Case("other member's reminders", "GET", "/api/v1/invoices/{invoice_other}/reminders",
         expect(200, READ_ALL, 404)),
    Case("reminders of other coordination", "GET", "/api/v1/invoices/{invoice_b}/reminders", everyone(404)),
    Case("send a reminder", "POST", "/api/v1/invoices/{invoice_own}/reminders", expect(201, STAFF)),
    Case("remind an invoice of other coordination", "POST", "/api/v1/invoices/{invoice_b}/reminders",
         expect(404, STAFF)),
    Case("refund a credit note", "POST", "/api/v1/invoices/{note_paid}/refunds", expect(201, STAFF),
         body={"amount": "1.00", "paid_on": TODAY, "method": "transfer"}),
    Case("refund a credit note of other coordination", "POST", "/api/v1/invoices/{invoice_b}/refunds",
         expect(404, STAFF), body={"amount": "1.00", "paid_on": TODAY, "method": "transfer"}),
]


def _check(client, world, paying, case, role):
    path = case.path.format(a=world.a, b=world.b, **paying)
    body = case.body(world, paying) if callable(case.body) else case.body
    response = client.open(path, method=case.method, json=body, headers=world.a.headers(role))
    assert response.status_code == case.expected[role], (role.value, response.get_data(as_text=True))
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


READS = [c for c in CASES if c.method == "GET"]
WRITES = [c for c in CASES if c.method != "GET"]


@pytest.mark.parametrize("case", READS, ids=lambda c: c.name)
def test_reads(client, world, paying, case):
    """A read changes nothing: every role on the same rows."""
    for role in ALL:
        _check(client, world, paying, case, role)


@pytest.mark.parametrize("case", WRITES, ids=lambda c: c.name)
@pytest.mark.parametrize("staff", STAFF, ids=lambda r: r.value)
def test_writes(client, world, paying, case, staff):
    """The roles refused first (a refusal writes nothing), then one staff role."""
    for role in [r for r in ALL if r not in STAFF] + [staff]:
        _check(client, world, paying, case, role)

"""The authorisation matrix of bank statements, the accounting export and funders' statements
(see test_authz for the conventions): they hold every member's money, so staff act and
auditors read; representatives and treasurers are refused (403)."""

from __future__ import annotations

from datetime import date

import pytest

from logipool.models import BankLine, BankLineState, BankStatement

from ..factories import Tenant
from .camt import Entry, statement
from .test_authz import ADMIN, ALL, AUDITOR, MANAGER, STAFF, Case, expect, run_cross_matrix

READ_ALL = (ADMIN, MANAGER, AUDITOR)
YEAR = date.today().year
IMPORT = ("camt",)  # the body is a statement file, not JSON

CASES = [
    Case("list bank statements", "GET", "/api/v1/bank-statements/", expect(200, READ_ALL)),
    Case("import a bank statement", "POST", "/api/v1/bank-statements/", expect(201, STAFF), body=IMPORT),
    Case("the queue of unmatched credits", "GET", "/api/v1/bank-lines/?state=unmatched", expect(200, READ_ALL)),
    Case("read a bank line", "GET", "/api/v1/bank-lines/{line}", expect(200, READ_ALL)),
    Case("read a bank line of other coordination", "GET", "/api/v1/bank-lines/{line_b}", expect(404, READ_ALL)),
    Case("match a bank line", "POST", "/api/v1/bank-lines/{line}/match", expect(200, STAFF), body="match"),
    Case("match a bank line of other coordination", "POST", "/api/v1/bank-lines/{line_b}/match", expect(404, STAFF),
         body="match"),
    Case("ignore a bank line", "POST", "/api/v1/bank-lines/{other_line}/ignore", expect(200, STAFF)),
    Case("list credits on account", "GET", "/api/v1/account-credits/", expect(200, READ_ALL)),
    Case("FEC export", "GET", "/api/v1/accounting/fec?year={year}", expect(200, READ_ALL)),
    Case("read the chart of accounts", "GET", "/api/v1/accounting/chart", expect(200, READ_ALL)),
    Case("change the chart of accounts", "PATCH", "/api/v1/accounting/chart", expect(200, STAFF),
         body={"bank": "512100"}),
    Case("funder statement", "GET", "/api/v1/funders/{a.funder.id}/statement?start=2026-01-01&end=2026-12-31",
         expect(200, READ_ALL)),
    Case("funder statement PDF", "GET",
         "/api/v1/funders/{a.funder.id}/statement.pdf?start=2026-01-01&end=2026-12-31", expect(200, READ_ALL)),
    Case("funder statement of other coordination", "GET",
         "/api/v1/funders/{b.funder.id}/statement?start=2026-01-01&end=2026-12-31", expect(404, READ_ALL)),
]


def build_banking(session, tenant: Tenant, other: Tenant) -> dict:
    """Two queued credits in each coordination."""
    ids = {"year": YEAR}
    for who, prefix in ((tenant, ""), (other, "b")):
        st = BankStatement(coordination_id=who.coordination.id, file_format="camt.053.001.02", sha256=f"{prefix}x" * 8)
        session.add(st)
        session.flush()
        lines = [BankLine(coordination_id=who.coordination.id, statement_id=st.id, line_key=f"k{n}",
                          booking_date=date.today(), amount_cents=1000 + n, state=BankLineState.UNMATCHED)
                 for n in range(2)]
        session.add_all(lines)
        session.flush()
        ids["line" if who is tenant else "line_b"] = lines[0].id
        ids["other_line" if who is tenant else "other_line_b"] = lines[1].id
    session.commit()
    return ids


@pytest.fixture
def banking(world, session) -> dict:
    return build_banking(session, world.a, world.b)


def _kwargs(case: Case, tenant: Tenant) -> dict:
    if case.body == IMPORT:
        return {"data": statement([Entry("10.00", date.today(), name="X")], iban=tenant.coordination.iban or
                                  "FR7630006000011234567890189"), "content_type": "application/xml"}
    if case.body == "match":
        return {"json": {"member_id": tenant.member.id}}
    return {"json": case.body}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("role", ALL, ids=lambda r: r.value)
def test_matrix(client, world, banking, case, role):
    path = case.path.format(a=world.a, b=world.b, **banking)
    response = client.open(path, method=case.method, headers=world.a.headers(role), **_kwargs(case, world.a))
    assert response.status_code == case.expected[role], response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


def test_cross_coordination_matrix(client, world, session):
    """Coordination A's roles against B's statement lines and funders."""
    ids = build_banking(session, world.b, world.a)
    run_cross_matrix(client, session, world, CASES, lambda c: c.path.format(a=world.b, b=world.a, **ids),
                     lambda c: _kwargs(c, world.b))


"""The authorisation matrix: every endpoint × every role × own member / other member /
other coordination. Outside your scope a row does not exist (404); a role that may not act
gets 403; nothing is ever 500."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from logipool.models import Role

from ..factories import World

ADMIN, MANAGER, REP, TREASURER, AUDITOR = (Role.ADMIN, Role.MANAGER, Role.MEMBER_REP,
                                           Role.TREASURER, Role.AUDITOR)
ALL = tuple(Role)
STAFF = (ADMIN, MANAGER)


def expect(ok: int, allowed, denied: int = 403) -> dict[Role, int]:
    return {role: ok if role in allowed else denied for role in ALL}


def everyone(status: int) -> dict[Role, int]:
    return dict.fromkeys(ALL, status)


@dataclass
class Case:
    name: str
    method: str
    path: str  # formatted with the world's ids
    expected: dict[Role, int]
    body: dict | None = None


def member_body(w: World) -> dict:
    from ..factories import new_siren, siret_of

    siren = new_siren()
    return {"legal_name": "Nouvelle association", "short_name": "nouvelle", "kind": "other",
            "siren": siren, "siret": siret_of(siren), "vat_regime": "outside_vat",
            "contact_email": "n@example.org"}


SITE = {"name": "Nouveau magasin", "kind": "supermarket", "latitude": 43.3, "longitude": 5.5}
FUNDER = {"name": "Nouvelle fondation", "kind": "foundation"}
CHARGE = {"label": "Frais", "period_start": "2026-11-01T00:00:00+01:00",
          "period_end": "2026-12-01T00:00:00+01:00", "basis": "forfait", "amount": "10.00",
          "nature": "services"}

CASES = [
    # members
    Case("list members", "GET", "/api/v1/members/", expect(200, ALL)),
    Case("read own member", "GET", "/api/v1/members/{a.member.id}", expect(200, ALL)),
    Case("read other member", "GET", "/api/v1/members/{a.other_member.id}",
         expect(200, (ADMIN, MANAGER, AUDITOR), 404)),
    Case("read member of other coordination", "GET", "/api/v1/members/{b.member.id}", everyone(404)),
    Case("create member", "POST", "/api/v1/members/", expect(201, STAFF), body="member"),
    Case("update own member", "PATCH", "/api/v1/members/{a.member.id}", expect(200, STAFF),
         body={"people_served_per_week": 120}),
    Case("update other member", "PATCH", "/api/v1/members/{a.other_member.id}", expect(200, STAFF),
         body={"people_served_per_week": 120}),
    Case("update member of other coordination", "PATCH", "/api/v1/members/{b.member.id}",
         expect(404, STAFF), body={"people_served_per_week": 1}),
    Case("delete member in use", "DELETE", "/api/v1/members/{a.member.id}",
         expect(409, STAFF)),
    Case("delete member of other coordination", "DELETE", "/api/v1/members/{b.other_member.id}",
         expect(404, STAFF)),
    # sites
    Case("list sites", "GET", "/api/v1/sites/", expect(200, ALL)),
    Case("read site", "GET", "/api/v1/sites/{a.site.id}", expect(200, ALL)),
    Case("read site of other coordination", "GET", "/api/v1/sites/{b.site.id}", everyone(404)),
    Case("create site", "POST", "/api/v1/sites/", expect(201, STAFF), body=SITE),
    Case("update site", "PATCH", "/api/v1/sites/{a.site.id}", expect(200, STAFF), body={"notes": "quai 2"}),
    Case("delete site", "DELETE", "/api/v1/sites/{a.site.id}", expect(204, STAFF)),
    Case("delete site of other coordination", "DELETE", "/api/v1/sites/{b.site.id}",
         expect(404, STAFF)),
    # funders
    Case("list funders", "GET", "/api/v1/funders/", expect(200, ALL)),
    Case("read funder of other coordination", "GET", "/api/v1/funders/{b.funder.id}", everyone(404)),
    Case("create funder", "POST", "/api/v1/funders/", expect(201, STAFF), body=FUNDER),
    Case("update funder", "PATCH", "/api/v1/funders/{a.funder.id}", expect(200, STAFF),
         body={"contact_email": "f@example.org"}),
    Case("delete funder", "DELETE", "/api/v1/funders/{a.funder.id}", expect(204, STAFF)),
    # users
    Case("list users", "GET", "/api/v1/users/", expect(200, (ADMIN, MANAGER, AUDITOR))),
    Case("read me", "GET", "/api/v1/users/me", expect(200, ALL)),
    Case("read user", "GET", "/api/v1/users/{a.user_ids[auditor]}", expect(200, (ADMIN, MANAGER, AUDITOR))),
    Case("read user of other coordination", "GET", "/api/v1/users/{b.user_ids[auditor]}",
         expect(404, (ADMIN, MANAGER, AUDITOR))),
    Case("create user", "POST", "/api/v1/users/", expect(201, (ADMIN,)),
         body={"email": "new@example.org", "role": "auditor"}),
    Case("update user", "PATCH", "/api/v1/users/{a.user_ids[auditor]}", expect(200, (ADMIN,)),
         body={"name": "Renamed"}),
    Case("remove user of other coordination", "DELETE", "/api/v1/users/{b.user_ids[auditor]}",
         expect(404, (ADMIN,))),
    # tokens
    Case("list tokens", "GET", "/api/v1/tokens/", expect(200, ALL)),
    Case("create token", "POST", "/api/v1/tokens/", expect(201, ALL), body={"name": "laptop"}),
    # charges
    Case("list charges", "GET", "/api/v1/charges/", expect(200, ALL)),
    Case("read own member's charge", "GET", "/api/v1/charges/{charge_own}", expect(200, ALL)),
    Case("read other member's charge", "GET", "/api/v1/charges/{charge_other}",
         expect(200, (ADMIN, MANAGER, AUDITOR), 404)),
    Case("read charge of other coordination", "GET", "/api/v1/charges/{charge_b}", everyone(404)),
    Case("add manual charge", "POST", "/api/v1/charges/", expect(201, STAFF), body="charge"),
    # coordinations
    Case("list coordinations", "GET", "/api/v1/coordinations/", expect(200, ALL)),
    Case("read own coordination", "GET", "/api/v1/coordinations/{a.coordination.id}", expect(200, ALL)),
    Case("read other coordination", "GET", "/api/v1/coordinations/{b.coordination.id}", everyone(404)),
    Case("update own coordination", "PATCH", "/api/v1/coordinations/{a.coordination.id}",
         expect(200, (ADMIN,)), body={"name": "Renamed"}),
    Case("create coordination (not platform admin)", "POST", "/api/v1/coordinations/",
         everyone(403), body={"slug": "gamma", "name": "G", "legal_name": "G",
                                "vat_regime": "outside_vat"}),
]


@pytest.fixture
def charges(world, session):
    from datetime import UTC, datetime

    from logipool.models import ChargeSource, Nature
    from logipool.services.ledger import ChargeDraft, Payer, post_charges

    def post(tenant, member, key):
        d = ChargeDraft(Payer(member.id), ChargeSource.MANUAL, None, key, "x",
                        datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC),
                        "manual", "forfait", 1000, Nature.SERVICES)
        return post_charges(session, tenant.coordination.id, [d])[0].id

    ids = {"charge_own": post(world.a, world.a.member, "k1"),
           "charge_other": post(world.a, world.a.other_member, "k2"),
           "charge_b": post(world.b, world.b.member, "k3")}
    session.commit()
    return ids


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("role", ALL, ids=lambda r: r.value)
def test_matrix(client, world, charges, case, role):
    path = case.path.format(a=world.a, b=world.b, **charges).replace("[auditor]", "")
    path = _resolve(path, case.path, world)
    body = case.body
    if body == "member":
        body = member_body(world)
    elif body == "charge":
        body = CHARGE | {"member_id": world.a.member.id}
    response = client.open(path, method=case.method, json=body, headers=world.a.headers(role))
    assert response.status_code == case.expected[role], response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


def _resolve(path: str, template: str, world: World) -> str:
    # user ids are looked up by role name in the template
    if "user_ids" in template:
        tenant = world.a if "{a." in template else world.b
        return template.split("{")[0] + str(tenant.user_ids[Role.AUDITOR])
    return path


def test_every_api_route_is_in_the_matrix(app):
    """A new endpoint must be added to the matrix above."""
    covered = {(c.method, _route_of(c.path)) for c in CASES}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "docs" in rule.rule or "openapi" in rule.rule:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, _route_of(rule.rule)))
    missing = routes - covered
    # revoking a token is covered by its own tests (tokens differ per role)
    missing.discard(("DELETE", "/api/v1/tokens/ID"))
    missing.discard(("DELETE", "/api/v1/coordinations/ID"))
    assert not missing, f"endpoints missing from the authorisation matrix: {sorted(missing)}"


def _route_of(path: str) -> str:
    import re

    return re.sub(r"\{[^}]*\}|<[^>]*>", "ID", path)

"""Users, roles, tokens: creation, expiry, revocation, and the command line."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from logipool.auth import hash_token, principal_for_token
from logipool.db import utcnow
from logipool.errors import Unauthorized
from logipool.models import ApiToken, Role

from .test_errors import assert_problem


def test_token_is_stored_only_as_its_hash(client, world, session):
    r = client.post("/api/v1/tokens/", json={"name": "laptop", "expires_in_days": 7},
                    headers=world.a.headers(Role.TREASURER))
    assert r.status_code == 201
    created = r.get_json()
    secret = created["token"]
    assert secret.startswith("lp_") and len(secret) >= 43 + 3  # 256 bits, base64url
    row = session.get(ApiToken, created["id"])
    assert row.token_hash == hash_token(secret) and secret not in (row.token_hash, row.prefix)
    assert client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    # listed without the secret
    listed = client.get("/api/v1/tokens/", headers=world.a.headers(Role.TREASURER)).get_json()
    assert all("token" not in t for t in listed["items"])


def test_revoked_token_stops_working_at_once(client, world):
    h = world.a.headers(Role.AUDITOR)
    token_id = client.get("/api/v1/tokens/", headers=h).get_json()["items"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=h).status_code == 204
    body = assert_problem(client.get("/api/v1/members/", headers=h), 401)
    assert "revoked" in body["detail"]


def test_only_an_admin_revokes_someone_elses_token(client, world):
    admin_tokens = client.get("/api/v1/tokens/", headers=world.a.headers(Role.ADMIN)).get_json()
    assert admin_tokens["total"] == len(Role)  # the admin sees every token of its coordination
    auditor_token = next(t for t in admin_tokens["items"] if t["user_id"] == world.a.user_ids[Role.AUDITOR])
    assert_problem(client.delete(f"/api/v1/tokens/{auditor_token['id']}",
                                 headers=world.a.headers(Role.MANAGER)), 404)
    assert client.delete(f"/api/v1/tokens/{auditor_token['id']}",
                         headers=world.a.headers(Role.ADMIN)).status_code == 204
    # and not across coordinations
    b_tokens = client.get("/api/v1/tokens/", headers=world.b.headers(Role.ADMIN)).get_json()["items"]
    assert_problem(client.delete(f"/api/v1/tokens/{b_tokens[0]['id']}",
                                 headers=world.a.headers(Role.ADMIN)), 404)


def test_expired_token_is_refused(session, world):
    secret = world.a.tokens[Role.MANAGER]
    with pytest.raises(Unauthorized, match="expired"):
        principal_for_token(session, secret, now=utcnow() + timedelta(days=31))
    assert principal_for_token(session, secret).role == Role.MANAGER


def test_deactivated_user_is_refused(client, world):
    uid = world.a.user_ids[Role.AUDITOR]
    r = client.patch(f"/api/v1/users/{uid}", json={"active": False}, headers=world.a.headers(Role.ADMIN))
    assert r.status_code == 200
    assert_problem(client.get("/api/v1/members/", headers=world.a.headers(Role.AUDITOR)), 401)


def test_representative_needs_a_member_of_this_coordination(client, world):
    h = world.a.headers(Role.ADMIN)
    r = client.post("/api/v1/users/", json={"email": "x@example.org", "role": "member_rep"}, headers=h)
    assert "member_id" in assert_problem(r, 422)["errors"]
    r = client.post("/api/v1/users/", json={"email": "x@example.org", "role": "treasurer",
                                             "member_id": world.b.member.id}, headers=h)
    assert "member_id" in assert_problem(r, 422)["errors"]
    r = client.post("/api/v1/users/", json={"email": "x@example.org", "role": "manager",
                                             "member_id": world.a.member.id}, headers=h)
    assert "member_id" in assert_problem(r, 422)["errors"]
    r = client.post("/api/v1/users/", json={"email": "X@Example.org", "role": "treasurer",
                                             "member_id": world.a.member.id}, headers=h)
    assert r.status_code == 201 and r.get_json()["email"] == "x@example.org"


def test_a_coordination_keeps_one_admin(client, world):
    h = world.a.headers(Role.ADMIN)
    me = world.a.user_ids[Role.ADMIN]
    assert_problem(client.patch(f"/api/v1/users/{me}", json={"role": "manager"}, headers=h), 409)
    assert_problem(client.delete(f"/api/v1/users/{me}", headers=h), 409)


def test_removing_a_user_revokes_its_access_here(client, world):
    uid = world.a.user_ids[Role.TREASURER]
    assert client.delete(f"/api/v1/users/{uid}", headers=world.a.headers(Role.ADMIN)).status_code == 204
    assert_problem(client.get("/api/v1/users/me", headers=world.a.headers(Role.TREASURER)), 401)


def test_platform_admin_creates_a_coordination_and_administers_it(client, world, session):
    from logipool.models import User

    admin = session.scalars(select(User).where(User.id == world.a.user_ids[Role.ADMIN])).one()
    admin.platform_admin = True
    session.commit()
    h = world.a.headers(Role.ADMIN)
    body = {"slug": "gamma", "name": "Coordination Gamma", "legal_name": "Gamma", "vat_regime": "outside_vat"}
    created = client.post("/api/v1/coordinations/", json=body, headers=h)
    assert created.status_code == 201
    assert_problem(client.post("/api/v1/coordinations/", json=body, headers=h), 409)
    listed = client.get("/api/v1/coordinations/", headers=h).get_json()
    assert {c["slug"] for c in listed["items"]} == {"alpha", "beta", "gamma"}
    assert client.delete(f"/api/v1/coordinations/{created.get_json()['id']}", headers=h).status_code == 204
    assert_problem(client.delete(f"/api/v1/coordinations/{world.b.coordination.id}", headers=h), 409)


def test_cli_creates_users_and_tokens(runner, world, client):
    r = runner.invoke(args=["users", "create", "--email", "tresorier@example.org", "--role", "treasurer",
                            "--member", world.a.member.short_name, "--coordination", "alpha"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["tokens", "create", "--email", "tresorier@example.org", "--days", "3"])
    assert r.exit_code == 0, r.output
    secret = r.stdout.strip().splitlines()[0]
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert me["role"] == "treasurer" and me["member_id"] == world.a.member.id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "create", "--email", "a@b.org", "--role", "treasurer", "--coordination", "alpha"], "--member"),
        (["users", "create", "--email", "a@b.org", "--role", "manager"], "Several coordinations"),
        (["users", "create", "--email", "a@b.org", "--role", "treasurer", "--member", "nobody",
          "--coordination", "alpha"], "No member"),
        (["tokens", "create", "--email", "nobody@example.org"], "has no role"),
    ],
)
def test_cli_errors_are_one_clear_line(runner, world, args, message):
    r = runner.invoke(args=args)
    assert r.exit_code != 0
    assert message in r.output
    assert "Traceback" not in r.output

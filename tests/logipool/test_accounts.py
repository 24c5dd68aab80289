"""Users, roles, tokens: creation, expiry, revocation, and the command line."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from logipool.auth import hash_token, principal_for_token
from logipool.db import utcnow
from logipool.errors import Unauthorized
from logipool.models import ApiToken, Role
from logipool.services.accounts import issue_token

from ..factories import platform_token
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


def test_deactivated_user_is_refused(client, world, session):
    uid = world.a.user_ids[Role.AUDITOR]
    r = client.patch(f"/api/v1/users/{uid}", json={"active": False}, headers=platform_token(session, world.a))
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
    h = platform_token(session, world.a)
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


# A coordination's admin manages its grants, never the person ------------------------------------


def _user(session, user_id):
    from logipool.models import User

    session.rollback()
    return session.get(User, user_id)


def test_an_admin_cannot_take_over_a_person_of_another_coordination(client, world, session):
    """Granting a role to B's person, then patching and removing it, leaves the person and B alone."""
    victim = world.b.user_ids[Role.MANAGER]
    email = f"{Role.MANAGER.value}@beta.example"
    h = world.a.headers(Role.ADMIN)
    r = client.post("/api/v1/users/", json={"email": email, "role": "auditor", "name": "Pirate", "active": False},
                    headers=h)
    assert r.status_code == 201
    assert r.get_json()["active"] is True and r.get_json()["name"] == ""
    person = _user(session, victim)
    assert person.active and person.name == ""
    assert client.get("/api/v1/users/me", headers=world.b.headers(Role.MANAGER)).status_code == 200
    for field, value in (("active", False), ("name", "Pirate")):
        body = assert_problem(client.patch(f"/api/v1/users/{victim}", json={field: value}, headers=h), 403)
        assert field in body["errors"]
    assert client.patch(f"/api/v1/users/{victim}", json={"role": "manager"}, headers=h).status_code == 200
    assert client.delete(f"/api/v1/users/{victim}", headers=h).status_code == 204
    person = _user(session, victim)
    assert person is not None and person.active and person.name == ""
    assert [(g.coordination_id, g.role) for g in person.grants] == [(world.b.coordination.id, Role.MANAGER)]
    assert client.get("/api/v1/users/me", headers=world.b.headers(Role.MANAGER)).status_code == 200


def test_another_coordinations_users_are_indistinguishable_from_unknown_ids(client, world):
    """An admin of A learns nothing of B's users: the same 404 as for an id that does not exist."""
    h = world.a.headers(Role.ADMIN)
    b_user, unknown = world.b.user_ids[Role.AUDITOR], 999_999
    for method, body in (("GET", None), ("PATCH", {"role": "manager"}), ("DELETE", None)):
        seen = assert_problem(client.open(f"/api/v1/users/{b_user}", method=method, json=body, headers=h), 404)
        none = assert_problem(client.open(f"/api/v1/users/{unknown}", method=method, json=body, headers=h), 404)
        assert seen["detail"].replace(str(b_user), "N") == none["detail"].replace(str(unknown), "N")
    listed = client.get("/api/v1/users/?limit=200", headers=h).get_json()["items"]
    assert b_user not in {u["id"] for u in listed}


def test_a_person_changes_their_own_name_and_a_platform_admin_their_state(client, world, session):
    me = world.a.user_ids[Role.TREASURER]
    r = client.patch(f"/api/v1/users/{me}", json={"name": "Awa Diallo"}, headers=world.a.headers(Role.TREASURER))
    assert r.status_code == 200 and r.get_json()["name"] == "Awa Diallo"
    # but not their own role
    assert_problem(client.patch(f"/api/v1/users/{me}", json={"role": "admin"},
                                headers=world.a.headers(Role.TREASURER)), 403)
    # the platform-admin flag alone is not the platform scope
    plain = world.a.headers(Role.ADMIN)
    platform = platform_token(session, world.a)
    assert_problem(client.patch(f"/api/v1/users/{me}", json={"active": False}, headers=plain), 403)
    assert client.patch(f"/api/v1/users/{me}", json={"active": False}, headers=platform).status_code == 200
    assert not _user(session, me).active


# Platform administration is a scope of the token -------------------------------------------------


def test_the_platform_admin_flag_does_not_widen_a_coordination_token(client, world, session):
    """A platform administrator's ordinary tokens act with their own role in their own coordination."""
    from logipool.models import User

    for role in (Role.ADMIN, Role.AUDITOR):
        session.get(User, world.a.user_ids[role]).platform_admin = True
    session.commit()
    new = {"slug": "gamma", "name": "G", "legal_name": "G", "vat_regime": "outside_vat"}
    for role in (Role.ADMIN, Role.AUDITOR):
        h = world.a.headers(role)
        assert_problem(client.patch(f"/api/v1/coordinations/{world.b.coordination.id}",
                                    json={"iban": "FR7630006000011234567890189"}, headers=h), 404)
        assert_problem(client.post("/api/v1/coordinations/", json=new, headers=h), 403)
        listed = client.get("/api/v1/coordinations/", headers=h).get_json()["items"]
        assert [c["slug"] for c in listed] == ["alpha"]
    assert_problem(client.patch(f"/api/v1/coordinations/{world.a.coordination.id}", json={"name": "x"},
                                headers=world.a.headers(Role.AUDITOR)), 403)
    session.rollback()
    assert session.get(type(world.b.coordination), world.b.coordination.id).iban != "FR7630006000011234567890189"


def test_only_a_platform_token_creates_platform_tokens(client, world, session, runner):
    platform = platform_token(session, world.a)
    body = assert_problem(client.post("/api/v1/tokens/", json={"platform": True},
                                      headers=world.a.headers(Role.ADMIN)), 403)
    assert "platform" in body["errors"]
    r = client.post("/api/v1/tokens/", json={"platform": True, "name": "ops"}, headers=platform)
    assert r.status_code == 201 and r.get_json()["platform"] is True
    child = {"Authorization": f"Bearer {r.get_json()['token']}"}
    gamma = {"slug": "gamma", "name": "G", "legal_name": "G", "vat_regime": "outside_vat"}
    assert client.post("/api/v1/coordinations/", json=gamma, headers=child).status_code == 201
    # on the command line, only for a platform administrator
    r = runner.invoke(args=["tokens", "create", "--email", "manager@alpha.example", "--platform"])
    assert r.exit_code != 0 and "not a platform administrator" in r.output
    r = runner.invoke(args=["tokens", "create", "--email", "admin@alpha.example", "--coordination", "alpha",
                            "--platform"])
    assert r.exit_code == 0, r.output
    secret = r.stdout.strip().splitlines()[0]
    listed = client.get("/api/v1/coordinations/", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert {c["slug"] for c in listed["items"]} == {"alpha", "beta", "gamma"}


# Token hygiene ---------------------------------------------------------------------------------


def _bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


def test_a_child_token_never_outlives_its_parent(client, world, session):
    from logipool.models import RoleGrant

    grant = session.scalars(select(RoleGrant).where(RoleGrant.user_id == world.a.user_ids[Role.MANAGER])).one()
    parent, secret = issue_token(session, grant, days=1)
    session.commit()
    r = client.post("/api/v1/tokens/", json={"expires_in_days": 365}, headers=_bearer(secret))
    assert r.status_code == 201
    child = r.get_json()
    assert child["parent_id"] == parent.id
    assert datetime.fromisoformat(child["expires_at"]) <= parent.expires_at
    grandchild = client.post("/api/v1/tokens/", json={"expires_in_days": 365}, headers=_bearer(child["token"]))
    assert datetime.fromisoformat(grandchild.get_json()["expires_at"]) <= parent.expires_at
    # a day later all three are expired
    later = utcnow() + timedelta(days=1, seconds=1)
    for s in (secret, child["token"], grandchild.get_json()["token"]):
        with pytest.raises(Unauthorized, match="expired"):
            principal_for_token(session, s, now=later)


def test_revoking_a_token_revokes_every_token_made_from_it(client, world, session):
    h = world.a.headers(Role.MEMBER_REP)
    child = client.post("/api/v1/tokens/", json={"name": "child"}, headers=h).get_json()
    grandchild = client.post("/api/v1/tokens/", json={"name": "grandchild"}, headers=_bearer(child["token"]))
    grandchild = grandchild.get_json()
    sibling = client.post("/api/v1/tokens/", json={"name": "sibling"}, headers=h).get_json()
    assert client.delete(f"/api/v1/tokens/{child['id']}", headers=h).status_code == 204
    for dead in (child, grandchild):
        assert "revoked" in assert_problem(client.get("/api/v1/users/me", headers=_bearer(dead["token"])),
                                           401)["detail"]
    assert client.get("/api/v1/users/me", headers=_bearer(sibling["token"])).status_code == 200
    assert client.get("/api/v1/users/me", headers=h).status_code == 200


def test_token_creation_is_rate_limited(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_TOKEN_CREATION", "3 per hour")
    h = world.a.headers(Role.AUDITOR)
    for _ in range(3):
        assert client.post("/api/v1/tokens/", json={}, headers=h).status_code == 201
    r = client.post("/api/v1/tokens/", json={}, headers=h)
    assert_problem(r, 429)
    assert 1 <= int(r.headers["Retry-After"]) <= 3600
    # per user: another user of the same address is not held back
    assert client.post("/api/v1/tokens/", json={}, headers=world.a.headers(Role.MANAGER)).status_code == 201


def test_failed_authentication_is_rate_limited_per_address(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_AUTH_FAILURES", "5 per minute")
    wrong = _bearer("lp_" + "x" * 43)
    for _ in range(5):
        assert_problem(client.get("/api/v1/members/", headers=wrong), 401)
    r = client.get("/api/v1/members/", headers=wrong)
    assert_problem(r, 429)
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # the address is held back, even with a good token, until the window passes
    assert_problem(client.get("/api/v1/members/", headers=world.a.headers(Role.ADMIN)), 429)
    other = client.get("/api/v1/members/", headers=world.a.headers(Role.ADMIN),
                       environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200

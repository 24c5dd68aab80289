"""One error body for everything, and never a 500 for malformed input."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logipool.models import Role

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance", "request_id"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert PROBLEM_KEYS <= set(body)
    assert body["status"] == status
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def test_validation_error_names_each_field(client, world):
    r = client.post("/api/v1/members/", headers=world.a.headers(Role.MANAGER),
                    json={"legal_name": "", "siren": "123", "colour": "blue"})
    body = assert_problem(r, 422)
    assert body["type"] == "/problems/validation-error"
    assert set(body["errors"]) >= {"legal_name", "siren", "colour", "siret", "kind"}
    assert body["errors"]["colour"] == ["Unknown field."]


def test_malformed_json(client, world):
    r = client.post("/api/v1/sites/", headers=world.a.headers(Role.MANAGER), data='{"name": ',
                    content_type="application/json")
    assert assert_problem(r, 400)["type"] == "/problems/malformed-json"


def test_body_that_is_not_an_object(client, world):
    r = client.post("/api/v1/sites/", headers=world.a.headers(Role.MANAGER), json=[1, 2])
    assert_problem(r, 422)


def test_wrong_types(client, world):
    r = client.post("/api/v1/sites/", headers=world.a.headers(Role.MANAGER),
                    json={"name": 3, "kind": "castle", "latitude": "north", "longitude": 500})
    body = assert_problem(r, 422)
    assert set(body["errors"]) == {"name", "kind", "latitude", "longitude"}


def test_oversized_body(client, world):
    r = client.post("/api/v1/sites/", headers=world.a.headers(Role.MANAGER),
                    data="x" * (1024 * 1024 + 1), content_type="application/json")
    assert assert_problem(r, 413)["type"] == "/problems/payload-too-large"


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer lp_not-a-real-token",
     "Bearer something-else", "Bearer " + "lp_" + "x" * 5000],
)
def test_missing_or_bad_token_is_401(client, header):
    headers = {"Authorization": header} if header is not None else {}
    r = client.get("/api/v1/members/", headers=headers)
    assert_problem(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_route_and_method(client, world):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.put("/api/v1/members/", headers=world.a.headers(Role.ADMIN), json={}), 405)


def test_unknown_query_argument_is_refused(client, world):
    r = client.get("/api/v1/members/?colour=blue", headers=world.a.headers(Role.ADMIN))
    assert assert_problem(r, 422)["errors"] == {"colour": ["Unknown field."]}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/funders/160943382337610566337652850688000", "/api/v1/users/?offset=35029745841133855865375801580",
     "/api/v1/charges/?funder_id=-52337803873084617057384922792067072", "/api/v1/sites/?limit=3000000000"],
)
def test_huge_numbers_are_refused_not_overflowed(client, world, path):
    r = client.get(path, headers=world.a.headers(Role.ADMIN))
    assert r.status_code in (404, 422) and r.mimetype == "application/problem+json"


def test_huge_amount_is_refused(client, world):
    body = {"member_id": world.a.member.id, "label": "x", "amount": "99999999999999999999.99", "basis": "b",
            "period_start": "2026-11-03T08:00:00+01:00", "period_end": "2026-11-03T12:00:00+01:00", "nature": "goods"}
    r = client.post("/api/v1/charges/", json=body, headers=world.a.headers(Role.ADMIN))
    assert "amount" in assert_problem(r, 422)["errors"]


def test_request_id_is_echoed(client, world):
    r = client.get("/api/v1/members/999999", headers=world.a.headers(Role.ADMIN) | {"X-Request-ID": "abc-123"})
    assert assert_problem(r, 404)["request_id"] == "abc-123"
    assert r.headers["X-Request-ID"] == "abc-123"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=12,
)
FIELD_NAMES = ["name", "kind", "siren", "siret", "legal_name", "short_name", "latitude", "longitude",
               "opening_hours", "member_id", "funder_id", "amount", "period_start", "period_end",
               "email", "role", "expires_in_days", "vat_regime", "vat_number", "slug", "label"]
bodies = st.one_of(json_values, st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=8))
WRITE_ENDPOINTS = [("POST", "/api/v1/members/"), ("POST", "/api/v1/sites/"), ("POST", "/api/v1/funders/"),
                   ("POST", "/api/v1/users/"), ("POST", "/api/v1/tokens/"), ("POST", "/api/v1/charges/"),
                   ("POST", "/api/v1/coordinations/"), ("PATCH", "/api/v1/members/{id}"),
                   ("PATCH", "/api/v1/sites/{id}"), ("PATCH", "/api/v1/coordinations/{cid}")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=st.sampled_from(WRITE_ENDPOINTS), body=bodies)
def test_random_bodies_never_crash_the_server(client, world, endpoint, body):
    method, path = endpoint
    path = path.format(id=world.a.site.id if "sites" in path else world.a.member.id,
                       cid=world.a.coordination.id)
    r = client.open(path, method=method, data=json.dumps(body), content_type="application/json",
                    headers=world.a.headers(Role.ADMIN))
    assert r.status_code < 500, r.get_data(as_text=True)
    if r.status_code >= 400:
        assert r.mimetype == "application/problem+json"

"""Hostile input: every write endpoint of the OpenAPI document, fed values no client should send,
answers a 4xx problem and writes nothing — never a 500, whatever the database.

The endpoints are read from the OpenAPI document, so a new endpoint is swept without editing
this file; each field gets hostile values of its own type (surrogates and NUL in text,
out-of-range instants, huge and odd numbers, other scripts' digits in money) and every body
gets nesting deeper than any document and values of the wrong type.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from logipool.db import Base
from logipool.models import Role

from ..factories import make_vehicle, make_zone
from .test_errors import assert_problem

SURROGATE = "\ud800"
DEEP = 1200  # deeper than the parser's own recursion limit

TEXT_VALUES = [f"ok{SURROGATE}ok", "a\x00b"]
INSTANT_VALUES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "9999-12-31T23:30:00+00:00",
                  "0001-01-01T00:00:00Z", "2026-13-45T99:99:99Z"]
DATE_VALUES = ["9999-12-31", "0001-01-01", "10000-01-01"]
NUMBER_VALUES = [10**40, -(10**40), 1.5, 1e308, "1" * 400]
MONEY_VALUES = ["١٢.٣٤", "1_000.00", " 1.00", "1e3", "9" * 60, "NaN"]
WRONG_TYPES = [[1, 2], {"a": None}]


def _spec(app) -> dict:
    return app.extensions["logipool.api"].spec.to_dict()


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "allOf" in schema:
        merged: dict = {"properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(_resolve(spec, part).get("properties", {}))
        return merged
    return schema


def _write_operations(spec: dict):
    """Every write operation; deletions last, so the rows the others act on still exist."""
    found = [(method, path, operation) for path, operations in spec["paths"].items()
             for method, operation in operations.items() if method in ("post", "put", "patch", "delete")]
    return sorted(found, key=lambda op: op[0] == "delete")


class Ids:
    def __init__(self, world, vehicle, zone):
        a = world.a
        self.by_name = {
            "member_id": a.member.id, "row_id": a.member.id, "site_id": a.site.id, "home_site_id": a.site.id,
            "delivery_site_id": a.site.id, "funder_id": a.funder.id, "vehicle_id": vehicle.id,
            "zone_id": zone.id, "coordination_id": a.coordination.id, "user_id": a.user_ids[Role.AUDITOR],
            "owner_member_id": a.member.id,
        }

    def __call__(self, name: str) -> int:
        return self.by_name.get(name, 1)


def _plausible(spec: dict, schema: dict, name: str, ids: Ids, depth: int = 0):
    """A value of the field's type a client could send (not necessarily accepted)."""
    schema = _resolve(spec, schema)
    if "enum" in schema:
        return next((v for v in schema["enum"] if v is not None), None)
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "object" and depth < 3:
        return {k: _plausible(spec, v, k, ids, depth + 1) for k, v in schema.get("properties", {}).items()
                if not v.get("readOnly")}
    if kind == "array" and depth < 3:
        return [_plausible(spec, schema.get("items", {}), name.removesuffix("s"), ids, depth + 1)]
    if kind == "integer":
        return ids(name) if name.endswith(("_id", "_ids")) else 2
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0).isoformat()
    if schema.get("format") == "date":
        return (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    if "pattern" in schema and "[0-9]+(" in schema["pattern"]:
        return "12.34"
    return "x"


def _hostile_values(spec: dict, schema: dict):
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    if schema.get("format") == "date-time":
        yield from INSTANT_VALUES
    elif schema.get("format") == "date":
        yield from DATE_VALUES
    elif "pattern" in schema and "[0-9]+(" in schema["pattern"]:
        yield from MONEY_VALUES
    elif kind in ("integer", "number"):
        yield from NUMBER_VALUES
    if kind in ("string", None) or "enum" in schema:
        yield from TEXT_VALUES
    yield from WRONG_TYPES


COUNT_ROWS = select(*(select(func.count()).select_from(t).scalar_subquery() for t in Base.metadata.sorted_tables))


def _row_count(session) -> tuple[int, ...]:
    """Rows in every table, in one statement."""
    session.rollback()
    return tuple(session.execute(COUNT_ROWS).one())


def _headers(path: str, world) -> dict:
    role = Role.ADMIN if re.search(r"/(coordinations|users|tokens)/", path) else Role.MANAGER
    return {**world.a.headers(role), "Content-Type": "application/json"}


def _check(response, session, before, sent) -> tuple[int, ...]:
    """No 5xx; a refusal is a problem body and left every table as it was."""
    assert response.status_code < 500, (sent, response.get_data(as_text=True))
    after = _row_count(session)
    if response.status_code >= 400:
        assert_problem(response, response.status_code)
        assert after == before, ("a refused request wrote rows", sent)
    return after


@pytest.fixture
def arena(world, session):
    vehicle = make_vehicle(session, world.a.coordination)
    zone = make_zone(session, world.a.coordination)
    session.commit()
    return Ids(world, vehicle, zone)


def test_every_write_endpoint_refuses_hostile_values_without_5xx_or_writes(app, client, world, session, arena):
    spec = _spec(app)
    before = _row_count(session)
    swept = set()
    for method, template, operation in _write_operations(spec):
        url = re.sub(r"\{(\w+)\}", lambda m: str(arena(m.group(1))), template)
        headers = _headers(template, world)
        content = operation.get("requestBody", {}).get("content", {})
        schema = _resolve(spec, content["application/json"]["schema"]) if "application/json" in content else {}
        properties = {k: v for k, v in schema.get("properties", {}).items() if not v.get("readOnly")}
        base = {k: _plausible(spec, v, k, arena) for k, v in properties.items()}
        bodies = [
            "[" * DEEP + "]" * DEEP,
            '{"x": ' + "{\"y\": " * DEEP + "1" + "}" * DEEP + "}",
            json.dumps({**base, SURROGATE: 1}),
            json.dumps({**base, "x": json.loads("[" * 40 + "]" * 40)}),
            '"\\u0000"',
        ]
        for field, field_schema in properties.items():
            for value in _hostile_values(spec, field_schema):
                bodies.append(json.dumps({**base, field: value}))
        for body in bodies:
            sent = (method, url, body[:200])
            response = client.open(url, method=method.upper(), data=body, headers=headers)
            before = _check(response, session, before, sent)
        swept.add((method, template))
    assert {("post", "/api/v1/vehicle-bookings/"), ("post", "/api/v1/invoices/{invoice_id}/payments"),
            ("put", "/api/v1/order-cycles/{cycle_id}/budgets/{member_id}")} <= swept
    assert len(swept) >= 80


def test_uploaded_tables_with_nul_or_broken_text_are_refused_without_writes(app, client, world, session, arena):
    spec = _spec(app)
    uploads = [(m, p) for m, p, op in _write_operations(spec)
               if "text/csv" in op.get("requestBody", {}).get("content", {})]
    assert len(uploads) >= 2
    before = _row_count(session)
    for method, template in uploads:
        url = re.sub(r"\{(\w+)\}", lambda m: str(arena(m.group(1))), template)
        for data in (b"reference;product;pack_size;price\nA\x00;Riz;1;2.00\n", b"\xff\xfe\x00\x00\x00",
                     b"member;reference;target\n" + b"m\x00;r;1\n", "référence;produit\n\ud800;x\n".encode(
                         "utf-8", "surrogatepass")):
            response = client.open(url, method=method.upper(), data=data,
                                   headers={**world.a.headers(Role.MANAGER), "Content-Type": "text/csv"})
            before = _check(response, session, before, (method, url, data))


def _post(client, world, url, body: str, role=Role.MANAGER):
    return client.post(url, data=body, headers={**world.a.headers(role), "Content-Type": "application/json"})


def test_lone_surrogate_and_nul_are_refused_naming_the_nested_field(client, world, arena):
    offer = {"supplier_id": 1, "reference": "R1", "product": "Riz", "pack_size": "1",
             "tiers": [{"min_packs": 1, "pack_price": "2.00"}]}
    body = json.dumps({**offer, "product": "Riz\ud800", "tiers": [{"min_packs": 1, "pack_price": "2\x0000"}]})
    errors = assert_problem(_post(client, world, "/api/v1/offers/", body), 422)["errors"]
    assert "surrogate" in errors["product"][0]
    assert "NUL" in errors["tiers.0.pack_price"][0]


def test_instants_outside_years_1_to_9999_in_utc_are_refused_naming_the_field(client, world, arena):
    for start in ("0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"):
        body = json.dumps({"vehicle_id": 1, "start": start, "end": "2030-01-01T10:00:00Z"})
        errors = assert_problem(_post(client, world, "/api/v1/vehicle-bookings/", body), 422)["errors"]
        assert list(errors) == ["start"] and "years 1 to 9999" in errors["start"][0]


def test_json_nested_too_deep_is_refused_naming_the_field(client, world, arena):
    for depth in (40, 5000):
        body = '{"name": "Site", "opening_hours": {"mon": ' + "[" * depth + "]" * depth + "}}"
        body = assert_problem(_post(client, world, "/api/v1/sites/", body), 422)
        assert any(name.startswith("opening_hours.mon") for name in body["errors"]), body


@pytest.mark.parametrize("amount", ["١٢.٣٤", "1_000.00", " 12.34", "12.34 ", "12.34\n", "1e3", "12.", ".5",
                                    "12.345", "０", "+ 1"])
def test_money_accepts_only_ascii_digits_with_at_most_two_decimals(client, world, amount):
    body = json.dumps({"member_id": world.a.member.id, "label": "Gazole", "basis": "1 plein",
                       "period_start": "2026-11-01T00:00:00Z", "period_end": "2026-11-02T00:00:00Z",
                       "nature": "services", "amount": amount})
    errors = assert_problem(_post(client, world, "/api/v1/charges/", body), 422)["errors"]
    assert list(errors) == ["amount"]


def test_money_in_the_plain_form_is_read_exactly(client, world):
    for amount, stored in (("12.34", "12.34"), ("-5", "-5.00"), ("+7.5", "7.50"), ("0012.30", "12.30")):
        body = json.dumps({"member_id": world.a.member.id, "label": "Gazole", "basis": "1 plein",
                           "period_start": "2026-11-01T00:00:00Z", "period_end": "2026-11-02T00:00:00Z",
                           "nature": "services", "amount": amount})
        r = _post(client, world, "/api/v1/charges/", body)
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["amount"] == stored


def test_days_at_the_edges_of_the_calendar_are_refused_naming_the_field(client, world, arena):
    """A day whose start or end in some time zone is no representable instant never reaches a query."""
    plan = {"day": "0001-01-01", "vehicle_ids": [arena("vehicle_id")], "depot_site_id": world.a.site.id,
            "stops": [{"kind": "pickup", "site_id": world.a.site.id, "kg": 10}]}
    errors = assert_problem(_post(client, world, "/api/v1/route-plans/", json.dumps(plan)), 422)["errors"]
    assert "day" in errors
    run = {"period_start": "2026-11-01", "period_end": "9999-12-31"}
    errors = assert_problem(_post(client, world, "/api/v1/billing-runs/", json.dumps(run)), 422)["errors"]
    assert list(errors) == ["period_end"]


def test_nul_in_a_query_argument_is_refused_naming_it(client, world):
    r = client.get("/api/v1/offers/?q=riz%00", headers=world.a.headers(Role.AUDITOR))
    assert list(assert_problem(r, 422)["errors"]) == ["q"]


@pytest.mark.parametrize("limit", ["١٢", " 5", "5 ", "1_0", "²"])
def test_whole_numbers_in_text_are_ascii_digits_only(client, world, limit):
    r = client.get("/api/v1/members/", query_string={"limit": limit}, headers=world.a.headers(Role.AUDITOR))
    assert list(assert_problem(r, 422)["errors"]) == ["limit"]

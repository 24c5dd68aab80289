"""The OpenAPI document is a contract an integrator can generate a client from: valid, every
operation named, every property typed as it is sent, every error and document response declared."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV30SpecValidator

from logipool.models import Role

METHODS = ("get", "post", "put", "patch", "delete")
DOCUMENTS = {  # path → media type of a document response
    "/api/v1/invoices/{invoice_id}/pdf": "application/pdf",
    "/api/v1/invoices/{invoice_id}/facturx.xml": "application/xml",
    "/api/v1/invoices/export.csv": "text/csv",
    "/api/v1/billing-runs/{run_id}/invoices.zip": "application/zip",
    "/api/v1/route-plans/{plan_id}/map.svg": "image/svg+xml",
    "/api/v1/calendar/{token}.ics": "text/calendar",
    "/api/v1/statement.pdf": "application/pdf",
}


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def properties(spec):
    for name, schema in spec["components"]["schemas"].items():
        for prop, body in schema.get("properties", {}).items():
            yield f"{name}.{prop}", body


def test_openapi_document_passes_the_validator(spec):
    assert list(OpenAPIV30SpecValidator(spec).iter_errors()) == []
    validate(spec)


def test_every_operation_has_a_summary_and_a_unique_operation_id(spec):
    ops = list(operations(spec))
    assert len(ops) > 100
    assert [f"{m} {p}" for p, m, op in ops if not op.get("summary")] == []
    ids = [op.get("operationId") for _, _, op in ops]
    assert None not in ids and len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z0-9_]+", i) for i in ids)


def test_every_property_is_typed_and_money_is_a_patterned_string(spec):
    untyped = [name for name, body in properties(spec)
               if not {"type", "$ref", "allOf", "oneOf", "anyOf"} & body.keys()]
    assert untyped == []
    money = dict(properties(spec))
    for name in ("Charge.amount", "Payment.amount", "Invoice.total", "Invoice.remaining", "InvoiceLine.amount"):
        assert money[name]["type"] == "string" and money[name]["pattern"].startswith("^"), name
    assert money["Charge.amount"]["example"] == "12.34"


def test_decimals_are_declared_as_the_strings_they_are_sent_as(spec, client, world):
    props = dict(properties(spec))
    assert [n for n, b in props.items() if b.get("type") == "number" and b.get("format") == "decimal"] == []
    for name in ("Offer.vat_rate", "Vehicle.capacity_m3", "InvoiceLine.quantity", "Coordination.late_penalty_rate"):
        assert props[name]["type"] == "string", name
    assert props["Offer.vat_rate"]["default"] == "5.5"  # a default of the declared type
    sent = client.get("/api/v1/coordinations/" + str(world.a.coordination.id), headers=world.a.headers(Role.ADMIN))
    rate = sent.get_json()["late_penalty_rate"]
    assert isinstance(rate, str) and re.fullmatch(props["Coordination.late_penalty_rate"]["pattern"], rate)


def test_errors_are_documented_as_problem_json_on_every_operation(spec, client):
    for status in ("UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "UNPROCESSABLE_ENTITY", "DEFAULT_ERROR"):
        content = spec["components"]["responses"][status]["content"]
        assert list(content) == ["application/problem+json"]
        assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    for path, method, op in operations(spec):
        expected = {"404", "422"} | ({"409"} if method != "get" else set())
        if not path.startswith("/api/v1/calendar/"):
            expected |= {"401", "403"}
        assert expected <= op["responses"].keys(), f"{method} {path}"
    # and what is documented is what is sent
    refused = client.get("/api/v1/members/")
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"


def test_document_responses_are_binary_of_their_media_type(spec):
    """A declared binary body is what makes the docs page save an invoice PDF as the bytes sent,
    not as text re-encoded into a broken file."""
    for path, media in DOCUMENTS.items():
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert content == {media: {"schema": {"type": "string", "format": "binary"}}}, path
    for path, method, op in operations(spec):
        for status, response in op["responses"].items():
            for media, body in response.get("content", {}).items():
                if not media.endswith("json"):
                    assert body["schema"].get("format") == "binary", f"{method} {path} {status} {media}"

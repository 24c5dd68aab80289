"""The HTTP API under /api/v1: one flask-smorest blueprint per resource."""

from __future__ import annotations

import http

from flask import Flask, Response, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import INCLUDE, Schema, fields

from ..errors import PROBLEM_MIMETYPE, handle_http_exception
from ..schemas.common import DECIMAL_PATTERN


class ProblemSchema(Schema):
    """RFC 9457 problem details, the body of every error; a problem may carry further members
    (RFC 9457 extensions) that say more about it."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(metadata={"example": "/problems/validation-error"})
    title = fields.String(metadata={"example": "Unprocessable Content"})
    status = fields.Integer(metadata={"example": 422})
    detail = fields.String()
    instance = fields.String()
    request_id = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "For validation errors: field → messages."})
    conflicts = fields.List(fields.Dict(), metadata={
        "description": "For conflicts: the bookings or periods in the way."})
    rows = fields.List(fields.Dict(), metadata={
        "description": "For a refused import: each problem found, with its row and column."})


def wire_types(self, field, ret=None, **kwargs) -> dict:
    """The OpenAPI type of what is really sent: a decimal goes over the wire as a string (never
    through binary floating point), an enumeration as one of its names."""
    if isinstance(field, fields.Decimal):
        return {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
    if isinstance(field, fields.Email):  # marshmallow accepts (and sends back) non-ASCII local parts
        return {"format": "idn-email"}
    if isinstance(field, fields.Enum) and all(isinstance(v, str) for v in (ret or {}).get("enum", []) if v is not None):
        return {"type": "string"}
    return {}


class LogipoolApi(Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return handle_http_exception(error)

    def _init_spec(self, **kwargs):
        super()._init_spec(**kwargs)
        self.ma_plugin.converter.add_attribute_function(wire_types)

    def _register_responses(self):
        """Every error response, once for all operations: a problem document, sent as
        ``application/problem+json``."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Any other error (see `type`).", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


API_PREFIX = "/api/v1"


def conditional_get(response: Response) -> Response:
    """Every complete read under the API has an ETag — the document's own (an invoice PDF's
    SHA-256) or the hash of the bytes sent — and answers ``If-None-Match`` with 304 and no body.
    Streamed downloads (the CSV export, ZIPs) are read once and carry none."""
    if (request.method in ("GET", "HEAD") and response.status_code == 200 and not response.is_streamed
            and request.path.startswith(API_PREFIX)):
        response.add_etag()  # keeps an ETag the view set
        response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    from . import (
        accounting,
        audit,
        banking,
        charges,
        coordinations,
        directory,
        funding,
        health,
        invoices,
        jobs,
        orders,
        payments,
        routes,
        storage,
        tokens,
        users,
        vehicles,
    )

    app.config.setdefault("API_TITLE", "logipool")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", f"{API_PREFIX}/docs/assets/")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {
            "description": (
                "Pooled logistics for food-aid coordinations. Every call but the documentation "
                "needs `Authorization: Bearer <token>` (`logipool tokens create --email E`). "
                "Errors are `application/problem+json`; money is a decimal string with two "
                "places; datetimes are ISO 8601 with an offset."
            ),
        },
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    })
    api = LogipoolApi(app)
    for module in (coordinations, directory, users, tokens, charges, vehicles, storage, routes, orders, invoices,
                   banking, accounting, funding, payments, audit, jobs):
        for blp in module.blueprints():
            api.register_blueprint(blp, url_prefix=f"{API_PREFIX}/{blp.url_prefix_suffix}")
    health.init_app(app)
    app.after_request(conditional_get)
    app.extensions["logipool.api"] = api

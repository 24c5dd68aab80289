"""What every API blueprint shares: authentication before each request, commit after."""

from __future__ import annotations

import functools
import http
import re
import time

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from .. import inputs
from .. import schemas as s
from ..auth import authenticate, current
from ..db import get_session
from ..errors import Conflict
from ..services import idempotency
from ..services.crud import Resource


class InputParser(FlaskParser):
    """webargs' parser, with every body and query string checked by :mod:`logipool.inputs`
    before a schema sees it: a NUL, a lone surrogate or JSON nested too deep answers 422 naming
    the field, for every endpoint at once."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        return inputs.parse_json(req.get_data(cache=True))

    def _load_location_data(self, *, schema, req, location):
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if location == "json":
            inputs.check(data)
        elif location in ("query", "querystring"):
            inputs.check_multidict(req.args)
        elif location == "form":
            inputs.check_multidict(req.form)
        return data


BINARY = {"type": "string", "format": "binary"}

_VERBS = {"get": "Read", "post": "Create", "put": "Replace", "patch": "Change", "delete": "Delete"}


def _words(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").lower()


class ApiBlueprint(Blueprint):
    """A resource blueprint whose every view needs a valid bearer token.

    It also writes the contract of its views into the OpenAPI document, once for all: an
    ``operationId`` from the view's name, a summary (the docstring's, else one made from the
    name), the error responses every view may give (``application/problem+json``), and a
    document response (PDF, CSV, ZIP, SVG, iCalendar, XML…) as binary of its media type."""

    # unknown query arguments are refused like unknown body fields, not silently dropped
    ARGUMENTS_PARSER = InputParser(unknown=RAISE)

    def __init__(self, name: str, url_prefix_suffix: str, description: str, *, public: bool = False):
        super().__init__(name, __name__, description=description)
        self.url_prefix_suffix = url_prefix_suffix
        self.public = public
        if not public:
            self.before_request(authenticate)
        self._prepare_doc_cbks.append(self._prepare_contract_doc)

    def response(self, status_code, schema=None, *, content_type=None, **kwargs):
        """A response of another media type than JSON is a document: its bytes, declared binary so
        that clients (and the documentation page) save it as it is."""
        if schema is None and content_type and not content_type.endswith(("/json", "+json")):
            schema = BINARY
        elif schema is None and content_type:
            schema = {"type": "object"}
        return super().response(status_code, schema, content_type=content_type, **kwargs)

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        resource = _words(self.name)
        for method, doc in self._docs[endpoint].items():
            if method == "parameters":
                continue
            doc.setdefault("manual_doc", {}).setdefault(
                "operationId", f"{self.name}_{_words(endpoint).replace(' ', '_')}_{method}")
            doc["docstring"].setdefault("summary", self._summary(resource, endpoint, method))

    @staticmethod
    def _summary(resource: str, endpoint: str, method: str) -> str:
        def a(noun: str) -> str:
            return f"{'an' if noun[0] in 'aeio' else 'a'} {noun}"

        words = _words(endpoint)
        if endpoint == "Collection":
            return f"List {resource}" if method == "get" else f"Create {a(resource.removesuffix('s'))}"
        if endpoint == "Item":
            return f"{_VERBS[method]} {a(resource.removesuffix('s'))}"
        if endpoint.islower():  # an action on one row: confirm, cancel…
            return f"{endpoint.capitalize()} {a(resource.removesuffix('s'))}"
        if words.endswith(" item"):
            return f"{_VERBS[method]} {a(words.removesuffix(' item'))}"
        if words.endswith("s") and method in ("get", "post"):
            return f"List {words}" if method == "get" else f"Create {a(words.removesuffix('s'))}"
        return f"{_VERBS[method]} the {words}"

    def _prepare_contract_doc(self, doc, doc_info, *, method, **kwargs):
        if doc_info.get("idempotent"):
            doc.setdefault("parameters", []).append(IDEMPOTENCY_KEY_PARAMETER)
        responses = doc.setdefault("responses", {})
        if method == "get":  # see logipool.api.conditional_get
            doc.setdefault("parameters", []).append("IF_NONE_MATCH")
            responses.setdefault(304, "NOT_MODIFIED")
        codes = [404, 422] if self.public else [401, 403, 404, 422]
        if method != "get":
            codes.append(409)
        for code in codes:
            if code not in responses and str(code) not in responses:
                responses[code] = http.HTTPStatus(code).name
        return doc


def commit() -> None:
    """The one commit of a write request (services only flush)."""
    get_session().commit()


IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "schema": {"type": "string", "pattern": idempotency.KEY_PATTERN, "example": "5f1d9a36-2c0e-4d8f-9a51-0c7e1b2d3f4a"},
    "description": "Send the request again with the same key and the same body (after a time-out, say): "
                   "you get the first response and nothing is written twice. The same key with another "
                   "request is refused (422). Keys are yours in this coordination and kept 24 hours.",
}
WAIT_FOR_FIRST = 10.0  # seconds a copy waits for the request holding its key to finish


def idempotent(view):
    """Make a view that creates money or documents safe to retry with an ``Idempotency-Key``.

    Without the header the view runs as usual. With it: the first request runs and its response
    is kept; a replay (same key, same method, path and body) gets that response — status, body and
    the headers that matter, plus ``Idempotent-Replayed: true`` — and writes nothing; a copy sent
    while the first is still running waits for it; another request with the key is refused (422).
    Put it above the view's ``arguments`` and ``response`` decorators."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        raw = request.headers.get(idempotency.HEADER)
        if raw is None:
            return view(*args, **kwargs)
        key = idempotency.checked_key(raw)
        session, principal = get_session(), current()
        print_ = idempotency.fingerprint(request.method, request.path, request.get_data(cache=True))
        earlier = idempotency.claim(session, principal, key, print_)
        deadline = time.monotonic() + WAIT_FOR_FIRST
        while earlier is not None and earlier.status is None:  # the first copy has not answered yet
            session.rollback()
            if time.monotonic() > deadline:
                raise Conflict("A request with this Idempotency-Key is still being processed: retry later.")
            time.sleep(0.05)
            earlier = idempotency.earlier(session, principal, key) or idempotency.claim(
                session, principal, key, print_)
        if earlier is not None:
            session.rollback()
            return Response(earlier.body, status=earlier.status,
                            headers=earlier.headers | {"Idempotent-Replayed": "true"})
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code < 400:
            idempotency.record(session, principal, key, response.status_code, dict(response.headers),
                               response.get_data())
            commit()
        return response

    wrapper._apidoc = {**getattr(view, "_apidoc", {}), "idempotent": True}
    return wrapper


def crud_blueprint(resource: Resource, plural: str, schema, update_schema, query_schema,
                   description: str) -> ApiBlueprint:
    blp = ApiBlueprint(plural, plural, description)
    page_schema = s.page_of(schema)

    @blp.route("/")
    class Collection(MethodView):
        @blp.arguments(query_schema, location="query")
        @blp.response(200, page_schema)
        def get(self, args):
            return resource.list(get_session(), current(), args)

        @blp.arguments(schema)
        @blp.response(201, schema)
        def post(self, data):
            row = resource.create(get_session(), current(), data)
            commit()
            return row

    @blp.route("/<int:row_id>")
    class Item(MethodView):
        @blp.response(200, schema)
        def get(self, row_id):
            return resource.get(get_session(), current(), row_id)

        @blp.arguments(update_schema(partial=True))
        @blp.response(200, schema)
        def patch(self, data, row_id):
            row = resource.update(get_session(), current(), row_id, data)
            commit()
            return row

        @blp.response(204)
        def delete(self, row_id):
            resource.delete(get_session(), current(), row_id)
            commit()

    Collection.__name__ = f"{plural.title()}Collection"
    Item.__name__ = f"{plural.title()}Item"
    return blp

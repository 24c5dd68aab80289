"""One error body for everything: RFC 9457 ``application/problem+json``.

Every error the service answers — a refused token, a validation failure, a conflict, a
domain rule, an oversized body, an unexpected crash — goes through :func:`problem`, and the
mapping from exceptions to HTTP statuses lives here only.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from flask import Flask, current_app, g, has_request_context, json, request
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from werkzeug.exceptions import HTTPException

from purchasing import PurchasingError
from purchasing.exceptions import TableError

from .inputs import text_error

log = logging.getLogger("logipool")

PROBLEM_MIMETYPE = "application/problem+json"


class ServiceError(Exception):
    """An error a service raises for the client; ``status`` and ``slug`` say which."""

    status = 400
    slug = "bad-request"

    def __init__(self, detail: str, *, errors: dict | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra or {}


class InvalidInput(ServiceError):
    status = 422
    slug = "validation-error"

    @classmethod
    def field(cls, name: str, message: str) -> InvalidInput:
        return cls(f"{name}: {message}", errors={name: [message]})


class Unauthorized(ServiceError):
    status = 401
    slug = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    slug = "forbidden"

    @classmethod
    def field(cls, name: str, message: str) -> Forbidden:
        return cls(f"{name}: {message}", errors={name: [message]})


class NotFound(ServiceError):
    status = 404
    slug = "not-found"


class Conflict(ServiceError):
    status = 409
    slug = "conflict"


class TooManyRequests(ServiceError):
    status = 429
    slug = "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


def N_(message: str) -> str:  # noqa: N802 — the usual name of gettext's "mark only" function
    """Marks a message for the French catalogue (``pybabel extract -k N_``) without translating it."""
    return message


#: what the API answers besides the services' and schemas' messages (``logipool.web.messages``,
#: which pages and API translate alike): the problems' titles and a few field messages
API_MESSAGES = (
    N_("Bad Request"), N_("Unauthorized"), N_("Forbidden"), N_("Not Found"), N_("Method Not Allowed"),
    N_("Conflict"), N_("Request Entity Too Large"), N_("Unsupported Media Type"), N_("Unprocessable Entity"),
    N_("Too Many Requests"), N_("Internal Server Error"),
    N_("Invalid input."), N_("Unknown field."), N_("Not a valid string."), N_("Not a valid mapping type."),
    N_("Not a valid list."), N_("Invalid input type."), N_("A whole number is expected."),
    N_("This number is out of range."),
    N_('An amount is a decimal string with at most two decimals, e.g. "12.34".'),
    N_("Too long for an identifier."),
)


def api_language() -> str:
    """``fr`` or ``en`` (the default) for an API request, by its ``Accept-Language``."""
    return request.accept_languages.best_match(["en", "fr"], default="en")


def _in_french(body: dict) -> None:
    """The problem's title, detail and field messages in French where the catalogue has them,
    through the same translation as the pages."""
    from flask_babel import force_locale

    from .web.messages import translate

    with force_locale("fr"):
        body["title"] = translate(body["title"])
        errors = body.get("errors")
        if isinstance(errors, dict) and all(isinstance(m, list) for m in errors.values()):
            body["errors"] = {field: [translate(m) if isinstance(m, str) else m for m in messages]
                              for field, messages in errors.items()}
            if body["detail"].startswith("Invalid input. "):
                body["detail"] = translate("Invalid input.") + " " + "; ".join(
                    f"{field}: {' '.join(map(str, messages))}" for field, messages in body["errors"].items())
                return
        body["detail"] = translate(body["detail"])


def problem(
    status: int,
    detail: str | None = None,
    *,
    slug: str | None = None,
    title: str | None = None,
    errors: dict | None = None,
    extra: dict | None = None,
    headers: dict | None = None,
):
    phrase = HTTPStatus(status).phrase
    body = {
        "type": f"/problems/{slug}" if slug else "about:blank",
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
    }
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    if has_request_context():
        body["instance"] = request.path
        if "request_id" in g:
            body["request_id"] = g.request_id
        # a person's page answers the same problem as an HTML page (logipool.web registers it)
        error_page = current_app.extensions.get("logipool.error_page")
        if error_page is not None and error_page.wants_page():
            return error_page.render(body, headers or {})
    language = None
    if has_request_context() and request.path.startswith("/api/"):
        language = api_language()
        if language == "fr":
            _in_french(body)
    text = json.dumps(body, ensure_ascii=False)
    if text_error(text):  # an echoed field name or value that is not Unicode: keep it escaped
        text = json.dumps(body)
    response = Flask.response_class(text, status=status, mimetype=PROBLEM_MIMETYPE)
    for k, v in (headers or {}).items():
        response.headers[k] = v
    if language is not None:
        response.headers["Content-Language"] = language
        response.vary.add("Accept-Language")
    return response


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict into ``{"lines.0.quantity": ["..."]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_schema"
            for k, v in flatten_messages(value, name).items():
                flat.setdefault(k, []).extend(v)
    elif isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list | tuple):
        for m in messages:
            for k, v in flatten_messages(m, prefix).items():
                flat.setdefault(k, []).extend(v)
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def _summary(errors: dict[str, list[str]]) -> str:
    parts = [f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()]
    return "Invalid input. " + "; ".join(parts)


_HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "too-many-requests",
    500: "internal-error",
}


def handle_http_exception(error: HTTPException):
    """Werkzeug and webargs/flask-smorest aborts, as problems."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = data.get("headers") or {}
    messages = data.get("errors") or data.get("messages")
    errors = None
    if messages:
        if isinstance(messages, dict) and set(messages) <= {"json", "query", "form", "files",
                                                            "headers", "view_args", "path"}:
            merged: dict[str, list[str]] = {}
            for location in messages.values():
                merged.update(flatten_messages(location))
            errors = merged
        else:
            errors = flatten_messages(messages)
    if status == 400 and errors and any("Invalid JSON" in m for ms in errors.values() for m in ms):
        return problem(400, "The request body is not valid JSON.", slug="malformed-json")
    if status == 413:
        return problem(413, "The request body is larger than the server accepts.",
                       slug="payload-too-large")
    if errors and status == 422:
        return problem(422, _summary(errors), slug="validation-error", errors=errors)
    detail = data.get("message") or error.description
    return problem(status, detail, slug=_HTTP_SLUGS.get(status), errors=errors, headers=headers)


def register(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(error: ServiceError):
        headers = {"WWW-Authenticate": 'Bearer realm="logipool"'} if error.status == 401 else {}
        headers |= getattr(error, "headers", {})
        return problem(error.status, error.detail, slug=error.slug, errors=error.errors,
                       extra=error.extra, headers=headers)

    @app.errorhandler(ValidationError)
    def _validation_error(error: ValidationError):
        errors = flatten_messages(error.messages)
        return problem(422, _summary(errors), slug="validation-error", errors=errors)

    @app.errorhandler(TableError)
    def _table_error(error: TableError):
        by_column: dict[str, list[str]] = {}
        for e in error.errors:
            where = f"row {e['row']}: " if e.get("row") else ""
            by_column.setdefault(e.get("column") or "file", []).append(where + e["message"])
        return problem(422, f"Nothing was imported: {error}", slug="import-error", errors=by_column,
                       extra={"rows": error.errors})

    @app.errorhandler(PurchasingError)
    def _domain_error(error: Exception):
        return problem(422, str(error), slug="domain-rule")

    @app.errorhandler(OverflowError)
    def _overflow(error: OverflowError):
        return problem(422, "A number in the request is out of range.", slug="validation-error")

    @app.errorhandler(StatementError)
    def _statement_error(error: StatementError):
        # a value Python accepted but the database's types cannot hold, found while binding it
        if isinstance(error.orig, OverflowError):
            return _overflow(error.orig)
        return _unexpected(error)

    @app.errorhandler(IntegrityError)
    def _integrity_error(error: IntegrityError):
        log.info("integrity error: %s", error.orig)
        return problem(409, "The change conflicts with existing data (a duplicate or a row still in use).",
                       slug="conflict")

    @app.errorhandler(OperationalError)
    def _operational_error(error: OperationalError):
        log.exception("database unavailable")
        return problem(503, "The database is unavailable or busy; try again.", slug="database-unavailable")

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return handle_http_exception(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error")
        return problem(500, "An unexpected error occurred; it has been logged.", slug="internal-error")

"""What every page blueprint shares: the signed-in person, CSRF, forms read through the API's
schemas, one commit per request, and fragments for htmx."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields

from ..auth import Principal
from ..db import get_session
from ..errors import ServiceError, flatten_messages
from ..services import passwords
from . import csrf

FORM_ERRORS = (ValidationError, ServiceError)


class PageBlueprint(Blueprint):
    """A capability's pages: signed-in people only (unless public), CSRF checked on every post."""

    def __init__(self, name: str, url_prefix: str = "", *, public: bool = False):
        super().__init__(name, __name__, url_prefix=url_prefix or None)
        self.before_request(_protect)
        if not public:
            self.before_request(_require_person)


def _protect():
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    _load_person()


def _load_person() -> None:
    """Puts the signed-in user, grant and Principal on ``g`` (nothing when nobody is signed in)."""
    g.web_user = g.principal = None
    uid, gid = session.get("uid"), session.get("gid")
    if uid is None:
        return
    grant = passwords.grant_of(get_session(), uid, gid)
    # a changed password (or a deactivated account) ends every session opened before
    if (grant is None or not grant.user.active or grant.user.password_hash is None
            or session.get("pw") != grant.user.password_hash[-16:]):
        session.clear()
        return
    g.web_user = grant.user
    g.web_grant = grant
    g.principal = passwords.principal_for_grant(grant)


def _require_person():
    if g.principal is None:
        return redirect(url_for("account.sign_in", next=request.full_path if request.method == "GET" else None))
    return None


def start_session(user, grant) -> None:
    session.clear()
    session.permanent = True
    session["uid"], session["gid"] = user.id, grant.id
    session["pw"] = user.password_hash[-16:]


def principal() -> Principal:
    return g.principal


def commit() -> None:
    """The one commit of a page that writes (services only flush)."""
    get_session().commit()


def rollback() -> None:
    get_session().rollback()


def page(template: str, fragment: str | None = None, status: int = 200, **context):
    """The whole page, or only ``fragment`` when htmx asks (the same URL works without JavaScript)."""
    if fragment is not None and request.headers.get("HX-Request") == "true":
        return render_template(fragment, **context), status
    return render_template(template, **context), status


def page_lang() -> str:
    """The language of printed documents asked from a page: the page's own ("fr" or "en")."""
    from flask_babel import get_locale

    return "en" if get_locale() is not None and get_locale().language == "en" else "fr"


def tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _form_value(field: fields.Field, raw: str):
    """A form's text as the API's JSON would carry it: local times gain the coordination's offset."""
    if isinstance(field, fields.DateTime) and raw and "T" in raw and "+" not in raw and not raw.endswith("Z"):
        try:
            return datetime.fromisoformat(raw).replace(tzinfo=tz()).isoformat()
        except ValueError:
            return raw
    return raw


def load_form(schema: Schema, *, extra: dict | None = None, only: tuple[str, ...] | None = None,
              source=None) -> dict:
    """Read the posted form (or ``source``, e.g. the query string) with the API's schema: the same
    checks, the same messages per field.

    Empty inputs are left out (the schema's defaults apply, and required fields say so).
    """
    form = request.form if source is None else source
    payload: dict = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if field.dump_only or (only is not None and key not in only):
            continue
        if isinstance(field, fields.List):
            values = [v for v in form.getlist(key) if v.strip()]
            if values:
                payload[key] = values
            continue
        if isinstance(field, fields.Boolean):
            if key in form:
                payload[key] = form[key] in ("on", "true", "1", "yes")
            continue
        raw = form.get(key, "").strip()
        if raw:
            payload[key] = _form_value(field, raw)
    payload.update(extra or {})
    return schema.load(payload)


def form_errors(error: Exception) -> tuple[dict[str, list[str]], int]:
    """Field → messages for the form macro, and the page's status (422 for bad values)."""
    if isinstance(error, ValidationError):
        return flatten_messages(error.messages), 422
    assert isinstance(error, ServiceError)
    if error.errors:
        return {k: list(v) for k, v in error.errors.items()}, error.status
    return {"_schema": [error.detail]}, error.status


def save(write, *, refused, done, then: str):
    """What every page that writes does: ``write()`` (the service calls), one commit, then the page
    ``then`` with ``done`` (a message, or a function of what ``write`` returned) shown. A refused
    form is rolled back, nothing written, and ``refused(errors, status)`` shows it again."""
    try:
        result = write()
        commit()
    except FORM_ERRORS as exc:
        rollback()
        return refused(*form_errors(exc))
    flash_done(done(result) if callable(done) else done)
    return redirect(then)


def refused(template: str, error: Exception, **context):
    """Re-show a refused form with its messages; nothing it asked for was written."""
    rollback()
    errors, status = form_errors(error)
    return render_template(template, errors=errors, form=request.form, **context), status


def flash_done(message: str) -> None:
    from flask import flash

    flash(message, "success")


__all__ = ["_", "FORM_ERRORS", "PageBlueprint", "commit", "form_errors", "load_form", "page", "principal",
           "refused", "save", "start_session", "tz"]

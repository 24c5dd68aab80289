"""The pages for people: a third caller of the services, beside the API and the command line.

One blueprint per capability (``account``, ``home``, ``vehicles``, ``storage``, ``orders``,
``treasury``), templates under ``templates/<capability>/``, one base layout and one file of
macros. Sign-in is by e-mail and password into a signed session cookie; every form carries a
CSRF token; text goes through gettext (French by default, English per user) and numbers, money
and dates through Babel in the user's locale and the coordination's time zone. No inline script
or style anywhere, so a strict Content-Security-Policy (``script-src 'self'``) holds.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Flask, g, render_template, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from . import formatting, labels, messages

HTMX_VERSION = "2.0.8"
csrf = CSRFProtect()
babel = Babel()


class ErrorPage:
    """Renders the problem every error answers (``errors.problem``) as a page, for page requests."""

    def __init__(self, blueprint_names: set[str]):
        self.blueprint_names = blueprint_names

    def wants_page(self) -> bool:
        if request.blueprint is not None:
            return request.blueprint in self.blueprint_names
        # no route matched: a person's browser gets a page, a client of the API its JSON
        if request.path.startswith(("/api/", "/calendar/")):
            return False
        best = request.accept_mimetypes.best_match(["application/json", "application/problem+json", "text/html"])
        return best == "text/html"

    def render(self, problem: dict, headers: dict):
        status = problem["status"]
        headers = {k: v for k, v in headers.items() if k != "WWW-Authenticate"}
        return render_template("errors/error.html", problem=problem), status, headers


def _locale() -> str:
    from flask import current_app, session

    user = getattr(g, "web_user", None)
    if user is not None and user.locale:
        return user.locale
    return session.get("locale") or current_app.config["LOCALE"]


def init_app(app: Flask) -> None:
    from . import account, home, orders, storage, treasury, vehicles

    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=int(app.config["SESSION_HOURS"]))
    # the pages check the token themselves (the API's bearer tokens are not cookies: no CSRF)
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["TIMEZONE"]
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    formatting.register(app)
    labels.register(app)
    messages.register(app)
    app.jinja_env.globals["htmx_version"] = HTMX_VERSION
    app.jinja_env.globals["coordination_tz"] = lambda: ZoneInfo(app.config["TIMEZONE"])

    names = set()
    for module in (account, home, vehicles, storage, orders, treasury):
        app.register_blueprint(module.bp)
        names.add(module.bp.name)
    app.extensions["logipool.error_page"] = ErrorPage(names)

"""logipool: pooled logistics for food-aid coordinations (the Flask application)."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

from . import api, audit, cli, db, errors, metrics, queue, ratelimit, requestlog, security, web
from .config import load_config


class IdConverter(IntegerConverter):
    """Path ids beyond a 32-bit integer match nothing (404) instead of overflowing the database."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(config: dict | None = None, *, instance_path: str | None = None) -> Flask:
    """Build the application: defaults, then ``LOGIPOOL_*`` environment, then ``config``."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.url_map.converters["int"] = IdConverter
    load_config(app, config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    requestlog.init_app(app)
    metrics.init_app(app)
    db.init_app(app)
    audit.init_app(app)
    ratelimit.init_app(app)
    errors.register(app)
    api.init_app(app)
    security.init_app(app)
    web.init_app(app)
    queue.init_app(app)  # after the capabilities have declared their jobs
    cli.register(app)
    return app

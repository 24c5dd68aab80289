"""logipool: pooled logistics for food-aid coordinations (the Flask application)."""

from __future__ import annotations

from flask import Flask

from . import api, cli, db, errors, requestlog
from .config import load_config


def create_app(config: dict | None = None, *, instance_path: str | None = None) -> Flask:
    """Build the application: defaults, then ``LOGIPOOL_*`` environment, then ``config``."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    load_config(app, config)
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    requestlog.init_app(app)
    db.init_app(app)
    errors.register(app)
    api.init_app(app)
    cli.register(app)
    return app

"""``/healthz`` for load balancers, and the Swagger UI assets served locally (no internet)."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, send_from_directory
from sqlalchemy import text
from swagger_ui_bundle import swagger_ui_path

from ..db import get_session
from ..errors import problem


def init_app(app: Flask) -> None:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        try:
            get_session().execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return problem(503, "The database does not answer.", slug="database-unavailable")
        return jsonify(status="ok", database="ok")

    @bp.get("/livez")
    def livez():
        """Liveness: the process answers (no database call)."""
        return jsonify(status="ok")

    @bp.get("/api/v1/docs/assets/<path:filename>")
    def swagger_assets(filename):
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    app.register_blueprint(bp)

"""``/healthz`` for load balancers, and the Swagger UI assets served locally (no internet)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, current_app, jsonify, send_from_directory
from sqlalchemy import text
from swagger_ui_bundle import swagger_ui_path

from ..db import get_session
from ..errors import problem
from ..queue import queue_of
from ..services import jobs


def init_app(app: Flask) -> None:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        """The database answers and the queue takes jobs; also the jobs waiting and the workers
        seen lately (none: jobs wait, which a monitor should alert on)."""
        try:
            get_session().execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return problem(503, "The database does not answer.", slug="database-unavailable")
        queue = queue_of(current_app)
        try:
            pending = queue.pending_count()
        except Exception:  # noqa: BLE001
            return problem(503, "The task queue does not answer.", slug="queue-unavailable",
                           extra={"queue": {"backend": queue.backend, "reachable": False}})
        window = timedelta(seconds=3 * queue.heartbeat_s)
        return jsonify(status="ok", database="ok",
                       queue={"backend": queue.backend, "reachable": True, "pending": pending,
                              "workers_seen": jobs.workers_seen(get_session(), window)})

    @bp.get("/livez")
    def livez():
        """Liveness: the process answers (no database call)."""
        return jsonify(status="ok")

    @bp.get("/api/v1/docs/assets/<path:filename>")
    def swagger_assets(filename):
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    app.register_blueprint(bp)

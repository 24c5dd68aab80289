"""One log line per request: request id, method, path, status, duration (text or JSON lines)."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_app(app: Flask) -> None:
    logger = logging.getLogger("logipool")
    logger.setLevel(app.config["LOG_LEVEL"])
    if not any(getattr(h, "_logipool", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler._logipool = True
        logger.addHandler(handler)
        logger.propagate = False
    for handler in logger.handlers:
        if getattr(handler, "_logipool", False):
            handler.setFormatter(
                JsonFormatter() if app.config["LOG_FORMAT"] == "json"
                else logging.Formatter("%(asctime)s %(levelname)s %(message)s")
            )
    access = logging.getLogger("logipool.request")

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response):
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        request_id = g.get("request_id", "-")
        response.headers["X-Request-ID"] = request_id
        fields = {"request_id": request_id, "method": request.method, "path": request.path,
                  "status": response.status_code, "duration_ms": duration_ms}
        access.info("%s %s %s %s %sms", request_id, request.method, request.path,
                    response.status_code, duration_ms, extra={"fields": fields})
        return response

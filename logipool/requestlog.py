"""One log line per request: request id, method, path, status, duration (text or JSON lines).

What reaches a log is treated as hostile: secrets are redacted before a line is written (the
calendar-feed token in its URL, any token-like query argument, bearer tokens and Authorization
headers, logipool's own token shapes wherever they appear), and in the text format every
control character is escaped, so a ``%0a`` in a path cannot start a forged line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

REDACTED = "[redacted]"
SECRET_VIEW_ARGS = frozenset({"token"})  # path segments that are credentials (calendar feeds)
_SECRET_ARG = r"[^=&;\s]*(?:token|secret|password|passwd|api_?key|access_?key|signature|auth)[^=&;\s]*"  # noqa: S105 - a pattern, not a secret
_REDACTIONS = (
    # Authorization headers and bearer credentials, whatever the scheme
    (re.compile(r"(?i)(\bauthorization['\"]?\s*[:=]\s*['\"]?(?:(?:bearer|basic|token)\s+)?)[^\s,;&'\"]+"),
     lambda m: m.group(1) + REDACTED),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"), lambda m: f"{m.group(1)} {REDACTED}"),
    # name=value pairs in a query string or a message: ?token=..., &api_key=...
    (re.compile(rf"(?i)(\b{_SECRET_ARG}=)(?!\[redacted\]|bearer |basic )[^&;\s#]+"),
     lambda m: m.group(1) + REDACTED),
    # logipool's API tokens (lp_...) and calendar-feed tokens (cal_...), wherever they appear
    (re.compile(r"\b(lp|cal)_[A-Za-z0-9_-]{8,}"), lambda m: f"{m.group(1)}_{REDACTED}"),
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def redact(text: str) -> str:
    """``text`` with every secret it may hold replaced by ``[redacted]``."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def escape_controls(text: str) -> str:
    """Control characters as visible escapes (``\\x0a``): one record stays one line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                        else f"\\u{ord(m.group()):04x}", text)


def loggable_path() -> str:
    """The request's path and query string as they may be logged: credentials redacted."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_VIEW_ARGS and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    query = request.query_string.decode("latin-1")
    return redact(f"{path}?{query}" if query else path)


class TextFormatter(logging.Formatter):
    """``time level message``; the message redacted and escaped, tracebacks indented."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's API
        record.message = escape_controls(redact(record.message))
        return super().formatMessage(record)

    def formatException(self, ei) -> str:  # noqa: N802 - logging's API
        lines = redact(super().formatException(ei)).split("\n")
        return "\n".join("    " + escape_controls(line) for line in lines)


class JsonFormatter(logging.Formatter):
    """One JSON object per line (JSON escapes control characters); secrets redacted."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        entry.update({k: redact(v) if isinstance(v, str) else v
                      for k, v in getattr(record, "fields", {}).items()})
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
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
                JsonFormatter() if app.config["LOG_FORMAT"] == "json" else TextFormatter()
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
        path = loggable_path()
        fields = {"request_id": request_id, "method": request.method, "path": path,
                  "status": response.status_code, "duration_ms": duration_ms}
        access.info("%s %s %s %s %sms", request_id, request.method, path,
                    response.status_code, duration_ms, extra={"fields": fields})
        return response

"""Configuration: built-in defaults, then ``LOGIPOOL_*`` environment variables, then overrides.

The secret key is generated into the instance folder on first start when none is configured,
so a fresh install is secure without a manual step and no secret is ever committed.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from limits import parse

DEFAULTS: dict[str, object] = {
    "DATABASE_URL": None,  # None: SQLite file logipool.sqlite in the instance folder
    "TIMEZONE": "Europe/Paris",
    "LOCALE": "fr_FR",
    "LOG_FORMAT": "text",  # "text" or "json" (one JSON object per line)
    "LOG_LEVEL": "INFO",
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # request bodies over 1 MiB answer 413
    "PAGE_SIZE_MAX": 200,
    "PAGE_SIZE_DEFAULT": 50,
    "TOKEN_DAYS_DEFAULT": 90,
    "SQLITE_BUSY_TIMEOUT_MS": 10000,
    "JSON_SORT_KEYS": False,
    # the road network of route plans: great-circle distances × a detour factor at an average
    # speed, or {"kind": "graphml", "path": "…"} (e.g. exported from OpenStreetMap) or inline edges
    "ROAD_NETWORK": {"kind": "great_circle", "detour_factor": 1.3, "speed_kmh": 40},
    # the public base URL of the service: calendar-feed URLs are built on it, never on the Host header
    "EXTERNAL_URL": "http://127.0.0.1:8000",
    # proxies in front that set X-Forwarded-For/-Proto: 0 (none), a count, or ProxyFix's arguments
    "PROXY_FIX": 0,
    # rate limits ("N per second|minute|hour|day"), counted in memory or in the store named here
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_TOKEN_CREATION": "10 per hour",  # per user
    "RATELIMIT_AUTH_FAILURES": "20 per minute",  # per client address
    # the pages' session cookie: sent over HTTPS only (browsers also accept it from
    # http://localhost), never readable by scripts, not sent on cross-site posts
    "SESSION_COOKIE_NAME": "logipool_session",
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_HOURS": 12,
    # outgoing mail (the outbox is sent by `logipool mail send` or a job): no host, no mail sent
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,  # STARTTLS after connecting (port 587); the password is only sent then
    "SMTP_FROM": "logipool <no-reply@localhost>",
    "SMTP_TIMEOUT": 30,  # seconds per SMTP command
    "MAIL_MAX_ATTEMPTS": 8,  # transient failures retried with back-off (1, 2, 4 … minutes), then failed
    # /metrics answers loopback callers, and anyone sending this bearer token when it is set
    "METRICS_TOKEN": None,
    # the task queue (Huey): None for a SQLite file in the instance folder (one host),
    # redis://host:6379/0 for workers on several hosts, "immediate" to run each job in the
    # process that commits it (tests)
    "QUEUE_URL": None,
    "QUEUE_NAME": "logipool",
    "JOB_HEARTBEAT_S": 5,  # how often a worker says it is alive, and a running job too
    "JOB_STALE_AFTER_S": 60,  # a running job silent this long lost its worker
    "JOB_RETRY_DELAY_S": 5,  # back-off after a transient error: this, then doubled at each attempt
}

SUPPORTED_LOCALES = ("fr_FR", "en_GB", "en_US")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which setting is wrong."""


def load_config(app: Flask, overrides: dict | None) -> None:
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("LOGIPOOL")
    if overrides:
        app.config.update(overrides)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'logipool.sqlite'}"
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    _check(app.config)


def _instance_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key


def _check(config) -> None:
    try:
        ZoneInfo(str(config["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"LOGIPOOL_TIMEZONE={config['TIMEZONE']!r} is not a known time zone") from None
    if config["LOCALE"] not in SUPPORTED_LOCALES:
        raise ConfigError(f"LOGIPOOL_LOCALE={config['LOCALE']!r} is not supported; use one of {SUPPORTED_LOCALES}")
    if config["LOG_FORMAT"] not in ("text", "json"):
        raise ConfigError("LOGIPOOL_LOG_FORMAT must be 'text' or 'json'")
    network = config["ROAD_NETWORK"]
    if not isinstance(network, dict) or network.get("kind", "great_circle") not in ("great_circle", "graphml", "edges"):
        raise ConfigError("LOGIPOOL_ROAD_NETWORK must be a JSON object whose kind is great_circle, graphml or edges")
    if not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", str(config["EXTERNAL_URL"])):
        raise ConfigError("LOGIPOOL_EXTERNAL_URL must be an http:// or https:// base URL, e.g. https://logipool.example.org")
    hops = config["PROXY_FIX"]
    if not (isinstance(hops, int) and not isinstance(hops, bool) and hops >= 0) and not (
        isinstance(hops, dict) and set(hops) <= {"x_for", "x_proto", "x_host", "x_port", "x_prefix"}
        and all(isinstance(v, int) and v >= 0 for v in hops.values())
    ):
        raise ConfigError('LOGIPOOL_PROXY_FIX must be a number of proxies or e.g. {"x_for": 1, "x_proto": 1}')
    for name in ("TOKEN_CREATION", "AUTH_FAILURES"):
        try:
            parse(str(config[f"RATELIMIT_{name}"]))
        except ValueError:
            raise ConfigError(f"LOGIPOOL_RATELIMIT_{name} must read like '10 per hour'") from None
    _check_mail(config)
    queue = config["QUEUE_URL"]
    if queue is not None and not (queue in ("immediate", "memory://") or re.fullmatch(
            r"(redis|rediss|unix)://\S+|sqlite:///\S+", str(queue))):
        raise ConfigError("LOGIPOOL_QUEUE_URL must be redis://host:port/db, sqlite:///path or immediate")
    for name in ("JOB_HEARTBEAT_S", "JOB_STALE_AFTER_S", "JOB_RETRY_DELAY_S"):
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"LOGIPOOL_{name} must be a positive number of seconds")
    if config["JOB_STALE_AFTER_S"] < 2 * config["JOB_HEARTBEAT_S"]:
        raise ConfigError("LOGIPOOL_JOB_STALE_AFTER_S must be at least twice LOGIPOOL_JOB_HEARTBEAT_S")
    url = str(config["DATABASE_URL"])
    if not url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
        raise ConfigError("LOGIPOOL_DATABASE_URL must be a sqlite:/// or postgresql:// URL")


def _check_mail(config) -> None:
    from email.utils import parseaddr

    from marshmallow import ValidationError

    from .schemas.common import Email

    host = config["SMTP_HOST"]
    if host is not None and (not isinstance(host, str) or not host.strip() or any(c.isspace() for c in host)):
        raise ConfigError("LOGIPOOL_SMTP_HOST must be a host name or address, e.g. smtp.example.org")
    port = config["SMTP_PORT"]
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError("LOGIPOOL_SMTP_PORT must be a port number (25, 587 …)")
    if not isinstance(config["SMTP_STARTTLS"], bool):
        raise ConfigError("LOGIPOOL_SMTP_STARTTLS must be true or false")
    if config["SMTP_PASSWORD"] and not config["SMTP_USER"]:
        raise ConfigError("LOGIPOOL_SMTP_PASSWORD is set without LOGIPOOL_SMTP_USER")
    for name in ("SMTP_USER", "SMTP_PASSWORD"):
        if config[name] is not None and not isinstance(config[name], str):
            config[name] = str(config[name])
    address = parseaddr(str(config["SMTP_FROM"]))[1]
    try:
        Email(required=True).deserialize(address)
    except ValidationError:
        raise ConfigError(f"LOGIPOOL_SMTP_FROM={config['SMTP_FROM']!r} is not an e-mail address, "
                          "e.g. 'Coordination <logistique@example.org>'") from None
    for name in ("SMTP_TIMEOUT", "MAIL_MAX_ATTEMPTS"):
        value = config[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"LOGIPOOL_{name} must be a whole number of at least 1")

"""Rate limits (Flask-Limiter): one limiter per application, named limits from the configuration.

A surface calls :func:`hit` with the name of a configured limit (``RATELIMIT_<NAME>``, e.g.
``"10 per hour"``) and the key it counts by (a user, an address); past the limit it answers
429 ``application/problem+json`` with ``Retry-After``. Counters live in memory by default, or
in the store named by ``LOGIPOOL_RATELIMIT_STORAGE_URI`` (e.g. ``redis://…``) so that every
worker of a server shares them.
"""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import parse

from .errors import TooManyRequests

EXTENSION = "logipool.limiter"


def init_app(app: Flask) -> None:
    # no default limits: each surface names its own; Flask-Limiter reads RATELIMIT_STORAGE_URI
    limiter = Limiter(key_func=client_address, default_limits=[], storage_uri=app.config["RATELIMIT_STORAGE_URI"])
    limiter.init_app(app)
    app.extensions[EXTENSION] = limiter


def client_address() -> str:
    """The caller's address (behind a proxy, the one ProxyFix trusts)."""
    return request.remote_addr or "unknown"


def _limit(name: str):
    return parse(str(current_app.config[f"RATELIMIT_{name.upper()}"]))


def _apply(name: str, key: str, *, count: bool) -> None:
    """Counts one event (``count``) or only tests the limit ``name`` for ``key``; 429 past it."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    if not limiter.enabled:
        return
    item = _limit(name)
    allowed = limiter.limiter.hit(item, name, key) if count else limiter.limiter.test(item, name, key)
    if not allowed:
        reset_at, _remaining = limiter.limiter.get_window_stats(item, name, key)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequests(f"Too many requests ({name.replace('_', ' ')}: at most {item}); "
                              f"retry in {retry_after} s.", retry_after=retry_after)


def hit(name: str, key: str) -> None:
    """Count one event of the limit ``name`` for ``key``; 429 once the limit is exceeded."""
    _apply(name, key, count=True)


def check(name: str, key: str) -> None:
    """429 if ``key`` has already used up the limit ``name`` (counts nothing)."""
    _apply(name, key, count=False)


def reset(app: Flask) -> None:
    app.extensions[EXTENSION].reset()

"""Prometheus metrics at ``/metrics``: request latency and counts by route (the URL rule, never
the raw path, so ids do not multiply the series), solver times, background jobs.

``/metrics`` answers callers on the loopback interface (behind a trusted proxy, the address
ProxyFix resolves), or anyone sending ``Authorization: Bearer <LOGIPOOL_METRICS_TOKEN>`` when
that setting is given. Under gunicorn with several workers, set ``PROMETHEUS_MULTIPROC_DIR`` to
an empty directory before the server starts: every worker writes its samples there, and the
scrape merges them (see docs/deployment.md).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from .errors import NotFound

REQUEST_SECONDS = Histogram(
    "logipool_request_duration_seconds", "Time to answer a request, by route.", ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
REQUESTS = Counter("logipool_requests", "Requests answered, by route and status.", ["method", "endpoint", "status"])
SOLVER_SECONDS = Histogram(
    "logipool_solver_duration_seconds", "Time of one optimisation: route plans, joint-order allocations.",
    ["solver"], buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600))
JOBS_RUNNING = Gauge("logipool_jobs_running", "Background jobs running now.", ["job"], multiprocess_mode="livesum")
JOBS = Counter("logipool_jobs", "Background jobs finished, by outcome.", ["job", "outcome"])


@contextmanager
def timed(solver: str) -> Iterator[None]:
    """Observe the duration of one solve (success or failure) under ``solver``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        SOLVER_SECONDS.labels(solver).observe(time.perf_counter() - started)


@contextmanager
def job(name: str) -> Iterator[None]:
    """Count a background job while it runs, and its outcome when it ends."""
    JOBS_RUNNING.labels(name).inc()
    outcome = "failed"
    try:
        yield
        outcome = "done"
    finally:
        JOBS_RUNNING.labels(name).dec()
        JOBS.labels(name, outcome).inc()


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(secret.strip().encode(), str(token).encode()):
            return True
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()


def init_app(app: Flask) -> None:
    @app.before_request
    def _start_clock():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
            REQUEST_SECONDS.labels(request.method, endpoint).observe(time.perf_counter() - started)
            REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        return response

    @app.get("/metrics")
    def metrics():
        if not _allowed():
            # as if there were nothing here: the metrics reveal nothing to the outside
            raise NotFound("Not found.")
        return Response(_exposition(), content_type=CONTENT_TYPE_LATEST)


def child_exit(_server, worker) -> None:
    """gunicorn's ``child_exit`` hook (``gunicorn -c python:logipool.metrics wsgi:app``, and
    ``logipool serve``): forget a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)

"""A real multi-process gunicorn server on the test database, for racing and streaming tests."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
THREADS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def gunicorn_port(database_url, tmp_path_factory):
    """The port of ``gunicorn wsgi:app`` with several worker processes, each with threads, serving
    the same database as the tests (started once, on first use)."""
    port = _free_port()
    instance = tmp_path_factory.mktemp("gunicorn-instance")
    env = os.environ | {
        "LOGIPOOL_DATABASE_URL": database_url,
        "LOGIPOOL_SECRET_KEY": "test",
        "LOGIPOOL_LOG_LEVEL": "WARNING",
        "LOGIPOOL_QUEUE_URL": "immediate",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--threads", str(THREADS),
               "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
               "--chdir", str(ROOT), "wsgi:app"]
    proc = subprocess.Popen(command, env=env, cwd=instance)
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/livez")
            if conn.getresponse().status == 200:
                conn.close()
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("gunicorn did not start")
        time.sleep(0.2)
    yield port
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)

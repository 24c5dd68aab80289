"""Response headers, the trusted proxy, the database file's mode and its online backup."""

from __future__ import annotations

import base64
import hashlib
import re
import sqlite3
import stat
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from logipool import create_app, migrate
from logipool.db import make_engine
from logipool.models import Role

from .test_authz_invoices import invoicing  # noqa: F401 - the fixture
from .test_errors import assert_problem


def test_every_api_answer_is_private_unsniffable_and_unframeable(client, world, invoicing):  # noqa: F811
    h = world.a.headers(Role.ADMIN)
    year = date.today().year
    for path in (f"/api/v1/invoices/{invoicing['invoice_own']}/pdf",
                 f"/api/v1/invoices/{invoicing['invoice_own']}/facturx.xml",
                 f"/api/v1/invoices/export.csv?start=2026-01-01&end={year}-12-31",
                 f"/api/v1/statement.pdf?member_id={world.a.member.id}",
                 f"/api/v1/billing-runs/{invoicing['run_issued']}/invoices.zip",
                 "/api/v1/members/", "/api/v1/nowhere"):
        r = client.get(path, headers=h)
        assert r.status_code in (200, 404), (path, r.status_code)
        assert r.headers["Cache-Control"] == "no-store", path
        assert r.headers["X-Content-Type-Options"] == "nosniff", path
        assert r.headers["X-Frame-Options"] == "DENY", path
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, path
        r.close()


def test_the_documentation_page_runs_under_its_policy(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp.split(
        "style-src")[0]
    # the page's one inline script is allowed by its hash, its assets from the same origin
    scripts = re.findall(rb"<script>(.*?)</script>", page.data, re.S)
    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    for asset in re.findall(rb'(?:src|href)="([^"]+)"', page.data):
        assert asset.startswith(b"/api/v1/docs/assets/")
        r = client.get(asset.decode())
        assert r.status_code == 200 and r.headers["X-Content-Type-Options"] == "nosniff"
        r.close()
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and "paths" in spec.get_json()


def test_behind_a_proxy_the_forwarded_address_is_the_client(database_url, tmp_path):
    """With LOGIPOOL_PROXY_FIX, failed authentications count per forwarded client address."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t", "PROXY_FIX": 1,
                      "RATELIMIT_AUTH_FAILURES": "2 per minute"}, instance_path=str(tmp_path))
    client = app.test_client()
    wrong = {"Authorization": "Bearer lp_" + "x" * 43}
    for _ in range(2):
        assert_problem(client.get("/api/v1/members/", headers=wrong | {"X-Forwarded-For": "198.51.100.1"}), 401)
    assert_problem(client.get("/api/v1/members/", headers=wrong | {"X-Forwarded-For": "198.51.100.1"}), 429)
    assert_problem(client.get("/api/v1/members/", headers=wrong | {"X-Forwarded-For": "198.51.100.2"}), 401)
    app.extensions["logipool.db"].engine.dispose()


@pytest.mark.parametrize(("setting", "value"), [("EXTERNAL_URL", "logipool.example.org"), ("PROXY_FIX", "yes"),
                                                 ("RATELIMIT_AUTH_FAILURES", "many")])
def test_bad_security_settings_fail_at_start(tmp_path, setting, value):
    from logipool.config import ConfigError

    with pytest.raises(ConfigError, match=setting):
        create_app({setting: value}, instance_path=str(tmp_path))


def test_the_sqlite_database_file_is_created_private(tmp_path):
    import os

    old = os.umask(0o022)
    try:
        path = tmp_path / "fresh.sqlite"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine.execution_options(logipool_write=True))
        engine.dispose()
    finally:
        os.umask(old)
    for f in tmp_path.iterdir():
        if f.name.startswith("fresh.sqlite"):
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name


def test_online_backup_holds_the_rows_while_the_service_writes(tmp_path, monkeypatch):
    """``logipool db backup`` copies a live database consistently while requests keep writing."""
    from logipool.models import Site

    from ..factories import build_world

    source = tmp_path / "live.sqlite"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{source}", "SECRET_KEY": "t"},
                     instance_path=str(tmp_path / "instance"))
    db = app.extensions["logipool.db"]
    migrate.upgrade(db.write_engine)
    session = db.session()
    world = build_world(session)
    session.commit()
    client = app.test_client()
    h = world.a.headers(Role.MANAGER)
    stop, written = threading.Event(), []

    def write():
        n = 0
        while not stop.is_set() and n < 400:
            n += 1
            body = {"name": f"Magasin {n}", "kind": "supermarket", "latitude": 43.3, "longitude": 5.5}
            assert client.post("/api/v1/sites/", json=body, headers=h).status_code == 201
            written.append(n)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        target = tmp_path / "copy.sqlite"
        result = app.test_cli_runner().invoke(args=["db", "backup", str(target)])
        assert result.exit_code == 0, result.output
        during = len(written)
    finally:
        stop.set()
        writer.join()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    sites = copy.execute("SELECT count(*) FROM site").fetchone()[0]
    copy.close()
    before = session.scalar(select(func.count()).select_from(Site)) - len(written)  # the world's own sites
    assert before + 20 <= sites <= before + during + 1
    # an existing file is never overwritten
    again = app.test_cli_runner().invoke(args=["db", "backup", str(target)])
    assert again.exit_code != 0 and "exists" in again.output
    session.close()
    db.engine.dispose()

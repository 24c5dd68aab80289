"""Real worker processes (``logipool worker``) on the test database: a worker killed mid-solve or
mid-billing-run leaves no half-done work, and the next worker takes the job up again; on
PostgreSQL with Redis, two web servers and two workers run each job exactly once."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from logipool import create_app
from logipool.models import Charge, Invoice, InvoiceStatus, Job, JobState, PlanStatus, Role, RoutePlan

from .conftest import ROOT, _free_port
from .test_invoicing import charge, fresh, make_billable
from .test_routes import day, plan  # noqa: F401 - fixture

STALE_S = 2


def _env(database_url: str, queue_url: str) -> dict:
    return os.environ | {"LOGIPOOL_DATABASE_URL": database_url, "LOGIPOOL_QUEUE_URL": queue_url,
                         "LOGIPOOL_SECRET_KEY": "test", "LOGIPOOL_LOG_LEVEL": "WARNING",
                         "LOGIPOOL_JOB_HEARTBEAT_S": "0.5", "LOGIPOOL_JOB_STALE_AFTER_S": str(STALE_S),
                         "LOGIPOOL_JOB_RETRY_DELAY_S": "0.5", "PYTHONPATH": str(ROOT)}


def start_worker(database_url: str, queue_url: str, cwd) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from logipool.cli import main; main()", "worker",
                             "--workers", "1", "--no-periodic"], env=_env(database_url, queue_url), cwd=cwd)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def queued_app(app, database_url, tmp_path):
    """An application on the test database whose jobs go to a SQLite queue file, for real workers."""
    queue_url = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    other = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test", "QUEUE_URL": queue_url,
                        "JOB_HEARTBEAT_S": 0.5, "JOB_STALE_AFTER_S": STALE_S},
                       instance_path=str(tmp_path / "instance"))
    yield other, queue_url
    other.extensions["logipool.db"].engine.dispose()


def _job(session, job_id) -> Job:
    fresh(session)
    return session.get(Job, job_id)


def _job_id(response) -> int:
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_worker_killed_mid_solve_leaves_the_plan_to_the_next_worker(queued_app, world, day, session,  # noqa: F811
                                                                       database_url, tmp_path):
    other, queue_url = queued_app
    client = other.test_client()
    first = start_worker(database_url, queue_url, tmp_path)
    try:
        r = plan(client, world, day, time_limit=5)
        assert r.status_code == 202, r.get_json()
        job_id, plan_id = _job_id(r), r.get_json()["id"]
        wait_for(lambda: _job(session, job_id).state == JobState.RUNNING, 60, "the solve to start")
        time.sleep(1.0)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        fresh(session)
        assert session.get(RoutePlan, plan_id).status == PlanStatus.RUNNING  # what the dead worker left
        time.sleep(STALE_S + 0.5)
        second = start_worker(database_url, queue_url, tmp_path)  # reaps at start: takes the job up again
        try:
            job = wait_for(lambda: (j := _job(session, job_id)).state in (JobState.SUCCEEDED, JobState.FAILED)
                           and j, 90, "the solve to end")
        finally:
            stop(second)
    finally:
        stop(first)
    assert job.state == JobState.SUCCEEDED and job.attempts == 2, job.error
    row = session.get(RoutePlan, plan_id)
    assert row.status == PlanStatus.SOLVED and row.error is None and row.result["plan"]["routes"]
    assert session.scalar(select(func.count()).select_from(RoutePlan)
                          .where(RoutePlan.status.in_((PlanStatus.RUNNING, PlanStatus.QUEUED)))) == 0


def test_a_worker_killed_mid_billing_run_leaves_numbering_gapless_and_no_charge_invoiced_twice(
        queued_app, world, session, database_url, tmp_path):
    from tests.factories import make_member

    other, queue_url = queued_app
    client = other.test_client()
    a = world.a
    make_billable(session, a)
    members = [a.member, a.other_member, *(make_member(session, a.coordination, f"asso-{i}") for i in range(30))]
    for i, m in enumerate(members):
        charge(session, a, 1000 + i, member=m)
        charge(session, a, 500 + i, member=m)
    session.commit()
    staff = a.headers(Role.MANAGER)
    run = client.post("/api/v1/billing-runs/", json={"period_start": "2026-11-01", "period_end": "2026-11-30"},
                      headers=staff).get_json()
    first = start_worker(database_url, queue_url, tmp_path)
    try:
        r = client.post(f"/api/v1/billing-runs/{run['id']}/issue", headers=staff)
        assert r.status_code == 202, r.get_json()
        job_id = _job_id(r)
        wait_for(lambda: _job(session, job_id).state == JobState.RUNNING, 60, "the issue to start")
        time.sleep(0.3)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        fresh(session)
        assert session.scalar(select(func.count()).select_from(Invoice).where(Invoice.number.is_not(None))) == 0
        time.sleep(STALE_S + 0.5)
        second = start_worker(database_url, queue_url, tmp_path)
        try:
            job = wait_for(lambda: (j := _job(session, job_id)).state in (JobState.SUCCEEDED, JobState.FAILED)
                           and j, 120, "the issue to end")
        finally:
            stop(second)
    finally:
        stop(first)
    assert job.state == JobState.SUCCEEDED and job.attempts == 2, job.error
    invoices = session.scalars(select(Invoice).order_by(Invoice.number)).all()
    year = date.today().year
    assert [i.number for i in invoices] == [f"{year}-{n:06d}" for n in range(1, len(members) + 1)]
    assert all(i.status == InvoiceStatus.ISSUED and i.pdf.startswith(b"%PDF-") for i in invoices)
    charged = session.execute(select(Charge.invoice_id, func.count()).group_by(Charge.invoice_id)).all()
    assert sorted(n for _, n in charged) == [2] * len(members)  # each charge on exactly one invoice
    archive = client.get(f"/api/v1/billing-runs/{run['id']}/invoices.zip", headers=staff)
    assert archive.status_code == 200 and archive.data.startswith(b"PK")


# several hosts: two web servers, two workers, one PostgreSQL, one Redis -------------------------

@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server (Debian package) is not installed")
    port = _free_port()
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path),
                             "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    wait_for(lambda: _pings(redis, url), 20, "redis-server")
    yield url
    proc.terminate()
    proc.wait(10)


def _pings(redis, url) -> bool:
    try:
        return redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        return False


def _http(port: int, method: str, path: str, headers: dict, body: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers=headers | {"Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), json.loads(data) if data else None


def test_two_web_servers_and_two_workers_run_each_job_once_and_show_it_from_both(
        app, world, day, session, database_url, redis_url, dialect, tmp_path):  # noqa: F811
    if dialect != "postgresql":
        pytest.skip("several hosts share a PostgreSQL database")
    env = _env(database_url, redis_url)
    servers, ports = [], []
    for _ in range(2):
        port = _free_port()
        servers.append(subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", "--control-socket", str(tmp_path / f"gunicorn-{port}.ctl"),
             "--chdir", str(ROOT), "wsgi:app"],
            env=env, cwd=tmp_path))
        ports.append(port)
    workers = [start_worker(database_url, redis_url, tmp_path) for _ in range(2)]
    h = world.a.headers(Role.MANAGER)
    try:
        for port in ports:
            # importing the application takes seconds on an idle machine, a minute on a loaded one
            wait_for(lambda port=port: _livez(port), 300, f"gunicorn on {port}")
        body = {"day": "2030-06-04", "vehicle_ids": [day["fridge"].id, day["van"].id], "stops": day["stops"],
                "time_limit": 1, "share_method": "shapley"}
        jobs = []
        for k in range(6):  # alternately to each server
            status, headers, plan_body = _http(ports[k % 2], "POST", "/api/v1/route-plans/", h, body)
            assert status == 202, plan_body
            jobs.append((int(headers["Location"].rsplit("/", 1)[1]), plan_body["id"]))
        for job_id, _ in jobs:
            wait_for(lambda job_id=job_id: _http(ports[0], "GET", f"/api/v1/jobs/{job_id}", h)[2]["state"]
                     in ("succeeded", "failed"), 120, f"job {job_id}")
        for job_id, plan_id in jobs:
            seen = [_http(port, "GET", f"/api/v1/jobs/{job_id}", h)[2] for port in ports]
            assert seen[0] == seen[1] and seen[0]["state"] == "succeeded" and seen[0]["attempts"] == 1
            plans = [_http(port, "GET", f"/api/v1/route-plans/{plan_id}", h)[2] for port in ports]
            assert plans[0] == plans[1] and plans[0]["status"] == "solved"
        fresh(session)
        ran_by = {w for (w,) in session.execute(select(Job.worker))}
        assert len(ran_by) == 2, ran_by  # both workers took jobs
        health = [_http(port, "GET", "/healthz", {})[2] for port in ports]
        assert all(x["queue"]["backend"] == "redis" and x["queue"]["workers_seen"] == 2 for x in health), health
    finally:
        for proc in servers + workers:
            stop(proc)


def _livez(port: int) -> bool:
    try:
        return _http(port, "GET", "/livez", {})[0] == 200
    except OSError:
        return False

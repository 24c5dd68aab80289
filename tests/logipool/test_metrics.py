"""Prometheus metrics at /metrics: latency and counts by route rule, solver times, and the
endpoint closed to everyone but loopback callers and holders of the metrics token."""

from prometheus_client.parser import text_string_to_metric_families

from logipool.models import Role

from .test_orders import _need, _ok, catalogue, cycle  # noqa: F401 - fixtures

MANAGER = Role.MANAGER


def scrape(client, **kw) -> dict:
    r = client.get("/metrics", **kw)
    assert r.status_code == 200 and r.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(r.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_and_timed_by_route_rule_not_raw_path(client, world):
    h = world.a.headers(MANAGER)
    rule = "/api/v1/members/<int:row_id>"
    before = scrape(client)
    for member in (world.a.member, world.a.other_member):
        assert client.get(f"/api/v1/members/{member.id}", headers=h).status_code == 200
    assert client.get("/api/v1/members/2147483000", headers=h).status_code == 404
    after = scrape(client)
    ok = dict(method="GET", endpoint=rule, status="200")
    assert value(after, "logipool_requests_total", **ok) - value(before, "logipool_requests_total", **ok) == 2
    assert value(after, "logipool_requests_total", method="GET", endpoint=rule, status="404") \
        - value(before, "logipool_requests_total", method="GET", endpoint=rule, status="404") == 1
    timed = dict(method="GET", endpoint=rule)
    assert value(after, "logipool_request_duration_seconds_count", **timed) \
        - value(before, "logipool_request_duration_seconds_count", **timed) == 3
    assert value(after, "logipool_request_duration_seconds_sum", **timed) > 0
    assert not any(str(world.a.member.id) in dict(labels).get("endpoint", "x").split("/")[-1]
                   for _name, labels in after)


def test_allocation_solver_time_is_observed(client, world, catalogue, cycle):  # noqa: F811 - fixtures
    h = world.a.headers(MANAGER)
    _, offers = catalogue
    cid = cycle["id"]
    before = value(scrape(client), "logipool_solver_duration_seconds_count", solver="allocation")
    _ok(client.post(f"/api/v1/order-cycles/{cid}/open", headers=h))
    _ok(_need(client, world, cid, world.a.member, offers["RIZ1"]["id"], 30), 201)
    _ok(client.post(f"/api/v1/order-cycles/{cid}/close", headers=h))
    _ok(client.post(f"/api/v1/order-cycles/{cid}/allocate", json={}, headers=h))
    after = scrape(client)
    assert value(after, "logipool_solver_duration_seconds_count", solver="allocation") == before + 1
    assert value(after, "logipool_solver_duration_seconds_sum", solver="allocation") > 0


def test_metrics_answer_loopback_callers_and_the_token_only(client, app, monkeypatch):
    outside = {"environ_base": {"REMOTE_ADDR": "203.0.113.7"}}
    assert client.get("/metrics", **outside).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "metrics-secret-for-the-test")
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}, **outside).status_code == 404
    assert scrape(client, headers={"Authorization": "Bearer metrics-secret-for-the-test"}, **outside)


def test_several_gunicorn_workers_report_one_merged_count(database_url, tmp_path):
    """With PROMETHEUS_MULTIPROC_DIR, a scrape counts the requests every worker answered."""
    import http.client
    import os
    import subprocess
    import sys
    import time

    from .conftest import ROOT, _free_port

    port, samples_dir = _free_port(), tmp_path / "metrics"
    samples_dir.mkdir()
    env = os.environ | {"LOGIPOOL_DATABASE_URL": database_url, "LOGIPOOL_SECRET_KEY": "test",
                        "LOGIPOOL_LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
                        "PROMETHEUS_MULTIPROC_DIR": str(samples_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                             "--log-level", "warning", "-c", "python:logipool.metrics", "--chdir", str(ROOT),
                             "wsgi:app"], env=env, cwd=tmp_path)

    def get(path):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read().decode()
        finally:
            conn.close()

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get("/livez")[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        def livez_count() -> float:
            status, text = get("/metrics")
            assert status == 200
            return sum(s.value for f in text_string_to_metric_families(text) for s in f.samples
                       if s.name == "logipool_requests_total" and s.labels.get("endpoint") == "/livez")

        before = livez_count()
        for _ in range(30):
            assert get("/livez")[0] == 200
        counted = livez_count() - before
        assert counted == 30
        workers = {p.name.rsplit("_", 1)[-1] for p in samples_dir.glob("counter_*.db")}
        print(f"\n/livez counted {counted:.0f} times across {len(workers)} worker file(s)")
    finally:
        proc.terminate()
        proc.wait(20)

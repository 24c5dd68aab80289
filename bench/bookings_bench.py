"""Booking throughput and latency under gunicorn, on SQLite and PostgreSQL.

16 concurrent clients create vehicle bookings; every slot is wanted by two clients, so half of
the requests conflict (409). The same clients then hit /livez (no database) on the same server
for the ratio. Afterwards the database is checked for double bookings, and the availability
search is timed over 50 vehicles and 10,000 bookings.

    python bench/bookings_bench.py [--postgres]    (make bench runs both)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLIENTS = 16
PER_CLIENT = 120
VEHICLES = 50


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd, env, **kw):
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, capture_output=True, text=True, **kw)


def prepare(env: dict) -> tuple[str, list[int], int]:
    """Migrate, load the demo, add vehicles up to 50; return a manager token, vehicle ids, member id."""
    run([BIN / "logipool", "db", "upgrade"], env)
    run([BIN / "logipool", "demo"], env)
    script = f"""
from decimal import Decimal
from sqlalchemy import select
from logipool import create_app
from logipool.db import database
from logipool.models import Vehicle, VehicleKind, Member
app = create_app()
with app.app_context():
    s = database().session()
    cid = s.scalars(select(Member.coordination_id)).first()
    n = len(s.scalars(select(Vehicle.id)).all())
    for i in range(n, {VEHICLES}):
        s.add(Vehicle(coordination_id=cid, name=f"Banc {{i}}", plate=f"BN-{{i:03d}}-CH", kind=VehicleKind.VAN,
                      capacity_kg=1000 + 50 * (i % 20), capacity_m3=Decimal("10.0"), capacity_pallets=1 + i % 6,
                      chilled=i % 3 == 0, frozen=i % 9 == 0, buffer_minutes=0))
    s.commit()
    print(",".join(str(v) for v in s.scalars(select(Vehicle.id).order_by(Vehicle.id)).all()))
    print(s.scalars(select(Member.id).order_by(Member.id)).first())
"""
    out = run([sys.executable, "-c", script], env).stdout.split()
    vehicle_ids = [int(v) for v in out[0].split(",")]
    token = run([BIN / "logipool", "tokens", "create", "--email", "gestion@coordination-aubagne.example"],
                env).stdout.strip()
    return token, vehicle_ids, int(out[1])


def start_server(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([BIN / "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
                             "--log-level", "warning", "wsgi:app"],
                            env=env | {"LOGIPOOL_LOG_LEVEL": "WARNING"}, cwd=ROOT)
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/livez")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def load(port: int, plans: list[list[tuple[str, str, dict | None]]], token: str):
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    barrier = threading.Barrier(len(plans))

    def client(plan):
        barrier.wait()
        for method, path, body in plan:
            t0 = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(method, path, json.dumps(body) if body is not None else None,
                         {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            status = conn.getresponse().status
            conn.close()
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=client, args=(p,)) for p in plans]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    return {"requests": len(latencies), "rps": len(latencies) / wall,
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))], "statuses": statuses}


def booking_plans(vehicle_ids: list[int], member_id: int) -> list[list]:
    base = datetime(2030, 1, 7, 6, tzinfo=UTC)
    plans = []
    for c in range(CLIENTS):
        plan = []
        for k in range(PER_CLIENT):
            slot = (c // 2) * PER_CLIENT + k  # clients 2n and 2n+1 want the same slots
            start = base + timedelta(hours=2 * (slot // len(vehicle_ids)))
            plan.append(("POST", "/api/v1/vehicle-bookings/", {
                "vehicle_id": vehicle_ids[slot % len(vehicle_ids)], "member_id": member_id,
                "start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat(),
                "override_quota": True}))
        random.Random(c).shuffle(plan)
        plans.append(plan)
    return plans


def double_bookings(env: dict) -> int:
    script = """
from sqlalchemy import text
from logipool import create_app
from logipool.db import database
app = create_app()
with app.app_context():
    with database().engine.connect() as c:
        print(c.execute(text(
            "SELECT count(*) FROM vehicle_booking a JOIN vehicle_booking b ON a.vehicle_id = b.vehicle_id "
            "AND a.id < b.id AND a.start_at < b.block_end AND b.start_at < a.block_end "
            "WHERE a.status IN ('confirmed','checked_out','returned') "
            "AND b.status IN ('confirmed','checked_out','returned')")).scalar())
"""
    return int(run([sys.executable, "-c", script], env).stdout.strip())


def seed_history(env: dict, total: int = 10_000) -> None:
    """Fill the calendar up to ``total`` bookings over a year, for the availability search."""
    script = f"""
import random
from datetime import UTC, datetime, timedelta
from sqlalchemy import func, select
from logipool import create_app
from logipool.db import database
from logipool.models import Vehicle, VehicleBooking, BookingStatus, Member
app = create_app()
with app.app_context():
    s = database().session()
    have = s.scalar(select(func.count()).select_from(VehicleBooking))
    vids = s.scalars(select(Vehicle.id)).all()
    member = s.scalars(select(Member)).first()
    rng = random.Random(1)
    base = datetime(2031, 1, 6, tzinfo=UTC)
    per = ({total} - have) // len(vids) + 1
    rows = []
    for v in vids:
        t = base
        for _ in range(per):
            t += timedelta(hours=rng.choice([2, 4, 6, 10, 20]))
            end = t + timedelta(hours=rng.choice([1, 2, 3, 4]))
            rows.append(VehicleBooking(coordination_id=member.coordination_id, vehicle_id=v, member_id=member.id,
                                       start_at=t, end_at=end, block_end=end, status=BookingStatus.CONFIRMED))
            t = end
    s.add_all(rows[: {total} - have])
    s.commit()
    print(s.scalar(select(func.count()).select_from(VehicleBooking)))
"""
    print("  bookings in the database:", run([sys.executable, "-c", script], env).stdout.strip())


def availability(port: int, token: str, n: int = 200) -> dict:
    rng = random.Random(3)
    base = datetime(2031, 1, 6, tzinfo=UTC)
    times = []
    for _ in range(n):
        start = base + timedelta(hours=rng.randrange(0, 24 * 300))
        q = (f"/api/v1/vehicles/availability?start={start.isoformat()}&end={(start + timedelta(hours=4)).isoformat()}"
             f"&min_pallets=3&chilled=true").replace("+", "%2B")
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", q, headers={"Authorization": f"Bearer {token}"})
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
        times.append(time.perf_counter() - t0)
        conn.close()
    times.sort()
    return {"p50_ms": 1000 * statistics.median(times), "p99_ms": 1000 * times[int(0.99 * (n - 1))]}


LIVEZ_LUA = """
function done(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "statuses": {}}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def wrk(port: int, path: str, script: str, env: dict, seconds: int) -> dict:
    """Load from wrk (C): 2 threads, 16 connections, so the load generator takes little CPU."""
    out = subprocess.run(["wrk", "-t2", f"-c{CLIENTS}", f"-d{seconds}s", "-s", script,
                          f"http://127.0.0.1:{port}{path}"], env=env, capture_output=True, text=True, check=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("WRKJSON "))
    result = json.loads(line.removeprefix("WRKJSON "))
    result["rps"] = result["requests"] / result["seconds"]
    result["statuses"] = {int(k): v for k, v in result["statuses"].items()}
    return result


def bench(label: str, env: dict, seconds: int) -> dict:
    token, vehicle_ids, member_id = prepare(env)
    port = free_port()
    server = start_server(env, port)
    try:
        if shutil.which("wrk"):
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
                f.write(LIVEZ_LUA)
            wrk(port, "/livez", f.name, env, 2)  # warm-up
            nodb = wrk(port, "/livez", f.name, env, seconds)
            wenv = env | {"BENCH_TOKEN": token, "BENCH_VEHICLES": ",".join(map(str, vehicle_ids)),
                          "BENCH_MEMBER": str(member_id)}
            booked = wrk(port, "/api/v1/vehicle-bookings/", str(ROOT / "bench" / "wrk_bookings.lua"), wenv, seconds)
        else:  # a Python load generator, which itself competes for the two cores
            livez_plans = [[("GET", "/livez", None)] * PER_CLIENT for _ in range(CLIENTS)]
            nodb = load(port, livez_plans, token)
            booked = load(port, booking_plans(vehicle_ids, member_id), token)
        doubles = double_bookings(env)
        seed_history(env)
        search = availability(port, token)
    finally:
        server.terminate()
        server.wait(10)
    result = {"database": label, "bookings": booked, "no_db": nodb, "double_bookings": doubles,
              "availability": search}
    print(json.dumps(result, indent=1))
    return result


class PostgresServer:
    """A throwaway PostgreSQL cluster in a temporary directory, on a loopback port."""

    def __enter__(self):
        pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.dir = Path(tempfile.mkdtemp())
        self.port = free_port()
        as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if as_pg:
            shutil.chown(self.dir, "postgres")
        self.ctl = [*as_pg, str(pg_bin / "pg_ctl"), "-D", str(self.dir / "data")]
        subprocess.run([*as_pg, str(pg_bin / "initdb"), "-D", str(self.dir / "data"), "-U", "logipool",
                        "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
        subprocess.run([*self.ctl, "-l", str(self.dir / "log"), "-w", "-o",
                        f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start"], check=True,
                       capture_output=True)
        subprocess.run([*as_pg, str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                        "logipool", "bench"], check=True, capture_output=True)
        return f"postgresql://logipool@127.0.0.1:{self.port}/bench"

    def __exit__(self, *exc):
        subprocess.run([*self.ctl, "-m", "fast", "stop"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", action="store_true", help="also run on a throwaway PostgreSQL")
    parser.add_argument("--seconds", type=int, default=15, help="duration of each wrk run")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.platform()}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {"LOGIPOOL_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "LOGIPOOL_SECRET_KEY": "bench"}
        results.append(bench("SQLite", env, args.seconds))
    if args.postgres:
        with PostgresServer() as url:
            env = os.environ | {"LOGIPOOL_DATABASE_URL": url, "LOGIPOOL_SECRET_KEY": "bench"}
            results.append(bench("PostgreSQL", env, args.seconds))
    print("\n| database | booking req/s | p50 ms | p99 ms | 201 / 409 | /livez req/s | ratio | double bookings "
          "| availability p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        b, n, a = r["bookings"], r["no_db"], r["availability"]
        print(f"| {r['database']} | {b['rps']:.0f} | {b['p50_ms']:.1f} | {b['p99_ms']:.1f} | "
              f"{b['statuses'].get(201, 0)} / {b['statuses'].get(409, 0)} | {n['rps']:.0f} | "
              f"{b['rps'] / n['rps']:.2f} | {r['double_bookings']} | {a['p50_ms']:.1f} / {a['p99_ms']:.1f} |")


if __name__ == "__main__":
    main()

"""Benchmark: server-side render time of the pages, against the JSON API's equivalent listing.

Times, in-process through Flask's test client (no network), the representative's home, the
weekly vehicle calendar and the treasurer's invoice list, and beside each the API call that
lists the same rows (the member's bookings of the fortnight; the vehicles' free/busy of the
week; the member's invoices). Two data sets: the demo coordination, and the demo plus a
coordination-sized load of 300 more members and 20,000 bookings on 50 more vehicles.

    .venv/bin/python bench/pages_bench.py [--runs 50] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "logipool-demo"
DOMAIN = "coordination-aubagne.example"


def _p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18] if len(samples) >= 20 else max(samples)


def _queries(app, client, path: str) -> int:
    """SQL statements one request of ``path`` sends (an N+1 shows as a count growing with the data)."""
    from sqlalchemy import event

    from logipool.db import database

    engine = database(app).engine
    count = 0

    def seen(*args):
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", seen)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return count


def _time(client, path: str, runs: int, headers=None) -> tuple[float, float]:
    client.get(path, headers=headers)  # warm
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        response = client.get(path, headers=headers)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(samples), _p95(samples)


def grow(session, members: int, bookings: int) -> None:
    """More members, vehicles and confirmed bookings in the demo coordination (no overlaps)."""
    from invoices.identifiers import luhn_complete
    from logipool.models import (
        BookingStatus,
        Coordination,
        Member,
        MemberKind,
        VatRegime,
        Vehicle,
        VehicleBooking,
        VehicleKind,
    )

    cid = session.query(Coordination.id).scalar()
    rows = []
    for i in range(members):
        siren = luhn_complete(f"{60000000 + i:08d}")
        rows.append(Member(coordination_id=cid, legal_name=f"Association n° {i + 1}", short_name=f"asso-{i + 1}",
                           kind=MemberKind.SOCIAL_GROCERY, siren=siren, siret=luhn_complete(siren + "0001"),
                           vat_regime=VatRegime.OUTSIDE_VAT, contact_email=f"a{i}@example.org"))
    vehicles = [Vehicle(coordination_id=cid, name=f"Véhicule {i + 1}", plate=f"BE-{i:03d}-NC", kind=VehicleKind.VAN,
                        capacity_kg=1000, capacity_pallets=3, capacity_m3=10) for i in range(50)]
    session.add_all(rows + vehicles)
    session.flush()
    rng = random.Random(0)
    start = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0) - timedelta(days=180)
    per_vehicle = bookings // len(vehicles)
    for v in vehicles:
        for k in range(per_vehicle):
            s = start + timedelta(hours=9 * k)
            session.add(VehicleBooking(coordination_id=cid, vehicle_id=v.id, member_id=rng.choice(rows).id,
                                       start_at=s, end_at=s + timedelta(hours=4), block_end=s + timedelta(hours=4),
                                       status=BookingStatus.CONFIRMED, purpose="bench"))
    session.flush()


def measure(app, runs: int) -> list[tuple[str, int, float, float, float, float]]:
    from logipool.db import get_session
    from logipool.services import accounts
    from logipool.web.home import week_start

    with app.app_context():
        session = get_session()
        rep = accounts.grant_for_cli(session, f"escale.benevole@{DOMAIN}", None)
        treasurer = accounts.grant_for_cli(session, f"escale.tresorerie@{DOMAIN}", None)
        tokens = {g.user.email: accounts.issue_token(session, g, days=1, name="bench")[1] for g in (rep, treasurer)}
        rep, treasurer = rep.user.email, treasurer.user.email  # plain values: the session closes with the context
        session.commit()
        monday = week_start(datetime.now(UTC))
        vehicle_ids = [v for (v,) in session.execute(text("select id from vehicle"))]
    results = []
    for email, page, api in (
        (rep, "/", f"/api/v1/vehicle-bookings/?start={_q(monday)}&end={_q(monday + timedelta(days=14))}&limit=200"),
        (rep, "/vehicles/calendar", None),
        (treasurer, "/treasury/invoices/", "/api/v1/invoices/?limit=200"),
    ):
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/signin").text).group(1)
        client.post("/signin", data={"email": email, "password": PASSWORD, "csrf_token": token})
        p50, p95 = _time(client, page, runs)
        queries = _queries(app, client, page)
        headers = {"Authorization": f"Bearer {tokens[email]}"}
        if api is None:  # the calendar: one free/busy call per vehicle
            week = f"start={_q(monday)}&end={_q(monday + timedelta(days=7))}"
            samples = []
            for _ in range(runs):
                t = time.perf_counter()
                for vid in vehicle_ids:
                    assert client.get(f"/api/v1/vehicles/{vid}/freebusy?{week}", headers=headers).status_code == 200
                samples.append((time.perf_counter() - t) * 1000)
            a50, a95 = statistics.median(samples), _p95(samples)
        else:
            a50, a95 = _time(client, api, runs, headers)
        results.append((page, queries, p50, p95, a50, a95))
    return results


def _q(moment: datetime) -> str:
    from urllib.parse import quote

    return quote(moment.isoformat())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL (default: SQLite in a temp dir)")
    args = parser.parse_args()

    from logipool import create_app, migrate
    from logipool.db import database, get_session
    from logipool.services.demo import load_demo

    workdir = tempfile.mkdtemp(prefix="pages-bench-")
    url = args.postgres or f"sqlite:///{workdir}/bench.sqlite"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"}, instance_path=workdir)
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {url.split(':')[0]}, "
          f"{args.runs} runs each; times in ms (p50 / p95)")
    with app.app_context():
        migrate.upgrade(database().write_engine)
        session = get_session()
        load_demo(session)  # last month's invoices included
        session.commit()
    for label, grow_it in (("demo", False), ("demo + 300 members, 20,000 bookings", True)):
        if grow_it:
            with app.app_context():
                session = get_session()
                grow(session, 300, 20000)
                session.commit()
        print(f"\n{label}\n| page | SQL statements | page p50 | page p95 | API p50 | API p95 | page / API (p95) |")
        print("|---|---|---|---|---|---|---|")
        for page, queries, p50, p95, a50, a95 in measure(app, args.runs):
            print(f"| `{page}` | {queries} | {p50:.1f} | {p95:.1f} | {a50:.1f} | {a95:.1f} | {p95 / a95:.2f} |")


if __name__ == "__main__":
    main()

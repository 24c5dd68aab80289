"""Truly simultaneous requests against a running server: exactly the feasible ones succeed.

A real gunicorn server with several worker processes (each with threads) serves the app; 32
client threads wait at a barrier and send their requests at once. Run on SQLite (BEGIN
IMMEDIATE) and on PostgreSQL (row locks + exclusion constraint) by the two CI passes."""

from __future__ import annotations

import http.client
import json
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from logipool.models import HOLDING_STATUSES, Role, StorageBooking, VehicleBooking, VehicleKind, VehicleQuota

from ..factories import make_vehicle, make_zone

CLIENTS = 32


@pytest.fixture
def server(app, gunicorn_port):
    """The multi-process server's port, on a database emptied after the test."""
    return gunicorn_port


def fire(port: int, requests: list[tuple[str, dict, str]], headers: dict[str, str] | None = None
         ) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(requests))
    results: list[tuple[int, dict] | None] = [None] * len(requests)

    def send(i: int, path: str, body: dict, token: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        payload = json.dumps(body)
        barrier.wait()
        conn.request("POST", path, payload, {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
                     | (headers or {}))
        response = conn.getresponse()
        results[i] = (response.status, json.loads(response.read() or b"{}"))
        conn.close()

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_simultaneous_vehicle_bookings_never_double_book(server, world, session):
    truck = make_vehicle(session, world.a.coordination, buffer_minutes=0)
    session.commit()
    base = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=10)
    token = world.a.tokens[Role.MANAGER]
    requests = []
    for i in range(CLIENTS):
        slot = i // 2  # 16 slots of one hour, each wanted by two clients
        start = base + timedelta(hours=slot)
        requests.append(
            (
                "/api/v1/vehicle-bookings/",
                {
                    "vehicle_id": truck.id,
                    "member_id": world.a.member.id,
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                },
                token,
            )
        )
    results = fire(server, requests)
    statuses = sorted(s for s, _ in results)
    assert statuses.count(201) == CLIENTS // 2, results
    assert statuses.count(409) == CLIENTS // 2, results
    for status, body in results:
        if status == 409:
            assert body["conflict"]["booking_id"]
    rows = session.scalars(
        select(VehicleBooking).where(VehicleBooking.status.in_(HOLDING_STATUSES)).order_by(VehicleBooking.start_at)
    ).all()
    assert len(rows) == CLIENTS // 2
    assert all(a.block_end <= b.start_at for a, b in zip(rows, rows[1:], strict=False))


def test_simultaneous_storage_bookings_never_exceed_capacity(server, world, session):
    zone = make_zone(session, world.a.coordination, capacity=10)
    session.commit()
    members = [world.a.member.id, world.a.other_member.id]
    requests = [
        (
            "/api/v1/storage-bookings/",
            {
                "zone_id": zone.id,
                "member_id": members[i % 2],
                "pallets": 1,
                "start": "2027-03-01T00:00:00Z",
                "end": "2027-03-15T00:00:00Z",
            },
            world.a.tokens[Role.MANAGER],
        )
        for i in range(CLIENTS)
    ]
    results = fire(server, requests)
    assert sorted(s for s, _ in results).count(201) == 10, results
    assert all(s in (201, 409) for s, _ in results)
    assert sum(session.scalars(select(StorageBooking.pallets)).all()) == 10


def test_exclusion_constraint_guards_the_database_itself(app, world, session, dialect):
    if dialect != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's second guard")
    truck = make_vehicle(session, world.a.coordination)
    session.commit()
    insert = text(
        "INSERT INTO vehicle_booking (coordination_id, vehicle_id, member_id, start_at, end_at, block_end, status, "
        "purpose, notes, created_at, updated_at) VALUES (:c, :v, :m, :s, :e, :e, :st, '', '', now(), now())"
    )
    values = dict(c=world.a.coordination.id, v=truck.id, m=world.a.member.id)
    session.execute(
        insert,
        values | dict(s=datetime(2027, 5, 1, 8, tzinfo=UTC), e=datetime(2027, 5, 1, 12, tzinfo=UTC), st="confirmed"),
    )
    session.execute(
        insert,
        values | dict(s=datetime(2027, 5, 1, 10, tzinfo=UTC), e=datetime(2027, 5, 1, 14, tzinfo=UTC), st="requested"),
    )  # requests do not hold the vehicle
    with pytest.raises(IntegrityError, match="ex_vehicle_booking_no_overlap"):
        session.execute(
            insert,
            values
            | dict(s=datetime(2027, 5, 1, 11, tzinfo=UTC), e=datetime(2027, 5, 1, 13, tzinfo=UTC), st="confirmed"),
        )
    session.rollback()


def _next_local_monday(weeks_ahead: int = 2) -> datetime:
    tz = ZoneInfo("Europe/Paris")
    today = datetime.now(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today + timedelta(days=7 * weeks_ahead - today.weekday())).astimezone(UTC)


def test_simultaneous_bookings_never_exceed_a_fair_use_quota(server, world, session):
    """A weekly quota spans every vehicle of a kind: simultaneous bookings of one member on
    different trucks are counted one after the other, so the week never exceeds the quota."""
    trucks = [make_vehicle(session, world.a.coordination, f"Camion {i}", kind=VehicleKind.TRUCK, buffer_minutes=0)
              for i in range(4)]
    session.add(VehicleQuota(coordination_id=world.a.coordination.id, member_id=world.a.member.id,
                             vehicle_kind=VehicleKind.TRUCK, max_hours_per_week=4))
    session.commit()
    monday = _next_local_monday() + timedelta(hours=6)
    token = world.a.tokens[Role.MEMBER_REP]
    requests = []
    for i in range(CLIENTS):
        start = monday + timedelta(hours=4 * (i // len(trucks)))
        requests.append(("/api/v1/vehicle-bookings/", {"vehicle_id": trucks[i % len(trucks)].id,
                                                        "start": start.isoformat(),
                                                        "end": (start + timedelta(hours=3)).isoformat()}, token))
    results = fire(server, requests)
    statuses = sorted(s for s, _ in results)
    assert statuses == [201] + [422] * (CLIENTS - 1), results
    assert all(body["type"].endswith("quota-exceeded") for s, body in results if s == 422), results
    session.rollback()
    assert len(session.scalars(select(VehicleBooking)).all()) == 1


def test_simultaneous_storage_bookings_never_exceed_a_member_s_share(server, world, session):
    zone = make_zone(session, world.a.coordination, capacity=20, max_pallets_per_member=4)
    session.commit()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    body = {"zone_id": zone.id, "pallets": 1, "start": start.isoformat(),
            "end": (start + timedelta(days=7)).isoformat()}
    results = fire(server, [("/api/v1/storage-bookings/", body, world.a.tokens[Role.MEMBER_REP])] * CLIENTS)
    statuses = sorted(s for s, _ in results)
    assert statuses == [201] * 4 + [422] * (CLIENTS - 4), results
    session.rollback()
    assert sum(session.scalars(select(StorageBooking.pallets)).all()) == 4

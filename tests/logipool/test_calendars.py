"""The iCalendar feeds tell calendar clients what changed: each event has a SEQUENCE that grows
with every change of its booking, LAST-MODIFIED, and the vehicle's site as LOCATION."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from logipool.models import Role, SiteKind, VehicleBooking

from ..factories import make_site, make_vehicle

START = (datetime.now(UTC) + timedelta(days=5)).replace(hour=8, minute=0, second=0, microsecond=0)


def events(client, app, feed) -> dict[str, object]:
    r = client.get(feed["url"].removeprefix(app.config["EXTERNAL_URL"]))
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    return {str(e["uid"]): e for e in Calendar.from_ical(r.data).walk("VEVENT")}, r.data


def test_feed_events_carry_sequence_last_modified_and_location(client, world, session, app):
    a = world.a
    depot = make_site(session, a.coordination, "Entrepôt des Paluds", kind=SiteKind.WAREHOUSE)
    depot.street, depot.postcode, depot.city = "2 avenue des Paluds", "13400", "Aubagne"
    truck = make_vehicle(session, a.coordination, home_site_id=depot.id)
    session.commit()
    rep, staff = a.headers(Role.MEMBER_REP), a.headers(Role.MANAGER)
    asked = client.post("/api/v1/vehicle-bookings/", headers=rep, json={
        "vehicle_id": truck.id, "start": START.isoformat(), "end": (START + timedelta(hours=3)).isoformat(),
        "purpose": "Ramasse"})
    assert asked.status_code == 201, asked.get_json()
    feed = client.post("/api/v1/calendar-feeds/", json={"member_id": a.member.id}, headers=rep).get_json()

    before, body = events(client, app, feed)
    (uid, event), = before.items()
    assert event["sequence"] == 0 and event["status"] == "TENTATIVE"
    assert str(event["location"]) == "Entrepôt des Paluds, 2 avenue des Paluds, 13400 Aubagne"
    modified = event["last-modified"].dt
    assert modified.tzinfo is not None and abs(modified - datetime.now(UTC)) < timedelta(minutes=1)
    assert event["dtstamp"].dt == modified  # the feed's bytes change only when a booking changes
    assert events(client, app, feed)[1] == body

    booking = asked.get_json()["id"]
    assert client.post(f"/api/v1/vehicle-bookings/{booking}/confirm", json={}, headers=staff).status_code == 200
    confirmed = events(client, app, feed)[0][uid]
    assert confirmed["status"] == "CONFIRMED" and confirmed["sequence"] == 1
    assert confirmed["last-modified"].dt >= modified
    row = session.get(VehicleBooking, booking)  # any change of the row counts, whoever makes it
    row.notes = "Prévoir des sangles"
    session.commit()
    assert events(client, app, feed)[0][uid]["sequence"] == 2


def test_a_vehicle_without_a_site_has_no_location(client, world, session, app):
    truck = make_vehicle(session, world.a.coordination)
    session.commit()
    staff = world.a.headers(Role.MANAGER)
    assert client.post("/api/v1/vehicle-bookings/", headers=staff, json={
        "vehicle_id": truck.id, "member_id": world.a.member.id, "start": START.isoformat(),
        "end": (START + timedelta(hours=1)).isoformat()}).status_code == 201
    feed = client.post("/api/v1/calendar-feeds/", json={"vehicle_id": truck.id}, headers=staff).get_json()
    (event,) = events(client, app, feed)[0].values()
    assert "location" not in event and event["sequence"] == 0

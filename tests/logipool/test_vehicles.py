"""Vehicle bookings: no double booking, buffers, blackouts, approval, quotas, recurrence,
check-out and return with the usage charge, availability and free/busy."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from logipool.models import BookingStatus, Charge, Role, VehicleBooking, VehicleKind

from ..factories import make_vehicle
from .test_errors import assert_problem

FUTURE = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=30)


def at(hours: float) -> str:
    return (FUTURE + timedelta(hours=hours)).isoformat()


def ago(hours: float) -> str:
    """``hours`` before now (negative: ahead of now), to the second."""
    return (datetime.now(UTC).replace(microsecond=0) - timedelta(hours=hours)).isoformat()


@pytest.fixture
def truck(world, session):
    v = make_vehicle(session, world.a.coordination)
    session.commit()
    return v


def book(client, world, vehicle_id, start, end, role=Role.MANAGER, **extra):
    body = {"vehicle_id": vehicle_id, "start": start, "end": end, "member_id": world.a.member.id} | extra
    if role == Role.MEMBER_REP:
        body.pop("member_id")
    return client.post("/api/v1/vehicle-bookings/", json=body, headers=world.a.headers(role))


def test_staff_booking_is_confirmed_and_blocks_the_slot_with_its_buffer(client, world, truck):
    first = book(client, world, truck.id, at(0), at(4))
    assert first.status_code == 201
    body = first.get_json()
    assert body["status"] == "confirmed"
    assert body["blocked_until"] == (FUTURE + timedelta(hours=4, minutes=30)).isoformat()
    clash = book(client, world, truck.id, at(3), at(5))
    problem = assert_problem(clash, 409)
    assert problem["conflict"]["booking_id"] == body["id"]
    assert_problem(book(client, world, truck.id, at(4.25), at(6)), 409)  # inside the 30 min buffer
    assert book(client, world, truck.id, at(4.5), at(6)).status_code == 201  # right after the buffer


def test_half_open_periods_touch_without_overlapping(client, world, session):
    van = make_vehicle(session, world.a.coordination, "Jumper", buffer_minutes=0)
    session.commit()
    assert book(client, world, van.id, at(0), at(2)).status_code == 201
    assert book(client, world, van.id, at(2), at(4)).status_code == 201
    assert_problem(book(client, world, van.id, at(1.99), at(2.5)), 409)


def test_member_request_waits_and_confirmation_rejects_overlapping_requests(client, world, truck):
    mine = book(client, world, truck.id, at(0), at(4), role=Role.MEMBER_REP).get_json()
    assert mine["status"] == "requested" and mine["member_id"] == world.a.member.id
    other = book(client, world, truck.id, at(2), at(6), member_id=world.a.other_member.id)
    assert other.status_code == 201  # staff booking confirmed over a mere request
    refreshed = client.get(
        f"/api/v1/vehicle-bookings/{mine['id']}", headers=world.a.headers(Role.MEMBER_REP)
    ).get_json()
    assert refreshed["status"] == "rejected"
    assert str(other.get_json()["id"]) in refreshed["decision_reason"]
    # a request can no longer take that slot
    assert_problem(book(client, world, truck.id, at(1), at(3), role=Role.MEMBER_REP), 409)


def test_manager_confirms_or_rejects_requests(client, world, truck):
    h = world.a.headers(Role.MANAGER)
    r1 = book(client, world, truck.id, at(0), at(2), role=Role.MEMBER_REP).get_json()
    r2 = book(client, world, truck.id, at(1), at(3), role=Role.MEMBER_REP).get_json()
    assert_problem(
        client.post(f"/api/v1/vehicle-bookings/{r1['id']}/confirm", json={}, headers=world.a.headers(Role.MEMBER_REP)),
        403,
    )
    assert (
        client.post(f"/api/v1/vehicle-bookings/{r1['id']}/confirm", json={}, headers=h).get_json()["status"]
        == "confirmed"
    )
    assert client.get(f"/api/v1/vehicle-bookings/{r2['id']}", headers=h).get_json()["status"] == "rejected"
    r3 = book(client, world, truck.id, at(10), at(12), role=Role.MEMBER_REP).get_json()
    no_reason = client.post(f"/api/v1/vehicle-bookings/{r3['id']}/reject", json={}, headers=h)
    assert "reason" in assert_problem(no_reason, 422)["errors"]
    rejected = client.post(
        f"/api/v1/vehicle-bookings/{r3['id']}/reject", json={"reason": "Camion en révision"}, headers=h
    )
    assert rejected.get_json()["decision_reason"] == "Camion en révision"
    assert_problem(client.post(f"/api/v1/vehicle-bookings/{r3['id']}/confirm", json={}, headers=h), 409)


def test_auto_confirm_vehicle(client, world, session):
    van = make_vehicle(session, world.a.coordination, "Jumper", auto_confirm=True)
    session.commit()
    assert book(client, world, van.id, at(0), at(2), role=Role.MEMBER_REP).get_json()["status"] == "confirmed"


def test_blackouts_block_bookings(client, world, truck):
    h = world.a.headers(Role.MANAGER)
    r = client.post(
        f"/api/v1/vehicles/{truck.id}/blackouts",
        json={"start": at(0), "end": at(24), "reason": "Contrôle technique"},
        headers=h,
    )
    assert r.status_code == 201
    problem = assert_problem(book(client, world, truck.id, at(10), at(12)), 409)
    assert "Contrôle technique" in problem["detail"]
    assert book(client, world, truck.id, at(24), at(26)).status_code == 201
    over = client.post(
        f"/api/v1/vehicles/{truck.id}/blackouts", json={"start": at(25), "end": at(30), "reason": "Pneus"}, headers=h
    )
    assert_problem(over, 409)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (at(4), at(2), "end"),  # reversed
        (at(2), at(2), "end"),  # zero length
        ((FUTURE).replace(tzinfo=None).isoformat(), at(2), "start"),  # naive
        ("tomorrow", at(2), "start"),
    ],
)
def test_bad_periods_are_refused_naming_the_field(client, world, truck, start, end, field):
    assert field in assert_problem(book(client, world, truck.id, start, end), 422)["errors"]
    assert client.get("/api/v1/vehicle-bookings/", headers=world.a.headers(Role.MANAGER)).get_json()["total"] == 0


def test_only_staff_record_past_bookings(client, world, truck):
    past_start = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    past_end = (datetime.now(UTC) - timedelta(days=2) + timedelta(hours=3)).isoformat()
    assert (
        "start"
        in assert_problem(book(client, world, truck.id, past_start, past_end, role=Role.MEMBER_REP), 422)["errors"]
    )
    assert book(client, world, truck.id, past_start, past_end).status_code == 201


def test_unknown_or_inactive_vehicle(client, world, truck, session):
    assert "vehicle_id" in assert_problem(book(client, world, 999999, at(0), at(1)), 422)["errors"]
    truck.active = False
    session.commit()
    assert "inactive" in assert_problem(book(client, world, truck.id, at(0), at(1)), 422)["errors"]["vehicle_id"][0]


def test_representative_cannot_book_for_another_member(client, world, truck):
    body = {"vehicle_id": truck.id, "start": at(0), "end": at(1), "member_id": world.a.other_member.id}
    r = client.post("/api/v1/vehicle-bookings/", json=body, headers=world.a.headers(Role.MEMBER_REP))
    assert "member_id" in assert_problem(r, 422)["errors"]
    assert_problem(client.post("/api/v1/vehicle-bookings/", json=body, headers=world.a.headers(Role.TREASURER)), 403)


def test_fair_use_quota(client, world, truck):
    h = world.a.headers(Role.MANAGER)
    q = client.post(
        "/api/v1/vehicle-quotas/", json={"vehicle_kind": "refrigerated_truck", "max_hours_per_week": 6}, headers=h
    )
    assert q.status_code == 201
    monday = FUTURE - timedelta(days=FUTURE.weekday()) + timedelta(hours=8 - FUTURE.hour)
    first = book(
        client, world, truck.id, monday.isoformat(), (monday + timedelta(hours=4)).isoformat(), role=Role.MEMBER_REP
    )
    assert first.status_code == 201
    over = book(
        client,
        world,
        truck.id,
        (monday + timedelta(days=1)).isoformat(),
        (monday + timedelta(days=1, hours=3)).isoformat(),
        role=Role.MEMBER_REP,
    )
    problem = assert_problem(over, 422)
    assert problem["type"] == "/problems/quota-exceeded" and "6 h per week" in problem["detail"]
    staff = book(
        client,
        world,
        truck.id,
        (monday + timedelta(days=1)).isoformat(),
        (monday + timedelta(days=1, hours=3)).isoformat(),
        override_quota=True,
    )
    assert staff.status_code == 201


def test_recurring_round_keeps_local_time_across_daylight_saving(client, world, truck):
    # Tuesdays and Fridays 08:00-12:00 Paris time around the change to summer time (28 March 2027)
    body = {
        "vehicle_id": truck.id,
        "member_id": world.a.member.id,
        "rrule": "FREQ=WEEKLY;BYDAY=TU,FR;UNTIL=20270410",
        "first_start": "2027-03-16T08:00:00",
        "duration_minutes": 240,
        "purpose": "Ramasse",
    }
    r = client.post("/api/v1/vehicle-bookings/recurring", json=body, headers=world.a.headers(Role.MANAGER))
    assert r.status_code == 201, r.get_json()
    created = r.get_json()["created"]
    starts = [b["start"] for b in created]
    assert starts[0] == "2027-03-16T07:00:00+00:00"  # winter: UTC+1
    assert "2027-03-30T06:00:00+00:00" in starts  # summer: UTC+2, still 08:00 in Paris
    assert len(starts) == 8 and all(b["series_id"] == created[0]["series_id"] for b in created)


def test_recurring_conflicts_are_reported_all_or_none_or_skipped(client, world, truck):
    h = world.a.headers(Role.MANAGER)
    assert book(client, world, truck.id, "2027-01-08T09:00:00+01:00", "2027-01-08T10:00:00+01:00").status_code == 201
    body = {
        "vehicle_id": truck.id,
        "member_id": world.a.member.id,
        "rrule": "FREQ=WEEKLY;BYDAY=FR;COUNT=4",
        "first_start": "2027-01-01T08:00:00",
        "duration_minutes": 240,
    }
    refused = assert_problem(client.post("/api/v1/vehicle-bookings/recurring", json=body, headers=h), 409)
    assert len(refused["occurrences"]) == 1 and refused["occurrences"][0]["start"].startswith("2027-01-08T07:00")
    assert client.get("/api/v1/vehicle-bookings/", headers=h).get_json()["total"] == 1  # nothing booked
    skipped = client.post(
        "/api/v1/vehicle-bookings/recurring", json=body | {"on_conflict": "skip"}, headers=h
    ).get_json()
    assert len(skipped["created"]) == 3 and len(skipped["skipped"]) == 1


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=DAILY;COUNT=501", "more than 500"),
        ("FREQ=WEEKLY;BYDAY=TU", "COUNT or UNTIL"),
        ("FREQ=SOMETIMES;COUNT=3", "valid RFC 5545"),
    ],
)
def test_bad_rules(client, world, truck, rule, message):
    body = {
        "vehicle_id": truck.id,
        "member_id": world.a.member.id,
        "rrule": rule,
        "first_start": "2027-01-01T08:00:00",
        "duration_minutes": 60,
    }
    r = client.post("/api/v1/vehicle-bookings/recurring", json=body, headers=world.a.headers(Role.MANAGER))
    assert message in assert_problem(r, 422)["errors"]["rrule"][0]


def test_checkout_return_and_the_usage_charge(client, world, truck, session):
    h = world.a.headers(Role.MANAGER)
    b = book(client, world, truck.id, ago(6), ago(2)).get_json()
    out = client.post(
        f"/api/v1/vehicle-bookings/{b['id']}/checkout", json={"odometer_km": 15230, "at": ago(6)}, headers=h
    )
    assert out.get_json()["status"] == "checked_out"
    backwards = client.post(
        f"/api/v1/vehicle-bookings/{b['id']}/return", json={"odometer_km": 15000, "at": ago(2)}, headers=h
    )
    assert "backwards" in assert_problem(backwards, 422)["errors"]["odometer_km"][0]
    absurd = client.post(
        f"/api/v1/vehicle-bookings/{b['id']}/return", json={"odometer_km": 25230, "at": ago(2)}, headers=h
    )
    assert "plausible" in assert_problem(absurd, 422)["errors"]["odometer_km"][0]
    assert session.scalars(select(Charge)).all() == []
    session.rollback()
    back = client.post(
        f"/api/v1/vehicle-bookings/{b['id']}/return",
        json={"odometer_km": 15268, "at": ago(1.8), "notes": "RAS"},
        headers=h,
    ).get_json()
    assert back["status"] == "returned" and back["distance_km"] == 38
    charge = client.get("/api/v1/charges/?source_type=vehicle_booking", headers=h).get_json()["items"][0]
    # 1 day × 25.00 + 4 h × 6.00 + 38 km × 0.45 = 25.00 + 24.00 + 17.10
    assert charge["amount"] == "66.10" and charge["member_id"] == world.a.member.id
    assert "38 km × 0,45\xa0€" in charge["basis"] and "= 66,10\xa0€" in charge["basis"]
    # the next check-out cannot start below the last return
    nxt = book(client, world, truck.id, ago(-1), ago(-3)).get_json()
    low = client.post(f"/api/v1/vehicle-bookings/{nxt['id']}/checkout", json={"odometer_km": 15267}, headers=h)
    assert "backwards" in assert_problem(low, 422)["errors"]["odometer_km"][0]


def _driven(client, world, truck, start_h: float, end_h: float, km: int = 15100, left_h: float | None = None):
    h = world.a.headers(Role.MANAGER)
    b = book(client, world, truck.id, ago(start_h), ago(end_h)).get_json()
    out = client.post(f"/api/v1/vehicle-bookings/{b['id']}/checkout",
                      json={"odometer_km": km, "at": ago(start_h if left_h is None else left_h)}, headers=h)
    assert out.status_code == 200, out.get_json()
    return b["id"]


@pytest.mark.parametrize(
    ("role", "when", "message"),
    [
        (Role.MEMBER_REP, "2199-01-01T00:00:00Z", "future"),
        (Role.MANAGER, "2199-01-01T00:00:00Z", "future"),
        (Role.MEMBER_REP, -30, "more than 24 hours ago"),
        (Role.MANAGER, -24 * 40, "more than 31 days ago"),
    ],
)
def test_a_return_is_recorded_within_a_bounded_window_around_now(client, world, truck, session, role, when, message):
    """A return in 2199 (or long ago) is refused: no absurd charge, the odometer is not pinned."""
    booking = _driven(client, world, truck, 3, 1)
    at_ = when if isinstance(when, str) else ago(-when)
    r = client.post(f"/api/v1/vehicle-bookings/{booking}/return",
                    json={"odometer_km": 15140, "at": at_}, headers=world.a.headers(role))
    assert message in assert_problem(r, 422)["errors"]["at"][0]
    session.rollback()
    assert session.scalars(select(Charge)).all() == []
    assert session.get(VehicleBooking, booking).status == BookingStatus.CHECKED_OUT


def test_staff_record_history_within_limits_and_members_only_recent_readings(client, world, truck, session):
    # staff record a round driven three days ago
    booking = _driven(client, world, truck, 72, 68)
    ok = client.post(f"/api/v1/vehicle-bookings/{booking}/return", json={"odometer_km": 15150, "at": ago(68)},
                     headers=world.a.headers(Role.MANAGER))
    assert ok.status_code == 200 and ok.get_json()["distance_km"] == 50
    # a representative may not check out a booking it did not start to use yesterday
    b = book(client, world, truck.id, ago(30), ago(26)).get_json()
    late = client.post(f"/api/v1/vehicle-bookings/{b['id']}/checkout", json={"odometer_km": 15150, "at": ago(30)},
                       headers=world.a.headers(Role.MEMBER_REP))
    assert "24 hours" in assert_problem(late, 422)["errors"]["at"][0]


def test_check_out_and_return_lie_around_the_booking(client, world, truck):
    h = world.a.headers(Role.MANAGER)
    early = book(client, world, truck.id, ago(-20), ago(-22)).get_json()
    r = client.post(f"/api/v1/vehicle-bookings/{early['id']}/checkout", json={"odometer_km": 15100}, headers=h)
    assert "before the booking starts" in assert_problem(r, 422)["errors"]["at"][0]
    over = book(client, world, truck.id, ago(30), ago(28)).get_json()
    r = client.post(f"/api/v1/vehicle-bookings/{over['id']}/checkout", json={"odometer_km": 15100, "at": ago(27)},
                    headers=h)
    assert "its end" in assert_problem(r, 422)["errors"]["at"][0]
    # a booking that ended nine days ago cannot be returned now
    stale = _driven(client, world, truck, 24 * 9 + 4, 24 * 9)
    r = client.post(f"/api/v1/vehicle-bookings/{stale}/return", json={"odometer_km": 15100}, headers=h)
    assert "7 days after" in assert_problem(r, 422)["errors"]["at"][0]


def test_distance_is_plausible_for_the_time_since_check_out_and_never_pins_the_odometer(
    client, world, truck, session
):
    h = world.a.headers(Role.MANAGER)
    booking = _driven(client, world, truck, 2, 0.5, km=15000)
    # 2 h at 130 km/h at most (+5 km of rounding): 265 km
    r = client.post(f"/api/v1/vehicle-bookings/{booking}/return", json={"odometer_km": 1_950_000}, headers=h)
    assert "130 km/h" in assert_problem(r, 422)["errors"]["odometer_km"][0]
    r = client.post(f"/api/v1/vehicle-bookings/{booking}/return", json={"odometer_km": 15300}, headers=h)
    assert "plausible" in assert_problem(r, 422)["errors"]["odometer_km"][0]
    session.rollback()
    assert session.get(type(truck), truck.id).odometer_km == 15000
    r = client.post(f"/api/v1/vehicle-bookings/{booking}/return", json={"odometer_km": 15180}, headers=h)
    assert r.status_code == 200 and r.get_json()["distance_km"] == 180
    # the next use starts from the real reading
    nxt = book(client, world, truck.id, ago(-1), ago(-3)).get_json()
    r = client.post(f"/api/v1/vehicle-bookings/{nxt['id']}/checkout", json={"odometer_km": 15181}, headers=h)
    assert r.status_code == 200


def test_a_member_lending_its_vehicle_pays_nothing_for_its_own_use(client, world, session):
    lent = make_vehicle(session, world.a.coordination, "Kangoo", owner_member_id=world.a.member.id)
    session.commit()
    h = world.a.headers(Role.MANAGER)
    b = book(client, world, lent.id, ago(3), ago(1)).get_json()
    client.post(f"/api/v1/vehicle-bookings/{b['id']}/checkout", json={"odometer_km": 15100, "at": ago(3)}, headers=h)
    client.post(f"/api/v1/vehicle-bookings/{b['id']}/return", json={"odometer_km": 15120}, headers=h)
    charge = client.get("/api/v1/charges/?source_type=vehicle_booking", headers=h).get_json()["items"][0]
    assert charge["amount"] == "0.00" and "prêté par ce membre" in charge["basis"]


def test_availability_search_and_free_busy(client, world, session):
    c = world.a.coordination
    fridge = make_vehicle(session, c, "Master frigo", capacity_pallets=4, chilled=True)
    small = make_vehicle(session, c, "Kangoo frigo", capacity_pallets=1, chilled=True)
    dry = make_vehicle(session, c, "Daily 35", kind=VehicleKind.TRUCK, capacity_pallets=6, chilled=False)
    busy = make_vehicle(session, c, "Master frigo 2", capacity_pallets=3, chilled=True)
    session.commit()
    assert book(client, world, busy.id, at(-1), at(1)).status_code == 201
    h = world.a.headers(Role.MEMBER_REP)
    r = client.get(
        f"/api/v1/vehicles/availability?start={at(0)}&end={at(4)}&min_pallets=3&chilled=true".replace("+", "%2B"),
        headers=h,
    )
    assert [v["id"] for v in r.get_json()] == [fridge.id]
    assert {small.id, dry.id}.isdisjoint(v["id"] for v in r.get_json())
    fb = client.get(
        f"/api/v1/vehicles/{busy.id}/freebusy?start={at(-2)}&end={at(3)}".replace("+", "%2B"), headers=h
    ).get_json()
    kinds = [x["kind"] for x in fb["busy"]]
    assert kinds == ["booking", "buffer"]
    assert fb["busy"][0]["member_id"] == world.a.member.id  # the representative's own booking
    assert fb["free"][0]["end"] == fb["busy"][0]["start"] and fb["free"][-1]["start"] == fb["busy"][1]["end"]


def test_free_busy_hides_other_members(client, world, truck):
    book(client, world, truck.id, at(0), at(1), member_id=world.a.other_member.id)
    fb = client.get(
        f"/api/v1/vehicles/{truck.id}/freebusy?start={at(-1)}&end={at(2)}".replace("+", "%2B"),
        headers=world.a.headers(Role.MEMBER_REP),
    ).get_json()
    assert fb["busy"][0]["member_id"] is None and fb["busy"][0]["booking_id"] is None


def test_calendar_feeds(client, world, truck, app):
    from icalendar import Calendar

    book(client, world, truck.id, at(0), at(2), purpose="Ramasse Aubagne")
    book(client, world, truck.id, at(5), at(6), member_id=world.a.other_member.id)
    rep = world.a.headers(Role.MEMBER_REP)
    assert_problem(client.post("/api/v1/calendar-feeds/", json={"vehicle_id": truck.id}, headers=rep), 403)
    assert (
        "member_id"
        in assert_problem(
            client.post("/api/v1/calendar-feeds/", json={"member_id": world.a.other_member.id}, headers=rep), 422
        )["errors"]
    )
    feed = client.post("/api/v1/calendar-feeds/", json={"member_id": world.a.member.id}, headers=rep).get_json()
    path = feed["url"].removeprefix(app.config["EXTERNAL_URL"])
    r = client.get(path)  # no bearer token: the URL is the credential
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    events = Calendar.from_ical(r.data).walk("VEVENT")
    assert len(events) == 1 and "Ramasse Aubagne" in str(events[0]["summary"])
    assert client.delete(f"/api/v1/calendar-feeds/{feed['id']}", headers=rep).status_code == 204
    assert_problem(client.get(path), 404)
    staff = client.post(
        "/api/v1/calendar-feeds/", json={"vehicle_id": truck.id}, headers=world.a.headers(Role.MANAGER)
    ).get_json()
    vehicle_events = Calendar.from_ical(client.get(staff["url"].removeprefix(app.config["EXTERNAL_URL"])).data).walk(
        "VEVENT")
    assert len(vehicle_events) == 2


def test_feed_urls_use_the_configured_external_url_not_the_host_header(client, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "EXTERNAL_URL", "https://logipool.example.org/aide")
    r = client.post("/api/v1/calendar-feeds/", json={"member_id": world.a.member.id},
                    headers=world.a.headers(Role.MEMBER_REP) | {"Host": "evil.example"})
    url = r.get_json()["url"]
    assert url.startswith("https://logipool.example.org/aide/api/v1/calendar/cal_") and url.endswith(".ics")
    assert "evil" not in url


@pytest.mark.parametrize("loss", ["deactivated", "grant removed", "role narrowed"])
def test_a_calendar_feed_dies_with_its_creators_access(client, world, truck, app, session, loss):
    """A feed acts for the person who made it: once they lose access, its URL answers 404."""
    from ..factories import platform_token

    creator = world.a.user_ids[Role.MANAGER]
    made = [client.post("/api/v1/calendar-feeds/", json=body, headers=world.a.headers(Role.MANAGER)).get_json()
            for body in ({"vehicle_id": truck.id}, {"member_id": world.a.other_member.id})]
    paths = [f["url"].removeprefix(app.config["EXTERNAL_URL"]) for f in made]
    assert all(client.get(p).status_code == 200 for p in paths)
    admin = world.a.headers(Role.ADMIN)
    if loss == "deactivated":
        r = client.patch(f"/api/v1/users/{creator}", json={"active": False}, headers=platform_token(session, world.b))
        assert r.status_code == 404  # a platform token acts on people of its own coordination
        r = client.patch(f"/api/v1/users/{creator}", json={"active": False}, headers=platform_token(session, world.a))
    elif loss == "grant removed":
        r = client.delete(f"/api/v1/users/{creator}", headers=admin)
    else:  # a representative of another member may not read the vehicle's or the other member's calendar
        r = client.patch(f"/api/v1/users/{creator}", json={"role": "member_rep", "member_id": world.a.member.id},
                         headers=admin)
    assert r.status_code in (200, 204), r.get_data(as_text=True)
    for path in paths:
        assert_problem(client.get(path), 404)
    # a feed its creator may still read keeps working
    rep = client.post("/api/v1/calendar-feeds/", json={"member_id": world.a.member.id},
                      headers=world.a.headers(Role.MEMBER_REP)).get_json()
    assert client.get(rep["url"].removeprefix(app.config["EXTERNAL_URL"])).status_code == 200


def test_no_two_holding_bookings_ever_overlap(client, world, truck, session):
    """Random requests, confirmations and cancellations; afterwards the rule holds."""
    import random

    rng = random.Random(7)
    h = world.a.headers(Role.MANAGER)
    for _ in range(60):
        start = rng.randrange(0, 96)
        length = rng.choice([1, 2, 3, 5])
        role = rng.choice([Role.MANAGER, Role.MEMBER_REP])
        r = book(client, world, truck.id, at(start), at(start + length), role=role)
        assert r.status_code in (201, 409), r.get_json()
        if r.status_code == 201 and r.get_json()["status"] == "requested" and rng.random() < 0.5:
            assert client.post(
                f"/api/v1/vehicle-bookings/{r.get_json()['id']}/confirm", json={}, headers=h
            ).status_code in (200, 409)
    holding = session.scalars(
        select(VehicleBooking)
        .where(VehicleBooking.status.in_([BookingStatus.CONFIRMED, BookingStatus.CHECKED_OUT, BookingStatus.RETURNED]))
        .order_by(VehicleBooking.start_at)
    ).all()
    assert len(holding) > 5
    for a, b in zip(holding, holding[1:], strict=False):
        assert a.block_end <= b.start_at


def test_a_raised_buffer_that_would_make_bookings_collide_is_refused_with_the_collisions(
    client, world, truck, session
):
    h = world.a.headers(Role.MANAGER)
    first = book(client, world, truck.id, at(0), at(2)).get_json()
    second = book(client, world, truck.id, at(3), at(5)).get_json()  # 1 h after the first ends
    r = client.patch(f"/api/v1/vehicles/{truck.id}", json={"buffer_minutes": 90}, headers=h)
    problem = assert_problem(r, 409)
    assert problem["conflicts"] == [{"booking_id": first["id"], "blocked_until": at(3.5),
                                     "conflicting_booking_id": second["id"], "blackout_id": None}]
    session.rollback()
    assert session.get(type(truck), truck.id).buffer_minutes == 30
    # a buffer that fits is applied to the bookings still to come
    ok = client.patch(f"/api/v1/vehicles/{truck.id}", json={"buffer_minutes": 60}, headers=h)
    assert ok.status_code == 200
    assert client.get(f"/api/v1/vehicle-bookings/{first['id']}", headers=h).get_json()["blocked_until"] == at(3)
    assert_problem(book(client, world, truck.id, at(2.5), at(2.9)), 409)  # inside the new buffer

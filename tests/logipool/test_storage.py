"""Storage zones and bookings: exact capacity sweep, occupancy views, charges, cost split."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from logipool.models import Charge, Role, StorageBooking, StorageZone

from ..factories import make_zone
from .test_errors import assert_problem

D = "2027-02-{:02d}T00:00:00Z"


@pytest.fixture
def zone(world, session):
    z = make_zone(session, world.a.coordination, capacity=10)
    session.commit()
    return z


def store(client, world, zone_id, pallets, start_day, end_day, member=None, role=Role.MANAGER):
    body = {"zone_id": zone_id, "pallets": pallets, "start": D.format(start_day), "end": D.format(end_day),
            "member_id": (member or world.a.member).id}
    return client.post("/api/v1/storage-bookings/", json=body, headers=world.a.headers(role))


def test_capacity_is_checked_at_every_instant_not_summed(client, world, zone):
    assert store(client, world, zone.id, 6, 1, 10).status_code == 201
    assert store(client, world, zone.id, 6, 10, 20).status_code == 201  # one after the other: 6, never 12
    full = assert_problem(store(client, world, zone.id, 5, 5, 15), 409)
    assert full["conflict"]["occupied_pallets"] == 6 and full["conflict"]["free_pallets"] == 4
    assert store(client, world, zone.id, 4, 5, 15).status_code == 201
    assert_problem(store(client, world, zone.id, 1, 9, 11), 409)  # 10 of 10 on both sides of day 10
    assert store(client, world, zone.id, 1, 20, 21).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pallets": 11}, "pallets"),
        ({"pallets": 0}, "pallets"),
        ({"pallets": 1.5}, "pallets"),
        ({"end": D.format(1)}, "end"),
        ({"start": "2027-02-01T00:00:00"}, "start"),
        ({"zone_id": 999999}, "zone_id"),
    ],
)
def test_bad_storage_requests(client, world, zone, body, field):
    base = {"zone_id": zone.id, "pallets": 2, "start": D.format(1), "end": D.format(3), "member_id": world.a.member.id}
    r = client.post("/api/v1/storage-bookings/", json=base | body, headers=world.a.headers(Role.MANAGER))
    assert field in assert_problem(r, 422)["errors"]


def test_occupancy_json_and_svg(client, world, zone):
    store(client, world, zone.id, 3, 1, 10)
    store(client, world, zone.id, 5, 5, 15, member=world.a.other_member)
    h = world.a.headers(Role.MANAGER)
    q = f"start={D.format(1)}&end={D.format(20)}"
    occ = client.get(f"/api/v1/storage-zones/{zone.id}/occupancy?{q}", headers=h).get_json()
    assert [(s["pallets"], s["start"][:10], s["end"][:10]) for s in occ["steps"]] == [
        (3, "2027-02-01", "2027-02-05"), (8, "2027-02-05", "2027-02-10"), (5, "2027-02-10", "2027-02-15"),
        (0, "2027-02-15", "2027-02-20")]
    assert occ["peak_pallets"] == 8 and occ["capacity_pallets"] == 10
    svg = client.get(f"/api/v1/storage-zones/{zone.id}/occupancy?{q}&format=svg", headers=h)
    assert svg.mimetype == "image/svg+xml"
    root = ElementTree.fromstring(svg.data)
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == 1 + 3  # background + three occupied steps
    assert "capacité 10 palettes" in svg.get_data(as_text=True)


def test_storage_is_charged_once_by_period_close_and_end(client, world, zone, session):
    h = world.a.headers(Role.MANAGER)
    b = store(client, world, zone.id, 2, 1, 20).get_json()
    first = client.post("/api/v1/storage-bookings/charge", json={"until": D.format(11)}, headers=h)
    assert first.status_code == 201
    assert [c["amount"] for c in first.get_json()] == ["30.00"]  # 2 pallets × 10 days × 1.50
    again = client.post("/api/v1/storage-bookings/charge", json={"until": D.format(11)}, headers=h).get_json()
    assert again == []  # nothing left to charge up to that day
    ended = client.post(f"/api/v1/storage-bookings/{b['id']}/end", json={"end": D.format(15)}, headers=h)
    assert ended.get_json()["charged_until"].startswith("2027-02-15")
    amounts = session.scalars(select(Charge.amount_cents).order_by(Charge.id)).all()
    assert amounts == [3000, 1200]  # days 11-15: 2 × 4 × 1.50
    assert_problem(client.post(f"/api/v1/storage-bookings/{b['id']}/end", json={"end": D.format(14)}, headers=h), 422)


def test_warehouse_cost_split(client, world, zone, session):
    h = world.a.headers(Role.MANAGER)
    store(client, world, zone.id, 3, 1, 11)  # 30 pallet-days in February
    store(client, world, zone.id, 1, 1, 11, member=world.a.other_member)  # 10 pallet-days
    foundation = world.a.funder.id
    town = client.post("/api/v1/funders/", json={"name": "Ville", "kind": "town"}, headers=h).get_json()["id"]
    body = {"site_id": zone.site_id, "start": D.format(1), "end": "2027-03-01T00:00:00Z", "total_cost": "10000.01",
            "funders": [{"funder_id": foundation, "percent": "50"}, {"funder_id": town, "percent": "30"}],
            "dry_run": True}
    preview = client.post("/api/v1/warehouse-costs/", json=body, headers=h).get_json()
    assert preview["posted"] is False
    assert session.scalar(select(func.count()).select_from(Charge)) == 0
    session.rollback()  # end the read snapshot before the next check
    amounts = [p["amount"] for p in preview["parts"]]
    assert amounts == ["5000.01", "3000.00", "1500.00", "500.00"]
    assert [p["weight"] for p in preview["parts"][2:]] == ["30.00 palettes-jours", "10.00 palettes-jours"]
    posted = client.post("/api/v1/warehouse-costs/", json=body | {"dry_run": False}, headers=h).get_json()
    assert all(p["charge_id"] for p in posted["parts"])
    assert session.scalar(select(func.sum(Charge.amount_cents))) == 1000001
    assert_problem(client.post("/api/v1/warehouse-costs/", json=body | {"dry_run": False}, headers=h), 409)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"funders": [{"funder_id": 1, "percent": "60"}, {"funder_id": 2, "percent": "50"}]}, "funders"),
        ({"total_cost": "-5.00"}, "total_cost"),
        ({"total_cost": "5.001"}, "total_cost"),
        ({"end": D.format(1)}, "end"),
        ({"key": "volume"}, "key"),
    ],
)
def test_bad_cost_splits(client, world, zone, change, field):
    body = {"site_id": zone.site_id, "start": D.format(1), "end": D.format(28), "total_cost": "100.00"} | change
    r = client.post("/api/v1/warehouse-costs/", json=body, headers=world.a.headers(Role.MANAGER))
    assert field in assert_problem(r, 422)["errors"]


def test_cost_split_without_any_use_says_so(client, world, zone):
    body = {"site_id": zone.site_id, "start": D.format(1), "end": D.format(28), "total_cost": "100.00"}
    r = client.post("/api/v1/warehouse-costs/", json=body, headers=world.a.headers(Role.MANAGER))
    assert "No member stored" in assert_problem(r, 422)["detail"]


def _iso(days: float) -> str:
    return (datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)).isoformat()


def _book(client, world, zone_id, start_days, end_days, pallets=1, role=Role.MEMBER_REP):
    body = {"zone_id": zone_id, "pallets": pallets, "start": _iso(start_days), "end": _iso(end_days)}
    if role != Role.MEMBER_REP:
        body["member_id"] = world.a.member.id
    return client.post("/api/v1/storage-bookings/", json=body, headers=world.a.headers(role))


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (-2000, -1990, "start", "past"),  # booked in 2020
        (1, 1 + 36500, "end", "at most 92 days"),  # for a hundred years
        (400, 410, "start", "365 days ahead"),  # beyond the horizon
    ],
)
def test_storage_bookings_of_members_keep_to_the_zone_s_time_rules(client, world, zone, session, start, end,
                                                                   field, message):
    r = _book(client, world, zone.id, start, end)
    assert message in assert_problem(r, 422)["errors"][field][0]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(StorageBooking)) == 0


def test_zone_time_rules_are_configurable_and_staff_record_the_past(client, world, zone):
    staff = world.a.headers(Role.MANAGER)
    assert _book(client, world, zone.id, -30, -20, role=Role.MANAGER).status_code == 201
    r = client.patch(f"/api/v1/storage-zones/{zone.id}", json={"max_booking_days": 400, "max_horizon_days": 730},
                     headers=staff)
    assert r.status_code == 200 and r.get_json()["max_booking_days"] == 400
    assert _book(client, world, zone.id, 400, 790).status_code == 201


def test_a_member_holds_at_most_its_share_of_a_zone(client, world, zone, session):
    """Fair use: every frozen position cannot go to one member when the zone sets a share."""
    staff = world.a.headers(Role.MANAGER)
    assert client.patch(f"/api/v1/storage-zones/{zone.id}", json={"max_pallets_per_member": 4},
                        headers=staff).status_code == 200
    assert _book(client, world, zone.id, 1, 10, pallets=3).status_code == 201
    assert _book(client, world, zone.id, 10, 20, pallets=4).status_code == 201  # one after the other
    over = _book(client, world, zone.id, 5, 15, pallets=2)
    assert assert_problem(over, 422)["held_pallets"] == 4
    assert _book(client, world, zone.id, 5, 15, pallets=1).status_code == 422
    other = {"zone_id": zone.id, "pallets": 4, "start": _iso(5), "end": _iso(15), "member_id": world.a.other_member.id}
    assert client.post("/api/v1/storage-bookings/", json=other, headers=staff).status_code == 201


def test_a_zone_s_capacity_cannot_drop_below_what_is_booked(client, world, zone, session):
    staff = world.a.headers(Role.MANAGER)
    first = _book(client, world, zone.id, 1, 10, pallets=6, role=Role.MANAGER).get_json()
    second = _book(client, world, zone.id, 5, 15, pallets=3, role=Role.MANAGER).get_json()
    r = client.patch(f"/api/v1/storage-zones/{zone.id}", json={"capacity_pallets": 8}, headers=staff)
    problem = assert_problem(r, 409)
    assert [c["occupied_pallets"] for c in problem["conflicts"]] == [9]
    assert sorted(problem["conflicts"][0]["booking_ids"]) == sorted([first["id"], second["id"]])
    session.rollback()
    assert session.get(StorageZone, zone.id).capacity_pallets == 10
    assert client.patch(f"/api/v1/storage-zones/{zone.id}", json={"capacity_pallets": 9},
                        headers=staff).status_code == 200

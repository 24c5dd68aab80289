"""Route plans through the API: built from bookings and sites, solved in the background with
progress, checked, shared to the cent, drawn, and charged when executed."""

from __future__ import annotations

import io
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from xml.etree import ElementTree

import pdfplumber
import pytest
from sqlalchemy import func, select

from logipool.models import BookingStatus, Charge, Role, Site, SiteKind, VehicleBooking

from ..factories import make_vehicle
from .test_errors import assert_problem

ALL_WEEK = {d: [["07:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
DAY = date(2030, 6, 4)  # a Tuesday


def site(session, tenant, name, kind, lat, lon, member=None, hours=ALL_WEEK):
    row = Site(
        coordination_id=tenant.coordination.id,
        name=name,
        kind=kind,
        latitude=Decimal(str(lat)),
        longitude=Decimal(str(lon)),
        opening_hours=hours,
        member_id=member.id if member else None,
        contact_name="Accueil",
        contact_phone="+33 4 42 00 00 00",
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def day(world, session):
    a = world.a
    depot = site(session, a, "Entrepôt", SiteKind.WAREHOUSE, 43.2875, 5.6010)
    shops = [
        site(session, a, f"Magasin {i}", SiteKind.SUPERMARKET, lat, lon)
        for i, (lat, lon) in enumerate([(43.289, 5.588), (43.2935, 5.4855), (43.301, 5.616)])
    ]
    point_a = site(session, a, "Point A", SiteKind.DISTRIBUTION_POINT, 43.2927, 5.5708, member=a.member)
    point_b = site(session, a, "Point B", SiteKind.DISTRIBUTION_POINT, 43.2811, 5.5150, member=a.other_member)
    closed = site(session, a, "Magasin fermé", SiteKind.SUPERMARKET, 43.30, 5.55, hours={"sun": [["08:00", "12:00"]]})
    fridge = make_vehicle(session, a.coordination, "Master frigo", chilled=True, capacity_kg=1200, capacity_pallets=4)
    van = make_vehicle(session, a.coordination, "Jumper", chilled=False, capacity_kg=1000, capacity_pallets=3)
    idle = make_vehicle(session, a.coordination, "Daily 35")
    for vehicle in (fridge, van):
        session.add(
            VehicleBooking(
                coordination_id=a.coordination.id,
                vehicle_id=vehicle.id,
                member_id=a.member.id,
                start_at=datetime(2030, 6, 4, 5, tzinfo=UTC),
                end_at=datetime(2030, 6, 4, 12, tzinfo=UTC),
                block_end=datetime(2030, 6, 4, 12, tzinfo=UTC),
                status=BookingStatus.CONFIRMED,
                for_rounds=True,
            )
        )
    session.commit()
    stops = [
        {"kind": "pickup", "site_id": shops[0].id, "member_id": a.member.id, "kg": 300, "pallets": 1},
        {
            "kind": "pickup",
            "site_id": shops[1].id,
            "member_id": a.other_member.id,
            "kg": 200,
            "pallets": 1,
            "chilled": True,
        },
        {"kind": "delivery", "site_id": point_a.id, "kg": 250, "pallets": 1},
        {"kind": "delivery", "site_id": point_b.id, "kg": 150, "pallets": 1},
        {"kind": "transfer", "site_id": shops[2].id, "to_site_id": point_a.id, "kg": 80, "chilled": True},
    ]
    return {
        "depot": depot,
        "shops": shops,
        "closed": closed,
        "fridge": fridge,
        "van": van,
        "idle": idle,
        "point_a": point_a,
        "stops": stops,
    }


def plan(client, world, setup, **changes):
    body = {
        "day": DAY.isoformat(),
        "vehicle_ids": [setup["fridge"].id, setup["van"].id],
        "stops": setup["stops"],
        "time_limit": 1,
        "share_method": "shapley",
    } | changes
    return client.post("/api/v1/route-plans/", json=body, headers=world.a.headers(Role.MANAGER))


def wait(client, world, plan_id, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/route-plans/{plan_id}", headers=world.a.headers(Role.MANAGER)).get_json()
        if body["status"] in ("solved", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"plan {plan_id} still {body['status']}")


def test_plan_solve_share_draw_and_execute(client, world, day, session):
    h = world.a.headers(Role.MANAGER)
    created = plan(client, world, day)
    assert created.status_code == 202 and created.get_json()["status"] in ("queued", "running")
    status = wait(client, world, created.get_json()["id"])
    assert status["status"] == "solved", status
    assert status["error"] is None
    assert status["progress"]["best_cost"]
    pid = status["id"]
    result = client.get(f"/api/v1/route-plans/{pid}/result", headers=h).get_json()["result"]
    routes, unserved = result["plan"]["routes"], result["plan"]["unserved"]
    assert unserved == [] and result["plan"]["feasible"] is True
    served = {v["stop"] for r in routes for v in r["visits"] if v["stop"]}
    assert served == {"S1", "S2", "S3", "S4", "S5"}
    chilled_route = next(r for r in routes if any(v["stop"] in ("S2", "S5") for v in r["visits"]))
    assert chilled_route["vehicle"].startswith("Master frigo")
    shares = result["shares"]
    cents = [int(Decimal(m["share"]) * 100) for m in shares["members"]]
    assert sum(cents) == result["plan"]["cost_cents"]
    assert shares["individually_rational"] is True and shares["exact"] is True
    assert all(Decimal(m["saving"]) >= 0 for m in shares["members"])
    assert Decimal(result["pooling"]["saved"]["cost"]) >= 0
    geo = client.get(f"/api/v1/route-plans/{pid}/geojson", headers=h)
    assert geo.mimetype == "application/geo+json" and geo.get_json()["type"] == "FeatureCollection"
    svg = client.get(f"/api/v1/route-plans/{pid}/map.svg", headers=h)
    assert ElementTree.fromstring(svg.data).tag.endswith("svg")
    pdf = client.get(f"/api/v1/route-plans/{pid}/runsheet.pdf", headers=h)
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        text = "\n".join(p.extract_text() for p in doc.pages)
    assert "Point A" in text and "Master frigo" in text
    # each stop's opening hours, for whom goods are handled, pallets on board
    assert "ouvert 07:00–19:00" in text and f"pour {world.a.member.short_name}" in text and "pal." in text
    assert_problem(client.post(f"/api/v1/route-plans/{pid}/execute", headers=h), 409)  # accept first
    assert client.post(f"/api/v1/route-plans/{pid}/accept", headers=h).get_json()["status"] == "accepted"
    assert client.post(f"/api/v1/route-plans/{pid}/execute", headers=h).get_json()["status"] == "executed"
    total = session.scalar(select(func.sum(Charge.amount_cents)).where(Charge.source_id == pid))
    assert total == result["plan"]["cost_cents"]
    session.rollback()
    assert_problem(client.post(f"/api/v1/route-plans/{pid}/execute", headers=h), 409)


def test_stops_that_cannot_be_served_are_reported_and_the_rest_planned(client, world, day):
    stops = day["stops"][:3] + [
        {"kind": "pickup", "site_id": day["closed"].id, "member_id": world.a.member.id, "kg": 100},
        {"kind": "pickup", "site_id": day["shops"][0].id, "member_id": world.a.member.id, "kg": 5000},
    ]
    r = plan(client, world, day, stops=stops, vehicle_ids=[day["van"].id])
    status = wait(client, world, r.get_json()["id"])
    assert status["status"] == "solved"
    result = client.get(f"/api/v1/route-plans/{status['id']}/result", headers=world.a.headers(Role.MANAGER)).get_json()
    reasons = {u["stop"]: u["reason"] for u in result["result"]["plan"]["unserved"]}
    assert reasons == {"S2": "no_chilled_vehicle", "S4": "window_impossible", "S5": "over_capacity"}
    served = {v["stop"] for route in result["result"]["plan"]["routes"] for v in route["visits"] if v["stop"]}
    assert served == {"S1", "S3"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vehicle_ids": []}, "vehicle_ids"),
        ({"day": "2030-06-05"}, "vehicle_ids.0"),  # not booked that day
        ({"stops": [{"kind": "transfer", "site_id": 0, "kg": 1}]}, "stops.0.site_id"),
        ({"stops": [{"kind": "pickup", "site_id": -1, "kg": 1}]}, "stops.0.site_id"),
        ({"stops": [{"kind": "teleport", "site_id": "SHOP", "kg": 1}]}, "stops.0.kind"),
        ({"stops": [{"kind": "pickup", "site_id": "SHOP", "kg": -5}]}, "stops.0.kg"),
        ({"share_method": "coin_toss"}, "share_method"),
        ({"time_limit": 0}, "time_limit"),
    ],
)
def test_bad_plans_are_refused_naming_the_field(client, world, day, change, field):
    if change.get("stops", [{}])[0].get("site_id") == "SHOP":  # a real site, so only the named field is wrong
        change = {"stops": [dict(change["stops"][0], site_id=day["shops"][0].id)]}
    r = plan(client, world, day, **change)
    assert field in assert_problem(r, 422)["errors"]


def test_transfer_needs_its_destination_and_pickup_its_member(client, world, day):
    shop = day["shops"][0].id
    r = plan(
        client, world, day, stops=[{"kind": "transfer", "site_id": shop, "member_id": world.a.member.id, "kg": 10}]
    )
    assert "stops.0.to_site_id" in assert_problem(r, 422)["errors"]
    r = plan(client, world, day, stops=[{"kind": "pickup", "site_id": shop, "kg": 10}])
    assert "stops.0.member_id" in assert_problem(r, 422)["errors"]


def test_plans_of_another_coordination_do_not_exist(client, world, day):
    pid = plan(client, world, day).get_json()["id"]
    wait(client, world, pid)
    assert_problem(client.get(f"/api/v1/route-plans/{pid}", headers=world.b.headers(Role.MANAGER)), 404)
    assert_problem(client.get(f"/api/v1/route-plans/{pid}/result", headers=world.b.headers(Role.ADMIN)), 404)


def test_published_three_member_example_is_reproduced():
    """The reference numbers of ../shared/DOMAIN.md through the same sharing code the plans use."""
    from fractions import Fraction

    from routing import in_core, proportional_to_standalone, shapley_value

    c = {
        frozenset("A"): 88,
        frozenset("B"): 92,
        frozenset("C"): 70,
        frozenset("AB"): 100,
        frozenset("AC"): 119,
        frozenset("BC"): 112,
        frozenset("ABC"): 120,
    }
    assert shapley_value(c) == {"A": Fraction(83, 2), "B": 40, "C": Fraction(77, 2)}
    proportional = proportional_to_standalone(c)
    assert [round(float(proportional[m]), 2) for m in "ABC"] == [42.24, 44.16, 33.6]
    assert in_core(c, shapley_value(c)) and in_core(c, proportional)


def test_a_configured_road_graph_reports_unreachable_stops(app, client, world, day, monkeypatch):
    """With a road graph (here inline edges; GraphML from OpenStreetMap works the same), a site
    snapped to a node that no road reaches is reported unreachable and the rest is planned."""
    nodes = {
        "depot": [43.2875, 5.6010],
        "shop0": [43.289, 5.588],
        "pointA": [43.2927, 5.5708],
        "island": [43.2935, 5.4855],
    }
    edges = [["depot", "shop0", 1300, 50], ["shop0", "pointA", 1900, 50], ["pointA", "depot", 3000, 50]]
    monkeypatch.setitem(app.config, "ROAD_NETWORK", {"kind": "edges", "nodes": nodes, "edges": edges})
    stops = [
        {"kind": "pickup", "site_id": day["shops"][0].id, "member_id": world.a.member.id, "kg": 100},
        {"kind": "pickup", "site_id": day["shops"][1].id, "member_id": world.a.member.id, "kg": 100},
        {"kind": "delivery", "site_id": day["point_a"].id, "kg": 100},
    ]
    status = wait(client, world, plan(client, world, day, stops=stops).get_json()["id"])
    result = client.get(f"/api/v1/route-plans/{status['id']}/result", headers=world.a.headers(Role.MANAGER)).get_json()
    assert {u["stop"]: u["reason"] for u in result["result"]["plan"]["unserved"]} == {"S2": "unreachable"}
    assert result["result"]["plan"]["km"] == pytest.approx(6.2, abs=0.01)  # the graph's lengths, not straight lines


def _booking(session, world, vehicle, start_h, end_h, *, for_rounds, member=None):
    session.add(
        VehicleBooking(
            coordination_id=world.a.coordination.id,
            vehicle_id=vehicle.id,
            member_id=(member or world.a.member).id,
            start_at=datetime(2030, 6, 4, start_h, tzinfo=UTC),
            end_at=datetime(2030, 6, 4, end_h, tzinfo=UTC),
            block_end=datetime(2030, 6, 4, end_h, tzinfo=UTC),
            status=BookingStatus.CONFIRMED,
            for_rounds=for_rounds,
        )
    )
    session.commit()


def test_a_vehicle_is_planned_only_inside_its_bookings_for_the_rounds(client, world, day, session):
    """Round bookings 07:00-10:00 and 14:00-16:00 (local) around a member's own 10:00-14:00
    booking: two shifts, and a stop that can only be served at midday is not planned."""
    idle = day["idle"]
    _booking(session, world, idle, 5, 8, for_rounds=True)
    _booking(session, world, idle, 8, 12, for_rounds=False, member=world.a.other_member)
    _booking(session, world, idle, 12, 14, for_rounds=True)
    midday = site(session, world.a, "Marché de midi", SiteKind.SUPERMARKET, 43.29, 5.58,
                  hours={"tue": [["10:30", "13:30"]]})
    session.commit()
    stops = day["stops"][:1] + [
        {"kind": "pickup", "site_id": midday.id, "member_id": world.a.member.id, "kg": 50},
        {"kind": "delivery", "site_id": day["point_a"].id, "kg": 100},
    ]
    status = wait(client, world, plan(client, world, day, stops=stops, vehicle_ids=[idle.id]).get_json()["id"])
    assert status["status"] == "solved", status
    result = client.get(f"/api/v1/route-plans/{status['id']}/result", headers=world.a.headers(Role.MANAGER)).get_json()
    assert {u["stop"]: u["reason"] for u in result["result"]["plan"]["unserved"]} == {"S2": "window_impossible"}
    shifts = [("07:00", "10:00"), ("14:00", "16:00")]
    routes = result["result"]["plan"]["routes"]
    assert routes
    for route in routes:
        times = [t for v in route["visits"] for t in (v["arrival"], v["departure"])]
        assert any(a <= min(times) and max(times) <= b for a, b in shifts), route
        assert route["vehicle"].endswith(("07:00-10:00", "14:00-16:00"))


def test_a_vehicle_booked_only_privately_cannot_be_planned(client, world, day, session):
    _booking(session, world, day["idle"], 5, 12, for_rounds=False)
    r = plan(client, world, day, vehicle_ids=[day["idle"].id])
    assert "vehicle_ids.0" in assert_problem(r, 422)["errors"]


def test_lunch_closures_are_respected_through_the_api(client, world, day, session):
    """A shop open 07:00-07:01 (out of reach) and 11:30-13:30 is visited in its second slot, not in
    the closure between them."""
    split = site(session, world.a, "Magasin coupé", SiteKind.SUPERMARKET, 43.30, 5.60,
                 hours={"tue": [["07:00", "07:01"], ["11:30", "13:30"]]})
    session.commit()
    stops = [{"kind": "pickup", "site_id": split.id, "member_id": world.a.member.id, "kg": 50}]
    status = wait(client, world, plan(client, world, day, stops=stops, vehicle_ids=[day["van"].id]).get_json()["id"])
    result = client.get(f"/api/v1/route-plans/{status['id']}/result", headers=world.a.headers(Role.MANAGER)).get_json()
    visit = next(v for r in result["result"]["plan"]["routes"] for v in r["visits"] if v["stop"] == "S1")
    assert "11:30" <= visit["start"] <= "13:30"


def test_the_whole_solve_with_its_sharing_honours_the_time_limit_and_reports_progress():
    """Six members (63 coalitions for exact Shapley) in a 2 s plan: routes and shares within the
    limit, and the progress moves on while the shares are worked out."""
    import routing
    from logipool.services import routes as routes_svc
    from tests.routing._problems import SITES, problem, van, w

    members = [f"m{i}" for i in range(6)]
    stops = [
        routing.Stop(f"s{i}", "delivery" if i % 2 else "pickup", site.id, 50, 1, w("07:00", "17:00"), 300,
                     member=members[i % 6])
        for i, site in enumerate(SITES[1:] * 2)
    ]
    data = routing.problem_to_dict(problem(stops, [van("V1"), van("V2")]))
    seen = []
    started = time.monotonic()
    columns = routes_svc.solve(data, time_limit=2, seed=0, method="shapley", progress=seen.append)
    assert time.monotonic() - started < 2 + 2.5  # drawing the maps and run sheet comes on top
    shares = columns["result"]["shares"]
    assert len(shares["members"]) == 6 and shares["exact"]
    sharing = [p for p in seen if p["phase"] == "sharing"]
    assert sharing and sharing[-1]["coalitions_done"] == sharing[-1]["coalitions_total"] == 63
    assert columns["progress"]["phase"] == "done"


def test_a_solve_whose_worker_still_beats_is_left_alone_a_silent_one_is_failed_with_its_reason(app, client, world,
                                                                                                  session):
    """Long past the plan's time limit but with a recent heartbeat, a solve stays running; silent
    on its last attempt, the reaper fails its job and the plan says why, never "running" forever."""
    from datetime import timedelta

    from logipool.db import utcnow
    from logipool.models import Job, JobState, PlanStatus, RoutePlan
    from logipool.queue import queue_of

    long_ago = utcnow() - timedelta(minutes=5)
    rows, jobs = {}, {}
    for name, heartbeat in (("beating", utcnow()), ("silent", long_ago)):
        rows[name] = RoutePlan(coordination_id=world.a.coordination.id, day=DAY, status=PlanStatus.RUNNING,
                               share_method="shapley", time_limit_s=1, seed=0, problem={}, progress={},
                               created_at=long_ago, started_at=long_ago, heartbeat_at=heartbeat)
        session.add(rows[name])
        session.flush()
        jobs[name] = Job(coordination_id=world.a.coordination.id, kind="route_plan.solve",
                         params={"plan_id": rows[name].id}, state=JobState.RUNNING, attempts=2, max_attempts=2,
                         time_limit_s=3600, worker="elsewhere:1", started_at=long_ago, heartbeat_at=heartbeat,
                         progress={})
        session.add(jobs[name])
    session.commit()
    outcome = queue_of(app).reap()
    assert outcome["failed"] == [jobs["silent"].id] and outcome["taken_up"] == []
    h = world.a.headers(Role.MANAGER)
    assert client.get(f"/api/v1/route-plans/{rows['beating'].id}", headers=h).get_json()["status"] == "running"
    silent = client.get(f"/api/v1/route-plans/{rows['silent'].id}", headers=h).get_json()
    assert silent["status"] == "failed" and "stopped answering" in silent["error"]
    job = client.get(f"/api/v1/jobs/{jobs['silent'].id}", headers=h).get_json()
    assert job["state"] == "failed" and job["error"]["status"] == 503 and "elsewhere:1" in job["error"]["detail"]


def test_warehouse_and_pallet_handling_times_are_planned_and_on_the_run_sheet(client, world, day):
    """20 minutes at the warehouse when leaving, 3 per pallet at each stop: planned, not zero."""
    status = wait(client, world, plan(client, world, day, depot_handling_minutes=20,
                                      handling_minutes_per_pallet=3).get_json()["id"])
    h = world.a.headers(Role.MANAGER)
    result = client.get(f"/api/v1/route-plans/{status['id']}/result", headers=h).get_json()["result"]

    def minutes(hhmm):
        return int(hhmm[:2]) * 60 + int(hhmm[3:])

    for route in result["plan"]["routes"]:
        first = route["visits"][0]
        assert minutes(first["departure"]) - minutes(first["start"]) == 20
        for v in route["visits"]:
            if v["stop"] == "S3":  # a delivery of one pallet, 10 minutes of service
                assert minutes(v["departure"]) - minutes(v["start"]) == 13
    pdf = client.get(f"/api/v1/route-plans/{status['id']}/runsheet.pdf", headers=h)
    with pdfplumber.open(io.BytesIO(pdf.data)) as doc:
        text = "\n".join(p.extract_text() for p in doc.pages)
    assert "manutention 20 min" in text

"""The authorisation matrix: every endpoint × every role × own member / other member /
other coordination. Outside your scope a row does not exist (404); a role that may not act
gets 403; nothing is ever 500."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from logipool.models import Role

from ..factories import Tenant, World

ADMIN, MANAGER, REP, TREASURER, AUDITOR = (Role.ADMIN, Role.MANAGER, Role.MEMBER_REP, Role.TREASURER, Role.AUDITOR)
ALL = tuple(Role)
STAFF = (ADMIN, MANAGER)


def expect(ok: int, allowed, denied: int = 403) -> dict[Role, int]:
    return {role: ok if role in allowed else denied for role in ALL}


def everyone(status: int) -> dict[Role, int]:
    return dict.fromkeys(ALL, status)


@dataclass
class Case:
    name: str
    method: str
    path: str  # formatted with the world's ids
    expected: dict[Role, int]
    body: dict | None = None


def member_body(_tenant: Tenant) -> dict:
    from ..factories import new_siren, siret_of

    siren = new_siren()
    return {
        "legal_name": "Nouvelle association",
        "short_name": "nouvelle",
        "kind": "other",
        "siren": siren,
        "siret": siret_of(siren),
        "vat_regime": "outside_vat",
        "contact_email": "n@example.org",
    }


SITE = {"name": "Nouveau magasin", "kind": "supermarket", "latitude": 43.3, "longitude": 5.5}
FUNDER = {"name": "Nouvelle fondation", "kind": "foundation"}
CHARGE = {
    "label": "Frais",
    "period_start": "2026-11-01T00:00:00+01:00",
    "period_end": "2026-12-01T00:00:00+01:00",
    "basis": "forfait",
    "amount": "10.00",
    "nature": "services",
}

BOOKERS = (ADMIN, MANAGER, REP)
WEEK = "start=2027-02-01T00:00:00Z&end=2027-02-08T00:00:00Z"
VEHICLE = {
    "name": "Jumper",
    "plate": "GH-123-AB",
    "kind": "van",
    "capacity_kg": 900,
    "capacity_m3": "10.00",
    "capacity_pallets": 3,
}
BOOKING = {"start": "2027-02-03T08:00:00+01:00", "end": "2027-02-03T12:00:00+01:00"}
ZONE = {"name": "Sec", "temperature_class": "ambient", "capacity_pallets": 50, "area_m2": "80.00"}

CASES = [
    # members
    Case("list members", "GET", "/api/v1/members/", expect(200, ALL)),
    Case("read own member", "GET", "/api/v1/members/{a.member.id}", expect(200, ALL)),
    Case(
        "read other member", "GET", "/api/v1/members/{a.other_member.id}", expect(200, (ADMIN, MANAGER, AUDITOR), 404)
    ),
    Case("read member of other coordination", "GET", "/api/v1/members/{b.member.id}", everyone(404)),
    Case("create member", "POST", "/api/v1/members/", expect(201, STAFF), body="member"),
    Case(
        "update own member",
        "PATCH",
        "/api/v1/members/{a.member.id}",
        expect(200, STAFF),
        body={"people_served_per_week": 120},
    ),
    Case(
        "update other member",
        "PATCH",
        "/api/v1/members/{a.other_member.id}",
        expect(200, STAFF),
        body={"people_served_per_week": 120},
    ),
    Case(
        "update member of other coordination",
        "PATCH",
        "/api/v1/members/{b.member.id}",
        expect(404, STAFF),
        body={"people_served_per_week": 1},
    ),
    Case("delete member in use", "DELETE", "/api/v1/members/{a.member.id}", expect(409, STAFF)),
    Case("delete member of other coordination", "DELETE", "/api/v1/members/{b.other_member.id}", expect(404, STAFF)),
    # sites
    Case("list sites", "GET", "/api/v1/sites/", expect(200, ALL)),
    Case("read site", "GET", "/api/v1/sites/{a.site.id}", expect(200, ALL)),
    Case("read site of other coordination", "GET", "/api/v1/sites/{b.site.id}", everyone(404)),
    Case("create site", "POST", "/api/v1/sites/", expect(201, STAFF), body=SITE),
    Case("update site", "PATCH", "/api/v1/sites/{a.site.id}", expect(200, STAFF), body={"notes": "quai 2"}),
    Case("delete site", "DELETE", "/api/v1/sites/{a.site.id}", expect(204, STAFF)),
    Case("delete site of other coordination", "DELETE", "/api/v1/sites/{b.site.id}", expect(404, STAFF)),
    # funders
    Case("list funders", "GET", "/api/v1/funders/", expect(200, ALL)),
    Case("read funder of other coordination", "GET", "/api/v1/funders/{b.funder.id}", everyone(404)),
    Case("create funder", "POST", "/api/v1/funders/", expect(201, STAFF), body=FUNDER),
    Case(
        "update funder",
        "PATCH",
        "/api/v1/funders/{a.funder.id}",
        expect(200, STAFF),
        body={"contact_email": "f@example.org"},
    ),
    Case("delete funder", "DELETE", "/api/v1/funders/{a.funder.id}", expect(204, STAFF)),
    # users
    Case("list users", "GET", "/api/v1/users/", expect(200, (ADMIN, MANAGER, AUDITOR))),
    Case("read me", "GET", "/api/v1/users/me", expect(200, ALL)),
    Case("change my own e-mail choices", "PATCH", "/api/v1/users/me", expect(200, ALL),
         body={"mail": {"cycle_opened": False}}),
    Case("read user", "GET", "/api/v1/users/{a.user_ids[auditor]}", expect(200, (ADMIN, MANAGER, AUDITOR))),
    Case(
        "read user of other coordination",
        "GET",
        "/api/v1/users/{b.user_ids[auditor]}",
        expect(404, (ADMIN, MANAGER, AUDITOR)),
    ),
    Case(
        "create user",
        "POST",
        "/api/v1/users/",
        expect(201, (ADMIN,)),
        body={"email": "new@example.org", "role": "auditor"},
    ),
    Case(
        "update user's role", "PATCH", "/api/v1/users/{a.user_ids[auditor]}", expect(200, (ADMIN,)),
        body={"role": "manager"}
    ),
    Case(
        "rename another person",
        "PATCH",
        "/api/v1/users/{a.user_ids[auditor]}",
        expect(403, ()) | {AUDITOR: 200},  # the auditor is that person
        body={"name": "Renamed"},
    ),
    Case("remove user of other coordination", "DELETE", "/api/v1/users/{b.user_ids[auditor]}", expect(404, (ADMIN,))),
    Case("invite user", "POST", "/api/v1/users/{a.user_ids[auditor]}/invitation", expect(201, (ADMIN,))),
    Case("invite user of other coordination", "POST", "/api/v1/users/{b.user_ids[auditor]}/invitation",
         expect(404, (ADMIN,))),
    Case("export own data", "GET", "/api/v1/users/{a.user_ids[auditor]}/export",
         expect(200, (AUDITOR,), 404)),
    Case("erase user", "POST", "/api/v1/users/{a.user_ids[auditor]}/erase", expect(200, (ADMIN,))),
    # audit trail
    Case("read the audit trail", "GET", "/api/v1/audit/", expect(200, ALL)),
    # tokens
    Case("list tokens", "GET", "/api/v1/tokens/", expect(200, ALL)),
    Case("create token", "POST", "/api/v1/tokens/", expect(201, ALL), body={"name": "laptop"}),
    # charges
    Case("list charges", "GET", "/api/v1/charges/", expect(200, ALL)),
    Case("read own member's charge", "GET", "/api/v1/charges/{charge_own}", expect(200, ALL)),
    Case(
        "read other member's charge",
        "GET",
        "/api/v1/charges/{charge_other}",
        expect(200, (ADMIN, MANAGER, AUDITOR), 404),
    ),
    Case("read charge of other coordination", "GET", "/api/v1/charges/{charge_b}", everyone(404)),
    Case("add manual charge", "POST", "/api/v1/charges/", expect(201, STAFF), body="charge"),
    # vehicles
    Case("list vehicles", "GET", "/api/v1/vehicles/", expect(200, ALL)),
    Case("read vehicle", "GET", "/api/v1/vehicles/{vehicle}", expect(200, ALL)),
    Case("read vehicle of other coordination", "GET", "/api/v1/vehicles/{vehicle_b}", everyone(404)),
    Case("create vehicle", "POST", "/api/v1/vehicles/", expect(201, STAFF), body=VEHICLE),
    Case("update vehicle", "PATCH", "/api/v1/vehicles/{vehicle}", expect(200, STAFF), body={"buffer_minutes": 15}),
    Case("delete vehicle with bookings", "DELETE", "/api/v1/vehicles/{vehicle}", expect(409, STAFF)),
    Case("availability", "GET", "/api/v1/vehicles/availability?" + WEEK, expect(200, ALL)),
    Case("free/busy", "GET", "/api/v1/vehicles/{vehicle}/freebusy?" + WEEK, expect(200, ALL)),
    Case("free/busy of other coordination", "GET", "/api/v1/vehicles/{vehicle_b}/freebusy?" + WEEK, everyone(404)),
    Case("list blackouts", "GET", "/api/v1/vehicles/{vehicle}/blackouts", expect(200, ALL)),
    Case(
        "add blackout",
        "POST",
        "/api/v1/vehicles/{vehicle}/blackouts",
        expect(201, STAFF),
        body={"start": "2027-03-01T00:00:00Z", "end": "2027-03-02T00:00:00Z", "reason": "Vidange"},
    ),
    Case("remove blackout", "DELETE", "/api/v1/vehicles/{vehicle}/blackouts/{blackout}", expect(204, STAFF)),
    # vehicle bookings
    Case("list bookings", "GET", "/api/v1/vehicle-bookings/", expect(200, ALL)),
    Case("read own booking", "GET", "/api/v1/vehicle-bookings/{booking_own}", expect(200, ALL)),
    Case(
        "read other member's booking",
        "GET",
        "/api/v1/vehicle-bookings/{booking_other}",
        expect(200, (ADMIN, MANAGER, AUDITOR), 404),
    ),
    Case("read booking of other coordination", "GET", "/api/v1/vehicle-bookings/{booking_b}", everyone(404)),
    Case("book a vehicle", "POST", "/api/v1/vehicle-bookings/", expect(201, BOOKERS), body="booking"),
    Case("book a series", "POST", "/api/v1/vehicle-bookings/recurring", expect(201, BOOKERS), body="series"),
    Case(
        "confirm request", "POST", "/api/v1/vehicle-bookings/{booking_requested}/confirm", expect(200, STAFF), body={}
    ),
    Case(
        "reject request",
        "POST",
        "/api/v1/vehicle-bookings/{booking_requested}/reject",
        expect(200, STAFF),
        body={"reason": "Véhicule réservé à la ramasse"},
    ),
    Case("cancel own booking", "POST", "/api/v1/vehicle-bookings/{booking_own}/cancel", expect(200, BOOKERS), body={}),
    Case(
        "cancel other member's booking",
        "POST",
        "/api/v1/vehicle-bookings/{booking_other}/cancel",
        expect(200, STAFF) | {REP: 404},
        body={},
    ),
    Case(
        "check out",
        "POST",
        "/api/v1/vehicle-bookings/{booking_own}/checkout",
        expect(200, BOOKERS),
        body={"odometer_km": 15010},
    ),
    Case(
        "return",
        "POST",
        "/api/v1/vehicle-bookings/{booking_out}/return",
        expect(200, BOOKERS),
        body={"odometer_km": 15040},
    ),
    # quotas and calendar feeds
    Case("list quotas", "GET", "/api/v1/vehicle-quotas/", expect(200, ALL)),
    Case("read quota", "GET", "/api/v1/vehicle-quotas/{quota}", expect(200, ALL)),
    Case("create quota", "POST", "/api/v1/vehicle-quotas/", expect(201, STAFF), body={"max_hours_per_week": 8}),
    Case("update quota", "PATCH", "/api/v1/vehicle-quotas/{quota}", expect(200, STAFF), body={"max_hours_per_week": 9}),
    Case("delete quota", "DELETE", "/api/v1/vehicle-quotas/{quota}", expect(204, STAFF)),
    Case("list calendar feeds", "GET", "/api/v1/calendar-feeds/", expect(200, ALL)),
    Case("subscribe to own member's calendar", "POST", "/api/v1/calendar-feeds/", expect(201, ALL), body="feed"),
    Case("revoke the admin's feed", "DELETE", "/api/v1/calendar-feeds/{feed}", expect(204, (ADMIN,), 404)),
    # storage
    Case("list zones", "GET", "/api/v1/storage-zones/", expect(200, ALL)),
    Case("read zone", "GET", "/api/v1/storage-zones/{zone}", expect(200, ALL)),
    Case("read zone of other coordination", "GET", "/api/v1/storage-zones/{zone_b}", everyone(404)),
    Case("create zone", "POST", "/api/v1/storage-zones/", expect(201, STAFF), body="zone"),
    Case("update zone", "PATCH", "/api/v1/storage-zones/{zone}", expect(200, STAFF), body={"capacity_pallets": 60}),
    Case("delete zone with bookings", "DELETE", "/api/v1/storage-zones/{zone}", expect(409, STAFF)),
    Case("zone occupancy", "GET", "/api/v1/storage-zones/{zone}/occupancy?" + WEEK, expect(200, ALL)),
    Case("list storage bookings", "GET", "/api/v1/storage-bookings/", expect(200, ALL)),
    Case("read own storage booking", "GET", "/api/v1/storage-bookings/{storage_own}", expect(200, ALL)),
    Case(
        "read other member's storage booking",
        "GET",
        "/api/v1/storage-bookings/{storage_other}",
        expect(200, (ADMIN, MANAGER, AUDITOR), 404),
    ),
    Case("book storage", "POST", "/api/v1/storage-bookings/", expect(201, BOOKERS), body="storage"),
    Case("cancel own storage booking", "POST", "/api/v1/storage-bookings/{storage_own}/cancel", expect(200, BOOKERS)),
    Case(
        "end own storage booking",
        "POST",
        "/api/v1/storage-bookings/{storage_own}/end",
        expect(200, BOOKERS),
        body={"end": "2027-02-04T00:00:00Z"},
    ),
    Case(
        "charge storage",
        "POST",
        "/api/v1/storage-bookings/charge",
        expect(201, STAFF),
        body={"until": "2027-02-05T00:00:00Z"},
    ),
    Case("split warehouse costs", "POST", "/api/v1/warehouse-costs/", expect(201, STAFF), body="costs"),
    # route plans (members read their share in the charge's basis, not other members' stops)
    Case("list route plans", "GET", "/api/v1/route-plans/", expect(200, (ADMIN, MANAGER, AUDITOR))),
    Case("read route plan", "GET", "/api/v1/route-plans/{plan}", expect(200, (ADMIN, MANAGER, AUDITOR))),
    Case(
        "read route plan of other coordination",
        "GET",
        "/api/v1/route-plans/{plan_b}",
        expect(404, (ADMIN, MANAGER, AUDITOR)),
    ),
    Case("route plan result", "GET", "/api/v1/route-plans/{plan}/result", expect(200, (ADMIN, MANAGER, AUDITOR))),
    Case("route plan GeoJSON", "GET", "/api/v1/route-plans/{plan}/geojson", expect(200, (ADMIN, MANAGER, AUDITOR))),
    Case("route plan map", "GET", "/api/v1/route-plans/{plan}/map.svg", expect(200, (ADMIN, MANAGER, AUDITOR))),
    Case(
        "route plan run sheet", "GET", "/api/v1/route-plans/{plan}/runsheet.pdf", expect(200, (ADMIN, MANAGER, AUDITOR))
    ),
    Case("plan a day (vehicle not booked that day)", "POST", "/api/v1/route-plans/", expect(422, STAFF), body="plan"),
    Case("accept a plan", "POST", "/api/v1/route-plans/{plan}/accept", expect(200, STAFF)),
    # the matrix's plans deliver nothing (the demo month test reads real delivery notes)
    Case("route delivery note", "GET", "/api/v1/route-plans/{plan}/delivery-notes/{a.member.id}", everyone(404)),
    Case(
        "route delivery note PDF",
        "GET",
        "/api/v1/route-plans/{plan}/delivery-notes/{a.member.id}.pdf",
        everyone(404),
    ),
    Case("execute a plan", "POST", "/api/v1/route-plans/{plan_accepted}/execute", expect(200, STAFF)),
    # coordinations
    Case("list coordinations", "GET", "/api/v1/coordinations/", expect(200, ALL)),
    Case("read own coordination", "GET", "/api/v1/coordinations/{a.coordination.id}", expect(200, ALL)),
    Case("read other coordination", "GET", "/api/v1/coordinations/{b.coordination.id}", everyone(404)),
    Case(
        "update own coordination",
        "PATCH",
        "/api/v1/coordinations/{a.coordination.id}",
        expect(200, (ADMIN,)),
        body={"name": "Renamed"},
    ),
    Case("read the coordination's logo (none yet)", "GET", "/api/v1/coordinations/{a.coordination.id}/logo",
         everyone(404)),
    Case("set the logo", "PUT", "/api/v1/coordinations/{a.coordination.id}/logo", expect(204, (ADMIN,)), body="logo"),
    Case("remove the logo", "DELETE", "/api/v1/coordinations/{a.coordination.id}/logo", expect(204, (ADMIN,))),
    Case(
        "create coordination (not platform admin)",
        "POST",
        "/api/v1/coordinations/",
        everyone(403),
        body={"slug": "gamma", "name": "G", "legal_name": "G", "vat_regime": "outside_vat"},
    ),
    Case(
        "name an administrator of the own coordination (not platform admin)",
        "POST",
        "/api/v1/coordinations/{a.coordination.id}/administrators",
        everyone(403),
        body={"email": "new.admin@example.org", "name": "New Admin"},
    ),
    Case(
        "name an administrator of another coordination",
        "POST",
        "/api/v1/coordinations/{b.coordination.id}/administrators",
        everyone(404),
        body={"email": "new.admin@example.org", "name": "New Admin"},
    ),
]


def build_objects(session, tenant: Tenant, other: Tenant) -> dict:
    """One of every kind of row in ``tenant`` (own member, other member, every state the matrix
    needs), and a few in ``other``: the ids the matrix paths are formatted with."""
    from datetime import UTC, date, datetime, timedelta

    from logipool.models import (
        BookingStatus,
        CalendarFeed,
        ChargeSource,
        Nature,
        PlanStatus,
        RoutePlan,
        StorageBooking,
        StorageStatus,
        VehicleBlackout,
        VehicleBooking,
        VehicleQuota,
    )
    from logipool.services.ledger import ChargeDraft, Payer, post_charges

    from ..factories import make_vehicle, make_zone

    def post(tenant, member, key):
        d = ChargeDraft(
            Payer(member.id),
            ChargeSource.MANUAL,
            None,
            key,
            "x",
            datetime(2026, 11, 1, tzinfo=UTC),
            datetime(2026, 12, 1, tzinfo=UTC),
            "manual",
            "forfait",
            1000,
            Nature.SERVICES,
        )
        return post_charges(session, tenant.coordination.id, [d])[0].id

    ids = {
        "charge_own": post(tenant, tenant.member, "k1"),
        "charge_other": post(tenant, tenant.other_member, "k2"),
        "charge_b": post(other, other.member, "k3"),
    }
    va, vb = make_vehicle(session, tenant.coordination), make_vehicle(session, other.coordination)
    za, zb = make_zone(session, tenant.coordination), make_zone(session, other.coordination)

    def booking(vehicle, tenant, member, day, status=BookingStatus.CONFIRMED, start=None, **kw):
        start = start or datetime(2027, 2, day, 8, tzinfo=UTC)
        b = VehicleBooking(
            coordination_id=tenant.coordination.id,
            vehicle_id=vehicle.id,
            member_id=member.id,
            start_at=start,
            end_at=start + timedelta(hours=4),
            block_end=start + timedelta(hours=5),
            status=status,
            **kw,
        )
        session.add(b)
        session.flush()
        return b.id

    def storage(zone, tenant, member):
        b = StorageBooking(
            coordination_id=tenant.coordination.id,
            zone_id=zone.id,
            member_id=member.id,
            pallets=2,
            start_at=datetime(2027, 2, 1, tzinfo=UTC),
            end_at=datetime(2027, 2, 10, tzinfo=UTC),
            status=StorageStatus.CONFIRMED,
        )
        session.add(b)
        session.flush()
        return b.id

    def route_plan(tenant, status, member):
        share = {"member": str(member.id), "share": "10.00", "standalone": "12.00", "saving": "2.00"}
        row = RoutePlan(
            coordination_id=tenant.coordination.id,
            day=date(2027, 2, 2),
            status=status,
            share_method="equal",
            time_limit_s=1,
            problem={},
            progress={},
            geojson={"type": "FeatureCollection", "features": []},
            svg="<svg xmlns='http://www.w3.org/2000/svg'/>",
            runsheet_pdf=b"%PDF-1.4",
            result={"plan": {"cost_cents": 1000}, "shares": {"method": "equal", "total": "10.00", "members": [share]}},
        )
        session.add(row)
        session.flush()
        return row.id

    # check-out and return are recorded around now: these two bookings are today's
    soon = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    quota = VehicleQuota(coordination_id=tenant.coordination.id, max_hours_per_week=20)
    blackout = VehicleBlackout(
        coordination_id=tenant.coordination.id,
        vehicle_id=va.id,
        reason="Révision",
        start_at=datetime(2027, 4, 1, tzinfo=UTC),
        end_at=datetime(2027, 4, 2, tzinfo=UTC),
    )
    feed = CalendarFeed(
        coordination_id=tenant.coordination.id,
        member_id=tenant.member.id,
        token_hash="0" * 64,
        created_by_id=tenant.user_ids[Role.ADMIN],
    )
    session.add_all([quota, blackout, feed])
    session.flush()
    ids |= {
        "vehicle": va.id,
        "vehicle_b": vb.id,
        "zone": za.id,
        "zone_b": zb.id,
        "site_warehouse": za.site_id,
        "booking_own": booking(va, tenant, tenant.member, 1, start=soon),
        "booking_other": booking(va, tenant, tenant.other_member, 2),
        "booking_requested": booking(va, tenant, tenant.member, 4, BookingStatus.REQUESTED),
        "booking_out": booking(
            va,
            tenant,
            tenant.member,
            5,
            BookingStatus.CHECKED_OUT,
            start=soon - timedelta(hours=12),
            checkout_at=soon - timedelta(hours=12),
            checkout_odometer_km=15000,
        ),
        "booking_b": booking(vb, other, other.member, 1),
        "storage_own": storage(za, tenant, tenant.member),
        "storage_other": storage(za, tenant, tenant.other_member),
        "quota": quota.id,
        "blackout": blackout.id,
        "feed": feed.id,
        "plan": route_plan(tenant, PlanStatus.SOLVED, tenant.member),
        "plan_accepted": route_plan(tenant, PlanStatus.ACCEPTED, tenant.member),
        "plan_b": route_plan(other, PlanStatus.SOLVED, other.member),
    }
    session.commit()
    return ids


@pytest.fixture
def charges(world, session):
    return build_objects(session, world.a, world.b)




def request_kwargs(case: Case, tenant: Tenant, ids: dict) -> dict:
    """The body of ``case`` naming ``tenant``'s rows, as keyword arguments of ``client.open``."""
    body = case.body
    if body == "member":
        body = member_body(tenant)
    elif body == "charge":
        body = CHARGE | {"member_id": tenant.member.id}
    elif body == "booking":
        body = BOOKING | {"vehicle_id": ids["vehicle"], "member_id": tenant.member.id}
    elif body == "series":
        body = {
            "vehicle_id": ids["vehicle"],
            "member_id": tenant.member.id,
            "rrule": "FREQ=WEEKLY;COUNT=2",
            "first_start": "2027-03-10T08:00:00",
            "duration_minutes": 120,
        }
    elif body == "feed":
        body = {"member_id": tenant.member.id}
    elif body == "zone":
        body = ZONE | {"site_id": ids["site_warehouse"]}
    elif body == "storage":
        body = {
            "zone_id": ids["zone"],
            "member_id": tenant.member.id,
            "pallets": 3,
            "start": "2027-02-02T00:00:00Z",
            "end": "2027-02-06T00:00:00Z",
        }
    elif body == "plan":
        body = {
            "day": "2031-01-07",
            "vehicle_ids": [ids["vehicle"]],
            "time_limit": 1,
            "stops": [
                {"kind": "pickup", "site_id": ids["site_warehouse"], "member_id": tenant.member.id, "kg": 10}
            ],
        }
    elif body == "costs":
        body = {
            "site_id": ids["site_warehouse"],
            "start": "2027-02-01T00:00:00Z",
            "end": "2027-03-01T00:00:00Z",
            "total_cost": "1000.00",
            "funders": [{"funder_id": tenant.funder.id, "percent": "50"}],
        }
    if body == "logo":
        return {"data": png_logo(), "content_type": "image/png"}
    return {"json": body}


def format_path(case: Case, tenant: Tenant, other: Tenant, ids: dict) -> str:
    path = case.path.format(a=tenant, b=other, **ids).replace("[auditor]", "")
    if "user_ids" in case.path:  # user ids are looked up by role name in the template
        owner = tenant if "{a." in case.path else other
        head, _, rest = case.path.partition("{")
        return head + str(owner.user_ids[Role.AUDITOR]) + rest.partition("}")[2]
    return path


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("role", ALL, ids=lambda r: r.value)
def test_matrix(client, world, charges, case, role):
    path = format_path(case, world.a, world.b, charges)
    response = client.open(path, method=case.method, headers=world.a.headers(role),
                           **request_kwargs(case, world.a, charges))
    assert response.status_code == case.expected[role], response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json"


# The cross-coordination matrix: every case again, its paths and bodies naming coordination B's
# rows, sent with every role of coordination A. Each is refused — 404 (B's row does not exist for
# A), 403 (the role may not act at all) or, for a body naming B's row, 422 on that field — and not
# one row is written anywhere. Lists answer as usual and show nothing of B.


def names_other_coordination(case: Case) -> bool:
    """Cases already aimed at the other coordination (their ``_b`` rows are A's in the cross run)."""
    return "{b." in case.path or "_b}" in case.path


def cross_cases(cases: list[Case], builders_without_references=("member",)) -> list[Case]:
    def relevant(c: Case) -> bool:
        if names_other_coordination(c):
            return False
        if "{" in c.path or c.method == "GET":
            return True
        return isinstance(c.body, str) and c.body not in builders_without_references
    return [c for c in cases if relevant(c)]


def snapshot(session) -> dict:
    from logipool.db import Base

    session.rollback()
    return {t.name: sorted(map(repr, session.execute(t.select()).all())) for t in Base.metadata.sorted_tables}


#: placeholders that name no row (a year is every coordination's): such a path reads A's own rows
ROWLESS_PLACEHOLDERS = ("{year}",)


def names_a_row(path: str) -> bool:
    for placeholder in ROWLESS_PLACEHOLDERS:
        path = path.replace(placeholder, "")
    return "{" in path


def assert_refused_across(client, session, world: World, case: Case, path: str, kwargs: dict) -> None:
    before = snapshot(session)
    for role in ALL:
        response = client.open(path, method=case.method, headers=world.a.headers(role), **kwargs)
        text = response.get_data().decode("utf-8", errors="replace")  # downloads are binary
        if not names_a_row(case.path) and case.method == "GET":  # A's own rows
            assert response.status_code == case.expected[role], text
            assert "beta" not in text, f"{role.value} sees coordination B's rows in {path}: {text[:300]}"
        elif not names_a_row(case.path):  # a body naming B's rows
            assert response.status_code in (403, 404, 422), (role.value, text)
            if response.status_code == 422:
                assert response.get_json()["errors"], text
        else:
            assert response.status_code in (403, 404), (role.value, text)
            if case.expected[role] < 400 or case.expected[role] in (409, 422):
                # a role that may act on its own rows finds no row of B's
                assert response.status_code == 404, (role.value, text)
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
    assert snapshot(session) == before, f"{case.name}: a refused request changed the database"


def run_cross_matrix(client, session, world: World, cases: list[Case], path_of, kwargs_of) -> None:
    """Every case against one set of B's rows (refused requests write nothing, so the rows stay
    the same from case to case); every failing case is reported, not just the first."""
    failures = []
    for case in cross_cases(cases):
        try:
            assert_refused_across(client, session, world, case, path_of(case), kwargs_of(case))
        except AssertionError as exc:
            failures.append(f"{case.method} {case.path} ({case.name}): {str(exc)[:400]}")
    assert not failures, "\n".join(failures)


def test_cross_coordination_matrix(client, world, session):
    ids = build_objects(session, world.b, world.a)
    run_cross_matrix(client, session, world, CASES, lambda c: format_path(c, world.b, world.a, ids),
                     lambda c: request_kwargs(c, world.b, ids))


def png_logo(width: int = 120, height: int = 40) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 90, 140)).save(out, format="PNG")
    return out.getvalue()


def test_every_api_route_is_in_the_matrix(app):
    """A new endpoint must be added to the matrix above."""
    from . import test_authz_banking, test_authz_invoices, test_authz_orders, test_authz_payments

    cases = (CASES + test_authz_orders.CASES + test_authz_invoices.CASES + test_authz_banking.CASES
             + test_authz_payments.CASES)
    covered = {(c.method, _route_of(c.path)) for c in cases}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "docs" in rule.rule or "openapi" in rule.rule:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, _route_of(rule.rule)))
    missing = routes - covered
    # revoking a token is covered by its own tests (tokens differ per role)
    missing.discard(("DELETE", "/api/v1/tokens/ID"))
    missing.discard(("DELETE", "/api/v1/coordinations/ID"))
    # a job exists only once something is queued: its readers are tested with the jobs
    # (test_jobs.test_who_reads_a_job_staff_and_auditors_of_its_coordination_members_only_their_own)
    missing.discard(("GET", "/api/v1/jobs/ID"))
    # the .ics feed needs no bearer token: its URL is the credential (tested with the feeds)
    missing.discard(("GET", "/api/v1/calendar/ID.ics"))
    assert not missing, f"endpoints missing from the authorisation matrix: {sorted(missing)}"


def _route_of(path: str) -> str:
    import re

    return re.sub(r"\{[^}]*\}|<[^>]*>", "ID", path.split("?")[0])

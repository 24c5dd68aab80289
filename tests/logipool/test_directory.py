"""Members, sites and funders: validation, pagination, scoping and deletion rules."""

import pytest

from logipool.models import Role
from logipool.validators import identifier_error

from ..factories import new_siren, siret_of
from .test_errors import assert_problem


def member(**overrides):
    siren = new_siren()
    body = {"legal_name": "Épicerie du Charrel", "short_name": "charrel", "kind": "social_grocery",
            "siren": siren, "siret": siret_of(siren), "vat_regime": "outside_vat",
            "contact_email": "charrel@example.org", "people_served_per_week": 75,
            "street": "1 rue du Charrel", "postcode": "13400", "city": "Aubagne"}
    return body | overrides


@pytest.mark.parametrize(
    ("value", "ok"),
    [("732829320", True), ("732829321", False), ("12345678", False), ("abcdefghi", False)],
)
def test_siren_luhn(value, ok):
    assert (identifier_error("siren", value) is None) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("73282932000074", True),
        ("73282932000075", False),
        ("35600000000015", True),  # La Poste: digit sum multiple of 5, not Luhn
        ("35600000000016", False),
        ("7328293200007", False),
    ],
)
def test_siret_luhn_and_la_poste(value, ok):
    assert (identifier_error("siret", value) is None) is ok


def test_create_and_read_member(client, world):
    h = world.a.headers(Role.MANAGER)
    created = client.post("/api/v1/members/", json=member(), headers=h)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["legal_name"] == "Épicerie du Charrel"
    again = client.get(f"/api/v1/members/{body['id']}", headers=h).get_json()
    assert again == body


def test_siret_must_belong_to_the_siren(client, world):
    r = client.post("/api/v1/members/", json=member(siret=siret_of(new_siren())),
                    headers=world.a.headers(Role.MANAGER))
    assert assert_problem(r, 422)["errors"] == {"siret": ["The SIRET must start with the association's SIREN."]}


def test_vat_registered_member_needs_a_vat_number(client, world):
    h = world.a.headers(Role.MANAGER)
    r = client.post("/api/v1/members/", json=member(vat_regime="vat_registered"), headers=h)
    assert "vat_number" in assert_problem(r, 422)["errors"]
    r = client.patch(f"/api/v1/members/{world.a.member.id}", json={"vat_regime": "vat_registered"}, headers=h)
    assert "vat_number" in assert_problem(r, 422)["errors"]
    # nothing was written
    assert client.get(f"/api/v1/members/{world.a.member.id}", headers=h).get_json()["vat_regime"] == "outside_vat"


def test_duplicate_siret_in_a_coordination_is_a_conflict(client, world):
    h = world.a.headers(Role.MANAGER)
    body = member(siren=world.a.other_member.siren, siret=world.a.other_member.siret)
    assert_problem(client.post("/api/v1/members/", json=body, headers=h), 409)


def test_the_same_association_may_join_two_coordinations(client, world):
    body = member(siren=world.a.other_member.siren, siret=world.a.other_member.siret)
    r = client.post("/api/v1/members/", json=body, headers=world.b.headers(Role.MANAGER))
    assert r.status_code == 201


def test_member_without_charges_or_users_can_be_deleted(client, world):
    h = world.a.headers(Role.ADMIN)
    new = client.post("/api/v1/members/", json=member(), headers=h).get_json()
    assert client.delete(f"/api/v1/members/{new['id']}", headers=h).status_code == 204
    assert_problem(client.get(f"/api/v1/members/{new['id']}", headers=h), 404)


def test_pagination(client, world):
    h = world.a.headers(Role.MANAGER)
    for i in range(5):
        assert client.post("/api/v1/funders/", json={"name": f"F{i}", "kind": "town"}, headers=h).status_code == 201
    page = client.get("/api/v1/funders/?limit=2&offset=2", headers=h).get_json()
    assert page["total"] == 6 and page["limit"] == 2 and page["offset"] == 2
    assert [f["name"] for f in page["items"]] == ["F1", "F2"]
    assert_problem(client.get("/api/v1/funders/?limit=201", headers=h), 422)
    assert_problem(client.get("/api/v1/funders/?offset=-1", headers=h), 422)


def test_representative_sees_only_its_member(client, world):
    page = client.get("/api/v1/members/", headers=world.a.headers(Role.MEMBER_REP)).get_json()
    assert [m["id"] for m in page["items"]] == [world.a.member.id]
    assert page["total"] == 1


@pytest.mark.parametrize(
    ("hours", "field_message"),
    [
        ({"mon": [["12:00", "08:00"]]}, "closes before it opens"),
        ({"lun": [["08:00", "12:00"]]}, "Unknown day"),
        ({"mon": [["08:00", "12:00"], ["11:00", "14:00"]]}, "overlap"),
        ({"mon": [["8h", "12h"]]}, "HH:MM"),
        ({"mon": "08:00-12:00"}, "list"),
    ],
)
def test_opening_hours_are_checked(client, world, hours, field_message):
    body = {"name": "Magasin", "kind": "supermarket", "latitude": 43.3, "longitude": 5.5,
            "opening_hours": hours}
    r = client.post("/api/v1/sites/", json=body, headers=world.a.headers(Role.MANAGER))
    errors = assert_problem(r, 422)["errors"]["opening_hours"]
    assert any(field_message in e for e in errors)


def test_distribution_point_belongs_to_a_member_of_the_coordination(client, world):
    h = world.a.headers(Role.MANAGER)
    body = {"name": "Point", "kind": "distribution_point", "latitude": 43.3, "longitude": 5.5}
    assert "member_id" in assert_problem(client.post("/api/v1/sites/", json=body, headers=h), 422)["errors"]
    other = body | {"member_id": world.b.member.id}
    assert "member_id" in assert_problem(client.post("/api/v1/sites/", json=other, headers=h), 422)["errors"]
    ok = client.post("/api/v1/sites/", json=body | {"member_id": world.a.member.id}, headers=h)
    assert ok.status_code == 201
    assert ok.get_json()["latitude"] == 43.3


def test_coordinates_out_of_range(client, world):
    body = {"name": "Nulle part", "kind": "warehouse", "latitude": 91, "longitude": -181}
    r = client.post("/api/v1/sites/", json=body, headers=world.a.headers(Role.MANAGER))
    assert set(assert_problem(r, 422)["errors"]) == {"latitude", "longitude"}

"""SIREN, SIRET, VAT numbers, IBANs and BICs: typed with spaces, checked at the edit by
python-stdnum, stored compact; a typo is refused naming the field, before any invoice is issued."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from logipool.models import Coordination, Member, Role
from logipool.validators import IdentifierError, compact_identifier, identifier_error

from .test_directory import member
from .test_errors import assert_problem


def _with_iban_key(country: str, bban: str) -> str:
    """An IBAN whose mod-97 check digits are right, whatever its length or country."""
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


FR_IBAN = "FR7630006000011234567890189"
SHORT_FR_IBAN = _with_iban_key("FR", "3000600001123456789018")  # 26 characters: a digit dropped
XX_IBAN = _with_iban_key("XX", "30006000011234567890189")


def test_mod97_alone_would_accept_the_bad_ibans():
    """The refused IBANs below all pass the bare ISO 13616 check digits: only the country's
    registered length and format catch them."""
    for iban in (SHORT_FR_IBAN, XX_IBAN):
        rearranged = iban[4:] + iban[:4]
        assert int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1
    assert len(SHORT_FR_IBAN) == 26


@pytest.mark.parametrize(("kind", "typed", "stored"), [
    ("iban", "fr76 3000 6000 0112 3456 7890 189", FR_IBAN),
    ("siren", "732 829 320", "732829320"),
    ("siret", "732 829 320 00074", "73282932000074"),
    ("vat_number", "FR 44 732 829 320", "FR44732829320"),
    ("vat_number", "DE 136 695 976", "DE136695976"),
    ("bic", "agri fr pp", "AGRIFRPP"),
])
def test_identifiers_typed_with_spaces_are_stored_compact(kind, typed, stored):
    assert compact_identifier(kind, typed) == stored


@pytest.mark.parametrize(("kind", "value"), [
    ("iban", SHORT_FR_IBAN),
    ("iban", XX_IBAN),
    ("iban", "FR7630006000011234567890188"),
    ("vat_number", "FRXY123456789"),
    ("vat_number", "XX123456789"),
    ("vat_number", "FR45732829320"),
    ("siren", "732829321"),
    ("bic", "AGRI"),
])
def test_wrong_identifiers_are_refused(kind, value):
    with pytest.raises(IdentifierError):
        compact_identifier(kind, value)
    assert identifier_error(kind, value).endswith("check for a typo.")


@pytest.mark.parametrize(("field", "value"), [
    ("iban", SHORT_FR_IBAN), ("iban", XX_IBAN), ("vat_number", "FRXY123456789"), ("bic", "AGRIFRP"),
    ("siret", "7328293200007 5"),
])
def test_patch_coordination_refuses_a_wrong_identifier_naming_the_field(client, world, session, field, value):
    url = f"/api/v1/coordinations/{world.a.coordination.id}"
    r = client.patch(url, json={field: value}, headers=world.a.headers(Role.ADMIN))
    body = assert_problem(r, 422)
    assert list(body["errors"]) == [field]
    assert session.scalar(select(Coordination.iban).where(Coordination.id == world.a.coordination.id)) is None


def test_patch_coordination_stores_the_bank_details_compact(client, world, session):
    url = f"/api/v1/coordinations/{world.a.coordination.id}"
    r = client.patch(url, json={"iban": "FR76 3000 6000 0112 3456 7890 189", "bic": "agri fr pp"},
                     headers=world.a.headers(Role.ADMIN))
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["iban"], r.get_json()["bic"]) == (FR_IBAN, "AGRIFRPP")
    columns = select(Coordination.iban, Coordination.bic)
    stored = session.execute(columns.where(Coordination.id == world.a.coordination.id))
    assert tuple(stored.one()) == (FR_IBAN, "AGRIFRPP")


def test_member_siren_and_siret_typed_with_spaces(client, world, session):
    body = member(siren="732 829 320", siret="732 829 320 00074")
    r = client.post("/api/v1/members/", json=body, headers=world.a.headers(Role.MANAGER))
    assert r.status_code == 201, r.get_json()
    stored = session.execute(select(Member.siren, Member.siret).where(Member.id == r.get_json()["id"]))
    assert tuple(stored.one()) == ("732829320", "73282932000074")


def test_member_vat_number_with_a_made_up_key_is_refused(client, world):
    body = member(vat_regime="vat_registered", vat_number="FRXY123456789")
    r = client.post("/api/v1/members/", json=body, headers=world.a.headers(Role.MANAGER))
    assert "vat_number" in assert_problem(r, 422)["errors"]


def test_funder_and_supplier_siret_checked(client, world):
    h = world.a.headers(Role.MANAGER)
    r = client.patch(f"/api/v1/funders/{world.a.funder.id}", json={"siret": "73282932000075"}, headers=h)
    assert list(assert_problem(r, 422)["errors"]) == ["siret"]
    r = client.post("/api/v1/suppliers/", json={"name": "Grossiste", "siret": "732 829 320 00074"}, headers=h)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["siret"] == "73282932000074"

"""The charges ledger: idempotent posting, exact splits, scoped reading."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logipool.errors import Conflict
from logipool.models import Charge, ChargeSource, Nature, Role
from logipool.services.ledger import ChargeDraft, Payer, post_charges, split_charge

from .test_errors import assert_problem

NOV = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))


def draft(payer: Payer, key: str, cents: int = 1000) -> ChargeDraft:
    return ChargeDraft(payer, ChargeSource.WAREHOUSE_COSTS, 7, key, "Entrepôt novembre", *NOV,
                       "pallet_days", "Coûts d'exploitation novembre:", cents, Nature.SERVICES)


def test_posting_twice_is_refused_whole(session, world):
    c = world.a.coordination.id
    post_charges(session, c, [draft(Payer(world.a.member.id), "wh:11")])
    with pytest.raises(Conflict, match="wh:11"):
        post_charges(session, c, [draft(Payer(world.a.other_member.id), "wh:12"),
                                  draft(Payer(world.a.member.id), "wh:11")])
    session.rollback()


def test_split_charge_states_its_basis_and_sums_exactly():
    parts = [(Payer(member_id=1), 3, "3 pallet-days"), (Payer(member_id=2), 3, "3 pallet-days"),
             (Payer(funder_id=9), 3, "3 pallet-days")]
    drafts = split_charge(draft(Payer(member_id=1), "wh"), 100000, parts)
    assert [d.amount_cents for d in drafts] == [33334, 33333, 33333]
    assert [d.posting_key for d in drafts] == ["wh:m1", "wh:m2", "wh:f9"]
    assert "1\u202f000,00\xa0€ × 3 / 9" in drafts[0].basis and "= 333,34\xa0€" in drafts[0].basis


@given(total=st.integers(0, 10**8), weights=st.lists(st.integers(0, 10**4), min_size=1, max_size=12)
       .filter(lambda w: sum(w) > 0))
def test_split_charge_always_sums_to_the_total(total, weights):
    parts = [(Payer(member_id=i + 1), w, f"{w}") for i, w in enumerate(weights)]
    drafts = split_charge(draft(Payer(member_id=1), "k"), total, parts)
    assert sum(d.amount_cents for d in drafts) == total


def test_manual_charge_through_the_api(client, world, session):
    h = world.a.headers(Role.MANAGER)
    body = {"member_id": world.a.member.id, "label": "Carburant avancé", "amount": "45.10",
            "period_start": "2026-11-03T08:00:00+01:00", "period_end": "2026-11-03T12:00:00+01:00",
            "basis": "Ticket de carburant du 3 novembre", "nature": "services", "vat_rate": "20.00"}
    r = client.post("/api/v1/charges/", json=body, headers=h)
    assert r.status_code == 201, r.get_json()
    charge = r.get_json()
    assert charge["amount"] == "45.10" and charge["invoiced"] is False
    assert charge["period_start"] == "2026-11-03T07:00:00+00:00"  # stored and shown in UTC
    assert session.get(Charge, charge["id"]).amount_cents == 4510


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "12.345"}, "amount"),
        ({"amount": 12.3}, "amount"),
        ({"amount": "1e3"}, "amount"),
        ({"period_start": "2026-11-03T08:00:00"}, "period_start"),  # naive
        ({"period_end": "2026-11-01T00:00:00+01:00"}, "period_end"),  # before start
        ({"funder_id": 1}, "member_id"),  # two payers
        ({"member_id": None}, "member_id"),  # no payer
    ],
)
def test_bad_manual_charges_are_refused_and_nothing_is_written(client, world, session, change, field):
    h = world.a.headers(Role.MANAGER)
    body = {"member_id": world.a.member.id, "label": "x", "amount": "1.00", "basis": "b",
            "period_start": "2026-11-03T08:00:00+01:00", "period_end": "2026-11-03T12:00:00+01:00",
            "nature": "goods"} | change
    r = client.post("/api/v1/charges/", json=body, headers=h)
    assert field in assert_problem(r, 422)["errors"]
    assert session.query(Charge).count() == 0


def test_member_sees_its_charges_and_their_sum_only(client, world, session):
    c = world.a.coordination.id
    post_charges(session, c, [draft(Payer(world.a.member.id), "a", 1234),
                              draft(Payer(world.a.other_member.id), "b", 5000),
                              draft(Payer(funder_id=world.a.funder.id), "c", 700)])
    session.commit()
    mine = client.get("/api/v1/charges/", headers=world.a.headers(Role.TREASURER)).get_json()
    assert mine["total"] == 1 and mine["sum"] == "12.34"
    everything = client.get("/api/v1/charges/", headers=world.a.headers(Role.AUDITOR)).get_json()
    assert everything["total"] == 3 and everything["sum"] == "69.34"
    funders = client.get(f"/api/v1/charges/?funder_id={world.a.funder.id}",
                         headers=world.a.headers(Role.MANAGER)).get_json()
    assert funders["sum"] == "7.00"
    uninvoiced = client.get("/api/v1/charges/?invoiced=false&start=2026-11-15T00:00:00Z",
                            headers=world.a.headers(Role.MANAGER)).get_json()
    assert uninvoiced["total"] == 3
    later = client.get("/api/v1/charges/?start=2026-12-01T00:00:00Z",
                       headers=world.a.headers(Role.MANAGER)).get_json()
    assert later["total"] == 0  # the period is half-open: it ends at 1 December 00:00

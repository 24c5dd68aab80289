from decimal import Decimal

import pytest

from purchasing import InvalidInput, Member, Need, Offer, Problem, PurchasingError, Supplier


def offer(**kw):
    args = dict(id="o", supplier_id="s", product="rice", tiers=[(1, 1000)])
    args.update(kw)
    return Offer(**args)


def test_errors_are_purchasing_errors():
    assert issubclass(InvalidInput, PurchasingError)


@pytest.mark.parametrize(
    "kw, words",
    [
        (dict(packs_available=-1), "packs_available"),
        (dict(packs_available=Decimal("1.5")), "packs_available"),
        (dict(pack_size=Decimal("1.5")), "pack_size"),
        (dict(pack_size=0), "pack_size"),
        (dict(tiers=[]), "tiers"),
        (dict(tiers=[(2, 1000)]), "first tier"),
        (dict(tiers=[(1, 1000), (1, 900)]), "strictly increasing"),
        (dict(tiers=[(1, -5)]), "pack_price_cents"),
        (dict(tiers=[(1, 10.5)]), "pack_price_cents"),
        (dict(vat_rate=0.055), "vat_rate"),
        (dict(vat_rate=Decimal("1.2")), "vat_rate"),
        (dict(temperature="warm"), "temperature"),
    ],
)
def test_bad_offers_are_refused_naming_the_field(kw, words):
    with pytest.raises(InvalidInput, match=words) as exc:
        offer(**kw)
    assert "'o'" in str(exc.value)


def test_supplier_amounts_must_be_whole_non_negative_cents():
    with pytest.raises(InvalidInput, match="minimum_order_cents"):
        Supplier("s", minimum_order_cents=-1)
    with pytest.raises(InvalidInput, match="delivery_fee_cents"):
        Supplier("s", delivery_fee_cents=Decimal("12.5"))


def test_member_weight_and_budget():
    with pytest.raises(InvalidInput, match="weight"):
        Member("m", weight=0)
    with pytest.raises(InvalidInput, match="budget_cents"):
        Member("m", budget_cents=-100)


@pytest.mark.parametrize(
    "kw, words",
    [
        (dict(target=5, minimum=6), "minimum 6 is above target 5"),
        (dict(target=5, maximum=4), "target 5 is above maximum 4"),
        (dict(target=-1), "negative"),
        (dict(target=0), "positive"),
        (dict(target=1.5), "not 1.5"),
        (dict(target=Decimal("1.0001")), "more than 3 decimals"),
        (dict(offer_ids=()), "at least one offer"),
    ],
)
def test_bad_needs_are_refused(kw, words):
    args = dict(member_id="m", offer_ids=("o",), target=5)
    args.update(kw)
    with pytest.raises(InvalidInput, match=words):
        Need(**args)


def problem(needs, offers=None):
    return Problem([Supplier("s")], offers or [offer()], [Member("m")], needs)


def test_unknown_offer_member_and_supplier_are_named():
    with pytest.raises(InvalidInput, match="unknown offer 'nope'"):
        problem([Need("m", "nope", 1)])
    with pytest.raises(InvalidInput, match="unknown member 'x'"):
        problem([Need("x", "o", 1)])
    with pytest.raises(InvalidInput, match="unknown supplier 'zz'"):
        problem([], offers=[offer(supplier_id="zz")])


def test_whole_unit_goods_refuse_fractional_needs_but_weighed_goods_accept_them():
    with pytest.raises(InvalidInput, match="fractional"):
        problem([Need("m", "o", Decimal("2.5"))])
    p = problem([Need("m", "o", Decimal("2.5"))], offers=[offer(divisible=True)])
    assert p.needs[0].target == Decimal("2.5")


def test_interchangeable_offers_must_share_unit():
    offers = [offer(), offer(id="o2", unit="kg")]
    with pytest.raises(InvalidInput, match="not interchangeable"):
        problem([Need("m", ("o", "o2"), 1)], offers=offers)


def test_duplicate_ids_and_unknown_keys():
    with pytest.raises(InvalidInput, match="duplicate id 'o'"):
        problem([], offers=[offer(), offer()])
    with pytest.raises(InvalidInput, match="fee_key"):
        Problem([Supplier("s")], [offer()], [Member("m")], [], fee_key="size")
    with pytest.raises(InvalidInput, match="leftover_policy"):
        Problem([Supplier("s")], [offer()], [Member("m")], [], leftover_policy="drop")


def test_needs_get_stable_ids():
    p = Problem(
        [Supplier("s")], [offer()], [Member("m"), Member("m2")],
        [Need("m", "o", 1), Need("m2", "o", 2, id="rice-2")],
    )
    assert [n.id for n in p.needs] == ["n1", "rice-2"]


def test_a_member_declares_one_need_per_offer():
    with pytest.raises(InvalidInput, match="need 1 of member 'm'.*offer 'o' is already in need 0"):
        problem([Need("m", "o", 1), Need("m", "o", 2)])
    two = [offer(), offer(id="o2")]
    with pytest.raises(InvalidInput, match="offer 'o2' is already in need 0"):
        problem([Need("m", ("o", "o2"), 1), Need("m", ("o2",), 2)], offers=two)


def test_quantities_and_pack_counts_above_a_billion_are_refused_by_name():
    for huge in ("1e25", "4.5e15", "1000000000.001"):
        with pytest.raises(InvalidInput, match="target: must be at most 1,000,000,000"):
            Need("m", "o", Decimal(huge))
    with pytest.raises(InvalidInput, match="pack_size: must be at most"):
        offer(pack_size=Decimal("1e30"))
    with pytest.raises(InvalidInput, match="packs_available: must be at most"):
        offer(packs_available=10**12)
    assert Need("m", "o", Decimal(10**9)).target == 10**9


def test_tier_for_packs_is_all_units():
    o = offer(tiers=[(1, 1000), (10, 900), (20, 850)])
    assert o.tier_for(9).pack_price_cents == 1000
    assert o.tier_for(10).pack_price_cents == 900
    assert o.tier_for(25).pack_price_cents == 850

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purchasing import ApportionError, MoneyError, apportion, format_cents, to_cents


def test_three_equal_parts_of_a_thousand_euros():
    assert apportion(100000, [1, 1, 1]) == [33334, 33333, 33333]


def test_remainders_go_to_the_largest_fractions_first():
    # quotas 3.3, 3.3, 3.4 of 10 cents: floors 3,3,3 and the spare cent to the 0.4 remainder
    assert apportion(10, [33, 33, 34]) == [3, 3, 4]


def test_negative_total_is_split_like_a_credit():
    assert apportion(-100000, [1, 1, 1]) == [-33334, -33333, -33333]


def test_zero_weight_gets_nothing():
    assert apportion(1001, [0, 1, 1]) == [0, 501, 500]


@pytest.mark.parametrize(
    "weights",
    [[], [0, 0], [1, -1], [1.5, 1]],
)
def test_unusable_weights_are_refused(weights):
    with pytest.raises(ApportionError):
        apportion(100, weights)


def test_zero_total_with_zero_weights_is_all_zero():
    assert apportion(0, [0, 0]) == [0, 0]


@given(
    total=st.integers(min_value=-10**9, max_value=10**9),
    weights=st.lists(
        st.one_of(
            st.integers(min_value=0, max_value=10**6),
            st.decimals(min_value=0, max_value=10**4, places=3, allow_nan=False, allow_infinity=False),
        ),
        min_size=1,
        max_size=30,
    ).filter(lambda ws: sum(ws) > 0),
)
def test_parts_sum_to_the_total_and_stay_within_a_cent_of_the_quota(total, weights):
    parts = apportion(total, weights)
    assert sum(parts) == total
    total_weight = sum(Fraction(w) for w in weights)
    for part, w in zip(parts, weights, strict=True):
        assert abs(part - Fraction(total) * Fraction(w) / total_weight) < 1


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("12.34", 1234), ("-0.5", -50), (Decimal("7"), 700), (3, 300), ("1e2", 10000)],
)
def test_to_cents(amount, cents):
    assert to_cents(amount) == cents


@pytest.mark.parametrize("amount", ["1.005", "abc", "NaN", "Infinity", 1.5, True])
def test_to_cents_refuses(amount):
    with pytest.raises(MoneyError):
        to_cents(amount)


def test_format_cents():
    assert format_cents(-1234) == "-12.34"
    assert format_cents(5) == "0.05"


@given(st.integers(-10**9, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=40))
def test_integer_weights_take_the_same_parts_as_exact_fractions(total, weights):
    from fractions import Fraction

    if sum(weights) == 0:
        return
    assert apportion(total, weights) == apportion(total, [Fraction(w) for w in weights])

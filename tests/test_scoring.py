"""Scoring and payment rules, checked against examples worked by hand.

The QOF figures are the 2014/15 parameters (shared research: payment.md §1–§6):
£156.92 a point, national average list size 7,052.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from qframe.scoring.outcome import round_money
from qframe.scoring.rules import all_or_nothing, band, clamp, slide

POINT_VALUE = 156.92  # £ per point, England 2014/15
AVERAGE_LIST_SIZE = 7052  # national average list size for the 2014/15 CPI


# --- slide -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("achievement", "expected"),
    [
        (0.00, 0.0),  # far below the lower threshold
        (0.30, 0.0),  # 30% < 35%: nothing
        (0.35, 0.0),  # at the lower threshold: (35 - 35) / (75 - 35) = 0 / 40 = 0
        (0.45, 0.25),  # (45 - 35) / 40 = 10 / 40 = 0.25
        (0.55, 0.5),  # (55 - 35) / 40 = 20 / 40 = 0.5
        (0.625, 0.6875),  # DM007: (62.5 - 35) / 40 = 27.5 / 40 = 0.6875
        (0.75, 1.0),  # at the upper threshold: full share
        (0.80, 1.0),  # above the upper threshold: still 1 (capped)
        (1.00, 1.0),  # 100%: 1
    ],
)
def test_slide_thresholds_35_to_75(achievement: float, expected: float) -> None:
    assert float(slide(achievement, 0.35, 0.75)) == pytest.approx(expected, abs=1e-12)


def test_slide_just_below_upper_is_below_one() -> None:
    # (74.9 - 35) / 40 = 39.9 / 40 = 0.9975
    assert float(slide(0.749, 0.35, 0.75)) == pytest.approx(0.9975)


def test_slide_nan_achievement_is_nan() -> None:
    assert math.isnan(float(slide(float("nan"), 0.35, 0.75)))


def test_slide_array() -> None:
    achievement = np.array([0.20, 0.35, 0.55, 0.70, 0.75, 0.90, np.nan])
    # 0.20 → 0; 0.35 → 0; 0.55 → 20/40 = 0.5; 0.70 → 35/40 = 0.875; 0.75 → 1; 0.90 → 1; nan → nan
    expected = np.array([0.0, 0.0, 0.5, 0.875, 1.0, 1.0, np.nan])
    got = slide(achievement, 0.35, 0.75)
    assert got.shape == (7,)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_slide_per_row_thresholds() -> None:
    # row 1: (0.6 - 0.5) / (0.9 - 0.5) = 0.1 / 0.4 = 0.25; row 2: (0.6 - 0.4) / (0.8 - 0.4) = 0.5
    got = slide(np.array([0.6, 0.6]), np.array([0.5, 0.4]), np.array([0.9, 0.8]))
    np.testing.assert_allclose(got, [0.25, 0.5], rtol=0, atol=1e-12)


_UNIT = st.floats(min_value=-0.5, max_value=1.5, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_UNIT, min_size=2, max_size=8),
    st.floats(min_value=0.0, max_value=1.0),
    st.floats(min_value=0.0, max_value=1.0),
)
def test_slide_is_monotone_and_within_0_1(achievements: list[float], p: float, q: float) -> None:
    lower, upper = min(p, q), max(p, q)
    if lower == upper:
        upper = lower + 0.01
    ordered = np.sort(np.array(achievements))
    shares = slide(ordered, lower, upper)
    assert np.all((shares >= 0.0) & (shares <= 1.0))
    assert np.all(np.diff(shares) >= 0.0)
    # scalar calls agree with the vectorised call
    for value, share in zip(ordered, shares, strict=True):
        assert float(slide(float(value), lower, upper)) == share


# --- all or nothing, band, clamp -------------------------------------------------------------------


def test_all_or_nothing() -> None:
    assert float(all_or_nothing(0.80, 0.80)) == 1.0  # reaching the threshold exactly earns it
    assert float(all_or_nothing(0.79, 0.80)) == 0.0  # 79% < 80%: nothing
    assert float(all_or_nothing(1.00, 0.80)) == 1.0
    assert math.isnan(float(all_or_nothing(float("nan"), 0.80)))
    got = all_or_nothing(np.array([0.0, 0.5, 0.99, 1.0, np.nan]), 1.0)  # a register: 1 if held
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.0, 1.0, np.nan])


def test_band_steps() -> None:
    cuts, scores = [0.5, 0.7], [0.0, 0.5, 1.0]
    # below 50% → 0; 50% up to 70% → 0.5; 70% and above → 1
    assert float(band(0.40, cuts, scores)) == 0.0
    assert float(band(0.50, cuts, scores)) == 0.5  # a cut belongs to the band above it
    assert float(band(0.69, cuts, scores)) == 0.5
    assert float(band(0.70, cuts, scores)) == 1.0
    assert float(band(0.95, cuts, scores)) == 1.0
    assert math.isnan(float(band(float("nan"), cuts, scores)))


def test_band_array_and_unsorted_input() -> None:
    got = band(np.array([0.9, 0.1, 0.5, np.nan, 0.7]), [0.5, 0.7], [0, 2, 5])
    np.testing.assert_array_equal(got, [5.0, 0.0, 2.0, np.nan, 5.0])


def test_band_single_cut() -> None:
    # one cut at 10 → scores[0] = 1 below it, scores[1] = 3 from it on
    np.testing.assert_array_equal(band(np.array([9.99, 10.0, 11.0]), [10], [1, 3]), [1.0, 3.0, 3.0])


def test_band_needs_one_more_score_than_cuts() -> None:
    with pytest.raises(ValueError):
        band(0.5, [0.5, 0.7], [0.0, 1.0])


def test_clamp() -> None:
    assert float(clamp(12.0, 0, 10)) == 10.0  # capped at 10
    assert float(clamp(-1.0, 0, 10)) == 0.0  # floored at 0
    assert float(clamp(5.5, 0, 10)) == 5.5  # inside: unchanged
    assert float(clamp(0.0, 0, 10)) == 0.0  # the bounds themselves are inside
    assert float(clamp(10.0, 0, 10)) == 10.0
    np.testing.assert_array_equal(clamp(np.array([-3.0, 3.0, 30.0]), 0, 10), [0.0, 3.0, 10.0])
    # per-row bounds: 5 capped at 4; 5 floored at 6
    np.testing.assert_array_equal(
        clamp(np.array([5.0, 5.0]), np.array([0.0, 6.0]), np.array([4.0, 9.0])), [4.0, 6.0]
    )


# --- money -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (2113.0560, 2113.06),  # 2113.056 → .06 (the 6 in the third place rounds up)
        (2113.0559149886553, 2113.06),  # the DM007 amount at full precision
        (2.675, 2.68),  # exactly half a penny in decimal: away from zero (float is 2.67499...)
        (-2.675, -2.68),  # half away from zero on the negative side too
        (0.005, 0.01),  # half a penny → one penny
        (-0.005, -0.01),
        (0.004, 0.0),  # less than half a penny → nothing
        (1.234, 1.23),
        (1.235, 1.24),
        (1084.7773681225183, 1084.78),  # DM017
        (2336.4435621100392, 2336.44),  # BP002
        (0.0, 0.0),
        (156.92, 156.92),  # already whole pennies: unchanged
    ],
)
def test_round_money(amount: float, expected: float) -> None:
    assert float(round_money(amount)) == expected


# 0.145 × 100 is 14.499999999999998 in floating point: every exact half penny must still round
# away from zero.
@pytest.mark.parametrize(
    ("amount", "expected"),
    [(0.145, 0.15), (0.285, 0.29), (1.005, 1.01), (1.255, 1.26), (-0.145, -0.15)],
)
def test_round_money_every_half_penny_rounds_away_from_zero(amount: float, expected: float) -> None:
    assert float(round_money(amount)) == expected


def test_round_money_array_and_places() -> None:
    np.testing.assert_array_equal(
        round_money(np.array([2.675, -2.675, 0.125])), [2.68, -2.68, 0.13]
    )
    assert float(round_money(2.5, places=0)) == 3.0  # half a pound → away from zero
    assert float(round_money(-2.5, places=0)) == -3.0
    assert float(round_money(1234.5, places=-1)) == 1230.0  # to the ten pounds: 123.45 → 123


def _round_money_as_before(amount: object, places: int = 2) -> np.ndarray:
    """round_money as it was before its fast path for amounts with no sign bit (issue 16): the
    reference the property below holds it to, bit for bit."""
    a = np.asarray(amount, dtype=np.float64)
    scale = 10.0**places
    x = np.asarray(np.abs(a), dtype=np.float64)
    whole_from = float(2**52) / scale
    any_whole = x.size > 0 and bool(np.fmax.reduce(x, axis=None) >= whole_from)
    whole = x >= whole_from if any_whole else False
    if any_whole:
        x[whole] = 0.0
    x *= scale
    x += 0.5 + 5e-7
    np.floor(x, out=x)
    x /= scale
    out = np.copysign(x, a, out=x)
    return np.asarray(np.where(whole, a, out) if any_whole else out)


# amounts money rounding meets: pennies and exact half pennies (k + 1/2) / 100, the floating-point
# neighbours of half pennies, any float, -0.0, missing values, infinities and amounts too large
# to have pennies; mostly non-negative (payments), sometimes with a negative among them
_HALF_PENNIES = st.one_of(st.integers(-(10**6), 10**6), st.integers(-(2**53), 2**53)).map(
    lambda k: (k + 0.5) / 100
)
# exact halves of a pound (for places=0) up to where floats have no halves: × 1 adds nothing, so
# a rounding that ties to even (np.rint) would differ from the rule here
_HALF_POUNDS = st.integers(-(2**52), 2**52).map(lambda k: k + 0.5)
_NEAR_HALF = _HALF_PENNIES.flatmap(
    lambda h: st.sampled_from([h, math.nextafter(h, math.inf), math.nextafter(h, -math.inf)])
)
_AMOUNTS = st.one_of(
    _HALF_PENNIES,
    _HALF_POUNDS,
    _NEAR_HALF,
    st.integers(0, 10**9).map(lambda k: k / 100),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(0, 1e6),
    st.sampled_from([0.0, -0.0, math.nan, -math.nan, math.inf, 2.0**52 / 100, 2.0**60, 1e308]),
)


@settings(max_examples=500, deadline=None)
# exact halves where floats are too coarse for the 6th-decimal tolerance to move them: the rule
# rounds them away from zero, where a round-half-to-even (np.rint) would go down to the even one
@example(amounts=[8589934594.5, 2.0**40 + 0.5, 0.0], places=0)
@example(amounts=[10995116277.765, 1000000000.005, 687194767.405], places=2)
@given(
    st.lists(_AMOUNTS, max_size=40)
    | st.lists(st.floats(0, 1e7) | _HALF_PENNIES.map(abs) | _HALF_POUNDS.map(abs)),
    st.sampled_from([2, 2, 2, 0, 1, 3, -1]),
)
def test_round_money_same_bits_as_before(amounts: list[float], places: int) -> None:
    """The fast path (no sign bit among the amounts: no abs() copy, no copysign() pass) gives
    exactly the pennies of the rule as it was, bit for bit (halves, -0.0, NaN, ∞, huge amounts),
    for arrays, their strided views and single numbers."""
    a = np.array(amounts, dtype=np.float64)
    for given_amount in (a, a[::2], a.reshape(-1, 1)):
        got, want = round_money(given_amount, places), _round_money_as_before(given_amount, places)
        assert got.shape == want.shape
        assert np.array_equal(got.view(np.int64), want.view(np.int64))
    for number in amounts[:3]:
        got, want = round_money(number, places), _round_money_as_before(number, places)
        assert np.asarray(got).view(np.int64) == want.view(np.int64)


# --- QOF 2014/15 worked example (payment.md §6) ----------------------------------------------------
#
# Practice list (CRP) 8,000; diabetes register 520; national DM prevalence 6.4%.
#   CPI        = 8000 / 7052              = 1.1344299...
#   APDF(DM)   = (520 / 8000) / 0.064     = 0.065 / 0.064 = 1.015625

LIST_SIZE = 8000
DM_REGISTER = 520
DM_NATIONAL_PREVALENCE = 0.064


def _cpi() -> float:
    return LIST_SIZE / AVERAGE_LIST_SIZE  # QOF's Contractor Population Index


def _apdf_dm() -> float:
    return (DM_REGISTER / LIST_SIZE) / DM_NATIONAL_PREVALENCE


def test_worked_example_factors() -> None:
    assert _cpi() == pytest.approx(1.1344299489506522)  # 8000 / 7052
    assert _apdf_dm() == pytest.approx(1.015625)  # 0.065 / 0.064


def test_worked_example_dm007() -> None:
    # D = 300 / (520 - 40) = 300 / 480 = 62.5%
    achievement = 300 / 480
    assert achievement == 0.625
    # share = (62.5 - 35) / (75 - 35) = 27.5 / 40 = 0.6875; points = 0.6875 × 17 = 11.6875
    points = float(slide(achievement, 0.35, 0.75)) * 17
    assert points == pytest.approx(11.6875, abs=1e-12)
    # £ = 11.6875 × 156.92 × 1.1344299 × 1.015625
    #   = 1834.0025 × 1.1344299 × 1.015625 = 2080.5474 × 1.015625 = 2113.0559 → £2,113.06
    pounds = round_money(points * POINT_VALUE * _cpi() * _apdf_dm())
    assert float(pounds) == 2113.06
    # the list size cancels: 11.6875 × 156.92 × 520 / (7052 × 0.064) = 2113.0559 → £2,113.06
    direct = points * POINT_VALUE * DM_REGISTER / (AVERAGE_LIST_SIZE * DM_NATIONAL_PREVALENCE)
    assert float(round_money(direct)) == 2113.06


def test_worked_example_dm017_register() -> None:
    # register held → all 6 points: all_or_nothing(1, 1) × 6 = 6
    points = float(all_or_nothing(1.0, 1.0)) * 6
    assert points == 6.0
    # £ = 6 × 156.92 × 1.1344299 × 1.015625 = 941.52 × 1.1344299 × 1.015625
    #   = 1068.0885 × 1.015625 = 1084.7774 → £1,084.78
    pounds = round_money(points * POINT_VALUE * _cpi() * _apdf_dm())
    assert float(pounds) == 1084.78


def test_worked_example_bp002_no_prevalence_adjustment() -> None:
    # share = (85 - 50) / (90 - 50) = 35 / 40 = 0.875; points = 0.875 × 15 = 13.125
    points = float(slide(0.85, 0.50, 0.90)) * 15
    assert points == pytest.approx(13.125, abs=1e-9)
    # £ = 13.125 × 156.92 × 1.1344299 (APDF = 1) = 2059.575 × 1.1344299 = 2336.4436 → £2,336.44
    pounds = round_money(points * POINT_VALUE * _cpi() * 1.0)
    assert float(pounds) == 2336.44


def test_worked_example_as_arrays() -> None:
    # the three indicators above, vectorised: achievement, thresholds and points per row
    achievement = np.array([0.625, 1.0, 0.85])
    share = slide(achievement, np.array([0.35, 0.0, 0.50]), np.array([0.75, 1.0, 0.90]))
    points = share * np.array([17, 6, 15])
    np.testing.assert_allclose(points, [11.6875, 6.0, 13.125], rtol=0, atol=1e-9)
    apdf = np.array([_apdf_dm(), _apdf_dm(), 1.0])
    pounds = round_money(points * POINT_VALUE * _cpi() * apdf)
    np.testing.assert_array_equal(pounds, [2113.06, 1084.78, 2336.44])
    assert float(pounds.sum()) == pytest.approx(5534.28)  # 2113.06 + 1084.78 + 2336.44

"""Overrides from Python (issue 15): ``params=`` takes plain Python values — a tuple or a list
of two numbers where a range is expected (``DM007.thresholds``) — and any other value is refused
with qframe's own error naming the override, never a traceback from inside."""

from __future__ import annotations

import math
from typing import Any

import pytest
from conftest import MINI
from hypothesis import given, settings
from hypothesis import strategies as st

import qframe
from qframe.errors.diagnostics import DefinitionError, QframeError

FW = qframe.load(MINI)
DATA = qframe.load_dataset(MINI / "data")


def dm007(params: dict[str, Any]) -> float:
    ind = FW.evaluate(DATA, params=params).indicators
    return float(ind.query("unit_id == 'P001' and indicator == 'DM007'")["payment"].iloc[0])


@pytest.mark.parametrize("pair", [(0.4, 0.8), [0.4, 0.8], (40 / 100, 80 / 100)])
def test_a_pair_of_numbers_is_a_range(pair: Any) -> None:
    # (62.5 − 40) / 40 × 17 = 9.5625 points, as with the text "40% .. 80%"
    assert dm007({"DM007.thresholds": pair}) == dm007({"DM007.thresholds": "40% .. 80%"})
    assert dm007({"DM007.thresholds": pair}) != dm007({})


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ((0.4, "x"), "must be a range"),
        ((0.4, 0.6, 0.8), "must be a range"),
        ([], "must be a range"),
        ((0.8, 0.4), "lower threshold must be below"),
        ((0.4, math.nan), "finite number"),
        ((0.4, 10**400), "finite number"),
        ((True, 1), "must be a range"),
        (None, "must be a range"),
        ({"lower": 0.4}, "must be a range"),
    ],
)
def test_a_value_that_is_not_a_range_is_refused(value: Any, says: str) -> None:
    with pytest.raises(DefinitionError) as info:
        FW.evaluate(DATA, params={"DM007.thresholds": value})
    assert "DM007.thresholds" in str(info.value) and says in str(info.value)


def test_overrides_that_are_not_a_mapping_or_not_named_by_text() -> None:
    with pytest.raises(DefinitionError, match="mapping of names"):
        FW.evaluate(DATA, params=[("point_value", 180)])  # type: ignore[arg-type]
    with pytest.raises(DefinitionError, match="named by text"):
        FW.evaluate(DATA, params={3: 180})  # type: ignore[dict-item]


NAMES = [
    "point_value",
    "average_list_size",
    "national_dm_prevalence",
    "DM007.thresholds",
    "DM007.max_points",
    "DM007.point_value",
    "BP002.thresholds",
    "nope",
    "DM999.thresholds",
]
number = st.one_of(
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(10**300, 10**400),
)
VALUES = st.one_of(
    number,
    st.text(max_size=12),
    st.sampled_from(["£180", "40% .. 80%", "true", "35%", "1e309", '"x"', "point_value"]),
    st.tuples(number, number),
    st.lists(st.one_of(number, st.text(max_size=3), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=3), number, max_size=2),
    st.none(),
    st.booleans(),
    st.just(math.nan),
)


@settings(max_examples=80, deadline=None)
@given(name=st.sampled_from(NAMES), value=VALUES)
def test_any_python_value_works_or_is_qframes_own_error(name: str, value: Any) -> None:
    try:
        result = FW.evaluate(DATA, params={name: value})
    except QframeError as exc:
        assert exc.diagnostics and all(d.code for d in exc.diagnostics)
        return
    payments = result.indicators["payment"].dropna()
    assert all(math.isfinite(p) for p in payments)  # nothing non-finite is ever paid

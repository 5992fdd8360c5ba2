"""Small-count suppression for publication (1..7 suppressed, others rounded to the nearest 5)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from qframe.results.disclosure import safe_count, suppress_counts, suppress_measures


def test_edges() -> None:
    assert safe_count(0) == 0
    assert all(math.isnan(safe_count(v)) for v in range(1, 8))
    assert [safe_count(v) for v in (8, 9, 12, 13, 17, 18, 1002)] == [10, 10, 10, 15, 15, 20, 1000]
    assert math.isnan(safe_count(math.nan))


@given(st.integers(min_value=0, max_value=10**7))
def test_published_counts_are_multiples_of_five_within_three(count: int) -> None:
    published = suppress_counts(np.array([count]))[0]
    if 1 <= count <= 7:
        assert math.isnan(published)
    else:
        assert published % 5 == 0 and abs(published - count) <= 2.5
        assert published == safe_count(count)


def test_only_count_measures_are_touched() -> None:
    measures = pd.DataFrame(
        {"unit_id": ["P1"] * 3, "period": ["2014-15"] * 3, "measure": ["numerator", "register", "points"],
         "key": ["DM007", "DM", "DM007"], "value": [3.0, 123.0, 4.0]}
    )  # fmt: skip
    out = suppress_measures(measures)
    assert math.isnan(out.value[0]) and out.value[1] == 125 and out.value[2] == 4
    assert measures.value[0] == 3  # the input is left as it was

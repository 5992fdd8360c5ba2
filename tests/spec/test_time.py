"""Time: previous, lag, change, persists and at

Time functions read other periods of the same unit. The tables have one row per unit and period;
the periods are years, or quarters in a framework that evaluates quarters. A value before the data
starts is missing.
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[..., None]

UNIT = ["P1", "P1", "P1", "P2", "P2", "P2"]
YEAR = ["2012-13", "2013-14", "2014-15"] * 2


def test_previous(spec: Check) -> None:
    """`previous` is the value in the period before; missing in the first period."""
    spec(
        table={"unit": UNIT, "period": YEAR, "x": [1, 2, 4, 5, None, 7]},
        expression="previous(x)",
        expected=[None, 1, 2, None, 5, None],
    )


def test_lag(spec: Check) -> None:
    """`lag(x, 2 years)` is the value two years before."""
    spec(
        table={"unit": UNIT, "period": YEAR, "x": [1, 2, 4, 5, 6, 7]},
        expression="lag(x, 2 years)",
        expected=[None, None, 1, None, None, 5],
    )


def test_change(spec: Check) -> None:
    """`change(x, 1 year)` is `x - lag(x, 1 year)`."""
    spec(
        table={"unit": UNIT, "period": YEAR, "x": [1, 2, 4, 5, 3, 3]},
        expression="change(x, 1 year)",
        expected=[None, 1, 2, None, -2, 0],
    )


def test_persists(spec: Check) -> None:
    """`persists(c, 2 years)` is true when `c` held this year and the year before; unknown before
    there are enough years, unless `c` is already false."""
    spec(
        table={"unit": UNIT, "period": YEAR, "x": [3, 3, 3, 0, 3, 3]},
        expression="persists(x > 2, 2 years)",
        expected=[None, True, True, False, False, True],
    )


def test_at(spec: Check) -> None:
    """`at(x, "2012-13")` is the value in one period, repeated in every period (a baseline)."""
    spec(
        table={"unit": UNIT, "period": YEAR, "x": [1, 2, 4, 5, 6, 7]},
        expression='x - at(x, "2012-13")',
        expected=[0, 1, 3, 0, 1, 2],
    )


QUARTERS = ["2014-15Q1", "2014-15Q2", "2014-15Q3", "2014-15Q4"]


def test_lag_in_quarters(spec: Check) -> None:
    """In a quarterly framework `lag(x, 2 quarters)` is the value two quarters before."""
    spec(
        table={"period": QUARTERS, "unit": ["P1"] * 4, "x": [1, 2, 4, 8]},
        expression="lag(x, 2 quarters)",
        expected=[None, None, 1, 2],
    )


def test_a_year_is_four_quarters(spec: Check) -> None:
    """`1 year` is four quarters in a quarterly framework."""
    spec(
        table={
            "period": ["2013-14Q4", *QUARTERS],
            "unit": ["P1"] * 5,
            "x": [1, 2, 4, 8, 16],
        },
        expression="change(x, 1 year)",
        expected=[None, None, None, None, 15],
    )


def test_persists_over_quarters(spec: Check) -> None:
    """`persists(c, 2 quarters)` needs `c` in this quarter and the one before."""
    spec(
        table={"period": QUARTERS, "unit": ["P1"] * 4, "x": [1, 1, 0, 1]},
        expression="persists(x == 1, 2 quarters)",
        expected=[None, True, False, False],
    )

"""Comparison

`== != < <= > >=` compare numbers (or money with money) and give a condition: true, false, or
unknown when a side is missing. Conditions show as true and false in the tables (1 and 0 in the
results).
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[..., None]


def test_less_than(spec: Check) -> None:
    """`<` is true when the left side is smaller; unknown with a missing side."""
    spec(
        table={"x": [1, 2, 3, None], "y": [2, 2, 2, 2]},
        expression="x < y",
        expected=[True, False, False, None],
    )


def test_at_most(spec: Check) -> None:
    """`<=` includes equality."""
    spec(table={"x": [1, 2, 3], "y": [2, 2, 2]}, expression="x <= y", expected=[True, True, False])


def test_greater_than(spec: Check) -> None:
    """`>` is true when the left side is larger."""
    spec(table={"x": [1, 2, 3], "y": [2, 2, 2]}, expression="x > y", expected=[False, False, True])


def test_at_least(spec: Check) -> None:
    """`>=` includes equality."""
    spec(table={"x": [1, 2, 3], "y": [2, 2, 2]}, expression="x >= y", expected=[False, True, True])


def test_equal(spec: Check) -> None:
    """`==` is true for equal values; a missing value is never equal, not even to itself."""
    spec(
        table={"x": [2, 3, None], "y": [2, 2, None]},
        expression="x == y",
        expected=[True, False, None],
    )


def test_not_equal(spec: Check) -> None:
    """`!=` is the opposite of `==`, and unknown where `==` is."""
    spec(
        table={"x": [2, 3, None], "y": [2, 2, 1]},
        expression="x != y",
        expected=[False, True, None],
    )


def test_compare_with_a_percentage(spec: Check) -> None:
    """A share compares with a percentage: 0.75 is 75%."""
    spec(table={"x": [3, 1], "y": [4, 4]}, expression="x / y >= 75%", expected=[True, False])

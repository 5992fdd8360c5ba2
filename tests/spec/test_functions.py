"""Arithmetic functions

`clamp`, `min`, `max`, `abs`, `sqrt` and `round` work row by row; a missing argument gives a
missing result.
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[..., None]


def test_clamp(spec: Check) -> None:
    """`clamp(v, lowest, highest)` keeps a value within bounds."""
    spec(table={"x": [1, 2.5, 4, None]}, expression="clamp(x, 2, 3)", expected=[2, 2.5, 3, None])


def test_min_and_max(spec: Check) -> None:
    """`min` and `max` take the smallest and the largest of their arguments, for each row."""
    spec(
        table={"x": [1, 5], "y": [3, 2]},
        expression="max(x, y) * 10 + min(x, y)",
        expected=[31, 52],
    )


def test_abs(spec: Check) -> None:
    """`abs` drops the sign."""
    spec(table={"x": [1, 5, None]}, expression="abs(x - 3)", expected=[2, 2, None])


def test_sqrt(spec: Check) -> None:
    """`sqrt` is the square root; of a negative number it is missing. (Data values are never
    negative: the negative number comes from arithmetic.)"""
    spec(table={"x": [10, 3, 0]}, expression="sqrt(x - 1)", expected=[3, 2**0.5, None])


def test_round(spec: Check) -> None:
    """`round(v, places=2)` rounds to two decimal places."""
    spec(table={"x": [1, 2, 5]}, expression="round(x / 3, places=2)", expected=[0.33, 0.67, 1.67])


def test_money_totals_are_rounded_to_the_penny(spec: Check) -> None:
    """A total in money is rounded to the penny, once, at the total."""
    spec(table={"x": [1, 2]}, expression="£1 * x / 3", expected=[0.33, 0.67])

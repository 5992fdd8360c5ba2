"""Arithmetic with units

`+ - * / ^` and unary minus on numbers, percentages and money. Arithmetic with a missing value is
missing; division by zero is missing, never infinite.
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[..., None]


def test_add(spec: Check) -> None:
    """`+` adds; a missing value makes the sum missing."""
    spec(table={"x": [1, 2.5, None], "y": [2, 0.5, 3]}, expression="x + y", expected=[3, 3, None])


def test_subtract(spec: Check) -> None:
    """`-` subtracts; the result can be negative."""
    spec(table={"x": [5, 1, 4], "y": [2, 3, None]}, expression="x - y", expected=[3, -2, None])


def test_multiply(spec: Check) -> None:
    """`*` multiplies."""
    spec(table={"x": [2, 0, None], "y": [3, 7, 1]}, expression="x * y", expected=[6, 0, None])


def test_divide(spec: Check) -> None:
    """`/` divides; division by zero is missing, and so is 0 / 0."""
    spec(
        table={"x": [3, 3, 0, None], "y": [4, 0, 0, 2]},
        expression="x / y",
        expected=[0.75, None, None, None],
    )


def test_power_binds_tighter_than_unary_minus(spec: Check) -> None:
    """`^` raises to a power, tighter than unary minus: `-x ^ 2` is `-(x ^ 2)`."""
    spec(table={"x": [2, 3, None]}, expression="-x ^ 2", expected=[-4, -9, None])


def test_power_groups_to_the_right(spec: Check) -> None:
    """`x ^ 3 ^ 2` is `x ^ (3 ^ 2)`."""
    spec(table={"x": [2, 1]}, expression="x ^ 3 ^ 2", expected=[512, 1])


def test_multiplication_before_addition(spec: Check) -> None:
    """`*` and `/` bind tighter than `+` and `-`."""
    spec(table={"x": [1, 2]}, expression="x + x * 10", expected=[11, 22])


def test_percentage_is_a_fraction(spec: Check) -> None:
    """A percentage is a number over 100: `x * 50%` halves `x`."""
    spec(table={"x": [10, 3]}, expression="x * 50%", expected=[5, 1.5])


def test_money_times_a_number_is_money(spec: Check) -> None:
    """Money times a number is money, in pounds."""
    spec(table={"x": [2, 0.5]}, expression="£1.50 * x", expected=[3, 0.75])


def test_money_plus_money(spec: Check) -> None:
    """Money adds to money."""
    spec(table={"x": [2, 4]}, expression="£1.25 * x + £10", expected=[12.5, 15])


def test_money_over_money_is_a_number(spec: Check) -> None:
    """Money divided by money is a plain number (a ratio)."""
    spec(table={"x": [2, 4]}, expression="(£3 * x) / £2", expected=[3, 6])

"""if / then / else and missing values

`if c then a else b` chooses per row; an unknown condition gives a missing value. `coalesce`
chooses a value for missing, `is_missing` tests for it.
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[..., None]


def test_if_then_else(spec: Check) -> None:
    """`if` gives the `then` value where the condition is true, the `else` value where false."""
    spec(table={"x": [5, 1]}, expression="if x > 2 then 10 else 20", expected=[10, 20])


def test_if_with_an_unknown_condition_is_missing(spec: Check) -> None:
    """Where the condition is unknown, the result is missing (neither branch)."""
    spec(
        table={"x": [5, None], "y": [1, 1]},
        expression="if x > 2 then y else 0",
        expected=[1, None],
    )


def test_else_if_chains(spec: Check) -> None:
    """`else if` needs no brackets: the `else` branch extends as far as it can."""
    spec(
        table={"x": [1, 5, 9]},
        expression="if x < 3 then 1 else if x < 7 then 2 else 3",
        expected=[1, 2, 3],
    )


def test_else_branch_extends_to_the_end(spec: Check) -> None:
    """`if c then a else b + 1` adds 1 to `b` only."""
    spec(table={"x": [1, 5]}, expression="if x < 3 then x else x + 1", expected=[1, 6])


def test_branches_with_missing_values(spec: Check) -> None:
    """A missing value in the branch taken is missing; in the branch not taken it does not matter."""
    spec(
        table={"x": [1, 5, 1], "y": [None, None, 2]},
        expression="if x < 3 then y else x",
        expected=[None, 5, 2],
    )


def test_coalesce(spec: Check) -> None:
    """`coalesce(value, fallback)` is the value, or the fallback where the value is missing."""
    spec(table={"x": [3, None], "y": [1, 1]}, expression="coalesce(x, 0) + y", expected=[4, 1])


def test_is_missing(spec: Check) -> None:
    """`is_missing` is true where a value is missing (never unknown)."""
    spec(
        table={"x": [3, None], "y": [1, 1]}, expression="is_missing(x / y)", expected=[False, True]
    )


def test_is_missing_after_a_division_by_zero(spec: Check) -> None:
    """A division by zero is missing, and `is_missing` says so."""
    spec(table={"x": [3, 3], "y": [1, 0]}, expression="is_missing(x / y)", expected=[False, True])

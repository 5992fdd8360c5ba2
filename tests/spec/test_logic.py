"""Boolean logic with unknowns

Conditions are three-valued: true, false and unknown (a comparison with a missing value). `and`
is false if either side is false, `or` is true if either side is true; otherwise an unknown side
makes the result unknown. `not unknown` is unknown. In the tables `a` is `x > 0` and `b` is
`y > 0`; a missing `x` or `y` makes them unknown.
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[..., None]

T, F, U = True, False, None
# every pair of truth values, as inputs: 1 is true (> 0), 0 false, None unknown
X = [1, 1, 1, 0, 0, 0, None, None, None]
Y = [1, 0, None, 1, 0, None, 1, 0, None]


def test_and(spec: Check) -> None:
    """`and`: false wins, then unknown: `unknown and false` is false."""
    spec(
        table={"x": X, "y": Y},
        expression="x > 0 and y > 0",
        expected=[T, F, U, F, F, F, U, F, U],
    )


def test_or(spec: Check) -> None:
    """`or`: true wins, then unknown: `unknown or true` is true."""
    spec(
        table={"x": X, "y": Y},
        expression="x > 0 or y > 0",
        expected=[T, T, T, T, F, U, T, U, U],
    )


def test_not(spec: Check) -> None:
    """`not` swaps true and false; `not unknown` is unknown."""
    spec(table={"x": [1, 0, None]}, expression="not x > 0", expected=[F, T, U])


def test_not_binds_looser_than_comparison(spec: Check) -> None:
    """`not a and b` is `(not a) and b`."""
    spec(
        table={"x": [1, 0, 0], "y": [1, 1, 0]},
        expression="not x > 0 and y > 0",
        expected=[F, T, F],
    )


def test_and_binds_tighter_than_or(spec: Check) -> None:
    """`a or b and c` is `a or (b and c)`."""
    spec(
        table={"x": [1, 0, 0], "y": [0, 1, 1], "z": [0, 1, 0]},
        expression="x > 0 or y > 0 and z > 0",
        expected=[T, T, F],
    )


def test_in_a_range(spec: Check) -> None:
    """`x in lo .. hi` is `x >= lo and x <= hi`: both bounds are in the range."""
    spec(
        table={"x": [9, 10, 15, 20, 21, None]},
        expression="x in 10 .. 20",
        expected=[F, T, T, T, F, U],
    )


def test_not_in_a_range(spec: Check) -> None:
    """`x not in lo .. hi` is `not (x in lo .. hi)`: unknown stays unknown."""
    spec(
        table={"x": [9, 10, 15, 20, 21, None]},
        expression="x not in 10 .. 20",
        expected=[T, F, F, F, T, U],
    )


def test_in_a_range_of_percentages(spec: Check) -> None:
    """A range can be of percentages; its bounds can be expressions (`..` binds looser than `+`)."""
    spec(
        table={"x": [1, 2, 3], "y": [4, 4, 4]},
        expression="x / y in 25% + 10% .. 75%",
        expected=[F, T, T],
    )

"""Scoring: slide, band and all_or_nothing

The scoring functions turn an achievement into a share of points.
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[..., None]


def test_slide(spec: Check) -> None:
    """`slide(a, lower, upper)`: 0 below `lower`, 1 at or above `upper`, in proportion between."""
    spec(
        table={"x": [1, 2, 3, 4, 5, None], "y": [10, 10, 10, 10, 10, 10]},
        expression="slide(x / y, 20%, 40%)",
        expected=[0, 0, 0.5, 1, 1, None],
    )


def test_all_or_nothing(spec: Check) -> None:
    """`all_or_nothing(a, threshold)`: 1 where `a` reaches the threshold, 0 below it."""
    spec(
        table={"x": [74, 75, 90, None], "y": [100, 100, 100, 100]},
        expression="all_or_nothing(x / y, 75%)",
        expected=[0, 1, 1, None],
    )


def test_band(spec: Check) -> None:
    """`band(v, cut1, score1, cut2, score2)`: 0 below `cut1`, then each score from its cut."""
    spec(
        table={"x": [1, 2, 3, 4, 9, None]},
        expression="band(x, 2, 0.5, 4, 1)",
        expected=[0, 0.5, 0.5, 1, 1, None],
    )


def test_band_with_money(spec: Check) -> None:
    """The scores of `band` can be money."""
    spec(table={"x": [1, 5]}, expression="band(x, 2, £100, 4, £250)", expected=[0, 250])


def test_points_from_a_slide(spec: Check) -> None:
    """Points are the maximum times the slide: QOF's rule (62.5% between 35% and 75% of 17)."""
    spec(
        table={"x": [300], "y": [480]},
        expression="17 * slide(x / y, 35%, 75%)",
        expected=[11.6875],
    )

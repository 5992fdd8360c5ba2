"""Aggregates with by= and where=

Aggregates combine the values of all units (for each period) into one value given back to every
unit; `by=` aggregates within groups of units sharing an attribute; `where=` keeps only the values
where a condition is true. Missing values are skipped; an aggregate of nothing is missing (but a
`count` of nothing is 0).
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[..., None]

CLUSTERS = ["north", "north", "south", "south"]


def test_sum_over_all_units(spec: Check) -> None:
    """`sum` adds every unit's value and gives the total to each unit."""
    spec(table={"x": [1, 2, 3, 4]}, expression="sum(x)", expected=[10, 10, 10, 10])


def test_sum_skips_missing_values(spec: Check) -> None:
    """Missing values take no part."""
    spec(table={"x": [1, None, 3, 4]}, expression="sum(x)", expected=[8, 8, 8, 8])


def test_sum_by_group(spec: Check) -> None:
    """`by=` aggregates within each group of units."""
    spec(
        table={"cluster": CLUSTERS, "x": [1, 2, 3, 4]},
        expression="sum(x, by=cluster)",
        expected=[3, 3, 7, 7],
    )


def test_sum_where(spec: Check) -> None:
    """`where=` aggregates only the values where its condition is true."""
    spec(table={"x": [1, 2, 3, 4]}, expression="sum(x, where=x > 1)", expected=[9, 9, 9, 9])


def test_sum_by_and_where(spec: Check) -> None:
    """`by=` and `where=` together; a group with nothing left is missing."""
    spec(
        table={"cluster": CLUSTERS, "x": [1, 2, 3, 4]},
        expression="sum(x, by=cluster, where=x > 2)",
        expected=[None, None, 7, 7],
    )


def test_mean(spec: Check) -> None:
    """`mean` is the average of the values there are."""
    spec(
        table={"cluster": CLUSTERS, "x": [1, 2, 3, None]},
        expression="mean(x, by=cluster)",
        expected=[1.5, 1.5, 3, 3],
    )


def test_median(spec: Check) -> None:
    """`median` is the middle value; with an even number of values, the mean of the middle two."""
    spec(table={"x": [4, 1, 3, 10]}, expression="median(x)", expected=[3.5] * 4)


def test_percentile(spec: Check) -> None:
    """`percentile(x, q)` interpolates linearly: the 25th percentile of 10, 20, 30, 40, 50 is 20,
    and of 10, 20, 30, 40 it is 17.5 (a quarter of the way from the first value to the last)."""
    spec(
        table={"cluster": ["north"] * 5 + ["south"] * 4, "x": [10, 20, 30, 40, 50, 10, 20, 30, 40]},
        expression="percentile(x, 25%, by=cluster)",
        expected=[20] * 5 + [17.5] * 4,
    )


def test_sd(spec: Check) -> None:
    """`sd` is the sample standard deviation (n − 1); missing with fewer than two values."""
    spec(
        table={"cluster": ["north", "north", "north", "south"], "x": [2, 4, 6, 5]},
        expression="sd(x, by=cluster)",
        expected=[2, 2, 2, None],
    )


def test_any_with_unknowns(spec: Check) -> None:
    """`any` is true if the condition is true for one unit, false if it is false for all, and
    otherwise unknown."""
    spec(
        table={"cluster": ["north", "north", "south", "south"], "x": [1, None, 5, None]},
        expression="any(x > 3, by=cluster)",
        expected=[None, None, True, True],
    )


def test_all_with_unknowns(spec: Check) -> None:
    """`all` is false if the condition is false for one unit, true if it is true for all, and
    otherwise unknown."""
    spec(
        table={"cluster": ["north", "north", "south", "south"], "x": [1, None, 0, None]},
        expression="all(x > 0, by=cluster)",
        expected=[None, None, False, False],
    )


def test_smallest_and_largest(spec: Check) -> None:
    """`smallest` and `largest` give the extreme values."""
    spec(
        table={"x": [4, 1, 3, 2]},
        expression="largest(x) - smallest(x)",
        expected=[3, 3, 3, 3],
    )


def test_count(spec: Check) -> None:
    """`count` counts the units where the condition is true; unknown does not count."""
    spec(
        table={"cluster": CLUSTERS, "x": [1, 2, 3, None]},
        expression="count(x >= 2, by=cluster)",
        expected=[1, 1, 1, 1],
    )


def test_count_of_nothing_is_zero(spec: Check) -> None:
    """`count` is never missing: 0 when nothing meets the condition."""
    spec(table={"x": [1, 2]}, expression="count(x > 5)", expected=[0, 0])


def test_any_and_all(spec: Check) -> None:
    """`any` is true if the condition holds for one unit, `all` if it holds for every one."""
    spec(
        table={"cluster": CLUSTERS, "x": [1, 2, 3, 4]},
        expression="any(x > 3, by=cluster) and not all(x > 3, by=cluster)",
        expected=[False, False, True, True],
    )


def test_rank(spec: Check) -> None:
    """`rank` ranks the units, 1 the smallest; ties share the lowest rank."""
    spec(table={"x": [30, 10, 20, 10]}, expression="rank(x)", expected=[4, 1, 3, 1])


def test_rank_descending_by_group(spec: Check) -> None:
    """`descending=true` ranks the largest first; `by=` ranks within groups."""
    spec(
        table={"cluster": CLUSTERS, "x": [1, 2, 3, 4]},
        expression="rank(x, by=cluster, descending=true)",
        expected=[2, 1, 2, 1],
    )


def test_share_of_the_national_total(spec: Check) -> None:
    """An aggregate is a value like any other: here each unit's share of the total."""
    spec(table={"x": [1, 3]}, expression="x / sum(x)", expected=[0.25, 0.75])


def test_sum_over_indicators(spec: Check) -> None:
    """`over=indicators` aggregates across the indicators of each unit, not across units (a
    unit's total payment is `sum(payment, over=indicators)`)."""
    spec(
        table={
            "unit": ["P1", "P1", "P2", "P2"],
            "indicator": ["A1", "A2", "A1", "A2"],
            "x": [1, 2, 3, None],
        },
        expression="sum(x, over=indicators)",
        expected=[3, 3, 3, 3],
    )


def test_count_over_indicators_where(spec: Check) -> None:
    """`where=` can select indicators by their fields."""
    spec(
        table={
            "unit": ["P1", "P1", "P1", "P2", "P2", "P2"],
            "indicator": ["A1", "A2", "B1"] * 2,
            "domain": ["clinical", "clinical", "public_health"] * 2,
            "x": [1, 5, 5, 5, 5, 5],
        },
        expression='count(x > 2, over=indicators, where=domain == "clinical")',
        expected=[1, 1, 1, 2, 2, 2],
    )

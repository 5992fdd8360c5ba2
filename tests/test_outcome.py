"""Scoring outcomes decided once (qframe.scoring.outcome): status precedence, money rounding,
escalation level and "since", with examples worked by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qframe.scoring import outcome
from qframe.scoring.outcome import (
    STATUS_LABELS,
    escalated_since,
    highest_level,
    round_money,
    rounds_indicator_value,
    rounds_total,
    status,
)

# --- status precedence: a truth table over (value missing, divided by zero, input missing) -------
#
# A row with a value is ok, whatever was noted on the way (a missing input given a default, a
# division guarded by an `if`). Without a value: a missing input wins over a division by zero,
# which wins over "undefined" (e.g. the rule chose to give no value).
TRUTH_TABLE = [
    # undefined, zero division, missing input -> status
    (False, False, False, "ok"),
    (False, True, False, "ok"),
    (False, False, True, "ok"),
    (False, True, True, "ok"),
    (True, False, False, "undefined"),
    (True, True, False, "zero_denominator"),
    (True, False, True, "missing_input"),
    (True, True, True, "missing_input"),
]


@pytest.mark.parametrize(("undefined", "zero", "missing", "expected"), TRUTH_TABLE)
def test_status_precedence(undefined: bool, zero: bool, missing: bool, expected: str) -> None:
    assert STATUS_LABELS[int(status(undefined, zero, missing))] == expected


def test_status_truth_table_is_complete_and_vectorised() -> None:
    rows = list(itertools.product([False, True], repeat=3))
    assert sorted(rows) == sorted((u, z, m) for u, z, m, _ in TRUTH_TABLE)
    got = status(*(np.array(col) for col in zip(*[r[:3] for r in TRUTH_TABLE], strict=True)))
    assert [STATUS_LABELS[s] for s in got] == [r[3] for r in TRUTH_TABLE]
    assert got.dtype == np.int8


@pytest.mark.parametrize(
    ("first", "second", "winner"),
    [
        ("missing_input", "zero_denominator", "missing_input"),
        ("missing_input", "undefined", "missing_input"),
        ("zero_denominator", "undefined", "zero_denominator"),
    ],
)
def test_each_pair_of_reasons(first: str, second: str, winner: str) -> None:
    flags = {"undefined": (True, False, False), "zero_denominator": (True, True, False)}
    flags["missing_input"] = (True, False, True)
    both = [a or b for a, b in zip(flags[first], flags[second], strict=True)]
    assert STATUS_LABELS[int(status(*both))] == winner


# --- money rounding: half a penny away from zero ---------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0.005, 0.01),  # half a penny up
        (-0.005, -0.01),  # and away from zero below zero
        (0.004999, 0.0),
        (2.675, 2.68),  # 2.67499999... in floating point: still half a penny
        (0.145, 0.15),  # 14.499999999999998 pennies
        (1.015, 1.02),
        (10.125, 10.13),
        (-10.125, -10.13),
        (5534.280000000001, 5534.28),  # floating-point noise on a sum of pennies
    ],
)
def test_round_money_half_pennies(amount: float, expected: float) -> None:
    assert float(round_money(amount)) == expected


def test_rounding_settings() -> None:
    assert rounds_indicator_value("indicator", is_money=True, is_rounded=True)
    assert not rounds_indicator_value("indicator", is_money=True, is_rounded=False)
    assert not rounds_indicator_value("indicator", is_money=False, is_rounded=True)
    assert not rounds_indicator_value("total", is_money=True, is_rounded=True)
    assert not rounds_indicator_value("none", is_money=True, is_rounded=True)
    assert rounds_total("total", is_money=True) and rounds_total("indicator", is_money=True)
    assert not rounds_total("none", is_money=True) and not rounds_total("total", is_money=False)


def test_rounding_lives_in_one_place() -> None:
    from qframe.scoring import rules

    assert rules.round_money is outcome.round_money


# --- escalation: highest level reached, and since when ---------------------------------------------


def test_highest_level() -> None:
    # three units; rule A is level 0 (e.g. "watch"), rule B level 1 ("visit"), rule C an
    # undeclared level (-1: never raises the level)
    a = np.array([1, 0, 1])
    b = np.array([0, 0, 1])
    c = np.array([1, 1, 0])
    assert highest_level([(a, 0), (b, 1), (c, -1)], (3,)).tolist() == [0, -1, 1]
    assert highest_level([(b, 1), (a, 0)], (3,)).tolist() == [0, -1, 1]  # order does not matter
    assert highest_level([], (2,)).tolist() == [-1, -1]
    assert highest_level([(np.array(True), 2)], ()).tolist() == 2  # one unit, one period


def test_escalated_since() -> None:
    # periods:       Q1  Q2  Q3  Q4  Q5  Q6  Q7
    level = np.array([[0, 1, 1, -1, 0, 1, 0], [-1, -1, 1, 1, 1, 0, 0]])
    # unit 1: Q1 at level 0 since Q1; Q2–Q3 at level 1 since Q2; Q4 none; Q5 level 0 since Q5;
    #   Q6 level 1 since Q6; Q7 back to level 0, in the run at level ≥ 0 since Q5
    # unit 2: level 1 from Q3 (since Q3), then level 0 in a run at ≥ 0 since Q3
    assert escalated_since(level, 2).tolist() == [
        [0, 1, 1, -1, 4, 5, 4],
        [-1, -1, 2, 2, 2, 2, 2],
    ]

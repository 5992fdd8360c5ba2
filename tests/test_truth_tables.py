"""Truth tables and worked examples that a mutation run showed were missing: three-valued logic
(`and`, `or`, `not`, `in`, `not in` with unknowns), the precedence of row statuses, and every
`combine:` mode of quarterly measures read by a yearly framework.

Everything goes through the public API: a definition written to a temporary folder, loaded with
`qframe.load` and evaluated on data made from DataFrames. An unknown condition is a comparison with
a missing input (a unit without that measure); the result table shows it as a missing value.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

import qframe

PERIOD = "2014-15"
COLUMNS = ["unit_id", "period", "measure", "key", "value"]
T, F, U = True, False, None  # U: unknown


def framework(folder: Path, text: str) -> qframe.Framework:
    (folder / "framework.yaml").write_text("qframe: 1\nid: t\ntitle: t\n" + text, encoding="utf-8")
    return qframe.load(folder)


def data(units: list[str], rows: list[tuple[str, str, str, str, float]]) -> dict[str, pd.DataFrame]:
    return {
        "units": pd.DataFrame({"unit_id": units}),
        "measures": pd.DataFrame(rows, columns=COLUMNS),
    }


def truth(value: object) -> bool | None:
    """A condition total as the results show it (1.0 / 0.0 / missing) → True / False / None."""
    assert isinstance(value, float)
    return None if math.isnan(value) else bool(value)


# ------------------------------------------------------------------ boolean logic with unknowns

# a and b are `x > 0` and `y > 0`: x = 1 makes a true, x = 0 false, no x unknown.
INPUT_FOR = {T: 1.0, F: 0.0, U: None}
PAIRS = list(itertools.product((T, F, U), repeat=2))


@pytest.fixture(scope="module")
def logic(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """One unit per pair of truth values (a, b); a total per operator."""
    fw = framework(
        tmp_path_factory.mktemp("logic"),
        """\
inputs:
  x: {}
  y: {}
define:
  a: x > 0
  b: y > 0
totals:
  a_and_b: a and b
  a_or_b: a or b
  not_a: not a
  b_and_a: b and a
  b_or_a: b or a
""",
    )
    units, rows = [], []
    for a, b in PAIRS:
        unit = f"{a}-{b}"
        units.append(unit)
        for measure, value in (("x", INPUT_FOR[a]), ("y", INPUT_FOR[b])):
            if value is not None:
                rows.append((unit, PERIOD, measure, "", value))
    return fw.evaluate(data(units, rows)).units.set_index("unit_id")


# Kleene's strong three-valued logic: false wins `and`, true wins `or`, otherwise unknown spreads.
AND = {
    (T, T): T, (T, F): F, (T, U): U,
    (F, T): F, (F, F): F, (F, U): F,
    (U, T): U, (U, F): F, (U, U): U,
}  # fmt: skip
OR = {
    (T, T): T, (T, F): T, (T, U): T,
    (F, T): T, (F, F): F, (F, U): U,
    (U, T): T, (U, F): U, (U, U): U,
}  # fmt: skip
NOT = {T: F, F: T, U: U}


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_and_truth_table(logic: pd.DataFrame, a: bool | None, b: bool | None) -> None:
    assert truth(logic.loc[f"{a}-{b}", "a_and_b"]) is AND[a, b]
    assert truth(logic.loc[f"{a}-{b}", "b_and_a"]) is AND[a, b]  # and is symmetric


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_or_truth_table(logic: pd.DataFrame, a: bool | None, b: bool | None) -> None:
    assert truth(logic.loc[f"{a}-{b}", "a_or_b"]) is OR[a, b]
    assert truth(logic.loc[f"{a}-{b}", "b_or_a"]) is OR[a, b]


@pytest.mark.parametrize("a", [T, F, U])
def test_not_truth_table(logic: pd.DataFrame, a: bool | None) -> None:
    for b in (T, F, U):  # b plays no part
        assert truth(logic.loc[f"{a}-{b}", "not_a"]) is NOT[a]


def test_unknown_and_false_is_false_and_unknown_or_true_is_true(logic: pd.DataFrame) -> None:
    # the two rows a mutation run could flip without any test noticing
    assert truth(logic.loc["None-False", "a_and_b"]) is False
    assert truth(logic.loc["None-True", "a_or_b"]) is True


# ------------------------------------------------------------------------------ in / not in

# x in 10 .. 20 is x >= 10 and x <= 20: both bounds belong to the range.
IN_CASES = [
    (9.0, F),
    (10.0, T),
    (15.0, T),
    (20.0, T),
    (21.0, F),
    (None, U),
]


@pytest.fixture(scope="module")
def ranges(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    fw = framework(
        tmp_path_factory.mktemp("ranges"),
        """\
parameters:
  low: {value: 10}
inputs:
  x: {}
  top: {default: 20}
totals:
  x_in: x in 10 .. 20
  x_not_in: x not in 10 .. 20
  x_in_named_bounds: x in low .. top
  not_x_in: not x in 10 .. 20
""",
    )
    units = [f"u{i}" for i in range(len(IN_CASES))]
    rows = [
        (unit, PERIOD, "x", "", value)
        for unit, (value, _) in zip(units, IN_CASES, strict=True)
        if value is not None
    ]
    rows.append(("u0", PERIOD, "top", "", 20.0))  # gives the data a `top` measure to read
    return fw.evaluate(data(units, rows)).units.set_index("unit_id")


@pytest.mark.parametrize(("index", "case"), list(enumerate(IN_CASES)))
def test_in_and_not_in_truth_table(
    ranges: pd.DataFrame, index: int, case: tuple[float | None, bool | None]
) -> None:
    _, expected = case
    row = ranges.loc[f"u{index}"]
    assert truth(row["x_in"]) is expected
    assert truth(row["x_not_in"]) is NOT[expected]
    assert truth(row["not_x_in"]) is NOT[expected]  # `not x in r` is `not (x in r)`
    assert truth(row["x_in_named_bounds"]) is expected


# ------------------------------------------------------------------------ status precedence

STATUS_DEFINITION = """\
inputs:
  hits: {key: indicator}
  base: {key: indicator}
  other: {key: indicator}
rules:
  achievement: hits / base
  spread: sqrt(hits - 1)
  doubled: other * 2
indicators:
  A1: {max_points: 1}
"""

# (hits, base, other) → status. achievement is missing when an input is missing or base is 0;
# spread is missing (undefined: no input missing, no division by zero) when hits is below 1;
# doubled is missing when other is. Precedence: missing_input, then zero_denominator, then
# undefined. (The inputs are not named numerator and denominator: the data check D032 would
# refuse 3 out of 0.)
STATUS_CASES = {
    "ok": ((3.0, 4.0, 1.0), "ok"),  # 3 / 4 = 0.75; sqrt(2); 2
    "zero": ((3.0, 0.0, 1.0), "zero_denominator"),  # 3 / 0 is missing, noted as a zero denominator
    "missing_hits": ((None, 4.0, 1.0), "missing_input"),
    "missing_base": ((3.0, None, 1.0), "missing_input"),
    "missing_other": ((3.0, 4.0, None), "missing_input"),
    "undefined": ((0.0, 4.0, 1.0), "undefined"),  # 0 / 4 = 0, but sqrt(-1) is missing
    # two reasons in one row: the first in the order of precedence wins
    "missing_and_zero": ((3.0, 0.0, None), "missing_input"),  # 3 / 0 and no `other`
    "missing_over_zero": ((None, 0.0, 1.0), "missing_input"),  # no hits, and base 0
    "zero_and_undefined": ((0.0, 0.0, 1.0), "zero_denominator"),  # 0 / 0 and sqrt(-1)
    "missing_and_undefined": ((0.0, 4.0, None), "missing_input"),  # sqrt(-1) and no `other`
}


@pytest.fixture(scope="module")
def statuses(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    fw = framework(tmp_path_factory.mktemp("status"), STATUS_DEFINITION)
    rows = []
    for unit, (values, _) in STATUS_CASES.items():
        for measure, value in zip(("hits", "base", "other"), values, strict=True):
            if value is not None:
                rows.append((unit, PERIOD, measure, "A1", value))
    return fw.evaluate(data(list(STATUS_CASES), rows)).indicators.set_index("unit_id")


@pytest.mark.parametrize("unit", list(STATUS_CASES))
def test_status_precedence(statuses: pd.DataFrame, unit: str) -> None:
    assert statuses.loc[unit, "status"] == STATUS_CASES[unit][1]


def test_status_values_behind_the_statuses(statuses: pd.DataFrame) -> None:
    assert statuses.loc["ok", "achievement"] == 0.75
    assert statuses.loc["ok", "spread"] == pytest.approx(math.sqrt(2))
    assert statuses.loc["undefined", "achievement"] == 0
    assert math.isnan(float(statuses.loc["undefined", "spread"]))
    assert math.isnan(float(statuses.loc["zero", "achievement"]))


# ------------------------------------------------------------------------ combine: quarters → year

# Quarterly values of measure `x` (None: no row for that quarter), and of `flag` (1 true, 0 false).
X = {
    "P1": (4.0, 1.0, None, 2.0),
    "P2": (5.0, None, None, None),
    "P3": (None, None, None, None),
}
FLAG = {
    "P1": (1.0, 1.0, 0.0, 1.0),
    "P2": (0.0, 0.0, 1.0, None),
    "P3": (1.0, None, 1.0, 1.0),
}
# Worked by hand; missing quarters are skipped, a year without any quarter is missing.
COMBINED = {
    # P1: 4, 1, -, 2
    ("sum", "P1"): 7.0,  # 4 + 1 + 2
    ("mean", "P1"): 7.0 / 3,  # (4 + 1 + 2) / 3 quarters seen
    ("min", "P1"): 1.0,
    ("max", "P1"): 4.0,
    ("last", "P1"): 2.0,  # Q4
    # P2: 5, -, -, -
    ("sum", "P2"): 5.0,
    ("mean", "P2"): 5.0,
    ("min", "P2"): 5.0,
    ("max", "P2"): 5.0,
    ("last", "P2"): 5.0,  # the last quarter with a value is Q1
    # P3: no quarter at all → missing, whatever the mode
    ("sum", "P3"): None,
    ("mean", "P3"): None,
    ("min", "P3"): None,
    ("max", "P3"): None,
    ("last", "P3"): None,
    # flags P1: 1, 1, 0, 1
    ("count", "P1"): 3.0,  # three true quarters
    ("longest_run", "P1"): 2.0,  # Q1-Q2
    ("longest_run_false", "P1"): 1.0,  # Q3
    # flags P2: 0, 0, 1, -
    ("count", "P2"): 1.0,
    ("longest_run", "P2"): 1.0,  # Q3
    ("longest_run_false", "P2"): 2.0,  # Q1-Q2
    # flags P3: 1, -, 1, 1: a missing quarter breaks a run
    ("count", "P3"): 3.0,
    ("longest_run", "P3"): 2.0,  # Q3-Q4
    ("longest_run_false", "P3"): 0.0,
}
VALUE_MODES = ("sum", "mean", "min", "max", "last")
FLAG_MODES = ("count", "longest_run", "longest_run_false")


@pytest.fixture(scope="module")
def combined(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    inputs = [f"  x_{mode}: {{measure: x, combine: {mode}}}" for mode in VALUE_MODES]
    inputs += [f"  flag_{mode}: {{measure: flag, combine: {mode}}}" for mode in FLAG_MODES]
    # (a total cannot be called `sum` or `max`: those are built-in functions)
    totals = [f"  by_{mode}: x_{mode}" for mode in VALUE_MODES]
    totals += [f"  by_{mode}: flag_{mode}" for mode in FLAG_MODES]
    fw = framework(
        tmp_path_factory.mktemp("combine"),
        "frequency: year\ninputs:\n" + "\n".join(inputs) + "\ntotals:\n" + "\n".join(totals) + "\n",
    )
    rows = [
        (unit, f"{PERIOD}Q{q}", measure, "", value)
        for measure, table in (("x", X), ("flag", FLAG))
        for unit, quarters in table.items()
        for q, value in enumerate(quarters, start=1)
        if value is not None
    ]
    return fw.evaluate(data(list(X), rows)).units.set_index("unit_id")


def test_every_combine_mode_has_a_worked_example() -> None:
    # the modes a definition may declare, as the definition format's JSON Schema lists them
    schema = json.loads(
        (ROOT / "qframe" / "source" / "schemas" / "framework.schema.json").read_text()
    )
    modes = schema["$defs"]["input"]["properties"]["combine"]["enum"]
    assert len(modes) == 8 and set(modes) == {mode for mode, _ in COMBINED}


@pytest.mark.parametrize(("mode", "unit"), list(COMBINED))
def test_combine_quarters_into_the_year(combined: pd.DataFrame, mode: str, unit: str) -> None:
    value, expected = combined.loc[unit, f"by_{mode}"], COMBINED[mode, unit]
    assert combined.loc[unit, "period"] == PERIOD
    if expected is None:
        assert math.isnan(float(value))
    else:
        assert value == pytest.approx(expected)

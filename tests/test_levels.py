"""Frameworks that assess and pay at a level (issue 13): inputs brought to the level by their
`across:` rule, results per level unit, apportionment to the penny, every tool at every level,
and bad input reported, never dropped."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qframe
from qframe.errors.diagnostics import DataError, DefinitionError
from qframe.scoring.apportion import apportion_pounds, largest_remainder
from qframe.tools.compare import compare
from qframe.tools.diff import diff_effect
from qframe.tools.explain import Step, explain
from qframe.tools.scenarios.calibrate import calibrate
from qframe.tools.scenarios.sweep import sweep
from qframe.tools.testing.runner import run_tests

ROOT = Path(__file__).resolve().parents[1]
PCN = ROOT / "examples" / "pcn_network"
PCN_DATA = PCN / "tests" / "data"


def find(steps: list[Step], name: str) -> Step:
    return next(s for s in steps if s.name == name)


def copy_framework(tmp_path: Path, edit: dict[str, str]) -> Path:
    """The PCN example with text replaced (``old: new``)."""
    folder = tmp_path / "fw"
    folder.mkdir(exist_ok=True)
    text = (PCN / "framework.yaml").read_text()
    for old, new in edit.items():
        assert old in text, old
        text = text.replace(old, new)
    (folder / "framework.yaml").write_text(text)
    return folder


def copy_data(tmp_path: Path, units: str | None = None, measures: str | None = None) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(PCN_DATA, folder, dirs_exist_ok=True)
    if units is not None:
        (folder / "units.csv").write_text(units)
    if measures is not None:
        (folder / "measures.csv").write_text(measures)
    return folder


# ---------------------------------------------------------------- the PCN example, by hand
def independent(period: str = "2015-16") -> dict[str, dict[str, float]]:
    """The PCN example's payments computed straight from the CSVs with pandas alone."""
    units = pd.read_csv(PCN_DATA / "units.csv", dtype=str, keep_default_na=False)
    meas = pd.read_csv(PCN_DATA / "measures.csv", dtype={"key": str}, keep_default_na=False)
    meas = meas[meas["period"] == period].merge(units[["unit_id", "pcn"]], on="unit_id")
    meas = meas[meas["pcn"] != ""]  # X1 is in no PCN

    def pooled(measure: str, key: str = "") -> pd.Series:
        rows = meas[(meas["measure"] == measure) & (meas["key"] == key)]
        return rows.groupby("pcn")["value"].sum()

    lists = pooled("list_size")
    list_factor = lists / lists.mean()
    out: dict[str, dict[str, float]] = {pcn: {} for pcn in lists.index}
    for ind, group, points_max, lo, hi in (
        ("DM007", "DM", 17, 0.35, 0.75),
        ("HYP006", "HYP", 20, 0.40, 0.80),
    ):
        achievement = pooled("numerator", ind) / pooled("denominator", ind)
        points = points_max * ((achievement - lo) / (hi - lo)).clip(0, 1)
        register = pooled("register", group)
        factor = (register / lists) / (register.sum() / lists.sum())
        pay = points * 200 * list_factor * factor
        for pcn in lists.index:
            out[pcn][ind] = round(float(pay[pcn]) + 1e-9, 2)
            out[pcn][f"{ind}_achievement"] = float(achievement[pcn])
    return out


def test_pcn_example_matches_an_independent_computation() -> None:
    result = qframe.load(PCN).evaluate(PCN_DATA)
    expected = independent()
    ind = result.indicators.set_index(["unit_id", "indicator"])
    for pcn, values in expected.items():
        for indicator in ("DM007", "HYP006"):
            assert ind.loc[(pcn, indicator), "payment"] == pytest.approx(
                values[indicator], abs=0.005
            )
            assert ind.loc[(pcn, indicator), "achievement"] == pytest.approx(
                values[f"{indicator}_achievement"]
            )
    # pooled, not averaged: PCN_A's DM007 is 360/500 = 72%, not the mean of 66.7% and 80%
    assert ind.loc[("PCN_A", "DM007"), "achievement"] == pytest.approx(0.72)
    units = result.units.set_index("unit_id")
    assert list(units.index) == ["PCN_A", "PCN_B"]  # one row per level unit
    assert units.loc["PCN_A", "members"] == "A1;A2" and units.loc["PCN_B", "members"] == "B1"
    assert units.loc["PCN_A", "payment"] == pytest.approx(4390.42)
    assert units.loc["PCN_A", "digital_share"] == pytest.approx(0.26)  # from parts, not 0.25
    assert result.manifest["level"]["practices_in_data"] == 4


def test_pcn_example_apportions_to_the_penny_and_warns_of_the_practice_in_no_pcn() -> None:
    result = qframe.load(PCN).evaluate(PCN_DATA)
    shares = result.apportioned
    assert shares is not None
    table = shares.set_index("unit_id")
    assert table.loc["A1", "payment"] == pytest.approx(2634.25)
    assert table.loc["A2", "payment"] == pytest.approx(1756.17)  # the penny left over
    assert table.loc["B1", "payment"] == pytest.approx(6547.32)
    assert "X1" not in table.index
    warnings = [w for w in result.manifest["warnings"] if w["code"] == "D081"]
    assert warnings and "X1" in warnings[0]["message"]
    assert "counted nowhere" in warnings[0]["message"]


def test_definition_tests_state_values_per_level_unit() -> None:
    outcomes = run_tests(PCN)
    assert [o.status for o in outcomes] == ["pass"]


# ---------------------------------------------------------------- apportionment
def test_largest_remainder_worked_examples() -> None:
    assert largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert largest_remainder(1001, [3000, 5000, 2000]) == [300, 501, 200]
    assert largest_remainder(-100, [2, 1]) == [-67, -33]
    assert largest_remainder(5, [0, 1, 0]) == [0, 5, 0]
    with pytest.raises(ValueError):
        largest_remainder(100, [0, 0])
    assert apportion_pounds(1234.57, [4210, 7730, 2150]) == [368.88, 677.31, 188.38]


@settings(max_examples=300, deadline=None)
@given(
    pence=st.integers(min_value=-(10**10), max_value=10**10),
    weights=st.lists(st.integers(min_value=0, max_value=200_000), min_size=1, max_size=12).filter(
        lambda w: sum(w) > 0
    ),
)
def test_shares_always_add_up_to_the_payment_exactly(pence: int, weights: list[int]) -> None:
    shares = largest_remainder(pence, weights)
    assert sum(shares) == pence
    total = sum(weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = Fraction(pence * weight, total)
        assert abs(share - exact) < 1  # each within a penny of its exact share
        if weight == 0:
            assert share == 0


def test_on_the_sample_every_pcn_payment_is_shared_out_exactly() -> None:
    result = qframe.load(PCN).evaluate(ROOT / "data" / "sample", periods=["2014-15", "2015-16"])
    shares = result.apportioned
    assert shares is not None
    pence = (
        (shares.assign(p=np.round(shares["payment"] * 100).astype(np.int64)))
        .groupby(["pcn", "period"])["p"]
        .sum()
    )
    units = result.units.assign(p=np.round(result.units["payment"] * 100).astype(np.int64))
    level = units.set_index(["unit_id", "period"])["p"]
    assert (pence.to_numpy() == level.reindex(pence.index).to_numpy()).all()
    assert len(shares) == 2 * 300  # every practice of the sample is in a PCN


# ---------------------------------------------------------------- bad input
def test_a_missing_level_attribute_names_the_attribute(tmp_path: Path) -> None:
    data = copy_data(tmp_path, units="unit_id,name\nA1,a\nA2,b\nB1,c\nX1,d\n")
    with pytest.raises(DataError) as info:
        qframe.load(PCN).evaluate(data)
    d = info.value.diagnostics[0]
    assert d.code == "D080" and "`pcn`" in d.message and "4 practices" in d.message


def test_a_practice_in_two_pcns_is_an_error(tmp_path: Path) -> None:
    units = "unit_id,name,pcn\nA1,a,PCN_A\nA2,b,PCN_A;PCN_B\nB1,c,PCN_B\nX1,d,PCN_B\n"
    with pytest.raises(DataError) as info:
        qframe.load(PCN).evaluate(copy_data(tmp_path, units=units))
    d = info.value.diagnostics[0]
    assert d.code == "D082" and "A2" in d.message and d.rows == (3,)


def test_a_zero_weight_for_a_whole_pcn_is_an_error(tmp_path: Path) -> None:
    fw = copy_framework(tmp_path, {"  by: list_size": "  by: weight"})
    measures = (PCN_DATA / "measures.csv").read_text() + "".join(
        f"{u},2015-16,weight,,{w}\n" for u, w in (("A1", 1), ("A2", 2), ("B1", 0), ("X1", 1))
    )
    with pytest.raises(DataError) as info:
        qframe.load(fw).evaluate(copy_data(tmp_path, measures=measures))
    d = info.value.diagnostics[0]
    assert d.code == "D084" and "PCN_B" in d.message


def test_members_that_differ_on_a_same_input_is_an_error(tmp_path: Path) -> None:
    fw = copy_framework(tmp_path, {"  list_size: {across: sum,": "  list_size: {across: same,"})
    with pytest.raises(DataError) as info:
        qframe.load(fw).evaluate(PCN_DATA)
    assert info.value.diagnostics[0].code == "D083"


def test_a_member_without_a_value_is_said(tmp_path: Path) -> None:
    measures = "\n".join(
        line
        for line in (PCN_DATA / "measures.csv").read_text().splitlines()
        if not line.startswith("A2,2015-16,numerator,DM007")
    )
    result = qframe.load(PCN).evaluate(copy_data(tmp_path, measures=measures + "\n"))
    assert any(w["code"] == "D085" for w in result.manifest["warnings"])


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        ({"level: pcn ": "unit: pcn\nlevel: pcn "}, "Q270"),
        ({"level: pcn ": "level: parish "}, "Q271"),
        ({"  list_size: {across: sum, doc": "  list_size: {doc"}, "Q272"),
        ({"level: pcn ": "level: practice "}, "Q273"),
        ({"  totals: [payment]": "  totals: [pay]"}, "Q274"),
    ],
)
def test_definition_errors_are_located(tmp_path: Path, edit: dict[str, str], code: str) -> None:
    with pytest.raises(DefinitionError) as info:
        qframe.load(copy_framework(tmp_path, edit))
    found = [d for d in info.value.diagnostics if d.code == code]
    assert found and found[0].location is not None


# ---------------------------------------------------------------- every tool at every level
def test_explain_a_pcn_lists_members_and_never_sums_rates() -> None:
    ex = explain(qframe.load(PCN), PCN_DATA, "PCN_A", indicator="DM007")
    payment = ex.steps[0]
    assert payment.value == pytest.approx(2620.83)
    members = find(ex.steps, "members")
    assert [m.name for m in members.children] == ["A1", "A2"]
    a1 = find(members.children, "A1")
    assert find(a1.children, "numerator(DM007)").value == 200
    assert find(a1.children, "payment share").value == pytest.approx(2634.25)
    assert a1.value == pytest.approx(0.6)


def test_explain_a_cluster_sums_money_but_not_rates() -> None:
    clusters = ROOT / "tests" / "fixtures" / "clusters"
    group = explain(qframe.load(clusters), clusters / "data", "C1", period="2014-15Q1")
    rate = find(group.steps[0].children, "screening_rate")
    assert rate.value == "differs by member" and "not summed" in rate.note
    assert [s.name for s in rate.children] == ["P1", "P2", "P3"]


def test_rollups_add_up_additive_totals_only() -> None:
    fw = qframe.load(PCN)
    result = fw.evaluate(PCN_DATA)
    by_ccg = fw.rollup(result, "ccg")
    assert list(by_ccg.columns) == ["ccg", "period", "units", "points", "payment"]
    assert by_ccg["payment"].iloc[0] == pytest.approx(4390.42 + 6547.32)
    qof = qframe.load(ROOT / "frameworks" / "qof_2014")
    res = qof.evaluate(ROOT / "data" / "sample", periods=["2014-15"])
    for by in ("ccg", "locality", "cluster", "region", "pcn"):
        table = qof.rollup(res, by)
        assert table["payment"].sum() == pytest.approx(res.units["payment"].sum())
        assert table["units"].sum() == 300


def test_sweep_calibrate_and_diff_accept_a_level_framework(tmp_path: Path) -> None:
    fw = qframe.load(PCN)
    swept = sweep(fw, PCN_DATA, {"point_value": [100.0, 200.0]}, period="2015-16")
    assert swept.table["total_cost"].tolist() == pytest.approx(
        [2195.21 + 3273.65, 4390.42 + 6547.32], abs=0.005
    )
    assert list(swept.payments.index) == ["PCN_A", "PCN_B"]
    solved = calibrate(fw, PCN_DATA, "point_value", 2 * (4390.42 + 6547.32), period="2015-16")
    assert solved.value == pytest.approx(400, rel=1e-4)
    other = copy_framework(tmp_path, {"value: £200": "value: £100"})
    effect = diff_effect(PCN, other, PCN_DATA)
    assert set(effect["unit_id"]) == {"PCN_A", "PCN_B"}
    assert effect.attrs["difference"] == pytest.approx(-(4390.42 + 6547.32) / 2, abs=0.02)


def test_compare_lines_up_a_pcn_framework_per_practice() -> None:
    comparison = compare(
        [ROOT / "frameworks" / "qof_2014", PCN, ROOT / "frameworks" / "wales_qaif"],
        ROOT / "data" / "sample",
        periods="2015-16",
    )
    practices = comparison.practices
    pcn = practices[practices["framework"] == "pcn_network"]
    assert len(pcn) == 300 and pcn["payment"].notna().all()
    level = qframe.load(PCN).evaluate(ROOT / "data" / "sample", periods=["2015-16"])
    assert pcn["payment"].sum() == pytest.approx(level.units["payment"].sum(), abs=1e-6)


def test_the_synthetic_practices_are_each_in_one_pcn_within_a_ccg() -> None:
    units = pd.read_parquet(ROOT / "data" / "sample" / "units.parquet")
    assert (units["pcn"] != "").all()
    assert (units.groupby("pcn")["ccg"].nunique() == 1).all()
    assert units.groupby("pcn").size().between(1, 7).all()


def test_compare_lines_up_frameworks_per_pcn(tmp_path: Path) -> None:
    from qframe.api import as_dataset
    from qframe.tools.compare.levels import by_level

    data = ROOT / "data" / "sample"
    comparison = compare([ROOT / "frameworks" / "qof_2014", PCN], data, periods="2015-16")
    table = by_level(comparison, as_dataset(data), "pcn")
    assert set(table["framework"]) == {"qof_2014", "pcn_network"}
    level = qframe.load(PCN).evaluate(data, periods=["2015-16"]).units.set_index("unit_id")
    mine = table[table["framework"] == "pcn_network"].set_index("pcn")
    assert (mine["payment"].reindex(level.index) == level["payment"]).all()  # to the penny
    qof = table[table["framework"] == "qof_2014"]
    assert qof["payment"].sum() == pytest.approx(
        comparison.practices.query("framework == 'qof_2014'")["payment"].sum()
    )
    # payment per patient recomputed from the sums, never an average of practices' rates
    row = mine.iloc[0]
    assert row["payment_per_patient"] == pytest.approx(row["payment"] / row["patients"])


def test_a_cluster_level_framework_and_its_explanation(tmp_path: Path) -> None:
    fw = qframe.load(copy_framework(tmp_path, {"level: pcn ": "level: cluster "}))
    data = ROOT / "data" / "sample"
    result = fw.evaluate(data, periods=["2015-16"])
    units = pd.read_parquet(data / "units.parquet")
    assert sorted(result.units["unit_id"]) == sorted(units["cluster"].unique())
    shares = result.apportioned
    assert shares is not None and len(shares) == 300
    assert shares["payment"].sum() == pytest.approx(result.units["payment"].sum(), abs=1e-6)
    ex = explain(fw, data, "CL001", period="2015-16")
    members = find(ex.steps, "members")
    assert [m.name for m in members.children] == sorted(
        units.loc[units["cluster"] == "CL001", "unit_id"]
    )


def test_diff_shows_a_change_of_level_and_of_across(tmp_path: Path) -> None:
    from qframe.tools.diff import diff_definitions

    other = copy_framework(
        tmp_path,
        {
            "level: pcn ": "level: cluster ",
            "  list_size: {across: sum,": "  list_size: {across: max,",
        },
    )
    changes = {(c.name, c.field, c.before, c.after) for c in diff_definitions(PCN, other)}
    assert any(f == "level" and b == "pcn" and a == "cluster" for _, f, b, a in changes)
    assert any(f == "across" and b == "sum" and a == "max" for _, f, b, a in changes)


def test_adding_the_pcn_column_changed_no_other_column() -> None:
    # the digest of the units table as it was before `pcn` was added (its CSV text); the
    # measures are pinned by tests/test_synth.py
    import hashlib

    from qframe.data import synth

    units = synth.generate().units.drop(columns=["pcn"]).astype(str)
    assert (
        hashlib.sha256(units.to_csv(index=False).encode()).hexdigest()
        == "a06881a37f0e2815d363e33eaaa1cdb95b566b2c5f5bd2559dadb924d048180c"
    )


def test_level_data_given_to_another_framework_starts_again_from_its_practices() -> None:
    pcn = qframe.load(PCN)
    at_pcn = pcn.dataset(PCN_DATA)
    assert at_pcn.level == "pcn" and list(at_pcn.units["unit_id"]) == ["PCN_A", "PCN_B"]
    practice = qframe.load(ROOT / "tests" / "fixtures" / "mini")  # a practice framework
    assert list(practice.dataset(at_pcn).units["unit_id"]) == ["A1", "A2", "B1", "X1"]
    assert pcn.dataset(at_pcn) is at_pcn  # kept with the practice data: made once

"""Evaluation on hand-made data, every number computed by hand (arithmetic in the comments)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import replace_once

import qframe

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
CLUSTERS = FIXTURES / "clusters"


@pytest.fixture(scope="module")
def mini() -> qframe.Result:
    return qframe.load(MINI).evaluate(MINI / "data")


def row(result: qframe.Result, unit: str, indicator: str) -> pd.Series:
    ind = result.indicators
    match = ind[(ind["unit_id"] == unit) & (ind["indicator"] == indicator)]
    assert len(match) == 1
    return match.iloc[0]


def test_worked_example_dm007_to_the_penny(mini: qframe.Result) -> None:
    # payment.md §6: achievement 300 / 480 = 62.5%; points (62.5 - 35) / (75 - 35) × 17 = 11.6875
    # £ = 11.6875 × 156.92 × (8000 / 7052) × ((520 / 8000) / 6.4%) = 2113.0560... → £2,113.06
    r = row(mini, "P001", "DM007")
    assert r["achievement"] == pytest.approx(0.625)
    assert r["points"] == pytest.approx(11.6875)
    assert r["payment"] == 2113.06
    assert r["exceptions"] == 40
    assert r["status"] == "ok"


def test_worked_example_register_and_unadjusted(mini: qframe.Result) -> None:
    # DM017: 6 × 156.92 × 1.134430 × 1.015625 = 1084.78
    assert row(mini, "P001", "DM017")["payment"] == 1084.78
    # BP002: 85% → (85 - 50) / 40 × 15 = 13.125 points; × 156.92 × 1.134430 = 2336.44
    bp = row(mini, "P001", "BP002")
    assert bp["points"] == pytest.approx(13.125)
    assert bp["payment"] == 2336.44


def test_totals_add_rounded_indicator_payments(mini: qframe.Result) -> None:
    units = mini.units.set_index("unit_id")
    # 1084.78 + 2113.06 + 2336.44 = 5534.28; points 6 + 11.6875 + 13.125 = 30.8125
    assert units.loc["P001", "payment"] == pytest.approx(5534.28, abs=1e-9)
    assert units.loc["P001", "points"] == pytest.approx(30.8125)


def test_zero_denominator_is_explicit(mini: qframe.Result) -> None:
    r = row(mini, "P002", "DM007")
    assert math.isnan(r["achievement"]) and math.isnan(r["payment"])
    assert r["status"] == "zero_denominator"
    # a zero register earns no register points, and is not missing
    assert row(mini, "P002", "DM017")["points"] == 0
    # BP002 at 50% is exactly the lower threshold: (50 - 50) / 40 × 15 = 0 points
    assert row(mini, "P002", "BP002")["points"] == 0
    units = mini.units.set_index("unit_id")
    assert units.loc["P002", "indicators_not_ok"] == 1


def test_missing_value_for_one_practice_is_reported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.csv").write_text((MINI / "data" / "units.csv").read_text())
    lines = (MINI / "data" / "measures.csv").read_text().splitlines()
    # P002's BP002 numerator left empty: a missing value, not zero
    lines = [
        ln if ln != "P002,2014-15,numerator,BP002,50" else "P002,2014-15,numerator,BP002,"
        for ln in lines
    ]
    (data / "measures.csv").write_text("\n".join(lines) + "\n")
    result = qframe.load(MINI).evaluate(data)
    r = row(result, "P002", "BP002")
    assert r["status"] == "missing_input"
    assert math.isnan(r["payment"])


def test_missing_measure_is_a_data_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.csv").write_text((MINI / "data" / "units.csv").read_text())
    lines = [
        ln for ln in (MINI / "data" / "measures.csv").read_text().splitlines() if "BP002" not in ln
    ]
    (data / "measures.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(qframe.DataError) as info:
        qframe.load(MINI).evaluate(data)
    text = info.value.render()
    assert "denominator[BP002]" in text and "numerator[BP002]" in text
    assert "framework.yaml:" in text  # says where the input is declared


def test_per_indicator_parameter_selects_branch(tmp_path: Path) -> None:
    # An `if` on a per-indicator parameter only evaluates each branch for the indicators that
    # take it: BP002 has no register, and must not need one.
    text = (MINI / "framework.yaml").read_text()
    text = replace_once(
        text, "  national_dm_prevalence:", "  adjusted: {value: true}\n  national_dm_prevalence:"
    )
    text = replace_once(
        text,
        "  payment: points * point_value * cpi * apdf(group)",
        "  payment: points * point_value * cpi * (if adjusted then apdf(group) else 1)",
    )
    text = replace_once(
        text,
        "    payment: points * point_value * cpi      # public health: no prevalence adjustment",
        "    params: {adjusted: false}",
    )
    (tmp_path / "framework.yaml").write_text(text)
    result = qframe.load(tmp_path).evaluate(MINI / "data")
    assert row(result, "P001", "BP002")["payment"] == 2336.44
    assert row(result, "P001", "DM007")["payment"] == 2113.06


# ---------------------------------------------------------------- clusters, checks, escalation


@pytest.fixture(scope="module")
def clusters() -> qframe.Result:
    return qframe.load(CLUSTERS).evaluate(CLUSTERS / "data")


def unit(result: qframe.Result, unit_id: str, period: str) -> pd.Series:
    u = result.units
    return u[(u["unit_id"] == unit_id) & (u["period"] == period)].iloc[0]


def test_cluster_aggregates(clusters: qframe.Result) -> None:
    p1 = unit(clusters, "P1", "2014-15Q1")
    # C1 in Q1: (50 + 80 + 80) / 300 = 0.7
    assert p1["cluster_rate"] == pytest.approx(0.7)
    assert p1["practices_in_cluster"] == 3
    # descending rank in C1: P2 and P3 tie at 0.8 (rank 1), P1 at 0.5 is 3rd
    assert p1["rank_in_cluster"] == 3
    assert unit(clusters, "P2", "2014-15Q1")["rank_in_cluster"] == 1
    # national 90th percentile of .5 .7 .7 .7 .8 .8: position 4.5 → 0.8
    assert p1["national_p90"] == pytest.approx(0.8)
    # Q3: (60 + 80 + 80) / 300
    assert unit(clusters, "P1", "2014-15Q3")["cluster_rate"] == pytest.approx(220 / 300)


def test_escalation_levels_persistence_and_since(clusters: qframe.Result) -> None:
    # P1's z in C1 is -0.2 / sqrt(0.03) = -1.1547 (Q1, Q2) and -0.1333 / sqrt(0.01333) = -1.1547
    # (Q3): below -1 in every quarter. `for: 2 quarters` → fires from Q2 (Q1 has no history).
    q1, q2, q3 = (unit(clusters, "P1", f"2014-15Q{q}") for q in (1, 2, 3))
    assert q1["escalation_level"] == "" or pd.isna(q1["escalation_level"])
    # Q2: no improvement (change 0) → locality
    assert q2["escalation_level"] == "locality"
    assert q2["escalation_rules"] == "low_outlier;no_improvement"
    assert q2["escalated_since"] == "2014-15Q2"
    # Q3: improved (0.5 → 0.6) → back to cluster level, escalated since Q2
    assert q3["escalation_level"] == "cluster"
    assert q3["escalation_rules"] == "low_outlier"
    assert q3["escalated_since"] == "2014-15Q2"
    # C2's rates are all equal: sd 0, z undefined → never escalated
    c2 = clusters.units[clusters.units["unit_id"].isin(["P4", "P5", "P6"])]
    assert (c2["escalation_level"].fillna("") == "").all()


def test_checks_warn_per_cluster_and_per_practice(clusters: qframe.Result) -> None:
    checks = clusters.checks
    size = checks[checks["check"] == "cluster_size"]
    assert sorted(size["subject"].unique()) == ["C1", "C2"]
    assert len(size) == 6  # two clusters × three quarters
    pql = checks[checks["check"] == "pql"]
    assert list(pql["subject"].unique()) == ["P5"] and len(pql) == 3
    assert set(checks["severity"]) == {"warning"}


def test_outputs_are_byte_identical(tmp_path: Path) -> None:
    fw = qframe.load(MINI)
    for fmt in ("csv", "json", "parquet"):
        a = fw.evaluate(MINI / "data").write(tmp_path / f"a_{fmt}", fmt)
        b = fw.evaluate(MINI / "data").write(tmp_path / f"b_{fmt}", fmt)
        for pa, pb in zip(a, b, strict=True):
            assert pa.read_bytes() == pb.read_bytes(), pa.name


def test_manifest_records_hashes_and_parameters(mini: qframe.Result) -> None:
    m = mini.manifest
    assert m["framework"]["id"] == "mini_qof"
    assert len(m["framework"]["sha256"]) == 64 and len(m["data"]["sha256"]) == 64
    assert m["parameters"]["point_value"] == "£156.92"
    assert m["parameters"]["average_list_size"] == 7052


def test_parameter_override_through_the_api() -> None:
    fw = qframe.load(MINI)
    result = fw.evaluate(MINI / "data", params={"point_value": 180.0})
    # 11.6875 × 180 × 1.134430 × 1.015625 = 2423.85
    assert row(result, "P001", "DM007")["payment"] == 2423.85
    with pytest.raises(qframe.DefinitionError, match="point_valeu"):
        fw.evaluate(MINI / "data", params={"point_valeu": 1})


def test_dataframes_in_python() -> None:
    units = pd.read_csv(MINI / "data" / "units.csv", dtype=str)
    measures = pd.read_csv(
        MINI / "data" / "measures.csv", dtype={"key": str}, keep_default_na=False
    )
    measures["value"] = measures["value"].astype(float)
    result = qframe.load(MINI).evaluate({"units": units, "measures": measures})
    assert result.total("payment") == pytest.approx(5534.28)
    frame = result.to_frame()
    assert list(frame.columns[:5]) == [
        "framework",
        "framework_version",
        "unit_id",
        "period",
        "indicator",
    ]
    assert len(frame) == 6


def test_vectorised_over_many_practices_matches_one_by_one() -> None:
    # the same practice repeated 500 times gives the same payment for each
    base = pd.read_csv(MINI / "data" / "measures.csv", dtype={"key": str}, keep_default_na=False)
    base = base[base["unit_id"] == "P001"]
    ids = [f"X{i:04d}" for i in range(500)]
    measures = pd.concat([base.assign(unit_id=i) for i in ids], ignore_index=True)
    measures["value"] = measures["value"].astype(float)
    units = pd.DataFrame({"unit_id": ids})
    result = qframe.load(MINI).evaluate({"units": units, "measures": measures})
    pay = result.indicators.pivot(index="unit_id", columns="indicator", values="payment")
    # national DM prevalence is a parameter here, so every copy is paid as in the worked example
    assert np.all(pay["DM007"] == 2113.06) and np.all(pay["DM017"] == 1084.78)


def test_shared_definition_passes_on_why_it_is_missing(tmp_path: Path) -> None:
    # P001's list size empty: `cpi` (cached, shared by every indicator) is missing, so every
    # payment is missing, and each says so, including BP002 whose own override reuses `cpi`.
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.csv").write_text((MINI / "data" / "units.csv").read_text())
    text = (MINI / "data" / "measures.csv").read_text()
    (data / "measures.csv").write_text(
        replace_once(text, "P001,2014-15,list_size,,8000", "P001,2014-15,list_size,,")
    )
    result = qframe.load(MINI).evaluate(data)
    for indicator in ("DM017", "DM007", "BP002"):
        assert row(result, "P001", indicator)["status"] == "missing_input", indicator


def _one_total(tmp_path: Path, expr: str) -> list[float]:
    (tmp_path / "framework.yaml").write_text(
        f"qframe: 1\nid: t\ntitle: t\ninputs: {{x: {{}}}}\ntotals:\n  result: {expr}\n"
    )
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "units.csv").write_text("unit_id\nP1\nP2\nP3\nP4\n")
    rows = [f"P{i},2014-15,x,,{v}" for i, v in enumerate([1, 2, 3, 4], start=1)]
    (data / "measures.csv").write_text(
        "unit_id,period,measure,key,value\n" + "\n".join(rows) + "\n"
    )
    return list(qframe.load(tmp_path).evaluate(data).units["result"])


def test_any_and_all_skip_what_where_excludes(tmp_path: Path) -> None:
    # x = 1, 2, 3, 4. Among x > 1 (2, 3, 4) all are >= 2: true; among x < 3 (1, 2) none is > 3.
    assert _one_total(tmp_path, "all(x >= 2, where=x > 1)") == [1.0] * 4
    assert _one_total(tmp_path, "any(x > 3, where=x < 3)") == [0.0] * 4
    # the mean of the x > 2 (3 and 4) is 3.5; the count of x > 2 is 2
    assert _one_total(tmp_path, "mean(x, where=x > 2)") == [3.5] * 4
    assert _one_total(tmp_path, "count(x > 2)") == [2.0] * 4


def test_totals_must_be_values(tmp_path: Path) -> None:
    (tmp_path / "framework.yaml").write_text(
        "qframe: 1\nid: t\ntitle: t\ntotals:\n  target: 35% .. 75%\n"
    )
    (d,) = [d for d in qframe.validate(tmp_path) if d.code == "Q237"]
    assert "a total must be a number, money, a duration or a condition" in d.message


def test_money_totals_carry_no_float_noise(mini: qframe.Result, tmp_path: Path) -> None:
    mini.write(tmp_path)
    text = (tmp_path / "units.csv").read_text()
    assert "5534.28," in text and "5534.280000000001" not in text
    assert ",13.125," in (tmp_path / "indicators.csv").read_text()


MIXED = FIXTURES / "mixed"


def test_yearly_framework_combines_quarters_as_declared() -> None:
    units = (
        qframe.load(MIXED / "yearly.yaml")
        .evaluate(MIXED / "data")
        .units.set_index(["unit_id", "period"])
    )
    # P1's reports 1, 1, 0, 1 → 3 accepted quarters; P2's 0, 0, 1, 1 → 2
    assert units.loc[("P1", "2014-15"), "accepted"] == 3
    assert units.loc[("P2", "2014-15"), "accepted"] == 2
    assert math.isnan(units.loc[("P1", "2013-14"), "accepted"])  # no quarters that year
    # mean of 540, 520, 500 = 520; P2 has no 2014-15 points → missing
    assert units.loc[("P1", "2014-15"), "three_year_mean"] == 520
    assert math.isnan(units.loc[("P2", "2014-15"), "three_year_mean"])
    assert units.loc[("P2", "2013-14"), "baseline"] == 400


def test_quarterly_framework_sees_its_years_values() -> None:
    result = qframe.load(MIXED / "quarterly.yaml").evaluate(MIXED / "data")
    units = result.units.set_index(["unit_id", "period"])
    assert list(result.units["period"].unique()) == [
        "2014-15Q1",
        "2014-15Q2",
        "2014-15Q3",
        "2014-15Q4",
    ]
    assert units.loc[("P1", "2014-15Q3"), "points_this_year"] == 540
    assert units.loc[("P1", "2014-15Q1"), "points_last_year"] == 520  # 4 quarters back: 2013-14
    # 1, 1, 0, 1: two running only in Q2; Q1 unknown (no earlier quarter in the data)
    runs = [units.loc[("P1", f"2014-15Q{q}"), "accepted_two_running"] for q in (1, 2, 3, 4)]
    assert math.isnan(runs[0]) and runs[1:] == [1, 0, 0]


def test_quarterly_measure_without_combine_is_a_data_error(tmp_path: Path) -> None:
    text = replace_once(
        (MIXED / "yearly.yaml").read_text(),
        "{combine: count, doc: quarters whose report was accepted}",
        "{}",
    )
    (tmp_path / "framework.yaml").write_text(text)
    with pytest.raises(qframe.DataError, match="combine: sum"):
        qframe.load(tmp_path).evaluate(MIXED / "data")


# --- the engine protocol (qframe.engines.base), its numpy implementation and the registry -----------


def test_numpy_engine_implements_the_protocol() -> None:
    from qframe.engines.base import DataLayout, Engine, Evaluation
    from qframe.engines.numpy.engine import NumpyEngine
    from qframe.engines.registry import engine

    numpy_engine: Engine = engine("numpy")
    assert isinstance(numpy_engine, NumpyEngine) and numpy_engine.name == "numpy"
    assert engine() is numpy_engine  # the default, one instance
    fw = qframe.load(MINI)
    layout = numpy_engine.layout(qframe.load_dataset(MINI / "data"), fw.definition.frequency)
    assert isinstance(layout, DataLayout)
    assert layout.period_index(None) == layout.periods.index(layout.present_periods[-1])
    ev = numpy_engine.evaluate(fw.plan, layout, fw.parameter_values({}))
    assert isinstance(ev, Evaluation) and ev.engine == "numpy" and ev.layout is layout
    u = list(layout.unit_ids).index("P001")
    p = layout.period_index(None)
    i = fw.plan.indicator_ids.index("DM007")
    assert ev.values["payment"][0, u, p, i] == 2113.06  # as in the worked example above


def test_unknown_engine_is_named() -> None:
    from qframe.engines.registry import engine

    with pytest.raises(qframe.DefinitionError) as info:
        engine("nunpy")
    assert "no engine called `nunpy`" in info.value.render() and "`numpy`" in info.value.render()


def test_evaluate_with_an_engine_gives_the_same_result(mini: qframe.Result) -> None:
    from qframe.engines.numpy.engine import NumpyEngine

    fw = qframe.load(MINI)
    for chosen in ("numpy", NumpyEngine()):
        again = fw.evaluate(MINI / "data", engine=chosen)
        pd.testing.assert_frame_equal(again.indicators, mini.indicators)
        pd.testing.assert_frame_equal(again.units, mini.units)


def test_evaluation_reads_an_expression_back() -> None:
    # explain's traces: a lowered expression evaluated on the state the evaluation left
    from qframe.engines.registry import engine
    from qframe.scoring.outcome import round_money

    fw = qframe.load(MINI)
    numpy_engine = engine()
    layout = numpy_engine.layout(qframe.load_dataset(MINI / "data"), fw.definition.frequency)
    ev = numpy_engine.evaluate(fw.plan, layout, fw.parameter_values({}))
    i = fw.plan.indicator_ids.index("DM007")
    iv = fw.plan.values["payment"]
    variant = next(v for v in iv.variants if i in v.indicators)
    grid = ev.expression_value(variant.compiled.fn, i)
    assert grid.shape == (1, len(layout.unit_ids), len(layout.periods), 1)
    # the rule's own value, before the framework rounds each indicator's payment to the penny
    assert grid[0, list(layout.unit_ids).index("P001"), layout.period_index(None), 0] == (
        pytest.approx(2113.0559149886553)
    )
    np.testing.assert_array_equal(round_money(grid[0, :, :, 0]), ev.values["payment"][0, :, :, i])


def test_engine_sweep_matches_single_evaluations() -> None:
    # the scenario axis: two point values at once, each equal to its own evaluation
    from qframe.engines.base import ScenarioAxis
    from qframe.engines.registry import engine

    fw = qframe.load(MINI)
    data = qframe.load_dataset(MINI / "data")
    numpy_engine = engine()
    layout = numpy_engine.layout(data, fw.definition.frequency)
    p = layout.period_index(None)
    axis = ScenarioAxis(2, params={"point_value": np.array([150.0, 200.0])})
    swept = numpy_engine.sweep(
        fw.plan, layout, fw.parameter_values({}), axis, total="payment", period=p
    )
    assert swept.totals.shape == (2, len(layout.unit_ids))
    for k, value in enumerate((150.0, 200.0)):
        units = fw.evaluate(data, params={"point_value": value}).units
        units = units[units["period"] == layout.periods[p]].set_index("unit_id")
        expected = units.loc[list(layout.unit_ids), "payment"].to_numpy()
        np.testing.assert_array_equal(swept.totals[k], expected)


def test_lowering_with_tracing_keeps_every_step() -> None:
    """Explain's traces come from lowering the typed IR (tracing=True), not from the checker."""
    from qframe.engines.numpy.lower import compile_framework

    definition = qframe.load(MINI).definition
    plain = compile_framework(definition)
    traced = compile_framework(definition, tracing=True)
    assert plain.trace is None and traced.trace is not None
    for name, value in traced.values.items():
        for variant in value.variants:
            if variant.expr is not None and variant.expr.tree is not None:
                frame = traced.trace.variants[(name, id(variant.expr))]
                assert frame[id(variant.expr.tree)].type == variant.compiled.type
    for name in traced.totals:
        assert ("total", name) in traced.trace.named
    assert list(plain.values) == list(traced.values)


# Issue 15, wrong results 5: a total names its period; a framework's repr is short.


def test_result_total_needs_a_period_when_there_are_several() -> None:
    root = Path(__file__).parents[1]
    qof = qframe.load(root / "frameworks" / "qof_2014").evaluate(root / "data" / "sample")
    units = qof.units
    with pytest.raises(ValueError, match=r'covers 4 years .*period="2015-16"'):
        qof.total("payment")
    year = units[units["period"] == "2015-16"]["payment"].sum()
    assert qof.total("payment", period="2015-16") == pytest.approx(year)
    assert qof.total("payment", period="2015/16") == pytest.approx(year)
    assert qof.total("payment", period="all") == pytest.approx(units["payment"].sum())
    together = qframe.load(root / "frameworks" / "improving_together")
    quarters = together.evaluate(root / "data" / "sample").units
    in_year = quarters[quarters["period"].str.startswith("2015-16Q")]["payment"].sum()
    result = together.evaluate(root / "data" / "sample")
    assert result.total("payment", period="2015-16") == pytest.approx(in_year)  # its 4 quarters
    last = quarters[quarters["period"] == "2015-16Q4"]["payment"].sum()
    assert result.total("payment", period="2015-16Q4") == pytest.approx(last)
    with pytest.raises(ValueError, match="no period 2016-17"):
        result.total("payment", period="2016-17")


def test_a_frameworks_repr_is_short() -> None:
    fw = qframe.load(Path(__file__).parents[1] / "frameworks" / "qof_2014")
    assert len(repr(fw)) < 200 and repr(fw).startswith("Framework(id='qof_2014'")

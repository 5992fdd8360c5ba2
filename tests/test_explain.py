"""`qframe explain`: the derivation shown step by step, values from the evaluation itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import qframe
from qframe.cli.main import main
from qframe.tools.explain import Step, explain

ROOT = Path(__file__).parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"


def find(steps: list[Step], name: str) -> Step:
    for step in steps:
        if step.name == name:
            return step
        try:
            return find(step.children, name)
        except KeyError:
            continue
    raise KeyError(name)


def test_explain_reproduces_the_worked_example_step_by_step() -> None:
    # payment.md §6: 300 / 480 = 62.5%; (62.5 − 35) / 40 × 17 = 11.6875 points;
    # CPI 8000 / 7052 = 1.134430; APDF (520 / 8000) / 6.4% = 1.015625; £2,113.06
    ex = explain(qframe.load(MINI), MINI / "data", "P001", indicator="DM007")
    top = ex.steps[0]
    assert top.name == "payment" and top.value == 2113.06 and top.money
    assert top.where.endswith("framework.yaml:27") and top.note == "status ok"
    assert find(ex.steps, "points").value == pytest.approx(11.6875)
    assert find(ex.steps, "points").where.endswith("framework.yaml:26")
    assert find(ex.steps, "achievement").value == pytest.approx(0.625)
    assert find(ex.steps, "achievement").where.endswith("framework.yaml:25")
    assert find(ex.steps, "numerator[DM007]").value == 300
    assert find(ex.steps, "denominator[DM007]").value == 480
    assert find(ex.steps, "cpi").value == pytest.approx(8000 / 7052)
    assert find(ex.steps, "apdf(group)").value == pytest.approx(1.015625)
    assert find(ex.steps, "register(g)").value == 520
    assert find(ex.steps, "point_value").value == 156.92
    # the arithmetic closes: 11.6875 × 156.92 × 1.134430 × 1.015625 = 2113.06
    assert round(11.6875 * 156.92 * (8000 / 7052) * 1.015625, 2) == top.value


def test_explain_zero_denominator_says_why() -> None:
    ex = explain(qframe.load(MINI), MINI / "data", "P002", indicator="DM007")
    assert ex.steps[0].note == "status zero_denominator"
    assert find(ex.steps, "denominator[DM007]").value == 0


def test_explain_totals_list_each_indicator() -> None:
    ex = explain(qframe.load(MINI), MINI / "data", "P001")
    by_indicator = find(ex.steps, "payment by indicator")
    assert [(s.name, s.value) for s in by_indicator.children] == [
        ("DM017", 1084.78),
        ("DM007", 2113.06),
        ("BP002", 2336.44),
    ]
    assert find(ex.steps, "payment").value == pytest.approx(5534.28)


def test_explain_escalation_and_cluster(capsys: pytest.CaptureFixture[str]) -> None:
    clusters = FIXTURES / "clusters"
    ex = explain(qframe.load(clusters), clusters / "data", "P1", period="2014-15Q3")
    esc = find(ex.steps, "escalation")
    assert esc.value == "cluster" and "since 2014-15Q2" in esc.note
    assert find(esc.children, "low_outlier").value == "fired"
    assert find(esc.children, "no_improvement").value == "not fired"
    assert find(esc.children, "z").value == pytest.approx(-0.13333 / 0.11547, abs=1e-3)
    group = explain(qframe.load(clusters), clusters / "data", "C1", period="2014-15Q1")
    rates = find(group.steps, "screening_rate")
    assert [s.name for s in rates.children] == ["P1", "P2", "P3"]


def test_explain_cli_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(
            [
                "explain",
                str(MINI),
                "--data",
                str(MINI / "data"),
                "--unit",
                "P001",
                "--indicator",
                "DM007",
            ]
        )
    out = capsys.readouterr().out
    assert info.value.code == 0
    assert "payment = £2,113.06" in out and "framework.yaml:27]" in out
    assert "numerator[DM007] = 300 (input)" in out
    with pytest.raises(SystemExit):
        main(
            [
                "explain",
                str(MINI),
                "--data",
                str(MINI / "data"),
                "--unit",
                "P001",
                "--indicator",
                "DM007",
                "--format",
                "json",
            ]
        )
    doc = json.loads(capsys.readouterr().out)
    assert doc["steps"][0]["value"] == 2113.06 and doc["unit"] == "P001"


def test_explain_unknown_unit_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["explain", str(MINI), "--data", str(MINI / "data"), "--unit", "P00l"])
    assert info.value.code == 3 and "`P001`" in capsys.readouterr().err


# Issue 15, wrong results 2: explain at a cluster never sums rates, shows money with £ and
# honours --indicator.


def test_explain_at_a_cluster_sums_money_only() -> None:
    fw = qframe.load(ROOT / "frameworks" / "improving_together")
    ex = explain(fw, ROOT / "data" / "sample", "CL002")
    group = ex.steps[0]
    assert group.value == "6 member practices"
    national = find(group.children, "national_rate_per_1000")
    assert national.value == pytest.approx(3.72092, abs=1e-4)  # once, not 6 × 3.72
    assert national.note == "the same for every member" and not national.children
    own = find(group.children, "admission_rate_per_1000")
    assert own.value == "differs by member" and len(own.children) == 6
    paid = find(group.children, "annual_transfer")
    assert paid.money and paid.value == pytest.approx(sum(c.value for c in paid.children))
    text = ex.render()
    assert "annual_transfer = £679,860.43" in text and "cluster CL002 = missing" not in text


def test_explain_at_a_cluster_honours_the_indicator() -> None:
    ex = explain(
        qframe.load(ROOT / "frameworks" / "qof_2014"), ROOT / "data" / "sample", "CL002", "DM007"
    )
    assert ex.indicator == "DM007"
    group = ex.steps[0]
    assert [s.name for s in group.children] == ["achievement", "points", "payment"]
    assert find(group.children, "achievement").value == "differs by member"
    # the members' DM007 payments in the year explained, as evaluate pays them
    members = qframe.load_dataset(ROOT / "data" / "sample").units.query("cluster == 'CL002'")
    paid = qframe.load(ROOT / "frameworks" / "qof_2014").evaluate(ROOT / "data" / "sample")
    rows = paid.indicators.query("indicator == 'DM007' and period == '2015-16'")
    expected = rows[rows["unit_id"].isin(members["unit_id"])]["payment"].sum()
    assert find(group.children, "payment").value == pytest.approx(expected, abs=0.01)
    assert expected == pytest.approx(17130.77, abs=0.01)


def test_explain_a_unit_level_aggregate_used_by_an_indicator_rule(tmp_path: Path) -> None:
    """Issue 15, wrong results 3: a definition without arguments that aggregates a value with no
    indicator axis, used by an indicator rule, crashed explain (a broadcast error)."""
    import shutil

    shutil.copytree(MINI / "data", tmp_path / "data")
    (tmp_path / "framework.yaml").write_text(
        """qframe: 1
id: unit_level
version: "1"
title: A unit-level aggregate in an indicator rule
frequency: year
parameters:
  point_value: {value: £156.92}
inputs:
  list_size: {}
  population: {key: indicator, measure: denominator}
  numerator: {key: indicator}
  denominator: {key: indicator}
define:
  total_list: sum(list_size)
  prev: population / total_list
rules:
  achievement: numerator / denominator
  points: max_points * slide(achievement, lower, upper)
  payment: points * point_value * prev
indicators:
  DM007: {title: a, group: DM, max_points: 17, thresholds: 35% .. 75%}
  BP002: {title: b, group: BP, max_points: 15, thresholds: 50% .. 90%}
totals:
  payment: sum(payment, over=indicators)
""",
        encoding="utf-8",
    )
    fw = qframe.load(tmp_path)
    evaluated = fw.evaluate(tmp_path / "data").indicators.set_index(["unit_id", "indicator"])
    ex = explain(fw, tmp_path / "data", "P001", indicator="DM007")
    paid = evaluated.loc[("P001", "DM007"), "payment"]
    assert find(ex.steps, "payment").value == pytest.approx(paid)
    assert find(find(ex.steps, "payment").children, "prev").value == pytest.approx(480 / 15052)


# Issue 15, wrong results 4: only the branch taken; a value read in another period shown as
# read there; shares as percentages.


def all_steps(steps: list[Step]) -> list[Step]:
    out = []
    for s in steps:
        out += [s, *all_steps(s.children)]
    return out


def test_explain_shows_the_branch_taken_only() -> None:
    qof = qframe.load(ROOT / "frameworks" / "qof_2014")
    ex = explain(qof, ROOT / "data" / "sample", "S00007", indicator="DM007")
    names = [s.name for s in all_steps(ex.steps)]
    assert "round(earned, places=2)" not in names  # round_points is false: not used
    cond = find(all_steps(ex.steps), "if round_points")
    assert cond.value is False and "else branch taken" in cond.note
    assert "mean(prevalence(g))" not in names  # the pooled national prevalence is used


def test_explain_shows_a_lagged_value_as_read_in_its_period() -> None:
    pqs = qframe.load(ROOT / "frameworks" / "somerset_pqs")
    data = qframe.load_dataset(ROOT / "data" / "sample")
    ex = explain(pqs, data, "S00007")
    call = find(all_steps(ex.steps), "at(qof_achieved_points, baseline_year)")
    assert call.note == "the value in 2012-13"
    rows = data.measures
    then = rows[
        (rows["unit_id"] == "S00007")
        & (rows["measure"] == "qof_achieved_points")
        & (rows["period"] == "2012-13")
    ]["value"].iloc[0]
    assert call.children[0].value == pytest.approx(then) == pytest.approx(call.value)


def test_explain_lag_reads_the_earlier_period() -> None:
    together = qframe.load(ROOT / "frameworks" / "improving_together")
    ex = explain(together, ROOT / "data" / "sample", "S00007", period="2015-16Q4")
    steps = all_steps(ex.steps)
    for years, then in ((1, "2014-15Q4"), (2, "2013-14Q4"), (3, "2012-13Q4")):
        unit = "year" if years == 1 else "years"
        call = find(steps, f"lag(qof_achieved_points, {years} {unit})")
        assert call.note == f"the value in {then}"
        assert call.children[0].value == pytest.approx(call.value)  # not this quarter's input


def test_explain_shows_shares_as_percentages() -> None:
    text = explain(qframe.load(MINI), MINI / "data", "P001", indicator="DM007").render()
    assert "achievement = 62.50%" in text and "lower = 35.00% (field)" in text
    assert "prevalence(g) = 6.50%" in text and "cpi = 1.13443" in text  # a ratio stays one

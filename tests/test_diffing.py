"""`qframe diff`: the structural difference between two definitions, and its effect on payments."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import replace_once, run

import qframe
from qframe.errors.diagnostics import DefinitionError, ExitCode
from qframe.tools.diff import Change, diff_definitions, diff_effect

ROOT = Path(__file__).parents[1]
QOF = ROOT / "frameworks" / "qof_2014"
SAMPLE = ROOT / "data" / "sample"
MINI = Path(__file__).parent / "fixtures" / "mini"


def line_of(path: Path, needle: str, after: str = "") -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


@pytest.fixture(scope="module")
def changed_qof(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """QOF 2014/15 with DM007's lower threshold at 40% and a point worth £160."""
    folder = tmp_path_factory.mktemp("qof") / "qof_2014"
    shutil.copytree(QOF, folder)
    definition = folder / "framework.yaml"
    text = definition.read_text(encoding="utf-8")
    text = replace_once(text, "thresholds: 35% .. 75%", "thresholds: 40% .. 75%", after="  DM007:")
    text = replace_once(text, "value: £156.92", "value: £160.00", after="  point_value:")
    definition.write_text(text, encoding="utf-8")
    return folder


def test_exactly_the_two_changes_with_both_places(changed_qof: Path) -> None:
    changes = diff_definitions(QOF, changed_qof)
    assert [(c.kind, c.section, c.name, c.field, c.before, c.after) for c in changes] == [
        ("changed", "parameter", "point_value", "", "£156.92", "£160"),
        ("changed", "indicator", "DM007", "thresholds", "35% .. 75%", "40% .. 75%"),
    ]
    point, dm007 = changes
    line = line_of(QOF / "framework.yaml", "value: £156.92", after="  point_value:")
    assert point.location_a is not None and point.location_b is not None
    assert (point.location_a.line, point.location_b.line) == (line, line)
    line = line_of(QOF / "framework.yaml", "thresholds:", after="  DM007:")
    assert dm007.location_a is not None and dm007.location_b is not None
    assert str(dm007.location_a).startswith(f"{QOF / 'framework.yaml'}:{line}:")
    assert str(dm007.location_b).startswith(f"{changed_qof / 'framework.yaml'}:{line}:")
    assert str(dm007) == "changed indicator DM007 thresholds: 35% .. 75% → 40% .. 75%"


def test_effect_per_practice_is_the_difference_of_two_evaluations(changed_qof: Path) -> None:
    table = diff_effect(QOF, changed_qof, SAMPLE)
    a = qframe.load(QOF).evaluate(SAMPLE)
    b = qframe.load(changed_qof).evaluate(SAMPLE)
    assert list(table.columns) == ["unit_id", "period", "payment_a", "payment_b", "difference"]
    assert len(table) == len(a.units) == len(b.units)
    expected = a.units[["unit_id", "period", "payment"]].merge(
        b.units[["unit_id", "period", "payment"]], on=["unit_id", "period"], suffixes=("_a", "_b")
    )
    expected["unit_id"] = expected["unit_id"].astype(str)
    expected["period"] = expected["period"].astype(str)
    merged = table.merge(expected, on=["unit_id", "period"], suffixes=("", "_separate"))
    assert len(merged) == len(table)
    pd.testing.assert_series_equal(
        merged["payment_a"], merged["payment_a_separate"], check_names=False
    )
    pd.testing.assert_series_equal(
        merged["payment_b"], merged["payment_b_separate"], check_names=False
    )
    separate = merged["payment_b_separate"] - merged["payment_a_separate"]
    assert (merged["difference"] - separate).abs().max() < 1e-6
    # every practice gains: a higher point value, and DM007 thresholds that only lower no one
    assert table.attrs["total_a"] == pytest.approx(a.total("payment", period="all"), abs=1e-6)
    assert table.attrs["total_b"] == pytest.approx(b.total("payment", period="all"), abs=1e-6)
    assert table.attrs["difference"] == pytest.approx(
        b.total("payment", period="all") - a.total("payment", period="all"), abs=1e-6
    )
    assert table["difference"].sum() == pytest.approx(table.attrs["difference"], abs=1e-6)


def test_cli_lists_changes_and_writes_the_effect(
    changed_qof: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "diff"
    code, out, err = run(
        capsys,
        "diff",
        str(QOF),
        str(changed_qof),
        "--data",
        str(SAMPLE),
        "--out",
        str(out_dir),
    )
    assert code == ExitCode.OK, err
    assert "2 changes:" in out
    assert "changed parameter point_value: £156.92 → £160" in out
    assert "changed indicator DM007 thresholds: 35% .. 75% → 40% .. 75%" in out
    assert (
        f"  A {QOF / 'framework.yaml'}:" in out and f"  B {changed_qof / 'framework.yaml'}:" in out
    )
    effect = pd.read_csv(out_dir / "effect.csv", dtype={"unit_id": str, "period": str})
    assert list(effect.columns) == ["unit_id", "period", "payment_a", "payment_b", "difference"]
    a = qframe.load(QOF).evaluate(SAMPLE).total("payment", period="all")
    b = qframe.load(changed_qof).evaluate(SAMPLE).total("payment", period="all")
    assert effect["difference"].sum() == pytest.approx(b - a, abs=0.01)
    assert f"difference: +£{b - a:,.2f}" in out
    # the summary: per period, then the largest changes; the rows go to effect.csv
    assert "per period:" in out and "largest increases (top 5):" in out
    assert "unit_id" not in out
    per_period = effect.groupby("period")["difference"].sum()
    for period, value in per_period.items():
        assert f"+£{value:,.2f}" in out, period
    biggest = effect.sort_values("difference").iloc[-1]
    assert f"  {biggest['unit_id']} {biggest['period']}: +£{biggest['difference']:,.2f}" in out
    changes = pd.read_csv(out_dir / "changes.csv")
    assert changes["name"].tolist() == ["point_value", "DM007"]
    assert {"file_a", "line_a", "file_b", "line_b"} <= set(changes.columns)


def test_cli_prints_the_table_without_out(
    changed_qof: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 14: the summary comes first and the rows only when asked for (--rows, or --out)
    code, out, _ = run(capsys, "diff", str(MINI), str(MINI), "--data", str(MINI / "data"))
    assert code == 0 and "unit_id" not in out and "give --out DIR to write them" in out
    assert "difference: +£0.00" in out and "per period:" in out
    code, out, _ = run(capsys, "diff", str(MINI), str(MINI), "--data", str(MINI / "data"), "--rows")
    assert code == 0
    assert "no structural changes" in out
    assert out.index("per period:") < out.index("unit_id")  # the summary first
    header = next(line for line in out.splitlines() if "unit_id" in line)
    assert header.split() == ["unit_id", "period", "payment", "A", "payment", "B", "difference"]
    assert "P001" in out and "£5,534.28" in out and "+£0.00" in out
    assert "difference: +£0.00" in out


def test_same_definition_and_formatting_are_not_changes(tmp_path: Path) -> None:
    assert diff_definitions(QOF, QOF) == []
    text = (MINI / "framework.yaml").read_text(encoding="utf-8")
    text = replace_once(
        text, "achievement: numerator / denominator", "achievement: (numerator)/denominator"
    )
    text = replace_once(
        text,
        "payment: points * point_value * cpi * apdf(group)",
        "payment: |\n    points * point_value\n      * cpi * apdf(group)",
    )
    (tmp_path / "framework.yaml").write_text(text, encoding="utf-8")
    assert diff_definitions(MINI, tmp_path) == []


def test_every_section_is_compared(tmp_path: Path) -> None:
    (tmp_path / "framework.yaml").write_text(
        """\
qframe: 1
id: mini_qof
version: "2"
title: A three-indicator QOF-like framework (worked examples of payment.md §6)
frequency: year

parameters:
  point_value: {value: £156.92, doc: Value of a point for a practice of average list size}
  average_list_size: {value: 7000, doc: National average list size (1 January 2014)}

inputs:
  list_size: {doc: Registered patients}
  register: {key: group}
  numerator: {key: indicator}
  denominator: {key: indicator, doc: Net of exceptions}
  exceptions: {key: indicator, default: 1}

define:
  cpi: list_size / average_list_size
  prevalence(g): register(g) / list_size
  apdf(g): 1

rules:
  achievement: numerator / denominator
  points: max_points * slide(achievement, lower, upper)
  payment: points * point_value * cpi * apdf(group)

kinds:
  register:
    achievement: if register > 0 then 1 else 0
    points: max_points

indicators:
  DM017: {title: Diabetes register, group: DM, kind: register, max_points: 6}
  DM007:
    title: HbA1c 59 mmol/mol or less
    group: DM
    kind: register
    max_points: 18
    thresholds: 35% .. 75%
  XY001: {title: New, group: XY, max_points: 1, kind: register}
  BP003:
    title: Blood pressure recorded (45+)
    group: BP
    max_points: 15
    thresholds: 50% .. 90%

totals:
  points: sum(points, over=indicators)
  payment: sum(payment, over=indicators)
  n: count()
""",
        encoding="utf-8",
    )
    changes = diff_definitions(MINI, tmp_path)
    summary = {(c.kind, c.section, c.name, c.field) for c in changes}
    assert summary == {
        ("changed", "framework", "", "version"),
        ("changed", "parameter", "average_list_size", ""),
        ("removed", "parameter", "national_dm_prevalence", ""),
        ("changed", "input", "exceptions", "default"),
        ("changed", "definition", "apdf", ""),
        ("changed", "kind", "register", "points"),
        ("removed", "kind", "achievement", ""),
        ("changed", "indicator", "DM007", "kind"),
        ("changed", "indicator", "DM007", "max_points"),
        ("removed", "indicator", "BP002", ""),
        ("added", "indicator", "XY001", ""),
        ("added", "indicator", "BP003", ""),
        ("added", "total", "n", ""),
    }, sorted(summary)
    removed = next(c for c in changes if c.kind == "removed" and c.name == "BP002")
    assert removed.location_a is not None and removed.location_b is None
    assert removed.render().splitlines()[1].startswith("  A ")
    max_points = next(c for c in changes if c.field == "max_points")
    assert (max_points.before, max_points.after) == ("17", "18")


def test_overridden_rules_are_compared(tmp_path: Path) -> None:
    text = (MINI / "framework.yaml").read_text(encoding="utf-8")
    text = replace_once(
        text,
        "payment: points * point_value * cpi      # public health",
        "payment: points * point_value * cpi * 2  # public health",
    )
    (tmp_path / "framework.yaml").write_text(text, encoding="utf-8")
    [change] = diff_definitions(MINI, tmp_path)
    assert change == Change(
        "changed",
        "indicator",
        "BP002",
        "payment",
        "points * point_value * cpi",
        "points * point_value * cpi * 2",
        change.location_a,
        change.location_b,
    )
    assert change.location_a is not None and change.location_a.line == 49


def test_broken_definition_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "framework.yaml").write_text("qframe: 1\nid: x\ntitle: t\nrules: 3\n")
    with pytest.raises(DefinitionError):
        diff_definitions(MINI, tmp_path)
    code, _, err = run(capsys, "diff", str(MINI), str(tmp_path))
    assert code == ExitCode.DEFINITION_ERROR and "framework.yaml:4:" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "diff", str(MINI), str(tmp_path / "nowhere"))
    assert code == ExitCode.FILE_ERROR


def test_unknown_total_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "diff", str(MINI), str(MINI), "--data", str(MINI / "data"), "--total", "paymnt"
    )
    assert code == ExitCode.DEFINITION_ERROR and "no total `paymnt`" in err
    assert "did you mean `payment`?" in err


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", "--help")
    assert code == 0 and "Example:" in out and "qframe diff" in out

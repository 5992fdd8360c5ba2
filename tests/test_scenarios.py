"""Scenarios: sweeps (vectorised), calibration, uncertainty and scenario files."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import Terminal
from hypothesis import given, settings
from hypothesis import strategies as st

import qframe
from qframe.cli.main import cli, main
from qframe.tools import scenarios as sc
from qframe.tools.scenarios.sweep import SUMMARISED_TOGETHER, nan_percentiles

ROOT = Path(__file__).parents[1]
MINI = Path(__file__).parent / "fixtures" / "mini"


@pytest.fixture(scope="module")
def mini() -> qframe.Framework:
    return qframe.load(MINI)


@pytest.fixture(scope="module")
def mini_data() -> qframe.Dataset:
    return qframe.load_dataset(MINI / "data")


def single_total(fw: qframe.Framework, data: qframe.Dataset, params: dict[str, object]) -> float:
    return float(fw.evaluate(data, params=params).units["payment"].sum())


point = st.tuples(
    st.integers(10_000, 25_000).map(lambda p: p / 100),  # point value £100.00 .. £250.00
    st.integers(20, 60),  # DM007 lower threshold, %
    st.integers(10, 40),  # width to the upper threshold
    st.sampled_from([0, 1, 5]),  # every threshold shifted up, percentage points
)


@settings(max_examples=25, deadline=None)
@given(st.lists(point, min_size=1, max_size=4))
def test_sweep_point_equals_a_single_evaluation(
    mini: qframe.Framework, mini_data: qframe.Dataset, points: list[tuple[float, int, int, int]]
) -> None:
    grid = [
        sc.Point(
            f"p{k}",
            {"point_value": value, "DM007.thresholds": f"{lo}% .. {lo + width}%"},
            shift / 100,
        )
        for k, (value, lo, width, shift) in enumerate(points)
    ]
    result = sc.sweep(mini, mini_data, points=grid, chunk=3)
    for k, (value, lo, width, shift) in enumerate(points):
        params: dict[str, object] = {
            "point_value": value,
            "DM007.thresholds": f"{lo + shift}% .. {lo + width + shift}%",
        }
        if shift:  # BP002 (50% .. 90%) moves too
            params["BP002.thresholds"] = f"{50 + shift}% .. {90 + shift}%"
        expected = single_total(mini, mini_data, params)
        assert result.table["total_cost"].iloc[k] == pytest.approx(expected, abs=0.005)
        per_practice = mini.evaluate(mini_data, params=params).units.set_index("unit_id")["payment"]
        np.testing.assert_allclose(
            result.payments.iloc[:, k].reindex(per_practice.index), per_practice, atol=0.005
        )


def test_sweep_numbers_do_not_depend_on_chunks_and_equal_single_evaluations_exactly() -> None:
    """Issue 16: chunks of any size (a scenario at a time on national data, many on small data)
    and summaries made many scenarios at a time give the same numbers, to the bit; each grid
    point's payments are exactly those of evaluating it alone."""
    fw = qframe.load(ROOT / "frameworks" / "qof_2014")
    data = qframe.load_dataset(ROOT / "data" / "sample")
    values = [f"{100 + 1.37 * k:.2f}" for k in range(70)]  # more than are summarised together
    assert len(values) > SUMMARISED_TOGETHER
    results = [sc.sweep(fw, data, {"point_value": values}, chunk=c) for c in (None, 1, 9)]
    for other in results[1:]:
        pd.testing.assert_frame_equal(other.table, results[0].table, check_exact=True)
        pd.testing.assert_frame_equal(other.payments, results[0].payments, check_exact=True)
    swept = results[0]
    for k in (0, 33, 69):
        units = fw.evaluate(data, params={"point_value": float(values[k])}).units
        alone = units[units["period"] == swept.period].set_index("unit_id")["payment"]
        column = swept.payments.iloc[:, k]
        assert column.index.equals(alone.index)
        assert np.array_equal(column.to_numpy(), alone.to_numpy(), equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda rows: st.tuples(
            st.lists(
                st.lists(st.floats(-1e6, 1e6), min_size=rows, max_size=rows), min_size=1, max_size=9
            ),
            st.lists(st.booleans(), min_size=1, max_size=9),
            st.booleans(),
        )
    )
)
def test_percentiles_of_rows_are_numpys_to_the_bit(
    case: tuple[list[list[float]], list[bool], bool],
) -> None:
    """The sweep's percentiles per scenario, vectorised where every row misses the same columns,
    are np.nanpercentile's numbers bit for bit (and numpy's own when the rows differ)."""
    columns, missing, differ = case
    matrix = np.array(columns, dtype=np.float64).T  # rows × columns
    holes = np.resize(np.array(missing), matrix.shape[1])
    matrix[:, holes] = np.nan
    if differ:
        matrix[0, 0] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a row with nothing but missing values
        got = nan_percentiles(matrix, [10, 50, 90])
        want = np.nanpercentile(matrix, [10, 50, 90], axis=1)
    assert got.shape == want.shape
    gaps = np.isnan(want)
    assert np.array_equal(np.isnan(got), gaps)
    assert np.array_equal(got[~gaps].view(np.int64), want[~gaps].view(np.int64))


def test_sweep_of_point_value_is_linear(mini: qframe.Framework, mini_data: qframe.Dataset) -> None:
    name, values = sc.parse_sweep("point_value=150..200 step 25")
    assert (name, values) == ("point_value", ["150", "175", "200"])
    table = sc.sweep(mini, mini_data, {name: values}).table
    # P001 pays 5534.28 at £156.92; P002 nothing: the total scales with the point value (to the penny)
    for value, total in zip((150, 175, 200), table["total_cost"], strict=True):
        assert total == pytest.approx(5534.28 * value / 156.92, abs=0.02)


def test_budget_neutral_calibration_is_checked_by_re_evaluating(
    mini: qframe.Framework, mini_data: qframe.Dataset
) -> None:
    target = 6000.0
    result = sc.calibrate(mini, mini_data, "point_value", target)
    assert abs(result.achieved - target) < 1
    again = single_total(mini, mini_data, {"point_value": result.value})
    assert abs(again - target) < 1
    # roughly 156.92 × 6000 / 5534.28 = 170.13 (pennies make it a step function)
    assert result.value == pytest.approx(170.13, abs=0.01)


def test_calibration_without_a_solution_says_so(
    mini: qframe.Framework, mini_data: qframe.Dataset
) -> None:
    with pytest.raises(qframe.DefinitionError, match="no value of `point_value`"):
        sc.calibrate(mini, mini_data, "point_value", -5.0)


def test_uncertainty_is_seeded_and_brackets_the_estimate() -> None:
    fw = qframe.load(ROOT / "frameworks" / "improving_together")
    a = sc.uncertainty(fw, ROOT / "data" / "sample", samples=60, seed=3, period="2015-16Q4")
    b = sc.uncertainty(fw, ROOT / "data" / "sample", samples=60, seed=3, period="2015-16Q4")
    assert a.totals.equals(b.totals) and a.samples.equals(b.samples)
    assert set(a.ranges) == {"cqi_share", "attendance_required"}
    low, median, high = a.totals.iloc[0]
    assert low <= median <= high
    assert (a.practices["low"] <= a.practices["high"]).all()
    assert a.samples["cqi_share"].between(0.2, 0.3).all()


def test_uncertainty_needs_ranges(mini: qframe.Framework, mini_data: qframe.Dataset) -> None:
    with pytest.raises(qframe.DefinitionError, match="range"):
        sc.uncertainty(mini, mini_data, samples=10)


def test_scenario_file(tmp_path: Path) -> None:
    table, payments = sc.run_scenarios(
        ROOT / "examples" / "scenarios" / "qof_variants.yaml",
        ROOT / "data" / "sample",
        period="2015-16",
    )
    rows = table.set_index("scenario")
    assert list(rows.index) == [
        "current",
        "point_value_180",
        "thresholds_up_5",
        "no_smoking_indicators",
        "no_smoking_budget_neutral",
    ]
    assert rows.loc["point_value_180", "total_cost"] == pytest.approx(
        rows.loc["current", "total_cost"] * 180 / 156.92, rel=1e-5
    )
    assert rows.loc["thresholds_up_5", "total_cost"] < rows.loc["current", "total_cost"]
    assert rows.loc["no_smoking_indicators", "total_cost"] < rows.loc["current", "total_cost"]
    assert abs(rows.loc["no_smoking_budget_neutral", "difference_from_first"]) < 1
    assert rows.loc["no_smoking_budget_neutral", "solved_point_value"] > 156.92
    assert payments.shape == (300, 5)


def test_scenario_file_errors_are_located(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        f"framework: {MINI}\nscenarios:\n  a: {{sett: {{point_value: £1}}}}\n  b: {{drop: [DM070]}}\n"
    )
    with pytest.raises(qframe.DefinitionError) as info:
        sc.load_scenarios(tmp_path / "s.yaml")
    text = info.value.render()
    assert (
        "s.yaml:3:7: error S003 scenario `a`: unknown field `sett`" in text
        and "did you mean `set`" in text
    )
    assert "drops unknown indicator `DM070`" in text and "`DM007`" in text


def test_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(
            [
                "sweep",
                str(MINI),
                "--data",
                str(MINI / "data"),
                "--sweep",
                "point_value=150..160 step 10",
                "--out",
                str(tmp_path / "sw"),
            ]
        )
    assert info.value.code == 0
    assert sorted(p.name for p in (tmp_path / "sw").iterdir()) == [
        "payments.csv",
        "sweep.csv",
        "sweep.html",
    ]
    # payments.csv is long like every other table (issue 14): a row per practice per grid point,
    # in grid order, and the payments add up to each grid point's total cost
    import pandas as pd

    payments = pd.read_csv(tmp_path / "sw" / "payments.csv")
    table = pd.read_csv(tmp_path / "sw" / "sweep.csv")
    assert list(payments.columns) == ["unit_id", "scenario", "point_value", "payment"]
    assert list(payments["scenario"].drop_duplicates()) == list(table["scenario"])
    assert len(payments) == len(table) * payments["unit_id"].nunique()
    sums = payments.groupby("scenario", sort=False)["payment"].sum()
    np.testing.assert_allclose(sums.to_numpy(), table["total_cost"].to_numpy(), atol=0.005)
    assert (
        payments["point_value"] == payments["scenario"].str.split("=").str[1].astype(float)
    ).all()
    html = (tmp_path / "sw" / "sweep.html").read_text()
    assert '<script src="http' not in html and "plotly" in html  # the chart library is embedded
    with pytest.raises(SystemExit) as info:
        main(
            [
                "calibrate",
                str(MINI),
                "--data",
                str(MINI / "data"),
                "--solve",
                "point_value",
                "--target",
                "£6000",
            ]
        )
    out = capsys.readouterr().out
    assert info.value.code == 0 and "point_value = £170.1" in out and "gap £0.00" in out


def test_gini_of_rows_matches_gini() -> None:
    from qframe.tools.stats import gini, gini_rows

    rng = np.random.default_rng(0)
    m = rng.gamma(2.0, 3.0, (5, 40))
    m[2, :7] = np.nan
    np.testing.assert_allclose(gini_rows(m), [gini(row) for row in m])
    # [1, 2, 3]: Σ|xi − xj| = 8, n = 3, mean 2 → 8 / (2 · 9 · 2) = 0.2222
    assert gini_rows(np.array([[1.0, 2.0, 3.0]]))[0] == pytest.approx(8 / 36)


def test_sweep_of_a_parameter_used_inside_a_define_with_arguments(
    mini: qframe.Framework, mini_data: qframe.Dataset
) -> None:
    # national_dm_prevalence is read only inside apdf(g): the sweep must still recompute payments
    table = sc.sweep(mini, mini_data, {"national_dm_prevalence": ["3%", "6.4%", "10%"]}).table
    singles = [
        single_total(mini, mini_data, {"national_dm_prevalence": v}) for v in ("3%", "6.4%", "10%")
    ]
    assert list(table["total_cost"]) == pytest.approx(singles, abs=0.005)
    assert singles[0] > singles[1] > singles[2]


@pytest.mark.parametrize(
    ("spec", "message"),
    [("point_value=", "lists no values"), ("thresholds_shift=abc", "is not a shift")],
)
def test_bad_sweeps_are_located(spec: str, message: str) -> None:
    with pytest.raises(qframe.DefinitionError) as info:
        sc.parse_sweep(spec)
    assert message in info.value.render() and "--sweep:1:" in info.value.render()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("scenarios:\n  a: {}\n", "s.yaml:1:1: error S001 a scenario file names its `framework:`"),
        (f"framework: {MINI}\n", "error S002 a scenario file lists `scenarios:` by name"),
        (
            f"framework: {MINI}\nscenarios: {{}}\n",
            "s.yaml:2:12: error S002 a scenario file lists `scenarios:` by name",
        ),
        (
            f"framework: {MINI}\nscenarios: [a, b]\n",
            "s.yaml:2:12: error Q013 scenarios should be a mapping, not a list",
        ),
        (
            f"framework: {MINI}\nscenarios:\n  a: {{drop: DM007}}\n",
            "s.yaml:3:13: error Q013 scenarios.a.drop should be a list, not the text `DM007`",
        ),
        (
            f"framework: {MINI}\nscenarios:\n  a: {{set: [point_value]}}\n",
            "s.yaml:3:12: error Q013 scenarios.a.set should be a mapping or null, not a list",
        ),
        (
            f"framework: {MINI}\nscenarios:\n  a: {{shift_thresholds: lots}}\n",
            "error S006 scenario `a`: `lots` is not a shift of thresholds",
        ),
    ],
)
def test_scenario_file_schema(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "s.yaml").write_text(text)
    with pytest.raises(qframe.DefinitionError) as info:
        sc.load_scenarios(tmp_path / "s.yaml")
    assert expected in info.value.render()


def test_scenario_schema_is_shipped() -> None:
    schema = sc.scenarios_schema()
    assert schema["required"] == ["framework", "scenarios"]
    fields = schema["$defs"]["scenario"]["properties"]
    assert set(fields) == {"doc", "set", "shift_thresholds", "drop", "budget_neutral"}


# Issue 15, wrong results 1: a quarterly framework's year is the sum of its quarters, and every
# summary names its period.


@pytest.fixture(scope="module")
def together() -> qframe.Framework:
    return qframe.load(ROOT / "frameworks" / "improving_together")


def test_a_quarterly_frameworks_year_is_the_sum_of_its_quarters(
    together: qframe.Framework,
) -> None:
    data = qframe.load_dataset(ROOT / "data" / "sample")
    by_quarter = together.evaluate(data).units
    quarters = [f"2015-16Q{q}" for q in range(1, 5)]
    year = by_quarter[by_quarter["period"].isin(quarters)]["payment"].sum()
    for period in (None, "2015-16", "2015/16"):
        result = sc.sweep(together, data, points=[sc.Point("now", {})], period=period)
        assert result.period == "2015-16" and result.periods == tuple(quarters)
        assert result.table["total_cost"].iloc[0] == pytest.approx(year, abs=0.01)
        assert "the sum of its quarters" in result.described_period
    one = sc.sweep(together, data, points=[sc.Point("now", {})], period="2015-16Q4")
    assert one.period == "2015-16Q4" and one.described_period == "2015-16Q4"


def test_calibrating_a_quarterly_framework_against_its_own_annual_cost(
    together: qframe.Framework,
) -> None:
    data = qframe.load_dataset(ROOT / "data" / "sample")
    annual = sc.total_cost(together, data)
    solved = sc.calibrate(together, data, "point_value", annual)
    current = float(together.plan.params["point_value"].const)
    assert solved.value == pytest.approx(current, rel=1e-4)  # not four times it
    assert solved.period.startswith("2015-16 (the sum of its quarters")


def test_calibrating_improving_together_against_qof_names_the_year() -> None:
    result = CliRunner().invoke(
        cli,
        [
            "calibrate",
            str(ROOT / "frameworks" / "improving_together"),
            "--data",
            str(ROOT / "data" / "sample"),
            "--solve",
            "point_value",
            "--target",
            str(ROOT / "frameworks" / "qof_2014"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "in 2015-16 (the sum of its quarters 2015-16Q1 .. 2015-16Q4)" in result.output


def test_a_year_missing_a_quarter_is_refused_by_name(together: qframe.Framework) -> None:
    data = qframe.load_dataset(ROOT / "data" / "sample")
    partial = data.measures[data.measures["period"] != "2015-16Q2"]
    ds = qframe.Dataset(data.units, partial)
    with pytest.raises(qframe.DataError, match=r"missing 2015-16Q2"):
        sc.sweep(together, ds, points=[sc.Point("now", {})], period="2015-16")


def test_uncertainty_names_its_period(together: qframe.Framework) -> None:
    result = sc.uncertainty(together, ROOT / "data" / "sample", samples=10, period="2015-16")
    assert result.period.startswith("2015-16 (the sum of its quarters")


def test_scenario_tools_report_their_steps(
    mini: qframe.Framework, mini_data: qframe.Dataset
) -> None:
    """Issue 14: a step per chunk of a sweep (counting its grid points), per evaluation of a
    calibration, per batch of uncertainty samples and per scenario of a file."""
    steps: list[tuple[str, int]] = []
    grid = [sc.Point(f"p{k}", {"point_value": 150.0 + k}) for k in range(7)]
    sc.sweep(mini, mini_data, points=grid, chunk=3, progress=lambda m, n: steps.append((m, n)))
    assert steps == [("3 of 7 scenarios", 3), ("6 of 7 scenarios", 3), ("7 of 7 scenarios", 1)]
    calls: list[str] = []
    solved = sc.calibrate(mini, mini_data, "point_value", 6000.0, progress=calls.append)
    assert len(calls) == solved.evaluations and calls[0].startswith("evaluation 1: point_value")
    runs, _ = sc.load_scenarios(ROOT / "examples" / "scenarios" / "qof_variants.yaml")
    names: list[str] = []
    sc.evaluate_scenarios(runs, ROOT / "data" / "sample", progress=names.append)
    assert names == [f"evaluated {run.name}" for run in runs]


def on_screen(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """The scenario commands' progress bars drawn on a stand-in terminal (the click runner
    replaces standard error by a pipe)."""
    from functools import partial

    from qframe.results.progress import Progress

    screen = Terminal()
    monkeypatch.setattr("qframe.cli.scenarios.Progress", partial(Progress, stream=screen))
    return screen


@pytest.mark.parametrize("command", ["sweep", "calibrate", "scenarios"])
def test_scenario_commands_draw_progress_on_a_terminal_unless_quiet(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = {
        "sweep": [
            str(MINI),
            "--data",
            str(MINI / "data"),
            "--sweep",
            "point_value=150..160 step 10",
        ],
        "calibrate": [str(MINI), "--data", str(MINI / "data"), "--solve", "point_value"],
        "scenarios": [
            str(ROOT / "examples" / "scenarios" / "qof_variants.yaml"),
            "--data",
            str(ROOT / "data" / "sample"),
        ],
    }[command]
    extra = ["--target", "£6000"] if command == "calibrate" else ["--out", str(tmp_path / "o")]
    label = {"sweep": "sweeping", "calibrate": "calibrating", "scenarios": "scenarios"}[command]
    for quiet in (False, True):
        screen = on_screen(monkeypatch)
        result = CliRunner().invoke(cli, [command, *args, *extra, *(["--quiet"] * quiet)])
        assert result.exit_code == 0, result.output
        assert (label in screen.text) is not quiet and ("100%" in screen.text) is not quiet


def test_uncertainty_draws_a_bar_of_samples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = on_screen(monkeypatch)
    fw = ROOT / "frameworks" / "improving_together"
    args = ["uncertainty", str(fw), "--data", str(ROOT / "data" / "sample"), "--samples", "30"]
    result = CliRunner().invoke(cli, [*args, "--period", "2015-16Q4", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "sampling" in screen.text and "100%" in screen.text


def plotted(html: str) -> tuple[list[Any], dict[str, Any]]:
    """The traces and layout of the figure in a plotly HTML file (read from the page's JSON)."""
    import json

    decoder = json.JSONDecoder()
    text = html[html.index("Plotly.newPlot(") + len("Plotly.newPlot(") :]
    text = text[text.index(",") + 1 :].lstrip()  # after the div id
    data, end = decoder.raw_decode(text)
    text = text[end:].lstrip().lstrip(",").lstrip()
    layout, _ = decoder.raw_decode(text)
    return data, layout


def values(plotted_values: Any) -> list[float]:
    """A trace's values, as plotly writes them (a list, or base64 bytes of a dtype)."""
    import base64

    if isinstance(plotted_values, dict):
        raw = base64.b64decode(plotted_values["bdata"])
        return np.frombuffer(raw, dtype=np.dtype(plotted_values["dtype"])).tolist()
    return list(plotted_values)


def test_the_sweep_chart_has_titled_axes_pounds_and_a_steady_gini(tmp_path: Path) -> None:
    """Issue 14: axis titles, £ on money axes, and a Gini that does not magnify float noise."""
    args = ["--data", str(MINI / "data"), "--sweep", "point_value=150..200 step 10"]
    result = CliRunner().invoke(cli, ["sweep", str(MINI), *args, "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    data, layout = plotted((tmp_path / "sweep.html").read_text(encoding="utf-8"))
    names = [str(trace["name"]) for trace in data]
    yaxes = {name: layout[f"yaxis{'' if k == 1 else k}"] for k, name in enumerate(names, start=1)}
    xaxes = [layout[f"xaxis{'' if k == 1 else k}"] for k in range(1, len(names) + 1)]
    assert yaxes["total_cost"]["tickprefix"] == "£"
    assert yaxes["total_cost"]["title"] == {"text": "total cost (£)"}
    assert yaxes["gini_per_patient"]["title"] == {"text": "Gini of payment per patient"}
    assert "tickprefix" not in yaxes["gini_per_patient"]
    # the point value scales every payment alike: the Gini is constant, drawn flat in a fixed span
    gini = values(data[names.index("gini_per_patient")]["y"])
    assert len(set(gini)) == 1
    low, high = yaxes["gini_per_patient"]["range"]
    assert high - low == pytest.approx(0.05) and low <= gini[0] <= high
    assert xaxes[-1]["title"] == {"text": "point_value"}
    assert all(axis["tickprefix"] == "£" for axis in xaxes)


def test_sweep_payments_long_name_each_swept_setting(
    mini: qframe.Framework, mini_data: qframe.Dataset
) -> None:
    """A grid over a parameter and a thresholds shift: one row per practice per point, with
    both settings (no shift written as 0), deterministic."""
    axes = {"point_value": ["150", "160"], "thresholds_shift": ["0%", "1%"]}
    result = sc.sweep(mini, mini_data, axes)
    long = result.payments_long()
    assert list(long.columns) == [
        "unit_id",
        "scenario",
        "point_value",
        "thresholds_shift",
        "payment",
    ]
    assert len(long) == result.payments.size
    assert sorted(long["thresholds_shift"].unique()) == [0.0, 0.01]
    wide = long.pivot(index="unit_id", columns="scenario", values="payment")
    np.testing.assert_array_equal(
        wide[result.payments.columns].to_numpy(), result.payments.sort_index().to_numpy()
    )
    assert long.equals(sc.sweep(mini, mini_data, axes).payments_long())

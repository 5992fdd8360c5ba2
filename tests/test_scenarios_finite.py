"""Nothing non-finite is ever paid in any scenario (issue 15, D095): a swept, calibrated or
sampled parameter value that makes a payment infinite, or not a number through an overflow, is
an error naming the scenario, the unit and the period, never a total of £inf or a silent gap."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import MINI

import qframe
from qframe.errors.diagnostics import DataError, ExitCode
from qframe.tools import scenarios as sc


def mini_with(tmp_path: Path, payment: str, scale_range: str = "1 .. 2") -> qframe.Framework:
    """The mini framework with a ranged parameter ``scale`` in its payment rule."""
    folder = tmp_path / "fw"
    shutil.copytree(MINI, folder)
    path = folder / "framework.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "parameters:\n",
        f"parameters:\n  scale: {{value: 1, range: {scale_range}, doc: A modelled scale}}\n",
        1,
    )
    old = "  payment: points * point_value * cpi * apdf(group)\n"
    assert old in text
    text = text.replace(old, f"  payment: {payment}\n", 1)
    bp002 = "    payment: points * point_value * cpi      #"
    assert bp002 in text
    text = text.replace(bp002, "    payment: points * point_value * cpi * scale      #", 1)
    path.write_text(text, encoding="utf-8")
    return qframe.load(folder)


SCALED = "points * point_value * cpi * apdf(group) * scale"
# inf − inf: not a number, only because of an overflow (never "missing")
CANCELLED = "points * point_value * scale * 1e10 - points * point_value * scale * 1e10"


def d095(info: pytest.ExceptionInfo[DataError]) -> str:
    assert info.value.exit_code is ExitCode.DATA_ERROR
    (problem,) = info.value.diagnostics
    assert problem.code == "D095"
    return problem.message


def test_a_swept_value_that_overflows_names_the_scenario(tmp_path: Path) -> None:
    fw = mini_with(tmp_path, SCALED)
    data = MINI / "data"
    fine = sc.sweep(fw, data, {"scale": ["1", "2"]})
    assert list(fine.table["total_cost"]) == pytest.approx(
        [fine.table["total_cost"].iloc[0], 2 * fine.table["total_cost"].iloc[0]], abs=0.02
    )
    with pytest.raises(DataError) as info:
        sc.sweep(fw, data, {"scale": ["1", "1e308"]})
    message = d095(info)
    assert "scenario `scale=1e308`" in message and "scale = 1e308" in message
    assert "rule `payment` is infinite, or not a number after an overflow, at unit P001" in message
    assert "2014-15" in message


def test_not_a_number_after_an_overflow_is_refused_too(tmp_path: Path) -> None:
    fw = mini_with(tmp_path, CANCELLED)
    data = MINI / "data"
    bp002 = float(fw.evaluate(data).indicators.query("indicator == 'BP002'")["payment"].sum())
    assert list(sc.sweep(fw, data, {"scale": ["1"]}).table["total_cost"]) == [round(bp002, 2)]
    with pytest.raises(DataError) as info:
        sc.sweep(fw, data, {"scale": ["1", "1e303"]})
    message = d095(info)
    assert "scenario `scale=1e303`" in message and "rule `payment`" in message


def test_a_missing_payment_is_still_missing_not_refused(tmp_path: Path) -> None:
    # a division by zero leaves a payment missing (P002 has a zero denominator): no overflow,
    # no D095, the same totals as evaluate
    fw = mini_with(tmp_path, SCALED)
    result = sc.sweep(fw, MINI / "data", {"scale": ["1"]})
    evaluated = fw.evaluate(MINI / "data").units["payment"].sum()
    assert float(result.table["total_cost"].iloc[0]) == pytest.approx(evaluated, abs=0.01)


def test_calibrate_never_solves_through_an_infinite_payment(tmp_path: Path) -> None:
    fw = mini_with(tmp_path, SCALED)
    with pytest.raises(DataError) as info:
        sc.calibrate(fw, MINI / "data", "scale", 1e9, bracket=(1.0, 1e308))
    assert "scenario `scale=1e+308`" in d095(info)


def test_uncertainty_refuses_a_range_whose_samples_overflow(tmp_path: Path) -> None:
    fw = mini_with(tmp_path, SCALED, scale_range="1e307 .. 1e308")
    with pytest.raises(DataError) as info:
        sc.uncertainty(fw, MINI / "data", samples=20, seed=3)
    message = d095(info)
    assert "scenario `sample " in message and "scale = " in message
    fine = sc.uncertainty(mini_with(tmp_path / "b", SCALED), MINI / "data", samples=20, seed=3)
    assert fine.totals["high"].iloc[0] < float("inf")


def test_the_cli_sweep_exits_with_the_data_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import run

    mini_with(tmp_path, SCALED)
    code, _out, err = run(
        capsys,
        "sweep",
        str(tmp_path / "fw"),
        "--data",
        str(MINI / "data"),
        "--sweep",
        "scale=1,1e308",
        "--out",
        str(tmp_path / "out"),
        "--quiet",
    )
    assert code == ExitCode.DATA_ERROR
    assert "D095" in err and "scale=1e308" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "sweep.csv").exists()


def test_an_infinite_rule_no_scenario_changes_is_refused_in_every_sweep(tmp_path: Path) -> None:
    """A rule that reads nothing swept is computed once for every chunk (its check for infinite
    values is made once too, and remembered): it is still refused, in the first sweep and in the
    next one on the same data, naming the rule."""
    folder = tmp_path / "fw"
    shutil.copytree(MINI, folder)
    path = folder / "framework.yaml"
    text = path.read_text(encoding="utf-8")
    old = "  points: max_points * slide(achievement, lower, upper)\n"
    assert old in text
    path.write_text(text.replace(old, old.rstrip("\n") + " * 1e308\n", 1), encoding="utf-8")
    fw = qframe.load(folder)
    data = qframe.load_dataset(MINI / "data")
    for _ in range(2):
        with pytest.raises(DataError) as info:
            sc.sweep(fw, data, {"point_value": ["150", "160", "170"]}, chunk=1)
        message = d095(info)
        assert "scenario `point_value=150`" in message and "rule `points` is infinite" in message

"""Scenarios on GP records: compare and diff evaluate each framework's own business rules on a
record folder (a framework without them is named, Q434), and a sweep of a clinical target reads
the records once (the record engine's one-scan sweep) with exactly the counts and payments of one
evaluation per value."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import replace_once, run

import qframe
from qframe.engines.records.engine import DuckDBRecordEngine
from qframe.errors.diagnostics import DataError, ExitCode
from qframe.tools.compare import compare
from qframe.tools.scenarios import Point, calibrate, sweep

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "data" / "records_sample"
QOF = ROOT / "frameworks" / "qof_2014"


@pytest.fixture(scope="module")
def qof() -> qframe.Framework:
    return qframe.load(QOF)


@pytest.fixture(scope="module")
def looser(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """QOF 2014/15 with the DM007 HbA1c target at 64 mmol/mol (the DM008 target) in records.yaml."""
    folder = tmp_path_factory.mktemp("rules") / "qof_hba1c64"
    shutil.copytree(QOF, folder)
    fw = folder / "framework.yaml"
    fw.write_text(
        replace_once(fw.read_text(encoding="utf-8"), "id: qof_2014\n", "id: qof_hba1c64\n"),
        encoding="utf-8",
    )
    rules = folder / "records.yaml"
    rules.write_text(
        replace_once(
            rules.read_text(encoding="utf-8"),
            "value: 59 mmol/mol",
            "value: 64 mmol/mol",
            after="hba1c_target:",
        ),
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def totals(qof: qframe.Framework) -> dict[str, float]:
    """The payment on the records as shipped and with --set hba1c_target=64mmol/mol."""
    return {
        "qof_2014": qof.evaluate(RECORDS).total("payment"),
        "qof_hba1c64": qof.evaluate(RECORDS, params={"hba1c_target": "64 mmol/mol"}).total(
            "payment"
        ),
    }


def test_compare_on_records_counts_each_framework_by_its_own_rules(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, looser: Path, totals: dict[str, float]
) -> None:
    code, out, err = run(
        capsys, "compare", str(QOF), str(looser), "--data", str(RECORDS),
        "--out", str(tmp_path / "cmp"), "--by-level", "ccg",
    )  # fmt: skip
    assert code == ExitCode.OK, err
    assert "qof_hba1c64: total payment" in out and "against the baseline" in out
    assert "warning Q433 51 indicators have no record-level rules" in err
    frameworks = pd.read_csv(tmp_path / "cmp" / "frameworks.csv").set_index("framework")
    for label, total in totals.items():
        assert frameworks.loc[label, "total_cost"] == pytest.approx(total, abs=0.005)
    assert totals["qof_hba1c64"] > totals["qof_2014"]
    manifest = json.loads((tmp_path / "cmp" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data"]["source"] == str(RECORDS)
    assert manifest["data"]["provenance"] == "synthetic"  # the record folder's manifest says so
    assert [w["code"] for w in manifest["warnings"]] == ["Q433"]  # said once, not per framework
    by_ccg = pd.read_csv(tmp_path / "cmp" / "by_ccg.csv")
    assert list(by_ccg["framework"]) == ["qof_2014", "qof_hba1c64"]


def test_compare_on_records_names_every_framework_without_record_rules(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(DataError) as info:
        compare(
            [QOF, ROOT / "frameworks" / "somerset_pqs", ROOT / "frameworks" / "wales_qaif"], RECORDS
        )
    text = info.value.render()
    assert text.count("Q434") == 2
    assert "framework `somerset_pqs`" in text and "framework `wales_qaif`" in text
    assert "qof_2014`" not in text
    code, _out, err = run(
        capsys,
        "compare",
        str(QOF),
        str(ROOT / "frameworks" / "somerset_pqs"),
        "--data",
        str(RECORDS),
        "--out",
        str(tmp_path / "out"),
    )
    assert code == ExitCode.DATA_ERROR and "error Q434" in err and "records.yaml" in err
    assert "Traceback" not in err


def test_diff_on_records_names_the_rule_change_and_its_effect(
    capsys: pytest.CaptureFixture[str], looser: Path, totals: dict[str, float]
) -> None:
    code, out, err = run(capsys, "diff", str(QOF), str(looser), "--data", str(RECORDS))
    assert code == ExitCode.OK, err
    # the rule change is listed (records.yaml), then its effect on the money
    assert "changed record-level parameter hba1c_target: 59 mmol/mol → 64 mmol/mol" in out
    assert "difference: +£" in out
    assert ", 0 down, " in out  # a looser target takes money from nobody
    shown = dict(re.findall(r"^total ([AB]): £([\d,.]+)$", out, flags=re.MULTILINE))
    assert float(shown["A"].replace(",", "")) == pytest.approx(totals["qof_2014"], abs=0.005)
    assert float(shown["B"].replace(",", "")) == pytest.approx(totals["qof_hba1c64"], abs=0.005)


def test_a_record_sweep_reads_the_records_once_and_equals_one_run_per_value(
    qof: qframe.Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = ["53", "64", "75"]
    calls = {"counts": 0, "sweep": 0}
    counts, swept_once = DuckDBRecordEngine.counts, DuckDBRecordEngine.sweep

    def counting(name: str, method):  # type: ignore[no-untyped-def]
        def wrapped(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            calls[name] += 1
            return method(self, *args, **kwargs)

        return wrapped

    monkeypatch.setattr(DuckDBRecordEngine, "counts", counting("counts", counts))
    monkeypatch.setattr(DuckDBRecordEngine, "sweep", counting("sweep", swept_once))
    together = sweep(qof, RECORDS, {"hba1c_target": values})
    assert calls == {"counts": 0, "sweep": 1}  # one scan of the records for the three values
    monkeypatch.undo()
    one_by_one = [sweep(qof, RECORDS, points=[Point(f"hba1c_target={v}", {"hba1c_target": v})])
                  for v in values]  # fmt: skip
    for k, single in enumerate(one_by_one):
        pd.testing.assert_series_equal(
            together.payments.iloc[:, k], single.payments.iloc[:, 0], check_exact=True
        )
        row, alone = together.table.iloc[k], single.table.iloc[0]
        assert row.drop("scenario").equals(alone.drop("scenario"))
    costs = list(together.table["total_cost"])
    assert costs == sorted(costs) and costs[0] < costs[-1]


def test_a_record_sweep_with_another_parameter_is_a_grid(qof: qframe.Framework) -> None:
    grid = sweep(qof, RECORDS, {"hba1c_target": ["59", "64"], "point_value": ["150", "200"]})
    assert len(grid.table) == 4
    table = grid.table.set_index(["hba1c_target", "point_value"])["total_cost"]
    assert table[("64.0", "200.0")] > table[("59.0", "200.0")] > table[("59.0", "150.0")]


def test_a_sweep_of_a_window_length_is_counted_one_value_at_a_time(
    qof: qframe.Framework, totals: dict[str, float]
) -> None:
    widened = sweep(qof, RECORDS, {"look_back": ["12 months", "15 months"]})
    costs = widened.table.set_index("scenario")["total_cost"]
    assert costs["look_back=12 months"] == pytest.approx(totals["qof_2014"], abs=0.005)
    assert costs["look_back=15 months"] > costs["look_back=12 months"]  # more tests in the window


def test_calibrate_on_records(qof: qframe.Framework, totals: dict[str, float]) -> None:
    found = calibrate(qof, RECORDS, "point_value", 2 * totals["qof_2014"])
    assert found.achieved == pytest.approx(2 * totals["qof_2014"], abs=0.01)


def test_a_definition_test_sets_a_record_level_parameter(tmp_path: Path) -> None:
    from qframe.tools.testing import run_tests

    (passed,) = run_tests(QOF / "tests" / "test_patients_target.yaml")
    assert passed.passed and passed.compared == 6
    folder = tmp_path / "qof"
    shutil.copytree(QOF, folder)
    case = folder / "tests" / "test_patients_target.yaml"
    text = case.read_text(encoding="utf-8")
    # at the shipped target (59), patient 1 (64 mmol/mol) is in the denominator only
    case.write_text(replace_once(text, "hba1c_target: 64 mmol/mol", "hba1c_target: 59 mmol/mol"))
    (failed,) = run_tests(case)
    assert not failed.passed
    assert "patient 1 DM007: expected numerator, got denominator" in [
        str(m).split(": ", 1)[1] for m in failed.mismatches
    ]
    # a value in the wrong unit is placed at its line
    case.write_text(replace_once(text, "hba1c_target: 64 mmol/mol", "hba1c_target: 64 mmHg"))
    (wrong,) = run_tests(case)
    assert not wrong.passed
    rendered = [d.render() for d in wrong.errors]
    assert any("T021" in d and f"{case}:11:" in d and "mmol/mol" in d for d in rendered), rendered


def test_uncertainty_on_records_counts_the_records_once(
    qof: qframe.Framework, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qframe.tools.scenarios import uncertainty

    calls = {"counts": 0}
    counts = DuckDBRecordEngine.counts

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["counts"] += 1
        return counts(self, *args, **kwargs)

    monkeypatch.setattr(DuckDBRecordEngine, "counts", counting)
    found = uncertainty(qof, RECORDS, samples=20, seed=3)
    assert calls["counts"] == 1 and len(found.samples) == 20
    assert found.totals["median"].iloc[0] > 0


def test_a_record_level_parameter_on_practice_level_data_is_an_error(
    qof: qframe.Framework, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Counts given as data cannot be recounted under a changed clinical rule: saying so beats
    a result that silently ignores the change (Q441)."""
    sample = ROOT / "data" / "sample"
    with pytest.raises(DataError) as caught:
        qof.evaluate(sample, params={"hba1c_target": "64 mmol/mol"})
    assert [d.code for d in caught.value.diagnostics] == ["Q441"]
    assert "`hba1c_target`" in str(caught.value.render())
    code, _, err = run(
        capsys, "evaluate", str(QOF), "--data", str(sample), "--out", str(tmp_path / "out"),
        "--set", "hba1c_target=64 mmol/mol",
    )  # fmt: skip
    assert code == ExitCode.DATA_ERROR and "Q441" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    # a practice-level parameter on the same data is still fine
    assert qof.evaluate(sample, params={"point_value": 160.0}).total("payment", period="all") > 0

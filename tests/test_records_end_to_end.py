"""GP records to the money: the shipped QOF 2014/15 business rules (frameworks/qof_2014/
records.yaml) run by the DuckDB record engine on the bundled synthetic records
(data/records_sample, 25,000 patients in 20 practices) give exactly the counts of the independent
pandas implementation of the same rules (tests/reference/qof_records.py), and evaluating the
framework on the record folder carries them through points and payment; a clinical target set with
--set moves the money."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import replace_once, run
from reference import qof_records

import qframe
from qframe.engines.registry import record_engine
from qframe.errors.diagnostics import DataError, ExitCode

ROOT = Path(__file__).resolve().parents[1]
RECORDS = ROOT / "data" / "records_sample"
QOF = ROOT / "frameworks" / "qof_2014"
CORE = ("list_size", "register", "numerator", "denominator", "exceptions")


@pytest.fixture(scope="module")
def qof() -> qframe.Framework:
    return qframe.load(QOF)


@pytest.fixture(scope="module")
def result(qof: qframe.Framework) -> qframe.Result:
    return qof.evaluate(RECORDS)


def test_engine_counts_equal_the_independent_reference(qof: qframe.Framework) -> None:
    program = qof.plan.program.records if qof.plan.program else None
    assert program is not None and len(program.indicators) == 24
    engine = record_engine("duckdb").counts(program, RECORDS)
    tables = {
        name: pd.read_parquet(RECORDS / f"{name}.parquet")
        for name in ("units", "patients", "registrations", "events")
    }
    reference = qof_records.compute(
        tables["units"], tables["patients"], tables["registrations"], tables["events"]
    ).measures
    key = ["unit_id", "measure", "key"]
    ours = engine[engine["measure"].isin(CORE)].set_index(key)["value"].sort_index()
    theirs = reference[reference["measure"].isin(CORE)].set_index(key)["value"].sort_index()
    assert len(ours) == len(theirs) == 20 * (1 + 6 + 3 * 24)
    pd.testing.assert_series_equal(ours, theirs.astype(float), check_names=False)
    # every group has patients on its register and every indicator a denominator
    totals = ours.groupby(level=[1, 2]).sum()
    assert (totals["register"] > 0).all() and (totals["denominator"] > 0).all()


def test_evaluating_on_records_pays_the_computed_indicators(result: qframe.Result) -> None:
    ind = result.indicators
    dm007 = ind[ind["indicator"] == "DM007"]
    assert len(dm007) == 20 and (dm007["status"] == "ok").all()
    assert (dm007["payment"] > 0).all()
    # the 51 indicators without record-level rules are missing input, and said so once
    bp002 = ind[ind["indicator"] == "BP002"]
    assert (bp002["status"] == "missing_input").all()
    warnings = [w for w in result.manifest["warnings"] if w["code"] == "Q433"]
    assert len(warnings) == 1 and "51 indicators" in warnings[0]["message"]


def test_a_clinical_target_flows_through_to_the_money(
    qof: qframe.Framework, result: qframe.Result
) -> None:
    looser = qof.evaluate(RECORDS, params={"hba1c_target": "64 mmol/mol"})
    a = result.indicators.set_index(["unit_id", "indicator"])
    b = looser.indicators.set_index(["unit_id", "indicator"])
    dm007 = pd.IndexSlice[:, "DM007"]
    assert (b.loc[dm007, "numerator"] >= a.loc[dm007, "numerator"]).all()
    assert b.loc[dm007, "numerator"].sum() > a.loc[dm007, "numerator"].sum()
    assert b.loc[dm007, "payment"].sum() > a.loc[dm007, "payment"].sum()
    # nothing outside the diabetes group's HbA1c indicators moves
    others = a.index.get_level_values("indicator").isin(["DM007", "DM008", "DM009"])
    pd.testing.assert_series_equal(a.loc[~others, "numerator"], b.loc[~others, "numerator"])


def test_records_for_a_framework_without_record_rules_is_a_data_error() -> None:
    with pytest.raises(DataError) as info:
        qframe.load(ROOT / "frameworks" / "somerset_pqs").evaluate(RECORDS)
    assert "Q434" in info.value.render() and "records.yaml" in info.value.render()


def test_cli_evaluate_on_records(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(
        capsys, "evaluate", str(QOF), "--data", str(RECORDS), "--out", str(tmp_path / "out")
    )
    assert code == ExitCode.OK, err
    assert "qof_2014 2014-15: 20 units" in out and "total payment 2014-15: £" in out
    assert "warning Q433 51 indicators have no record-level rules" in out + err


def test_a_sweep_of_a_clinical_target_recomputes_the_counts(qof: qframe.Framework) -> None:
    from qframe.tools.scenarios import sweep

    swept = sweep(qof, RECORDS, {"hba1c_target": ["53", "59", "64"]})
    totals = swept.table.set_index("scenario")["total_cost"]
    # a looser target never pays less: the DM007/8/9 numerators only grow
    assert totals["hba1c_target=53"] < totals["hba1c_target=59"] < totals["hba1c_target=64"]
    single = qof.evaluate(RECORDS, params={"hba1c_target": "64 mmol/mol"})
    assert totals["hba1c_target=64"] == pytest.approx(single.total("payment"), abs=0.005)
    assert list(swept.table["hba1c_target"]) == ["53.0", "59.0", "64.0"]


def test_explain_one_patient(capsys: pytest.CaptureFixture[str]) -> None:
    # patient 45: on the DM register, latest HbA1c 56 mmol/mol <= 59: the first rule fires
    code, out, err = run(
        capsys, "explain", str(QOF), "--data", str(RECORDS), "--patient", "45",
        "--indicator", "DM007",
    )  # fmt: skip
    assert code == ExitCode.OK, err
    assert "hba1c.value = 56.0" in out and "register DM: on" in out
    assert "DM007: numerator" in out and "1. select: true  <- fired" in out
    # patient 659: HbA1c 69 misses the target; on maximum tolerated therapy: an exception
    code, out, _ = run(
        capsys, "explain", str(QOF), "--data", str(RECORDS), "--patient", "659",
        "--indicator", "DM007",
    )  # fmt: skip
    assert "hba1c.value = 69.0" in out and "DM007: exception" in out
    assert "2. reject as max_tolerated_therapy: true  <- fired" in out
    # ...and a target of 75 mmol/mol puts the same patient in the numerator
    code, out, _ = run(
        capsys, "explain", str(QOF), "--data", str(RECORDS), "--patient", "659",
        "--indicator", "DM007", "--set", "hba1c_target=75mmol/mol", "--format", "json",
    )  # fmt: skip
    assert code == ExitCode.OK and '"outcome": "numerator"' in out


def test_patient_needs_an_indicator_with_rules(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", str(QOF), "--data", str(RECORDS), "--patient", "45")
    assert code == ExitCode.USAGE and "--patient needs --indicator" in err
    code, _, err = run(
        capsys, "explain", str(QOF), "--data", str(RECORDS), "--patient", "45",
        "--indicator", "BP002",
    )  # fmt: skip
    assert code == ExitCode.DEFINITION_ERROR and "no record-level rules for `BP002`" in err


def test_sql_prints_the_query_that_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "sql", str(QOF), "--indicator", "DM007")
    assert code == ExitCode.OK, err
    assert out.startswith("WITH ") and "'42W5.'" in out and "IFCCHBAM_COD" in out
    code, spark, _ = run(capsys, "sql", str(QOF), "--indicator", "DM007", "--dialect", "spark")
    assert code == ExitCode.OK and "`unit_id`" in spark and "`unit_id`" not in out  # Spark quoting
    code, _, err = run(capsys, "sql", str(ROOT / "frameworks" / "somerset_pqs"))
    assert code == ExitCode.DATA_ERROR and "Q434" in err


def test_publish_suppresses_small_counts_but_pays_from_exact_ones(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, result: qframe.Result
) -> None:
    out = tmp_path / "publish"
    code, _, err = run(
        capsys, "evaluate", str(QOF), "--data", str(RECORDS), "--out", str(out), "--publish"
    )
    assert code == ExitCode.OK, err
    published = pd.read_csv(out / "indicators.csv")
    for column in ("numerator", "denominator", "exceptions"):
        counts = published[column].dropna()
        assert (counts % 5 == 0).all() and not counts.between(1, 7).any()
    exact = result.indicators.set_index(["unit_id", "indicator"])
    shown = published.set_index(["unit_id", "indicator"])
    dm007 = pd.IndexSlice[:, "DM007"]
    # S00001's DM007: 65 of 82 with 6 exceptions, published as 65 of 80 with the 6 suppressed
    # (the achievement shown is the published counts': 65 / 80)
    assert exact.loc[("S00001", "DM007"), ["numerator", "denominator", "exceptions"]].tolist() == [
        65,
        82,
        6,
    ]
    assert shown.loc[("S00001", "DM007"), "numerator"] == 65
    assert shown.loc[("S00001", "DM007"), "denominator"] == 80
    assert pd.isna(shown.loc[("S00001", "DM007"), "exceptions"])
    assert shown.loc[("S00001", "DM007"), "achievement"] == pytest.approx(65 / 80)
    # the money is what the exact counts earn
    assert shown.loc[dm007, "payment"].sum() == pytest.approx(exact.loc[dm007, "payment"].sum())
    manifest = (out / "manifest.json").read_text()
    assert "counts of 1-7 suppressed" in manifest


def test_definition_tests_with_test_patients(tmp_path: Path) -> None:
    from qframe.tools.testing import run_tests

    results = run_tests(QOF)
    patients = [r for r in results if r.name == "DM007 test patients"]
    assert len(patients) == 1 and patients[0].passed and patients[0].compared == 11
    # a wrong expectation fails, placed at its row
    folder = tmp_path / "qof"
    shutil.copytree(QOF, folder)
    case = folder / "tests" / "test_patients.yaml"
    case.write_text(
        replace_once(
            case.read_text(encoding="utf-8"),
            "{patient: 3, indicator: DM007, outcome: exception, reason: unsuitable}",
            "{patient: 3, indicator: DM007, outcome: numerator}",
        ),
        encoding="utf-8",
    )
    failed = next(r for r in run_tests(folder) if r.name == "DM007 test patients")
    assert not failed.passed
    assert [str(m) for m in failed.mismatches] == [
        f"{case}:40:7: patient 3 DM007: expected numerator, got exception"
    ]

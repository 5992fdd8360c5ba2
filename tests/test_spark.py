"""The Spark record engine (issue 12): the shipped QOF record rules give the same tables through
`--engine spark` as through DuckDB, and each way Spark cannot start is one line with its fix and
exit code, nothing written to --out.

The Spark tests share one local session (the `spark` fixture of conftest.py) and skip, saying
why, without PySpark or Java; CI installs both. The larger runs are marked `spark_long`
(`make test-spark`, docs/spark.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import FRAMEWORKS, ROOT, run, spark_missing

from qframe.engines.registry import record_engine
from qframe.engines.spark.engine import SparkRecordEngine
from qframe.errors.diagnostics import ExitCode, QframeError

QOF = str(FRAMEWORKS / "qof_2014")
SAMPLE_RECORDS = ROOT / "data" / "records_sample"


@pytest.fixture(scope="module")
def small_records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic record population (300 patients at 3 practices)."""
    folder = tmp_path_factory.mktemp("records") / "small"
    code = subprocess.run(
        [sys.executable, "-m", "qframe", "synth", "--patients", "300", "--practices", "3",
         "--seed", "7", "--out", str(folder)],
        capture_output=True, text=True, check=False,
    ).returncode  # fmt: skip
    assert code == 0
    return folder


def evaluate_both(capsys: pytest.CaptureFixture[str], records: Path, out: Path) -> None:
    """`qframe evaluate` of the QOF on ``records`` by both engines: identical tables."""
    for engine in ("duckdb", "spark"):
        code, _, err = run(
            capsys, "evaluate", QOF, "--data", str(records), "--out", str(out / engine),
            "--engine", engine, "--quiet",
        )  # fmt: skip
        assert code == 0, err
    for table in ("indicators.csv", "units.csv"):
        duck = pd.read_csv(out / "duckdb" / table, keep_default_na=False)
        spark = pd.read_csv(out / "spark" / table, keep_default_na=False)
        pd.testing.assert_frame_equal(spark, duck)
    indicators = pd.read_csv(out / "spark" / "indicators.csv")
    for column in ("numerator", "denominator", "exceptions", "points", "payment"):
        assert column in indicators.columns
    assert indicators["numerator"].sum() > 0


def test_the_shipped_qof_rules_give_the_same_tables_on_spark(
    spark: object, small_records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evaluate_both(capsys, small_records, tmp_path)


def test_explain_patient_is_the_same_on_spark(
    spark: object, small_records: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = {}
    for engine in ("duckdb", "spark"):
        code, out, err = run(
            capsys, "explain", QOF, "--data", str(small_records), "--patient", "3",
            "--indicator", "DM007", "--engine", engine,
        )  # fmt: skip
        assert code == 0, err
        shown[engine] = out
    assert shown["spark"] == shown["duckdb"]
    assert "DM007" in shown["spark"]


def test_the_engine_is_registered_and_lazy() -> None:
    engine = record_engine("spark", master="local[1]")
    assert isinstance(engine, SparkRecordEngine)
    assert engine.session is None  # nothing started until it runs a query
    assert "FROM" in engine.sql(_program(), "DM007")


def _program() -> object:
    from qframe.api import load

    fw = load(QOF)
    assert fw.plan.program is not None
    return fw.plan.program.records


def test_qframe_runs_without_pyspark(tmp_path: Path) -> None:
    script = (
        "import sys; sys.modules['pyspark'] = None\n"
        "from qframe.cli.main import main\n"
        f"main(['evaluate', {QOF!r}, '--data', {str(SAMPLE_RECORDS)!r}, '--out', "
        f"{str(tmp_path / 'out')!r}, '--quiet'])\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "indicators.csv").is_file()


# ---------------------------------------------------------------- bad input


def assert_one_line_error(err: str, code: str) -> None:
    assert f"error {code}" in err
    assert "Traceback" not in err and "py4j" not in err.lower() and "at org.apache" not in err


def test_no_pyspark_is_one_line_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # `import pyspark` now fails
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "evaluate", QOF, "--data", str(SAMPLE_RECORDS), "--out", str(out),
        "--engine", "spark",
    )  # fmt: skip
    assert code == ExitCode.ENGINE_UNAVAILABLE == 6
    assert_one_line_error(err, "Q435")
    assert "pip install 'qframe[spark]'" in err
    assert not out.exists()


@pytest.mark.skipif(spark_missing() is not None, reason="needs PySpark installed")
def test_no_java_is_one_line_with_the_fix(tmp_path: Path) -> None:
    """Without Java on PATH nor JAVA_HOME (a fresh process, so no JVM is running)."""
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "SPARK_REMOTE")}
    env["PATH"] = str(tmp_path)  # nothing there: no java
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "qframe", "evaluate", QOF, "--data", str(SAMPLE_RECORDS),
         "--out", str(out), "--engine", "spark"],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == ExitCode.ENGINE_UNAVAILABLE, done.stderr
    assert_one_line_error(done.stderr, "Q436")
    assert "openjdk-17-jre-headless" in done.stderr
    assert not out.exists()
    env["JAVA_HOME"] = str(tmp_path / "nojava")
    done = subprocess.run(
        [sys.executable, "-m", "qframe", "explain", QOF, "--data", str(SAMPLE_RECORDS),
         "--patient", "1", "--indicator", "DM007", "--engine", "spark"],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == ExitCode.ENGINE_UNAVAILABLE
    assert "JAVA_HOME is" in done.stderr and "bin/java" in done.stderr


@pytest.mark.skipif(spark_missing() is not None, reason="needs PySpark and Java")
@pytest.mark.parametrize(
    "how", [("--spark-master", "spark://127.0.0.1:9"), ("SPARK_REMOTE", "sc://127.0.0.1:9")]
)
def test_an_unreachable_cluster_is_one_line(
    how: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    option, address = how
    extra = [option, address] if option.startswith("--") else []
    if not extra:
        monkeypatch.setenv(option, address)
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "evaluate", QOF, "--data", str(SAMPLE_RECORDS), "--out", str(out),
        "--engine", "spark", *extra,
    )  # fmt: skip
    assert code == ExitCode.ENGINE_UNAVAILABLE
    # Q437: nothing answers at the address; Q435: no Spark Connect client to try it with
    assert ("error Q437" in err and address in err) or "error Q435" in err
    assert_one_line_error(err, err.split("error ")[1][:4])
    assert not out.exists()


def test_a_cluster_of_another_major_version_is_refused(
    spark: object,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pyspark

    version = str(pyspark.__version__)
    other = f"{int(version.split('.')[0]) - 1}.5.0"
    monkeypatch.setattr(pyspark, "__version__", other)  # the client here is now another major
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "evaluate", QOF, "--data", str(SAMPLE_RECORDS), "--out", str(out),
        "--engine", "spark",
    )  # fmt: skip
    assert code == ExitCode.ENGINE_UNAVAILABLE
    assert_one_line_error(err, "Q438")
    assert f"the cluster runs Spark {version} but PySpark {other}" in err
    assert not out.exists()


def test_a_folder_spark_cannot_read_is_one_line(spark: object, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    for name in ("units", "patients", "registrations", "events"):
        (folder / f"{name}.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(QframeError) as info:
        SparkRecordEngine(session=spark).counts(_program(), folder)  # type: ignore[arg-type]
    assert info.value.exit_code == ExitCode.FILE_ERROR
    assert [d.code for d in info.value.diagnostics] == ["Q439"]
    assert "\n" not in info.value.diagnostics[0].message


def test_spark_master_needs_the_spark_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "evaluate", QOF, "--data", str(SAMPLE_RECORDS), "--out", str(tmp_path / "o"),
        "--spark-master", "local[2]",
    )  # fmt: skip
    assert code == ExitCode.USAGE
    assert "--spark-master needs --engine spark" in err


# ---------------------------------------------------------------- the larger run (make test-spark)


@pytest.mark.spark_long
def test_the_sample_records_give_the_same_tables_on_spark(
    spark: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evaluate_both(capsys, SAMPLE_RECORDS, tmp_path)


@pytest.mark.spark_long
def test_a_larger_synthetic_population_gives_the_same_tables_on_spark(
    spark: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "synth", "--patients", "5000", "--practices", "8", "--seed", "3",
        "--out", str(tmp_path / "records"),
    )  # fmt: skip
    assert code == 0, err
    evaluate_both(capsys, tmp_path / "records", tmp_path / "out")


@pytest.mark.spark_long
def test_a_clinical_target_sweep_is_the_same_on_spark(
    spark: object, small_records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for engine in ("duckdb", "spark"):
        code, _, err = run(
            capsys, "sweep", QOF, "--data", str(small_records), "--sweep", "hba1c_target=53,64,75",
            "--out", str(tmp_path / engine), "--engine", engine, "--quiet",
        )  # fmt: skip
        assert code == 0, err
    for table in ("sweep.csv", "payments.csv"):
        duck = (tmp_path / "duckdb" / table).read_text(encoding="utf-8")
        assert (tmp_path / "spark" / table).read_text(encoding="utf-8") == duck


@pytest.mark.spark_long
def test_compare_on_records_is_the_same_on_spark(
    spark: object, small_records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`compare` of the QOF and a copy with the HbA1c target at 64 mmol/mol: the same tables."""
    import shutil

    changed = tmp_path / "qof_64"
    shutil.copytree(QOF, changed)
    rules = (changed / "records.yaml").read_text(encoding="utf-8")
    (changed / "records.yaml").write_text(
        rules.replace(
            "hba1c_target:\n    value: 59 mmol/mol", "hba1c_target:\n    value: 64 mmol/mol"
        ),
        encoding="utf-8",
    )
    assert (changed / "records.yaml").read_text(encoding="utf-8") != rules
    for engine in ("duckdb", "spark"):
        code, _, err = run(
            capsys, "compare", QOF, str(changed), "--data", str(small_records),
            "--out", str(tmp_path / engine), "--engine", engine, "--quiet",
        )  # fmt: skip
        assert code == 0, err
    for table in ("practices.csv", "frameworks.csv", "winners_losers.csv"):
        duck = (tmp_path / "duckdb" / table).read_text(encoding="utf-8")
        assert (tmp_path / "spark" / table).read_text(encoding="utf-8") == duck


@pytest.mark.spark_long
def test_the_test_patients_pass_on_spark(spark: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test", QOF, "--engine", "spark")
    assert code == 0, out + err
    assert "FAIL" not in out


@pytest.mark.spark_long
def test_per_patient_outcomes_are_written_by_spark_and_progress_is_told(
    spark: object, small_records: Path, tmp_path: Path
) -> None:
    told: list[str] = []
    engine = SparkRecordEngine(session=spark, progress=told.append)
    program = _program()
    path = engine.patient_outcomes(program, small_records, out=tmp_path / "outcomes")  # type: ignore[arg-type]
    assert isinstance(path, Path) and path.is_dir()  # a Parquet folder written by the executors
    written = pd.read_parquet(path)
    duck = record_engine("duckdb").patient_outcomes(program, small_records)  # type: ignore[arg-type]
    assert isinstance(duck, pd.DataFrame)
    keys = ["patient_id", "kind", "item"]

    def plain(frame: pd.DataFrame) -> pd.DataFrame:  # the rule's index as a number (or NaN)
        frame = frame.sort_values(keys).reset_index(drop=True)
        return frame.assign(rule=frame["rule"].astype("float64")).astype(str)

    pd.testing.assert_frame_equal(plain(written), plain(duck))
    assert any(m.startswith("spark stage") for m in told)


@pytest.mark.spark_long
def test_records_partitioned_by_practice_give_the_same_counts(
    spark: object, small_records: Path, tmp_path: Path
) -> None:
    """Folders of Parquet files: patients and registrations partitioned by practice
    (``practice_id=X/``), events split in several files."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    folder = tmp_path / "partitioned"
    folder.mkdir()
    (folder / "units.parquet").write_bytes((small_records / "units.parquet").read_bytes())
    for name in ("patients", "registrations"):
        table = pq.read_table(small_records / f"{name}.parquet")
        ds.write_dataset(
            table, folder / name, format="parquet", partitioning=["practice_id"],
            partitioning_flavor="hive",
        )  # fmt: skip
    events = pq.read_table(small_records / "events.parquet")
    (folder / "events").mkdir()
    half = events.num_rows // 2
    pq.write_table(events.slice(0, half), folder / "events" / "part-0.parquet")
    pq.write_table(events.slice(half), folder / "events" / "part-1.parquet")
    program = _program()
    spark_counts = SparkRecordEngine(session=spark).counts(program, folder)  # type: ignore[arg-type]
    duck = record_engine("duckdb").counts(program, small_records)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(spark_counts, duck)

"""Generative cross-engine test (issue 12, as ehrQL's tests/generative): random small populations
and random rule lists (registers, SELECT/REJECT rules over windows, latest values, counts, ages,
registrations, with a target parameter) give identical counts on DuckDB and on Spark, from the
same generated query. The populations are written as Parquet, the records folder both engines
read.

`make test` runs a few examples (the JVM is shared, each example costs seconds); the marked run
(`make test-spark`, ``-m spark_long``) runs QFRAME_SPARK_EXAMPLES (default 40).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from record_populations import POPULATIONS, generated_program

from qframe.engines.records.engine import DuckDBRecordEngine
from qframe.engines.spark.engine import SparkRecordEngine

LONG_EXAMPLES = int(os.environ.get("QFRAME_SPARK_EXAMPLES", "40"))


SCHEMAS = {
    "units": [("unit_id", pa.string())],
    "patients": [
        ("patient_id", pa.int64()), ("practice_id", pa.string()), ("date_of_birth", pa.date32()),
        ("sex", pa.string()),
    ],
    "registrations": [
        ("patient_id", pa.int64()), ("practice_id", pa.string()), ("start_date", pa.date32()),
        ("end_date", pa.date32()),
    ],
    "events": [
        ("patient_id", pa.int64()), ("system", pa.string()), ("code", pa.string()),
        ("date", pa.date32()), ("value", pa.float64()),
    ],
}  # fmt: skip


def write_records(rows: list[tuple[Any, ...]], folder: Path) -> None:
    """A generated population as a records folder (Parquet tables, typed, even when empty)."""
    tables = {
        "units": [(unit,) for unit in sorted({unit for unit, _, _, _ in rows})],
        "patients": [(i, unit, dob, "female") for i, (unit, dob, _, _) in enumerate(rows, 1)],
        "registrations": [(i, unit, start, None) for i, (unit, _, start, _) in enumerate(rows, 1)],
        "events": [
            (i, "readv2", code, day, value)
            for i, (_, _, _, evs) in enumerate(rows, 1)
            for code, day, value in evs
        ],
    }
    for name, records in tables.items():
        schema = pa.schema(SCHEMAS[name])
        columns = list(zip(*records, strict=True)) if records else [[] for _ in schema]
        table = pa.table(
            [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)], schema=schema
        )
        pq.write_table(table, folder / f"{name}.parquet")


def same_counts(
    spark_session: Any,
    rows: list[tuple[Any, ...]],
    register: list[Any],
    first: list[Any],
    second: list[Any],
    target: int,
) -> None:
    prog = generated_program(register, first, second, target)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_records(rows, folder)
        duck = DuckDBRecordEngine(threads=1).counts(prog, folder)
        spark = SparkRecordEngine(session=spark_session).counts(prog, folder)
    pd.testing.assert_frame_equal(spark, duck)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(**POPULATIONS)
def test_duckdb_and_spark_give_the_same_counts(spark: Any, **drawn: Any) -> None:
    same_counts(spark, **drawn)


@pytest.mark.spark_long
@settings(max_examples=LONG_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(**POPULATIONS)
def test_duckdb_and_spark_give_the_same_counts_long(spark: Any, **drawn: Any) -> None:
    same_counts(spark, **drawn)

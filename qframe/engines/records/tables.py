"""A record folder as DuckDB views (``units``, ``patients``, ``registrations``, ``events``), each
read by DuckDB straight from its Parquet or CSV file(s) with its columns cast to their types.

The folder layout is docs/records.md's: ``<table>.parquet``, ``<table>.csv`` or a folder
``<table>/`` of Parquet files (possibly partitioned by practice). This reads only; the checks of
bad records are the loader's (:mod:`qframe.data.records`), which gives the same views.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from qframe.data.records.folder import table_source
from qframe.errors.diagnostics import DataError, error

COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "units": (("unit_id", "VARCHAR"),),
    "patients": (
        ("patient_id", "BIGINT"), ("practice_id", "VARCHAR"), ("date_of_birth", "DATE"),
        ("sex", "VARCHAR"), ("date_of_death", "DATE"),
    ),
    "registrations": (
        ("patient_id", "BIGINT"), ("practice_id", "VARCHAR"), ("start_date", "DATE"),
        ("end_date", "DATE"),
    ),
    "events": (
        ("patient_id", "BIGINT"), ("system", "VARCHAR"), ("code", "VARCHAR"), ("date", "DATE"),
        ("value", "DOUBLE"), ("unit", "VARCHAR"),
    ),
}  # fmt: skip
OPTIONAL = {("patients", "date_of_death"), ("events", "value"), ("events", "unit")}


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def source(folder: Path, name: str) -> str | None:
    """The DuckDB reader of one table of the folder, or None when the folder lacks it (the files
    found as the loader finds them: :func:`qframe.data.records.load.table_source`)."""
    found = table_source(folder, name)
    if found is None:
        return None
    path, fmt = found
    if fmt == "csv":
        return f"read_csv({quote(path)}, header = true)"
    partitioned = ", hive_partitioning = true" if "**" in path else ""
    return f"read_parquet({quote(path)}{partitioned})"


def attach_folder(connection: duckdb.DuckDBPyConnection, folder: str | Path) -> None:
    """Create the four typed views over the folder's files (a located error for what it lacks)."""
    root = Path(folder)
    problems = []
    for name, columns in COLUMNS.items():
        reader = source(root, name)
        if reader is None:
            problems.append(
                error(
                    "Q432",
                    f"{root} has no {name} table",
                    None,
                    f"give {name}.parquet or {name}.csv",
                )
            )
            continue
        present = set(connection.sql(f"SELECT * FROM {reader} LIMIT 0").columns)
        parts = []
        for column, sql_type in columns:
            if column in present:
                parts.append(f'CAST("{column}" AS {sql_type}) AS "{column}"')
            elif (name, column) in OPTIONAL:
                parts.append(f'CAST(NULL AS {sql_type}) AS "{column}"')
            else:
                problems.append(
                    error("Q432", f"the {name} table of {root} lacks column {column}", None, "")
                )
        extra = [f'"{c}"' for c in sorted(present) if c not in dict(columns)]
        select = ", ".join(parts + extra)
        connection.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {select} FROM {reader}")
    if problems:
        raise DataError(problems)

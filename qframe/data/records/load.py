"""Reading a record folder into DuckDB (in-process) and checking it: :func:`load_records`.

Each table becomes a typed DuckDB view over its Parquet or CSV file(s): nothing goes through
pandas row by row, and DuckDB streams the files (spilling to disk rather than running out of
memory). The checks of :mod:`qframe.data.records.checks` run on the views; errors stop the load
(:class:`~qframe.errors.diagnostics.DataError`, exit code 3), warnings travel with the records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from qframe.data.files import check_regular_file, ragged_rows
from qframe.data.records import checks
from qframe.data.records.folder import table_source
from qframe.data.records.model import TABLE_ORDER, TABLES, Table
from qframe.errors.diagnostics import DataError, Diagnostic, ExitCode, FileProblem, error, warning


@dataclass(frozen=True)
class RecordSet:
    """A loaded record dataset: a DuckDB connection holding one typed view per table."""

    folder: Path
    connection: duckdb.DuckDBPyConnection = field(repr=False)
    sources: dict[str, str]
    manifest: dict[str, Any]
    warnings: tuple[Diagnostic, ...] = ()

    def frame(self, table: str) -> pd.DataFrame:
        """A table as a pandas DataFrame (for small data, tests and the reference computation)."""
        return self.connection.sql(f"SELECT * FROM {table}").df()

    def count(self, table: str) -> int:
        return int(self.connection.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _raw_view(
    connection: duckdb.DuckDBPyConnection, name: str, source: str, fmt: str
) -> Diagnostic | None:
    """Create ``raw_<name>`` over the file as it is (CSV cells as text); a problem if unreadable."""
    partitioned = "**" in source
    if fmt == "parquet":
        reader = f"read_parquet({_quote(source)}, hive_partitioning={str(partitioned).lower()})"
    else:
        reader = (
            f"read_csv({_quote(source)}, header=true, all_varchar=true, "
            f"hive_partitioning={str(partitioned).lower()})"
        )
    try:
        connection.execute(f"CREATE VIEW raw_{name} AS SELECT * FROM {reader}")
        connection.execute(f"SELECT * FROM raw_{name} LIMIT 0").fetchall()
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        return error("R002", f"cannot read the {name} table: {first_line}", None, "")
    return None


def _typed_view(
    connection: duckdb.DuckDBPyConnection, table: Table, present: dict[str, str]
) -> None:
    """Create the view ``<table>`` with each declared column cast to its type (columns the table
    does not have and need not have are NULL; empty text is NULL) and every further column kept
    as it is."""
    declared = {c.name for c in table.columns}
    parts = [
        f"TRY_CAST({checks.cell(c.name, present[c.name])} AS {c.sql_type}) AS {c.name}"
        if c.name in present
        else f"CAST(NULL AS {c.sql_type}) AS {c.name}"
        for c in table.columns
    ]
    parts += [f'"{c}"' for c in present if c not in declared]
    connection.execute(
        f"CREATE VIEW {table.name} AS SELECT {', '.join(parts)} FROM raw_{table.name}"
    )


def read_manifest(folder: Path) -> tuple[dict[str, Any], list[Diagnostic]]:
    path = folder / "manifest.json"
    check_regular_file(path, "R002")
    if not path.is_file():
        return {}, [
            warning(
                "R003",
                f"{folder} has no manifest.json",
                None,
                "say what the data is (synthetic or not) and how it was made (docs/records.md)",
            )
        ]
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return {}, [error("R002", f"cannot read {path}: {exc}", None, "write it as JSON")]
    if not isinstance(manifest, dict):
        return {}, [error("R002", f"{path} is not a JSON object", None, "")]
    return manifest, []


def load_records(folder: str | Path, memory_limit: str | None = None) -> RecordSet:
    """Read and check a record folder; raise :class:`DataError` (exit code 3) listing every error,
    return the :class:`RecordSet` (with its warnings) otherwise."""
    root = Path(folder)
    if not root.is_dir():
        raise FileProblem(
            [error("R001", f"no such record folder: {root}", None, "see docs/records.md")],
            ExitCode.FILE_ERROR,
        )
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    if memory_limit:
        connection.execute(f"SET memory_limit = {_quote(memory_limit)}")
    problems: list[Diagnostic] = []
    sources: dict[str, str] = {}
    for name in TABLE_ORDER:
        found = table_source(root, name)
        if found is None:
            problems.append(
                error(
                    "R001",
                    f"{root} has no {name} table",
                    None,
                    f"give {name}.parquet or {name}.csv (or a folder {name}/ of Parquet files)",
                )
            )
            continue
        sources[name] = found[0]
        if found[1] == "csv":  # DuckDB would pad a short row, or guess another header
            files = [Path(found[0])] if "**" not in found[0] else (root / name).rglob("*.csv")
            ragged = [d for f in sorted(files) for d in ragged_rows(f)]
            if ragged:
                problems += ragged
                continue
        problem = _raw_view(connection, name, *found)
        if problem is not None:
            problems.append(problem)
    manifest, manifest_problems = read_manifest(root)
    problems += manifest_problems
    if any(p.is_error for p in problems):
        raise DataError(problems)
    present: dict[str, dict[str, str]] = {}
    for name in TABLE_ORDER:
        described = connection.execute(f"DESCRIBE raw_{name}").fetchall()
        present[name] = {str(row[0]): str(row[1]) for row in described}
        problems += checks.missing_columns(TABLES[name], list(present[name]), sources[name])
    if any(p.is_error for p in problems):
        raise DataError(problems)
    for name in TABLE_ORDER:
        problems += checks.column_types(connection, TABLES[name], present[name], sources[name])
        _typed_view(connection, TABLES[name], present[name])
    if not any(p.is_error for p in problems):
        problems += checks.relations(connection, sources)
    if any(p.is_error for p in problems):
        raise DataError(problems)
    return RecordSet(root, connection, sources, manifest, tuple(problems))

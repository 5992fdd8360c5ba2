"""A record folder as Spark temporary views (``units``, ``patients``, ``registrations``,
``events``), each read by Spark itself — on the executors, never through pandas or DuckDB — from
its Parquet file, a folder of Parquet files (partitioned by practice: ``practice_id=X/``
sub-folders, read as text), or CSV; its columns cast to the types the DuckDB engine gives them
(:data:`qframe.engines.records.tables.COLUMNS`), so both engines run the same query on the same
values.

On a cluster the folder must be at the same path for the executors (a shared file system); a
folder Spark cannot read is error Q439 (exit code 4), one line, no JVM trace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qframe.data.records.folder import table_source
from qframe.engines.records.tables import COLUMNS, OPTIONAL
from qframe.engines.spark.session import first_line
from qframe.errors.diagnostics import DataError, ExitCode, QframeError, error

SPARK_TYPES = {"VARCHAR": "STRING", "BIGINT": "BIGINT", "DATE": "DATE", "DOUBLE": "DOUBLE"}


def table_files(folder: Path, name: str) -> tuple[str, str] | None:
    """Where a table's data is and its format, found as the loader finds it
    (:func:`qframe.data.records.load.table_source`); Spark reads a folder of files as one table.

    >>> table_files(Path("/nonexistent"), "events") is None
    True
    """
    found = table_source(folder, name)
    if found is None:
        return None
    path, fmt = found
    return str((folder / name if "**" in path else Path(path)).resolve()), fmt


def unreadable(folder: Path, name: str, why: str) -> QframeError:
    return QframeError(
        [
            error(
                "Q439",
                f"Spark cannot read the {name} table of {folder}: {why}",
                None,
                "give Parquet or CSV files Spark can read (docs/records.md); on a cluster the "
                "folder must be at the same path for every executor",
            )
        ],
        ExitCode.FILE_ERROR,
    )


def read_table(session: Any, folder: Path, name: str) -> Any:
    """The table ``name`` of ``folder`` as a typed Spark DataFrame (lazy: a schema read only)."""
    found = table_files(folder, name)
    if found is None:
        raise DataError(
            [
                error(
                    "Q432",
                    f"{folder} has no {name} table",
                    None,
                    f"give {name}.parquet or {name}.csv",
                )
            ]
        )
    path, fmt = found
    reader = session.read
    if fmt == "csv":
        reader = reader.option("header", "true")
        if Path(path).is_dir():
            reader = reader.option("pathGlobFilter", "*.csv")
    elif Path(path).is_dir():
        reader = reader.option("pathGlobFilter", "*.parquet")
    try:
        frame = reader.format(fmt).load(path)
        present = set(frame.columns)
    except Exception as exc:  # AnalysisException, a Py4J error: the JVM's words, first line
        raise unreadable(folder, name, first_line(exc)) from None
    parts, problems = [], []
    declared = dict(COLUMNS[name])
    for column, sql_type in COLUMNS[name]:
        spark_type = SPARK_TYPES[sql_type]
        if column in present:
            parts.append(f"CAST(`{column}` AS {spark_type}) AS `{column}`")
        elif (name, column) in OPTIONAL:
            parts.append(f"CAST(NULL AS {spark_type}) AS `{column}`")
        else:
            problems.append(error("Q432", f"the {name} table of {folder} lacks column {column}"))
    if problems:
        raise DataError(problems)
    parts += [f"`{c}`" for c in sorted(present) if c not in declared]
    return frame.selectExpr(*parts)


def attach_folder(session: Any, folder: str | Path) -> None:
    """Register the four typed views of the folder in the session (replacing earlier ones)."""
    root = Path(folder)
    for name in COLUMNS:
        read_table(session, root, name).createOrReplaceTempView(name)

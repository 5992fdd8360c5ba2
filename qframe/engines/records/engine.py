"""The DuckDB record engine: the record query run in-process by DuckDB.

DuckDB reads the records straight from their Parquet or CSV files (nothing goes through pandas
row by row) and is configured to spill to disk rather than run out of memory: ``memory_limit``
(default 60% of RAM, DuckDB's own default is 80%) and a ``temp_directory``. Only the practice ×
measure counts (or, when asked for, the per-patient outcomes) come back. The protocol's steps
are :class:`~qframe.engines.records.runner.SqlRecordEngine`'s, shared with the Spark engine.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from sqlglot import exp

from qframe.engines.records.query import render
from qframe.engines.records.runner import SqlRecordEngine
from qframe.engines.records.tables import attach_folder, quote

DIALECT = "duckdb"


class DuckDBRecordEngine(SqlRecordEngine):
    """Implements :class:`qframe.engines.records.base.RecordEngine` on DuckDB in-process.

    ``records`` arguments are a records folder, or a DuckDB connection that already holds the
    views ``patients``, ``registrations`` and ``events`` (the loader's, after its checks), or
    the loaded records holding that connection."""

    name = "duckdb"
    dialect = DIALECT

    def __init__(
        self,
        memory_limit: str | None = None,
        temp_directory: str | Path | None = None,
        threads: int | None = None,
    ) -> None:
        self.memory_limit = memory_limit
        self.temp_directory = str(temp_directory or Path(tempfile.gettempdir()) / "qframe-duckdb")
        self.threads = threads

    def connect(self, records: Any) -> duckdb.DuckDBPyConnection:
        """A configured connection with the records' views (the loader's connection when
        ``records`` is a loaded :class:`~qframe.data.records.load.RecordSet`)."""
        records = getattr(records, "connection", records)
        if isinstance(records, duckdb.DuckDBPyConnection):
            connection = records
        else:
            connection = duckdb.connect()
            attach_folder(connection, records)
        Path(self.temp_directory).mkdir(parents=True, exist_ok=True)
        connection.execute(f"SET temp_directory = {quote(self.temp_directory)}")
        connection.execute("SET preserve_insertion_order = false")
        if self.memory_limit:
            connection.execute(f"SET memory_limit = {quote(self.memory_limit)}")
        if self.threads:
            connection.execute(f"SET threads = {int(self.threads)}")
        return connection

    # ---------------------------------------------------------------- the hooks

    def open(self, records: Any) -> duckdb.DuckDBPyConnection:
        return self.connect(records)

    def fetch(self, handle: duckdb.DuckDBPyConnection, query: exp.Expr) -> pd.DataFrame:
        return handle.sql(render(query, DIALECT)).df()

    def hold(self, handle: duckdb.DuckDBPyConnection, name: str, query: exp.Expr) -> None:
        handle.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {render(query, DIALECT)}")

    def release(self, handle: duckdb.DuckDBPyConnection, name: str) -> None:
        handle.execute(f"DROP TABLE IF EXISTS {name}")

    def write_parquet(self, handle: duckdb.DuckDBPyConnection, query: exp.Expr, path: Path) -> None:
        handle.execute(f"COPY ({render(query, DIALECT)}) TO {quote(str(path))} (FORMAT parquet)")

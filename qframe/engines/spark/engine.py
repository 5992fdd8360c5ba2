"""The Spark record engine: the same generated query as DuckDB's, rendered as Spark SQL by
sqlglot and run by a SparkSession (local, a cluster, or Spark Connect: :mod:`.session`).

Spark reads the records itself (:mod:`.tables`). Spark SQL does not materialise a WITH clause,
so each stage of the query (each CTE) becomes a temporary view, and a stage read by more than
one later stage is persisted (cached on the executors) rather than recomputed per reader: the
final tally reads the per-patient decisions once per indicator. Only the practice × measure
counts come back to the driver (a few thousand rows), or one patient's row for explain; the
per-patient outcomes are collected only when a caller asks for them as a table (test patients),
and otherwise written as Parquet by the executors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlglot import exp

from qframe.engines.records.query import render
from qframe.engines.records.runner import SqlRecordEngine
from qframe.engines.spark.session import first_line, spark_session, unavailable
from qframe.engines.spark.tables import attach_folder, unreadable
from qframe.errors.diagnostics import DefinitionError, ExitCode, QframeError

DIALECT = "spark"
POLL = 0.5  # seconds between two looks at Spark's stage progress
Progress = Callable[[str], None]


@dataclass
class SparkRecords:
    """A session with a record folder's views, and the tables held for later queries."""

    session: Any
    folder: Path
    held: dict[str, Any] = field(default_factory=dict)


class SparkRecordEngine(SqlRecordEngine):
    """Implements :class:`qframe.engines.records.base.RecordEngine` on Spark.

    ``master``: a Spark master URL (default ``local[*]``) or a Spark Connect ``sc://`` address;
    ``SPARK_REMOTE`` is honoured. ``progress`` is told what Spark is doing (``stage 3: 12/40
    tasks``) while it works. ``records`` arguments are a records folder, or anything with a
    ``folder`` attribute (the loader's :class:`~qframe.data.records.load.RecordSet`)."""

    name = "spark"
    dialect = DIALECT

    def __init__(
        self, master: str | None = None, progress: Progress | None = None, session: Any = None
    ) -> None:
        self.master = master
        self.progress = progress
        self.session = session

    # ---------------------------------------------------------------- the hooks

    def open(self, records: Any) -> SparkRecords:
        if isinstance(records, SparkRecords):
            return records
        folder = getattr(records, "folder", records)
        if not isinstance(folder, (str, Path)):
            raise DefinitionError.single(
                "Q432",
                f"the Spark engine reads a records folder, not a {type(records).__name__}",
                None,
                "give the folder's path (docs/records.md)",
            )
        folder = Path(folder)
        if self.session is None:
            self.session = spark_session(self.master)
        with self.failures(folder):
            attach_folder(self.session, folder)
        return SparkRecords(self.session, folder)

    def fetch(self, handle: SparkRecords, query: exp.Expr) -> pd.DataFrame:
        frame, staged = self.frame(handle, query)
        with self.failures(handle.folder), self.watching(handle.session):
            rows = frame.collect()
        release_all(staged)
        return pandas_frame(frame.schema, frame.columns, rows)

    def hold(self, handle: SparkRecords, name: str, query: exp.Expr) -> None:
        frame, staged = self.frame(handle, query)
        with self.failures(handle.folder):
            frame = self.keep(frame, handle.session)  # computed now: its stages can go
        release_all(staged)
        frame.createOrReplaceTempView(name)
        handle.held[name] = frame

    def release(self, handle: SparkRecords, name: str) -> None:
        frame = handle.held.pop(name, None)
        if frame is not None:
            frame.unpersist()
        handle.session.catalog.dropTempView(name)

    def write_parquet(self, handle: SparkRecords, query: exp.Expr, path: Path) -> None:
        frame, staged = self.frame(handle, query)
        with self.failures(handle.folder), self.watching(handle.session):
            frame.write.mode("overwrite").parquet(str(path))
        release_all(staged)

    # ---------------------------------------------------------------- running a query

    def frame(self, handle: SparkRecords, query: exp.Expr) -> tuple[Any, list[Any]]:
        """The query as a Spark DataFrame, each of its CTEs a temporary view (persisted when
        read more than once); the persisted ones are returned to be released after use."""
        with_clause = query.args.get("with_")
        ctes = list(with_clause.expressions) if with_clause is not None else []
        final = query.copy()
        final.set("with_", None)
        staged = []
        with self.failures(handle.folder):
            for i, cte in enumerate(ctes):
                readers = [c.this for c in ctes[i + 1 :]] + [final]
                reads = sum(
                    1 for r in readers for t in r.find_all(exp.Table) if t.name == cte.alias
                )
                stage = handle.session.sql(render(cte.this, DIALECT))
                if reads > 1:
                    stage = self.keep(stage, handle.session)
                    staged.append(stage)
                stage.createOrReplaceTempView(cte.alias)
            return handle.session.sql(render(final, DIALECT)), staged

    def keep(self, stage: Any, session: Any) -> Any:
        """A stage read by several later ones, computed once and kept on the executors, its
        lineage cut (``localCheckpoint``): the later stages' plans then read it as a table, and
        Spark's planner does not re-analyse the whole query above it for every reader."""
        with self.watching(session):
            try:
                return stage.localCheckpoint(eager=True)
            except (AttributeError, NotImplementedError):  # an older Spark Connect client
                kept = stage.persist()
                kept.count()
                return kept

    @contextmanager
    def failures(self, folder: Path) -> Iterator[None]:
        """Spark's exceptions as one-line qframe errors (never a JVM trace)."""
        try:
            yield
        except QframeError:
            raise
        except Exception as exc:
            raise spark_error(exc, folder) from None

    @contextmanager
    def watching(self, session: Any) -> Iterator[None]:
        """While Spark works, tell :attr:`progress` its active stages' task counts (from the
        status tracker, every :data:`POLL` seconds; nothing on Spark Connect, which has none)."""
        context = getattr(session, "sparkContext", None) if self.progress else None
        try:
            tracker = context.statusTracker() if context is not None else None
        except Exception:  # Spark Connect: no SparkContext
            tracker = None
        if tracker is None or self.progress is None:
            yield
            return
        done = threading.Event()
        report = self.progress

        def poll() -> None:
            while not done.wait(POLL):
                shown = []
                for stage_id in tracker.getActiveStageIds():
                    info = tracker.getStageInfo(stage_id)
                    if info is not None:
                        shown.append(
                            f"stage {stage_id}: {info.numCompletedTasks}/{info.numTasks} tasks"
                        )
                if shown:
                    report("spark " + ", ".join(shown[:3]))

        watcher = threading.Thread(target=poll, name="qframe-spark-progress", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join()


def release_all(stages: list[Any]) -> None:
    """Free the kept stages of a query once it has run."""
    for stage in stages:
        stage.unpersist()


def spark_error(exc: Exception, folder: Path) -> QframeError:
    """The qframe error for an exception Spark raised while reading or computing."""
    text = str(exc)
    line = first_line(exc)
    lowered = text.lower()
    if any(
        mark in text
        for mark in ("PATH_NOT_FOUND", "FAILED_READ_FILE", "CANNOT_READ", "UNABLE_TO_INFER_SCHEMA")
    ) or ("parquet" in lowered and ("not a parquet" in lowered or "corrupt" in lowered)):
        return unreadable(folder, "records", line)
    if "InvalidClassException" in text or "incompatible" in lowered:
        return unavailable(
            "Q438",
            f"the cluster's Spark does not match the PySpark installed here: {line}",
            "install the PySpark of the cluster's version (pip install 'pyspark==X.Y.*')",
        )
    if "Connection refused" in text or "UNAVAILABLE" in text or "Py4JNetworkError" in text:
        return unavailable(
            "Q437", f"lost the connection to Spark: {line}", "check that the cluster is running"
        )
    return QframeError(
        [
            unavailable(
                "Q440",
                f"Spark failed while computing the counts: {line}",
                "run again with --debug for Spark's full message; --engine duckdb computes the "
                "same counts on this machine",
            ).diagnostics[0]
        ],
        ExitCode.ENGINE_UNAVAILABLE,
    )


def pandas_frame(schema: Any, columns: list[str], rows: list[Any]) -> pd.DataFrame:
    """Collected rows as the frame DuckDB's ``.df()`` would give: whole numbers as int64 (float64
    where some are missing), dates as datetime64. Built by hand, not with ``toPandas()``: only a
    few rows come back, and PySpark's pandas conversion is not yet made for pandas 3."""
    frame = pd.DataFrame.from_records([tuple(row) for row in rows], columns=columns)
    for spec in schema.fields:
        kind = spec.dataType.typeName()
        values = frame[spec.name]
        if kind in ("integer", "long", "short", "byte"):
            frame[spec.name] = values.astype("float64" if values.isna().any() else "int64")
        elif kind in ("double", "float", "decimal"):
            frame[spec.name] = values.astype("float64")
        elif kind == "date":
            frame[spec.name] = pd.to_datetime(values)
    return frame

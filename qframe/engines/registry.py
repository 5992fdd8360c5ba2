"""The engines qframe has, by name: ``engine("numpy")`` (the default) is the dense-grid engine.

A new engine implements :class:`qframe.engines.base.Engine` in its own package under
``qframe/engines/`` and is listed in :data:`ENGINES`. Record engines (GP records to practice
measures: ``record_engine("duckdb")``, ``record_engine("spark")``) implement
:class:`qframe.engines.records.base.RecordEngine` and are listed in :data:`RECORD_ENGINES`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qframe.engines.base import Engine
from qframe.engines.numpy.engine import NumpyEngine
from qframe.engines.records.base import RecordEngine
from qframe.errors.diagnostics import DefinitionError, did_you_mean

DEFAULT = "numpy"
ENGINES: dict[str, Callable[[], Engine]] = {"numpy": NumpyEngine}
_MADE: dict[str, Engine] = {}
RECORD_DEFAULT = "duckdb"


def duckdb_engine(**options: Any) -> RecordEngine:
    """The DuckDB record engine (imported when first made: DuckDB and sqlglot are not needed
    to evaluate practice-level data)."""
    from qframe.engines.records.engine import DuckDBRecordEngine

    return DuckDBRecordEngine(**options)


def spark_engine(**options: Any) -> RecordEngine:
    """The Spark record engine (PySpark itself is imported only when it first runs a query:
    qframe needs no PySpark)."""
    from qframe.engines.spark.engine import SparkRecordEngine

    return SparkRecordEngine(**options)


RECORD_ENGINES: dict[str, Callable[..., RecordEngine]] = {
    "duckdb": duckdb_engine,
    "spark": spark_engine,
}


def engine(name: str = DEFAULT) -> Engine:
    """The engine called ``name`` (one instance per name, so its caches are shared)."""
    if name not in ENGINES:
        raise DefinitionError.single(
            "Q408",
            f"no engine called `{name}`",
            None,
            did_you_mean(name, ENGINES) or f"engines: {', '.join(sorted(ENGINES))}",
        )
    if name not in _MADE:
        _MADE[name] = ENGINES[name]()
    return _MADE[name]


def record_engine(name: str = RECORD_DEFAULT, **options: Any) -> RecordEngine:
    """The record engine called ``name`` (``duckdb``: in-process, the default; ``spark``), a new
    instance each time, made with ``options`` (its own settings: DuckDB's ``memory_limit``,
    Spark's ``master`` and ``progress``)."""
    if name not in RECORD_ENGINES:
        raise DefinitionError.single(
            "Q408",
            f"no record engine called `{name}`",
            None,
            did_you_mean(name, RECORD_ENGINES) or f"engines: {', '.join(sorted(RECORD_ENGINES))}",
        )
    return RECORD_ENGINES[name](**options)

"""The engines qframe has, by name: ``engine("numpy")`` (the default) is the dense-grid engine.

A new engine implements :class:`qframe.engines.base.Engine` in its own package under
``qframe/engines/`` and is listed in :data:`ENGINES`. Record engines (GP records to practice
measures: ``record_engine("duckdb")``, Spark next) implement
:class:`qframe.engines.records.base.RecordEngine` and are listed in :data:`RECORD_ENGINES`.
"""

from __future__ import annotations

from collections.abc import Callable

from qframe.engines.base import Engine
from qframe.engines.numpy.engine import NumpyEngine
from qframe.engines.records.base import RecordEngine
from qframe.engines.records.engine import DuckDBRecordEngine
from qframe.errors.diagnostics import DefinitionError, did_you_mean

DEFAULT = "numpy"
ENGINES: dict[str, Callable[[], Engine]] = {"numpy": NumpyEngine}
_MADE: dict[str, Engine] = {}
RECORD_DEFAULT = "duckdb"
RECORD_ENGINES: dict[str, Callable[[], RecordEngine]] = {"duckdb": DuckDBRecordEngine}


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


def record_engine(name: str = RECORD_DEFAULT) -> RecordEngine:
    """The record engine called ``name`` (``duckdb``: in-process, the default), a new instance
    each time (it holds its own settings: memory limit, spill folder)."""
    if name not in RECORD_ENGINES:
        raise DefinitionError.single(
            "Q408",
            f"no record engine called `{name}`",
            None,
            did_you_mean(name, RECORD_ENGINES) or f"engines: {', '.join(sorted(RECORD_ENGINES))}",
        )
    return RECORD_ENGINES[name]()

"""The engines qframe has, by name: ``engine("numpy")`` (the default) is the dense-grid engine.

A new engine (e.g. a record-level one lowering plans to SQL for DuckDB or Spark) implements
:class:`qframe.engines.base.Engine` in its own package under ``qframe/engines/`` and is listed
in :data:`ENGINES`.
"""

from __future__ import annotations

from collections.abc import Callable

from qframe.engines.base import Engine
from qframe.engines.numpy.engine import NumpyEngine
from qframe.errors.diagnostics import DefinitionError, did_you_mean

DEFAULT = "numpy"
ENGINES: dict[str, Callable[[], Engine]] = {"numpy": NumpyEngine}
_MADE: dict[str, Engine] = {}


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

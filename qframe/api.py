"""The Python API, for notebooks and scripts; the CLI uses exactly these objects.

>>> import qframe
>>> fw = qframe.load("frameworks/qof_2014")              # doctest: +SKIP
>>> result = fw.evaluate("data/sample")                 # doctest: +SKIP
>>> result.to_frame().head()                            # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import numpy as np

import qframe
from qframe.check.compiler import Plan, compile_framework
from qframe.check.overrides import Resolved, resolve
from qframe.engines.base import Engine
from qframe.errors.diagnostics import DataError, DefinitionError, Diagnostic, QframeError, error
from qframe.ir import kinds as t
from qframe.model import definition as m
from qframe.model.build import read_definition

if TYPE_CHECKING:  # data, engines and results are imported when a framework is evaluated
    import pandas as pd

    from qframe.data.dataset import Dataset
    from qframe.results.tidy import Result

DataLike = Union["Dataset", str, Path, Mapping[str, "pd.DataFrame"]]


@dataclass(frozen=True)
class Framework:
    """A validated, compiled framework, ready to evaluate on any dataset."""

    definition: m.FrameworkDef
    plan: Plan

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def version(self) -> str:
        return self.definition.version

    @property
    def title(self) -> str:
        return self.definition.title

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.plan.diagnostics if not d.is_error]

    @property
    def indicators(self) -> tuple[str, ...]:
        return self.plan.indicator_ids

    def parameters(self) -> dict[str, Any]:
        """Each parameter's value (a number, £ as a number of pounds, or text)."""
        return {name: c.const for name, c in self.plan.params.items()}

    def evaluate(
        self,
        data: DataLike,
        *,
        params: Mapping[str, Any] | None = None,
        periods: Sequence[str] | None = None,
        engine: str | Engine = "numpy",
    ) -> Result:
        """Evaluate on a dataset (a :class:`Dataset`, a dataset folder, or
        ``{"units": DataFrame, "measures": DataFrame}``).

        ``params`` overrides parameters or indicator fields, checked like the definition:
        ``{"point_value": "£180", "DM007.thresholds": "40% .. 80%"}`` (plain numbers are accepted
        too: ``{"point_value": 180.0}``). ``periods`` limits the results to those periods (earlier
        ones are still read for lags and baselines). ``engine`` names the engine that evaluates
        (see :mod:`qframe.engines.registry`), or is one."""
        from qframe.engines.registry import engine as engine_named
        from qframe.results.tidy import tidy

        runner = engine_named(engine) if isinstance(engine, str) else engine
        ds = as_dataset(data)
        resolved = resolve(self.plan, params or {})
        plan = resolved.apply(self.plan)
        values = self.parameter_values(resolved)
        layout = runner.layout(ds, self.definition.frequency)
        for period in periods or ():
            layout.period_index(period)  # a located error for a period the data lacks
        ev = runner.evaluate(plan, layout, values)
        manifest = self._manifest(ds, values)
        del ds  # a dataset read from a path is freed before the tables are built
        if params:
            manifest["overrides"] = {
                k: str(v[0] if isinstance(v, tuple) else v) for k, v in params.items()
            }
        return tidy(plan, ev, manifest, periods)

    def parameter_values(self, overrides: Resolved | Mapping[str, Any]) -> dict[str, Any]:
        """Each parameter's value for an evaluation: a scalar, or an array over the indicators
        where some indicator sets its own."""
        resolved = overrides if isinstance(overrides, Resolved) else resolve(self.plan, overrides)
        values: dict[str, Any] = {}
        n = len(self.plan.indicator_ids)
        for name, c in self.plan.params.items():
            value = resolved.params.get(name, c.const)
            per_ind = {i: oc.const for i, oc in self.plan.param_overrides.get(name, {}).items()}
            per_ind.update({i: v for (p, i), v in resolved.per_indicator.items() if p == name})
            if per_ind:
                arr = np.full(n, value, dtype=object if isinstance(value, str) else np.float64)
                for i, v in per_ind.items():
                    arr[i] = v
                value = arr
            values[name] = value
        return values

    def _manifest(self, ds: Dataset, values: dict[str, Any]) -> dict[str, Any]:
        fw = self.definition
        params = {}
        for name, value in values.items():
            kind = self.plan.param_types[name].kind
            params[name] = _param_text(value, kind)
        return {
            "qframe_version": qframe.__version__,
            "framework": {
                "id": fw.id,
                "version": fw.version,
                "title": fw.title,
                "definition": fw.path,
                "sha256": hashlib.sha256(fw.source.text.encode("utf-8")).hexdigest(),
            },
            "data": {
                "source": ds.source,
                "sha256": ds.digest(),
                "units": len(ds.units),
                "measure_rows": len(ds.measures),
            },
            "parameters": params,
            "frequency": fw.frequency,
            "money_rounding": fw.rounding,
            "warnings": [d.to_dict() for d in (*self.warnings, *ds.warnings)],
        }


def _param_text(value: Any, kind: t.Kind) -> Any:
    if isinstance(value, np.ndarray):
        return [_param_text(v, kind) for v in value.tolist()]
    if kind is t.Kind.MONEY:
        return f"£{value:g}"
    if kind is t.Kind.BOOL:
        return bool(value)
    return value


def as_dataset(data: DataLike) -> Dataset:
    from qframe.data.dataset import Dataset, frames_from_mapping
    from qframe.data.load import load_dataset

    if isinstance(data, Dataset):
        return data
    if isinstance(data, (str, Path)):
        return load_dataset(data)
    if isinstance(data, Mapping):
        return frames_from_mapping(data)
    raise DataError(
        [
            error(
                "D000",
                f"cannot use {type(data).__name__} as data",
                None,
                "pass a dataset folder path, a Dataset, or {'units': ..., 'measures': ...}",
            )
        ]
    )


def check(path: str | Path) -> tuple[m.FrameworkDef | None, Plan | None, list[Diagnostic]]:
    """Load and compile a definition, returning every diagnostic (nothing is raised for problems
    in the definition itself)."""
    definition, diags = read_definition(path)
    if definition is None:
        return None, None, diags
    # Syntax errors in expressions still let the compiler find the other problems.
    plan = compile_framework(definition)
    return definition, plan, [*diags, *plan.diagnostics]


def load(path: str | Path) -> Framework:
    """Load, validate and compile a framework definition (a folder or its framework.yaml).

    Raises :class:`~qframe.errors.diagnostics.DefinitionError` listing every error found."""
    definition, plan, diags = check(path)
    if definition is None or plan is None or any(d.is_error for d in diags):
        raise DefinitionError(diags)
    return Framework(definition, plan)


def validate(path: str | Path) -> list[Diagnostic]:
    """Every error and warning in a definition."""
    try:
        return check(path)[2]
    except QframeError as exc:
        return exc.diagnostics

"""The Python API, for notebooks and scripts; the CLI uses exactly these objects.

>>> import qframe
>>> fw = qframe.load("frameworks/qof_2014")              # doctest: +SKIP
>>> result = fw.evaluate("data/sample")                 # doctest: +SKIP
>>> result.to_frame().head()                            # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import qframe
from qframe.check.compiler import check_framework
from qframe.errors.diagnostics import DataError, DefinitionError, Diagnostic, QframeError, error
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.model import definition as m
from qframe.model.build import read_definition
from qframe.model.periods import normalise_period

if TYPE_CHECKING:  # numpy, the engines, data and results are imported when they are used:
    # `qframe validate` (:func:`problems`) reads and checks a definition without any of them
    import pandas as pd

    from qframe.check.overrides import Resolved
    from qframe.data.dataset import Dataset
    from qframe.engines.base import Engine
    from qframe.engines.numpy.plan import Plan
    from qframe.engines.records.base import RecordEngine
    from qframe.results.tidy import Result

DataLike = Union["Dataset", str, Path, Mapping[str, "pd.DataFrame"]]


@dataclass(frozen=True, repr=False)
class Framework:
    """A validated, compiled framework, ready to evaluate on any dataset."""

    definition: m.FrameworkDef
    plan: Plan

    def __repr__(self) -> str:
        """Short (a notebook shows it): the id, version, size and where it was read from."""
        return (
            f"Framework(id={self.id!r}, version={self.version!r}, "
            f"indicators={len(self.plan.indicator_ids)}, path={str(self.definition.path)!r})"
        )

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
        record_engine: str | RecordEngine = "duckdb",
    ) -> Result:
        """Evaluate on a dataset (a :class:`Dataset`, a dataset folder, or
        ``{"units": DataFrame, "measures": DataFrame}``).

        ``params`` overrides parameters or indicator fields, checked like the definition:
        ``{"point_value": "£180", "DM007.thresholds": "40% .. 80%"}`` (plain numbers are accepted
        too: ``{"point_value": 180.0}``). ``periods`` limits the results to those periods (earlier
        ones are still read for lags and baselines). ``engine`` names the engine that evaluates
        (see :mod:`qframe.engines.registry`), or is one; ``record_engine`` the one that counts
        GP records given as ``data`` (``duckdb``, ``spark``: docs/spark.md), or is one."""
        from concurrent.futures import ThreadPoolExecutor

        from qframe.check.overrides import resolve
        from qframe.engines.registry import engine as engine_named
        from qframe.results.apportioned import at_level as level_result
        from qframe.results.tidy import tidy

        runner = engine_named(engine) if isinstance(engine, str) else engine
        periods = [normalise_period(p) for p in periods] if periods else periods  # 2014/15 too
        resolved = resolve(self.plan, params or {})
        ds = self.dataset(data, resolved.records, record_engine)
        plan = resolved.apply(self.plan)
        values = self.parameter_values(resolved)
        # the checks of stray keys (D307, D309) only read the data: they run on another thread
        # (numpy's work on arrays runs outside Python's lock) while the engine evaluates
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="qframe-checks") as pool:
            stray = pool.submit(self._stray_keys, ds)
            layout = runner.layout(ds, self.definition.frequency)
            for period in periods or ():
                layout.period_index(period)  # a located error for a period the data lacks
            ev = runner.evaluate(plan, layout, values)
            found = stray.result()
        manifest = self._manifest(ds, values, found)
        if params:
            manifest["overrides"] = {
                k: str(v[0] if isinstance(v, tuple) else v) for k, v in params.items()
            }
        return level_result(tidy(plan, ev, manifest, periods), ds, self.definition)

    def rollup(self, result: Result, by: str) -> pd.DataFrame:
        """``result`` added up by a unit attribute (``ccg``, ``locality``, ``cluster``,
        ``region``…) per period: additive totals only (money, sums and counts; never a rate).
        A level framework with apportionment rolls up its practices' shares when its level units
        do not carry ``by``."""
        import numpy as np

        from qframe.results.rollup import additive_totals, rollup
        from qframe.scoring.outcome import round_money

        kinds = {name: lowered.type.kind for name, lowered in self.plan.totals.items()}
        totals = additive_totals(self.definition, kinds)
        table = result.units
        if by not in table.columns and result.apportioned is not None:
            table = result.apportioned
        out = rollup(table, by, totals)
        for name in totals:
            if kinds.get(name) is t.Kind.MONEY:
                out[name] = round_money(out[name].to_numpy(dtype=np.float64))
        return out

    def dataset(
        self,
        data: DataLike,
        records: Mapping[str, Any] | None = None,
        record_engine: str | RecordEngine = "duckdb",
    ) -> Dataset:
        """The data this framework evaluates on: at its level (``level: pcn``: one unit per PCN,
        each input brought there by its ``across:`` rule), or as given for a practice framework.
        A folder of GP records is first counted by the framework's business rules
        (``records``: record-level parameters set, e.g. ``{"hba1c_target": ...}``) on the
        record engine ``record_engine``."""
        from qframe.data.levels import at_level
        from qframe.data.records.folder import is_record_folder

        if isinstance(data, (str, Path)) and is_record_folder(data):
            from qframe.engines.records.from_records import records_dataset

            program = self.plan.program.records if self.plan.program else None
            data = records_dataset(self.definition, program, data, records, record_engine)
        elif records:
            raise DataError.single(
                "Q441",
                f"record-level parameter{'s' if len(records) > 1 else ''} "
                f"{', '.join(f'`{name}`' for name in sorted(records))} set, but the data are "
                "practice-level counts, which they cannot change",
                None,
                "give a folder of GP records (patients, registrations, events) as --data to "
                "recount the indicators under the changed rule, or leave the parameter unset",
            )
        return at_level(as_dataset(data), self.definition)

    def parameter_values(self, overrides: Resolved | Mapping[str, Any]) -> dict[str, Any]:
        """Each parameter's value for an evaluation: a scalar, or an array over the indicators
        where some indicator sets its own."""
        import numpy as np

        from qframe.check.overrides import Resolved, resolve

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

    def _manifest(
        self, ds: Dataset, values: dict[str, Any], stray: list[Diagnostic]
    ) -> dict[str, Any]:
        """What the run used, and the warnings found (``stray``: :meth:`_stray_keys`)."""
        import hashlib

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
            **({"level": _level_manifest(fw, ds)} if fw.level != "practice" else {}),
            "frequency": fw.frequency,
            "money_rounding": fw.rounding,
            "warnings": [d.to_dict() for d in (*self.warnings, *ds.warnings, *stray)],
        }

    def _stray_keys(self, ds: Dataset) -> list[Diagnostic]:
        """D307: data rows keyed by a near miss of one of this framework's indicators or groups;
        D309: exceptions and denominator above the group's register (once per dataset and
        framework)."""
        from qframe.data import plausibility
        from qframe.data.dataset import MEASURE_ROWS

        fw = self.definition
        keyed = {i.data_name: i.key for i in fw.inputs.values() if i.key in ("indicator", "group")}
        groups = {ind.group for ind in fw.indicators.values()}
        cache_key = ("stray keys", tuple(sorted(keyed.items())), self.plan.indicator_ids)
        if cache_key not in ds.cache:
            group_of = {iid: ind.group for iid, ind in fw.indicators.items()}
            if MEASURE_ROWS not in ds.cache:  # shared by every framework evaluated on ds
                ds.cache[MEASURE_ROWS] = plausibility.MeasureRows(ds.measures)
            rows = ds.cache[MEASURE_ROWS]
            ds.cache[cache_key] = [
                *plausibility.unknown_keys(
                    ds.measures, keyed, self.plan.indicator_ids, groups, ds.source, rows
                ),
                *plausibility.excepted_beyond_register(ds.measures, group_of, ds.source, rows),
            ]
        found: list[Diagnostic] = ds.cache[cache_key]
        return found


def _level_manifest(fw: m.FrameworkDef, ds: Dataset) -> dict[str, Any]:
    practices = ds.practices
    return {
        "level": fw.level,
        "units": len(ds.units),
        "practices": int(ds.units["member_count"].sum()),
        "practices_in_data": len(practices.units) if practices is not None else None,
        "across": {inp.name: inp.across for inp in fw.inputs.values()},
        "apportion": {"by": fw.apportion.by, "totals": list(fw.apportion.totals)}
        if fw.apportion is not None
        else None,
    }


def _param_text(value: Any, kind: t.Kind) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        return [_param_text(v, kind) for v in value.tolist()]
    if kind is t.Kind.MONEY:
        return f"£{value:g}"
    if kind is t.Kind.BOOL:
        return bool(value)
    return value


def as_dataset(data: DataLike) -> Dataset:
    """The dataset ``data`` names: a Dataset as it is, a folder read, or DataFrames."""
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


def fold_constant(node: ir.Node) -> tuple[bool, Any]:
    """The checker's constant folding by the numpy engine (for bit-identical values), imported
    the first time a constant needs it: ranges of literals, which most definitions hold, are
    folded by the checker itself (:mod:`qframe.check.folding`)."""
    from qframe.engines.numpy.lower import fold_constant as numpy_fold

    return numpy_fold(node)


def check(path: str | Path) -> tuple[m.FrameworkDef | None, Plan | None, list[Diagnostic]]:
    """Load and compile a definition, returning every diagnostic (nothing is raised for problems
    in the definition itself)."""
    from qframe.engines.numpy.lower import lower

    definition, diags = read_definition(path)
    if definition is None:
        return None, None, diags
    # Syntax errors in expressions still let the compiler find the other problems.
    plan = lower(check_framework(definition, fold_constant))
    return definition, plan, [*diags, *plan.diagnostics]


def problems(path: str | Path) -> list[Diagnostic]:
    """Every error and warning in a definition, as :func:`check` finds them, without compiling
    it for an engine (what `qframe validate` reports: numpy is not imported). Raises
    :class:`~qframe.errors.diagnostics.FileProblem` when a file cannot be read."""
    definition, diags = read_definition(path)
    if definition is None:
        return diags
    return [*diags, *check_framework(definition, fold_constant).diagnostics]


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
        return problems(path)
    except QframeError as exc:
        return exc.diagnostics

"""Sweeps: a grid of parameter values evaluated in one vectorised pass per chunk of grid points.

The data is laid out and the definition compiled once; swept parameters become arrays along the
engine's scenario axis, and only what depends on them is recomputed per scenario (a change of
point value recomputes payments, not achievement).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qframe.api import DataLike, Framework
from qframe.check.overrides import record_types, resolve
from qframe.engines.base import DataLayout, Engine, ScenarioAxis, ScenarioTotals
from qframe.engines.records.base import RecordEngine
from qframe.engines.registry import engine as engine_named
from qframe.errors.diagnostics import DataError, DefinitionError, did_you_mean, error
from qframe.ir import kinds as t
from qframe.scoring.outcome import round_money
from qframe.tools.scenarios.grid import SHIFT, Point, grid_points
from qframe.tools.scenarios.periods import CostedPeriod, costed_period
from qframe.tools.stats import gini_rows

#: What one chunk of a sweep aims to hold, when no chunk size is given: its grid of scenarios ×
#: units × periods × indicators at 8 bytes a value. A few megabytes keep each pass over the grid
#: in the processor's cache and let the allocator reuse the arrays rather than map them afresh;
#: national QOF (7,779 practices × 81 indicators, 5 MB a scenario) goes a scenario at a time
#: (docs/performance.md, "Scenarios").
CHUNK_BYTES = 4 * 2**20
#: The most scenarios in one chunk (small data: the per-chunk work in Python is then negligible).
MOST_PER_CHUNK = 256
#: Scenarios summarised at once (the percentiles, the Gini: a call per row costs more than its
#: numbers), whatever the chunks.
SUMMARISED_TOGETHER = 64


@dataclass(frozen=True)
class SweepResult:
    table: pd.DataFrame  # one row per scenario
    payments: pd.DataFrame  # units × scenarios
    period: str  # what the totals cover: a year (a quarterly framework's summed) or a quarter
    total: str
    periods: tuple[str, ...] = ()  # the periods summed (the year's quarters)

    @property
    def described_period(self) -> str:
        """The period named for a summary line: ``2015-16 (the sum of its quarters …)``."""
        return CostedPeriod(self.period, (), self.periods or (self.period,)).described

    @property
    def swept(self) -> list[str]:
        """The swept parameters: the table's columns between ``scenario`` and the summaries, and
        the thresholds shift when one is swept."""
        columns = list(self.table.columns)
        named = [c for c in columns[: columns.index("total_cost")] if c != "scenario"]
        return named + ([SHIFT] if SHIFT in columns and SHIFT not in named else [])

    def payments_long(self) -> pd.DataFrame:
        """Each practice's payment at each grid point as a long (tidy) table, like every other
        table qframe writes: ``unit_id, scenario, <swept parameters…>, payment``, in grid order
        then unit order."""
        frame = self.payments.reset_index().melt(  # column by column: grid order, then units
            id_vars="unit_id", var_name="scenario", value_name="payment"
        )
        settings = self.table[["scenario", *self.swept]]
        if SHIFT in settings.columns:  # no shift is a shift of 0
            settings = settings.assign(**{SHIFT: settings[SHIFT].fillna(0.0)})
        merged = frame.merge(settings, on="scenario", how="left", validate="many_to_one")
        return merged[["unit_id", "scenario", *self.swept, "payment"]].reset_index(drop=True)


def sweep(
    fw: Framework,
    data: DataLike,
    axes: Mapping[str, Sequence[Any]] | None = None,
    *,
    points: Sequence[Point] | None = None,
    period: str | None = None,
    total: str = "payment",
    chunk: int | None = None,
    engine: str | Engine = "numpy",
    progress: Callable[[str, int], None] | None = None,
    record_engine: str | RecordEngine = "duckdb",
) -> SweepResult:
    """Evaluate every point of a grid, vectorised along the scenario axis (in chunks), through
    the engine's :meth:`~qframe.engines.base.Engine.sweep`, over one costed period (a year; a
    quarterly framework's year is the sum of its quarters: :mod:`~qframe.tools.scenarios.periods`).
    ``progress(message, steps)`` is called after each chunk with the number of grid points it
    evaluated (e.g. :meth:`qframe.results.progress.Progress.advance`). GP records as ``data``
    are counted by ``record_engine`` (``duckdb``, ``spark``, or an engine with its settings).
    ``chunk``: grid points per pass (default: as many as fit :data:`CHUNK_BYTES`)."""
    if points is None:
        points = grid_points(axes or {})
    points = [_money_as_pounds(fw, pt) for pt in points]
    if total not in fw.plan.totals:
        raise DefinitionError.single(
            "Q403",
            f"{fw.id} has no total `{total}`",
            None,
            did_you_mean(total, fw.plan.totals) or "",
        )
    runner = engine_named(engine) if isinstance(engine, str) else engine
    levels = [lv.id for lv in fw.definition.levels]
    shared = fw.parameter_values({})
    rows: dict[int, dict[str, Any]] = {}
    columns: dict[int, np.ndarray] = {}
    flagged: dict[int, np.ndarray] = {}  # each unit's escalation level, per point (if levels)
    # points that set a record-level parameter (a clinical target in records.yaml) need the
    # counts recomputed from the records: one layout per distinct record-level setting, the rest
    # of each group swept along the scenario axis as usual
    groups = _by_record_values(fw, points)
    datasets = _datasets(fw, data, list(groups), record_engine)
    for dataset, members in zip(datasets, groups.values(), strict=True):
        layout = runner.layout(dataset, fw.definition.frequency)
        costed = costed_period(layout, fw.definition.frequency, period)
        list_size = _list_size(layout, costed)
        size = chunk or chunk_size(layout, len(fw.plan.indicator_ids))
        pending: list[int] = []  # evaluated, not summarised yet (summaries go many at a time)
        for start in range(0, len(members), size):
            indices = members[start : start + size]
            part = [_without_records(fw, points[i]) for i in indices]
            axis = _scenario_axis(fw, shared, part)
            swept = runner.sweep(fw.plan, layout, shared, axis, total=total, period=costed.indices)
            refuse_non_finite(swept, [points[i] for i in indices], layout, costed, total)
            for k, i in enumerate(indices):
                columns[i] = swept.totals[k]
                if swept.levels is not None:
                    flagged[i] = swept.levels[k]
            pending += indices
            last = start + size >= len(members)
            if len(pending) >= SUMMARISED_TOGETHER or last:
                summaries = _summaries(
                    [_without_records(fw, points[i]) for i in pending],
                    np.vstack([columns[i] for i in pending]),
                    list_size,
                    np.vstack([flagged[i] for i in pending]) if pending[0] in flagged else None,
                    levels,
                )
                for i, summary in zip(pending, summaries, strict=True):
                    row = {"scenario": points[i].label}
                    row.update({n: str(v) for n, v in points[i].overrides.items()})
                    row.update({n: v for n, v in summary.items() if n != "scenario"})
                    rows[i] = row
                pending = []
            if progress is not None:
                progress(f"{len(columns)} of {len(points)} scenarios", len(indices))
    order = range(len(points))
    payments = pd.DataFrame(
        np.vstack([columns[i] for i in order]).T,
        index=pd.Index(layout.unit_ids, name="unit_id"),
        columns=[pt.label for pt in points],
    )
    table = pd.DataFrame([rows[i] for i in order])
    return SweepResult(table, payments, costed.label, total, costed.periods)


def chunk_size(layout: DataLayout, indicators: int) -> int:
    """Grid points per pass of a sweep: as many as fit :data:`CHUNK_BYTES`, at least one.

    >>> from types import SimpleNamespace as Layout
    >>> chunk_size(Layout(unit_ids=range(7779), periods=["2014-15"]), 81)  # national: 5 MB each
    1
    >>> chunk_size(Layout(unit_ids=range(1000), periods=["2014-15"]), 81)
    6
    """
    per_scenario = 8 * max(1, len(layout.unit_ids) * len(layout.periods) * indicators)
    return max(1, min(MOST_PER_CHUNK, CHUNK_BYTES // per_scenario))


def refuse_non_finite(
    swept: ScenarioTotals,
    points: Sequence[Point],
    layout: DataLayout,
    costed: CostedPeriod,
    total: str,
) -> None:
    """D095 naming the first scenario whose total is infinite (or not a number because of an
    overflow) for some unit: nothing non-finite is ever paid, in any scenario."""
    bad = swept.non_finite if swept.non_finite is not None else np.isinf(swept.totals)
    what = swept.non_finite_what or f"total `{total}`"
    if not bad.any():
        return
    scenario, unit = (int(i[0]) for i in np.nonzero(bad))
    point = points[scenario]
    others = int(bad[scenario].sum()) - 1
    more = f" (and {others} other unit{'s' * (others > 1)})" if others > 0 else ""
    scenarios = int(bad.any(axis=1).sum())
    also = f"; {scenarios - 1} other scenario(s) of the chunk too" if scenarios > 1 else ""
    settings = ", ".join(f"{k} = {v}" for k, v in point.overrides.items())
    if point.shift:
        settings = ", ".join(filter(None, [settings, f"{SHIFT} = {point.shift}"]))
    raise DataError(
        [
            error(
                "D095",
                f"in scenario `{point.label}` ({settings or 'the framework as it stands'}), "
                f"{what} is infinite, or not a number after an overflow, at unit {layout.unit_ids[unit]}{more} in {costed.described}"
                f"{also}",
                None,
                "an amount this large cannot be paid: narrow the values swept, calibrated or "
                "sampled (the bracket or the `range:`) to ones that give a finite payment",
            )
        ]
    )


def _by_record_values(fw: Framework, points: Sequence[Point]) -> dict[tuple[Any, ...], list[int]]:
    """The points' indices grouped by the record-level parameters they set (in first-seen order;
    one group, keyed (), when none does)."""
    clinical = record_types(fw.plan)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, pt in enumerate(points):
        key = tuple(sorted((k, v) for k, v in pt.overrides.items() if k in clinical))
        groups.setdefault(key, []).append(i)
    return groups


def _datasets(
    fw: Framework,
    data: DataLike,
    settings: Sequence[tuple[Any, ...]],
    record_engine: str | RecordEngine = "duckdb",
) -> list[Any]:
    """The dataset for each setting of record-level parameters. On a record folder the records
    are read once and the settings counted together (the record engine's one-scan sweep:
    :func:`~qframe.engines.records.from_records.records_datasets`); otherwise one dataset."""
    from qframe.data.levels import at_level
    from qframe.data.records.folder import is_record_folder

    if len(settings) > 1 and isinstance(data, (str, Path)) and is_record_folder(data):
        from qframe.engines.records.from_records import records_datasets

        program = fw.plan.program.records if fw.plan.program else None
        values = [resolve(fw.plan, dict(key)).records if key else {} for key in settings]
        found = records_datasets(fw.definition, program, data, values, record_engine)
        return [at_level(dataset, fw.definition) for dataset in found]
    return [
        fw.dataset(data, resolve(fw.plan, dict(key)).records if key else None, record_engine)
        for key in settings
    ]


def _without_records(fw: Framework, point: Point) -> Point:
    """The point without its record-level parameters (they are in the counts already)."""
    clinical = record_types(fw.plan)
    if not any(k in clinical for k in point.overrides):
        return point
    kept = {k: v for k, v in point.overrides.items() if k not in clinical}
    return replace(point, overrides=kept)


def _list_size(layout: DataLayout, costed: CostedPeriod) -> np.ndarray:
    """Each unit's list size over the costed period (the mean of a year's quarters)."""
    sizes = [layout.measure_at("list_size", "", i) for i in costed.indices]
    known = [s for s in sizes if s is not None]
    if not known:
        return np.full(len(layout.unit_ids), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a unit with no list size
        return np.asarray(np.nanmean(np.vstack(known), axis=0), dtype=np.float64)


def _money_as_pounds(fw: Framework, point: Point) -> Point:
    """In a sweep, a plain number for a money parameter means pounds (point_value=150..200), and
    for a clinical value its unit (hba1c_target=53..75 step 1 is in mmol/mol)."""
    changed = {}
    clinical = record_types(fw.plan)
    for key, value in point.overrides.items():
        ptype = fw.plan.param_types.get(key)
        if ptype is None and key in clinical and clinical[key].unit:
            ptype = t.MONEY  # read the number as it is: a value in the parameter's unit
        if ptype is not None and ptype.kind is t.Kind.MONEY and isinstance(value, str):
            try:
                changed[key] = float(value)
            except ValueError:
                continue
    return replace(point, overrides={**point.overrides, **changed}) if changed else point


def _scenario_axis(fw: Framework, shared: dict[str, Any], points: Sequence[Point]) -> ScenarioAxis:
    """What varies over a chunk of grid points: swept parameters (one value per point) and
    indicator fields (one row per point)."""
    plan = fw.plan
    s = len(points)
    resolved = [resolve(plan, pt.overrides) for pt in points]
    params: dict[str, np.ndarray] = {}
    for name, value in shared.items():
        swept = [r.params.get(name) for r in resolved]
        if all(v is None for v in swept):
            continue
        if isinstance(value, np.ndarray):
            raise DefinitionError.single(
                "Q404",
                f"`{name}` is set per indicator in this framework and cannot be swept",
                None,
                "sweep a framework-wide parameter, or an indicator's thresholds",
            )
        params[name] = np.array([value if v is None else v for v in swept], dtype=np.float64)
    if any(r.per_indicator for r in resolved):
        raise DefinitionError.single(
            "Q404",
            "per-indicator parameters cannot be swept",
            None,
            "sweep thresholds or max points, or a framework-wide parameter",
        )
    numbers: dict[str, np.ndarray] = {}
    touched = {fld for r in resolved for (fld, _i) in r.numbers} | (
        {"lower", "upper"} if any(pt.shift for pt in points) else set()
    )
    for fld in touched:
        arr = np.repeat(plan.indicator_numbers[fld][None, :], s, axis=0)
        for k, (r, pt) in enumerate(zip(resolved, points, strict=True)):
            for (f, i), v in r.numbers.items():
                if f == fld:
                    arr[k, i] = v
            if fld in ("lower", "upper") and pt.shift:
                arr[k] = arr[k] + pt.shift
        numbers[fld] = arr
    return ScenarioAxis(s, params, numbers)


def nan_percentiles(matrix: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """``np.nanpercentile(matrix, q, axis=1)``, the same numbers, in one vectorised call when
    every row is missing the same columns (a sweep's scenarios: a practice unpaid in one is
    unpaid in all; numpy otherwise takes the rows one by one).

    >>> nan_percentiles(np.array([[1.0, np.nan, 3.0], [4.0, np.nan, 8.0]]), [50]).tolist()
    [[2.0, 6.0]]
    """
    missing = np.isnan(matrix)
    if matrix.ndim != 2 or matrix.shape[0] < 2 or not (missing == missing[:1]).all():
        return np.asarray(np.nanpercentile(matrix, q, axis=1))
    kept = matrix[:, ~missing[0]]  # the rows' values, in their order, without the missing ones
    if kept.shape[1] == 0:
        return np.full((len(q), matrix.shape[0]), np.nan)
    return np.asarray(np.percentile(kept, q, axis=1))


def _summaries(
    points: Sequence[Point],
    pay: np.ndarray,
    list_size: np.ndarray,
    level: np.ndarray | None,
    levels: list[str],
) -> list[dict[str, Any]]:
    """One summary row per scenario of a batch of them, computed for the batch at once."""
    per_patient = pay / np.where(list_size > 0, list_size, np.nan)[None, :]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a scenario where no practice is paid
        mean = np.nanmean(per_patient, axis=1)
        p10, median, p90 = nan_percentiles(per_patient, [10, 50, 90])
    totals = round_money(np.nansum(pay, axis=1))
    paid = np.sum(~np.isnan(pay), axis=1)
    ginis = gini_rows(per_patient)
    rows = []
    for k, point in enumerate(points):
        row: dict[str, Any] = {
            "scenario": point.label,
            **{n: str(v) for n, v in point.overrides.items()},
        }
        if point.shift:
            row[SHIFT] = point.shift
        row.update(
            total_cost=float(totals[k]),
            practices_paid=int(paid[k]),
            mean_per_patient=float(mean[k]),
            median_per_patient=float(median[k]),
            gini_per_patient=float(ginis[k]),
            p10_per_patient=float(p10[k]),
            p90_per_patient=float(p90[k]),
        )
        if level is not None:
            for i, lv in enumerate(levels):
                row[f"flagged_{lv}"] = int(np.sum(level[k] == i))
            row["flagged_any"] = int(np.sum(level[k] >= 0))
        rows.append(row)
    return rows


def total_cost(
    fw: Framework, data: DataLike, *, period: str | None = None, total: str = "payment"
) -> float:
    """The total cost of the framework as it stands (one scenario)."""
    return float(
        sweep(fw, data, points=[Point("baseline", {})], period=period, total=total)
        .table["total_cost"]
        .iloc[0]
    )

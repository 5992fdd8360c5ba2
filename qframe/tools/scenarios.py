"""Scenario modelling for commissioners: sweeps, calibration, uncertainty and scenario files.

A **sweep** evaluates a grid of parameter values in one vectorised pass per chunk of grid points:
the data is laid out and the definition compiled once, swept parameters become arrays along the
grid's *scenario* axis, and only what depends on them is recomputed per scenario (a change of
point value recomputes payments, not achievement). :func:`sweep` returns one row per grid point
(total cost, payment per patient, dispersion, flagged practices) and the per-practice payments.

**Calibration** solves for one parameter so that total spend meets a target (a £ amount, or the
cost of a baseline framework: budget neutral), with scipy's Brent method on the same engine.
**Uncertainty** samples every modelled assumption that states a `range:` (seeded Monte Carlo) and
reports intervals on the total and on each practice's payment. **Scenario files** name variants
of a framework (parameter changes, thresholds moved, indicators dropped, a budget-neutral point
value) and evaluate them all on the same data.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from qframe.api import DataLike, Framework, as_dataset, load
from qframe.check.overrides import resolve
from qframe.cli.options import data_option, out_option
from qframe.data.dataset import Dataset
from qframe.engines.numpy.engine import Ctx, DataArrays, prepare
from qframe.engines.numpy.lower import compile_framework
from qframe.engines.numpy.vectors import quiet_warnings as vec_quiet
from qframe.errors.diagnostics import (
    DataError,
    DefinitionError,
    Location,
    SourceFile,
    did_you_mean,
    error,
    output_folder,
)
from qframe.ir import kinds as t
from qframe.scoring.rules import round_money

SHIFT = "thresholds_shift"  # sweepable: percentage points added to every indicator's thresholds


# ---------------------------------------------------------------- grids


def parse_sweep(spec: str) -> tuple[str, list[Any]]:
    """`NAME=LO..HI step STEP` or `NAME=V1,V2,...` → (name, values as written).

    >>> parse_sweep("point_value=150..160 step 5")
    ('point_value', ['150', '155', '160'])
    >>> parse_sweep("DM007.thresholds=35%..75%,40%..80%")
    ('DM007.thresholds', ['35%..75%', '40%..80%'])
    """
    src = SourceFile("--sweep", spec)
    if "=" not in spec:
        raise DefinitionError.single(
            "Q402",
            "a sweep is written NAME=LO..HI step STEP or NAME=V1,V2",
            Location(src, 0, len(spec)),
            "e.g. --sweep point_value=150..200 step 5",
        )
    name, text = (part.strip() for part in spec.split("=", 1))
    stepped = re.fullmatch(
        r"(£?)(-?[\d.]+)(%?)\s*\.\.\s*£?(-?[\d.]+)%?\s+step\s+£?([\d.]+)%?", text
    )
    if stepped:
        money, lo, pct, hi, step = stepped.groups()
        lo_f, hi_f, step_f = float(lo), float(hi), float(step)
        if step_f <= 0 or hi_f < lo_f:
            raise DefinitionError.single(
                "Q402",
                "the sweep's range is empty or its step is not positive",
                Location(src, len(name) + 1, len(text)),
                "write LO..HI step STEP with LO ≤ HI and STEP > 0",
            )
        count = int(np.floor((hi_f - lo_f) / step_f + 1e-9)) + 1
        grid = [lo_f + k * step_f for k in range(count)]
        return name, [f"{money}{_num(v)}{pct}" for v in grid]
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise DefinitionError.single(
            "Q402",
            f"the sweep of `{name}` lists no values",
            Location(src, len(spec), 1),
            "e.g. point_value=150..200 step 5, or point_value=150,180",
        )
    if name == SHIFT:
        for v in values:
            if _shift(v) is None:
                at = spec.index(v, len(name) + 1)
                raise DefinitionError.single(
                    "Q402",
                    f"`{v}` is not a shift of thresholds",
                    Location(src, at, len(v)),
                    "write percentage points, e.g. thresholds_shift=0%..10% step 1%",
                )
    return name, values


def _shift(text: Any) -> float | None:
    """A threshold shift written `5%` (percentage points) or `0.05`; None if it is neither."""
    raw = str(text).strip()
    try:
        return float(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
    except ValueError:
        return None


def _num(v: float) -> str:
    return f"{round(v, 10):g}"


@dataclass(frozen=True)
class Point:
    """One scenario of a grid: its overrides as written, and its threshold shift."""

    label: str
    overrides: dict[str, Any]
    shift: float = 0.0


def grid_points(axes: Mapping[str, Sequence[Any]]) -> list[Point]:
    names = list(axes)
    points = []
    for combo in itertools.product(*(axes[n] for n in names)):
        over: dict[str, Any] = {}
        shift = 0.0
        for name, value in zip(names, combo, strict=True):
            if name == SHIFT:
                shift = _shift(value) or 0.0
            else:
                over[name] = value
        label = ", ".join(f"{n}={v}" for n, v in zip(names, combo, strict=True))
        points.append(Point(label, over, shift))
    return points


# ---------------------------------------------------------------- vectorised evaluation


@dataclass(frozen=True)
class SweepResult:
    table: pd.DataFrame  # one row per scenario
    payments: pd.DataFrame  # units × scenarios
    period: str
    total: str


def sweep(
    fw: Framework,
    data: DataLike,
    axes: Mapping[str, Sequence[Any]] | None = None,
    *,
    points: Sequence[Point] | None = None,
    period: str | None = None,
    total: str = "payment",
    chunk: int = 20,
) -> SweepResult:
    """Evaluate every point of a grid, vectorised along the scenario axis (in chunks)."""
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
    ds = as_dataset(data)
    arrays = prepare(ds, fw.definition.frequency)
    p = _period_index(arrays, period)
    list_size = _list_size(arrays, p)
    levels = [lv.id for lv in fw.definition.levels]
    rows, columns = [], []
    for start in range(0, len(points), chunk):
        part = points[start : start + chunk]
        pay, flags = _evaluate_chunk(fw, arrays, part, p, total)
        rows += _summaries(part, pay, list_size, flags, levels)
        columns.append(pay)
    payments = pd.DataFrame(
        np.vstack(columns).T,
        index=pd.Index(arrays.unit_ids, name="unit_id"),
        columns=[pt.label for pt in points],
    )
    return SweepResult(pd.DataFrame(rows), payments, arrays.periods[p], total)


def _money_as_pounds(fw: Framework, point: Point) -> Point:
    """In a sweep, a plain number for a money parameter means pounds (point_value=150..200)."""
    changed = {}
    for key, value in point.overrides.items():
        ptype = fw.plan.param_types.get(key)
        if ptype is not None and ptype.kind is t.Kind.MONEY and isinstance(value, str):
            try:
                changed[key] = float(value)
            except ValueError:
                continue
    return replace(point, overrides={**point.overrides, **changed}) if changed else point


def _period_index(arrays: DataArrays, period: str | None) -> int:
    return arrays.period_index(period)


def _list_size(arrays: DataArrays, p: int) -> np.ndarray:
    col = arrays.columns.get(("list_size", ""))
    if col is None:
        return np.full(len(arrays.unit_ids), np.nan)
    return np.asarray(arrays.values[:, p, col], dtype=np.float64)


def _evaluate_chunk(
    fw: Framework, arrays: DataArrays, points: Sequence[Point], p: int, total: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Payments (scenarios × units) and escalation levels for one chunk of grid points."""
    plan = fw.plan
    s = len(points)
    resolved = [resolve(plan, pt.overrides) for pt in points]
    base = fw._param_values({})
    params: dict[str, Any] = {}
    for name, value in base.items():
        swept = [r.params.get(name) for r in resolved]
        if all(v is None for v in swept):
            params[name] = value
            continue
        if isinstance(value, np.ndarray):
            raise DefinitionError.single(
                "Q404",
                f"`{name}` is set per indicator in this framework and cannot be swept",
                None,
                "sweep a framework-wide parameter, or an indicator's thresholds",
            )
        params[name] = np.array(
            [value if v is None else v for v in swept], dtype=np.float64
        ).reshape(s, 1, 1, 1)
    if any(r.per_indicator for r in resolved):
        raise DefinitionError.single(
            "Q404",
            "per-indicator parameters cannot be swept",
            None,
            "sweep thresholds or max points, or a framework-wide parameter",
        )
    numbers = dict(plan.indicator_numbers)
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
    chunk_plan = replace(plan, indicator_numbers=numbers)
    changed = frozenset(n for n in params if params[n] is not base[n])
    changed |= frozenset(f"field:{fld}" for fld in touched)
    ctx = Ctx(chunk_plan, arrays, params, base=_base_context(fw, arrays), swept=changed)
    with np.errstate(all="ignore"):
        pay = np.asarray(ctx.total(total), dtype=np.float64)
        pay = np.broadcast_to(pay, (s, *pay.shape[1:]))[:, :, p, 0]
        flags = None
        if plan.escalation:
            level = np.full((s, ctx.U), -1, dtype=np.intp)
            for rule in plan.framework.escalation:
                fired = (
                    np.broadcast_to(ctx.escalation_value(rule.id), (s, ctx.U, ctx.P, 1))[:, :, p, 0]
                    == 1
                )
                level = np.where(
                    fired, np.maximum(level, plan.level_order.get(rule.level, -1)), level
                )
            flags = level
    if ctx.missing_measures:
        from qframe.engines.numpy.engine import _missing_measure_errors

        raise DataError(_missing_measure_errors(plan, ctx))
    return pay, flags


_BASES: dict[tuple[int, int], Ctx] = {}


def _base_context(fw: Framework, arrays: DataArrays) -> Ctx:
    """One context per framework and dataset holding what no sweep changes (computed lazily)."""
    key = (id(fw.plan), id(arrays))
    if key not in _BASES:
        _BASES.clear()  # keep one: a base holds arrays the size of the data
        _BASES[key] = Ctx(fw.plan, arrays, fw._param_values({}))
    return _BASES[key]


def _summaries(
    points: Sequence[Point],
    pay: np.ndarray,
    list_size: np.ndarray,
    level: np.ndarray | None,
    levels: list[str],
) -> list[dict[str, Any]]:
    """One summary row per scenario of a chunk, computed for the whole chunk at once."""
    from qframe.tools.stats import gini_rows

    per_patient = pay / np.where(list_size > 0, list_size, np.nan)[None, :]
    with np.errstate(all="ignore"), vec_quiet():
        mean = np.nanmean(per_patient, axis=1)
        p10, median, p90 = np.nanpercentile(per_patient, [10, 50, 90], axis=1)
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


# ---------------------------------------------------------------- calibration


@dataclass(frozen=True)
class Calibration:
    parameter: str
    value: float
    target: float
    achieved: float
    evaluations: int

    @property
    def gap(self) -> float:
        return self.achieved - self.target


def calibrate(
    fw: Framework,
    data: DataLike,
    parameter: str,
    target: float,
    *,
    bracket: tuple[float, float] | None = None,
    period: str | None = None,
    total: str = "payment",
) -> Calibration:
    """The value of ``parameter`` that makes the framework's total ``target`` (£), solved with
    scipy's Brent method on the engine; checked by evaluating again at the solved value."""
    from scipy.optimize import brentq

    if parameter not in fw.plan.params or fw.plan.param_types[parameter].kind not in (
        t.Kind.NUMBER,
        t.Kind.MONEY,
    ):
        raise DefinitionError.single(
            "Q405",
            f"`{parameter}` is not a number or money parameter of {fw.id}",
            None,
            did_you_mean(parameter, fw.plan.params) or "",
        )
    ds = as_dataset(data)
    current = float(fw.plan.params[parameter].const)
    lo, hi = bracket or (0.0, max(4 * current, 1.0))
    calls = 0

    def cost(value: float) -> float:
        nonlocal calls
        calls += 1
        result = sweep(
            fw,
            ds,
            points=[Point(f"{parameter}={value}", {parameter: value})],
            period=period,
            total=total,
        )
        return float(result.table["total_cost"].iloc[0]) - target

    f_lo, f_hi = cost(lo), cost(hi)
    if f_lo * f_hi > 0:
        raise DefinitionError.single(
            "Q406",
            f"no value of `{parameter}` between {lo:g} and {hi:g} gives a total of £{target:,.2f} (£{f_lo + target:,.2f} to £{f_hi + target:,.2f})",
            None,
            "widen the bracket, or check the target",
        )
    value = float(brentq(cost, lo, hi, xtol=1e-9, rtol=1e-12, maxiter=200))
    achieved = cost(value) + target
    return Calibration(parameter, value, target, achieved, calls)


def total_cost(
    fw: Framework, data: DataLike, *, period: str | None = None, total: str = "payment"
) -> float:
    return float(
        sweep(fw, data, points=[Point("baseline", {})], period=period, total=total)
        .table["total_cost"]
        .iloc[0]
    )


# ---------------------------------------------------------------- uncertainty


@dataclass(frozen=True)
class Uncertainty:
    samples: pd.DataFrame  # one row per sample: sampled values and summaries
    totals: pd.DataFrame  # interval of the total cost
    practices: pd.DataFrame  # interval of each practice's payment
    ranges: dict[str, tuple[float, float]]


def ranged_parameters(fw: Framework) -> dict[str, tuple[float, float]]:
    """Parameters whose definition states a plausible `range:` (modelled assumptions)."""
    out = {}
    for name, p in fw.definition.parameters.items():
        if p.range is not None and p.range.tree is not None:
            lo, hi = _range_value(p.range.tree)
            out[name] = (lo, hi)
    return out


def _range_value(node: Any) -> tuple[float, float]:
    from qframe.check.overrides import literal_kind

    got = literal_kind(node)
    if got is None or got[0] is not t.Kind.RANGE:
        money = literal_kind(node.left) if hasattr(node, "left") else None
        high = literal_kind(node.right) if hasattr(node, "right") else None
        if money and high and money[0] is high[0]:
            return float(money[1]), float(high[1])
        raise ValueError("not a constant range")
    lo, hi = got[1]
    return float(lo), float(hi)


def uncertainty(
    fw: Framework,
    data: DataLike,
    *,
    samples: int = 500,
    seed: int = 1,
    period: str | None = None,
    total: str = "payment",
    level: float = 0.95,
) -> Uncertainty:
    """Seeded Monte Carlo over the ranged assumptions (uniform within each range)."""
    ranges = ranged_parameters(fw)
    if not ranges:
        raise DefinitionError.single(
            "Q407",
            f"no parameter of {fw.id} states a `range:`",
            None,
            "give modelled assumptions a plausible range, e.g. range: 60% .. 80%",
        )
    rng = np.random.default_rng(seed)
    draws = {name: rng.uniform(lo, hi, samples) for name, (lo, hi) in ranges.items()}
    points = [
        Point(f"sample {k + 1}", {name: float(draws[name][k]) for name in ranges})
        for k in range(samples)
    ]
    result = sweep(fw, data, points=points, period=period, total=total)
    tail = (1 - level) / 2
    qs = [tail, 0.5, 1 - tail]
    totals = result.table["total_cost"].quantile(qs).to_frame().T
    totals.columns = ["low", "median", "high"]
    practices = result.payments.quantile(qs, axis=1).T
    practices.columns = ["low", "median", "high"]
    samples_table = result.table.copy()
    for name in ranges:
        samples_table[name] = draws[name]
    return Uncertainty(samples_table, totals, practices, ranges)


# ---------------------------------------------------------------- scenario files


@dataclass(frozen=True)
class ScenarioRun:
    name: str
    framework: Framework
    overrides: dict[str, Any]
    note: str = ""


def load_scenarios(path: str | Path) -> tuple[list[ScenarioRun], dict[str, Any]]:
    """Read a scenario file: `framework:` (relative path), and `scenarios:` each with `set:`,
    `shift_thresholds:`, `drop:` (indicator ids), `budget_neutral:` (a parameter to solve so the
    scenario costs what the first scenario costs) and `doc:`."""
    from qframe.source.yamldoc import load_yaml

    file = Path(path)
    if not file.exists():
        from qframe.errors.diagnostics import ExitCode, FileProblem

        raise FileProblem(
            [
                error(
                    "Q004",
                    f"no such scenario file: {file}",
                    None,
                    "give the path of a scenarios YAML file",
                )
            ],
            ExitCode.FILE_ERROR,
        )
    doc = load_yaml(str(file), file.read_text(encoding="utf-8"))
    if doc.diagnostics:
        raise DefinitionError(doc.diagnostics)
    data = doc.data if isinstance(doc.data, dict) else {}
    problems = []
    if "framework" not in data:
        problems.append(
            error(
                "S001",
                "a scenario file names its `framework:`",
                doc.location(()),
                "framework: ../frameworks/qof_2014",
            )
        )
    if not isinstance(data.get("scenarios"), dict) or not data["scenarios"]:
        problems.append(
            error(
                "S002",
                "a scenario file lists `scenarios:` by name",
                doc.location(("scenarios",)),
                "scenarios:\n  baseline: {}\n  higher_point_value: {set: {point_value: £180}}",
            )
        )
    if problems:
        raise DefinitionError(problems)
    base = load(file.parent / str(data["framework"]))
    runs = []
    allowed = {"set", "shift_thresholds", "drop", "budget_neutral", "doc"}
    for name, spec in data["scenarios"].items():
        spec = spec or {}
        for key in spec:
            if key not in allowed:
                problems.append(
                    error(
                        "S003",
                        f"scenario `{name}`: unknown field `{key}`",
                        doc.location(("scenarios", name, key), key=True),
                        did_you_mean(key, allowed) or f"fields: {', '.join(sorted(allowed))}",
                    )
                )
        fw = base
        dropped = [str(i) for i in spec.get("drop", [])]
        unknown = [i for i in dropped if i not in base.definition.indicators]
        for i in unknown:
            problems.append(
                error(
                    "S004",
                    f"scenario `{name}` drops unknown indicator `{i}`",
                    doc.location(("scenarios", name, "drop")),
                    did_you_mean(i, base.definition.indicators),
                )
            )
        if dropped and not unknown:
            kept = {k: v for k, v in base.definition.indicators.items() if k not in dropped}
            definition = replace(base.definition, indicators=kept)
            fw = Framework(definition, compile_framework(definition))
        overrides: dict[str, Any] = {}
        for key, value in (spec.get("set") or {}).items():
            where = doc.location(("scenarios", name, "set", key))
            overrides[key] = (str(value), SourceFile(where.path, where.source.text), where.offset)
        shift = spec.get("shift_thresholds")
        if shift is not None:
            parsed = _shift(shift)
            if parsed is None:
                problems.append(
                    error(
                        "S006",
                        f"scenario `{name}`: `{shift}` is not a shift of thresholds",
                        doc.location(("scenarios", name, "shift_thresholds")),
                        "write percentage points, e.g. shift_thresholds: 5%",
                    )
                )
                continue
            amount = parsed
            for iid, ind in fw.definition.indicators.items():
                if ind.thresholds is not None:
                    lo = fw.plan.indicator_numbers["lower"][fw.plan.indicator_ids.index(iid)]
                    hi = fw.plan.indicator_numbers["upper"][fw.plan.indicator_ids.index(iid)]
                    overrides[f"{iid}.thresholds"] = (
                        (min(lo + amount, 1.0), min(hi + amount, 1.0)),
                        None,
                        0,
                    )
        runs.append(ScenarioRun(str(name), fw, overrides, str(spec.get("doc", ""))))
        if spec.get("budget_neutral"):
            runs[-1] = ScenarioRun(
                str(name),
                fw,
                {**overrides, "__budget_neutral__": str(spec["budget_neutral"])},
                runs[-1].note,
            )
    if problems:
        raise DefinitionError(problems)
    return runs, data


def run_scenarios(
    path: str | Path, data: DataLike, *, period: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate every scenario of a file on the same data: a summary row per scenario (cost,
    dispersion, flagged practices, difference from the first scenario) and per-practice payments."""
    runs, _ = load_scenarios(path)
    ds: Dataset = as_dataset(data)
    rows, payments = [], {}
    baseline_cost = None
    for run in runs:
        overrides = {k: v for k, v in run.overrides.items() if k != "__budget_neutral__"}
        solved = None
        if "__budget_neutral__" in run.overrides:
            parameter = run.overrides["__budget_neutral__"]
            if baseline_cost is None:
                raise DefinitionError.single(
                    "S005",
                    f"scenario `{run.name}` is budget neutral, but it is the first scenario: there is nothing to match",
                    None,
                    "list the baseline scenario first",
                )
            fw = run.framework
            if overrides:
                resolved = resolve(fw.plan, overrides)
                fw = Framework(fw.definition, resolved.apply(fw.plan))
            solved = calibrate(fw, ds, parameter, baseline_cost, period=period)
            overrides[parameter] = solved.value
        result = sweep(run.framework, ds, points=[Point(run.name, overrides)], period=period)
        row = result.table.iloc[0].to_dict()
        row["scenario"] = run.name
        row["doc"] = run.note
        if solved is not None:
            row[f"solved_{solved.parameter}"] = solved.value
        if baseline_cost is None:
            baseline_cost = row["total_cost"]
        row["difference_from_first"] = row["total_cost"] - baseline_cost
        rows.append(row)
        payments[run.name] = result.payments.iloc[:, 0]
    table = pd.DataFrame(rows)
    first = ["scenario", "total_cost", "difference_from_first"]
    table = table[first + [c for c in table.columns if c not in first]]
    return table, pd.DataFrame(payments)


__all__ = [
    "SHIFT",
    "Calibration",
    "Point",
    "SweepResult",
    "Uncertainty",
    "calibrate",
    "grid_points",
    "load_scenarios",
    "parse_sweep",
    "ranged_parameters",
    "run_scenarios",
    "sweep",
    "total_cost",
    "uncertainty",
]


# ---------------------------------------------------------------- command line


def _chart(table: pd.DataFrame, x: str, path: Path) -> None:
    """Total cost, dispersion and flagged practices against the swept parameter (one HTML file,
    plotly embedded: readable without a network)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    cols = ["total_cost", "gini_per_patient"] + (
        ["flagged_any"] if "flagged_any" in table.columns else []
    )
    fig = make_subplots(
        rows=len(cols),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[c.replace("_", " ") for c in cols],
    )
    xs = table[x] if x in table.columns else table["scenario"]
    for i, col in enumerate(cols, start=1):
        fig.add_trace(go.Scatter(x=xs, y=table[col], mode="lines+markers", name=col), row=i, col=1)
    fig.update_layout(height=300 * len(cols), showlegend=False, title=f"Sweep of {x}")
    path.write_text(
        fig.to_html(include_plotlyjs=True, full_html=True, div_id="sweep"), encoding="utf-8"
    )


@click.command("sweep")
@click.argument("framework", type=click.Path(path_type=Path))
@data_option()
@click.option(
    "--sweep",
    "specs",
    multiple=True,
    required=True,
    help="NAME=LO..HI step STEP or NAME=V1,V2 (repeatable: a grid). NAME is a parameter, INDICATOR.thresholds, INDICATOR.max_points or thresholds_shift.",
)
@click.option("--period", default=None, help="Period (default: the latest).")
@out_option("Folder for sweep.csv, payments.csv and sweep.html.")
def sweep_command(
    framework: Path, data_path: Path, specs: tuple[str, ...], period: str | None, out: Path
) -> None:
    """Evaluate a grid of parameter values in one vectorised pass (data read and compiled once).

    Writes sweep.csv (one row per grid point: total cost, payment per patient, Gini, 10th/90th
    percentiles, practices flagged per escalation level), payments.csv (each practice's payment
    at each grid point) and sweep.html (a chart against the parameter).

    \b
    Example:
      qframe sweep frameworks/qof_2014 --data data/sample --sweep point_value=150..200 step 5 --out out/sweep
      qframe sweep frameworks/qof_2014 --data data/sample --sweep thresholds_shift=0%..10% step 1% --out out/shift
    """
    fw = load(framework)
    axes = dict(parse_sweep(s) for s in specs)
    result = sweep(fw, data_path, axes, period=period)
    output_folder(out)
    result.table.to_csv(out / "sweep.csv", index=False, lineterminator="\n", float_format="%.12g")
    result.payments.to_csv(out / "payments.csv", lineterminator="\n", float_format="%.12g")
    _chart(result.table, next(iter(axes)), out / "sweep.html")
    click.echo(f"{fw.id}, {result.period}: {len(result.table)} scenarios")
    for row in result.table.itertuples():
        click.echo(f"  {row.scenario}: total £{row.total_cost:,.2f}")
    click.echo(f"wrote sweep.csv, payments.csv, sweep.html to {out}/")


@click.command("calibrate")
@click.argument("framework", type=click.Path(path_type=Path))
@data_option()
@click.option(
    "--solve", "parameter", required=True, help="The parameter to solve for, e.g. point_value."
)
@click.option(
    "--target",
    required=True,
    help="£ amount (e.g. £25000000), or a framework folder whose total cost to match (budget neutral).",
)
@click.option("--period", default=None, help="Period (default: the latest).")
def calibrate_command(
    framework: Path, data_path: Path, parameter: str, target: str, period: str | None
) -> None:
    """Solve for a parameter so that total spend meets a target, and check it.

    \b
    Example:
      qframe calibrate frameworks/somerset_pqs --data data/sample --solve point_value --target frameworks/qof_2014
      qframe calibrate frameworks/qof_2014 --data data/sample --solve point_value --target £25000000
    """
    fw = load(framework)
    ds = as_dataset(data_path)
    if not (
        target.startswith("£") or target.replace(".", "", 1).isdigit() or Path(target).exists()
    ):
        raise click.BadParameter(
            f"`{target}` is neither an amount (e.g. £25000000) nor a framework folder",
            param_hint="--target",
        )
    if target.startswith("£") or target.replace(".", "", 1).isdigit():
        amount = float(target.lstrip("£").replace(",", ""))
        what = f"makes the total £{amount:,.2f}"
    else:
        base = load(target)
        amount = total_cost(base, ds, period=period)
        what = f"matches the total of {base.id} (£{amount:,.2f})"
    result = calibrate(fw, ds, parameter, amount, period=period)
    kind = fw.plan.param_types[parameter].kind
    shown = f"£{result.value:,.4f}" if kind is t.Kind.MONEY else f"{result.value:.6g}"
    click.echo(f"{fw.id}: {parameter} = {shown} {what}")
    click.echo(
        f"check: evaluated again at that value, the total is £{result.achieved:,.2f} (gap £{result.gap:,.2f}; {result.evaluations} evaluations)"
    )


@click.command("uncertainty")
@click.argument("framework", type=click.Path(path_type=Path))
@data_option()
@click.option("--samples", default=500, show_default=True, type=click.IntRange(10, 100_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--period", default=None, help="Period (default: the latest).")
@out_option("Folder for samples.csv and practices.csv.")
def uncertainty_command(
    framework: Path, data_path: Path, samples: int, seed: int, period: str | None, out: Path
) -> None:
    """Monte Carlo over the modelled assumptions that state a `range:` (seeded): 95% intervals
    on the total cost and on each practice's payment.

    \b
    Example:
      qframe uncertainty frameworks/improving_together --data data/sample --samples 500 --out out/uncertainty
    """
    fw = load(framework)
    result = uncertainty(fw, data_path, samples=samples, seed=seed, period=period)
    output_folder(out)
    result.samples.to_csv(
        out / "samples.csv", index=False, lineterminator="\n", float_format="%.12g"
    )
    result.practices.to_csv(out / "practices.csv", lineterminator="\n", float_format="%.12g")
    ranges = ", ".join(f"{k} {lo:g} .. {hi:g}" for k, (lo, hi) in result.ranges.items())
    low, median, high = result.totals.iloc[0]
    click.echo(f"{fw.id}: {samples} samples (seed {seed}) over {ranges}")
    click.echo(f"total cost: median £{median:,.2f}, 95% interval £{low:,.2f} to £{high:,.2f}")
    click.echo(f"wrote samples.csv, practices.csv to {out}/")


@click.command("scenarios")
@click.argument("file", type=click.Path(path_type=Path))
@data_option()
@click.option("--period", default=None, help="Period (default: the latest).")
@out_option("Folder for scenarios.csv and payments.csv.")
def scenarios_command(file: Path, data_path: Path, period: str | None, out: Path) -> None:
    """Evaluate the named variants of a scenario file on the same data and compare them.

    \b
    Example:
      qframe scenarios examples/scenarios/qof_variants.yaml --data data/sample --out out/scenarios
    """
    table, payments = run_scenarios(file, data_path, period=period)
    output_folder(out)
    table.to_csv(out / "scenarios.csv", index=False, lineterminator="\n", float_format="%.12g")
    payments.to_csv(out / "payments.csv", lineterminator="\n", float_format="%.12g")
    for row in table.itertuples():
        click.echo(
            f"  {row.scenario}: total £{row.total_cost:,.2f} ({row.difference_from_first:+,.2f})"
        )
    click.echo(f"wrote scenarios.csv, payments.csv to {out}/")


commands = [sweep_command, calibrate_command, uncertainty_command, scenarios_command]

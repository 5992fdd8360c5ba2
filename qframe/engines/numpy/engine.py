"""The numpy dense-grid engine: every unit, period and indicator of a plan at once.

:class:`NumpyEngine` implements :class:`qframe.engines.base.Engine` with the layout of
:mod:`~qframe.engines.numpy.layout` and the context of :mod:`~qframe.engines.numpy.context`,
which the lowered closures read from. A sweep evaluates chunks of scenarios in contexts that share
a base context: what reads no swept value is computed once, there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from qframe.data.dataset import Dataset
from qframe.engines.base import DataLayout, Evaluation, Params, ScenarioAxis, ScenarioTotals
from qframe.engines.numpy import vectors as vec
from qframe.engines.numpy.context import Ctx
from qframe.engines.numpy.finite import OverflowWatch, refuse_non_finite
from qframe.engines.numpy.layout import COMBINE, DataArrays, prepare
from qframe.errors.diagnostics import DataError, Diagnostic, error
from qframe.scoring import outcome

if TYPE_CHECKING:
    from qframe.engines.numpy.plan import Plan


class NumpyEngine:
    """The dense (scenario, unit, period, indicator) numpy grid: the practice-level engine."""

    name = "numpy"

    def __init__(self) -> None:
        self._bases: dict[tuple[int, int, str], Ctx] = {}
        # whether each rule of the base context is finite in the periods of a sweep
        self._finite: dict[tuple[str, tuple[int, ...]], bool] = {}

    def layout(self, dataset: Dataset, frequency: str) -> DataArrays:
        return prepare(dataset, frequency)

    def evaluate(self, plan: Plan, layout: DataLayout, params: Params) -> Evaluation:
        return evaluate_plan(plan, _arrays(layout), dict(params))

    def sweep(
        self,
        plan: Plan,
        layout: DataLayout,
        params: Params,
        scenarios: ScenarioAxis,
        *,
        total: str,
        period: int | Sequence[int],
    ) -> ScenarioTotals:
        arrays = _arrays(layout)
        periods = [period] if isinstance(period, int) else list(period)
        s = scenarios.size
        chunk_params = dict(params)
        for name, values in scenarios.params.items():
            chunk_params[name] = np.asarray(values, dtype=np.float64).reshape(s, 1, 1, 1)
        numbers = {**plan.indicator_numbers, **scenarios.indicator_numbers}
        chunk_plan = replace(plan, indicator_numbers=numbers)
        swept = frozenset(scenarios.params) | frozenset(
            f"field:{fld}" for fld in scenarios.indicator_numbers
        )
        ctx = Ctx(
            chunk_plan, arrays, chunk_params, base=self._base(plan, arrays, params), swept=swept
        )
        watch = OverflowWatch()
        with np.errstate(all="ignore", over="call", call=watch):
            pay = np.asarray(ctx.total(total), dtype=np.float64)
            pay = np.broadcast_to(pay, (s, *pay.shape[1:]))[:, :, periods, 0]
            unpaid = np.isnan(pay).all(axis=2)
            summed = np.where(unpaid, np.nan, np.nansum(pay, axis=2))  # a year of quarters
            non_finite, what = self._non_finite(ctx, total, pay, periods, watch.overflowed)
            if not non_finite.any() and np.isinf(summed).any():  # quarters that add up to £inf
                non_finite, what = np.isinf(summed), f"total `{total}`"
            pay = summed
            levels = None
            if plan.escalation:
                shape = (s, ctx.n_units, ctx.n_periods, 1)
                fired = [
                    (
                        np.broadcast_to(ctx.escalation_value(rule.id), shape)[:, :, periods, 0],
                        plan.level_order.get(rule.level, -1),
                    )
                    for rule in plan.framework.escalation
                ]
                levels = outcome.highest_level(fired, (s, ctx.n_units, len(periods))).max(axis=2)
        if ctx.missing_measures:
            raise DataError(missing_measure_errors(plan, ctx))
        return ScenarioTotals(pay, levels, non_finite, what)

    def _non_finite(
        self, ctx: Ctx, total: str, pay: np.ndarray, periods: list[int], overflowed: bool
    ) -> tuple[np.ndarray, str]:
        """(S, U): where a scenario's total, or a rule it was computed from, is infinite in a
        period the data has, or not a number after an overflow where it is not missing for a
        known reason; and what is (``rule `payment``` or ``total `payment```)."""
        present = ctx.data.present[periods]
        s, n_units = pay.shape[0], pay.shape[1]
        # the periods as a slice where they follow one another (a view of each grid, not a copy)
        chosen: slice | list[int] = periods
        if periods and periods == list(range(periods[0], periods[-1] + 1)):
            chosen = slice(periods[0], periods[-1] + 1)
        shared = self._shared_rules(ctx)
        for name, grid in ctx.computed_rules():
            values = grid[:, :, chosen, :]
            if not overflowed:  # the usual case: nothing infinite anywhere
                if grid is shared.get(name):  # the base's, the same in every chunk: once
                    key = (name, tuple(periods))
                    if key not in self._finite:
                        self._finite[key] = (
                            _finite(values)
                            or not (np.isinf(values) & present[None, None, :, None]).any()
                        )
                    if self._finite[key]:
                        continue
                elif _finite(values):
                    continue
            bad = np.isinf(values)
            if overflowed:
                bad |= np.isnan(values) & ctx.known(name)[:, :, chosen, :]
            bad &= present[None, None, :, None]
            if bad.any():
                mask = np.broadcast_to(bad.any(axis=(2, 3)), (s, n_units))
                return np.array(mask), f"rule `{name}`"
        bad = np.isinf(pay) & present[None, None, :]
        return bad.any(axis=2), f"total `{total}`"

    @staticmethod
    def _shared_rules(ctx: Ctx) -> dict[str, np.ndarray]:
        """The rules a chunk's context took from its base (the same arrays in every chunk)."""
        return dict(ctx.base.computed_rules()) if ctx.base is not None else {}

    def _base(self, plan: Plan, arrays: DataArrays, params: Params) -> Ctx:
        """One context per plan, dataset and shared parameter values holding what no sweep
        changes (computed lazily, kept for the next sweep of the same plan)."""
        key = (id(plan), id(arrays), _fingerprint(params))
        if key not in self._bases:
            self._bases.clear()  # keep one: a base holds arrays the size of the data
            self._finite.clear()
            self._bases[key] = Ctx(plan, arrays, dict(params))
        return self._bases[key]


def _finite(values: np.ndarray) -> bool:
    """No value is infinite (missing values aside): one pass that reads the grid (its mask of
    infinities is an eighth of its size, and the usual answer)."""
    return not np.isinf(values).any()


def _arrays(layout: DataLayout) -> DataArrays:
    if not isinstance(layout, DataArrays):
        raise TypeError("the numpy engine evaluates on a layout it made (NumpyEngine.layout)")
    return layout


def _fingerprint(params: Mapping[str, Any]) -> str:
    digest = hashlib.sha256()
    for name in sorted(params):
        value = params[name]
        digest.update(name.encode())
        if isinstance(value, np.ndarray):
            digest.update(repr(value.tolist()).encode())
        else:
            digest.update(repr(value).encode())
    return digest.hexdigest()


def evaluate_plan(plan: Plan, data: DataArrays, params: dict[str, Any]) -> Evaluation:
    """Evaluate every value, total, escalation rule and check of ``plan`` on the layout."""
    absent = [a for a in plan.attribute_uses if a not in data.units.columns]
    if absent:
        raise DataError(
            [
                error(
                    "D060",
                    f"the units table has no column `{a}`, which the framework groups by",
                    plan.attribute_uses[a],
                    f"add a `{a}` column to the units table (units.csv), or group by another attribute",
                )
                for a in absent
            ]
        )
    ctx = Ctx(plan, data, params)
    watch = OverflowWatch()
    with np.errstate(all="ignore", over="call", call=watch):
        every = np.arange(ctx.n_indicators, dtype=np.intp)
        for name in plan.value_order:  # every rule for every indicator; inputs only where used
            if plan.values[name].kind == "rule":
                ctx.ensure(name, every)
        for name in plan.value_order:  # show inputs the data has even where no rule read them
            if plan.values[name].kind == "input":
                have = [
                    i for i, iid in enumerate(plan.indicator_ids) if (name, iid) in data.columns
                ]
                ctx.ensure(name, np.asarray(have, dtype=np.intp))
        values = {name: ctx.ensure(name, every[:0]) for name in plan.value_order}
        totals = {
            name: np.asarray(ctx.total(name), dtype=np.float64)[0, :, :, 0] for name in plan.totals
        }
        escalation = {rid: ctx.escalation_value(rid)[0, :, :, 0] for rid in plan.escalation}
        checks: dict[str, np.ndarray] = {}
        for name, c in plan.checks.items():
            with ctx.selecting(None):
                checks[name] = np.array(ctx.grid(vec.truth(c.fn(ctx)))[0, :, :, 0])
    if ctx.missing_measures or ctx.uncombined:
        problems = missing_measure_errors(plan, ctx)
        for name in ctx.uncombined:
            inp = plan.framework.inputs[name]
            problems.append(
                error(
                    "D071",
                    f"input `{name}` is recorded by quarter in the data, but this framework evaluates years",
                    None,
                    f"declare how quarters make a year at {inp.location}, e.g. `{name}: {{combine: sum}}` (one of {', '.join(COMBINE)})",
                )
            )
        raise DataError(problems)
    refuse_non_finite(plan, ctx, values, totals, overflowed=watch.overflowed)
    status = _status(plan, ctx, values)
    return Evaluation(NumpyEngine.name, data, values, status, totals, escalation, checks, ctx)


def missing_measure_errors(plan: Plan, ctx: Ctx) -> list[Diagnostic]:
    """One located error per input whose measure the data lacks (with the keys it lacks)."""
    by_measure: dict[str, list[str]] = {}
    for name, key in ctx.missing_measures:
        by_measure.setdefault(name, []).append(key)
    out = []
    for name, keys in sorted(by_measure.items()):
        inp = plan.framework.inputs[name]
        keys = sorted(keys)
        measure = inp.data_name
        shown = ", ".join(f"{measure}[{k}]" if k else measure for k in keys[:8])
        more = f" and {len(keys) - 8} more" if len(keys) > 8 else ""
        out.append(
            error(
                "D070",
                f"the data has no measure {shown}{more}, which the framework needs (input `{name}` declared at {inp.location})",
                None,
                (
                    f"the data has no {plan.framework.frequency}ly measures at all: is this the right dataset? "
                    if not ctx.data.columns
                    else ""
                )
                + f"add rows with measure={measure}"
                + (f" and key={keys[0]}" if keys[0] else "")
                + " to measures, or give the input a `default:`",
            )
        )
    return out


def _status(plan: Plan, ctx: Ctx, values: dict[str, np.ndarray]) -> np.ndarray:
    """Each indicator row's status, from the outcome values and why they are missing."""
    shape = (ctx.n_units, ctx.n_periods, ctx.n_indicators)
    any_nan = np.zeros(shape, dtype=bool)
    missing = np.zeros(shape, dtype=bool)
    zero = np.zeros(shape, dtype=bool)
    results = set(plan.framework.outcome) or {n for n, v in plan.values.items() if v.kind == "rule"}
    for name in plan.value_order:
        if plan.values[name].kind != "rule" or name not in results:
            continue
        v = values[name][0]
        if v.dtype.kind == "f":  # a rule that gives text or truth values is never missing
            any_nan |= np.isnan(v)
        fm, fz = ctx.flags(name)
        missing |= fm[0]
        zero |= fz[0]
    return outcome.status(any_nan, zero, missing)

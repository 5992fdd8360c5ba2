"""Evaluate a compiled plan on a dataset: all units, periods and indicators at once.

Values live on a dense grid of shape ``(scenario, unit, period, indicator)`` (numpy broadcasting
does the joins: a practice's list size has shape ``(1, U, P, 1)``, an indicator's maximum points
``(1, 1, 1, I)``). Rules are computed lazily, once each, one vectorised pass per distinct
expression (the framework's rule, a kind's override, an indicator's own); named definitions are
cached. Nothing here loops over practices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qframe.data.dataset import Dataset, period_label, period_ordinal
from qframe.engines.numpy import vectors as vec
from qframe.engines.numpy.plan import Plan
from qframe.errors.diagnostics import DataError, Diagnostic, error
from qframe.scoring import rules as scoring

# Why an indicator row has no value: codes into STATUS_LABELS.
STATUS_LABELS = ("ok", "undefined", "zero_denominator", "missing_input")
STATUS_OK, STATUS_UNDEFINED, STATUS_ZERO, STATUS_MISSING = range(4)


@dataclass
class Layout:
    """Measures of one frequency on a dense (unit, period, measure) array."""

    periods: list[str]  # contiguous range of labels
    first: int  # ordinal of periods[0]
    values: np.ndarray  # (U, P, M)
    columns: dict[tuple[str, str], int]  # (measure, key) -> M index


@dataclass
class DataArrays:
    """A dataset laid out for a framework's frequency.

    The period axis runs over the whole span of the data, converted to the framework's
    frequency; ``present`` marks the periods the data really has (results are reported for
    those). Measures recorded at the other frequency are kept in ``other`` and converted when an
    input reads them: a year's value holds for each of its quarters; quarters are combined into
    their year as the input declares (``combine:``)."""

    unit_ids: np.ndarray
    frequency: str
    periods: list[str]
    present: np.ndarray  # bool per period
    values: np.ndarray  # (U, P, M) measures recorded at this frequency
    columns: dict[tuple[str, str], int]
    units: pd.DataFrame
    other: Layout | None  # measures recorded at the other frequency
    first: int = 0  # ordinal of periods[0]

    @property
    def present_periods(self) -> list[str]:
        return [p for p, ok in zip(self.periods, self.present, strict=True) if ok]

    def period_index(self, period: str | None) -> int:
        """Index of ``period`` (default: the latest the data has); a located error otherwise."""
        present = self.present_periods
        if period is None:
            period = present[-1]
        if period not in present:
            raise DataError(
                [
                    error(
                        "D051",
                        f"the data has no period {period}",
                        None,
                        f"periods in the data: {', '.join(present)}",
                    )
                ]
            )
        return self.periods.index(period)


def _layout(ds: Dataset, unit_ids: np.ndarray, labels: list[str], frequency: str) -> Layout:
    ords = [period_ordinal(p) for p in labels]
    lo, hi = min(ords), max(ords)
    periods = [period_label(o, frequency) for o in range(lo, hi + 1)]
    meas = ds.measures[ds.measures["period"].isin(labels).to_numpy()]
    unit_code = _codes(meas["unit_id"], unit_ids)
    period_code = _codes(meas["period"], np.asarray(periods, dtype=object))
    m_code, m_uniques = pd.factorize(meas["measure"], sort=True)
    k_code, k_uniques = pd.factorize(meas["key"], sort=True)
    pair_uniques, pair_code = np.unique(
        m_code.astype(np.int64) * len(k_uniques) + k_code, return_inverse=True
    )
    values = np.full((len(unit_ids), len(periods), len(pair_uniques)), np.nan)
    values[unit_code, period_code, pair_code] = meas["value"].to_numpy(dtype=np.float64)
    columns = {
        (str(m_uniques[c // len(k_uniques)]), str(k_uniques[c % len(k_uniques)])): i
        for i, c in enumerate(pair_uniques)
    }
    return Layout(periods, lo, values, columns)


def prepare(ds: Dataset, frequency: str) -> DataArrays:
    """Lay the dataset out as arrays (cached on the dataset: done once per frequency)."""
    cached: DataArrays | None = ds._cache.get(("arrays", frequency))
    if cached is not None:
        return cached
    other_frequency = "year" if frequency == "quarter" else "quarter"
    own_labels, other_labels = ds.periods(frequency), ds.periods(other_frequency)
    if not own_labels and not other_labels:  # pragma: no cover - validation requires periods
        raise DataError([error("D050", "the data has no periods", None, "add measures")])
    unit_ids = ds.units["unit_id"].to_numpy(dtype=object)

    def layout(labels: list[str], freq: str) -> Layout | None:  # each frequency laid out once
        if not labels:
            return None
        if ("layout", freq) not in ds._cache:
            ds._cache[("layout", freq)] = _layout(ds, unit_ids, labels, freq)
        cached_layout: Layout = ds._cache[("layout", freq)]
        return cached_layout

    own = layout(own_labels, frequency)
    other = layout(other_labels, other_frequency)
    # the grid spans both, in this frequency
    spans = []
    if own is not None:
        spans += [own.first, own.first + len(own.periods) - 1]
    if other is not None:
        a, b = other.first, other.first + len(other.periods) - 1
        spans += [a * 4, b * 4 + 3] if frequency == "quarter" else [a // 4, b // 4]
    lo, hi = min(spans), max(spans)
    periods = [period_label(o, frequency) for o in range(lo, hi + 1)]
    values = np.full((len(unit_ids), len(periods), 0), np.nan)
    columns: dict[tuple[str, str], int] = {}
    if own is not None:
        values = np.full((len(unit_ids), len(periods), own.values.shape[2]), np.nan)
        offset = own.first - lo
        values[:, offset : offset + len(own.periods), :] = own.values
        columns = own.columns
    if own_labels:
        present = np.isin(np.arange(lo, hi + 1), [period_ordinal(p) for p in own_labels])
    else:  # only the other frequency: report the periods it covers
        conv = {period_ordinal(p) // 4 if frequency == "year" else None for p in other_labels}
        if frequency == "quarter":
            conv = {o * 4 + q for p in other_labels for o in [period_ordinal(p)] for q in range(4)}
        present = np.isin(np.arange(lo, hi + 1), sorted(c for c in conv if c is not None))
    arrays = DataArrays(unit_ids, frequency, periods, present, values, columns, ds.units, other, lo)
    ds._cache[("arrays", frequency)] = arrays
    return arrays


COMBINE = ("sum", "mean", "min", "max", "last", "count", "longest_run", "longest_run_false")


def combine_quarters(q: np.ndarray, how: str) -> np.ndarray:
    """Combine the quarters of each year: ``q`` has shape (U, years, 4, n) → (U, years, n).
    Missing quarters are skipped; a year with no quarter at all is missing."""
    seen = ~np.isnan(q)
    none = ~seen.any(axis=2)
    with np.errstate(all="ignore"), vec.quiet_warnings():
        if how == "sum":
            out = np.nansum(q, axis=2)
        elif how == "mean":
            out = np.nanmean(q, axis=2)
        elif how == "min":
            out = np.nanmin(q, axis=2)
        elif how == "max":
            out = np.nanmax(q, axis=2)
        elif how == "count":
            out = np.sum(q == 1, axis=2).astype(np.float64)
        elif how == "last":
            last = 3 - np.argmax(seen[:, :, ::-1, :], axis=2)
            out = np.take_along_axis(q, last[:, :, None, :], axis=2)[:, :, 0, :]
        else:  # longest run of quarters that are true (1), or false (0)
            target = 0 if how == "longest_run_false" else 1
            run = np.zeros(q.shape[:2] + q.shape[3:])
            best = np.zeros_like(run)
            for k in range(q.shape[2]):
                run = np.where(q[:, :, k, :] == target, run + 1, 0)
                best = np.maximum(best, run)
            out = best
    return np.where(none, np.nan, out)


def _codes(column: pd.Series, labels: np.ndarray) -> np.ndarray:
    """Position of each value of ``column`` in ``labels`` (factorise first: few distinct values)."""
    codes, uniques = pd.factorize(column)
    lookup = pd.Index(labels).get_indexer(np.asarray(uniques, dtype=object))
    return lookup[codes]


class Ctx:
    """The evaluation context the compiled closures read from."""

    def __init__(
        self,
        plan: Plan,
        data: DataArrays,
        params: dict[str, Any],
        base: Ctx | None = None,
        swept: frozenset[str] = frozenset(),
    ) -> None:
        # A sweep evaluates chunks of scenarios in contexts that share a `base` context: what
        # does not read a swept parameter (or indicator field) is computed once, there.
        self.base = base
        self.swept = swept
        self.plan = plan
        self.data = data
        self.U, self.P = data.values.shape[0], data.values.shape[1]
        self.I = len(plan.indicator_ids)
        self.params = params
        self.sel: np.ndarray | None = None
        self._values: dict[str, np.ndarray] = {}
        self._flags: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._done: dict[str, np.ndarray] = {}
        self._computing: list[str] = []
        self._frames: list[list[np.ndarray]] = []  # [missing, zero] accumulators
        self._unit_cache: dict[str, Any] = {}
        self._sel_cache: dict[str, Any] = {}
        self._totals: dict[str, Any] = {}
        self._escalation: dict[str, np.ndarray] = {}
        self._groups: dict[str, tuple[np.ndarray, int, np.ndarray]] = {}
        self.missing_measures: dict[tuple[str, str], None] = {}
        self.uncombined: dict[str, None] = {}

    # -- shape ---------------------------------------------------------------
    @property
    def n(self) -> int:
        return 1 if self.sel is None else len(self.sel)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """The grid for one scenario: (1, units, periods, indicators selected)."""
        return (1, self.U, self.P, self.n)

    def grid(self, x: Any) -> np.ndarray:
        """``x`` on the full grid. A value that varies by scenario (a swept parameter, and what
        depends on it) keeps its scenario axis; every other value stays one scenario wide, so a
        sweep only recomputes what the swept parameters touch."""
        arr = np.asarray(x, dtype=np.float64) if not _is_obj(x) else np.asarray(x)
        s = arr.shape[0] if arr.ndim == 4 else 1
        return np.broadcast_to(arr, (s, self.U, self.P, self.n))

    @contextmanager
    def selecting(self, sel: np.ndarray | None) -> Iterator[list[np.ndarray]]:
        """Evaluate for the indicators ``sel`` (None: per unit). Yields the frame in which the
        reasons for missing values (missing inputs, division by zero) are collected."""
        saved = self.sel, self._sel_cache
        self.sel, self._sel_cache = sel, {}
        frame = [np.zeros(self.shape, dtype=bool), np.zeros(self.shape, dtype=bool)]
        self._frames.append(frame)
        try:
            yield frame
        finally:
            self._frames.pop()
            self.sel, self._sel_cache = saved

    def _ind(self, arr: np.ndarray) -> np.ndarray:
        if self.sel is None:  # pragma: no cover - prevented by the compiler
            raise RuntimeError("indicator value outside an indicator context")
        if arr.ndim == 2:  # (scenario, indicator): an indicator field swept over scenarios
            return arr[:, self.sel].reshape(arr.shape[0], 1, 1, -1)
        return arr[self.sel].reshape(1, 1, 1, -1)

    # -- flags (why a value is missing) ----------------------------------------
    def _note(self, which: int, mask: np.ndarray) -> None:
        if self._frames and np.any(mask):
            mask = np.asarray(mask)
            if mask.ndim == 4 and mask.shape[0] > 1:  # missing in any scenario
                mask = np.asarray(mask.any(axis=0, keepdims=True))
            frame = self._frames[-1]
            frame[which] = frame[which] | np.broadcast_to(mask, self.shape)

    def note_zero_division(self, mask: np.ndarray) -> None:
        self._note(1, mask)

    # -- names ---------------------------------------------------------------
    def param(self, name: str) -> Any:
        value = self.params[name]
        if isinstance(value, np.ndarray) and value.ndim == 1:  # set per indicator
            return self._ind(value)
        return value

    def indicator_string(self, name: str) -> np.ndarray:
        return self._ind(self.plan.indicator_strings[name])

    def indicator_number(self, name: str) -> np.ndarray:
        return self._ind(self.plan.indicator_numbers[name])

    def indicator_field_of(self, name: str, index: int) -> Any:
        table = (
            self.plan.indicator_strings
            if name in self.plan.indicator_strings
            else self.plan.indicator_numbers
        )
        arr = table[name]
        if arr.ndim == 2:  # varies by scenario
            return arr[:, index].reshape(-1, 1, 1, 1)
        return arr[index]

    def input(self, name: str, default: float | None) -> np.ndarray:
        return self._fetch(name, [""], default)

    def keyed_input(self, name: str, keys: Any, default: float | None) -> np.ndarray:
        if isinstance(keys, str):
            return self._fetch(name, [keys], default)
        flat = np.asarray(keys, dtype=object).reshape(-1)
        return self._fetch(name, [str(k) for k in flat], default)

    def _fetch(self, name: str, keys: list[str], default: float | None) -> np.ndarray:
        data = self.data
        measure = self.plan.framework.inputs[name].data_name
        cols = [data.columns.get((measure, k), -1) for k in keys]
        idx = np.array(cols, dtype=np.intp)
        if data.values.shape[2] == 0:  # the data has no measure at this frequency at all
            out = np.full((self.U, self.P, len(keys)), np.nan)
        else:
            out = data.values[:, :, np.where(idx >= 0, idx, 0)]
        absent = idx < 0
        if absent.any():
            out = out.copy()
            out[:, :, absent] = np.nan
            for j in np.flatnonzero(absent):
                converted = self._from_other_frequency(name, keys[j])
                if converted is not None:
                    out[:, :, j] = converted
                elif default is None:
                    self.missing_measures[(name, keys[j])] = None
        if default is not None:
            out = np.where(np.isnan(out), default, out)
        result = out.reshape(1, self.U, self.P, len(keys))
        self._note(0, np.isnan(result))
        return result

    def _from_other_frequency(self, name: str, key: str) -> np.ndarray | None:
        """A measure the data records at the other frequency, converted to this one."""
        data, other = self.data, self.data.other
        measure = self.plan.framework.inputs[name].data_name
        if other is None or (measure, key) not in other.columns:
            return None
        col = other.values[:, :, other.columns[(measure, key)]]  # (U, P_other)
        grid = np.arange(data.first, data.first + len(data.periods))
        if data.frequency == "quarter":  # a year's value holds in each of its quarters
            pos = grid // 4 - other.first
            ok = (pos >= 0) & (pos < col.shape[1])
            return np.where(ok[None, :], col[:, np.clip(pos, 0, col.shape[1] - 1)], np.nan)
        how = self.plan.framework.inputs[name].combine
        if not how:
            self.uncombined[name] = None
            return np.full((self.U, self.P), np.nan)
        pos = (grid[:, None] * 4 + np.arange(4)[None, :]) - other.first  # (P, 4) quarter indices
        ok = (pos >= 0) & (pos < col.shape[1])
        quarters = np.where(ok[None, :, :], col[:, np.clip(pos, 0, col.shape[1] - 1)], np.nan)
        return combine_quarters(quarters[..., None], how)[..., 0]

    def _all(self, sel: np.ndarray | None) -> bool:
        """Is ``sel`` every indicator, in order? (Then no indexing copy is needed.)"""
        return sel is None or (len(sel) == self.I and bool(np.all(sel == np.arange(self.I))))

    def value(self, name: str) -> np.ndarray:
        sel = self.sel if self.sel is not None else np.arange(self.I, dtype=np.intp)
        full = self._ensure(name, sel)
        every = self._all(self.sel)
        if self._frames and self.sel is not None:
            missing, zero = self._flags[name]
            frame = self._frames[-1]
            frame[0] = frame[0] | (missing if every else missing[..., self.sel])
            frame[1] = frame[1] | (zero if every else zero[..., self.sel])
        return full if every else full[..., self.sel]

    def value_of(self, name: str, index: int) -> np.ndarray:
        full = self._ensure(name, np.array([index], dtype=np.intp))
        return full[..., index : index + 1]

    def _shared(self, key: tuple[str, str]) -> bool:
        """Can this context take ``key`` from its base (it reads nothing that is swept)?"""
        return self.base is not None and not (
            self.plan.param_deps.get(key, frozenset()) & self.swept
        )

    def _ensure(self, name: str, sel: np.ndarray) -> np.ndarray:
        """Compute value ``name`` for the indicators in ``sel`` not computed yet (one vectorised
        pass per distinct expression among them)."""
        iv = self.plan.values[name]
        if name not in self._values and self.base is not None and self._shared(("rule", name)):
            base = self.base
            base._ensure(name, np.arange(self.I, dtype=np.intp))
            self._values[name], self._flags[name] = base._values[name], base._flags[name]
            self._done[name] = base._done[name]
        if name not in self._values:
            is_text = iv.type.kind.value == "string"
            shape = (1, self.U, self.P, self.I)
            self._values[name] = np.full(
                shape, None if is_text else np.nan, dtype=object if is_text else np.float64
            )
            self._flags[name] = (np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool))
            self._done[name] = np.zeros(self.I, dtype=bool)
        done = self._done[name]
        todo = sel[~done[sel]]
        if todo.size == 0:
            return self._values[name]
        if name in self._computing:  # pragma: no cover - the compiler rejects cycles
            raise RuntimeError(f"cycle through {name}")
        self._computing.append(name)
        try:
            out = self._values[name]
            missing, zero = self._flags[name]
            wanted = np.zeros(self.I, dtype=bool)
            wanted[todo] = True
            for variant in iv.variants:
                members = np.asarray(variant.indicators, dtype=np.intp)
                part = members[wanted[members]]
                if part.size == 0:
                    continue
                with self.selecting(part) as frame:
                    result = self.grid(variant.compiled.fn(self))
                fw = self.plan.framework
                if (
                    name in self.plan.money_values
                    and fw.rounding == "indicator"
                    and name in fw.rounded
                ):
                    result = scoring.round_money(result)
                if self._all(part):  # one expression for every indicator: keep its result as is
                    out = np.asarray(result)
                    self._values[name] = out
                    missing[...], zero[...] = frame[0], frame[1]
                    continue
                if result.shape[0] > out.shape[0]:  # the value varies by scenario
                    out = np.repeat(out, result.shape[0], axis=0)
                    self._values[name] = out
                out[..., part] = result
                missing[..., part] = frame[0]
                zero[..., part] = frame[1]
            done[todo] = True
            return out
        finally:
            self._computing.pop()

    def split_by_indicator(
        self, cond: Any, then: Callable[[Ctx], Any], orelse: Callable[[Ctx], Any], text: bool
    ) -> np.ndarray:
        """`if` whose condition depends only on the indicator: each branch is evaluated only for
        the indicators that take it."""
        assert self.sel is not None
        sel = self.sel
        flags = np.asarray(cond, dtype=np.float64)
        if flags.ndim == 4 and flags.shape[0] > 1:  # pragma: no cover - needs a swept flag
            raise NotImplementedError("an indicator-level condition cannot vary by scenario")
        flags = np.broadcast_to(flags, (1, 1, 1, len(sel))).reshape(-1)
        parts = []
        parent = self._frames[-1] if self._frames else None
        for mask, branch in ((flags == 1, then), (flags == 0, orelse)):
            if not mask.any():
                continue
            with self.selecting(sel[mask]) as frame:
                parts.append((mask, self.grid(branch(self))))
            if parent is not None:
                parent[0][..., mask] |= frame[0]
                parent[1][..., mask] |= frame[1]
        s = max([p.shape[0] for _, p in parts], default=1)
        shape = (s, self.U, self.P, len(sel))
        out = np.full(shape, None if text else np.nan, dtype=object if text else np.float64)
        for mask, part in parts:
            out[..., mask] = part
        return out

    def cached(self, name: str, fn: Callable[[Ctx], Any], per_indicator: bool) -> Any:
        """A named definition, computed once; the reasons for its missing values (missing input,
        division by zero) are noted again wherever the cached value is reused."""
        cache = self._sel_cache if per_indicator else self._unit_cache
        if (
            name not in cache
            and not per_indicator
            and self.base is not None
            and self._shared(("define", name))
        ):
            self.base.cached(name, fn, per_indicator)
            cache[name] = self.base._unit_cache[name]
        if name not in cache:
            frame = [np.zeros(self.shape, dtype=bool), np.zeros(self.shape, dtype=bool)]
            self._frames.append(frame)
            try:
                value = fn(self)
            finally:
                self._frames.pop()
            if not per_indicator:  # reusable for any indicators: keep one flag per unit × period
                frame = [np.asarray(f.any(axis=3, keepdims=True)) for f in frame]
            cache[name] = (value, frame)
        value, (missing, zero) = cache[name]
        self._note(0, missing)
        self._note(1, zero)
        return value

    def total(self, name: str) -> Any:
        if name not in self._totals and self.base is not None and self._shared(("total", name)):
            self._totals[name] = self.base.total(name)
        if name not in self._totals:
            with self.selecting(None):
                value = self.grid(self.plan.totals[name].fn(self))
                if name in self.plan.money_values and self.plan.framework.rounding != "none":
                    # "total": the one rounding; "indicator": a sum of whole pennies, cleaned
                    # of floating-point noise (5534.280000000001 → 5534.28), not rounded again
                    value = scoring.round_money(value)
                self._totals[name] = value
        return self._totals[name]

    def over_indicators(self, fn: Callable[[Ctx], Any]) -> Any:
        with self.selecting(np.arange(self.I, dtype=np.intp)):
            return fn(self)

    def group_codes(self, attr: str) -> tuple[np.ndarray, int]:
        if attr not in self._groups:
            units = self.data.units
            if attr not in units.columns:
                raise DataError(
                    [
                        error(
                            "D060",
                            f"the units table has no column `{attr}`, which the framework groups by",
                            None,
                            f"add a `{attr}` column to the units table",
                        )
                    ]
                )
            codes, uniques = pd.factorize(units[attr].replace("", pd.NA), sort=True)
            self._groups[attr] = (
                codes.astype(np.intp),
                len(uniques),
                np.asarray(uniques, dtype=object),
            )
        codes, n, _ = self._groups[attr]
        return codes, n

    def group_labels(self, attr: str) -> tuple[np.ndarray, np.ndarray]:
        self.group_codes(attr)
        codes, _, labels = self._groups[attr]
        return codes, labels

    def escalation_value(self, rule_id: str) -> np.ndarray:
        if rule_id not in self._escalation:
            with self.selecting(None):
                cond = self.grid(vec.truth(self.plan.escalation[rule_id].fn(self)))
                steps = self.plan.escalation_steps[rule_id]
                held = cond
                for k in range(1, steps):
                    held = vec.kleene_and(held, vec.shift(cond, k, self.shape))
                self._escalation[rule_id] = np.asarray(held == 1, dtype=np.float64)
        return self._escalation[rule_id]


def _is_obj(x: Any) -> bool:
    return isinstance(x, str) or (isinstance(x, np.ndarray) and x.dtype == object)


@dataclass
class Evaluation:
    """Raw evaluation output on the grid, before it is made into tidy tables."""

    ctx: Ctx
    values: dict[str, np.ndarray]
    status: np.ndarray  # (U, P, I) codes into STATUS_LABELS
    totals: dict[str, np.ndarray]  # (U, P)
    escalation: dict[str, np.ndarray]  # (U, P) 0/1 per rule
    checks: dict[str, np.ndarray]  # (U, P) 1/0/NaN
    data_warnings: list[Diagnostic]


def evaluate_plan(plan: Plan, data: DataArrays, params: dict[str, Any]) -> Evaluation:
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
    with np.errstate(all="ignore"):
        every = np.arange(ctx.I, dtype=np.intp)
        for name in plan.value_order:  # every rule for every indicator; inputs only where used
            if plan.values[name].kind == "rule":
                ctx._ensure(name, every)
        for name in plan.value_order:  # show inputs the data has even where no rule read them
            if plan.values[name].kind == "input":
                have = [
                    i for i, iid in enumerate(plan.indicator_ids) if (name, iid) in data.columns
                ]
                ctx._ensure(name, np.asarray(have, dtype=np.intp))
        values = {name: ctx._ensure(name, every[:0]) for name in plan.value_order}
        totals = {
            name: np.asarray(ctx.total(name), dtype=np.float64)[0, :, :, 0] for name in plan.totals
        }
        escalation = {rid: ctx.escalation_value(rid)[0, :, :, 0] for rid in plan.escalation}
        checks: dict[str, np.ndarray] = {}
        for name, c in plan.checks.items():
            with ctx.selecting(None):
                checks[name] = np.array(ctx.grid(vec.truth(c.fn(ctx)))[0, :, :, 0])
    if ctx.missing_measures or ctx.uncombined:
        problems = _missing_measure_errors(plan, ctx)
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
    status = _status(plan, ctx, values)
    return Evaluation(ctx, values, status, totals, escalation, checks, [])


def _missing_measure_errors(plan: Plan, ctx: Ctx) -> list[Diagnostic]:
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
    shape = (ctx.U, ctx.P, ctx.I)
    any_nan = np.zeros(shape, dtype=bool)
    missing = np.zeros(shape, dtype=bool)
    zero = np.zeros(shape, dtype=bool)
    outcome = set(plan.framework.outcome) or {n for n, v in plan.values.items() if v.kind == "rule"}
    for name in plan.value_order:
        if plan.values[name].kind != "rule" or name not in outcome:
            continue
        v = values[name][0]
        if v.dtype != object:
            any_nan |= np.isnan(v)
        fm, fz = ctx._flags[name]
        missing |= fm[0]
        zero |= fz[0]
    status = np.full(shape, STATUS_OK, dtype=np.int8)
    status[any_nan] = STATUS_UNDEFINED
    status[any_nan & zero] = STATUS_ZERO
    status[any_nan & missing] = STATUS_MISSING
    return status

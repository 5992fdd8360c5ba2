"""The numpy engine's evaluation context: what the lowered closures read from.

Values live on a dense grid of shape ``(scenario, unit, period, indicator)`` (numpy broadcasting
does the joins: a practice's list size has shape ``(1, U, P, 1)``, an indicator's maximum points
``(1, 1, 1, I)``). Rules are computed lazily, once each, one vectorised pass per distinct
expression (the framework's rule, a kind's override, an indicator's own); named definitions are
cached. Nothing here loops over practices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from qframe.engines.numpy import vectors as vec
from qframe.engines.numpy.layout import DataArrays, combine_quarters
from qframe.scoring import outcome

if TYPE_CHECKING:
    from qframe.engines.numpy.plan import Plan


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
        self.n_units, self.n_periods = data.values.shape[0], data.values.shape[1]
        self.n_indicators = len(plan.indicator_ids)
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
        self.missing_measures: dict[tuple[str, str], None] = {}
        self.uncombined: dict[str, None] = {}

    # -- shape ---------------------------------------------------------------
    @property
    def n(self) -> int:
        return 1 if self.sel is None else len(self.sel)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """The grid for one scenario: (1, units, periods, indicators selected)."""
        return (1, self.n_units, self.n_periods, self.n)

    def grid(self, x: Any) -> np.ndarray:
        """``x`` on the full grid. A value that varies by scenario (a swept parameter, and what
        depends on it) keeps its scenario axis; every other value stays one scenario wide, so a
        sweep only recomputes what the swept parameters touch."""
        arr = np.asarray(x, dtype=np.float64) if not _is_obj(x) else np.asarray(x)
        s = arr.shape[0] if arr.ndim == 4 else 1
        return np.broadcast_to(arr, (s, self.n_units, self.n_periods, self.n))

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
            out = np.full((self.n_units, self.n_periods, len(keys)), np.nan)
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
        result = out.reshape(1, self.n_units, self.n_periods, len(keys))
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
            return np.full((self.n_units, self.n_periods), np.nan)
        pos = (grid[:, None] * 4 + np.arange(4)[None, :]) - other.first  # (P, 4) quarter indices
        ok = (pos >= 0) & (pos < col.shape[1])
        quarters = np.where(ok[None, :, :], col[:, np.clip(pos, 0, col.shape[1] - 1)], np.nan)
        return combine_quarters(quarters[..., None], how)[..., 0]

    def _all(self, sel: np.ndarray | None) -> bool:
        """Is ``sel`` every indicator, in order? (Then no indexing copy is needed.)"""
        return sel is None or (
            len(sel) == self.n_indicators and bool(np.all(sel == np.arange(self.n_indicators)))
        )

    def value(self, name: str) -> np.ndarray:
        sel = self.sel if self.sel is not None else np.arange(self.n_indicators, dtype=np.intp)
        full = self.ensure(name, sel)
        every = self._all(self.sel)
        if self._frames and self.sel is not None:
            missing, zero = self._flags[name]
            frame = self._frames[-1]
            frame[0] = frame[0] | (missing if every else missing[..., self.sel])
            frame[1] = frame[1] | (zero if every else zero[..., self.sel])
        return full if every else full[..., self.sel]

    def value_of(self, name: str, index: int) -> np.ndarray:
        full = self.ensure(name, np.array([index], dtype=np.intp))
        return full[..., index : index + 1]

    def _shared(self, key: tuple[str, str]) -> bool:
        """Can this context take ``key`` from its base (it reads nothing that is swept)?"""
        return self.base is not None and not (
            self.plan.param_deps.get(key, frozenset()) & self.swept
        )

    def flags(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Where value ``name`` is missing because an input was missing, or it divided by zero
        (each on the full grid, for the indicators computed so far)."""
        return self._flags[name]

    def computed_rules(self) -> list[tuple[str, np.ndarray]]:
        """The rules computed so far with numbers (in the plan's order): each rule's name and
        grid."""
        out = []
        for name in self.plan.value_order:
            grid = self._values.get(name)
            if self.plan.values[name].kind != "rule" or grid is None or grid.dtype.kind != "f":
                continue
            out.append((name, grid))
        return out

    def known(self, name: str) -> np.ndarray:
        """Where computed rule ``name`` is computed and not missing for a known reason (an input
        missing, a division by zero)."""
        missing, zero = self._flags[name]
        return self._done[name][None, None, None, :] & ~missing & ~zero

    def expression_value(self, fn: Callable[[Ctx], Any], indicator: int | None) -> Any:
        """The value of a lowered expression for one indicator (None: per unit), on the grid
        (1, units, periods, 1); a pair of grids for a range."""
        sel = None if indicator is None else np.array([indicator], dtype=np.intp)
        with self.selecting(sel):
            raw = fn(self)
            if isinstance(raw, tuple):
                return tuple(np.broadcast_to(self._selected(x, sel), self.shape) for x in raw)
            return np.broadcast_to(self._selected(raw, sel), self.shape)

    def _selected(self, raw: Any, sel: np.ndarray | None) -> np.ndarray:
        """A value computed for every indicator (e.g. a per-unit aggregate over units) cut to
        the selected indicator."""
        value = np.asarray(raw)
        if sel is not None and value.ndim == 4 and value.shape[-1] == self.n_indicators > 1:
            return value[..., sel]
        return value

    def ensure(self, name: str, sel: np.ndarray) -> np.ndarray:
        """Compute value ``name`` for the indicators in ``sel`` not computed yet (one vectorised
        pass per distinct expression among them)."""
        iv = self.plan.values[name]
        if name not in self._values and self.base is not None and self._shared(("rule", name)):
            base = self.base
            base.ensure(name, np.arange(self.n_indicators, dtype=np.intp))
            self._values[name], self._flags[name] = base._values[name], base._flags[name]
            self._done[name] = base._done[name]
        if name not in self._done:
            self._done[name] = np.zeros(self.n_indicators, dtype=bool)
        done = self._done[name]
        todo = sel[~done[sel]]
        if todo.size == 0:
            return self._blank(name)
        if name in self._computing:  # pragma: no cover - the compiler rejects cycles
            raise RuntimeError(f"cycle through {name}")
        self._computing.append(name)
        try:
            wanted = np.zeros(self.n_indicators, dtype=bool)
            wanted[todo] = True
            for variant in iv.variants:
                members = np.asarray(variant.indicators, dtype=np.intp)
                part = members[wanted[members]]
                if part.size == 0:
                    continue
                with self.selecting(part) as frame:
                    result = self.grid(variant.compiled.fn(self))
                fw = self.plan.framework
                if outcome.rounds_indicator_value(
                    fw.rounding, name in self.plan.money_values, name in fw.rounded
                ):
                    result = outcome.round_money(result)
                if self._all(part):  # one expression for every indicator: its result as is
                    self._values[name] = np.asarray(result)
                    self._flags[name] = (frame[0], frame[1])  # the frame's own arrays
                    continue
                out = self._blank(name)
                if result.shape[0] > out.shape[0]:  # the value varies by scenario
                    out = np.repeat(out, result.shape[0], axis=0)
                    self._values[name] = out
                out[..., part] = result
                missing, zero = self._flags[name]
                missing[..., part] = frame[0]
                zero[..., part] = frame[1]
            done[todo] = True
            return self._values[name]
        finally:
            self._computing.pop()

    def _blank(self, name: str) -> np.ndarray:
        """Value ``name``'s grid, made missing (and its flags clear) when nothing is computed
        yet: filled in parts, a variant's indicators at a time (a value computed for every
        indicator at once keeps its result instead, with no such grid made first)."""
        if name not in self._values:
            is_text = self.plan.values[name].type.kind.value == "string"
            shape = (1, self.n_units, self.n_periods, self.n_indicators)
            self._values[name] = np.full(
                shape, None if is_text else np.nan, dtype=object if is_text else np.float64
            )
            self._flags[name] = (np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool))
        return self._values[name]

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
        if flags.ndim == 4:  # on the grid (e.g. from an inner `if`), but the same for every unit
            flags = flags[:, :1, :1, :]
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
        shape = (s, self.n_units, self.n_periods, len(sel))
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
        if name not in cache and not per_indicator:
            # a value per unit, reused for any indicators: computed outside the indicators
            # selected now, or it would keep their width (and break a narrower selection)
            with self.selecting(None):
                cache[name] = self._computed(fn)
        if name not in cache:
            cache[name] = self._computed(fn)
        value, (missing, zero) = cache[name]
        self._note(0, missing)
        self._note(1, zero)
        return value

    def _computed(self, fn: Callable[[Ctx], Any]) -> tuple[Any, list[np.ndarray]]:
        """A definition's value and the reasons for its missing values ([missing, zero])."""
        frame = [np.zeros(self.shape, dtype=bool), np.zeros(self.shape, dtype=bool)]
        self._frames.append(frame)
        try:
            value = fn(self)
        finally:
            self._frames.pop()
        if self.sel is None:  # reusable for any indicators: keep one flag per unit × period
            frame = [np.asarray(f.any(axis=3, keepdims=True)) for f in frame]
        return value, frame

    def total(self, name: str) -> Any:
        if name not in self._totals and self.base is not None and self._shared(("total", name)):
            self._totals[name] = self.base.total(name)
        if name not in self._totals:
            with self.selecting(None):
                value = self.grid(self.plan.totals[name].fn(self))
                if outcome.rounds_total(
                    self.plan.framework.rounding, name in self.plan.money_values
                ):
                    value = outcome.round_money(value)
                self._totals[name] = value
        return self._totals[name]

    def over_indicators(self, fn: Callable[[Ctx], Any]) -> Any:
        with self.selecting(np.arange(self.n_indicators, dtype=np.intp)):
            return fn(self)

    def group_codes(self, attr: str) -> tuple[np.ndarray, int]:
        codes, labels = self.data.group_labels(attr)
        return codes, len(labels)

    def escalation_value(self, rule_id: str) -> np.ndarray:
        if rule_id not in self._escalation:
            with self.selecting(None):
                cond = self.grid(vec.truth(self.plan.escalation[rule_id].fn(self)))
                steps = self.plan.escalation_steps[rule_id]
                held = cond
                # beyond the periods of the data every earlier value is unknown: the same result
                for k in range(1, min(steps, self.n_periods + 1)):
                    held = vec.kleene_and(held, vec.shift(cond, k, self.shape))
                self._escalation[rule_id] = np.asarray(held == 1, dtype=np.float64)
        return self._escalation[rule_id]


def _is_obj(x: Any) -> bool:
    return isinstance(x, str) or (isinstance(x, np.ndarray) and x.dtype == object)

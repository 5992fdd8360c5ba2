"""Column operations the compiled expressions are made of.

Every value is a float64 numpy array broadcastable to the evaluation grid
``(scenario, unit, period, indicator)``, a string (or object array along the indicator axis), or a
plain float. Booleans are floats: 1 true, 0 false, NaN unknown, with Kleene's three-valued logic,
so a missing input makes a condition unknown instead of silently false.

Missing-value semantics (documented in docs/language.md):
- arithmetic with a missing value is missing;
- division by zero is missing (never infinity), and is noted so results can say why;
- a comparison with a missing value is unknown; `unknown and false` is false,
  `unknown or true` is true, otherwise unknown;
- `if unknown then a else b` is missing;
- aggregates skip missing values; an aggregate with no values at all is missing.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

Value = Any
UNIT_AXIS, PERIOD_AXIS, IND_AXIS = 1, 2, 3


def as_float(x: Value) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def truth(x: Value) -> np.ndarray:
    """1/0/NaN for a boolean value (True/False Python values are accepted)."""
    return as_float(x)


def from_bool(mask: np.ndarray, unknown: np.ndarray | None = None) -> np.ndarray:
    out = mask.astype(np.float64)
    if unknown is not None and unknown.any():
        out = np.where(unknown, np.nan, out)
    return out


def kleene_and(a: Value, b: Value) -> np.ndarray:
    a, b = truth(a), truth(b)
    false = (a == 0) | (b == 0)
    unknown = np.isnan(a) | np.isnan(b)
    return np.where(false, 0.0, np.where(unknown, np.nan, 1.0))


def kleene_or(a: Value, b: Value) -> np.ndarray:
    a, b = truth(a), truth(b)
    true = (a == 1) | (b == 1)
    unknown = np.isnan(a) | np.isnan(b)
    return np.where(true, 1.0, np.where(unknown, np.nan, 0.0))


def kleene_not(a: Value) -> np.ndarray:
    a = truth(a)
    return 1.0 - a  # NaN stays NaN


def compare(op: str, a: Value, b: Value) -> np.ndarray:
    if _is_text(a) or _is_text(b):
        aa, bb = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
        eq = np.asarray(aa == bb, dtype=bool)
        return (eq if op == "==" else ~eq).astype(np.float64)
    a, b = as_float(a), as_float(b)
    with np.errstate(invalid="ignore"):
        if op == "==":
            r = a == b
        elif op == "!=":
            r = a != b
        elif op == "<":
            r = a < b
        elif op == "<=":
            r = a <= b
        elif op == ">":
            r = a > b
        else:
            r = a >= b
    return from_bool(np.asarray(r), np.isnan(a) | np.isnan(b))


def _is_text(x: Value) -> bool:
    return isinstance(x, str) or (isinstance(x, np.ndarray) and x.dtype == object)


def divide(a: Value, b: Value) -> tuple[np.ndarray, np.ndarray]:
    """a / b, missing where b is 0; also returns where a division by zero happened."""
    a, b = as_float(a), as_float(b)
    zero = b == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a / np.where(zero, np.nan, b)
    return out, zero & ~np.isnan(a)


def power(a: Value, b: Value) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        out = np.power(as_float(a), as_float(b))
    return np.where(np.isinf(out), np.nan, out)


def choose(cond: Value, then: Value, orelse: Value) -> Value:
    c = truth(cond)
    if _is_text(then) or _is_text(orelse):
        return np.where(c == 1, np.asarray(then, dtype=object), np.asarray(orelse, dtype=object))
    # one condition for every row (a switch) and a single value for the other branch: the taken
    # branch as it is, not a copy of it (the same numbers and shape as np.where would give)
    if c.ndim == 0 and c == 1 and np.ndim(orelse) == 0:
        return as_float(then)
    if c.ndim == 0 and c == 0 and np.ndim(then) == 0:
        return as_float(orelse)
    return np.where(c == 1, as_float(then), np.where(c == 0, as_float(orelse), np.nan))


def within(x: Value, lo: Value, hi: Value) -> np.ndarray:
    """x in lo .. hi (both ends included)."""
    return kleene_and(compare(">=", x, lo), compare("<=", x, hi))


def shift(x: Value, steps: int, shape: tuple[int, ...]) -> np.ndarray:
    """The value ``steps`` periods earlier (missing before the first period)."""
    full = np.broadcast_to(as_float(x), _grid(np.shape(x), shape, PERIOD_AXIS)).copy()
    if steps <= 0:
        return full
    out = np.full_like(full, np.nan)
    if steps < full.shape[PERIOD_AXIS]:
        out[:, :, steps:, :] = full[:, :, :-steps, :]
    return out


def _grid(xshape: tuple[int, ...], shape: tuple[int, ...], axis: int) -> tuple[int, ...]:
    base = list(xshape) if len(xshape) == 4 else [1, 1, 1, 1]
    base[axis] = shape[axis]
    return tuple(base)


# ---------------------------------------------------------------- aggregation across units

_NAN_REDUCERS: dict[str, Callable[..., Any]] = {
    "sum": np.nansum,
    "mean": np.nanmean,
    "sd": lambda a, axis, keepdims: np.nanstd(a, axis=axis, ddof=1, keepdims=keepdims),
    "median": np.nanmedian,
    "smallest": np.nanmin,
    "largest": np.nanmax,
}


def reduce_axis(how: str, x: np.ndarray, axis: int, q: float = 0.5) -> np.ndarray:
    """Aggregate along one axis, skipping missing values; all-missing gives missing."""
    missing = np.isnan(x)
    if how == "sum":  # the common case (totals over indicators), in few passes
        out = np.sum(np.where(missing, 0.0, x), axis=axis, keepdims=True)
        return np.where(missing.all(axis=axis, keepdims=True), np.nan, out)
    valid = np.sum(~missing, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"), quiet_warnings():
        if how == "count":
            out = np.nansum(x == 1, axis=axis, keepdims=True).astype(np.float64)
            return out
        if how == "percentile":
            out = np.nanquantile(x, q, axis=axis, keepdims=True)
        elif how in ("any", "all"):
            t = truth(x)
            if how == "any":
                out = np.where(
                    (t == 1).any(axis=axis, keepdims=True),
                    1.0,
                    np.where(np.isnan(t).any(axis=axis, keepdims=True), np.nan, 0.0),
                )
            else:
                out = np.where(
                    (t == 0).any(axis=axis, keepdims=True),
                    0.0,
                    np.where(np.isnan(t).any(axis=axis, keepdims=True), np.nan, 1.0),
                )
            return out
        else:
            out = _NAN_REDUCERS[how](x, axis=axis, keepdims=True)
    need = 2 if how == "sd" else 1
    return np.where(valid >= need, out, np.nan)


@contextmanager
def quiet_warnings() -> Iterator[None]:
    """Silence numpy's RuntimeWarnings (empty slices, all-missing groups): missing is an answer."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def group_reduce(
    how: str, x: np.ndarray, codes: np.ndarray, n_groups: int, q: float = 0.5
) -> np.ndarray:
    """Aggregate along the unit axis within groups (codes[u] is unit u's group, -1 for none);
    the group's result is given back to each of its units (same shape as x)."""
    import pandas as pd  # imported when used: `qframe validate` never needs it

    s, u, p, i = x.shape
    flat = np.moveaxis(x, UNIT_AXIS, 0).reshape(u, s * p * i)
    frame = pd.DataFrame(flat)
    key = pd.Series(codes)
    grouped = frame.groupby(key.where(key >= 0), sort=True)
    if how == "rank":
        ranked = grouped.rank(method="min", ascending=q != -1.0).to_numpy(dtype=np.float64)
        out = np.where(codes[:, None] >= 0, ranked, np.nan)
        return np.moveaxis(out.reshape(u, s, p, i), 0, UNIT_AXIS)
    if how == "count":
        agg = (frame == 1).groupby(key.where(key >= 0), sort=True).sum().astype(np.float64)
    elif how == "sum":
        agg = grouped.sum(min_count=1)
    elif how == "mean":
        agg = grouped.mean()
    elif how == "sd":
        agg = grouped.std(ddof=1)
    elif how == "median":
        agg = grouped.median()
    elif how == "smallest":
        agg = grouped.min()
    elif how == "largest":
        agg = grouped.max()
    elif how == "percentile":
        agg = grouped.quantile(q)
    elif how in ("any", "all"):
        decisive = (
            1 if how == "any" else 0
        )  # one true makes `any` true; one false makes `all` false
        by = key.where(key >= 0)
        hit = (frame == decisive).groupby(by).any().to_numpy()
        unknown = frame.isna().groupby(by).any().to_numpy()
        values = np.where(hit, float(decisive), np.where(unknown, np.nan, 1.0 - decisive))
        agg = pd.DataFrame(values, index=(frame == decisive).groupby(by).any().index)
    else:  # pragma: no cover - guarded by the function registry
        raise ValueError(how)
    table = agg.reindex(range(n_groups)).to_numpy(dtype=np.float64)
    table = np.vstack([table, np.full((1, table.shape[1]), np.nan)])  # row for code -1
    out = table[np.where(codes >= 0, codes, n_groups)]
    return np.moveaxis(out.reshape(u, s, p, i), 0, UNIT_AXIS)


def national_rank(x: np.ndarray, descending: bool) -> np.ndarray:
    import pandas as pd  # imported when used: `qframe validate` never needs it

    s, u, p, i = x.shape
    flat = np.moveaxis(x, UNIT_AXIS, 0).reshape(u, -1)
    ranked = (
        pd.DataFrame(flat).rank(method="min", ascending=not descending).to_numpy(dtype=np.float64)
    )
    return np.moveaxis(ranked.reshape(u, s, p, i), 0, UNIT_AXIS)

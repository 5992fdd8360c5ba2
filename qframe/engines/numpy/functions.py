"""The numpy implementation of each built-in function: given the closures of its arguments and
the options the checker resolved (keywords, steps, levels), a closure ``fn(ctx) -> column``.

The functions' signatures, docs and examples are in :mod:`qframe.functions.registry`; this module
is only how the numpy engine computes them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from qframe.engines.numpy import vectors as vec
from qframe.scoring import rules as scoring

if TYPE_CHECKING:
    from qframe.engines.numpy.engine import Ctx

Fn = Callable[["Ctx"], Any]

# Functions applied value by value (unit by unit): name -> implementation on columns.
ELEMENTWISE: dict[str, Callable[..., Any]] = {
    "slide": scoring.slide,
    "all_or_nothing": scoring.all_or_nothing,
    "clamp": scoring.clamp,
    "min": lambda *a: np.minimum.reduce([vec.as_float(v) for v in np.broadcast_arrays(*a)]),
    "max": lambda *a: np.maximum.reduce([vec.as_float(v) for v in np.broadcast_arrays(*a)]),
    "abs": lambda a: np.abs(vec.as_float(a)),
    "sqrt": lambda a: np.sqrt(np.where(vec.as_float(a) < 0, np.nan, vec.as_float(a))),
    "coalesce": lambda a, b: np.where(np.isnan(vec.as_float(a)), vec.as_float(b), vec.as_float(a)),
    "is_missing": lambda a: np.isnan(vec.as_float(a)).astype(np.float64),
}


def elementwise(name: str, fns: Sequence[Fn]) -> Fn:
    impl = ELEMENTWISE[name]
    return lambda ctx: impl(*(f(ctx) for f in fns))


def band(value: Fn, cuts: Sequence[Fn], scores: Sequence[Fn]) -> Fn:
    def fn(ctx: Ctx) -> Any:
        return scoring.band(value(ctx), [f(ctx) for f in cuts], [0.0, *(f(ctx) for f in scores)])

    return fn


def round_to(value: Fn, places: int) -> Fn:
    return lambda ctx: scoring.round_money(value(ctx), places)


def aggregate(
    how: str,
    value: Fn | None,
    where: Fn | None,
    over: str,
    by: str | None,
    q: float,
    descending: bool,
) -> Fn:
    """An aggregate across units (nationally or within ``by`` groups) or across indicators."""
    fx: Fn = value if value is not None else (lambda ctx: 1.0)
    if over == "indicators":

        def over_indicators(ctx: Ctx) -> Any:
            return ctx.over_indicators(lambda c: _reduce_indicators(c, how, fx, where, q))

        return over_indicators

    def across_units(ctx: Ctx) -> Any:
        x = ctx.grid(fx(ctx))
        if where is not None:
            x = _select(how, x, ctx.grid(where(ctx)))
        if how == "rank":
            if by is not None:
                codes, n = ctx.group_codes(by)
                return vec.group_reduce("rank", x, codes, n, -1.0 if descending else 1.0)
            return vec.national_rank(x, descending)
        if by is not None:
            codes, n = ctx.group_codes(by)
            return vec.group_reduce(how, x, codes, n, q)
        return vec.reduce_axis(how, x, vec.UNIT_AXIS, q)

    return across_units


def _reduce_indicators(ctx: Ctx, how: str, fx: Fn, where: Fn | None, q: float) -> Any:
    x = ctx.grid(fx(ctx))
    if where is not None:
        x = _select(how, x, ctx.grid(where(ctx)))
    return vec.reduce_axis(how, x, vec.IND_AXIS, q)


def _select(how: str, x: Any, where: Any) -> np.ndarray:
    """Leave out what `where=` excludes: skipped (missing) for most aggregates, and neutral for
    any/all (false for any, true for all), so an excluded unit never makes the result unknown."""
    keep = vec.truth(where) == 1
    excluded = {"any": 0.0, "all": 1.0}.get(how, np.nan)
    return np.where(keep, vec.as_float(x), excluded)


# How each time function combines a value with its earlier values.
TIME_COMBINE = {"previous": "lag", "lag": "lag", "change": "change", "persists": "persists"}


def over_time(name: str, value: Fn, steps: int) -> Fn:
    combine = TIME_COMBINE[name]

    def fn(ctx: Ctx) -> Any:
        x = value(ctx)
        if combine == "lag":
            return vec.shift(x, steps, ctx.shape)
        if combine == "change":
            return vec.as_float(ctx.grid(x)) - vec.shift(x, steps, ctx.shape)
        out = ctx.grid(vec.truth(x))
        # beyond the periods of the data every earlier value is unknown: the same result
        for k in range(1, min(steps, ctx.n_periods + 1)):
            out = vec.kleene_and(out, vec.shift(x, k, ctx.shape))
        return out

    return fn


def funnel(name: str, numerator: Fn, denominator: Fn, level: float, by: str | None) -> Fn:
    """A funnel plot's control limit: the pooled rate ∓ z × its standard error."""
    sign = -1.0 if name == "funnel_lower" else 1.0
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)

    def fn(ctx: Ctx) -> Any:
        num, den = ctx.grid(numerator(ctx)), ctx.grid(denominator(ctx))
        if by is not None:
            codes, n = ctx.group_codes(by)
            tn, td = (
                vec.group_reduce("sum", num, codes, n),
                vec.group_reduce("sum", den, codes, n),
            )
        else:
            tn, td = (
                vec.reduce_axis("sum", num, vec.UNIT_AXIS),
                vec.reduce_axis("sum", den, vec.UNIT_AXIS),
            )
        with np.errstate(invalid="ignore", divide="ignore"):
            p0 = tn / td
            se = np.sqrt(p0 * (1 - p0) / np.where(den > 0, den, np.nan))
        return p0 + sign * z * se

    return fn


def escalated(rule_id: str) -> Fn:
    return lambda ctx: ctx.escalation_value(rule_id)


def at_period(value: Fn, label: str) -> Fn:
    def fn(ctx: Ctx) -> Any:
        periods = ctx.data.periods
        full = ctx.grid(vec.as_float(value(ctx)))
        if label not in periods:
            return np.full(ctx.shape, np.nan)
        i = periods.index(label)
        return np.broadcast_to(full[:, :, i : i + 1, :], full.shape)

    return fn

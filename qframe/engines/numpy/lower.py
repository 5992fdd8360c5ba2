"""Closures of the numpy engine: each builds ``fn(ctx) -> column`` for one kind of checked
expression (a constant, a name, an operator) out of the closures of its parts, using the
vectorised helpers of :mod:`qframe.engines.numpy.vectors`.

The functions' closures are in :mod:`qframe.engines.numpy.functions`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from qframe.engines.numpy import vectors as vec

if TYPE_CHECKING:
    from qframe.engines.numpy.engine import Ctx

Fn = Callable[["Ctx"], Any]


def constant(value: Any) -> Fn:
    return lambda ctx: value


def unknown() -> Fn:
    """The closure of an expression that failed to check: always missing."""
    return lambda ctx: np.nan


# ---------------------------------------------------------------- names


def indicator_string(name: str) -> Fn:
    return lambda ctx: ctx.indicator_string(name)


def indicator_number(name: str) -> Fn:
    return lambda ctx: ctx.indicator_number(name)


def indicator_field_of(field: str, index: int) -> Fn:
    return lambda ctx: ctx.indicator_field_of(field, index)


def total(name: str) -> Fn:
    return lambda ctx: ctx.total(name)


def value(name: str) -> Fn:
    return lambda ctx: ctx.value(name)


def value_of(name: str, index: int) -> Fn:
    return lambda ctx: ctx.value_of(name, index)


def parameter(name: str) -> Fn:
    return lambda ctx: ctx.param(name)


def cached(name: str, body: Fn, per_indicator: bool) -> Fn:
    return lambda ctx: ctx.cached(name, body, per_indicator)


def unit_input(name: str, default: float | None) -> Fn:
    return lambda ctx: ctx.input(name, default)


def keyed_input(name: str, key: Fn, default: float | None) -> Fn:
    return lambda ctx: ctx.keyed_input(name, key(ctx), default)


def input_by_indicator_field(name: str, field: str, default: float | None) -> Fn:
    """An input keyed by each indicator's ``field`` (its id, or its group)."""
    return lambda ctx: ctx.keyed_input(name, ctx.indicator_string(field), default)


# ---------------------------------------------------------------- operators


def logical_not(operand: Fn) -> Fn:
    return lambda ctx: vec.kleene_not(operand(ctx))


def negate(operand: Fn) -> Fn:
    return lambda ctx: -vec.as_float(operand(ctx))


def logical(op: str, left: Fn, right: Fn) -> Fn:
    f = vec.kleene_and if op == "and" else vec.kleene_or
    return lambda ctx: f(left(ctx), right(ctx))


def compare(op: str, left: Fn, right: Fn) -> Fn:
    return lambda ctx: vec.compare(op, left(ctx), right(ctx))


def membership(negated: bool, left: Fn, bounds: Fn) -> Fn:
    def member(ctx: Ctx) -> Any:
        lo, hi = bounds(ctx)
        r = vec.within(left(ctx), lo, hi)
        return vec.kleene_not(r) if negated else r

    return member


def range_of(low: Fn, high: Fn) -> Fn:
    return lambda ctx: (low(ctx), high(ctx))


def arithmetic(op: str, left: Fn, right: Fn) -> Fn:
    if op == "+":
        return lambda ctx: vec.as_float(left(ctx)) + vec.as_float(right(ctx))
    if op == "-":
        return lambda ctx: vec.as_float(left(ctx)) - vec.as_float(right(ctx))
    if op == "*":
        return lambda ctx: vec.as_float(left(ctx)) * vec.as_float(right(ctx))
    if op == "^":
        return lambda ctx: vec.power(left(ctx), right(ctx))

    def divide(ctx: Ctx) -> Any:
        out, zero = vec.divide(left(ctx), right(ctx))
        ctx.note_zero_division(zero)
        return out

    return divide


def choose(cond: Fn, then: Fn, orelse: Fn) -> Fn:
    return lambda ctx: vec.choose(cond(ctx), then(ctx), orelse(ctx))


def split_by_indicator(cond: Fn, then: Fn, orelse: Fn, text: bool) -> Fn:
    """Each branch evaluated only for the indicators that take it."""
    return lambda ctx: ctx.split_by_indicator(cond(ctx), then, orelse, text)


# ---------------------------------------------------------------- constant folding

NOT_FOLDED: Any = object()


class _ConstantContext:
    """Stands in for an evaluation context while folding constants."""

    def note_zero_division(self, mask: Any) -> None:
        pass


def evaluate_constant(fn: Fn) -> Any:
    """The value of a closure built from constants only (scalars, or a pair of them for a
    range), or :data:`NOT_FOLDED` when it cannot be computed without data."""
    try:
        value = fn(_ConstantContext())  # type: ignore[arg-type]
    except Exception:  # a constant that cannot be folded stays dynamic
        return NOT_FOLDED
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, tuple) and all(isinstance(v, np.ndarray) and v.ndim == 0 for v in value):
        value = tuple(v.item() for v in value)
    return value

"""Lowering the typed IR to the numpy engine's closures.

Each IR node becomes a closure ``fn(ctx) -> column`` built from the closures of its parts, using
the vectorised helpers of :mod:`qframe.engines.numpy.vectors` (the functions' closures are in
:mod:`qframe.engines.numpy.functions`). The closures run once per evaluation over all units,
periods and indicators at once: the tree is never walked per practice.

``lower(program, tracing=True)`` also keeps each node's closure, grouped by the expression it
belongs to (:class:`~qframe.engines.numpy.plan.Trace`), so `explain` can show the value of each
step from the evaluation's own context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from qframe.check.compiler import check_framework
from qframe.engines.numpy import functions as impl
from qframe.engines.numpy import vectors as vec
from qframe.engines.numpy.plan import (
    NOT_CONSTANT,
    Lowered,
    LoweredValue,
    LoweredVariant,
    Plan,
    Trace,
)
from qframe.functions.registry import REGISTRY
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.ir.program import Program
from qframe.language import ast
from qframe.model import definition as m

if TYPE_CHECKING:
    from qframe.engines.numpy.engine import Ctx

Fn = Callable[["Ctx"], Any]


def constant(value: Any) -> Fn:
    return lambda ctx: value


def missing() -> Fn:
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
    """`if`: a branch no unit takes is not evaluated (it reads no data: an input it names may be
    absent, e.g. a switch set to use the data's pooled figure rather than a published one)."""

    def fn(ctx: Ctx) -> Any:
        c = cond(ctx)
        held = vec.truth(c)
        if np.all(held == 1):
            return vec.choose(c, then(ctx), np.nan)
        if np.all(held == 0):
            return vec.choose(c, np.nan, orelse(ctx))
        return vec.choose(c, then(ctx), orelse(ctx))

    return fn


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
        with np.errstate(all="ignore"):  # an overflow is reported by the checker (Q320)
            value = fn(_ConstantContext())  # type: ignore[arg-type]
    except Exception:  # a constant that cannot be folded stays dynamic
        return NOT_FOLDED
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, tuple) and all(isinstance(v, np.ndarray) and v.ndim == 0 for v in value):
        value = tuple(v.item() for v in value)
    return value


def fold_constant(node: ir.Node) -> tuple[bool, Any]:
    """The checker's constant folding: (True, value) when ``node`` evaluates without data."""
    value = evaluate_constant(Lowering(tracing=False).fn(node))
    return (False, None) if value is NOT_FOLDED else (True, value)


def compile_framework(fw: m.FrameworkDef, *, tracing: bool = False) -> Plan:
    """Check a framework (:func:`qframe.check.compiler.check_framework`) and lower it for the
    numpy engine, keeping every step's closure for explain when ``tracing``."""
    return lower(check_framework(fw, fold_constant), tracing=tracing)


def lower(program: Program, *, tracing: bool = False) -> Plan:
    """The numpy engine's plan for a checked program."""
    lowering = Lowering(tracing)
    values = {
        name: LoweredValue(
            name,
            value.kind,
            value.type,
            [
                LoweredVariant(list(v.indicators), lowering.variant(name, v.node, v.expr), v.expr)
                for v in value.variants
            ],
            value.location,
        )
        for name, value in program.values.items()
    }
    return Plan(
        framework=program.framework,
        indicator_ids=program.indicator_ids,
        indicator_strings={
            f: np.array(v, dtype=object) for f, v in program.indicator_strings.items()
        },
        indicator_numbers={
            f: np.array(v, dtype=np.float64) for f, v in program.indicator_numbers.items()
        },
        params={name: lowering.root(node) for name, node in program.params.items()},
        param_types=program.param_types,
        param_overrides={
            name: {i: lowering.root(node) for i, node in by_indicator.items()}
            for name, by_indicator in program.param_overrides.items()
        },
        values=values,
        value_order=program.value_order,
        totals={
            name: lowering.root(node, ("total", name)) for name, node in program.totals.items()
        },
        checks={name: lowering.root(node) for name, node in program.checks.items()},
        escalation={
            name: lowering.root(node, ("escalation", name))
            for name, node in program.escalation.items()
        },
        escalation_steps=program.escalation_steps,
        level_order=program.level_order,
        unit_attributes=program.unit_attributes,
        money_values=program.money_values,
        diagnostics=program.diagnostics,
        trace=lowering.trace if tracing else None,
        attribute_uses=program.attribute_uses,
        param_deps=program.param_deps,
        program=program,
    )


class Lowering:
    """Lowers IR nodes to closures, each node once (a node shared by several expressions — a
    definition's body, an argument — gives one closure)."""

    def __init__(self, tracing: bool) -> None:
        self.tracing = tracing
        self.trace = Trace()
        self.frames: list[dict[Any, Any]] = []
        self.done: dict[int, Fn] = {}
        self.keep: list[ir.Node] = []  # the nodes behind `done`'s ids stay alive

    def root(self, node: ir.Node, key: tuple[str, str] | None = None) -> Lowered:
        """A named thing's value (its steps traced under ``key``)."""
        fn = self.framed(node, key)
        const = node.value if isinstance(node, ir.Const) else NOT_CONSTANT
        return Lowered(node.type, fn, const)

    def variant(self, name: str, node: ir.Node, expr: m.Expression | None) -> Lowered:
        if expr is None:
            return Lowered(node.type, self.fn(node))
        self.frames.append({})
        fn = self.fn(node)
        frame = self.frames.pop()
        if self.tracing:
            self.trace.variants[(name, id(expr))] = frame
        return Lowered(node.type, fn)

    def framed(self, node: ir.Node, key: tuple[str, str] | None) -> Fn:
        if key is None:
            return self.fn(node)
        self.frames.append({})
        fn = self.fn(node)
        frame = self.frames.pop()
        if self.tracing:
            self.trace.named.setdefault(key, frame)
        return fn

    def fn(self, node: ir.Node) -> Fn:
        fn = self.done.get(id(node))
        if fn is None:
            fn = self.build(node)
            self.done[id(node)] = fn
            self.keep.append(node)
        if self.tracing and self.frames and node.syntax is not None:
            options = node.options if isinstance(node, ir.Call) else {}
            self.frames[-1][id(node.syntax)] = Lowered(node.type, fn, options=options)
        return fn

    def build(self, node: ir.Node) -> Fn:
        if isinstance(node, ir.Const):
            return constant(node.value)
        if isinstance(node, ir.Missing):
            return missing()
        if isinstance(node, ir.Alias):
            return self.fn(node.target)
        if isinstance(node, ir.Param):
            return parameter(node.name)
        if isinstance(node, ir.IndicatorField):
            return indicator_string(node.name) if node.text else indicator_number(node.name)
        if isinstance(node, ir.IndicatorFieldOf):
            return indicator_field_of(node.name, node.indicator)
        if isinstance(node, ir.ValueRef):
            return value(node.name)
        if isinstance(node, ir.ValueOf):
            return value_of(node.name, node.indicator)
        if isinstance(node, ir.TotalRef):
            return total(node.name)
        if isinstance(node, ir.EscalationRef):
            return impl.escalated(node.rule)
        if isinstance(node, ir.DefineRef):
            body = self.framed(node.body, ("define", node.name))
            return cached(node.name, body, node.type.per_indicator)
        if isinstance(node, ir.DefineCall):
            return self.define_call(node)
        if isinstance(node, ir.Input):
            if node.key is not None:
                return keyed_input(node.name, self.fn(node.key), node.default)
            if node.key_field:
                return input_by_indicator_field(node.name, node.key_field, node.default)
            return unit_input(node.name, node.default)
        if isinstance(node, ir.Unary):
            operand = self.fn(node.operand)
            return logical_not(operand) if node.op == "not" else negate(operand)
        if isinstance(node, ir.Binary):
            return self.binary(node)
        if isinstance(node, ir.If):
            cond, then, orelse = self.fn(node.cond), self.fn(node.then), self.fn(node.orelse)
            if node.split:
                return split_by_indicator(cond, then, orelse, node.type.kind is t.Kind.STRING)
            return choose(cond, then, orelse)
        if isinstance(node, ir.Call):
            return self.call(node)
        if isinstance(node, ir.Aggregate):
            for setting in node.settings:  # read when checking; lowered for the trace
                self.fn(setting)
            value_fn = self.fn(node.value) if node.value is not None else None
            where_fn = self.fn(node.where) if node.where is not None else None
            name = node.signature.name
            return impl.aggregate(
                name, value_fn, where_fn, node.over, node.by, node.q, node.descending
            )
        raise TypeError(f"cannot lower {type(node).__name__}")  # pragma: no cover

    def define_call(self, node: ir.DefineCall) -> Fn:
        for arg in node.args:  # the arguments belong to the caller's expression
            self.fn(arg)
        self.frames.append({})
        body = self.fn(node.body)
        callee = self.frames.pop()
        if self.tracing and self.frames and node.syntax is not None:
            # kept inside the caller's trace: one per call site and binding
            self.frames[-1][("call", id(node.syntax))] = callee
        return body

    def binary(self, node: ir.Binary) -> Fn:
        op = node.op
        left, right = self.fn(node.left), self.fn(node.right)
        if op in ("and", "or"):
            return logical(op, left, right)
        if op in ast.COMPARISON:
            return compare(op, left, right)
        if op in ast.MEMBERSHIP:
            return membership(op == "not in", left, right)
        if op == "..":
            return range_of(left, right)
        return arithmetic(op, left, right)

    def call(self, node: ir.Call) -> Fn:
        name = node.signature.name
        family = REGISTRY[name].family
        fns = [self.fn(a) for a in node.args]
        for setting in node.settings:  # read when checking; lowered for the trace
            self.fn(setting)
        options = node.options
        if family in ("elementwise", "scoring"):
            return impl.elementwise(name, fns)
        if family == "band":
            return impl.band(fns[0], fns[1::2], fns[2::2])
        if family == "round":
            return impl.round_to(fns[0], options["places"])
        if family == "time":
            return impl.over_time(name, fns[0], options["steps"])
        if family == "funnel":
            return impl.funnel(name, fns[0], fns[1], options["level"], options["by"])
        if family == "at":
            return impl.at_period(fns[0], options["period"])
        raise TypeError(f"cannot lower a call of {name}")  # pragma: no cover

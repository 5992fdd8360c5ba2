"""Literals and operators: their kinds of value (units), and constant folding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qframe.check.compiled import NOT_CONSTANT, Compiled, Scope, unknown
from qframe.errors.diagnostics import Location
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.language import ast
from qframe.language.literals import literal_value
from qframe.language.printer import to_text

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler


# The kind of value each literal gives; its value is read by the one literal parser.
LITERAL_TYPES: dict[type, t.Type] = {
    ast.Number: t.NUMBER,
    ast.Percent: t.NUMBER,
    ast.Money: t.MONEY,
    ast.Duration: t.DURATION,
    ast.String: t.STRING,
    ast.Bool: t.BOOL,
}


def record_only(compiler: Compiler, node: ast.Node, scope: Scope) -> Compiled:
    """A date, a clinical quantity, `is known`, `N months of D` or a duration in days: syntax of
    record-level definitions (records.yaml), which have no meaning for practice counts."""
    compiler.error(
        "Q500",
        f"`{to_text(node)}` belongs to record-level definitions, not to {scope.what}",
        scope.loc(node),
        "dates, clinical units, `is known` and windows are written in records.yaml "
        "(docs/records-authoring.md)",
    )
    return unknown(node)


def literal(compiler: Compiler, node: ast.Node, scope: Scope) -> Compiled:
    """A number, percentage, money amount, duration, text or truth value: a constant."""
    unit = node.unit if isinstance(node, ast.Duration) else ""
    if unit in ast.DURATION_DAYS:
        return record_only(compiler, node, scope)
    if unit and unit not in ast.DURATION_UNITS:  # pragma: no cover - the grammar admits only these
        compiler.error("Q332", f"unknown time unit `{unit}`", scope.loc(node))
    value = literal_value(node, compiler.fw.period_months)
    assert value is not None
    typ = LITERAL_TYPES[type(node)]
    return Compiled(ir.Const(value, type=typ, **scope.at(node)), value, node, True)


def unary(compiler: Compiler, node: ast.Unary, scope: Scope) -> Compiled:
    a = compiler.node(node.operand, scope)
    if node.op == "not":
        compiler.expect_bool(a, scope.expr, node.operand, "`not`")
        typ = t.Type(t.Kind.BOOL, a.type.per_indicator)
        negation = ir.Unary("not", a.ir, type=typ, **scope.at(node))
        return compiler.fold(Compiled(negation, NOT_CONSTANT, node), [a])
    if a.type.kind not in (t.Kind.NUMBER, t.Kind.MONEY, t.Kind.DURATION, t.Kind.ANY):
        compiler.error("Q300", f"cannot negate {a.type.describe()}", scope.loc(node))
        return unknown(node)
    if node.op == "+":
        return Compiled(ir.Alias(a.ir, type=a.type, **scope.at(node)), a.const, node)
    minus = ir.Unary("-", a.ir, type=a.type, **scope.at(node))
    return compiler.fold(Compiled(minus, NOT_CONSTANT, node), [a])


def binary(compiler: Compiler, node: ast.Binary, scope: Scope) -> Compiled:
    op = node.op
    a = compiler.node(node.left, scope)
    b = compiler.node(node.right, scope)
    per = a.type.per_indicator or b.type.per_indicator
    ka, kb = a.type.kind, b.type.kind
    if op in ("and", "or"):
        compiler.expect_bool(a, scope.expr, node.left, f"`{op}`")
        compiler.expect_bool(b, scope.expr, node.right, f"`{op}`")
        logic = ir.Binary(op, a.ir, b.ir, type=t.Type(t.Kind.BOOL, per), **scope.at(node))
        return compiler.fold(Compiled(logic, NOT_CONSTANT, node), [a, b])
    if op in ast.COMPARISON:
        if not t.comparable(ka, kb, op):
            compiler.error(
                "Q301",
                f"cannot compare {a.type.describe()} with {b.type.describe()}",
                scope.loc(node),
                _unit_hint(ka, kb),
            )
            return unknown(node)
        comparison = ir.Binary(op, a.ir, b.ir, type=t.Type(t.Kind.BOOL, per), **scope.at(node))
        return compiler.fold(Compiled(comparison, NOT_CONSTANT, node), [a, b])
    if op in ast.MEMBERSHIP:
        return _membership(compiler, node, scope, a, b)
    if op == "..":
        return _range(compiler, node, scope, a, b)
    if op == ast.WINDOW:
        return record_only(compiler, node, scope)
    return _arithmetic(compiler, node, scope, a, b)


def _membership(
    compiler: Compiler, node: ast.Binary, scope: Scope, a: Compiled, b: Compiled
) -> Compiled:
    op = node.op
    ka, kb = a.type.kind, b.type.kind
    if kb is not t.Kind.RANGE and kb is not t.Kind.ANY:
        compiler.error(
            "Q302",
            f"`{op}` needs a range on its right, not {b.type.describe()}",
            scope.loc(node.right),
            "write e.g. x in 4 .. 8",
        )
        return unknown(node)
    elem = b.type.elem or t.Kind.ANY
    if not t.comparable(ka, elem, "<"):
        compiler.error(
            "Q301",
            f"cannot compare {a.type.describe()} with a range of {t.Type(elem).describe()}",
            scope.loc(node),
            _unit_hint(ka, elem),
        )
        return unknown(node)
    per = a.type.per_indicator or b.type.per_indicator
    member = ir.Binary(op, a.ir, b.ir, type=t.Type(t.Kind.BOOL, per), **scope.at(node))
    return compiler.fold(Compiled(member, NOT_CONSTANT, node), [a, b])


def _range(
    compiler: Compiler, node: ast.Binary, scope: Scope, a: Compiled, b: Compiled
) -> Compiled:
    kind = t.add_kind(a.type.kind, b.type.kind)
    if kind is None or kind not in (t.Kind.NUMBER, t.Kind.MONEY, t.Kind.DURATION, t.Kind.ANY):
        compiler.error(
            "Q303",
            f"a range needs two bounds of the same kind, not {a.type.describe()} and {b.type.describe()}",
            scope.loc(node),
            "write e.g. 35% .. 75% or £100 .. £200",
        )
        return unknown(node)
    if (
        a.is_const
        and b.is_const
        and not a.const <= b.const
        and not scope.what.startswith("thresholds")
    ):
        compiler.error(
            "Q304",
            f"the range {to_text(node)} is empty: its lower bound is above its upper bound",
            scope.loc(node),
            "write the lower bound first",
        )
    per = a.type.per_indicator or b.type.per_indicator
    typ = t.Type(t.Kind.RANGE, per, kind)
    bounds = ir.Binary("..", a.ir, b.ir, type=typ, **scope.at(node))
    return compiler.fold(Compiled(bounds, NOT_CONSTANT, node), [a, b])


def _arithmetic(
    compiler: Compiler, node: ast.Binary, scope: Scope, a: Compiled, b: Compiled
) -> Compiled:
    op = node.op
    ka, kb = a.type.kind, b.type.kind
    if op in ("+", "-"):
        kind = t.add_kind(ka, kb)
        verb = "add" if op == "+" else "subtract"
    elif op == "*":
        kind = t.mul_kind(ka, kb)
        verb = "multiply"
    elif op == "/":
        kind = t.div_kind(ka, kb)
        verb = "divide"
    else:
        kind = t.Kind.NUMBER if {ka, kb} <= {t.Kind.NUMBER, t.Kind.ANY} else None
        verb = "raise"
    if kind is None:
        compiler.error(
            "Q305",
            f"cannot {verb} {a.type.describe()} {_PREPOSITION[op]} {b.type.describe()}: "
            f"{_side(node.left)} is {a.type.describe()}, {_side(node.right)} is "
            f"{b.type.describe()}",
            _operator_location(scope, node),
            _arithmetic_hint(op, ka, kb),
        )
        return unknown(node)
    typ = t.Type(kind, a.type.per_indicator or b.type.per_indicator)
    arithmetic = ir.Binary(op, a.ir, b.ir, type=typ, **scope.at(node))
    return compiler.fold(Compiled(arithmetic, NOT_CONSTANT, node), [a, b])


def conditional(compiler: Compiler, node: ast.If, scope: Scope) -> Compiled:
    c = compiler.node(node.cond, scope)
    a = compiler.node(node.then, scope)
    b = compiler.node(node.orelse, scope)
    compiler.expect_bool(c, scope.expr, node.cond, "`if`")
    kind = (
        a.type.kind
        if b.type.is_any
        else b.type.kind
        if a.type.is_any
        else (a.type.kind if a.type.kind is b.type.kind else None)
    )
    if kind is None:
        compiler.error(
            "Q306",
            f"the two branches of `if` give different kinds of value: {a.type.describe()} and {b.type.describe()}",
            scope.loc(node),
            "both `then` and `else` must give the same kind, e.g. £0 rather than 0 for money",
        )
        return unknown(node)
    per = c.type.per_indicator or a.type.per_indicator or b.type.per_indicator
    typ = t.Type(kind, per, a.type.elem or b.type.elem)
    # A condition that differs only between indicators: each branch is evaluated only for the
    # indicators that take it (so a branch may read data the others do not have).
    split = c.static and c.type.per_indicator
    choice = ir.If(c.ir, a.ir, b.ir, split, type=typ, **scope.at(node))
    return compiler.fold(Compiled(choice, NOT_CONSTANT, node), [c, a, b])


def _side(node: ast.Node) -> str:
    """One side of an operator, as written (shortened), for a message."""
    text = to_text(node)
    return f"`{text}`" if len(text) <= 40 else f"`{text[:37]}...`"


def _operator_location(scope: Scope, node: ast.Binary) -> Location:
    """Where the operator of ``node`` is written (between its two sides), or the whole node."""
    expr = scope.expr
    gap = expr.text[node.left.end : node.right.start]
    at = gap.find(node.op)
    if at < 0 or not expr.offsets:
        return scope.loc(node)
    start = node.left.end + at
    return Location(expr.source, expr.offsets[start], len(node.op))


_PREPOSITION = {"+": "and", "-": "from", "*": "by", "/": "by", "^": "to"}


def _unit_hint(a: t.Kind, b: t.Kind) -> str:
    if t.Kind.MONEY in (a, b) and t.Kind.NUMBER in (a, b):
        return "write money with £, e.g. payment > £100"
    if t.Kind.BOOL in (a, b):
        return "a condition is already true or false: use it directly, or combine it with and/or"
    return "both sides must be the same kind of value"


def _arithmetic_hint(op: str, a: t.Kind, b: t.Kind) -> str:
    if op in "+-" and {a, b} == {t.Kind.MONEY, t.Kind.NUMBER}:
        return "money can only be added to money: write £ amounts, or multiply the number by a £ value first"
    if op == "*" and a is b is t.Kind.MONEY:
        return "multiply money by a number (points, a share, a factor), not by money"
    if t.Kind.BOOL in (a, b):
        return "use `if cond then x else y` to turn a condition into a value"
    if t.Kind.STRING in (a, b):
        return "strings cannot take part in arithmetic"
    return "the two sides must be compatible kinds of value"

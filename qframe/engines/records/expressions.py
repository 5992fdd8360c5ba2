"""Per-patient IR nodes lowered to SQL expressions (sqlglot trees, rendered per dialect).

Three-valued logic is SQL's own: a missing value is NULL, ``AND``/``OR`` are Kleene (``NULL AND
FALSE`` is false, ``NULL OR TRUE`` is true), a comparison with NULL is NULL, and a rule's ``CASE
WHEN NULL`` does not fire — the documented semantics of a rule. ``if`` with an unknown condition
is missing (``CASE WHEN c THEN a WHEN NOT c THEN b END``), a division by zero is missing, as at
the practice level.

What a node reads from the records (a field, an event query, a registration, a register, a
parameter, a patient column) is asked of a :class:`Scope`, so the same lowering serves every
stage of the query. Nodes whose value is known before any data (a date ``pped - 12 months + 1
day`` with ``pped`` a parameter) are folded in Python (:func:`fold`) and written as literals, so
the SQL reads ``date >= DATE '2014-04-01'`` and DuckDB can push the bound into the scan.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
from sqlglot import exp

from qframe.errors.diagnostics import DefinitionError, error
from qframe.ir import nodes as ir
from qframe.ir import records as rec
from qframe.ir.kinds import Kind

NOT_FOLDED: Any = object()
COMPARISONS: dict[str, type[exp.Expr]] = {
    "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE, "==": exp.EQ, "!=": exp.NEQ,
}  # fmt: skip
ARITHMETIC: dict[str, type[exp.Expr]] = {
    "+": exp.Add, "-": exp.Sub, "*": exp.Mul,
}  # fmt: skip


class Scope(Protocol):
    """What the lowering reads: each a SQL expression in the stage being built."""

    def param(self, name: str) -> exp.Expr: ...

    def field(self, name: str) -> exp.Expr: ...

    def event(self, node: rec.EventQuery) -> exp.Expr: ...

    def registration(self, node: rec.RegistrationQuery) -> exp.Expr: ...

    def register(self, group: str) -> exp.Expr: ...

    def patient(self, column: str) -> exp.Expr: ...


ATOMS = (
    exp.Column,
    exp.Literal,
    exp.Cast,
    exp.Func,
    exp.Paren,
    exp.Case,
    exp.Null,
    exp.Boolean,
    exp.Dot,
)


def wrap(node: exp.Expr) -> exp.Expr:
    """``node`` in parentheses unless it is atomic (a column, literal, call, CASE, ...)."""
    return node if isinstance(node, ATOMS) else exp.paren(node, copy=False)


def cannot_lower(node: object, why: str = "") -> DefinitionError:
    """The error for an expression the record engine has no lowering for."""
    name = type(node).__name__
    return DefinitionError(
        [
            error(
                "Q430",
                f"the record engine cannot compute {name} per patient{': ' + why if why else ''}",
                getattr(node, "location", None),
                "per-patient rules use fields, event queries, ages, dates, comparisons and and/or/not",
            )
        ]
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar months, clamped to the target month's last day.

    >>> add_months(dt.date(2015, 3, 31), -1)
    datetime.date(2015, 2, 28)
    >>> add_months(dt.date(2016, 2, 29), 12)
    datetime.date(2017, 2, 28)
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def literal(value: Any) -> exp.Expr:
    """A Python value as a SQL literal (a date as ``DATE 'YYYY-MM-DD'``, None as NULL)."""
    if value is None:
        return exp.null()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)
    if isinstance(value, (int, float)):
        number = float(value)
        if number != number:  # NaN: missing
            return exp.null()
        text = str(int(number)) if number.is_integer() else repr(number)
        return exp.Literal.number(text)
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"no SQL literal for {value!r}")


def fold(node: ir.Node, param: Callable[[str], Any]) -> Any:
    """The value of ``node`` when it is known before any data, else :data:`NOT_FOLDED`.
    ``param`` gives a parameter's value (NOT_FOLDED when it varies by scenario)."""
    if isinstance(node, ir.Const):
        return _const_value(node)
    if isinstance(node, ir.Param):
        return param(node.name)
    if isinstance(node, ir.Alias):
        return fold(node.target, param)
    if isinstance(node, rec.DateOffset):
        base = fold(node.base, param)
        if base is NOT_FOLDED or base is None:
            return base
        if isinstance(base, dt.datetime):
            base = base.date()
        if not isinstance(base, dt.date):
            return NOT_FOLDED
        return add_months(base, node.months) + dt.timedelta(days=node.days)
    if isinstance(node, ir.Unary) and node.op == "-":
        value = fold(node.operand, param)
        return (
            -value
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else NOT_FOLDED
        )
    return NOT_FOLDED


def _const_value(node: ir.Const) -> Any:
    value = node.value
    if node.type.kind is Kind.BOOL and isinstance(value, (int, float)):
        return bool(value)
    return value


class Lowering:
    """Lowers per-patient nodes in one :class:`Scope`; ``param_value`` folds parameters."""

    def __init__(self, scope: Scope, param_value: Callable[[str], Any]) -> None:
        self.scope = scope
        self.param_value = param_value

    def __call__(self, node: ir.Node) -> exp.Expr:
        folded = fold(node, self.param_value)
        if folded is not NOT_FOLDED:
            if isinstance(folded, tuple):
                raise cannot_lower(node, "a range is only read by `in`")
            return literal(folded)
        return self.lower(node)

    def lower(self, node: ir.Node) -> exp.Expr:
        if isinstance(node, ir.Param):
            return self.scope.param(node.name)
        if isinstance(node, ir.Missing):
            return exp.null()
        if isinstance(node, ir.Alias):
            return self(node.target)
        if isinstance(node, (ir.DefineRef, ir.DefineCall)):
            return self(node.body)
        if isinstance(node, rec.FieldRef):
            return self.scope.field(node.name)
        if isinstance(node, rec.EventQuery):
            return self.scope.event(node)
        if isinstance(node, rec.RegistrationQuery):
            return self.scope.registration(node)
        if isinstance(node, rec.OnRegister):
            return self.scope.register(node.register)
        if isinstance(node, rec.PatientColumn):
            return self.scope.patient(node.name)
        if isinstance(node, rec.Known):
            test: exp.Expr = exp.Is(this=wrap(self(node.operand)), expression=exp.null())
            return test if node.negate else exp.not_(test)
        if isinstance(node, rec.AgeAt):
            return age(self.scope.patient("date_of_birth"), self(node.date))
        if isinstance(node, rec.DateOffset):
            return date_offset(self(node.base), node.months, node.days)
        if isinstance(node, ir.Unary):
            operand = wrap(self(node.operand))
            return exp.not_(operand) if node.op == "not" else exp.Neg(this=operand)
        if isinstance(node, ir.If):
            cond = wrap(self(node.cond))
            return exp.Case().when(cond, self(node.then)).when(exp.not_(cond), self(node.orelse))
        if isinstance(node, ir.Binary):
            return self.binary(node)
        raise cannot_lower(node)

    def binary(self, node: ir.Binary) -> exp.Expr:
        op = node.op
        if op in ("in", "not in"):
            low, high = self.bounds(node.right)
            value = wrap(self(node.left))
            inside = exp.and_(
                exp.GTE(this=value, expression=low), exp.LTE(this=value, expression=high)
            )
            return exp.not_(wrap(inside)) if op == "not in" else wrap(inside)
        left, right = wrap(self(node.left)), wrap(self(node.right))
        if op == "and":
            return exp.And(this=left, expression=right)
        if op == "or":
            return exp.Or(this=left, expression=right)
        if op in COMPARISONS:
            return COMPARISONS[op](this=left, expression=right)
        if op in ARITHMETIC:
            return ARITHMETIC[op](this=left, expression=right)
        if op == "/":
            return exp.Div(this=left, expression=exp.Nullif(this=right, expression=literal(0)))
        if op == "^":
            return exp.Pow(this=left, expression=right)
        raise cannot_lower(node, f"operator `{op}`")

    def bounds(self, node: ir.Node) -> tuple[exp.Expr, exp.Expr]:
        folded = fold(node, self.param_value)
        if isinstance(folded, tuple) and len(folded) == 2:
            return literal(folded[0]), literal(folded[1])
        if isinstance(node, ir.Binary) and node.op == "..":
            return self(node.left), self(node.right)
        if isinstance(node, ir.Alias):
            return self.bounds(node.target)
        raise cannot_lower(node, "`in` needs a range")


def date_offset(base: exp.Expr, months: int, days: int) -> exp.Expr:
    """``base`` moved by calendar months (day clamped, as DuckDB and Spark both do) then days."""
    out = base
    if months:
        out = exp.DateAdd(this=out, expression=exp.Literal.number(months), unit=exp.var("MONTH"))
    if days:
        out = exp.DateAdd(this=out, expression=exp.Literal.number(days), unit=exp.var("DAY"))
    return exp.cast(out, exp.DataType.Type.DATE)


def age(birth: exp.Expr, on: exp.Expr) -> exp.Expr:
    """Whole years from ``birth`` to ``on``: the difference of years, less one before the
    birthday (born 29 February: the birthday falls on 1 March in other years)."""
    on_p, birth_p = wrap(on), wrap(birth)
    before = exp.or_(
        exp.LT(this=exp.Month(this=on_p), expression=exp.Month(this=birth_p)),
        exp.and_(
            exp.EQ(this=exp.Month(this=on_p), expression=exp.Month(this=birth_p)),
            exp.LT(this=exp.Day(this=on_p), expression=exp.Day(this=birth_p)),
        ),
    )
    years = exp.Sub(this=exp.Year(this=on_p), expression=exp.Year(this=birth_p))
    return exp.Sub(
        this=years,
        expression=exp.Case().when(before, exp.Literal.number(1)).else_(exp.Literal.number(0)),
    )

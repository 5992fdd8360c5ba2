"""Checking one record-level expression: literals, names, `.date`/`.value`, `is known`, operators.

Kinds and units are checked like £ and % at the practice level: a value in mmol/mol compares only
with another in mmol/mol (``hba1c.value <= 59 mmol/mol``), a date moves only by a duration
(``pped - 12 months`` is a date, ``date + date`` an error), and a condition must be true/false.
Calls (event queries, ages, registrations) are :mod:`.queries`.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qframe.check.records.values import PATIENT_COLUMNS, Value, Where, event_attribute, missing
from qframe.errors.diagnostics import did_you_mean
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.ir.records import DateOffset, Known, PatientColumn
from qframe.language import ast
from qframe.language.printer import to_text

if TYPE_CHECKING:
    from qframe.check.records.checker import RecordChecker


def check(rc: RecordChecker, node: ast.Node, where: Where) -> Value:
    """The checked value of ``node`` (errors reported on ``rc``)."""
    if isinstance(node, ast.Call):
        return rc.call(node, where)
    handler = _HANDLERS.get(type(node))
    if handler is None:
        rc.error("Q506", f"`{to_text(node)}` cannot be used here", where.loc(node))
        return missing(node)
    return handler(rc, node, where)


def literal(rc: RecordChecker, node: ast.Node, where: Where) -> Value:
    at = where.at(node)
    if isinstance(node, ast.Date):
        return Value(ir.Const(node.value, type=t.DATE, **at), t.DATE, node.value)
    if isinstance(node, ast.Quantity):
        typ = t.quantity(node.unit)
        return Value(ir.Const(node.value, type=typ, **at), typ, node.value)
    if isinstance(node, ast.Number):
        return Value(ir.Const(node.value, type=t.NUMBER, **at), t.NUMBER, node.value)
    if isinstance(node, ast.Percent):
        share = node.value / 100.0
        return Value(ir.Const(share, type=t.NUMBER, **at), t.NUMBER, share)
    if isinstance(node, ast.String):
        return Value(ir.Const(node.value, type=t.STRING, **at), t.STRING, node.value)
    if isinstance(node, ast.Bool):
        return Value(ir.Const(node.value, type=t.BOOL, **at), t.BOOL, node.value)
    if isinstance(node, ast.Duration):
        return duration(rc, node, where)
    rc.error(
        "Q305",
        f"`{to_text(node)}` has no meaning in record-level rules",
        where.loc(node),
        "amounts of money belong to framework.yaml; records give counts",
    )
    return missing(node)


def duration(rc: RecordChecker, node: ast.Duration, where: Where) -> Value:
    """A duration as whole (months, days): `12 months`, `1 year`, `2 weeks`, `1 day`."""
    if node.unit == "period" or node.amount != int(node.amount):
        rc.error(
            "Q515",
            f"`{to_text(node)}` is not a whole number of days, weeks, months, quarters or years",
            where.loc(node),
            "record-level windows count whole calendar units, e.g. 9 months or 14 days",
        )
        return missing(node)
    amount = int(node.amount)
    if node.unit in ast.DURATION_DAYS:
        span = (0, amount * ast.DURATION_DAYS[node.unit])
    else:
        span = (amount * int(ast.DURATION_MONTHS[node.unit]), 0)
    return Value(ir.Const(span, type=t.DURATION, **where.at(node)), t.DURATION, span)


def name(rc: RecordChecker, node: ast.Name, where: Where) -> Value:
    n = node.name
    if n in rc.records.fields:
        if not where.fields:
            rc.error(
                "Q516",
                f"{where.what} cannot read the per-patient field `{n}`",
                where.loc(node),
                "a parameter is one value for everyone: a date, a number or a duration",
            )
            return missing(node)
        return rc.field(n, node, where)
    if n in rc.records.parameters:
        return rc.parameter(n, node, where)
    if n in PATIENT_COLUMNS and where.fields:
        typ = PATIENT_COLUMNS[n]
        return Value(PatientColumn(n, type=typ, **where.at(node)), typ)
    if n in rc.records.clusters:
        rc.used_clusters.add(n)
        rc.error(
            "Q512",
            f"`{n}` is a code cluster, not a value",
            where.loc(node),
            f"ask a question of it: exists({n}, within=12 months) or latest({n}).date",
        )
        return missing(node)
    candidates = [*rc.records.parameters, *rc.records.clusters]
    if where.fields:
        candidates += [*rc.records.fields, *PATIENT_COLUMNS]
    rc.error(
        "Q505",
        f"unknown name `{n}` in {where.what}",
        where.loc(node),
        did_you_mean(n, candidates) or "define it under `fields:` or `parameters:` in records.yaml",
    )
    return missing(node)


def attribute(rc: RecordChecker, node: ast.Attr, where: Where) -> Value:
    base = check(rc, node.obj, where)
    if base.type.is_any:
        return missing(node)
    if base.kind is not t.Kind.EVENT:
        rc.error(
            "Q512",
            f"`{to_text(node.obj)}` is {base.type.describe()}: it has no `.{node.name}`",
            where.loc(node),
            "`.date` and `.value` read the event found by latest(...) or earliest(...)",
        )
        return missing(node)
    if node.name == "date":
        return Value(event_attribute(base, "date", t.DATE), t.DATE)
    if node.name == "value":
        if base.field:
            rc.valued_fields.add(base.field)
        typ = t.quantity(base.type.unit) if base.type.unit else t.NUMBER
        return Value(event_attribute(base, "value", typ), typ)
    rc.error(
        "Q512",
        f"an event has no `.{node.name}`",
        where.loc(node),
        did_you_mean(node.name, ("date", "value")) or "use `.date` or `.value`",
    )
    return missing(node)


def known(rc: RecordChecker, node: ast.Known, where: Where) -> Value:
    operand = check(rc, node.operand, where)
    target = operand.ir
    if operand.kind is t.Kind.EVENT:  # an event is known when it was found: its date is
        target = event_attribute(operand, "date", t.DATE)
    typ = t.BOOL
    return Value(Known(target, node.negate, type=typ, **where.at(node)), typ)


def unary(rc: RecordChecker, node: ast.Unary, where: Where) -> Value:
    operand = check(rc, node.operand, where)
    if node.op == "not":
        rc.expect_bool(operand, where, node.operand, "`not`")
        const = None if operand.const is None else not operand.const
        return Value(ir.Unary("not", operand.ir, type=t.BOOL, **where.at(node)), t.BOOL, const)
    if operand.kind not in (t.Kind.NUMBER, t.Kind.ANY):
        rc.error("Q300", f"cannot negate {operand.type.describe()}", where.loc(node))
        return missing(node)
    if node.op == "+":
        return operand
    const = None if operand.const is None else -operand.const
    return Value(
        ir.Unary("-", operand.ir, type=operand.type, **where.at(node)), operand.type, const
    )


def binary(rc: RecordChecker, node: ast.Binary, where: Where) -> Value:
    op = node.op
    if op in (ast.RANGE, ast.WINDOW, *ast.MEMBERSHIP):
        rc.error(
            "Q507",
            f"`{op}` is written only in a window: latest(X, within=12 months of pped), "
            "between=2014-04-01 .. pped",
            where.loc(node),
            "compare with `<=` and `>=` joined by `and`",
        )
        return missing(node)
    a, b = check(rc, node.left, where), check(rc, node.right, where)
    if a.type.is_any or b.type.is_any:
        return missing(node)
    for side, value in ((node.left, a), (node.right, b)):
        if value.kind is t.Kind.EVENT:
            rc.error(
                "Q512",
                f"`{to_text(side)}` is an event, not a value",
                where.loc(side),
                f"read its date or its value: {to_text(side)}.date, {to_text(side)}.value",
            )
            return missing(node)
    if op in ast.BOOLEAN:
        rc.expect_bool(a, where, node.left, f"`{op}`")
        rc.expect_bool(b, where, node.right, f"`{op}`")
        const = None
        if a.const is not None and b.const is not None:
            const = (a.const and b.const) if op == "and" else (a.const or b.const)
        return Value(ir.Binary(op, a.ir, b.ir, type=t.BOOL, **where.at(node)), t.BOOL, const)
    if op in ast.COMPARISON:
        if not t.comparable(a.kind, b.kind, op):
            rc.error(
                "Q301",
                f"cannot compare {a.type.describe()} with {b.type.describe()}",
                where.loc(node),
                _date_hint(a, b) or "compare values of the same kind",
            )
            return missing(node)
        if not t.same_unit(a.type, b.type):
            rc.unit_error(node, where, a, b)
            return missing(node)
        return Value(ir.Binary(op, a.ir, b.ir, type=t.BOOL, **where.at(node)), t.BOOL)
    if t.Kind.DATE in (a.kind, b.kind):
        return _date_sum(rc, node, where, a, b)
    return _arithmetic(rc, node, where, a, b)


def _date_hint(a: Value, b: Value) -> str:
    if t.Kind.DATE in (a.kind, b.kind):
        return "compare a date with another date, e.g. dm_dat > pped - 9 months"
    return ""


def _date_sum(rc: RecordChecker, node: ast.Binary, where: Where, a: Value, b: Value) -> Value:
    kind = t.date_arithmetic(node.op, a.kind, b.kind)
    if kind is None:
        hint = "move a date by a duration: pped - 12 months + 1 day"
        if a.kind is b.kind:
            hint = "two dates do not add or subtract: compare them (a < b) or use a window"
        rc.error(
            "Q514",
            f"cannot {_VERB.get(node.op, 'combine')} {a.type.describe()} and {b.type.describe()}",
            where.loc(node),
            hint,
        )
        return missing(node)
    date, span = (a, b) if a.kind is t.Kind.DATE else (b, a)
    if span.const is None:
        rc.error("Q515", "a date moves by a fixed duration", where.loc(node), "e.g. 9 months")
        return missing(node)
    months, days = span.const
    if node.op == "-":
        months, days = -months, -days
    base = date.ir
    if isinstance(base, DateOffset) and months == 0:  # days after months: one offset
        months, days, base = base.months, base.days + days, base.base
    offset = DateOffset(base, months, days, type=t.DATE, **where.at(node))
    const = None
    if isinstance(date.const, datetime.date):
        const = add_months(date.const, months, days)
    return Value(offset, t.DATE, const)


_VERB = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "^": "raise"}


def add_months(day: datetime.date, months: int, days: int) -> datetime.date:
    """``day`` moved by calendar months (the day clamped to the month's last) then days."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last)) + datetime.timedelta(days=days)


def _arithmetic(rc: RecordChecker, node: ast.Binary, where: Where, a: Value, b: Value) -> Value:
    op = node.op
    combine = {"+": t.add_kind, "-": t.add_kind, "*": t.mul_kind, "/": t.div_kind}.get(op)
    kind = combine(a.kind, b.kind) if combine is not None else None
    if op == "^" and a.kind is t.Kind.NUMBER and b.kind is t.Kind.NUMBER and not b.type.unit:
        kind = t.Kind.NUMBER
    if kind is None or kind is t.Kind.DURATION:
        rc.error(
            "Q305",
            f"cannot {_VERB.get(op, 'combine')} {a.type.describe()} and {b.type.describe()}",
            where.loc(node),
            "record-level arithmetic is on numbers and values in one unit",
        )
        return missing(node)
    unit = ""
    if op in ("+", "-"):
        if not t.same_unit(a.type, b.type):
            rc.unit_error(node, where, a, b)
            return missing(node)
        unit = a.type.unit
    elif op == "*":
        if a.type.unit and b.type.unit:
            rc.unit_error(node, where, a, b)
            return missing(node)
        unit = a.type.unit or b.type.unit
    elif op == "/":
        if b.type.unit and b.type.unit != a.type.unit:
            rc.unit_error(node, where, a, b)
            return missing(node)
        unit = "" if b.type.unit else a.type.unit
    typ = t.Type(t.Kind.NUMBER, unit=unit)
    return Value(ir.Binary(op, a.ir, b.ir, type=typ, **where.at(node)), typ)


def conditional(rc: RecordChecker, node: ast.If, where: Where) -> Value:
    cond = check(rc, node.cond, where)
    rc.expect_bool(cond, where, node.cond, "`if`")
    then, orelse = check(rc, node.then, where), check(rc, node.orelse, where)
    if then.type.is_any or orelse.type.is_any:
        return missing(node)
    if then.kind is not orelse.kind or not t.same_unit(then.type, orelse.type):
        rc.error(
            "Q306",
            f"`if` gives {then.type.describe()} or {orelse.type.describe()}",
            where.loc(node),
            "both branches must give the same kind of value",
        )
        return missing(node)
    branches = ir.If(cond.ir, then.ir, orelse.ir, type=then.type, **where.at(node))
    return Value(branches, then.type)


_HANDLERS: dict[type, Callable[[RecordChecker, Any, Where], Value]] = {
    ast.Number: literal,
    ast.Percent: literal,
    ast.Money: literal,
    ast.Duration: literal,
    ast.String: literal,
    ast.Bool: literal,
    ast.Date: literal,
    ast.Quantity: literal,
    ast.Name: name,
    ast.Attr: attribute,
    ast.Known: known,
    ast.Unary: unary,
    ast.Binary: binary,
    ast.If: conditional,
}

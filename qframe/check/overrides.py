"""Parameter overrides: `--set point_value=£180 --set DM007.thresholds=40%..80%`.

An override names a framework parameter (``point_value``), or an indicator's field or parameter
(``DM007.thresholds``, ``DM007.max_points``, ``BP002.prevalence_adjusted``). Its value is written
in the expression language (``£180``, ``35%``, ``40% .. 80%``, ``true``) and checked like the
definition itself: unknown names get a "did you mean", a value of the wrong kind (a number for
money) is refused with a hint, and every error points at the place in the argument.

Python callers may pass plain numbers: ``{"point_value": 180.0}`` means £180.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from qframe.errors.diagnostics import (
    DefinitionError,
    Diagnostic,
    Location,
    SourceFile,
    did_you_mean,
    error,
)
from qframe.ir import kinds as t
from qframe.language import ast
from qframe.language.literals import literal_of
from qframe.language.parser import ExpressionSyntaxError, parse

if TYPE_CHECKING:
    from qframe.engines.numpy.plan import Plan


INDICATOR_FIELDS = ("thresholds", "max_points")


@dataclass(frozen=True)
class Resolved:
    """Overrides checked against a plan: parameter values and indicator-field changes."""

    params: dict[str, Any]  # parameter -> value (a float, a str) for every unit
    per_indicator: dict[tuple[str, int], Any]  # (parameter, indicator index) -> value
    numbers: dict[tuple[str, int], float]  # ("lower"/"upper"/"max_points", indicator) -> value
    # record-level parameters (records.yaml) -> value: a date, a float (in the parameter's unit),
    # or a duration as (months, days); a record engine rebuilds its program with them
    # (qframe.check.records.overrides.record_program_with)
    records: dict[str, Any] = field(default_factory=dict)

    def apply(self, plan: Plan) -> Plan:
        """A copy of the plan with the indicator fields changed (parameters are passed apart)."""
        if not self.numbers:
            return plan
        numbers = {k: v.copy() for k, v in plan.indicator_numbers.items()}
        for (fld, i), value in self.numbers.items():
            numbers[fld][i] = value
        return replace(plan, indicator_numbers=numbers)


def parse_assignments(items: list[str] | tuple[str, ...]) -> dict[str, tuple[str, SourceFile, int]]:
    """`NAME=VALUE` strings → {name: (value text, source, offset of the value)}."""
    out: dict[str, tuple[str, SourceFile, int]] = {}
    problems: list[Diagnostic] = []
    for item in items:
        src = SourceFile("--set", item)
        if "=" not in item:
            problems.append(
                error(
                    "Q401",
                    "an override is written NAME=VALUE",
                    Location(src, 0, len(item)),
                    "e.g. --set point_value=£180",
                )
            )
            continue
        name, value = item.split("=", 1)
        out[name.strip()] = (value, src, len(name) + 1)
    if problems:
        raise DefinitionError(problems)
    return out


def resolve(plan: Plan, overrides: Mapping[str, Any]) -> Resolved:
    """Check every override; raise DefinitionError listing every problem at once."""
    problems: list[Diagnostic] = []
    params: dict[str, Any] = {}
    per_indicator: dict[tuple[str, int], Any] = {}
    numbers: dict[tuple[str, int], float] = {}
    records: dict[str, Any] = {}
    index = {iid: i for i, iid in enumerate(plan.indicator_ids)}
    if not isinstance(overrides, Mapping):
        raise DefinitionError.single(
            "Q241",
            f"overrides are a mapping of names to values, not {_shown(overrides)}",
            None,
            'e.g. params={"point_value": 180, "DM007.thresholds": (0.4, 0.8)}',
        )
    for key, raw in overrides.items():
        if not isinstance(key, str):
            problems.append(
                error(
                    "Q400",
                    f"an override is named by text, not {_shown(key)}",
                    None,
                    'name a parameter ("point_value") or an indicator\'s field ("DM007.thresholds")',
                )
            )
            continue
        text, src, offset = _argument(raw)
        where = Location(src, 0, len(src.text)) if src is not None else None
        iid, _, fld = key.rpartition(".")
        if iid:
            if iid not in index:
                problems.append(
                    error(
                        "Q400",
                        f"unknown indicator `{iid}`",
                        where,
                        did_you_mean(iid, index) or "write INDICATOR.field, e.g. DM007.thresholds",
                    )
                )
                continue
            i = index[iid]
            if fld in INDICATOR_FIELDS:
                want = t.Type(t.Kind.RANGE, elem=t.Kind.NUMBER) if fld == "thresholds" else t.NUMBER
                value = _value(text, want, key, src, offset, problems)
                if value is None:
                    continue
                if fld == "thresholds":
                    lo, hi = value
                    if not lo < hi:
                        problems.append(
                            error(
                                "Q310",
                                f"{key}: the lower threshold must be below the upper one",
                                where,
                                "write e.g. 40% .. 80%",
                            )
                        )
                        continue
                    numbers[("lower", i)], numbers[("upper", i)] = lo, hi
                else:
                    numbers[("max_points", i)] = value
                continue
            if fld in plan.params:
                value = _value(text, plan.param_types[fld], key, src, offset, problems)
                if value is not None:
                    per_indicator[(fld, i)] = value
                continue
            problems.append(
                error(
                    "Q400",
                    f"indicator {iid} has no field or parameter `{fld}`",
                    where,
                    did_you_mean(fld, [*INDICATOR_FIELDS, *plan.params])
                    or "fields: thresholds, max_points, or a parameter",
                )
            )
            continue
        clinical = record_types(plan)
        if key not in plan.params and key in clinical:
            value = record_value(text, clinical[key], key, src, offset, problems)
            if value is not None:
                records[key] = value
            continue
        if key not in plan.params:
            problems.append(
                error(
                    "Q400",
                    f"unknown parameter `{key}`",
                    where,
                    did_you_mean(key, [*plan.params, *clinical])
                    or f"parameters: {', '.join(plan.params)}",
                )
            )
            continue
        value = _value(text, plan.param_types[key], key, src, offset, problems)
        if value is not None:
            params[key] = value
    if problems:
        raise DefinitionError(problems)
    return Resolved(params, per_indicator, numbers, records)


def _argument(raw: Any) -> tuple[Any, SourceFile | None, int]:
    """An override's value, and where it was written: (text, source, offset) from the command
    line (:func:`parse_assignments`), the value itself from Python (a tuple is a range)."""
    if isinstance(raw, tuple) and len(raw) == 3 and isinstance(raw[1], SourceFile):
        return raw
    return raw, None, 0


def _shown(value: Any) -> str:
    """A Python value for a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _finite(value: Any) -> float | None:
    """A real number given from Python as a finite float; None for anything else (a boolean, a
    string, infinity, not-a-number, an integer too large for a float)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (int, float, np.integer, np.floating)
    ):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def record_types(plan: Plan) -> dict[str, t.Type]:
    """The type of each record-level parameter (records.yaml), by name; {} without records."""
    program = plan.program.records if plan.program is not None else None
    if program is None:
        return {}
    return {name: node.type for name, node in program.params.items()}


def record_value(
    raw: Any,
    want: t.Type,
    key: str,
    src: SourceFile | None,
    offset: int,
    problems: list[Diagnostic],
) -> Any:
    """A record-level parameter's new value, checked like records.yaml checks it: a date
    (``2016-03-31``), a value in the parameter's clinical unit (``64mmol/mol``), a duration in
    whole calendar units (``15 months``) or a number. Python callers may pass a date, or a
    number meaning the parameter's unit."""
    hint = _record_hint(want)
    if not isinstance(raw, str):
        if want.kind is t.Kind.DATE and isinstance(raw, datetime.date):
            return raw
        if (
            want.kind is t.Kind.NUMBER
            and isinstance(raw, (int, float))
            and not isinstance(raw, bool)
        ):
            return float(raw)
        problems.append(
            error("Q241", f"`{key}` must be {want.describe()}, not {raw!r}", None, hint)
        )
        return None
    where = Location(src, offset, max(1, len(raw))) if src is not None else None
    try:
        node = parse(raw)
    except ExpressionSyntaxError as exc:
        loc = (
            Location(src, offset + min(exc.offset, max(len(raw) - 1, 0)), exc.length)
            if src is not None
            else None
        )
        problems.append(error("Q100", f"`{key}`: {exc.message}", loc, exc.hint))
        return None
    value: Any = None
    got = t.ANY
    if isinstance(node, ast.Date):
        value, got = node.value, t.DATE
    elif isinstance(node, ast.Quantity):
        value, got = node.value, t.quantity(node.unit)
    elif isinstance(node, ast.Number):
        value, got = node.value, t.NUMBER
    elif isinstance(node, ast.Duration) and node.amount == int(node.amount):
        amount = int(node.amount)
        if node.unit in ast.DURATION_DAYS:
            value, got = (0, amount * ast.DURATION_DAYS[node.unit]), t.DURATION
        elif node.unit in ast.DURATION_MONTHS:
            value, got = (amount * int(ast.DURATION_MONTHS[node.unit]), 0), t.DURATION
    if got.is_any:
        problems.append(error("Q241", f"`{key}` must be {want.describe()}", where, hint))
        return None
    if got.kind is not want.kind or got.unit != want.unit:
        code = "Q513" if got.kind is want.kind else "Q241"
        problems.append(
            error(code, f"`{key}` must be {want.describe()}, not {got.describe()}", where, hint)
        )
        return None
    return value


def _record_hint(want: t.Type) -> str:
    if want.unit:
        return f"write the value with its unit, e.g. {key_example(want)}"
    return {
        t.Kind.DATE: "write a date as year-month-day, e.g. 2016-03-31",
        t.Kind.DURATION: "write whole calendar units, e.g. 15 months or 14 days",
        t.Kind.NUMBER: "write a number, e.g. 3",
    }.get(want.kind, "")


def key_example(want: t.Type) -> str:
    """An example value of a clinical unit: 64mmol/mol."""
    return f"64{want.unit}" if want.unit == "mmol/mol" else f"140{want.unit}"


def _value(
    raw: Any,
    want: t.Type,
    key: str,
    src: SourceFile | None,
    offset: int,
    problems: list[Diagnostic],
) -> Any:
    """The value of an override, checked against the kind the parameter has."""
    kind = want.kind
    if not isinstance(raw, str):  # from Python
        numbers = list(raw) if isinstance(raw, (tuple, list)) else [raw]
        if any(
            isinstance(x, (float, np.floating, int, np.integer))
            and not isinstance(x, (bool, np.bool_))
            and _finite(x) is None
            for x in numbers
        ):
            problems.append(
                error(
                    "Q241",
                    f"`{key}` must be a finite number, not {_shown(raw)}",
                    None,
                    "infinity, not-a-number and numbers beyond 1.8e308 cannot be a parameter: "
                    "give a number",
                )
            )
            return None
        if isinstance(raw, (bool, np.bool_)):
            if kind is t.Kind.BOOL:
                return 1.0 if raw else 0.0
        elif _finite(raw) is not None and kind in (t.Kind.NUMBER, t.Kind.MONEY, t.Kind.DURATION):
            return _finite(raw)
        elif isinstance(raw, (tuple, list)) and kind is t.Kind.RANGE:
            bounds = [_finite(x) for x in raw]
            if len(bounds) == 2 and bounds[0] is not None and bounds[1] is not None:
                return (bounds[0], bounds[1])  # (0.4, 0.8) or [0.4, 0.8]: 40% .. 80%
        problems.append(
            error(
                "Q241",
                f"`{key}` must be {want.describe()}, not {_shown(raw)}",
                None,
                _hint(kind)
                + (" (from Python, a pair of numbers: (0.4, 0.8))" if kind is t.Kind.RANGE else ""),
            )
        )
        return None
    where = Location(src, offset, max(1, len(raw))) if src is not None else None
    try:
        node = parse(raw)
    except ExpressionSyntaxError as exc:
        loc = (
            Location(src, offset + min(exc.offset, max(len(raw) - 1, 0)), exc.length)
            if src is not None
            else None
        )
        problems.append(error(exc.code, f"`{key}`: {exc.message}", loc, exc.hint))
        return None
    got = literal_kind(node)
    if got is None:
        problems.append(
            error("Q241", f"`{key}` must be a value, not an expression", where, _hint(kind))
        )
        return None
    got_kind, value = got
    if got_kind is t.Kind.NUMBER and kind is t.Kind.MONEY and lit_is_plain(node):
        return value  # one rule everywhere: a plain number for money means pounds (180 is £180)
    if got_kind is not kind:
        problems.append(
            error(
                "Q241",
                f"`{key}` must be {want.describe()}, not {t.Type(got_kind).describe()}",
                where,
                _hint(kind),
            )
        )
        return None
    return value


_KINDS = {
    "number": t.Kind.NUMBER,
    "percent": t.Kind.NUMBER,
    "money": t.Kind.MONEY,
    "bool": t.Kind.BOOL,
    "string": t.Kind.STRING,
    "range": t.Kind.RANGE,
}


def literal_kind(node: ast.Node) -> tuple[t.Kind, Any] | None:
    """An override's value: a literal (no `+` sign, no duration) with its kind."""
    if any(isinstance(n, ast.Unary) and n.op == "+" for n in node.walk()):
        return None
    lit = literal_of(node)
    if lit is None or lit.tag not in _KINDS:
        return None
    value = (1.0 if lit.value else 0.0) if lit.tag == "bool" else lit.value
    return _KINDS[lit.tag], value


def lit_is_plain(node: ast.Node) -> bool:
    """A plain number (``180``, ``-2.5``), not a percentage: what may stand for pounds."""
    lit = literal_of(node)
    return lit is not None and lit.tag == "number"


def constant_range(node: ast.Node) -> tuple[float, float] | None:
    """The bounds of a constant range as written in the language (``60% .. 80%``,
    ``£150 .. £200``); None when ``node`` is not one."""
    got = literal_kind(node)
    if got is not None and got[0] is t.Kind.RANGE:
        lo, hi = got[1]
        return float(lo), float(hi)
    low = literal_kind(node.left) if hasattr(node, "left") else None
    high = literal_kind(node.right) if hasattr(node, "right") else None
    if low and high and low[0] is high[0]:
        return float(low[1]), float(high[1])
    return None


def _hint(kind: t.Kind) -> str:
    return {
        t.Kind.MONEY: "write money with £, e.g. £180",
        t.Kind.NUMBER: "write a number or a percentage, e.g. 7052 or 35%",
        t.Kind.BOOL: "write true or false",
        t.Kind.RANGE: "write a range, e.g. 40% .. 80%",
        t.Kind.STRING: 'write text in double quotes, e.g. "2013-14"',
    }.get(kind, "")

"""The one reading of a literal: what a number, percentage, money amount, duration, truth value,
text or range written in the expression language means.

The checker gives each literal of a definition its value from here; `--set` overrides
(:mod:`qframe.check.overrides`) and test-case expectations read a value the same way.

>>> from qframe.language.parser import parse
>>> literal_of(parse("35%"))
LiteralValue(tag='percent', value=0.35, sign='')
>>> literal_of(parse("-£12.50"))
LiteralValue(tag='money', value=-12.5, sign='-')
>>> literal_of(parse("2 quarters"), period_months=3)
LiteralValue(tag='duration', value=6.0, sign='')
>>> literal_of(parse("40% .. 80%")).value
(0.4, 0.8)
>>> literal_of(parse("x + 1")) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qframe.language import ast


@dataclass(frozen=True)
class LiteralValue:
    """A literal's meaning. ``tag`` is one of number, percent, money, duration, bool, string or
    range; ``value`` is a float (a percentage as a share: 35% is 0.35; a duration in months),
    a bool, a str, or a (low, high) pair of floats for a range of numbers or percentages.
    ``sign`` is the unary sign written before a number ("-", "+" or "")."""

    tag: str
    value: Any
    sign: str = ""


def duration_months(node: ast.Duration, period_months: float) -> float:
    """The length of a duration literal in months (``period`` is one evaluation period)."""
    return node.amount * (
        period_months if node.unit == "period" else ast.DURATION_MONTHS.get(node.unit, 1)
    )


def literal_value(node: ast.Node, period_months: float = 1) -> float | str | None:
    """The value of a single literal node (no sign, no range): a float for numbers, percentages,
    money, durations and truth values (1.0/0.0, as evaluation holds them), a str for text;
    None for anything else."""
    if isinstance(node, ast.Number):
        return node.value
    if isinstance(node, ast.Percent):
        return node.value / 100.0
    if isinstance(node, ast.Money):
        return node.value
    if isinstance(node, ast.Duration):
        return duration_months(node, period_months)
    if isinstance(node, ast.String):
        return node.value
    if isinstance(node, ast.Bool):
        return 1.0 if node.value else 0.0
    return None


def literal_of(node: ast.Node, period_months: float = 1) -> LiteralValue | None:
    """The literal ``node`` spells (a signed quantity, a truth value, a text, or a range of two
    numbers or percentages), or None when it is an expression rather than a value."""
    sign = ""
    if isinstance(node, ast.Unary) and node.op in ("-", "+"):
        sign, node = node.op, node.operand
        if not isinstance(node, (ast.Number, ast.Percent, ast.Money, ast.Duration)):
            return None
    factor = -1.0 if sign == "-" else 1.0
    if isinstance(node, ast.Number):
        return LiteralValue("number", factor * node.value, sign)
    if isinstance(node, ast.Percent):
        return LiteralValue("percent", factor * node.value / 100.0, sign)
    if isinstance(node, ast.Money):
        return LiteralValue("money", factor * node.value, sign)
    if isinstance(node, ast.Duration):
        return LiteralValue("duration", factor * duration_months(node, period_months), sign)
    if isinstance(node, ast.Bool):
        return LiteralValue("bool", node.value)
    if isinstance(node, ast.String):
        return LiteralValue("string", node.value)
    if isinstance(node, ast.Binary) and node.op == "..":
        low, high = literal_of(node.left), literal_of(node.right)
        numeric = ("number", "percent")
        if low and high and low.tag in numeric and high.tag in numeric:
            return LiteralValue("range", (low.value, high.value))
    return None

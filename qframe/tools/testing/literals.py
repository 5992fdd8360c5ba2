"""Values as a test file writes them: numbers, percentages (62.5%), money (£180), durations
(2 quarters), true/false, text, or empty (missing).

:func:`read_literal` is the one place a test file's values are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qframe.ir import kinds as t
from qframe.language.literals import literal_of
from qframe.language.parser import ExpressionSyntaxError, parse
from qframe.source.yamldoc import YamlDocument, YamlPath


@dataclass(frozen=True)
class Literal:
    """A value as the test file writes it: its kind (``tag``), its value and its text."""

    tag: str  # number, percent, money, duration, bool, text, missing
    value: Any
    text: str  # as written


def read_literal(doc: YamlDocument, path: YamlPath, value: Any, period_months: int) -> Literal:
    """The value at ``path`` of a test file, read as the definition language reads literals
    (``period_months`` is how long the framework's `1 period` is)."""
    raw = doc.raw(path)
    text = raw if raw is not None else str(value)
    if value is None:
        return Literal("missing", None, text)
    if isinstance(value, bool):
        return Literal("bool", value, text)
    if isinstance(value, (int, float)):
        return Literal("number", float(value), text)
    if not isinstance(value, str):
        return Literal("text", value, text)
    try:
        node = parse(value)
    except ExpressionSyntaxError:
        return Literal("text", value, text)
    meaning = literal_of(node, period_months)  # the one literal parser, as definitions read them
    if meaning is None or meaning.tag in ("string", "range"):
        return Literal("text", value, text)
    return Literal(meaning.tag, meaning.value, text)


TAG_WORDS = {
    "number": "a number",
    "percent": "a percentage",
    "money": "money",
    "duration": "a duration",
    "bool": "true or false",
    "text": "text",
    "missing": "missing",
}


def fits(kind: t.Kind, tag: str) -> bool:
    """Whether an expected value written this way can be compared with a column of ``kind``."""
    if tag == "missing":
        return True
    if kind is t.Kind.MONEY:
        return tag in ("money", "number")  # `payment: 2113.06` is pounds
    if kind is t.Kind.NUMBER:
        return tag in ("number", "percent")
    if kind is t.Kind.DURATION:
        return tag in ("duration", "number")
    if kind is t.Kind.BOOL:
        return tag == "bool"
    return True  # text columns compare what is written


def param_fits(kind: t.Kind, tag: str) -> bool:
    """Whether a parameter of ``kind`` may be given a value written this way."""
    if tag == "missing":
        return False
    if kind is t.Kind.MONEY:
        return tag == "money"  # a parameter's money is written with £, as in the definition
    if kind is t.Kind.DURATION:
        return tag == "duration"
    return fits(kind, tag)


def example_for(kind: t.Kind, lit: Literal) -> str:
    """A hint: how to write a value of ``kind``."""
    if kind is t.Kind.MONEY:
        return (
            f"write it with £: £{lit.text}" if lit.tag == "number" else "write an amount, e.g. £180"
        )
    if kind is t.Kind.NUMBER and lit.tag == "money":
        return f"write it without £: {lit.text.replace('£', '')}"
    if kind is t.Kind.NUMBER:
        return "write a number such as 11.6875 or a percentage such as 62.5%"
    if kind is t.Kind.BOOL:
        return "write true or false"
    return "write a duration such as 2 quarters"

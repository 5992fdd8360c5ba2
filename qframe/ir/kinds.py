"""Static types of expressions: the kind of value (number, money, ...) and whether it varies by
indicator. Checked before any data is read, so `£5 + 35%` or `points > true` never reach data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    NUMBER = "number"  # counts, ratios and percentages (35% is the number 0.35)
    MONEY = "money"  # pounds
    DURATION = "duration"  # 2 quarters, 12 months
    BOOL = "boolean"
    STRING = "string"
    RANGE = "range"  # lower .. upper
    DATE = "date"  # a calendar date (record-level definitions)
    EVENT = "event"  # a coded event found by a record query: read its .date or .value
    ANY = "any"  # unknown because of an earlier error, or a define's argument

    def __str__(self) -> str:
        return self.value


_ARTICLE = {
    Kind.NUMBER: "a number",
    Kind.MONEY: "money",
    Kind.DURATION: "a duration",
    Kind.BOOL: "a boolean (true/false)",
    Kind.STRING: "a string",
    Kind.RANGE: "a range",
    Kind.DATE: "a date",
    Kind.EVENT: "an event",
    Kind.ANY: "a value",
}


@dataclass(frozen=True)
class Type:
    kind: Kind
    per_indicator: bool = False  # varies by indicator: only usable inside indicator rules
    elem: Kind | None = None  # for ranges: the kind of the bounds
    unit: str = ""  # a clinical unit on a number (record level): "mmol/mol", "mmHg"

    def describe(self) -> str:
        if self.kind is Kind.RANGE and self.elem is not None:
            return f"a range of {_ARTICLE[self.elem].removeprefix('a ')}"
        if self.unit:
            return f"a value in {self.unit}"
        return _ARTICLE[self.kind]

    def with_indicator(self, per_indicator: bool) -> Type:
        return Type(self.kind, self.per_indicator or per_indicator, self.elem, self.unit)

    @property
    def is_any(self) -> bool:
        return self.kind is Kind.ANY


NUMBER = Type(Kind.NUMBER)
MONEY = Type(Kind.MONEY)
DURATION = Type(Kind.DURATION)
BOOL = Type(Kind.BOOL)
STRING = Type(Kind.STRING)
ANY = Type(Kind.ANY)
DATE = Type(Kind.DATE)
EVENT = Type(Kind.EVENT)


def quantity(unit: str) -> Type:
    """A number in a clinical unit (``59 mmol/mol``): checked like money against other units."""
    return Type(Kind.NUMBER, unit=unit)


def same_unit(a: Type, b: Type) -> bool:
    """Whether two values may be added or compared: the same clinical unit, or neither has one."""
    return Kind.ANY in (a.kind, b.kind) or a.unit == b.unit


def date_arithmetic(op: str, a: Kind, b: Kind) -> Kind | None:
    """``date ± duration`` is a date; ``duration + date`` too. Any other sum with a date (``date +
    date``, ``date - date``, ``date * 2``) is None: an error."""
    if op == "+" and {a, b} == {Kind.DATE, Kind.DURATION}:
        return Kind.DATE
    if op == "-" and a is Kind.DATE and b is Kind.DURATION:
        return Kind.DATE
    return None


# Arithmetic on kinds: None means the combination is an error.
_QUANTITIES = (Kind.NUMBER, Kind.MONEY, Kind.DURATION)


def add_kind(a: Kind, b: Kind) -> Kind | None:
    if Kind.ANY in (a, b):
        other = b if a is Kind.ANY else a
        return other if other in (*_QUANTITIES, Kind.ANY) else None
    if a is b and a in _QUANTITIES:
        return a
    return None


def mul_kind(a: Kind, b: Kind) -> Kind | None:
    if Kind.ANY in (a, b):
        other = b if a is Kind.ANY else a
        return Kind.ANY if other in (*_QUANTITIES, Kind.ANY) else None
    if a is Kind.NUMBER and b in _QUANTITIES:
        return b
    if b is Kind.NUMBER and a in _QUANTITIES:
        return a
    return None


def div_kind(a: Kind, b: Kind) -> Kind | None:
    if Kind.ANY in (a, b):
        other = b if a is Kind.ANY else a
        return Kind.ANY if other in (*_QUANTITIES, Kind.ANY) else None
    if a in _QUANTITIES and a is b:
        return Kind.NUMBER  # £ / £ is a ratio
    if a in _QUANTITIES and b is Kind.NUMBER:
        return a
    return None


def comparable(a: Kind, b: Kind, op: str) -> bool:
    if Kind.ANY in (a, b):
        return True
    if a is not b:
        return False
    if op in ("==", "!="):
        return a in (*_QUANTITIES, Kind.STRING, Kind.BOOL, Kind.DATE)
    return a in (*_QUANTITIES, Kind.DATE)

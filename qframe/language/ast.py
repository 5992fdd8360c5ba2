"""The expression syntax tree: small frozen dataclasses.

Every node carries ``start``/``end``: character offsets into the expression text it was parsed
from. They take no part in equality, so two trees parsed from differently spaced text compare
equal. Positions in the definition file are recovered through :class:`qframe.source.Expression`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field

# Time units a duration literal may use, with their length in months.
DURATION_MONTHS: dict[str, float] = {"month": 1.0, "quarter": 3.0, "year": 12.0}
# Time units counted in days (record-level date arithmetic only), with their length in days.
DURATION_DAYS: dict[str, int] = {"day": 1, "week": 7}
# "period" is one step of whatever the evaluation's period is.
DURATION_UNITS = ("month", "quarter", "year", "period", "week", "day")
# Clinical units a quantity literal may carry (`59 mmol/mol`, `150 mmHg`); grammar.lark's
# QUANTITY terminal lists the same units.
CLINICAL_UNITS = ("mmol/mol", "mmol/L", "mmHg", "mg/mmol", "mL/min/1.73m2", "kg/m2")
# Units a cluster may declare for values that are plain numbers (a CHADS2 score).
DIMENSIONLESS_UNITS = ("score", "count", "")


@dataclass(frozen=True)
class Node:
    start: int = field(default=0, compare=False, repr=False, kw_only=True)
    end: int = field(default=0, compare=False, repr=False, kw_only=True)

    def children(self) -> tuple[Node, ...]:
        return ()

    def walk(self) -> Iterator[Node]:
        """Every node of the tree, this one first (pre-order)."""
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(frozen=True)
class Number(Node):
    value: float


@dataclass(frozen=True)
class Percent(Node):
    value: float  # as written: 35% is 35.0 (it means 0.35)


@dataclass(frozen=True)
class Money(Node):
    value: float  # pounds


@dataclass(frozen=True)
class Duration(Node):
    amount: float
    unit: str  # one of DURATION_UNITS (singular)


@dataclass(frozen=True)
class Date(Node):
    """A calendar date written 2015-03-31."""

    value: datetime.date


@dataclass(frozen=True)
class Quantity(Node):
    """A number with a clinical unit: ``59 mmol/mol``, ``150 mmHg``."""

    value: float
    unit: str  # one of CLINICAL_UNITS


@dataclass(frozen=True)
class String(Node):
    value: str


@dataclass(frozen=True)
class Bool(Node):
    value: bool


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class Attr(Node):
    obj: Node
    name: str

    def children(self) -> tuple[Node, ...]:
        return (self.obj,)


@dataclass(frozen=True)
class Keyword(Node):
    name: str
    value: Node

    def children(self) -> tuple[Node, ...]:
        return (self.value,)


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...] = ()
    kwargs: tuple[Keyword, ...] = ()

    def children(self) -> tuple[Node, ...]:
        return (*self.args, *self.kwargs)

    def kwarg(self, name: str) -> Keyword | None:
        for kw in self.kwargs:
            if kw.name == name:
                return kw
        return None


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-", "+", "not"
    operand: Node

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True)
class Known(Node):
    """``x is known`` (``negate`` false) or ``x is missing`` (``negate`` true)."""

    operand: Node
    negate: bool = False

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


# Binary operators by family.
ARITHMETIC = ("+", "-", "*", "/", "^")
COMPARISON = ("==", "!=", "<", "<=", ">", ">=")
MEMBERSHIP = ("in", "not in")
BOOLEAN = ("and", "or")
RANGE = ".."
WINDOW = "of"  # `12 months of pped`: a window of a length ending on a date


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True)
class If(Node):
    cond: Node
    then: Node
    orelse: Node

    def children(self) -> tuple[Node, ...]:
        return (self.cond, self.then, self.orelse)

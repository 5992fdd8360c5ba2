"""The typed intermediate representation: frozen nodes, each with its static type (the kind of
value and whether it varies by indicator) and its place in the definition file.

The checker (:mod:`qframe.check`) turns each expression's syntax tree into these nodes, with names
resolved, keywords and durations read, and constants folded; an engine lowers them to what it runs
(the numpy engine to closures, :mod:`qframe.engines.numpy.lower`). Nothing here depends on an
engine. ``syntax`` keeps the syntax node a node was checked from, so `explain` can show each step
of a derivation beside its text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qframe.errors.diagnostics import Location
from qframe.ir.kinds import Type
from qframe.ir.signature import Signature
from qframe.language import ast


@dataclass(frozen=True, kw_only=True)
class Node:
    type: Type
    location: Location | None = field(default=None, compare=False)
    syntax: ast.Node | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Const(Node):
    """A value known before any data: a float (a truth value is 1.0/0.0), a str, or a pair of
    them for a range."""

    value: Any


@dataclass(frozen=True)
class Missing(Node):
    """An expression that failed to check: always missing."""


@dataclass(frozen=True)
class Alias(Node):
    """Another node under this node's syntax: a definition's argument where it is used, `+x`."""

    target: Node


@dataclass(frozen=True)
class Param(Node):
    """A parameter's value (per indicator when indicators override it)."""

    name: str


@dataclass(frozen=True)
class IndicatorField(Node):
    """A field of each indicator (`group`, `max_points`, ...): a string or a number."""

    name: str
    text: bool


@dataclass(frozen=True)
class IndicatorFieldOf(Node):
    """A field of one given indicator (`DM007.group`)."""

    name: str
    indicator: int


@dataclass(frozen=True)
class ValueRef(Node):
    """A per-indicator value (a rule, or an input keyed by indicator) for each indicator."""

    name: str


@dataclass(frozen=True)
class ValueOf(Node):
    """A per-indicator value of one given indicator (`DM007.points`)."""

    name: str
    indicator: int


@dataclass(frozen=True)
class TotalRef(Node):
    """A total: one value per unit."""

    name: str


@dataclass(frozen=True)
class DefineRef(Node):
    """A definition without arguments, computed once per evaluation."""

    name: str
    body: Node


@dataclass(frozen=True)
class DefineCall(Node):
    """A definition called with arguments: its body checked with them bound (as aliases)."""

    name: str
    args: tuple[Node, ...]
    body: Node


@dataclass(frozen=True)
class Input(Node):
    """A data input: one value per unit (``key`` None), or keyed — by an expression giving a key,
    or by each indicator's field ``key_field`` (``id`` or ``group``) — with a default for what
    the data lacks."""

    name: str
    key: Node | None = None
    key_field: str = ""
    default: float | None = None


@dataclass(frozen=True)
class EscalationRef(Node):
    """Whether an escalation rule fires."""

    rule: str


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "not" or "-"
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    """An operator: arithmetic, comparison, and/or, `in`/`not in` a range, or `..` (a range)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class If(Node):
    """``split``: the condition differs only between indicators, so each branch is evaluated
    only for the indicators that take it."""

    cond: Node
    then: Node
    orelse: Node
    split: bool = False


@dataclass(frozen=True)
class Call(Node):
    """A built-in function, with its resolved options (``places``, ``steps``, ``level``, ``by``,
    ``period``). ``settings`` keeps the checked arguments the options were read from (a
    parameter as `at`'s period, say), so explain can show them as steps."""

    signature: Signature
    args: tuple[Node, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    settings: tuple[Node, ...] = ()  # the checked nodes the options were read from


@dataclass(frozen=True)
class Aggregate(Node):
    """An aggregate (sum, mean, ..., rank) of ``value`` across units — nationally, or within
    groups of the unit attribute ``by`` — or across a unit's indicators (``over="indicators"``),
    counting only where ``where`` holds. ``q`` is percentile's share."""

    signature: Signature
    value: Node | None
    where: Node | None
    over: str = "units"
    by: str | None = None
    q: float = 0.5
    descending: bool = False
    settings: tuple[Node, ...] = ()  # the checked nodes `q` and `descending` were read from

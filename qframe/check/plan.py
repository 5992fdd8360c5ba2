"""What checking a framework produces: each expression as a :class:`Compiled` (its static type,
its value when constant, and the engine's closure), gathered in a :class:`Plan`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qframe.errors.diagnostics import Diagnostic, Location
from qframe.ir import kinds as t
from qframe.language import ast
from qframe.model import definition as m

if TYPE_CHECKING:
    from qframe.engines.numpy.engine import Ctx

NOT_CONSTANT: Any = object()
Fn = Callable[["Ctx"], Any]


@dataclass(frozen=True)
class Compiled:
    """A checked expression: its static type, its closure, and its value when constant."""

    type: t.Type
    fn: Fn
    const: Any = NOT_CONSTANT
    node: ast.Node | None = None
    static: bool = False  # depends on no data: only constants, parameters and indicator fields

    @property
    def is_const(self) -> bool:
        return self.const is not NOT_CONSTANT


def unknown(node: ast.Node | None = None) -> Compiled:
    """What an expression that failed to check compiles to: any kind, always missing."""
    return Compiled(t.ANY, lambda ctx: np.nan, NOT_CONSTANT, node)


@dataclass(frozen=True)
class Scope:
    """Where an expression is checked: its text, its context and the arguments bound in it."""

    expr: m.Expression
    where: str  # "parameter", "unit" or "indicator"
    what: str  # for messages: "rule `points`", "parameter `point_value`"
    args: Mapping[str, Compiled] = field(default_factory=dict)
    indicators: tuple[str, ...] = ()  # the indicators this expression is compiled for

    def loc(self, node: ast.Node) -> Location:
        return self.expr.location(node)


@dataclass
class Variant:
    """One distinct expression of a per-indicator value, and the indicators that use it."""

    indicators: list[int]
    compiled: Compiled
    expr: m.Expression | None  # None for a plain data fetch


@dataclass
class IndicatorValue:
    """A rule or an indicator-keyed input: one column per indicator, possibly several variants."""

    name: str
    kind: str  # "rule" or "input"
    type: t.Type
    variants: list[Variant] = field(default_factory=list)
    location: Location | None = None


@dataclass
class Plan:
    """Everything evaluation needs, compiled once."""

    framework: m.FrameworkDef
    indicator_ids: tuple[str, ...]
    indicator_strings: dict[str, np.ndarray]
    indicator_numbers: dict[str, np.ndarray]
    params: dict[str, Compiled]  # framework-level parameter values
    param_types: dict[str, t.Type]
    param_overrides: dict[str, dict[int, Compiled]]  # parameter -> indicator index -> value
    values: dict[str, IndicatorValue]  # rules and indicator-keyed inputs
    value_order: list[str]  # output column order (inputs first, then rules)
    totals: dict[str, Compiled]
    checks: dict[str, Compiled]
    escalation: dict[str, Compiled]
    escalation_steps: dict[str, int]
    level_order: dict[str, int]
    unit_attributes: tuple[str, ...]
    money_values: frozenset[str]  # rule and total names whose type is money
    diagnostics: list[Diagnostic]
    trace: Any = None  # the closures of every step, when compiled for explain (a Trace)
    # unit attributes the definition groups by (by=, per:), with where: the data must have them
    attribute_uses: dict[str, Location] = field(default_factory=dict)
    # what each named thing reads: parameters, and indicator fields as "field:lower"
    param_deps: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

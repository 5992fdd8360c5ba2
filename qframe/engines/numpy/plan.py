"""A framework lowered for the numpy engine: the typed IR's every value as a closure."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qframe.check.compiled import NOT_CONSTANT
from qframe.errors.diagnostics import Diagnostic, Location
from qframe.ir import kinds as t
from qframe.ir.program import Program
from qframe.model import definition as m

if TYPE_CHECKING:
    from qframe.engines.numpy.engine import Ctx

Fn = Callable[["Ctx"], Any]
Key = tuple[str, str]
Frame = dict[Any, Any]


@dataclass(frozen=True)
class Lowered:
    """A lowered node: its static type, its closure, and its value when constant."""

    type: t.Type
    fn: Fn
    const: Any = NOT_CONSTANT
    options: Mapping[str, Any] = field(default_factory=dict)  # a call's (steps, period: traced)

    @property
    def is_const(self) -> bool:
        return self.const is not NOT_CONSTANT


@dataclass
class LoweredVariant:
    """One distinct expression of a per-indicator value, and the indicators that use it."""

    indicators: list[int]
    compiled: Lowered
    expr: m.Expression | None  # None for a plain data fetch


@dataclass
class LoweredValue:
    """A rule or an indicator-keyed input: one column per indicator, possibly several variants."""

    name: str
    kind: str  # "rule" or "input"
    type: t.Type
    variants: list[LoweredVariant] = field(default_factory=list)
    location: Location | None = None


@dataclass
class Trace:
    """For explain: every lowered node with a place in the text, by ``id`` of its syntax node,
    grouped by the expression it belongs to — ``named[key]`` for a named thing,
    ``variants[(rule, id(expr))]`` for a rule variant; a definition called with arguments is kept
    in its caller's frame under ``("call", id(syntax))``."""

    named: dict[Key, Frame] = field(default_factory=dict)
    variants: dict[tuple[str, int], Frame] = field(default_factory=dict)


@dataclass
class Plan:
    """Everything the numpy engine evaluates, lowered once from a :class:`Program`."""

    framework: m.FrameworkDef
    indicator_ids: tuple[str, ...]
    indicator_strings: dict[str, np.ndarray]
    indicator_numbers: dict[str, np.ndarray]
    params: dict[str, Lowered]  # framework-level parameter values
    param_types: dict[str, t.Type]
    param_overrides: dict[str, dict[int, Lowered]]  # parameter -> indicator index -> value
    values: dict[str, LoweredValue]  # rules and indicator-keyed inputs
    value_order: list[str]  # output column order (inputs first, then rules)
    totals: dict[str, Lowered]
    checks: dict[str, Lowered]
    escalation: dict[str, Lowered]
    escalation_steps: dict[str, int]
    level_order: dict[str, int]
    unit_attributes: tuple[str, ...]
    money_values: frozenset[str]  # rule and total names whose type is money
    diagnostics: list[Diagnostic]
    trace: Trace | None = None  # each step's closure, when lowered for explain
    # unit attributes the definition groups by (by=, per:), with where: the data must have them
    attribute_uses: dict[str, Location] = field(default_factory=dict)
    # what each named thing reads: parameters, and indicator fields as "field:lower"
    param_deps: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    program: Program | None = None  # the typed IR it was lowered from

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

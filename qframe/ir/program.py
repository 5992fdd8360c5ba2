"""A checked framework as typed IR, engine-neutral: what every engine lowers and runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qframe.errors.diagnostics import Diagnostic, Location
from qframe.ir import kinds as t
from qframe.ir.nodes import Node
from qframe.ir.records import RecordProgram
from qframe.model import definition as m


@dataclass(frozen=True)
class Variant:
    """One distinct expression of a per-indicator value, and the indicators that use it."""

    indicators: tuple[int, ...]
    node: Node
    expr: m.Expression | None  # None for a plain data fetch


@dataclass(frozen=True)
class IndicatorValue:
    """A rule or an indicator-keyed input: one column per indicator, possibly several variants."""

    name: str
    kind: str  # "rule" or "input"
    type: t.Type
    variants: tuple[Variant, ...]
    location: Location | None = None


@dataclass(frozen=True)
class Program:
    """Everything evaluation needs, checked once. The indicator table (strings and numbers, one
    array a field) is metadata: plain arrays, read by every engine."""

    framework: m.FrameworkDef
    indicator_ids: tuple[str, ...]
    indicator_strings: dict[str, Any]
    indicator_numbers: dict[str, Any]
    params: dict[str, Node]  # framework-level parameter values (Const when constant)
    param_types: dict[str, t.Type]
    param_overrides: dict[str, dict[int, Node]]  # parameter -> indicator index -> value
    values: dict[str, IndicatorValue]  # rules and indicator-keyed inputs
    value_order: list[str]  # output column order (inputs first, then rules)
    totals: dict[str, Node]
    checks: dict[str, Node]
    escalation: dict[str, Node]
    escalation_steps: dict[str, int]
    level_order: dict[str, int]
    unit_attributes: tuple[str, ...]
    money_values: frozenset[str]  # rule and total names whose type is money
    diagnostics: list[Diagnostic]
    # unit attributes the definition groups by (by=, per:), with where: the data must have them
    attribute_uses: dict[str, Location] = field(default_factory=dict)
    # the dependency graph: what each named thing refers to, and where
    dependencies: dict[tuple[str, str], dict[tuple[str, str], Location]] = field(
        default_factory=dict
    )
    # what each named thing reads: parameters, and indicator fields as "field:lower"
    param_deps: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    # the registers and business rules computed from GP records (records.yaml), when checked clean
    records: RecordProgram | None = None

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

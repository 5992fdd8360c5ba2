"""The typed model of a framework definition: frozen dataclasses that keep source positions.

Built from YAML by :mod:`qframe.model.build`; compiled into an evaluation plan by
:mod:`qframe.check.compiler`. Nothing here reads data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from qframe.errors.diagnostics import Location, SourceFile
from qframe.language import ast

# Names every indicator provides to its rules.
INDICATOR_STRINGS = ("id", "title", "group", "domain", "kind")
INDICATOR_NUMBERS = ("max_points", "lower", "upper")
# Unit attributes every dataset may carry (issue: the data model).
STANDARD_UNIT_ATTRIBUTES = ("region", "ccg", "locality", "cluster", "hscp", "deprivation_quintile")


@dataclass(frozen=True)
class Expression:
    """An expression as written, its syntax tree (None after a syntax error) and, for each
    character, its offset in the definition file."""

    text: str
    tree: ast.Node | None
    source: SourceFile
    offsets: tuple[int, ...]

    def location(self, node: ast.Node | None = None) -> Location:
        if node is None or not self.offsets:
            start, end = 0, len(self.text)
        else:
            start, end = node.start, node.end
        start = max(0, min(start, len(self.offsets) - 1))
        end = max(start + 1, min(end, len(self.offsets)))
        first = self.offsets[start]
        last = self.offsets[end - 1]
        return Location(self.source, first, max(1, last - first + 1))


@dataclass(frozen=True)
class Doc:
    title: str = ""
    doc: str = ""
    source: str = ""


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Expression
    location: Location
    info: Doc = field(default_factory=Doc)
    assumption: str = ""  # non-empty when the value is a modelled assumption
    range: Expression | None = None


@dataclass(frozen=True)
class Input:
    name: str
    key: str  # "none", "indicator" or "group"
    location: Location
    default: Expression | None = None
    info: Doc = field(default_factory=Doc)
    combine: str = ""  # how quarters make a year, for quarterly measures in a yearly framework
    measure: str = ""  # the measure's name in the data (default: the input's name)

    @property
    def data_name(self) -> str:
        return self.measure or self.name


@dataclass(frozen=True)
class Definition:
    name: str
    args: tuple[str, ...]
    expr: Expression
    location: Location
    info: Doc = field(default_factory=Doc)


@dataclass(frozen=True)
class Rule:
    """A framework-level rule (per indicator) or a total (per unit)."""

    name: str
    expr: Expression
    location: Location
    info: Doc = field(default_factory=Doc)


@dataclass(frozen=True)
class IndicatorKind:
    name: str
    overrides: Mapping[str, Expression]
    location: Location
    info: Doc = field(default_factory=Doc)


@dataclass(frozen=True)
class Indicator:
    id: str
    location: Location
    info: Doc = field(default_factory=Doc)
    group: str = ""
    domain: str = ""
    kind: str = ""
    confidence: str = ""
    max_points: float | None = None
    thresholds: Expression | None = None
    params: Mapping[str, Expression] = field(default_factory=dict)
    overrides: Mapping[str, Expression] = field(default_factory=dict)  # rules and inputs
    kind_location: Location | None = None


@dataclass(frozen=True)
class Check:
    name: str
    expr: Expression
    location: Location
    per: str = ""
    severity: str = "warning"
    message: str = ""
    info: Doc = field(default_factory=Doc)


@dataclass(frozen=True)
class Level:
    id: str
    location: Location
    owner: str = ""
    action: str = ""
    info: Doc = field(default_factory=Doc)


@dataclass(frozen=True)
class EscalationRule:
    id: str
    level: str
    when: Expression
    location: Location
    level_location: Location
    persists: Expression | None = None
    action: str = ""
    info: Doc = field(default_factory=Doc)


@dataclass(frozen=True)
class FrameworkDef:
    """A whole definition file."""

    path: str
    source: SourceFile
    id: str
    title: str
    version: str = ""
    info: Doc = field(default_factory=Doc)
    unit: str = "practice"
    frequency: str = "year"
    rounding: str = "indicator"
    rounded: tuple[str, ...] = ("payment",)  # money rules rounded per indicator
    rounded_locations: tuple[Location, ...] = ()  # where each of `rounded` is written
    outcome: tuple[str, ...] = ()  # rules whose missing values set a row's status (default: all)
    outcome_location: Location | None = None
    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    inputs: Mapping[str, Input] = field(default_factory=dict)
    unit_attributes: Mapping[str, Doc] = field(default_factory=dict)
    defines: Mapping[str, Definition] = field(default_factory=dict)
    rules: Mapping[str, Rule] = field(default_factory=dict)
    kinds: Mapping[str, IndicatorKind] = field(default_factory=dict)
    indicators: Mapping[str, Indicator] = field(default_factory=dict)
    totals: Mapping[str, Rule] = field(default_factory=dict)
    checks: Mapping[str, Check] = field(default_factory=dict)
    levels: tuple[Level, ...] = ()
    escalation: tuple[EscalationRule, ...] = ()

    @property
    def period_months(self) -> int:
        return 3 if self.frequency == "quarter" else 12

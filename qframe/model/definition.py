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
# The keys an indicator entry may set besides overriding a rule or input (reserved: no rule may be
# called by these names).
INDICATOR_KEYS = (
    "title",
    "doc",
    "source",
    "confidence",
    "group",
    "domain",
    "kind",
    "max_points",
    "thresholds",
    "params",
)
# Unit attributes every dataset may carry (issue: the data model).
STANDARD_UNIT_ATTRIBUTES = (
    "region",
    "ccg",
    "locality",
    "cluster",
    "hscp",
    "deprivation_quintile",
    "pcn",
)
# How an input is brought from practices to a framework's level (``across:``, issue 13): counts
# and money are summed; a rate or share is recomputed from its parts (``share_of``: the level's
# value is sum(value × weight) / sum(weight), the pooled rate); ``min``/``max`` for conditions
# (all / any member); ``same`` for a value every member records alike. Never a plain average.
ACROSS_RULES = ("sum", "min", "max", "same", "share_of")


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
    across: str = ""  # how practices' values make a level unit's (ACROSS_RULES); "" undeclared
    across_weight: str = ""  # for ``share_of``: the measure that weights (the rate's denominator)

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
class Apportionment:
    """How a level unit's payment is shared out to its member practices (issue 13): in proportion
    to ``by`` (a measure of each practice, such as ``list_size``), exactly to the penny."""

    by: str
    totals: tuple[str, ...]
    location: Location


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
    level: str = "practice"  # the level it assesses and pays: practice or a unit attribute
    level_location: Location | None = None
    unit_location: Location | None = None
    apportion: Apportionment | None = None
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
    records: RecordsDef | None = None  # records.yaml beside the definition, when there is one

    @property
    def period_months(self) -> int:
        return 3 if self.frequency == "quarter" else 12


# --- record-level definitions (records.yaml beside framework.yaml) ------------------------------


@dataclass(frozen=True)
class ClusterCode:
    system: str
    code: str
    description: str = ""
    status: str = ""  # "sourced" or "illustrative" in a cluster file; "" inline


@dataclass(frozen=True)
class ClusterDef:
    """A code cluster as declared: read from ``path`` (a CSV file) or written inline."""

    name: str
    codes: tuple[ClusterCode, ...]
    location: Location
    path: str = ""
    version: str = ""
    unit: str = ""
    info: Doc = field(default_factory=Doc)


@dataclass(frozen=True)
class RecordRuleDef:
    """One rule of a register or an indicator: ``select``, ``reject`` (an exception, counted by
    its ``reason``) or ``exclude`` (an exclusion, counted nowhere)."""

    action: str  # "select", "reject" or "exclude"
    condition: Expression
    location: Location
    reason: str = ""
    reason_location: Location | None = None
    info: Doc = field(default_factory=Doc)
    assumption: str = ""
    rule_set: str = ""  # the rule set (rule_sets:) it was spliced in from, if any


@dataclass(frozen=True)
class RegisterDef:
    group: str
    rules: tuple[RecordRuleDef, ...]
    location: Location
    indicator: str = ""
    indicator_location: Location | None = None
    population_date: Expression | None = None
    info: Doc = field(default_factory=Doc)


@dataclass(frozen=True)
class RecordIndicatorDef:
    id: str
    register: str
    register_location: Location
    rules: tuple[RecordRuleDef, ...]
    location: Location
    info: Doc = field(default_factory=Doc)
    assumption: str = ""


@dataclass(frozen=True)
class RecordsDef:
    """A framework's record-level definitions (records.yaml)."""

    path: str
    source: SourceFile
    parameters: Mapping[str, Parameter]
    clusters: Mapping[str, ClusterDef]
    fields: Mapping[str, Definition]
    registers: Mapping[str, RegisterDef]
    indicators: Mapping[str, RecordIndicatorDef]
    reference_date: str = "pped"
    reference_location: Location | None = None
    period: str = ""
    info: Doc = field(default_factory=Doc)

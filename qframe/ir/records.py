"""The record-level IR: what a framework's registers and business rules compute for each patient,
engine-neutral.

A framework computed from GP records has, besides its practice-level :class:`~qframe.ir.program.
Program`, a :class:`RecordProgram`: code clusters, per-patient fields, registers and each
indicator's ordered SELECT/REJECT rules. An engine lowers it to a query (DuckDB in-process by
default, Spark when the records outgrow one machine) and returns, per practice and period, exactly
the measures the practice level reads — ``list_size``, ``register[group]``,
``numerator[indicator]``, ``denominator[indicator]`` (net of exceptions, as the practice level
reads it), ``exceptions[indicator]`` and ``exceptions_by_reason[INDICATOR.reason]`` — so a
framework runs on records or on counts alike.

Per-patient expressions are :class:`~qframe.ir.nodes.Node` trees. The general nodes
(:class:`~qframe.ir.nodes.Const`, :class:`~qframe.ir.nodes.Param`, :class:`~qframe.ir.nodes.Unary`,
:class:`~qframe.ir.nodes.Binary`, :class:`~qframe.ir.nodes.If`) mean here what they mean at the
practice level, evaluated once per patient, with the same three-valued logic (a missing value is
unknown: ``unknown and false`` is false, ``unknown or true`` is true; a comparison with a missing
value is unknown; a rule whose condition is unknown does not fire). The nodes below add what
records need. Dates are :class:`datetime.date` values; a date's kind is ``Kind.DATE``.

Semantics every engine must give (the spec suite checks them on each engine):

* **Population.** A register considers the patients registered at its practice on the reference
  date (``population_date``, normally PPED) and alive then; ``list_size`` counts them.
* **Rules, first match wins.** Rules are tried in order; the first whose condition is true decides
  the patient. For a register: ``select`` puts the patient on it, ``reject`` keeps them off; a
  patient no rule catches is not on the register. For an indicator (patients on its register
  only): ``select`` puts the patient in the numerator and the denominator; ``reject`` removes them
  from the denominator, as an *exception* (counted in ``exceptions[indicator]`` and by reason) or
  an *exclusion* (not counted anywhere: e.g. a denominator-defining rule); a patient no rule
  catches is in the denominator only.
* **Windows.** An event is in a window when its date is after ``start`` (on or after when
  ``include_start``) and before ``end`` (on or before when ``include_end``); a missing bound is
  open. Bounds may be per-patient dates (another field).
* **Calendar arithmetic.** :class:`DateOffset` moves a date by whole months then days; a day that
  does not exist in the target month is clamped to its last day (2015-03-31 − 1 month is
  2015-02-28).
* **Age** at a date is the number of whole years since the date of birth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from qframe.errors.diagnostics import Location
from qframe.ir.nodes import Node

EventReduce = Literal["latest", "earliest", "count", "exists", "min", "max"]
EventAttribute = Literal["date", "value"]
RegistrationReduce = Literal["start", "registered"]
RuleAction = Literal["select", "reject"]
RejectCategory = Literal["exception", "exclusion"]


@dataclass(frozen=True)
class Cluster:
    """A code list: data, not code. ``codes`` are (system, code) pairs; ``unit`` is the unit an
    event's value must carry when the cluster holds measurements (``mmol/mol``, ``mmHg``) or ""."""

    name: str
    codes: tuple[tuple[str, str], ...]
    version: str = ""
    source: str = ""  # where the codes come from (a citation, or "illustrative")
    unit: str = ""
    path: str = ""  # the CSV file it was read from, or "" when written inline
    location: Location | None = None


@dataclass(frozen=True)
class Window:
    """A date window; each bound an expression of kind date (constant, parameter or per-patient)."""

    start: Node | None = None
    end: Node | None = None
    include_start: bool = True
    include_end: bool = True


@dataclass(frozen=True)
class PatientColumn(Node):
    """A column of the patients table: ``date_of_birth``, ``sex``, ``date_of_death``."""

    name: str


@dataclass(frozen=True)
class DateOffset(Node):
    """``base`` moved by ``months`` (calendar months, day clamped) and then ``days``; either may be
    negative."""

    base: Node
    months: int = 0
    days: int = 0


@dataclass(frozen=True)
class AgeAt(Node):
    """The patient's age in whole years on a date."""

    date: Node


@dataclass(frozen=True)
class EventQuery(Node):
    """The patient's events with a code in any of ``clusters`` inside ``window``, reduced to one
    value: the ``attribute`` (date or value) of the latest/earliest such event, the min/max of
    their values, how many there are (``count``), or whether there is one (``exists``). Ties on a
    date are broken by the lowest value for ``latest``/``earliest`` of a value (stated rule); the
    ``value`` of the latest/earliest is that of the latest/earliest event *that has a value*
    (events without one are skipped for ``.value``, not for ``.date``); ``attribute`` None reads
    the date. A window bound that is missing for a patient (a per-patient date) holds no event.
    ``same_day_as`` keeps only the events on a day on which the patient also has an event with a
    code in one of those clusters (a blood pressure: the systolic of a day with a diastolic)."""

    clusters: tuple[str, ...]
    reduce: EventReduce
    window: Window = field(default_factory=Window)
    attribute: EventAttribute | None = None  # for latest/earliest
    same_day_as: tuple[str, ...] = ()

    @property
    def clusters_read(self) -> tuple[str, ...]:
        """Every cluster whose events the query reads: its own and those of ``same_day_as``."""
        return (*self.clusters, *(c for c in self.same_day_as if c not in self.clusters))


@dataclass(frozen=True)
class RegistrationQuery(Node):
    """From the registrations table: the start date of the registration current on ``on``
    (``start``), or whether the patient is registered on ``on`` (``registered``)."""

    reduce: RegistrationReduce
    on: Node


@dataclass(frozen=True)
class FieldRef(Node):
    """A per-patient field defined once under ``fields:`` and reused by every rule."""

    name: str


@dataclass(frozen=True)
class Known(Node):
    """Whether a value is present (``x is known``); ``negate`` for ``x is missing``. Never unknown
    itself."""

    operand: Node
    negate: bool = False


@dataclass(frozen=True)
class OnRegister(Node):
    """Whether the patient is on a register (another group's: ``on_register("CHD")``)."""

    register: str


@dataclass(frozen=True)
class Rule:
    action: RuleAction
    condition: Node
    reason: str = ""  # a reject's reason (exceptions are counted by it)
    category: RejectCategory = "exception"  # for rejects
    location: Location | None = None


@dataclass(frozen=True)
class RuleList:
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class RegisterRules:
    """A register (a clinical group's): its rules, and the date its population is taken on."""

    group: str
    rules: RuleList
    population_date: Node
    location: Location | None = None


@dataclass(frozen=True)
class IndicatorRules:
    """An indicator's business rules, applied to the patients on its register."""

    indicator: str
    register: str
    rules: RuleList
    location: Location | None = None


@dataclass(frozen=True)
class RecordProgram:
    """Everything a record engine needs to compute the practice-level measures of one period.

    ``reference_date`` is PPED (a parameter, so it can be set or swept); ``period`` labels the
    counts (``2014-15`` for a PPED of 2015-03-31). ``params`` are the record-level parameters
    (targets, windows' lengths as numbers, invitation counts), each a checked node; a sweep
    replaces their values. Indicators of the framework without rules here are listed in
    ``not_computable`` so that evaluation reports them once, never silently.

    As the checker (:mod:`qframe.check.records`) builds it:

    * ``params``: a constant is a :class:`~qframe.ir.nodes.Const` (a date is a
      :class:`datetime.date`, a clinical value a float whose ``type.unit`` names its unit, a
      duration a ``(months, days)`` pair); a date derived from another parameter stays an
      expression of it (``year_start`` is ``DateOffset(Param("pped"), -12, 1)``), so changing
      PPED moves it. Rules and fields read parameters as ``Param`` nodes, except durations, which
      are written into the ``DateOffset`` they bound (changing one means checking again:
      :func:`qframe.check.records.overrides.record_program_with`).
    * ``fields`` are in dependency order (a field after the fields it reads). An event field
      written ``hba1c: latest(IFCCHBAM_COD, ...)`` is two fields, ``hba1c.date`` and (when a rule
      reads it) ``hba1c.value``, each an :class:`EventQuery` with its ``attribute``;
      ``hba1c is known`` is ``Known(FieldRef("hba1c.date"))``.
    * An ``exclude:`` rule is a reject of category ``exclusion`` (reason ``excluded`` unless one
      is given); a register's reject keeps its reason (``under_age``) for explanations."""

    reference_date: Node
    period: str
    clusters: Mapping[str, Cluster]
    params: Mapping[str, Node]
    fields: Mapping[str, Node]
    registers: Mapping[str, RegisterRules]
    indicators: Mapping[str, IndicatorRules]
    not_computable: tuple[str, ...] = ()

"""The record-engine protocol: what every engine that computes practice measures from GP records
offers (DuckDB in-process now; Spark implements the same protocol next), and the types it
exchanges.

A record engine takes a checked :class:`~qframe.ir.records.RecordProgram`, a records folder (the
tables of docs/records.md: units, patients, registrations, events) and record-level parameter
values, and gives back the practice-level measures as one long table with the columns of a
practice-level ``measures`` table — ``unit_id, period, measure, key, value`` — so the framework's
own evaluation runs on it unchanged (:func:`measures_dataset`).

Measures (names as the practice level reads them): ``list_size`` (key empty), ``register``
(key: group), ``numerator``, ``denominator`` (net of exceptions), ``exceptions`` (key: indicator)
and ``exceptions_by_reason`` (key: ``INDICATOR.reason``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from qframe.data.dataset import Dataset

if TYPE_CHECKING:
    from qframe.ir.records import RecordProgram

RecordParams = Mapping[str, Any]  # record-level parameter -> value (number, date, bool, text)
MEASURE_COLUMNS: tuple[str, ...] = ("unit_id", "period", "measure", "key", "value")
OUTCOME_COLUMNS: tuple[str, ...] = (
    "patient_id", "unit_id", "period", "kind", "item", "outcome", "rule", "reason",
)  # fmt: skip


@dataclass(frozen=True)
class RuleTrace:
    """One rule as explain shows it: its place (1-based), what it does, and its condition's value
    for the patient (True, False or None for unknown)."""

    index: int
    action: str
    reason: str
    category: str
    value: bool | None


@dataclass(frozen=True)
class PatientExplanation:
    """Why one patient is where they are for one indicator: the population facts, the per-patient
    values the rules saw, the register's rules and the indicator's rules with their values, and
    the rule that fired in each (None: no rule fired)."""

    patient_id: int
    indicator: str
    register: str
    in_population: bool
    unit_id: str | None
    values: Mapping[str, Any]
    register_rules: tuple[RuleTrace, ...]
    register_fired: int | None
    on_register: bool
    rules: tuple[RuleTrace, ...]
    fired: int | None
    outcome: str  # numerator, denominator, exception, exclusion, not on register

    def to_dict(self) -> dict[str, Any]:
        """The explanation as plain data (``explain --patient --format json``)."""
        out = asdict(self)
        out["values"] = {name: _show(value) for name, value in self.values.items()}
        return out

    def lines(self) -> list[str]:
        """The explanation as text lines."""
        out = [f"patient {self.patient_id}, {self.indicator} (register {self.register})"]
        if not self.in_population:
            out.append("  not in the population (not registered, or not alive, on the date)")
            return out
        out.append(f"  practice {self.unit_id}")
        out += [f"  {name} = {_show(value)}" for name, value in self.values.items()]
        out.append(f"  register {self.register}: {'on' if self.on_register else 'not on'}")
        out += [_rule_line(r, self.register_fired) for r in self.register_rules]
        out.append(f"  {self.indicator}: {self.outcome}")
        out += [_rule_line(r, self.fired) for r in self.rules]
        return out


def _show(value: Any) -> str:
    if value is None:
        return "missing"
    if hasattr(value, "date") and callable(value.date):
        return str(value.date())
    return str(value)


def _rule_line(rule: RuleTrace, fired: int | None) -> str:
    value = {True: "true", False: "false", None: "unknown"}[rule.value]
    mark = "  <- fired" if fired == rule.index else ""
    label = f"{rule.action} as {rule.reason}" if rule.reason else rule.action
    return f"    {rule.index}. {label}: {value}{mark}"


@dataclass(frozen=True)
class Sweep:
    """Values of record-level parameters by scenario: each name maps to one value per scenario
    (all the same length). Scenario ``i`` sets every name to its ``i``-th value."""

    values: Mapping[str, Sequence[Any]] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(next(iter(self.values.values()))) if self.values else 0


class RecordEngine(Protocol):
    """An engine computing practice measures from records. Pick one with
    :func:`qframe.engines.registry.record_engine`."""

    name: str

    def counts(
        self,
        program: RecordProgram,
        records: Any,
        params: RecordParams | None = None,
        period: str | None = None,
    ) -> pd.DataFrame:
        """The measures per practice (columns :data:`MEASURE_COLUMNS`) for the program's period
        (``period`` relabels it). ``records`` is a record folder, or a connection of the
        engine's kind already holding the tables (as :func:`qframe.data.records.load.load_records`
        gives)."""
        ...

    def sweep(
        self,
        program: RecordProgram,
        records: Any,
        sweep: Sweep,
        params: RecordParams | None = None,
    ) -> pd.DataFrame:
        """The measures for every scenario of ``sweep`` at once (a ``scenario`` column first, 0
        to size-1), reading the records once where the swept parameters are read only by rules."""
        ...

    def patient_outcomes(
        self,
        program: RecordProgram,
        records: Any,
        params: RecordParams | None = None,
        out: str | Path | None = None,
    ) -> pd.DataFrame | Path:
        """Per patient: each register they are on and each indicator's outcome (columns
        :data:`OUTCOME_COLUMNS`). Only when asked for (audit): written as Parquet to ``out`` when
        given (nothing passes through pandas), else returned."""
        ...

    def sql(
        self, program: RecordProgram, indicator: str | None = None, dialect: str = "duckdb"
    ) -> str:
        """The generated query (for one indicator: only what it needs), as the engine runs it."""
        ...

    def explain_patient(
        self,
        program: RecordProgram,
        records: Any,
        patient_id: int,
        indicator: str,
        params: RecordParams | None = None,
    ) -> PatientExplanation:
        """The values one patient's rules saw and the rule that fired, register and indicator."""
        ...


def measures_dataset(measures: pd.DataFrame, units: pd.DataFrame) -> Dataset:
    """A practice-level :class:`~qframe.data.dataset.Dataset` from a record engine's measures and
    the units table, on which ``Framework.evaluate`` runs unchanged."""
    frame = measures.loc[:, list(MEASURE_COLUMNS)].copy()
    for column in ("unit_id", "period", "measure"):
        frame[column] = frame[column].astype(str)
    frame["key"] = frame["key"].fillna("").astype(str)
    frame["value"] = frame["value"].astype(np.float64)  # numbers as they are (NaN: missing)
    text_units = units.astype(object).where(units.notna(), "").astype(str)
    return Dataset.from_frames(text_units, frame)

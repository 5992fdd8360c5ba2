"""Explain one patient: the register decision and the rule that fired for an indicator, with the
field values the rules saw, computed by the record engine from the framework's business rules
(``qframe explain --patient``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from qframe.check.overrides import resolve
from qframe.check.records.overrides import record_program_with
from qframe.data.records.load import load_records
from qframe.engines.records.base import PatientExplanation, RecordEngine
from qframe.engines.records.from_records import required_program
from qframe.engines.registry import record_engine
from qframe.errors.diagnostics import DefinitionError, did_you_mean
from qframe.ir.records import RecordProgram


def record_program(
    fw: Any, params: Mapping[str, Any] | None = None, indicator: str | None = None
) -> RecordProgram:
    """The framework's record program with any record-level parameters set (a located error when
    the framework has no record-level rules, Q431 when ``indicator`` is given and has none)."""
    program = required_program(
        fw.id, fw.plan.program.records if fw.plan.program is not None else None
    )
    values = resolve(fw.plan, params or {}).records
    program = record_program_with(fw.definition, values) if values else program
    if indicator is not None and indicator not in program.indicators:
        raise DefinitionError.single(
            "Q431",
            f"{fw.id} has no record-level rules for `{indicator}`",
            None,
            did_you_mean(indicator, program.indicators)
            or f"indicators with rules: {', '.join(sorted(program.indicators))}",
        )
    return program


def explain_patient(
    fw: Any,
    records: str | Path,
    patient: int,
    indicator: str,
    params: Mapping[str, Any] | None = None,
    engine: str | RecordEngine = "duckdb",
) -> PatientExplanation:
    """Why ``patient`` is (or is not) in ``indicator``'s numerator, denominator or exceptions
    (``engine``: the record engine, by name or made with its settings)."""
    program = record_program(fw, params, indicator)
    loaded = load_records(records)
    runner = record_engine(engine) if isinstance(engine, str) else engine
    return runner.explain_patient(program, loaded, patient, indicator)

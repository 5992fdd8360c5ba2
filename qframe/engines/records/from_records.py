"""GP records to the practice level's data: the one path from records to the money.

A record folder given where practice data is expected is read and checked
(:func:`qframe.data.records.load.load_records`: bad records are reported, never dropped), its
counts computed by a record engine from the framework's :class:`~qframe.ir.records.RecordProgram`
(with any record-level parameters set), and returned as a practice-level
:class:`~qframe.data.dataset.Dataset` — ``list_size``, ``register``, ``numerator``, ``denominator``,
``exceptions`` — on which the framework evaluates unchanged. Indicators without record-level rules
are named once, in a warning (Q433), so their missing input is never silent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qframe.check.records.overrides import record_program_with
from qframe.data.dataset import Dataset
from qframe.data.records.checks import check_after_date
from qframe.data.records.load import load_records
from qframe.engines.records.base import RecordEngine, Sweep, measures_dataset
from qframe.engines.records.scope import SCENARIO
from qframe.engines.registry import record_engine
from qframe.errors.diagnostics import DataError, Diagnostic, error, warning
from qframe.ir import nodes
from qframe.ir.records import RecordProgram
from qframe.model import definition as m


def required_program(
    framework_id: str, program: RecordProgram | None, context: str = ""
) -> RecordProgram:
    """``program``, or the data error (Q434) saying the framework has no record-level rules."""
    if program is None:
        raise DataError(
            [
                error(
                    "Q434",
                    f"{context}{framework_id} has no record-level rules",
                    None,
                    "write the registers and business rules in records.yaml beside "
                    "framework.yaml (docs/records-authoring.md), or give practice-level data",
                )
            ]
        )
    return program


def records_dataset(
    definition: m.FrameworkDef,
    program: RecordProgram | None,
    folder: str | Path,
    values: Mapping[str, Any] | None = None,
    engine: str | RecordEngine = "duckdb",
) -> Dataset:
    """The practice-level dataset the records in ``folder`` give under ``definition``'s
    business rules (``values``: record-level parameters set, e.g. ``hba1c_target``), counted by
    the record engine ``engine`` (a name, or an engine made with its settings). The records are
    read and checked by the loader first, whatever the engine (docs/spark.md says where)."""
    return records_datasets(definition, program, folder, [values or {}], engine)[0]


def records_datasets(
    definition: m.FrameworkDef,
    program: RecordProgram | None,
    folder: str | Path,
    settings: Sequence[Mapping[str, Any]],
    engine: str | RecordEngine = "duckdb",
) -> list[Dataset]:
    """One practice-level dataset per setting of record-level parameters (a sweep's values),
    the records read and checked once. Settings that change only numbers the rules compare with
    (clinical targets, invitation counts) are computed together by the engine's one-scan
    :meth:`~qframe.engines.records.base.RecordEngine.sweep` (only the indicators reading them are
    recounted per value); a setting of a date or a duration (which moves event windows or the
    population) is computed with the program checked again at its values, one query each."""
    program = required_program(definition.id, program, f"{folder} holds GP records, but ")
    records = load_records(folder)
    notes: list[Diagnostic] = list(records.warnings)
    if isinstance(program.reference_date, nodes.Const):
        notes += check_after_date(records, program.reference_date.value)
    runner = record_engine(engine) if isinstance(engine, str) else engine
    measures: dict[int, pd.DataFrame] = {}
    together = [i for i, setting in enumerate(settings) if setting and numbers_only(setting)]
    names = sorted(settings[together[0]]) if together else []
    together = [i for i in together if sorted(settings[i]) == names]
    if len(together) > 1:
        swept = Sweep({name: [settings[i][name] for i in together] for name in names})
        frame = runner.sweep(program, records, swept)
        for k, i in enumerate(together):
            measures[i] = frame[frame[SCENARIO] == k].drop(columns=SCENARIO)
    for i, setting in enumerate(settings):
        if i not in measures:
            changed = record_program_with(definition, setting) if setting else program
            measures[i] = runner.counts(changed, records)
    out = []
    for i in range(len(settings)):
        dataset = measures_dataset(
            with_missing_inputs(definition, measures[i]), records.frame("units")
        )
        warned = (*dataset.warnings, *notes, *not_computed(program))
        out.append(replace(dataset, source=str(folder), warnings=warned))
    return out


def numbers_only(setting: Mapping[str, Any]) -> bool:
    """Whether a setting changes only numbers (a clinical target in its unit, a count), not a
    date or a duration."""
    return all(
        isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in setting.values()
    )


def not_computed(program: RecordProgram) -> list[Diagnostic]:
    """The warning (Q433) naming the indicators without record-level rules, once."""
    if not program.not_computable:
        return []
    shown = ", ".join(program.not_computable[:8])
    more = len(program.not_computable) - 8
    return [
        warning(
            "Q433",
            f"{len(program.not_computable)} indicators have no record-level rules and are "
            f"not computed from records: {shown}{f' and {more} more' if more > 0 else ''}",
            None,
            "their inputs are missing, so their status is `missing input`; add their rules "
            "to records.yaml to compute them",
        )
    ]


def with_missing_inputs(definition: m.FrameworkDef, measures: pd.DataFrame) -> pd.DataFrame:
    """``measures`` with an explicit empty (missing) value, for every practice, of each input the
    framework reads that the records did not give (an indicator without record-level rules): the
    practice level then shows those indicators as `missing input`, not as absent data."""
    if measures.empty:
        return measures
    produced = set(zip(measures["measure"], measures["key"].fillna(""), strict=True))
    keys_of = {
        "none": [""],
        "indicator": list(definition.indicators),
        "group": sorted({ind.group for ind in definition.indicators.values() if ind.group}),
    }
    wanted = [
        (inp.data_name, key)
        for inp in definition.inputs.values()
        for key in keys_of.get(inp.key, [""])
        if (inp.data_name, key) not in produced
    ]
    if not wanted:
        return measures
    grid = measures[["unit_id", "period"]].drop_duplicates()
    missing = pd.DataFrame(wanted, columns=["measure", "key"]).merge(grid, how="cross")
    missing["value"] = float("nan")
    return pd.concat([measures, missing[list(measures.columns)]], ignore_index=True)

"""A record program with record-level parameters changed (``--set hba1c_target=64mmol/mol``,
``--set pped=2016-03-31``, ``--set look_back=15months``, or a sweep step).

The values are checked first by :func:`qframe.check.overrides.record_value` (same located errors
as the definition). The program is then checked again with the parameters' new values, so that
everything that reads them follows: a duration parameter is inlined in the windows it bounds, a
date derived from PPED (``year_start``) moves with it.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from qframe.check.records.program import check_records
from qframe.errors.diagnostics import DefinitionError, SourceFile
from qframe.ir import records as r
from qframe.language.parser import parse
from qframe.model import definition as m


def value_text(value: Any, unit: str = "") -> str:
    """A checked value written in the language: 2016-03-31, 64 mmol/mol, 15 months, 3."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, tuple):
        months, days = value
        return f"{days} days" if days else f"{months} months"
    text = f"{float(value):g}"
    return f"{text} {unit}" if unit else text


def record_program_with(fw: m.FrameworkDef, values: Mapping[str, Any]) -> r.RecordProgram:
    """The record program of ``fw`` with the parameters in ``values`` changed (values as
    :class:`qframe.check.overrides.Resolved` holds them). Raises DefinitionError on a problem."""
    records = fw.records
    if records is None:
        raise KeyError("the framework has no records.yaml")
    params = dict(records.parameters)
    current, _ = check_records(fw)
    for name, value in values.items():
        unit = current.params[name].type.unit if current is not None else ""
        text = value_text(value, unit)
        expression = m.Expression(
            text, parse(text), SourceFile(f"--set {name}", text), tuple(range(len(text) + 1))
        )
        params[name] = replace(params[name], value=expression)
    changed = replace(fw, records=replace(records, parameters=params))
    program, diags = check_records(changed)
    if program is None:
        raise DefinitionError([d for d in diags if d.is_error])
    return program

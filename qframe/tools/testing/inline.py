"""Inline datasets: ``data:`` written in the test file as ``units:`` and ``measures:`` rows.

Problems in the rows, including those the data validation finds, are placed at the rows in the
test file.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import yaml

from qframe.data.dataset import Dataset
from qframe.errors.diagnostics import Diagnostic, QframeError, error
from qframe.source.yamldoc import YamlDocument, YamlPath
from qframe.tools.testing.cases import (
    COLUMN_ALIASES,
    DATA_FIELDS,
    MEASURE_FIELDS,
    Case,
)


def cell_text(doc: YamlDocument, path: YamlPath) -> str | None:
    """A scalar exactly as written ("" for an empty value); None when it is not a scalar."""
    node = doc.values.get(path)
    if not isinstance(node, yaml.ScalarNode):
        return None
    value: Any = doc.data
    for p in path:
        value = value[p]
    return "" if value is None else str(node.value)


def inline_dataset(case: Case, path: YamlPath) -> tuple[Dataset | None, list[Diagnostic]]:
    """The dataset written at ``path``, validated; or the problems of its rows.

    Shapes (a row that is neither a list nor a mapping, a cell that is not a single value, an
    unknown field) are the schema's to report: a dataset with any such problem is not built."""
    data = case.value(path)
    measures = data.get("measures")
    if not isinstance(measures, list):
        if measures is not None:  # the schema said so
            return None, []
        return None, [
            error(
                "T003",
                "inline `data` needs `measures:`, a list of rows [unit_id, period, measure, key, value]",
                case.where((*path, "measures") if "measures" in data else path),
                'e.g. `- [P001, 2014-15, list_size, "", 8000]`',
            )
        ]
    rows, problems, well_formed = _measure_rows(case, path, measures)
    units: list[dict[str, str]] = []
    if "units" in data:
        units, more, units_well_formed = _unit_rows(case, path, data["units"])
        problems += more
        well_formed = well_formed and units_well_formed
    else:  # the units are those the measures name
        units = [{"unit_id": u} for u in dict.fromkeys(r.get("unit_id", "") for r in rows)]
    if problems or not well_formed:
        return None, problems
    units_frame = pd.DataFrame(units, dtype=object)
    if units_frame.empty:
        units_frame = pd.DataFrame({"unit_id": pd.Series([], dtype=object)})
    measures_frame = pd.DataFrame(rows, columns=list(MEASURE_FIELDS), dtype=object)
    try:
        return Dataset.from_frames(units_frame, measures_frame, str(case.file)), []
    except QframeError as exc:
        return None, [_place_data_problem(case, path, d) for d in exc.diagnostics]


def _measure_rows(
    case: Case, path: YamlPath, measures: list[Any]
) -> tuple[list[dict[str, str]], list[Diagnostic], bool]:
    """The measure rows as text, the problems found, and whether every row has a shape the
    schema accepts."""
    doc = case.doc
    problems: list[Diagnostic] = []
    well_formed = True
    rows: list[dict[str, str]] = []
    for i, row in enumerate(measures):
        rp = (*path, "measures", i)
        items: list[tuple[str, YamlPath]] = []
        if isinstance(row, list):
            if len(row) not in (4, 5):
                problems.append(
                    error(
                        "T004",
                        f"a measure row has 5 values [unit_id, period, measure, key, value] (or 4, without key), not {len(row)}",
                        case.where(rp),
                        'write `""` for an empty key: [P001, 2014-15, list_size, "", 8000]',
                    )
                )
                continue
            fields = MEASURE_FIELDS if len(row) == 5 else ("unit_id", "period", "measure", "value")
            items = [(f, (*rp, j)) for j, f in enumerate(fields)]
        elif isinstance(row, dict):
            allowed = (*MEASURE_FIELDS, "unit")
            well_formed = well_formed and all(k in allowed for k in row)
            items = [(COLUMN_ALIASES.get(str(k), str(k)), (*rp, k)) for k in row if k in allowed]
            given = {f for f, _ in items}
            missing = [f for f in ("unit_id", "period", "measure", "value") if f not in given]
            if missing:
                problems.append(
                    error(
                        "T003",
                        f"a measure row needs {', '.join(f'`{f}`' for f in missing)}",
                        case.where(rp),
                        "a measure row gives unit_id, period, measure, key (may be empty) and value",
                    )
                )
                continue
        else:
            well_formed = False
            continue
        record = {"key": ""}
        for f, p in items:
            cell = cell_text(doc, p)
            if cell is None:
                well_formed = False
                continue
            record[f] = cell
        rows.append(record)
    return rows, problems, well_formed


def _unit_rows(
    case: Case, path: YamlPath, listed: Any
) -> tuple[list[dict[str, str]], list[Diagnostic], bool]:
    """The units as text, the problems found, and whether every unit has a shape the schema
    accepts."""
    if not isinstance(listed, list):
        return [], [], False
    doc = case.doc
    problems: list[Diagnostic] = []
    well_formed = True
    units: list[dict[str, str]] = []
    for i, unit in enumerate(listed):
        up = (*path, "units", i)
        if isinstance(unit, dict):
            record = {}
            for k in unit:
                cell = cell_text(doc, (*up, k))
                if cell is None:
                    well_formed = False
                    continue
                record[COLUMN_ALIASES.get(str(k), str(k))] = cell
            if "unit_id" not in record:
                problems.append(
                    error(
                        "T003",
                        "a unit needs `unit_id`",
                        case.where(up),
                        "e.g. `- {unit_id: P001, name: Example practice}`",
                    )
                )
                continue
            units.append(record)
            continue
        cell = cell_text(doc, up)
        if cell is None:
            well_formed = False
            continue
        units.append({"unit_id": cell})
    return units, problems, well_formed


def _place_data_problem(case: Case, path: YamlPath, d: Diagnostic) -> Diagnostic:
    """A data problem in inline rows, placed at the (first) row concerned in the test file."""
    if d.location is not None:
        return d
    table = d.path if d.path in DATA_FIELDS else None
    message = d.message
    if table and d.rows:
        rows = [r - 2 for r in d.rows]  # data rows count the header as row 1
        where = case.where((*path, table, rows[0]))
        if len(rows) > 1:
            lines = ", ".join(str(case.where((*path, table, r)).line) for r in rows)
            more = " and more" if d.row_count > len(rows) else ""
            message += f" (lines {lines}{more})"
    elif table:
        where = case.where((*path, table))
        message = f"{table}: {message}"
    else:
        where = case.where(path)
    return Diagnostic(d.severity, d.code, message, where, d.hint)

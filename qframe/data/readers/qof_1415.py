"""The 2014-15 ``qof-1415-csvfiles`` trio: ``INDICATORS_BY_PRAC.csv``, ``EXCEPTION_OUTPUT.csv``
and ``PREVALENCE_BY_PRAC_v2.csv``, each one row per practice × indicator (or group) with one
column per measure.

These layouts could not be checked against a real file here: their column names come from public
scripts that read NHS Digital's ``qof-1415-csvfiles`` (which lower-case the names), so the tables
are the most likely layout. If a real file differs, change only the table.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from qframe.data.readers.columns import (
    PLAIN_HINT,
    blank_problem,
    find_columns,
    header_key,
    measure_rows,
    number_problem,
    parse_numbers,
    text_column,
)
from qframe.data.readers.part import FilePart

#: 2014-15 INDICATORS_BY_PRAC.csv: one row per practice × indicator, one column per measure.
#: Not checked against a real file (see the module docstring).
INDICATORS_BY_PRAC_COLUMNS: dict[str, tuple[str, ...]] = {
    "practice": ("PRACTICE_CODE",),
    "indicator": ("INDICATOR_CODE",),
}

INDICATORS_BY_PRAC_MEASURES: dict[str, tuple[str, ...]] = {
    "numerator": ("NUMERATOR",),
    "denominator": ("DENOMINATOR",),
}

INDICATORS_BY_PRAC_OPTIONAL: dict[str, tuple[str, ...]] = {"achieved_points": ("ACHIEVED_POINTS",)}

#: 2014-15 EXCEPTION_OUTPUT.csv: exceptions per practice × indicator. Not checked (see above).
EXCEPTION_OUTPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "practice": ("PRACTICE_CODE",),
    "indicator": ("INDICATOR_CODE",),
    "exceptions": ("EXCEPTION_COUNT",),
}

#: 2014-15 PREVALENCE_BY_PRAC_v2.csv: registers per practice × group. Its PRACTICE_LIST_SIZE is
#: not read: the file does not say which age band each group's list size covers. Not checked.
PREVALENCE_BY_PRAC_COLUMNS: dict[str, tuple[str, ...]] = {
    "practice": ("PRACTICE_CODE",),
    "group": ("INDICATOR_GROUP_CODE", "INDICATOR_GROUP"),
    "register": ("REGISTER_SIZE",),
}


def _wide_indicator_file(
    path: Path,
    frame: pd.DataFrame,
    period: str,
    kind: str,
    title: str,
    keys: dict[str, tuple[str, ...]],
    measures: dict[str, tuple[str, ...]],
    optional: dict[str, tuple[str, ...]],
) -> FilePart:
    file = str(path)
    part = FilePart(file, kind, period)
    cols, part.problems = find_columns(frame, {**keys, **measures}, file, title)
    if part.problems:
        return part
    present = {m: cols[m] for m in measures}
    by_norm = {header_key(c): c for c in frame.columns}
    for measure, names in optional.items():
        hit = next((by_norm[header_key(n)] for n in names if header_key(n) in by_norm), None)
        if hit is not None:
            present[measure] = hit
    key_role = next(r for r in keys if r != "practice")
    practice = text_column(frame, cols["practice"])
    key = text_column(frame, cols[key_role])
    for role, what in (("practice", "practice code"), (key_role, f"{key_role} code")):
        blank = (text_column(frame, cols[role]) == "").to_numpy()
        if blank.any():
            part.problems.append(blank_problem(file, cols[role], blank, what))
    rows = np.arange(len(frame)) + 2
    pieces = []
    for measure, column in present.items():
        values, bad = parse_numbers(frame[column])
        if bad.any():
            part.problems.append(number_problem(file, column, frame[column], bad, PLAIN_HINT))
        pieces.append(measure_rows(practice, period, measure, key, values, rows))
    part.measures = pd.concat(pieces, ignore_index=True)
    return part


def read_indicators_by_prac(path: Path, frame: pd.DataFrame, period: str) -> FilePart:
    """Numerators, denominators (and achieved points when given) per practice × indicator."""
    return _wide_indicator_file(
        path,
        frame,
        period,
        "indicators_by_prac",
        "INDICATORS_BY_PRAC",
        INDICATORS_BY_PRAC_COLUMNS,
        INDICATORS_BY_PRAC_MEASURES,
        INDICATORS_BY_PRAC_OPTIONAL,
    )


def read_exception_output(path: Path, frame: pd.DataFrame, period: str) -> FilePart:
    """Exceptions per practice × indicator."""
    keys = {k: v for k, v in EXCEPTION_OUTPUT_COLUMNS.items() if k != "exceptions"}
    return _wide_indicator_file(
        path,
        frame,
        period,
        "exception_output",
        "EXCEPTION_OUTPUT",
        keys,
        {"exceptions": EXCEPTION_OUTPUT_COLUMNS["exceptions"]},
        {},
    )


def read_prevalence_by_prac(path: Path, frame: pd.DataFrame, period: str) -> FilePart:
    """Registers per practice × group."""
    keys = {k: v for k, v in PREVALENCE_BY_PRAC_COLUMNS.items() if k != "register"}
    return _wide_indicator_file(
        path,
        frame,
        period,
        "prevalence_by_prac",
        "PREVALENCE_BY_PRAC",
        keys,
        {"register": PREVALENCE_BY_PRAC_COLUMNS["register"]},
        {},
    )

"""``ACHIEVEMENT_<yyyy>.csv``, the long layout: one row per practice × indicator × measure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from qframe.data.readers.columns import (
    PLAIN_HINT,
    blank_problem,
    find_columns,
    measure_rows,
    number_problem,
    parse_numbers,
    snake_case,
    text_column,
)
from qframe.data.readers.part import FilePart

#: ACHIEVEMENT_<yyyy>.csv, long layout: one row per practice × indicator × measure.
ACHIEVEMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "practice": ("PRACTICE_CODE",),
    "indicator": ("INDICATOR_CODE",),
    "measure": ("MEASURE",),
    "value": ("VALUE",),
}

#: MEASURE values renamed; every other MEASURE is lower-cased (ACHIEVED_POINTS → achieved_points).
ACHIEVEMENT_MEASURES: dict[str, str] = {"PCAS": "exceptions", "EXCEPTIONS": "exceptions"}


def read_achievement(path: Path, frame: pd.DataFrame, period: str) -> FilePart:
    """Every row becomes a measure keyed by its indicator; MEASURE names are renamed or lower-cased."""
    file = str(path)
    part = FilePart(file, "achievement", period)
    cols, part.problems = find_columns(
        frame, ACHIEVEMENT_COLUMNS, file, "long achievement (ACHIEVEMENT)"
    )
    if part.problems:
        return part
    practice = text_column(frame, cols["practice"])
    indicator = text_column(frame, cols["indicator"])
    raw_measure = text_column(frame, cols["measure"])
    for column, what in (
        ("practice", "practice code"),
        ("indicator", "indicator code"),
        ("measure", "measure name"),
    ):
        blank = (text_column(frame, cols[column]) == "").to_numpy()
        if blank.any():
            part.problems.append(blank_problem(file, cols[column], blank, what))
    values, bad = parse_numbers(frame[cols["value"]])
    if bad.any():
        part.problems.append(
            number_problem(file, cols["value"], frame[cols["value"]], bad, PLAIN_HINT)
        )
    renames = {k.upper(): v for k, v in ACHIEVEMENT_MEASURES.items()}
    upper = raw_measure.str.upper()
    measure = upper.map(lambda m: renames.get(m, snake_case(m)))
    part.measures = measure_rows(
        practice, period, measure, indicator, values, np.arange(len(frame)) + 2
    )
    return part

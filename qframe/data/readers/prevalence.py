"""``PREVALENCE_<yyyy>.csv`` (2016-17 on): registers per practice × group, and list sizes."""

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
    text_column,
)
from qframe.data.readers.part import FilePart, first_few
from qframe.data.validate import mask_problem
from qframe.errors.diagnostics import Severity

#: PREVALENCE_<yyyy>.csv (2016-17 on; 2019-20 calls the group column GROUP_CODE).
PREVALENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "practice": ("PRACTICE_CODE",),
    "group": ("INDICATOR_GROUP_CODE", "GROUP_CODE"),
    "register": ("REGISTER",),
    "list_type": ("PATIENT_LIST_TYPE",),
    "list_size": ("PATIENT_LIST_SIZE",),
}

#: PATIENT_LIST_TYPE of the whole list: its size becomes ``list_size``; other types (06OV, 16OV,
#: 17OV, 18OV, 50OV, 30_74, ...) become ``list_size_band`` keyed by the type.
TOTAL_LIST_TYPE = "TOTAL"


def read_prevalence(path: Path, frame: pd.DataFrame, period: str) -> FilePart:
    """Registers keyed by group, list_size from the TOTAL list type, other list types as list_size_band."""
    file = str(path)
    part = FilePart(file, "prevalence", period)
    cols, part.problems = find_columns(frame, PREVALENCE_COLUMNS, file, "PREVALENCE")
    if part.problems:
        return part
    practice = text_column(frame, cols["practice"])
    group = text_column(frame, cols["group"])
    list_type = text_column(frame, cols["list_type"])
    register, bad_register = parse_numbers(frame[cols["register"]])
    size, bad_size = parse_numbers(frame[cols["list_size"]])
    rows = np.arange(len(frame)) + 2
    for column, what in (
        ("practice", "practice code"),
        ("group", "group code"),
        ("list_type", "list type"),
    ):
        blank = (text_column(frame, cols[column]) == "").to_numpy()
        if blank.any():
            part.problems.append(blank_problem(file, cols[column], blank, what))
    for column, bad in (("register", bad_register), ("list_size", bad_size)):
        if bad.any():
            part.problems.append(
                number_problem(file, cols[column], frame[cols[column]], bad, PLAIN_HINT)
            )
    empty = np.isnan(register) & ~bad_register
    if empty.any():
        n_practices = practice[empty].nunique()
        part.problems.append(
            mask_problem(
                "D110",
                f"{{n}} register cell(s) are empty ({n_practices} practice(s), first: "
                f"{first_few(practice[empty])}): those registers are missing values",
                file,
                empty,
                "NHS Digital leaves the register empty where a practice's data were not "
                "available; the indicators that need them will be missing",
                Severity.WARNING,
            )
        )
    if part.problems and any(p.is_error for p in part.problems):
        return part

    # Registers: one row per practice × group.
    registers = measure_rows(practice, period, "register", group, register, rows)

    # List sizes: one per practice × list type, the same on every group row that uses it.
    sizes = pd.DataFrame({"unit_id": practice, "type": list_type, "value": size, "_row": rows})
    spread = sizes.groupby(["unit_id", "type"], sort=False)["value"].transform("nunique")
    disagree = (spread > 1).to_numpy()
    if disagree.any():
        first = sizes[disagree].iloc[0]
        part.problems.append(
            mask_problem(
                "D103",
                f"{{n}} row(s) give different {cols['list_size']} for the same practice and "
                f"{cols['list_type']} (first: {first['unit_id']} {first['type']})",
                file,
                disagree,
                "a practice has one list size per list type: correct the extract so that its "
                "group rows agree",
            )
        )
        return part
    grouped = sizes.groupby(["unit_id", "type"], sort=False)
    one = grouped.agg(value=("value", "first"), _row=("_row", "min")).reset_index()
    total = one["type"] == TOTAL_LIST_TYPE
    list_size = measure_rows(
        one["unit_id"][total], period, "list_size", "", one["value"][total], one["_row"][total]
    )
    bands = one[~total]
    band_sizes = measure_rows(
        bands["unit_id"], period, "list_size_band", bands["type"], bands["value"], bands["_row"]
    )
    without_total = sorted(set(practice) - set(list_size["unit_id"]))
    if without_total:
        mask = practice.isin(without_total).to_numpy()
        part.problems.append(
            mask_problem(
                "D113",
                f"{len(without_total)} practice(s) have no {TOTAL_LIST_TYPE} row (first: "
                f"{first_few(without_total)}): their list_size is missing",
                file,
                mask,
                f"list_size is read from the rows whose {cols['list_type']} is {TOTAL_LIST_TYPE}",
                Severity.WARNING,
            )
        )
    part.measures = pd.concat([registers, list_size, band_sizes], ignore_index=True)
    return part

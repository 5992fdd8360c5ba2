"""NHS Payments to General Practice (``payments_<yy-yy>.csv``): practice attributes, list
sizes and the total QOF payment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from qframe.data.readers.columns import (
    find_columns,
    measure_rows,
    number_problem,
    parse_numbers,
    units_frame,
)
from qframe.data.readers.part import FilePart
from qframe.data.validate import mask_problem
from qframe.errors.diagnostics import Severity

#: NHS Payments to General Practice: the columns before the first measure column describe the
#: practice (unit attributes); the other payment lines are not read.
PAYMENTS_UNIT_COLUMNS: dict[str, str] = {
    "Practice Code": "unit_id",
    "Practice Name": "name",
    "NHS England (Region) code": "region",
    "NHS England (Region) Name": "region_name",
    "CCG Code": "ccg",
    "CCG NAME": "ccg_name",
    "PCN Code": "pcn",
    "PCN Name": "pcn_name",
    "Practice Address": "address",
    "Practice Postcode": "postcode",
    "Practice Open Date": "open_date",
    "Practice Close Date": "close_date",
    "Contract Type": "contract_type",
    "Dispensing Practice": "dispensing",
    "Practice Type": "practice_type",
    "Practice Rurality": "rurality",
    "Atypical Characteristics": "atypical_characteristics",
    "Quarter used for patient data": "patient_data_quarter",
}

PAYMENTS_MEASURES: dict[str, str] = {
    "Number of Registered Patients (Last Known Figure)": "list_size",
    "Number of Weighted Patients (Last Known Figure)": "weighted_list_size",
    "Total QOF Payments": "qof_payment",
}

#: A list_size from a PREVALENCE file and one from a payments file for the same practice and
#: year: the QOF one is kept and the payments one is renamed to this.
PAYMENTS_LIST_SIZE_RENAMED = "payments_list_size"


def read_payments(path: Path, frame: pd.DataFrame, period: str) -> FilePart:
    """Units from the practice columns; list_size, weighted_list_size and qof_payment."""
    file = str(path)
    part = FilePart(file, "payments", period)
    wanted: dict[str, tuple[str, ...]] = {"practice": ("Practice Code",)}
    wanted.update({m: (c,) for c, m in PAYMENTS_MEASURES.items()})
    cols, part.problems = find_columns(frame, wanted, file, "NHS Payments to General Practice")
    if part.problems:
        return part
    columns = list(frame.columns)
    first_measure = min(columns.index(cols[m]) for m in PAYMENTS_MEASURES.values())
    attributes = columns[:first_measure]
    part.units, part.problems = units_frame(frame, attributes, PAYMENTS_UNIT_COLUMNS, file)
    practice = part.units["unit_id"]
    rows = np.arange(len(frame)) + 2
    pieces = []
    for measure in PAYMENTS_MEASURES.values():
        column = cols[measure]
        values, bad = parse_numbers(frame[column], grouped=True)
        if bad.any():
            part.problems.append(
                number_problem(
                    file,
                    column,
                    frame[column],
                    bad,
                    "write numbers such as 1234.56 or 1,234.56, without £; leave the cell empty for a missing value",
                )
            )
        if measure == "qof_payment":
            negative = values < 0
            if negative.any():
                part.problems.append(
                    mask_problem(
                        "D109",
                        f"{{n}} practice(s) have a negative {column} (first: "
                        f"{practice[negative].iloc[0]} {values[negative][0]:g}): their "
                        "qof_payment is left missing, because measures cannot be negative",
                        file,
                        negative,
                        "a negative total is money taken back from the practice that year; read "
                        "the file yourself if you need the signed amounts",
                        Severity.WARNING,
                    )
                )
                values = np.where(negative, np.nan, values)
        pieces.append(measure_rows(practice, period, measure, "", values, rows))
    part.measures = pd.concat(pieces, ignore_index=True)
    return part

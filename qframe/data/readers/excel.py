"""An Excel workbook with sheets ``units`` and ``measures``, laid out as units.csv and measures.csv."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from qframe.data.dataset import Dataset
from qframe.data.readers.part import file_problem
from qframe.data.validate import validate_frames

EXCEL_SHEETS = ("units", "measures")


def read_excel(path: str | Path) -> Dataset:
    """A workbook with sheets ``units`` and ``measures``, laid out as units.csv and measures.csv."""
    file = Path(path)
    try:
        sheets = pd.read_excel(
            file, sheet_name=None, dtype=str, keep_default_na=False, na_filter=False
        )
    except ImportError:
        raise file_problem(
            "D003",
            f"cannot read {file}: reading Excel needs the openpyxl package",
            "pip install openpyxl (it is installed with qframe)",
        ) from None
    except (OSError, ValueError, KeyError) as exc:
        raise file_problem(
            "D003", f"cannot read {file}: {exc}", "check that the file is an Excel .xlsx workbook"
        ) from None
    by_name = {name.strip().lower(): name for name in sheets}
    missing = [s for s in EXCEL_SHEETS if s not in by_name]
    if missing:
        raise file_problem(
            "D112",
            f"{file} has no sheet named {' or '.join(missing)} (it has: {', '.join(sheets) or 'none'})",
            "a workbook dataset has a sheet `units` and a sheet `measures`, with the columns of "
            "units.csv and measures.csv (see docs/data-model.md)",
        )
    frames = {}
    for name in EXCEL_SHEETS:
        frame = sheets[by_name[name]]
        frame.columns = [str(c).strip() for c in frame.columns]
        frames[name] = frame
    valid = validate_frames(
        frames["units"],
        frames["measures"],
        f"{file} [sheet {by_name['units']}]",
        f"{file} [sheet {by_name['measures']}]",
    )
    digest = hashlib.sha256(file.name.encode() + file.read_bytes()).hexdigest()
    return Dataset(valid.units, valid.measures, str(file), digest, valid.warnings)

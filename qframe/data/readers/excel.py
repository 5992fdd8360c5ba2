"""An Excel workbook with sheets ``units`` and ``measures``, laid out as units.csv and measures.csv."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pandas as pd

from qframe.data.dataset import Dataset
from qframe.data.readers.part import file_problem
from qframe.data.validate import validate_frames

EXCEL_SHEETS = ("units", "measures")


#: The most a workbook may hold once unzipped (a "zip bomb" of a few kB unzips to gigabytes).
MAX_WORKBOOK_BYTES = 1_000_000_000

#: How much of each XML part is searched for a document type declaration (it can only come
#: before the first element, so near the start).
_PROLOG_BYTES = 65_536


def read_excel(path: str | Path) -> Dataset:
    """A workbook with sheets ``units`` and ``measures``, laid out as units.csv and measures.csv."""
    file = Path(path)
    _inspect_workbook(file)
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
    except Exception as exc:  # a malformed part: openpyxl's errors are of many kinds
        raise file_problem(
            "D003",
            f"cannot read {file}: the workbook is damaged ({type(exc).__name__}: {exc})",
            "open it in Excel and save it again as .xlsx, or export the sheets as CSV",
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


def _inspect_workbook(file: Path) -> None:
    """Refuse, before any XML is parsed, a file that is not a zip archive (truncated, or not a
    workbook), that unzips to more than :data:`MAX_WORKBOOK_BYTES`, or whose XML declares a
    document type: entities are never expanded (a "billion laughs" part would fill the memory)."""
    hint = "check that the file is a complete Excel .xlsx workbook (save it again from Excel)"
    if not file.is_file():
        raise file_problem("D003", f"cannot read {file}: not a regular file", hint)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > MAX_WORKBOOK_BYTES:
                raise file_problem(
                    "D003",
                    f"{file} unzips to more than {MAX_WORKBOOK_BYTES:,} bytes",
                    "export the sheets as CSV or Parquet (see docs/data-model.md)",
                )
            for member in members:
                if not member.filename.endswith((".xml", ".rels")):
                    continue
                with archive.open(member) as part:
                    prolog = part.read(_PROLOG_BYTES).upper()
                if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                    raise file_problem(
                        "D003",
                        f"{file}: part {member.filename} declares a document type or entities, "
                        "which qframe does not expand",
                        "Excel never writes these: save the workbook again from Excel",
                    )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise file_problem(
            "D003", f"cannot read {file}: not a complete .xlsx workbook ({exc})", hint
        ) from None

"""Reading a dataset from disk: :func:`load_dataset`, the one entry for every kind of data file.

A folder of ``units.csv`` and ``measures.csv`` (or ``.parquet``) is read here; an Excel workbook
and NHS Digital files are read by :mod:`qframe.data.readers`. Every kind ends validated
(:mod:`qframe.data.validate`).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from qframe.data import plausibility, readers
from qframe.data.dataset import Dataset
from qframe.data.files import check_regular_file, ragged_rows, read_measures, read_parquet_table
from qframe.data.validate import validate_frames
from qframe.errors.diagnostics import DataError, Diagnostic, ExitCode, FileProblem, Severity, error


def load_dataset(path: str | Path) -> Dataset:
    """Read a dataset: a folder of units + measures (CSV or Parquet), an Excel workbook (.xlsx)
    with sheets units and measures, or a folder (or file) of NHS Digital files (qframe.data.readers)."""
    folder = Path(path)
    looked_for = (
        "give a folder holding units.csv and measures.csv (or .parquet), an Excel .xlsx workbook "
        f"with sheets units and measures, or a folder of NHS Digital files ({readers.LOOKED_FOR})"
    )
    if not folder.exists():
        raise FileProblem(
            [
                error(
                    "D001",
                    f"no such data folder: {folder}",
                    None,
                    "give a folder holding units.csv and measures.csv (or .parquet), an Excel "
                    ".xlsx workbook, or a folder of NHS Digital files (see docs/data-model.md)",
                )
            ],
            ExitCode.FILE_ERROR,
        )
    if not folder.is_dir():
        check_regular_file(folder)  # a named pipe given as --data would wait for ever
        return readers.read_path(folder)
    has_canonical = any(
        (folder / f"{stem}{ext}").exists()
        for stem in ("units", "measures")
        for ext in (".csv", ".parquet")
    )
    if not has_canonical:
        found, ignored = readers.nhsd_files(folder)
        if found:
            return readers.read_nhsd_files(found, source=str(folder), ignored=ignored)
        raise FileProblem(
            [
                error(
                    "D002",
                    f"{folder} has no units.csv or units.parquet, no measures.csv or "
                    "measures.parquet, and no NHS Digital file qframe can read",
                    None,
                    looked_for,
                )
            ],
            ExitCode.FILE_ERROR,
        )
    plausibility.ambiguous_files(folder)
    units_file = _find(folder, "units")
    measures_file = _find(folder, "measures")
    units = _read(units_file)
    measures = _read(measures_file, fast=True)
    digest = hashlib.sha256()
    for f in (units_file, measures_file):
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    valid = validate_frames(units, measures, str(units_file), str(measures_file))
    return Dataset.from_valid(valid, str(folder), digest.hexdigest())


def _find(folder: Path, stem: str) -> Path:
    for ext in (".csv", ".parquet"):
        candidate = folder / f"{stem}{ext}"
        if candidate.exists():
            check_regular_file(candidate)
            return candidate
    raise FileProblem(
        [
            error(
                "D002",
                f"{folder} has no {stem}.csv or {stem}.parquet",
                None,
                "a dataset folder holds units.csv and measures.csv (see docs/data-model.md)",
            )
        ],
        ExitCode.FILE_ERROR,
    )


def _read(file: Path, fast: bool = False) -> pd.DataFrame:
    """A table as text (``fast``: read by Arrow, text columns categorical, a numeric value kept)."""
    try:
        if fast:
            frame = read_measures(file)
            if frame is not None:
                return frame
        if file.suffix == ".parquet":
            frame = read_parquet_table(file).to_pandas()
            return frame.astype({c: "string" for c in frame.columns if c != "value"})
        ragged = ragged_rows(file)
        if ragged:  # pandas would pad a short row with empty cells
            raise DataError(ragged)
        # every column as text: numbers are parsed strictly below, never guessed
        return pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raw = file.read_bytes()
        row = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            [
                Diagnostic(
                    Severity.ERROR,
                    "D004",
                    f"row {row} is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
                    None,
                    "save the file as CSV UTF-8 (in Excel: Save As → CSV UTF-8)",
                    str(file),
                    (row,),
                    1,
                )
            ]
        ) from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise FileProblem(
            [
                error(
                    "D003",
                    f"cannot read {file}: {exc}",
                    None,
                    "check that the file is a UTF-8 CSV (or Parquet) file",
                )
            ],
            ExitCode.FILE_ERROR,
        ) from None

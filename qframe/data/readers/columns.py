"""Reading an NHS Digital CSV file's cells: headers, columns, strict numbers, unit attributes.

Column names are matched without regard to case, spaces or punctuation. Every cell is read as
text; numbers are parsed strictly, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qframe.data.files import ragged_rows
from qframe.data.readers.part import file_problem, rows_problem
from qframe.data.validate import mask_problem
from qframe.errors.diagnostics import DataError, Diagnostic, Severity

PLAIN_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")

GROUPED_NUMBER = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")

PLAIN_HINT = "write plain numbers (1234 or 12.5), without %, £ or thousands separators; leave the cell empty for a missing value"


def header_key(name: str) -> str:
    """Header names compare without case, spaces or punctuation: 'PracticeType' = 'Practice Type'."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def snake_case(name: str) -> str:
    """ "Practice Type" → practice_type: the name of an attribute column qframe does not map."""
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def read_csv(path: Path) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """Every cell as text; UTF-8 (with or without BOM), else Windows-1252 with a warning. A row
    with fewer or more fields than the header is an error (D005), never padded."""
    notes: list[Diagnostic] = []
    encoding = "utf-8-sig"
    try:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            encoding = "cp1252"
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
            notes.append(
                rows_problem(
                    "D111",
                    "the file is not UTF-8: read as Windows-1252",
                    str(path),
                    (),
                    "check names with accents or symbols; save the file as UTF-8 to silence this",
                    Severity.WARNING,
                )
            )
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        ragged = ragged_rows(path, encoding)  # a row with too many fields
        if ragged:
            raise DataError(ragged) from None
        raise file_problem(
            "D003", f"cannot read {path}: {exc}", "check that the file is a CSV file"
        ) from None
    ragged = ragged_rows(path, encoding)
    if ragged:
        raise DataError(ragged)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, notes


def read_header(path: Path) -> list[str]:
    """The column names of a CSV file, without reading its rows ([] when it cannot be read)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            frame = pd.read_csv(path, dtype=str, nrows=0, encoding=encoding)
        except UnicodeDecodeError:
            continue
        except (OSError, ValueError, pd.errors.ParserError):
            return []
        return [str(c).strip() for c in frame.columns]
    return []


def find_columns(
    frame: pd.DataFrame, wanted: dict[str, tuple[str, ...]], file: str, title: str
) -> tuple[dict[str, str], list[Diagnostic]]:
    """The column of each role (the first of its names the file has), or D010 naming the missing."""
    by_norm = {header_key(c): c for c in frame.columns}
    found: dict[str, str] = {}
    missing: list[str] = []
    for role, names in wanted.items():
        hit = next((by_norm[header_key(n)] for n in names if header_key(n) in by_norm), None)
        if hit is None:
            missing.append(" or ".join(names))
        else:
            found[role] = hit
    if not missing:
        return found, []
    need = ", ".join(" or ".join(n) for n in wanted.values())
    have = ", ".join(map(str, frame.columns)) or "none"
    return found, [
        rows_problem(
            "D010",
            f"missing column{'s' * (len(missing) > 1)} {', '.join(missing)}",
            file,
            (),
            f"the file has columns: {have}; a {title} file needs: {need}",
        )
    ]


def text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as text, surrounding spaces removed."""
    return frame[column].astype(str).str.strip()


def parse_numbers(text: pd.Series, grouped: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Strict numbers: ``(values, bad)``. Empty cells are missing (NaN), never bad.

    ``grouped`` also accepts thousands separators written the usual way (``1,234,567.89``), as
    NHS Payments files may. Anything else (``£12``, ``12%``, ``n/a``, ``-``) is bad.
    """
    s = text.astype(str).str.strip()
    empty = (s == "").to_numpy()
    plain = s.str.match(PLAIN_NUMBER).to_numpy(dtype=bool)
    ok = plain.copy()
    clean = s
    if grouped:
        with_commas = s.str.match(GROUPED_NUMBER).to_numpy(dtype=bool)
        ok |= with_commas
        clean = s.where(~with_commas, s.str.replace(",", "", regex=False))
    values = np.full(len(s), np.nan)
    if ok.any():
        values[ok] = clean[ok].astype(float).to_numpy()
    return values, ~ok & ~empty


def number_problem(
    file: str, column: str, text: pd.Series, bad: np.ndarray, hint: str
) -> Diagnostic:
    """D020: cells of ``column`` that are not numbers, with the first of them."""
    first = text[bad].iloc[0]
    return mask_problem(
        "D020",
        f"{{n}} value(s) in column {column} are not numbers (first: {first!r})",
        file,
        bad,
        hint,
    )


def blank_problem(file: str, column: str, mask: np.ndarray, what: str) -> Diagnostic:
    """D011 (a practice code) or D024: rows with an empty cell where a value is needed."""
    return mask_problem(
        "D011" if what == "practice code" else "D024",
        f"{{n}} row(s) have no {what} (column {column})",
        file,
        mask,
        f"fill in the {what} on every row, or delete rows that are not data",
    )


def measure_rows(
    unit: Any, period: str, measure: Any, key: Any, value: Any, row: Any
) -> pd.DataFrame:
    """Canonical measure rows, with the source row (``_row``) of each."""
    frame = pd.DataFrame(
        {
            "unit_id": unit,
            "period": period,
            "measure": measure,
            "key": key,
            "value": value,
            "_row": row,
        }
    )
    return frame.astype({"unit_id": str, "period": str, "measure": str, "key": str})


def units_frame(
    frame: pd.DataFrame, columns: Sequence[str], mapping: dict[str, str], file: str
) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """unit_id and attributes (text, surrounding spaces removed) with ``_row``."""
    table = {header_key(k): v for k, v in mapping.items()}
    out: dict[str, pd.Series] = {}
    problems: list[Diagnostic] = []
    id_column = "practice code"
    for column in columns:
        name = table.get(header_key(column), snake_case(column))
        if name == "unit_id":
            id_column = column
        if name in out:  # a second spelling of a mapped attribute keeps its own name
            name = snake_case(column)
        while name in out:
            name += "_2"
        out[name] = text_column(frame, column)
    units = pd.DataFrame(out)
    units["_row"] = np.arange(len(frame)) + 2
    blank = (units["unit_id"] == "").to_numpy()
    if blank.any():
        problems.append(blank_problem(file, id_column, blank, "practice code"))
    dup = (units["unit_id"].duplicated(keep=False) & ~blank).to_numpy()
    if dup.any():
        first = units["unit_id"][dup].iloc[0]
        problems.append(
            mask_problem(
                "D012",
                f"{{n}} rows repeat a practice code (first: {first!r})",
                file,
                dup,
                "each practice appears once in a reference file: keep one row per practice",
            )
        )
    return units, problems

"""Excel workbooks, written with XlsxWriter a row at a time (``constant_memory``: a row is
written out before the next is made): a sheet per table, Excel-native.

Every sheet has a bold header row of readable headings (:mod:`qframe.results.columns`), frozen,
with an autofilter over the table; every column has a width and the number format of what it
holds: £ on money (per patient too), percentages on shares, plain numbers on rates per 1,000 and
correlations, whole numbers on counts and quintiles. Quintiles and other numbers held as text
(``"3"``) are written as numbers.

The same tables give the same bytes: the document's properties carry a fixed date and every
entry of the zip file a fixed timestamp (XlsxWriter's, 31 January 1980).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qframe.results.columns import column_info, heading
from qframe.results.workbook import SheetCells, write_sheets

MAX_WIDTH = 48
PADDING = 5 / 7  # XlsxWriter adds 5 pixels to a width in characters of 7 pixels


def kind_of(name: str, column: pd.Series, kinds: Mapping[str, str]) -> str:
    """The kind of value a column holds: as given, from the catalogue, or from its type."""
    if name in kinds:
        return kinds[name]
    known = column_info(name)
    if known is not None:
        return known.kind
    if pd.api.types.is_bool_dtype(column.dtype):
        return "flag"
    if pd.api.types.is_integer_dtype(column.dtype):
        return "count"
    if pd.api.types.is_numeric_dtype(column.dtype):
        return "number"
    return "text"


def cell_values(column: pd.Series, kind: str) -> list[Any]:
    """The column's values for cells: numbers as int or float (text that holds a number, as a
    quintile, as a number), True/False, text; None for a blank (missing or not finite)."""
    if kind in ("text", "flag") and not pd.api.types.is_numeric_dtype(column.dtype):
        if pd.api.types.is_bool_dtype(column.dtype):
            return [None if v is pd.NA or v is None else bool(v) for v in column.astype(object)]
        return [
            None if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else str(v)
            for v in column.astype(object)
        ]
    if pd.api.types.is_bool_dtype(column.dtype):
        return [None if v is pd.NA or v is None else bool(v) for v in column.astype(object)]
    held_as_text = column.dtype == object or pd.api.types.is_string_dtype(column.dtype)
    numbers = pd.to_numeric(column, errors="coerce") if held_as_text else column
    given = column.notna() & (column.astype(object) != "")
    if not pd.api.types.is_numeric_dtype(numbers.dtype) or bool((numbers.isna() & given).any()):
        # text that is not all numbers stays text
        return [None if pd.isna(v) or v == "" else str(v) for v in column.astype(object)]
    arr = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    whole = kind in ("count", "whole") or pd.api.types.is_integer_dtype(numbers.dtype)
    finite = np.isfinite(arr)
    cells = arr.astype(object)  # Python floats
    cells[~finite] = None
    if whole:  # whole numbers as int (those an int64 holds: a float that big is whole anyway)
        exact = finite & (arr == np.trunc(arr)) & (np.abs(arr) < 2.0**63)
        cells[exact] = arr[exact].astype(np.int64).tolist()
        big = finite & ~exact & (arr == np.trunc(arr))
        cells[big] = [int(v) for v in arr[big].tolist()]
    return list(cells.tolist())


def text_width(values: list[Any], kind: str) -> int:
    """Characters the widest value takes when shown (an estimate for the column width)."""
    if kind == "text":
        widths = [len(v) for v in values if isinstance(v, str)]
        return max(widths, default=0)
    if kind in ("money", "money_per_patient", "number", "count"):
        big = max((abs(v) for v in values if isinstance(v, (int, float))), default=0)
        return len(f"{big:,.2f}") + 2
    return 8


def sheet_cells(
    name: str, frame: pd.DataFrame, kinds: Mapping[str, str] | None = None
) -> SheetCells:
    """A table's sheet, ready to write: headings (catalogue headings or the columns' names),
    each column's kind (``kinds`` gives those the catalogue does not know), width and cells."""
    given = kinds or {}
    names = [str(c) for c in frame.columns]
    col_kinds = [kind_of(n, frame[c], given) for n, c in zip(names, frame.columns, strict=True)]
    columns = [cell_values(frame[c], k) for c, k in zip(frame.columns, col_kinds, strict=True)]
    headings = [heading(n) for n in names]
    widths = []
    for head, kind, values in zip(headings, col_kinds, columns, strict=True):
        width = max(min(len(head), 28), text_width(values, kind)) + 2
        # the stored width is min(width, MAX_WIDTH) exactly (as openpyxl wrote it)
        widths.append(min(width, MAX_WIDTH) - PADDING)
    return SheetCells(
        name=name[:31],
        headings=tuple(headings),
        kinds=tuple(col_kinds),
        widths=tuple(widths),
        columns=tuple(columns),
        rows=len(frame),
    )


def write_xlsx(
    path: str | Path,
    sheets: Mapping[str, pd.DataFrame],
    kinds: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """Write DataFrames to one .xlsx workbook, a sheet per entry (names cut to 31 characters).
    ``kinds`` gives, per sheet, the kind of value of columns the catalogue does not know (a key
    of :data:`qframe.results.columns.FORMATS`); a column's heading is its catalogue heading or
    its name."""
    given = kinds or {}
    return write_sheets(
        path, [sheet_cells(name, frame, given.get(name)) for name, frame in sheets.items()]
    )

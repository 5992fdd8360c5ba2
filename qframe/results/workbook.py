"""Writing a workbook's sheets, once their cells are made (:func:`qframe.results.xlsx.sheet_cells`),
with XlsxWriter a row at a time (``constant_memory``: a row is written out before the next is
made). No pandas here: a worker process that only writes the file imports little
(:mod:`qframe.results.background`).

The same cells give the same bytes: the document's properties carry a fixed date and every entry
of the zip file a fixed timestamp (XlsxWriter's, 31 January 1980).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from qframe.errors.diagnostics import QframeError, output_file, output_folder
from qframe.results.columns import FORMATS

FIXED_DATE = datetime.datetime(2000, 1, 1)  # the workbook's created and modified date
HEADER_FORMAT = {"bold": True, "text_wrap": True, "valign": "top"}
UNFORMATTED = ("text", "flag")  # kinds written without a number format


@dataclass(frozen=True)
class SheetCells:
    """One sheet, ready to write: its headings, each column's kind of value (a key of
    :data:`qframe.results.columns.FORMATS`) and width (in characters, as XlsxWriter takes it),
    and each column's cells, top to bottom: ``int``, ``float``, ``bool`` or ``str``, ``None``
    for a blank. A column holds one type of value (and blanks)."""

    name: str
    headings: tuple[str, ...]
    kinds: tuple[str, ...]
    widths: tuple[float, ...]
    columns: tuple[list[Any], ...]
    rows: int

    @property
    def cells(self) -> int:
        """How many cells the sheet has, its header row included."""
        return (self.rows + 1) * len(self.headings)


def write_sheets(path: str | Path, sheets: Sequence[SheetCells]) -> Path:
    """Write the sheets to one .xlsx workbook: a bold header row, frozen, an autofilter over the
    table, each column's width and its kind's number format."""
    import xlsxwriter

    target = Path(path)
    output_folder(target.parent)
    output_file(target)
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    book.set_properties({"author": "qframe", "created": FIXED_DATE})
    header_format = book.add_format(HEADER_FORMAT)
    number_formats: dict[str, Any] = {}
    try:
        for cells in sheets:
            sheet = book.add_worksheet(cells.name[:31])
            for i, width in enumerate(cells.widths):
                sheet.set_column(i, i, width)
            sheet.freeze_panes(1, 0)
            if cells.headings:
                sheet.autofilter(0, 0, cells.rows, len(cells.headings) - 1)
            for i, head in enumerate(cells.headings):
                sheet.write_string(0, i, head, header_format)
            for kind in cells.kinds:
                if kind not in number_formats and kind not in UNFORMATTED:
                    number_formats[kind] = book.add_format({"num_format": FORMATS[kind]})
            formats = [number_formats.get(kind) for kind in cells.kinds]
            # one write method per column (a column holds one type of value), chosen once
            writers = [writer_for(sheet, column) for column in cells.columns]
            plan = list(zip(range(len(writers)), writers, formats, strict=True))
            for row, values in enumerate(zip(*cells.columns, strict=True), start=1):
                for (col, write, fmt), value in zip(plan, values, strict=True):
                    if value is not None:
                        write(row, col, value, fmt)
    finally:
        book.close()
    return target


def writer_for(sheet: Any, column: list[Any]) -> Callable[..., Any]:
    """The worksheet's write method for a column's values (text, true/false or numbers)."""
    first = next((v for v in column if v is not None), None)
    if isinstance(first, str):
        return sheet.write_string
    if isinstance(first, bool):
        return sheet.write_boolean
    return sheet.write_number


def serve(source: BinaryIO, reply: BinaryIO) -> None:
    """The worker's side (this module run as a program): read the path and the sheets
    (pickled) from ``source``, write the workbook, and answer on ``reply`` (pickled):
    ``("done", path)``, ``("error", error class, diagnostics, exit code)`` for a user error, or
    ``("failed", description)``."""
    try:
        given = pickle.load(source)
        if given is None:
            raise ValueError("no sheets were given to write")
        path, sheets = given
        answer: tuple[Any, ...] = ("done", str(write_sheets(path, sheets)))
    except QframeError as exc:
        answer = ("error", type(exc), exc.diagnostics, exc.exit_code)
    except Exception as exc:  # anything else, said in words
        answer = ("failed", f"{type(exc).__name__}: {exc}")
    try:
        said = pickle.dumps(answer)
    except Exception as exc:  # an error that cannot be sent as it is: said in words
        said = pickle.dumps(("failed", f"{type(exc).__name__}: {exc}"))
    with contextlib.suppress(OSError):  # the process that asked has gone: no one to tell
        reply.write(said)
        reply.flush()


if __name__ == "__main__":  # the worker process of qframe.results.background
    # the answer goes to standard output alone: anything else printed goes to standard error
    answer_to = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, answer_to)

"""Reading the two tables of a dataset folder (``units`` and ``measures``, CSV or Parquet) with
Arrow, into the layout validation and the engines work on.

Text columns are read dictionary-encoded and become pandas categoricals: the few thousand
distinct labels of millions of rows are made into Python strings once, never a string per cell.
A CSV file Arrow cannot read as plain UTF-8 CSV (a bad byte, a ragged row, an empty file, a
repeated column name) is read again by pandas, whose errors qframe reports (a file that is wrong
is slow to read, never read differently).

Before a byte is read, a data path must be a regular file (:func:`check_regular_file`): a named
pipe would wait for a writer for ever, a device never ends. A CSV row with fewer or more fields
than the header is an error naming its lines (:func:`ragged_rows`): pandas and DuckDB would pad
it with empty cells, or guess a different header, without a word.
"""

from __future__ import annotations

import csv
import os
import stat
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from qframe.errors.diagnostics import Diagnostic, ExitCode, FileProblem, Severity, error

NUMERIC_COLUMN = "value"  # the one column of the measures table that is not text

#: How many line numbers a problem with ragged rows shows (then "and N more").
LINES_SHOWN = 5


def check_regular_file(path: Path, code: str = "D006") -> None:
    """Raise :class:`FileProblem` (exit code 4) when ``path`` exists but is not a regular file: a
    folder named like a file, a named pipe (FIFO), a device or a socket. A path that does not
    exist is left to the caller to report."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        message = f"{path} is a folder, not a file"
        hint = f"qframe reads a file named {path.name} here: rename or move the folder"
    else:
        message = (
            f"{path} is not a regular file (a named pipe, a device or a socket): reading it "
            "could wait for ever"
        )
        hint = f"save the data as an ordinary file named {path.name}: a pipe or a device cannot be read as a table"
    raise FileProblem([error(code, message, None, hint)], ExitCode.FILE_ERROR)


def ragged_rows(file: Path, encoding: str = "utf-8-sig") -> list[Diagnostic]:
    """D005 for rows of a CSV file with fewer (or more) fields than its header, naming the first
    few lines (the header is line 1) and how many; [] for a file whose rows all fit.

    Arrow tells quickly whether any row is ragged; only then is the file read again, row by row,
    for the line numbers."""
    if not _maybe_ragged(file):
        return []
    short: list[tuple[int, int]] = []
    long: list[tuple[int, int]] = []
    try:
        with open(file, newline="", encoding=encoding) as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                return []
            width = len(header)
            for record in reader:
                if not record:  # a blank line: skipped by every reader
                    continue
                if len(record) < width:
                    short.append((reader.line_num, len(record)))
                elif len(record) > width:
                    long.append((reader.line_num, len(record)))
    except (csv.Error, UnicodeDecodeError, OSError):
        return []  # the reader that follows says what is wrong
    problems = []
    if short:
        problems.append(
            _ragged(
                file,
                short,
                width,
                "fewer",
                "every row needs a cell for each column of the header: add the missing cells "
                "(an empty cell is written ,,) or remove the row that was cut short",
            )
        )
    if long:
        problems.append(
            _ragged(
                file,
                long,
                width,
                "more",
                'a value that contains a comma must be in double quotes ("Smith, J"); otherwise '
                "remove the extra commas, or add the missing column to the header",
            )
        )
    return problems


def _maybe_ragged(file: Path) -> bool:
    """Whether Arrow finds a row whose number of fields differs from the header's (True when
    Arrow cannot read the file at all: the row-by-row reading decides)."""
    found = []

    def note(row: pa_csv.InvalidRow) -> str:
        found.append(row)
        return "skip"

    try:
        with pa_csv.open_csv(
            file,
            read_options=pa_csv.ReadOptions(block_size=1 << 20),
            parse_options=pa_csv.ParseOptions(invalid_row_handler=note),
        ) as head:
            first = head.schema.names[:1]
        if not first:
            return False
        with pa_csv.open_csv(
            file,
            parse_options=pa_csv.ParseOptions(invalid_row_handler=note, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                include_columns=first, column_types={first[0]: pa.binary()}
            ),
        ) as reader:
            for _batch in reader:
                if found:
                    break
    except (pa.ArrowInvalid, OSError):
        return True
    return bool(found)


def _ragged(
    file: Path, rows: list[tuple[int, int]], width: int, fewer_or_more: str, hint: str
) -> Diagnostic:
    line, fields = rows[0]
    return Diagnostic(
        Severity.ERROR,
        "D005",
        f"{len(rows)} row(s) have {fewer_or_more} fields than the header's {width} (line {line} "
        f"has {fields}): a ragged row would be read with cells shifted or left empty",
        None,
        hint,
        str(file),
        tuple(line for line, _ in rows[:LINES_SHOWN]),
        len(rows),
    )


def read_measures(file: Path) -> pd.DataFrame | None:
    """The measures table: every column as text (categorical) but a numeric ``value``; None for
    a CSV file Arrow cannot read (the caller reads it with pandas, which says what is wrong)."""
    table = _parquet_table(file) if file.suffix == ".parquet" else _csv_table(file)
    if table is None:
        return None
    frame = table.to_pandas(ignore_metadata=True)
    del table
    pa.default_memory_pool().release_unused()  # the reading buffers, back to the system
    return frame


def _csv_table(file: Path) -> pa.Table | None:
    """Every column as dictionary-encoded text, empty cells as "" (none missing); None when the
    file is not plain UTF-8 CSV."""
    try:
        with pa_csv.open_csv(file, read_options=pa_csv.ReadOptions(block_size=1 << 16)) as head:
            header = head.schema.names
    except (pa.ArrowInvalid, OSError):
        return None
    if len(set(header)) != len(header):  # pandas renames a repeated column: let it
        return None
    text = pa.dictionary(pa.int32(), pa.string())
    try:
        return pa_csv.read_csv(
            file,
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, text), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, OSError):
        return None


def read_parquet_table(file: Path) -> pa.Table:
    """A Parquet file as an Arrow table, read by the file reader: ``pq.read_table`` goes through
    Arrow's dataset layer, whose import alone costs about 0.3 s of a command's start."""
    return pq.ParquetFile(file).read()


def _parquet_table(file: Path) -> pa.Table:
    """Text columns dictionary-encoded, columns of other types (but ``value``) cast to text as
    pandas would write them; the index pandas may have stored is dropped."""
    table = read_parquet_table(file)
    index = (table.schema.pandas_metadata or {}).get("index_columns", [])
    table = table.drop_columns([c for c in index if isinstance(c, str)])
    for i, name in enumerate(table.column_names):
        column = table.column(i)
        kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        if name == NUMERIC_COLUMN and not (
            pa.types.is_string(kind) or pa.types.is_large_string(kind)
        ):
            continue
        if pa.types.is_dictionary(column.type) and pa.types.is_string(kind):
            continue
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            encoded = pc.dictionary_encode(column.cast(pa.string()))
        else:  # numbers or dates in a text column: as pandas prints them
            printed = column.to_pandas().astype("string")
            encoded = pc.dictionary_encode(pa.array(printed, type=pa.string()))
        table = table.set_column(i, name, encoded)
    return table

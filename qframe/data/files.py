"""Reading the two tables of a dataset folder (``units`` and ``measures``, CSV or Parquet) with
Arrow, into the layout validation and the engines work on.

Text columns are read dictionary-encoded and become pandas categoricals: the few thousand
distinct labels of millions of rows are made into Python strings once, never a string per cell.
A CSV file Arrow cannot read as plain UTF-8 CSV (a bad byte, a ragged row, an empty file, a
repeated column name) is read again by pandas, whose errors qframe reports (a file that is wrong
is slow to read, never read differently).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

NUMERIC_COLUMN = "value"  # the one column of the measures table that is not text


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


def _parquet_table(file: Path) -> pa.Table:
    """Text columns dictionary-encoded, columns of other types (but ``value``) cast to text as
    pandas would write them; the index pandas may have stored is dropped."""
    table = pq.read_table(file)
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

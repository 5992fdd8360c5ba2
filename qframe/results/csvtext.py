"""CSV text made by Arrow's compute kernels, a column at a time, in the format qframe has always
written (the one of ``DataFrame.to_csv`` with ``float_format="%.12g"``, ``\\n`` line endings).

Arrow's own CSV writer quotes every text value; a table people open is written as pandas wrote
it, quoting only a value holding a comma, a double quote or a line break (the quote doubled
inside). So each column becomes Arrow text here, and the rows are joined by Arrow:

- floats as ``%.12g`` writes them: Arrow writes the shortest text that reads back to the same
  number, which is ``%.12g``'s text for every number from 0.0001 to 10 billion with at most 12
  significant digits (every number qframe rounds for people); the few others (more digits, very
  small or very large, infinite) are written by Python's ``%.12g``. Missing values are empty;
- whole numbers as digits, True/False as words, text as it is (quoted if needed); a categorical
  column's labels are written once and repeated by their codes.

A table with a column of another kind (dates, Python objects that are not text) is written by
pandas, as before: the bytes are the same either way.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Rows formatted at once, per thread: memory stays flat with the table's length.
ROWS_PER_CHUNK = 25_000
FLOAT_TEXT = "%.12g"
SPECIAL = '[,"\n]'  # a value holding one of these is quoted (csv.QUOTE_MINIMAL)
#: The cores this process may run on.
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
#: Threads making CSV text: the cores, up to 4 (the text is the same for any number).
THREADS = max(1, min(4, CORES))


def quoted(text: Any) -> Any:
    """Arrow text with a value quoted where csv.QUOTE_MINIMAL quotes it."""
    import pyarrow.compute as pc

    needs = pc.match_substring_regex(text, SPECIAL)
    within = pc.replace_substring(text, '"', '""')
    return pc.if_else(needs, pc.binary_join_element_wise('"', within, '"', ""), text)


def label_text(value: Any) -> str:
    """One label as pandas writes a value of an object column (missing: empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def float_cells(values: np.ndarray) -> Any:
    """Arrow text of floats as ``%.12g`` writes them; NaN as an empty cell.

    Arrow writes the shortest text that reads back to the same number, without an exponent
    from 0.000001 to below 10 billion; ``%.12g`` rounds to 12 significant digits, without an
    exponent from 0.0001 to below 10¹². The two agree on zero and on a number from 0.0001 to
    below 10 billion whose shortest text has at most 13 characters besides the sign (at most
    12 digits: it is exact at 12 significant digits); the others, few in a rounded table, are
    written by Python's ``%.12g``. A column of whole numbers below 10 billion (counts) is
    written as integers, which Arrow writes several times faster (the same text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = np.asarray(values, dtype=np.float64)
    missing = np.isnan(values)
    size = np.abs(values)
    with np.errstate(invalid="ignore"):
        negative_zero = (values == 0.0) & np.signbit(values)  # written -0: not as an integer
        whole = missing | ((values == np.rint(values)) & (size < 1e10) & ~negative_zero)
    if whole.all():  # whole numbers (counts): written as integers, several times faster
        numbers = np.where(missing, 0.0, values).astype(np.int64)
        return pc.fill_null(pc.cast(pa.array(numbers, mask=missing), pa.string()), "")
    text = pc.cast(pa.array(values, mask=missing), pa.string())
    with np.errstate(invalid="ignore"):
        plain = (size >= 1e-4) & (size < 1e10)
    length = pc.binary_length(text).to_numpy(zero_copy_only=False)
    short = length - (values < 0) <= 13
    other = ~((values == 0) | (plain & short) | missing)
    if other.any():
        written = [FLOAT_TEXT % v for v in values[other].tolist()]
        text = pc.replace_with_mask(text, pa.array(other), pa.array(written, pa.string()))
    return pc.fill_null(text, "")


def category_cells(dtype: pd.CategoricalDtype) -> Any:
    """Arrow text of a categorical's labels, quoted where needed, in the order of its codes."""
    import pyarrow as pa

    labels = [label_text(c) for c in np.asarray(dtype.categories, dtype=object)]
    return quoted(pa.array(labels, pa.string()))


def column_cells(column: pd.Series, labels: Any = None) -> Any:
    """Arrow text of one column's cells as pandas writes them in CSV (a column
    :func:`writable` accepts); ``labels``: a categorical's :func:`category_cells`, if made."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        labels = category_cells(dtype) if labels is None else labels
        codes = np.asarray(column.cat.codes, dtype=np.int32)
        return pc.fill_null(pc.take(labels, pa.array(codes, mask=codes < 0)), "")
    if pd.api.types.is_bool_dtype(dtype):
        flags = pa.array(column, pa.bool_(), from_pandas=True)
        return pc.fill_null(pc.if_else(flags, "True", "False"), "")
    if pd.api.types.is_float_dtype(dtype):
        return float_cells(column.to_numpy(dtype=np.float64, na_value=np.nan))
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return pc.cast(pa.array(column.to_numpy()), pa.string())
    if pd.api.types.is_integer_dtype(dtype):  # pandas' nullable integers
        return pc.fill_null(pc.cast(pa.array(column, from_pandas=True), pa.string()), "")
    text = pa.array(column.to_numpy(dtype=object), pa.string(), from_pandas=True)
    return pc.fill_null(quoted(text), "")


def writable(column: pd.Series) -> bool:
    """Is the column of a type this module writes (as pandas would)?"""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return is_text(dtype.categories)
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":
        return True
    if isinstance(dtype, (pd.BooleanDtype, pd.Float64Dtype, pd.Float32Dtype)):
        return True
    if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, np.dtype):
        return True  # pandas' nullable integers
    return is_text(column)


def is_text(values: Any) -> bool:
    """Only text and missing values: a text column (pandas' ``str``) or an object column of
    text."""
    if isinstance(values.dtype, pd.StringDtype):
        return True
    return values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in (
        "string",
        "empty",
    )


def csv_field(text: str) -> str:
    """One value as csv.QUOTE_MINIMAL writes it."""
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_frame(
    frame: pd.DataFrame,
    target: Path,
    *,
    index: bool = False,
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> bool:
    """Write ``frame`` as CSV to ``target``, the bytes of ``to_csv`` with ``%.12g`` floats and
    ``\\n`` line endings, ``ROWS_PER_CHUNK`` rows at a time (``prepare``, if given, is applied
    to each chunk of rows first: rounding, say, without a rounded copy of the whole table);
    False, writing nothing, when a column is of a type this module does not write."""
    import pyarrow.compute as pc

    if isinstance(frame.columns, pd.MultiIndex) or (
        index and isinstance(frame.index, pd.MultiIndex)
    ):
        return False
    names = [str(c) for c in frame.columns]
    if index:
        names.insert(0, "" if frame.index.name is None else str(frame.index.name))
    if not names or not all(writable(c) for c in columns_of(frame, index)):
        return False
    lone = len(names) == 1  # a lone empty value is quoted, as the csv module does
    with open(target, "wb") as handle:
        header = '""' if lone and names[0] == "" else ",".join(csv_field(n) for n in names)
        handle.write((header + "\n").encode("utf-8"))
        labels = [  # a categorical's labels, made once (a chunk keeps the categories)
            category_cells(c.dtype) if isinstance(c.dtype, pd.CategoricalDtype) else None
            for c in columns_of(frame.iloc[:0], index)
        ]

        def text(columns: list[pd.Series]) -> Any:
            """The CSV text of a chunk of rows, as one Arrow text array (a line per row)."""
            cells = [column_cells(c, known) for c, known in zip(columns, labels, strict=True)]
            if lone:
                rows = pc.if_else(pc.equal(cells[0], ""), '""', cells[0])
            else:
                rows = pc.binary_join_element_wise(*cells, ",")
            return pc.binary_join_element_wise(rows, "", "\n")

        # chunks are cut (and prepared) here, in order, and made into text by worker threads
        # (Arrow's kernels run outside Python's lock), a few ahead of the one being written
        chunks = (
            columns_of(prepare(part) if prepare else part, index)
            for part in (
                frame.iloc[start : start + ROWS_PER_CHUNK]
                for start in range(0, len(frame), ROWS_PER_CHUNK)
            )
        )
        for made in in_order(text, chunks):
            handle.write(text_bytes(made))
    return True


def in_order(work: Callable[[Any], Any], items: Iterator[Any]) -> Iterator[Any]:
    """``work`` of each item, in the items' order: on :data:`THREADS` worker threads, one item
    each in hand (memory stays a few chunks), or here when there is one thread. An error in
    ``work`` is raised here, as it would be inline."""
    if THREADS == 1:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="qframe-csv") as pool:
        pending: deque[Any] = deque()
        for item in items:
            if len(pending) >= THREADS:
                yield pending.popleft().result()
            pending.append(pool.submit(work, item))
        while pending:
            yield pending.popleft().result()


def columns_of(frame: pd.DataFrame, index: bool) -> list[pd.Series]:
    """The frame's columns in order, after its index if ``index``."""
    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    if index:
        columns.insert(0, pd.Series(frame.index, index=pd.RangeIndex(len(frame))))
    return columns


def text_bytes(text: Any) -> memoryview:
    """The characters of an Arrow text array with no missing values, end to end."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)
    first, last = offsets[text.offset], offsets[text.offset + len(text)]
    return memoryview(text.buffers()[2])[first:last]

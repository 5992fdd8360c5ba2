"""One deterministic writer: tables (CSV, Parquet, JSON records) and manifests.

The same frame gives the same bytes: a fixed column order (the frame's), ``\\n`` line endings,
floats in CSV written with 12 significant digits (pennies up to £9,999,999,999.99, without float
noise), JSON with 10 decimal places, manifests with sorted keys. Every table qframe writes goes
through here. CSV text is made by Arrow, a chunk of rows at a time
(:mod:`qframe.results.csvtext`), in the bytes ``DataFrame.to_csv`` wrote; Parquet is written by
Arrow (through pandas, which keeps the column types in the file).

Tables people open (the results of evaluate and compare) are written to a stated precision with
:func:`for_people`: money to the penny (it is already rounded once, by the framework's money rule:
this only drops float noise), money per patient and rates to 4 decimal places, shares, ratios,
points and other numbers to 6. Parquet and JSON keep every digit.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from qframe.errors.diagnostics import output_file
from qframe.results.csvtext import FLOAT_TEXT, write_frame
from qframe.scoring.rules import round_money

TABLE_FORMATS = ("csv", "parquet", "json")
CSV_FLOATS = FLOAT_TEXT
MONEY_PLACES = 2  # pence
PER_PATIENT_PLACES = 4  # money per patient, rates per 1,000
OTHER_PLACES = 6  # shares, ratios, correlations, points, achievement


def for_people(
    frame: pd.DataFrame, money: Collection[str] = (), places: Mapping[str, int] | None = None
) -> pd.DataFrame:
    """``frame`` with its float columns rounded for a table people open: the ``money`` columns
    to the penny by the money rule (half away from zero, :func:`qframe.scoring.rules.round_money`;
    amounts already rounded by it do not change), the others to the places given per column in
    ``places`` or else :data:`OTHER_PLACES` (half to even). Missing values stay missing."""
    given = places or {}
    rounded = {}
    for name in frame.columns:
        column = frame[name]
        if not pd.api.types.is_float_dtype(column.dtype):
            continue
        key = str(name)
        if key in money:
            values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            rounded[key] = pd.Series(
                round_money(values, given.get(key, MONEY_PLACES)), index=frame.index
            )
        else:
            rounded[key] = column.round(given.get(key, OTHER_PLACES))
    return frame.assign(**rounded) if rounded else frame


def write_csv(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    index: bool = False,
    float_format: str | None = CSV_FLOATS,
) -> Path:
    """Write ``frame`` as CSV (UTF-8, ``\\n`` line endings; ``float_format=None`` writes floats
    as pandas does, for data files read back exactly); returns the path. With the default
    format the text is made by Arrow (:mod:`qframe.results.csvtext`), in the bytes pandas
    writes; a table with a column of another type is written by pandas."""
    target = output_file(path)
    if float_format == CSV_FLOATS and write_frame(frame, target, index=index):
        return target
    frame.to_csv(target, index=index, lineterminator="\n", float_format=float_format)
    return target


def write_parquet(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``frame`` as Parquet (the pandas column types kept in the file's metadata); returns
    the path.

    Text columns (categoricals) are dictionary-encoded, as their values are few; number columns
    are written plain, with their minimum and maximum per row group. Arrow would otherwise try a
    dictionary for every number column (most have too many distinct values, and it falls back
    after building one) and compute the text columns' minimum and maximum from their strings:
    together about 40% of the time of writing a national table, for a file 28% larger."""
    target = output_file(path)
    table = pa.Table.from_pandas(frame, preserve_index=index)
    text = [f.name for f in table.schema if pa.types.is_dictionary(f.type)]
    pq.write_table(
        table,
        target,
        use_dictionary=text,
        write_statistics=[name for name in table.column_names if name not in text],
    )
    return target


def write_json_records(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a JSON list of records (10 decimal places); returns the path."""
    target = output_file(path)
    target.write_text(
        frame.to_json(orient="records", indent=1, double_precision=10) + "\n", encoding="utf-8"
    )
    return target


def write_for_people(
    frame: pd.DataFrame,
    path: str | Path,
    fmt: str,
    money: Collection[str] = (),
    places: Mapping[str, int] | None = None,
) -> Path:
    """Write a table people open in format ``fmt``: CSV to the stated precision
    (:func:`for_people`, applied a chunk of rows at a time as they are written, so no rounded
    copy of the whole table is made), Parquet and JSON with every digit; returns the path."""
    if fmt != "csv":
        return write_table(frame, path, fmt)
    target = output_file(path)
    if write_frame(frame, target, prepare=lambda part: for_people(part, money, places)):
        return target
    return write_csv(for_people(frame, money, places), target)


def write_table(frame: pd.DataFrame, path: str | Path, fmt: str) -> Path:
    """Write ``frame`` in format ``fmt`` (csv, parquet or json); returns the path."""
    if fmt == "csv":
        return write_csv(frame, path)
    if fmt == "parquet":
        return write_parquet(frame, path)
    if fmt == "json":
        return write_json_records(frame, path)
    raise ValueError(f"unknown format {fmt!r}")


def manifest_text(manifest: dict[str, Any]) -> str:
    """A manifest as JSON text: sorted keys, indented, non-ASCII kept, a final newline."""
    return json.dumps(manifest, indent=2, sort_keys=True, default=str, ensure_ascii=False) + "\n"


def write_manifest(manifest: dict[str, Any], path: str | Path) -> Path:
    """Write a manifest (what a run used: versions, content hashes, parameters, warnings) as
    JSON; returns the path."""
    target = output_file(path)
    target.write_text(manifest_text(manifest), encoding="utf-8")
    return target

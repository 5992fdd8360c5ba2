"""One deterministic writer: tables (CSV, Parquet, JSON records) and manifests.

The same frame gives the same bytes: a fixed column order (the frame's), ``\\n`` line endings,
floats in CSV written with 12 significant digits (pennies up to £9,999,999,999.99, without float
noise), JSON with 10 decimal places, manifests with sorted keys. Every table qframe writes goes
through here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from qframe.errors.diagnostics import output_file

TABLE_FORMATS = ("csv", "parquet", "json")
CSV_FLOATS = "%.12g"


def write_csv(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    index: bool = False,
    float_format: str | None = CSV_FLOATS,
) -> Path:
    """Write ``frame`` as CSV (UTF-8, ``\\n`` line endings; ``float_format=None`` writes floats
    as pandas does, for data files read back exactly); returns the path."""
    target = output_file(path)
    frame.to_csv(target, index=index, lineterminator="\n", float_format=float_format)
    return target


def write_parquet(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``frame`` as Parquet; returns the path."""
    target = output_file(path)
    frame.to_parquet(target, index=index)
    return target


def write_json_records(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a JSON list of records (10 decimal places); returns the path."""
    target = output_file(path)
    target.write_text(
        frame.to_json(orient="records", indent=1, double_precision=10) + "\n", encoding="utf-8"
    )
    return target


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

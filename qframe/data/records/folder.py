"""Where a record folder's tables are, and whether a folder holds GP records at all: looked at
without reading a record (or importing DuckDB), so the commands that read practice-level data
decide which they were given cheaply."""

from __future__ import annotations

from pathlib import Path

from qframe.data.files import check_regular_file


def table_source(folder: Path, name: str) -> tuple[str, str] | None:
    """The file (or glob) a table is read from and its format, or None when there is none.

    >>> table_source(Path("/nonexistent"), "events") is None
    True
    """
    parquet, csv, directory = folder / f"{name}.parquet", folder / f"{name}.csv", folder / name
    check_regular_file(parquet, "R002")  # a named pipe would wait for ever
    check_regular_file(csv, "R002")
    if parquet.is_file():
        return str(parquet), "parquet"
    if csv.is_file():
        return str(csv), "csv"
    if directory.is_dir():
        for part in (*directory.rglob("*.parquet"), *directory.rglob("*.csv")):
            check_regular_file(part, "R002")
        if any(directory.rglob("*.parquet")):
            return str(directory / "**" / "*.parquet"), "parquet"
        if any(directory.rglob("*.csv")):
            return str(directory / "**" / "*.csv"), "csv"
    return None


def is_record_folder(path: str | Path) -> bool:
    """Whether ``path`` is a record dataset (a folder with patients and events tables), as
    opposed to practice-level data (units and measures).

    >>> is_record_folder("/nonexistent")
    False
    """
    folder = Path(path)
    return folder.is_dir() and all(
        table_source(folder, name) is not None for name in ("patients", "events")
    )

"""Reading NHS Digital files, a folder of them or a single file, as one dataset."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from qframe.data.dataset import Dataset
from qframe.data.files import check_regular_file
from qframe.data.readers.columns import read_csv
from qframe.data.readers.excel import read_excel
from qframe.data.readers.layouts import LAYOUT_BY_KIND, LOOKED_FOR, detect_layout, period_from_name
from qframe.data.readers.merge import assemble, same_kind_same_year
from qframe.data.readers.part import FilePart, file_problem, rows_problem
from qframe.data.validate import validate_frames
from qframe.errors.diagnostics import DataError, Diagnostic, Severity, error
from qframe.model.periods import valid_period


def read_nhsd_files(
    paths: Sequence[str | Path],
    *,
    period: str | None = None,
    source: str | None = None,
    layouts: dict[str, str] | None = None,
    ignored: Sequence[Diagnostic] = (),
) -> Dataset:
    """Read NHS Digital files (any mix of the layouts in :data:`~qframe.data.readers.layouts.LAYOUTS`)
    into one dataset.

    ``period`` (``2014-15``) is used for files whose name has no year; by default the year comes
    from the file name (``PREVALENCE_1617.csv``), else from its folder's name (``qof-1415``).
    ``layouts`` maps a file name to a layout kind, for files whose name and header do not say.
    """
    files = [Path(p) for p in paths]
    if period is not None and not valid_period(period):
        raise DataError(
            [error("D023", f"cannot read the period {period!r}", None, "write a year as 2014-15")]
        )
    problems: list[Diagnostic] = []
    notes: list[Diagnostic] = list(ignored)
    parts: list[FilePart] = []
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        check_regular_file(path)  # a named pipe would wait for ever
        if not path.is_file():
            raise file_problem("D001", f"no such file: {path}", "check the path")
        kind = (layouts or {}).get(path.name)
        layout = LAYOUT_BY_KIND[kind] if kind else detect_layout(path)
        if layout is None:
            raise file_problem(
                "D100",
                f"{path} is not a file qframe can read",
                f"qframe reads these NHS Digital files: {LOOKED_FOR}",
            )
        label = period or period_from_name(path.stem) or period_from_name(path.parent.name)
        if label is None and layout.needs_period:
            problems.append(
                rows_problem(
                    "D102",
                    "cannot tell which year the file is for",
                    str(path),
                    (),
                    "put the year in the file or folder name (INDICATORS_BY_PRAC_1415.csv, or a "
                    "folder named qof-1415), or pass period='2014-15' to qframe.data.readers.read_nhsd_files",
                )
            )
            continue
        frame, read_notes = read_csv(path)
        notes.extend(read_notes)
        part = layout.reader(path, frame, label or "")
        part.period = label
        parts.append(part)
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    problems.extend(same_kind_same_year(parts))
    for part in parts:
        problems.extend(p for p in part.problems if p.is_error)
        notes.extend(p for p in part.problems if not p.is_error)
    if problems:
        raise DataError(problems)
    where = source or (str(files[0].parent) if len(files) > 1 else str(files[0]) if files else "")
    units, measures, found = assemble(parts, where)
    problems.extend(d for d in found if d.is_error)
    notes.extend(d for d in found if not d.is_error)
    if problems:
        raise DataError(problems)
    valid = validate_frames(units, measures, f"{where} (units)", f"{where} (measures)")
    kept = tuple(w for w in valid.warnings if w.code != "D040")  # reported per file above
    return Dataset(valid.units, valid.measures, where, digest.hexdigest(), (*notes, *kept))


def nhsd_files(folder: Path) -> tuple[list[Path], list[Diagnostic]]:
    """The NHS Digital files in a folder, and warnings for CSV or Excel files that are not."""
    found: list[Path] = []
    ignored: list[Diagnostic] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.is_file() or path.name.startswith("."):
            continue
        if detect_layout(path) is not None:
            found.append(path)
        elif path.suffix.lower() in (".csv", ".xlsx", ".xls"):
            ignored.append(
                rows_problem(
                    "D105",
                    "not read: qframe does not read this kind of file",
                    str(path),
                    (),
                    f"qframe reads {LOOKED_FOR}; move other files out of the folder to silence this",
                    Severity.WARNING,
                )
            )
    return found, ignored


def read_path(path: str | Path) -> Dataset:
    """A file that is not a dataset folder: an .xlsx workbook or one NHS Digital CSV file."""
    file = Path(path)
    check_regular_file(file)
    if file.suffix.lower() == ".xlsx":
        return read_excel(file)
    if detect_layout(file) is not None:
        return read_nhsd_files([file])
    raise file_problem(
        "D100",
        f"{file} is not a dataset qframe can read",
        "give a folder holding units.csv and measures.csv (or .parquet), an Excel .xlsx workbook "
        f"with sheets units and measures, or a folder of NHS Digital files ({LOOKED_FOR})",
    )

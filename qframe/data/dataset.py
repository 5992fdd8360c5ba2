"""Practice data: the canonical dataset every framework evaluates on, and its strict validation.

A dataset is two tables (documented in docs/data-model.md):

``units``     one row per unit (practice): ``unit_id`` (required), ``name``, and attributes such
              as ``region``, ``ccg``, ``locality``, ``cluster``, ``hscp``, ``deprivation_quintile``.
``measures``  one row per unit × period × measure (× key): ``unit_id``, ``period``
              (``2014-15`` for a year, ``2014-15Q1`` for a quarter), ``measure`` (e.g.
              ``numerator``), ``key`` (e.g. the indicator ``DM007`` or the group ``DM``; empty for
              measures such as ``list_size``) and ``value``.

On disk a dataset is a folder holding ``units.csv`` and ``measures.csv`` (or ``.parquet``).
Nothing is coerced or dropped silently: every problem is reported with the file, the row numbers
(as a spreadsheet shows them: the header is row 1) and a fix.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qframe.errors.diagnostics import DataError, Diagnostic, ExitCode, FileProblem, Severity, error

UNIT_COLUMNS = ("unit_id",)
MEASURE_COLUMNS = ("unit_id", "period", "measure", "value")
YEAR = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-(\d{2})Q([1-4])$")
MAX_ROWS_SHOWN = 5


@dataclass(frozen=True)
class Dataset:
    """Validated practice data. Build with :func:`load_dataset` or :meth:`from_frames`."""

    units: pd.DataFrame
    measures: pd.DataFrame
    source: str = "<memory>"
    content_hash: str = ""
    warnings: tuple[Diagnostic, ...] = ()
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_frames(
        cls, units: pd.DataFrame, measures: pd.DataFrame, source: str = "<memory>"
    ) -> Dataset:
        """Validate two DataFrames (the layout of units.csv and measures.csv)."""
        return _validate(units, measures, source, "units", "measures")

    @property
    def unit_ids(self) -> np.ndarray:
        return self.units["unit_id"].to_numpy()

    def digest(self) -> str:
        """SHA-256 identifying the data: of the files read, or else of the tables' contents."""
        if self.content_hash:
            return self.content_hash
        if "digest" not in self._cache:
            h = hashlib.sha256()
            for frame in (self.units, self.measures):
                h.update(",".join(map(str, frame.columns)).encode())
                h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
            self._cache["digest"] = h.hexdigest()
        digest: str = self._cache["digest"]
        return digest

    def periods(self, frequency: str) -> list[str]:
        pattern = QUARTER if frequency == "quarter" else YEAR
        return sorted(p for p in self.measures["period"].unique() if pattern.match(p))


def _valid_period(label: str) -> bool:
    """2014-15 or 2014-15Q1, the second year following the first (2014-16 is not a year)."""
    m = YEAR.match(label) or QUARTER.match(label)
    return bool(m) and (int(m.group(1)) + 1) % 100 == int(m.group(2))  # type: ignore[union-attr]


def period_ordinal(label: str) -> int:
    """Years count by 1 and quarters by 1 (a quarter's ordinal is year × 4 + quarter − 1)."""
    q = QUARTER.match(label)
    if q:
        return int(q.group(1)) * 4 + int(q.group(3)) - 1
    y = YEAR.match(label)
    if y:
        return int(y.group(1))
    raise ValueError(label)


def period_label(ordinal: int, frequency: str) -> str:
    if frequency == "quarter":
        year, q = divmod(ordinal, 4)
        return f"{year}-{(year + 1) % 100:02d}Q{q + 1}"
    return f"{ordinal}-{(ordinal + 1) % 100:02d}"


def load_dataset(path: str | Path) -> Dataset:
    """Read a dataset: a folder of units + measures (CSV or Parquet), an Excel workbook (.xlsx)
    with sheets units and measures, or a folder (or file) of NHS Digital files (qframe.data.readers)."""
    from qframe.data import readers  # readers builds on this module

    folder = Path(path)
    looked_for = (
        "give a folder holding units.csv and measures.csv (or .parquet), an Excel .xlsx workbook "
        f"with sheets units and measures, or a folder of NHS Digital files ({readers.LOOKED_FOR})"
    )
    if not folder.exists():
        raise FileProblem(
            [
                error(
                    "D001",
                    f"no such data folder: {folder}",
                    None,
                    "give a folder holding units.csv and measures.csv (or .parquet), an Excel "
                    ".xlsx workbook, or a folder of NHS Digital files (see docs/data-model.md)",
                )
            ],
            ExitCode.FILE_ERROR,
        )
    if not folder.is_dir():
        return readers.read_path(folder)
    has_canonical = any(
        (folder / f"{stem}{ext}").exists()
        for stem in ("units", "measures")
        for ext in (".csv", ".parquet")
    )
    if not has_canonical:
        found, ignored = readers.nhsd_files(folder)
        if found:
            return readers.read_nhsd_files(found, source=str(folder), ignored=ignored)
        raise FileProblem(
            [
                error(
                    "D002",
                    f"{folder} has no units.csv or units.parquet, no measures.csv or "
                    "measures.parquet, and no NHS Digital file qframe can read",
                    None,
                    looked_for,
                )
            ],
            ExitCode.FILE_ERROR,
        )
    units_file = _find(folder, "units")
    measures_file = _find(folder, "measures")
    units = _read(units_file)
    measures = _read(measures_file)
    digest = hashlib.sha256()
    for f in (units_file, measures_file):
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    ds = _validate(units, measures, str(folder), str(units_file), str(measures_file))
    return Dataset(ds.units, ds.measures, str(folder), digest.hexdigest(), ds.warnings)


def _find(folder: Path, stem: str) -> Path:
    for ext in (".csv", ".parquet"):
        candidate = folder / f"{stem}{ext}"
        if candidate.exists():
            return candidate
    raise FileProblem(
        [
            error(
                "D002",
                f"{folder} has no {stem}.csv or {stem}.parquet",
                None,
                "a dataset folder holds units.csv and measures.csv (see docs/data-model.md)",
            )
        ],
        ExitCode.FILE_ERROR,
    )


def _read(file: Path) -> pd.DataFrame:
    try:
        if file.suffix == ".parquet":
            frame = pd.read_parquet(file)
            return frame.astype({c: "string" for c in frame.columns if c != "value"})
        # every column as text: numbers are parsed strictly below, never guessed
        return pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raw = file.read_bytes()
        row = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            [
                Diagnostic(
                    Severity.ERROR,
                    "D004",
                    f"row {row} is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
                    None,
                    "save the file as CSV UTF-8 (in Excel: Save As → CSV UTF-8)",
                    str(file),
                    (row,),
                    1,
                )
            ]
        ) from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise FileProblem(
            [
                error(
                    "D003",
                    f"cannot read {file}: {exc}",
                    None,
                    "check that the file is a UTF-8 CSV (or Parquet) file",
                )
            ],
            ExitCode.FILE_ERROR,
        ) from None


def _rows(mask: np.ndarray | pd.Series) -> tuple[tuple[int, ...], int]:
    idx = np.flatnonzero(np.asarray(mask))
    return tuple(int(i) + 2 for i in idx[:MAX_ROWS_SHOWN]), int(idx.size)


def _problem(
    code: str,
    message: str,
    file: str,
    mask: Any,
    hint: str,
    severity: Severity = Severity.ERROR,
    first: object = None,
) -> Diagnostic:
    rows, count = _rows(mask)
    text = message.format(n=count) + (f" (first: {first!r})" if first is not None else "")
    return Diagnostic(severity, code, text, None, hint, file, rows, count)


def _categorical_text(measures: pd.DataFrame) -> pd.DataFrame:
    """Text columns given as categoricals (as `qframe synth` makes them: a few hundred labels
    over millions of rows) stay categorical: their labels are stripped instead of every cell."""
    for col in ("unit_id", "period", "measure", "key"):
        if col in measures.columns and isinstance(measures[col].dtype, pd.CategoricalDtype):
            cats = pd.Index(measures[col].cat.categories.astype(str)).str.strip()
            if not cats.has_duplicates:
                measures[col] = measures[col].cat.rename_categories(cats)
    return measures


def _validate(
    units: pd.DataFrame, measures: pd.DataFrame, source: str, units_name: str, measures_name: str
) -> Dataset:
    problems: list[Diagnostic] = []
    for frame, required, name in (
        (units, UNIT_COLUMNS, units_name),
        (measures, MEASURE_COLUMNS, measures_name),
    ):
        missing = [c for c in required if c not in frame.columns]
        if missing:
            have = ", ".join(map(str, frame.columns)) or "none"
            problems.append(
                Diagnostic(
                    Severity.ERROR,
                    "D010",
                    f"missing column{'s' * (len(missing) > 1)} {', '.join(missing)}",
                    None,
                    f"the file has columns: {have}; required: {', '.join(required)}",
                    name,
                )
            )
    if problems:
        raise DataError(problems)
    units = units.reset_index(drop=True).copy()
    measures = measures.reset_index(drop=True).copy()
    units["unit_id"] = units["unit_id"].astype("string").str.strip()
    measures = _categorical_text(measures)
    for col in ("unit_id", "period", "measure"):
        if not isinstance(measures[col].dtype, pd.CategoricalDtype):
            measures[col] = measures[col].astype("string").str.strip()
    if "key" not in measures.columns:
        measures["key"] = ""
    if isinstance(measures["key"].dtype, pd.CategoricalDtype):
        if measures["key"].isna().any():
            if "" not in measures["key"].cat.categories:
                measures["key"] = measures["key"].cat.add_categories([""])
            measures["key"] = measures["key"].fillna("")
    else:
        measures["key"] = measures["key"].astype("string").fillna("").str.strip()

    blank_units = units["unit_id"].isna() | (units["unit_id"] == "")
    if blank_units.any():
        problems.append(
            _problem(
                "D011",
                "{n} unit row(s) have no unit_id",
                units_name,
                blank_units,
                "every unit needs an identifier",
            )
        )
    dup_units = units["unit_id"].duplicated(keep=False) & ~blank_units
    if dup_units.any():
        problems.append(
            _problem(
                "D012",
                "{n} rows repeat a unit_id",
                units_name,
                dup_units,
                "each unit appears once in the units table",
            )
        )

    raw = measures["value"]
    if pd.api.types.is_numeric_dtype(raw):
        values = pd.to_numeric(raw, errors="coerce").astype("float64")
        bad = pd.Series(False, index=measures.index)
    else:
        text = raw.astype("string").fillna("").str.strip()
        values = pd.to_numeric(text.where(text != ""), errors="coerce").astype("float64")
        bad = (text != "") & values.isna()
    if bad.any():
        example = raw[bad].iloc[0]
        problems.append(
            _problem(
                "D020",
                "{n} value(s) are not numbers",
                measures_name,
                bad,
                "write plain numbers (1234 or 12.5), without commas, % or £; leave the cell empty for a missing value",
                first=str(example),
            )
        )
    infinite = np.isinf(values.to_numpy())
    if infinite.any():
        problems.append(
            _problem(
                "D021",
                "{n} value(s) are infinite",
                measures_name,
                infinite,
                "write a finite number, or leave the cell empty",
            )
        )
    negative = (values < 0).to_numpy()
    if negative.any():
        problems.append(
            _problem(
                "D022",
                "{n} value(s) are negative",
                measures_name,
                negative,
                "counts and list sizes cannot be negative: correct the extract",
            )
        )
    measures["value"] = values

    labels = measures["period"].dropna().unique()
    valid = [p for p in labels if _valid_period(str(p))]  # check each distinct label once
    bad_period = ~measures["period"].isin(valid).to_numpy()
    if bad_period.any():
        example = measures["period"][bad_period].iloc[0]
        problems.append(
            _problem(
                "D023",
                "{n} row(s) have a period qframe cannot read",
                measures_name,
                bad_period,
                "write years as 2014-15 (two consecutive years) and quarters as 2014-15Q1",
                first=str(example),
            )
        )
    blank_measure = measures["measure"].isna() | (measures["measure"] == "")
    if blank_measure.any():
        problems.append(
            _problem(
                "D024",
                "{n} row(s) have no measure name",
                measures_name,
                blank_measure,
                "name the measure, e.g. numerator or list_size",
            )
        )

    dup = measures.duplicated(["unit_id", "period", "measure", "key"], keep=False)
    if dup.any():
        problems.append(
            _problem(
                "D030",
                "{n} rows repeat the same unit, period, measure and key",
                measures_name,
                dup,
                "keep one row per unit × period × measure × key (sum or remove the duplicates upstream)",
            )
        )

    known = set(units["unit_id"].dropna())
    orphan = ~measures["unit_id"].isin(known)
    if orphan.any():
        example = measures["unit_id"][orphan].iloc[0]
        problems.append(
            _problem(
                "D031",
                "{n} measure row(s) name a unit that is not in the units table",
                measures_name,
                orphan,
                "add the unit to the units table, or correct its id",
                first=str(example),
            )
        )

    problems.extend(_consistency(measures, measures_name))
    warnings: list[Diagnostic] = []
    without = ~units["unit_id"].isin(measures["unit_id"].dropna().unique())
    if without.any():
        warnings.append(
            _problem(
                "D040",
                "{n} unit(s) have no measures at all",
                units_name,
                without,
                "their results will be missing; remove them or supply their data",
                Severity.WARNING,
            )
        )
    errors = [p for p in problems if p.is_error]
    if errors:
        raise DataError(errors)
    units = units.sort_values("unit_id", kind="stable").reset_index(drop=True)
    return Dataset(units, measures, source, "", tuple(warnings))


def _consistency(measures: pd.DataFrame, file: str) -> list[Diagnostic]:
    """Numerators above denominators and exceptions above registers, for the same key."""
    out: list[Diagnostic] = []
    pairs = (
        (
            "numerator",
            "denominator",
            "D032",
            "numerator above its denominator",
            "a numerator counts patients of the denominator: check the extract",
        ),
    )
    index = ["unit_id", "period", "key"]
    for upper_name, lower_name, code, what, hint in pairs:
        a = measures[measures["measure"] == upper_name]
        b = measures[measures["measure"] == lower_name]
        if a.empty or b.empty:
            continue
        merged = a.reset_index().merge(b[[*index, "value"]], on=index, suffixes=("", "_other"))
        bad_idx = merged.loc[merged["value"] > merged["value_other"], "index"].to_numpy()
        if bad_idx.size:
            mask = np.zeros(len(measures), dtype=bool)
            mask[bad_idx] = True
            out.append(_problem(code, "{n} row(s) have a " + what, file, mask, hint))
    return out


def frames_from_mapping(data: Mapping[str, pd.DataFrame]) -> Dataset:
    """Build a dataset from ``{"units": ..., "measures": ...}`` DataFrames."""
    if "units" not in data or "measures" not in data:
        raise DataError(
            [
                error(
                    "D002",
                    "data needs two tables: units and measures",
                    None,
                    "pass {'units': DataFrame, 'measures': DataFrame}",
                )
            ]
        )
    return Dataset.from_frames(data["units"], data["measures"])

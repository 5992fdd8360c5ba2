"""Strict validation of the two tables of a dataset, ``units`` and ``measures``.

Nothing is coerced or dropped silently: every problem is reported with the file, the row numbers
(as a spreadsheet shows them: the header is row 1) and a fix. The readers of other file formats
(qframe.data.readers) build the same two tables and end here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qframe.data import plausibility
from qframe.errors.diagnostics import DataError, Diagnostic, Severity
from qframe.model.periods import valid_period

UNIT_COLUMNS = ("unit_id",)
MEASURE_COLUMNS = ("unit_id", "period", "measure", "value")
MAX_ROWS_SHOWN = 5


@dataclass(frozen=True)
class ValidFrames:
    """The two tables once validated (text stripped, values as floats, units sorted), and the
    warnings found on the way."""

    units: pd.DataFrame
    measures: pd.DataFrame
    warnings: tuple[Diagnostic, ...] = ()


def _shown_rows(mask: np.ndarray | pd.Series) -> tuple[tuple[int, ...], int]:
    """The first rows of ``mask`` as a spreadsheet numbers them (the header is row 1), and how many."""
    idx = np.flatnonzero(np.asarray(mask))
    return tuple(int(i) + 2 for i in idx[:MAX_ROWS_SHOWN]), int(idx.size)


def mask_problem(
    code: str,
    message: str,
    file: str,
    mask: Any,
    hint: str,
    severity: Severity = Severity.ERROR,
    first: object = None,
) -> Diagnostic:
    """A problem on the rows of ``mask``; ``message`` may use {n}, the number of rows."""
    rows, count = _shown_rows(mask)
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


def validate_frames(
    units: pd.DataFrame, measures: pd.DataFrame, units_name: str, measures_name: str
) -> ValidFrames:
    """Check and clean the two tables; raise :class:`DataError` with every problem found.

    ``units_name`` and ``measures_name`` name the tables in the problems (their files)."""
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
    problems.extend(plausibility.table_problems(units, measures, units_name, measures_name))
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
            mask_problem(
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
            mask_problem(
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
            mask_problem(
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
            mask_problem(
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
            mask_problem(
                "D022",
                "{n} value(s) are negative",
                measures_name,
                negative,
                "counts and list sizes cannot be negative: correct the extract",
            )
        )
    measures["value"] = values
    problems.extend(
        plausibility.value_problems(measures, measures_name, plausibility.bounds_for(units_name))
    )

    labels = measures["period"].dropna().unique()
    valid = [p for p in labels if valid_period(str(p))]  # check each distinct label once
    bad_period = ~measures["period"].isin(valid).to_numpy()
    if bad_period.any():
        example = measures["period"][bad_period].iloc[0]
        problems.append(
            mask_problem(
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
            mask_problem(
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
            mask_problem(
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
            mask_problem(
                "D031",
                "{n} measure row(s) name a unit that is not in the units table",
                measures_name,
                orphan,
                "add the unit to the units table, or correct its id",
                first=str(example),
            )
        )

    problems.extend(_numerator_above_denominator(measures, measures_name))
    warnings: list[Diagnostic] = []
    without = ~units["unit_id"].isin(measures["unit_id"].dropna().unique())
    if without.any():
        warnings.append(
            mask_problem(
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
    warnings.extend(p for p in problems if not p.is_error)  # plausibility warnings, rows kept
    units = units.sort_values("unit_id", kind="stable").reset_index(drop=True)
    return ValidFrames(units, measures, tuple(warnings))


def _numerator_above_denominator(measures: pd.DataFrame, file: str) -> list[Diagnostic]:
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
            out.append(mask_problem(code, "{n} row(s) have a " + what, file, mask, hint))
    return out

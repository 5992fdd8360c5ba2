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
    #: The measures' rows as integers (made for the plausibility checks; later checks that join
    #: rows reuse them: :data:`qframe.data.dataset.MEASURE_ROWS`).
    rows: plausibility.MeasureRows | None = None


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
    units["unit_id"] = units["unit_id"].astype("string").str.strip()
    measures = measures.reset_index(drop=True)
    unit, period, measure = (TextColumn.of(measures[c]) for c in ("unit_id", "period", "measure"))
    key = (
        TextColumn.of(measures["key"]).fill_null("")
        if "key" in measures.columns
        else TextColumn(np.zeros(len(measures), dtype=np.int32), np.array([""], dtype=object))
    )

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

    values, bad, example = _numbers(measures["value"])
    # the cleaned columns, and the rows as integers the checks that join rows share
    for name, column in (("unit_id", unit), ("period", period), ("measure", measure)):
        measures[name] = column.categorical()
    measures["value"] = values
    measures["key"] = key.categorical()
    rows = plausibility.MeasureRows(measures)
    if bad.any():
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
    infinite = np.isinf(values)
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
    with np.errstate(invalid="ignore"):
        negative = values < 0
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

    # each distinct label is checked once; rows follow by their codes
    bad_period = period.rows(np.array([not valid_period(str(p)) for p in period.labels]), True)
    if bad_period.any():
        problems.append(
            mask_problem(
                "D023",
                "{n} row(s) have a period qframe cannot read",
                measures_name,
                bad_period,
                "write years as 2014-15 (two consecutive years) and quarters as 2014-15Q1",
                first=str(period.first(bad_period)),
            )
        )
    blank_measure = measure.rows(measure.labels == "", True)
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

    dup = _repeated(_row_codes(rows, measure))
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

    # labels looked up in sets: a few thousand, each once (pandas' isin on text goes through
    # Python lists of both sides)
    unit_ids = [u if isinstance(u, str) else None for u in units["unit_id"].tolist()]
    known = {u for u in unit_ids if u is not None}
    orphan = unit.rows(np.array([label not in known for label in unit.labels], dtype=bool), True)
    if orphan.any():
        problems.append(
            mask_problem(
                "D031",
                "{n} measure row(s) name a unit that is not in the units table",
                measures_name,
                orphan,
                "add the unit to the units table, or correct its id",
                first=str(unit.first(orphan)),
            )
        )

    problems.extend(_numerator_above_denominator(rows, values, measures_name))
    warnings: list[Diagnostic] = []
    measured = set(unit.labels.tolist())
    without = np.array([u not in measured for u in unit_ids], dtype=bool)
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
    problems.extend(
        plausibility.value_problems(
            measures, measures_name, plausibility.bounds_for(units_name), rows
        )
    )
    errors = [p for p in problems if p.is_error]
    if errors:
        raise DataError(errors)
    warnings.extend(p for p in problems if not p.is_error)  # plausibility warnings, rows kept
    units = units.sort_values("unit_id", kind="stable").reset_index(drop=True)
    return ValidFrames(units, measures, tuple(warnings), rows)


@dataclass(frozen=True)
class TextColumn:
    """A text column as integer codes into its distinct labels (stripped of surrounding spaces,
    each once, every one used); code -1 is a missing cell. Rules run once per label, and rows
    follow by their codes: millions of rows, a few thousand labels."""

    codes: np.ndarray
    labels: np.ndarray  # object array of str

    @classmethod
    def of(cls, column: pd.Series) -> TextColumn:
        """Codes and labels of a column of text (a categorical keeps its codes: no strings made)."""
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes = column.cat.codes.to_numpy()
            labels = pd.Index(column.cat.categories)
        else:
            if not isinstance(column.dtype, pd.StringDtype):
                column = column.astype("string")  # numbers and mixed cells, as text
            codes, labels = pd.factorize(column)
            labels = pd.Index(labels)
        stripped = labels.astype("string").str.strip()
        used = np.zeros(len(labels) + 1, dtype=bool)
        used[codes] = True  # a missing cell (-1) marks the last place, dropped below
        used = used[:-1]
        if used.all() and not stripped.has_duplicates and (stripped == labels).all():
            return cls(codes, np.asarray(stripped, dtype=object))  # clean already: codes kept
        merged_codes, merged = pd.factorize(stripped[used])  # " A" and "A" become one label
        remap = np.full(len(labels) + 1, -1, dtype=np.int32)  # remap[-1]: missing stays -1
        remap[np.flatnonzero(used)] = merged_codes
        return cls(remap[codes], np.asarray(merged, dtype=object))

    def rows(self, per_label: np.ndarray, missing: bool) -> np.ndarray:
        """A boolean per row from one per label (``missing`` for missing cells); no row is
        looked at when no label (and no missing cell) is marked."""
        marked = np.append(np.asarray(per_label, dtype=bool), missing)
        if not marked[:-1].any() and not (missing and (self.codes < 0).any()):
            return np.zeros(len(self.codes), dtype=bool)
        return marked[self.codes]

    def first(self, mask: np.ndarray) -> object:
        """The label of the first row of ``mask`` (``pd.NA`` for a missing cell)."""
        code = self.codes[np.flatnonzero(mask)[0]]
        return self.labels[code] if code >= 0 else pd.NA

    def fill_null(self, label: str) -> TextColumn:
        """Missing cells take ``label``."""
        missing = self.codes < 0
        if not missing.any():
            return self
        hit = np.flatnonzero(self.labels == label)
        labels = self.labels if hit.size else np.append(self.labels, label)
        code = int(hit[0]) if hit.size else len(self.labels)
        return TextColumn(np.where(missing, code, self.codes).astype(np.int32), labels)

    def categorical(self) -> pd.Categorical:
        return pd.Categorical.from_codes(self.codes, categories=pd.Index(self.labels))


def _row_codes(rows: plausibility.MeasureRows, measure: TextColumn) -> np.ndarray:
    """One integer per row for its unit, period, measure and key: the rows' integer keys (unit,
    period and key) with the measure's code added, in 32 bits when every combination fits."""
    radix = len(measure.labels) + 1
    keys, span = rows.keys, rows.unit_periods * rows.key_span
    if span * radix >= 2**62:  # renumbered to the combinations present (at most one a row)
        keys, present = pd.factorize(keys)
        span = len(present)
    whole = span * radix
    codes: np.ndarray = keys.astype(np.int32 if whole < 2**31 else np.int64)
    codes *= radix
    codes += measure.codes
    codes += 1
    return codes


def _repeated(codes: np.ndarray) -> np.ndarray:
    """Rows whose code another row has too (sorted once; the rows are found only when some are)."""
    ordered = np.sort(codes)
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    return np.isin(codes, twice) if twice.size else np.zeros(len(codes), dtype=bool)


def _numbers(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, object]:
    """Strict numbers: the values (NaN where empty), the rows that are not numbers, and the first
    of those as written. Text is parsed once per distinct cell."""
    if raw.dtype == np.float64:
        return raw.to_numpy(), np.zeros(len(raw), dtype=bool), None
    if pd.api.types.is_numeric_dtype(raw) and not isinstance(raw.dtype, pd.CategoricalDtype):
        values = pd.to_numeric(raw, errors="coerce").astype("float64").to_numpy()
        return values, np.zeros(len(raw), dtype=bool), None
    if isinstance(raw.dtype, pd.CategoricalDtype):
        codes, labels = raw.cat.codes.to_numpy(), pd.Index(raw.cat.categories)
    else:
        codes, labels = pd.factorize(raw)
        labels = pd.Index(labels)
    text = pd.Series(labels.astype("string")).fillna("").str.strip()
    parsed = pd.to_numeric(text.where(text != ""), errors="coerce").astype("float64").to_numpy()
    bad_label = (text != "").to_numpy() & np.isnan(parsed)
    bad = np.append(bad_label, False)[codes]
    example = labels[codes[np.flatnonzero(bad)[0]]] if bad.any() else None
    return np.append(parsed, np.nan)[codes], bad, example


def _numerator_above_denominator(
    rows: plausibility.MeasureRows, values: np.ndarray, file: str
) -> list[Diagnostic]:
    """Numerators above a denominator for the same unit, period and key (any of them, when the
    denominator is repeated: the lowest)."""
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
    for upper_name, lower_name, code, what, hint in pairs:
        upper_rows, lower_rows = rows.of(upper_name), rows.of(lower_name)
        if not upper_rows.size or not lower_rows.size:
            continue
        # the usual case, one denominator per unit, period and key: found by a table by key
        at = rows.find_unique(rows.keys[upper_rows], lower_rows)
        bound = (
            np.where(at >= 0, values[at], np.nan)
            if at is not None
            else _lowest_bound(rows.keys[lower_rows], rows.keys[upper_rows], values[lower_rows])
        )
        with np.errstate(invalid="ignore"):
            above = values[upper_rows] > bound
        if above.any():
            mask = np.zeros(len(values), dtype=bool)
            mask[upper_rows[above]] = True
            out.append(mask_problem(code, "{n} row(s) have a " + what, file, mask, hint))
    return out


def _lowest_bound(
    lower_keys: np.ndarray, upper_keys: np.ndarray, lower_values: np.ndarray
) -> np.ndarray:
    """For each upper key, the lowest of the lower values with that key (NaN: none), when some
    lower rows share a key."""
    order = np.argsort(lower_keys, kind="stable")
    ordered = lower_keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    keys = ordered[starts]
    lowest = np.fmin.reduceat(lower_values[order], starts)  # fmin: NaN only if all are
    at = np.minimum(np.searchsorted(keys, upper_keys), len(keys) - 1)
    bound: np.ndarray = np.where(keys[at] == upper_keys, lowest[at], np.nan)
    return bound

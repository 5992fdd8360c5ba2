"""The numpy engine's layout of a dataset: measures on a dense (unit, period, measure) array.

Each frequency the data records is laid out once per dataset (kept while the dataset lives);
:func:`prepare` puts the framework's frequency on a period axis that spans both, and keeps the
other frequency's measures apart, converted when an input reads them (:func:`combine_quarters`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qframe.data.dataset import Dataset
from qframe.errors.diagnostics import DataError, error
from qframe.model.periods import period_label, period_ordinal


@dataclass
class FrequencyArrays:
    """Measures of one frequency on a dense (unit, period, measure) array."""

    periods: list[str]  # contiguous range of labels
    first: int  # ordinal of periods[0]
    values: np.ndarray  # (U, P, M)
    columns: dict[tuple[str, str], int]  # (measure, key) -> M index


@dataclass
class DataArrays:
    """A dataset laid out for a framework's frequency.

    The period axis runs over the whole span of the data, converted to the framework's
    frequency; ``present`` marks the periods the data really has (results are reported for
    those). Measures recorded at the other frequency are kept in ``other`` and converted when an
    input reads them: a year's value holds for each of its quarters; quarters are combined into
    their year as the input declares (``combine:``)."""

    unit_ids: np.ndarray
    frequency: str
    periods: list[str]
    present: np.ndarray  # bool per period
    values: np.ndarray  # (U, P, M) measures recorded at this frequency
    columns: dict[tuple[str, str], int]
    units: pd.DataFrame
    other: FrequencyArrays | None  # measures recorded at the other frequency
    first: int = 0  # ordinal of periods[0]
    groups: dict[str, tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def present_periods(self) -> list[str]:
        return [p for p, ok in zip(self.periods, self.present, strict=True) if ok]

    def period_index(self, period: str | None) -> int:
        """Index of ``period`` (default: the latest the data has); a located error otherwise."""
        present = self.present_periods
        if period is None:
            period = present[-1]
        if period not in present:
            raise DataError(
                [
                    error(
                        "D051",
                        f"the data has no period {period}",
                        None,
                        f"periods in the data: {', '.join(present)}",
                    )
                ]
            )
        return self.periods.index(period)

    def measure_at(self, measure: str, key: str, period: int) -> np.ndarray | None:
        """One value per unit of a measure recorded at this frequency (None if there is none)."""
        col = self.columns.get((measure, key))
        if col is None:
            return None
        return np.asarray(self.values[:, period, col], dtype=np.float64)

    def group_labels(self, attribute: str) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's group code for a units-table attribute (-1 where empty), and the labels
        (sorted); a located error when the units table has no such column."""
        if attribute not in self.groups:
            if attribute not in self.units.columns:
                raise DataError(
                    [
                        error(
                            "D060",
                            f"the units table has no column `{attribute}`, which the framework groups by",
                            None,
                            f"add a `{attribute}` column to the units table",
                        )
                    ]
                )
            codes, uniques = pd.factorize(self.units[attribute].replace("", pd.NA), sort=True)
            self.groups[attribute] = (codes.astype(np.intp), np.asarray(uniques, dtype=object))
        return self.groups[attribute]


#: Rows laid out at a time: the index arrays of a block stay a few MB, whatever the data's size.
BLOCK_ROWS = 1 << 20


def _frequency_arrays(
    ds: Dataset, unit_ids: np.ndarray, labels: list[str], frequency: str
) -> FrequencyArrays:
    """Lay the measures of one frequency out, from the columns' integer codes: each distinct label
    is looked up once, and the long table is read a block of rows at a time, never copied."""
    ords = [period_ordinal(p) for p in labels]
    lo, hi = min(ords), max(ords)
    periods = [period_label(o, frequency) for o in range(lo, hi + 1)]
    meas = ds.measures
    period_code, period_labels = _codes(meas["period"])
    unit_code, unit_labels = _codes(meas["unit_id"])
    m_code, m_labels = _codes(meas["measure"])
    k_code, k_labels = _codes(meas["key"])
    value = meas["value"].to_numpy(dtype=np.float64)
    # per label: its place on the grid (-1: another frequency's period); a missing cell is -1.
    # Small integer types: each is gathered once per row.
    period_of = np.append(pd.Index(periods).get_indexer(pd.Index(period_labels)), -1)
    unit_of = np.append(pd.Index(unit_ids).get_indexer(pd.Index(unit_labels)), -1)
    n_pairs = len(m_labels) * len(k_labels)
    # per (measure, key) code pair, its rank in sorted order (one array: one gather per row)
    pair_rank = (_ranks(m_labels)[:, None] * len(k_labels) + _ranks(k_labels)[None, :]).ravel()
    cell_type = np.int64 if len(unit_ids) * len(periods) * max(n_pairs, 1) >= 2**31 else np.int32
    period_of, unit_of, pair_rank = (a.astype(cell_type) for a in (period_of, unit_of, pair_rank))

    def own_rows(block: slice) -> slice | np.ndarray:
        """The rows of a block at this frequency (the block itself when all are)."""
        own = period_of[period_code[block]] >= 0
        return block if own.all() else np.flatnonzero(own) + block.start

    def pairs(rows: slice | np.ndarray) -> np.ndarray:
        """The rows' (measure, key) pairs, as their rank in sorted order."""
        pair: np.ndarray = m_code[rows].astype(cell_type)
        pair *= len(k_labels)
        pair += k_code[rows]
        return pair_rank[pair]

    blocks = [slice(s, min(s + BLOCK_ROWS, len(value))) for s in range(0, len(value), BLOCK_ROWS)]
    # the (measure, key) pairs this frequency has, in sorted order: one column each
    present = np.zeros(n_pairs, dtype=bool)
    for block in blocks:
        present[pairs(own_rows(block))] = True
    pair_uniques = np.flatnonzero(present)
    column_of_pair = (np.cumsum(present) - 1).astype(cell_type)
    values = np.full((len(unit_ids), len(periods), len(pair_uniques)), np.nan)
    flat = values.reshape(-1)  # a view: each row's value goes to one cell
    for block in blocks:
        rows = own_rows(block)
        place = unit_of[unit_code[rows]]
        place *= len(periods)
        place += period_of[period_code[rows]]
        place *= len(pair_uniques)
        place += column_of_pair[pairs(rows)]
        flat[place] = value[rows]
    m_sorted, k_sorted = np.sort(m_labels), np.sort(k_labels)
    columns = {
        (str(m_sorted[c // len(k_labels)]), str(k_sorted[c % len(k_labels)])): i
        for i, c in enumerate(pair_uniques)
    }
    return FrequencyArrays(periods, lo, values, columns)


def _dataset_cache(ds: Dataset) -> dict[Any, Any]:
    """The numpy engine's part of the dataset's cache: its layouts, kept while the dataset lives."""
    cache: dict[Any, Any] = ds.cache.setdefault("numpy", {})
    return cache


def laid_out_frequencies(ds: Dataset) -> set[str]:
    """The frequencies ``ds`` has been laid out for (and kept) so far."""
    return {key[1] for key in ds.cache.get("numpy", {}) if key[0] == "arrays"}


def prepare(ds: Dataset, frequency: str) -> DataArrays:
    """Lay the dataset out as arrays (kept while the dataset lives: done once per frequency)."""
    cache = _dataset_cache(ds)
    cached: DataArrays | None = cache.get(("arrays", frequency))
    if cached is not None:
        return cached
    other_frequency = "year" if frequency == "quarter" else "quarter"
    own_labels, other_labels = ds.periods(frequency), ds.periods(other_frequency)
    if not own_labels and not other_labels:  # pragma: no cover - validation requires periods
        raise DataError([error("D050", "the data has no periods", None, "add measures")])
    unit_ids = ds.units["unit_id"].to_numpy(dtype=object)

    def layout(labels: list[str], freq: str) -> FrequencyArrays | None:  # each laid out once
        if not labels:
            return None
        if ("layout", freq) not in cache:
            cache[("layout", freq)] = _frequency_arrays(ds, unit_ids, labels, freq)
        cached_layout: FrequencyArrays = cache[("layout", freq)]
        return cached_layout

    own = layout(own_labels, frequency)
    other = layout(other_labels, other_frequency)
    # the grid spans both, in this frequency
    spans = []
    if own is not None:
        spans += [own.first, own.first + len(own.periods) - 1]
    if other is not None:
        a, b = other.first, other.first + len(other.periods) - 1
        spans += [a * 4, b * 4 + 3] if frequency == "quarter" else [a // 4, b // 4]
    lo, hi = min(spans), max(spans)
    periods = [period_label(o, frequency) for o in range(lo, hi + 1)]
    values = np.full((len(unit_ids), len(periods), 0), np.nan)
    columns: dict[tuple[str, str], int] = {}
    if own is not None and own.first == lo and len(own.periods) == len(periods):
        values, columns = own.values, own.columns  # the same span: shared, not copied
    elif own is not None:
        values = np.full((len(unit_ids), len(periods), own.values.shape[2]), np.nan)
        offset = own.first - lo
        values[:, offset : offset + len(own.periods), :] = own.values
        columns = own.columns
    if own_labels:
        present = np.isin(np.arange(lo, hi + 1), [period_ordinal(p) for p in own_labels])
    else:  # only the other frequency: report the periods it covers
        conv = {period_ordinal(p) // 4 if frequency == "year" else None for p in other_labels}
        if frequency == "quarter":
            conv = {o * 4 + q for p in other_labels for o in [period_ordinal(p)] for q in range(4)}
        present = np.isin(np.arange(lo, hi + 1), sorted(c for c in conv if c is not None))
    arrays = DataArrays(unit_ids, frequency, periods, present, values, columns, ds.units, other, lo)
    cache[("arrays", frequency)] = arrays
    return arrays


COMBINE = ("sum", "mean", "min", "max", "last", "count", "longest_run", "longest_run_false")


def combine_quarters(q: np.ndarray, how: str) -> np.ndarray:
    """Combine the quarters of each year: ``q`` has shape (U, years, 4, n) → (U, years, n).
    Missing quarters are skipped; a year with no quarter at all is missing."""
    seen = ~np.isnan(q)
    none = ~seen.any(axis=2)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing slices
        if how == "sum":
            out = np.nansum(q, axis=2)
        elif how == "mean":
            out = np.nanmean(q, axis=2)
        elif how == "min":
            out = np.nanmin(q, axis=2)
        elif how == "max":
            out = np.nanmax(q, axis=2)
        elif how == "count":
            out = np.sum(q == 1, axis=2).astype(np.float64)
        elif how == "last":
            last = 3 - np.argmax(seen[:, :, ::-1, :], axis=2)
            out = np.take_along_axis(q, last[:, :, None, :], axis=2)[:, :, 0, :]
        else:  # longest run of quarters that are true (1), or false (0)
            target = 0 if how == "longest_run_false" else 1
            run = np.zeros(q.shape[:2] + q.shape[3:])
            best = np.zeros_like(run)
            for k in range(q.shape[2]):
                run = np.where(q[:, :, k, :] == target, run + 1, 0)
                best = np.maximum(best, run)
            out = best
    return np.where(none, np.nan, out)


def _codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a column and its labels (a validated dataset's text columns are
    categorical: their codes are used as they are)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), np.asarray(column.cat.categories, dtype=object)
    codes, uniques = pd.factorize(column)
    return codes, np.asarray(uniques, dtype=object)


def _ranks(labels: np.ndarray) -> np.ndarray:
    """The position of each label in the labels sorted."""
    ranks = np.empty(len(labels), dtype=np.int64)
    ranks[np.argsort(labels, kind="stable")] = np.arange(len(labels))
    return ranks

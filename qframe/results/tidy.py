"""Tidy results: one row per unit × period × indicator, per unit × period totals, check findings;
and writing them (CSV, Parquet or JSON) with a manifest that makes a run reproducible.

Outputs are deterministic: the same definition, data and parameters give byte-identical files
(rows in a fixed order, no timestamps).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qframe.engines.base import Evaluation
from qframe.engines.numpy.plan import Plan
from qframe.errors.diagnostics import output_folder
from qframe.model.periods import QUARTER, normalise_period, year_of
from qframe.results.writer import write_for_people, write_manifest
from qframe.scoring.outcome import STATUS_LABELS, STATUS_OK, escalated_since, highest_level

FORMATS = ("csv", "parquet", "json")


@dataclass(frozen=True)
class Result:
    """The outcome of evaluating one framework on one dataset."""

    framework_id: str
    framework_version: str
    indicators: pd.DataFrame
    units: pd.DataFrame
    checks: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    #: For a framework paid at a level with ``apportion:``: its totals shared out to practices.
    apportioned: pd.DataFrame | None = None
    money_columns: frozenset[str] = frozenset()  # amounts of money (in CSV: to the penny)

    def to_frame(self, table: str = "indicators") -> pd.DataFrame:
        """A tidy table: ``indicators`` (default), ``units``, ``checks`` or ``apportioned``."""
        tables = {"indicators": self.indicators, "units": self.units, "checks": self.checks}
        if self.apportioned is not None:
            tables["apportioned"] = self.apportioned
        if table not in tables:
            raise ValueError(f"unknown table {table!r}: choose indicators, units or checks")
        return tables[table]

    def total(self, column: str = "payment", period: str | None = None) -> float:
        """Sum of a per-unit total over every unit in one **period**: the cost of the framework
        in a year. ``period`` is a financial year (``2015-16`` or ``2015/16``; a quarterly
        framework's year is the sum of its quarters) or one quarter (``2015-16Q4``). It may be
        left out when the result covers one year; ``period="all"`` sums every period the result
        has (stated, never implied). Missing values are skipped."""
        labels = self.units["period"].astype(str)
        years = sorted({year_of(p) for p in labels})
        if period is None:
            if len(years) > 1:
                raise ValueError(
                    f"this result covers {len(years)} years ({', '.join(years)}): give the period, "
                    f'e.g. total("{column}", period="{years[-1]}"), or period="all" to sum them all'
                )
            period = years[0] if years else "all"
        if period == "all":
            return float(self.units[column].sum())
        wanted = normalise_period(period)
        chosen = labels == wanted if QUARTER.match(wanted) else labels.map(year_of) == wanted
        if not chosen.any():
            raise ValueError(f"this result has no period {wanted} (it has {', '.join(years)})")
        return float(self.units.loc[chosen.to_numpy(), column].sum())

    def write(self, out: str | Path, fmt: str = "csv") -> list[Path]:
        """Write the three tables and manifest.json into folder ``out``; returns the paths."""
        folder = Path(out)
        output_folder(folder)
        written = []
        names = ["indicators", "units", "checks"]
        if self.apportioned is not None:
            names.append("apportioned")
        for name in names:
            # CSV to a stated precision (money to the penny, the rest to 6 places), then 12
            # significant digits: pennies up to £9,999,999,999.99, without float noise
            path = folder / f"{name}.{fmt}"
            written.append(write_for_people(self.to_frame(name), path, fmt, self.money_columns))
        manifest = write_manifest(self.manifest, folder / "manifest.json")
        written.append(manifest)
        return written


def tidy(
    plan: Plan, ev: Evaluation, manifest: dict[str, Any], only: Sequence[str] | None = None
) -> Result:
    fw = plan.framework
    data = ev.layout
    wanted = data.present & (np.isin(data.periods, list(only)) if only else True)
    keep = np.flatnonzero(wanted)
    # the periods kept as a slice when they follow each other: then each indicator value's
    # column is a view of the evaluation's array when every period is kept (no copy)
    along: slice | np.ndarray = keep
    if keep.size and keep[-1] - keep[0] + 1 == keep.size:
        along = slice(int(keep[0]), int(keep[-1]) + 1)
    periods = np.asarray(data.periods, dtype=object)[keep]
    U, P, n_ind = len(data.unit_ids), len(keep), len(plan.indicator_ids)
    unit_ids = data.unit_ids

    def cat(labels: np.ndarray, codes: np.ndarray) -> pd.Categorical:
        # categorical columns: compact and fast; written as plain text in CSV. The codes are
        # made below in range and in the smallest integer type pandas keeps: not checked again
        return pd.Categorical.from_codes(
            codes, categories=pd.Index(labels, dtype=object), validate=False
        )

    def numbered(count: int) -> np.ndarray:
        """0 .. count - 1 in the smallest integer type a categorical keeps for ``count`` labels."""
        return np.arange(count, dtype=np.min_scalar_type(-max(count, 1)))

    # ---- indicators: one row per unit × period × indicator
    n = U * P * n_ind
    u_codes = np.repeat(numbered(U), P * n_ind)
    p_codes = np.tile(np.repeat(numbered(P), n_ind), U)
    i_codes = np.tile(numbered(n_ind), U * P)
    ids = np.asarray(plan.indicator_ids, dtype=object)
    ind_cols: dict[str, Any] = {
        "framework": cat(np.array([fw.id], dtype=object), np.zeros(n, dtype=np.int8)),
        "framework_version": cat(np.array([fw.version], dtype=object), np.zeros(n, dtype=np.int8)),
        "unit_id": cat(unit_ids, u_codes),
        "period": cat(periods, p_codes),
        "indicator": cat(ids, i_codes),
    }
    for fld in ("title", "group", "domain", "kind"):
        labels, codes = np.unique(plan.indicator_strings[fld].astype(str), return_inverse=True)
        ind_cols[fld] = cat(labels.astype(object), codes.astype(i_codes.dtype)[i_codes])
    for fld in ("max_points", "lower", "upper"):
        ind_cols[fld] = plan.indicator_numbers[fld][i_codes]
    for name in plan.value_order:
        ind_cols[name] = ev.values[name][0][:, along, :].reshape(n)
    ind_cols["status"] = cat(
        np.asarray(STATUS_LABELS, dtype=object), ev.status[:, along, :].reshape(n)
    )
    indicators = pd.DataFrame(ind_cols, copy=False)
    if n_ind == 0:
        indicators = indicators.iloc[0:0]

    # ---- units: one row per unit × period
    m = U * P
    uu = np.repeat(np.arange(U), P)
    pp = np.tile(np.arange(P), U)
    unit_cols: dict[str, Any] = {
        "framework": np.full(m, fw.id, dtype=object),
        "framework_version": np.full(m, fw.version, dtype=object),
        "unit_id": unit_ids[uu],
        "period": periods[pp],
    }
    attributes = ["name", *plan.unit_attributes]
    for attr in (a for a in attributes if a in data.units.columns):
        labels, codes = np.unique(
            data.units[attr].fillna("").astype(str).to_numpy(), return_inverse=True
        )
        unit_cols[attr] = cat(labels.astype(object), codes[uu])
    for name, values in ev.totals.items():
        unit_cols[name] = values[:, keep].reshape(m)
    sizes = list_sizes(data)
    if sizes is not None and "list_size" not in ev.totals:
        unit_cols["list_size"] = sizes[:, keep].reshape(m)  # £ per patient needs no join
    if n_ind:
        unit_cols["indicators_not_ok"] = (ev.status[:, keep, :] != STATUS_OK).sum(axis=2).reshape(m)
    if plan.escalation:
        level, rules, since = _escalation(plan, ev, keep)
        unit_cols["escalation_level"] = level.reshape(m)
        unit_cols["escalation_rules"] = rules.reshape(m)
        unit_cols["escalated_since"] = since.reshape(m)
    units = pd.DataFrame(unit_cols)
    checks = _checks(plan, ev, keep, periods)
    # money written to the penny in CSV: the rules the framework pays (money.rounded, rounded
    # once by the engine) and the money totals; other money values (a value per point) are
    # rates, written to 6 places like every other number
    paid = (set(fw.rounded) | set(fw.totals)) & set(plan.money_values)
    return Result(
        fw.id, fw.version, indicators, units, checks, manifest, money_columns=frozenset(paid)
    )


def list_sizes(data: Any) -> np.ndarray | None:
    """Each unit's ``list_size`` per period of the layout (U, P): as recorded at the framework's
    frequency, or else converted from the other one (a year's list size holds in each of its
    quarters; a year takes the mean of its quarters). None when the data has no list_size."""
    key = ("list_size", "")
    if key in data.columns:
        return np.asarray(data.values[:, :, data.columns[key]], dtype=np.float64)
    other = data.other
    if other is None or key not in other.columns:
        return None
    column = np.asarray(other.values[:, :, other.columns[key]], dtype=np.float64)
    grid = np.arange(data.first, data.first + len(data.periods))
    if data.frequency == "quarter":
        at = grid // 4 - other.first
        ok = (at >= 0) & (at < column.shape[1])
        return np.where(ok[None, :], column[:, np.clip(at, 0, column.shape[1] - 1)], np.nan)
    at = grid[:, None] * 4 + np.arange(4)[None, :] - other.first  # (P, 4) quarters of each year
    ok = (at >= 0) & (at < column.shape[1])
    quarters = np.where(ok[None, :, :], column[:, np.clip(at, 0, column.shape[1] - 1)], np.nan)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a year with no quarter: missing
        return np.asarray(np.nanmean(quarters, axis=2), dtype=np.float64)


def _escalation(
    plan: Plan, ev: Evaluation, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fw = plan.framework
    U, P = len(ev.layout.unit_ids), len(ev.layout.periods)
    fired = [
        (ev.escalation[rule.id], plan.level_order.get(rule.level, -1)) for rule in fw.escalation
    ]
    level = highest_level(fired, (U, P))
    rules = np.full((U, P), "", dtype=object)
    for rule in fw.escalation:
        hit = ev.escalation[rule.id] == 1
        rules = np.where(hit, rules + np.where(rules == "", "", ";") + rule.id, rules)
    since_idx = escalated_since(level, len(fw.levels))
    labels = np.asarray([lv.id for lv in fw.levels] + [""], dtype=object)
    period_labels = np.asarray([*ev.layout.periods, ""], dtype=object)
    level_names = labels[np.where(level >= 0, level, len(fw.levels))]
    since = period_labels[np.where(since_idx >= 0, since_idx, len(ev.layout.periods))]
    return level_names[:, keep], rules[:, keep], since[:, keep]


def _checks(plan: Plan, ev: Evaluation, keep: np.ndarray, periods: np.ndarray) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for name, chk in plan.framework.checks.items():
        values = ev.checks[name][:, keep]
        for j, period in enumerate(periods):
            failing = np.flatnonzero(values[:, j] == 0)
            if failing.size == 0:
                continue
            if chk.per:
                codes, labels = ev.layout.group_labels(chk.per)
                subjects = sorted({str(labels[c]) for c in codes[failing] if c >= 0})
                per = chk.per
            else:
                subjects = [str(u) for u in ev.layout.unit_ids[failing]]
                per = (
                    plan.framework.unit
                    if plan.framework.level == "practice"
                    else plan.framework.level
                )
            for subject in subjects:
                rows.append(
                    {
                        "framework": plan.framework.id,
                        "check": name,
                        "severity": chk.severity,
                        "period": period,
                        "per": per,
                        "subject": subject,
                        "message": chk.message or chk.info.title or f"check {name} failed",
                    }
                )
    columns = ["framework", "check", "severity", "period", "per", "subject", "message"]
    return pd.DataFrame(rows, columns=columns)

"""Tidy results: one row per unit × period × indicator, per unit × period totals, check findings;
and writing them (CSV, Parquet or JSON) with a manifest that makes a run reproducible.

Outputs are deterministic: the same definition, data and parameters give byte-identical files
(rows in a fixed order, no timestamps).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qframe.check.compiler import Plan
from qframe.engines.base import Evaluation
from qframe.errors.diagnostics import output_folder
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

    def to_frame(self, table: str = "indicators") -> pd.DataFrame:
        """A tidy table: ``indicators`` (default), ``units`` or ``checks``."""
        tables = {"indicators": self.indicators, "units": self.units, "checks": self.checks}
        if table not in tables:
            raise ValueError(f"unknown table {table!r}: choose indicators, units or checks")
        return tables[table]

    def total(self, column: str = "payment") -> float:
        """Sum of a per-unit total over all units and periods (e.g. the cost of the framework)."""
        return float(self.units[column].sum())

    def write(self, out: str | Path, fmt: str = "csv") -> list[Path]:
        """Write the three tables and manifest.json into folder ``out``; returns the paths."""
        folder = Path(out)
        output_folder(folder)
        written = []
        for name in ("indicators", "units", "checks"):
            frame = self.to_frame(name)
            path = folder / f"{name}.{fmt}"
            if fmt == "csv":
                # 12 significant digits: pennies up to £9,999,999,999.99, without float noise
                frame.to_csv(path, index=False, lineterminator="\n", float_format="%.12g")
            elif fmt == "parquet":
                frame.to_parquet(path, index=False)
            elif fmt == "json":
                path.write_text(
                    frame.to_json(orient="records", indent=1, double_precision=10) + "\n",
                    encoding="utf-8",
                )
            else:
                raise ValueError(f"unknown format {fmt!r}")
            written.append(path)
        manifest = folder / "manifest.json"
        manifest.write_text(
            json.dumps(self.manifest, indent=2, sort_keys=True, default=str, ensure_ascii=False)
            + "\n",
            encoding="utf-8",
        )
        written.append(manifest)
        return written


def tidy(
    plan: Plan, ev: Evaluation, manifest: dict[str, Any], only: Sequence[str] | None = None
) -> Result:
    fw = plan.framework
    data = ev.layout
    wanted = data.present & (np.isin(data.periods, list(only)) if only else True)
    keep = np.flatnonzero(wanted)
    periods = np.asarray(data.periods, dtype=object)[keep]
    U, P, n_ind = len(data.unit_ids), len(keep), len(plan.indicator_ids)
    unit_ids = data.unit_ids

    def cat(labels: np.ndarray, codes: np.ndarray) -> pd.Categorical:
        # categorical columns: compact and fast; written as plain text in CSV
        return pd.Categorical.from_codes(codes, categories=pd.Index(labels, dtype=object))

    # ---- indicators: one row per unit × period × indicator
    n = U * P * n_ind
    u_codes = np.repeat(np.arange(U), P * n_ind)
    p_codes = np.tile(np.repeat(np.arange(P), n_ind), U)
    i_codes = np.tile(np.arange(n_ind), U * P)
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
        ind_cols[fld] = cat(labels.astype(object), codes[i_codes])
    for fld in ("max_points", "lower", "upper"):
        ind_cols[fld] = plan.indicator_numbers[fld][i_codes]
    for name in plan.value_order:
        ind_cols[name] = ev.values[name][0][:, keep, :].reshape(n)
    ind_cols["status"] = cat(
        np.asarray(STATUS_LABELS, dtype=object), ev.status[:, keep, :].reshape(n)
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
    if n_ind:
        unit_cols["indicators_not_ok"] = (ev.status[:, keep, :] != STATUS_OK).sum(axis=2).reshape(m)
    if plan.escalation:
        level, rules, since = _escalation(plan, ev, keep)
        unit_cols["escalation_level"] = level.reshape(m)
        unit_cols["escalation_rules"] = rules.reshape(m)
        unit_cols["escalated_since"] = since.reshape(m)
    units = pd.DataFrame(unit_cols)
    checks = _checks(plan, ev, keep, periods)
    return Result(fw.id, fw.version, indicators, units, checks, manifest)


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
                per = plan.framework.unit
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

"""A deterministic synthetic England-like dataset for QOF-style frameworks.

Calibrated to NHS Digital's published 2014-15 QOF totals (``qframe/reference_data``, OGL): the
national prevalence of each register, the national exception rate and achievement of each
indicator, and the share of practices earning organisational points. Practices get synthetic ids
(``S00001``) and names only: never a real practice's code or name.

Dispersion between practices (stated here, and a parameter of :func:`generate`):
- list sizes are log-normal with the England 2014-15 mean (7,304) and a coefficient of
  variation of 0.6;
- each practice's prevalence of each register is the national prevalence times a log-normal
  factor (sd 0.25 on the log scale);
- each practice's achievement rate on each indicator is Beta-distributed around the national
  rate, with concentration ``achievement_concentration`` (default 40).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from io import StringIO
from typing import Any

import numpy as np
import pandas as pd

from qframe.data import Dataset

MEAN_LIST_SIZE = 56_817_654 / 7_779  # England 2014-15, from the CCG tables


@dataclass(frozen=True)
class _Row:
    indicator: str
    group: str
    kind: str
    max_points: float
    points_england: float
    numerator: float
    denominator: float
    exceptions: float


@dataclass(frozen=True)
class Reference:
    indicators: pd.DataFrame
    groups: pd.DataFrame


def reference() -> Reference:
    def read(name: str) -> pd.DataFrame:
        text = files("qframe.reference_data").joinpath(name).read_text(encoding="utf-8")
        return pd.read_csv(StringIO(text), comment="#")

    return Reference(read("qof_2014_15_indicators.csv"), read("qof_2014_15_groups.csv"))


def generate(
    practices: int = 300,
    seed: int = 2015,
    periods: tuple[str, ...] = ("2014-15",),
    practices_per_cluster: tuple[int, int] = (4, 8),
    achievement_concentration: float = 40.0,
) -> Dataset:
    """A dataset of ``practices`` synthetic practices: units and QOF measures for each period."""
    rng = np.random.default_rng(seed)
    ref = reference()
    n = practices
    ids = np.array([f"S{i:05d}" for i in range(1, n + 1)], dtype=object)

    # list sizes: log-normal with the England mean, CV 0.6
    cv = 0.6
    sigma = np.sqrt(np.log(1 + cv**2))
    mu = np.log(MEAN_LIST_SIZE) - sigma**2 / 2
    list_size = np.maximum(500, np.round(rng.lognormal(mu, sigma, n))).astype(np.int64)

    # geography: clusters of 4-8 neighbouring practices, ~6 clusters a locality, 4 localities a CCG
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(int(rng.integers(practices_per_cluster[0], practices_per_cluster[1] + 1)))
    cluster_idx = np.repeat(np.arange(len(sizes)), sizes)[:n]
    locality_idx = cluster_idx // 6
    ccg_idx = locality_idx // 4
    deprivation = rng.integers(1, 6, n)
    units = pd.DataFrame(
        {
            "unit_id": ids,
            "name": [f"Synthetic Practice {i}" for i in range(1, n + 1)],
            "ccg": [f"CCG{c + 1:03d}" for c in ccg_idx],
            "locality": [f"LOC{c + 1:03d}" for c in locality_idx],
            "cluster": [f"CL{c + 1:03d}" for c in cluster_idx],
            "deprivation_quintile": deprivation.astype(str),
        }
    )

    groups = ref.groups.set_index("group")
    prevalence: dict[str, float] = {
        str(g): float(r) / float(ls)
        for g, r, ls in zip(groups.index, groups["register"], groups["list_size"], strict=True)
    }
    # The CCG tables publish no contraception (CON) register; assume 10% of the list (women 54 or
    # under prescribed contraception in the last year) so CON001 can be held.
    prevalence["CON"] = prevalence.get("CON") or 0.10
    frames = []
    for period in periods:
        rows: dict[str, list[np.ndarray]] = {"unit_id": [], "measure": [], "key": [], "value": []}

        def add(
            measure: str,
            key: str,
            values: np.ndarray,
            rows: dict[str, list[np.ndarray]] = rows,
        ) -> None:
            rows["unit_id"].append(ids)
            rows["measure"].append(np.full(n, measure, dtype=object))
            rows["key"].append(np.full(n, key, dtype=object))
            rows["value"].append(values.astype(np.float64))

        add("list_size", "", list_size)
        registers: dict[str, np.ndarray] = {}
        for group, prev in prevalence.items():
            if prev <= 0:
                continue
            factor = rng.lognormal(0.0, 0.25, n)
            p = np.clip(prev * factor, 0, 0.9)
            registers[group] = rng.binomial(list_size, p)
            add("register", group, registers[group])
        records: list[dict[str, Any]] = [
            {str(k): v for k, v in rec.items()} for rec in ref.indicators.to_dict("records")
        ]
        register_of: dict[str, float] = {
            str(g): float(r) for g, r in zip(groups.index, groups["register"], strict=True)
        }
        for rec in records:
            row = _Row(**rec)
            if row.kind == "register":
                continue
            if row.kind == "organisational":
                rate = row.points_england / (row.max_points * 7_779)
                met = (rng.random(n) < rate).astype(np.int64)
                add("numerator", row.indicator, met)
                add("denominator", row.indicator, np.ones(n))
                continue
            eligible_national = row.denominator + row.exceptions
            base = registers.get(row.group)
            if base is None or register_of.get(row.group, 0) == 0:  # a share of the list
                share = eligible_national / MEAN_LIST_SIZE / 7_779
                base = list_size
            else:
                share = eligible_national / register_of[row.group]
            eligible = rng.binomial(base, min(share, 1.0))
            exc_rate = row.exceptions / eligible_national if eligible_national else 0.0
            exceptions = rng.binomial(eligible, exc_rate)
            denominator = eligible - exceptions
            rate = row.numerator / row.denominator if row.denominator else 0.0
            k = achievement_concentration
            p = rng.beta(max(rate * k, 1e-3), max((1 - rate) * k, 1e-3), n)
            numerator = rng.binomial(denominator, p)
            add("numerator", row.indicator, numerator)
            add("denominator", row.indicator, denominator)
            add("exceptions", row.indicator, exceptions)
        frame = pd.DataFrame({k: np.concatenate(v) for k, v in rows.items()})
        frame.insert(1, "period", period)
        frames.append(frame)
    measures = pd.concat(frames, ignore_index=True)
    return Dataset.from_frames(units, measures, source=f"synthetic(practices={n}, seed={seed})")


def write(ds: Dataset, folder: str, fmt: str = "csv") -> None:
    """Write a dataset folder (units + measures)."""
    from pathlib import Path

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    measures = ds.measures.copy()
    if fmt == "parquet":
        ds.units.to_parquet(out / "units.parquet", index=False)
        measures.to_parquet(out / "measures.parquet", index=False)
        return
    ds.units.to_csv(out / "units.csv", index=False, lineterminator="\n")
    measures["value"] = measures["value"].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    measures.to_csv(out / "measures.csv", index=False, lineterminator="\n")

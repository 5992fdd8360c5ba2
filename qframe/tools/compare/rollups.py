"""Roll-ups: each framework's totals by region, CCG, locality and cluster."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

LEVELS = ("region", "ccg", "locality", "cluster")


def rollups_table(long: pd.DataFrame, labels: Sequence[str], baseline: str) -> pd.DataFrame:
    """One row per level (region, CCG, locality, cluster: those the data carry) × group ×
    framework: practices, patients, payment, payment per patient, the baseline's payment and the
    difference (its share of the baseline's), practices gaining and losing."""
    frames = []
    order = {label: i for i, label in enumerate(labels)}
    for level in LEVELS:
        if level not in long.columns or not (long[level].astype(str) != "").any():
            continue
        paid = long.assign(
            paid_list=long["list_size"].where(long["payment"].notna()),
            gaining=(long["movement"] == "gain"),
            losing=(long["movement"] == "loss"),
        )
        grouped = paid.groupby([level, "framework"], sort=True)
        out = pd.DataFrame(
            {
                "practices": grouped.size(),
                "patients": grouped["paid_list"].sum(min_count=1),
                "payment": grouped["payment"].sum(min_count=1),
                "baseline_payment": grouped["baseline_payment"].sum(min_count=1),
                "gaining": grouped["gaining"].sum(),
                "losing": grouped["losing"].sum(),
            }
        ).reset_index()
        out = out.rename(columns={level: "group"})
        out.insert(0, "level", level)
        frames.append(out)
    columns = [
        "level",
        "group",
        "framework",
        "practices",
        "patients",
        "payment",
        "payment_per_patient",
        "baseline",
        "baseline_payment",
        "difference",
        "relative_difference",
        "gaining",
        "losing",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)
    out["group"] = out["group"].astype(str)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["payment_per_patient"] = out["payment"] / out["patients"].where(out["patients"] > 0)
        out["difference"] = out["payment"] - out["baseline_payment"]
        out["relative_difference"] = out["difference"] / out["baseline_payment"].where(
            out["baseline_payment"] != 0
        )
    out["baseline"] = baseline
    out["rank"] = out["framework"].map(order)
    out["level_rank"] = out["level"].map({lv: i for i, lv in enumerate(LEVELS)})
    out = out.sort_values(["level_rank", "group", "rank"], kind="stable")
    for col in ("practices", "gaining", "losing"):
        out[col] = out[col].astype(np.int64)
    return out[columns].reset_index(drop=True)

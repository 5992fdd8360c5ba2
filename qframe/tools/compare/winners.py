"""Winners and losers: practices gaining or losing more than the threshold against the baseline."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qframe.tools.compare.comparison import FrameworkRun


def winners_losers_table(
    runs: Sequence[FrameworkRun], long: pd.DataFrame, baseline: str, share: float
) -> pd.DataFrame:
    """Per framework other than the baseline, practices gaining or losing more than ``share``:
    overall, by cluster and by deprivation quintile."""
    frames: list[pd.DataFrame] = []
    for run in runs:
        if run.label == baseline:
            continue
        f = long[long["framework"] == run.label]
        groupings: list[tuple[str, pd.Series]] = [("all", pd.Series("all", index=f.index))]
        for attr in ("cluster", "deprivation_quintile"):
            if (f[attr] != "").any():
                groupings.append((attr, f[attr]))
        mv = f["movement"]
        flags = pd.DataFrame(
            {
                "compared": (mv != "").to_numpy(),
                "gaining": (mv == "gain").to_numpy(),
                "losing": (mv == "loss").to_numpy(),
            },
            index=f.index,
        )
        money = f[["baseline_payment", "payment", "difference"]]
        for by, keys in groupings:
            key = keys.to_numpy(dtype=object)
            counts = flags.groupby(key, sort=True).sum()
            sizes = flags.groupby(key, sort=True).size()
            sums = money.groupby(key, sort=True).sum(min_count=1)
            compared = counts["compared"].to_numpy(dtype=np.int64)
            gaining = counts["gaining"].to_numpy(dtype=np.int64)
            losing = counts["losing"].to_numpy(dtype=np.int64)
            with np.errstate(divide="ignore", invalid="ignore"):
                gain_share = np.where(compared > 0, gaining / compared, np.nan)
                loss_share = np.where(compared > 0, losing / compared, np.nan)
            frames.append(
                pd.DataFrame(
                    {
                        "framework": run.label,
                        "baseline": baseline,
                        "threshold": share,
                        "by": by,
                        "group": [str(g) for g in counts.index],
                        "practices": sizes.reindex(counts.index).to_numpy(dtype=np.int64),
                        "compared": compared,
                        "gaining": gaining,
                        "losing": losing,
                        "within": compared - gaining - losing,
                        "gaining_share": gain_share,
                        "losing_share": loss_share,
                        "baseline_payment": sums["baseline_payment"].to_numpy(dtype=np.float64),
                        "payment": sums["payment"].to_numpy(dtype=np.float64),
                        "net_difference": sums["difference"].to_numpy(dtype=np.float64),
                    }
                )
            )
    columns = [
        "framework",
        "baseline",
        "threshold",
        "by",
        "group",
        "practices",
        "compared",
        "gaining",
        "losing",
        "within",
        "gaining_share",
        "losing_share",
        "baseline_payment",
        "payment",
        "net_difference",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]

"""The frameworks table (cost, payment per patient, practices flagged) and the escalation table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qframe.tools.compare.comparison import FrameworkRun
from qframe.tools.stats import gini


def framework_tables(
    runs: Sequence[FrameworkRun], long: pd.DataFrame, year: str, baseline: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The frameworks table (one row per framework: cost, payment per patient, Gini, flagged) and
    the escalation table (one row per framework × level: practices at that level)."""
    rows = []
    esc_rows = []
    base_total = float(long.loc[long["framework"] == baseline, "payment"].sum(min_count=1))
    for run in runs:
        f = long[long["framework"] == run.label]
        paid = f["payment"].notna()
        ppp = f["payment_per_patient"].to_numpy(dtype=np.float64)
        ok = ppp[~np.isnan(ppp)]
        total = float(f["payment"].sum(min_count=1))
        patients = float(f.loc[paid, "list_size"].sum())
        flagged = int(f["flagged"].fillna(False).sum()) if run.has_escalation else None
        rows.append(
            {
                "period": year,
                "framework": run.label,
                "id": run.framework.id,
                "version": run.framework.version,
                "title": run.framework.title,
                "frequency": run.frequency,
                "baseline": baseline,
                "practices": len(f),
                "practices_paid": int(paid.sum()),
                "patients": patients,
                "total_cost": total,
                "difference_from_baseline": total - base_total,
                "cost_per_patient": total / patients if patients else np.nan,
                "mean_payment_per_patient": float(ok.mean()) if ok.size else np.nan,
                "median_payment_per_patient": float(np.median(ok)) if ok.size else np.nan,
                "p10_payment_per_patient": float(np.percentile(ok, 10)) if ok.size else np.nan,
                "p90_payment_per_patient": float(np.percentile(ok, 90)) if ok.size else np.nan,
                "gini_payment_per_patient": gini(ok),
                "has_escalation": run.has_escalation,
                "flagged": flagged,
                "flag_rate": flagged / len(f) if flagged is not None and len(f) else np.nan,
            }
        )
        if run.has_escalation:
            known = f["escalation_rank"].notna()
            counts = f.loc[known, "escalation_rank"].astype(int).value_counts()
            for rank, level in enumerate(["", *run.levels]):
                count = int(counts.get(rank, 0))
                esc_rows.append(
                    {
                        "period": year,
                        "framework": run.label,
                        "level": level or "(not escalated)",
                        "rank": rank,
                        "practices": count,
                        "share": count / len(f) if len(f) else np.nan,
                    }
                )
    summary = pd.DataFrame(rows)
    summary["flagged"] = pd.array(summary["flagged"].tolist(), dtype="Int64")
    escalation = pd.DataFrame(
        esc_rows, columns=["period", "framework", "level", "rank", "practices", "share"]
    )
    return summary, escalation

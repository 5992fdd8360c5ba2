"""Equity by deprivation quintile, and the funnel plot of admission rates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qframe.tools.compare.comparison import FrameworkRun, totals_of

FUNNEL_TOTALS = ("admission_rate_per_1000", "national_upper_limit_per_1000")


def equity_table(runs: Sequence[FrameworkRun], long: pd.DataFrame) -> pd.DataFrame:
    """Per framework and deprivation quintile: practices, patients, payment, payment per patient
    (relative to the framework's average) and the share of practices flagged."""
    rows = []
    for run in runs:
        f = long[long["framework"] == run.label]
        paid = f[f["payment"].notna() & (f["list_size"] > 0)]
        overall = paid["payment"].sum() / paid["list_size"].sum() if len(paid) else np.nan
        for q, g in f.groupby("deprivation_quintile", sort=True):
            gp = g[g["payment"].notna() & (g["list_size"] > 0)]
            patients = float(gp["list_size"].sum())
            cost = float(gp["payment"].sum(min_count=1))
            ppp = cost / patients if patients else np.nan
            flagged = int(g["flagged"].fillna(False).sum()) if run.has_escalation else None
            rows.append(
                {
                    "framework": run.label,
                    "deprivation_quintile": str(q),
                    "practices": len(g),
                    "patients": patients,
                    "payment": cost,
                    "payment_per_patient": ppp,
                    "mean_payment_per_patient": float(g["payment_per_patient"].mean()),
                    "relative_to_average": ppp / overall if overall else np.nan,
                    "flagged": flagged,
                    "flag_rate": flagged / len(g) if flagged is not None and len(g) else np.nan,
                }
            )
    columns = [
        "framework",
        "deprivation_quintile",
        "practices",
        "patients",
        "payment",
        "payment_per_patient",
        "mean_payment_per_patient",
        "relative_to_average",
        "flagged",
        "flag_rate",
    ]
    out = pd.DataFrame(rows, columns=columns)
    out["flagged"] = pd.array(out["flagged"].tolist(), dtype="Int64")
    return out


def funnel_table(
    runs: Sequence[FrameworkRun], long: pd.DataFrame, year: str
) -> tuple[pd.DataFrame | None, str]:
    """Admission rates against list size, from the first framework with funnel-plot totals (as
    improving_together): its last period of the year (the year's last quarter when quarterly)."""
    run = next((r for r in runs if all(t in totals_of(r.framework) for t in FUNNEL_TOTALS)), None)
    if run is None:
        return None, (
            "No funnel plot: none of the frameworks compared reports admission rates with funnel "
            f"limits ({', '.join(FUNNEL_TOTALS)}; improving_together does)."
        )
    units = run.result.units
    periods = units["period"].astype(str)
    in_year = periods.str.startswith(year + "Q") if run.frequency == "quarter" else periods == year
    rows = units[in_year.to_numpy() & units["admission_rate_per_1000"].notna().to_numpy()]
    if rows.empty:
        return None, f"No funnel plot: {run.label} has no admission rates in {year}."
    last = max(rows["period"].astype(str))
    rows = rows[(rows["period"].astype(str) == last).to_numpy()]
    f = long[long["framework"] == run.label].set_index("unit_id")
    ids = rows["unit_id"].astype(str).to_numpy()
    rate = rows["admission_rate_per_1000"].to_numpy(np.float64)
    national = rows["national_upper_limit_per_1000"].to_numpy(np.float64)
    out = pd.DataFrame(
        {
            "framework": run.label,
            "period": last,
            "unit_id": ids,
            "name": f["name"].reindex(ids).to_numpy(dtype=object),
            "cluster": f["cluster"].reindex(ids).to_numpy(dtype=object),
            "list_size": f["list_size"].reindex(ids).to_numpy(np.float64),
            "admission_rate_per_1000": rate,
        }
    )
    for col in (
        "national_rate_per_1000",
        "national_upper_limit_per_1000",
        "cluster_rate_per_1000",
        "cluster_upper_limit_per_1000",
    ):
        if col in rows.columns:
            out[col] = rows[col].to_numpy(np.float64)
    out["above_national_limit"] = rate > national
    if "cluster_upper_limit_per_1000" in out.columns:
        out["above_cluster_limit"] = rate > out["cluster_upper_limit_per_1000"].to_numpy()
    out["escalation_level_in_year"] = f["escalation_level"].reindex(ids).to_numpy(dtype=object)
    out = out.sort_values(["list_size", "unit_id"], kind="stable").reset_index(drop=True)
    note = (
        f"Funnel plot from {run.label}, {last} (the last quarter of {year}): each practice's "
        "emergency admission rate per 1,000 patients against its list size, with the national "
        "rate and the national upper control limit."
    )
    return out, note

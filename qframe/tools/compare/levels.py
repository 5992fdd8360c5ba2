"""Frameworks lined up per level unit (issue 13): every framework's payments for the year, each
practice's (a level framework's through its apportionment) added up by a unit attribute — per PCN,
cluster, locality, CCG or region — so that a PCN scheme and a practice scheme are seen side by side
for each PCN. Payments and list sizes add up; payment per patient is recomputed from those sums,
never averaged. Practices without the attribute form the group ``(none)``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qframe.data.dataset import Dataset
from qframe.errors.diagnostics import DataError, error
from qframe.results.rollup import NONE
from qframe.tools.compare.comparison import Comparison


def by_level(comparison: Comparison, data: Dataset, attribute: str) -> pd.DataFrame:
    """One row per framework × value of ``attribute``: practices, patients, payment, payment per
    patient, and the baseline's payment with the difference."""
    units = data.units
    if attribute not in units.columns:
        raise DataError(
            [
                error(
                    "D060",
                    f"the units table has no column `{attribute}` to line the frameworks up by",
                    None,
                    f"add a `{attribute}` column to the units table",
                )
            ]
        )
    groups = units[attribute].astype("string").fillna("").replace("", NONE)
    group_of = pd.Series(groups.to_numpy(), index=units["unit_id"].astype(str))
    long = comparison.practices
    frame = pd.DataFrame(
        {
            "framework": long["framework"].astype(str).to_numpy(),
            attribute: group_of.reindex(long["unit_id"].astype(str)).to_numpy(),
            "list_size": long["list_size"].to_numpy(dtype=np.float64),
            "payment": long["payment"].to_numpy(dtype=np.float64),
        }
    )
    grouped = frame.groupby(["framework", attribute], sort=False)
    out = grouped.agg(
        practices=("payment", "size"),
        patients=("list_size", "sum"),
        payment=("payment", lambda v: v.sum(min_count=1)),
    ).reset_index()
    out["payment"] = out["payment"].round(2)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["payment_per_patient"] = np.where(
            out["patients"] > 0, out["payment"] / out["patients"], np.nan
        )
    base = out[out["framework"] == comparison.baseline].set_index(attribute)["payment"]
    out["baseline_payment"] = base.reindex(out[attribute]).to_numpy()
    out["difference"] = (out["payment"] - out["baseline_payment"]).round(2)
    order = {label: i for i, label in enumerate(comparison.frameworks["framework"])}
    out["order"] = out["framework"].map(order)
    out = out.sort_values(["order", attribute], kind="stable").drop(columns="order")
    return out.reset_index(drop=True)


__all__ = ["by_level"]

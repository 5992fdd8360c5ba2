"""Agreement between frameworks: rank correlations, flag overlaps and mismatches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from qframe.tools.compare.comparison import FrameworkRun
from qframe.tools.compare.ranking import spearman


def agreement_table(runs: Sequence[FrameworkRun], long: pd.DataFrame) -> pd.DataFrame:
    """One row per pair of frameworks: Spearman's rank correlations of payment and payment per
    patient, and (when both escalate) practices flagged by both, by one only, by neither."""
    by_fw = {r.label: long[long["framework"] == r.label].reset_index(drop=True) for r in runs}
    rows = []
    for i, a in enumerate(runs):
        for b in runs[i + 1 :]:
            fa, fb = by_fw[a.label], by_fw[b.label]
            pa, pb = fa["payment"].to_numpy(np.float64), fb["payment"].to_numpy(np.float64)
            qa = fa["payment_per_patient"].to_numpy(np.float64)
            qb = fb["payment_per_patient"].to_numpy(np.float64)
            row: dict[str, Any] = {
                "framework_a": a.label,
                "framework_b": b.label,
                "practices": int((~(np.isnan(pa) | np.isnan(pb))).sum()),
                "spearman_payment": spearman(pa, pb),
                "spearman_payment_per_patient": spearman(qa, qb),
            }
            if a.has_escalation and b.has_escalation:
                known = (fa["flagged"].notna() & fb["flagged"].notna()).to_numpy()
                xa = fa["flagged"].fillna(False).to_numpy(dtype=bool) & known
                xb = fb["flagged"].fillna(False).to_numpy(dtype=bool) & known
                both, only_a, only_b = (
                    int((xa & xb).sum()),
                    int((xa & ~xb).sum()),
                    int((~xa & xb).sum()),
                )
                either = both + only_a + only_b
                row.update(
                    flagged_both=both,
                    flagged_only_a=only_a,
                    flagged_only_b=only_b,
                    flagged_neither=int(known.sum()) - either,
                    flag_jaccard=both / either if either else np.nan,
                )
            else:
                row.update(
                    flagged_both=None,
                    flagged_only_a=None,
                    flagged_only_b=None,
                    flagged_neither=None,
                    flag_jaccard=np.nan,
                )
            rows.append(row)
    columns = [
        "framework_a",
        "framework_b",
        "practices",
        "spearman_payment",
        "spearman_payment_per_patient",
        "flagged_both",
        "flagged_only_a",
        "flagged_only_b",
        "flagged_neither",
        "flag_jaccard",
    ]
    out = pd.DataFrame(rows, columns=columns)
    for col in ("flagged_both", "flagged_only_a", "flagged_only_b", "flagged_neither"):
        out[col] = pd.array(out[col].tolist(), dtype="Int64")
    return out


def mismatches_table(
    runs: Sequence[FrameworkRun], long: pd.DataFrame, baseline: str
) -> pd.DataFrame:
    """Practices one framework underpays (bottom payment-per-patient quintile) that the other
    escalates: the baseline against each other framework, both ways."""
    by_fw = {r.label: long[long["framework"] == r.label].reset_index(drop=True) for r in runs}
    has_esc = {r.label: r.has_escalation for r in runs}
    base = by_fw[baseline]
    columns = [
        "direction",
        "underpaid_by",
        "escalated_by",
        "unit_id",
        "name",
        "cluster",
        "deprivation_quintile",
        "list_size",
        "payment_per_patient",
        "payment_per_patient_quintile",
        "escalation_level",
    ]
    rows: list[pd.DataFrame] = []
    for run in runs:
        if run.label == baseline:
            continue
        other = by_fw[run.label]
        cases = (
            ("baseline underpays, other escalates", baseline, run.label, base, other),
            ("other underpays, baseline escalates", run.label, baseline, other, base),
        )
        for direction, under_label, esc_label, under, esc in cases:
            if not has_esc[esc_label]:
                continue
            hit = (under["payment_per_patient_quintile"] == 1).fillna(False).to_numpy(
                dtype=bool
            ) & esc["flagged"].fillna(False).to_numpy(dtype=bool)
            picked = under.loc[hit, [c for c in columns[3:-2]]].copy()
            picked.insert(0, "direction", direction)
            picked.insert(1, "underpaid_by", under_label)
            picked.insert(2, "escalated_by", esc_label)
            picked["payment_per_patient_quintile"] = 1
            picked["escalation_level"] = esc.loc[hit, "escalation_level"].to_numpy(dtype=object)
            rows.append(picked)
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]

"""The practices table: one row per practice × framework for the year compared."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qframe.data.dataset import Dataset
from qframe.tools.compare.comparison import MONEY, FrameworkRun
from qframe.tools.compare.ranking import quintiles
from qframe.tools.compare.selection import quarters_of

ATTRIBUTES = ("name", "cluster", "ccg", "deprivation_quintile", "region", "locality")


def list_sizes(ds: Dataset, year: str) -> pd.Series:
    """The dataset's list_size for the year (or the mean of its quarters when the data only has
    quarterly list sizes), by unit_id."""
    m = ds.measures
    rows = m[(m["measure"] == "list_size").to_numpy() & (m["key"] == "").to_numpy()]
    yearly = rows[(rows["period"] == year).to_numpy()]
    if len(yearly):
        return pd.Series(
            yearly["value"].to_numpy(dtype=np.float64), index=yearly["unit_id"].astype(str)
        )
    quarterly = rows[rows["period"].isin(quarters_of(year)).to_numpy()]
    means = quarterly.groupby(quarterly["unit_id"].astype(str))["value"].mean()
    return means.astype(np.float64)


def union_of_rules(rules: pd.Series) -> str:
    """The escalation rules met in any of the quarters, in order of first appearance: "a;b"."""
    seen: list[str] = []
    for text in rules:
        seen.extend(r for r in str(text).split(";") if r and r not in seen)
    return ";".join(seen)


def year_of(run: FrameworkRun, year: str) -> pd.DataFrame:
    """One row per unit for the year: payment, points, escalation level and its rank (0 = none).
    A quarterly framework's payment and points are summed over its four quarters (missing when a
    quarter is missing); its escalation is the highest level reached in any quarter."""
    units = run.result.units
    periods = units["period"].astype(str)
    quarterly = run.frequency == "quarter"
    rows = units[periods.str.startswith(year + "Q").to_numpy() if quarterly else (periods == year)]
    ids = rows["unit_id"].astype(str).to_numpy()
    rank_of = {lv: i + 1 for i, lv in enumerate(run.levels)}
    frame = pd.DataFrame({"unit_id": ids, "payment": rows[MONEY].to_numpy(dtype=np.float64)})
    has_points = "points" in rows.columns
    if has_points:
        frame["points"] = rows["points"].to_numpy(dtype=np.float64)
    if run.has_escalation:
        levels = rows["escalation_level"].fillna("").astype(str).to_numpy()
        frame["rank"] = np.array([rank_of.get(v, 0) for v in levels], dtype=np.int64)
        frame["rules"] = rows["escalation_rules"].fillna("").astype(str).to_numpy(dtype=object)
    if quarterly:
        grouped = frame.groupby("unit_id", sort=True)
        agg = pd.DataFrame(
            {"payment": grouped["payment"].sum(min_count=1), "n": grouped["payment"].count()}
        )
        agg.loc[agg["n"] < 4, "payment"] = np.nan  # a year needs all four quarters paid
        if has_points:
            agg["points"] = grouped["points"].sum(min_count=1)
            agg.loc[grouped["points"].count() < 4, "points"] = np.nan
        if run.has_escalation:
            agg["rank"] = grouped["rank"].max()
            ruled = frame[frame["rules"] != ""]  # most units meet no rule: only the others
            union = ruled.groupby("unit_id", sort=True)["rules"].agg(union_of_rules)
            agg["rules"] = union.reindex(agg.index, fill_value="").astype(object)
        frame = agg.drop(columns="n").reset_index()
    out = frame.set_index("unit_id")
    if run.has_escalation:
        names = np.asarray(["", *run.levels], dtype=object)
        out["escalation_level"] = names[out["rank"].to_numpy()]
    return out


def practices_table(
    runs: Sequence[FrameworkRun], ds: Dataset, year: str, baseline: str, share: float
) -> pd.DataFrame:
    """The long table: one row per practice × framework for ``year``, with list size, payment,
    payment per patient and its quintile, points, escalation (level, rank, flagged and the rules
    met, ``a;b``), and the baseline's payment with the
    difference, the ratio and the movement (gain, loss, within) against ``share``."""
    units = ds.units
    ids = units["unit_id"].astype(str).to_numpy()
    n = len(ids)
    attrs = {
        a: units[a].astype("string").fillna("").to_numpy(dtype=object)
        if a in units.columns
        else np.full(n, "", dtype=object)
        for a in ATTRIBUTES
    }
    list_size = list_sizes(ds, year).reindex(ids).to_numpy(dtype=np.float64)
    per_fw: dict[str, pd.DataFrame] = {}
    for run in runs:
        per_fw[run.label] = year_of(run, year).reindex(ids)
    base_pay = per_fw[baseline]["payment"].to_numpy(dtype=np.float64)
    blocks = []
    for run in runs:
        f = per_fw[run.label]
        pay = f["payment"].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            ppp = np.where(list_size > 0, pay / list_size, np.nan)
            ratio = np.where(base_pay != 0, pay / base_pay, np.nan)
        ratio = np.where((base_pay == 0) & (pay == 0), 1.0, ratio)
        ratio = np.where((base_pay == 0) & (pay > 0), np.inf, ratio)
        diff = pay - base_pay
        known = ~np.isnan(ratio)
        movement = np.full(n, "", dtype=object)
        movement[known] = "within"
        movement[known & (ratio > 1 + share)] = "gain"
        movement[known & (ratio < 1 - share)] = "loss"
        if run.has_escalation:
            rank = pd.array(f["rank"].to_numpy(), dtype="Int64")
            level = f["escalation_level"].fillna("").to_numpy(dtype=object)
            rules = f["rules"].fillna("").to_numpy(dtype=object)
            flagged = pd.array(f["rank"].to_numpy() > 0, dtype="boolean")
            # a practice without a result for the year has no level either
            no_result = f["rank"].isna().to_numpy()
            rank[no_result] = pd.NA
            flagged[no_result] = pd.NA
        else:
            rank = pd.array([pd.NA] * n, dtype="Int64")
            level = np.full(n, "", dtype=object)
            rules = np.full(n, "", dtype=object)
            flagged = pd.array([pd.NA] * n, dtype="boolean")
        block = pd.DataFrame(
            {
                "period": np.full(n, year, dtype=object),
                "framework": np.full(n, run.label, dtype=object),
                "unit_id": ids,
                **attrs,
                "list_size": list_size,
                "payment": pay,
                "payment_per_patient": ppp,
                "payment_per_patient_quintile": pd.array(
                    np.where(np.isnan(ppp), 0, quintiles(ppp)), dtype="Int64"
                ),
                "points": f["points"].to_numpy(dtype=np.float64)
                if "points" in f.columns
                else np.full(n, np.nan),
                "escalation_level": level,
                "escalation_rank": rank,
                "flagged": flagged,
                "escalation_rules": rules,
                "baseline": np.full(n, baseline, dtype=object),
                "baseline_payment": base_pay,
                "difference": diff,
                "ratio": ratio,
                "movement": movement,
            }
        )
        q = block["payment_per_patient_quintile"]
        block.loc[q == 0, "payment_per_patient_quintile"] = pd.NA
        blocks.append(block)
    out = pd.concat(blocks, ignore_index=True)
    text_columns = ("period", "framework", "unit_id", *ATTRIBUTES, "escalation_level")
    for col in (*text_columns, "escalation_rules", "baseline"):
        out[col] = out[col].astype(object)
    out["movement"] = out["movement"].astype(object)
    return out

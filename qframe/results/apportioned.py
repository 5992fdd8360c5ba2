"""The apportioned table: a level framework's totals shared out to its member practices.

One row per member practice × period: the practice (``unit_id``), its level unit, its weight (a
measure of the practice, e.g. ``list_size``; a quarterly framework reads a yearly weight for each
quarter of its year), its ``share`` of the level's weight, and each apportioned total, shared by
:func:`qframe.scoring.apportion.largest_remainder` so that the practices' amounts add up to the
level unit's exactly, to the penny. A level unit's missing total leaves its practices' shares
missing. A weight of zero for a whole level unit with money to share (D084), or a member's
weight missing or negative (D086), is an error: money is never dropped silently.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from qframe.data.dataset import Dataset
from qframe.data.levels import member_table
from qframe.errors.diagnostics import DataError, error
from qframe.model import definition as m
from qframe.results.tidy import Result
from qframe.scoring.apportion import apportion_pounds


def practice_weights(practices: Dataset, measure: str, periods: list[str]) -> pd.DataFrame:
    """Each practice's weight per period: ``unit_id``, ``period``, ``weight``."""
    meas = practices.measures
    meas = meas[meas["measure"].isin([measure]).to_numpy()]  # filter first, convert what is kept
    meas = meas[(meas["key"].astype(str) == "").to_numpy()]
    found = pd.Series(
        meas["value"].to_numpy(dtype=np.float64),
        index=pd.MultiIndex.from_arrays(
            [meas["unit_id"].astype(str).to_numpy(), meas["period"].astype(str).to_numpy()]
        ),
    )
    out = []
    for period in periods:
        year = period[:7]  # 2014-15Q1 → 2014-15: a yearly weight holds for its quarters
        for label in dict.fromkeys((period, year)):
            part = found[found.index.get_level_values(1) == label]
            if len(part):
                out.append(
                    pd.DataFrame(
                        {
                            "unit_id": part.index.get_level_values(0),
                            "period": period,
                            "weight": part.to_numpy(),
                        }
                    )
                )
                break
    if not out:
        return pd.DataFrame(columns=["unit_id", "period", "weight"])
    return pd.concat(out, ignore_index=True)


def apportioned(units: pd.DataFrame, data: Dataset, rule: m.Apportionment) -> pd.DataFrame:
    """Share each level unit's totals (``units``: the level results' units table) out to its
    member practices (``data``: the level dataset, which knows its practices)."""
    assert data.practices is not None, "apportionment needs data brought to a level"
    level = data.level
    members = member_table(data).rename(columns={"level_unit": level})
    periods = sorted(set(units["period"].astype(str)))
    weights = practice_weights(data.practices, rule.by, periods)
    rows = members.merge(pd.DataFrame({"period": periods}), how="cross")
    rows = rows.merge(weights, on=["unit_id", "period"], how="left")
    amounts = units.assign(period=units["period"].astype(str)).set_index(["unit_id", "period"])
    outputs: dict[str, np.ndarray] = {name: np.full(len(rows), np.nan) for name in rule.totals}
    share = np.full(len(rows), np.nan)
    all_weights = rows["weight"].to_numpy(dtype=np.float64)
    all_practices = rows["unit_id"].to_numpy(dtype=object)
    groups: dict[Any, Any] = dict(rows.groupby([level, "period"], sort=True).indices)
    for (unit, period), index in groups.items():
        if (unit, period) not in amounts.index:
            continue
        w = all_weights[index]
        money = {name: _pounds(amounts.loc[(unit, period), name]) for name in rule.totals}
        if all(math.isnan(v) for v in money.values()):
            continue
        practices = all_practices[index].tolist()
        bad = np.isnan(w) | (w < 0)
        if bad.any():
            raise DataError(
                [
                    error(
                        "D086",
                        f"practice {practices[int(np.argmax(bad))]} of {level} {unit} has no usable "
                        f"`{rule.by}` in {period} to share the {level}'s payment by",
                        None,
                        f"give every member practice a `{rule.by}` of 0 or more for each period",
                    )
                ]
            )
        if w.sum() == 0:
            if all(v == 0 or math.isnan(v) for v in money.values()):
                continue
            raise DataError(
                [
                    error(
                        "D084",
                        f"the `{rule.by}` of every practice of {level} {unit} is 0 in {period}: "
                        f"its payment cannot be shared out",
                        None,
                        f"correct the practices' `{rule.by}`, or apportion by another measure",
                    )
                ]
            )
        share[index] = w / w.sum()
        for name, amount in money.items():
            if not math.isnan(amount):
                outputs[name][index] = apportion_pounds(amount, w.tolist())
    rows["share"] = share
    for name, values in outputs.items():
        rows[name] = values
    rows = rows.rename(columns={"weight": rule.by})
    attributes = data.practices.units.assign(unit_id=data.practices.units["unit_id"].astype(str))
    attributes = attributes.drop(columns=[c for c in (level,) if c in attributes.columns])
    rows = rows.merge(attributes, on="unit_id", how="left")
    return rows.sort_values(["unit_id", "period"], kind="stable").reset_index(drop=True)


def _pounds(value: Any) -> float:
    return float(value)


def at_level(result: Result, data: Dataset, fw: m.FrameworkDef) -> Result:
    """A level framework's result: its units table lists each level unit's member practices, and
    with ``apportion:`` the apportioned table shares its totals out to them."""
    if data.level == "practice":
        return result
    members = data.units.set_index("unit_id")["members"]
    units = result.units.copy()
    position = list(units.columns).index("period") + 1 if "period" in units.columns else 1
    units.insert(position, "members", members.reindex(units["unit_id"].astype(str)).to_numpy())
    table = apportioned(units, data, fw.apportion) if fw.apportion is not None else None
    return replace(result, units=units, apportioned=table)


__all__ = ["apportioned", "at_level", "practice_view", "practice_weights"]


def practice_view(result: Result, level: str) -> Result:
    """A level framework's result seen per practice, for lining it up with practice frameworks:
    its units table is the apportioned table (each practice's share of its level unit's
    apportioned totals), with the level unit's escalation; its other totals, which do not share
    out, are left out."""
    if result.apportioned is None:
        raise DataError(
            [
                error(
                    "C010",
                    f"`{result.framework_id}` pays each {level} and does not apportion its payment "
                    "to practices, so it cannot be lined up per practice",
                    None,
                    "add `apportion: {by: list_size}` to the framework, or compare it per "
                    f"{level} with Framework.rollup",
                )
            ]
        )
    shares = result.apportioned
    level_units = result.units.assign(
        unit_id=result.units["unit_id"].astype(str), period=result.units["period"].astype(str)
    )
    carried = [
        c for c in ("escalation_level", "escalation_rules", "escalated_since") if c in level_units
    ]
    units = shares.merge(
        level_units[["unit_id", "period", *carried]].rename(columns={"unit_id": level}),
        on=[level, "period"],
        how="left",
    )
    units.insert(0, "framework_version", result.framework_version)
    units.insert(0, "framework", result.framework_id)
    return replace(result, units=units)

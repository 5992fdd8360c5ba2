"""Explaining groups of practices (issue 13): a level unit's members and what each brought to it,
and a group (cluster, locality…) of a practice framework's units.

A level unit's own figures are explained like a practice's (they are its own: pooled inputs, its
rates recomputed from them); under them, ``members`` lists each member practice with its values of
the inputs the figure reads (what it contributed) and, with apportionment, its share of the
payment. A total is added up over a group only when it is additive (:func:`additive_totals`):
money, or a total written as a ``sum`` or ``count``; any other (a rate, a share, a mean, a
condition) is shown per member and never summed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from qframe.data.dataset import Dataset
from qframe.engines.base import Evaluation
from qframe.ir import kinds as t
from qframe.model import definition as m
from qframe.results.apportioned import apportioned
from qframe.results.rollup import additive_totals

GROUPS = ("pcn", "cluster", "locality", "ccg", "region", "hscp")


def node(
    name: str,
    kind: str,
    value: Any,
    note: str = "",
    money: bool = False,
    children: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """One step of an explanation, as :class:`qframe.tools.explain.Step` takes it."""
    return {
        "name": name,
        "kind": kind,
        "value": value,
        "note": note,
        "money": money,
        "children": children or [],
    }


def member_step(
    fw: m.FrameworkDef,
    data: Dataset,
    unit: str,
    period: str,
    indicator: str | None,
    amounts: dict[str, float],
) -> dict[str, Any]:
    """The members of level unit ``unit`` and what each contributed to its figures in ``period``
    (``amounts``: the unit's totals, shared out when the framework apportions them)."""
    practices = data.practices
    assert practices is not None
    row = data.units[data.units["unit_id"] == unit].iloc[0]
    members = [p for p in str(row["members"]).split(";") if p]
    keys = {""}
    if indicator is not None:
        keys.add(indicator)
        group = fw.indicators[indicator].group if indicator in fw.indicators else ""
        keys.add(group)
    wanted = {inp.data_name: inp for inp in fw.inputs.values()}
    meas = practices.measures
    rows = meas[
        meas["unit_id"].astype(str).isin(members).to_numpy()
        & (meas["period"].astype(str) == period).to_numpy()
        & meas["measure"].astype(str).isin(list(wanted)).to_numpy()
        & meas["key"].astype(str).isin(list(keys)).to_numpy()
    ]
    shares = None
    if fw.apportion is not None:
        units = pd.DataFrame([{"unit_id": unit, "period": period, **amounts}])
        table = apportioned(units, data, fw.apportion)
        shares = table[table[data.level] == unit].set_index("unit_id")
    step = node(
        "members",
        "group",
        len(members),
        note=f"{len(members)} practices of {fw.level} {unit}; its figures are made from theirs "
        "by each input's `across:` rule (rates recomputed from their parts, never summed)",
    )
    for practice in members:
        mine = rows[rows["unit_id"].astype(str) == practice]
        child = node(practice, "unit", len(mine), note="values contributed")
        if shares is not None and practice in shares.index:
            share = float(shares["share"].to_dict()[practice])
            by = fw.apportion.by if fw.apportion else ""
            child.update(value=share, note=f"share of the {fw.level}'s {by}")
        for measure, key, value in zip(mine["measure"], mine["key"], mine["value"], strict=True):
            rule = wanted[str(measure)].across
            label = f"{measure}({key})" if key else str(measure)
            child["children"].append(node(label, "input", float(value), note=f"across: {rule}"))
        if shares is not None and practice in shares.index:
            for name in fw.apportion.totals if fw.apportion else ():
                child["children"].append(
                    node(
                        f"{name} share",
                        "total",
                        float(shares[name].to_dict()[practice]),
                        note=f"apportioned by {fw.apportion.by if fw.apportion else ''}",
                        money=True,
                    )
                )
        step["children"].append(child)
    return step


def group_explanation(
    fw: Any, ev: Evaluation, arrays: Any, unit: str, period: str, ids: list[str]
) -> dict[str, Any] | None:
    """`--unit` naming a group of units (a cluster, a PCN of a practice framework…): each
    member's totals, added up only where additive; None when no group has that id."""
    units: pd.DataFrame = arrays.units
    kinds = {name: lowered.type.kind for name, lowered in fw.plan.totals.items()}
    additive = additive_totals(fw.definition, kinds)
    for attr in GROUPS:
        if attr in units.columns and (units[attr] == unit).any():
            members = units.loc[units[attr] == unit, "unit_id"].tolist()
            p = arrays.periods.index(period)
            step = node(f"{attr} {unit}", "group", len(members), note="members")
            for name in fw.definition.totals:
                values = ev.totals[name]
                kind = kinds.get(name, t.Kind.NUMBER)
                member_steps = [
                    node(
                        str(mid),
                        "unit",
                        float(values[ids.index(mid), p]),
                        money=kind is t.Kind.MONEY,
                    )
                    for mid in members
                ]
                if name in additive:
                    total: Any = float(np.nansum([s["value"] for s in member_steps]))
                    note = "sum over members"
                else:
                    total, note = None, "not additive (a rate, share or condition): not summed"
                step["children"].append(
                    node(
                        name,
                        "total",
                        total,
                        note=note,
                        children=member_steps,
                        money=kind is t.Kind.MONEY,
                    )
                )
            return step
    return None


__all__ = ["GROUPS", "group_explanation", "member_step", "node"]

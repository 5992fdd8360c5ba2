"""Practice data brought to a framework's level (issue 13): one unit per PCN, cluster, locality…

A framework that assesses and pays at a level (``level: pcn``) is evaluated on a dataset whose
units are the level's units, made here from the practice data once per dataset and level. Each
input says how its practices' values make the level's value (``across:``):

``sum``              counts and money: the members' values added up;
``share_of: W``      a rate or share, recomputed from its parts: sum(value × W) / sum(W) over the
                     members, W being a measure of each practice such as ``list_size`` — the pooled
                     rate, never an average of rates;
``min`` / ``max``    conditions: met by all / by any member;
``same``             a value every member records alike (e.g. a PCN-wide figure repeated on each
                     practice's rows): an error where members differ.

A member without a value is left out of its level unit's figure and said so (warning D085); a
level unit none of whose members has a value has none. The level's units table lists each unit's
``members`` (``;``-separated practice ids) and ``member_count``, and keeps each other attribute
(``ccg``, ``region``…) where all members share it, so that results roll up by it.

Bad input is never dropped silently: a units table without the level's column is an error (D080),
practices in no level unit a warning naming them (D081: their inputs are counted nowhere), a
practice listed in two level units an error (D082).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np
import pandas as pd

from qframe.data.dataset import Dataset
from qframe.data.validate import mask_problem
from qframe.errors.diagnostics import DataError, Diagnostic, Severity, error
from qframe.model import definition as m

MEMBERS_SEPARATOR = ";"
SHOWN = 5


def across_rules(fw: m.FrameworkDef) -> dict[str, tuple[str, str]]:
    """Each measure the framework's inputs read, with its rule (rule, weight measure)."""
    rules: dict[str, tuple[str, str]] = {}
    for inp in fw.inputs.values():
        rules.setdefault(inp.data_name, (inp.across or "sum", inp.across_weight))
    return rules


def at_level(ds: Dataset, fw: m.FrameworkDef) -> Dataset:
    """``ds`` (practice data) brought to ``fw``'s level; ``ds`` itself for a practice framework.
    Kept with the dataset: made once per level and rules. Data already at a level is brought
    again from its practices (another framework's rules may differ)."""
    if ds.level != "practice" and ds.practices is not None:
        ds = ds.practices  # data another framework brought to a level: start from its practices
    if fw.level == "practice":
        return ds
    if ds.level != "practice":
        raise DataError(
            [
                error(
                    "D080",
                    f"the data is at {ds.level} level; the framework pays at {fw.level} level",
                    None,
                    "evaluate on practice data: it is brought to the framework's level",
                )
            ]
        )
    rules = across_rules(fw)
    key = ("level", fw.level, tuple(sorted(rules.items())))
    cached: Dataset | None = ds.cache.get(key)
    if cached is None:
        cached = _build(ds, fw.level, rules)
        ds.cache[key] = cached
    return cached


def membership(ds: Dataset, attribute: str) -> tuple[pd.Series, list[Diagnostic]]:
    """Each practice's level unit (practices in none left out), and the warnings on the way; a
    located error when the units table lacks the attribute or lists a practice twice."""
    units = ds.units
    if attribute not in units.columns:
        raise DataError(
            [
                error(
                    "D080",
                    f"the units table has no column `{attribute}`, the level the framework "
                    f"assesses and pays at ({len(units)} practices, none placed in a {attribute})",
                    None,
                    f"add a `{attribute}` column to units.csv naming each practice's {attribute}",
                )
            ]
        )
    values = units[attribute].astype("string").fillna("").str.strip()
    several = values.str.contains(r"[;,|]", regex=True).to_numpy()
    if several.any():
        first = units["unit_id"][several].iloc[0]
        raise DataError(
            [
                mask_problem(
                    "D082",
                    f"{{n}} practice(s) are in more than one {attribute} at once "
                    f"({first} in {values[several].iloc[0]})",
                    "units",
                    several,
                    f"a practice is paid in one {attribute}: give each practice a single {attribute}",
                    first=first,
                )
            ]
        )
    none = (values == "").to_numpy()
    warnings: list[Diagnostic] = []
    if none.any():
        ids = units["unit_id"][none].astype(str).tolist()
        shown = ", ".join(ids[:SHOWN]) + (
            f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
        )
        warnings.append(
            mask_problem(
                "D081",
                f"{{n}} practice(s) are in no {attribute}: {shown}; their inputs are counted "
                f"nowhere and they are paid nothing by a {attribute}-level framework",
                "units",
                none,
                f"fill in their `{attribute}` if they belong to one",
                Severity.WARNING,
            )
        )
    member_of = pd.Series(values.to_numpy()[~none], index=units["unit_id"].astype(str)[~none])
    return member_of, warnings


def _build(ds: Dataset, attribute: str, rules: Mapping[str, tuple[str, str]]) -> Dataset:
    member_of, warnings = membership(ds, attribute)
    measures = ds.measures
    # filter first (on the columns as stored, often categorical), convert only what is kept
    keep = (
        measures["unit_id"].isin(member_of.index).to_numpy()
        & measures["measure"].isin(list(rules)).to_numpy()
    )
    kept = measures[keep]
    frame = pd.DataFrame(
        {
            "unit_id": kept["unit_id"].astype(str).to_numpy(),
            "period": kept["period"].astype(str).to_numpy(),
            "measure": kept["measure"].astype(str).to_numpy(),
            "key": kept["key"].astype(str).to_numpy(),
            "value": kept["value"].to_numpy(dtype=np.float64),
        }
    )
    frame["level"] = member_of.reindex(frame["unit_id"]).to_numpy()
    frame = frame[~np.isnan(frame["value"].to_numpy())]
    parts = []
    for measure, (rule, weight) in sorted(rules.items()):
        rows = frame[frame["measure"] == measure]
        if rows.empty:
            continue
        if rule == "share_of":
            rows = _weighted(ds, rows, weight, member_of, warnings)
        parts.append(_combine(rows, rule, measure))
    cols = ["unit_id", "period", "measure", "key", "value"]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)
    counts = member_of.value_counts()
    short = out["present"].to_numpy() < counts.reindex(out["unit_id"]).to_numpy()
    if short.any():
        first = out[short].iloc[0]
        warnings.append(
            Diagnostic(
                Severity.WARNING,
                "D085",
                f"{int(short.sum())} {attribute} × period × measure value(s) are made from some of "
                f"the {attribute}'s practices only, the others having no value (first: "
                f"{first['unit_id']} {first['period']} {first['measure']} {first['key']}: "
                f"{int(first['present'])} of {int(counts[first['unit_id']])} practices)",
                None,
                "the figures count the practices that have a value; fill in the others' if they exist",
            )
        )
    out = out[cols].sort_values(cols[:4], kind="stable").reset_index(drop=True)
    units = _level_units(ds.units, attribute, member_of)
    digest = hashlib.sha256(f"{ds.digest()}|{attribute}|{sorted(rules.items())}".encode())
    return Dataset(
        units,
        out,
        f"{ds.source} at {attribute} level",
        digest.hexdigest(),
        (*ds.warnings, *warnings),
        level=attribute,
        practices=ds,
    )


def _weighted(
    ds: Dataset,
    rows: pd.DataFrame,
    weight: str,
    member_of: pd.Series,
    warnings: list[Diagnostic],
) -> pd.DataFrame:
    """Rows of a rate or share with its value replaced by value × weight (the rate's part), and a
    ``weight`` column; members without a weight are left out, with a warning."""
    measures = ds.measures
    is_weight = (measures["measure"].astype(str) == weight).to_numpy() & (
        measures["key"].astype(str) == ""
    ).to_numpy()
    weights = pd.Series(
        measures["value"][is_weight].to_numpy(dtype=np.float64),
        index=pd.MultiIndex.from_arrays(
            [
                measures["unit_id"].astype(str)[is_weight].to_numpy(),
                measures["period"].astype(str)[is_weight].to_numpy(),
            ]
        ),
    )
    w = weights.reindex(pd.MultiIndex.from_arrays([rows["unit_id"], rows["period"]])).to_numpy()
    missing = np.isnan(w)
    if missing.any():
        first = rows[missing].iloc[0]
        warnings.append(
            Diagnostic(
                Severity.WARNING,
                "D085",
                f"{int(missing.sum())} value(s) of `{first['measure']}` have no `{weight}` to weight "
                f"them and are left out of their {member_of.get(first['unit_id'], '')} "
                f"figure (first: {first['unit_id']} {first['period']})",
                None,
                f"give each practice a `{weight}` for every period",
            )
        )
    rows = rows[~missing].copy()
    rows["weight"] = w[~missing]
    rows["value"] = rows["value"].to_numpy() * rows["weight"].to_numpy()
    return rows


def _combine(rows: pd.DataFrame, rule: str, measure: str) -> pd.DataFrame:
    grouped = rows.groupby(["level", "period", "key"], sort=True)
    present = grouped["value"].size()
    if rule in ("sum", "share_of"):
        value = grouped["value"].sum()
        if rule == "share_of":
            total = grouped["weight"].sum()
            with np.errstate(all="ignore"):
                value = value / total.where(total != 0)
    elif rule == "min":
        value = grouped["value"].min()
    elif rule == "max":
        value = grouped["value"].max()
    else:  # same
        value = grouped["value"].first()
        differ = grouped["value"].nunique() > 1
        if differ.any():
            level, period, key = differ[differ].index[0]
            seen = sorted(rows[(rows["level"] == level) & (rows["period"] == period)]["value"])
            raise DataError(
                [
                    error(
                        "D083",
                        f"the practices of {level} record different values of `{measure}`"
                        f"{' ' + key if key else ''} in {period} ({', '.join(f'{v:g}' for v in seen[:SHOWN])}), "
                        f"which `across: same` needs to be one value ({int(differ.sum())} case(s))",
                        None,
                        "correct the data, or say how they combine (`across: sum`, `max`, …)",
                    )
                ]
            )
    out = value.rename("value").reset_index().rename(columns={"level": "unit_id"})
    out["measure"] = measure
    out["present"] = present.to_numpy()
    return out


def _level_units(units: pd.DataFrame, attribute: str, member_of: pd.Series) -> pd.DataFrame:
    """One row per level unit: its members, and each attribute all its members share."""
    practices = units.assign(unit_id=units["unit_id"].astype(str)).set_index("unit_id")
    practices = practices.loc[member_of.index]
    groups = practices.groupby(member_of.to_numpy(), sort=True)
    table = pd.DataFrame({"unit_id": sorted(set(member_of))})
    table["name"] = table["unit_id"]
    members = (
        pd.Series(practices.index, index=member_of.to_numpy())
        .groupby(level=0)
        .agg(lambda ids: MEMBERS_SEPARATOR.join(sorted(ids)))
    )
    table["members"] = members.reindex(table["unit_id"]).to_numpy()
    table["member_count"] = groups.size().reindex(table["unit_id"]).to_numpy()
    for column in practices.columns:
        if column in (attribute, "name"):
            continue
        text = practices[column].astype("string").fillna("")
        grouped = text.groupby(member_of.to_numpy(), sort=True)
        shared = grouped.first().where(grouped.nunique() == 1, "")
        table[column] = shared.reindex(table["unit_id"]).to_numpy()
    return table


def member_table(ds: Dataset) -> pd.DataFrame:
    """For data at a level: one row per member practice (``unit_id``) with its level unit."""
    rows = [
        (practice, unit)
        for unit, members in zip(ds.units["unit_id"], ds.units["members"], strict=True)
        for practice in str(members).split(MEMBERS_SEPARATOR)
        if practice
    ]
    return pd.DataFrame(rows, columns=["unit_id", "level_unit"])


__all__ = ["MEMBERS_SEPARATOR", "across_rules", "at_level", "member_table", "membership"]

"""Why money moves: each framework's payment split into the parts it is made of.

A framework's ``payment`` total is read as a sum of terms (``retained_payment + report_payment``,
``core_payment + cqi_payment``, ``sum(payment, over=indicators)``). A term that names another
total is a component with that total's values; a term that sums the indicators' payments (or a
total that does, as ``retained_payment``) is split by the indicators' domain (clinical, public
health …). Whatever the parts do not account for (a term that is neither) is ``other``. The parts
add up to the payment of every practice, to the penny.

``practice_components`` is the long table (one row per practice × framework × component, for the
year compared); ``component_costs`` sums it per framework; ``drivers`` names, for each practice
and framework, the component furthest from what a typical practice of its size gets (the median
payment per patient of that component, times the practice's list size): the reason its payment
is high or low.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from qframe.language.ast import Binary, Call, Name, Node
from qframe.tools.compare.comparison import MONEY, FrameworkRun
from qframe.tools.compare.selection import quarters_of

OTHER = "other"


def terms_of(node: Node) -> list[Node]:
    """The terms of a sum: ``a + b + c`` → [a, b, c]; anything else is one term."""
    if isinstance(node, Binary) and node.op == "+":
        return [*terms_of(node.left), *terms_of(node.right)]
    return [node]


def sums_indicator_payments(node: Node) -> bool:
    """``sum(payment, over=indicators)``, also inside ``coalesce(…, £0)``."""
    if isinstance(node, Call) and node.func == "coalesce" and node.args:
        return sums_indicator_payments(node.args[0])
    return (
        isinstance(node, Call)
        and node.func == "sum"
        and len(node.args) == 1
        and isinstance(node.args[0], Name)
        and node.args[0].name == MONEY
        and any(k.name == "over" for k in node.kwargs)
    )


def payment_parts(run: FrameworkRun) -> list[tuple[str, str]]:
    """The framework's payment as (kind, name) parts: ("total", name) for a total,
    ("indicators", "") for the indicators' payments by domain."""
    totals = run.framework.definition.totals
    parts: list[tuple[str, str]] = []
    tree = totals[MONEY].expr.tree
    if tree is None:
        return [("total", MONEY)]
    for term in terms_of(tree):
        if sums_indicator_payments(term):
            parts.append(("indicators", ""))
        elif isinstance(term, Name) and term.name in totals and term.name != MONEY:
            inner = totals[term.name].expr.tree
            indicators = inner is not None and sums_indicator_payments(inner)
            parts.append(("indicators", "") if indicators else ("total", term.name))
        else:
            return [("total", MONEY)]  # not a plain sum: the payment is one part
    return parts


def year_rows(frame: pd.DataFrame, run: FrameworkRun, year: str) -> pd.DataFrame:
    """The rows of a result table in ``year`` (its four quarters for a quarterly framework)."""
    wanted = quarters_of(year) if run.frequency == "quarter" else [year]
    return frame[frame["period"].isin(wanted).to_numpy()]  # no text copy of a long column


def label_of(name: str) -> str:
    """A component's name for people: report_payment → report payment."""
    return name.replace("_", " ")


def practice_components(
    runs: Sequence[FrameworkRun], long: pd.DataFrame, year: str
) -> pd.DataFrame:
    """One row per practice × framework × component: the amount of the year's payment that
    component accounts for (a quarterly framework's quarters summed)."""
    frames = []
    for run in runs:
        f = long[long["framework"] == run.label]
        ids = f["unit_id"].astype(str).to_numpy()
        paid = f["payment"].to_numpy(dtype=np.float64)
        units = year_rows(run.result.units, run, year)
        amounts: dict[str, np.ndarray] = {}
        for kind, name in payment_parts(run):
            if kind == "total":
                by_unit = units.groupby(units["unit_id"].astype(str))[name].sum(min_count=1)
                amounts[label_of(name)] = by_unit.reindex(ids).to_numpy(dtype=np.float64)
                continue
            ind = year_rows(run.result.indicators, run, year)
            sums = ind.groupby(["domain", "unit_id"], observed=True, sort=True)[MONEY].sum()
            for part in sorted({str(p) for p in sums.index.get_level_values(0)}):
                by_unit = sums.xs(part, level=0)
                by_unit.index = by_unit.index.astype(str)
                values = by_unit.reindex(ids).fillna(0.0).to_numpy(dtype=np.float64)
                amounts[f"{label_of(part or 'other')} indicators"] = values
        accounted = np.sum(list(amounts.values()), axis=0) if amounts else np.zeros(len(ids))
        rest = paid - accounted
        if np.nanmax(np.abs(rest), initial=0.0) >= 0.005:
            amounts[OTHER] = rest
        for component, values in amounts.items():
            frames.append(
                pd.DataFrame(
                    {
                        "framework": run.label,
                        "unit_id": ids,
                        "component": component,
                        "amount": np.where(np.isnan(paid), np.nan, values),
                    }
                )
            )
    columns = ["framework", "unit_id", "component", "amount"]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def component_costs(parts: pd.DataFrame, long: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """One row per framework × component: its cost, share of the framework's cost, cost per
    patient, and how many practices get nothing from it."""
    sizes = long.drop_duplicates("unit_id").set_index("unit_id")["list_size"]
    rows = []
    for label in labels:
        f = parts[parts["framework"] == label]
        total = float(f["amount"].sum(min_count=1))
        for component, g in f.groupby("component", sort=False):
            cost = float(g["amount"].sum(min_count=1))
            patients = float(
                sizes.reindex(g["unit_id"]).where(g["amount"].notna().to_numpy()).sum()
            )
            rows.append(
                {
                    "framework": label,
                    "component": component,
                    "cost": cost,
                    "share_of_cost": cost / total if total else np.nan,
                    "cost_per_patient": cost / patients if patients else np.nan,
                    "practices_paid_nothing": int((g["amount"].fillna(0).abs() < 0.005).sum()),
                }
            )
    columns = [
        "framework",
        "component",
        "cost",
        "share_of_cost",
        "cost_per_patient",
        "practices_paid_nothing",
    ]
    return pd.DataFrame(rows, columns=columns)


def factors_of(node: Node) -> list[Node]:
    """The factors of a product: ``a * b * c`` → [a, b, c]."""
    if isinstance(node, Binary) and node.op == "*":
        return [*factors_of(node.left), *factors_of(node.right)]
    return [node]


def gates(run: FrameworkRun, year: str, component: str) -> pd.DataFrame:
    """For a component that is a total made as a product (``protected_value * released_share``),
    the factors that are totals between 0 and 1 (shares released), per practice: name, value and the framework's median (for
    a quarterly framework, the mean over the year's quarters)."""
    totals = run.framework.definition.totals
    name = component.replace(" ", "_")
    if name not in totals:
        return pd.DataFrame(columns=["unit_id", "gate", "gate_value", "gate_typical"])
    units = year_rows(run.result.units, run, year)
    frames = []
    tree = totals[name].expr.tree
    for factor in factors_of(tree) if tree is not None else []:
        if not (isinstance(factor, Name) and factor.name in totals and factor.name in units):
            continue
        values = units.groupby(units["unit_id"].astype(str))[factor.name].mean()
        if not values.dropna().between(0, 1).all():
            continue  # a gate is a share released (0 to 1), not an amount
        frames.append(
            pd.DataFrame(
                {
                    "unit_id": values.index.to_numpy(dtype=object),
                    "gate": label_of(factor.name),
                    "gate_value": values.to_numpy(dtype=np.float64),
                    "gate_typical": float(values.median()),
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["unit_id", "gate", "gate_value", "gate_typical"])
    both = pd.concat(frames, ignore_index=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        off = (both["gate_value"] / both["gate_typical"] - 1).abs()
    both = both[(off > 0.05).to_numpy()].assign(off=off)
    both = both.sort_values(["unit_id", "off"], ascending=[True, False], kind="stable")
    return both.drop_duplicates("unit_id").drop(columns="off")


def drivers(
    parts: pd.DataFrame, long: pd.DataFrame, runs: Sequence[FrameworkRun], year: str
) -> pd.DataFrame:
    """Per practice and framework: the component whose amount is furthest from a typical
    practice of the same list size (the component's median £ per patient × list size), with
    the amount, the typical amount and the gap (amount − typical); and, when that component is
    a product of totals, the factor (the gate) furthest from its median: its name, the
    practice's value and the median."""
    sizes = long.drop_duplicates("unit_id").set_index("unit_id")["list_size"]
    frame = parts.assign(list_size=sizes.reindex(parts["unit_id"]).to_numpy(dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        per_patient = frame["amount"] / frame["list_size"].where(frame["list_size"] > 0)
    medians = per_patient.groupby([frame["framework"], frame["component"]]).transform("median")
    frame["typical"] = medians * frame["list_size"]
    frame["gap"] = frame["amount"] - frame["typical"]
    frame["size"] = frame["gap"].abs()
    known = frame[frame["size"].notna()]
    order = known.sort_values(["framework", "unit_id", "size"], ascending=[True, True, False])
    top = order.drop_duplicates(["framework", "unit_id"], keep="first")
    top = top[["framework", "unit_id", "component", "amount", "typical", "gap"]]
    found = []
    for run in runs:
        mine = top[top["framework"] == run.label]
        for component in sorted(set(mine["component"])):
            g = gates(run, year, component)
            if len(g):
                found.append(g.assign(framework=run.label, component=component))
    columns = ["framework", "unit_id", "component", "amount", "typical", "gap", "gate"]
    if not found:
        out = top.assign(gate="", gate_value=np.nan, gate_typical=np.nan)
    else:
        out = top.merge(
            pd.concat(found, ignore_index=True),
            how="left",
            on=["framework", "unit_id", "component"],
        )
        out["gate"] = out["gate"].fillna("").astype(object)
    out = out[[*columns, "gate_value", "gate_typical"]]
    order_fw = {run.label: i for i, run in enumerate(runs)}
    out = out.assign(rank=out["framework"].map(order_fw)).sort_values(
        ["rank", "unit_id"], kind="stable"
    )
    return out.drop(columns="rank").reset_index(drop=True)

"""The measures a record query gives: each a sum of the query's tally (patients per practice,
kind, item and outcome), and the tally turned into the long measures table."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd

from qframe.engines.records.base import MEASURE_COLUMNS
from qframe.engines.records.scope import SCENARIO
from qframe.ir import records as rec

LIST, ON = -2, -1  # the tally's outcome for the list size and for a register


@dataclasses.dataclass(frozen=True)
class MeasureSpec:
    """A measure (``measure``, ``key``) as the sum of the tally's counts of ``kind``, ``item``
    over ``outcomes`` (an indicator's outcome is the index of the rule that fired, 0 for none)."""

    measure: str
    key: str
    kind: str
    item: str
    outcomes: tuple[int, ...]


def indicator_measures(name: str, rules: Sequence[rec.Rule]) -> list[MeasureSpec]:
    """numerator, denominator (net of exceptions), exceptions and exceptions by reason."""
    selects = tuple(i for i, r in enumerate(rules, start=1) if r.action == "select")
    exceptions = [
        i
        for i, r in enumerate(rules, start=1)
        if r.action == "reject" and r.category == "exception"
    ]
    specs = [
        MeasureSpec("numerator", name, "indicator", name, selects),
        MeasureSpec("denominator", name, "indicator", name, (0, *selects)),
        MeasureSpec("exceptions", name, "indicator", name, tuple(exceptions)),
    ]
    reasons: dict[str, list[int]] = {}
    for i in exceptions:
        reasons.setdefault(rules[i - 1].reason or f"rule{i}", []).append(i)
    specs += [
        MeasureSpec("exceptions_by_reason", f"{name}.{reason}", "indicator", name, tuple(indices))
        for reason, indices in reasons.items()
    ]
    return specs


def measures_from_tally(
    tally: pd.DataFrame,
    specs: list[MeasureSpec],
    period: str,
    units: list[str] | None = None,
    scenarios: int | None = None,
) -> pd.DataFrame:
    """The long measures table from the query's tally (patients per practice, [scenario,] kind,
    item and outcome): each measure the sum of its outcomes' counts, 0 where none. ``units``
    (default: those with a list size) and ``scenarios`` (a count) give the full grid.

    The tally's rows are matched to the measures by one join and summed into a dense
    (unit, scenario, measure) array: no per-measure column selection."""
    keys = ["unit_id", *([SCENARIO] if scenarios is not None else [])]
    if tally.empty:
        return pd.DataFrame(columns=[*keys[1:], *MEASURE_COLUMNS])
    unit_ids = tally["unit_id"].astype(str)
    if units is None:
        units = sorted(unit_ids[tally["kind"] == "list"].unique())
    wanted = pd.DataFrame(
        [
            (spec.kind, spec.item, outcome, j)
            for j, spec in enumerate(specs)
            for outcome in spec.outcomes
        ],
        columns=["kind", "item", "outcome", "spec"],
    ).astype({"outcome": "int64", "spec": "int64"})
    rows = pd.DataFrame(
        {
            "unit": pd.Index(units).get_indexer(pd.Index(unit_ids)),
            "scenario": tally[SCENARIO].astype("int64") if scenarios is not None else 0,
            "kind": tally["kind"].astype(str),
            "item": tally["item"].astype(str),
            "outcome": tally["outcome"].astype("int64"),
            "patients": tally["patients"].astype("float64"),
        }
    ).merge(wanted, on=["kind", "item", "outcome"])
    depth = scenarios if scenarios is not None else 1
    rows = rows[(rows["unit"] >= 0) & (rows["scenario"] >= 0) & (rows["scenario"] < depth)]
    values = np.zeros((len(units), depth, len(specs)))
    np.add.at(
        values,
        (rows["unit"].to_numpy(), rows["scenario"].to_numpy(), rows["spec"].to_numpy()),
        rows["patients"].to_numpy(),
    )
    unit_index, scenario_index, spec_index = (axis.ravel() for axis in np.indices(values.shape))
    columns: dict[str, object] = {}
    if scenarios is not None:
        columns[SCENARIO] = scenario_index.astype("int64")
    columns["unit_id"] = np.asarray(units, dtype=object)[unit_index]
    columns["period"] = period
    columns["measure"] = np.asarray([spec.measure for spec in specs], dtype=object)[spec_index]
    columns["key"] = np.asarray([spec.key for spec in specs], dtype=object)[spec_index]
    columns["value"] = values.ravel()
    return sort_measures(pd.DataFrame(columns), scenarios is not None)


def sort_measures(frame: pd.DataFrame, scenario: bool = False) -> pd.DataFrame:
    keys = [*([SCENARIO] if scenario else []), "unit_id", "measure", "key"]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)

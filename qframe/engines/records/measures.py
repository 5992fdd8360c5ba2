"""The measures a record query gives: each a sum of the query's tally (patients per practice,
kind, item and outcome), and the tally turned into the long measures table."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

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
    (default: those with a list size) and ``scenarios`` (a count) give the full grid."""
    keys = ["unit_id", *([SCENARIO] if scenarios is not None else [])]
    if tally.empty:
        return pd.DataFrame(columns=[*keys[1:], *MEASURE_COLUMNS])
    tally = tally.assign(unit_id=tally["unit_id"].astype(str))
    tally["outcome"] = tally["outcome"].astype(int)
    wide = tally.pivot_table(
        index=keys,
        columns=["kind", "item", "outcome"],
        values="patients",
        aggfunc="sum",
        fill_value=0,
    )
    if units is None:
        units = sorted(tally.loc[tally["kind"] == "list", "unit_id"].unique())
    grid = (
        pd.MultiIndex.from_product([units, range(scenarios)], names=keys)
        if scenarios is not None
        else pd.Index(units, name="unit_id")
    )
    wide = wide.reindex(grid, fill_value=0)
    present = set(wide.columns)
    columns = {}
    for j, spec in enumerate(specs):
        found = [
            (spec.kind, spec.item, o) for o in spec.outcomes if (spec.kind, spec.item, o) in present
        ]
        columns[j] = wide[found].sum(axis=1) if found else pd.Series(0, index=wide.index)
    values = pd.DataFrame(columns, index=wide.index).reset_index()
    long = values.melt(id_vars=keys, var_name="spec", value_name="value")
    long["measure"] = [specs[j].measure for j in long["spec"]]
    long["key"] = [specs[j].key for j in long["spec"]]
    long["period"] = period
    long["value"] = long["value"].astype(float)
    out = long[[*([SCENARIO] if scenarios is not None else []), *MEASURE_COLUMNS]]
    return sort_measures(out, scenarios is not None)


def sort_measures(frame: pd.DataFrame, scenario: bool = False) -> pd.DataFrame:
    keys = [*([SCENARIO] if scenario else []), "unit_id", "measure", "key"]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)

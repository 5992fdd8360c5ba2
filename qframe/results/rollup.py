"""Roll-ups: any framework's results added up by a unit attribute (CCG, locality, cluster,
region, PCN…), per period.

Only additive totals are added up (:func:`additive_totals`): money, and totals written as a
``sum(…)`` or ``count(…)`` — never a rate, share, mean or condition, which do not add (a CCG's rate
is not the sum of its practices' rates). Units without a value of the attribute are kept, as the
group ``(none)``: nothing is dropped. A framework paid at a level rolls up its level units by an
attribute all their members share (e.g. a PCN's CCG); with apportionment, its practices' shares
roll up by any practice attribute (the apportioned table carries them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from qframe.errors.diagnostics import DataError, error
from qframe.ir import kinds as t
from qframe.language import ast
from qframe.model import definition as m

NONE = "(none)"


def additive_totals(fw: m.FrameworkDef, kinds: Mapping[str, t.Kind]) -> list[str]:
    """The totals that add up over units: money, or written as ``sum(…)`` or ``count(…)``."""
    out = []
    for name, total in fw.totals.items():
        tree = total.expr.tree
        is_sum = isinstance(tree, ast.Call) and tree.func in ("sum", "count")
        if kinds.get(name) is t.Kind.MONEY or is_sum:
            out.append(name)
    return out


def rollup(table: pd.DataFrame, by: str, totals: Sequence[str]) -> pd.DataFrame:
    """``table`` (a units or apportioned table: one row per unit × period) added up by ``by``:
    one row per value of ``by`` × period, with the number of units and each total's sum."""
    if by not in table.columns:
        raise DataError(
            [
                error(
                    "D060",
                    f"the results have no attribute `{by}` to roll up by",
                    None,
                    f"attributes: {', '.join(c for c in table.columns if table[c].dtype != float)}",
                )
            ]
        )
    keys = table[by].astype("string").fillna("").replace("", NONE)
    frame = table.copy()
    frame[by] = keys.to_numpy()
    frame["period"] = table["period"].astype(str).to_numpy()
    columns = [c for c in totals if c in frame.columns]
    grouped = frame.groupby([by, "period"], sort=True)
    out = grouped[columns].sum(min_count=1) if columns else grouped.size().to_frame("n")[[]]
    out.insert(0, "units", grouped.size())
    return out.reset_index()


__all__ = ["NONE", "additive_totals", "rollup"]

"""A total has one value per unit, of a kind that can be written in the results."""

from __future__ import annotations

from collections.abc import Mapping

from qframe.check.compiled import Compiled
from qframe.errors.diagnostics import Diagnostic, error
from qframe.ir import kinds as t
from qframe.model import definition as m


def check(fw: m.FrameworkDef, totals: Mapping[str, Compiled]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for name, c in totals.items():
        if c.type.kind in (t.Kind.STRING, t.Kind.RANGE):
            out.append(
                error(
                    "Q237",
                    f"total `{name}` is {c.type.describe()}; a total must be a number, money, a duration or a condition",
                    fw.totals[name].expr.location(),
                    "a range or a text cannot be written in the results: compute a value from it",
                )
            )
        if c.type.per_indicator:
            out.append(
                error(
                    "Q230",
                    f"total `{name}` varies by indicator",
                    fw.totals[name].location,
                    "aggregate over indicators, e.g. sum(payment, over=indicators)",
                )
            )
    return out

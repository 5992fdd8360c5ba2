"""No infinite or overflowed amount is ever reported: a rule or a total that is not finite where
its inputs are is an error naming the rule, the unit, the indicator, the period and the inputs.

A value that is missing for a known reason (an input missing, a division by zero, `previous` in
the first period) stays missing, with its status; a value that overflowed (1e308 × 10) or was
computed from one (∞ × 0 is not a number) is refused, because it would be paid as £inf or be
silently unpaid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from qframe.engines.numpy.layout import DataArrays
from qframe.errors.diagnostics import DataError, Diagnostic, Location, error

if TYPE_CHECKING:
    from qframe.engines.numpy.context import Ctx
    from qframe.engines.numpy.plan import Plan

#: How many measures of the unit are named in the message.
_SHOWN_INPUTS = 8


class OverflowWatch:
    """Records that a floating-point overflow happened while it is installed (numpy's
    ``errstate(over="call")``), so that a not-a-number that came from an infinity is told apart
    from one that means "missing"."""

    def __init__(self) -> None:
        self.overflowed = False

    def __call__(self, kind: str, flag: int) -> None:
        self.overflowed = True


def refuse_non_finite(
    plan: Plan,
    ctx: Ctx,
    values: dict[str, np.ndarray],
    totals: dict[str, np.ndarray],
    *,
    overflowed: bool,
) -> None:
    """Raise :class:`DataError` (D095) for the first rule and the first total that is infinite,
    or not a number after an overflow, anywhere in the data's periods."""
    data = ctx.data
    problems: list[Diagnostic] = []
    for name in plan.value_order:
        value = plan.values[name]
        grid = values[name][0]
        if value.kind != "rule" or grid.dtype.kind != "f":
            continue
        bad = np.isinf(grid)
        if overflowed:
            missing, zero = ctx.flags(name)
            bad |= np.isnan(grid) & ~missing[0] & ~zero[0]
        bad &= data.present[None, :, None]
        if bad.any():
            unit, period, indicator = (int(i[0]) for i in np.nonzero(bad))
            iid = plan.indicator_ids[indicator]
            problems.append(
                _problem(
                    f"rule `{name}` is {_word(grid[unit, period, indicator])} for indicator {iid}",
                    data,
                    unit,
                    period,
                    iid,
                    int(bad.sum()),
                    value.location,
                )
            )
            break
    for name, grid in totals.items():
        bad = ~np.isfinite(grid) if overflowed else np.isinf(grid)
        bad &= data.present[None, :]
        if bad.any():
            unit, period = (int(i[0]) for i in np.nonzero(bad))
            problems.append(
                _problem(
                    f"total `{name}` is {_word(grid[unit, period])}",
                    data,
                    unit,
                    period,
                    "",
                    int(bad.sum()),
                    getattr(plan.framework.totals.get(name), "location", None),
                )
            )
            break
    if problems:
        raise DataError(problems)


def _word(value: Any) -> str:
    return "not a number" if np.isnan(value) else "infinite"


def _problem(
    what: str,
    data: DataArrays,
    unit: int,
    period: int,
    indicator: str,
    count: int,
    location: Location | None,
) -> Diagnostic:
    shown = []
    for (measure, key), column in sorted(data.columns.items()):
        if key in ("", indicator):  # the unit's own measures, and the indicator's
            number = float(data.values[unit, period, column])
            label = f"{measure}[{key}]" if key else measure
            shown.append(f"{label} = {number:g}")
    more = f" and {len(shown) - _SHOWN_INPUTS} more" if len(shown) > _SHOWN_INPUTS else ""
    inputs = ", ".join(shown[:_SHOWN_INPUTS]) + more
    others = f" (and {count - 1} other row{'s' * (count > 2)})" if count > 1 else ""
    return error(
        "D095",
        f"{what} at unit {data.unit_ids[unit]}, period {data.periods[period]}{others}: "
        f"the data there is {inputs or 'empty'}",
        location,
        "an amount this large cannot be paid: check the parameters (point value, maximum "
        "points) and the data for a value out of range",
    )

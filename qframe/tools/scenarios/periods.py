"""The period a scenario is costed over, named explicitly.

An annual framework is costed over one financial year. A quarterly framework is costed over a
financial year as the **sum of its four quarters** (all four must be in the data), or over one
quarter when a quarter is asked for (``2015-16Q3``). By default: the latest year the data has in
full (a quarterly framework's latest complete year; its latest quarter when no year is complete).
The NHS spelling ``2014/15`` is read as ``2014-15``.
"""

from __future__ import annotations

from dataclasses import dataclass

from qframe.engines.base import DataLayout
from qframe.errors.diagnostics import DataError, error
from qframe.model.periods import YEAR, normalise_period, year_of


@dataclass(frozen=True)
class CostedPeriod:
    """What a scenario's total covers: a label (``2015-16``), the periods summed (the layout's
    indices and labels) and a phrase naming it for summary lines."""

    label: str
    indices: tuple[int, ...]
    periods: tuple[str, ...]

    @property
    def described(self) -> str:
        """``2015-16`` or ``2015-16 (the sum of its quarters 2015-16Q1 .. 2015-16Q4)``."""
        if len(self.periods) > 1:
            return f"{self.label} (the sum of its quarters {self.periods[0]} .. {self.periods[-1]})"
        return self.label


def costed_period(layout: DataLayout, frequency: str, period: str | None) -> CostedPeriod:
    """The period(s) a total is taken over (see the module's docstring); D051 when the data
    lacks them."""
    present = layout.present_periods
    if period is not None:
        period = normalise_period(period)
    if frequency == "quarter" and (period is None or YEAR.match(period)):
        years = (
            [period]
            if period is not None
            else list(dict.fromkeys(year_of(p) for p in present))[::-1]
        )
        for year in years:
            quarters = [f"{year}Q{q}" for q in range(1, 5)]
            if all(q in present for q in quarters):
                return CostedPeriod(
                    year, tuple(layout.periods.index(q) for q in quarters), tuple(quarters)
                )
        if period is not None:
            missing = [f"{period}Q{q}" for q in range(1, 5) if f"{period}Q{q}" not in present]
            raise DataError(
                [
                    error(
                        "D051",
                        f"the data does not have the whole of {period} (missing {', '.join(missing)}): a quarterly framework's year is the sum of its four quarters",
                        None,
                        f"choose a year the data has in full, or one quarter; periods in the data: {', '.join(present)}",
                    )
                ]
            )
    index = layout.period_index(period)
    label = layout.periods[index]
    return CostedPeriod(label, (index,), (label,))

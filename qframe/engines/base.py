"""The engine protocol: what every engine offers, and the types it exchanges.

An engine lays a dataset out for a plan's frequency (:meth:`Engine.layout`), evaluates a plan on
that layout with parameter values (:meth:`Engine.evaluate`), and evaluates a whole axis of
scenarios at once (:meth:`Engine.sweep`: parameter values and indicator fields that vary by
scenario). Tools (scenarios, compare, explain) and the API go through this protocol only, never
through an engine's own context, so a second engine (a record-level one lowering the same plan to
SQL on DuckDB or Spark) can stand beside the numpy dense-grid engine and be picked by name
(:func:`qframe.engines.registry.engine`).

Results are exchanged as dense arrays over (unit, period, indicator), whatever the engine computes
them with: an engine over records aggregates to units before it hands an :class:`Evaluation` back.
Scoring outcomes (status, rounding, escalation level) are decided by
:mod:`qframe.scoring.outcome`, not by engines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from qframe.data.dataset import Dataset
    from qframe.engines.numpy.plan import Plan

Params = Mapping[str, Any]  # parameter -> a scalar, or an array over the indicators


@runtime_checkable
class DataLayout(Protocol):
    """A dataset laid out for one frequency: its units, and a contiguous range of periods of which
    ``present`` marks those the data really has (results are reported for those)."""

    unit_ids: np.ndarray
    frequency: str
    periods: list[str]
    present: np.ndarray  # bool per period
    units: pd.DataFrame

    @property
    def present_periods(self) -> list[str]: ...

    def period_index(self, period: str | None) -> int:
        """Index of ``period`` in ``periods`` (default: the latest the data has); a located
        error for a period the data lacks."""
        ...

    def measure_at(self, measure: str, key: str, period: int) -> np.ndarray | None:
        """One value per unit of a measure recorded at this frequency (None if there is none)."""
        ...

    def group_labels(self, attribute: str) -> tuple[np.ndarray, np.ndarray]:
        """Each unit's group code for a units-table attribute (-1 for none), and the labels."""
        ...


class ExpressionReader(Protocol):
    """Reads a lowered expression on the state an evaluation left (explain's traces)."""

    def expression_value(self, fn: Callable[[Any], Any], indicator: int | None) -> Any:
        """The value of ``fn`` (a lowered expression) for one indicator (None: per unit), on the
        grid (1, units, periods, 1); a pair of such grids for a range."""
        ...


@dataclass(frozen=True)
class Evaluation:
    """What an engine gives back: values on the dense (unit, period, indicator) grid, before
    they are made into tidy tables."""

    engine: str
    layout: DataLayout
    values: dict[str, np.ndarray]  # (1, U, P, I) each value of the plan
    status: np.ndarray  # (U, P, I) codes into qframe.scoring.outcome.STATUS_LABELS
    totals: dict[str, np.ndarray]  # (U, P)
    escalation: dict[str, np.ndarray]  # (U, P) 0/1 per rule
    checks: dict[str, np.ndarray]  # (U, P) 1/0/NaN
    reader: ExpressionReader = field(repr=False, compare=False)

    def expression_value(self, fn: Callable[[Any], Any], indicator: int | None) -> Any:
        """See :meth:`ExpressionReader.expression_value`."""
        return self.reader.expression_value(fn, indicator)


@dataclass(frozen=True)
class ScenarioAxis:
    """What varies along the scenario axis of a sweep (everything else is shared).

    ``params``: each swept parameter's value per scenario, shape (S,). ``indicator_numbers``: each
    swept indicator field (``lower``, ``upper``, ``max_points``), shape (S, indicators)."""

    size: int
    params: Mapping[str, np.ndarray] = field(default_factory=dict)
    indicator_numbers: Mapping[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class ScenarioTotals:
    """A sweep's outcome at one period: a total per scenario and unit, and the highest
    escalation level each unit reaches (an index into the framework's levels, -1 for none)."""

    totals: np.ndarray  # (S, U)
    levels: np.ndarray | None  # (S, U), None when the framework has no escalation
    # (S, U): the totals that are infinite, or not a number because of an overflow (never a
    # payment: the caller refuses them, D095); None when the engine does not tell
    non_finite: np.ndarray | None = None
    non_finite_what: str = ""  # what is non-finite there: "rule `payment`", "total `payment`"


class Engine(Protocol):
    """An engine evaluates compiled plans. Pick one with :func:`qframe.engines.registry.engine`."""

    name: str

    def layout(self, dataset: Dataset, frequency: str) -> DataLayout:
        """Lay the dataset out for a frequency (an engine may cache it for the dataset)."""
        ...

    def evaluate(self, plan: Plan, layout: DataLayout, params: Params) -> Evaluation:
        """Every value, total, escalation rule and check of ``plan`` on every unit and period."""
        ...

    def sweep(
        self,
        plan: Plan,
        layout: DataLayout,
        params: Params,
        scenarios: ScenarioAxis,
        *,
        total: str,
        period: int | Sequence[int],
    ) -> ScenarioTotals:
        """The total ``total`` and escalation levels at ``period`` for every scenario at once;
        given several periods (a year of quarters), the total is summed over them and the level
        is the highest reached in any.
        ``params`` are the values every scenario shares (the plan's own); ``scenarios`` what
        varies. Only what depends on a swept value is computed per scenario."""
        ...

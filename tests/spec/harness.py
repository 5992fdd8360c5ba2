"""What a spec is (a table of inputs, an expression, the expected results) and how the numpy
engine evaluates one through the public API."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

import qframe

PERIOD = "2014-15"
# Columns of a spec table that are unit attributes (the units table) rather than inputs (measures).
ATTRIBUTES = ("region", "ccg", "locality", "cluster", "hscp", "deprivation_quintile")
# Columns of a spec table that are indicator fields (in a table with an `indicator` column).
INDICATOR_FIELDS = ("domain", "group", "max_points")
# Columns that say which row is which.
KEYS = ("unit", "period", "indicator")

Cell = float | int | str | bool | None


@dataclass(frozen=True)
class Spec:
    """One behaviour: a table (one row per unit, or per unit and period, or per unit and
    indicator), an expression evaluated as a total, and its expected value on each row (None:
    missing or unknown; in a table with indicators, the value of the row's unit)."""

    table: Mapping[str, Sequence[Cell]]
    expression: str
    expected: Sequence[Cell]
    parameters: Mapping[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(next(iter(self.table.values())))

    @property
    def units(self) -> list[str]:
        """The unit of each row: the `unit` column, or P1, P2, ... one per row."""
        if "unit" in self.table:
            return [str(u) for u in self.table["unit"]]
        return [f"P{i + 1}" for i in range(self.rows)]

    @property
    def periods(self) -> list[str]:
        if "period" in self.table:
            return [str(p) for p in self.table["period"]]
        return [PERIOD] * self.rows

    @property
    def indicators(self) -> list[str]:
        """The indicator of each row ("" when the table has no `indicator` column)."""
        return [str(i) for i in self.table.get("indicator", [""] * self.rows)]

    @property
    def indicator_fields(self) -> list[str]:
        return [c for c in self.table if "indicator" in self.table and c in INDICATOR_FIELDS]

    @property
    def inputs(self) -> list[str]:
        others = (*KEYS, *ATTRIBUTES, *self.indicator_fields)
        return [c for c in self.table if c not in others]

    @property
    def attributes(self) -> list[str]:
        return [c for c in self.table if c in ATTRIBUTES]

    def definition(self) -> str:
        """The framework definition that evaluates the expression as the total `result`."""
        lines = ["qframe: 1", "id: spec", "title: spec"]
        if any("Q" in period for period in self.periods):
            lines.append("frequency: quarter")
        if self.parameters:
            lines.append("parameters:")
            lines += [f"  {name}: {{value: {value}}}" for name, value in self.parameters.items()]
        keyed = "{key: indicator}" if "indicator" in self.table else "{}"
        if self.inputs:
            lines.append("inputs:")
            lines += [f"  {name}: {keyed}" for name in self.inputs]
        if "indicator" in self.table:
            lines.append("indicators:")
            for indicator in dict.fromkeys(self.indicators):
                row = self.indicators.index(indicator)
                fields = ", ".join(f"{f}: {self.table[f][row]}" for f in self.indicator_fields)
                lines.append(f"  {indicator}: {{{fields}}}")
        lines += ["totals:", f"  result: {self.expression}"]
        return "\n".join(lines) + "\n"

    def data(self) -> dict[str, pd.DataFrame]:
        """The units and measures tables: an input cell that is None is a measure row not there."""
        units = pd.DataFrame({"unit_id": sorted(set(self.units))})
        for name in self.attributes:
            by_unit = dict(zip(self.units, self.table[name], strict=True))
            units[name] = [by_unit[u] for u in units["unit_id"]]
        keys = list(zip(self.units, self.periods, self.indicators, strict=True))
        rows = [
            (unit, period, name, indicator, float(value))
            for name in self.inputs
            for (unit, period, indicator), value in zip(keys, self.table[name], strict=True)
            if value is not None
        ]
        measures = pd.DataFrame(rows, columns=["unit_id", "period", "measure", "key", "value"])
        return {"units": units, "measures": measures}


# An engine evaluates a spec: the value of its expression on each row of its table.
Engine = Callable[[Spec], list[Cell]]


def numpy_engine(spec: Spec) -> list[Cell]:
    """qframe's numpy engine, through the public API: load the definition, evaluate the data."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "framework.yaml").write_text(spec.definition(), encoding="utf-8")
        result = qframe.load(folder).evaluate(spec.data())
    values = result.units.set_index(["unit_id", "period"])["result"]
    return [_cell(values.loc[(u, p)]) for u, p in zip(spec.units, spec.periods, strict=True)]


def _cell(value: object) -> Cell:
    """A value of the results as a plain Python value (a missing value is None)."""
    if isinstance(value, (float, int)) and not isinstance(value, bool):
        return None if math.isnan(value) else float(value)
    return value  # type: ignore[return-value]


def matches(got: Cell, expected: Cell) -> bool:
    """Does a result match its expectation? (true/false are 1 and 0; numbers to 1e-9.)"""
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, bool):
        return isinstance(got, (int, float)) and float(got) == float(expected)
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return math.isclose(float(got), float(expected), rel_tol=1e-9, abs_tol=1e-9)
    return got == expected

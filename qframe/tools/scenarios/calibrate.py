"""Calibration: solve for one parameter so that total spend meets a target (a £ amount, or the
cost of a baseline framework: budget neutral), with scipy's Brent method on the same engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qframe.api import DataLike, Framework
from qframe.errors.diagnostics import DefinitionError, did_you_mean
from qframe.ir import kinds as t
from qframe.results.formatting import pounds
from qframe.tools.scenarios.grid import Point
from qframe.tools.scenarios.sweep import sweep


@dataclass(frozen=True)
class Calibration:
    parameter: str
    value: float
    target: float
    achieved: float
    evaluations: int
    period: str = ""  # the period the totals cover, named (a quarterly framework's year summed)

    @property
    def gap(self) -> float:
        return self.achieved - self.target


def calibrate(
    fw: Framework,
    data: DataLike,
    parameter: str,
    target: float,
    *,
    bracket: tuple[float, float] | None = None,
    period: str | None = None,
    total: str = "payment",
    progress: Callable[[str], None] | None = None,
) -> Calibration:
    """The value of ``parameter`` that makes the framework's total ``target`` (£), solved with
    scipy's Brent method on the engine; checked by evaluating again at the solved value.
    ``progress(message)`` is called after each evaluation."""
    from scipy.optimize import brentq

    if parameter not in fw.plan.params or fw.plan.param_types[parameter].kind not in (
        t.Kind.NUMBER,
        t.Kind.MONEY,
    ):
        raise DefinitionError.single(
            "Q405",
            f"`{parameter}` is not a number or money parameter of {fw.id}",
            None,
            did_you_mean(parameter, fw.plan.params) or "",
        )
    ds = fw.dataset(data)  # practice data, or GP records counted once by the framework's rules
    current = float(fw.plan.params[parameter].const)
    lo, hi = bracket or (0.0, max(4 * current, 1.0))
    calls = 0
    covered = [""]

    def cost(value: float) -> float:
        nonlocal calls
        calls += 1
        result = sweep(
            fw,
            ds,
            points=[Point(f"{parameter}={value}", {parameter: value})],
            period=period,
            total=total,
        )
        covered[0] = result.described_period
        if progress is not None:
            progress(f"evaluation {calls}: {parameter} = {value:.6g}")
        return float(result.table["total_cost"].iloc[0]) - target

    f_lo, f_hi = cost(lo), cost(hi)
    if f_lo * f_hi > 0:
        raise DefinitionError.single(
            "Q406",
            f"no value of `{parameter}` between {lo:g} and {hi:g} gives a total of {pounds(target)} in {covered[0]} ({pounds(f_lo + target)} to {pounds(f_hi + target)})",
            None,
            "widen the bracket, or check the target",
        )
    value = float(brentq(cost, lo, hi, xtol=1e-9, rtol=1e-12, maxiter=200))
    achieved = cost(value) + target
    return Calibration(parameter, value, target, achieved, calls, covered[0])

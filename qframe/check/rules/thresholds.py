"""An indicator's thresholds: a constant range of percentages, the lower below the upper,
within 0% .. 100% (a warning otherwise)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qframe.check.compiled import Scope
from qframe.ir import kinds as t
from qframe.model import definition as m

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler


def check(compiler: Compiler, iid: str, expr: m.Expression) -> tuple[float, float] | None:
    """Indicator ``iid``'s thresholds: their bounds when they are a constant range."""
    c = compiler.expression(expr, Scope(expr, "parameter", f"thresholds of {iid}"))
    if c.type.is_any:
        return None
    if c.type.kind is not t.Kind.RANGE or c.type.elem not in (t.Kind.NUMBER, t.Kind.ANY):
        compiler.error(
            "Q311",
            f"thresholds of {iid} must be a range of percentages, not {c.type.describe()}",
            expr.location(),
            "write e.g. `35% .. 75%`",
        )
        return None
    if not c.is_const:
        return None
    lo, hi = c.const
    if not lo < hi:
        compiler.error(
            "Q310",
            f"indicator {iid}: lower threshold {_percent(lo)} is not below the upper threshold {_percent(hi)}",
            expr.location(),
            "write the lower threshold first, e.g. `35% .. 75%`",
        )
    if lo < 0 or hi > 1:
        compiler.warn(
            "W311",
            f"indicator {iid}: thresholds {_percent(lo)} .. {_percent(hi)} lie outside 0% .. 100%",
            expr.location(),
            "thresholds are percentages of the denominator",
        )
    return lo, hi


def _percent(v: float) -> str:
    return f"{v * 100:g}%"

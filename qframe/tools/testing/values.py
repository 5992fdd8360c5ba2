"""Showing values in mismatches: money as £1,234.56, numbers to 12 significant digits."""

from __future__ import annotations

import math
from typing import Any

from qframe.ir import kinds as t
from qframe.results.formatting import pounds
from qframe.tools.testing.literals import Literal


def number_text(value: float) -> str:
    """A number to 12 significant digits."""
    return f"{value:.12g}"


def show_value(kind: t.Kind, value: Any, like: Literal | None = None) -> str:
    """A value of ``kind`` as a mismatch shows it (a percentage if the test wrote one)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    if kind is t.Kind.MONEY:
        return pounds(value) if abs(value) < 1e15 else number_text(value)
    if kind is t.Kind.BOOL:
        return "true" if value else "false"
    if like is not None and like.tag == "percent":
        return f"{value * 100:.10g}%"
    if isinstance(value, float):
        return number_text(value)
    return str(value)

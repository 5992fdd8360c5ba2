"""Checking calls of the built-in functions, one module a family; :data:`FAMILIES` maps each
family named in :mod:`qframe.functions.registry` to its checker."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from qframe.check.builtins import aggregates, periods, values
from qframe.check.compiled import Compiled, Scope
from qframe.functions.registry import FunctionSpec
from qframe.language import ast

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler

FAMILIES: dict[str, Callable[[Compiler, FunctionSpec, ast.Call, Scope], Compiled]] = {
    "scoring": values.scoring,
    "band": values.band,
    "elementwise": values.elementwise,
    "round": values.round_to,
    "aggregate": aggregates.aggregate,
    "time": periods.over_time,
    "funnel": aggregates.funnel,
    "escalated": periods.escalated,
    "at": periods.at,
}

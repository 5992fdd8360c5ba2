"""Parameters: each value is a constant, and lies within its plausible range."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from qframe.check.compiled import Compiled, Scope
from qframe.ir import kinds as t

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler


def compile_value(compiler: Compiler, name: str) -> Compiled:
    p = compiler.fw.parameters[name]
    c = compiler.expression(p.value, Scope(p.value, "parameter", f"parameter `{name}`"))
    if c.type.kind is t.Kind.BOOL or c.type.kind is t.Kind.STRING or c.type.is_any or c.is_const:
        return c
    compiler.error(
        "Q240",
        f"parameter `{name}` must be a constant",
        p.value.location(),
        "a parameter's value is a literal such as £156.92, 7052 or 35%",
    )
    return c


def check_ranges(compiler: Compiler, params: Mapping[str, Compiled]) -> None:
    """The plausible range of a modelled assumption: of the parameter's kind, holding its value."""
    for name, prm in compiler.fw.parameters.items():
        if prm.range is None or prm.range.tree is None:
            continue
        rc = compiler.expression(prm.range, Scope(prm.range, "parameter", f"range of `{name}`"))
        want = params[name].type.kind
        if (
            rc.type.kind is not t.Kind.RANGE
            or rc.type.elem not in (want, t.Kind.ANY)
            or not rc.is_const
        ):
            compiler.error(
                "Q244",
                f"the range of `{name}` must be a range of {params[name].type.describe()}",
                prm.range.location(),
                "write e.g. range: 60% .. 80% (or £140 .. £170 for money)",
            )
        elif (
            isinstance(params[name].const, float)
            and not rc.const[0] <= params[name].const <= rc.const[1]
        ):
            compiler.warn(
                "W245",
                f"`{name}` = {params[name].const:g} lies outside its range",
                prm.range.location(),
                "widen the range or correct the value",
            )

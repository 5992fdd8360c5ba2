"""The checker's working record of an expression: its typed IR node, its value when constant,
the syntax node it was checked from, and whether it depends on no data; and the scope an
expression is checked in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qframe.errors.diagnostics import Location
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.language import ast
from qframe.model import definition as m

NOT_CONSTANT: Any = object()


@dataclass(frozen=True)
class Compiled:
    """A checked expression: its typed IR, and its value when constant."""

    ir: ir.Node
    const: Any = NOT_CONSTANT
    node: ast.Node | None = None
    static: bool = False  # depends on no data: only constants, parameters and indicator fields

    @property
    def type(self) -> t.Type:
        return self.ir.type

    @property
    def is_const(self) -> bool:
        return self.const is not NOT_CONSTANT


def unknown(node: ast.Node | None = None) -> Compiled:
    """What an expression that failed to check becomes: any kind, always missing."""
    return Compiled(ir.Missing(type=t.ANY, syntax=node), NOT_CONSTANT, node)


@dataclass(frozen=True)
class Scope:
    """Where an expression is checked: its text, its context and the arguments bound in it."""

    expr: m.Expression
    where: str  # "parameter", "unit" or "indicator"
    what: str  # for messages: "rule `points`", "parameter `point_value`"
    args: Mapping[str, Compiled] = field(default_factory=dict)
    indicators: tuple[str, ...] = ()  # the indicators this expression is compiled for

    def loc(self, node: ast.Node) -> Location:
        return self.expr.location(node)

    def at(self, node: ast.Node) -> dict[str, Any]:
        """The place fields of an IR node checked from ``node``."""
        return {"location": self.expr.location(node), "syntax": node}

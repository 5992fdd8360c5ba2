"""Constants the checker folds itself, without an engine.

Most of a definition's constants are ranges of literals (``50% .. 90%``, ``£0 .. £250``): their
value is the pair of their bounds, whatever the engine. An operation on a parameter is never
folded (a parameter can be overridden when evaluating; an engine's folding has no parameter
values either). Everything else is folded by the engine's evaluation given to the checker, for
bit-identical values — and `qframe validate` of a definition of literal ranges needs no engine
(nor numpy) at all.
"""

from __future__ import annotations

from typing import Any

from qframe.ir import nodes as ir


def folded_without_engine(node: ir.Node) -> tuple[bool, Any] | None:
    """``(folded, value)`` for ``node`` as an engine's folding gives it, when known without one:
    ``(True, (low, high))`` for a range of two numeric literals, ``(False, None)`` for an operator
    applied to a parameter; None when the engine must evaluate it."""
    if isinstance(node, ir.Unary):
        operands: tuple[ir.Node, ...] = (node.operand,)
    elif isinstance(node, ir.Binary):
        operands = (node.left, node.right)
    else:
        return None
    if any(isinstance(operand, ir.Param) for operand in operands):
        return False, None  # every operator reads all its operands: none is known yet
    if isinstance(node, ir.Binary) and node.op == ".." and all(map(is_number, operands)):
        return True, tuple(operand.value for operand in operands if isinstance(operand, ir.Const))
    return None


def is_number(node: ir.Node) -> bool:
    """A literal number (a Python int or float, not an engine's scalar)."""
    return isinstance(node, ir.Const) and type(node.value) in (int, float)

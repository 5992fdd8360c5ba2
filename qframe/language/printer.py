"""Print a syntax tree back as canonical expression text.

``parse(to_text(tree)) == tree`` for every tree the parser can produce (a tested property):
parentheses are added exactly where precedence or associativity needs them.
"""

from __future__ import annotations

import re
from decimal import Decimal

from qframe.language import ast
from qframe.language.parser import KEYWORDS

# Precedence levels, loosest first (mirrors the ladder in grammar.lark).
IF, OR, AND, NOT, COMPARE, RANGE, ADD, MUL, UNARY, POW, POSTFIX, ATOM = range(1, 13)

_BINARY_LEVEL = {
    "or": OR,
    "and": AND,
    "..": RANGE,
    "of": RANGE,
    "+": ADD,
    "-": ADD,
    "*": MUL,
    "/": MUL,
    "^": POW,
    **{op: COMPARE for op in (*ast.COMPARISON, *ast.MEMBERSHIP)},
}

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def level(node: ast.Node) -> int:
    if isinstance(node, ast.If):
        return IF
    if isinstance(node, ast.Binary):
        return _BINARY_LEVEL[node.op]
    if isinstance(node, ast.Known):
        return COMPARE
    if isinstance(node, ast.Unary):
        return NOT if node.op == "not" else UNARY
    if isinstance(node, (ast.Attr, ast.Call)):
        return POSTFIX
    return ATOM


def _num(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _plain(value: float) -> str:
    """Like :func:`_num` but never with an exponent: percentages, money and durations have none."""
    text = _num(value)
    return format(Decimal(text), "f") if "e" in text else text


def name_text(name: str) -> str:
    """A name as it must be written: quoted with backticks unless it is a plain identifier."""
    if _IDENT.match(name) and name not in KEYWORDS:
        return name
    return f"`{name}`"


def to_text(node: ast.Node) -> str:
    """Canonical text of ``node``."""
    return _text(node, 0)


def _wrap(node: ast.Node, need: int) -> str:
    text = _text(node, need)
    return f"({text})" if level(node) < need else text


def _text(node: ast.Node, need: int) -> str:
    if isinstance(node, ast.Number):
        return _num(node.value)
    if isinstance(node, ast.Percent):
        return f"{_plain(node.value)}%"
    if isinstance(node, ast.Money):
        return f"£{_plain(node.value)}"
    if isinstance(node, ast.Duration):
        unit = node.unit if node.amount == 1 else node.unit + "s"
        return f"{_plain(node.amount)} {unit}"
    if isinstance(node, ast.Date):
        return node.value.isoformat()
    if isinstance(node, ast.Quantity):
        return f"{_plain(node.value)} {node.unit}"
    if isinstance(node, ast.Known):
        return f"{_wrap(node.operand, COMPARE + 1)} is {'missing' if node.negate else 'known'}"
    if isinstance(node, ast.String):
        escaped = node.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(node, ast.Bool):
        return "true" if node.value else "false"
    if isinstance(node, ast.Name):
        return name_text(node.name)
    if isinstance(node, ast.Attr):
        return f"{_wrap(node.obj, POSTFIX)}.{name_text(node.name)}"
    if isinstance(node, ast.Call):
        parts = [_wrap(a, IF) for a in node.args]
        parts += [f"{name_text(k.name)}={_wrap(k.value, IF)}" for k in node.kwargs]
        return f"{name_text(node.func)}({', '.join(parts)})"
    if isinstance(node, ast.Unary):
        if node.op == "not":
            return f"not {_wrap(node.operand, NOT)}"
        return f"{node.op}{_wrap(node.operand, UNARY)}"
    if isinstance(node, ast.If):
        return (
            f"if {_wrap(node.cond, IF)} then {_wrap(node.then, IF)} else {_wrap(node.orelse, IF)}"
        )
    if isinstance(node, ast.Binary):
        lvl = _BINARY_LEVEL[node.op]
        if node.op == "^":
            left, right = _wrap(node.left, POSTFIX), _wrap(node.right, UNARY)
        elif lvl in (COMPARE, RANGE):  # not associative
            left, right = _wrap(node.left, lvl + 1), _wrap(node.right, lvl + 1)
        else:  # left-associative
            left, right = _wrap(node.left, lvl), _wrap(node.right, lvl + 1)
        return f"{left} {node.op} {right}"
    raise TypeError(f"cannot print {type(node).__name__}")

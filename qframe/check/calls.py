"""Calls: of a definition with arguments, of an input with a key, and of a built-in function —
checked against its typed signature (:mod:`qframe.functions.registry`): argument count, keyword
names, kinds of value, and the options each family resolves (`by=`, `over=`, durations, levels).
The result is a typed IR node (:mod:`qframe.ir.nodes`); engines implement the functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from qframe.check.builtins import FAMILIES
from qframe.check.compiled import NOT_CONSTANT, Compiled, Scope, unknown
from qframe.errors.diagnostics import Location, did_you_mean
from qframe.functions.registry import REGISTRY
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.language import ast
from qframe.model import definition as m

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler


def call(compiler: Compiler, node: ast.Call, scope: Scope) -> Compiled:
    fw = compiler.fw
    name = node.func
    if name in fw.defines:
        return _call_define(compiler, node, scope)
    if name in fw.inputs:
        return _call_input(compiler, node, scope)
    spec = REGISTRY.get(name)
    if spec is None:
        known = [*REGISTRY, *fw.defines, *(n for n, i in fw.inputs.items() if i.key != "none")]
        compiler.error(
            "Q220",
            f"unknown function `{name}`",
            Location(scope.expr.source, scope.expr.location(node).offset, len(name)),
            did_you_mean(name, known) or "see docs/language.md for the functions",
        )
        for arg in (*node.args, *(k.value for k in node.kwargs)):
            compiler.node(arg, scope)
        return unknown(node)
    return FAMILIES[spec.family](compiler, spec, node, scope)


# ---------------------------------------------------------------- definitions and inputs


def _call_define(compiler: Compiler, node: ast.Call, scope: Scope) -> Compiled:
    d = compiler.fw.defines[node.func]
    compiler.used.add(("define", d.name))
    compiler.depends_on(("define", d.name), node, scope)
    if node.kwargs:
        compiler.error("Q221", f"`{d.name}` takes no keyword arguments", scope.loc(node.kwargs[0]))
    if len(node.args) != len(d.args):
        compiler.error(
            "Q222",
            f"`{d.name}` takes {len(d.args)} argument{'s' * (len(d.args) != 1)}, not {len(node.args)}",
            scope.loc(node),
            f"write {d.name}({', '.join(d.args)})"
            if d.args
            else f"write {d.name} without brackets",
        )
        return unknown(node)
    if not d.args:
        return compiler.node(ast.Name(d.name, start=node.start, end=node.end), scope)
    bound = {a: compiler.node(arg, scope) for a, arg in zip(d.args, node.args, strict=True)}
    key = ("define", d.name)
    if key in compiler.stack:
        return compiler.named(key, node, scope)  # a cycle: not followed
    compiler.stack.append(key)
    try:
        body = define_body(compiler, d, bound, scope.where, scope.indicators)
    finally:
        compiler.stack.pop()
    if body.type.per_indicator and not compiler.indicator_ok(
        node, scope, f"`{d.name}(...)` varies by indicator"
    ):
        return unknown(node)
    args = tuple(b.ir for b in bound.values())
    call_ = ir.DefineCall(d.name, args, body.ir, type=body.type, **scope.at(node))
    return Compiled(call_, body.const, node)


def define_body(
    compiler: Compiler,
    d: m.Definition,
    bound: Mapping[str, Compiled],
    where: str = "indicator",
    indicators: tuple[str, ...] = (),
) -> Compiled:
    """A definition with arguments, checked with ``bound`` for them."""
    scope = Scope(
        d.expr,
        where if where != "parameter" else "indicator",
        f"definition `{d.name}`",
        bound,
        indicators,
    )
    return compiler.expression(d.expr, scope)


def _call_input(compiler: Compiler, node: ast.Call, scope: Scope) -> Compiled:
    fw = compiler.fw
    inp = fw.inputs[node.func]
    compiler.used.add(("input", inp.name))
    if inp.key == "none":
        compiler.error(
            "Q223",
            f"input `{inp.name}` has one value per {fw.unit}: it takes no key",
            scope.loc(node),
            f"write {inp.name} without brackets",
        )
        return unknown(node)
    if len(node.args) != 1 or node.kwargs:
        compiler.error(
            "Q224",
            f"input `{inp.name}` takes one key: the {inp.key}",
            scope.loc(node),
            f'write e.g. {inp.name}("DM")'
            if inp.key == "group"
            else f'write e.g. {inp.name}("DM007")',
        )
        return unknown(node)
    key = compiler.node(node.args[0], scope)
    if key.type.kind not in (t.Kind.STRING, t.Kind.ANY):
        compiler.error(
            "Q225",
            f"the key of `{inp.name}` must be a string, not {key.type.describe()}",
            scope.loc(node.args[0]),
            f'write e.g. {inp.name}("DM") or {inp.name}(group)',
        )
        return unknown(node)
    if inp.key == "indicator" and key.is_const and key.const not in fw.indicators:
        compiler.error(
            "Q226",
            f'unknown indicator "{key.const}"',
            scope.loc(node.args[0]),
            did_you_mean(str(key.const), fw.indicators),
        )
    default = compiler.input_default(inp)
    typ = t.Type(t.Kind.NUMBER, key.type.per_indicator)
    keyed = ir.Input(inp.name, key.ir, default=default, type=typ, **scope.at(node))
    return Compiled(keyed, NOT_CONSTANT, node)

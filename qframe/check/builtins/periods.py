"""Functions across periods (previous, lag, change, persists, at) and escalated()."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qframe.check.builtins.enforce import arity, kinds
from qframe.check.compiled import NOT_CONSTANT, Compiled, Scope, unknown
from qframe.errors.diagnostics import Location, did_you_mean
from qframe.functions.registry import FunctionSpec
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.language import ast
from qframe.model.periods import QUARTER, YEAR

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler


def over_time(compiler: Compiler, spec: FunctionSpec, node: ast.Call, scope: Scope) -> Compiled:
    name = spec.name
    ok = arity(compiler, spec, node, scope)
    args = [compiler.node(node.args[0], scope)] if node.args else []
    if not ok:
        return unknown(node)
    steps = 1 if name == "previous" else compiler.steps(node.args[1], scope)
    x = args[0]
    needs_bool = spec.typed_signature.result == "bool"
    if needs_bool:
        compiler.expect_bool(x, scope.expr, node.args[0], f"`{name}`")
    elif not kinds(compiler, scope, x, spec.typed_signature.kinds_at(0), f"the value of `{name}`"):
        return unknown(node)
    kind = t.Kind.BOOL if needs_bool else x.type.kind
    typ = t.Type(kind, x.type.per_indicator)
    call = ir.Call(spec.typed_signature, (x.ir,), {"steps": steps}, type=typ, **scope.at(node))
    return Compiled(call, NOT_CONSTANT, node)


def escalated(compiler: Compiler, spec: FunctionSpec, node: ast.Call, scope: Scope) -> Compiled:
    if not arity(compiler, spec, node, scope):
        return unknown(node)
    arg = node.args[0]
    ids = [r.id for r in compiler.fw.escalation]
    if not isinstance(arg, ast.String) or arg.value not in ids:
        text = arg.value if isinstance(arg, ast.String) else "this"
        compiler.error(
            "Q234",
            f"`{text}` is not an escalation rule",
            Location(scope.expr.source, scope.loc(arg).offset, scope.loc(arg).length),
            did_you_mean(text, ids) or f"escalation rules: {', '.join(ids) or 'none'}",
        )
        return unknown(node)
    rule_id = arg.value
    compiler.named(("escalation", rule_id), arg, scope)
    return Compiled(ir.EscalationRef(rule_id, type=t.BOOL, **scope.at(node)), NOT_CONSTANT, node)


def at(compiler: Compiler, spec: FunctionSpec, node: ast.Call, scope: Scope) -> Compiled:
    fw = compiler.fw
    if not arity(compiler, spec, node, scope):
        return unknown(node)
    x = compiler.node(node.args[0], scope)
    label_node = node.args[1]
    pattern = QUARTER if fw.frequency == "quarter" else YEAR
    label_c = compiler.node(label_node, scope)
    label = label_c.const if label_c.is_const and isinstance(label_c.const, str) else None
    if label is None or not pattern.match(label):
        example = "2015-16Q1" if fw.frequency == "quarter" else "2015-16"
        compiler.error(
            "Q235",
            f"the period of `at` must be a {fw.frequency} written in quotes",
            scope.loc(label_node),
            f'this framework evaluates {fw.frequency}s: write e.g. at(x, "{example}")',
        )
        return unknown(node)
    if not kinds(compiler, scope, x, spec.typed_signature.kinds_at(0), "the value of `at`"):
        return unknown(node)
    typ = t.Type(x.type.kind, x.type.per_indicator)
    options = {"period": label}
    call = ir.Call(
        spec.typed_signature, (x.ir,), options, (label_c.ir,), type=typ, **scope.at(node)
    )
    return Compiled(call, NOT_CONSTANT, node)

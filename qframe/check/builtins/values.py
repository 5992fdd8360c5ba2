"""Functions applied value by value: scoring (slide, all_or_nothing, band), arithmetic (clamp,
min, max, abs, sqrt, round) and missing values (coalesce, is_missing)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from qframe.check.builtins.enforce import arity, kinds, positional_kinds, same_kind
from qframe.check.compiled import Compiled, Scope, unknown
from qframe.functions.registry import FunctionSpec
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.language import ast

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler


def elementwise(compiler: Compiler, spec: FunctionSpec, node: ast.Call, scope: Scope) -> Compiled:
    ok = arity(compiler, spec, node, scope)
    args = [compiler.node(a, scope) for a in node.args]
    if not ok:
        return unknown(node)
    ok &= positional_kinds(compiler, spec, scope, args)
    kind = same_kind(compiler, scope, node, args)
    if not ok or kind is None:
        return unknown(node)
    per = any(a.type.per_indicator for a in args)
    result = t.Kind.BOOL if spec.typed_signature.result == "bool" else kind
    call = ir.Call(spec.typed_signature, _irs(args), type=t.Type(result, per), **scope.at(node))
    return compiler.fold(Compiled(call, node=node), args)


def scoring(compiler: Compiler, spec: FunctionSpec, node: ast.Call, scope: Scope) -> Compiled:
    ok = arity(compiler, spec, node, scope)
    args = [compiler.node(a, scope) for a in node.args]
    if not ok or not positional_kinds(compiler, spec, scope, args):
        return unknown(node)
    per = any(a.type.per_indicator for a in args)
    typ = t.Type(t.Kind.NUMBER, per)
    call = ir.Call(spec.typed_signature, _irs(args), type=typ, **scope.at(node))
    return compiler.fold(Compiled(call, node=node), args)


def band(compiler: Compiler, spec: FunctionSpec, node: ast.Call, scope: Scope) -> Compiled:
    ok = arity(compiler, spec, node, scope)
    args = [compiler.node(a, scope) for a in node.args]
    if ok and len(node.args) % 2 == 0:
        compiler.error(
            "Q222",
            "`band` takes a value, then pairs of cut and score",
            scope.loc(node),
            "write band(value, cut1, score1, cut2, score2)",
        )
        ok = False
    if not ok or not positional_kinds(compiler, spec, scope, args):  # numbers, money or durations
        return unknown(node)
    value, cuts, scores = args[0], args[1::2], args[2::2]
    if same_kind(compiler, scope, node, [value, *cuts]) is None:
        return unknown(node)
    score_kind = same_kind(compiler, scope, node, scores)
    if score_kind is None:
        return unknown(node)
    consts = [c.const for c in cuts if c.is_const]
    if len(consts) == len(cuts) and any(b <= a for a, b in itertools.pairwise(consts)):
        compiler.error(
            "Q312",
            "the cuts of `band` must ascend",
            scope.loc(node),
            "list the cuts from lowest to highest",
        )
    per = any(a.type.per_indicator for a in args)
    typ = t.Type(score_kind, per)
    call = ir.Call(spec.typed_signature, _irs(args), type=typ, **scope.at(node))
    return compiler.fold(Compiled(call, node=node), args)


def round_to(compiler: Compiler, spec: FunctionSpec, node: ast.Call, scope: Scope) -> Compiled:
    ok = arity(compiler, spec, node, scope)
    args = [compiler.node(a, scope) for a in node.args]
    places = 0
    settings: tuple[ir.Node, ...] = ()
    kw = node.kwarg("places")
    if kw is not None:
        p = compiler.node(kw.value, scope)
        settings = (p.ir,)
        if not (
            p.is_const
            and isinstance(p.const, float)
            and p.const == int(p.const)
            and 0 <= p.const <= 9
        ):
            compiler.error(
                "Q232", "`places` must be a whole number from 0 to 9", scope.loc(kw.value)
            )
            ok = False
        else:
            places = int(p.const)
    if not ok or not kinds(
        compiler, scope, args[0], spec.typed_signature.kinds_at(0), "the value of `round`"
    ):
        return unknown(node)
    options = {"places": places}
    typ = args[0].type
    call = ir.Call(spec.typed_signature, _irs(args), options, settings, type=typ, **scope.at(node))
    return compiler.fold(Compiled(call, node=node), args)


def _irs(args: list[Compiled]) -> tuple[ir.Node, ...]:
    return tuple(a.ir for a in args)

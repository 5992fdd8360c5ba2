"""Aggregates across units (nationally or `by=` groups) or across indicators (`over=`), and the
funnel-plot control limits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qframe.check.builtins.enforce import arity, kinds, symbol
from qframe.check.compiled import NOT_CONSTANT, Compiled, Scope, unknown
from qframe.functions.registry import FunctionSpec
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.language import ast

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler


def aggregate(compiler: Compiler, spec: FunctionSpec, node: ast.Call, scope: Scope) -> Compiled:
    how = spec.name
    ok = arity(compiler, spec, node, scope)
    over_kw, by_kw, where_kw = node.kwarg("over"), node.kwarg("by"), node.kwarg("where")
    over = "units"
    if over_kw is not None:
        over = (
            symbol(
                compiler,
                scope,
                over_kw,
                ("units", "indicators"),
                "something to aggregate over (units or indicators)",
            )
            or "units"
        )
    by = None
    if by_kw is not None:
        by = symbol(compiler, scope, by_kw, compiler.unit_attrs, "a unit attribute")
        ok &= by is not None
        if over == "indicators":
            compiler.error(
                "Q233",
                "`by` groups units; it cannot be used with over=indicators",
                scope.loc(by_kw),
            )
            ok = False
    inner = scope
    if over == "indicators":
        inner = Scope(scope.expr, "indicator", scope.what, scope.args, compiler.ids)
    args = [compiler.node(a, inner) for a in node.args]
    where = compiler.node(where_kw.value, inner) if where_kw is not None else None
    descending = False
    settings: list[ir.Node] = []
    descending_kw = node.kwarg("descending")
    if descending_kw is not None:
        d = compiler.node(descending_kw.value, scope)
        settings.append(d.ir)
        if not (d.is_const and d.type.kind is t.Kind.BOOL):
            compiler.error(
                "Q232", "`descending` must be true or false", scope.loc(descending_kw.value)
            )
            ok = False
        else:
            descending = bool(d.const)
    if where is not None:
        compiler.expect_bool(where, scope.expr, where_kw.value if where_kw else None, "`where`")
    if not ok:
        return unknown(node)
    q = 0.5  # only read by percentile
    if how == "percentile":
        qc = args[1]
        if not (qc.is_const and isinstance(qc.const, float) and 0 <= qc.const <= 1):
            compiler.error(
                "Q232",
                "the percentile must be a constant from 0% to 100%",
                scope.loc(node.args[1]),
            )
            return unknown(node)
        q = float(qc.const)
        settings.append(qc.ir)
        args = args[:1]
    allowed = spec.typed_signature.kinds_at(0)
    if args and not kinds(compiler, scope, args[0], allowed, f"the argument of `{how}`"):
        return unknown(node)
    result = spec.typed_signature.result
    kind = {"number": t.Kind.NUMBER, "bool": t.Kind.BOOL}.get(result)
    if kind is None:  # "first": the kind of the value aggregated
        kind = args[0].type.kind
    if over == "indicators":
        per = False
    else:
        per = any(a.type.per_indicator for a in args) or bool(
            where is not None and where.type.per_indicator
        )
    aggregate = ir.Aggregate(
        spec.typed_signature,
        args[0].ir if args else None,
        where.ir if where is not None else None,
        over,
        by,
        q,
        descending,
        tuple(settings),
        type=t.Type(kind, per),
        **scope.at(node),
    )
    return Compiled(aggregate, NOT_CONSTANT, node)


def funnel(compiler: Compiler, spec: FunctionSpec, node: ast.Call, scope: Scope) -> Compiled:
    ok = arity(compiler, spec, node, scope)
    args = [compiler.node(a, scope) for a in node.args]
    if not ok:
        return unknown(node)
    for i, a in enumerate(args):
        allowed = spec.typed_signature.kinds_at(i)
        ok &= kinds(compiler, scope, a, allowed, f"argument {i + 1} of `{spec.name}`")
    level = 0.998
    settings: tuple[ir.Node, ...] = ()
    kw = node.kwarg("level")
    if kw is not None:
        lv = compiler.node(kw.value, scope)
        settings = (lv.ir,)
        if not (lv.is_const and isinstance(lv.const, float) and 0.5 < lv.const < 1):
            compiler.error(
                "Q232",
                "`level` must be a constant between 50% and 100%, e.g. 99.8%",
                scope.loc(kw.value),
            )
            ok = False
        else:
            level = float(lv.const)
    by = None
    by_kw = node.kwarg("by")
    if by_kw is not None:
        by = symbol(compiler, scope, by_kw, compiler.unit_attrs, "a unit attribute")
        ok &= by is not None
    if not ok:
        return unknown(node)
    per = any(a.type.per_indicator for a in args)
    call = ir.Call(
        spec.typed_signature,
        (args[0].ir, args[1].ir),
        {"level": level, "by": by},
        settings,
        type=t.Type(t.Kind.NUMBER, per),
        **scope.at(node),
    )
    return Compiled(call, NOT_CONSTANT, node)

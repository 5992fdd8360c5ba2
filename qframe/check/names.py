"""Names in expressions: what each refers to (a parameter, an indicator field, a rule, a total, an
input, a definition, a bound argument), whether it may be used where it stands, and
`INDICATOR.value` references to one indicator's values."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qframe.check.compiled import NOT_CONSTANT, Compiled, Scope, unknown
from qframe.errors.diagnostics import did_you_mean
from qframe.functions.registry import REGISTRY
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.language import ast
from qframe.model import definition as m

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler


def name(compiler: Compiler, node: ast.Name, scope: Scope) -> Compiled:
    ident = node.name
    fw = compiler.fw
    if ident in scope.args:  # a definition's argument: the caller's expression
        arg = scope.args[ident]
        alias = ir.Alias(arg.ir, type=arg.type, **scope.at(node))
        return Compiled(alias, arg.const, arg.node, arg.static)
    if scope.where == "parameter":
        return _in_parameter(compiler, node, scope)
    if ident in m.INDICATOR_STRINGS or ident in m.INDICATOR_NUMBERS:
        if not compiler.indicator_ok(node, scope, f"`{ident}` is a field of each indicator"):
            return unknown(node)
        text = ident in m.INDICATOR_STRINGS
        if not text:
            compiler.depends_on(("field", ident), node, scope)
        typ = t.Type(t.Kind.STRING if text else t.Kind.NUMBER, True)
        field = ir.IndicatorField(ident, text, type=typ, **scope.at(node))
        return Compiled(field, NOT_CONSTANT, node, True)
    if ident in fw.totals and (scope.where != "indicator" or ident not in fw.rules):
        c = compiler.named(("total", ident), node, scope)
        return Compiled(ir.TotalRef(ident, type=c.type, **scope.at(node)), NOT_CONSTANT, node)
    if ident in fw.rules:
        if not compiler.indicator_ok(
            node, scope, f"`{ident}` is a rule, with a value for each indicator"
        ):
            return unknown(node)
        c = compiler.named(("rule", ident), node, scope)
        typ = c.type.with_indicator(True)
        return Compiled(ir.ValueRef(ident, type=typ, **scope.at(node)), NOT_CONSTANT, node)
    if ident in fw.inputs:
        return input_ref(compiler, node, scope)
    if ident in fw.parameters:
        compiler.used.add(("param", ident))
        c = compiler.named(("param", ident), node, scope)
        ptype = compiler.param_types.get(ident, c.type)
        if ptype.per_indicator and not compiler.indicator_ok(
            node, scope, f"parameter `{ident}` is set per indicator"
        ):
            return unknown(node)
        const = NOT_CONSTANT if ptype.per_indicator else c.const
        return Compiled(ir.Param(ident, type=ptype, **scope.at(node)), const, node, True)
    if ident in fw.defines:
        return _definition(compiler, node, scope)
    return _not_a_value(compiler, node, scope)


def _in_parameter(compiler: Compiler, node: ast.Name, scope: Scope) -> Compiled:
    """A parameter's value (or a threshold, a default) may use only other parameters."""
    fw = compiler.fw
    ident = node.name
    if ident in fw.parameters:
        compiler.used.add(("param", ident))
        c = compiler.named(("param", ident), node, scope)
        return Compiled(c.ir, c.const, node, True)
    compiler.error(
        "Q206",
        f"{scope.what} can only use constants and other parameters, not `{ident}`",
        scope.loc(node),
        did_you_mean(ident, fw.parameters)
        if ident not in compiler.all_names()
        else "compute it in a rule or a definition instead",
    )
    return unknown(node)


def _definition(compiler: Compiler, node: ast.Name, scope: Scope) -> Compiled:
    ident = node.name
    d = compiler.fw.defines[ident]
    compiler.used.add(("define", ident))
    if d.args:
        compiler.error(
            "Q207",
            f"`{ident}` needs {len(d.args)} argument{'s' * (len(d.args) != 1)}: {ident}({', '.join(d.args)})",
            scope.loc(node),
            f"write {ident}({', '.join(d.args)})",
        )
        return unknown(node)
    c = compiler.named(("define", ident), node, scope)
    if c.type.per_indicator and not compiler.indicator_ok(
        node, scope, f"`{ident}` varies by indicator"
    ):
        return unknown(node)
    return Compiled(ir.DefineRef(ident, c.ir, type=c.type, **scope.at(node)), c.const, node)


def _not_a_value(compiler: Compiler, node: ast.Name, scope: Scope) -> Compiled:
    """A name that is not a value: a unit attribute, an indicator id, a function, or unknown."""
    ident = node.name
    if ident in compiler.unit_attrs:
        compiler.error(
            "Q208",
            f"`{ident}` is a unit attribute; it can only group an aggregate",
            scope.loc(node),
            f"write e.g. mean(x, by={ident})",
        )
    elif ident in compiler.fw.indicators:
        compiler.error(
            "Q209",
            f"`{ident}` is an indicator; say which of its values you mean",
            scope.loc(node),
            f"write e.g. {ident}.points",
        )
    elif ident in REGISTRY:
        compiler.error(
            "Q211",
            f"`{ident}` is a function: call it with arguments",
            scope.loc(node),
            f"write {REGISTRY[ident].signature}",
        )
    else:
        compiler.error(
            "Q201",
            f"unknown name `{ident}`",
            scope.loc(node),
            did_you_mean(ident, compiler.all_names(scope))
            or "declare it under parameters, inputs or define",
        )
    return unknown(node)


def input_ref(compiler: Compiler, node: ast.Name, scope: Scope) -> Compiled:
    ident = node.name
    inp = compiler.fw.inputs[ident]
    compiler.used.add(("input", ident))
    if inp.key == "none":
        default = compiler.input_default(inp)
        unit_input = ir.Input(ident, default=default, type=t.NUMBER, **scope.at(node))
        return Compiled(unit_input, NOT_CONSTANT, node)
    if not compiler.indicator_ok(node, scope, f"input `{ident}` has one value per {inp.key}"):
        return unknown(node)
    if inp.key == "indicator":
        typ = t.Type(t.Kind.NUMBER, True)
        return Compiled(ir.ValueRef(ident, type=typ, **scope.at(node)), NOT_CONSTANT, node)
    default = compiler.input_default(inp)
    typ = t.Type(t.Kind.NUMBER, True)
    by_group = ir.Input(ident, key_field="group", default=default, type=typ, **scope.at(node))
    return Compiled(by_group, NOT_CONSTANT, node)


def attribute(compiler: Compiler, node: ast.Attr, scope: Scope) -> Compiled:
    """`DM007.points`: one indicator's value (or field), the same for every indicator."""
    fw = compiler.fw
    obj = node.obj
    if isinstance(obj, ast.Name) and obj.name in fw.indicators:
        iid = obj.name
        field = node.name
        index = compiler.index[iid]
        if field in m.INDICATOR_STRINGS or field in m.INDICATOR_NUMBERS:
            if field in m.INDICATOR_NUMBERS:
                compiler.depends_on(("field", field), node, scope)
            kind = t.Kind.STRING if field in m.INDICATOR_STRINGS else t.Kind.NUMBER
            field_of = ir.IndicatorFieldOf(field, index, type=t.Type(kind), **scope.at(node))
            return Compiled(field_of, NOT_CONSTANT, node)
        if field in fw.rules or (field in fw.inputs and fw.inputs[field].key == "indicator"):
            if field in fw.rules:
                c = compiler.named(("rule", field), node, scope)
                typ = t.Type(c.type.kind, False, c.type.elem)
            else:
                compiler.used.add(("input", field))
                typ = t.NUMBER
            value_of = ir.ValueOf(field, index, type=typ, **scope.at(node))
            return Compiled(value_of, NOT_CONSTANT, node)
        compiler.error(
            "Q213",
            f"indicator {iid} has no value `{field}`",
            scope.loc(node),
            did_you_mean(field, [*fw.rules, *m.INDICATOR_STRINGS, *m.INDICATOR_NUMBERS]),
        )
        return unknown(node)
    if (
        isinstance(obj, ast.Name)
        and obj.name not in compiler.all_names(scope)
        and obj.name not in scope.args
    ):
        compiler.error(
            "Q214",
            f"unknown indicator `{obj.name}`",
            scope.loc(obj),
            did_you_mean(obj.name, fw.indicators) or "the name before `.` must be an indicator id",
        )
        return unknown(node)
    compiler.error(
        "Q215",
        "`.` can only follow an indicator id",
        scope.loc(node),
        "write e.g. DM007.points",
    )
    return unknown(node)

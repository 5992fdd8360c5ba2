"""Indicators: their table of fields and thresholds, their parameter overrides, and each
per-indicator value (a rule or an indicator-keyed input) with its variants — indicator override
> kind override > framework rule (or a plain data fetch)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from qframe.check.compiled import Compiled, Scope
from qframe.check.rules import thresholds
from qframe.errors.diagnostics import did_you_mean
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.ir.program import IndicatorValue, Variant
from qframe.model import definition as m

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler


def indicator_table(
    compiler: Compiler,
) -> tuple[dict[str, list[str | None]], dict[str, list[float]]]:
    """Each indicator's string and number fields, one list a field (an engine makes them its
    own arrays; a missing number is NaN); kinds and thresholds checked on the way."""
    fw = compiler.fw
    n = len(compiler.ids)
    strings: dict[str, list[str | None]] = {f: [None] * n for f in m.INDICATOR_STRINGS}
    numbers: dict[str, list[float]] = {f: [math.nan] * n for f in m.INDICATOR_NUMBERS}
    for i, (iid, ind) in enumerate(fw.indicators.items()):
        strings["id"][i] = iid
        strings["title"][i] = ind.info.title
        strings["group"][i] = ind.group
        strings["domain"][i] = ind.domain
        strings["kind"][i] = ind.kind
        if ind.max_points is not None:
            numbers["max_points"][i] = ind.max_points
        if ind.kind and fw.kinds and ind.kind not in fw.kinds:
            compiler.error(
                "Q246",
                f"indicator {iid}: unknown kind `{ind.kind}`",
                ind.kind_location,
                did_you_mean(ind.kind, fw.kinds) or f"declared kinds: {', '.join(fw.kinds)}",
            )
        if ind.thresholds is not None and ind.thresholds.tree is not None:
            bounds = thresholds.check(compiler, iid, ind.thresholds)
            if bounds is not None:
                numbers["lower"][i], numbers["upper"][i] = bounds
    return strings, numbers


def param_overrides(compiler: Compiler, types: dict[str, t.Type]) -> dict[str, dict[int, Compiled]]:
    """Parameters set per indicator (`params:`): parameter -> indicator index -> value."""
    fw = compiler.fw
    out: dict[str, dict[int, Compiled]] = {}
    for iid, ind in fw.indicators.items():
        for name, expr in ind.params.items():
            if name not in fw.parameters:
                compiler.error(
                    "Q204",
                    f"indicator {iid} overrides unknown parameter `{name}`",
                    expr.location(),
                    did_you_mean(name, fw.parameters) or "declare it under `parameters:` first",
                )
                continue
            compiler.used.add(("param", name))
            c = compiler.expression(expr, Scope(expr, "parameter", f"parameter `{name}` of {iid}"))
            want = types[name]
            if not (c.type.is_any or want.is_any or c.type.kind is want.kind):
                compiler.error(
                    "Q241",
                    f"indicator {iid}: `{name}` must be {want.describe()}, like the framework's value, not {c.type.describe()}",
                    expr.location(),
                )
            out.setdefault(name, {})[compiler.index[iid]] = c
    return out


def indicator_values(compiler: Compiler) -> dict[str, IndicatorValue]:
    fw = compiler.fw
    values: dict[str, IndicatorValue] = {}
    for name, inp in fw.inputs.items():
        if inp.key == "indicator":
            values[name] = IndicatorValue(
                name, "input", t.Type(t.Kind.NUMBER, True), (), location=inp.location
            )
    for name in fw.rules:
        c = compiler.named(("rule", name))
        if c.type.kind is t.Kind.RANGE:
            compiler.error(
                "Q237",
                f"rule `{name}` is a range; a rule must give one value per indicator",
                fw.rules[name].expr.location(),
                "use the range inside the rule, e.g. x in 4 .. 8, or slide(x, lower, upper)",
            )
        values[name] = IndicatorValue(
            name, "rule", c.type.with_indicator(True), (), location=fw.rules[name].location
        )
    _check_override_keys(compiler, values)
    return {
        name: replace(value, variants=_variants(compiler, name, value))
        for name, value in values.items()
    }


def _check_override_keys(compiler: Compiler, values: dict[str, IndicatorValue]) -> None:
    fw = compiler.fw
    known = set(values) | {n for n, i in fw.inputs.items() if i.key != "indicator"}
    for kind in fw.kinds.values():
        for key, expr in kind.overrides.items():
            if key not in values:
                compiler.error(
                    "Q205",
                    f"kind `{kind.name}` overrides `{key}`, which is not a rule",
                    expr.location(),
                    did_you_mean(key, values) or "declare the rule under `rules:` first",
                )
    for iid, ind in fw.indicators.items():
        for key, expr in ind.overrides.items():
            if key not in values:
                hint = did_you_mean(
                    key, [*values, *(k for k in m.INDICATOR_KEYS if k != "confidence")]
                )
                extra = (
                    " (an input that is not keyed by indicator cannot be overridden)"
                    if key in known
                    else ""
                )
                compiler.error(
                    "Q205",
                    f"indicator {iid}: unknown field `{key}`{extra}",
                    expr.location(),
                    hint or "an indicator may override a rule or an indicator input",
                )


def _variants(compiler: Compiler, name: str, value: IndicatorValue) -> tuple[Variant, ...]:
    """Group the indicators by the expression they use for ``name``, and compile each once."""
    fw = compiler.fw
    groups: dict[int, tuple[m.Expression | None, list[int]]] = {}
    for i, ind in enumerate(fw.indicators.values()):
        chosen: m.Expression | None = ind.overrides.get(name)
        if chosen is None and ind.kind in fw.kinds:
            chosen = fw.kinds[ind.kind].overrides.get(name)
        if chosen is None and value.kind == "rule":
            chosen = fw.rules[name].expr
        group_key = id(chosen) if chosen is not None else 0
        groups.setdefault(group_key, (chosen, []))[1].append(i)
    variants: list[Variant] = []
    for variant_expr, members in groups.values():
        ids = tuple(compiler.ids[i] for i in members)
        if variant_expr is None:
            default = compiler.input_default(fw.inputs[name])
            typ = t.Type(t.Kind.NUMBER, True)
            compiled = Compiled(ir.Input(name, key_field="id", default=default, type=typ))
        else:
            what = f"`{name}` of {ids[0]}" if len(ids) == 1 else f"rule `{name}`"
            compiler.stack.append(("rule", name))  # its references: cycles through overrides
            own = name in fw.rules and variant_expr is fw.rules[name].expr
            compiler.override_depth = 0 if own else len(compiler.stack)
            try:
                compiled = compiler.expression(
                    variant_expr, Scope(variant_expr, "indicator", what, indicators=ids)
                )
            finally:
                compiler.stack.pop()
                compiler.override_depth = 0
            want = value.type
            if not (compiled.type.is_any or want.is_any or compiled.type.kind is want.kind):
                compiler.error(
                    "Q242",
                    f"{what} must be {want.describe()}, not {compiled.type.describe()}",
                    variant_expr.location(),
                    f"the framework's `{name}` is {want.describe()}; an override must give the same kind of value",
                )
        variants.append(Variant(tuple(members), compiled.ir, variant_expr))
    return tuple(variants)

"""Checks and escalation: conditions per unit, levels listed once, rules with known levels and
durations of whole periods."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qframe.check.compiled import Compiled, Scope
from qframe.errors.diagnostics import did_you_mean
from qframe.model import definition as m

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler


def check_rule(compiler: Compiler, chk: m.Check) -> Compiled:
    """A `checks:` entry: a condition per unit, optionally per unit attribute."""
    if chk.per:
        compiler.attribute_uses.setdefault(chk.per, chk.location)
    c = compiler.expression(chk.expr, Scope(chk.expr, "unit", f"check `{chk.name}`"))
    compiler.expect_bool(c, chk.expr, None, f"check `{chk.name}`")
    if chk.per and chk.per not in compiler.unit_attrs:
        compiler.error(
            "Q250",
            f"check `{chk.name}`: unknown unit attribute `{chk.per}`",
            chk.location,
            did_you_mean(chk.per, compiler.unit_attrs)
            or f"known attributes: {', '.join(compiler.unit_attrs)}",
        )
    return c


def compile_escalation(
    compiler: Compiler,
) -> tuple[dict[str, Compiled], dict[str, int], dict[str, int]]:
    """The escalation rules' conditions, their `for` durations in periods, and the levels' order."""
    fw = compiler.fw
    levels: dict[str, int] = {}
    for i, lv in enumerate(fw.levels):
        if lv.id in levels:
            compiler.error("Q260", f"escalation level `{lv.id}` is listed twice", lv.location)
        levels.setdefault(lv.id, i)
    ids: set[str] = set()
    out: dict[str, Compiled] = {}
    steps: dict[str, int] = {}
    for rule in fw.escalation:
        if rule.id in ids:
            compiler.error(
                "Q261",
                f"escalation rule `{rule.id}` is defined twice",
                rule.location,
                "give each rule its own id",
            )
            continue
        ids.add(rule.id)
        if rule.level not in levels:
            compiler.error(
                "Q262",
                f"escalation rule `{rule.id}`: unknown level `{rule.level}`",
                rule.level_location,
                did_you_mean(rule.level, levels) or f"levels: {', '.join(levels)}",
            )
        out[rule.id] = compiler.named(("escalation", rule.id))
        steps[rule.id] = 1
        if rule.persists is not None and rule.persists.tree is not None:
            steps[rule.id] = compiler.steps(
                rule.persists.tree, Scope(rule.persists, "parameter", f"`for` of {rule.id}")
            )
    return out, steps, levels


def compile_condition(compiler: Compiler, rule: m.EscalationRule) -> Compiled:
    c = compiler.expression(rule.when, Scope(rule.when, "unit", f"escalation rule `{rule.id}`"))
    compiler.expect_bool(c, rule.when, None, f"`when` of {rule.id}")
    return c

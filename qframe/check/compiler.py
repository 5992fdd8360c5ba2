"""Typed model → typed IR (:class:`~qframe.ir.program.Program`), checking everything that can
be checked without data.

One walk over each syntax tree checks it (names, arity, units, indicator context) and turns it into
frozen typed IR nodes (:mod:`qframe.ir.nodes`), folding constants. Engines lower the program to
what they run: the numpy engine to closures (:mod:`qframe.engines.numpy.lower`).

The walk is split by what it checks: names (:mod:`.names`), operators and literals
(:mod:`.operators`), calls (:mod:`.calls`), indicators and their overrides (:mod:`.indicators`);
framework-level rules are one per module under :mod:`.rules`. Every problem is collected as a
:class:`~qframe.errors.diagnostics.Diagnostic` with its place in the file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from qframe.check import calls, indicators, names, operators
from qframe.check.compiled import Compiled, Scope, unknown
from qframe.check.folding import folded_without_engine
from qframe.check.records.program import check_records
from qframe.check.rules import (
    cycles,
    duplicates,
    escalation,
    outcome,
    parameters,
    totals,
    unused,
)
from qframe.check.rules import (
    levels as level_rules,
)
from qframe.errors.diagnostics import Diagnostic, Location, error, warning
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.ir.program import Program
from qframe.language import ast
from qframe.language.printer import to_text
from qframe.model import definition as m

Key = tuple[str, str]  # a named thing: ("param" | "define" | "rule" | "total" | "escalation", name)
# Folding a constant: (True, its value), or (False, None) when it cannot be done without data.
Evaluate = Callable[[ir.Node], tuple[bool, Any]]

HANDLERS: dict[type, Callable[[Compiler, Any, Scope], Compiled]] = {
    **{literal: operators.literal for literal in operators.LITERAL_TYPES},
    ast.Name: names.name,
    ast.Attr: names.attribute,
    ast.Unary: operators.unary,
    ast.Binary: operators.binary,
    ast.If: operators.conditional,
    ast.Call: calls.call,
    ast.Date: operators.record_only,
    ast.Quantity: operators.record_only,
    ast.Known: operators.record_only,
}


class Compiler:
    def __init__(self, fw: m.FrameworkDef, evaluate: Evaluate) -> None:
        self.fw = fw
        self.evaluate = evaluate  # folds constants: an engine's evaluation of a constant node
        self.diags: list[Diagnostic] = []
        self.seen_diagnostics: set[tuple[int, str]] = set()
        self.ids = tuple(fw.indicators)
        self.index = {iid: i for i, iid in enumerate(self.ids)}
        self.unit_attrs = tuple(dict.fromkeys((*m.STANDARD_UNIT_ATTRIBUTES, *fw.unit_attributes)))
        # memo for named things; the stack of what is being compiled (a reference back into it
        # is a cycle: not followed here, and reported once from the dependency graph)
        self.memo: dict[Key, Compiled] = {}
        self.stack: list[Key] = []
        self.used: set[Key] = set()
        self.rule_types: dict[str, t.Type] = {}
        self.param_types: dict[str, t.Type] = {}
        self.attribute_uses: dict[str, Location] = {}  # unit attributes grouped by, and where
        # the dependency graph: who refers to whom, and where (first reference)
        self.edges: dict[Key, dict[Key, Location]] = {}
        # the edges that only a kind's or an indicator's override adds, and the stack depth of
        # the override expression being checked (0: none)
        self.override_edges: set[tuple[Key, Key]] = set()
        self.override_depth = 0

    # ------------------------------------------------------------------ diagnostics
    def error(self, code: str, message: str, where: Location | None, hint: str = "") -> None:
        self.report(error(code, message, where, hint))

    def warn(self, code: str, message: str, where: Location | None, hint: str = "") -> None:
        self.report(warning(code, message, where, hint))

    def report(self, *diagnostics: Diagnostic) -> None:
        """Collect diagnostics, each (place, message) once."""
        for d in diagnostics:
            key = (d.location.offset if d.location else -1, d.message)
            if key not in self.seen_diagnostics:
                self.seen_diagnostics.add(key)
                self.diags.append(d)

    # ------------------------------------------------------------------ whole framework
    def compile(self) -> Program:
        fw = self.fw
        self.report(*duplicates.check(fw))
        self.report(*level_rules.check(fw))
        params = {name: self.named(("param", name)) for name in fw.parameters}
        parameters.check_ranges(self, params)
        param_types = {name: c.type for name, c in params.items()}
        param_overrides = indicators.param_overrides(self, param_types)
        for name, c in params.items():
            if name in param_overrides:
                param_types[name] = c.type.with_indicator(True)
        self.param_types = param_types
        strings, numbers = indicators.indicator_table(self)
        values = indicators.indicator_values(self)
        self.report(*outcome.check(fw, params, self.rule_types))
        total_values = {name: self.named(("total", name)) for name in fw.totals}
        self.report(*totals.check(fw, total_values))
        checks = {name: escalation.check_rule(self, chk) for name, chk in fw.checks.items()}
        escalations, steps, levels = escalation.compile_escalation(self)
        self.report(*cycles.check(self.edges, self.override_edges))
        for define in fw.defines.values():  # report errors in definitions nobody uses
            if define.args:
                calls.define_body(self, define, {a: unknown() for a in define.args})
            else:
                self.named(("define", define.name))
        self.report(*unused.check(fw, self.used))
        records, record_diags = check_records(fw)
        self.report(*record_diags)
        order = [n for n, v in values.items() if v.kind == "input"] + [
            n for n, v in values.items() if v.kind == "rule"
        ]
        money = frozenset(
            [n for n, v in values.items() if v.type.kind is t.Kind.MONEY]
            + [n for n, c in total_values.items() if c.type.kind is t.Kind.MONEY]
        )
        return Program(
            framework=fw,
            indicator_ids=self.ids,
            indicator_strings=strings,
            indicator_numbers=numbers,
            params={name: _constant(c) for name, c in params.items()},
            param_types=param_types,
            param_overrides={
                name: {i: _constant(c) for i, c in by_indicator.items()}
                for name, by_indicator in param_overrides.items()
            },
            values=values,
            value_order=order,
            totals={name: c.ir for name, c in total_values.items()},
            checks={name: c.ir for name, c in checks.items()},
            escalation={name: c.ir for name, c in escalations.items()},
            escalation_steps=steps,
            level_order=levels,
            unit_attributes=self.unit_attrs,
            money_values=money,
            dependencies={key: dict(refs) for key, refs in self.edges.items()},
            param_deps=cycles.dependencies(self.edges),
            attribute_uses=dict(self.attribute_uses),
            diagnostics=self.diags,
            records=records,
        )

    # ------------------------------------------------------------------ named things (memoised)
    def named(self, key: Key, ref: ast.Node | None = None, scope: Scope | None = None) -> Compiled:
        """The compiled value of a named thing, compiled once. A reference back to one being
        compiled is a cycle: it is not followed (it is reported from the dependency graph)."""
        if self.stack and ref is not None and scope is not None:
            self.link(key, scope.loc(ref))
        if key in self.memo:
            return self.memo[key]
        if key in self.stack:
            return unknown(ref)
        self.stack.append(key)
        try:
            compiled = self.compile_named(key)
        finally:
            self.stack.pop()
        self.memo[key] = compiled
        return compiled

    def compile_named(self, key: Key) -> Compiled:
        section, name = key
        fw = self.fw
        if section == "param":
            return parameters.compile_value(self, name)
        if section == "define":
            d = fw.defines[name]
            return self.expression(d.expr, Scope(d.expr, "indicator", f"definition `{name}`"))
        if section == "total":
            r = fw.totals[name]
            return self.expression(r.expr, Scope(r.expr, "unit", f"total `{name}`"))
        if section == "rule":
            r = fw.rules[name]
            c = self.expression(
                r.expr, Scope(r.expr, "indicator", f"rule `{name}`", indicators=self.ids)
            )
            self.rule_types[name] = c.type.with_indicator(True)
            return c
        if section == "escalation":
            rule = next(r for r in fw.escalation if r.id == name)
            return escalation.compile_condition(self, rule)
        raise KeyError(key)  # pragma: no cover

    def depends_on(self, key: Key, node: ast.Node, scope: Scope) -> None:
        """Note that what is being compiled reads ``key`` (a parameter or an indicator field)."""
        if self.stack:
            self.link(key, scope.loc(node))

    def link(self, key: Key, where: Location) -> None:
        """An edge of the dependency graph: what is being compiled refers to ``key``."""
        source = self.stack[-1]
        refs = self.edges.setdefault(source, {})
        if key not in refs:
            refs[key] = where
            if len(self.stack) == self.override_depth:
                self.override_edges.add((source, key))

    # ------------------------------------------------------------------ expressions
    def expression(self, expr: m.Expression, scope: Scope) -> Compiled:
        if expr.tree is None:
            return unknown()
        try:
            return self.node(expr.tree, scope)
        except RecursionError:
            self.error(
                "Q101",
                f"{scope.what} is nested too deeply to compile",
                expr.location(),
                "split it into named definitions",
            )
            return unknown()

    def node(self, node: ast.Node, scope: Scope) -> Compiled:
        return HANDLERS[type(node)](self, node, scope)

    # ------------------------------------------------------------------ shared checks
    def all_names(self, scope: Scope | None = None) -> list[str]:
        fw = self.fw
        known = [*fw.parameters, *fw.inputs, *fw.defines, *fw.totals]
        if scope is None or scope.where == "indicator":
            known += [*fw.rules, *m.INDICATOR_STRINGS, *m.INDICATOR_NUMBERS]
        if scope is not None:
            known += list(scope.args)
        return known

    def indicator_ok(self, node: ast.Node, scope: Scope, why: str) -> bool:
        if scope.where == "indicator":
            return True
        self.error(
            "Q212",
            f"{why}; {scope.what} has one value per {self.fw.unit}",
            scope.loc(node),
            "use it inside a rule, or aggregate it: sum(x, over=indicators)",
        )
        return False

    def expect_bool(
        self, c: Compiled, expr: m.Expression, node: ast.Node | None, what: str
    ) -> None:
        if c.type.kind not in (t.Kind.BOOL, t.Kind.ANY):
            self.error(
                "Q307",
                f"{what} needs a condition (true/false), not {c.type.describe()}",
                expr.location(node if node is not None else c.node),
                "compare it with something, e.g. x > 0",
            )

    def input_default(self, inp: m.Input) -> float | None:
        if inp.default is None:
            return None
        c = self.expression(
            inp.default, Scope(inp.default, "parameter", f"default of input `{inp.name}`")
        )
        if c.is_const and isinstance(c.const, (int, float)):
            return float(c.const)
        if not c.type.is_any:
            self.error(
                "Q243",
                f"the default of input `{inp.name}` must be a number",
                inp.default.location(),
                "e.g. `default: 0`",
            )
        return None

    def steps(self, node: ast.Node, scope: Scope) -> int:
        """A duration as a whole number of the framework's periods (checked statically)."""
        if isinstance(node, ast.Number) and node.value == int(node.value) and node.value >= 1:
            return int(node.value)
        if not isinstance(node, ast.Duration):
            self.error(
                "Q330", f"{scope.what}: expected a duration such as `2 quarters`", scope.loc(node)
            )
            return 1
        if node.unit == "period":
            months = node.amount * self.fw.period_months
        else:
            months = node.amount * ast.DURATION_MONTHS[node.unit]
        steps = months / self.fw.period_months
        if steps != int(steps) or steps < 1:
            self.error(
                "Q331",
                f"{to_text(node)} is not a whole number of {self.fw.frequency}s",
                scope.loc(node),
                f"this framework evaluates {self.fw.frequency}ly periods",
            )
            return 1
        return int(steps)

    def fold(self, c: Compiled, parts: list[Compiled]) -> Compiled:
        """Evaluate an expression of constants now (so thresholds and parameters are checked);
        an expression of static parts is static."""
        if parts and all(p.static for p in parts) and not c.static:
            c = Compiled(c.ir, c.const, c.node, True)
        if all(p.is_const for p in parts) and not c.type.per_indicator:
            known = folded_without_engine(c.ir)
            folded, value = known if known is not None else self.evaluate(c.ir)
            if not folded:  # a constant that cannot be folded stays dynamic
                return c
            if not _finite(value):
                self.error(
                    "Q320",
                    f"{to_text(c.node) if c.node else 'this constant'} overflows: it is not a finite number",
                    c.ir.location,
                    "a value this large cannot be computed with: write smaller numbers",
                )
                return unknown()
            folded_node = ir.Const(value, type=c.type, location=c.ir.location, syntax=c.ir.syntax)
            return Compiled(folded_node, value, c.node, True)
        return c


def _finite(value: Any) -> bool:
    """Whether a folded constant (a number, a text, a truth value or a range of them) is finite."""
    if isinstance(value, tuple):
        return all(_finite(v) for v in value)
    return not isinstance(value, float) or math.isfinite(value)


def _constant(c: Compiled) -> ir.Node:
    """A parameter's value as IR: a constant when it is known."""
    if c.is_const and not isinstance(c.ir, ir.Const):
        return ir.Const(c.const, type=c.type, location=c.ir.location, syntax=c.ir.syntax)
    return c.ir


def check_framework(fw: m.FrameworkDef, evaluate: Evaluate) -> Program:
    """Check a framework and turn it into typed IR; ``evaluate`` folds constant nodes (an
    engine's evaluation: the numpy engine's, for bit-identical values)."""
    return Compiler(fw, evaluate).compile()

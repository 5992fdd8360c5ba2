"""Typed model → evaluation plan, checking everything that can be checked without data.

One walk over each syntax tree both checks it (names, arity, units, indicator context, cycles)
and builds a closure ``fn(ctx) -> column`` made of vectorised numpy operations
(:mod:`qframe.engines.numpy.vectors`). The closures run once per evaluation over all units, periods and
indicators at once: the tree is never walked per practice.

Every problem is collected as a :class:`~qframe.errors.diagnostics.Diagnostic` with its place in the file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qframe.engines.numpy import vectors as vec
from qframe.errors.diagnostics import Diagnostic, Location, did_you_mean, error, warning
from qframe.ir import kinds as t
from qframe.language import ast
from qframe.language.printer import to_text
from qframe.model import definition as m

if TYPE_CHECKING:
    from qframe.engines.numpy.engine import Ctx

NOCONST: Any = object()
Fn = Callable[["Ctx"], Any]


@dataclass(frozen=True)
class C:
    """A compiled expression: its static type, its closure, and its value when constant."""

    type: t.Type
    fn: Fn
    const: Any = NOCONST
    node: ast.Node | None = None
    static: bool = False  # depends on no data: only constants, parameters and indicator fields

    @property
    def is_const(self) -> bool:
        return self.const is not NOCONST


def _any(node: ast.Node | None = None) -> C:
    return C(t.ANY, lambda ctx: np.nan, NOCONST, node)


@dataclass(frozen=True)
class Scope:
    expr: m.Expression
    where: str  # "parameter", "unit" or "indicator"
    what: str  # for messages: "rule `points`", "parameter `point_value`"
    args: Mapping[str, C] = field(default_factory=dict)
    indicators: tuple[str, ...] = ()  # the indicators this expression is compiled for

    def loc(self, node: ast.Node) -> Location:
        return self.expr.location(node)


@dataclass
class Variant:
    """One distinct expression of a per-indicator value, and the indicators that use it."""

    indicators: list[int]
    compiled: C
    expr: m.Expression | None  # None for a plain data fetch


@dataclass
class IndicatorValue:
    """A rule or an indicator-keyed input: one column per indicator, possibly several variants."""

    name: str
    kind: str  # "rule" or "input"
    type: t.Type
    variants: list[Variant] = field(default_factory=list)
    location: Location | None = None


@dataclass
class Plan:
    """Everything evaluation needs, compiled once."""

    framework: m.FrameworkDef
    indicator_ids: tuple[str, ...]
    indicator_strings: dict[str, np.ndarray]
    indicator_numbers: dict[str, np.ndarray]
    params: dict[str, C]  # framework-level parameter values
    param_types: dict[str, t.Type]
    param_overrides: dict[str, dict[int, C]]  # parameter -> indicator index -> value
    values: dict[str, IndicatorValue]  # rules and indicator-keyed inputs
    value_order: list[str]  # output column order (inputs first, then rules)
    totals: dict[str, C]
    checks: dict[str, C]
    escalation: dict[str, C]
    escalation_steps: dict[str, int]
    level_order: dict[str, int]
    unit_attributes: tuple[str, ...]
    money_values: frozenset[str]  # rule and total names whose type is money
    diagnostics: list[Diagnostic]
    trace: Any = None  # the tracing Compiler, when compiled for explain
    # unit attributes the definition groups by (by=, per:), with where: the data must have them
    attribute_uses: dict[str, Location] = field(default_factory=dict)
    # what each named thing reads: parameters, and indicator fields as "field:lower"
    param_deps: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


class Compiler:
    def __init__(self, fw: m.FrameworkDef) -> None:
        self.fw = fw
        self.diags: list[Diagnostic] = []
        self._seen: set[tuple[int, str]] = set()
        self.ids = tuple(fw.indicators)
        self.index = {iid: i for i, iid in enumerate(self.ids)}
        self.unit_attrs = tuple(dict.fromkeys((*m.STANDARD_UNIT_ATTRIBUTES, *fw.unit_attributes)))
        # memo for named things: key -> C; "in progress" marks for cycle detection
        self._memo: dict[tuple[str, str], C] = {}
        self._stack: list[tuple[str, str]] = []
        self._cycle_reported: set[frozenset[tuple[str, str]]] = set()
        self.used: set[tuple[str, str]] = set()
        self.rule_types: dict[str, t.Type] = {}
        self._frames: list[dict[Any, Any]] = []
        self.attribute_uses: dict[str, Location] = {}  # unit attributes grouped by, and where
        self.named_traces: dict[tuple[str, str], dict[Any, Any]] = {}
        self.variant_traces: dict[tuple[str, int], dict[Any, Any]] = {}
        # who refers to whom (with where), to find cycles that run through overrides
        self._edges: dict[tuple[str, str], dict[tuple[str, str], Location]] = {}

    # ------------------------------------------------------------------ diagnostics
    def error(self, code: str, message: str, where: Location | None, hint: str = "") -> None:
        self._add(error(code, message, where, hint))

    def warn(self, code: str, message: str, where: Location | None, hint: str = "") -> None:
        self._add(warning(code, message, where, hint))

    def _add(self, d: Diagnostic) -> None:
        key = (d.location.offset if d.location else -1, d.message)
        if key not in self._seen:
            self._seen.add(key)
            self.diags.append(d)

    # ------------------------------------------------------------------ whole framework
    def compile(self) -> Plan:
        fw = self.fw
        self._check_names()
        params = {name: self.named(("param", name)) for name in fw.parameters}
        for name, prm in fw.parameters.items():  # plausible ranges of modelled assumptions
            if prm.range is None or prm.range.tree is None:
                continue
            rc = self.expression(prm.range, Scope(prm.range, "parameter", f"range of `{name}`"))
            want = params[name].type.kind
            if (
                rc.type.kind is not t.Kind.RANGE
                or rc.type.elem not in (want, t.Kind.ANY)
                or not rc.is_const
            ):
                self.error(
                    "Q244",
                    f"the range of `{name}` must be a range of {params[name].type.describe()}",
                    prm.range.location(),
                    "write e.g. range: 60% .. 80% (or £140 .. £170 for money)",
                )
            elif (
                isinstance(params[name].const, float)
                and not rc.const[0] <= params[name].const <= rc.const[1]
            ):
                self.warn(
                    "W245",
                    f"`{name}` = {params[name].const:g} lies outside its range",
                    prm.range.location(),
                    "widen the range or correct the value",
                )
        param_types = {name: c.type for name, c in params.items()}
        param_overrides = self._param_overrides(param_types)
        for name, c in params.items():
            if name in param_overrides:
                param_types[name] = c.type.with_indicator(True)
        self.param_types = param_types
        strings, numbers = self._indicator_table()
        values = self._indicator_values()
        for name in fw.outcome:
            if name not in fw.rules:
                self.error(
                    "Q238",
                    f"`outcome` names `{name}`, which is not a rule",
                    fw.outcome_location,
                    did_you_mean(name, fw.rules) or f"rules: {', '.join(fw.rules)}",
                )
        for name in fw.rounded:
            if fw.rules and name not in fw.rules and name != "payment":
                self.error(
                    "Q239",
                    f"`money.rounded` names `{name}`, which is not a rule",
                    None,
                    did_you_mean(name, fw.rules) or "list money rules",
                )
            elif name in fw.rules and self.rule_types.get(name, t.MONEY).kind not in (
                t.Kind.MONEY,
                t.Kind.ANY,
            ):
                money_params = [n for n, c in params.items() if c.type.kind is t.Kind.MONEY]
                self.error(
                    "Q239",
                    f"rule `{name}` gives {self.rule_types[name].describe()}, not money, so it cannot be paid (rounded to the penny)",
                    fw.rules[name].location,
                    "is a parameter missing its £? e.g. point_value: £156.92"
                    if not money_params
                    else f"multiply by a money parameter ({', '.join(money_params)}), or list only money rules under money.rounded",
                )
        totals = {name: self.named(("total", name)) for name in fw.totals}
        for name, c in totals.items():
            if c.type.kind in (t.Kind.STRING, t.Kind.RANGE):
                self.error(
                    "Q237",
                    f"total `{name}` is {c.type.describe()}; a total must be a number, money, a duration or a condition",
                    fw.totals[name].expr.location(),
                    "a range or a text cannot be written in the results: compute a value from it",
                )
            if c.type.per_indicator:
                self.error(
                    "Q230",
                    f"total `{name}` varies by indicator",
                    fw.totals[name].location,
                    "aggregate over indicators, e.g. sum(payment, over=indicators)",
                )
        checks = {name: self._check(chk) for name, chk in fw.checks.items()}
        escalation, steps, levels = self._escalation()
        self._graph_cycles()
        for define in fw.defines.values():  # report errors in definitions nobody uses
            if define.args:
                self._define_body(define, {a: _any() for a in define.args})
            else:
                self.named(("define", define.name))
        self._unused()
        order = [n for n, v in values.items() if v.kind == "input"] + [
            n for n, v in values.items() if v.kind == "rule"
        ]
        money = frozenset(
            [n for n, v in values.items() if v.type.kind is t.Kind.MONEY]
            + [n for n, c in totals.items() if c.type.kind is t.Kind.MONEY]
        )
        return Plan(
            framework=fw,
            indicator_ids=self.ids,
            indicator_strings=strings,
            indicator_numbers=numbers,
            params=params,
            param_types=param_types,
            param_overrides=param_overrides,
            values=values,
            value_order=order,
            totals=totals,
            checks=checks,
            escalation=escalation,
            escalation_steps=steps,
            level_order=levels,
            unit_attributes=self.unit_attrs,
            money_values=money,
            param_deps=self._parameter_dependencies(),
            attribute_uses=dict(self.attribute_uses),
            diagnostics=self.diags,
        )

    def _check_names(self) -> None:
        """One name, one meaning: a name may not be both a parameter and a rule, say."""
        fw = self.fw
        owners: dict[str, tuple[str, Location]] = {}
        sections = [
            ("parameter", {n: p.location for n, p in fw.parameters.items()}),
            ("input", {n: i.location for n, i in fw.inputs.items()}),
            ("definition", {n: d.location for n, d in fw.defines.items()}),
            ("rule", {n: r.location for n, r in fw.rules.items()}),
            ("total", {n: r.location for n, r in fw.totals.items()}),
        ]
        builtin = set(m.INDICATOR_STRINGS) | set(m.INDICATOR_NUMBERS)
        from qframe.functions.registry import REGISTRY

        for section, names in sections:
            for name, where in names.items():
                if name in owners and {owners[name][0], section} == {"rule", "total"}:
                    continue  # a total may share its rule's name: `payment` per unit and per indicator
                if name in owners:
                    other, first = owners[name]
                    self.error(
                        "Q202",
                        f"`{name}` is both a {other} (line {first.line}) and a {section}",
                        where,
                        "give each a different name",
                    )
                    continue
                owners[name] = (section, where)
                if name in builtin:
                    self.error(
                        "Q203",
                        f"`{name}` is a built-in indicator field and cannot be redefined as a {section}",
                        where,
                        "choose another name",
                    )
                if name in REGISTRY:
                    self.error(
                        "Q203",
                        f"`{name}` is a built-in function and cannot be redefined as a {section}",
                        where,
                        "choose another name",
                    )
        for iid, ind in fw.indicators.items():
            if iid in owners:
                self.error(
                    "Q202",
                    f"indicator id `{iid}` is also the name of a {owners[iid][0]}",
                    ind.location,
                    "rename one of them",
                )

    # ------------------------------------------------------------------ named things (memoised, cycle-checked)
    def named(
        self, key: tuple[str, str], ref: ast.Node | None = None, scope: Scope | None = None
    ) -> C:
        if self._stack and ref is not None and scope is not None:
            self._edges.setdefault(self._stack[-1], {}).setdefault(key, scope.loc(ref))
        if key in self._memo:
            return self._memo[key]
        if key in self._stack:
            cycle = [*self._stack[self._stack.index(key) :], key]
            ident = frozenset(cycle)
            if ident not in self._cycle_reported:
                self._cycle_reported.add(ident)
                path = " → ".join(n for _, n in cycle)
                where = scope.loc(ref) if (scope and ref is not None) else None
                self.error(
                    "Q210",
                    f"circular definition: {path}",
                    where,
                    "a definition cannot depend on itself, directly or through others",
                )
            return _any(ref)
        self._stack.append(key)
        self._frame_start()
        try:
            compiled = self._compile_named(key)
        finally:
            self._stack.pop()
            if self.tracing:
                self.named_traces[key] = self._frame_end()
        self._memo[key] = compiled
        return compiled

    def _compile_named(self, key: tuple[str, str]) -> C:
        section, name = key
        fw = self.fw
        if section == "param":
            p = fw.parameters[name]
            c = self.expression(p.value, Scope(p.value, "parameter", f"parameter `{name}`"))
            if (
                c.type.kind is t.Kind.BOOL
                or c.type.kind is t.Kind.STRING
                or c.type.is_any
                or c.is_const
            ):
                return c
            self.error(
                "Q240",
                f"parameter `{name}` must be a constant",
                p.value.location(),
                "a parameter's value is a literal such as £156.92, 7052 or 35%",
            )
            return c
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
            return self._escalation_rule(rule)
        raise KeyError(key)  # pragma: no cover

    # ------------------------------------------------------------------ indicators
    def _indicator_table(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        fw = self.fw
        n = len(self.ids)
        strings = {f: np.empty(n, dtype=object) for f in m.INDICATOR_STRINGS}
        numbers = {f: np.full(n, np.nan) for f in m.INDICATOR_NUMBERS}
        for i, (iid, ind) in enumerate(fw.indicators.items()):
            strings["id"][i] = iid
            strings["title"][i] = ind.info.title
            strings["group"][i] = ind.group
            strings["domain"][i] = ind.domain
            strings["kind"][i] = ind.kind
            if ind.max_points is not None:
                numbers["max_points"][i] = ind.max_points
            if ind.kind and fw.kinds and ind.kind not in fw.kinds:
                self.error(
                    "Q246",
                    f"indicator {iid}: unknown kind `{ind.kind}`",
                    ind.kind_location,
                    did_you_mean(ind.kind, fw.kinds) or f"declared kinds: {', '.join(fw.kinds)}",
                )
            if ind.thresholds is not None and ind.thresholds.tree is not None:
                scope = Scope(ind.thresholds, "parameter", f"thresholds of {iid}")
                c = self.expression(ind.thresholds, scope)
                if c.type.is_any:
                    continue
                if c.type.kind is not t.Kind.RANGE or c.type.elem not in (
                    t.Kind.NUMBER,
                    t.Kind.ANY,
                ):
                    self.error(
                        "Q311",
                        f"thresholds of {iid} must be a range of percentages, not {c.type.describe()}",
                        ind.thresholds.location(),
                        "write e.g. `35% .. 75%`",
                    )
                    continue
                if c.is_const:
                    lo, hi = c.const
                    numbers["lower"][i], numbers["upper"][i] = lo, hi
                    if not lo < hi:
                        self.error(
                            "Q310",
                            f"indicator {iid}: lower threshold {_pct(lo)} is not below the upper threshold {_pct(hi)}",
                            ind.thresholds.location(),
                            "write the lower threshold first, e.g. `35% .. 75%`",
                        )
                    if lo < 0 or hi > 1:
                        self.warn(
                            "W311",
                            f"indicator {iid}: thresholds {_pct(lo)} .. {_pct(hi)} lie outside 0% .. 100%",
                            ind.thresholds.location(),
                            "thresholds are percentages of the denominator",
                        )
        return strings, numbers

    def _param_overrides(self, types: dict[str, t.Type]) -> dict[str, dict[int, C]]:
        out: dict[str, dict[int, C]] = {}
        for iid, ind in self.fw.indicators.items():
            for name, expr in ind.params.items():
                if name not in self.fw.parameters:
                    self.error(
                        "Q204",
                        f"indicator {iid} overrides unknown parameter `{name}`",
                        expr.location(),
                        did_you_mean(name, self.fw.parameters)
                        or "declare it under `parameters:` first",
                    )
                    continue
                self.used.add(("param", name))
                c = self.expression(expr, Scope(expr, "parameter", f"parameter `{name}` of {iid}"))
                want = types[name]
                if not (c.type.is_any or want.is_any or c.type.kind is want.kind):
                    self.error(
                        "Q241",
                        f"indicator {iid}: `{name}` must be {want.describe()}, like the framework's value, not {c.type.describe()}",
                        expr.location(),
                    )
                out.setdefault(name, {})[self.index[iid]] = c
        return out

    def _indicator_values(self) -> dict[str, IndicatorValue]:
        fw = self.fw
        values: dict[str, IndicatorValue] = {}
        for name, inp in fw.inputs.items():
            if inp.key == "indicator":
                values[name] = IndicatorValue(
                    name, "input", t.Type(t.Kind.NUMBER, True), location=inp.location
                )
        for name in fw.rules:
            c = self.named(("rule", name))
            if c.type.kind is t.Kind.RANGE:
                self.error(
                    "Q237",
                    f"rule `{name}` is a range; a rule must give one value per indicator",
                    fw.rules[name].expr.location(),
                    "use the range inside the rule, e.g. x in 4 .. 8, or slide(x, lower, upper)",
                )
            values[name] = IndicatorValue(
                name, "rule", c.type.with_indicator(True), location=fw.rules[name].location
            )
        known = set(values) | {n for n, i in fw.inputs.items() if i.key != "indicator"}
        # validate override keys
        for kind in fw.kinds.values():
            for key, expr in kind.overrides.items():
                if key not in values:
                    self.error(
                        "Q205",
                        f"kind `{kind.name}` overrides `{key}`, which is not a rule",
                        expr.location(),
                        did_you_mean(key, values) or "declare the rule under `rules:` first",
                    )
        for iid, ind in fw.indicators.items():
            for key, expr in ind.overrides.items():
                if key not in values:
                    hint = did_you_mean(
                        key,
                        [
                            *values,
                            "title",
                            "doc",
                            "source",
                            "group",
                            "domain",
                            "kind",
                            "max_points",
                            "thresholds",
                            "params",
                        ],
                    )
                    extra = (
                        " (an input that is not keyed by indicator cannot be overridden)"
                        if key in known
                        else ""
                    )
                    self.error(
                        "Q205",
                        f"indicator {iid}: unknown field `{key}`{extra}",
                        expr.location(),
                        hint or "an indicator may override a rule or an indicator input",
                    )
        # variants: indicator override > kind override > framework rule (or data fetch)
        for name, value in values.items():
            groups: dict[int, tuple[m.Expression | None, list[int]]] = {}
            for i, (_iid, ind) in enumerate(fw.indicators.items()):
                chosen: m.Expression | None = ind.overrides.get(name)
                if chosen is None and ind.kind in fw.kinds:
                    chosen = fw.kinds[ind.kind].overrides.get(name)
                if chosen is None and value.kind == "rule":
                    chosen = fw.rules[name].expr
                group_key = id(chosen) if chosen is not None else 0
                groups.setdefault(group_key, (chosen, []))[1].append(i)
            for variant_expr, members in groups.values():
                ids = tuple(self.ids[i] for i in members)
                if variant_expr is None:
                    compiled = self._fetch_indicator_input(name)
                else:
                    what = f"`{name}` of {ids[0]}" if len(ids) == 1 else f"rule `{name}`"
                    self._stack.append(("rule", name))
                    self._frame_start()
                    try:
                        compiled = self.expression(
                            variant_expr, Scope(variant_expr, "indicator", what, indicators=ids)
                        )
                    finally:
                        self._stack.pop()
                        if self.tracing:
                            self.variant_traces[(name, id(variant_expr))] = self._frame_end()
                    want = value.type
                    if not (compiled.type.is_any or want.is_any or compiled.type.kind is want.kind):
                        self.error(
                            "Q242",
                            f"{what} must be {want.describe()}, not {compiled.type.describe()}",
                            variant_expr.location(),
                            f"the framework's `{name}` is {want.describe()}; an override must give the same kind of value",
                        )
                value.variants.append(Variant(members, compiled, variant_expr))
        return values

    def _fetch_indicator_input(self, name: str) -> C:
        inp = self.fw.inputs[name]
        default = self._input_default(inp)

        def fetch(ctx: Ctx) -> Any:
            return ctx.keyed_input(name, ctx.indicator_string("id"), default)

        return C(t.Type(t.Kind.NUMBER, True), fetch)

    def _input_default(self, inp: m.Input) -> float | None:
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

    # ------------------------------------------------------------------ checks and escalation
    def _check(self, chk: m.Check) -> C:
        if chk.per:
            self.attribute_uses.setdefault(chk.per, chk.location)
        c = self.expression(chk.expr, Scope(chk.expr, "unit", f"check `{chk.name}`"))
        self._expect_bool(c, chk.expr, None, f"check `{chk.name}`")
        if chk.per and chk.per not in self.unit_attrs:
            self.error(
                "Q250",
                f"check `{chk.name}`: unknown unit attribute `{chk.per}`",
                chk.location,
                did_you_mean(chk.per, self.unit_attrs)
                or f"known attributes: {', '.join(self.unit_attrs)}",
            )
        return c

    def _escalation(self) -> tuple[dict[str, C], dict[str, int], dict[str, int]]:
        fw = self.fw
        levels: dict[str, int] = {}
        for i, lv in enumerate(fw.levels):
            if lv.id in levels:
                self.error("Q260", f"escalation level `{lv.id}` is listed twice", lv.location)
            levels.setdefault(lv.id, i)
        ids: set[str] = set()
        out: dict[str, C] = {}
        steps: dict[str, int] = {}
        for rule in fw.escalation:
            if rule.id in ids:
                self.error(
                    "Q261",
                    f"escalation rule `{rule.id}` is defined twice",
                    rule.location,
                    "give each rule its own id",
                )
                continue
            ids.add(rule.id)
            if rule.level not in levels:
                self.error(
                    "Q262",
                    f"escalation rule `{rule.id}`: unknown level `{rule.level}`",
                    rule.level_location,
                    did_you_mean(rule.level, levels) or f"levels: {', '.join(levels)}",
                )
            out[rule.id] = self.named(("escalation", rule.id))
            steps[rule.id] = 1
            if rule.persists is not None and rule.persists.tree is not None:
                steps[rule.id] = self._steps(
                    rule.persists.tree, Scope(rule.persists, "parameter", f"`for` of {rule.id}")
                )
        return out, steps, levels

    def _escalation_rule(self, rule: m.EscalationRule) -> C:
        c = self.expression(rule.when, Scope(rule.when, "unit", f"escalation rule `{rule.id}`"))
        self._expect_bool(c, rule.when, None, f"`when` of {rule.id}")
        return c

    def _steps(self, node: ast.Node, scope: Scope) -> int:
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

    def _depends_on(self, key: tuple[str, str], node: ast.Node, scope: Scope) -> None:
        """Note that what is being compiled reads ``key`` (a parameter or an indicator field)."""
        if self._stack:
            self._edges.setdefault(self._stack[-1], {}).setdefault(key, scope.loc(node))

    def _parameter_dependencies(self) -> dict[tuple[str, str], frozenset[str]]:
        """For each rule, definition, total and escalation rule: the parameters and indicator
        fields it reads, directly or through others (a sweep recomputes only what they touch)."""
        memo: dict[tuple[str, str], frozenset[str]] = {}

        def deps(node: tuple[str, str], seen: frozenset[tuple[str, str]]) -> frozenset[str]:
            if node in memo:
                return memo[node]
            if node[0] == "param":
                return frozenset([node[1]])
            if node[0] == "field":
                return frozenset([f"field:{node[1]}"])
            out: set[str] = set()
            for nxt in self._edges.get(node, {}):
                if nxt not in seen:
                    out |= deps(nxt, seen | {nxt})
            memo[node] = frozenset(out)
            return memo[node]

        return {key: deps(key, frozenset([key])) for key in list(self._edges)}

    def _graph_cycles(self) -> None:
        """Cycles the memoised compile cannot see: through kind and indicator overrides."""
        state: dict[tuple[str, str], int] = {}
        path: list[tuple[str, str]] = []

        def visit(node: tuple[str, str]) -> None:
            state[node] = 1
            path.append(node)
            for nxt, where in self._edges.get(node, {}).items():
                if state.get(nxt) == 1:
                    cycle = [*path[path.index(nxt) :], nxt]
                    ident = frozenset(cycle)
                    if ident not in self._cycle_reported:
                        self._cycle_reported.add(ident)
                        names = " → ".join(n for _, n in cycle)
                        self.error(
                            "Q210",
                            f"circular definition: {names}",
                            where,
                            "a rule cannot depend on itself, directly, through others or through an override",
                        )
                elif nxt not in state:
                    visit(nxt)
            path.pop()
            state[node] = 2

        for node in list(self._edges):
            if node not in state:
                visit(node)

    # ------------------------------------------------------------------ unused things
    def _unused(self) -> None:
        for name, p in self.fw.parameters.items():
            if ("param", name) not in self.used:
                self.warn(
                    "W201",
                    f"parameter `{name}` is never used",
                    p.location,
                    "remove it, or use it in a rule",
                )
        for name, d in self.fw.defines.items():
            if ("define", name) not in self.used:
                self.warn(
                    "W202",
                    f"definition `{name}` is never used",
                    d.location,
                    "remove it, or use it in a rule",
                )
        for name, i in self.fw.inputs.items():
            if ("input", name) not in self.used and not (
                i.key == "indicator" and name in self._output_inputs()
            ):
                self.warn(
                    "W203",
                    f"input `{name}` is never used",
                    i.location,
                    "remove it, or use it in a rule",
                )

    def _output_inputs(self) -> set[str]:
        return {n for n, i in self.fw.inputs.items() if i.key == "indicator"}

    # ------------------------------------------------------------------ expressions
    def expression(self, expr: m.Expression, scope: Scope) -> C:
        if expr.tree is None:
            return _any()
        try:
            return self.node(expr.tree, scope)
        except RecursionError:
            self.error(
                "Q101",
                f"{scope.what} is nested too deeply to compile",
                expr.location(),
                "split it into named definitions",
            )
            return _any()

    def node(self, node: ast.Node, scope: Scope) -> C:
        method = getattr(self, f"_n_{type(node).__name__}")
        result: C = method(node, scope)
        if self.tracing and self._frames:
            self._frames[-1][id(node)] = result
        return result

    # ------------------------------------------------------------------ tracing (for explain)
    # With tracing on, every compiled node's closure is kept, grouped by the expression it was
    # compiled for (a named definition, a rule variant, a definition called with arguments), so
    # `explain` can show the value of each step from the evaluation's own context.
    tracing = False

    def _frame_start(self) -> None:
        if self.tracing:
            self._frames.append({})

    def _frame_end(self) -> dict[Any, Any]:
        return self._frames.pop() if self.tracing else {}

    def _n_Number(self, node: ast.Number, scope: Scope) -> C:
        v = node.value
        return C(t.NUMBER, lambda ctx: v, v, node, True)

    def _n_Percent(self, node: ast.Percent, scope: Scope) -> C:
        v = node.value / 100.0
        return C(t.NUMBER, lambda ctx: v, v, node, True)

    def _n_Money(self, node: ast.Money, scope: Scope) -> C:
        v = node.value
        return C(t.MONEY, lambda ctx: v, v, node, True)

    def _n_Duration(self, node: ast.Duration, scope: Scope) -> C:
        if node.unit not in ast.DURATION_UNITS:  # pragma: no cover - the grammar only admits these
            self.error("Q332", f"unknown time unit `{node.unit}`", scope.loc(node))
        v = node.amount * (
            self.fw.period_months
            if node.unit == "period"
            else ast.DURATION_MONTHS.get(node.unit, 1)
        )
        return C(t.DURATION, lambda ctx: v, v, node, True)

    def _n_String(self, node: ast.String, scope: Scope) -> C:
        v = node.value
        return C(t.STRING, lambda ctx: v, v, node, True)

    def _n_Bool(self, node: ast.Bool, scope: Scope) -> C:
        v = 1.0 if node.value else 0.0
        return C(t.BOOL, lambda ctx: v, v, node, True)

    # names ---------------------------------------------------------------
    def _n_Name(self, node: ast.Name, scope: Scope) -> C:
        name = node.name
        fw = self.fw
        if name in scope.args:
            return scope.args[name]
        if scope.where == "parameter":
            if name in fw.parameters:
                self.used.add(("param", name))
                c = self.named(("param", name), node, scope)
                return C(c.type, c.fn, c.const, node, True)
            self.error(
                "Q206",
                f"{scope.what} can only use constants and other parameters, not `{name}`",
                scope.loc(node),
                did_you_mean(name, fw.parameters)
                if name not in self._all_names()
                else "compute it in a rule or a definition instead",
            )
            return _any(node)
        if name in m.INDICATOR_STRINGS or name in m.INDICATOR_NUMBERS:
            if not self._indicator_ok(node, scope, f"`{name}` is a field of each indicator"):
                return _any(node)
            kind = t.Kind.STRING if name in m.INDICATOR_STRINGS else t.Kind.NUMBER
            if name in m.INDICATOR_STRINGS:
                return C(
                    t.Type(kind, True), lambda ctx: ctx.indicator_string(name), NOCONST, node, True
                )
            self._depends_on(("field", name), node, scope)
            return C(
                t.Type(kind, True), lambda ctx: ctx.indicator_number(name), NOCONST, node, True
            )
        if name in fw.totals and (scope.where != "indicator" or name not in fw.rules):
            c = self.named(("total", name), node, scope)
            return C(c.type, lambda ctx: ctx.total(name), NOCONST, node)
        if name in fw.rules:
            if not self._indicator_ok(
                node, scope, f"`{name}` is a rule, with a value for each indicator"
            ):
                return _any(node)
            c = self.named(("rule", name), node, scope)
            self._stack_dep(node, scope)
            return C(c.type.with_indicator(True), lambda ctx: ctx.value(name), NOCONST, node)
        if name in fw.inputs:
            return self._input_ref(node, scope)
        if name in fw.parameters:
            self.used.add(("param", name))
            c = self.named(("param", name), node, scope)
            ptype = self.param_types.get(name, c.type) if hasattr(self, "param_types") else c.type
            if ptype.per_indicator and not self._indicator_ok(
                node, scope, f"parameter `{name}` is set per indicator"
            ):
                return _any(node)
            return C(
                ptype,
                lambda ctx: ctx.param(name),
                NOCONST if ptype.per_indicator else c.const,
                node,
                True,
            )
        if name in fw.defines:
            d = fw.defines[name]
            self.used.add(("define", name))
            if d.args:
                self.error(
                    "Q207",
                    f"`{name}` needs {len(d.args)} argument{'s' * (len(d.args) != 1)}: {name}({', '.join(d.args)})",
                    scope.loc(node),
                    f"write {name}({', '.join(d.args)})",
                )
                return _any(node)
            c = self.named(("define", name), node, scope)
            if c.type.per_indicator and not self._indicator_ok(
                node, scope, f"`{name}` varies by indicator"
            ):
                return _any(node)
            body = c.fn
            per_ind = c.type.per_indicator
            return C(c.type, lambda ctx: ctx.cached(name, body, per_ind), c.const, node)
        if name in self.unit_attrs:
            self.error(
                "Q208",
                f"`{name}` is a unit attribute; it can only group an aggregate",
                scope.loc(node),
                f"write e.g. mean(x, by={name})",
            )
            return _any(node)
        if name in fw.indicators:
            self.error(
                "Q209",
                f"`{name}` is an indicator; say which of its values you mean",
                scope.loc(node),
                f"write e.g. {name}.points",
            )
            return _any(node)
        from qframe.functions.registry import REGISTRY

        if name in REGISTRY:
            self.error(
                "Q211",
                f"`{name}` is a function: call it with arguments",
                scope.loc(node),
                f"write {REGISTRY[name].signature}",
            )
            return _any(node)
        self.error(
            "Q201",
            f"unknown name `{name}`",
            scope.loc(node),
            did_you_mean(name, self._all_names(scope))
            or "declare it under parameters, inputs or define",
        )
        return _any(node)

    def _stack_dep(self, node: ast.Node, scope: Scope) -> None:
        """Reference to a rule from inside a rule variant: detect cycles through overrides."""

    def _all_names(self, scope: Scope | None = None) -> list[str]:
        fw = self.fw
        names = [*fw.parameters, *fw.inputs, *fw.defines, *fw.totals]
        if scope is None or scope.where == "indicator":
            names += [*fw.rules, *m.INDICATOR_STRINGS, *m.INDICATOR_NUMBERS]
        if scope is not None:
            names += list(scope.args)
        return names

    def _indicator_ok(self, node: ast.Node, scope: Scope, why: str) -> bool:
        if scope.where == "indicator":
            return True
        self.error(
            "Q212",
            f"{why}; {scope.what} has one value per {self.fw.unit}",
            scope.loc(node),
            "use it inside a rule, or aggregate it: sum(x, over=indicators)",
        )
        return False

    def _input_ref(self, node: ast.Name, scope: Scope) -> C:
        name = node.name
        inp = self.fw.inputs[name]
        self.used.add(("input", name))
        if inp.key == "none":
            default = self._input_default(inp)
            return C(t.NUMBER, lambda ctx: ctx.input(name, default), NOCONST, node)
        if not self._indicator_ok(node, scope, f"input `{name}` has one value per {inp.key}"):
            return _any(node)
        if inp.key == "indicator":
            return C(t.Type(t.Kind.NUMBER, True), lambda ctx: ctx.value(name), NOCONST, node)
        default = self._input_default(inp)
        return C(
            t.Type(t.Kind.NUMBER, True),
            lambda ctx: ctx.keyed_input(name, ctx.indicator_string("group"), default),
            NOCONST,
            node,
        )

    def _n_Attr(self, node: ast.Attr, scope: Scope) -> C:
        obj = node.obj
        if isinstance(obj, ast.Name) and obj.name in self.fw.indicators:
            iid = obj.name
            field_ = node.name
            index = self.index[iid]
            if field_ in m.INDICATOR_STRINGS or field_ in m.INDICATOR_NUMBERS:
                src = "string" if field_ in m.INDICATOR_STRINGS else "number"
                kind = t.Kind.STRING if src == "string" else t.Kind.NUMBER
                if src == "number":
                    self._depends_on(("field", field_), node, scope)
                return C(
                    t.Type(kind), lambda ctx: ctx.indicator_field_of(field_, index), NOCONST, node
                )
            if field_ in self.fw.rules or (
                field_ in self.fw.inputs and self.fw.inputs[field_].key == "indicator"
            ):
                if field_ in self.fw.rules:
                    c = self.named(("rule", field_), node, scope)
                    typ = c.type.with_indicator(False)
                    typ = t.Type(typ.kind, False, typ.elem)
                else:
                    self.used.add(("input", field_))
                    typ = t.NUMBER
                return C(typ, lambda ctx: ctx.value_of(field_, index), NOCONST, node)
            self.error(
                "Q213",
                f"indicator {iid} has no value `{field_}`",
                scope.loc(node),
                did_you_mean(field_, [*self.fw.rules, *m.INDICATOR_STRINGS, *m.INDICATOR_NUMBERS]),
            )
            return _any(node)
        if (
            isinstance(obj, ast.Name)
            and obj.name not in self._all_names(scope)
            and obj.name not in scope.args
        ):
            self.error(
                "Q214",
                f"unknown indicator `{obj.name}`",
                scope.loc(obj),
                did_you_mean(obj.name, self.fw.indicators)
                or "the name before `.` must be an indicator id",
            )
            return _any(node)
        self.error(
            "Q215",
            "`.` can only follow an indicator id",
            scope.loc(node),
            "write e.g. DM007.points",
        )
        return _any(node)

    # operators -------------------------------------------------------------
    def _n_Unary(self, node: ast.Unary, scope: Scope) -> C:
        a = self.node(node.operand, scope)
        if node.op == "not":
            self._expect_bool(a, scope.expr, node.operand, "`not`")
            fn = a.fn
            return self._fold(
                C(
                    t.Type(t.Kind.BOOL, a.type.per_indicator),
                    lambda ctx: vec.kleene_not(fn(ctx)),
                    NOCONST,
                    node,
                ),
                [a],
            )
        if a.type.kind not in (t.Kind.NUMBER, t.Kind.MONEY, t.Kind.DURATION, t.Kind.ANY):
            self.error("Q300", f"cannot negate {a.type.describe()}", scope.loc(node))
            return _any(node)
        fn = a.fn
        if node.op == "+":
            return C(a.type, fn, a.const, node)
        return self._fold(C(a.type, lambda ctx: -vec.as_float(fn(ctx)), NOCONST, node), [a])

    def _n_Binary(self, node: ast.Binary, scope: Scope) -> C:
        op = node.op
        a = self.node(node.left, scope)
        b = self.node(node.right, scope)
        per = a.type.per_indicator or b.type.per_indicator
        ka, kb = a.type.kind, b.type.kind
        fa, fb = a.fn, b.fn
        if op in ("and", "or"):
            self._expect_bool(a, scope.expr, node.left, f"`{op}`")
            self._expect_bool(b, scope.expr, node.right, f"`{op}`")
            f = vec.kleene_and if op == "and" else vec.kleene_or
            return self._fold(
                C(t.Type(t.Kind.BOOL, per), lambda ctx: f(fa(ctx), fb(ctx)), NOCONST, node), [a, b]
            )
        if op in ast.COMPARISON:
            if not t.comparable(ka, kb, op):
                self.error(
                    "Q301",
                    f"cannot compare {a.type.describe()} with {b.type.describe()}",
                    scope.loc(node),
                    _unit_hint(ka, kb),
                )
                return _any(node)
            return self._fold(
                C(
                    t.Type(t.Kind.BOOL, per),
                    lambda ctx: vec.compare(op, fa(ctx), fb(ctx)),
                    NOCONST,
                    node,
                ),
                [a, b],
            )
        if op in ast.MEMBERSHIP:
            if kb is not t.Kind.RANGE and kb is not t.Kind.ANY:
                self.error(
                    "Q302",
                    f"`{op}` needs a range on its right, not {b.type.describe()}",
                    scope.loc(node.right),
                    "write e.g. x in 4 .. 8",
                )
                return _any(node)
            elem = b.type.elem or t.Kind.ANY
            if not t.comparable(ka, elem, "<"):
                self.error(
                    "Q301",
                    f"cannot compare {a.type.describe()} with a range of {t.Type(elem).describe()}",
                    scope.loc(node),
                    _unit_hint(ka, elem),
                )
                return _any(node)
            negate = op == "not in"

            def member(ctx: Ctx) -> Any:
                lo, hi = fb(ctx)
                r = vec.within(fa(ctx), lo, hi)
                return vec.kleene_not(r) if negate else r

            return self._fold(C(t.Type(t.Kind.BOOL, per), member, NOCONST, node), [a, b])
        if op == "..":
            kind = t.add_kind(ka, kb)
            if kind is None or kind not in (
                t.Kind.NUMBER,
                t.Kind.MONEY,
                t.Kind.DURATION,
                t.Kind.ANY,
            ):
                self.error(
                    "Q303",
                    f"a range needs two bounds of the same kind, not {a.type.describe()} and {b.type.describe()}",
                    scope.loc(node),
                    "write e.g. 35% .. 75% or £100 .. £200",
                )
                return _any(node)
            if (
                a.is_const
                and b.is_const
                and not a.const <= b.const
                and not scope.what.startswith("thresholds")
            ):
                self.error(
                    "Q304",
                    f"the range {to_text(node)} is empty: its lower bound is above its upper bound",
                    scope.loc(node),
                    "write the lower bound first",
                )
            return self._fold(
                C(t.Type(t.Kind.RANGE, per, kind), lambda ctx: (fa(ctx), fb(ctx)), NOCONST, node),
                [a, b],
            )
        # arithmetic
        if op in ("+", "-"):
            kind = t.add_kind(ka, kb)
            verb = "add" if op == "+" else "subtract"
        elif op == "*":
            kind = t.mul_kind(ka, kb)
            verb = "multiply"
        elif op == "/":
            kind = t.div_kind(ka, kb)
            verb = "divide"
        else:
            kind = t.Kind.NUMBER if {ka, kb} <= {t.Kind.NUMBER, t.Kind.ANY} else None
            verb = "raise"
        if kind is None:
            self.error(
                "Q305",
                f"cannot {verb} {a.type.describe()} {_prep(op)} {b.type.describe()}",
                scope.loc(node),
                _arith_hint(op, ka, kb),
            )
            return _any(node)
        typ = t.Type(kind, per)
        if op == "+":
            fn: Fn = lambda ctx: vec.as_float(fa(ctx)) + vec.as_float(fb(ctx))  # noqa: E731
        elif op == "-":
            fn = lambda ctx: vec.as_float(fa(ctx)) - vec.as_float(fb(ctx))  # noqa: E731
        elif op == "*":
            fn = lambda ctx: vec.as_float(fa(ctx)) * vec.as_float(fb(ctx))  # noqa: E731
        elif op == "^":
            fn = lambda ctx: vec.power(fa(ctx), fb(ctx))  # noqa: E731
        else:

            def fn(ctx: Ctx) -> Any:
                out, zero = vec.divide(fa(ctx), fb(ctx))
                ctx.note_zero_division(zero)
                return out

        return self._fold(C(typ, fn, NOCONST, node), [a, b])

    def _n_If(self, node: ast.If, scope: Scope) -> C:
        c = self.node(node.cond, scope)
        a = self.node(node.then, scope)
        b = self.node(node.orelse, scope)
        self._expect_bool(c, scope.expr, node.cond, "`if`")
        kind = (
            a.type.kind
            if b.type.is_any
            else b.type.kind
            if a.type.is_any
            else (a.type.kind if a.type.kind is b.type.kind else None)
        )
        if kind is None:
            self.error(
                "Q306",
                f"the two branches of `if` give different kinds of value: {a.type.describe()} and {b.type.describe()}",
                scope.loc(node),
                "both `then` and `else` must give the same kind, e.g. £0 rather than 0 for money",
            )
            return _any(node)
        per = c.type.per_indicator or a.type.per_indicator or b.type.per_indicator
        fc, fa, fb = c.fn, a.fn, b.fn
        if c.static and c.type.per_indicator:
            # The condition differs only between indicators: evaluate each branch only for the
            # indicators that take it (so a branch may read data the others do not have).
            text = kind is t.Kind.STRING
            return self._fold(
                C(
                    t.Type(kind, per, a.type.elem or b.type.elem),
                    lambda ctx: ctx.split_by_indicator(fc(ctx), fa, fb, text),
                    NOCONST,
                    node,
                ),
                [c, a, b],
            )
        return self._fold(
            C(
                t.Type(kind, per, a.type.elem or b.type.elem),
                lambda ctx: vec.choose(fc(ctx), fa(ctx), fb(ctx)),
                NOCONST,
                node,
            ),
            [c, a, b],
        )

    def _n_Keyword(
        self, node: ast.Keyword, scope: Scope
    ) -> C:  # pragma: no cover - handled by calls
        return self.node(node.value, scope)

    def _n_Call(self, node: ast.Call, scope: Scope) -> C:
        from qframe.functions.registry import REGISTRY

        fw = self.fw
        name = node.func
        if name in fw.defines:
            return self._call_define(node, scope)
        if name in fw.inputs:
            return self._call_input(node, scope)
        spec = REGISTRY.get(name)
        if spec is None:
            known = [*REGISTRY, *fw.defines, *(n for n, i in fw.inputs.items() if i.key != "none")]
            self.error(
                "Q220",
                f"unknown function `{name}`",
                Location(scope.expr.source, scope.expr.location(node).offset, len(name)),
                did_you_mean(name, known) or "see docs/language.md for the functions",
            )
            for arg in (*node.args, *(k.value for k in node.kwargs)):
                self.node(arg, scope)
            return _any(node)
        return spec.compile(self, node, scope)

    def _call_define(self, node: ast.Call, scope: Scope) -> C:
        d = self.fw.defines[node.func]
        self.used.add(("define", d.name))
        self._depends_on(("define", d.name), node, scope)
        if node.kwargs:
            self.error("Q221", f"`{d.name}` takes no keyword arguments", scope.loc(node.kwargs[0]))
        if len(node.args) != len(d.args):
            self.error(
                "Q222",
                f"`{d.name}` takes {len(d.args)} argument{'s' * (len(d.args) != 1)}, not {len(node.args)}",
                scope.loc(node),
                f"write {d.name}({', '.join(d.args)})"
                if d.args
                else f"write {d.name} without brackets",
            )
            return _any(node)
        if not d.args:
            return self._n_Name(ast.Name(d.name, start=node.start, end=node.end), scope)
        bound = {a: self.node(arg, scope) for a, arg in zip(d.args, node.args, strict=True)}
        key = ("define", d.name)
        if key in self._stack:
            return self.named(key, node, scope)  # reports the cycle
        self._stack.append(key)
        self._frame_start()
        try:
            body = self._define_body(d, bound, scope.where, scope.indicators)
        finally:
            self._stack.pop()
            if self.tracing:
                callee = self._frame_end()
                if self._frames:  # kept inside the caller's trace: one per call site and binding
                    self._frames[-1][("call", id(node))] = callee
        if body.type.per_indicator and not self._indicator_ok(
            node, scope, f"`{d.name}(...)` varies by indicator"
        ):
            return _any(node)
        return C(body.type, body.fn, body.const, node)

    def _define_body(
        self,
        d: m.Definition,
        bound: Mapping[str, C],
        where: str = "indicator",
        indicators: tuple[str, ...] = (),
    ) -> C:
        return self.expression(
            d.expr,
            Scope(
                d.expr,
                where if where != "parameter" else "indicator",
                f"definition `{d.name}`",
                bound,
                indicators,
            ),
        )

    def _call_input(self, node: ast.Call, scope: Scope) -> C:
        inp = self.fw.inputs[node.func]
        self.used.add(("input", inp.name))
        if inp.key == "none":
            self.error(
                "Q223",
                f"input `{inp.name}` has one value per {self.fw.unit}: it takes no key",
                scope.loc(node),
                f"write {inp.name} without brackets",
            )
            return _any(node)
        if len(node.args) != 1 or node.kwargs:
            self.error(
                "Q224",
                f"input `{inp.name}` takes one key: the {inp.key}",
                scope.loc(node),
                f'write e.g. {inp.name}("DM")'
                if inp.key == "group"
                else f'write e.g. {inp.name}("DM007")',
            )
            return _any(node)
        key = self.node(node.args[0], scope)
        if key.type.kind not in (t.Kind.STRING, t.Kind.ANY):
            self.error(
                "Q225",
                f"the key of `{inp.name}` must be a string, not {key.type.describe()}",
                scope.loc(node.args[0]),
                f'write e.g. {inp.name}("DM") or {inp.name}(group)',
            )
            return _any(node)
        if inp.key == "indicator" and key.is_const and key.const not in self.fw.indicators:
            self.error(
                "Q226",
                f'unknown indicator "{key.const}"',
                scope.loc(node.args[0]),
                did_you_mean(str(key.const), self.fw.indicators),
            )
        default = self._input_default(inp)
        fk = key.fn
        name = inp.name
        return C(
            t.Type(t.Kind.NUMBER, key.type.per_indicator),
            lambda ctx: ctx.keyed_input(name, fk(ctx), default),
            NOCONST,
            node,
        )

    # helpers ----------------------------------------------------------------
    def _expect_bool(self, c: C, expr: m.Expression, node: ast.Node | None, what: str) -> None:
        if c.type.kind not in (t.Kind.BOOL, t.Kind.ANY):
            self.error(
                "Q307",
                f"{what} needs a condition (true/false), not {c.type.describe()}",
                expr.location(node if node is not None else c.node),
                "compare it with something, e.g. x > 0",
            )

    def _fold(self, c: C, parts: list[C]) -> C:
        """Evaluate an expression of constants now (so thresholds and parameters are checked);
        an expression of static parts is static."""
        if parts and all(p.static for p in parts) and not c.static:
            c = C(c.type, c.fn, c.const, c.node, True)
        if all(p.is_const for p in parts) and not c.type.per_indicator:
            try:
                value = c.fn(_ConstCtx())  # type: ignore[arg-type]
            except Exception:  # a constant that cannot be folded stays dynamic
                return c
            if isinstance(value, np.ndarray) and value.ndim == 0:
                value = value.item()
            if isinstance(value, tuple) and all(
                isinstance(v, np.ndarray) and v.ndim == 0 for v in value
            ):
                value = tuple(v.item() for v in value)
            return C(c.type, lambda ctx: value, value, c.node, True)
        return c


class _ConstCtx:
    """Stands in for an evaluation context while folding constants."""

    def note_zero_division(self, mask: Any) -> None:
        pass


def _pct(v: float) -> str:
    return f"{v * 100:g}%"


def _prep(op: str) -> str:
    return {"+": "and", "-": "from", "*": "by", "/": "by", "^": "to"}[op]


def _unit_hint(a: t.Kind, b: t.Kind) -> str:
    if t.Kind.MONEY in (a, b) and t.Kind.NUMBER in (a, b):
        return "write money with £, e.g. payment > £100"
    if t.Kind.BOOL in (a, b):
        return "a condition is already true or false: use it directly, or combine it with and/or"
    return "both sides must be the same kind of value"


def _arith_hint(op: str, a: t.Kind, b: t.Kind) -> str:
    if op in "+-" and {a, b} == {t.Kind.MONEY, t.Kind.NUMBER}:
        return "money can only be added to money: write £ amounts, or multiply the number by a £ value first"
    if op == "*" and a is b is t.Kind.MONEY:
        return "multiply money by a number (points, a share, a factor), not by money"
    if t.Kind.BOOL in (a, b):
        return "use `if cond then x else y` to turn a condition into a value"
    if t.Kind.STRING in (a, b):
        return "strings cannot take part in arithmetic"
    return "the two sides must be compatible kinds of value"


def compile_framework(fw: m.FrameworkDef, *, tracing: bool = False) -> Plan:
    compiler = Compiler(fw)
    compiler.tracing = tracing
    plan = compiler.compile()
    if tracing:
        plan.trace = compiler
    return plan

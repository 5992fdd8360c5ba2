"""Explain a result: the derivation of a practice's payment (or any value) as a tree of named
steps — each with its expression, where it is defined (file:line) and its value for that unit —
down to the input measures, ending in the points, the payment and any escalation.

The values come from the evaluation itself: the definition is compiled once more with tracing on
(the same compiler, keeping each node's closure), evaluated by the same engine, and each step's
closure is run in that evaluation's context for the one practice and indicator asked about.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from qframe.engines.base import Evaluation
from qframe.engines.numpy.lower import compile_framework
from qframe.engines.numpy.plan import Lowered, Plan, Trace
from qframe.engines.registry import engine
from qframe.errors.diagnostics import DataError, error
from qframe.ir import kinds as t
from qframe.language import ast
from qframe.language.printer import to_text
from qframe.model import definition as m
from qframe.model.periods import normalise_period
from qframe.scoring.outcome import STATUS_LABELS, highest_level
from qframe.tools.explanation import Explanation, Step, fmt, typed


class _Explainer:
    def __init__(self, plan: Plan, ev: Evaluation, u: int, p: int) -> None:
        self.plan = plan
        self.fw = plan.framework
        if plan.trace is None:
            raise ValueError("explain needs the plan lowered with tracing=True")
        self.trace: Trace = plan.trace
        self.ev = ev
        self.u, self.p = u, p
        self.index = {iid: i for i, iid in enumerate(plan.indicator_ids)}

    # -- values --------------------------------------------------------------
    def value_of(self, c: Lowered, ind: int | None) -> Any:
        raw = self.ev.expression_value(c.fn, ind)
        if isinstance(raw, tuple):
            lo, hi = (self._pick(x) for x in raw)
            return f"{fmt(lo, '')} .. {fmt(hi, '')}"
        return typed(self._pick(raw), c.type.kind)

    def _pick(self, arr: np.ndarray) -> Any:
        v = arr[0, self.u, self.p, 0]
        return v.item() if isinstance(v, np.generic) else v

    def where(self, loc: Any) -> str:
        return f"{loc.path}:{loc.line}" if loc is not None else ""

    # -- steps ---------------------------------------------------------------
    def indicator_value(self, name: str, ind: int, seen: set[Any]) -> Step:
        iv = self.plan.values[name]
        value = self.ev.values[name][0, self.u, self.p, ind]
        value = typed(value, iv.type.kind)
        variant = next(v for v in iv.variants if ind in v.indicators)
        if variant.expr is None:  # data
            iid = self.plan.indicator_ids[ind]
            inp = self.fw.inputs[name]
            return Step(
                f"{name}[{iid}]",
                "input",
                value,
                where=self.where(inp.location),
                note=f"data: measure {inp.data_name}, key {iid}",
            )
        key = ("rule-ind", name, ind, self.p)
        step = Step(
            name,
            "rule",
            value,
            to_text(variant.expr.tree) if variant.expr.tree else variant.expr.text,
            self.where(variant.expr.location()),
            money=iv.type.kind is t.Kind.MONEY,
            share=_is_share(variant.expr.tree, iv.type.kind, self.fw.inputs),
        )
        if key in seen:
            step.note, step.expr = "(shown above)", ""
            return step
        seen.add(key)
        frame = self.trace.variants.get((name, id(variant.expr)), {})
        if variant.expr.tree is not None:
            step.children = self.walk(variant.expr.tree, frame, ind, seen)
        return step

    def walk(
        self, node: ast.Node, frame: dict[Any, Any], ind: int | None, seen: set[Any]
    ) -> list[Step]:
        """Named steps inside an expression, in order (operators and literals are not steps)."""
        out: list[Step] = []
        for child in _named_nodes(node):
            if isinstance(child, ast.If):
                out += self.branch(child, frame, ind, seen)
                continue
            step = self.step_for(child, frame, ind, seen)
            if step is not None:
                out.append(step)
        return out

    def branch(
        self, node: ast.If, frame: dict[Any, Any], ind: int | None, seen: set[Any]
    ) -> list[Step]:
        """An `if`: its condition's value and the steps of the branch taken only (a branch not
        taken is named as such, not shown as if used)."""
        c = frame.get(id(node.cond))
        held = self.value_of(c, ind) if c is not None else None
        if isinstance(held, float) and not np.isnan(held):
            held = bool(held)
        if not isinstance(held, bool):
            note = "condition missing: neither branch taken" if c is not None else ""
            taken: list[ast.Node] = [] if c is not None else [node.then, node.orelse]
        else:
            note = "then branch taken" if held else "else branch taken (then not used)"
            taken = [node.then if held else node.orelse]
        cond = Step(f"if {to_text(node.cond)}", "condition", held, note=note)
        cond.children = self.walk(node.cond, frame, ind, seen)
        out = [cond]
        for part in taken:
            out += self.walk(part, frame, ind, seen)
        return out

    def shifted_period(self, node: ast.Call, c: Lowered | None) -> tuple[int, str] | None:
        """For a call that reads another period (previous, lag, at): the index of the period its
        argument is read in (-1 when that period is before the data) and its label."""
        if c is None:
            return None
        periods = list(self.ev.layout.periods)
        if node.func in ("previous", "lag") and "steps" in c.options:
            index = self.p - int(c.options["steps"])
            return index, periods[index] if index >= 0 else "a period before the data"
        if node.func == "at" and "period" in c.options:
            label = str(c.options["period"])
            return (periods.index(label) if label in periods else -1), label
        return None

    def step_for(
        self, node: ast.Node, frame: dict[Any, Any], ind: int | None, seen: set[Any]
    ) -> Step | None:
        fw = self.fw
        c = frame.get(id(node))
        if isinstance(node, ast.Name):
            name = node.name
            if name in m.INDICATOR_STRINGS or name in m.INDICATOR_NUMBERS:
                if ind is None:
                    return None
                table = (
                    self.plan.indicator_strings
                    if name in m.INDICATOR_STRINGS
                    else self.plan.indicator_numbers
                )
                return Step(
                    name,
                    "field",
                    typed(
                        table[name][ind],
                        t.Kind.STRING if name in m.INDICATOR_STRINGS else t.Kind.NUMBER,
                    ),
                    where=self.where(fw.indicators[self.plan.indicator_ids[ind]].location),
                    share=name in ("lower", "upper"),
                )
            if (
                ind is not None
                and name in self.plan.values
                and not (name in fw.totals and ind is None)
            ):
                return self.indicator_value(name, ind, seen)
            if name in fw.parameters:
                value = self.value_of(c, ind) if c is not None else None
                return Step(
                    name,
                    "parameter",
                    value,
                    where=self.where(fw.parameters[name].location),
                    money=_is_money(c),
                    share=fw.parameters[name].value.text.strip().endswith("%"),
                )
            if name in fw.inputs:
                value = self.value_of(c, ind) if c is not None else None
                inp = fw.inputs[name]
                return Step(
                    name,
                    "input",
                    value,
                    where=self.where(inp.location),
                    note=f"data: measure {inp.data_name}",
                )
            if name in fw.defines:
                d = fw.defines[name]
                value = self.value_of(c, ind) if c is not None else None
                step = Step(
                    name,
                    "definition",
                    value,
                    to_text(d.expr.tree) if d.expr.tree else d.expr.text,
                    self.where(d.location),
                    money=_is_money(c),
                    share=_is_share(
                        d.expr.tree, c.type.kind if c is not None else t.Kind.ANY, fw.inputs
                    ),
                )
                key = ("define", name, ind, self.p)
                if key in seen:
                    step.note, step.expr = "(shown above)", ""
                    return step
                seen.add(key)
                if d.expr.tree is not None:
                    step.children = self.walk(
                        d.expr.tree, self.trace.named.get(("define", name), {}), ind, seen
                    )
                return step
            if name in fw.totals:
                return self.total_step(name, seen)
            return None
        if isinstance(node, ast.Call):
            value = self.value_of(c, ind) if c is not None else None
            if node.func in fw.defines:
                d = fw.defines[node.func]
                step = Step(
                    to_text(node),
                    "definition",
                    value,
                    to_text(d.expr.tree) if d.expr.tree else d.expr.text,
                    self.where(d.location),
                    money=_is_money(c),
                    share=_is_share(
                        d.expr.tree, c.type.kind if c is not None else t.Kind.ANY, fw.inputs
                    ),
                )
                if d.expr.tree is not None:
                    bound = frame.get(("call", id(node)), {})
                    step.children = self.walk(d.expr.tree, bound, ind, seen)
                return step
            if node.func in fw.inputs:
                inp = fw.inputs[node.func]
                return Step(
                    to_text(node),
                    "input",
                    value,
                    where=self.where(inp.location),
                    note=f"data: measure {inp.data_name}",
                )
            step = Step(to_text(node), "function", value, money=_is_money(c))
            shifted = self.shifted_period(node, c)
            if shifted is not None:  # its argument as read in that period, not this one
                index, label = shifted
                step.note = f"the value in {label}"
                if index < 0:
                    return step
                here, self.p = self.p, index
                try:
                    step.children = self.walk(node.args[0], frame, ind, seen)
                finally:
                    self.p = here
                return step
            over = node.kwarg("over")
            if (
                over is not None
                and isinstance(over.value, ast.Name)
                and over.value.name == "indicators"
            ):
                return (
                    step  # its terms are the indicators' own values, shown by `explain --indicator`
                )
            for arg in (*node.args, *(k.value for k in node.kwargs)):
                step.children += self.walk(arg, frame, ind, seen)
            return step
        if (
            isinstance(node, ast.Attr)
            and isinstance(node.obj, ast.Name)
            and node.obj.name in self.index
        ):
            other = self.index[node.obj.name]
            if node.name in self.plan.values:
                return self.indicator_value(node.name, other, seen)
        return None

    def total_step(self, name: str, seen: set[Any]) -> Step:
        r = self.fw.totals[name]
        value = self.ev.totals[name][self.u, self.p]
        c = self.plan.totals[name]
        step = Step(
            name,
            "total",
            typed(value, c.type.kind),
            to_text(r.expr.tree) if r.expr.tree else r.expr.text,
            self.where(r.location),
            money=_is_money(c),
        )
        key = ("total", name)
        if key in seen:
            step.note, step.expr = "(shown above)", ""
            return step
        seen.add(key)
        if r.expr.tree is not None:
            step.children = self.walk(
                r.expr.tree, self.trace.named.get(("total", name), {}), None, seen
            )
        return step

    def escalation_steps(self) -> list[Step]:
        fw = self.fw
        out = []
        for rule in fw.escalation:
            fired = self.ev.escalation[rule.id][self.u, self.p] == 1
            frame = self.trace.named.get(("escalation", rule.id), {})
            c = self.plan.escalation[rule.id]
            cond = self.value_of(c, None)
            steps = self.plan.escalation_steps[rule.id]
            note = f"level {rule.level}" + (
                f", must hold {steps} periods running" if steps > 1 else ""
            )
            step = Step(
                rule.id,
                "escalation",
                "fired" if fired else "not fired",
                to_text(rule.when.tree) if rule.when.tree else rule.when.text,
                self.where(rule.location),
                note,
            )
            step.children = [Step("condition this period", "condition", cond)]
            if rule.when.tree is not None:
                step.children += self.walk(rule.when.tree, frame, None, set())
            out.append(step)
        return out


def _is_money(c: Lowered | None) -> bool:
    return c is not None and c.type.kind is t.Kind.MONEY


def _is_share(tree: ast.Node | None, kind: t.Kind, inputs: Any) -> bool:
    """A number that is a value over an input from the data (achievement = numerator /
    denominator, prevalence = register / list size): shown as a percentage. A quotient by a
    parameter or a definition (a list size over the average, a prevalence over the national
    one) is a ratio, and a rate per 1000 (a quotient times a number) a number: both stay numbers."""
    if kind is not t.Kind.NUMBER or not isinstance(tree, ast.Binary) or tree.op != "/":
        return False
    right = tree.right
    return (isinstance(right, ast.Name) and right.name in inputs) or (
        isinstance(right, ast.Call) and right.func in inputs
    )


def _named_nodes(node: ast.Node) -> list[ast.Node]:
    """The outermost named sub-expressions (names, calls, indicator references) of ``node``."""
    if isinstance(node, (ast.Name, ast.Call, ast.If)) or (
        isinstance(node, ast.Attr) and isinstance(node.obj, ast.Name)
    ):
        return [node]
    out: list[ast.Node] = []
    for child in node.children():
        out += _named_nodes(child)
    return out


def explain(
    fw: Any,
    data: Any,
    unit: str,
    indicator: str | None = None,
    period: str | None = None,
    params: dict[str, Any] | None = None,
) -> Explanation:
    """Explain ``unit``'s results (one indicator's, or the totals) in ``period`` (default: the
    latest). ``fw`` is a :class:`qframe.api.Framework`; ``data`` anything it evaluates."""
    definition: m.FrameworkDef = fw.definition
    from qframe.check.overrides import resolve

    plan = compile_framework(definition, tracing=True)
    resolved = resolve(plan, params or {})
    plan = resolved.apply(plan)
    ds = fw.dataset(data)  # at the framework's level: a PCN framework's units are PCNs
    numpy_engine = engine("numpy")
    arrays = numpy_engine.layout(ds, definition.frequency)
    ev = numpy_engine.evaluate(plan, arrays, fw.parameter_values(resolved))
    ids = list(arrays.unit_ids)
    period = normalise_period(period) if period is not None else None  # 2014/15 as 2014-15
    if unit not in ids:
        return _cluster_or_error(fw, plan, ev, arrays, unit, period, ids, indicator)
    period = arrays.periods[arrays.period_index(period)]
    u, p = ids.index(unit), arrays.periods.index(period)
    ex = _Explainer(plan, ev, u, p)
    steps: list[Step] = []
    if indicator is not None:
        i = _indicator_index(plan, definition.id, indicator)
        seen: set[Any] = set()
        outcome = list(definition.outcome) or [
            n for n, v in plan.values.items() if v.kind == "rule"
        ]
        last = outcome[-1]
        top = ex.indicator_value(last, i, seen)
        status = STATUS_LABELS[ev.status[u, p, i]]
        top.note = f"status {status}"
        steps.append(top)
        for name in outcome[:-1]:
            if ("rule-ind", name, i, p) not in seen:
                steps.append(ex.indicator_value(name, i, seen))
    else:
        seen = set()
        for name in definition.totals:
            steps.append(ex.total_step(name, seen))
        if plan.indicator_ids and "payment" in plan.values:
            contributions = Step("payment by indicator", "indicator", None, money=True)
            pay = ev.values["payment"][0, u, p, :]
            for i, iid in enumerate(plan.indicator_ids):
                contributions.children.append(
                    Step(
                        iid,
                        "indicator",
                        typed(pay[i], t.Kind.MONEY),
                        note=STATUS_LABELS[ev.status[u, p, i]],
                        money=True,
                    )
                )
            contributions.value = float(np.nansum(pay))
            steps.append(contributions)
    if definition.escalation:
        from qframe.results.tidy import tidy

        level = _level(ev, plan, u, p)
        units = tidy(plan, ev, {}, [period]).units
        row = units[units["unit_id"] == unit].iloc[0]
        note = (
            f"since {row['escalated_since']}; rules fired: {row['escalation_rules']}"
            if level
            else ""
        )
        esc = Step("escalation", "escalation", level or "none", note=note)
        esc.children = ex.escalation_steps()
        steps.append(esc)
    if ds.level != "practice":
        from qframe.tools.members import member_step

        amounts = {name: float(ev.totals[name][u, p]) for name in definition.totals}
        steps.append(_step(member_step(definition, ds, unit, period, indicator, amounts)))
    return Explanation(definition.id, unit, period, indicator, steps)


def _step(node: dict[str, Any]) -> Step:
    """A step from :mod:`qframe.tools.members`' plain form."""
    children = [_step(child) for child in node["children"]]
    return Step(
        node["name"],
        node["kind"],
        node["value"],
        note=node["note"],
        money=node["money"],
        children=children,
    )


def _level(ev: Evaluation, plan: Plan, u: int, p: int) -> str:
    """The highest escalation level the unit reached in the period (scoring.outcome's rule)."""
    fired = [
        (ev.escalation[rule.id][u, p], plan.level_order.get(rule.level, -1))
        for rule in plan.framework.escalation
    ]
    best = int(highest_level(fired, ()))
    return plan.framework.levels[best].id if best >= 0 else ""


def _cluster_or_error(
    fw: Any,
    plan: Plan,
    ev: Evaluation,
    arrays: Any,
    unit: str,
    period: str | None,
    ids: list[str],
    indicator: str | None = None,
) -> Explanation:
    """`--unit` naming a cluster (or another grouping): the member practices' values. Money is
    summed over the members (the group's cost); any other value (a rate, a share, a count of
    points) is never summed: shown once when every member has the same (a group-level value),
    otherwise member by member."""
    units: pd.DataFrame = arrays.units
    for attr in ("cluster", "locality", "ccg", "region", "hscp"):
        if attr in units.columns and (units[attr] == unit).any():
            members = units.loc[units[attr] == unit, "unit_id"].tolist()
            p = arrays.period_index(period)
            rows = [ids.index(mid) for mid in members]
            step = Step(f"{attr} {unit}", "group", f"{len(members)} member practices")
            if indicator is not None:
                i = _indicator_index(plan, fw.definition.id, indicator)
                outcome = list(fw.definition.outcome) or [
                    n for n, v in plan.values.items() if v.kind == "rule"
                ]
                for name in outcome:
                    values = ev.values[name][0, :, p, i]
                    kind = plan.values[name].type.kind
                    step.children.append(_over_members(name, values, kind, members, rows))
            else:
                for name in fw.definition.totals:
                    values = ev.totals[name][:, p]
                    kind = plan.totals[name].type.kind
                    step.children.append(_over_members(name, values, kind, members, rows))
            return Explanation(fw.definition.id, unit, arrays.periods[p], indicator, [step])
    from qframe.errors.diagnostics import did_you_mean

    raise DataError(
        [
            error(
                "E002",
                f"no unit or cluster {unit} in the data",
                None,
                did_you_mean(unit, ids) or "give a practice id or a cluster id",
            )
        ]
    )


def _over_members(
    name: str, values: np.ndarray, kind: t.Kind, members: list[str], rows: list[int]
) -> Step:
    """One value over a group's members: money summed; anything else shown once when every
    member has the same, otherwise member by member (never summed)."""
    money = kind is t.Kind.MONEY
    children = [
        Step(mid, "unit", typed(values[r], kind), money=money)
        for mid, r in zip(members, rows, strict=True)
    ]
    own = np.asarray([values[r] for r in rows], dtype=np.float64)
    if money:
        total = float(np.nansum(own)) if not np.isnan(own).all() else float("nan")
        return Step(name, "total", total, note="sum over members", children=children, money=True)
    if len(own) and (np.all(own == own[0]) or np.isnan(own).all()):
        return Step(name, "total", typed(values[rows[0]], kind), note="the same for every member")
    return Step(name, "total", "differs by member", note="not summed", children=children)


def _indicator_index(plan: Plan, framework: str, indicator: str) -> int:
    """The index of ``indicator`` in the plan; E001 (with a suggestion) when there is none."""
    if indicator in plan.indicator_ids:
        return plan.indicator_ids.index(indicator)
    from qframe.errors.diagnostics import did_you_mean

    raise DataError(
        [
            error(
                "E001",
                f"no indicator {indicator} in {framework}",
                None,
                did_you_mean(indicator, plan.indicator_ids)
                or "list them with `qframe explain ... --unit ID`",
            )
        ]
    )

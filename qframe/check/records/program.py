"""Record-level definitions → :class:`~qframe.ir.records.RecordProgram`, every mistake found
before any data is read.

Parameters and fields are checked once each, in dependency order (a field after the fields it
reads); an event field (``hba1c: latest(IFCCHBAM_COD, within=12 months)``) becomes two fields of
the program, ``hba1c.date`` and ``hba1c.value``. Rules keep their order (first match wins);
``reject`` is an exception counted by its reason, ``exclude`` an exclusion counted nowhere.
Framework-level checks of the rules are one per module under :mod:`.rules`.
"""

from __future__ import annotations

from dataclasses import replace

from qframe.check.records.checker import RecordChecker
from qframe.check.records.rules import registers, unreachable, unused
from qframe.check.records.values import Value, Where
from qframe.errors.diagnostics import Diagnostic, Location, did_you_mean
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.ir import records as r
from qframe.model import definition as m


def check_records(fw: m.FrameworkDef) -> tuple[r.RecordProgram | None, list[Diagnostic]]:
    """The checked record program of a framework with records.yaml (None without one, or when
    it has errors), and every problem found."""
    records = fw.records
    if records is None:
        return None, []
    rc = RecordChecker(fw, records)
    params = {name: rc.param_value(name) for name in records.parameters}
    reference = _reference(rc)
    for name in records.fields:
        rc.field_value(name)
    register_rules = {
        group: r.RegisterRules(
            group,
            _rules(rc, reg.rules, f"register {group}"),
            _population(rc, reg, reference),
            reg.location,
        )
        for group, reg in records.registers.items()
    }
    indicator_rules = {}
    for iid, ind in records.indicators.items():
        rules = _rules(rc, ind.rules, iid)
        if registers.register_exists(rc, ind):
            indicator_rules[iid] = r.IndicatorRules(iid, ind.register, rules, ind.location)
    rc.diags.extend(registers.check_indicators(fw, records))
    rc.diags.extend(unreachable.check(records, register_rules, indicator_rules))
    rc.diags.extend(unused.check(records, rc.used_clusters, rc.used_fields, rc.used_params))
    if any(d.is_error for d in rc.diags) or reference is None:
        return None, rc.diags
    program = r.RecordProgram(
        reference_date=reference,
        period=records.period or fw.version,
        clusters={name: _cluster(c) for name, c in records.clusters.items()},
        params={name: _param_node(name, v) for name, v in params.items()},
        fields=_fields(rc),
        registers=register_rules,
        indicators=indicator_rules,
        not_computable=registers.not_computable(fw, records),
    )
    return program, rc.diags


def _reference(rc: RecordChecker) -> ir.Node | None:
    name = rc.records.reference_date
    where = rc.records.reference_location or Location(rc.records.source, 0)
    if name not in rc.records.parameters:
        rc.error(
            "Q518",
            f"no reference date parameter `{name}`",
            where,
            did_you_mean(name, rc.records.parameters)
            or f"add it under `parameters:`, e.g. {name}: 2015-03-31",
        )
        return None
    value = rc.param_value(name)
    if value.type.is_any:
        return None
    if value.kind is not t.Kind.DATE:
        rc.error(
            "Q518",
            f"the reference date `{name}` is {value.type.describe()}, not a date",
            rc.records.parameters[name].value.location(),
            "e.g. pped: 2015-03-31",
        )
        return None
    rc.used_params.add(name)
    return ir.Param(name, type=t.DATE)


def _population(rc: RecordChecker, reg: m.RegisterDef, reference: ir.Node | None) -> ir.Node:
    if reg.population_date is None:
        return reference or ir.Missing(type=t.DATE)
    expr = reg.population_date
    value = rc.check(
        expr, Where(expr, f"the population date of register {reg.group}", fields=False)
    )
    if not value.type.is_any and value.kind is not t.Kind.DATE:
        rc.error(
            "Q301",
            f"a population date must be a date, not {value.type.describe()}",
            expr.location(),
        )
    return value.ir


def _rules(rc: RecordChecker, rules: tuple[m.RecordRuleDef, ...], owner: str) -> r.RuleList:
    out = []
    for rule in rules:
        what = f"rule set `{rule.rule_set}`" if rule.rule_set else owner
        where = Where(rule.condition, f"a rule of {what}")
        value = rc.check(rule.condition, where)
        if rule.condition.tree is not None:
            rc.expect_bool(value, where, rule.condition.tree, f"`{rule.action}`")
        if rule.action == "reject" and not rule.reason:
            rc.error(
                "Q509",
                f"a reject of {what} has no reason",
                rule.location,
                "name the exception it counts under: `as: patient_unsuitable` (or write "
                "`exclude:` for an exclusion that is counted nowhere)",
            )
        if rule.action == "select" and rule.reason:
            rc.error(
                "Q509",
                f"a select of {what} has a reason (`as: {rule.reason}`)",
                rule.reason_location,
                "only rejects and excludes are counted by reason: remove `as:`",
            )
        action: r.RuleAction = "select" if rule.action == "select" else "reject"
        category: r.RejectCategory = "exclusion" if rule.action == "exclude" else "exception"
        reason = rule.reason or ("excluded" if rule.action == "exclude" else "")
        out.append(r.Rule(action, value.ir, reason, category, rule.location))
    return r.RuleList(tuple(out))


def _cluster(c: m.ClusterDef) -> r.Cluster:
    return r.Cluster(
        c.name,
        tuple((code.system, code.code) for code in c.codes),
        c.version,
        c.info.source,
        c.unit,
        c.path,
        c.location,
    )


def _param_node(name: str, value: Value) -> ir.Node:
    """A parameter's value as IR: a constant (a duration as (months, days)), or the expression
    of a date derived from other parameters (``pped - 12 months + 1 day``)."""
    if value.const is not None and not isinstance(value.ir, ir.Const):
        return ir.Const(value.const, type=value.type, location=value.ir.location)
    return value.ir


def _fields(rc: RecordChecker) -> dict[str, ir.Node]:
    out: dict[str, ir.Node] = {}
    for name, value in rc.fields.items():
        node = value.ir
        if value.kind is t.Kind.EVENT and isinstance(node, r.EventQuery):
            unit_type = t.quantity(value.type.unit) if value.type.unit else t.NUMBER
            out[f"{name}.date"] = replace(node, attribute="date", type=t.DATE)
            if name in rc.valued_fields:
                out[f"{name}.value"] = replace(node, attribute="value", type=unit_type)
        elif value.kind is t.Kind.EVENT and isinstance(node, r.FieldRef):  # an alias of an event
            out[f"{name}.date"] = r.FieldRef(f"{node.name}.date", type=t.DATE)
            unit_type = t.quantity(value.type.unit) if value.type.unit else t.NUMBER
            if name in rc.valued_fields:
                rc.valued_fields.add(node.name)
                out[f"{name}.value"] = r.FieldRef(f"{node.name}.value", type=unit_type)
        else:
            out[name] = node
    return out

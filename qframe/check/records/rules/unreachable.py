"""W501: a rule after one that always fires is never reached (first match wins)."""

from __future__ import annotations

from collections.abc import Mapping

from qframe.errors.diagnostics import Diagnostic, warning
from qframe.ir import nodes as ir
from qframe.ir import records as r
from qframe.model import definition as m


def _always(rule: r.Rule) -> bool:
    return isinstance(rule.condition, ir.Const) and rule.condition.value is True


def _check_list(owner: str, rules: r.RuleList) -> list[Diagnostic]:
    for i, rule in enumerate(rules.rules[:-1]):
        if _always(rule):
            later = rules.rules[i + 1]
            return [
                warning(
                    "W501",
                    f"this rule of {owner} is never reached: the {rule.action} before it always fires",
                    later.location,
                    "rules are tried in order and the first that fires decides: move the "
                    "always-true rule last, or give it a condition",
                )
            ]
    return []


def check(
    records: m.RecordsDef,
    registers: Mapping[str, r.RegisterRules],
    indicators: Mapping[str, r.IndicatorRules],
) -> list[Diagnostic]:
    out = []
    for group, reg in registers.items():
        out += _check_list(f"register {group}", reg.rules)
    for iid, ind in indicators.items():
        out += _check_list(iid, ind.rules)
    return out

"""`outcome` and `money.rounded` name rules, and what is rounded to the penny is money."""

from __future__ import annotations

from collections.abc import Mapping

from qframe.check.compiled import Compiled
from qframe.errors.diagnostics import Diagnostic, did_you_mean, error
from qframe.ir import kinds as t
from qframe.model import definition as m


def check(
    fw: m.FrameworkDef, params: Mapping[str, Compiled], rule_types: Mapping[str, t.Type]
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for name in fw.outcome:
        if name not in fw.rules:
            out.append(
                error(
                    "Q238",
                    f"`outcome` names `{name}`, which is not a rule",
                    fw.outcome_location,
                    did_you_mean(name, fw.rules) or f"rules: {', '.join(fw.rules)}",
                )
            )
    for i, name in enumerate(fw.rounded):
        if fw.rules and name not in fw.rules and name != "payment":
            out.append(
                error(
                    "Q239",
                    f"`money.rounded` names `{name}`, which is not a rule",
                    fw.rounded_locations[i] if i < len(fw.rounded_locations) else None,
                    did_you_mean(name, fw.rules) or "list money rules",
                )
            )
        elif name in fw.rules and rule_types.get(name, t.MONEY).kind not in (
            t.Kind.MONEY,
            t.Kind.ANY,
        ):
            money_params = [n for n, c in params.items() if c.type.kind is t.Kind.MONEY]
            out.append(
                error(
                    "Q239",
                    f"rule `{name}` gives {rule_types[name].describe()}, not money, so it cannot be paid (rounded to the penny)",
                    fw.rules[name].location,
                    "is a parameter missing its £? e.g. point_value: £156.92"
                    if not money_params
                    else f"multiply by a money parameter ({', '.join(money_params)}), or list only money rules under money.rounded",
                )
            )
    return out

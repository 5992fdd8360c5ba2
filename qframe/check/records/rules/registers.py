"""Registers and indicators of records.yaml against the framework: an indicator's register must
exist (Q510), every indicator and register indicator named must be the framework's (Q511), and
the framework's indicators without record rules are listed as not computable from records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qframe.errors.diagnostics import Diagnostic, did_you_mean, error
from qframe.model import definition as m

if TYPE_CHECKING:
    from qframe.check.records.checker import RecordChecker


def register_exists(rc: RecordChecker, ind: m.RecordIndicatorDef) -> bool:
    if ind.register in rc.records.registers:
        return True
    rc.error(
        "Q510",
        f"indicator {ind.id} reads register `{ind.register}`, which records.yaml does not define",
        ind.register_location,
        did_you_mean(ind.register, rc.records.registers)
        or "define it under `registers:` with its rules",
    )
    return False


def check_indicators(fw: m.FrameworkDef, records: m.RecordsDef) -> list[Diagnostic]:
    out = []
    named = [(iid, ind.location) for iid, ind in records.indicators.items()]
    named += [
        (reg.indicator, reg.indicator_location or reg.location)
        for reg in records.registers.values()
        if reg.indicator
    ]
    for iid, where in named:
        if iid not in fw.indicators:
            out.append(
                error(
                    "Q511",
                    f"the framework has no indicator {iid}",
                    where,
                    did_you_mean(iid, fw.indicators)
                    or "records.yaml defines the rules of indicators listed in framework.yaml",
                )
            )
    return out


def register_indicators(fw: m.FrameworkDef, records: m.RecordsDef) -> dict[str, str]:
    """Each register's indicator: named by `indicator:`, else the framework's register-kind
    indicator of that group."""
    out = {}
    for group, reg in records.registers.items():
        if reg.indicator:
            out[reg.indicator] = group
            continue
        for iid, ind in fw.indicators.items():
            if ind.group == group and ind.kind == "register":
                out[iid] = group
    return out


def not_computable(fw: m.FrameworkDef, records: m.RecordsDef) -> tuple[str, ...]:
    """The framework's indicators that records.yaml gives no rules for."""
    done = set(records.indicators) | set(register_indicators(fw, records))
    return tuple(iid for iid in fw.indicators if iid not in done)

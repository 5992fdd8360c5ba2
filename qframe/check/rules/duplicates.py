"""One name, one meaning: a name may not be both a parameter and a rule, say, nor redefine a
built-in indicator field or function."""

from __future__ import annotations

from qframe.errors.diagnostics import Diagnostic, Location, error
from qframe.functions.registry import REGISTRY
from qframe.model import definition as m


def check(fw: m.FrameworkDef) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    owners: dict[str, tuple[str, Location]] = {}
    sections = [
        ("parameter", {n: p.location for n, p in fw.parameters.items()}),
        ("input", {n: i.location for n, i in fw.inputs.items()}),
        ("definition", {n: d.location for n, d in fw.defines.items()}),
        ("rule", {n: r.location for n, r in fw.rules.items()}),
        ("total", {n: r.location for n, r in fw.totals.items()}),
    ]
    builtin = set(m.INDICATOR_STRINGS) | set(m.INDICATOR_NUMBERS)
    for section, names in sections:
        for name, where in names.items():
            if name in owners and {owners[name][0], section} == {"rule", "total"}:
                continue  # a total may share its rule's name: `payment` per unit and per indicator
            if name in owners:
                other, first = owners[name]
                out.append(
                    error(
                        "Q202",
                        f"`{name}` is both a {other} (line {first.line}) and a {section}",
                        where,
                        "give each a different name",
                    )
                )
                continue
            owners[name] = (section, where)
            if name in builtin:
                out.append(
                    error(
                        "Q203",
                        f"`{name}` is a built-in indicator field and cannot be redefined as a {section}",
                        where,
                        "choose another name",
                    )
                )
            if name in REGISTRY:
                out.append(
                    error(
                        "Q203",
                        f"`{name}` is a built-in function and cannot be redefined as a {section}",
                        where,
                        "choose another name",
                    )
                )
    for iid, ind in fw.indicators.items():
        if iid in owners:
            out.append(
                error(
                    "Q202",
                    f"indicator id `{iid}` is also the name of a {owners[iid][0]}",
                    ind.location,
                    "rename one of them",
                )
            )
    return out

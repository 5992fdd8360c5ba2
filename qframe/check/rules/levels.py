"""A framework's level (issue 13): the level is a unit attribute; at a level other than practice
every input declares how it is brought there (``across:``), since summing a rate or averaging a
share by accident is the mistake this prevents; ``apportion:`` needs a level and money totals;
``unit:`` names what a row of the data is, never a level."""

from __future__ import annotations

from qframe.errors.diagnostics import Diagnostic, error
from qframe.model import definition as m

ACROSS_HINT = (
    "add `across: sum` for a count or money, `across: {share_of: list_size}` for a rate or share "
    "(recomputed from its parts), `across: max` / `min` for a condition (any / all members), or "
    "`across: same` for a value every member records alike"
)


def level_attributes(fw: m.FrameworkDef) -> list[str]:
    """The levels a framework may assess and pay at, besides practice."""
    return [*m.STANDARD_UNIT_ATTRIBUTES, *fw.unit_attributes]


def check(fw: m.FrameworkDef) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    attributes = level_attributes(fw)
    if fw.unit in attributes:
        out.append(
            error(
                "Q270",
                f"`unit: {fw.unit}` names a unit attribute: `unit:` says what a row of the data is "
                "and does not change the level a framework pays at",
                fw.unit_location,
                f"write `level: {fw.unit}` to assess and pay each {fw.unit} (and remove `unit:`)",
            )
        )
    if fw.level != "practice" and fw.level not in attributes:
        out.append(
            error(
                "Q271",
                f"unknown level `{fw.level}`",
                fw.level_location,
                f"use practice or a unit attribute: {', '.join(attributes)} "
                "(declare others under unit_attributes)",
            )
        )
    at_level = fw.level != "practice"
    for inp in fw.inputs.values():
        if at_level and not inp.across:
            out.append(
                error(
                    "Q272",
                    f"input `{inp.name}` does not say how practices' values make a {fw.level}'s",
                    inp.location,
                    ACROSS_HINT,
                )
            )
        if inp.across and inp.across not in m.ACROSS_RULES:  # pragma: no cover - the schema
            out.append(error("Q272", f"unknown `across: {inp.across}`", inp.location, ACROSS_HINT))
    if fw.apportion is not None:
        if not at_level:
            out.append(
                error(
                    "Q273",
                    "`apportion:` shares a level's payment out to its practices, but the framework "
                    "pays practices",
                    fw.apportion.location,
                    "add `level: pcn` (or another level), or remove `apportion:`",
                )
            )
        for name in fw.apportion.totals:
            if name not in fw.totals:
                out.append(
                    error(
                        "Q274",
                        f"`apportion:` names `{name}`, which is not a total",
                        fw.apportion.location,
                        f"totals: {', '.join(fw.totals) or 'none'}",
                    )
                )
    return out

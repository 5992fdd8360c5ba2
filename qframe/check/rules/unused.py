"""Parameters, definitions and inputs nobody uses (warnings)."""

from __future__ import annotations

from collections.abc import Set

from qframe.errors.diagnostics import Diagnostic, warning
from qframe.model import definition as m


def check(fw: m.FrameworkDef, used: Set[tuple[str, str]]) -> list[Diagnostic]:
    """``used`` holds ("param" | "define" | "input", name) for everything some expression reads."""
    out: list[Diagnostic] = []
    for name, p in fw.parameters.items():
        if ("param", name) not in used:
            out.append(
                warning(
                    "W201",
                    f"parameter `{name}` is never used",
                    p.location,
                    "remove it, or use it in a rule",
                )
            )
    for name, d in fw.defines.items():
        if ("define", name) not in used:
            out.append(
                warning(
                    "W202",
                    f"definition `{name}` is never used",
                    d.location,
                    "remove it, or use it in a rule",
                )
            )
    for name, i in fw.inputs.items():
        # an input keyed by indicator is shown in the results, so it is used
        if ("input", name) not in used and i.key != "indicator":
            out.append(
                warning(
                    "W203",
                    f"input `{name}` is never used",
                    i.location,
                    "remove it, or use it in a rule",
                )
            )
    return out

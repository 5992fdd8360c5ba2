"""What `qframe explain` shows: the steps of a derivation (:class:`Step`), the whole
explanation (:class:`Explanation`), and how both are written as text and JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qframe.ir import kinds as t
from qframe.results.formatting import pounds


@dataclass
class Step:
    """One step of a derivation."""

    name: str
    kind: str  # rule, total, definition, input, parameter, field, function, escalation, indicator
    value: Any
    expr: str = ""
    where: str = ""  # file:line
    note: str = ""
    children: list[Step] = field(default_factory=list)
    money: bool = False  # the value is an amount of money (shown as £)
    share: bool = False  # the value is a share (shown as a percentage: 0.65 is 65%)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "value": _json_value(self.value),
        }
        for key in ("expr", "where", "note"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out


def _json_value(v: Any) -> Any:
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, (np.floating, np.integer)):
        return _json_value(float(v))
    return v


@dataclass
class Explanation:
    framework: str
    unit: str
    period: str
    indicator: str | None
    steps: list[Step]

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "unit": self.unit,
            "period": self.period,
            "indicator": self.indicator,
            "steps": [s.to_dict() for s in self.steps],
        }

    def render(self) -> str:
        head = f"{self.framework} · {self.unit} · {self.period}" + (
            f" · {self.indicator}" if self.indicator else ""
        )
        lines = [head]
        for step in self.steps:
            _render(step, "", True, lines, top=True)
        return "\n".join(lines)


def _render(step: Step, prefix: str, last: bool, lines: list[str], top: bool = False) -> None:
    branch = "" if top else ("└─ " if last else "├─ ")
    where = f"   [{step.where}]" if step.where else ""
    kind = f" ({step.kind})" if step.kind in ("parameter", "input", "field") else ""
    note = f"  — {step.note}" if step.note else ""
    shown = fmt(step.value, step.kind)
    if step.money and shown[:1].isdigit():
        shown = pounds(step.value)
    elif step.share and isinstance(step.value, float) and not np.isnan(step.value):
        shown = f"{step.value:.2%}"
    lines.append(f"{prefix}{branch}{step.name} = {shown}{kind}{note}{where}")
    child_prefix = prefix if top else prefix + ("   " if last else "│  ")
    if step.expr:
        lines.append(f"{child_prefix}{'│ ' if step.children else '  '}{step.expr}")
    for i, child in enumerate(step.children):
        _render(child, child_prefix, i == len(step.children) - 1, lines)


def fmt(value: Any, kind: str) -> str:
    """A value as the explanation shows it (text, true/false, missing, a number)."""
    if isinstance(value, str):
        return value if kind in ("escalation", "group", "total") else f'"{value}"'
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.2f}"


def typed(value: Any, kind: t.Kind) -> Any:
    """A value of an evaluation as Python: a bool for a boolean, numpy scalars unwrapped."""
    if isinstance(value, np.generic):
        value = value.item()
    if kind is t.Kind.BOOL and isinstance(value, float) and not np.isnan(value):
        return bool(value)
    return value

"""Grids of scenarios: `--sweep` specifications and the points of a grid."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qframe.errors.diagnostics import DefinitionError, Location, SourceFile

SHIFT = "thresholds_shift"  # sweepable: percentage points added to every indicator's thresholds


def parse_sweep(spec: str) -> tuple[str, list[Any]]:
    """`NAME=LO..HI step STEP` or `NAME=V1,V2,...` → (name, values as written).

    >>> parse_sweep("point_value=150..160 step 5")
    ('point_value', ['150', '155', '160'])
    >>> parse_sweep("DM007.thresholds=35%..75%,40%..80%")
    ('DM007.thresholds', ['35%..75%', '40%..80%'])
    """
    src = SourceFile("--sweep", spec)
    if "=" not in spec:
        raise DefinitionError.single(
            "Q402",
            "a sweep is written NAME=LO..HI step STEP or NAME=V1,V2",
            Location(src, 0, len(spec)),
            "e.g. --sweep point_value=150..200 step 5",
        )
    name, text = (part.strip() for part in spec.split("=", 1))
    stepped = re.fullmatch(
        r"(£?)(-?[\d.]+)(%?)\s*\.\.\s*£?(-?[\d.]+)%?\s+step\s+£?([\d.]+)%?", text
    )
    if stepped:
        money, lo, pct, hi, step = stepped.groups()
        lo_f, hi_f, step_f = float(lo), float(hi), float(step)
        if step_f <= 0 or hi_f < lo_f:
            raise DefinitionError.single(
                "Q402",
                "the sweep's range is empty or its step is not positive",
                Location(src, len(name) + 1, len(text)),
                "write LO..HI step STEP with LO ≤ HI and STEP > 0",
            )
        count = int(np.floor((hi_f - lo_f) / step_f + 1e-9)) + 1
        grid = [lo_f + k * step_f for k in range(count)]
        return name, [f"{money}{_num(v)}{pct}" for v in grid]
    values = [v.strip() for v in text.split(",") if v.strip()]
    if not values:
        raise DefinitionError.single(
            "Q402",
            f"the sweep of `{name}` lists no values",
            Location(src, len(spec), 1),
            "e.g. point_value=150..200 step 5, or point_value=150,180",
        )
    if name == SHIFT:
        for v in values:
            if shift_amount(v) is None:
                at = spec.index(v, len(name) + 1)
                raise DefinitionError.single(
                    "Q402",
                    f"`{v}` is not a shift of thresholds",
                    Location(src, at, len(v)),
                    "write percentage points, e.g. thresholds_shift=0%..10% step 1%",
                )
    return name, values


def shift_amount(text: Any) -> float | None:
    """A threshold shift written `5%` (percentage points) or `0.05`; None if it is neither."""
    raw = str(text).strip()
    try:
        return float(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
    except ValueError:
        return None


def _num(v: float) -> str:
    return f"{round(v, 10):g}"


@dataclass(frozen=True)
class Point:
    """One scenario of a grid: its overrides as written, and its threshold shift."""

    label: str
    overrides: dict[str, Any]
    shift: float = 0.0


def grid_points(axes: Mapping[str, Sequence[Any]]) -> list[Point]:
    names = list(axes)
    points = []
    for combo in itertools.product(*(axes[n] for n in names)):
        over: dict[str, Any] = {}
        shift = 0.0
        for name, value in zip(names, combo, strict=True):
            if name == SHIFT:
                shift = shift_amount(value) or 0.0
            else:
                over[name] = value
        label = ", ".join(f"{n}={v}" for n, v in zip(names, combo, strict=True))
        points.append(Point(label, over, shift))
    return points

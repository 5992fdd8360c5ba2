"""Uncertainty: seeded Monte Carlo over every modelled assumption that states a `range:`, with
intervals on the total and on each practice's payment."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qframe.api import DataLike, Framework
from qframe.check.overrides import constant_range
from qframe.errors.diagnostics import DefinitionError
from qframe.tools.scenarios.grid import Point
from qframe.tools.scenarios.sweep import sweep


@dataclass(frozen=True)
class Uncertainty:
    samples: pd.DataFrame  # one row per sample: sampled values and summaries
    totals: pd.DataFrame  # interval of the total cost
    practices: pd.DataFrame  # interval of each practice's payment
    ranges: dict[str, tuple[float, float]]
    period: str = ""  # the period the totals cover, named


def ranged_parameters(fw: Framework) -> dict[str, tuple[float, float]]:
    """Parameters whose definition states a plausible `range:` (modelled assumptions)."""
    out = {}
    for name, p in fw.definition.parameters.items():
        if p.range is not None and p.range.tree is not None:
            lo, hi = _range_value(p.range.tree)
            out[name] = (lo, hi)
    return out


def _range_value(node: Any) -> tuple[float, float]:
    bounds = constant_range(node)
    if bounds is None:
        raise ValueError("not a constant range")
    return bounds


def uncertainty(
    fw: Framework,
    data: DataLike,
    *,
    samples: int = 500,
    seed: int = 1,
    period: str | None = None,
    total: str = "payment",
    level: float = 0.95,
    progress: Callable[[str, int], None] | None = None,
) -> Uncertainty:
    """Seeded Monte Carlo over the ranged assumptions (uniform within each range);
    ``progress(message, steps)`` is called after each batch of samples (a sweep chunk)."""
    ranges = ranged_parameters(fw)
    if not ranges:
        raise DefinitionError.single(
            "Q407",
            f"no parameter of {fw.id} states a `range:`",
            None,
            "give modelled assumptions a plausible range, e.g. range: 60% .. 80%",
        )
    rng = np.random.default_rng(seed)
    draws = {name: rng.uniform(lo, hi, samples) for name, (lo, hi) in ranges.items()}
    points = [
        Point(f"sample {k + 1}", {name: float(draws[name][k]) for name in ranges})
        for k in range(samples)
    ]
    result = sweep(fw, data, points=points, period=period, total=total, progress=progress)
    tail = (1 - level) / 2
    qs = [tail, 0.5, 1 - tail]
    totals = result.table["total_cost"].quantile(qs).to_frame().T
    totals.columns = ["low", "median", "high"]
    practices = result.payments.quantile(qs, axis=1).T
    practices.columns = ["low", "median", "high"]
    samples_table = result.table.copy()
    for name in ranges:
        samples_table[name] = draws[name]
    return Uncertainty(samples_table, totals, practices, ranges, result.described_period)

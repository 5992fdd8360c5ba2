"""Publication safety: small counts suppressed and the rest rounded before counts computed from
patient records are published (the OpenSAFELY rule).

A count of 1 to 7 is suppressed (missing); every other count is rounded to the nearest multiple
of 5 (halves up), so 0 stays 0 and 8 becomes 10. Applied to the count measures of a record
engine's output (``list_size``, ``register``, ``numerator``, ``denominator``, ``exceptions``,
``exceptions_by_reason``) before they are written for publication; the per-patient outcome table
is never published (the engine writes it only when asked for, for audit).

>>> [safe_count(v) for v in (0, 1, 7, 8, 12, 13, 100)]
[0.0, nan, nan, 10.0, 10.0, 15.0, 100.0]
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

SMALLEST_PUBLISHED = 8  # counts 1..7 are suppressed
ROUND_TO = 5
COUNT_MEASURES: tuple[str, ...] = (
    "list_size", "register", "numerator", "denominator", "exceptions", "exceptions_by_reason",
)  # fmt: skip


def safe_count(value: float) -> float:
    """One count made safe to publish: NaN for 1..7, else rounded to the nearest 5."""
    if value is None or math.isnan(value):
        return math.nan
    if 0 < value < SMALLEST_PUBLISHED:
        return math.nan
    return float(math.floor(value / ROUND_TO + 0.5) * ROUND_TO)


def suppress_counts(values: np.ndarray | pd.Series) -> np.ndarray:
    """Counts made safe to publish (see :func:`safe_count`), elementwise.

    >>> suppress_counts(np.array([0, 3, 8, 22.5, np.nan])).tolist()
    [0.0, nan, 10.0, 25.0, nan]
    """
    counts = np.asarray(values, dtype=float)
    rounded = np.floor(counts / ROUND_TO + 0.5) * ROUND_TO
    small = (counts > 0) & (counts < SMALLEST_PUBLISHED)
    return np.where(small | np.isnan(counts), np.nan, rounded)


def suppress_measures(
    measures: pd.DataFrame, measure_names: tuple[str, ...] = COUNT_MEASURES
) -> pd.DataFrame:
    """A measures table (``measure``, ``value`` columns) with its count measures made safe to
    publish; other measures are left as they are."""
    out = measures.copy()
    counts = out["measure"].isin(measure_names)
    out.loc[counts, "value"] = suppress_counts(out.loc[counts, "value"].to_numpy())
    return out


#: The columns of evaluate's tables that hold counts of patients.
COUNT_COLUMNS: tuple[str, ...] = ("numerator", "denominator", "exceptions", "register", "list_size")


def publishable(result: Any) -> Any:
    """``result`` (a :class:`qframe.results.tidy.Result`) as it may be published when its counts
    came from patient records: every count column made safe (:func:`suppress_counts`), and
    ``achievement`` recomputed from the published numerator and denominator, so no exact count
    can be read back from a ratio. Points and payment, computed from the exact counts, are kept:
    they are what the practice is paid. The manifest says the tables were made safe."""
    tables = {}
    for name in ("indicators", "units"):
        frame = getattr(result, name).copy()
        for column in COUNT_COLUMNS:
            if column in frame.columns:
                frame[column] = suppress_counts(frame[column].to_numpy(dtype=float))
        if {"achievement", "numerator", "denominator"} <= set(frame.columns):
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = frame["numerator"] / frame["denominator"]
            frame["achievement"] = ratio.where(frame["achievement"].notna())
        tables[name] = frame
    manifest = {
        **result.manifest,
        "disclosure": f"counts of 1-{SMALLEST_PUBLISHED - 1} suppressed, others rounded to the "
        f"nearest {ROUND_TO}; achievement from the published counts",
    }
    return replace(result, manifest=manifest, **tables)

"""Scoring and payment rules: small pure functions over numpy arrays (or plain floats).

Each has worked examples in its docstring and in tests/test_scoring.py, computed by hand from the
published QOF 2014/15 rules (shared research: payment.md §4 and §6).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qframe.scoring.outcome import round_money as round_money  # the money rule lives in outcome

ArrayLike = Any


def slide(achievement: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> np.ndarray:
    """Share of points earned on a sliding scale: 0 below ``lower``, 1 at or above ``upper``,
    linear in between. Missing achievement gives missing.

    >>> float(slide(0.625, 0.35, 0.75))   # DM007 worked example: (62.5 - 35) / (75 - 35)
    0.6875
    >>> float(slide(0.30, 0.35, 0.75)), float(slide(0.80, 0.35, 0.75))
    (0.0, 1.0)
    """
    a, lo, hi = (np.asarray(v, dtype=np.float64) for v in (achievement, lower, upper))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        share = (a - lo) / (hi - lo)
    share = np.where(a >= hi, 1.0, np.where(a < lo, 0.0, share))
    return np.where(np.isnan(a), np.nan, share)


def all_or_nothing(achievement: ArrayLike, threshold: ArrayLike) -> np.ndarray:
    """1 where achievement reaches the threshold, else 0 (missing stays missing).

    >>> float(all_or_nothing(0.80, 0.80)), float(all_or_nothing(0.79, 0.80))
    (1.0, 0.0)
    """
    a = np.asarray(achievement, dtype=np.float64)
    return np.where(
        np.isnan(a), np.nan, (a >= np.asarray(threshold, dtype=np.float64)).astype(np.float64)
    )


def band(value: ArrayLike, cuts: list[ArrayLike], scores: list[ArrayLike]) -> np.ndarray:
    """Step scoring: ``scores[0]`` below ``cuts[0]``, ``scores[k]`` from ``cuts[k-1]`` up to
    ``cuts[k]``, ``scores[-1]`` at or above the last cut. ``len(scores) == len(cuts) + 1``.

    >>> [float(band(v, [0.5, 0.7], [0, 0.5, 1])) for v in (0.4, 0.5, 0.69, 0.7)]
    [0.0, 0.5, 0.5, 1.0]
    """
    v = np.asarray(value, dtype=np.float64)
    out = np.broadcast_to(np.asarray(scores[0], dtype=np.float64), v.shape).astype(np.float64)
    for cut, score in zip(cuts, scores[1:], strict=True):
        out = np.where(
            v >= np.asarray(cut, dtype=np.float64), np.asarray(score, dtype=np.float64), out
        )
    return np.where(np.isnan(v), np.nan, out)


def clamp(value: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> np.ndarray:
    """``value`` limited to ``lo .. hi`` (a floor and a cap).

    >>> float(clamp(12.0, 0, 10)), float(clamp(-1.0, 0, 10))
    (10.0, 0.0)
    """
    v = np.asarray(value, dtype=np.float64)
    return np.minimum(np.maximum(v, lo), hi)

"""Ranks: Spearman's rank correlation and quintiles, ties taking the mean rank."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def spearman(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Spearman's rank correlation (ties take the mean rank): the correlation of the ranks,
    computed as ``scipy.stats.spearmanr`` does (``np.corrcoef`` of the two columns of ranks; the
    same number to the last bit, without importing scipy.stats, which takes most of a second).
    Pairs with a missing value are skipped; NaN with fewer than 2 pairs or a constant side."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    both = ~(np.isnan(x) | np.isnan(y))
    x, y = x[both], y[both]
    if x.size < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return float("nan")
    ranks = np.column_stack([pd.Series(v).rank(method="average").to_numpy() for v in (x, y)])
    return float(np.asarray(np.corrcoef(ranks, rowvar=False))[1, 0])


def quintiles(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Quintile (1 = lowest fifth … 5 = highest) of each value among the n non-missing ones:
    ``floor(5 (r − 1) / n) + 1`` with r the value's rank from 1, tied values taking the mean of
    their ranks (so equal values share a quintile, in the middle of the places they hold: when
    every value is the same, all are in quintile 3). Missing values get 0.

    >>> quintiles([4, 8, 10, 10.4, 12, 18]).tolist()   # r = 1..6: floor(5·(r−1)/6) + 1
    [1, 1, 2, 3, 4, 5]
    """
    x = pd.Series(values, dtype="float64")
    n = int(x.notna().sum())
    r = x.rank(method="average").to_numpy()
    out = np.zeros(len(x), dtype=np.int64)
    ok = ~np.isnan(r)
    out[ok] = np.floor(5 * (r[ok] - 1) / max(n, 1)).astype(np.int64) + 1
    return out

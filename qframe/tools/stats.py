"""Small statistics shared by comparisons and scenarios."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def gini(values: Sequence[float] | np.ndarray) -> float:
    """The Gini coefficient of non-negative values: the mean absolute difference between every
    two values over twice the mean, ``Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄)``. 0 when all are equal; it
    approaches 1 when one value holds everything. Missing values are skipped; no values, or a
    total of 0, give NaN.

    >>> gini([1, 1, 1])
    0.0
    >>> round(gini([0, 0, 0, 1]), 4)   # Σ|xi-xj| = 6, n = 4, mean = 0.25: 6 / (2·16·0.25)
    0.75
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    x = x[~np.isnan(x)]
    n = x.size
    total = x.sum()
    if n == 0 or total <= 0:
        return float("nan")
    # sorted form of the same sum: Σᵢ Σⱼ |xᵢ − xⱼ| = 2 Σᵢ (2i − n − 1) x₍ᵢ₎ for i = 1..n
    i = np.arange(1, n + 1)
    return float(np.sum((2 * i - n - 1) * x) / (n * total))


def gini_rows(matrix: np.ndarray) -> np.ndarray:
    """:func:`gini` of each row of a 2-D array at once (rows may hold missing values).

    >>> [round(float(g), 4) for g in gini_rows(np.array([[1.0, 1, 1, 1], [0, 0, 0, 1], [1, 2, 3, np.nan]]))]
    [0.0, 0.75, 0.2222]
    """
    x = np.sort(np.asarray(matrix, dtype=np.float64), axis=1)  # missing values sort last
    valid = ~np.isnan(x)
    n = valid.sum(axis=1)
    filled = np.where(valid, x, 0.0)
    total = filled.sum(axis=1)
    i = np.arange(1, x.shape[1] + 1)[None, :]
    weights = np.where(valid, 2 * i - n[:, None] - 1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (weights * filled).sum(axis=1) / (n * total)
    return np.where((n == 0) | (total <= 0), np.nan, out)

"""Scoring outcomes, decided once: an indicator row's status, money rounding, and the escalation
level a unit has reached (and since when).

Small pure functions over numpy arrays, each with worked examples here and in
tests/test_scoring.py. Every engine, the tidy results, explain and scenarios call these; none
decides them again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

ArrayLike = Any

# Why an indicator row has no value: codes into STATUS_LABELS.
STATUS_LABELS = ("ok", "undefined", "zero_denominator", "missing_input")
STATUS_OK, STATUS_UNDEFINED, STATUS_ZERO, STATUS_MISSING = range(4)

# Framework `money_rounding:` settings.
ROUNDING_NONE, ROUNDING_INDICATOR, ROUNDING_TOTAL = "none", "indicator", "total"


def status(undefined: ArrayLike, zero_division: ArrayLike, missing_input: ArrayLike) -> np.ndarray:
    """Each row's status code (into :data:`STATUS_LABELS`). A row whose outcome has a value is
    ``ok`` whatever happened on the way; a row without one is ``missing_input`` if an input it
    read was missing, else ``zero_denominator`` if it divided by zero, else ``undefined``.

    >>> [STATUS_LABELS[s] for s in status([False, True, True, True], [True, False, True, True],
    ...                                     [True, False, False, True])]
    ['ok', 'undefined', 'zero_denominator', 'missing_input']
    """
    undefined = np.asarray(undefined, dtype=bool)
    out = np.full(undefined.shape, STATUS_OK, dtype=np.int8)
    out[undefined] = STATUS_UNDEFINED
    out[undefined & np.asarray(zero_division, dtype=bool)] = STATUS_ZERO
    out[undefined & np.asarray(missing_input, dtype=bool)] = STATUS_MISSING
    return out


def round_money(amount: ArrayLike, places: int = 2) -> np.ndarray:
    """Round pounds to the penny, half away from zero (the rule used for every payment).

    Floating point makes 2.675 really 2.67499999... (and 0.145 × 100 = 14.499999999999998); an
    amount within 0.0000005 of a penny below half a penny counts as half a penny, so a value that
    is exactly half a penny in decimal rounds up.

    >>> float(round_money(2113.0560)), float(round_money(2.675)), float(round_money(-2.675))
    (2113.06, 2.68, -2.68)
    >>> float(round_money(1e308, 1))  # too large to have a fraction: unchanged, not infinite
    1e+308
    """
    a = np.asarray(amount, dtype=np.float64)
    scale = 10.0**places
    # in few passes: this runs over every payment of every scenario of a sweep. An amount of
    # 2^52 pence or more has no fraction of a penny to round (and × scale could overflow): it is
    # kept as it is. The largest amount (fmax skips NaN; one pass, no mask): usually none is that
    # large; and no sign bit set (the bits read as integers: no negative amount, no -0.0): then
    # the amounts are their own magnitudes and need no abs() copy nor copysign() pass.
    largest = np.fmax.reduce(a, axis=None) if a.size > 0 else 0.0
    if not largest >= _WHOLE / scale and (a.size == 0 or a.view(np.int64).min() >= 0):
        x = np.asarray(np.multiply(a, scale))  # a new array (0-d for a number)
        x += 0.5 + 5e-7  # half a penny, and the 6th-decimal tolerance for floating point
        np.floor(x, out=x)
        x /= scale
        return x
    x = np.asarray(np.abs(a), dtype=np.float64)  # a new array (0-d for a number)
    any_whole = x.size > 0 and bool(np.fmax.reduce(x, axis=None) >= _WHOLE / scale)
    whole = x >= _WHOLE / scale if any_whole else False
    if any_whole:
        x[whole] = 0.0
    x *= scale
    x += 0.5 + 5e-7
    np.floor(x, out=x)
    x /= scale
    out = np.copysign(x, a, out=x)
    return np.where(whole, a, out) if any_whole else out


_WHOLE = float(2**52)


def rounds_indicator_value(rounding: str, is_money: bool, is_rounded: bool) -> bool:
    """Is a money value rounded per indicator row? Only with ``money_rounding: indicator``, and
    only the values the framework names as rounded.

    >>> rounds_indicator_value("indicator", True, True), rounds_indicator_value("total", True, True)
    (True, False)
    """
    return is_money and rounding == ROUNDING_INDICATOR and is_rounded


def rounds_total(rounding: str, is_money: bool) -> bool:
    """Is a money total rounded? With ``total`` it is the one rounding; with ``indicator`` it is
    a sum of whole pennies, cleaned of floating-point noise (5534.280000000001 → 5534.28).

    >>> rounds_total("total", True), rounds_total("indicator", True), rounds_total("none", True)
    (True, True, False)
    """
    return is_money and rounding != ROUNDING_NONE


def highest_level(fired: Iterable[tuple[ArrayLike, int]], shape: tuple[int, ...]) -> np.ndarray:
    """The highest escalation level reached: ``fired`` pairs each rule's 0/1 (or bool) array
    with its level's order (0 the lowest; -1 for a level not declared). -1 where no rule fired.

    >>> highest_level([(np.array([1, 0, 1]), 0), (np.array([0, 0, 1]), 2)], (3,)).tolist()
    [0, -1, 2]
    """
    level = np.full(shape, -1, dtype=np.intp)
    for mask, order in fired:
        level = np.where(np.asarray(mask) == 1, np.maximum(level, order), level)
    return level


def escalated_since(level: ArrayLike, levels: int) -> np.ndarray:
    """For each period (last axis), the index of the first period of the current unbroken run at
    (or above) the level reached; -1 where no level is reached.

    >>> escalated_since(np.array([[0, 1, 1, -1, 0, 0]]), 2).tolist()
    [[0, 1, 1, -1, 4, 4]]
    """
    level = np.asarray(level)
    idx = np.arange(level.shape[-1])
    since = np.full(level.shape, -1, dtype=np.intp)
    for lv in range(levels):
        active = level >= lv
        last_off = np.maximum.accumulate(np.where(active, -1, idx), axis=-1)
        since = np.where(level == lv, last_off + 1, since)
    return since

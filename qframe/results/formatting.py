"""Money, shares and numbers as qframe shows them to people: one place for every format.

>>> money(-1234.5, pence=False), money(1234.5, sign="nonzero"), money(0, sign="always")
('−£1,234', '+£1,234.50', '+£0.00')
>>> money(float("nan")), money(-3, minus="-", missing="missing")
('–', '-£3.00')
>>> pounds(1234.5), pounds(-3), pounds(0.5, places=4)
('£1,234.50', '£-3.00', '£0.5000')
>>> share(0.1234), share(0.0190, places=2, sign=True), number(1 / 3), count(1234.0)
('12.3%', '+1.90%', '0.333', '1,234')
>>> large_money(26_455_498.68), large_money(-3_012_000, sign="nonzero"), large_money(950_123.4)
('£26.5m', '−£3.0m', '£950,123')
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

MINUS = "\u2212"  # the typographic minus sign, as in −£1,234
MISSING = "–"  # an en dash for a missing value in a table
Sign = Literal["negative", "nonzero", "always"]


def is_missing(value: Any) -> bool:
    """None, NaN or pandas' NA (never an error: a list or an array is not missing)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def money(
    value: Any,
    *,
    pence: bool = True,
    sign: Sign = "negative",
    minus: str = MINUS,
    missing: str = MISSING,
) -> str:
    """An amount in pounds with thousands separators: £1,234.56 (``pence=False``: £1,235).

    ``sign``: ``negative`` marks only amounts below zero (−£5.00), ``nonzero`` also puts + before
    amounts above zero (a gain: +£5.00, but £0.00), ``always`` before zero too (+£0.00, as a
    difference is shown). ``minus`` is the sign put before a negative amount; ``missing`` is the
    text for a missing value."""
    if is_missing(value):
        return missing
    amount = float(value)
    text = f"£{abs(amount):,.{2 if pence else 0}f}"
    if amount < 0:
        return minus + text
    if sign == "always" or (sign == "nonzero" and amount > 0):
        return "+" + text
    return text


def pounds(value: Any, places: int = 2) -> str:
    """£ before the number as Python writes it, with thousands separators: £1,234.56 and £-3.00
    (the command line's totals)."""
    return f"£{value:,.{places}f}"


def share(value: Any, places: int = 1, *, sign: bool = False, missing: str = MISSING) -> str:
    """A share as a percentage: 0.1234 → 12.3% (``sign``: +12.3%, −… as Python writes -)."""
    if is_missing(value):
        return missing
    return f"{float(value):{'+' if sign else ''}.{places}%}"


def number(value: Any, places: int = 3, *, missing: str = MISSING) -> str:
    """A plain number with a fixed number of decimal places: 0.3333 → 0.333."""
    return missing if is_missing(value) else f"{float(value):.{places}f}"


def count(value: Any, *, missing: str = MISSING) -> str:
    """A whole number with thousands separators: 1234 → 1,234."""
    return missing if is_missing(value) else f"{int(value):,}"


def large_money(value: Any, *, sign: Sign = "negative", missing: str = MISSING) -> str:
    """An amount for a sentence: millions with one decimal (£26.5m) from £1m, else whole pounds
    (£950,123); ``sign`` as for :func:`money`."""
    if is_missing(value):
        return missing
    amount = float(value)
    if abs(amount) < 1_000_000:
        return money(amount, pence=False, sign=sign)
    text = f"£{abs(amount) / 1_000_000:,.1f}m"
    if amount < 0:
        return MINUS + text
    if sign == "always" or (sign == "nonzero" and amount > 0):
        return "+" + text
    return text

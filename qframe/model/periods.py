"""Period labels: ``2014-15`` for a financial year, ``2014-15Q1`` for a quarter of it.

Periods are ordered by an ordinal: years count by 1, quarters by 1 (a quarter's ordinal is
year × 4 + quarter − 1), so that "the period before" is ``ordinal - 1`` at either frequency.
"""

from __future__ import annotations

import re

YEAR = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-(\d{2})Q([1-4])$")


def valid_period(label: str) -> bool:
    """2014-15 or 2014-15Q1, the second year following the first (2014-16 is not a year)."""
    m = YEAR.match(label) or QUARTER.match(label)
    return bool(m) and (int(m.group(1)) + 1) % 100 == int(m.group(2))  # type: ignore[union-attr]


def period_ordinal(label: str) -> int:
    """Years count by 1 and quarters by 1 (a quarter's ordinal is year × 4 + quarter − 1)."""
    q = QUARTER.match(label)
    if q:
        return int(q.group(1)) * 4 + int(q.group(3)) - 1
    y = YEAR.match(label)
    if y:
        return int(y.group(1))
    raise ValueError(label)


def period_label(ordinal: int, frequency: str) -> str:
    """The label of an ordinal: ``period_label(period_ordinal(p), frequency) == p``."""
    if frequency == "quarter":
        year, q = divmod(ordinal, 4)
        return f"{year}-{(year + 1) % 100:02d}Q{q + 1}"
    return f"{ordinal}-{(ordinal + 1) % 100:02d}"


NHS_YEAR = re.compile(r"^(\d{4})/(\d{2})(Q[1-4])?$")


def normalise_period(text: str) -> str:
    """A period as written by a user: the NHS spelling ``2014/15`` (or ``2014/15Q1``) is read as
    ``2014-15``; surrounding spaces are ignored.

    >>> normalise_period(" 2014/15 "), normalise_period("2014/15Q3"), normalise_period("2015-16")
    ('2014-15', '2014-15Q3', '2015-16')
    """
    stripped = text.strip()
    found = NHS_YEAR.match(stripped)
    if found:
        return f"{found.group(1)}-{found.group(2)}{found.group(3) or ''}"
    return stripped


def year_of(label: str) -> str:
    """The financial year of a period: ``2015-16Q3`` → ``2015-16`` (a year is its own)."""
    found = QUARTER.match(label)
    return f"{found.group(1)}-{found.group(2)}" if found else label

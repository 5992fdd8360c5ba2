"""HTML tables of the report: a column's title and format, and the table itself."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from qframe.results.formatting import money


def text(v: Any) -> str:
    """A value as text; empty when it is missing."""
    return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def whole_pounds(v: Any) -> str:
    """A total in whole pounds: £1,235 (−£1,235 below zero)."""
    return money(v, pence=False)


def pounds_change(v: Any) -> str:
    """A difference in whole pounds, signed: +£1,235, −£1,235, £0."""
    return money(v, pence=False, sign="nonzero")


@dataclass(frozen=True)
class Col:
    """A column of an HTML table: the key in the frame, its title, how its values are shown."""

    key: str
    title: str
    fmt: Callable[[Any], str] = text
    is_text: bool = False


def table(
    frame: pd.DataFrame,
    cols: Sequence[Col],
    highlight: Callable[[Any], bool] | None = None,
    wrap: bool = False,
) -> str:
    """An HTML table of ``frame``'s columns ``cols`` (rows for which ``highlight`` is true are
    marked as the baseline's; ``wrap``: long text may wrap onto more lines)."""
    head = "".join(
        f'<th class="text">{html.escape(c.title)}</th>'
        if c.is_text
        else f"<th>{html.escape(c.title)}</th>"
        for c in cols
    )
    body = []
    for row in frame.to_dict("records"):
        cells = "".join(
            f'<td class="text">{html.escape(c.fmt(row[c.key]))}</td>'
            if c.is_text
            else f"<td>{html.escape(c.fmt(row[c.key]))}</td>"
            for c in cols
        )
        cls = ' class="baseline"' if highlight is not None and highlight(row) else ""
        body.append(f"<tr{cls}>{cells}</tr>")
    cls = ' class="wrap"' if wrap else ""
    return (
        f'<div class="table-wrap"><table{cls}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )

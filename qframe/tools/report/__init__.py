"""report.html: one self-contained page presenting the tables of a comparison
(:class:`~qframe.results.comparison.ComparisonTables`, made by :func:`qframe.tools.compare.compare`)
to a commissioner: a summary in words, why money moves, every practice searchable with its own
card, roll-ups, and the analyst's charts and tables; laid out for a phone and for print.

Charts are drawn by plotly.js, embedded once, gzip-compressed (the page unpacks it with the
browser's DecompressionStream and needs no network); tables are plain HTML; the practice table is
drawn by a small script from data embedded as JSON. The page is deterministic: the same comparison
gives byte-identical HTML (fixed chart ids, no timestamps, numbers rounded before they are
written, the compressed library without a date).

For checking in a browser, the page records on ``<body>``: ``data-charts-expected`` (how many
charts it holds), ``data-charts-rendered`` (how many plotly has drawn) and ``data-errors``
(script errors, failed resource loads, rejected promises and ``console.error`` messages, joined
by `` | ``; empty when there were none).

Where each part is: ``page`` (head, header, provenance banner, navigation, footer), ``narrative``
(the summary in words, the banner, a practice's reason), ``sections`` (key figures, winners and
losers, equity, funnel, escalation, agreement, about), ``why`` (why money moves, roll-ups),
``drilldown`` (the practice table's data), ``charts`` (plotly figures), ``tables`` (HTML tables),
``names`` (frameworks' names on the page), ``resources`` (the style sheet and scripts, kept in
assets/), ``pdf`` (report.pdf through a headless browser).
"""

from qframe.tools.report.charts import HEIGHT, LEVEL_COLOURS, PALETTE, Charts
from qframe.tools.report.page import render_report, write_report
from qframe.tools.report.resources import CAPTURE_SCRIPT, FINISH_SCRIPT, STYLE
from qframe.tools.report.sections import MAX_LIST_ROWS
from qframe.tools.report.tables import Col, table

__all__ = [
    "CAPTURE_SCRIPT",
    "FINISH_SCRIPT",
    "HEIGHT",
    "LEVEL_COLOURS",
    "MAX_LIST_ROWS",
    "PALETTE",
    "STYLE",
    "Charts",
    "Col",
    "render_report",
    "table",
    "write_report",
]

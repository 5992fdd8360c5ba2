"""report.html: one self-contained page presenting the tables of a comparison
(:class:`~qframe.results.comparison.ComparisonTables`, made by :func:`qframe.tools.compare.compare`).

Charts are drawn by plotly.js, embedded once inline (the page needs no network); tables are plain
HTML. The page is deterministic: the same comparison gives byte-identical HTML (fixed chart ids,
no timestamps, numbers rounded before they are written).

For checking in a browser, the page records on ``<body>``: ``data-charts-expected`` (how many
charts it holds), ``data-charts-rendered`` (how many plotly has drawn) and ``data-errors``
(script errors, failed resource loads, rejected promises and ``console.error`` messages, joined
by `` | ``; empty when there were none).

Where each part is: ``page`` (head, header, navigation, footer), ``sections`` (one function per
section, in page order), ``charts`` (plotly figures), ``tables`` (HTML tables), ``resources``
(the style sheet and scripts, kept in assets/).
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

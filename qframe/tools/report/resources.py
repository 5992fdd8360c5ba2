"""The page's style sheet and scripts, kept as files beside the code (assets/)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


def asset(name: str) -> str:
    """The text of a file in assets/."""
    return files("qframe.tools.report").joinpath("assets", name).read_text(encoding="utf-8")


# Records script errors, failed loads, rejected promises, console.error messages and the charts
# drawn on <body> (data-errors, data-charts-rendered), for checking the page in a browser.
CAPTURE_SCRIPT = "\n" + asset("capture.js")
# Marks the page as ready, with the errors recorded (data-page-ready).
FINISH_SCRIPT = "\n" + asset("finish.js")
STYLE = "\n" + asset("style.css")
# Unpacks plotly.js and draws the charts from their JSON specs; redraws them at the printed width.
CHARTS_SCRIPT = "\n" + asset("charts.js")
# The practice table (search, sort), the practice card and the roll-up level buttons.
PRACTICES_SCRIPT = "\n" + asset("practices.js")


@cache
def packed_plotly() -> str:
    """plotly.js, gzip-compressed (with no file name or date, so always the same bytes) and
    base64-encoded: a third of its size, unpacked by the page (DecompressionStream)."""
    import base64
    import gzip

    import plotly.offline

    code = plotly.offline.get_plotlyjs().encode("utf-8")
    return base64.b64encode(gzip.compress(code, compresslevel=9, mtime=0)).decode("ascii")

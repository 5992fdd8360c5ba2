"""The page's style sheet and scripts, kept as files beside the code (assets/)."""

from __future__ import annotations

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

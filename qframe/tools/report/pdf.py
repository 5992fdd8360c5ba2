"""report.pdf: report.html printed by a Chromium-family browser (headless), for a board pack.

The page's print styles lay it out on A4 landscape: navigation, search and chart toolbars hidden,
charts kept whole, tables wrapped rather than clipped, the practice table's first 25 rows. The
browser is looked for as ``chromium``, ``chromium-browser``, ``google-chrome`` or
``microsoft-edge`` on the PATH (or given). Unlike the page, the PDF is not byte-stable: browsers
stamp it with the date.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from qframe.errors.diagnostics import ExitCode, QframeError, error

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "microsoft-edge")
TIMEOUT_SECONDS = 300


def find_browser() -> str | None:
    """The path of a Chromium-family browser on the PATH, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def write_pdf(page: str | Path, target: str | Path, browser: str | None = None) -> Path:
    """Print ``page`` (report.html) to ``target`` with a headless browser, offline; returns the
    path. Error C007 when no browser is found, C008 when printing fails (exit code 4)."""
    program = browser or find_browser()
    if program is None:
        raise QframeError(
            [
                error(
                    "C007",
                    "no browser to print the report with",
                    None,
                    f"install Chromium (Debian: apt-get install chromium) or one of "
                    f"{', '.join(BROWSERS)}; report.html prints from any browser too",
                )
            ],
            ExitCode.FILE_ERROR,
        )
    out = Path(target)
    with tempfile.TemporaryDirectory() as profile:
        args = [
            program,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-extensions",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: the page needs nothing else
            f"--user-data-dir={profile}",
            "--virtual-time-budget=20000",  # the charts are drawn before printing
            "--window-size=1100,1400",  # charts drawn at the printed page's width
            "--no-pdf-header-footer",
            f"--print-to-pdf={out.resolve()}",
            Path(page).resolve().as_uri(),
        ]
        problem = ""
        try:
            done = subprocess.run(
                args, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
            )
            failed = done.returncode != 0
            if done.stderr.strip():
                problem = done.stderr.strip().splitlines()[-1]
        except (OSError, subprocess.TimeoutExpired) as exc:
            failed, problem = True, str(exc)
    if failed or not out.is_file():
        raise QframeError(
            [error("C008", f"{program} could not print the report", None, problem or "no output")],
            ExitCode.FILE_ERROR,
        )
    return out

"""report.html in a real browser: headless Chromium (Debian's `chromium` package) loads the page
with every network lookup refused, and we read back what the page recorded on <body>: how many
charts plotly drew, and any script error, failed load or console error. A screenshot of the page
is kept under pytest's tmp folder and copied to out/test-report/report.png.

Without chromium the tests are skipped (`make report-browser` or .ci/run installs it).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from qframe.tools.compare import compare

ROOT = Path(__file__).parents[1]
FIX = Path(__file__).parent / "fixtures" / "compare"
SHIPPED = [ROOT / "frameworks" / f for f in ("qof_2014", "somerset_pqs", "improving_together")]
SCREENSHOT_COPY = ROOT / "out" / "test-report" / "report.png"


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "chromium not available: install Debian's chromium (`apt-get install -y chromium`, or "
        "`make report-browser`) to check report.html in a real browser"
    )


def browse(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on a local page, offline: every host name fails to resolve."""
    args = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=15000",
        *extra,
        page.resolve().as_uri(),
    ]
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=180, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:  # pragma: no cover - a broken install
        pytest.skip(f"chromium not available: {exc}")


def body_attributes(dom: str) -> dict[str, str]:
    tag = re.search(r"<body\b([^>]*)>", dom)
    assert tag, "the browser returned no <body>"
    return {k: html.unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', tag.group(1))}


@pytest.fixture(scope="module")
def shipped_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chromium()  # skip before the work when there is no browser
    out = tmp_path_factory.mktemp("report")
    compare(SHIPPED, ROOT / "data" / "sample").write(out)
    return out / "report.html"


def test_every_chart_renders_without_errors(shipped_report: Path, tmp_path: Path) -> None:
    done = browse(shipped_report, tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    attrs = body_attributes(done.stdout)
    assert attrs.get("data-page-ready") == "1", attrs
    assert attrs["data-errors"] == "", attrs["data-errors"]
    expected = int(attrs["data-charts-expected"])
    # cost, distribution, components (issue 14: why money moves), winners/losers, scatter,
    # equity, funnel, escalation
    assert expected == 8
    assert int(attrs["data-charts-rendered"]) == expected
    # plotly draws each chart into <svg class="main-svg"> elements inside its div
    assert done.stdout.count('class="main-svg"') >= expected
    for chart in (
        "cost",
        "distribution",
        "components",
        "winners-losers",
        "baseline-scatter",
        "equity",
        "funnel",
        "escalation",
    ):
        assert re.search(rf'id="chart-{chart}"[^>]*data-rendered="1"', done.stdout), chart


def test_screenshot(shipped_report: Path, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    done = browse(
        shipped_report, tmp_path / "profile", f"--screenshot={png}", "--window-size=1400,3000"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1400, 3000)
    assert len(data) > 100_000  # charts and tables, not a blank page
    SCREENSHOT_COPY.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(png, SCREENSHOT_COPY)


def test_report_without_funnel_renders(tmp_path: Path) -> None:
    chromium()
    out = tmp_path / "out"
    compare([FIX / "capitation", FIX / "quality"], FIX / "data").write(out)
    done = browse(out / "report.html", tmp_path / "profile", "--dump-dom")
    attrs = body_attributes(done.stdout)
    assert attrs["data-errors"] == ""
    # six as before, and the components chart (issue 14)
    assert attrs["data-charts-rendered"] == attrs["data-charts-expected"] == "7"
    assert "No funnel plot" in done.stdout


def test_the_page_records_errors(tmp_path: Path) -> None:
    """The check above would see a failure: a script error, a resource the page cannot load
    offline and a console error are all recorded in data-errors."""
    from qframe.tools.report import CAPTURE_SCRIPT, FINISH_SCRIPT

    chromium()
    page = tmp_path / "broken.html"
    page.write_text(
        f"<!DOCTYPE html><html><head><script>{CAPTURE_SCRIPT}</script></head>"
        '<body data-errors=""><img src="https://cdn.example.org/missing.png">'
        "<script>console.error('drawn badly');</script>"
        "<script>undefinedFunction();</script>"
        f"<script>{FINISH_SCRIPT}</script></body></html>",
        encoding="utf-8",
    )
    done = browse(page, tmp_path / "profile", "--dump-dom")
    errors = body_attributes(done.stdout)["data-errors"]
    assert "undefinedFunction" in errors
    assert "console.error: drawn badly" in errors
    assert "could not load https://cdn.example.org/missing.png" in errors


def test_pdf_for_a_board_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`compare --pdf` prints the report (A4 landscape) with the browser; without one, C007."""
    from qframe.cli.main import main
    from qframe.errors.diagnostics import QframeError
    from qframe.tools.report.pdf import write_pdf

    chromium()
    out = tmp_path / "out"
    args = ["compare", str(FIX / "capitation"), str(FIX / "quality"), "--data", str(FIX / "data")]
    with pytest.raises(SystemExit) as done:
        main([*args, "--out", str(out), "--pdf", "--quiet"])
    assert done.value.code == 0
    pdf = (out / "report.pdf").read_bytes()
    assert pdf[:5] == b"%PDF-" and pdf.count(b"/Type /Page") >= 2
    assert b"/MediaBox [0 0 841.9" in pdf  # A4 landscape, in points
    monkeypatch.setenv("PATH", str(tmp_path))  # no browser on the PATH
    with pytest.raises(QframeError) as info:
        write_pdf(out / "report.html", tmp_path / "none.pdf")
    assert "C007" in str(info.value)

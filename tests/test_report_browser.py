"""report.html used as a commissioner would, in Debian's Chromium driven by Playwright for Python
(its own browser download is never used: ``executable_path`` is the system chromium).

Offline (every request that is not the page's own file is refused and recorded), the page shows
no console error; typing a practice's name filters the practice table and opens its card; sorting
by the difference works both ways; the roll-up level buttons switch tables. Layout is measured,
not only looked at: at 1,400 and 420 px no element reaches outside the viewport (content wider
than its frame scrolls inside it), and printed (A4 landscape) every chart fits a page and is kept
whole, no table is clipped, the charts' toolbars are hidden. Screenshots and the PDF are copied to
out/test-report/ for a person to look at.

Skipped without chromium (`make report-browser`) or without Playwright (the dev extra).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qframe.tools.compare import compare

ROOT = Path(__file__).parents[1]
SHIPPED = [ROOT / "frameworks" / f for f in ("qof_2014", "somerset_pqs", "improving_together")]
COPIES = ROOT / "out" / "test-report"
# A4 landscape with the page's 10 mm margins, in CSS pixels (96 per inch)
PRINT_WIDTH = round((297 - 20) / 25.4 * 96)
PRINT_HEIGHT = round((210 - 20) / 25.4 * 96)

OUTSIDE = """(width) => {
  // elements reaching outside [0, width] that no scrolling frame holds
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    if (e.id === 'js-plotly-tester' || e.closest('#js-plotly-tester')) continue;
    const r = e.getBoundingClientRect();
    if (!r.width || (r.right <= width + 0.5 && r.left >= -0.5)) continue;
    let frame = e.parentElement, held = false;
    while (frame) {
      const s = getComputedStyle(frame).overflowX;
      if (s === 'auto' || s === 'scroll' || s === 'hidden') { held = true; break; }
      frame = frame.parentElement;
    }
    if (!held) out.push(`${e.tagName}.${e.getAttribute('class') || ''}#${e.id} ${r.left}..${r.right}`);
  }
  return out;
}"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium not available: `make report-browser` installs Debian's chromium")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chromium()
    out = tmp_path_factory.mktemp("report")
    compare(SHIPPED, ROOT / "data" / "sample").write(out)
    return out / "report.html"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright (the dev extra)")
    path = chromium()
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield launched
        launched.close()


def open_page(browser: Any, report: Path, width: int, height: int = 900) -> tuple[Any, dict]:
    """The report in a new page of ``width`` px, offline, once every chart is drawn; with what
    it tried to load from elsewhere and what it wrote to the console."""
    seen: dict[str, list[str]] = {"requests": [], "console": []}
    page = browser.new_page(viewport={"width": width, "height": height})

    def refuse(route: Any) -> None:
        seen["requests"].append(route.request.url)
        route.abort()

    page.route(re.compile(r"^(?!file:).*"), refuse)
    page.on(
        "console",
        lambda m: (
            seen["console"].append(f"{m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.goto(report.resolve().as_uri())
    page.wait_for_function(
        "document.body.dataset.chartsRendered === document.body.dataset.chartsExpected",
        timeout=60_000,
    )
    return page, seen


def amount(text: str) -> float:
    """−£94,019 −70% → -94019."""
    found = re.search(r"([−+-]?)£([\d,]+)", text)
    assert found, text
    value = float(found.group(2).replace(",", ""))
    return -value if found.group(1) in ("−", "-") else value


def test_offline_without_errors_and_fits_1400_and_420(browser: Any, report: Path) -> None:
    COPIES.mkdir(parents=True, exist_ok=True)
    for width in (1400, 420):
        page, seen = open_page(browser, report, width)
        assert seen["requests"] == [], seen["requests"]
        assert seen["console"] == [], seen["console"]
        assert page.get_attribute("body", "data-errors") == ""
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(OUTSIDE, width) == []
        # every chart frame lies inside the page; a chart wider than its frame scrolls in it
        for box in page.eval_on_selector_all(
            "figure.chart",
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " const f = e.querySelector('.plot-frame');"
            " return [r.left, r.right, f.scrollWidth, f.clientWidth, getComputedStyle(f).overflowX]; })",
        ):
            left, right, inner, frame, overflow = box
            assert left >= 0 and right <= width, box
            assert inner <= frame + 1 or overflow == "auto", box
        page.screenshot(path=str(COPIES / f"report-{width}.png"), full_page=False)
        page.close()


def test_search_sort_card_and_rollups(browser: Any, report: Path) -> None:
    page, _ = open_page(browser, report, 1400)
    rows = page.locator("#practice-table tbody tr")
    assert rows.count() == 50  # the first 50 of 300, biggest losses first
    assert "of 300 matching" in page.inner_text("#practice-count")
    # sorted by the difference under the first other framework, ascending; click: descending
    header = page.locator("#practice-table th", has_text="Difference: Somerset")
    column = header.evaluate("th => th.cellIndex")
    assert header.get_attribute("aria-sort") == "ascending"

    def differences() -> list[float]:
        cells = page.eval_on_selector_all(
            "#practice-table tbody tr", f"trs => trs.map(tr => tr.cells[{column}].innerText)"
        )
        return [amount(c) for c in cells]

    values = differences()
    assert values == sorted(values) and values[0] < 0
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    values = differences()
    assert values == sorted(values, reverse=True) and values[0] > 0
    # typing a practice's name filters the table and opens its card
    page.fill("#practice-search", "Synthetic Practice 207")  # the biggest loss under Somerset
    assert rows.count() == 1 and "S00207" in rows.first.inner_text()
    card = page.locator("#practice-card")
    assert card.is_visible() and card.get_attribute("data-id") == "S00207"
    text = card.inner_text()
    for name in ("Quality and Outcomes Framework", "Somerset Practice Quality Scheme"):
        assert name in text
    assert "report payment" in text and "released share 50%" in text
    page.fill("#practice-search", "CCG003")
    assert 1 < rows.count() <= 50
    assert all("CCG003" in t for t in rows.all_inner_texts())
    # roll-ups: one level shown at a time
    page.click("#rollups .levels button[data-level='ccg']")
    assert page.locator("#rollups .rollup[data-level='ccg']").is_visible()
    assert not page.locator("#rollups .rollup[data-level='region']").is_visible()
    page.close()


def test_printed(browser: Any, report: Path) -> None:
    page, _ = open_page(browser, report, PRINT_WIDTH, PRINT_HEIGHT)
    page.emulate_media(media="print")
    page.wait_for_timeout(300)  # the charts redraw at the printed width
    assert page.evaluate(OUTSIDE, PRINT_WIDTH) == []
    charts = page.eval_on_selector_all(
        "figure.chart",
        "els => els.map(e => { const r = e.getBoundingClientRect();"
        " const svg = e.querySelector('svg.main-svg').getBoundingClientRect();"
        " return [e.querySelector('figcaption').innerText, r.width, r.height,"
        " getComputedStyle(e).breakInside, svg.right - r.right]; })",
    )
    assert len(charts) == 8
    for caption, width, height, keep, beyond in charts:
        # a chart fits a printed page, is never split across two, and is not cut at the right
        assert keep == "avoid" and height <= PRINT_HEIGHT and width <= PRINT_WIDTH, caption
        assert beyond <= 1, caption
    for clipped in page.eval_on_selector_all(
        ".table-wrap",
        "els => els.filter(e => e.offsetParent).map(e => e.scrollWidth - e.clientWidth)",
    ):
        assert clipped <= 1  # no table wider than the page (no printed scrollbar)
    hidden = page.eval_on_selector_all(
        ".modebar-container, nav, #practice-search",
        "els => els.map(e => e.getBoundingClientRect().height)",
    )
    assert hidden and all(h == 0 for h in hidden)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf[:5] == b"%PDF-"
    (COPIES / "report.pdf").write_bytes(pdf)
    page.close()

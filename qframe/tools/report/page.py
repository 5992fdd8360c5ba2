"""The whole page: head (style, scripts, plotly.js once), header with the data's provenance,
navigation, sections, footer."""

from __future__ import annotations

import html
from pathlib import Path

from qframe.errors.diagnostics import output_file, output_folder
from qframe.results.comparison import ComparisonTables
from qframe.results.formatting import share
from qframe.tools.report.charts import Charts, colours_for
from qframe.tools.report.drilldown import practices_section
from qframe.tools.report.names import display_names
from qframe.tools.report.narrative import overview_section, provenance_banner
from qframe.tools.report.resources import (
    CAPTURE_SCRIPT,
    CHARTS_SCRIPT,
    FINISH_SCRIPT,
    PRACTICES_SCRIPT,
    STYLE,
    packed_plotly,
)
from qframe.tools.report.sections import (
    about_section,
    equity_section,
    escalation_agreement_sections,
    funnel_section,
    summary_section,
    winners_section,
)
from qframe.tools.report.why import rollups_section, why_section

NAVIGATION = (
    ("overview", "Summary"),
    ("summary", "Key figures"),
    ("why", "Why money moves"),
    ("practices", "Practices"),
    ("rollups", "Roll-ups"),
    ("winners", "Winners &amp; losers"),
    ("equity", "Equity"),
    ("funnel", "Funnel plot"),
    ("escalation", "Escalation"),
    ("agreement", "Agreement"),
    ("about", "About"),
)


def render_report(comparison: ComparisonTables) -> str:
    """The whole page as text."""
    colours = colours_for(comparison.labels)
    charts = Charts()  # the sections' charts are numbered in the order they are drawn
    m = comparison.manifest
    names = display_names(comparison)
    sections = [
        overview_section(comparison),
        summary_section(comparison, charts, colours),
        why_section(comparison, charts),
        practices_section(comparison),
        rollups_section(comparison),
        winners_section(comparison, charts, colours),
        equity_section(comparison, charts, colours),
        funnel_section(comparison, charts),
        escalation_agreement_sections(comparison, charts),
        about_section(comparison),
    ]
    body = "".join(sections)
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in NAVIGATION if f'id="{a}"' in body)
    data = m["data"]
    title = f"Comparing {len(comparison.labels)} frameworks, {comparison.period}"
    frameworks = "; ".join(
        html.escape(names[label]) + (" (baseline)" if label == comparison.baseline else "")
        for label in comparison.labels
    )
    header = (
        f"<header><h1>{html.escape(title)}</h1>"
        f"<p><strong>Frameworks:</strong> {frameworks}</p>"
        f"<p><strong>Threshold:</strong> {share(comparison.threshold, 0)} · "
        f"<strong>period compared:</strong> {html.escape(comparison.period)} "
        f"({html.escape(comparison.period_source)}) · "
        f"<strong>data:</strong> {html.escape(str(data['source']))}, {data['units']:,} practices</p>"
        "</header>"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{STYLE}</style>\n"
        f"<script>{CAPTURE_SCRIPT}</script>\n"
        "</head>\n"
        f'<body data-charts-expected="{charts.count}" data-charts-rendered="0" data-errors="">\n'
        f"{header}\n{provenance_banner(comparison)}\n<nav>{nav}</nav>\n<main>\n{body}\n</main>\n"
        f"<footer>qframe {html.escape(str(m['qframe_version']))} · "
        + html.escape(
            ", ".join(
                f"{fw['label']} {fw['version']} (sha256 {fw['sha256'][:12]}…)"
                for fw in m["frameworks"]
            )
        )
        + "</footer>\n"
        f'<script type="application/octet-stream" id="plotly-js-gzip">{packed_plotly()}</script>\n'
        f"<script>{PRACTICES_SCRIPT}</script>\n"
        f"<script>{CHARTS_SCRIPT}</script>\n"
        f"<script>{FINISH_SCRIPT}</script>\n"
        "</body>\n</html>\n"
    )


def write_report(comparison: ComparisonTables, path: str | Path) -> Path:
    """Write report.html; returns its path."""
    target = Path(path)
    output_folder(target.parent)
    output_file(target)
    target.write_text(render_report(comparison), encoding="utf-8")
    return target

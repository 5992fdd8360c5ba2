"""The sections of report.html, in the order they appear."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import pandas as pd

from qframe.results.comparison import ComparisonTables
from qframe.results.formatting import count, money, number, share
from qframe.tools.report.charts import (
    Charts,
    cost_chart,
    distribution_chart,
    equity_chart,
    escalation_chart,
    funnel_chart,
    scatter_chart,
    winners_chart,
)
from qframe.tools.report.names import display_names
from qframe.tools.report.tables import Col, pounds_change, table, whole_pounds

MAX_LIST_ROWS = 50


def baseline_rows(comparison: ComparisonTables) -> Callable[[Any], bool]:
    """Whether a table row is the baseline framework's (it is highlighted)."""
    baseline = display_names(comparison)[comparison.baseline]
    return lambda row: row.get("framework") == baseline


def named(frame: pd.DataFrame, comparison: ComparisonTables, *columns: str) -> pd.DataFrame:
    """The frame with framework labels in ``columns`` replaced by the frameworks' names."""
    names = display_names(comparison)
    return frame.assign(**{c: [names.get(v, v) for v in frame[c]] for c in columns})


def summary_section(comparison: ComparisonTables, charts: Charts, colours: dict[str, str]) -> str:
    """Key figures: a card per framework, the frameworks table, cost and distribution charts."""
    f = comparison.frameworks
    names = display_names(comparison)
    base_name = names[comparison.baseline]
    cards = []
    for _, row in f.iterrows():
        diff = row["difference_from_baseline"]
        base_total = row["total_cost"] - diff
        rel = f" ({diff / base_total:+.1%})" if base_total else ""
        sub = (
            "baseline"
            if row["framework"] == comparison.baseline
            else f"{pounds_change(diff)}{rel} against {base_name}"
        )
        flagged = (
            f"{count(row['flagged'])} practices flagged ({share(row['flag_rate'])})"
            if row["has_escalation"]
            else "no escalation rules"
        )
        cards.append(
            f'<div class="card" style="--c: {colours[row["framework"]]}">'
            f'<div class="label">{html.escape(names[row["framework"]])}</div>'
            f'<div class="value">{whole_pounds(row["total_cost"])}</div>'
            f'<div class="sub">{html.escape(sub)}</div>'
            f'<div class="sub">{money(row["cost_per_patient"])} per patient · Gini {number(row["gini_payment_per_patient"])}</div>'
            f'<div class="sub">{html.escape(flagged)}</div></div>'
        )
    summary_cols = [
        Col("framework", "framework", is_text=True),
        Col("frequency", "frequency", is_text=True),
        Col("practices_paid", "practices paid", count),
        Col("total_cost", "total cost", whole_pounds),
        Col("difference_from_baseline", "vs baseline", pounds_change),
        Col("cost_per_patient", "cost per patient", money),
        Col("mean_payment_per_patient", "mean £/patient", money),
        Col("median_payment_per_patient", "median £/patient", money),
        Col("p10_payment_per_patient", "10th pct", money),
        Col("p90_payment_per_patient", "90th pct", money),
        Col("gini_payment_per_patient", "Gini", number),
        Col("flagged", "flagged", count),
        Col("flag_rate", "flag rate", share),
    ]
    return (
        '<section id="summary"><h2>Key figures</h2>'
        f'<div class="cards">{"".join(cards)}</div>'
        + table(named(f, comparison, "framework"), summary_cols, baseline_rows(comparison))
        + '<p class="lead">Payment per patient is each practice\'s payment over its list size. '
        "Mean, median and percentiles are over practices (each practice counts once); the Gini "
        "coefficient measures how unequal payment per patient is between practices (0: all "
        "equal).</p>"
        f'<div class="two">{cost_chart(comparison, charts, colours)}{distribution_chart(comparison, charts, colours)}</div>'
        "</section>"
    )


def winners_section(comparison: ComparisonTables, charts: Charts, colours: dict[str, str]) -> str:
    """Winners and losers against the baseline: by deprivation, the clusters losing most, the scatter."""
    others = [lb for lb in comparison.labels if lb != comparison.baseline]
    w = comparison.winners_losers
    if others:
        wl_cols = [
            Col("framework", "framework", is_text=True),
            Col("group", "deprivation quintile", is_text=True),
            Col("compared", "practices", count),
            Col("gaining", "gaining", count),
            Col("losing", "losing", count),
            Col("within", "within", count),
            Col("gaining_share", "gaining %", share),
            Col("losing_share", "losing %", share),
            Col("net_difference", "net difference", pounds_change),
        ]
        shown = w[w["by"] != "cluster"].copy()
        shown["group"] = shown["group"].where(shown["by"] != "all", "all practices")
        clusters = w[w["by"] == "cluster"]
        cluster_note = ""
        if len(clusters):
            worst = clusters.sort_values(
                ["losing_share", "group"], ascending=[False, True], kind="stable"
            )
            worst = worst.groupby("framework", sort=False).head(5)
            order = {label: i for i, label in enumerate(comparison.labels)}
            worst = worst.sort_values("framework", key=lambda s: s.map(order), kind="stable")
            cluster_note = (
                "<h3>Clusters with the largest share of losing practices (five per framework)</h3>"
                + table(
                    named(worst, comparison, "framework"),
                    [
                        Col("framework", "framework", is_text=True),
                        Col("group", "cluster", is_text=True),
                        Col("compared", "practices", count),
                        Col("gaining", "gaining", count),
                        Col("losing", "losing", count),
                        Col("losing_share", "losing %", share),
                        Col("net_difference", "net difference", pounds_change),
                    ],
                )
                + '<p class="note">Every cluster is in winners_losers.csv and the workbook.</p>'
            )
        return (
            '<section id="winners"><h2>Winners and losers against the baseline</h2>'
            f'<p class="lead">A practice <strong>gains</strong> when its payment under a framework is more than '
            f"{share(comparison.threshold, 0)} above its payment under the baseline ({html.escape(display_names(comparison)[comparison.baseline])}), and "
            f"<strong>loses</strong> when it is more than {share(comparison.threshold, 0)} below.</p>"
            + winners_chart(comparison, charts, colours)
            + table(named(shown, comparison, "framework"), wl_cols)
            + cluster_note
            + scatter_chart(comparison, charts, colours)
            + "</section>"
        )
    return (
        '<section id="winners"><h2>Winners and losers against the baseline</h2>'
        '<p class="note">Only the baseline was given: there is nothing to compare it with.</p></section>'
    )


def equity_section(comparison: ComparisonTables, charts: Charts, colours: dict[str, str]) -> str:
    """Payment per patient and flag rate by deprivation quintile."""
    eq_cols = [
        Col("framework", "framework", is_text=True),
        Col("deprivation_quintile", "deprivation quintile", is_text=True),
        Col("practices", "practices", count),
        Col("patients", "patients", count),
        Col("payment", "payment", whole_pounds),
        Col("payment_per_patient", "£ per patient", money),
        Col("relative_to_average", "vs framework average", lambda v: number(v, 3)),
        Col("flag_rate", "flag rate", share),
    ]
    return (
        '<section id="equity"><h2>Equity: payment per patient by deprivation</h2>'
        f'<p class="lead">Deprivation quintiles: {html.escape(comparison.provenance["deprivation_quintile"])}. All payments in the quintile over all its patients; "vs framework average" '
        "divides it by the framework's cost per patient. Flag rate: the share of the quintile's "
        "practices escalated at any level.</p>"
        + equity_chart(comparison, charts, colours)
        + table(
            named(comparison.equity, comparison, "framework"), eq_cols, baseline_rows(comparison)
        )
        + "</section>"
    )


def funnel_section(comparison: ComparisonTables, charts: Charts) -> str:
    """The funnel plot of admission rates, or why there is none."""
    if comparison.funnel is not None:
        funnel_html = f'<p class="lead">{html.escape(comparison.funnel_note)}</p>' + funnel_chart(
            comparison, charts
        )
    else:
        funnel_html = f'<p class="note">{html.escape(comparison.funnel_note)}</p>'
    return (
        '<section id="funnel"><h2>Variation: the cluster funnel plot</h2>'
        + funnel_html
        + "</section>"
    )


def escalation_agreement_sections(comparison: ComparisonTables, charts: Charts) -> str:
    """Escalation levels reached; agreement between frameworks and the mismatches."""
    esc_html = ""
    if len(comparison.escalation):
        esc_html = escalation_chart(comparison, charts) + table(
            named(comparison.escalation, comparison, "framework"),
            [
                Col("framework", "framework", is_text=True),
                Col("rank", "rank", count),
                Col("level", "level", is_text=True),
                Col("practices", "practices", count),
                Col("share", "share", share),
            ],
        )
    else:
        esc_html = '<p class="note">None of the frameworks compared has escalation rules.</p>'
    none_esc = [
        display_names(comparison)[lb]
        for lb in comparison.labels
        if lb not in comparison.with_escalation
    ]
    if none_esc:
        esc_html += (
            '<p class="note">Without escalation rules (never flag a practice): '
            + html.escape(", ".join(none_esc))
            + ".</p>"
        )
    ag_cols = [
        Col("framework_a", "A", is_text=True),
        Col("framework_b", "B", is_text=True),
        Col("practices", "practices", count),
        Col("spearman_payment", "Spearman: payment", number),
        Col("spearman_payment_per_patient", "Spearman: £ per patient", number),
        Col("flagged_both", "flagged by both", count),
        Col("flagged_only_a", "only A", count),
        Col("flagged_only_b", "only B", count),
        Col("flagged_neither", "neither", count),
        Col("flag_jaccard", "overlap (Jaccard)", number),
    ]
    mm = comparison.mismatches
    mm_cols = [
        Col("direction", "case", is_text=True),
        Col("underpaid_by", "underpaid by", is_text=True),
        Col("escalated_by", "escalated by", is_text=True),
        Col("unit_id", "practice", is_text=True),
        Col("name", "name", is_text=True),
        Col("cluster", "cluster", is_text=True),
        Col("deprivation_quintile", "deprivation quintile", is_text=True),
        Col("list_size", "list size", count),
        Col("payment_per_patient", "£ per patient", money),
        Col("escalation_level", "level", is_text=True),
    ]
    if len(mm):
        counts = (
            mm.groupby(["direction", "underpaid_by", "escalated_by"], sort=False)
            .size()
            .reset_index(name="practices")
        )
        mm = named(mm, comparison, "underpaid_by", "escalated_by")
        counts = named(counts, comparison, "underpaid_by", "escalated_by")
        mm_html = table(
            counts,
            [
                Col("direction", "case", is_text=True),
                Col("underpaid_by", "underpaid by", is_text=True),
                Col("escalated_by", "escalated by", is_text=True),
                Col("practices", "practices", count),
            ],
        ) + table(mm.head(MAX_LIST_ROWS), mm_cols)
        if len(mm) > MAX_LIST_ROWS:
            mm_html += f'<p class="note">The first {MAX_LIST_ROWS} of {len(mm)}: all are in mismatches.csv and the workbook.</p>'
    else:
        mm_html = '<p class="note">No practice is underpaid by one framework and escalated by the other.</p>'
    return (
        '<section id="escalation"><h2>Escalation</h2>'
        '<p class="lead">The highest escalation level each practice reaches in the year (for a quarterly '
        "framework, in any of its quarters).</p>"
        + esc_html
        + "</section>"
        + '<section id="agreement"><h2>Agreement between frameworks</h2>'
        "<p class=\"lead\">Spearman's rank correlation of the practices' payments (1: the same order), "
        "and of payment per patient; how many practices each pair flags (any escalation level). "
        "Overlap (Jaccard) = flagged by both ÷ flagged by either.</p>"
        + table(named(comparison.agreement, comparison, "framework_a", "framework_b"), ag_cols)
        + "<h3>Underpaid by one, escalated by the other</h3>"
        '<p class="lead">Practices in the bottom fifth of payment per patient under one framework that '
        "the other escalates: the baseline against each other framework, both ways.</p>"
        + mm_html
        + "</section>"
    )


def about_section(comparison: ComparisonTables) -> str:
    """What was compared (the about lines) and where the tables are."""
    about = "".join(
        f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in comparison.about_rows()
    )
    return (
        '<section id="about"><h2>About this comparison</h2>'
        f'<dl class="about">{about}</dl>'
        '<p class="lead">The tables behind this page are in the same folder: CSV (or Parquet) files, '
        "comparison.xlsx (a sheet per table, a row per practice in practices_wide, the roll-ups) "
        "and manifest.json. docs/compare.md defines every "
        "column.</p></section>"
    )

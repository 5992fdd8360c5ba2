"""Why money moves (each framework's cost by component, the practices that move most and why) and
the roll-ups by region, CCG, locality and cluster."""

from __future__ import annotations

import html

import pandas as pd

from qframe.results.comparison import ComparisonTables
from qframe.results.formatting import count, money, share
from qframe.tools.report.charts import Charts, components_chart
from qframe.tools.report.names import display_names
from qframe.tools.report.narrative import drivers_by_unit, practice_name, reason_text
from qframe.tools.report.tables import Col, pounds_change, table, whole_pounds

LOSERS_SHOWN = 5
GAINERS_SHOWN = 3
ROLLUP_LEVELS = {"region": "Region", "ccg": "CCG", "locality": "Locality", "cluster": "Cluster"}


def movers(comparison: ComparisonTables) -> pd.DataFrame:
    """The practices moving most under each framework against the baseline (losers first), with
    the reason."""
    p = comparison.practices
    names = display_names(comparison)
    rows = []
    for label in comparison.labels:
        if label == comparison.baseline:
            continue
        f = p[(p["framework"] == label) & p["difference"].notna()]
        drivers = drivers_by_unit(comparison, label)
        losers = f[f["difference"] < 0].sort_values(["difference", "unit_id"], kind="stable")
        gainers = f[f["difference"] > 0].sort_values(
            ["difference", "unit_id"], ascending=[False, True], kind="stable"
        )
        for _, r in pd.concat([losers.head(LOSERS_SHOWN), gainers.head(GAINERS_SHOWN)]).iterrows():
            driver = drivers.loc[r["unit_id"]] if r["unit_id"] in drivers.index else None
            rows.append(
                {
                    "framework": names[label],
                    "practice": practice_name(r),
                    "ccg": r["ccg"],
                    "list_size": r["list_size"],
                    "baseline_payment": r["baseline_payment"],
                    "payment": r["payment"],
                    "difference": r["difference"],
                    "change": r["ratio"] - 1,
                    "why": reason_text(driver),
                }
            )
    return pd.DataFrame(rows)


def why_section(comparison: ComparisonTables, charts: Charts) -> str:
    """Cost by component per framework, and the biggest movers with their reasons."""
    if comparison.components.empty:
        return ""
    names = display_names(comparison)
    shown = comparison.components.assign(
        framework=[names[lb] for lb in comparison.components["framework"]]
    )
    parts = table(
        shown,
        [
            Col("framework", "framework", is_text=True),
            Col("component", "component", is_text=True),
            Col("cost", "cost", whole_pounds),
            Col("share_of_cost", "share of its cost", share),
            Col("cost_per_patient", "£ per patient", money),
            Col("practices_paid_nothing", "practices paid nothing", count),
        ],
    )
    moving = movers(comparison)
    movers_html = ""
    if len(moving):
        movers_html = (
            f"<h3>The practices that move most, and why ({LOSERS_SHOWN} biggest losses and "
            f"{GAINERS_SHOWN} biggest gains under each framework)</h3>"
        )
        for name, rows in moving.groupby("framework", sort=False):
            movers_html += f"<h4>{html.escape(str(name))}</h4>" + table(
                rows,
                [
                    Col("practice", "practice", is_text=True),
                    Col("ccg", "CCG", is_text=True),
                    Col("list_size", "list size", count),
                    Col("baseline_payment", "baseline", whole_pounds),
                    Col("payment", "under this framework", whole_pounds),
                    Col("difference", "difference", pounds_change),
                    Col("change", "change", lambda v: share(v, 0, sign=True)),
                    Col("why", "why", is_text=True),
                ],
                wrap=True,
            )
    return (
        '<section id="why"><h2>Why money moves</h2>'
        '<p class="lead">Each framework\'s payment is the sum of its components (the totals its '
        "payment adds up, and the indicators' payments by domain). A practice's reason is the "
        "component furthest from what a typical practice of its size gets (the component's median "
        "£ per patient times the practice's list size) and, when that component is released by a "
        "share (a gate, such as the share of quarterly reports accepted), that share.</p>"
        + components_chart(comparison, charts)
        + parts
        + movers_html
        + '<p class="note">Every practice\'s components are in practice_components.csv and the '
        "workbook; search for a practice below to see its own card.</p></section>"
    )


def rollups_section(comparison: ComparisonTables) -> str:
    """Totals per region, CCG, locality and cluster: a table per level, one shown at a time."""
    r = comparison.rollups
    if r.empty:
        return ""
    names = display_names(comparison)
    levels = [lv for lv in ROLLUP_LEVELS if (r["level"] == lv).any()]
    buttons = "".join(
        f'<button type="button" data-level="{lv}" aria-pressed="{"true" if i == 0 else "false"}">'
        f"{ROLLUP_LEVELS[lv]}</button>"
        for i, lv in enumerate(levels)
    )
    blocks = []
    for i, level in enumerate(levels):
        rows = r[r["level"] == level]
        wide = rows[rows["framework"] == comparison.baseline][["group", "practices", "patients"]]
        wide = wide.set_index("group")
        cols = [
            Col("group", ROLLUP_LEVELS[level], is_text=True),
            Col("practices", "practices", count),
            Col("patients", "patients", count),
        ]
        for label in comparison.labels:
            g = rows[rows["framework"] == label].set_index("group")
            wide[f"pay {label}"] = g["payment"]
            cols.append(Col(f"pay {label}", f"{names[label]}", whole_pounds))
            if label != comparison.baseline:
                wide[f"diff {label}"] = g["relative_difference"]
                wide[f"losing {label}"] = g["losing"]
                cols.append(Col(f"diff {label}", "change", lambda v: share(v, 1, sign=True)))
                cols.append(Col(f"losing {label}", "practices losing", count))
        hidden = "" if i == 0 else " hidden"
        blocks.append(
            f'<div class="rollup" data-level="{level}"{hidden}>'
            + table(wide.reset_index(), cols)
            + "</div>"
        )
    base = html.escape(names[comparison.baseline])
    return (
        '<section id="rollups"><h2>Roll-ups: region, CCG, locality and cluster</h2>'
        f'<p class="lead">Each framework\'s payments added up per area; "change" is against '
        f'{base}, and "practices losing" counts those losing more than '
        f"{share(comparison.threshold, 0)}.</p>"
        f'<div class="levels" role="group" aria-label="Roll-up level">{buttons}</div>'
        + "".join(blocks)
        + '<p class="note">Every level is in rollups.csv and the workbook\'s rollups sheet.</p>'
        "</section>"
    )

"""The report's summary in words, written from the numbers: what each framework costs against the
baseline, how many practices gain or lose more than the threshold and why, the biggest movers,
equity between the least and most deprived, and where the data come from."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from qframe.results.comparison import ComparisonTables
from qframe.results.formatting import count, is_missing, large_money, money, share
from qframe.tools.report.names import display_names

TOP_MOVERS = 3


def practice_name(row: Any) -> str:
    """A practice as named on the page: "Synthetic Practice 7 (S00007)"."""
    name, code = str(row["name"] or ""), str(row["unit_id"])
    return f"{name} ({code})" if name and name != code else code


def reason_text(driver: Any) -> str:
    """Why a practice's payment is what it is, from its driver row: "its report payment is
    £31,091, £91,162 below a typical practice of its size (released share 25%; 100% for the
    median practice)"."""
    if driver is None or is_missing(driver["gap"]):
        return ""
    gap = float(driver["gap"])
    side = "below" if gap < 0 else "above"
    text = (
        f"its {driver['component']} is {money(driver['amount'], pence=False)}, "
        f"{money(abs(gap), pence=False)} {side} a typical practice of its size"
    )
    if driver["gate"]:
        text += (
            f" ({driver['gate']} {share(driver['gate_value'], 0)}; "
            f"{share(driver['gate_typical'], 0)} for the median practice)"
        )
    return text


def drivers_by_unit(comparison: ComparisonTables, label: str) -> pd.DataFrame:
    """The driver rows of one framework, by practice code."""
    d = comparison.drivers
    if d.empty:
        return d
    return d[d["framework"] == label].set_index("unit_id")


def cost_sentence(comparison: ComparisonTables, names: dict[str, str]) -> str:
    f = comparison.frameworks.set_index("framework")
    base = f.loc[comparison.baseline]
    head = (
        f"<strong>{html.escape(names[comparison.baseline])}</strong>, the baseline, pays "
        f"{large_money(base['total_cost'])} to {count(base['practices_paid'])} practices "
        f"({money(base['cost_per_patient'])} per patient) in {html.escape(comparison.period)}."
    )
    others = []
    for label in comparison.labels:
        if label == comparison.baseline:
            continue
        row = f.loc[label]
        diff = row["difference_from_baseline"]
        rel = diff / base["total_cost"] if base["total_cost"] else float("nan")
        others.append(
            f"<strong>{html.escape(names[label])}</strong> would cost "
            f"{large_money(row['total_cost'])} ({large_money(diff, sign='nonzero')}, "
            f"{share(rel, 1, sign=True)})"
        )
    return head + (" " + "; ".join(others) + "." if others else "")


def movers_sentences(comparison: ComparisonTables, names: dict[str, str]) -> list[str]:
    """Per framework: how many gain and lose, why most of the losers lose, the biggest movers."""
    w = comparison.winners_losers
    overall = w[w["by"] == "all"].set_index("framework") if len(w) else w
    p = comparison.practices
    threshold = share(comparison.threshold, 0)
    out = []
    for label in comparison.labels:
        if label == comparison.baseline or label not in overall.index:
            continue
        row = overall.loc[label]
        name = html.escape(names[label])
        compared = int(overall["compared"].to_dict()[label])
        text = (
            f"Under <strong>{name}</strong>, {count(row['losing'])} of {count(compared)} practices "
            f"({share(row['losing_share'], 0)}) would lose more than {threshold} of their "
            f"baseline payment and {count(row['gaining'])} ({share(row['gaining_share'], 0)}) "
            f"would gain more than {threshold}."
        )
        f = p[p["framework"] == label]
        drivers = drivers_by_unit(comparison, label)
        losers = f[f["movement"] == "loss"]
        if len(losers) and len(drivers):
            why = drivers.reindex(losers["unit_id"])
            main = why["component"].value_counts()
            if len(main):
                component = str(main.index[0])
                these = why[why["component"] == component]
                below = these[these["gap"] < 0]
                text += (
                    f" For {count(len(below))} of the {count(len(losers))} losing practices the "
                    f"main reason is a {html.escape(component)} below what a typical practice "
                    "of their size gets"
                )
                gated = below[below["gate"] != ""]
                if len(gated):
                    gate = str(gated["gate"].iloc[0])
                    low, high = gated["gate_value"].min(), gated["gate_value"].max()
                    spread = share(low, 0) if low == high else f"{share(low, 0)}–{share(high, 0)}"
                    text += (
                        f"; for {count(len(gated))} of them the {html.escape(gate)} is "
                        f"{spread}, against {share(gated['gate_typical'].iloc[0], 0)} for the "
                        "median practice"
                    )
                text += "."
        known = f[f["difference"].notna()]
        worst = known.sort_values(["difference", "unit_id"], kind="stable").head(TOP_MOVERS)
        worst = worst[worst["difference"] < 0]
        best = known.sort_values(["difference", "unit_id"], ascending=[False, True]).head(1)
        best = best[best["difference"] > 0]
        if len(worst):
            text += " Biggest losses: " + "; ".join(
                f"{html.escape(practice_name(r))} {money(r['difference'], pence=False)} "
                f"({share(r['ratio'] - 1, 0, sign=True)})"
                for _, r in worst.iterrows()
            )
            text += "."
        if len(best):
            r = best.iloc[0]
            text += (
                f" Biggest gain: {html.escape(practice_name(r))} "
                f"{money(r['difference'], pence=False, sign='nonzero')} "
                f"({share(r['ratio'] - 1, 0, sign=True)})."
            )
        out.append(text)
    return out


def equity_sentence(comparison: ComparisonTables, names: dict[str, str]) -> str:
    e = comparison.equity
    if e.empty:
        return ""
    quintiles = sorted({str(q) for q in e["deprivation_quintile"] if str(q)})
    if len(quintiles) < 2:
        return ""
    low, high = quintiles[0], quintiles[-1]
    parts = []
    for label in comparison.labels:
        f = e[e["framework"] == label].set_index("deprivation_quintile")
        if low in f.index and high in f.index:
            parts.append(
                f"{html.escape(names[label])} {money(f.loc[high, 'payment_per_patient'])} "
                f"against {money(f.loc[low, 'payment_per_patient'])}"
            )
    direction = html.escape(comparison.provenance["deprivation_quintile"])
    return (
        f"Payment per patient in deprivation quintile {high} against quintile {low} "
        f"({direction}): " + "; ".join(parts) + "."
    )


def flag_sentence(comparison: ComparisonTables, names: dict[str, str]) -> str:
    f = comparison.frameworks.set_index("framework")
    parts = [
        f"{html.escape(names[label])} flags {count(f.loc[label, 'flagged'])} practices "
        f"({share(f.loc[label, 'flag_rate'], 0)})"
        for label in comparison.with_escalation
    ]
    return ("Escalation: " + "; ".join(parts) + ".") if parts else ""


def overview_section(comparison: ComparisonTables) -> str:
    """The summary in words, first on the page."""
    names = display_names(comparison)
    lines = [
        cost_sentence(comparison, names),
        *movers_sentences(comparison, names),
        equity_sentence(comparison, names),
        flag_sentence(comparison, names),
    ]
    items = "".join(f"<li>{line}</li>" for line in lines if line)
    return (
        '<section id="overview"><h2>Summary</h2>'
        f'<ul class="summary">{items}</ul>'
        '<p class="note">Written from the tables below; each figure is explained in its section. '
        "A typical practice of a size: the framework's median payment per patient for that "
        "component, times the practice's list size.</p></section>"
    )


def provenance_banner(comparison: ComparisonTables) -> str:
    """A banner saying where the data come from: synthetic (no real practice's figures), real,
    or not stated (check before sharing)."""
    stated = comparison.provenance
    kind = stated["provenance"]
    description = html.escape(stated["description"])
    if kind == "synthetic":
        return (
            '<div class="banner synthetic" role="note"><strong>Synthetic data.</strong> No figure '
            f"in this report is a real practice's. {description}</div>"
        )
    if kind == "real":
        return (
            f'<div class="banner real" role="note"><strong>Real data.</strong> {description}</div>'
        )
    return (
        '<div class="banner unknown" role="note"><strong>The data do not say whether they are '
        "real or synthetic.</strong> Check before sharing (a dataset states it in its "
        "manifest.json: docs/compare.md).</div>"
    )

"""The practices: a searchable, sortable table of every practice (drawn by the page's script from
data embedded as JSON) and each practice's own card (its figures under each framework, its
components, its escalation and why its payment moves)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

from qframe.results.comparison import ComparisonTables
from qframe.results.formatting import share
from qframe.tools.report.names import display_names
from qframe.tools.report.narrative import drivers_by_unit, reason_text

ROWS_SHOWN = 50


def number_or_none(value: Any, places: int) -> float | int | None:
    """A number for the page's JSON, rounded (None when missing)."""
    if value is None or (not isinstance(value, str) and bool(np.isnan(float(value)))):
        return None
    x = round(float(value), places)
    if not math.isfinite(x):
        return None
    return int(x) if places == 0 else x


def practice_data(comparison: ComparisonTables) -> dict[str, Any]:
    """What the table and cards show, compactly: the frameworks, the components' names, and per
    practice its attributes and, per framework, [payment, £ per patient, difference, ratio,
    escalation level, rules met, [[component, amount, typical], …], why]."""
    names = display_names(comparison)
    p = comparison.practices
    escalating = set(comparison.with_escalation)
    parts = comparison.practice_components
    component_names: list[str] = sorted({str(c) for c in parts["component"]}) if len(parts) else []
    index = {c: i for i, c in enumerate(component_names)}
    typical: dict[tuple[str, str, str], float] = {}
    if len(parts):
        sizes = p.drop_duplicates("unit_id").set_index("unit_id")["list_size"]
        size = sizes.reindex(parts["unit_id"]).to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_patient = parts["amount"].to_numpy(dtype=np.float64) / np.where(
                size > 0, size, np.nan
            )
        medians = parts.assign(pp=per_patient).groupby(["framework", "component"])["pp"].median()
        typical = {
            (str(fw), str(component), ""): float(v)
            for (fw, component), v in zip(medians.index, medians.to_numpy(), strict=True)
        }
    by_fw_parts = (
        {
            label: parts[parts["framework"] == label].groupby("unit_id", sort=False)
            for label in comparison.labels
        }
        if len(parts)
        else {}
    )
    rows_by_fw = {
        label: p[p["framework"] == label].set_index("unit_id") for label in comparison.labels
    }
    drivers_by_fw = {label: drivers_by_unit(comparison, label) for label in comparison.labels}
    first = rows_by_fw[comparison.baseline]
    practices = []
    for unit_id in first.index.astype(str):
        base = first.loc[unit_id]
        entries = []
        for label in comparison.labels:
            row = rows_by_fw[label].loc[unit_id]
            mine: list[list[Any]] = []
            if label in by_fw_parts and unit_id in by_fw_parts[label].groups:
                g = by_fw_parts[label].get_group(unit_id)
                for component, amount in zip(g["component"], g["amount"], strict=True):
                    median = typical.get((label, str(component), ""), float("nan"))
                    mine.append(
                        [
                            index[str(component)],
                            number_or_none(amount, 0),
                            number_or_none(median * float(base["list_size"]), 0),
                        ]
                    )
            d = drivers_by_fw[label]
            why = ""
            if (
                label != comparison.baseline
                and row["movement"] in ("gain", "loss")
                and unit_id in d.index
            ):
                why = reason_text(d.loc[unit_id])
            entries.append(
                [
                    number_or_none(row["payment"], 2),
                    number_or_none(row["payment_per_patient"], 2),
                    number_or_none(row["difference"], 2) if label != comparison.baseline else None,
                    number_or_none(row["ratio"], 4) if label != comparison.baseline else None,
                    str(row["escalation_level"] or "") if label in escalating else "",
                    str(row["escalation_rules"] or "").replace(";", ", ")
                    if label in escalating
                    else "",
                    mine,
                    why,
                ]
            )
        practices.append(
            {
                "id": str(unit_id),
                "name": str(base["name"] or ""),
                "region": str(base.get("region", "") or ""),
                "ccg": str(base["ccg"] or ""),
                "locality": str(base.get("locality", "") or ""),
                "cluster": str(base["cluster"] or ""),
                "quintile": str(base["deprivation_quintile"] or ""),
                "list": number_or_none(base["list_size"], 0),
                "f": entries,
            }
        )
    return {
        "frameworks": [
            {
                "label": label,
                "name": names[label],
                "baseline": label == comparison.baseline,
                "escalates": label in escalating,
            }
            for label in comparison.labels
        ],
        "components": component_names,
        "threshold": comparison.threshold,
        "quintiles": comparison.provenance["deprivation_quintile"],
        "shown": ROWS_SHOWN,
        "practices": practices,
    }


def practices_section(comparison: ComparisonTables) -> str:
    """The searchable, sortable practice table and the practice card."""
    data = json.dumps(practice_data(comparison), ensure_ascii=False, separators=(",", ":"))
    data = data.replace("</", "<\\/")
    threshold = share(comparison.threshold, 0)
    return (
        '<section id="practices"><h2>Practices: search, sort and open a practice\'s card</h2>'
        '<p class="lead">Type a practice\'s name or code, a CCG, locality or cluster to filter; '
        "click a column heading to sort (again to reverse); choose a practice to see its card: "
        "its payment under each framework, what makes it up, its escalation and why it moves. "
        f"Flagged: escalated at any level. Gaining or losing: by more than {threshold}.</p>"
        '<div class="finder"><label for="practice-search">Find a practice</label> '
        '<input id="practice-search" type="search" autocomplete="off" '
        'placeholder="name, code, CCG, locality or cluster"> '
        '<span id="practice-count" aria-live="polite"></span></div>'
        '<div id="practice-card" class="practice-card" hidden></div>'
        '<div class="table-wrap"><table id="practice-table" class="practice-table">'
        "<thead></thead><tbody></tbody></table></div>"
        '<p><button type="button" id="practice-more" hidden>Show every matching practice</button></p>'
        '<p class="note print-only">Printed: the first 25 practices as the table is sorted; every '
        "practice is in practices.csv and the workbook's practices_wide sheet.</p>"
        '<noscript><p class="note">The practice table needs JavaScript; every practice is in '
        "practices.csv and the workbook's practices_wide sheet.</p></noscript>"
        f'<script type="application/json" id="practice-data">{data}</script>'
        "</section>"
    )

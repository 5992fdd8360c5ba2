"""The practices: a searchable, sortable table of every practice (drawn by the page's script from
data embedded as JSON) and each practice's own card (its figures under each framework, its
components, its escalation and why its payment moves)."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

from qframe.results.comparison import ComparisonTables
from qframe.results.formatting import share
from qframe.tools.report.names import display_names
from qframe.tools.report.narrative import drivers_by_unit, reason_text

ROWS_SHOWN = 50


def number_or_none(value: Any, places: int) -> float | int | None:
    """A number for the page's JSON, rounded (None when missing or not finite)."""
    if value is None or value is pd.NA:
        return None
    x = float(value)
    if not math.isfinite(x):
        return None
    x = round(x, places)
    return int(x) if places == 0 else x


def components_by_practice(
    comparison: ComparisonTables, index: dict[str, int]
) -> dict[tuple[str, str], list[list[Any]]]:
    """Per (framework, practice): [[component's index, amount, typical for its size], …]."""
    parts = comparison.practice_components
    if parts.empty:
        return {}
    sizes = comparison.practices.drop_duplicates("unit_id").set_index("unit_id")["list_size"]
    size = sizes.reindex(parts["unit_id"]).to_numpy(dtype=np.float64)
    amount = parts["amount"].to_numpy(dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_patient = amount / np.where(size > 0, size, np.nan)
    frame = parts.assign(pp=per_patient)
    typical = frame.groupby(["framework", "component"])["pp"].transform("median").to_numpy()
    entries = [
        list(entry)
        for entry in zip(
            parts["component"].astype(str).map(index).tolist(),
            whole_numbers(amount),
            whole_numbers(typical * size),
            strict=True,
        )
    ]
    # each practice's rows, in the table's order (grouped by pandas, not row by row)
    keys = pd.DataFrame(
        {"framework": parts["framework"].astype(str), "unit_id": parts["unit_id"].astype(str)}
    )
    groups: dict[Any, Any] = keys.groupby(["framework", "unit_id"], sort=False).indices
    return {
        (str(key[0]), str(key[1])): [entries[i] for i in np.asarray(rows).tolist()]
        for key, rows in groups.items()
    }


def whole_numbers(values: np.ndarray) -> list[int | None]:
    """Numbers rounded to whole pounds for the page's JSON (None when missing)."""
    rounded = np.round(np.asarray(values, dtype=np.float64))
    finite = np.isfinite(rounded)
    return [int(v) if ok else None for v, ok in zip(rounded.tolist(), finite.tolist(), strict=True)]


def rounded_numbers(values: np.ndarray, places: int) -> list[float | None]:
    """Numbers rounded to ``places`` for the page's JSON (None when missing or infinite)."""
    rounded = np.round(np.asarray(values, dtype=np.float64), places)
    finite = np.isfinite(rounded)
    return [v if ok else None for v, ok in zip(rounded.tolist(), finite.tolist(), strict=True)]


def practice_data(comparison: ComparisonTables) -> dict[str, Any]:
    """What the table and cards show, compactly: the frameworks, the components' names, and per
    practice its attributes and, per framework, [payment, £ per patient, difference, ratio,
    escalation level, rules met, [[component, amount, typical], …], why]."""
    names = display_names(comparison)
    p = comparison.practices
    escalating = set(comparison.with_escalation)
    parts = comparison.practice_components
    component_names: list[str] = (
        sorted({str(c) for c in parts["component"].unique()}) if len(parts) else []
    )
    components = components_by_practice(comparison, {c: i for i, c in enumerate(component_names)})
    first = p[p["framework"] == comparison.baseline]
    ids = first["unit_id"].astype(str).tolist()
    per_fw: dict[str, list[list[Any]]] = {}
    for label in comparison.labels:
        f = p[p["framework"] == label].set_index("unit_id").reindex(ids)
        is_base = label == comparison.baseline
        escalates = label in escalating
        drivers = drivers_by_unit(comparison, label)
        why: dict[str, str] = {}
        if not is_base and len(drivers):
            moving = f.index[f["movement"].isin(["gain", "loss"]).to_numpy()]
            chosen = drivers.reindex(moving).dropna(subset=["gap"])
            why = {
                str(u): reason_text(d)
                for u, d in zip(chosen.index, chosen.to_dict("records"), strict=True)
            }
        levels = f["escalation_level"].fillna("").astype(str).tolist()
        rules = f["escalation_rules"].fillna("").astype(str).tolist()
        per_fw[label] = [
            [
                pay,
                ppp,
                None if is_base else diff,
                None if is_base else ratio,
                level if escalates else "",
                rule.replace(";", ", ") if escalates else "",
                components.get((label, unit), []),
                why.get(unit, ""),
            ]
            for unit, pay, ppp, diff, ratio, level, rule in zip(
                ids,
                rounded_numbers(f["payment"].to_numpy(dtype=np.float64), 2),
                rounded_numbers(f["payment_per_patient"].to_numpy(dtype=np.float64), 2),
                rounded_numbers(f["difference"].to_numpy(dtype=np.float64), 2),
                rounded_numbers(f["ratio"].to_numpy(dtype=np.float64), 4),
                levels,
                rules,
                strict=True,
            )
        ]
    attrs = {
        a: first[a].fillna("").astype(str).tolist() if a in first.columns else [""] * len(ids)
        for a in ("name", "region", "ccg", "locality", "cluster", "deprivation_quintile")
    }
    sizes = whole_numbers(first["list_size"].to_numpy(dtype=np.float64))
    practices = [
        {
            "id": unit,
            "name": attrs["name"][i],
            "region": attrs["region"][i],
            "ccg": attrs["ccg"][i],
            "locality": attrs["locality"][i],
            "cluster": attrs["cluster"][i],
            "quintile": attrs["deprivation_quintile"][i],
            "list": sizes[i],
            "f": [entries[i] for entries in per_fw.values()],
        }
        for i, unit in enumerate(ids)
    ]
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

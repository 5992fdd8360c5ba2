"""What each column of qframe's tables is, for people: its heading and the kind of number it
holds (money, money per patient, a share, a rate per 1,000, a correlation, a count …).

The workbook takes its headings and Excel number formats from here; a column not listed is
headed by its name in words and formatted by its type.
"""

from __future__ import annotations

from dataclasses import dataclass

# Excel number formats by kind of value
FORMATS = {
    "money": '"£"#,##0.00;-"£"#,##0.00',
    "money_per_patient": '"£"#,##0.00;-"£"#,##0.00',
    "share": "0.0%",
    "rate_per_1000": "#,##0.00",
    "correlation": "0.000",
    "ratio": "0.000",
    "count": "#,##0",
    "whole": "0",
    "number": "#,##0.00",
    "text": "@",
    "flag": "General",
}


@dataclass(frozen=True)
class ColumnInfo:
    """A column's heading for people and the kind of value it holds (a key of FORMATS)."""

    heading: str
    kind: str


def info(heading: str, kind: str) -> ColumnInfo:
    return ColumnInfo(heading, kind)


COLUMNS: dict[str, ColumnInfo] = {
    # who and when
    "period": info("Period", "text"),
    "framework": info("Framework", "text"),
    "id": info("Framework id", "text"),
    "version": info("Version", "text"),
    "title": info("Title", "text"),
    "frequency": info("Frequency", "text"),
    "baseline": info("Baseline", "text"),
    "unit_id": info("Practice code", "text"),
    "name": info("Practice", "text"),
    "region": info("Region", "text"),
    "ccg": info("CCG", "text"),
    "locality": info("Locality", "text"),
    "cluster": info("Cluster", "text"),
    "deprivation_quintile": info("Deprivation quintile", "whole"),
    "list_size": info("List size", "count"),
    "patients": info("Patients", "count"),
    "practices": info("Practices", "count"),
    "practices_paid": info("Practices paid", "count"),
    "practices_paid_nothing": info("Practices paid nothing", "count"),
    # money
    "payment": info("Payment (£)", "money"),
    "total_cost": info("Total cost (£)", "money"),
    "cost": info("Cost (£)", "money"),
    "baseline_payment": info("Baseline payment (£)", "money"),
    "difference": info("Difference from baseline (£)", "money"),
    "difference_from_baseline": info("Difference from baseline (£)", "money"),
    "net_difference": info("Net difference (£)", "money"),
    "amount": info("Amount (£)", "money"),
    "typical": info("Typical for its size (£)", "money"),
    "gap": info("Gap from typical (£)", "money"),
    "payment_per_patient": info("Payment per patient (£)", "money_per_patient"),
    "cost_per_patient": info("Cost per patient (£)", "money_per_patient"),
    "mean_payment_per_patient": info("Mean payment per patient (£)", "money_per_patient"),
    "median_payment_per_patient": info("Median payment per patient (£)", "money_per_patient"),
    "p10_payment_per_patient": info(
        "10th percentile, payment per patient (£)", "money_per_patient"
    ),
    "p90_payment_per_patient": info(
        "90th percentile, payment per patient (£)", "money_per_patient"
    ),
    # shares and ratios
    "share": info("Share", "share"),
    "share_of_cost": info("Share of the framework's cost", "share"),
    "flag_rate": info("Share flagged", "share"),
    "gaining_share": info("Share gaining", "share"),
    "losing_share": info("Share losing", "share"),
    "threshold": info("Threshold", "share"),
    "relative_difference": info("Difference (share of baseline)", "share"),
    "released_share": info("Share released", "share"),
    "ratio": info("Ratio to baseline", "ratio"),
    "relative_to_average": info("Relative to the framework's average", "ratio"),
    "gini_payment_per_patient": info("Gini of payment per patient", "ratio"),
    "flag_jaccard": info("Flag overlap (Jaccard)", "ratio"),
    "spearman_payment": info("Spearman correlation: payment", "correlation"),
    "spearman_payment_per_patient": info(
        "Spearman correlation: payment per patient", "correlation"
    ),
    "gate_value": info("Gate: the practice's value", "ratio"),
    "gate_typical": info("Gate: the median practice", "ratio"),
    # rates per 1,000 patients
    "admission_rate_per_1000": info("Admissions per 1,000 patients", "rate_per_1000"),
    "national_upper_limit_per_1000": info("National upper limit per 1,000", "rate_per_1000"),
    "national_rate_per_1000": info("National rate per 1,000", "rate_per_1000"),
    "cluster_upper_limit_per_1000": info("Cluster upper limit per 1,000", "rate_per_1000"),
    "cluster_rate_per_1000": info("Cluster rate per 1,000", "rate_per_1000"),
    # counts and levels
    "points": info("Points", "number"),
    "payment_per_patient_quintile": info("Payment-per-patient quintile (1 = lowest)", "whole"),
    "escalation_level": info("Escalation level", "text"),
    "escalation_rules": info("Escalation rules met", "text"),
    "escalation_rank": info("Escalation rank (0 = none)", "whole"),
    "rank": info("Rank", "whole"),
    "level": info("Level", "text"),
    "flagged": info("Flagged", "flag"),
    "has_escalation": info("Has escalation rules", "flag"),
    "movement": info("Movement", "text"),
    "by": info("Grouped by", "text"),
    "group": info("Group", "text"),
    "compared": info("Practices compared", "count"),
    "gaining": info("Gaining", "count"),
    "losing": info("Losing", "count"),
    "within": info("Within the threshold", "count"),
    "flagged_both": info("Flagged by both", "count"),
    "flagged_only_a": info("Flagged by A only", "count"),
    "flagged_only_b": info("Flagged by B only", "count"),
    "flagged_neither": info("Flagged by neither", "count"),
    "framework_a": info("Framework A", "text"),
    "framework_b": info("Framework B", "text"),
    "direction": info("Case", "text"),
    "underpaid_by": info("Underpaid by", "text"),
    "escalated_by": info("Escalated by", "text"),
    "above_national_limit": info("Above the national limit", "flag"),
    "above_cluster_limit": info("Above its cluster's limit", "flag"),
    "component": info("Component", "text"),
    "gate": info("Gate", "text"),
    "item": info("Item", "text"),
    "value": info("Value", "text"),
}


def column_info(name: str) -> ColumnInfo | None:
    """What is known of column ``name`` (None when it is not in the catalogue)."""
    return COLUMNS.get(name)


def heading(name: str) -> str:
    """A column's heading: from the catalogue, or its name in words (list_size → List size;
    a name that is not an identifier is kept as it is)."""
    known = COLUMNS.get(name)
    if known is not None:
        return known.heading
    if not name.isidentifier():
        return name  # already written for people
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


# decimal places in CSV by kind of value (qframe.results.writer.for_people)
CSV_PLACES = {
    "money": 2,
    "money_per_patient": 4,
    "rate_per_1000": 4,
}


def csv_rounding(names: list[str]) -> tuple[set[str], dict[str, int]]:
    """For a table's columns: those holding money (rounded to the penny by the money rule) and
    the places of the others the catalogue knows (money per patient and rates: 4)."""
    money: set[str] = set()
    places: dict[str, int] = {}
    for name in names:
        known = COLUMNS.get(name)
        if known is None:
            continue
        if known.kind == "money":
            money.add(name)
        elif known.kind in CSV_PLACES:
            places[name] = CSV_PLACES[known.kind]
    return money, places

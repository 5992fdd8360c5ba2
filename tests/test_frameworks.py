"""The shipped frameworks, checked against NHS Digital's indicator list and on small practice sets
whose results are computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import math
from io import StringIO
from pathlib import Path

import pandas as pd
import pytest

import qframe
from qframe.data import synth

ROOT = Path(__file__).parents[1]
QOF = ROOT / "frameworks" / "qof_2014"
SOMERSET = ROOT / "frameworks" / "somerset_pqs"
TOGETHER = ROOT / "frameworks" / "improving_together"
WALES = ROOT / "frameworks" / "wales_qaif"
OOH = ROOT / "frameworks" / "ooh_clusters"


def nhs_digital_indicators() -> pd.DataFrame:
    """NHS Digital's 2014-15 indicator list (ids, groups, maximum points), summed from the CCG
    tables (OGL): qframe/data/reference/qof_2014_15_indicators.csv."""
    text = (ROOT / "qframe" / "data" / "reference" / "qof_2014_15_indicators.csv").read_text()
    return pd.read_csv(StringIO(text), comment="#")


# ---------------------------------------------------------------- QOF 2014/15


def test_qof_indicators_and_points_equal_nhs_digitals_list() -> None:
    fw = qframe.load(QOF)
    ref = nhs_digital_indicators().set_index("indicator")
    ours = {iid: ind for iid, ind in fw.definition.indicators.items()}
    assert sorted(ours) == sorted(ref.index)
    assert len(ours) == 81
    assert sum(ind.max_points or 0 for ind in ours.values()) == 559
    for iid, ind in ours.items():
        assert ind.max_points == ref.loc[iid, "max_points"], iid
        assert ind.group == ref.loc[iid, "group"], iid
    # every achievement indicator has thresholds, every register none
    for iid, ind in ours.items():
        assert (ind.thresholds is not None) == (ind.kind == "achievement"), iid


def qof_dataset() -> qframe.Dataset:
    """Three practices, 2013-14 and 2014-15, every QOF measure, round numbers.

    2014-15: every achievement indicator 60/100 (no exceptions) except P1 DM007 300/480 (40
    exceptions), P1 BP002 85/100, P3 DM007 90/100, P3 CS002 40/100; P2 has an empty DM register
    and DM indicators with zero denominators. Organisational indicators met (1/1) except P3
    SMOK003. Registers: 5% of the list (400, 353, 176) except DM (520, 0, 200).
    2013-14: only P1's DM007 scores (300/480); everything else 0; only the DM registers held (the
    same as in 2014-15).
    """
    ref = synth.reference()
    lists = {"P1": 8000, "P2": 7052, "P3": 3526}
    groups = sorted({i.group for i in ref.indicators} | {"CON"})
    rows: list[tuple[str, str, str, str, float]] = []
    for year in ("2013-14", "2014-15"):
        current = year == "2014-15"
        for unit, size in lists.items():
            rows.append((unit, year, "list_size", "", size))
            for g in groups:
                if g in ("BP", "SMOK", "CS"):
                    continue
                reg = {"P1": 400, "P2": 353, "P3": 176}[unit]
                if g == "DM":
                    reg = {"P1": 520, "P2": 0, "P3": 200}[unit]
                rows.append((unit, year, "register", g, reg if current or g == "DM" else 0))
            for ind in ref.indicators:
                if ind.kind == "register":
                    continue
                if ind.kind == "organisational":
                    met = 0 if (unit == "P3" and ind.indicator == "SMOK003") or not current else 1
                    rows += [
                        (unit, year, "numerator", ind.indicator, met),
                        (unit, year, "denominator", ind.indicator, 1),
                    ]
                    continue
                num, den, exc = (60, 100, 0) if current else (0, 100, 0)
                if ind.group == "DM" and unit == "P2":
                    num, den = 0, 0
                if ind.indicator == "DM007" and unit == "P1":
                    num, den, exc = 300, 480, 40
                if ind.indicator == "BP002" and unit == "P1" and current:
                    num = 85
                if ind.indicator == "DM007" and unit == "P3" and current:
                    num = 90
                if ind.indicator == "CS002" and unit == "P3" and current:
                    num = 40
                rows += [
                    (unit, year, "numerator", ind.indicator, num),
                    (unit, year, "denominator", ind.indicator, den),
                    (unit, year, "exceptions", ind.indicator, exc),
                ]
    measures = pd.DataFrame(rows, columns=["unit_id", "period", "measure", "key", "value"])
    measures["value"] = measures["value"].astype(float)
    return qframe.Dataset.from_frames(pd.DataFrame({"unit_id": list(lists)}), measures)


@pytest.fixture(scope="module")
def qof() -> qframe.Result:
    return qframe.load(QOF).evaluate(qof_dataset(), periods=["2014-15"])


def qof_row(result: qframe.Result, unit: str, indicator: str) -> pd.Series:
    ind = result.indicators
    return ind[(ind["unit_id"] == unit) & (ind["indicator"] == indicator)].iloc[0]


def test_qof_between_thresholds_with_prevalence(qof: qframe.Result) -> None:
    # national DM prevalence, pooled: (520 + 0 + 200) / (8000 + 7052 + 3526) = 720 / 18578 = 3.87555%
    # P1: CPI 8000 / 7052 = 1.134430; APDF (520 / 8000) / 3.87555% = 1.677181
    # DM007: 300 / 480 = 62.5% → (62.5 − 35) / (75 − 35) × 17 = 11.6875 points
    #        £ = 11.6875 × 156.92 × 1.134430 × 1.677181 = 3489.4536 → £3,489.45
    r = qof_row(qof, "P1", "DM007")
    assert r["points"] == pytest.approx(11.6875)
    assert r["payment"] == 3489.45
    # DM017 register held: 6 × 156.92 × 1.134430 × 1.677181 = 1791.3772 → £1,791.38
    assert qof_row(qof, "P1", "DM017")["payment"] == 1791.38


def test_qof_not_prevalence_adjusted(qof: qframe.Result) -> None:
    # BP002: 85% in 50..90 → (85 − 50) / 40 × 15 = 13.125; £ = 13.125 × 156.92 × 1.134430 = 2336.44
    r = qof_row(qof, "P1", "BP002")
    assert r["points"] == pytest.approx(13.125) and r["payment"] == 2336.44


def test_qof_above_and_below_thresholds(qof: qframe.Result) -> None:
    # P3 DM007 90% ≥ 75%: full 17 points; CPI 3526 / 7052 = 0.5;
    # APDF (200 / 3526) / 3.87555% = 1.463572; £ = 17 × 156.92 × 0.5 × 1.463572 = 1952.14
    r = qof_row(qof, "P3", "DM007")
    assert r["points"] == 17 and r["payment"] == 1952.14
    # P3 CS002 40% < 50%: nothing
    assert qof_row(qof, "P3", "CS002")["points"] == 0
    # organisational SMOK003 not met: all or nothing
    assert qof_row(qof, "P3", "SMOK003")["points"] == 0
    assert qof_row(qof, "P1", "SMOK003")["points"] == 2


def test_qof_zero_denominator_and_empty_register(qof: qframe.Result) -> None:
    r = qof_row(qof, "P2", "DM007")
    # no achievement (zero denominator), and no points: the DM register is empty (payment.md §4)
    assert r["status"] == "zero_denominator" and math.isnan(r["achievement"])
    assert r["points"] == 0 and r["payment"] == 0
    assert qof_row(qof, "P2", "DM017")["points"] == 0  # empty register: no register points


def test_qof_aspiration_and_balancing(qof: qframe.Result) -> None:
    # 2013-14: DM007 (11.6875 points) and DM017 (6) scored, at 2013-14's DM prevalence factor
    # 1.677181 (the same registers). Aspiration for 2014-15 = 70% of that achievement re-priced
    # at 2014-15's point value and CPI only (payment.md §5):
    # 0.7 × 17.6875 × 1.677181 × 156.92 × 1.134430 = 3696.5816 a year → monthly 308.0485 →
    # £308.05; paid 12 × £308.05 = £3,696.60; balancing = payment − what was paid.
    units = qof.units.set_index("unit_id")
    assert units.loc["P1", "aspiration_monthly"] == 308.05
    assert units.loc["P1", "aspiration"] == 3696.60
    assert units.loc["P1", "balancing"] == pytest.approx(
        units.loc["P1", "payment"] - 3696.60, abs=1e-6
    )
    # P3: 0.7 × 6 × 1.463572 × 156.92 × 0.5 = 482.2939 → monthly 40.19 → paid £482.28
    assert units.loc["P3", "aspiration"] == 482.28


def test_qof_aspiration_uses_last_years_prevalence_factor() -> None:
    """payment.md §5 re-prices only the point value and CPI; §3: this year's prevalence factor
    is not known until after year end. So a change in this year's register leaves aspiration."""
    data = qof_dataset()
    rows = data.measures.copy()
    bigger = (
        (rows["unit_id"] == "P1")
        & (rows["period"] == "2014-15")
        & (rows["measure"] == "register")
        & (rows["key"] == "DM")
    )
    rows.loc[bigger, "value"] = 800.0
    changed = qframe.Dataset.from_frames(data.units, rows)
    fw = qframe.load(QOF)
    before = fw.evaluate(data, periods=["2014-15"]).units.set_index("unit_id")
    after = fw.evaluate(changed, periods=["2014-15"]).units.set_index("unit_id")
    assert after.loc["P1", "payment"] > before.loc["P1", "payment"]
    assert after.loc["P1", "aspiration"] == before.loc["P1", "aspiration"] == 3696.60


def test_qof_points_need_the_register() -> None:
    """payment.md §4: points in a clinical group need the group's register; a parameter."""
    data = qof_dataset()
    rows = data.measures.copy()
    empty = (rows["unit_id"] == "P1") & (rows["measure"] == "register") & (rows["key"] == "CON")
    rows.loc[empty, "value"] = 0.0
    changed = qframe.Dataset.from_frames(data.units, rows)
    fw = qframe.load(QOF)
    faithful = fw.evaluate(changed, periods=["2014-15"])
    assert qof_row(faithful, "P1", "CON003")["points"] == 0  # not prevalence-adjusted: was paid
    assert qof_row(faithful, "P1", "CON003")["payment"] == 0
    paid = fw.evaluate(changed, periods=["2014-15"], params={"needs_register": False})
    # CON003 60% in its thresholds, as before this rule: points × £156.92 × CPI 1.134430
    assert qof_row(paid, "P1", "CON003")["points"] > 0
    assert qof_row(faithful, "P1", "BP002")["points"] == pytest.approx(13.125)  # no BP register


def test_qof_national_prevalence_is_an_explicit_choice() -> None:
    """payment.md §3: national prevalence is a national figure. "published" reads it from the
    data; "pooled" (the default, stated) pools the practices in the data; "mean" averages them."""
    data = qof_dataset()
    fw = qframe.load(QOF)
    pooled = fw.evaluate(data, periods=["2014-15"])
    assert qof_row(pooled, "P1", "DM007")["payment"] == 3489.45  # 3.87555% from the three
    national = pd.DataFrame(
        [
            ("P1", year, "national_prevalence", g, 0.064 if g == "DM" else 0.05)
            for year in ("2013-14", "2014-15")
            for g in sorted(set(data.measures.loc[data.measures["measure"] == "register", "key"]))
        ],
        columns=["unit_id", "period", "measure", "key", "value"],
    )
    published = qframe.Dataset.from_frames(data.units, pd.concat([data.measures, national]))
    given = {"national_prevalence_from": '"published"'}
    alone = fw.evaluate(published, periods=["2014-15"], params=given)
    # DM007: 11.6875 × 156.92 × 1.134430 × (0.065 / 0.064) = 2113.06, as payment.md §6
    assert qof_row(alone, "P1", "DM007")["payment"] == 2113.06
    # P1 alone gets the same: the published figure does not depend on who else is in the data
    only_p1 = qframe.Dataset.from_frames(
        data.units[data.units["unit_id"] == "P1"],
        published.measures[published.measures["unit_id"] == "P1"],
    )
    assert (
        qof_row(fw.evaluate(only_p1, periods=["2014-15"], params=given), "P1", "DM007")["payment"]
        == 2113.06
    )
    mean = fw.evaluate(data, periods=["2014-15"], params={"national_prevalence_from": '"mean"'})
    # mean of (6.5%, 0%, 5.67215%) = 4.05738%: 11.6875 × 156.92 × 1.134430 × 0.065 / 0.0405738
    assert qof_row(mean, "P1", "DM007")["payment"] == pytest.approx(
        11.6875 * 156.92 * 8000 / 7052 * 0.065 / ((0.065 + 0 + 200 / 3526) / 3), abs=0.006
    )


def test_qof_penny_rounding_is_a_parameter() -> None:
    fw = qframe.load(QOF)
    exact = fw.evaluate(qof_dataset(), periods=["2014-15"], params={"round_pennies": "false"})
    # 11.6875 × 156.92 × 1.134430 × 1.677181 = 3489.4536, not rounded
    assert qof_row(exact, "P1", "DM007")["payment"] == pytest.approx(3489.4536, abs=1e-4)
    units = exact.units.set_index("unit_id")
    assert units.loc["P1", "payment"] == pytest.approx(
        exact.indicators.query("unit_id == 'P1'")["payment"].sum(), abs=0.005
    )
    assert units.loc["P1", "aspiration"] == 3696.60  # instalments are paid in pennies


def test_qof_zero_register_switch() -> None:
    fw = qframe.load(QOF)
    result = fw.evaluate(qof_dataset(), periods=["2014-15"], params={"zero_register_points": True})
    assert qof_row(result, "P2", "DM017")["points"] == 6


# ---------------------------------------------------------------- Somerset PQS


def somerset_dataset(reports: list[int]) -> qframe.Dataset:
    """One practice of average list size (CPI 1; alone, so every prevalence factor is 1)."""
    rows: list[tuple[str, str, str, str, float]] = [
        ("P1", "2012-13", "qof_achieved_points", "", 500),
        ("P1", "2013-14", "qof_achieved_points", "", 520),
        ("P1", "2014-15", "qof_achieved_points", "", 530),
    ]
    for year in ("2013-14", "2014-15"):
        rows += [
            ("P1", year, "list_size", "", 7052),
            ("P1", year, "register", "DM", 400),
            ("P1", year, "register", "MH", 60),
        ]
        for iid in ("DM007", "DM004", "DM003", "MH002", "CS002"):
            num = 300 if iid == "DM007" else 0
            den = 480 if iid == "DM007" else 100
            rows += [("P1", year, "numerator", iid, num), ("P1", year, "denominator", iid, den)]
    for q, accepted in enumerate(reports, start=1):
        rows += [
            ("P1", f"2014-15Q{q}", "report_accepted", "", accepted),
            ("P1", f"2014-15Q{q}", "emergency_admissions", "", 25),
        ]
    measures = pd.DataFrame(rows, columns=["unit_id", "period", "measure", "key", "value"])
    measures["value"] = measures["value"].astype(float)
    return qframe.Dataset.from_frames(pd.DataFrame({"unit_id": ["P1"], "ccg": ["X"]}), measures)


def test_somerset_protected_income_released_by_reports() -> None:
    result = qframe.load(SOMERSET).evaluate(somerset_dataset([1, 0, 0, 1]), periods=["2014-15"])
    u = result.units.iloc[0]
    # retained: DM007 62.5% → 11.6875 points × £156.92 × CPI 1 × APDF 1 = 1834.0025 → £1,834.00;
    # the other four retained indicators score 0
    assert u["retained_points"] == pytest.approx(11.6875)
    assert u["retained_payment"] == 1834.00
    # baseline 2012-13: 500 of 559 points; the non-retained pot is 559 − 50 = 509 points
    # protected points 500 / 559 × 509 = 455.27728; × £156.92 = 71442.11
    assert u["protected_points"] == pytest.approx(500 / 559 * 509)
    assert u["protected_value"] == 71442.11
    # two reports of four accepted: half released, £35,721.06 (71442.112 / 2 = 35721.056 → .06)
    assert u["released_share"] == 0.5
    assert u["report_payment"] == 35721.06
    assert u["withheld"] == pytest.approx(71442.11 - 35721.06, abs=0.011)
    assert u["payment"] == pytest.approx(1834.00 + 35721.06, abs=1e-6)
    # two consecutive reports not accepted: area team review
    assert u["escalation_level"] == "area_team_review"
    assert "two_reports_failed" in u["escalation_rules"]


def test_somerset_all_reports_accepted() -> None:
    u = (
        qframe.load(SOMERSET)
        .evaluate(somerset_dataset([1, 1, 1, 1]), periods=["2014-15"])
        .units.iloc[0]
    )
    assert u["released_share"] == 1 and u["report_payment"] == 71442.11 and u["withheld"] == 0
    assert u["escalation_level"] in ("", None) or pd.isna(u["escalation_level"])


# ---------------------------------------------------------------- Improving Together


def together_dataset() -> qframe.Dataset:
    """Four practices of average list size in one cluster, two quarters of 2015-16; X has high
    admissions and, in Q2, does not attend enough cluster meetings."""
    units = pd.DataFrame({"unit_id": ["A", "B", "C", "X"], "cluster": ["C1"] * 4})
    rows: list[tuple[str, str, str, str, float]] = []
    for unit in units["unit_id"]:
        for year, points in (
            ("2012-13", 500),
            ("2013-14", 530),
            ("2014-15", 545),
            ("2015-16", 550),
        ):
            rows += [
                (unit, year, "list_size", "", 7052),
                (unit, year, "qof_achieved_points", "", points),
            ]
            rows.append((unit, year, "is_cql_practice", "", 1 if unit == "A" else 0))
        for q in (1, 2):
            period = f"2015-16Q{q}"
            rows += [
                (unit, period, "emergency_admissions", "", 60 if unit == "X" else 10),
                (unit, period, "pql_named", "", 1),
                (unit, period, "meetings_attended", "", 0.5 if (unit == "X" and q == 2) else 0.8),
                (unit, period, "reflections_returned", "", 1),
            ]
    measures = pd.DataFrame(rows, columns=["unit_id", "period", "measure", "key", "value"])
    measures["value"] = measures["value"].astype(float)
    return qframe.Dataset.from_frames(units, measures)


def test_improving_together_transfer_and_cqi_share() -> None:
    result = qframe.load(TOGETHER).evaluate(together_dataset())
    u = result.units.set_index(["unit_id", "period"])
    # transfer for 2015-16: mean of 2012-13..2014-15 points (500, 530, 545) = 525;
    # × £156.92 × list adjustment 1 = £82,383.00 a year
    assert u.loc[("X", "2015-16Q1"), "annual_transfer"] == 82383.00
    # a quarter: core 82383 × 75% / 4 = 15446.8125 → £15,446.81; CQI 82383 × 25% / 4 = 5148.94
    assert u.loc[("X", "2015-16Q1"), "core_payment"] == 15446.81
    assert u.loc[("X", "2015-16Q1"), "payment"] == pytest.approx(15446.81 + 5148.94, abs=0.011)
    # Q2: X attended 50% < 75% of meetings: no CQI share
    assert u.loc[("X", "2015-16Q2"), "cqi_payment"] == 0
    assert u.loc[("X", "2015-16Q2"), "payment"] == 15446.81


def test_improving_together_funnel_and_escalation() -> None:
    result = qframe.load(TOGETHER).evaluate(together_dataset())
    u = result.units.set_index(["unit_id", "period"])
    # cluster rate (60 + 3 × 10) / (4 × 7052) = 90 / 28208 = 3.19058 per 1000
    assert u.loc[("A", "2015-16Q1"), "cluster_rate_per_1000"] == pytest.approx(90 / 28208 * 1000)
    # upper 99.8% limit: p + 3.090232 × √(p(1 − p) / 7052) = 0.0031906 + 0.0020753 = 5.2659 per 1000
    assert u.loc[("X", "2015-16Q1"), "cluster_upper_limit_per_1000"] == pytest.approx(
        5.2659, abs=1e-3
    )
    # X: 60 / 7052 = 8.508 per 1000, above the limit in Q1 and Q2 → escalated in Q2 (two quarters)
    x2 = u.loc[("X", "2015-16Q2")]
    assert "cluster_outlier" in x2["escalation_rules"]
    # also above the national limit and the national 90th percentile: locality level
    assert x2["escalation_level"] == "locality"
    assert (
        pd.isna(u.loc[("X", "2015-16Q1"), "escalation_level"])
        or u.loc[("X", "2015-16Q1"), "escalation_level"] == ""
    )
    assert (
        u.xs("2015-16Q2", level="period").drop(index="X")["escalation_rules"].fillna("") == ""
    ).all()
    # structure: 4 practices, 28,208 patients, a CQL: no check fires
    assert result.checks.empty


# ---------------------------------------------------------------- Wales QAIF


def wales_dataset() -> qframe.Dataset:
    """Two practices in one cluster, QAIF years 2014-15 and 2015-16 with the same figures (the
    year label names the QAIF year by the year it starts in); their inactive-indicator points of
    the basis year 2013-14 (150 and 170) differ from those of later years (160)."""
    rows: list[tuple[str, str, str, str, float]] = [
        ("W1", "2013-14", "qaif_inactive_points", "", 150),
        ("W2", "2013-14", "qaif_inactive_points", "", 170),
    ]
    for year in ("2014-15", "2015-16"):
        for unit, size, flu1, flu2, dem, meetings, answered, abandoned, digital in (
            ("W1", 7052, 650, 60, (40, 50), 5, 0.95, 0.05, 0.40),
            ("W2", 3526, 500, 70, (13, 20), 4, 0.92, 0.21, 0.30),
        ):
            rows += [
                (unit, year, "list_size", "", size),
                (unit, year, "qaif_numerator", "FLU001W", flu1),
                (unit, year, "qaif_denominator", "FLU001W", 1000),
                (unit, year, "qaif_numerator", "FLU002W", flu2),
                (unit, year, "qaif_denominator", "FLU002W", 100),
                (unit, year, "qaif_numerator", "DEM002", dem[0]),
                (unit, year, "qaif_denominator", "DEM002", dem[1]),
                (unit, year, "qaif_inactive_points", "", 160),
                (unit, year, "cluster_meetings_attended", "", meetings),
                (unit, year, "qi_projects_completed", "", 3),
                (unit, year, "calls_answered_2min", "", answered),
                (unit, year, "calls_abandoned", "", abandoned),
                (unit, year, "digital_booking_share", "", digital),
            ]
            for standard in (
                "ACCESS_TELEPHONY",
                "ACCESS_MESSAGE",
                "ACCESS_DIGITAL",
                "ACCESS_EMAIL",
            ):
                rows.append((unit, year, "access_standard_met", standard, 1))
    measures = pd.DataFrame(rows, columns=["unit_id", "period", "measure", "key", "value"])
    measures["value"] = measures["value"].astype(float)
    units = pd.DataFrame({"unit_id": ["W1", "W2"], "cluster": ["WC1", "WC1"]})
    return qframe.Dataset.from_frames(units, measures)


@pytest.fixture(scope="module")
def wales() -> qframe.Result:
    return qframe.load(WALES).evaluate(wales_dataset(), periods=["2014-15", "2015-16"])


def wales_row(result: qframe.Result, unit: str, indicator: str) -> pd.Series:
    ind = result.indicators
    keep = (ind["unit_id"] == unit) & (ind["indicator"] == indicator) & (ind["period"] == "2015-16")
    return ind[keep].iloc[0]


def test_wales_active_clinical_indicators_slide_between_thresholds(wales: qframe.Result) -> None:
    # W1 lists 7,052 patients: list adjustment 1, £179 a point
    # FLU001W 650 / 1000 = 65% in 55..75 → (65 − 55) / 20 × 5 = 2.5 points → £447.50
    r = wales_row(wales, "W1", "FLU001W")
    assert r["achievement"] == pytest.approx(0.65) and r["points"] == pytest.approx(2.5)
    assert r["payment"] == 447.50
    # FLU002W 60 / 100 = 60% in 45..65 → (60 − 45) / 20 × 15 = 11.25 points → £2,013.75
    assert wales_row(wales, "W1", "FLU002W")["payment"] == 2013.75
    # DEM002 40 / 50 = 80% ≥ 75% → all 28 points → £5,012.00
    assert wales_row(wales, "W1", "DEM002")["points"] == 28
    # W2 (3,526 patients: £89.50 a point): FLU001W 50% < 55% → nothing;
    # DEM002 13 / 20 = 65% → (65 − 55) / 20 × 28 = 14 points → 14 × 89.50 = £1,253.00
    assert wales_row(wales, "W2", "FLU001W")["points"] == 0
    assert wales_row(wales, "W2", "DEM002")["payment"] == 1253.00


def test_wales_inactive_indicators_paid_on_the_basis_year(wales: qframe.Result) -> None:
    # W1 achieved 150 inactive points in the basis year 2013-14 (160 in 2015-16 does not count):
    # 150 × £179 = £26,850.00; W2's 170 are capped at the 165 available: 165 × £89.50 = £14,767.50
    assert wales_row(wales, "W1", "INACTIVE")["points"] == 150
    assert wales_row(wales, "W1", "INACTIVE")["payment"] == 26850.00
    assert wales_row(wales, "W2", "INACTIVE")["points"] == 165
    assert wales_row(wales, "W2", "INACTIVE")["payment"] == 14767.50


def test_wales_engagement_and_access_are_all_or_nothing(wales: qframe.Result) -> None:
    # W1: 5 of 5 cluster meetings → 200 points (£35,800.00); W2: 4 of 5 → none
    assert wales_row(wales, "W1", "CLUSTER")["payment"] == 35800.00
    w2 = wales_row(wales, "W2", "CLUSTER")
    assert w2["achievement"] == pytest.approx(0.8) and w2["points"] == 0
    # W2's calls: 92% answered within 2 minutes but 21% abandoned (not < 20%): the prompt
    # response standard pays nothing; the digital one (30% ≥ 25%, repeat prescriptions) 25 points
    assert wales_row(wales, "W2", "ACCESS_RESPONSE")["points"] == 0
    assert wales_row(wales, "W2", "ACCESS_DIGITAL")["payment"] == 25 * 89.50


def test_wales_totals_and_escalation(wales: qframe.Result) -> None:
    u = wales.units.set_index(["unit_id", "period"])
    # W1: 2.5 + 11.25 + 28 + 150 + 200 + 45 (QI) + 5 × 25 (access) = 561.75 points × £179
    #     = £100,553.25 (every indicator's payment is a whole number of pence)
    w1 = u.loc[("W1", "2015-16")]
    assert w1["points"] == pytest.approx(561.75) and w1["payment"] == 100553.25
    # available: 48 clinical + 165 + 200 + 45 + 125 = 583
    assert w1["available_points"] == 583
    assert pd.isna(w1["escalation_level"]) or w1["escalation_level"] == ""
    # W2: 0 + 15 + 14 + 165 + 0 + 45 + 4 × 25 = 339 points × £89.50 = £30,340.50
    w2 = u.loc[("W2", "2015-16")]
    assert w2["points"] == pytest.approx(339) and w2["payment"] == 30340.50
    assert w2["access_standards_met"] == 4 and w2["access_standards_unmet"] == 1
    # FLU001W below 55% and an unmet access standard: health board; the standard was unmet in
    # 2014-15 too: two years running → contract review; 4 meetings of 5: cluster
    rules = set(w2["escalation_rules"].split(";"))
    assert rules == {
        "cluster_meetings_missed",
        "access_standard_unmet",
        "flu_below_threshold",
        "access_unmet_persists",
    }
    assert w2["escalation_level"] == "contract_review"
    assert u.loc[("W2", "2014-15"), "escalation_level"] == "health_board"  # one year only


def test_wales_point_value_is_a_parameter() -> None:
    # at £200 a point W1 gets 561.75 × 200 = £112,350.00
    result = qframe.load(WALES).evaluate(
        wales_dataset(), periods=["2015-16"], params={"point_value": 200.0}
    )
    assert result.units.set_index("unit_id").loc["W1", "payment"] == 112350.00


# ---------------------------------------------------------------- out-of-hours GP clusters


OOH_QUARTERS = ("2015-16Q1", "2015-16Q2", "2015-16Q3", "2015-16Q4", "2016-17Q1")


def ooh_dataset(quarters: int = 2) -> qframe.Dataset:
    """Five OOH services: A-D in cluster K1 (A holds its quality lead), E alone in K2; quarters
    from 2015-16Q1 with the same figures. First contact within the target time, of 100 urgent cases:
    A, B, C 95, D 70, E 90; home visits 18 / 20 and experience 45 / 50 everywhere; 20 GPs on each
    rota, 15 taking part in the cluster's work (D: 8)."""
    services = ["A", "B", "C", "D", "E"]
    units = pd.DataFrame(
        {"unit_id": services, "cluster": ["K1"] * 4 + ["K2"], "health_board": ["Board A"] * 5}
    )
    first = {"A": 95, "B": 95, "C": 95, "D": 70, "E": 90}
    rows: list[tuple[str, str, str, str, float]] = []
    for period in OOH_QUARTERS[:quarters]:
        for s in services:
            rows += [
                (s, period, "numerator", "FIRST_CONTACT", first[s]),
                (s, period, "denominator", "FIRST_CONTACT", 100),
                (s, period, "numerator", "HOME_VISIT", 18),
                (s, period, "denominator", "HOME_VISIT", 20),
                (s, period, "numerator", "EXPERIENCE", 45),
                (s, period, "denominator", "EXPERIENCE", 50),
                (s, period, "rota_gps", "", 20),
                (s, period, "gps_in_cluster", "", 8 if s == "D" else 15),
                (s, period, "is_cql_service", "", 1 if s == "A" else 0),
            ]
    measures = pd.DataFrame(rows, columns=["unit_id", "period", "measure", "key", "value"])
    measures["value"] = measures["value"].astype(float)
    return qframe.Dataset.from_frames(units, measures)


def test_ooh_funnel_limits() -> None:
    result = qframe.load(OOH).evaluate(ooh_dataset())
    ind = result.indicators.set_index(["unit_id", "period", "indicator"])
    d = ind.loc[("D", "2015-16Q1", "FIRST_CONTACT")]
    # K1 pooled: 355 / 400 = 88.75%; lower 99.8% limit for 100 cases:
    # 0.8875 − 3.090232 × √(0.8875 × 0.1125 / 100) = 0.8875 − 0.0976454 = 0.7898546
    assert d["cluster_rate"] == pytest.approx(0.8875)
    assert d["cluster_lower_limit"] == pytest.approx(0.7898546, abs=1e-7)
    # national: 445 / 500 = 89%; 0.89 − 3.090232 × √(0.89 × 0.11 / 100) = 0.7933098
    assert d["national_lower_limit"] == pytest.approx(0.7933098, abs=1e-7)
    # D at 70% is below both; A at 95% is not; everyone's 90% home visits are within limits
    assert d["below_cluster_limit"] and d["below_national_limit"]
    assert not ind.loc[("A", "2015-16Q1", "FIRST_CONTACT"), "below_cluster_limit"]
    assert not ind.xs("HOME_VISIT", level="indicator")["below_national_limit"].any()


def test_ooh_escalation_ladder_and_structure_checks() -> None:
    result = qframe.load(OOH).evaluate(ooh_dataset())
    u = result.units.set_index(["unit_id", "period"])
    # one quarter below the limits is not enough; two quarters: cluster and health board rules
    assert pd.isna(u.loc[("D", "2015-16Q1"), "escalation_level"]) or (
        u.loc[("D", "2015-16Q1"), "escalation_level"] == ""
    )
    d2 = u.loc[("D", "2015-16Q2")]
    assert d2["escalation_rules"] == "cluster_outlier;national_outlier"
    assert d2["escalation_level"] == "health_board"
    assert (u.drop(index="D", level="unit_id")["escalation_rules"].fillna("") == "").all()
    # structure warnings each quarter: K2 has 1 service (fewer than 3) and no quality lead;
    # D has 8 of 20 rota GPs (40% < 50%) taking part
    found = {(r.check, r.subject) for r in result.checks.itertuples()}
    assert found == {
        ("cluster_size", "K2"),
        ("cluster_quality_lead", "K2"),
        ("gps_taking_part", "D"),
    }
    assert len(result.checks) == 6 and set(result.checks["severity"]) == {"warning"}


def test_ooh_service_in_no_cluster_is_named() -> None:
    # E's cluster left empty: a warning naming E in each quarter; no cluster K2 any more, so no
    # size or quality-lead finding about it
    data = ooh_dataset()
    units = data.units.copy()
    units.loc[units["unit_id"] == "E", "cluster"] = ""
    result = qframe.load(OOH).evaluate(qframe.Dataset.from_frames(units, data.measures))
    found = sorted((r.check, r.period, r.subject) for r in result.checks.itertuples())
    assert found == [
        ("gps_taking_part", "2015-16Q1", "D"),
        ("gps_taking_part", "2015-16Q2", "D"),
        ("in_a_cluster", "2015-16Q1", "E"),
        ("in_a_cluster", "2015-16Q2", "E"),
    ]


def test_ooh_concern_persisting_a_year_reaches_the_national_group() -> None:
    # D is below the national limit every quarter: national_outlier fires from the second
    # quarter (two running); after it has held four quarters (2015-16Q2..2016-17Q1), the fifth
    # quarter below the limit, the concern goes to the national oversight group
    result = qframe.load(OOH).evaluate(ooh_dataset(quarters=5))
    d = result.units[result.units["unit_id"] == "D"].set_index("period")["escalation_level"]
    assert d.fillna("").tolist() == ["", "health_board", "health_board", "health_board", "national"]
    u = result.units.set_index(["unit_id", "period"])
    # escalated since: the first quarter of the current run at its level or above
    assert u.loc[("D", "2015-16Q4"), "escalated_since"] == "2015-16Q2"
    assert u.loc[("D", "2016-17Q1"), "escalated_since"] == "2016-17Q1"


def test_ooh_sample_is_the_generated_one_and_evaluates() -> None:
    from qframe.data import synth_ooh

    bundled = qframe.load_dataset(ROOT / "data" / "ooh_sample")
    generated = synth_ooh.generate()
    assert len(bundled.units) == 12 and len(bundled.measures) == 864  # 12 services × 8 quarters × 9
    assert bundled.units["unit_id"].str.match(r"^OOH\d{2}$").all()  # synthetic ids only
    pd.testing.assert_frame_equal(
        bundled.measures.astype(str).reset_index(drop=True),
        generated.measures.astype(str).reset_index(drop=True),
    )
    result = qframe.load(OOH).evaluate(bundled)
    assert len(result.units) == 96 and (result.indicators["status"] == "ok").all()


# ---------------------------------------------------------------- all shipped frameworks


def test_shipped_frameworks_evaluate_on_the_bundled_sample() -> None:
    for folder, period in (
        (QOF, "2015-16"),
        (SOMERSET, "2015-16"),
        (TOGETHER, "2015-16Q4"),
        (WALES, "2015-16"),
    ):
        result = qframe.load(folder).evaluate(ROOT / "data" / "sample", periods=[period])
        payments = result.units["payment"]
        assert len(payments) == 300 and payments.notna().all() and (payments > 0).all(), folder.name


def test_bundled_sample_is_the_synthetic_dataset() -> None:
    # data/sample is `qframe synth --out data/sample --format parquet` (300 practices, seed 2015):
    # 256,800 rows for QOF, Somerset and Improving Together, and 300 practices × 4 years × 16
    # Wales QAIF measures = 19,200 rows drawn after them from their own random stream
    bundled = qframe.load_dataset(ROOT / "data" / "sample")
    assert len(bundled.units) == 300 and len(bundled.measures) == 256_800 + 19_200
    generated = synth.generate()
    pd.testing.assert_frame_equal(
        bundled.measures.astype(str).reset_index(drop=True),
        generated.measures.astype(str).reset_index(drop=True),
    )


def test_compare_with_wales_qaif_on_the_bundled_sample() -> None:
    from qframe.tools.compare import compare

    c = compare([QOF, SOMERSET, TOGETHER, WALES], ROOT / "data" / "sample")
    assert c.period == "2015-16" and c.labels[-1] == "wales_qaif"
    f = c.frameworks.set_index("framework")
    assert f.loc["wales_qaif", "practices_paid"] == 300
    units = c.runs[3].result.units
    assert f.loc["wales_qaif", "total_cost"] == pytest.approx(
        units.loc[units["period"] == "2015-16", "payment"].sum()
    )


@pytest.mark.parametrize("folder", [QOF, SOMERSET, TOGETHER, WALES, OOH], ids=lambda p: p.name)
def test_shipped_definition_tests_pass(folder: Path) -> None:
    from qframe.tools.testing import run_tests

    results = run_tests(folder)
    assert results, f"{folder.name} has no definition tests"
    assert all(r.status == "pass" for r in results), [r for r in results if r.status != "pass"]


def test_qof_smoking_prevalence_switch_is_usable_with_a_register() -> None:
    """SMOK002/SMOK005's prevalence switch: with a SMOK register in the data it adjusts by it;
    without one it is D070 naming the register it needs."""
    data = qof_dataset()
    smok = pd.DataFrame(
        [
            (u, "2014-15", "register", "SMOK", n)
            for u, n in (("P1", 800.0), ("P2", 400.0), ("P3", 400.0))
        ],
        columns=["unit_id", "period", "measure", "key", "value"],
    )
    with_register = qframe.Dataset.from_frames(data.units, pd.concat([data.measures, smok]))
    fw = qframe.load(QOF)
    switched = {"SMOK002.prevalence_adjusted": "true"}
    plain = qof_row(fw.evaluate(data, periods=["2014-15"]), "P1", "SMOK002")["payment"]
    adjusted = qof_row(
        fw.evaluate(with_register, periods=["2014-15"], params=switched), "P1", "SMOK002"
    )["payment"]
    # P1's SMOK prevalence 10% over the pooled 1600 / 18578 = 8.61234%: factor 1.161125
    assert adjusted == pytest.approx(plain * 0.1 / (1600 / 18578), abs=0.01)
    with pytest.raises(qframe.DataError, match="register"):
        fw.evaluate(data, periods=["2014-15"], params=switched)

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
    2013-14: only P1's DM007 scores (300/480); everything else 0 (registers empty).
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
                rows.append((unit, year, "register", g, reg if current else 0))
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
    assert r["status"] == "zero_denominator" and math.isnan(r["payment"])
    assert qof_row(qof, "P2", "DM017")["points"] == 0  # empty register: no register points


def test_qof_aspiration_and_balancing(qof: qframe.Result) -> None:
    # 2013-14: only DM007 scored (11.6875 points). Aspiration for 2014-15 = 70% of that,
    # re-priced at 2014-15's value: 0.7 × 11.6875 × 156.92 × 1.134430 × 1.677181 = 2442.6175
    units = qof.units.set_index("unit_id")
    assert units.loc["P1", "aspiration"] == 2442.62
    assert units.loc["P1", "aspiration_monthly"] == pytest.approx(2442.62 / 12, abs=0.005)
    assert units.loc["P1", "balancing"] == pytest.approx(
        units.loc["P1", "payment"] - 2442.62, abs=1e-6
    )


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


def test_shipped_frameworks_evaluate_on_the_bundled_sample() -> None:
    for folder, period in ((QOF, "2015-16"), (SOMERSET, "2015-16"), (TOGETHER, "2015-16Q4")):
        result = qframe.load(folder).evaluate(ROOT / "data" / "sample", periods=[period])
        payments = result.units["payment"]
        assert len(payments) == 300 and payments.notna().all() and (payments > 0).all(), folder.name


@pytest.mark.parametrize("folder", [QOF, SOMERSET, TOGETHER], ids=lambda p: p.name)
def test_shipped_definition_tests_pass(folder: Path) -> None:
    from qframe.tools.testing import run_tests

    results = run_tests(folder)
    assert results, f"{folder.name} has no definition tests"
    assert all(r.status == "pass" for r in results), [r for r in results if r.status != "pass"]

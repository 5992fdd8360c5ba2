"""`qframe compare`: frameworks compared on the same data, checked against hand-computed values.

The fixture (tests/fixtures/compare/) has six practices in two clusters:

    practice  cluster  deprivation  list size  score 2014-15
    P1        C1       1            1,000      0.9
    P2        C1       2            2,000      0.4
    P3        C1       3            3,000      0.6
    P4        C2       1            4,000      0.2
    P5        C2       2            5,000      0.52
    P6        C2       3            6,000      0.5       (no score in 2015-16)

and three tiny frameworks:

    capitation  payment = list size × £10;            watch when score < 0.5, review when < 0.3
    quality     payment = list size × £20 × score;    points = score × 100; alert when list < 2,500
    quarterly   payment = list size × £1 a quarter;   amber when flag = 1, red when flag = 2
                (flags by quarter of 2014-15: P1 0, 1, 2, 0; P2 1, 0, 0, 0; others 0)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import replace_once, run

from qframe.errors.diagnostics import ExitCode, QframeError
from qframe.tools.compare import compare, gini, parse_threshold, quintiles, spearman, write_xlsx

ROOT = Path(__file__).parents[1]
FIX = Path(__file__).parent / "fixtures" / "compare"
DATA = FIX / "data"
CAPITATION, QUALITY, QUARTERLY = FIX / "capitation", FIX / "quality", FIX / "quarterly"
SHIPPED = [ROOT / "frameworks" / f for f in ("qof_2014", "somerset_pqs", "improving_together")]
TABLES = [
    "frameworks",
    "practices",
    "escalation",
    "winners_losers",
    "agreement",
    "mismatches",
    "equity",
]


def by(frame: pd.DataFrame, **keys: object) -> pd.Series:
    """The one row of ``frame`` matching ``keys``."""
    mask = np.ones(len(frame), dtype=bool)
    for k, v in keys.items():
        mask &= (frame[k] == v).to_numpy()
    assert mask.sum() == 1, keys
    return frame[mask].iloc[0]


# ---------------------------------------------------------------- the small functions


def test_gini_by_hand() -> None:
    # [1, 2, 3, 4]: Σ over ordered pairs |xi − xj| = 2 × (1+2+3 + 1+2 + 1) = 20; n = 4, mean 2.5
    # G = 20 / (2 × 4² × 2.5) = 20 / 80 = 0.25
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert gini([4, 3, 2, 1]) == pytest.approx(0.25)  # order does not matter
    # one practice has everything: Σ = 2 × 3 × 1 = 6; G = 6 / (2 × 16 × 0.25) = 0.75 (= 1 − 1/n)
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)
    assert gini([7, 7, 7]) == 0.0
    assert gini([1, 2, float("nan"), 3, 4]) == pytest.approx(0.25)  # missing values skipped
    assert math.isnan(gini([])) and math.isnan(gini([0, 0]))


def test_spearman_by_hand() -> None:
    # ranks of b = [18, 16, 36, 16, 52, 60]: the two 16s share ranks 1 and 2 → 1.5 each
    # a = 1..6 has ranks 1..6. Deviations from 3.5: a −2.5 −1.5 −0.5 0.5 1.5 2.5;
    # b −0.5 −2 0.5 −2 1.5 2.5. Σ da·db = 1.25 + 3 − 0.25 − 1 + 2.25 + 6.25 = 11.5;
    # Σ da² = 17.5; Σ db² = 0.25 + 4 + 0.25 + 4 + 2.25 + 6.25 = 17; ρ = 11.5 / √(17.5 × 17)
    rho = spearman([1, 2, 3, 4, 5, 6], [18, 16, 36, 16, 52, 60])
    assert rho == pytest.approx(11.5 / math.sqrt(17.5 * 17)) == pytest.approx(0.666737, abs=1e-6)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert spearman([1, 2, 3, float("nan")], [1, 2, 3, 0]) == pytest.approx(1.0)
    assert math.isnan(spearman([1, 2, 3], [5, 5, 5]))  # a constant side has no order
    assert math.isnan(spearman([1], [2]))


def test_quintiles() -> None:
    # six values: r = 1..6 → floor(5 (r − 1) / 6) + 1 = 1, 1, 2, 3, 4, 5
    assert quintiles([18, 8, 12, 4, 10.4, 10]).tolist() == [5, 1, 4, 1, 3, 2]
    # ties share the mean rank: all equal → r = 3.5 → floor(5 × 2.5 / 6) + 1 = 3
    assert quintiles([10, 10, 10, 10, 10, 10]).tolist() == [3] * 6
    assert quintiles([1.0, float("nan")]).tolist() == [1, 0]


def test_parse_threshold() -> None:
    assert parse_threshold("10%") == pytest.approx(0.1)
    assert parse_threshold("0.25") == pytest.approx(0.25)
    assert parse_threshold(" 5 % ") == pytest.approx(0.05)
    for bad in ("ten", "-5%", "2000%"):
        with pytest.raises(ValueError):
            parse_threshold(bad)


# ---------------------------------------------------------------- the comparison, by hand


@pytest.fixture(scope="module")
def fixture_comparison():
    steps: list[str] = []
    c = compare([CAPITATION, QUALITY], DATA, progress=steps.append)
    assert steps == ["capitation", "quality"]  # one step per framework evaluated
    return c


def test_default_period_is_latest_complete_year(fixture_comparison) -> None:
    c = fixture_comparison
    # quality cannot pay P6 in 2015-16 (no score): the latest year both pay everyone is 2014-15
    assert c.period == "2014-15"
    assert "latest year every framework has a complete result" in c.period_source
    assert c.baseline == "capitation"  # the first framework given
    assert [r.complete_years for r in c.runs] == [("2014-15", "2015-16"), ("2014-15",)]
    assert c.manifest["period"] == "2014-15" and c.manifest["baseline"] == "capitation"


def test_practices_by_hand(fixture_comparison) -> None:
    p = fixture_comparison.practices
    assert len(p) == 12  # 6 practices × 2 frameworks
    assert set(p.columns) >= {
        "unit_id",
        "name",
        "list_size",
        "cluster",
        "ccg",
        "deprivation_quintile",
        "framework",
        "payment",
        "payment_per_patient",
        "points",
        "escalation_level",
        "baseline_payment",
        "difference",
        "ratio",
    }
    # P3 under quality: 3,000 × £20 × 0.6 = £36,000; capitation: 3,000 × £10 = £30,000
    row = by(p, framework="quality", unit_id="P3")
    assert row["payment"] == pytest.approx(36000)
    assert row["payment_per_patient"] == pytest.approx(12)  # 36,000 / 3,000
    assert row["points"] == pytest.approx(60)  # 0.6 × 100
    assert row["baseline_payment"] == pytest.approx(30000)
    assert row["difference"] == pytest.approx(6000) and row["ratio"] == pytest.approx(1.2)
    assert row["movement"] == "gain" and row["name"] == "Practice Three"
    # P4: 4,000 × £20 × 0.2 = £16,000 against £40,000: ratio 0.4, a loss
    row = by(p, framework="quality", unit_id="P4")
    assert row["payment"] == pytest.approx(16000) and row["ratio"] == pytest.approx(0.4)
    assert row["movement"] == "loss"
    # P5: 5,000 × £20 × 0.52 = £52,000 against £50,000: +4%, within 10%
    assert by(p, framework="quality", unit_id="P5")["movement"] == "within"
    # capitation has no points; its levels: P2 (0.4 < 0.5) watch, P4 (0.2 < 0.3) review
    cap = p[p["framework"] == "capitation"].set_index("unit_id")
    assert cap["points"].isna().all()
    assert cap["escalation_level"].to_dict() == {
        "P1": "",
        "P2": "watch",
        "P3": "",
        "P4": "review",
        "P5": "",
        "P6": "",
    }
    assert cap["escalation_rank"].tolist() == [0, 1, 0, 2, 0, 0]
    assert cap["list_size"].tolist() == [1000, 2000, 3000, 4000, 5000, 6000]


def test_frameworks_table_by_hand(fixture_comparison) -> None:
    f = fixture_comparison.frameworks.set_index("framework")
    # capitation: £10 × 21,000 patients = £210,000
    # quality: 18,000 + 16,000 + 36,000 + 16,000 + 52,000 + 60,000 = £198,000
    assert f.loc["capitation", "total_cost"] == pytest.approx(210000)
    assert f.loc["quality", "total_cost"] == pytest.approx(198000)
    assert f.loc["quality", "difference_from_baseline"] == pytest.approx(-12000)
    assert f.loc["quality", "cost_per_patient"] == pytest.approx(198000 / 21000)
    # quality's payment per patient: 18, 8, 12, 4, 10.4, 10 → sorted 4, 8, 10, 10.4, 12, 18
    assert f.loc["quality", "mean_payment_per_patient"] == pytest.approx(62.4 / 6)  # 10.4
    assert f.loc["quality", "median_payment_per_patient"] == pytest.approx(10.2)  # (10 + 10.4) / 2
    # 10th percentile at position 0.1 × 5 = 0.5: halfway from 4 to 8; 90th at 4.5: from 12 to 18
    assert f.loc["quality", "p10_payment_per_patient"] == pytest.approx(6.0)
    assert f.loc["quality", "p90_payment_per_patient"] == pytest.approx(15.0)
    # Gini: Σ_{i<j} |xi − xj| = (4+6+6.4+8+14) + (2+2.4+4+10) + (0.4+2+8) + (1.6+7.6) + 6 = 82.4
    # G = 2 × 82.4 / (2 × 6² × 10.4) = 164.8 / 748.8
    assert f.loc["quality", "gini_payment_per_patient"] == pytest.approx(164.8 / 748.8)
    assert f.loc["capitation", "gini_payment_per_patient"] == 0.0  # £10 for every patient
    assert f.loc["capitation", "flagged"] == 2 and f.loc["quality", "flagged"] == 2
    e = fixture_comparison.escalation
    assert by(e, framework="capitation", level="watch")["practices"] == 1
    assert by(e, framework="capitation", level="review")["practices"] == 1
    assert by(e, framework="capitation", level="(not escalated)")["practices"] == 4
    assert by(e, framework="quality", level="alert")["practices"] == 2  # P1, P2 under 2,500


def test_winners_losers_by_hand(fixture_comparison) -> None:
    w = fixture_comparison.winners_losers
    # ratios quality / capitation = 2 × score: P1 1.8 gain, P2 0.8 loss, P3 1.2 gain,
    # P4 0.4 loss, P5 1.04 within, P6 1.0 within (threshold 10%)
    all_ = by(w, by="all")
    assert (all_["gaining"], all_["losing"], all_["within"]) == (2, 2, 2)
    assert all_["net_difference"] == pytest.approx(-12000)
    c1, c2 = by(w, by="cluster", group="C1"), by(w, by="cluster", group="C2")
    assert (c1["gaining"], c1["losing"], c1["within"]) == (2, 1, 0)  # P1, P3 | P2
    assert (c2["gaining"], c2["losing"], c2["within"]) == (0, 1, 2)  # P4 | P5, P6
    assert c1["net_difference"] == pytest.approx(8000 - 4000 + 6000)
    q = {g: by(w, by="deprivation_quintile", group=g) for g in ("1", "2", "3")}
    assert (q["1"]["gaining"], q["1"]["losing"]) == (1, 1)  # P1 gains, P4 loses
    assert (q["2"]["gaining"], q["2"]["losing"]) == (0, 1)  # P2 loses, P5 within
    assert (q["3"]["gaining"], q["3"]["losing"]) == (1, 0)  # P3 gains, P6 within
    assert q["1"]["losing_share"] == pytest.approx(0.5)
    # a threshold of 50%: only P1 (+80%) and P4 (−60%) move
    wide = compare([CAPITATION, QUALITY], DATA, threshold="50%").winners_losers
    assert (by(wide, by="all")["gaining"], by(wide, by="all")["losing"]) == (1, 1)


def test_agreement_by_hand(fixture_comparison) -> None:
    a = by(fixture_comparison.agreement, framework_a="capitation", framework_b="quality")
    # payments: capitation ranks 1..6; quality 18,000 16,000 36,000 16,000 52,000 60,000
    # → ranks 3, 1.5, 4, 1.5, 5, 6: ρ = 11.5 / √(17.5 × 17) (test_spearman_by_hand)
    assert a["spearman_payment"] == pytest.approx(11.5 / math.sqrt(17.5 * 17))
    assert math.isnan(a["spearman_payment_per_patient"])  # capitation's £10 has no order
    # flagged: capitation P2, P4; quality P1, P2 → both P2; only capitation P4; only quality P1
    assert (a["flagged_both"], a["flagged_only_a"], a["flagged_only_b"]) == (1, 1, 1)
    assert a["flagged_neither"] == 3 and a["flag_jaccard"] == pytest.approx(1 / 3)


def test_mismatches_both_ways() -> None:
    # quality's payment per patient 18, 8, 12, 4, 10.4, 10: its bottom quintile is P4 (4), P2 (8)
    # (test_quintiles); capitation escalates both. Capitation pays everyone £10 a patient: all
    # in quintile 3, so it underpays nobody.
    c = compare([CAPITATION, QUALITY], DATA)
    m = c.mismatches
    assert m["direction"].unique().tolist() == ["other underpays, baseline escalates"]
    assert m["unit_id"].tolist() == ["P2", "P4"]
    assert m["escalation_level"].tolist() == ["watch", "review"]
    # with quality as the baseline the same practices are "baseline underpays"
    c = compare([CAPITATION, QUALITY], DATA, baseline="quality")
    assert c.baseline == "quality"
    m = c.mismatches
    assert m["direction"].unique().tolist() == ["baseline underpays, other escalates"]
    assert m["unit_id"].tolist() == ["P2", "P4"] and set(m["underpaid_by"]) == {"quality"}


def test_equity_by_hand(fixture_comparison) -> None:
    e = fixture_comparison.equity
    # deprivation 1 = P1 + P4: 5,000 patients; quality pays 18,000 + 16,000 = £34,000 → £6.80
    q1 = by(e, framework="quality", deprivation_quintile="1")
    assert q1["patients"] == 5000 and q1["payment_per_patient"] == pytest.approx(6.8)
    assert q1["relative_to_average"] == pytest.approx(6.8 / (198000 / 21000))
    assert q1["flag_rate"] == pytest.approx(0.5)  # P1 alerted, P4 not
    # deprivation 3 = P3 + P6: (36,000 + 60,000) / 9,000
    q3 = by(e, framework="quality", deprivation_quintile="3")
    assert q3["payment_per_patient"] == pytest.approx(96000 / 9000) and q3["flag_rate"] == 0
    assert by(e, framework="capitation", deprivation_quintile="2")["payment_per_patient"] == 10


def test_quarterly_framework_summed_into_its_year() -> None:
    c = compare([CAPITATION, QUARTERLY], DATA)
    assert c.period == "2014-15"  # the quarterly data cover 2014-15 only
    q = c.practices[c.practices["framework"] == "quarterly"].set_index("unit_id")
    # £1 a patient in each of the four quarters: P1 4 × 1,000 = £4,000
    assert q.loc["P1", "payment"] == pytest.approx(4000)
    assert q["payment_per_patient"].tolist() == pytest.approx([4.0] * 6)
    # P1: amber in Q2, red in Q3 → red for the year; P2 amber in Q1 only → amber
    assert q["escalation_level"].to_dict() == {
        "P1": "red",
        "P2": "amber",
        "P3": "",
        "P4": "",
        "P5": "",
        "P6": "",
    }
    assert by(c.frameworks, framework="quarterly")["frequency"] == "quarter"


def test_period_given_with_practices_unpaid() -> None:
    c = compare([CAPITATION, QUALITY], DATA, periods="2015-16")
    assert c.period == "2015-16" and c.period_source == "given"
    f = c.frameworks.set_index("framework")
    assert f.loc["quality", "practices_paid"] == 5  # P6 has no score in 2015-16
    assert f.loc["quality", "total_cost"] == pytest.approx(198000 - 60000)
    p6 = by(c.practices, framework="quality", unit_id="P6")
    assert math.isnan(p6["payment"]) and p6["movement"] == ""
    assert by(c.winners_losers, by="all")["compared"] == 5


def test_problems_are_reported() -> None:
    with pytest.raises(QframeError) as info:
        compare([CAPITATION, QUALITY], DATA, baseline="nope")
    assert info.value.exit_code == ExitCode.USAGE and "C003" in str(info.value)
    with pytest.raises(QframeError) as info:
        compare([CAPITATION], DATA, periods="2014-15Q1")
    assert "C004" in str(info.value) and "financial year" in str(info.value)
    with pytest.raises(QframeError) as info:
        compare([CAPITATION], DATA, periods="2019-20")
    assert info.value.exit_code == ExitCode.DATA_ERROR and "C005" in str(info.value)


def test_framework_without_payment(tmp_path: Path) -> None:
    text = replace_once(
        (CAPITATION / "framework.yaml").read_text(), "  payment: list_size", "  pay: list_size"
    )
    (tmp_path / "framework.yaml").write_text(text)
    with pytest.raises(QframeError) as info:
        compare([tmp_path], DATA)
    assert "C002" in str(info.value) and "payment" in str(info.value)


def test_no_complete_year(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.csv").write_text((DATA / "units.csv").read_text())
    measures = pd.read_csv(DATA / "measures.csv", dtype=str, keep_default_na=False)
    measures = measures[~((measures["unit_id"] == "P1") & (measures["measure"] == "score"))]
    measures.to_csv(data / "measures.csv", index=False)
    with pytest.raises(QframeError) as info:
        compare([CAPITATION, QUALITY], data)
    assert "C006" in str(info.value) and "quality: none" in str(info.value)


# ---------------------------------------------------------------- the command line and files


def test_cli_writes_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code, stdout, err = run(
        capsys, "compare", str(CAPITATION), str(QUALITY), "--data", str(DATA), "--out", str(out)
    )
    assert code == ExitCode.OK, err
    assert "period 2014-15 (the latest year every framework has a complete result for)" in stdout
    assert "quality: total payment £198,000.00 (−£12,000.00 against the baseline)" in stdout
    assert f"report: {out / 'report.html'}" in stdout
    assert f"workbook: {out / 'comparison.xlsx'}" in stdout
    assert "comparing" not in err  # no progress bar when standard error is not a terminal
    for name in TABLES:
        assert (out / f"{name}.csv").is_file(), name
    assert not (out / "funnel.csv").exists()  # no framework with funnel totals
    for name in ("comparison.xlsx", "manifest.json", "report.html"):
        assert (out / name).is_file(), name
    practices = pd.read_csv(out / "practices.csv", dtype={"deprivation_quintile": str})
    assert len(practices) == 12
    assert practices.loc[practices["unit_id"] == "P3", "list_size"].tolist() == [3000, 3000]

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["period"] == "2014-15" and manifest["baseline"] == "capitation"
    assert manifest["threshold"] == pytest.approx(0.1)
    assert [f["id"] for f in manifest["frameworks"]] == ["capitation", "quality"]
    assert all(len(f["sha256"]) == 64 and f["version"] == "1" for f in manifest["frameworks"])
    assert len(manifest["data"]["sha256"]) == 64 and manifest["data"]["units"] == 6
    assert manifest["qframe_version"]

    # the workbook (issue 14: Excel-native, for people): about, frameworks, a row per practice
    # with columns per framework, the roll-ups, components, then the other tables; the long
    # tables (practices, practice_components) are in the CSV files. Readable headings
    # (so the columns are read back by heading), frozen and filtered, £ on every money column
    book = pd.read_excel(out / "comparison.xlsx", sheet_name=None)
    assert list(book) == [
        "about",
        "frameworks",
        "practices_wide",
        "rollups",
        "components",
        "winners_losers",
        "equity",
        "escalation",
        "agreement",
        "mismatches",
    ]
    assert book["frameworks"]["Total cost (£)"].tolist() == pytest.approx([210000, 198000])
    rollups = book["rollups"]
    assert set(rollups["Level"]) >= {"cluster"}
    for level, rows in rollups.groupby("Level"):
        assert rows["capitation: payment (£)"].sum() == pytest.approx(210000), level
        assert rows["quality: difference (£)"].sum() == pytest.approx(-12000), level
    about = dict(zip(book["about"]["Item"], book["about"]["Value"], strict=True))
    assert about["period"] == "2014-15" and about["baseline"] == "capitation"
    wide = book["practices_wide"]
    assert len(wide) == 6 and wide["capitation: payment (£)"].sum() == pytest.approx(210000)
    assert wide["quality: difference (£)"].sum() == pytest.approx(-12000)
    from openpyxl import load_workbook

    workbook = load_workbook(out / "comparison.xlsx")
    sheet = workbook["practices_wide"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    for ws in workbook.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref, ws.title
        for cell in ws[1]:
            if "(£)" in str(cell.value) or "£ per patient" in str(cell.value):
                formats = {ws.cell(r, cell.column).number_format for r in range(2, ws.max_row + 1)}
                formats -= {"General"}  # blank cells
                assert formats and all("£" in f for f in formats), (ws.title, cell.value)

    # the report: self-contained, the same bytes every time
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'src="http' not in html and "<link" not in html
    assert "No funnel plot" in html
    out2 = tmp_path / "out2"
    assert (
        run(
            capsys,
            "compare",
            str(CAPITATION),
            str(QUALITY),
            "--data",
            str(DATA),
            "--out",
            str(out2),
        )[0]
        == 0
    )
    assert (out / "report.html").read_bytes() == (out2 / "report.html").read_bytes()
    assert (out / "comparison.xlsx").read_bytes() == (out2 / "comparison.xlsx").read_bytes()
    for name in TABLES:
        assert (out / f"{name}.csv").read_bytes() == (out2 / f"{name}.csv").read_bytes()


def test_cli_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code, stdout, err = run(
        capsys,
        "compare",
        str(CAPITATION),
        str(QUALITY),
        "--data",
        str(DATA),
        "--out",
        str(out),
        "--baseline",
        "quality",
        "--period",
        "2015-16",
        "--threshold",
        "50%",
        "--format",
        "parquet",
    )
    assert code == ExitCode.OK, err
    assert "period 2015-16 (given); baseline quality" in stdout
    assert "warning: quality has no payment for 1 of 6 practices in 2015-16" in err
    for name in TABLES:
        assert (out / f"{name}.parquet").is_file() and not (out / f"{name}.csv").exists()
    assert (out / "comparison.xlsx").is_file() and (out / "report.html").is_file()
    w = pd.read_parquet(out / "winners_losers.parquet")
    assert set(w["baseline"]) == {"quality"} and set(w["threshold"]) == {0.5}

    code, _, err = run(
        capsys,
        "compare",
        str(CAPITATION),
        "--data",
        str(DATA),
        "--out",
        str(out),
        "--threshold",
        "lots",
    )
    assert code == ExitCode.USAGE and "--threshold" in err
    code, _, err = run(
        capsys,
        "compare",
        str(CAPITATION),
        "--data",
        str(DATA),
        "--out",
        str(out),
        "--baseline",
        "x",
    )
    assert code == ExitCode.USAGE and "C003" in err and "Traceback" not in err


def test_write_xlsx_values(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "text": ["a & b <c>", "", None],
            "whole": [1, 2, 3],
            "payment": [1.5, float("nan"), float("inf")],
            "flag": pd.array([True, None, False], dtype="boolean"),
        }
    )
    path = write_xlsx(tmp_path / "t.xlsx", {"a sheet": frame})
    back = pd.read_excel(path, sheet_name="a sheet")
    # headings for people (issue 14): names in words, known columns from the catalogue
    assert list(back.columns) == ["Text", "Whole", "Payment (£)", "Flag"]
    assert back["Text"].tolist()[0] == "a & b <c>"
    assert back["Text"].isna().tolist() == [False, True, True]
    assert back["Whole"].tolist() == [1, 2, 3]
    assert back["Payment (£)"].tolist()[0] == 1.5 and back["Payment (£)"].isna().tolist()[1:] == [
        True,
        True,
    ]
    assert back["Flag"].tolist()[0] is True or back["Flag"].tolist()[0] == 1


# ---------------------------------------------------------------- the shipped frameworks


def test_shipped_frameworks_on_sample(tmp_path: Path) -> None:
    import qframe

    data = qframe.load_dataset(ROOT / "data" / "sample")
    c = compare(SHIPPED, data)
    assert c.period == "2015-16" and c.baseline == "qof_2014"
    assert c.labels == ["qof_2014", "somerset_pqs", "improving_together"]
    f = c.frameworks.set_index("framework")
    assert (f["practices_paid"] == 300).all()
    # one evaluation per framework, on the same Dataset: its layout is kept for it
    from qframe.engines.numpy.layout import laid_out_frequencies

    assert laid_out_frequencies(data) == {"year", "quarter"}
    qof = c.runs[0].result.units
    qof_total = qof.loc[qof["period"] == "2015-16", "payment"].sum()
    assert f.loc["qof_2014", "total_cost"] == pytest.approx(qof_total)
    # improving_together is quarterly: its year is the sum of its four quarters
    it = c.runs[2].result.units
    quarters = it[it["period"].astype(str).str.startswith("2015-16Q")]
    assert f.loc["improving_together", "total_cost"] == pytest.approx(quarters["payment"].sum())
    one = quarters[quarters["unit_id"] == "S00001"]
    row = by(c.practices, framework="improving_together", unit_id="S00001")
    assert row["payment"] == pytest.approx(one["payment"].sum())
    # ... and its level for the year the highest of its quarters
    order = ["", "cluster", "locality", "hscp"]
    per_unit = quarters.groupby("unit_id")["escalation_level"].agg(
        lambda s: max(s.fillna(""), key=order.index)
    )
    got = c.practices[c.practices["framework"] == "improving_together"].set_index("unit_id")
    assert got["escalation_level"].to_dict() == per_unit.to_dict()
    # tables are complete and consistent
    assert len(c.practices) == 900
    assert len(c.agreement) == 3 and c.funnel is not None and len(c.funnel) == 300
    assert set(c.funnel["period"]) == {"2015-16Q4"}
    assert set(c.equity["deprivation_quintile"]) == {"1", "2", "3", "4", "5"}
    for compared in c.runs:
        fr = c.practices[c.practices["framework"] == compared.label]
        assert f.loc[compared.label, "gini_payment_per_patient"] == pytest.approx(
            gini(fr["payment_per_patient"])
        )
    paths = c.write(tmp_path / "out")
    assert {p.name for p in paths} >= {"report.html", "comparison.xlsx", "funnel.csv"}
    again = c.write(tmp_path / "again")  # the same bytes every time
    for first, second in zip(paths, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name
    # the workbook as a commissioner opens it (issue 14): £ on money including per patient,
    # admissions per 1,000 as plain numbers (not percentages), numeric quintiles, filters
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "out" / "comparison.xlsx")
    assert "funnel" in book.sheetnames and "practices_wide" in book.sheetnames

    def formats(sheet: str, heading: str) -> set[str]:
        ws = book[sheet]
        column = next(c.column for c in ws[1] if c.value == heading)
        return {ws.cell(r, column).number_format for r in range(2, ws.max_row + 1)} - {"General"}

    assert formats("funnel", "Admissions per 1,000 patients") == {"#,##0.00"}
    assert formats("practices_wide", "somerset_pqs: £ per patient") == {'"£"#,##0.00;-"£"#,##0.00'}
    assert formats("agreement", "Spearman correlation: payment") == {"0.000"}
    assert formats("equity", "Share flagged") == {"0.0%"}
    equity = book["equity"]
    quintile = next(c.column for c in equity[1] if c.value == "Deprivation quintile")
    assert {type(equity.cell(r, quintile).value) for r in range(2, equity.max_row + 1)} == {int}
    wide = book["practices_wide"]
    assert (
        wide.max_row == 301
        and wide.auto_filter.ref == f"A1:{wide.cell(1, wide.max_column).column_letter}301"
    )
    assert [c.value for c in wide[1]][:3] == ["Practice code", "Practice", "Region"]
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    # seven charts as before and the components chart (issue 14: why money moves)
    assert 'data-charts-expected="8"' in html and "chart-funnel" in html
    assert "chart-components" in html and "Synthetic data." in html  # the data's provenance
    # the summary in words, from the numbers: frameworks by title, who loses and why
    w = c.winners_losers.set_index(["framework", "by"]).loc[("somerset_pqs", "all")]
    assert (
        f"Under <strong>Somerset Practice Quality Scheme</strong>, {int(w['losing'])} of 300"
        in html
    )
    assert "the main reason is a report payment below what a typical practice" in html
    assert "the released share is 50%–75%, against 100% for the median practice" in html
    assert "1 = least deprived, 5 = most deprived" in html
    assert html.count("somerset_pqs against") == 0  # no framework shown by its id in a heading
    # why money moves: the components add up to each practice's payment, to the penny
    parts = c.practice_components.groupby(["framework", "unit_id"])["amount"].sum()
    paid = c.practices.set_index(["framework", "unit_id"])["payment"].reindex(parts.index)
    assert (parts - paid).abs().max() < 0.005
    somerset = c.components[c.components["framework"] == "somerset_pqs"]
    assert "report payment" in set(somerset["component"])
    # the Somerset practices paid least per patient lose it in their report payment, gated by
    # the share of quarterly reports accepted
    low = c.practices[c.practices["framework"] == "somerset_pqs"].nsmallest(
        5, "payment_per_patient"
    )
    why = c.drivers.set_index(["framework", "unit_id"]).loc["somerset_pqs"].loc[low["unit_id"]]
    assert set(why["component"]) == {"report payment"} and set(why["gate"]) == {"released share"}
    assert (why["gate_value"] < 1).all() and (why["gap"] < 0).all()
    # roll-ups: every level the data carry, each adding up to the framework's cost
    r = c.rollups
    assert list(dict.fromkeys(r["level"])) == ["region", "ccg", "locality", "cluster"]
    for level in ("region", "ccg", "locality", "cluster"):
        sums = r[r["level"] == level].groupby("framework")["payment"].sum()
        assert sums.to_dict() == pytest.approx(f["total_cost"].to_dict())

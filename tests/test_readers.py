"""Reading the files analysts have: NHS Digital QOF CSVs, NHS Payments, Excel workbooks.

The real-data fixtures in tests/fixtures/nhsd are unmodified slices of NHS Digital files (OGL; see
the README there); every number asserted on them was looked up in the full files. The files under
tests/fixtures/nhsd/synthetic are made up and use synthetic practice codes (S00001, ...).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import qframe
from qframe.data.dataset import Dataset
from qframe.data.load import load_dataset
from qframe.data.readers import (
    detect_layout,
    parse_numbers,
    period_from_name,
    read_excel,
    read_nhsd_files,
)
from qframe.errors.diagnostics import Diagnostic, ExitCode, FileProblem

FIX = Path(__file__).parent / "fixtures" / "nhsd"
Q1819 = FIX / "qof_1819"
Q1920 = FIX / "qof_1920"
PAY1415 = FIX / "payments" / "payments_14-15.csv"
SYN = FIX / "synthetic"
SYN1415 = SYN / "qof-1415-csvfiles"
MINI = Path(__file__).parent / "fixtures" / "mini" / "data"


def value(ds: Dataset, unit: str, measure: str, key: str = "") -> float:
    m = ds.measures
    hit = m[(m["unit_id"] == unit) & (m["measure"] == measure) & (m["key"] == key)]
    assert len(hit) == 1, f"{unit} {measure} {key}: {len(hit)} rows"
    return float(hit["value"].iloc[0])


def counts(ds: Dataset) -> dict[str, int]:
    return {str(k): int(v) for k, v in ds.measures["measure"].value_counts().items()}


def unit(ds: Dataset, unit_id: str) -> dict[str, str]:
    row = ds.units[ds.units["unit_id"] == unit_id]
    assert len(row) == 1
    return {str(k): str(v) for k, v in row.iloc[0].items()}


def codes(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> list[str]:
    return sorted(d.code for d in diagnostics)


def data_error(paths: list[Path] | Path, **kwargs: str) -> list[Diagnostic]:
    with pytest.raises(qframe.DataError) as info:
        if isinstance(paths, Path):
            load_dataset(paths)
        else:
            read_nhsd_files(paths, **kwargs)
    assert info.value.exit_code == ExitCode.DATA_ERROR
    text = info.value.render()
    assert "Traceback" not in text
    return info.value.errors


def copy(tmp_path: Path, *files: Path, folder: str = "data") -> Path:
    out = tmp_path / folder
    out.mkdir(exist_ok=True)
    for f in files:
        shutil.copy(f, out / f.name)
    return out


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


# ---------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "period"),
    [
        ("PREVALENCE_1617.csv", "2016-17"),
        ("PREVALENCE_1819_v2", "2018-19"),
        ("payments_14-15.csv", "2014-15"),
        ("qof-1415-csvfiles-v2", "2014-15"),
        ("ACHIEVEMENT_2019-20.csv", "2019-20"),
        ("INDICATORS_BY_PRAC.csv", None),
        ("PREVALENCE_2014.csv", None),
        ("PREVALENCE_1416.csv", None),
    ],
)
def test_period_from_name(name: str, period: str | None) -> None:
    assert period_from_name(name) == period


def test_layouts_by_name_and_by_header(tmp_path: Path) -> None:
    assert detect_layout(Q1819 / "PREVALENCE_1819_v2.csv").kind == "prevalence"  # type: ignore[union-attr]
    renamed = tmp_path / "gp_extract_1415.csv"  # the header says: payments, not a reference file
    shutil.copy(PAY1415, renamed)
    assert detect_layout(renamed).kind == "payments"  # type: ignore[union-attr]
    other = tmp_path / "my_download.csv"  # name says nothing: the header does
    shutil.copy(Q1920 / "MAPPING_NHS_GEOGRAPHIES_1920.csv", other)
    assert detect_layout(other).kind == "geographies"  # type: ignore[union-attr]
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n")
    assert detect_layout(tmp_path / "notes.csv") is None


def test_strict_numbers() -> None:
    text = pd.Series(["12", " 3.5 ", "", "1,234", "1,234.50", "£12", "12%", "-", "1,23", "inf"])
    plain, bad = parse_numbers(text)
    assert bad.tolist() == [False, False, False, True, True, True, True, True, True, True]
    assert plain[0] == 12 and plain[1] == 3.5 and np.isnan(plain[2])
    grouped, bad = parse_numbers(text, grouped=True)
    assert bad.tolist() == [False, False, False, False, False, True, True, True, True, True]
    assert grouped[3] == 1234 and grouped[4] == 1234.5


# ----------------------------------------------------------------------- PREVALENCE files


def test_prevalence_1819_real_slice() -> None:
    ds = read_nhsd_files([Q1819 / "PREVALENCE_1819_v2.csv"])
    assert ds.periods("year") == ["2018-19"]
    assert len(ds.units) == 40 and list(ds.units.columns) == ["unit_id"]
    # 40 practices × 21 groups; one TOTAL list size each; 5 age bands each (16OV, 17OV, 18OV,
    # 50OV, 30_74: 18OV is shared by CKD, DEP, EP and OB and appears once)
    assert counts(ds) == {"register": 840, "list_size_band": 200, "list_size": 40}
    assert value(ds, "A81001", "register", "DM") == 282
    assert value(ds, "A81001", "register", "AF") == 107
    assert value(ds, "A81001", "list_size") == 4117
    assert value(ds, "A81001", "list_size_band", "17OV") == 3327
    assert value(ds, "A81001", "list_size_band", "18OV") == 3286
    assert value(ds, "A81001", "list_size_band", "50OV") == 1738
    # A82074's registers are empty in the real file: missing values, with a warning
    assert np.isnan(value(ds, "A82074", "register", "DM"))
    assert value(ds, "A82074", "list_size") == 2270
    assert codes(ds.warnings) == ["D106", "D110"]
    empty = next(w for w in ds.warnings if w.code == "D110")
    assert empty.row_count == 21 and empty.rows == (821, 822, 823, 824, 825)
    assert "A82074" in empty.message


def test_prevalence_1920_names_the_group_column_group_code() -> None:
    ds = read_nhsd_files([Q1920 / "PREVALENCE_1920.csv"])
    assert ds.periods("year") == ["2019-20"]
    assert counts(ds) == {"register": 840, "list_size_band": 200, "list_size": 40}
    assert value(ds, "A81001", "register", "DM") == 286
    assert value(ds, "A81001", "list_size") == 4111
    assert value(ds, "A81001", "list_size_band", "17OV") == 3307
    assert value(ds, "A81001", "list_size_band", "30_74") == 2228


def test_given_period_wins_over_the_file_name() -> None:
    ds = read_nhsd_files([Q1920 / "PREVALENCE_1920.csv"], period="2020-21")
    assert ds.periods("year") == ["2020-21"]


# ---------------------------------------------------------------------- reference files


def test_organisation_reference_folder() -> None:
    ds = load_dataset(Q1819)
    assert len(ds.units) == 40 and len(ds.measures) == 1080
    assert unit(ds, "A81001") == {
        "unit_id": "A81001",
        "name": "The Densham Surgery",
        "ccg": "00K",
        "ccg_ons_code": "E38000075",
        "ccg_name": "NHS Hartlepool and Stockton-on-Tees CCG",
        "stp": "E54000049",
        "stp_name": "Cumbria and North East STP",
        "subregion": "Q74",
        "subregion_ons_code": "E39000047",
        "subregion_name": "NHS England Cumbria and North East",
        "region": "Y63",
        "region_ons_code": "E40000009",
        "region_name": "North East and Yorkshire",
        "country": "England",
        "revised_maximum_points": "559",
    }
    assert unit(ds, "A82074")["revised_maximum_points"] == ""
    assert codes(ds.warnings) == ["D110"]


def test_mapping_nhs_geographies() -> None:
    ds = read_nhsd_files(
        [Q1920 / "PREVALENCE_1920.csv", Q1920 / "MAPPING_NHS_GEOGRAPHIES_1920.csv"]
    )
    assert len(ds.units) == 40 and ds.warnings == ()
    a = unit(ds, "A81001")
    assert a["pcn"] == "U89141" and a["pcn_name"] == "Stockton PCN"
    assert a["ccg"] == "16C" and a["ccg_name"] == "NHS Tees Valley CCG"
    assert a["stp"] == "E54000050" and a["stp_ods_code"] == "QHM"
    assert a["region"] == "Y63" and a["country_code"] == "ENG"
    assert unit(ds, "A81002")["pcn"] == "U07032"


# ------------------------------------------------------------------------- payments


def test_payments_1415_real_slice() -> None:
    ds = load_dataset(PAY1415)  # a single file loads too
    assert ds.periods("year") == ["2014-15"]
    assert len(ds.units) == 30
    assert counts(ds) == {"list_size": 30, "weighted_list_size": 30, "qof_payment": 30}
    assert value(ds, "N81632", "list_size") == 5707
    assert value(ds, "N81632", "weighted_list_size") == 5113
    assert value(ds, "N81632", "qof_payment") == 62534
    n = unit(ds, "N81632")
    assert n["name"] == "Broken Cross Surgery" and n["postcode"] == "SK116JL"
    assert n["region"] == "Q44" and n["region_name"] == "Cheshire, Warrington and Wirral"
    assert n["ccg"] == "01C" and n["ccg_name"] == "Eastern Cheshire"
    assert n["contract_type"] == "PMS" and n["dispensing"] == "No"
    assert n["patient_data_quarter"] == "Q2"
    sums = ds.measures.groupby("measure")["value"].sum()
    assert sums["list_size"] == 250032 and sums["qof_payment"] == 3499676
    # N81001's Total QOF Payments is -525 in the real file: left missing, with a warning
    assert np.isnan(value(ds, "N81001", "qof_payment"))
    (negative,) = [w for w in ds.warnings if w.code == "D109"]
    assert negative.rows == (25,) and "N81001 -525" in negative.message
    assert negative.path == str(PAY1415)


def test_payments_accept_thousands_separators_and_report_other_text(tmp_path: Path) -> None:
    data = copy(tmp_path, PAY1415)
    f = data / PAY1415.name
    edit(f, ",5707,5113,", ',"5,707",5113,')  # N81632's list size, quoted with a comma
    assert value(load_dataset(f), "N81632", "list_size") == 5707
    edit(f, ",62534,", ",£62534,")
    (d,) = data_error(f)
    assert d.code == "D020" and d.path == str(f) and d.rows == (2,)
    assert "column Total QOF Payments" in d.message and "'£62534'" in d.message


def test_payments_missing_column(tmp_path: Path) -> None:
    f = copy(tmp_path, PAY1415) / PAY1415.name
    edit(f, "Total QOF Payments", "QOF")
    (d,) = data_error(f)
    assert d.code == "D010" and d.path == str(f)
    assert d.message == "missing column Total QOF Payments"


# ------------------------------------------------------------------ a folder of files


def test_folder_of_prevalence_mapping_and_payments() -> None:
    ds = load_dataset(Q1920)
    assert len(ds.units) == 40
    assert counts(ds) == {
        "register": 840,
        "list_size_band": 200,
        "list_size": 40,
        "payments_list_size": 40,
        "weighted_list_size": 40,
        "qof_payment": 40,
    }
    # list_size is QOF's (PREVALENCE_1920); the payments file's count is kept under another name
    assert value(ds, "A81001", "list_size") == 4111
    assert value(ds, "A81001", "payments_list_size") == 4110
    assert value(ds, "A81001", "qof_payment") == 63214.67
    a = unit(ds, "A81001")
    # MAPPING_NHS_GEOGRAPHIES wins over payments; attributes only payments has are kept
    assert a["name"] == "The Densham Surgery" and a["ccg"] == "16C" and a["pcn"] == "U89141"
    assert a["contract_type"] == "GMS" and a["postcode"] == "TS18 1HU"
    assert list(ds.units.columns[:2]) == ["unit_id", "name"]
    assert codes(ds.warnings) == ["D107", "D108"]
    differ = next(w for w in ds.warnings if w.code == "D107")
    assert differ.path == str(Q1920 / "payments_19-20.csv") and differ.row_count == 40
    assert "region_name (40), ccg (40), ccg_name (40), pcn_name (3), name (11)" in differ.message
    assert (
        "first: A81001 region_name 'NORTH EAST AND YORKSHIRE COMMISSIONING REGION' here, "
        "'North East and Yorkshire' in MAPPING_NHS_GEOGRAPHIES_1920.csv" in differ.message
    )
    assert len(ds.content_hash) == 64


def test_folder_ignores_other_files_with_a_warning(tmp_path: Path) -> None:
    data = copy(tmp_path, *Q1819.iterdir())
    (data / "INDICATOR_MAPPINGS_1819_v2.csv").write_text("INDICATOR_CODE,POINTS\nAF001,5\n")
    (data / "README.md").write_text("notes")
    ds = load_dataset(data)
    ignored = [w for w in ds.warnings if w.code == "D105"]
    assert [w.path for w in ignored] == [str(data / "INDICATOR_MAPPINGS_1819_v2.csv")]


def test_practices_in_no_units_file_are_named(tmp_path: Path) -> None:
    data = copy(
        tmp_path, Q1819 / "ORGANISATION_REFERENCE_1819_v2.csv", Q1920 / "PREVALENCE_1920.csv"
    )
    (d,) = data_error(data)
    expected = sorted(
        set(pd.read_csv(Q1920 / "PREVALENCE_1920.csv", dtype=str)["PRACTICE_CODE"])
        - set(pd.read_csv(Q1819 / "ORGANISATION_REFERENCE_1819_v2.csv", dtype=str)["PRACTICE_CODE"])
    )
    assert expected == ["A81048"]
    assert d.code == "D031" and d.path == str(data / "PREVALENCE_1920.csv")
    assert d.message.startswith(
        "1 practice(s) are in no units file (ORGANISATION_REFERENCE_1819_v2.csv): A81048"
    )
    assert d.row_count == 21 and d.rows == (821, 822, 823, 824, 825)
    assert "organisation reference or mapping file of the same year" in d.hint


def test_two_files_of_the_same_kind_and_year(tmp_path: Path) -> None:
    data = copy(tmp_path, *Q1819.iterdir())
    shutil.copy(data / "PREVALENCE_1819_v2.csv", data / "PREVALENCE_1819.csv")
    (d,) = data_error(data)
    assert d.code == "D101" and "PREVALENCE_1819.csv, PREVALENCE_1819_v2.csv" in d.message
    assert "2018-19" in d.message


def test_nothing_readable_is_a_file_problem(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileProblem) as info:
        load_dataset(tmp_path / "empty")
    (d,) = info.value.diagnostics
    assert d.code == "D002" and "units.csv" in d.hint and "PREVALENCE_<yyyy>.csv" in d.hint
    assert info.value.exit_code == ExitCode.FILE_ERROR
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(FileProblem) as info:
        load_dataset(tmp_path / "notes.txt")
    assert info.value.diagnostics[0].code == "D100"
    with pytest.raises(FileProblem) as info:
        load_dataset(tmp_path / "nowhere")
    assert info.value.diagnostics[0].code == "D001"


# ----------------------------------------------------------------- broken PREVALENCE files


def test_prevalence_missing_column(tmp_path: Path) -> None:
    f = copy(tmp_path, Q1819 / "PREVALENCE_1819_v2.csv") / "PREVALENCE_1819_v2.csv"
    edit(f, "INDICATOR_GROUP_CODE,", "GROUP,")
    (d,) = data_error([f])
    assert d.code == "D010" and d.path == str(f)
    assert d.message == "missing column INDICATOR_GROUP_CODE or GROUP_CODE"
    assert "the file has columns: PRACTICE_CODE, GROUP, REGISTER" in d.hint


def test_prevalence_non_numeric_register(tmp_path: Path) -> None:
    f = copy(tmp_path, Q1819 / "PREVALENCE_1819_v2.csv") / "PREVALENCE_1819_v2.csv"
    edit(f, "A81001,DM,282,", "A81001,DM,282 patients,")
    (d,) = data_error([f])
    assert d.code == "D020" and d.path == str(f) and d.rows == (11,)
    assert d.message == "1 value(s) in column REGISTER are not numbers (first: '282 patients')"


def test_prevalence_duplicate_practice_and_group(tmp_path: Path) -> None:
    f = copy(tmp_path, Q1819 / "PREVALENCE_1819_v2.csv") / "PREVALENCE_1819_v2.csv"
    with f.open("a") as out:
        out.write("A81001,DM,282,17OV,3327\r\n")
    (d,) = data_error([f])
    assert d.code == "D030" and d.path == str(f) and d.rows == (11, 842)
    assert "A81001 register DM" in d.message


def test_prevalence_list_sizes_that_disagree(tmp_path: Path) -> None:
    f = copy(tmp_path, Q1819 / "PREVALENCE_1819_v2.csv") / "PREVALENCE_1819_v2.csv"
    edit(f, "A81001,AST,310,TOTAL,4117", "A81001,AST,310,TOTAL,4171")
    (d,) = data_error([f])
    assert d.code == "D103" and d.path == str(f)
    assert d.row_count == 13 and d.rows[:2] == (2, 3)  # A81001's 13 TOTAL rows
    assert "A81001 TOTAL" in d.message


# -------------------------------------------------------------- broken reference files


def test_organisation_reference_duplicate_practice(tmp_path: Path) -> None:
    data = copy(tmp_path, *Q1819.iterdir())
    f = data / "ORGANISATION_REFERENCE_1819_v2.csv"
    first = f.read_text().splitlines()[1]
    with f.open("a") as out:
        out.write(first + "\n")
    (d,) = data_error(data)
    assert d.code == "D012" and d.path == str(f) and d.rows == (2, 42)


def test_mapping_missing_practice_code(tmp_path: Path) -> None:
    data = copy(
        tmp_path, *(Q1920 / n for n in ("PREVALENCE_1920.csv", "MAPPING_NHS_GEOGRAPHIES_1920.csv"))
    )
    f = data / "MAPPING_NHS_GEOGRAPHIES_1920.csv"
    edit(f, ",PRACTICE_CODE,", ",PRACTICE,")
    (d,) = data_error(data)
    assert d.code == "D010" and d.path == str(f) and d.message == "missing column PRACTICE_CODE"


# -------------------------------------------------------- long achievement (ACHIEVEMENT_1920)


def test_achievement_long_layout() -> None:
    ds = load_dataset(SYN)
    assert ds.periods("year") == ["2019-20"]
    assert list(ds.units["unit_id"]) == ["S00001", "S00002", "S00003"]
    assert counts(ds) == {
        "achieved_points": 7,
        "numerator": 4,
        "denominator": 4,
        "exceptions": 4,
        "register": 3,
        "pca_rate": 2,
    }
    assert value(ds, "S00001", "exceptions", "DM012") == 14  # PCAS
    assert value(ds, "S00001", "pca_rate", "AF006") == 5.66
    assert value(ds, "S00001", "achieved_points", "DM012") == 3.75
    assert value(ds, "S00001", "register", "AF001") == 120  # keyed by the indicator
    (w,) = ds.warnings
    assert w.code == "D106" and "3 practice code(s)" in w.message


def test_achievement_broken(tmp_path: Path) -> None:
    f = copy(tmp_path, SYN / "ACHIEVEMENT_1920.csv") / "ACHIEVEMENT_1920.csv"
    edit(f, "S00001,AF006,NUMERATOR,45", "S00001,AF006,NUMERATOR,n/a")
    with f.open("a") as out:
        out.write("S00001,DM012,EXCEPTIONS,14\n")  # PCAS is already exceptions
    errors = data_error([f])
    assert codes(errors) == ["D020"]  # values are checked before rows are put together
    assert errors[0].rows == (5,) and "column VALUE" in errors[0].message
    edit(f, "S00001,AF006,NUMERATOR,n/a", "S00001,AF006,NUMERATOR,51")
    d, e = sorted(data_error([f]), key=lambda d: d.code)
    assert d.code == "D030" and d.rows == (12, 26) and "S00001 exceptions DM012" in d.message
    assert e.code == "D032" and e.rows == (5,) and "S00001 AF006" in e.message


# --------------------------------------------------------- 2014-15 qof-1415-csvfiles layout


def test_indicators_by_prac_and_exception_output() -> None:
    ds = load_dataset(SYN1415)  # the year comes from the folder name
    assert ds.periods("year") == ["2014-15"]
    assert counts(ds) == {
        "achieved_points": 6,
        "numerator": 6,
        "denominator": 6,
        "exceptions": 4,
        "register": 4,
    }
    assert value(ds, "S00001", "numerator", "DM007") == 300
    assert value(ds, "S00001", "denominator", "DM007") == 480
    assert value(ds, "S00001", "exceptions", "DM007") == 40
    assert value(ds, "S00001", "achieved_points", "DM007") == 13.5
    assert value(ds, "S00001", "register", "DM") == 520  # PREVALENCE_BY_PRAC_v2
    assert np.isnan(value(ds, "S00002", "numerator", "AF001"))  # empty cell: missing


def test_1415_files_need_a_year(tmp_path: Path) -> None:
    data = copy(tmp_path, SYN1415 / "INDICATORS_BY_PRAC.csv", SYN1415 / "EXCEPTION_OUTPUT.csv")
    errors = data_error(data)
    assert codes(errors) == ["D102", "D102"]
    assert {e.path for e in errors} == {
        str(data / "INDICATORS_BY_PRAC.csv"),
        str(data / "EXCEPTION_OUTPUT.csv"),
    }
    ds = read_nhsd_files(sorted(data.iterdir()), period="2014-15")
    assert value(ds, "S00002", "exceptions", "DM007") == 22


def test_1415_headers_in_lower_case(tmp_path: Path) -> None:
    data = copy(tmp_path, SYN1415 / "INDICATORS_BY_PRAC.csv", folder="qof-1415")
    f = data / "INDICATORS_BY_PRAC.csv"
    edit(
        f,
        "PRACTICE_CODE,INDICATOR_CODE,INDICATOR_GROUP,ACHIEVED_POINTS,NUMERATOR,DENOMINATOR",
        "practice_code,indicator_code,indicator_group,achieved_points,numerator,denominator",
    )
    assert value(load_dataset(data), "S00002", "denominator", "DM007") == 300


def test_1415_broken(tmp_path: Path) -> None:
    data = copy(tmp_path, *SYN1415.iterdir(), folder="qof-1415")
    edit(data / "INDICATORS_BY_PRAC.csv", "S00002,AF004,AF,0,10,40", "S00002,AF004,AF,0,50,40")
    edit(data / "EXCEPTION_OUTPUT.csv", "S00002,DM007,22", "S00002,DM007,-22")
    d022, d032 = sorted(data_error(data), key=lambda d: d.code)
    assert d022.path == str(data / "EXCEPTION_OUTPUT.csv") and d022.rows == (5,)
    assert "S00002 exceptions DM007 -22" in d022.message
    assert d032.path == str(data / "INDICATORS_BY_PRAC.csv") and d032.rows == (6,)
    edit(data / "EXCEPTION_OUTPUT.csv", "EXCEPTION_COUNT", "EXCEPTIONS")
    (d,) = data_error(data)
    assert d.code == "D010" and d.message == "missing column EXCEPTION_COUNT"


# ------------------------------------------------------------------------------ Excel


def test_excel_round_trip(tmp_path: Path) -> None:
    csv = load_dataset(MINI)
    book = tmp_path / "practices.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        pd.read_csv(MINI / "units.csv", dtype=str, keep_default_na=False).to_excel(
            writer, sheet_name="units", index=False
        )
        pd.read_csv(MINI / "measures.csv", dtype=str, keep_default_na=False).to_excel(
            writer, sheet_name="measures", index=False
        )
    ds = load_dataset(book)
    pd.testing.assert_frame_equal(ds.units, csv.units, check_dtype=False)
    pd.testing.assert_frame_equal(ds.measures, csv.measures, check_dtype=False)
    assert ds.source == str(book) and len(ds.content_hash) == 64
    # the same framework gives the same results on both
    fw = qframe.load(MINI.parent)
    a = fw.evaluate(ds).to_frame("units")
    b = fw.evaluate(csv).to_frame("units")
    pd.testing.assert_frame_equal(a, b)


def test_excel_numbers_typed_as_numbers_and_errors_name_the_sheet(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    units = pd.DataFrame({"unit_id": ["P001", "P002"], "name": ["One", "Two"]})
    measures = pd.DataFrame(
        {
            "unit_id": ["P001", "P002", "P002"],
            "period": ["2014-15"] * 3,
            "measure": ["list_size"] * 3,
            "key": ["", "", "DM"],
            "value": [8000, 7052.5, "8,000"],
        }
    )
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        units.to_excel(writer, sheet_name="units", index=False)
        measures.to_excel(writer, sheet_name="measures", index=False)
    (d,) = data_error(book)
    assert d.code == "D020" and d.rows == (4,) and d.path == f"{book} [sheet measures]"
    measures.loc[2, "value"] = 12
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        units.to_excel(writer, sheet_name="units", index=False)
        measures.to_excel(writer, sheet_name="measures", index=False)
    ds = read_excel(book)
    assert ds.measures["value"].tolist() == [8000, 7052.5, 12]


def test_excel_without_measures_sheet(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    pd.DataFrame({"unit_id": ["P001"]}).to_excel(book, sheet_name="units", index=False)
    with pytest.raises(FileProblem) as info:
        load_dataset(book)
    (d,) = info.value.diagnostics
    assert d.code == "D112" and "no sheet named measures (it has: units)" in d.message


# ------------------------------------------------------------------- the full real files


def shared_data() -> Path | None:
    env = os.environ.get("QFRAME_SHARED")
    candidates = [Path(env) / "qof_data", Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "shared" / "qof_data")
    needed = ("nhsd_gp_payments", "nhsd_qof_practice_prevalence")
    return next((c for c in candidates if all((c / n).is_dir() for n in needed)), None)


SHARED = shared_data()


@pytest.mark.skipif(
    SHARED is None,
    reason="the full NHS Digital files are not here: they are in ../shared/qof_data beside the "
    "repository on CI (or set QFRAME_SHARED); a user's clone has only the slices in tests/fixtures/nhsd",
)
def test_full_real_files() -> None:
    assert SHARED is not None
    prev = SHARED / "nhsd_qof_practice_prevalence"
    ds = read_nhsd_files(
        [prev / "PREVALENCE_1819_v2.csv", prev / "ORGANISATION_REFERENCE_1819_v2.csv"]
    )
    assert len(ds.units) == 6873 and ds.units["ccg"].nunique() == 191
    assert counts(ds) == {"register": 144333, "list_size_band": 34365, "list_size": 6873}
    m = ds.measures
    assert m.loc[m["measure"] == "list_size", "value"].sum() == 59_386_096
    assert m.loc[(m["measure"] == "register") & (m["key"] == "DM"), "value"].sum() == 3_319_266
    (empty,) = [w for w in ds.warnings if w.code == "D110"]
    assert empty.row_count == 399 and "(19 practice(s)" in empty.message

    ds = read_nhsd_files([prev / "PREVALENCE_1920.csv", prev / "MAPPING_NHS_GEOGRAPHIES_1920.csv"])
    assert len(ds.units) == 6720 and ds.units["pcn"].nunique() == 1251
    assert ds.units["ccg"].nunique() == 135
    assert value(ds, "A81001", "register", "DM") == 286

    ds = load_dataset(SHARED / "nhsd_gp_payments" / "payments_14-15.csv")
    assert len(ds.units) == 7959
    qof = ds.measures[ds.measures["measure"] == "qof_payment"]["value"]
    assert (qof > 0).sum() == 7815 and qof.isna().sum() == 24  # 24 negative totals
    assert qof.sum() == 722_610_180
    assert ds.measures.loc[ds.measures["measure"] == "list_size", "value"].sum() == 56_633_982

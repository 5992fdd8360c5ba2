"""Datasets: strict validation (one fault per case), row numbers as a spreadsheet shows them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import qframe
from qframe.data import synth
from qframe.data.load import load_dataset
from qframe.model.periods import period_label, period_ordinal

UNITS = "unit_id,name,cluster\nP001,One,C1\nP002,Two,C1\n"
GOOD = [
    "unit_id,period,measure,key,value",
    "P001,2014-15,list_size,,8000",
    "P001,2014-15,numerator,DM007,300",
    "P001,2014-15,denominator,DM007,480",
    "P002,2014-15,list_size,,7052",
]


def write(tmp_path: Path, measures: list[str], units: str = UNITS) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    (folder / "units.csv").write_text(units)
    (folder / "measures.csv").write_text("\n".join(measures) + "\n")
    return folder


def fault(tmp_path: Path, measures: list[str], units: str = UNITS) -> qframe.Diagnostic:
    with pytest.raises(qframe.DataError) as info:
        load_dataset(write(tmp_path, measures, units))
    assert len(info.value.diagnostics) == 1, info.value.render()
    return info.value.diagnostics[0]


def test_good_dataset_loads(tmp_path: Path) -> None:
    ds = load_dataset(write(tmp_path, GOOD))
    assert len(ds.units) == 2 and len(ds.measures) == 4
    assert ds.measures["value"].dtype == "float64"
    assert ds.periods("year") == ["2014-15"] and ds.warnings == ()
    assert len(ds.content_hash) == 64


def test_missing_column(tmp_path: Path) -> None:
    d = fault(tmp_path, [line.rsplit(",", 1)[0] for line in GOOD])
    assert d.code == "D010" and d.message == "missing column value"
    assert d.path is not None and d.path.endswith("measures.csv")


def test_non_numeric_values_name_the_rows(tmp_path: Path) -> None:
    rows = [*GOOD, "P002,2014-15,numerator,DM007,12%", "P002,2014-15,denominator,DM007,n/a"]
    d = fault(tmp_path, rows)
    assert d.code == "D020"
    assert d.message == "2 value(s) are not numbers (first: '12%')"
    assert d.rows == (6, 7) and d.row_count == 2  # header is row 1
    assert "rows: 6, 7" in d.render()


def test_thousands_separator_is_not_guessed(tmp_path: Path) -> None:
    d = fault(tmp_path, [*GOOD[:1], 'P001,2014-15,list_size,,"8,000"'])
    assert d.code == "D020" and d.rows == (2,)


def test_negative_counts(tmp_path: Path) -> None:
    d = fault(tmp_path, [*GOOD, "P002,2014-15,register,DM,-3"])
    assert d.code == "D022" and d.rows == (6,)


def test_duplicate_rows(tmp_path: Path) -> None:
    d = fault(tmp_path, [*GOOD, "P001,2014-15,list_size,,8001"])
    assert d.code == "D030" and d.rows == (2, 6) and d.row_count == 2


def test_numerator_above_denominator(tmp_path: Path) -> None:
    rows = [*GOOD, "P002,2014-15,numerator,DM007,90", "P002,2014-15,denominator,DM007,80"]
    d = fault(tmp_path, rows)
    assert d.code == "D032" and d.rows == (6,)


def test_numerator_above_the_lowest_of_repeated_denominators(tmp_path: Path) -> None:
    """Repeated denominators are D030, and a numerator is checked against the lowest of them
    (90 > 80, though not > 95); every problem is reported, in the order of the checks."""
    rows = [
        *GOOD,
        "P002,2014-15,numerator,DM007,90",  # row 6
        "P002,2014-15,denominator,DM007,95",  # row 7
        "P002,2014-15,denominator,DM007,80",  # row 8
        "P999,2014-15,list_size,,100",  # row 9
    ]
    with pytest.raises(qframe.DataError) as info:
        load_dataset(write(tmp_path, rows))
    found = [(d.code, d.rows) for d in info.value.diagnostics]
    assert found == [("D030", (7, 8)), ("D031", (9,)), ("D032", (6,))]
    rows[7] = "P002,2014-15,denominator,DM007,92"  # the lowest now 92: 90 is within it
    with pytest.raises(qframe.DataError) as info:
        load_dataset(write(tmp_path, rows))
    assert [d.code for d in info.value.diagnostics] == ["D030", "D031"]


def test_unknown_practice(tmp_path: Path) -> None:
    d = fault(tmp_path, [*GOOD, "P999,2014-15,list_size,,100"])
    assert d.code == "D031" and "P999" in d.message and d.rows == (6,)


def test_unreadable_period(tmp_path: Path) -> None:
    d = fault(tmp_path, [*GOOD, "P002,2014/15,register,DM,3"])
    assert d.code == "D023" and "2014-15Q1" in d.hint


def test_duplicate_unit(tmp_path: Path) -> None:
    d = fault(tmp_path, GOOD, UNITS + "P001,Again,C2\n")
    assert d.code == "D012" and d.rows == (2, 4)


def test_unit_without_measures_is_a_warning(tmp_path: Path) -> None:
    ds = load_dataset(write(tmp_path, GOOD, UNITS + "P003,Three,C2\n"))
    assert [w.code for w in ds.warnings] == ["D040"]
    assert ds.warnings[0].rows == (4,)


def test_many_rows_are_summarised(tmp_path: Path) -> None:
    rows = GOOD + [f"P002,2014-15,numerator,X{i},-1" for i in range(20)]
    d = fault(tmp_path, rows)
    assert d.row_count == 20 and len(d.rows) == 5
    assert "(and 15 more)" in d.render()


def test_parquet_folder(tmp_path: Path) -> None:
    ds = synth.generate(20, seed=3)
    synth.write(ds, str(tmp_path / "pq"), "parquet")
    again = load_dataset(tmp_path / "pq")
    assert len(again.measures) == len(ds.measures)
    pd.testing.assert_series_equal(again.measures["value"], ds.measures["value"], check_names=False)


def test_period_labels() -> None:
    assert period_ordinal("2014-15") == 2014 and period_label(2015, "year") == "2015-16"
    assert period_label(period_ordinal("2014-15Q4") + 1, "quarter") == "2015-16Q1"
    assert period_label(1999, "year") == "1999-00"


def test_synthetic_data_is_deterministic() -> None:
    a, b = synth.generate(50, seed=7), synth.generate(50, seed=7)
    pd.testing.assert_frame_equal(a.measures, b.measures)
    assert not synth.generate(50, seed=8).measures.equals(a.measures)
    assert a.units["unit_id"].str.match(r"^S\d{5}$").all()  # synthetic ids only


def test_bundled_sample_evaluates_with_qof() -> None:
    root = Path(__file__).parents[1]
    result = qframe.load(root / "frameworks" / "qof_2014").evaluate(root / "data" / "sample")
    assert result.units["unit_id"].nunique() == 300
    points = result.units["points"]
    assert points.min() > 0 and points.max() <= 559


def test_year_labels_must_be_consecutive_years(tmp_path: Path) -> None:
    d = fault(tmp_path, [*GOOD, "P002,2014-16,register,DM,3"])
    assert d.code == "D023" and d.rows == (6,) and "2014-16" in d.message


def test_text_that_is_not_utf8_names_the_row(tmp_path: Path) -> None:
    folder = write(tmp_path, GOOD)
    (folder / "units.csv").write_bytes(b"unit_id,name\nP001,One\nP002,K" + b"\xf6ln\n")
    with pytest.raises(qframe.DataError) as info:
        load_dataset(folder)
    (d,) = info.value.diagnostics
    assert d.code == "D004" and d.rows == (3,) and "CSV UTF-8" in d.hint


def test_categorical_labels_are_stripped_and_merged() -> None:
    """Labels that differ only by spaces are one label: their rows repeat each other."""
    units = pd.DataFrame({"unit_id": ["P001", "P002"]})
    measures = pd.DataFrame(
        {
            "unit_id": pd.Categorical([" P001", "P001", "P002"]),
            "period": ["2014-15"] * 3,
            "measure": pd.Categorical(["list_size"] * 3),
            "value": [1.0, 2.0, 3.0],
        }
    )
    with pytest.raises(qframe.DataError) as info:
        qframe.Dataset.from_frames(units, measures)
    (d,) = info.value.diagnostics
    assert d.code == "D030" and d.rows == (2, 3)


def test_parquet_reads_like_csv(tmp_path: Path) -> None:
    """Numbers in a text column are read as text, a missing key is empty, as from CSV."""
    folder = write(tmp_path, GOOD)
    csv = load_dataset(folder)
    measures = pd.read_csv(folder / "measures.csv", dtype=str, keep_default_na=False)
    measures["value"] = measures["value"].astype(float)
    measures["key"] = measures["key"].replace("", None)
    (folder / "measures.csv").unlink()
    measures.to_parquet(folder / "measures.parquet", index=False)
    parquet = load_dataset(folder)
    pd.testing.assert_frame_equal(parquet.measures, csv.measures, check_categorical=False)
    assert parquet.measures["unit_id"].dtype == "category"

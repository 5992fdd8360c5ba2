"""Record-level data: loading a record folder with DuckDB and the checks of bad records
(docs/records.md): each problem is counted, shown with example rows, and nothing is dropped."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT

from qframe.data.records.checks import check_after_date, check_value_units
from qframe.data.records.clusters import read_cluster, read_clusters
from qframe.data.records.load import load_records
from qframe.errors.diagnostics import DataError, ExitCode, FileProblem

CODES = ROOT / "frameworks" / "qof_2014" / "codes"


def tables() -> dict[str, pd.DataFrame]:
    """A valid little record dataset: two practices, three patients."""
    return {
        "units": pd.DataFrame({"unit_id": ["S00001", "S00002"], "name": ["A", "B"]}),
        "patients": pd.DataFrame(
            {
                "patient_id": [1, 2, 3],
                "practice_id": ["S00001", "S00001", "S00002"],
                "date_of_birth": ["1950-01-01", "1980-06-15", "2010-03-31"],
                "sex": ["female", "male", "female"],
                "date_of_death": ["", "", ""],
            }
        ),
        "registrations": pd.DataFrame(
            {
                "patient_id": [1, 2, 3],
                "practice_id": ["S00001", "S00001", "S00002"],
                "start_date": ["2000-01-01", "2014-12-01", "2010-04-01"],
                "end_date": ["", "", ""],
            }
        ),
        "events": pd.DataFrame(
            {
                "patient_id": [1, 1, 2],
                "system": ["readv2", "readv2", "readv2"],
                "code": ["C10F.", "42W5.", "2469."],
                "date": ["2005-01-01", "2015-01-10", "2015-02-01"],
                "value": ["", "58", "135"],
                "unit": ["", "mmol/mol", "mmHg"],
            }
        ),
    }


def write(folder: Path, frames: dict[str, pd.DataFrame], manifest: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    if manifest:
        (folder / "manifest.json").write_text(json.dumps({"synthetic": True}))
    return folder


def problems(folder: Path) -> dict[str, str]:
    with pytest.raises(DataError) as info:
        load_records(folder)
    assert info.value.exit_code is ExitCode.DATA_ERROR
    found: dict[str, str] = {}
    for d in info.value.diagnostics:
        found[d.code] = found.get(d.code, "") + d.render() + "\n"
    return found


def test_a_valid_folder_loads_with_typed_views(tmp_path: Path) -> None:
    records = load_records(write(tmp_path / "r", tables()))
    assert records.warnings == ()
    assert records.count("patients") == 3 and records.count("events") == 3
    events = records.frame("events")
    assert str(events["date"].dtype).startswith("datetime64")
    assert events["value"].tolist()[1:] == [58.0, 135.0] and pd.isna(events["value"][0])
    assert records.manifest == {"synthetic": True}


def test_parquet_and_events_partitioned_by_practice(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    frames = tables()
    for name in ("units", "patients", "registrations"):
        frames[name].to_parquet(folder / f"{name}.parquet")
    events = frames["events"].assign(practice_id=["S00001", "S00001", "S00001"])
    part = folder / "events" / "practice_id=S00001"
    part.mkdir(parents=True)
    events.drop(columns="practice_id").to_parquet(part / "part-0.parquet")
    records = load_records(folder)
    assert records.count("events") == 3
    assert "practice_id" in records.frame("events").columns  # the partition column is kept
    assert [d.code for d in records.warnings] == ["R003"]  # no manifest.json


def test_no_folder_and_a_missing_table(tmp_path: Path) -> None:
    with pytest.raises(FileProblem) as info:
        load_records(tmp_path / "nowhere")
    assert info.value.diagnostics[0].code == "R001"
    frames = tables()
    del frames["registrations"]
    found = problems(write(tmp_path / "r", frames))
    assert "no registrations table" in found["R001"]


def test_missing_and_mistyped_columns(tmp_path: Path) -> None:
    frames = tables()
    frames["patients"] = frames["patients"].drop(columns="sex")
    assert "lacks column sex" in problems(write(tmp_path / "a", frames))["R010"]
    frames = tables()
    frames["events"].loc[2, "date"] = "2015-13-01"
    frames["events"].loc[1, "value"] = "high"
    found = problems(write(tmp_path / "b", frames))
    assert "1 events rows have a date that is not a date" in found["R011"]
    assert "date=2015-13-01" in found["R011"]
    assert "1 events rows have a value that is not a double (first: value=high)" in found["R011"]
    frames = tables()
    frames["registrations"].loc[0, "start_date"] = ""
    assert (
        "1 registrations rows have no start_date" in problems(write(tmp_path / "c", frames))["R012"]
    )


def test_duplicate_patients_are_counted_with_examples(tmp_path: Path) -> None:
    frames = tables()
    frames["patients"] = pd.concat([frames["patients"]] * 3, ignore_index=True)
    frames["patients"]["patient_id"] = [1, 2, 3, 1, 2, 3, 1, 2, 3]
    frames["patients"].loc[8, "patient_id"] = 9  # 9 has a row of its own
    message = problems(write(tmp_path / "r", frames))["R020"]
    assert "3 patient ids are repeated" in message
    assert "patient_id=1, times=3; patient_id=2, times=3; patient_id=3, times=2" in message


def test_relations_between_tables(tmp_path: Path) -> None:
    frames = tables()
    frames["patients"].loc[2, "practice_id"] = "S99999"
    frames["events"].loc[0, "date"] = "1949-12-31"  # before patient 1's birth
    frames["events"].loc[1, "system"] = "read2"
    frames["registrations"].loc[1, "end_date"] = "2014-11-30"  # before its start
    found = problems(write(tmp_path / "r", frames))
    assert "1 patients are at a practice the units table does not have" in found["R021"]
    assert "patient_id=3, practice_id=S99999" in found["R021"]
    assert "1 events are dated before the patient's birth" in found["R030"]
    assert "1 events use a code system qframe does not know" in found["R032"]
    assert "1 registrations end before they start" in found["R023"]


def test_more_than_five_examples_say_how_many_more(tmp_path: Path) -> None:
    frames = tables()
    many = pd.DataFrame(
        {
            "patient_id": 2,
            "system": "snomed",
            "code": [f"X{i}" for i in range(8)],
            "date": "2015-01-01",
            "value": "",
            "unit": "",
        }
    )
    frames["events"] = pd.concat([frames["events"], many], ignore_index=True)
    diagnostic = next(d for d in _errors(write(tmp_path / "r", frames)) if d.code == "R032")
    assert diagnostic.row_count == 8
    assert "code=X4" in diagnostic.message and "code=X5" not in diagnostic.message
    assert "and 3 more" in diagnostic.message


def _errors(folder: Path) -> list:
    with pytest.raises(DataError) as info:
        load_records(folder)
    return info.value.diagnostics


def test_warnings_do_not_stop_the_load(tmp_path: Path) -> None:
    frames = tables()
    frames["events"].loc[1, "unit"] = "percent"
    frames["patients"].loc[0, "sex"] = "F"
    records = load_records(write(tmp_path / "r", frames))
    assert sorted(d.code for d in records.warnings) == ["R013", "R033"]
    assert records.count("events") == 3  # nothing dropped


def test_events_after_a_reference_date(tmp_path: Path) -> None:
    frames = tables()
    frames["events"].loc[2, "date"] = "2015-04-01"
    records = load_records(write(tmp_path / "r", frames))
    assert check_after_date(records, dt.date(2015, 4, 1)) == []
    (found,) = check_after_date(records, dt.date(2015, 3, 31))
    assert found.code == "R031" and found.row_count == 1 and not found.is_error


def test_values_against_their_clusters_unit(tmp_path: Path) -> None:
    frames = tables()
    frames["events"].loc[1, "unit"] = "%"  # HbA1c in % is not mmol/mol
    frames["events"].loc[2, "unit"] = ""  # a BP value without its unit
    records = load_records(write(tmp_path / "r", frames))
    clusters = read_clusters(CODES)
    found = {d.code: d for d in check_value_units(records, clusters.values())}
    assert (
        found["R035"].is_error
        and "IFCCHBAM_COD values are not in mmol/mol" in found["R035"].message
    )
    assert not found["R034"].is_error and "BPSYS_COD values have no unit" in found["R034"].message


def test_shipped_clusters_are_versioned_and_sourced_or_marked_illustrative() -> None:
    clusters = read_clusters(CODES)
    groups = ("DM", "HYP", "CHD", "AF", "STIA", "CKD")
    assert all(f"{g}_COD" in clusters for g in groups)
    codes = {c.code: c for cluster in clusters.values() for c in cluster.codes}
    for sourced in (
        "42W5.",
        "9h41.",
        "9h42.",
        "8BL0.",
        "8BL2.",
        "8I3Y.",
        "41M..",
        "38DE.",
        "8B2K.",
        "2469.",
    ):
        assert codes[sourced].status == "sourced", sourced
    for cluster in clusters.values():
        assert cluster.version == "qof-2014-15-v1" and cluster.source
        assert all(c.system == "readv2" for c in cluster.codes)
        if all(c.status == "illustrative" for c in cluster.codes):
            assert "illustrative" in cluster.source
    assert clusters["IFCCHBAM_COD"].unit == "mmol/mol" and clusters["BPSYS_COD"].unit == "mmHg"


def test_a_malformed_cluster_file(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("# title: no name\ncode,system\n42W5.,readv2\n")
    with pytest.raises(DataError) as info:
        read_cluster(path)
    assert {d.code for d in info.value.diagnostics} == {"R040"}


def test_the_docs_list_every_column_and_check() -> None:
    from qframe.data.records.model import TABLES
    from qframe.errors.catalogue import CATALOGUE

    docs = (ROOT / "docs" / "records.md").read_text(encoding="utf-8")
    for table in TABLES.values():
        for column in table.columns:
            assert f"| {table.name} | `{column.name}`" in docs, (table.name, column.name)
    for entry in CATALOGUE:
        if entry.code.startswith("R0"):
            assert f"| {entry.code} | {entry.level.value} |" in docs, entry.code

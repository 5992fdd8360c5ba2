"""Data files that are not what they seem (issue 15): a CSV row with fewer or more fields than
its header is an error naming the file and its lines (never padded with empty cells), and a data
path that is a named pipe, a device or a folder is refused before a byte is read (never a hang).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import MINI, ROOT

from qframe.data.load import load_dataset
from qframe.data.readers import read_nhsd_files
from qframe.data.records.load import load_records
from qframe.errors.diagnostics import DataError, Diagnostic, ExitCode, FileProblem

NHSD_PREVALENCE = ROOT / "tests" / "fixtures" / "nhsd" / "qof_1819" / "PREVALENCE_1819_v2.csv"
pipes = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def record_folder(folder: Path) -> Path:
    """A valid little record folder (CSV): one practice, two patients, two events."""
    folder.mkdir(parents=True)
    tables = {
        "units": {"unit_id": ["S00001"], "name": ["A"]},
        "patients": {
            "patient_id": [1, 2],
            "practice_id": ["S00001", "S00001"],
            "date_of_birth": ["1950-01-01", "1980-06-15"],
            "sex": ["female", "male"],
            "date_of_death": ["", ""],
        },
        "registrations": {
            "patient_id": [1, 2],
            "practice_id": ["S00001", "S00001"],
            "start_date": ["2000-01-01", "2014-12-01"],
            "end_date": ["", ""],
        },
        "events": {
            "patient_id": [1, 1],
            "system": ["readv2", "readv2"],
            "code": ["C10F.", "42W5."],
            "date": ["2005-01-01", "2015-01-10"],
            "value": ["", "58"],
            "unit": ["", "mmol/mol"],
        },
    }
    for name, columns in tables.items():
        pd.DataFrame(columns).to_csv(folder / f"{name}.csv", index=False)
    (folder / "manifest.json").write_text('{"synthetic": true}', encoding="utf-8")
    load_records(folder)  # valid as written
    return folder


def mini_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(MINI / "data", folder)
    return folder


def edit_line(file: Path, number: int, text: str) -> None:
    """Replace line ``number`` (1-based, the header is line 1)."""
    lines = file.read_text(encoding="utf-8").splitlines()
    lines[number - 1] = text
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")


def only(info: pytest.ExceptionInfo[DataError], code: str) -> list[Diagnostic]:
    found = [d for d in info.value.diagnostics if d.code == code]
    assert found, info.value.render()
    return found


# ---------------------------------------------------------------- ragged rows


def test_a_short_measures_row_is_an_error_naming_file_lines_and_count(tmp_path: Path) -> None:
    folder = mini_copy(tmp_path)
    measures = folder / "measures.csv"
    edit_line(measures, 3, "P001,2014-15,register")  # 3 of 5 fields
    edit_line(measures, 5, "P002,2014-15")  # 2 of 5
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    assert info.value.exit_code is ExitCode.DATA_ERROR
    (problem,) = only(info, "D005")
    assert problem.path == str(measures)
    assert problem.rows == (3, 5) and problem.row_count == 2
    assert "fewer fields than the header's 5" in problem.message
    assert "line 3 has 3" in problem.message
    assert "add the missing cells" in problem.hint


def test_a_long_measures_row_is_an_error_too(tmp_path: Path) -> None:
    folder = mini_copy(tmp_path)
    measures = folder / "measures.csv"
    edit_line(measures, 4, "P001,2014-15,register,DM,520,7")
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    (problem,) = only(info, "D005")
    assert problem.rows == (4,) and "more fields than the header's 5" in problem.message
    assert "double quotes" in problem.hint


def test_many_short_rows_show_the_first_five_and_the_count(tmp_path: Path) -> None:
    folder = mini_copy(tmp_path)
    units = folder / "units.csv"
    text = units.read_text(encoding="utf-8").splitlines()
    units.write_text("\n".join([*text, *(f"X{i}" for i in range(7))]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_dataset(folder)
    (problem,) = only(info, "D005")
    first = len(text) + 1
    assert problem.path == str(units)
    assert problem.rows == tuple(range(first, first + 5)) and problem.row_count == 7
    assert "(and 2 more)" in problem.render()


def test_a_quoted_comma_and_a_blank_line_are_not_ragged(tmp_path: Path) -> None:
    folder = mini_copy(tmp_path)
    units = folder / "units.csv"
    edit_line(units, 2, 'P001,"Worked example practice, the first",C1')
    units.write_text(units.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    ds = load_dataset(folder)
    assert "Worked example practice, the first" in set(ds.units["name"])


def test_a_short_row_in_an_nhs_digital_file(tmp_path: Path) -> None:
    copy = tmp_path / "PREVALENCE_1819_v2.csv"
    shutil.copy(NHSD_PREVALENCE, copy)
    edit_line(copy, 3, "A81001,AST,310")
    with pytest.raises(DataError) as info:
        read_nhsd_files([copy])
    (problem,) = only(info, "D005")
    assert problem.path == str(copy) and problem.rows == (3,)


def test_a_short_row_in_a_record_table(tmp_path: Path) -> None:
    folder = record_folder(tmp_path / "records")
    events = folder / "events.csv"
    lines = events.read_text(encoding="utf-8").splitlines()
    lines[2] = "1,readv2,42W5.,2015-01-10"  # 4 of 6 fields
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_records(folder)
    (problem,) = only(info, "D005")
    assert problem.path == str(events) and problem.rows == (3,)
    assert "fewer fields than the header's 6" in problem.message


# ---------------------------------------------------------------- not regular files


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in a child process: a hang fails the test instead of stopping the suite."""
    return subprocess.run(
        [sys.executable, "-m", "qframe", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@pipes
def test_a_named_pipe_as_measures_csv_is_refused_not_waited_on(tmp_path: Path) -> None:
    folder = mini_copy(tmp_path)
    (folder / "measures.csv").unlink()
    os.mkfifo(folder / "measures.csv")
    done = run_cli("evaluate", str(MINI), "--data", str(folder), "--out", str(tmp_path / "o"))
    assert done.returncode == ExitCode.FILE_ERROR
    assert "D006" in done.stderr and "not a regular file" in done.stderr
    assert str(folder / "measures.csv") in done.stderr
    assert "Traceback" not in done.stderr


@pipes
def test_a_named_pipe_given_as_the_data_file(tmp_path: Path) -> None:
    pipe = tmp_path / "data.xlsx"
    os.mkfifo(pipe)
    with pytest.raises(FileProblem) as info:
        load_dataset(pipe)
    assert [d.code for d in info.value.diagnostics] == ["D006"]
    nhsd = tmp_path / "PREVALENCE_1819_v2.csv"
    os.mkfifo(nhsd)
    with pytest.raises(FileProblem):
        read_nhsd_files([nhsd])


def test_a_folder_named_like_a_table_is_refused(tmp_path: Path) -> None:
    folder = mini_copy(tmp_path)
    (folder / "units.csv").unlink()
    (folder / "units.csv").mkdir()
    with pytest.raises(FileProblem) as info:
        load_dataset(folder)
    (problem,) = info.value.diagnostics
    assert problem.code == "D006" and "is a folder, not a file" in problem.message


@pipes
def test_a_named_pipe_in_a_record_folder(tmp_path: Path) -> None:
    folder = record_folder(tmp_path / "records")
    events = (folder / "events.csv").read_text(encoding="utf-8")
    (folder / "events.csv").unlink()
    os.mkfifo(folder / "events.csv")
    with pytest.raises(FileProblem) as info:
        load_records(folder)
    assert "not a regular file" in info.value.diagnostics[0].message
    (folder / "events.csv").unlink()
    (folder / "events").mkdir()
    os.mkfifo(folder / "events" / "part-0.csv")  # a partition that is a pipe
    with pytest.raises(FileProblem):
        load_records(folder)
    shutil.rmtree(folder / "events")
    (folder / "events.csv").write_text(events, encoding="utf-8")
    (folder / "manifest.json").unlink()
    os.mkfifo(folder / "manifest.json")
    with pytest.raises(FileProblem):
        load_records(folder)

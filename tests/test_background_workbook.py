"""comparison.xlsx written by a worker process (qframe.results.background) while the report is
written: the same bytes as written in one process, the worker's errors raised for people, a
worker that dies is C009 with no half-written file, and no worker needed to write at all."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import run

from qframe.errors.diagnostics import ExitCode, FileProblem
from qframe.results import background
from qframe.results.background import BackgroundWorkbook
from qframe.tools.compare import Comparison, compare

FIX = Path(__file__).parent / "fixtures" / "compare"
FRAMEWORKS = [FIX / "capitation", FIX / "quality", FIX / "quarterly"]


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return compare(FRAMEWORKS, FIX / "data")


def test_worker_writes_the_same_files(comparison: Comparison, tmp_path: Path) -> None:
    here = comparison.write(tmp_path / "here", worker=False)
    there = comparison.write(tmp_path / "there", worker=True)
    assert [p.name for p in here] == [p.name for p in there]
    assert [p.name for p in there][-3:] == ["comparison.xlsx", "manifest.json", "report.html"]
    for a, b in zip(here, there, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_small_workbooks_are_written_here(comparison: Comparison) -> None:
    cells = sum(sheet.cells for sheet in comparison.workbook_sheets())
    assert cells <= comparison.workbook_cells() < background.WORKER_CELLS
    assert not background.worth_a_worker(comparison.workbook_cells())
    assert background.worth_a_worker(background.WORKER_CELLS)


def started(path: Path, comparison: Comparison) -> BackgroundWorkbook:
    """A worker given the comparison's sheets to write to ``path``."""
    book = BackgroundWorkbook(path, worker=True).start()
    assert book.process is not None
    book.write(comparison.workbook_sheets())
    return book


def test_an_error_in_the_worker_is_raised_as_it_was(comparison: Comparison, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    book = started(blocker / "comparison.xlsx", comparison)  # the worker finds the problem
    with book, pytest.raises(FileProblem) as caught:
        book.wait()
    assert [d.code for d in caught.value.diagnostics] == ["Q006"]
    assert f"{blocker} is a file, not a folder" in caught.value.render()
    assert caught.value.exit_code == ExitCode.FILE_ERROR


def test_a_worker_that_dies_is_c009_and_leaves_no_file(
    comparison: Comparison, tmp_path: Path
) -> None:
    target = tmp_path / "comparison.xlsx"
    with started(target, comparison) as book:
        assert book.process is not None
        book.process.kill()  # as the system would kill it when out of memory
        with pytest.raises(FileProblem) as caught:
            book.wait()
    text = caught.value.render()
    assert "C009" in text and f"{target} could not be written" in text
    assert "exit code -9" in text and "run the command again" in text
    assert "Traceback" not in text
    assert not target.exists()


def test_leaving_early_stops_the_worker(comparison: Comparison, tmp_path: Path) -> None:
    target = tmp_path / "comparison.xlsx"
    with pytest.raises(KeyboardInterrupt), started(target, comparison) as book:
        process = book.process
        raise KeyboardInterrupt
    assert process is not None and process.poll() is not None  # it was stopped and waited for
    assert not target.exists() or process.returncode == 0


def test_without_a_process_it_is_written_here(
    comparison: Comparison,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    with BackgroundWorkbook(tmp_path / "c.xlsx", worker=True) as book:
        assert book.process is None and not book.use_worker
        book.write(comparison.workbook_sheets())
        path = book.wait()
    assert path.read_bytes() == comparison.write_workbook(tmp_path / "d.xlsx").read_bytes()


def test_the_command_says_what_went_wrong_in_the_worker(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(background, "WORKER_CELLS", 0)  # the worker even for a small workbook
    monkeypatch.setattr(background, "WORKER_MODULE", "qframe.results.no_such_worker")
    out = tmp_path / "out"
    code, _, stderr = run(
        capfd, "compare", *map(str, FRAMEWORKS), "--data", str(FIX / "data"), "--out", str(out)
    )
    assert code == ExitCode.FILE_ERROR
    assert "error C009" in stderr and "comparison.xlsx could not be written" in stderr
    assert "(ImportError: No module named qframe.results.no_such_worker)" in stderr
    assert "hint: run the command again" in stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert (out / "report.html").exists() and not (out / "comparison.xlsx").exists()


def test_the_command_writes_the_same_workbook_through_the_worker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = [*map(str, FRAMEWORKS), "--data", str(FIX / "data"), "--out"]
    assert run(capsys, "compare", *args, str(tmp_path / "here"))[0] == 0
    monkeypatch.setattr(background, "WORKER_CELLS", 0)
    code, stdout, _ = run(capsys, "compare", *args, str(tmp_path / "there"))
    assert code == 0 and "comparison.xlsx" in stdout
    here, there = (tmp_path / d / "comparison.xlsx" for d in ("here", "there"))
    assert here.read_bytes() == there.read_bytes()


def test_the_worker_runs_this_qframe_whatever_the_working_folder(
    comparison: Comparison, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    impostor = tmp_path / "elsewhere" / "qframe"
    impostor.mkdir(parents=True)
    (impostor / "__init__.py").write_text("raise ImportError('not the qframe that started me')\n")
    monkeypatch.chdir(impostor.parent)
    with started(tmp_path / "c.xlsx", comparison) as book:
        path = book.wait()
    assert path.read_bytes() == comparison.write_workbook(tmp_path / "d.xlsx").read_bytes()

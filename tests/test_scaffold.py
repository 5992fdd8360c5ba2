"""`qframe init`: a new framework that validates without warnings, passes its own test and
evaluates on the sample data at once; an existing folder is never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run

import qframe
from qframe.errors.diagnostics import ExitCode, FileProblem
from qframe.tools import scaffold
from qframe.tools.testing import run_tests

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture()
def created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    code, out, err = run(capsys, "init", "my_framework", "--dir", str(tmp_path))
    assert code == ExitCode.OK, err
    folder = tmp_path / "my_framework"
    assert f"created {folder}/" in out and f"qframe test {folder}" in out
    return folder


def test_creates_the_three_files(created: Path) -> None:
    assert sorted(p.relative_to(created).as_posix() for p in created.rglob("*")) == [
        "README.md",
        "framework.yaml",
        "tests",
        "tests/example.yaml",
    ]
    text = (created / "framework.yaml").read_text(encoding="utf-8")
    for section in ("parameters:", "inputs:", "define:", "rules:", "kinds:", "indicators:"):
        assert f"\n{section}" in text
    assert "\ntotals:" in text and "id: my_framework" in text
    assert text.count("\n# ") >= 8  # commented section by section
    readme = (created / "README.md").read_text(encoding="utf-8")
    assert "Where every number comes from" in readme and "Assumptions" in readme


def test_validates_without_warnings(created: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert qframe.validate(created) == []
    code, out, err = run(capsys, "validate", "--strict", str(created))
    assert code == ExitCode.OK and f"{created}: ok" in out and err == ""


def test_passes_its_own_test(created: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = run_tests(created)
    assert [r.status for r in results] == ["pass"], [r.report() for r in results]
    assert results[0].compared >= 20
    code, out, _ = run(capsys, "test", str(created))
    assert code == ExitCode.OK and out.rstrip().endswith("1 passed, 0 failed")


def test_evaluates_on_the_sample_data(created: Path) -> None:
    fw = qframe.load(created)
    assert fw.indicators == ("DM017", "DM007", "BP002")
    result = fw.evaluate(SAMPLE)
    units = result.units
    assert units["unit_id"].nunique() == 300
    assert units["payment"].notna().all() and result.total("payment", period="2015-16") > 0
    assert (units["available_points"] == 38).all()
    assert set(result.indicators["status"].astype(str)) <= {"ok", "zero_denominator"}


def test_evaluate_command_works_at_once(
    created: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "evaluate", str(created), "--data", str(SAMPLE), "--out", str(tmp_path / "out")
    )
    assert code == ExitCode.OK, err
    assert "my_framework 0.1: 300 units" in out


def test_refuses_to_overwrite(created: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (created / "framework.yaml").write_text("mine\n", encoding="utf-8")
    code, out, err = run(capsys, "init", "my_framework", "--dir", str(created.parent))
    assert code == ExitCode.FILE_ERROR == 4
    assert f"{created} already exists" in err and "hint: qframe init never overwrites" in err
    assert "Traceback" not in err and out == ""
    assert (created / "framework.yaml").read_text(encoding="utf-8") == "mine\n"
    with pytest.raises(FileProblem):
        scaffold.create("my_framework", created.parent)


def test_name_becomes_an_identifier(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = scaffold.create("My-Scheme 2025", tmp_path)
    assert folder.name == "My-Scheme 2025"
    assert qframe.load(folder).id == "my_scheme_2025"
    code, _, err = run(capsys, "init", "2025", "--dir", str(tmp_path))
    assert code == ExitCode.USAGE and "starts with a letter" in err
    assert not (tmp_path / "2025").exists()


def test_default_parent_is_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(capsys, "init", "here")
    assert code == 0 and (tmp_path / "here" / "framework.yaml").exists()


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "init", "--help")
    assert code == 0 and "Example:" in out and "qframe init" in out

"""Docs and first-run snags (issue 15): what a new user meets on the first day."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomllib
from conftest import run

import qframe
from qframe.tools.explain import explain

ROOT = Path(__file__).parents[1]
MINI = Path(__file__).parent / "fixtures" / "mini"


def test_the_readme_creates_the_variant_it_diffs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    made = text.index("cp -r frameworks/qof_2014 my_variant")
    assert made < text.index("qframe diff frameworks/qof_2014 my_variant")


def test_the_readme_warns_about_a_folder_named_qframe() -> None:
    assert "shadows the\ninstalled package" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_compare_with_one_framework_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, "compare", str(MINI), "--data", str(MINI / "data"), "--out", str(tmp_path / "c")
    )
    assert code == 0 and "nothing to compare it with" in err


def test_the_nhs_spelling_of_a_year_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    fw = qframe.load(MINI)
    assert fw.evaluate(MINI / "data", periods=["2014/15"]).units["period"].tolist() == [
        "2014-15",
        "2014-15",
    ]
    assert explain(fw, MINI / "data", "P001", period="2014/15").period == "2014-15"
    code, out, err = run(
        capsys, "evaluate", str(MINI), "--data", str(MINI / "data"), "--period", "2014/15",
        "--out", "/tmp/qframe-first-run",
    )  # fmt: skip
    assert code == 0, err
    assert "total payment 2014-15" in out


def test_definition_format_documents_every_field_the_shipped_frameworks_use() -> None:
    text = (ROOT / "docs" / "definition-format.md").read_text(encoding="utf-8")
    for field in ("`outcome`", "`rounded`", "`measure`", "`combine`"):
        assert re.search(rf"^\| {re.escape(field)} \|", text, re.M) or f"\n{field}" in text, field


def test_cli_reference_documents_every_command() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for command in ("explain", "sweep", "calibrate", "uncertainty", "scenarios"):
        assert f"## `qframe {command}`" in text, command


def test_the_licence_is_an_spdx_string() -> None:
    """A `license = {text = ...}` table makes setuptools print a deprecation banner on install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT"


def test_the_sweep_help_example_pastes() -> None:
    from qframe.cli.scenarios import sweep_command

    assert '--sweep "point_value=150..200 step 5"' in (sweep_command.help or "")

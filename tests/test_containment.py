"""Files outside what the user asked for (issue 15): results never written through a link; init
makes its folder inside --dir only; a test file's data and a scenario file's framework stay
within their folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import qframe
from qframe.cli.main import main
from qframe.errors.diagnostics import QframeError
from qframe.tools import scaffold
from qframe.tools.scenarios import load_scenarios
from qframe.tools.testing import run_tests

ROOT = Path(__file__).parents[1]
MINI = Path(__file__).parent / "fixtures" / "mini"


def test_results_are_not_written_through_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "units.csv").symlink_to(outside)
    qframe.load(MINI).evaluate(MINI / "data").write(out)
    assert outside.read_text(encoding="utf-8") == "keep me\n"
    assert not (out / "units.csv").is_symlink() and "unit_id" in (out / "units.csv").read_text()


@pytest.mark.parametrize("name", ["../x", "a/b", "/tmp/x", ".."])
def test_init_makes_its_folder_inside_dir_only(tmp_path: Path, name: str) -> None:
    with pytest.raises(QframeError) as raised:
        scaffold.create(name, tmp_path / "inside")
    assert raised.value.diagnostics[0].code == "I003"
    assert not (tmp_path / "x").exists()


def test_a_test_files_data_stays_in_the_framework_folder(tmp_path: Path) -> None:
    framework = tmp_path / "fw"
    shutil.copytree(MINI, framework)
    shutil.copytree(MINI / "data", tmp_path / "elsewhere")
    (framework / "tests" / "outside.yaml").write_text(
        "name: reads outside\ndata: ../../elsewhere\nexpect:\n  units:\n"
        "    - {unit: P001, period: 2014-15, payment: £5534.28}\n",
        encoding="utf-8",
    )
    results = run_tests(framework)
    bad = next(r for r in results if r.name == "reads outside")
    assert [d.code for d in bad.errors] == ["T005"]
    assert [r.passed for r in results if r.name != "reads outside"] == [True] * (len(results) - 1)


def test_a_scenario_files_framework_stays_in_its_folder(tmp_path: Path) -> None:
    scenario = tmp_path / "deep" / "s.yaml"
    scenario.parent.mkdir()
    scenario.write_text("framework: /etc/passwd\nscenarios:\n  baseline: {}\n", encoding="utf-8")
    with pytest.raises(QframeError) as raised:
        load_scenarios(scenario)
    assert [d.code for d in raised.value.diagnostics] == ["S007"]
    assert "root:" not in str(raised.value)


def test_the_shipped_scenario_file_still_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    runs, _ = load_scenarios(Path("examples/scenarios/qof_variants.yaml"))
    assert runs and runs[0].framework.id == "qof_2014"


def test_cli_init_with_a_path_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["init", "../escape", "--dir", str(tmp_path)])
    assert done.value.code == 64 and "I003" in capsys.readouterr().err

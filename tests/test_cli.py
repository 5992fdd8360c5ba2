"""The command line: exit codes, messages for people, never a traceback."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import Terminal, replace_every, replace_once, run

from qframe.cli.main import cli
from qframe.errors.diagnostics import ExitCode

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parents[1]


def test_validate_clean(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(FIXTURES / "mini"))
    assert code == ExitCode.OK and "ok" in out


def test_validate_broken_lists_every_error_with_caret(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", str(FIXTURES / "broken"))
    assert code == ExitCode.DEFINITION_ERROR == 1
    assert "Traceback" not in err
    assert "framework.yaml:20:28: error Q201 unknown name `denominatr`" in err
    assert "framework.yaml:27:17: error Q310" in err
    assert "framework.yaml:16:6: error Q210 circular definition: a → b → a" in err
    assert "^~~~~~~~~~" in err and "hint: did you mean `denominator`" in err
    assert err.rstrip().endswith("8 errors, 2 warnings")


def test_validate_strict_warnings_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = replace_once(
        (FIXTURES / "mini" / "framework.yaml").read_text(),
        "parameters:\n",
        "parameters:\n  spare: 1\n",
    )
    (tmp_path / "framework.yaml").write_text(text)
    assert run(capsys, "validate", str(tmp_path))[0] == ExitCode.OK
    code, _, err = run(capsys, "validate", "--strict", str(tmp_path))
    assert code == ExitCode.WARNINGS == 2 and "W201" in err


def test_validate_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", "--format", "json", str(FIXTURES / "broken"))
    items = json.loads(out)
    assert code == 1 and {"file", "line", "col", "code", "message", "hint", "severity"} <= set(
        items[0]
    )


def test_evaluate_writes_tables_and_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    code, out, _ = run(
        capsys,
        "evaluate",
        str(FIXTURES / "mini"),
        "--data",
        str(FIXTURES / "mini" / "data"),
        "--out",
        str(out_dir),
    )
    assert code == 0
    assert "total payment 2014-15: £5,534.28" in out
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "checks.csv",
        "indicators.csv",
        "manifest.json",
        "units.csv",
    ]
    manifest = json.loads((out_dir / "manifest.json").read_text())
    assert manifest["parameters"]["point_value"] == "£156.92"


def test_evaluate_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pandas as pd

    code, _, _ = run(
        capsys,
        "evaluate",
        str(FIXTURES / "mini"),
        "--data",
        str(FIXTURES / "mini" / "data"),
        "--out",
        str(tmp_path),
        "--format",
        "parquet",
    )
    assert code == 0
    assert len(pd.read_parquet(tmp_path / "indicators.parquet")) == 6


def test_evaluate_broken_definition(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        "evaluate",
        str(FIXTURES / "broken"),
        "--data",
        str(FIXTURES / "mini" / "data"),
        "--out",
        str(tmp_path),
    )
    assert code == ExitCode.DEFINITION_ERROR and "Q201" in err and "Traceback" not in err


def test_evaluate_bad_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.csv").write_text("unit_id\nP001\n")
    (data / "measures.csv").write_text(
        "unit_id,period,measure,key,value\nP001,2014-15,list_size,,8,000\n"
    )
    code, _, err = run(
        capsys,
        "evaluate",
        str(FIXTURES / "mini"),
        "--data",
        str(data),
        "--out",
        str(tmp_path / "o"),
    )
    assert code == ExitCode.DATA_ERROR == 3 and "Traceback" not in err


def test_missing_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path / "nothing"))
    assert code == ExitCode.FILE_ERROR == 4 and "no such file or folder" in err
    code, _, err = run(
        capsys,
        "evaluate",
        str(FIXTURES / "mini"),
        "--data",
        str(tmp_path / "nodata"),
        "--out",
        str(tmp_path),
    )
    assert code == ExitCode.FILE_ERROR and "no such data folder" in err


def test_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "evaluate")
    assert code == ExitCode.USAGE == 64 and "Missing argument" in err


def test_internal_fault_is_reported_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import qframe.api

    def boom(path: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(qframe.api, "problems", boom)  # what validate checks with
    code, _, err = run(capsys, "validate", str(FIXTURES / "mini"))
    assert code == ExitCode.INTERNAL == 70
    assert "internal error: ZeroDivisionError: boom" in err and "Traceback" not in err


COMMANDS = sorted(cli.commands)  # every command registered, whichever module declares it


def examples(help_text: str) -> list[list[str]]:
    """The example command lines of a help text (the lines under `Example:` or `Start with:`, a
    trailing backslash joining the next line), as arguments after `qframe`; shell comments,
    redirections and pipes are cut off."""
    found: list[list[str]] = []
    inside, pending = False, ""
    for line in help_text.splitlines():
        stripped = line.strip()
        if stripped in ("Example:", "Examples:", "Start with:"):
            inside = True
            continue
        if inside and not stripped:
            inside = False
        if not inside:
            continue
        pending += stripped[:-1] + " " if stripped.endswith("\\") else stripped
        if stripped.endswith("\\"):
            continue
        words = shlex.split(pending, comments=True)
        pending = ""
        for stop in (">", "|"):
            if stop in words:
                words = words[: words.index(stop)]
        assert words[0] == "qframe", line
        found.append(words[1:])
    return found


def test_commands_are_all_tested() -> None:
    """The commands documented in docs/cli.md and the other guides are all registered."""
    assert {"validate", "evaluate", "synth", "schema", "reference", "test", "diff", "init"} | {
        "compare",
        "explain",
        "sweep",
        "calibrate",
        "uncertainty",
        "scenarios",
    } <= set(COMMANDS)


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0 and out.startswith("Usage: qframe [OPTIONS] COMMAND [ARGS]...")
    assert all(f"  {name} " in out for name in COMMANDS)
    assert examples(out)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0, out
    assert out.startswith(f"Usage: qframe {command} ")
    assert "Example" in out and f"qframe {command}" in out
    assert any(words[0] == command for words in examples(out))


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_example_in_the_help_parses(
    command: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each example command line shown by --help is accepted by the command line's parser."""
    code, out, _ = run(capsys, *([command] if command else []), "--help")
    assert code == 0
    for words in examples(out):
        name, args = words[0], words[1:]
        assert name in cli.commands, f"{name}: no such command ({' '.join(words)})"
        try:
            cli.commands[name].make_context(name, list(args))
        except click.ClickException as exc:
            pytest.fail(f"qframe {' '.join(words)}: {exc.format_message()}")


def test_schema_is_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0 and json.loads(out)["title"] == "qframe framework definition"
    code, out, _ = run(capsys, "schema", "--records")
    assert code == 0 and "records.yaml" in json.loads(out)["title"]


def test_console_script_runs_in_a_real_process(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "qframe"
    proc = subprocess.run(
        [str(exe), "validate", str(FIXTURES / "broken")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr and "Q201" in proc.stderr


def test_out_must_be_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "afile"
    target.write_text("")
    code, _, err = run(
        capsys,
        "evaluate",
        str(FIXTURES / "mini"),
        "--data",
        str(FIXTURES / "mini" / "data"),
        "--out",
        str(target),
    )
    assert (
        code == ExitCode.FILE_ERROR and "is a file, not a folder" in err and "Traceback" not in err
    )


def test_data_of_the_wrong_frequency_is_a_data_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.csv").write_text((FIXTURES / "mini" / "data" / "units.csv").read_text())
    (data / "measures.csv").write_text(
        replace_every(
            (FIXTURES / "mini" / "data" / "measures.csv").read_text(), "2014-15,", "2014-15Q1,"
        )
    )
    code, _, err = run(
        capsys,
        "evaluate",
        str(FIXTURES / "mini"),
        "--data",
        str(data),
        "--out",
        str(tmp_path / "o"),
    )
    assert (
        code == ExitCode.DATA_ERROR and "recorded by quarter" in err and "internal error" not in err
    )


def test_very_long_expressions_are_user_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (FIXTURES / "mini" / "framework.yaml").read_text()
    text = replace_once(
        text,
        "  achievement: numerator / denominator",
        "  achievement: " + "+".join(["numerator"] * 1500),
    )
    (tmp_path / "framework.yaml").write_text(text)
    code, _, err = run(capsys, "validate", str(tmp_path))
    # issue 15: the nesting limit (MAX_EXPRESSION_DEPTH) gives a located Q101, not a message
    # about Python's recursion
    assert code == ExitCode.DEFINITION_ERROR and "error Q101" in err and "levels deep" in err


def test_grouping_by_a_missing_attribute_points_at_the_definition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "units.csv").write_text("unit_id\nP1\nP2\nP3\nP4\nP5\nP6\n")
    (data / "measures.csv").write_text(
        (FIXTURES / "clusters" / "data" / "measures.csv").read_text()
    )
    code, _, err = run(
        capsys,
        "evaluate",
        str(FIXTURES / "clusters"),
        "--data",
        str(data),
        "--out",
        str(tmp_path / "o"),
    )
    assert code == ExitCode.DATA_ERROR
    assert (
        "framework.yaml:" in err
        and "no column `cluster`" in err
        and "add a `cluster` column" in err
    )


# ---------------------------------------------------------------- progress on a terminal


def test_progress_is_drawn_only_on_a_terminal_and_not_when_quiet() -> None:
    from qframe.results.progress import Progress

    screen = Terminal()
    with Progress("comparing", total=2, stream=screen) as bar:  # type: ignore[arg-type]
        bar.advance("evaluated qof_2014")
        bar.advance("report written")
    assert "comparing" in screen.text and "report written" in screen.text
    assert "100%" in screen.text
    for stream, quiet in ((Terminal(), True), (Terminal(tty=False), False)):
        with Progress("comparing", total=2, quiet=quiet, stream=stream) as bar:  # type: ignore[arg-type]
            bar.advance("evaluated qof_2014")
        assert stream.text == "" and bar.done == 1


def test_long_commands_take_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).parents[1]
    code, out, err = run(
        capsys,
        "evaluate",
        str(root / "frameworks" / "qof_2014"),
        "--data",
        str(root / "data" / "sample"),
        "--out",
        str(tmp_path / "ev"),
        "--period",
        "2014-15",
        "--quiet",
    )
    assert code == ExitCode.OK, err
    assert "evaluating" not in err and "total payment 2014-15" in out
    for command in ("compare", "evaluate"):
        assert "--quiet" in run(capsys, command, "--help")[1]


def decimals(values: list[str]) -> int:
    """The most decimal places among numbers written as text."""
    return max((len(v.split(".")[1]) for v in values if "." in v and "e" not in v), default=0)


def test_tidy_csv_to_a_stated_precision(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 14: money to the penny, money per patient to 4 places, the rest to 6 (CSV only)."""
    import csv

    root = Path(__file__).parents[1]
    out = tmp_path / "ev"
    args = ["--data", str(root / "data" / "sample"), "--period", "2015-16", "--quiet"]
    code, _, err = run(
        capsys, "evaluate", str(root / "frameworks" / "somerset_pqs"), *args, "--out", str(out)
    )
    assert code == ExitCode.OK, err
    with (out / "units.csv").open(encoding="utf-8") as handle:
        units = list(csv.DictReader(handle))
    for column in ("payment", "protected_value", "withheld", "retained_payment"):
        assert decimals([row[column] for row in units]) <= 2, column
    assert decimals([row["protected_points"] for row in units]) == 6  # not money: 6 places
    # units carries each practice's list size: £ per patient needs no join
    first = next(row for row in units if row["unit_id"] == "S00001")
    assert float(first["list_size"]) == 6558 and float(first["payment"]) > 0
    with (out / "indicators.csv").open(encoding="utf-8") as handle:
        indicators = list(csv.DictReader(handle))
    assert decimals([row["payment"] for row in indicators]) <= 2
    assert decimals([row["achievement"] for row in indicators]) <= 6
    code, _, err = run(
        capsys,
        "compare",
        str(root / "frameworks" / "qof_2014"),
        str(root / "frameworks" / "somerset_pqs"),
        "--data",
        str(root / "data" / "sample"),
        "--out",
        str(tmp_path / "cmp"),
        "--quiet",
    )
    assert code == ExitCode.OK, err
    with (tmp_path / "cmp" / "practices.csv").open(encoding="utf-8") as handle:
        practices = list(csv.DictReader(handle))
    assert decimals([row["payment"] for row in practices]) <= 2
    assert decimals([row["difference"] for row in practices]) <= 2
    assert decimals([row["payment_per_patient"] for row in practices]) == 4
    assert decimals([row["ratio"] for row in practices]) <= 6


def test_a_failing_error_check_sets_the_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 15, wrong results 6: a check of `severity: error` that fails changes evaluate's
    exit code (results still written); a warning check does not."""
    import shutil

    folder = tmp_path / "clusters"
    shutil.copytree(FIXTURES / "clusters", folder)
    data = str(FIXTURES / "clusters" / "data")
    code, _, _ = run(capsys, "evaluate", str(folder), "--data", data, "--out", str(tmp_path / "a"))
    assert code == ExitCode.OK  # its failing checks are warnings
    text = (folder / "framework.yaml").read_text(encoding="utf-8")
    (folder / "framework.yaml").write_text(
        text.replace("    per: cluster\n", "    per: cluster\n    severity: error\n", 1),
        encoding="utf-8",
    )
    code, _, err = run(
        capsys, "evaluate", str(folder), "--data", data, "--out", str(tmp_path / "b")
    )
    assert code == ExitCode.CHECK_FAILED == 5
    assert "check cluster_size (severity: error) failed" in err
    assert (tmp_path / "b" / "checks.csv").exists()

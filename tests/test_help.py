"""`--help` for every command of the CLI (read from the CLI itself, so a new command is covered):
it exits 0, says what the command does and shows an example of its use."""

from __future__ import annotations

import click
import pytest
from conftest import run

from qframe.cli.main import cli

COMMANDS = sorted(cli.commands)


def test_there_are_commands_to_check() -> None:
    assert len(COMMANDS) >= 14


@pytest.mark.parametrize("command", COMMANDS)
def test_help_with_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, command, "--help")
    assert code == 0 and err == ""
    assert out.startswith(f"Usage: qframe {command} ")
    assert "Example" in out and f"qframe {command}" in out
    assert "--help" in out


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    listed = out.split("Commands:", 1)[1]
    for command in COMMANDS:
        assert f"  {command} " in listed, command


@pytest.mark.parametrize("command", COMMANDS)
def test_summary_listed_without_import_is_the_commands_own(command: str) -> None:
    """`qframe --help` lists each command from its summary in qframe.cli.main, without importing
    it: the summary must shorten to the command's own help at any width."""
    from qframe.cli.main import COMMANDS as REGISTERED
    from qframe.cli.main import SUMMARIES

    real = REGISTERED[command]
    listed = click.Command(command, help=SUMMARIES[command])
    for limit in (30, 45, 80, 120, 400):
        assert listed.get_short_help_str(limit) == real.get_short_help_str(limit)


def test_top_level_help_imports_no_command() -> None:
    """`qframe --help` is quick: it imports none of the commands' modules."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from qframe.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('qframe.cli.') and m not in "
        "('qframe.cli.main', 'qframe.cli.messages')))\n"
        "print(sorted(m for m in ('pandas', 'numpy', 'pyarrow') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    lines = done.stdout.strip().splitlines()
    assert lines[-2:] == ["[]", "[]"], done.stdout

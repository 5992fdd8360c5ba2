"""`--help` for every command of the CLI (read from the CLI itself, so a new command is covered):
it exits 0, says what the command does and shows an example of its use."""

from __future__ import annotations

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

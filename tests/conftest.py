"""Helpers shared by the tests: the CLI runner, fixture paths and guarded fixture edits.

Test modules import them by name (``from conftest import run, replace_once``): pytest puts this
folder on ``sys.path`` when it collects the tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qframe.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
MINI = FIXTURES / "mini"
SAMPLE = ROOT / "data" / "sample"
FRAMEWORKS = ROOT / "frameworks"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the `qframe` command line in-process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    code = info.value.code
    return int(code) if code is not None else 0, out, err


def replace_once(text: str, old: str, new: str, after: str = "") -> str:
    """``text`` with ``old`` replaced by ``new``, failing the test unless ``old`` is there once.

    With ``after``, the marker must be in ``text`` exactly once and the first ``old`` that follows
    it is replaced (for edits in one section of a long definition).
    """
    start = 0
    if after:
        found = text.count(after)
        if found != 1:
            pytest.fail(f"the fixture edit expects {after!r} once in the text, found {found}")
        start = text.index(after)
        if old not in text[start:]:
            pytest.fail(f"the fixture edit expects {old!r} after {after!r}: the text changed")
    else:
        found = text.count(old)
        if found != 1:
            pytest.fail(f"the fixture edit expects {old!r} once in the text, found {found}")
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old) :]


def replace_every(text: str, old: str, new: str) -> str:
    """``text`` with every ``old`` replaced by ``new``, failing the test when there is none."""
    if old not in text:
        pytest.fail(f"the fixture edit expects {old!r} in the text: the text changed")
    return text.replace(old, new)

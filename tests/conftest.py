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


def spark_missing() -> str | None:
    """Why the Spark engine's tests cannot run here (None: they can): no PySpark, or no Java.
    CI installs both (`make test` installs the `spark` extra; .ci/run installs Debian's JRE)."""
    import importlib.util

    from qframe.engines.spark.session import java_problem

    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed (pip install -e '.[dev,spark]', as make test does)"
    problem = java_problem()
    if problem is not None:
        return f"{problem} (install openjdk-17-jre-headless, as .ci/run does)"
    return None


@pytest.fixture(scope="session")
def spark() -> object:
    """One local SparkSession for the whole run (the JVM starts once, ~10-20 s); every Spark
    engine made in the tests, and `qframe ... --engine spark` run in-process, reuses it."""
    missing = spark_missing()
    if missing is not None:
        pytest.skip(f"the Spark engine's tests need PySpark and Java: {missing}")
    from qframe.engines.spark.session import spark_session

    return spark_session()


class Terminal:
    """A stand-in for standard error on a terminal: records what is written."""

    def __init__(self, tty: bool = True) -> None:
        self.text = ""
        self.tty = tty

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.tty

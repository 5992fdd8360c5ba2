"""Startup: a command imports only what it uses (issue 16). `qframe validate` of a shipped framework
reads and checks it without numpy, pandas or any library of the data, report or engines; `import
qframe` imports no more than the diagnostics. Pinned by the modules a fresh process holds, not by
timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "pandas", "pyarrow", "scipy", "plotly", "xlsxwriter", "duckdb", "pyspark")

VALIDATE = """
import json, sys
from qframe.cli.main import main
sys.argv = ["qframe", "validate", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps([code, sorted({m.split(".")[0] for m in sys.modules})]))
"""


def fresh_modules(code: str, *args: str) -> list[object]:
    """What the last line of a fresh process running ``code`` prints (JSON)."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    found: list[object] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("framework", ["qof_2014", "somerset_pqs", "improving_together"])
def test_validate_imports_no_data_library(framework: str) -> None:
    code, modules = fresh_modules(VALIDATE, f"frameworks/{framework}")
    assert code == 0
    assert isinstance(modules, list)
    assert not set(HEAVY) & set(modules), sorted(set(HEAVY) & set(modules))


def test_import_qframe_is_light_and_its_api_still_there() -> None:
    code = """
import json, sys
import qframe
light = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[1:]))
light += [m for m in ("qframe.api", "qframe.check") if m in sys.modules]
import qframe.check.compiler  # the subpackage `check` does not hide the API's check()
from qframe import api
print(json.dumps([light, qframe.check is api.check, qframe.load is api.load,
                  qframe.Framework is api.Framework, qframe.validate is api.validate,
                  set(qframe.__all__) <= set(dir(qframe))]))
"""
    light, *same = fresh_modules(code, *HEAVY)
    assert light == []
    assert same == [True] * 5


PARSE = """
from qframe.language.parser import parse
print(parse("numerator / denominator >= 50%"))
"""


def test_parser_tables_cached_in_the_user_cache_folder(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    for _ in range(2):  # made by the first process, read by the second
        done = subprocess.run(
            [sys.executable, "-c", PARSE], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0 and "Binary" in done.stdout and not done.stderr
    assert [p.suffix for p in (tmp_path / "qframe").iterdir()] == [".lark"]


def test_parser_works_where_its_cache_cannot_be_written(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("", encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(not_a_folder)}
    done = subprocess.run(
        [sys.executable, "-c", PARSE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and "Binary" in done.stdout and not done.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["evaluate", "frameworks/qof_2014", "--data", "data/sample", "--quiet"],
        ["compare", "frameworks/qof_2014", "frameworks/somerset_pqs", "--data", "data/sample"],
    ],
)
def test_practice_data_imports_no_record_engine(command: list[str], tmp_path: Path) -> None:
    """Evaluating and comparing practice-level data needs neither DuckDB nor sqlglot (the record
    engines, imported when GP records are counted) nor PySpark."""
    code = """
import json, sys
from qframe.cli.main import main
sys.argv = ["qframe", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps([code, sorted({m.split(".")[0] for m in sys.modules})]))
"""
    code_, modules = fresh_modules(code, *command, "--out", str(tmp_path / "out"))
    assert code_ == 0
    assert isinstance(modules, list)
    assert not {"duckdb", "sqlglot", "pyspark"} & set(modules)

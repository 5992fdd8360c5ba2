"""The diagnostic catalogue: every code once, each code qframe raises is catalogued with its level,
each catalogued code is raised, and docs/diagnostics.md is generated from it and current."""

from __future__ import annotations

import ast
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from conftest import MINI, ROOT, replace_once, run

import qframe
from qframe.docs.diagnostics import REGENERATE, render
from qframe.errors.catalogue import CATALOGUE, GROUPS, is_catalogued, lookup
from qframe.errors.diagnostics import ExitCode, FileProblem, output_folder
from qframe.tools.diff import diff_effect

CODE = re.compile(r"[A-Z]\d{3}")
SOURCE = ROOT / "qframe"
# The catalogue and its docs page name every code without raising any.
NOT_RAISING = {SOURCE / "errors" / "catalogue.py", SOURCE / "docs" / "diagnostics.py"}


def source_files() -> list[Path]:
    return [p for p in sorted(SOURCE.rglob("*.py")) if p not in NOT_RAISING]


def is_code(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CODE.fullmatch(node.value) is not None
    )


def codes_in_source() -> dict[str, set[str]]:
    """Every code-like string literal in qframe's source → the files it is in."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if is_code(node):
                assert isinstance(node, ast.Constant)
                found[str(node.value)].add(str(path.relative_to(ROOT)))
    return found


def _level_of(call: ast.Call) -> str:
    """The level a call that makes a diagnostic gives it: a warning when the function's name
    says so (`warning`, `warn`) or when it is passed `Severity.WARNING`; an error otherwise."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    level = "warning" if "warn" in name else "error"
    values = [*call.args, *(k.value for k in call.keywords)]
    for value in values:
        if isinstance(value, ast.Attribute) and value.attr in ("WARNING", "ERROR"):
            level = value.attr.lower()
    return level


def levels_in_source() -> dict[str, set[tuple[str, str]]]:
    """Every code passed to a call → the (level, file:line) of each call."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in source_files():
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(call, ast.Call):
                continue
            for value in [*call.args, *(k.value for k in call.keywords)]:
                options = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
                for option in options:
                    if is_code(option):
                        assert isinstance(option, ast.Constant)
                        where = f"{path.relative_to(ROOT)}:{call.lineno}"
                        found[str(option.value)].add((_level_of(call), where))
    return found


def test_codes_are_unique() -> None:
    repeated = [code for code, n in Counter(e.code for e in CATALOGUE).items() if n > 1]
    assert repeated == []


def test_codes_are_well_formed_and_grouped() -> None:
    for entry in CATALOGUE:
        assert CODE.fullmatch(entry.code), entry.code
        assert entry.group in GROUPS, entry.code
        assert entry.title and "\n" not in entry.title and not entry.title.endswith(".")
        assert entry.link == f"docs/diagnostics.md#{entry.code.lower()}"
    # warnings are W codes (definitions) or data notes; W codes are always warnings
    assert all(e.level.value == "warning" for e in CATALOGUE if e.code.startswith("W"))


def test_the_catalogue_is_in_code_order_within_each_group() -> None:
    for group in GROUPS:
        codes = [e.code for e in CATALOGUE if e.group == group]
        assert codes, group.title
        assert codes == sorted(codes), group.title


def test_every_code_raised_is_catalogued() -> None:
    missing = {
        code: sorted(files) for code, files in codes_in_source().items() if not is_catalogued(code)
    }
    assert missing == {}, "add these codes to qframe/errors/catalogue.py"


def test_every_catalogued_code_is_raised() -> None:
    raised = codes_in_source()
    unused = [e.code for e in CATALOGUE if e.code not in raised]
    assert unused == [], "these codes are catalogued but never raised: remove them"


def test_the_scan_sees_every_module_that_raises() -> None:
    # the scan is what the two tests above rest on: it must find the codes where they are
    raised = codes_in_source()
    assert len(raised) == len(CATALOGUE)
    assert len({f for files in raised.values() for f in files}) >= 10


def test_each_code_is_raised_at_its_catalogued_level() -> None:
    wrong = {
        code: sorted(w for level, w in uses if level != lookup(code).level.value)
        for code, uses in levels_in_source().items()
    }
    assert {code: w for code, w in wrong.items() if w} == {}


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        ("Q220", "unknown function"),
        ("Q246", "an indicator's kind is not declared under `kinds:`"),
        ("Q005", "the definition file is empty or not a mapping"),
        ("Q007", "no output folder was given"),
        ("Q401", "an override is not written NAME=VALUE"),
        ("Q403", "the framework has no total of that name"),
    ],
)
def test_codes_once_reused_mean_one_thing(code: str, meaning: str) -> None:
    assert lookup(code).title == meaning


def test_codes_named_in_the_docs_are_catalogued() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    named = {
        (page.name, code)
        for page in pages
        for code in re.findall(r"\b([QDTSCEIW]\d{3})\b", page.read_text(encoding="utf-8"))
    }
    assert sorted((page, code) for page, code in named if not is_catalogued(code)) == []


def test_diagnostics_md_is_current() -> None:
    path = ROOT / "docs" / "diagnostics.md"
    assert path.exists(), f"docs/diagnostics.md is missing: generate it with `{REGENERATE}`"
    if path.read_text(encoding="utf-8") != render():
        pytest.fail(f"docs/diagnostics.md is out of date: regenerate it with `{REGENERATE}`")


def test_every_code_has_an_anchor_on_the_page() -> None:
    text = render()
    for entry in CATALOGUE:
        assert text.count(f'<a id="{entry.anchor}"></a>{entry.code} ') == 1, entry.code


# The codes renumbered so that each means one thing, raised where they are meant.


def test_unknown_kind_is_q246(tmp_path: Path) -> None:
    text = replace_once(
        (MINI / "framework.yaml").read_text(encoding="utf-8"),
        "kind: register,",
        "kind: registr,",
    )
    (tmp_path / "framework.yaml").write_text(text, encoding="utf-8")
    codes = [d.code for d in qframe.validate(tmp_path) if d.is_error]
    assert codes == ["Q246"]


def test_empty_output_folder_is_q007() -> None:
    with pytest.raises(FileProblem) as info:
        output_folder("")
    assert [d.code for d in info.value.diagnostics] == ["Q007"]


def test_diff_of_a_total_the_framework_lacks_is_q403() -> None:
    with pytest.raises(qframe.DefinitionError) as info:
        diff_effect(MINI, MINI, MINI / "data", total="pay")
    assert [d.code for d in info.value.diagnostics] == ["Q403"]


def test_override_not_name_equals_value_is_q401(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("evaluate", str(MINI), "--data", str(MINI / "data"), "--out", str(tmp_path))
    code, _, err = run(capsys, *args, "--set", "oops")
    assert code == ExitCode.DEFINITION_ERROR and "error Q401 an override is written" in err

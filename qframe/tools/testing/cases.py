"""Reading test files: where they are (:func:`discover`) and the cases each holds (:func:`read_cases`).

A file holds one case, or several under ``cases:`` that share the file's ``data``, ``params`` and
``tolerance``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qframe.errors.diagnostics import Diagnostic, Location, error
from qframe.model.build import DEFINITION_FILE, definition_path
from qframe.source.files import SourceProblem, read_source
from qframe.source.schema import DEFINITION_CODES, SchemaProblem, load_schema, schema_problems
from qframe.source.yamldoc import YamlDocument, YamlPath, load_yaml

TESTS_FOLDER = "tests"
DATA_FIELDS = ("units", "measures")
MEASURE_FIELDS = ("unit_id", "period", "measure", "key", "value")
FORMAT_HINT = "see docs/testing-definitions.md for the format of a test file"
#: The codes of schema problems in test files (docs/testing-definitions.md).
TEST_FILE_CODES: Mapping[str, str] = {
    kind: {"unknown field": "T002", "missing field": "T003"}.get(kind, "T004")
    for kind in DEFINITION_CODES
}
#: How a test may name a column of the results or of its inline data.
COLUMN_ALIASES = {"unit": "unit_id"}


def discover(path: str | Path) -> tuple[Path, list[Path]]:
    """The framework and its test files, for a framework folder (or its definition file), or for
    one test file inside the framework's ``tests/`` folder."""
    p = Path(path)
    if (
        p.is_file()
        and p.parent.name == TESTS_FOLDER
        and p.suffix in (".yaml", ".yml")
        and p.name != DEFINITION_FILE
    ):
        return p.parent.parent, [p]
    definition = definition_path(p)  # FileProblem (exit code 4) when there is no such path
    folder = definition.parent / TESTS_FOLDER
    if not folder.is_dir():
        return p, []
    return p, sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


@dataclass
class Case:
    """One test case of a test file, and where it is in the file."""

    file: Path
    doc: YamlDocument
    base: YamlPath  # () for a file holding one case, ("cases", i) for one of several
    name: str
    location: Location
    #: What the schema found wrong in the case's fields (or in the fields it shares).
    problems: list[SchemaProblem] = field(default_factory=list)

    def value(self, path: YamlPath) -> Any:
        value: Any = self.doc.data
        for p in path:
            value = value[p]
        return value

    def find(self, name: str) -> YamlPath | None:
        """Where the field is given: in the case, else at the top of the file (shared)."""
        own = (*self.base, name)
        if isinstance(self.value(self.base), dict) and name in self.value(self.base):
            return own
        if self.base and name in self.doc.data:
            return (name,)
        return None

    def problems_inside_expect(self) -> list[Diagnostic]:
        """The schema problems inside ``expect:``: the case can still run and compare the rest."""
        expect = (*self.base, "expect")
        return [
            p.diagnostic
            for p in self.problems
            if len(p.path) > len(expect) and p.path[: len(expect)] == expect
        ]

    def where(self, path: YamlPath, *, key: bool = False) -> Location:
        return self.doc.location(path, key=key)


def testcase_schema() -> dict[str, Any]:
    """The JSON Schema of test files (qframe/source/schemas/testcase.schema.json)."""
    return load_schema("testcase.schema.json")


def read_cases(file: Path) -> tuple[list[Case], list[Diagnostic]]:
    """The cases of a test file, and the problems that keep the whole file from running
    (each case keeps those of its own fields in :attr:`Case.problems`)."""
    try:
        text = read_source(file, code="T001", what="test file")
    except SourceProblem as exc:
        return [], [exc.diagnostic]
    doc = load_yaml(str(file), text)
    if doc.diagnostics:
        return [], list(doc.diagnostics)
    data = doc.data
    start = Location(doc.source, 0)
    if data is None:
        return [], [error("T001", "the test file is empty", start, FORMAT_HINT)]
    if not isinstance(data, dict):
        return [], [
            error(
                "T001",
                "a test file must be a mapping with `data:` and `expect:`",
                doc.location(()),
                FORMAT_HINT,
            )
        ]
    problems: list[Diagnostic] = []
    found = schema_problems(doc, testcase_schema(), "a test file", TEST_FILE_CODES)
    several = "cases" in data
    cases: list[Case] = []
    if several:
        items = data["cases"]
        if not isinstance(items, list) or not items:  # the schema said so
            return [], [p.diagnostic for p in found]
        if "expect" in data:
            problems.append(
                error(
                    "T002",
                    "`expect` belongs in each of the `cases`, not at the top of the file",
                    doc.location(("expect",), key=True),
                    "the top of a file may hold `data`, `params` and `tolerance` shared by its cases",
                )
            )
        for i, item in enumerate(items):
            if isinstance(item, dict):  # else the schema said so
                name = text_of(item.get("name")) or f"{file.stem}[{i + 1}]"
                cases.append(Case(file, doc, ("cases", i), name, doc.location(("cases", i))))
    else:
        name = text_of(data.get("name")) or file.stem
        where = doc.location(("name",), key=True) if "name" in data else start
        cases.append(Case(file, doc, (), name, where))
    for problem in found:
        path = problem.path
        if path == () or (several and path[0] == "cases" and len(path) <= 2):
            problems.append(problem.diagnostic)  # the file's own shape: no case can run
        else:  # inside a case's field, or in a field the cases share
            for case in cases:
                if not several or path[0] != "cases" or case.base == path[:2]:
                    case.problems.append(problem)
    return cases, problems


def text_of(value: Any) -> str:
    """A YAML value as text ("" for nothing)."""
    return "" if value is None else str(value).strip()

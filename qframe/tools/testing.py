"""Definition tests: hand-computed cases kept beside a framework, in ``FRAMEWORK/tests/*.yaml``.

A case gives a small dataset (inline, or a dataset folder), optional parameter values, and the
values the results must hold; :func:`run_tests` evaluates the framework on the data and compares.
The format is described in docs/testing-definitions.md::

    name: DM007 worked example
    data:
      units: [{unit_id: P001}]
      measures:
        - [P001, 2014-15, list_size, "", 8000]
    params: {point_value: £180}
    expect:
      indicators:
        - {unit: P001, period: 2014-15, indicator: DM007, points: 11.6875, payment: 2113.06}

Every problem in a test file (YAML, unknown fields, an unknown parameter or column, bad data) is
a :class:`~qframe.errors.diagnostics.Diagnostic` with its place in the test file; a value that differs
from the expectation is a :class:`Mismatch`, also with its place.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from qframe import api
from qframe.data.dataset import Dataset
from qframe.data.load import load_dataset
from qframe.errors.diagnostics import (
    Diagnostic,
    Location,
    QframeError,
    Severity,
    did_you_mean,
    error,
    sort_key,
)
from qframe.ir import kinds as t
from qframe.language import ast
from qframe.language.parser import ExpressionSyntaxError, parse
from qframe.model.build import DEFINITION_FILE, definition_path
from qframe.scoring.rules import round_money
from qframe.source.yamldoc import YamlDocument, YamlPath, load_yaml

TESTS_FOLDER = "tests"
DEFAULT_TOLERANCE = 1e-9
# Besides the absolute tolerance, a relative one absorbs floating-point noise in large sums.
RELATIVE_TOLERANCE = 1e-12
CASE_FIELDS = ("name", "doc", "data", "params", "expect", "tolerance")
FILE_FIELDS = (*CASE_FIELDS, "cases")
EXPECT_FIELDS = ("indicators", "units", "checks", "overall")
DATA_FIELDS = ("units", "measures")
MEASURE_FIELDS = ("unit_id", "period", "measure", "key", "value")
FORMAT_HINT = "see docs/testing-definitions.md for the format of a test file"

# The columns that identify a row of each table, and how a test names them.
_IDENT = {
    "indicators": ("unit_id", "period", "indicator"),
    "units": ("unit_id", "period"),
    "checks": ("check", "period", "subject"),
}
_ALIASES = {"unit": "unit_id"}
_NUMERIC_COLUMNS = ("max_points", "lower", "upper", "indicators_not_ok")


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Mismatch:
    """A value in the results that differs from the test's expectation."""

    location: Location  # of the expectation in the test file
    what: str  # e.g. "DM007 payment for P001 in 2014-15"
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.location}: {self.what}: expected {self.expected}, got {self.actual}"


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one test case: ``status`` is ``pass``, ``fail`` or ``error`` (the case could
    not be run: a malformed test file, bad data, an unknown parameter or column)."""

    file: str
    name: str
    location: Location | None = None
    compared: int = 0  # how many values were compared
    mismatches: tuple[Mismatch, ...] = ()
    errors: tuple[Diagnostic, ...] = ()

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return "fail" if self.mismatches else "pass"

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def report(self) -> str:
        """One line for the case, then one line per mismatch (errors are rendered separately)."""
        head = {"pass": "PASS", "fail": "FAIL", "error": "ERROR"}[self.status]
        where = str(self.location) if self.location is not None else self.file
        detail = ""
        if self.status == "pass":
            detail = f" ({self.compared} value{'s' * (self.compared != 1)})"
        elif self.mismatches:
            n = len(self.mismatches)
            detail = f" ({n} of {self.compared} value{'s' * (self.compared != 1)} differ)"
        lines = [f"{head} {where}: {self.name}{detail}"]
        lines += [f"  {m}" for m in self.mismatches]
        return "\n".join(lines)


def summary(results: Sequence[CaseResult]) -> str:
    """``N passed, M failed`` (and ``, K errors`` when cases could not be run)."""
    passed = sum(r.status == "pass" for r in results)
    failed = sum(r.status == "fail" for r in results)
    errors = sum(r.status == "error" for r in results)
    text = f"{passed} passed, {failed} failed"
    if errors:
        text += f", {errors} error{'s' * (errors != 1)}"
    return text


# ---------------------------------------------------------------- running


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


def run_tests(path: str | Path) -> list[CaseResult]:
    """Run every test case of a framework (folder or definition file), or of one test file.

    Raises :class:`~qframe.errors.diagnostics.DefinitionError` when the framework itself has errors and
    :class:`~qframe.errors.diagnostics.FileProblem` when the path does not exist; problems in a test
    file are returned as cases with status ``error``."""
    framework_path, files = discover(path)
    framework = api.load(framework_path)
    return run_files(framework, files)


def run_files(framework: api.Framework, files: Iterable[str | Path]) -> list[CaseResult]:
    """Run the cases of the given test files against a loaded framework."""
    runner = _Runner(framework)
    results: list[CaseResult] = []
    for file in files:
        cases, problems = _read_cases(Path(file))
        if problems:  # report the problems of the cases too: every problem at once
            for case in cases:
                problems += runner.prepare(case)[3]
            results.append(
                CaseResult(
                    str(file),
                    Path(file).stem,
                    min(problems, key=sort_key).location,
                    errors=tuple(sorted(problems, key=sort_key)),
                )
            )
            continue
        results.extend(runner.run(case) for case in cases)
    return results


# ---------------------------------------------------------------- reading test files


@dataclass
class _Case:
    file: Path
    doc: YamlDocument
    base: YamlPath  # () for a file holding one case, ("cases", i) for one of several
    name: str
    location: Location

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

    def where(self, path: YamlPath, *, key: bool = False) -> Location:
        return self.doc.location(path, key=key)


def _problem(code: str, message: str, where: Location | None, hint: str = "") -> Diagnostic:
    return error(code, message, where, hint)


def _unknown_fields(
    doc: YamlDocument, path: YamlPath, value: dict[str, Any], allowed: Sequence[str], what: str
) -> list[Diagnostic]:
    out = []
    for key in value:
        if key not in allowed:
            hint = did_you_mean(str(key), allowed) or f"allowed in {what}: {', '.join(allowed)}"
            out.append(
                _problem(
                    "T002",
                    f"unknown field `{key}` in {what}",
                    doc.location((*path, key), key=True),
                    hint,
                )
            )
    return out


def _read_cases(file: Path) -> tuple[list[_Case], list[Diagnostic]]:
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [], [
            Diagnostic(
                Severity.ERROR,
                "T001",
                f"{file} is not UTF-8 text",
                None,
                "save the test file as UTF-8",
                str(file),
            )
        ]
    except OSError as exc:
        return [], [
            Diagnostic(
                Severity.ERROR, "T001", f"cannot read {file}: {exc.strerror}", path=str(file)
            )
        ]
    doc = load_yaml(str(file), text)
    if doc.diagnostics:
        return [], list(doc.diagnostics)
    data = doc.data
    start = Location(doc.source, 0)
    if data is None:
        return [], [_problem("T001", "the test file is empty", start, FORMAT_HINT)]
    if not isinstance(data, dict):
        return [], [
            _problem(
                "T001",
                "a test file must be a mapping with `data:` and `expect:`",
                doc.location(()),
                FORMAT_HINT,
            )
        ]
    problems = _unknown_fields(doc, (), data, FILE_FIELDS, "a test file")
    cases: list[_Case] = []
    if "cases" in data:
        items = data["cases"]
        if not isinstance(items, list) or not items:
            problems.append(
                _problem(
                    "T004",
                    "`cases` must be a non-empty list of test cases",
                    doc.location(("cases",)),
                    "write one `- name: ...` entry per case, each with its own `expect:`",
                )
            )
            return [], problems
        if "expect" in data:
            problems.append(
                _problem(
                    "T002",
                    "`expect` belongs in each of the `cases`, not at the top of the file",
                    doc.location(("expect",), key=True),
                    "the top of a file may hold `data`, `params` and `tolerance` shared by its cases",
                )
            )
        for i, item in enumerate(items):
            where = doc.location(("cases", i))
            if not isinstance(item, dict):
                problems.append(
                    _problem("T004", "a test case must be a mapping", where, FORMAT_HINT)
                )
                continue
            problems += _unknown_fields(doc, ("cases", i), item, CASE_FIELDS, "a test case")
            name = _text(item.get("name")) or f"{file.stem}[{i + 1}]"
            cases.append(_Case(file, doc, ("cases", i), name, where))
    else:
        name = _text(data.get("name")) or file.stem
        where = doc.location(("name",), key=True) if "name" in data else start
        cases.append(_Case(file, doc, (), name, where))
    return cases, problems


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# ---------------------------------------------------------------- literals


@dataclass(frozen=True)
class _Literal:
    tag: str  # number, percent, money, duration, bool, text, missing
    value: Any
    text: str  # as written

    @property
    def numeric(self) -> bool:
        return self.tag in ("number", "percent", "money", "duration")


def _literal(doc: YamlDocument, path: YamlPath, value: Any, period_months: int) -> _Literal:
    raw = doc.raw(path)
    text = raw if raw is not None else str(value)
    if value is None:
        return _Literal("missing", None, text)
    if isinstance(value, bool):
        return _Literal("bool", value, text)
    if isinstance(value, (int, float)):
        return _Literal("number", float(value), text)
    if not isinstance(value, str):
        return _Literal("text", value, text)
    try:
        node = parse(value)
    except ExpressionSyntaxError:
        return _Literal("text", value, text)
    sign = 1.0
    if isinstance(node, ast.Unary) and node.op in ("-", "+"):
        sign = -1.0 if node.op == "-" else 1.0
        node = node.operand
        if not isinstance(node, (ast.Number, ast.Percent, ast.Money, ast.Duration)):
            return _Literal("text", value, text)
    if isinstance(node, ast.Number):
        return _Literal("number", sign * node.value, text)
    if isinstance(node, ast.Percent):
        return _Literal("percent", sign * node.value / 100.0, text)
    if isinstance(node, ast.Money):
        return _Literal("money", sign * node.value, text)
    if isinstance(node, ast.Duration):
        months = period_months if node.unit == "period" else ast.DURATION_MONTHS.get(node.unit, 1)
        return _Literal("duration", sign * node.amount * months, text)
    if isinstance(node, ast.Bool):
        return _Literal("bool", node.value, text)
    return _Literal("text", value, text)


_TAG_WORDS = {
    "number": "a number",
    "percent": "a percentage",
    "money": "money",
    "duration": "a duration",
    "bool": "true or false",
    "text": "text",
    "missing": "missing",
}


def _fits(kind: t.Kind, tag: str) -> bool:
    if tag == "missing":
        return True
    if kind is t.Kind.MONEY:
        return tag in ("money", "number")  # `payment: 2113.06` is pounds
    if kind is t.Kind.NUMBER:
        return tag in ("number", "percent")
    if kind is t.Kind.DURATION:
        return tag in ("duration", "number")
    if kind is t.Kind.BOOL:
        return tag == "bool"
    return True  # text columns compare what is written


def _param_fits(kind: t.Kind, tag: str) -> bool:
    if tag == "missing":
        return False
    if kind is t.Kind.MONEY:
        return tag == "money"  # a parameter's money is written with £, as in the definition
    if kind is t.Kind.DURATION:
        return tag == "duration"
    return _fits(kind, tag)


def _example(kind: t.Kind, lit: _Literal) -> str:
    if kind is t.Kind.MONEY:
        return (
            f"write it with £: £{lit.text}" if lit.tag == "number" else "write an amount, e.g. £180"
        )
    if kind is t.Kind.NUMBER and lit.tag == "money":
        return f"write it without £: {lit.text.replace('£', '')}"
    if kind is t.Kind.NUMBER:
        return "write a number such as 11.6875 or a percentage such as 62.5%"
    if kind is t.Kind.BOOL:
        return "write true or false"
    return "write a duration such as 2 quarters"


# ---------------------------------------------------------------- formatting values


def _num(value: float) -> str:
    return f"{value:.12g}"


def _show(kind: t.Kind, value: Any, like: _Literal | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    if kind is t.Kind.MONEY:
        return f"£{value:,.2f}" if abs(value) < 1e15 else _num(value)
    if kind is t.Kind.BOOL:
        return "true" if value else "false"
    if like is not None and like.tag == "percent":
        return f"{value * 100:.10g}%"
    if isinstance(value, float):
        return _num(value)
    return str(value)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------- the runner


class _Runner:
    def __init__(self, framework: api.Framework) -> None:
        self.fw = framework
        self.plan = framework.plan
        self.months = framework.definition.period_months
        self._folders: dict[Path, Dataset | list[Diagnostic]] = {}

    def prepare(
        self, case: _Case
    ) -> tuple[float, dict[str, Any], Dataset | None, list[Diagnostic]]:
        """Everything a case needs before evaluating, and every problem found on the way."""
        problems = self._structure(case)
        tolerance, more = self._tolerance(case)
        problems += more
        params, more = self._params(case)
        problems += more
        data, more = self._data(case)
        problems += more
        return tolerance, params, data, problems

    def run(self, case: _Case) -> CaseResult:
        tolerance, params, data, problems = self.prepare(case)
        if problems or data is None:
            return self._error(case, problems)
        data_path = case.find("data")
        assert data_path is not None
        try:
            result = self.fw.evaluate(data, params=params)
        except QframeError as exc:
            inline = not isinstance(case.value(data_path), str)
            where = case.where(data_path, key=inline)  # `data:` itself, or the folder's path
            return self._error(case, _relocate(exc.diagnostics, where))
        cmp = _Comparison(self, case, result, tolerance)
        cmp.compare()
        return CaseResult(
            str(case.file),
            case.name,
            case.location,
            cmp.compared,
            tuple(cmp.mismatches),
            tuple(sorted(cmp.errors, key=sort_key)),
        )

    def _error(self, case: _Case, problems: list[Diagnostic]) -> CaseResult:
        return CaseResult(
            str(case.file), case.name, case.location, errors=tuple(sorted(problems, key=sort_key))
        )

    # -- the shape of a case
    def _structure(self, case: _Case) -> list[Diagnostic]:
        doc = case.doc
        out: list[Diagnostic] = []
        here = case.where(case.base) if case.base else Location(doc.source, 0)
        if case.find("data") is None:
            out.append(
                _problem(
                    "T003",
                    f"test case `{case.name}` has no `data:`",
                    here,
                    "add `data:` with inline `units:` and `measures:`, or the path of a dataset folder (e.g. `data: ../data`)",
                )
            )
        expect_path = (*case.base, "expect")
        own = case.value(case.base)
        if "expect" not in own:
            out.append(
                _problem(
                    "T003",
                    f"test case `{case.name}` has no `expect:`",
                    here,
                    "add `expect:` with the values the results must hold, under `indicators:`, `units:`, `checks:` or `overall:`",
                )
            )
            return out
        expect = own["expect"]
        if not isinstance(expect, dict):
            out.append(
                _problem(
                    "T004",
                    "`expect` must be a mapping with `indicators:`, `units:`, `checks:` or `overall:`",
                    case.where(expect_path),
                    FORMAT_HINT,
                )
            )
            return out
        out += _unknown_fields(doc, expect_path, expect, EXPECT_FIELDS, "`expect`")
        if not expect:
            out.append(
                _problem(
                    "T003",
                    "`expect` has nothing to check",
                    case.where(expect_path, key=True),
                    "list expected values under `indicators:`, `units:`, `checks:` or `overall:`",
                )
            )
        for table in ("indicators", "units", "checks"):
            if table not in expect:
                continue
            rows = expect[table]
            if not isinstance(rows, list):
                out.append(
                    _problem(
                        "T004",
                        f"`expect.{table}` must be a list of rows",
                        case.where((*expect_path, table)),
                        "write one `- {unit: P001, ...}` entry per row",
                    )
                )
                continue
            for i, row in enumerate(rows):
                if not isinstance(row, dict):
                    out.append(
                        _problem(
                            "T004",
                            f"a row of `expect.{table}` must be a mapping",
                            case.where((*expect_path, table, i)),
                            "write `- {unit: P001, period: 2014-15, ...}`",
                        )
                    )
        if "overall" in expect and not isinstance(expect["overall"], dict):
            out.append(
                _problem(
                    "T004",
                    "`expect.overall` must be a mapping of totals to their sum over every unit and period",
                    case.where((*expect_path, "overall")),
                    "e.g. `overall: {payment: 5534.28}`",
                )
            )
        for path in _param_paths(case):
            if not isinstance(case.value(path), (dict, type(None))):
                out.append(
                    _problem(
                        "T004",
                        "`params` must be a mapping of parameter names to values",
                        case.where(path),
                        "e.g. `params: {point_value: £180}`",
                    )
                )
        return out

    def _tolerance(self, case: _Case) -> tuple[float, list[Diagnostic]]:
        path = case.find("tolerance")
        if path is None:
            return DEFAULT_TOLERANCE, []
        value = case.value(path)
        try:
            if isinstance(value, bool):
                raise ValueError
            tol = float(value)
            if not tol >= 0 or math.isinf(tol):
                raise ValueError
        except (TypeError, ValueError):
            return DEFAULT_TOLERANCE, [
                _problem(
                    "T034",
                    f"`tolerance` must be a number at least 0, not `{case.doc.raw(path) or value}`",
                    case.where(path),
                    "e.g. `tolerance: 1e-6` (an absolute tolerance for numbers that are not money)",
                )
            ]
        return tol, []

    # -- parameters
    def _params(self, case: _Case) -> tuple[dict[str, Any], list[Diagnostic]]:
        paths = [p for p in _param_paths(case) if isinstance(case.value(p), dict)]
        values: dict[str, Any] = {}
        problems: list[Diagnostic] = []
        for base in paths:
            for name, value in case.value(base).items():
                where = case.where((*base, name), key=True)
                if name not in self.plan.params:
                    problems.append(
                        _problem(
                            "T020",
                            f"unknown parameter `{name}`",
                            where,
                            did_you_mean(str(name), self.plan.params)
                            or f"the framework's parameters: {', '.join(self.plan.params)}",
                        )
                    )
                    continue
                ptype = self.plan.param_types[name]
                lit = _literal(case.doc, (*base, name), value, self.months)
                if not _param_fits(ptype.kind, lit.tag):
                    problems.append(
                        _problem(
                            "T021",
                            f"parameter `{name}` is {ptype.describe()}, not {_TAG_WORDS[lit.tag]} (`{lit.text}`)",
                            case.where((*base, name)),
                            _example(ptype.kind, lit),
                        )
                    )
                    continue
                kind = ptype.kind
                values[name] = lit.text if kind is t.Kind.STRING else lit.value
        return values, problems

    # -- data
    def _data(self, case: _Case) -> tuple[Dataset | None, list[Diagnostic]]:
        path = case.find("data")
        if path is None:
            return None, []
        value = case.value(path)
        where = case.where(path)
        if isinstance(value, str):
            folder = case.file.parent / value
            key = folder.resolve()
            if key not in self._folders:
                try:
                    self._folders[key] = load_dataset(folder)
                except QframeError as exc:
                    self._folders[key] = exc.diagnostics
            loaded = self._folders[key]
            if isinstance(loaded, list):
                return None, _relocate(loaded, where)
            return loaded, []
        if isinstance(value, dict):
            return _inline_dataset(case, path)
        return None, [
            _problem(
                "T004",
                "`data` must be the path of a dataset folder or a mapping with `units:` and `measures:`",
                where,
                "e.g. `data: ../data`, or inline rows (see docs/testing-definitions.md)",
            )
        ]


def _param_paths(case: _Case) -> list[YamlPath]:
    """Where parameter values are given: at the top of the file (shared), then in the case."""
    paths: list[YamlPath] = []
    if case.base and "params" in case.doc.data:
        paths.append(("params",))
    if "params" in case.value(case.base):
        paths.append((*case.base, "params"))
    return paths


def _relocate(diagnostics: Iterable[Diagnostic], where: Location) -> list[Diagnostic]:
    """Problems without a place (data, files) placed at the test's `data:` entry."""
    out = []
    for d in diagnostics:
        if d.location is not None:
            out.append(d)
            continue
        message = f"{d.path}: {d.message}" if d.path else d.message
        out.append(
            Diagnostic(d.severity, d.code, message, where, d.hint, None, d.rows, d.row_count)
        )
    return out


def _cell(doc: YamlDocument, path: YamlPath) -> str | None:
    """A scalar exactly as written ("" for an empty value); None when it is not a scalar."""
    node = doc.values.get(path)
    if not isinstance(node, yaml.ScalarNode):
        return None
    value: Any = doc.data
    for p in path:
        value = value[p]
    return "" if value is None else str(node.value)


def _inline_dataset(case: _Case, path: YamlPath) -> tuple[Dataset | None, list[Diagnostic]]:
    doc = case.doc
    data = case.value(path)
    problems = _unknown_fields(doc, path, data, DATA_FIELDS, "inline `data`")
    measures = data.get("measures")
    if not isinstance(measures, list):
        problems.append(
            _problem(
                "T003" if measures is None else "T004",
                "inline `data` needs `measures:`, a list of rows [unit_id, period, measure, key, value]",
                case.where((*path, "measures") if "measures" in data else path),
                'e.g. `- [P001, 2014-15, list_size, "", 8000]`',
            )
        )
        return None, problems
    rows: list[dict[str, str]] = []
    for i, row in enumerate(measures):
        rp = (*path, "measures", i)
        items: list[tuple[str, YamlPath]] = []
        if isinstance(row, list):
            if len(row) not in (4, 5):
                problems.append(
                    _problem(
                        "T004",
                        f"a measure row has 5 values [unit_id, period, measure, key, value] (or 4, without key), not {len(row)}",
                        case.where(rp),
                        'write `""` for an empty key: [P001, 2014-15, list_size, "", 8000]',
                    )
                )
                continue
            fields = MEASURE_FIELDS if len(row) == 5 else ("unit_id", "period", "measure", "value")
            items = [(f, (*rp, j)) for j, f in enumerate(fields)]
        elif isinstance(row, dict):
            allowed = (*MEASURE_FIELDS, "unit")
            problems += _unknown_fields(doc, rp, row, allowed, "a measure row")
            items = [(_ALIASES.get(str(k), str(k)), (*rp, k)) for k in row if k in allowed]
            given = {f for f, _ in items}
            missing = [f for f in ("unit_id", "period", "measure", "value") if f not in given]
            if missing:
                problems.append(
                    _problem(
                        "T003",
                        f"a measure row needs {', '.join(f'`{f}`' for f in missing)}",
                        case.where(rp),
                        "a measure row gives unit_id, period, measure, key (may be empty) and value",
                    )
                )
                continue
        else:
            problems.append(
                _problem(
                    "T004",
                    "a measure row must be a list [unit_id, period, measure, key, value] or a mapping",
                    case.where(rp),
                    "e.g. `- [P001, 2014-15, numerator, DM007, 300]`",
                )
            )
            continue
        record = {"key": ""}
        for f, p in items:
            cell = _cell(doc, p)
            if cell is None:
                problems.append(
                    _problem("T004", f"`{f}` must be a single value", case.where(p), FORMAT_HINT)
                )
                continue
            record[f] = cell
        rows.append(record)
    units: list[dict[str, str]] = []
    if "units" in data:
        listed = data["units"]
        if not isinstance(listed, list):
            problems.append(
                _problem(
                    "T004",
                    "`units` must be a list of units",
                    case.where((*path, "units")),
                    "e.g. `units: [{unit_id: P001, name: Example practice}]` or `units: [P001, P002]`",
                )
            )
        else:
            for i, unit in enumerate(listed):
                up = (*path, "units", i)
                if isinstance(unit, dict):
                    record = {}
                    for k in unit:
                        cell = _cell(doc, (*up, k))
                        if cell is None:
                            problems.append(
                                _problem(
                                    "T004",
                                    f"`{k}` must be a single value",
                                    case.where((*up, k)),
                                    FORMAT_HINT,
                                )
                            )
                            continue
                        record[_ALIASES.get(str(k), str(k))] = cell
                    if "unit_id" not in record:
                        problems.append(
                            _problem(
                                "T003",
                                "a unit needs `unit_id`",
                                case.where(up),
                                "e.g. `- {unit_id: P001, name: Example practice}`",
                            )
                        )
                        continue
                    units.append(record)
                else:
                    cell = _cell(doc, up)
                    if cell is None:
                        problems.append(
                            _problem(
                                "T004",
                                "a unit must be a unit id or a mapping",
                                case.where(up),
                                FORMAT_HINT,
                            )
                        )
                        continue
                    units.append({"unit_id": cell})
    else:  # the units are those the measures name
        units = [{"unit_id": u} for u in dict.fromkeys(r.get("unit_id", "") for r in rows)]
    if problems:
        return None, problems
    units_frame = pd.DataFrame(units, dtype=object)
    if units_frame.empty:
        units_frame = pd.DataFrame({"unit_id": pd.Series([], dtype=object)})
    measures_frame = pd.DataFrame(rows, columns=list(MEASURE_FIELDS), dtype=object)
    try:
        return Dataset.from_frames(units_frame, measures_frame, str(case.file)), []
    except QframeError as exc:
        return None, [_place_data_problem(case, path, d) for d in exc.diagnostics]


def _place_data_problem(case: _Case, path: YamlPath, d: Diagnostic) -> Diagnostic:
    """A data problem in inline rows, placed at the (first) row concerned in the test file."""
    if d.location is not None:
        return d
    table = d.path if d.path in DATA_FIELDS else None
    message = d.message
    if table and d.rows:
        rows = [r - 2 for r in d.rows]  # data rows count the header as row 1
        where = case.where((*path, table, rows[0]))
        if len(rows) > 1:
            lines = ", ".join(str(case.where((*path, table, r)).line) for r in rows)
            more = " and more" if d.row_count > len(rows) else ""
            message += f" (lines {lines}{more})"
    elif table:
        where = case.where((*path, table))
        message = f"{table}: {message}"
    else:
        where = case.where(path)
    return Diagnostic(d.severity, d.code, message, where, d.hint)


# ---------------------------------------------------------------- comparing


class _Comparison:
    def __init__(self, runner: _Runner, case: _Case, result: Any, tolerance: float) -> None:
        self.runner = runner
        self.plan = runner.plan
        self.case = case
        self.result = result
        self.tolerance = tolerance
        self.compared = 0
        self.mismatches: list[Mismatch] = []
        self.errors: list[Diagnostic] = []
        self.expect_path: YamlPath = (*case.base, "expect")
        units = result.units
        self.periods: list[str] = list(dict.fromkeys(units["period"].astype(str)))
        self.unit_ids: list[str] = list(dict.fromkeys(units["unit_id"].astype(str)))
        self._index: dict[str, dict[tuple[str, ...], int]] = {}

    def expect(self) -> dict[str, Any]:
        value: dict[str, Any] = self.case.value(self.expect_path)
        return value

    def compare(self) -> None:
        expect = self.expect()
        for table in ("indicators", "units"):
            for i, row in enumerate(expect.get(table) or []):
                self.row(table, (*self.expect_path, table, i), row)
        if "checks" in expect:
            self.checks(expect.get("checks") or [])
        for name in expect.get("overall") or {}:
            self.overall(name)

    # -- which row
    def index(self, table: str) -> dict[tuple[str, ...], int]:
        if table not in self._index:
            frame = self.result.to_frame(table)
            columns = [frame[c].astype(str).tolist() for c in _IDENT[table]]
            self._index[table] = {key: i for i, key in enumerate(zip(*columns, strict=True))}
        return self._index[table]

    def ident(
        self, table: str, path: YamlPath, row: dict[str, Any]
    ) -> tuple[tuple[str, ...], dict[str, str]] | None:
        names: dict[str, str] = {}
        for key in row:
            canonical = _ALIASES.get(str(key), str(key))
            if canonical in _IDENT[table]:
                cell = _cell(self.case.doc, (*path, key))
                if cell is None:
                    self.errors.append(
                        _problem(
                            "T004",
                            f"`{key}` must be a single value",
                            self.case.where((*path, key)),
                        )
                    )
                    return None
                names[canonical] = cell
        needed = [c for c in _IDENT[table] if c != "period" and c not in names]
        if needed:
            shown = " and ".join(f"`{'unit' if c == 'unit_id' else c}`" for c in needed)
            self.errors.append(
                _problem(
                    "T031",
                    f"a row of `expect.{table}` needs {shown}",
                    self.case.where(path),
                    {
                        "indicators": "e.g. `- {unit: P001, period: 2014-15, indicator: DM007, points: 11.6875}`",
                        "units": "e.g. `- {unit: P001, period: 2014-15, payment: 5534.28}`",
                        "checks": "e.g. `- {check: has_dm_register, subject: P002, period: 2014-15}`",
                    }[table],
                )
            )
            return None
        if "period" not in names:
            if len(self.periods) != 1:
                self.errors.append(
                    _problem(
                        "T032",
                        f"a row of `expect.{table}` needs `period`: the results cover {len(self.periods)} periods",
                        self.case.where(path),
                        f"the periods are {', '.join(self.periods) or 'none'}",
                    )
                )
                return None
            names["period"] = self.periods[0]
        return tuple(names[c] for c in _IDENT[table]), names

    def describe_row(self, table: str, names: dict[str, str]) -> str:
        if table == "indicators":
            return f"{names['indicator']} for {names['unit_id']} in {names['period']}"
        if table == "units":
            return f"{names['unit_id']} in {names['period']}"
        return f"check {names['check']} for {names['subject']} in {names['period']}"

    def why_absent(self, table: str, names: dict[str, str]) -> str:
        if names.get("period") not in self.periods:
            return f"none: no period {names.get('period')} in the results (periods: {', '.join(self.periods) or 'none'})"
        if "unit_id" in names and names["unit_id"] not in self.unit_ids:
            hint = did_you_mean(names["unit_id"], self.unit_ids)
            return f"none: no unit {names['unit_id']} in the data" + (f" ({hint})" if hint else "")
        if table == "indicators" and names["indicator"] not in self.plan.indicator_ids:
            hint = did_you_mean(names["indicator"], self.plan.indicator_ids)
            return f"none: the framework has no indicator {names['indicator']}" + (
                f" ({hint})" if hint else ""
            )
        if table == "checks" and names["check"] not in self.plan.framework.checks:
            hint = did_you_mean(names["check"], self.plan.framework.checks)
            return f"none: the framework has no check {names['check']}" + (
                f" ({hint})" if hint else ""
            )
        return "none"

    # -- values
    def column_kind(self, table: str, column: str) -> t.Kind:
        if table == "indicators" and column in self.plan.values:
            return self.plan.values[column].type.kind
        if table == "units" and column in self.plan.totals:
            return self.plan.totals[column].type.kind
        if column in _NUMERIC_COLUMNS:
            return t.Kind.NUMBER
        frame = self.result.to_frame(table)
        if column in frame.columns:  # any other column: by what it holds
            dtype = frame[column].dtype
            if pd.api.types.is_bool_dtype(dtype):
                return t.Kind.BOOL
            if pd.api.types.is_numeric_dtype(dtype):
                return t.Kind.NUMBER
        return t.Kind.STRING

    def row(self, table: str, path: YamlPath, row: dict[str, Any]) -> None:
        found = self.ident(table, path, row)
        if found is None:
            return
        key, names = found
        frame = self.result.to_frame(table)
        columns = [c for c in frame.columns if c not in ("framework", "framework_version")]
        values = [k for k in row if _ALIASES.get(str(k), str(k)) not in _IDENT[table]]
        unknown = [k for k in values if k not in columns]
        for k in unknown:
            self.errors.append(
                _problem(
                    "T030",
                    f"the {table} results have no column `{k}`",
                    self.case.where((*path, k), key=True),
                    did_you_mean(str(k), columns) or f"the columns are: {', '.join(columns)}",
                )
            )
        values = [k for k in values if k not in unknown]
        if not values:
            if not unknown:
                self.errors.append(
                    _problem(
                        "T031",
                        f"this row of `expect.{table}` names a row but no value to check",
                        self.case.where(path),
                        "add the expected values, e.g. `points: 11.6875`",
                    )
                )
            return
        position = self.index(table).get(key)
        what = self.describe_row(table, names)
        if position is None:
            self.compared += len(values)
            self.mismatches.append(
                Mismatch(self.case.where(path), what, "a result row", self.why_absent(table, names))
            )
            return
        status = None
        if table == "indicators":
            status = str(frame["status"].iloc[position])
        for column in values:
            actual = frame[column].iloc[position]
            label = f"{names['indicator']} {column}" if table == "indicators" else column
            label += f" for {names['unit_id']} in {names['period']}"
            self.value(
                (*path, column),
                row[column],
                self.column_kind(table, column),
                actual,
                label,
                status,
            )

    def value(
        self,
        path: YamlPath,
        expected: Any,
        kind: t.Kind,
        actual: Any,
        what: str,
        status: str | None = None,
    ) -> None:
        where = self.case.where(path)
        lit = _literal(self.case.doc, path, expected, self.runner.months)
        if kind is t.Kind.STRING:
            want = "" if lit.tag == "missing" else lit.text
            got = "" if _is_missing(actual) else str(actual)
            self.compared += 1
            if want != got:
                self.mismatches.append(Mismatch(where, what, want or "missing", got or "missing"))
            return
        if not _fits(kind, lit.tag):
            self.errors.append(
                _problem(
                    "T033",
                    f"`{path[-1]}` is {t.Type(kind).describe()}, not {_TAG_WORDS[lit.tag]} (`{lit.text}`)",
                    where,
                    _example(kind, lit),
                )
            )
            return
        self.compared += 1
        missing = _is_missing(actual)
        got = "missing" if missing else _show(kind, float(actual), lit)
        if missing and status and status != "ok":
            got = f"missing ({status})"
        if lit.tag == "missing":
            if not missing:
                self.mismatches.append(Mismatch(where, what, "missing", got))
            return
        want = lit.text if lit.tag in ("percent", "duration") else _show(kind, lit.value)
        if missing:
            self.mismatches.append(Mismatch(where, what, want, got))
            return
        a, e = float(actual), float(lit.value)
        if kind is t.Kind.BOOL:
            ok = bool(a) == bool(e)
        elif kind is t.Kind.MONEY:
            ok = (
                abs(float(round_money(a)) - float(round_money(e))) < 1e-6
                or abs(a - e) <= self.tolerance
            )
            if not ok and want == got:
                got = f"{got} ({a!r})"
        else:
            ok = math.isclose(a, e, rel_tol=RELATIVE_TOLERANCE, abs_tol=self.tolerance)
            if not ok and (want == got or _num(e) == _num(a)):
                want, got = repr(e), repr(a)
        if not ok:
            if kind is not t.Kind.BOOL:
                diff = a - e
                sign = "-" if diff < 0 else "+"
                if kind is t.Kind.MONEY:
                    shown = f"{sign}£{abs(diff):,.2f}"
                elif lit.tag == "percent":
                    shown = f"{sign}{abs(diff) * 100:.6g} percentage points"
                else:
                    shown = f"{sign}{abs(diff):.6g}"
                got = f"{got} (difference {shown})"
            self.mismatches.append(Mismatch(where, what, want, got))

    def overall(self, name: str) -> None:
        path = (*self.expect_path, "overall", name)
        units = self.result.units
        numeric = [c for c in units.columns if self.column_kind("units", c) is not t.Kind.STRING]
        if name not in numeric:
            self.errors.append(
                _problem(
                    "T030",
                    f"`overall` sums a total over every unit and period: there is no total `{name}`",
                    self.case.where(path, key=True),
                    did_you_mean(str(name), numeric) or f"the totals are: {', '.join(numeric)}",
                )
            )
            return
        total = float(units[name].sum())
        self.value(
            path, self.expect()["overall"][name], self.column_kind("units", name), total, name
        )

    def checks(self, rows: list[dict[str, Any]]) -> None:
        path = (*self.expect_path, "checks")
        findings = self.result.checks
        found: dict[tuple[str, ...], int] = {
            (str(c), str(p), str(s)): i
            for i, (c, p, s) in enumerate(
                zip(findings["check"], findings["period"], findings["subject"], strict=True)
            )
        }
        listed: set[tuple[str, ...]] = set()
        for i, row in enumerate(rows):
            rp = (*path, i)
            ident = self.ident("checks", rp, row)
            if ident is None:
                continue
            key, names = ident
            listed.add(key)
            extra = [k for k in row if _ALIASES.get(str(k), str(k)) not in _IDENT["checks"]]
            allowed = ("severity", "message", "per")
            for k in extra:
                if k not in allowed:
                    self.errors.append(
                        _problem(
                            "T030",
                            f"a finding has no field `{k}`",
                            self.case.where((*rp, k), key=True),
                            did_you_mean(str(k), allowed)
                            or "a finding has check, period, subject, severity, message and per",
                        )
                    )
            what = self.describe_row("checks", names)
            self.compared += 1
            position = found.get(key)
            if position is None:
                self.mismatches.append(
                    Mismatch(
                        self.case.where(rp), what, "a finding", self.why_absent("checks", names)
                    )
                )
                continue
            for k in extra:
                if k in allowed:
                    self.value(
                        (*rp, k),
                        row[k],
                        t.Kind.STRING,
                        findings[k].iloc[position],
                        f"{k} of {what}",
                    )
        where = self.case.where(path, key=True)
        for key in found:
            if key not in listed:
                self.compared += 1
                self.mismatches.append(
                    Mismatch(
                        where,
                        "checks",
                        "only the findings listed",
                        f"also check {key[0]} for {key[2]} in {key[1]}",
                    )
                )


__all__ = [
    "CaseResult",
    "Mismatch",
    "discover",
    "run_files",
    "run_tests",
    "summary",
]

"""Running test cases: each case's parameters and data prepared, the framework evaluated, the
results compared (:mod:`qframe.tools.testing.compare`)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from qframe import api
from qframe.check.overrides import record_types, record_value
from qframe.data.dataset import Dataset
from qframe.data.load import load_dataset
from qframe.data.records.folder import is_record_folder
from qframe.engines.records.base import RecordEngine
from qframe.engines.registry import record_engine as record_engine_named
from qframe.errors.diagnostics import (
    Diagnostic,
    Location,
    QframeError,
    did_you_mean,
    error,
    sort_key,
)
from qframe.ir import kinds as t
from qframe.source.paths import contained
from qframe.source.yamldoc import YamlPath
from qframe.tools.patient import record_program
from qframe.tools.testing.cases import (
    Case,
    discover,
    read_cases,
)
from qframe.tools.testing.compare import CaseComparison
from qframe.tools.testing.inline import inline_dataset
from qframe.tools.testing.literals import TAG_WORDS, example_for, param_fits, read_literal
from qframe.tools.testing.patients import (
    compare_patients,
    is_inline_records,
    records_folder,
    write_inline_records,
)
from qframe.tools.testing.results import CaseResult

DEFAULT_TOLERANCE = 1e-9


def run_tests(path: str | Path, record_engine: str | RecordEngine = "duckdb") -> list[CaseResult]:
    """Run every test case of a framework (folder or definition file), or of one test file
    (cases on GP records counted by ``record_engine``: a name, or an engine with its settings).

    Raises :class:`~qframe.errors.diagnostics.DefinitionError` when the framework itself has errors and
    :class:`~qframe.errors.diagnostics.FileProblem` when the path does not exist; problems in a test
    file are returned as cases with status ``error``."""
    framework_path, files = discover(path)
    framework = api.load(framework_path)
    return run_files(framework, files, record_engine)


def run_files(
    framework: api.Framework,
    files: Iterable[str | Path],
    record_engine: str | RecordEngine = "duckdb",
) -> list[CaseResult]:
    """Run the cases of the given test files against a loaded framework."""
    runner = Runner(framework, record_engine)
    results: list[CaseResult] = []
    for file in files:
        cases, problems = read_cases(Path(file))
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


class Runner:
    """Runs the cases of test files against one loaded framework."""

    def __init__(
        self, framework: api.Framework, record_engine: str | RecordEngine = "duckdb"
    ) -> None:
        self.fw = framework
        self.records = (
            record_engine_named(record_engine) if isinstance(record_engine, str) else record_engine
        )
        self.plan = framework.plan
        self.months = framework.definition.period_months
        self._folders: dict[Path, Dataset | list[Diagnostic]] = {}

    def prepare(
        self, case: Case
    ) -> tuple[float, dict[str, Any], Dataset | Path | None, list[Diagnostic]]:
        """Everything a case needs before evaluating, and every problem found on the way."""
        problems = [*(p.diagnostic for p in case.problems), *self._structure(case)]
        tolerance, more = self._tolerance(case)
        problems += more
        params, more = self._params(case)
        problems += more
        data, more = self._data(case)
        problems += more
        return tolerance, params, data, problems

    def run(self, case: Case) -> CaseResult:
        tolerance, params, data, problems = self.prepare(case)
        in_expect = case.problems_inside_expect()
        if data is None or any(all(d is not e for e in in_expect) for d in problems):
            return self._error(case, problems)
        data_path = case.find("data")
        assert data_path is not None
        try:
            result = self.fw.evaluate(data, params=params, record_engine=self.records)
        except QframeError as exc:
            inline = not isinstance(case.value(data_path), str)
            where = case.where(data_path, key=inline)  # `data:` itself, or the folder's path
            return self._error(case, [*relocate(exc.diagnostics, where), *in_expect])
        cmp = CaseComparison(self.fw, case, result, tolerance)
        cmp.compare()
        compared, mismatches, errors = cmp.compared, list(cmp.mismatches), list(cmp.errors)
        if isinstance(data, Path) and "patients" in (case.value((*case.base, "expect")) or {}):
            outcomes = self.records.patient_outcomes(record_program(self.fw, params), data)
            assert isinstance(outcomes, pd.DataFrame)  # asked for no file: the table itself
            n, more, bad = compare_patients(case, outcomes)
            compared, mismatches, errors = compared + n, [*mismatches, *more], [*errors, *bad]
        return CaseResult(
            str(case.file),
            case.name,
            case.location,
            compared,
            tuple(mismatches),
            tuple(sorted([*in_expect, *errors], key=sort_key)),
        )

    def _error(self, case: Case, problems: list[Diagnostic]) -> CaseResult:
        return CaseResult(
            str(case.file), case.name, case.location, errors=tuple(sorted(problems, key=sort_key))
        )

    # -- the shape of a case
    def _structure(self, case: Case) -> list[Diagnostic]:
        """The fields a case must have, itself or from the top of its file (the shape of every
        field is checked by the schema, in :func:`~qframe.tools.testing.cases.read_cases`)."""
        doc = case.doc
        out: list[Diagnostic] = []
        here = case.where(case.base) if case.base else Location(doc.source, 0)
        if case.find("data") is None:
            out.append(
                error(
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
                error(
                    "T003",
                    f"test case `{case.name}` has no `expect:`",
                    here,
                    "add `expect:` with the values the results must hold, under `indicators:`, `units:`, `checks:` or `overall:`",
                )
            )
            return out
        expect = own["expect"]
        if isinstance(expect, dict) and not expect:  # its shape is the schema's to check
            out.append(
                error(
                    "T003",
                    "`expect` has nothing to check",
                    case.where(expect_path, key=True),
                    "list expected values under `indicators:`, `units:`, `checks:` or `overall:`",
                )
            )
        return out

    def _tolerance(self, case: Case) -> tuple[float, list[Diagnostic]]:
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
                error(
                    "T034",
                    f"`tolerance` must be a number at least 0, not `{case.doc.raw(path) or value}`",
                    case.where(path),
                    "e.g. `tolerance: 1e-6` (an absolute tolerance for numbers that are not money)",
                )
            ]
        return tol, []

    # -- parameters
    def _params(self, case: Case) -> tuple[dict[str, Any], list[Diagnostic]]:
        paths = [p for p in _param_paths(case) if isinstance(case.value(p), dict)]
        values: dict[str, Any] = {}
        problems: list[Diagnostic] = []
        clinical = record_types(self.plan)
        for base in paths:
            for name, value in case.value(base).items():
                where = case.where((*base, name), key=True)
                if name not in self.plan.params and name in clinical:
                    # a record-level parameter (records.yaml): `hba1c_target: 64 mmol/mol`
                    found: list[Diagnostic] = []
                    raw = value if isinstance(value, (int, float, dt.date)) else str(value)
                    record_value(raw, clinical[name], name, None, 0, found)
                    problems += [
                        error("T021", f"parameter `{name}`: {d.message}", case.where((*base, name)), d.hint)
                        for d in found
                    ]  # fmt: skip
                    if not found:
                        values[name] = raw
                    continue
                if name not in self.plan.params:
                    problems.append(
                        error(
                            "T020",
                            f"unknown parameter `{name}`",
                            where,
                            did_you_mean(str(name), [*self.plan.params, *clinical])
                            or f"the framework's parameters: {', '.join(self.plan.params)}",
                        )
                    )
                    continue
                ptype = self.plan.param_types[name]
                lit = read_literal(case.doc, (*base, name), value, self.months)
                if not param_fits(ptype.kind, lit.tag):
                    problems.append(
                        error(
                            "T021",
                            f"parameter `{name}` is {ptype.describe()}, not {TAG_WORDS[lit.tag]} (`{lit.text}`)",
                            case.where((*base, name)),
                            example_for(ptype.kind, lit),
                        )
                    )
                    continue
                kind = ptype.kind
                values[name] = lit.text if kind is t.Kind.STRING else lit.value
        return values, problems

    # -- data
    def _data(self, case: Case) -> tuple[Dataset | Path | None, list[Diagnostic]]:
        path = case.find("data")
        if path is None:
            return None, []
        value = case.value(path)
        where = case.where(path)
        if is_inline_records(value):  # GP records written in the test: a record folder
            folder = records_folder()
            problems = write_inline_records(case, path, folder)
            return (None if problems else folder), problems
        if isinstance(value, str):
            root = Path(self.fw.definition.path).parent
            inside = contained(case.file, value, [root])
            if inside is None:  # a test file reads data from within its framework's folder only
                return None, [
                    error(
                        "T005",
                        f"`data: {value}` is outside the framework folder {root}",
                        where,
                        "keep a test's data inside the framework folder (e.g. tests/data), or write it inline",
                    )
                ]
            folder = inside
            if is_record_folder(folder):  # GP records: counted by the framework's rules
                return folder, []
            key = folder.resolve()
            if key not in self._folders:
                try:
                    self._folders[key] = load_dataset(folder)
                except QframeError as exc:
                    self._folders[key] = exc.diagnostics
            loaded = self._folders[key]
            if isinstance(loaded, list):
                return None, relocate(loaded, where)
            return loaded, []
        if isinstance(value, dict):
            return inline_dataset(case, path)
        return None, []  # neither a folder nor inline data: the schema said so


def _param_paths(case: Case) -> list[YamlPath]:
    """Where parameter values are given: at the top of the file (shared), then in the case."""
    paths: list[YamlPath] = []
    if case.base and "params" in case.doc.data:
        paths.append(("params",))
    if "params" in case.value(case.base):
        paths.append((*case.base, "params"))
    return paths


def relocate(diagnostics: Iterable[Diagnostic], where: Location) -> list[Diagnostic]:
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

"""Scenario files: named variants of a framework (parameter changes, thresholds moved, indicators
dropped, a budget-neutral point value), evaluated on the same data.

The file's shape is checked against ``qframe/source/schemas/scenarios.schema.json`` and reported in plain
words at its place in the file, like a definition; what a schema cannot know (an indicator that
does not exist, a shift that is not a percentage) is checked here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pandas as pd

from qframe.api import DataLike, Framework, as_dataset, load
from qframe.check.overrides import resolve
from qframe.data.dataset import Dataset
from qframe.engines.numpy.lower import compile_framework
from qframe.errors.diagnostics import (
    DefinitionError,
    Diagnostic,
    ExitCode,
    FileProblem,
    SourceFile,
    did_you_mean,
    error,
)
from qframe.source.files import SourceProblem, read_source
from qframe.source.paths import contained
from qframe.source.schema import schema_diagnostics
from qframe.source.yamldoc import YamlDocument, load_yaml
from qframe.tools.scenarios.calibrate import calibrate
from qframe.tools.scenarios.grid import Point, shift_amount
from qframe.tools.scenarios.sweep import sweep


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario of a file: the framework it evaluates (indicators dropped), its overrides,
    and the parameter to solve when it is budget neutral."""

    name: str
    framework: Framework
    overrides: dict[str, Any]
    note: str = ""
    budget_neutral: str = ""


@lru_cache(maxsize=1)
def scenarios_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files."""
    text = (
        files("qframe.source.schemas").joinpath("scenarios.schema.json").read_text(encoding="utf-8")
    )
    result: dict[str, Any] = json.loads(text)
    return result


# Schema diagnostics given the scenario files' own codes and words: (code, message pattern) →
# (code, message, hint); None keeps the schema's.
_OWN_WORDS: list[tuple[str, re.Pattern[str], str, str, str | None]] = [
    (
        "Q010",
        re.compile(r"unknown field `(?P<key>.*)` in scenarios\.(?P<name>[^.]+)$"),
        "S003",
        "scenario `{name}`: unknown field `{key}`",
        None,
    ),
    (
        "Q011",
        re.compile(r"is missing the required field `framework`$"),
        "S001",
        "a scenario file names its `framework:`",
        "framework: ../frameworks/qof_2014",
    ),
    (
        "Q011",
        re.compile(r"is missing the required field `scenarios`$"),
        "S002",
        "a scenario file lists `scenarios:` by name",
        "scenarios:\n  baseline: {}\n  higher_point_value: {set: {point_value: £180}}",
    ),
    (
        "Q019",
        re.compile(r"^scenarios: "),  # an empty mapping of scenarios
        "S002",
        "a scenario file lists `scenarios:` by name",
        "scenarios:\n  baseline: {}\n  higher_point_value: {set: {point_value: £180}}",
    ),
]


def _in_own_words(diagnostic: Diagnostic) -> Diagnostic:
    for code, pattern, new_code, message, hint in _OWN_WORDS:
        found = pattern.search(diagnostic.message) if diagnostic.code == code else None
        if found:
            return replace(
                diagnostic,
                code=new_code,
                message=message.format(**found.groupdict()),
                hint=diagnostic.hint if hint is None else hint,
            )
    return diagnostic


def _read(file: Path) -> tuple[YamlDocument, dict[str, Any], list[Diagnostic]]:
    """The file, its data, and how it breaks the schema; raises when no scenario can be read."""
    if not file.exists():
        raise FileProblem(
            [
                error(
                    "Q004",
                    f"no such scenario file: {file}",
                    None,
                    "give the path of a scenarios YAML file",
                )
            ],
            ExitCode.FILE_ERROR,
        )
    try:
        text = read_source(file, what="scenario file")
    except SourceProblem as exc:
        raise FileProblem([exc.diagnostic], ExitCode.FILE_ERROR) from None
    doc = load_yaml(str(file), text)
    if doc.diagnostics:
        raise DefinitionError(doc.diagnostics)
    problems = [
        _in_own_words(d)
        for d in schema_diagnostics(doc, scenarios_schema(), subject="the scenario file")
    ]
    data = doc.data if isinstance(doc.data, dict) else {}
    usable = isinstance(data.get("framework"), str) and isinstance(data.get("scenarios"), dict)
    if not (usable and data["scenarios"]):  # the schema has said why
        raise DefinitionError(problems)
    return doc, data, problems


def load_scenarios(path: str | Path) -> tuple[list[ScenarioRun], dict[str, Any]]:
    """Read a scenario file: `framework:` (relative path), and `scenarios:` each with `set:`,
    `shift_thresholds:`, `drop:` (indicator ids), `budget_neutral:` (a parameter to solve so the
    scenario costs what the first scenario costs) and `doc:`."""
    file = Path(path)
    doc, data, problems = _read(file)
    named = str(data["framework"])
    # within the scenario file's folder or the working folder: never any path the file names
    inside = contained(file, named, [file.parent, Path.cwd()])
    if inside is None:
        raise DefinitionError(
            [
                error(
                    "S007",
                    f"`framework: {named}` is outside the scenario file's folder and the working folder",
                    doc.location(("framework",)),
                    "give a relative path to a framework folder inside the project",
                )
            ]
        )
    base = load(inside)
    runs = []
    for name, spec in data["scenarios"].items():
        if not isinstance(spec, dict):
            spec = {}  # empty (the framework as it stands), or reported by the schema
        fw = base
        drop = spec.get("drop", [])
        dropped = [str(i) for i in drop] if isinstance(drop, list) else []
        unknown = [i for i in dropped if i not in base.definition.indicators]
        for i in unknown:
            problems.append(
                error(
                    "S004",
                    f"scenario `{name}` drops unknown indicator `{i}`",
                    doc.location(("scenarios", name, "drop")),
                    did_you_mean(i, base.definition.indicators),
                )
            )
        if dropped and not unknown:
            kept = {k: v for k, v in base.definition.indicators.items() if k not in dropped}
            definition = replace(base.definition, indicators=kept)
            fw = Framework(definition, compile_framework(definition))
        overrides: dict[str, Any] = {}
        settings = spec.get("set")
        for key, value in (settings if isinstance(settings, dict) else {}).items():
            where = doc.location(("scenarios", name, "set", key))
            overrides[key] = (str(value), SourceFile(where.path, where.source.text), where.offset)
        shift = spec.get("shift_thresholds")
        if shift is not None:
            amount = shift_amount(shift)
            if amount is None:
                problems.append(
                    error(
                        "S006",
                        f"scenario `{name}`: `{shift}` is not a shift of thresholds",
                        doc.location(("scenarios", name, "shift_thresholds")),
                        "write percentage points, e.g. shift_thresholds: 5%",
                    )
                )
                continue
            for iid, ind in fw.definition.indicators.items():
                if ind.thresholds is not None:
                    lo = fw.plan.indicator_numbers["lower"][fw.plan.indicator_ids.index(iid)]
                    hi = fw.plan.indicator_numbers["upper"][fw.plan.indicator_ids.index(iid)]
                    overrides[f"{iid}.thresholds"] = (min(lo + amount, 1.0), min(hi + amount, 1.0))
        solve = spec.get("budget_neutral")
        runs.append(
            ScenarioRun(
                str(name), fw, overrides, str(spec.get("doc", "")), str(solve) if solve else ""
            )
        )
    if problems:
        raise DefinitionError(problems)
    return runs, data


def run_scenarios(
    path: str | Path, data: DataLike, *, period: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate every scenario of a file on the same data: a summary row per scenario (cost,
    dispersion, flagged practices, difference from the first scenario) and per-practice payments."""
    runs, _ = load_scenarios(path)
    return evaluate_scenarios(runs, data, period=period)


def evaluate_scenarios(
    runs: Sequence[ScenarioRun],
    data: DataLike,
    *,
    period: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate loaded scenarios (:func:`load_scenarios`) on the same data, as
    :func:`run_scenarios`; ``progress(message)`` is called after each scenario."""
    ds: Dataset = as_dataset(data)
    rows, payments = [], {}
    baseline_cost = None
    covered = ""
    for run in runs:
        overrides = dict(run.overrides)
        solved = None
        if run.budget_neutral:
            parameter = run.budget_neutral
            if baseline_cost is None:
                raise DefinitionError.single(
                    "S005",
                    f"scenario `{run.name}` is budget neutral, but it is the first scenario: there is nothing to match",
                    None,
                    "list the baseline scenario first",
                )
            fw = run.framework
            if overrides:
                resolved = resolve(fw.plan, overrides)
                fw = Framework(fw.definition, resolved.apply(fw.plan))
            solved = calibrate(fw, ds, parameter, baseline_cost, period=period)
            overrides[parameter] = solved.value
        result = sweep(run.framework, ds, points=[Point(run.name, overrides)], period=period)
        row = result.table.iloc[0].to_dict()
        covered = result.described_period
        row["scenario"] = run.name
        row["doc"] = run.note
        if solved is not None:
            row[f"solved_{solved.parameter}"] = solved.value
        if baseline_cost is None:
            baseline_cost = row["total_cost"]
        row["difference_from_first"] = row["total_cost"] - baseline_cost
        rows.append(row)
        payments[run.name] = result.payments.iloc[:, 0]
        if progress is not None:
            progress(f"evaluated {run.name}")
    table = pd.DataFrame(rows)
    first = ["scenario", "total_cost", "difference_from_first"]
    table = table[first + [c for c in table.columns if c not in first]]
    table.attrs["period"] = covered  # what the totals cover, named
    return table, pd.DataFrame(payments)

"""Test patients: a definition test may give GP records (``data:`` a record folder, or inline
``patients:``, ``registrations:``, ``events:`` with ``units:``) and state, under
``expect: patients:``, where each test patient must land — as ehrQL's assurance tests and CQL's
Bonnie cases do::

    expect:
      patients:
        - {patient: 1, indicator: DM007, outcome: numerator}
        - {patient: 2, indicator: DM007, outcome: exception, reason: unsuitable}
        - {patient: 3, register: DM, outcome: not on register}

The counts the records give run through the framework as any data does, so ``expect:
indicators:`` rows check the money too.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from qframe.errors.diagnostics import Diagnostic, error
from qframe.tools.testing.cases import Case
from qframe.tools.testing.results import Mismatch

RECORD_TABLES = ("units", "patients", "registrations", "events")
#: Columns a test may leave out (empty in every row): docs/records.md.
OPTIONAL_COLUMNS = {
    "patients": ("date_of_death",),
    "registrations": ("end_date",),
    "events": ("value", "unit"),
}
TEST_MANIFEST = (
    '{"provenance": "synthetic", "description": "test patients written in a definition test"}\n'
)
OUTCOMES = ("numerator", "denominator", "exception", "exclusion", "not on register", "on register")


def is_inline_records(value: Any) -> bool:
    """Whether inline ``data:`` holds GP records (patients) rather than practice measures."""
    return isinstance(value, dict) and "patients" in value


def write_inline_records(case: Case, path: tuple[Any, ...], folder: Path) -> list[Diagnostic]:
    """The record tables written at ``path`` of the test file, saved as CSV in ``folder`` (the
    record folder the framework then evaluates); problems placed at their rows."""
    data = case.value(path)
    problems = []
    for table in RECORD_TABLES:
        rows = data.get(table)
        if table == "registrations" and rows is None:
            rows = []
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            problems.append(
                error(
                    "T040",
                    f"inline records need `{table}:`, a list of rows written as mappings",
                    case.where((*path, table) if table in data else path),
                    "e.g. `- {patient_id: 1, practice_id: P1, date_of_birth: 1950-01-01, sex: F}`"
                    " (docs/records.md names every table's columns)",
                )
            )
            continue
        frame = pd.DataFrame(rows)
        if table == "registrations" and frame.empty:
            frame = pd.DataFrame(columns=["patient_id", "practice_id", "start_date"])
        for column in OPTIONAL_COLUMNS.get(table, ()):
            if column not in frame.columns:
                frame[column] = None
        frame.to_csv(folder / f"{table}.csv", index=False, lineterminator="\n")
    (folder / "manifest.json").write_text(TEST_MANIFEST, encoding="utf-8")
    return problems


def records_folder() -> Path:
    """A fresh folder for one case's inline records (removed with the process's temp files)."""
    return Path(tempfile.mkdtemp(prefix="qframe-test-records-"))


def compare_patients(
    case: Case, outcomes: pd.DataFrame
) -> tuple[int, list[Mismatch], list[Diagnostic]]:
    """Each ``expect: patients:`` row against the engine's per-patient outcomes: (rows compared,
    mismatches, problems with the rows themselves)."""
    base = (*case.base, "expect", "patients")
    rows = case.value(base)
    mismatches: list[Mismatch] = []
    problems: list[Diagnostic] = []
    if not isinstance(rows, list):
        return 0, [], []
    for k, row in enumerate(rows):
        where = case.where((*base, k))
        if not isinstance(row, dict) or "patient" not in row or "outcome" not in row:
            problems.append(
                error(
                    "T041",
                    "a patient row needs `patient:`, `outcome:` and `indicator:` or `register:`",
                    where,
                    "e.g. `- {patient: 1, indicator: DM007, outcome: numerator}`",
                )
            )
            continue
        item = row.get("indicator") or row.get("register")
        kind = "indicator" if "indicator" in row else "register"
        want = str(row["outcome"])
        if item is None or want not in OUTCOMES:
            problems.append(
                error(
                    "T041",
                    f"patient row: outcome `{want}` or its indicator/register is not valid",
                    where,
                    f"outcomes: {', '.join(OUTCOMES)}",
                )
            )
            continue
        found = outcomes[
            (outcomes["patient_id"].astype(str) == str(row["patient"]))
            & (outcomes["kind"] == kind)
            & (outcomes["item"].astype(str) == str(item))
        ]
        if found.empty:  # not on the register: no outcome row
            got, reason = ("not on register", None)
        else:
            got = str(found["outcome"].iloc[0])
            reason = found["reason"].iloc[0]
            reason = None if pd.isna(reason) else str(reason)
        label = f"patient {row['patient']} {item}"
        if got != want:
            mismatches.append(Mismatch(where, label, want, got))
        elif "reason" in row and str(row["reason"]) != (reason or ""):
            mismatches.append(Mismatch(where, f"{label} reason", str(row["reason"]), reason or ""))
    return len(rows), mismatches, problems

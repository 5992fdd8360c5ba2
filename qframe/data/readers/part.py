"""What one NHS Digital file contributes to a dataset, and the problems found reading it.

Every problem names the file and its rows as a spreadsheet shows them (the header is row 1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qframe.data.validate import MAX_ROWS_SHOWN
from qframe.errors.diagnostics import Diagnostic, ExitCode, FileProblem, Severity, error


@dataclass
class FilePart:
    """What one file contributes, with the source row (``_row``) of every value."""

    file: str
    kind: str
    period: str | None
    units: pd.DataFrame | None = None
    measures: pd.DataFrame | None = None
    problems: list[Diagnostic] = field(default_factory=list)


Reader = Callable[[Path, pd.DataFrame, str], FilePart]


def rows_problem(
    code: str,
    message: str,
    file: str,
    rows: Iterable[int] = (),
    hint: str = "",
    severity: Severity = Severity.ERROR,
) -> Diagnostic:
    """A data problem; ``message`` may use {n}, the number of rows."""
    shown = sorted(set(int(r) for r in rows))
    return Diagnostic(
        severity,
        code,
        message.format(n=len(shown)),
        None,
        hint,
        file,
        tuple(shown[:MAX_ROWS_SHOWN]),
        len(shown),
    )


def first_few(values: Iterable[Any]) -> str:
    """The first distinct values, then how many more: "A, B, C and 4 more"."""
    seen = list(dict.fromkeys(str(v) for v in values))
    more = len(seen) - MAX_ROWS_SHOWN
    return ", ".join(seen[:MAX_ROWS_SHOWN]) + (f" and {more} more" if more > 0 else "")


def file_problem(code: str, message: str, hint: str) -> FileProblem:
    """A problem with a whole file (exit code 4): it cannot be found or read."""
    return FileProblem([error(code, message, None, hint)], ExitCode.FILE_ERROR)

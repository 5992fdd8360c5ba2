"""What running a test case gives: a :class:`CaseResult`, with a :class:`Mismatch` for each value
that differs from the expectation, and the summary line of a run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qframe.errors.diagnostics import Diagnostic, Location


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

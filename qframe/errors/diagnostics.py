"""Diagnostics for people: where (file:line:col), what, and how to fix it.

Every user-facing problem in a definition or a dataset is a :class:`Diagnostic`. They are collected
(never raised one at a time) and rendered as::

    frameworks/demo/framework.yaml:12:23: error Q201 unknown name `achievment`
       12 |   points: max_points * slide(achievment, lower, upper)
          |                              ^~~~~~~~~~
      hint: did you mean `achievement`?
"""

from __future__ import annotations

import difflib
import enum
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class ExitCode(enum.IntEnum):
    """Process exit codes, one per kind of outcome (documented in docs/cli.md)."""

    OK = 0
    DEFINITION_ERROR = 1  # the definition has errors
    WARNINGS = 2  # only warnings, and --strict was given
    DATA_ERROR = 3  # the data is bad (missing columns, duplicates, ...)
    FILE_ERROR = 4  # a file or folder cannot be found or read
    CHECK_FAILED = 5  # evaluated and written, but a check of `severity: error` failed
    ENGINE_UNAVAILABLE = 6  # the chosen engine cannot run: not installed, no Java, no cluster
    USAGE = 64  # the command line is wrong
    INTERNAL = 70  # a fault in qframe itself: please report it


@dataclass(frozen=True)
class SourceFile:
    """The text of a file, with line lookup by character offset."""

    path: str
    text: str
    line_starts: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = [0]
        for i, ch in enumerate(self.text):
            if ch == "\n":
                starts.append(i + 1)
        object.__setattr__(self, "line_starts", tuple(starts))

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1

    def line_text(self, line: int) -> str:
        if line < 1 or line > len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start : end if end >= 0 else len(self.text)].rstrip("\r")


@dataclass(frozen=True)
class Location:
    """A place in a file: 1-based line and column, and how many characters to underline."""

    source: SourceFile
    offset: int
    length: int = 1

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def line(self) -> int:
        return self.source.position(self.offset)[0]

    @property
    def col(self) -> int:
        return self.source.position(self.offset)[1]

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    location: Location | None = None
    hint: str = ""
    # For data problems: the file and the data rows concerned (1-based, as a spreadsheet shows them).
    path: str | None = None
    rows: tuple[int, ...] = ()
    row_count: int = 0

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def where(self) -> str:
        if self.location is not None:
            return str(self.location)
        return self.path or ""

    def render(self) -> str:
        head = f"{self.severity.value} {self.code} {self.message}"
        where = self.where()
        lines = [f"{where}: {head}" if where else head]
        if self.location is not None:
            loc = self.location
            text = loc.source.line_text(loc.line)
            width = len(str(loc.line))
            pad = " " * width
            lines.append(f"  {loc.line} | {text}")
            col = loc.col - 1
            visible = max(1, min(loc.length, len(text) - col if len(text) > col else 1))
            lines.append(f"  {pad} | {' ' * col}^{'~' * (visible - 1)}")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows)
            more = self.row_count - len(self.rows)
            lines.append(f"  rows: {shown}" + (f" (and {more} more)" if more > 0 else ""))
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }
        if self.location is not None:
            out.update(file=self.location.path, line=self.location.line, col=self.location.col)
        if self.path:
            out["file"] = self.path
        if self.rows:
            out.update(rows=list(self.rows), row_count=self.row_count)
        return out


def error(code: str, message: str, location: Location | None = None, hint: str = "") -> Diagnostic:
    return Diagnostic(Severity.ERROR, code, message, location, hint)


def warning(
    code: str, message: str, location: Location | None = None, hint: str = ""
) -> Diagnostic:
    return Diagnostic(Severity.WARNING, code, message, location, hint)


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    if d.location is not None:
        return (d.location.path, d.location.line, d.location.col, d.code)
    return (d.path or "", 0, 0, d.code)


class QframeError(Exception):
    """A user error (bad definition, bad data, missing file): printed, never a traceback."""

    exit_code: ExitCode = ExitCode.DEFINITION_ERROR

    def __init__(self, diagnostics: Iterable[Diagnostic] | str, exit_code: ExitCode | None = None):
        if isinstance(diagnostics, str):
            diagnostics = [error("Q000", diagnostics)]
        self.diagnostics: list[Diagnostic] = sorted(diagnostics, key=sort_key)
        if exit_code is not None:
            self.exit_code = exit_code
        super().__init__(self.render())

    @classmethod
    def single(
        cls, code: str, message: str, location: Location | None = None, hint: str = ""
    ) -> QframeError:
        """The error for one problem (most commands stop at the first they cannot get past)."""
        return cls([error(code, message, location, hint)])

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def render(self) -> str:
        return render_all(self.diagnostics)


class DefinitionError(QframeError):
    exit_code = ExitCode.DEFINITION_ERROR


class DataError(QframeError):
    exit_code = ExitCode.DATA_ERROR


class FileProblem(QframeError):
    exit_code = ExitCode.FILE_ERROR


def render_all(diagnostics: Sequence[Diagnostic]) -> str:
    body = "\n".join(d.render() for d in diagnostics)
    n_err = sum(d.is_error for d in diagnostics)
    n_warn = len(diagnostics) - n_err
    summary = f"{n_err} error{'s' * (n_err != 1)}, {n_warn} warning{'s' * (n_warn != 1)}"
    return f"{body}\n{summary}" if body else summary


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """A hint naming the closest candidates, or "" when none is close."""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in pool}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    if not close:
        return ""
    return "did you mean " + " or ".join(f"`{c}`" for c in close) + "?"


def file_location(path: str | Path, text: str, line: int, col: int, length: int = 1) -> Location:
    src = SourceFile(str(path), text)
    line = max(1, min(line, len(src.line_starts)))
    return Location(src, src.line_starts[line - 1] + col - 1, length)


def output_file(path: str | Path) -> Path:
    """The path a result file is written to, never through a link: a symbolic link of that name
    in the output folder is replaced by the file, so nothing outside the folder the user gave is
    written (its target is left as it was)."""
    target = Path(path)
    if target.is_symlink():
        target.unlink()
    return target


def output_folder(path: str | Path) -> Path:
    """Create (if needed) the folder results are written to, or say plainly why it cannot be."""
    folder = Path(path)
    if str(path).strip() == "":
        raise FileProblem(
            [
                error(
                    "Q007",
                    "the output folder is empty",
                    None,
                    "give --out a folder, e.g. --out out/results",
                )
            ],
            ExitCode.FILE_ERROR,
        )
    if folder.exists() and not folder.is_dir():
        raise FileProblem(
            [
                error(
                    "Q006",
                    f"{folder} is a file, not a folder",
                    None,
                    "give --out a folder (it is created if needed)",
                )
            ],
            ExitCode.FILE_ERROR,
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileProblem(
            [
                error(
                    "Q006",
                    f"cannot create the folder {folder}: {exc.strerror}",
                    None,
                    "choose a folder you can write to",
                )
            ],
            ExitCode.FILE_ERROR,
        ) from None
    return folder

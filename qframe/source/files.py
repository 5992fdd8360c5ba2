"""Read a definition, test or scenario file: a regular file, of bounded size, in UTF-8.

Anything else is refused with a diagnostic before a byte is read: a device (`/dev/zero`,
`/dev/urandom`) would never end and a FIFO would wait for a writer for ever. A file that is not
UTF-8 is placed at its first bad byte (file:line:col), like every other problem in a file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from qframe.errors.diagnostics import Diagnostic, Location, SourceFile, error

#: The largest definition, test or scenario file read, in bytes (documented in
#: docs/definition-format.md). The largest shipped definition is about 32 kB.
MAX_SOURCE_BYTES = 1_000_000


class SourceProblem(Exception):
    """A file that cannot be read as source text; ``diagnostic`` says why and where."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def read_source(path: str | Path, *, code: str = "Q004", what: str = "definition") -> str:
    """The text of ``path``; raises :class:`SourceProblem` (diagnostic ``code``) when it is not a
    regular file, is larger than :data:`MAX_SOURCE_BYTES` or is not UTF-8 text."""
    file = Path(path)
    try:
        info = os.stat(file)
    except OSError as exc:
        raise SourceProblem(error(code, f"cannot read {file}: {exc.strerror}")) from None
    if not stat.S_ISREG(info.st_mode):
        raise SourceProblem(
            error(
                code,
                f"{file} is not a regular file (a device, a pipe or a socket)",
                None,
                f"give the path of the {what}'s YAML file",
            )
        )
    if info.st_size > MAX_SOURCE_BYTES:
        raise SourceProblem(_too_large(file, code, what))
    try:
        with open(file, "rb") as handle:
            raw = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise SourceProblem(error(code, f"cannot read {file}: {exc.strerror}")) from None
    if len(raw) > MAX_SOURCE_BYTES:  # it grew while being read
        raise SourceProblem(_too_large(file, code, what))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        offset = len(raw[: exc.start].decode("utf-8", errors="replace"))
        where = Location(SourceFile(str(file), text), offset)
        raise SourceProblem(
            error(
                code,
                f"the {what} is not UTF-8 text: byte 0x{raw[exc.start]:02x} cannot be read",
                where,
                f"save the {what} as UTF-8 (most editors offer it under 'Save as' or 'Encoding')",
            )
        ) from None


def _too_large(file: Path, code: str, what: str) -> Diagnostic:
    return error(
        code,
        f"{file} is larger than {MAX_SOURCE_BYTES:,} bytes, the most qframe reads for a {what}",
        None,
        "a definition this large is probably not one: check the path",
    )

"""Paths written inside files (a test file's `data:`, a scenario file's `framework:`): kept within
the folder they belong to, so that a file cannot make qframe read (and echo into its messages)
whatever it names elsewhere. A path the user gives on the command line is not limited."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def contained(file: Path, given: str, roots: Sequence[Path]) -> Path | None:
    """``given`` (relative to ``file``'s folder, or absolute) as a path, when it lies within one
    of ``roots`` (after resolving ``..`` and links); None when it points outside them.

    >>> contained(Path("fw/tests/a.yaml"), "../data", [Path("fw")])
    PosixPath('fw/tests/../data')
    >>> contained(Path("fw/tests/a.yaml"), "../../secret", [Path("fw")]) is None
    True
    >>> contained(Path("fw/tests/a.yaml"), "/etc/passwd", [Path("fw")]) is None
    True
    """
    path = file.parent / given  # an absolute `given` stays itself
    resolved = path.resolve()
    for root in roots:
        if resolved.is_relative_to(root.resolve()):
            return path
    return None

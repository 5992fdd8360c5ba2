"""Read a code cluster file: ``#`` header lines, then CSV with columns code,system,description,status.

The format (shared with the record data reader)::

    # cluster: IFCCHBAM_COD
    # title: IFCC HbA1c
    # cluster_version: qof-2014-15-v1
    # source: http://webjeannie.co.uk/QOF/ReadCodes/DM007.htm
    # unit: mmol/mol
    code,system,description,status
    42W5.,readv2,"Haemoglobin A1c level - IFCC standardised",sourced

A problem is raised as :class:`ClusterFileError` with the line it is on; the definition reader
places it at the cluster's entry in records.yaml.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

HEADER_KEYS = ("cluster", "title", "cluster_version", "source", "unit")
COLUMNS = ("code", "system", "description", "status")
STATUSES = ("sourced", "illustrative")


class ClusterFileError(Exception):
    """A cluster file that is missing or malformed; ``missing`` when it does not exist."""

    def __init__(self, message: str, hint: str = "", *, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.missing = missing


@dataclass(frozen=True)
class ClusterFile:
    header: dict[str, str]
    rows: tuple[tuple[str, str, str, str], ...]  # code, system, description, status


def read_cluster_file(path: Path) -> ClusterFile:
    """The header and rows of a cluster file; :class:`ClusterFileError` says what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ClusterFileError(
            f"no cluster file {path}",
            "check the path: it is relative to the framework folder",
            missing=True,
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ClusterFileError(f"cannot read cluster file {path}: {exc}") from None
    header: dict[str, str] = {}
    body: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            key, colon, value = line[1:].partition(":")
            if colon and key.strip() in HEADER_KEYS:
                header[key.strip()] = value.strip()
        elif line.strip():
            body.append((number, line))
    if not body:
        raise ClusterFileError(
            f"{path}: no table of codes", "add a line code,system,description,status"
        )
    rows = list(csv.reader(line for _, line in body))
    if tuple(c.strip() for c in rows[0]) != COLUMNS:
        raise ClusterFileError(
            f"{path} line {body[0][0]}: columns are {','.join(rows[0])}",
            f"the first line of the table must be {','.join(COLUMNS)}",
        )
    out: list[tuple[str, str, str, str]] = []
    for (number, _), row in zip(body[1:], rows[1:], strict=True):
        if len(row) != len(COLUMNS):
            raise ClusterFileError(
                f"{path} line {number}: {len(row)} cells, not {len(COLUMNS)}",
                'quote a description that contains a comma: "Diabetes, type 2"',
            )
        code, system, description, status = (c.strip() for c in row)
        if not code or not system:
            raise ClusterFileError(f"{path} line {number}: a code and its system are needed")
        if status not in STATUSES:
            raise ClusterFileError(
                f"{path} line {number}: status `{status}` of code {code}",
                f"write {' or '.join(STATUSES)}",
            )
        out.append((code, system, description, status))
    return ClusterFile(header, tuple(out))

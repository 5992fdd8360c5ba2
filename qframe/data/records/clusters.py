"""Code clusters as data: one CSV file per cluster.

A cluster file starts with ``#`` header lines naming the cluster and saying where its codes come
from, then a table with columns ``code,system,description,status`` (``status``: ``sourced`` when a
cited source lists the code, ``illustrative`` otherwise)::

    # cluster: IFCCHBAM_COD
    # title: IFCC HbA1c
    # cluster_version: qof-2014-15-v1
    # source: http://webjeannie.co.uk/QOF/ReadCodes/DM007.htm
    # unit: mmol/mol
    code,system,description,status
    42W5.,readv2,"Haemoglobin A1c level - IFCC standardised",sourced
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qframe.errors.diagnostics import DataError, error
from qframe.source.clusters import ClusterFileError, read_cluster_file


@dataclass(frozen=True)
class Code:
    code: str
    system: str
    description: str
    status: str


@dataclass(frozen=True)
class Cluster:
    """A named, versioned list of codes; ``unit`` is the unit its values are compared in."""

    name: str
    title: str
    version: str
    source: str
    unit: str
    codes: tuple[Code, ...]
    path: str = ""

    @property
    def pairs(self) -> frozenset[tuple[str, str]]:
        """The (system, code) pairs of the cluster."""
        return frozenset((c.system, c.code) for c in self.codes)


def read_cluster(path: str | Path) -> Cluster:
    """Read one cluster file (through the one reader of the format,
    :func:`qframe.source.clusters.read_cluster_file`); a :class:`DataError` (R040) says what is
    wrong with it."""
    file = Path(path)
    try:
        content = read_cluster_file(file)
    except ClusterFileError as exc:
        raise DataError([error("R040", exc.message, None, exc.hint)]) from None
    header = content.header
    if "cluster" not in header:
        raise DataError([error("R040", f"{file}: no '# cluster: NAME' line", None, "")])
    return Cluster(
        header["cluster"],
        header.get("title", ""),
        header.get("cluster_version", ""),
        header.get("source", ""),
        header.get("unit", ""),
        tuple(Code(*row) for row in content.rows),
        str(file),
    )


def read_clusters(folder: str | Path) -> dict[str, Cluster]:
    """Every cluster file (``*.csv``) of a folder, by cluster name."""
    clusters = [read_cluster(p) for p in sorted(Path(folder).glob("*.csv"))]
    return {c.name: c for c in clusters}

"""W502–W504: code clusters, fields and parameters of records.yaml that nothing reads."""

from __future__ import annotations

from qframe.errors.diagnostics import Diagnostic, warning
from qframe.model import definition as m


def check(
    records: m.RecordsDef, clusters: set[str], fields: set[str], params: set[str]
) -> list[Diagnostic]:
    out = []
    for name, cluster in records.clusters.items():
        if name not in clusters:
            out.append(
                warning(
                    "W502",
                    f"code cluster `{name}` is never used",
                    cluster.location,
                    "query it in a field (latest, earliest, count, exists) or remove it",
                )
            )
    for name, f in records.fields.items():
        if name not in fields:
            out.append(
                warning(
                    "W503",
                    f"field `{name}` is never used",
                    f.location,
                    "read it in a rule, or remove it",
                )
            )
    for name, p in records.parameters.items():
        if name not in params:
            out.append(
                warning(
                    "W504",
                    f"record-level parameter `{name}` is never used",
                    p.location,
                    "read it in a field or a rule, or remove it",
                )
            )
    return out

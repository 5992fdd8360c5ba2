"""The tables of a comparison of frameworks, and what was compared: all that report.html and
the workbook show. :func:`qframe.tools.compare.compare` makes them; the report reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qframe.results.formatting import share
from qframe.results.xlsx import write_xlsx


@dataclass(frozen=True)
class ComparisonTables:
    """The tables comparing frameworks on one year of one dataset (docs/compare.md)."""

    period: str
    period_source: str  # "given" or why it was chosen
    baseline: str
    threshold: float
    practices: pd.DataFrame
    frameworks: pd.DataFrame
    escalation: pd.DataFrame
    winners_losers: pd.DataFrame
    agreement: pd.DataFrame
    mismatches: pd.DataFrame
    equity: pd.DataFrame
    funnel: pd.DataFrame | None
    funnel_note: str
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        """The frameworks compared, in the order given."""
        return [str(label) for label in self.frameworks["framework"]]

    @property
    def with_escalation(self) -> list[str]:
        """The frameworks that have escalation rules (the others never flag a practice)."""
        has = self.frameworks["has_escalation"].to_numpy(dtype=bool)
        return [label for label, yes in zip(self.labels, has, strict=True) if yes]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name, in the order they are written (funnel only when there is one)."""
        out = {
            "frameworks": self.frameworks,
            "practices": self.practices,
            "escalation": self.escalation,
            "winners_losers": self.winners_losers,
            "agreement": self.agreement,
            "mismatches": self.mismatches,
            "equity": self.equity,
        }
        if self.funnel is not None:
            out["funnel"] = self.funnel
        return out

    def write_workbook(self, path: str | Path) -> Path:
        """One Excel workbook: an ``about`` sheet (period, baseline, threshold, frameworks, data)
        and one sheet per table, each with a bold, frozen header row. The same comparison gives
        a byte-identical file."""
        about = pd.DataFrame(self.about_rows(), columns=["item", "value"])
        return write_xlsx(path, {"about": about, **self.tables()})

    def about_rows(self) -> list[tuple[str, str]]:
        """What was compared, as (label, value) lines: for the workbook and the report."""
        m = self.manifest
        rows = [
            ("period", self.period),
            ("period chosen", self.period_source),
            ("baseline", self.baseline),
            ("threshold", f"{self.threshold:.4g} ({share(self.threshold)})"),
            ("data", f"{m['data']['source']} (sha256 {m['data']['sha256']})"),
            ("practices", str(m["data"]["units"])),
        ]
        for fw in m["frameworks"]:
            rows.append(
                (
                    f"framework {fw['label']}",
                    f"{fw['title']} — version {fw['version']}, {fw['frequency']}ly, "
                    f"{fw['definition']} (sha256 {fw['sha256']})",
                )
            )
        rows.append(("qframe", str(m["qframe_version"])))
        return rows

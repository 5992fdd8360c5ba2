"""The tables of a comparison of frameworks, and what was compared: all that report.html and
the workbook show. :func:`qframe.tools.compare.compare` makes them; the report reads them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qframe.results.columns import heading
from qframe.results.formatting import share
from qframe.results.workbook import SheetCells, write_sheets
from qframe.results.xlsx import sheet_cells


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
    # why money moves: cost per framework × component, the practices' components, and per
    # practice and framework the component furthest from a typical practice of its size
    components: pd.DataFrame = field(default_factory=pd.DataFrame)
    practice_components: pd.DataFrame = field(default_factory=pd.DataFrame)
    drivers: pd.DataFrame = field(default_factory=pd.DataFrame)
    # totals by region, CCG, locality and cluster
    rollups: pd.DataFrame = field(default_factory=pd.DataFrame)

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
        out["components"] = self.components
        out["practice_components"] = self.practice_components
        out["rollups"] = self.rollups
        return out

    @property
    def titles(self) -> dict[str, str]:
        """Each framework's title by label (the label when it has none)."""
        f = self.frameworks
        return {
            str(label): str(title) or str(label)
            for label, title in zip(f["framework"], f["title"], strict=True)
        }

    def provenance_line(self) -> str:
        """Where the data come from, in one line for people."""
        stated = self.provenance
        kind = stated["provenance"]
        if kind == "synthetic":
            head = "SYNTHETIC data: no figure here is a real practice's"
        elif kind == "real":
            head = "real data"
        else:
            head = "not stated by the data (check before sharing)"
        return f"{head}. {stated['description']}".strip().rstrip(".") + "."

    @property
    def provenance(self) -> dict[str, str]:
        """Where the data come from (synthetic, real or not stated) and what they are."""
        data = self.manifest.get("data", {})
        return {
            "provenance": str(data.get("provenance", "not stated")),
            "description": str(data.get("description", "")),
            "deprivation_quintile": str(
                data.get("deprivation_quintile", "direction not stated by the data")
            ),
        }

    def practices_wide(self) -> tuple[pd.DataFrame, dict[str, str]]:
        """One row per practice, a column per framework: payment, payment per patient, the
        difference from the baseline and its share, the escalation level; with the kind of
        value of each framework column (for the workbook's formats)."""
        p = self.practices
        first = p[p["framework"] == self.baseline]
        keep = [
            c for c in ("unit_id", "name", "region", "ccg", "locality", "cluster") if c in p.columns
        ]
        wide = first[[*keep, "deprivation_quintile", "list_size"]].reset_index(drop=True)
        wide = wide.rename(columns={c: heading(c) for c in wide.columns})
        kinds: dict[str, str] = {
            heading("deprivation_quintile"): "whole",
            heading("list_size"): "count",
        }
        escalating = set(self.with_escalation)
        for label in self.labels:
            f = p[p["framework"] == label].set_index("unit_id").reindex(first["unit_id"])
            columns = {
                f"{label}: payment (£)": ("payment", "money"),
                f"{label}: £ per patient": ("payment_per_patient", "money_per_patient"),
            }
            if label != self.baseline:
                columns[f"{label}: difference (£)"] = ("difference", "money")
                columns[f"{label}: ratio to baseline"] = ("ratio", "ratio")
            if label in escalating:
                columns[f"{label}: escalation level"] = ("escalation_level", "text")
            for title, (key, kind) in columns.items():
                wide[title] = f[key].to_numpy()
                kinds[title] = kind
        return wide, kinds

    def rollups_wide(self) -> tuple[pd.DataFrame, dict[str, str]]:
        """The roll-ups with a row per area (region, CCG, locality, cluster) and columns per
        framework: payment and £ per patient; against the baseline, the difference, its share
        and the practices losing; with the kind of value of each framework column."""
        r = self.rollups
        keys = ["level", "group"]
        base = r[r["framework"] == self.baseline]
        wide = base[[*keys, "practices", "patients"]].reset_index(drop=True)
        wide = wide.rename(columns={"group": "area"})
        kinds: dict[str, str] = {"area": "text"}
        index = pd.MultiIndex.from_frame(base[keys])
        for label in self.labels:
            f = r[r["framework"] == label].set_index(keys).reindex(index)
            columns = {
                f"{label}: payment (£)": ("payment", "money"),
                f"{label}: £ per patient": ("payment_per_patient", "money_per_patient"),
            }
            if label != self.baseline:
                columns[f"{label}: difference (£)"] = ("difference", "money")
                columns[f"{label}: change"] = ("relative_difference", "share")
                columns[f"{label}: practices losing"] = ("losing", "count")
            for title, (key, kind) in columns.items():
                wide[title] = f[key].to_numpy()
                kinds[title] = kind
        return wide, kinds

    def write_workbook(self, path: str | Path) -> Path:
        """One Excel workbook for people (the sheets of :meth:`workbook_sheets`). The same
        comparison gives a byte-identical file."""
        return write_sheets(path, self.workbook_sheets())

    def workbook_cells(self) -> int:
        """About how many cells the workbook has: the cells of the tables its sheets are made
        from (the long practices and roll-ups tables for the wide sheets)."""
        frames = [
            self.frameworks,
            self.practices,
            self.rollups,
            self.components,
            self.winners_losers,
            self.equity,
            self.escalation,
            self.agreement,
            self.mismatches,
        ]
        return sum(frame.size for frame in frames) + (
            0 if self.funnel is None else self.funnel.size
        )

    def workbook_sheets(self) -> list[SheetCells]:
        """The workbook's sheets, ready to write: ``about`` (period, baseline, threshold,
        frameworks, data and where they come from), ``frameworks``, ``practices_wide`` (a row
        per practice, columns per framework), ``rollups`` (a row per region, CCG, locality and
        cluster, columns per framework), then components, winners and losers, equity,
        escalation, agreement, mismatches and the funnel (when there is one): readable headings,
        frozen and filtered, £ on money, rates per 1,000 as numbers. The long tables
        (practices, practice_components) are in the CSV or Parquet files."""
        about = pd.DataFrame(self.about_rows(), columns=["item", "value"])
        wide, wide_kinds = self.practices_wide()
        rollups, rollup_kinds = self.rollups_wide()
        sheets = {
            "about": about,
            "frameworks": self.frameworks,
            "practices_wide": wide,
            "rollups": rollups,
            "components": self.components,
            "winners_losers": self.winners_losers,
            "equity": self.equity,
            "escalation": self.escalation,
            "agreement": self.agreement,
            "mismatches": self.mismatches,
        }
        if self.funnel is not None:
            sheets["funnel"] = self.funnel
        kinds = {"practices_wide": wide_kinds, "rollups": rollup_kinds}
        return [sheet_cells(name, frame, kinds.get(name)) for name, frame in sheets.items()]

    def about_rows(self) -> list[tuple[str, str]]:
        """What was compared, as (label, value) lines: for the workbook and the report."""
        m = self.manifest
        rows = [
            ("period", self.period),
            ("period chosen", self.period_source),
            ("baseline", self.baseline),
            ("threshold", f"{self.threshold:.4g} ({share(self.threshold)})"),
            ("data", f"{m['data']['source']} (sha256 {m['data']['sha256']})"),
            ("data provenance", self.provenance_line()),
            ("deprivation quintiles", self.provenance["deprivation_quintile"]),
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

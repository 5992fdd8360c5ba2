"""A comparison: each framework's run, the tables comparing them, and writing it all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qframe.api import Framework
from qframe.errors.diagnostics import output_folder
from qframe.results.background import BackgroundWorkbook, worth_a_worker
from qframe.results.columns import csv_rounding
from qframe.results.comparison import ComparisonTables
from qframe.results.tidy import Result
from qframe.results.writer import write_for_people, write_manifest
from qframe.tools.report import write_report

FORMATS = ("csv", "parquet")
WORKBOOK = "comparison.xlsx"
REPORT = "report.html"
MONEY = "payment"

FrameworkLike = Framework | str | Path


def totals_of(fw: Framework) -> tuple[str, ...]:
    """The names of a framework's per-unit totals."""
    return tuple(fw.definition.totals)


@dataclass(frozen=True)
class FrameworkRun:
    """One framework of a comparison and its result (all periods evaluated)."""

    label: str  # the framework's id (its folder name too when two share an id)
    framework: Framework
    result: Result
    complete_years: tuple[str, ...]

    @property
    def frequency(self) -> str:
        return self.framework.definition.frequency

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.framework.definition.levels)

    @property
    def has_escalation(self) -> bool:
        return bool(self.framework.definition.levels)


@dataclass(frozen=True)
class Comparison(ComparisonTables):
    """The tables comparing frameworks on one year of one dataset (docs/compare.md), with each
    framework's run (its definition and full result)."""

    runs: tuple[FrameworkRun, ...] = ()

    def write(
        self,
        out: str | Path,
        fmt: str = "csv",
        report: bool = True,
        workbook: bool = True,
        progress: Callable[[str], None] | None = None,
        worker: bool | None = None,
    ) -> list[Path]:
        """Write each table (CSV or Parquet), comparison.xlsx (a sheet per table),
        manifest.json and report.html into folder ``out``; returns the paths written.
        ``progress`` is told each step done (the tables, the manifest, the report, the
        workbook). The workbook is written by a worker process meanwhile when it is large
        (``worker``: True or False to choose; :mod:`qframe.results.background`)."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}: choose csv or parquet")
        step = progress or (lambda message: None)
        folder = Path(out)
        output_folder(folder)
        written: list[Path] = []
        # the workbook is written by a worker process while the tables and the report are
        # written here (when it is large enough to be worth one: qframe.results.background);
        # it starts first, to be ready by the time the cells are made
        if worker is None:
            worker = worth_a_worker(self.workbook_cells())
        with BackgroundWorkbook(folder / WORKBOOK, worker and workbook) as book:
            if workbook:
                book.write(self.workbook_sheets())
            for name, frame in self.tables().items():
                # CSV to a stated precision: money to the penny (docs/compare.md)
                money, places = csv_rounding([str(c) for c in frame.columns])
                written.append(
                    write_for_people(frame, folder / f"{name}.{fmt}", fmt, money, places)
                )
            step("tables written")
            manifest = write_manifest(self.manifest, folder / "manifest.json")
            step("manifest written")
            report_path = write_report(self, folder / REPORT) if report else None
            step("report written")
            if workbook:
                written.append(book.wait())
            step("workbook written")
        written.append(manifest)
        if report_path is not None:
            written.append(report_path)
        return written

"""`qframe evaluate`: evaluate a framework on a dataset and write tidy results."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd

from qframe import api
from qframe.check.overrides import parse_assignments
from qframe.cli.messages import echo_err
from qframe.cli.options import data_option, format_option, out_option, set_option, strict_option
from qframe.errors.diagnostics import ExitCode, render_all
from qframe.results.formatting import pounds
from qframe.results.tidy import FORMATS


@click.command("evaluate")
@click.argument("framework", type=click.Path(path_type=Path))
@data_option()
@out_option("Folder for the results (created if needed).")
@format_option(FORMATS, "File format of the result tables.")
@strict_option("Refuse to evaluate a definition that has warnings.")
@click.option(
    "--period",
    "periods",
    multiple=True,
    help="Report only this period (repeatable); earlier periods are still read for lags and baselines.",
)
@set_option()
def command(
    framework: Path,
    data_path: Path,
    out: Path,
    fmt: str,
    strict: bool,
    periods: tuple[str, ...],
    assignments: tuple[str, ...],
) -> None:
    """Evaluate a framework on a dataset and write tidy results.

    Writes indicators.<fmt> (one row per unit × period × indicator), units.<fmt> (totals and
    escalation per unit × period), checks.<fmt> (structural check findings) and manifest.json
    (qframe version, content hashes of definition and data, parameters used, warnings).

    \b
    Example:
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof --format parquet
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof --period 2014-15
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof180 --set point_value=£180
    """
    fw = api.load(framework)
    if strict and fw.warnings:
        echo_err(render_all(fw.warnings))
        sys.exit(ExitCode.WARNINGS)
    overrides = parse_assignments(assignments)
    result = fw.evaluate(data_path, periods=list(periods) or None, params=overrides)
    paths = result.write(out, fmt)
    units = result.units
    click.echo(
        f"{fw.id} {fw.version}: {units['unit_id'].nunique()} units, {units['period'].nunique()} period(s), {len(fw.indicators)} indicators"
    )
    if "payment" in units.columns:
        missing = int(units["payment"].isna().sum())
        note = f" ({missing} {fw.definition.unit}-period(s) have no payment)" if missing else ""
        by_period = units.groupby("period", observed=True)["payment"].sum(min_count=1)
        for period, total in by_period.items():
            shown = "no payment (every value missing)" if pd.isna(total) else pounds(total)
            click.echo(f"total payment {period}: {shown}")
        if len(by_period) > 1:
            click.echo(f"total payment, all periods: {pounds(units['payment'].sum())}{note}")
        elif note:
            click.echo(note.strip())
    if len(result.checks):
        click.echo(f"checks: {len(result.checks)} finding(s), see checks.{fmt}")
    for d in result.manifest.get("warnings", []):
        echo_err(f"warning {d['code']} {d['message']}")
    click.echo(f"wrote {', '.join(p.name for p in paths)} to {out}/")
    failed = result.checks[result.checks["severity"] == "error"] if len(result.checks) else None
    if failed is not None and len(failed):
        for check, rows in failed.groupby("check", sort=True):
            echo_err(
                f"error: check {check} (severity: error) failed {len(rows)} time(s), e.g. "
                f"{rows['subject'].iloc[0]} in {rows['period'].iloc[0]}: {rows['message'].iloc[0]}"
            )
        sys.exit(ExitCode.CHECK_FAILED)

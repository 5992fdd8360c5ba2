"""`qframe evaluate`: evaluate a framework on a dataset and write tidy results."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd

from qframe import api
from qframe.check.overrides import parse_assignments
from qframe.cli.messages import echo_err
from qframe.cli.options import (
    chosen_record_engine,
    data_option,
    engine_options,
    format_option,
    out_option,
    quiet_option,
    set_option,
    strict_option,
)
from qframe.data.records.folder import is_record_folder
from qframe.errors.diagnostics import ExitCode, render_all
from qframe.results.formatting import pounds
from qframe.results.progress import Progress
from qframe.results.tidy import FORMATS
from qframe.results.writer import write_table


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
@click.option(
    "--rollup",
    "rollups",
    multiple=True,
    metavar="ATTRIBUTE",
    help="Also write rollup_ATTRIBUTE: the additive totals added up by a unit attribute "
    "(ccg, locality, cluster, region, pcn…) per period (repeatable).",
)
@click.option(
    "--publish",
    is_flag=True,
    help="Make the written tables safe to publish: patient counts of 1-7 suppressed, others "
    "rounded to the nearest 5 (for counts computed from GP records; docs/records.md).",
)
@set_option()
@engine_options()
@quiet_option()
def command(
    framework: Path,
    data_path: Path,
    out: Path,
    fmt: str,
    strict: bool,
    periods: tuple[str, ...],
    assignments: tuple[str, ...],
    rollups: tuple[str, ...],
    publish: bool,
    engine: str,
    spark_master: str | None,
    quiet: bool,
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
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof --rollup ccg --rollup region
      qframe evaluate frameworks/qof_2014 --data data/records_sample --out out/qof_records
      qframe evaluate frameworks/qof_2014 --data data/records_sample --out out/publish --publish
      qframe evaluate frameworks/qof_2014 --data data/records_sample --out out/spark --engine spark
    """
    # a progress bar on standard error, only for a person watching it: the definition loaded,
    # the data read, the framework evaluated, the results written
    with Progress(f"evaluating {framework}", total=4, quiet=quiet) as bar:
        counter = chosen_record_engine(engine, spark_master, lambda m: bar.advance(m, steps=0))
        fw = api.load(framework)
        bar.advance("definition loaded")
        if strict and fw.warnings:
            echo_err(render_all(fw.warnings))
            sys.exit(ExitCode.WARNINGS)
        overrides = parse_assignments(assignments)
        if is_record_folder(data_path):  # GP records: counted by the framework's business rules
            data: api.DataLike = data_path
            bar.advance("GP records found")
        else:
            data = api.as_dataset(data_path)
            bar.advance(f"read {len(data.units):,} units")
        result = fw.evaluate(
            data, periods=list(periods) or None, params=overrides, record_engine=counter
        )
        bar.advance("evaluated")
        if publish:
            from qframe.results.disclosure import publishable

            result = publishable(result)
        paths = result.write(out, fmt)
        for attribute in rollups:
            table = fw.rollup(result, attribute)
            paths.append(write_table(table, out / f"rollup_{attribute}.{fmt}", fmt))
        bar.advance("results written")
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

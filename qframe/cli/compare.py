"""`qframe compare`: compare frameworks on the same data."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from qframe.cli.messages import echo_err
from qframe.cli.options import (
    chosen_record_engine,
    data_option,
    engine_options,
    format_option,
    out_option,
    quiet_option,
)
from qframe.results.formatting import money, pounds
from qframe.results.progress import Progress

WRITE_STEPS = 4  # the tables, the workbook, the manifest, the report
PDF = "report.pdf"


@click.command("compare")
@click.argument("frameworks", nargs=-1, required=True, type=click.Path(path_type=Path))
@data_option("Dataset folder (units + measures): every framework is evaluated on it.")
@out_option("Folder for the tables, comparison.xlsx and report.html (created if needed).")
@click.option(
    "--baseline",
    default=None,
    help="The framework the others are compared with (id or path; default: the first given).",
)
@click.option(
    "--period",
    default=None,
    help="The financial year to compare, e.g. 2015-16 (default: the latest year every framework pays every practice).",
)
@click.option(
    "--threshold",
    default="10%",
    show_default=True,
    help="Change against the baseline beyond which a practice counts as gaining or losing (10% or 0.1).",
)
@format_option(
    ["csv", "parquet"], "File format of the tables (the workbook and report are always written)."
)
@click.option(
    "--by-level",
    "levels",
    multiple=True,
    metavar="ATTRIBUTE",
    help="Also write by_ATTRIBUTE: every framework's payments added up per pcn, cluster, "
    "locality, ccg or region (repeatable; docs/levels.md).",
)
@click.option(
    "--pdf",
    is_flag=True,
    help="Also print the report to report.pdf (A4 landscape) with a Chromium-family browser.",
)
@engine_options()
@quiet_option()
def command(
    frameworks: Sequence[Path],
    data_path: Path,
    out: Path,
    baseline: str | None,
    period: str | None,
    threshold: str,
    fmt: str,
    levels: Sequence[str],
    pdf: bool,
    engine: str,
    spark_master: str | None,
    quiet: bool,
) -> None:
    """Compare frameworks on the same data: cost, who gains and loses, equity, who is flagged.

    Evaluates each framework once on the dataset and compares one financial year (a quarterly
    framework's quarters are summed into their year; its escalation is the highest level of the
    year). Writes practices, frameworks, escalation, winners_losers, agreement, mismatches,
    equity (and funnel) tables, comparison.xlsx with a sheet per table, manifest.json and a
    self-contained report.html (docs/compare.md).

    \b
    Example:
      qframe compare frameworks/qof_2014 frameworks/somerset_pqs frameworks/improving_together \\
          --data data/sample --out out/compare
      qframe compare frameworks/qof_2014 frameworks/somerset_pqs --data data/sample --out out/compare \\
          --baseline somerset_pqs --period 2014-15 --threshold 5% --format parquet
      qframe compare frameworks/qof_2014 examples/pcn_network --data data/sample --out out/pcn \\
          --by-level pcn --by-level ccg
      qframe compare frameworks/qof_2014 frameworks/somerset_pqs --data data/sample --out out/board --pdf
      qframe compare frameworks/qof_2014 my_qof --data data/records_sample --out out/rec --engine spark

    On GP records (--data holding patients, registrations, events) each framework is counted by
    its own records.yaml (my_qof above: a copy of frameworks/qof_2014 with a clinical target
    changed); --engine spark counts them on Spark (docs/spark.md).
    """
    from qframe.tools import compare as compare_mod

    try:
        share = compare_mod.parse_threshold(threshold)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--threshold'") from None
    # a progress bar on standard error, only for a person watching it: a step per framework
    # evaluated, one for the tables, and one per file written
    steps = len(frameworks) + 1 + WRITE_STEPS + int(pdf)
    with Progress("comparing", total=steps, quiet=quiet) as bar:
        counter = chosen_record_engine(engine, spark_master, lambda m: bar.advance(m, steps=0))
        comparison = compare_mod.compare(
            frameworks,
            data_path,
            baseline=baseline,
            periods=period,
            threshold=share,
            progress=lambda label: bar.advance(f"evaluated {label}"),
            record_engine=counter,
        )
        bar.advance("tables built")
        paths = comparison.write(out, fmt, progress=bar.advance)
        if levels:
            from qframe.results.writer import write_table
            from qframe.tools.compare.evaluate import level_data
            from qframe.tools.compare.levels import by_level

            ds = level_data(comparison, data_path, counter)
            for level in levels:
                table = by_level(comparison, ds, level)
                paths.append(write_table(table, Path(out) / f"by_{level}.{fmt}", fmt))
        if pdf:
            from qframe.tools.report.pdf import write_pdf

            paths.append(write_pdf(out / compare_mod.REPORT, out / PDF))
            bar.advance("report printed")
    f = comparison.frameworks
    if len(frameworks) == 1:
        echo_err(
            "warning: one framework given, so there is nothing to compare it with: the tables "
            "describe it alone (give two or more, e.g. frameworks/qof_2014 frameworks/somerset_pqs)"
        )
    click.echo(
        f"compared {len(f)} framework(s) on {data_path}, period {comparison.period}"
        f" ({comparison.period_source}); baseline {comparison.baseline}"
    )
    for _, row in f.iterrows():
        diff, total = row["difference_from_baseline"], row["total_cost"]
        if row["framework"] == comparison.baseline:
            vs = " (baseline)"
        elif diff == diff:  # not NaN
            vs = f" ({money(diff, sign='always')} against the baseline)"
        else:
            vs = ""
        paid = pounds(total) if total == total else "none"
        click.echo(f"  {row['framework']}: total payment {paid}{vs}")
        unpaid = int(row["practices"] - row["practices_paid"])
        if unpaid:
            echo_err(
                f"warning: {row['framework']} has no payment for {unpaid} of {row['practices']}"
                f" practices in {comparison.period}: they are left out of its statistics"
            )
    for d in comparison.manifest.get("warnings", []):
        echo_err(f"warning {d['code']} {d['message']}")
    click.echo(f"wrote {', '.join(p.name for p in paths)} to {out}/")
    click.echo(f"report: {out / compare_mod.REPORT}")
    click.echo(f"workbook: {out / compare_mod.WORKBOOK}")
    if pdf:
        click.echo(f"pdf: {out / PDF}")

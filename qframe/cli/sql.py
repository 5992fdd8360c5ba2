"""`qframe sql`: print the query a framework's business rules run on GP records."""

from __future__ import annotations

from pathlib import Path

import click

from qframe.cli.options import set_option


@click.command("sql")
@click.argument("framework", type=click.Path(path_type=Path))
@click.option(
    "--indicator",
    default=None,
    help="Only this indicator's query (its register, fields and rules); default: every indicator.",
)
@click.option(
    "--dialect",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="SQL dialect: DuckDB (what qframe runs) or Spark SQL (the same query for a cluster).",
)
@set_option()
def command(
    framework: Path, indicator: str | None, dialect: str, assignments: tuple[str, ...]
) -> None:
    """Print the SQL that computes a framework's counts from GP records (records.yaml): the
    population, the per-patient fields, the registers and the first-match-wins rules, then the
    counts per practice. It is exactly the query `qframe evaluate --data RECORDS` runs.

    \b
    Example:
      qframe sql frameworks/qof_2014 --indicator DM007
      qframe sql frameworks/qof_2014 --indicator DM007 --set hba1c_target=64mmol/mol --dialect spark
    """
    from qframe.api import load
    from qframe.check.overrides import parse_assignments
    from qframe.engines.registry import record_engine
    from qframe.tools.patient import record_program

    fw = load(framework)
    program = record_program(fw, parse_assignments(assignments), indicator)
    click.echo(record_engine("duckdb").sql(program, indicator, dialect))

"""`qframe explain`: show how a result was derived (see :mod:`qframe.tools.explain`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from qframe.cli.options import chosen_record_engine, data_option, engine_options, set_option
from qframe.tools.explain import explain


@click.command("explain")
@click.argument("framework", type=click.Path(path_type=Path))
@data_option()
@click.option(
    "--unit",
    default=None,
    help="Practice id (or a cluster, locality or CCG id: its members' contributions).",
)
@click.option(
    "--patient",
    type=int,
    default=None,
    help="With GP records as --data and --indicator: why this patient is or is not in the "
    "indicator (the register decision, the rule that fired and the values it saw).",
)
@click.option(
    "--indicator",
    default=None,
    help="Explain this indicator's result; without it, the practice's totals.",
)
@click.option("--period", default=None, help="Period to explain (default: the latest in the data).")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@set_option()
@engine_options()
def command(
    framework: Path,
    data_path: Path,
    unit: str | None,
    patient: int | None,
    indicator: str | None,
    period: str | None,
    fmt: str,
    assignments: tuple[str, ...],
    engine: str,
    spark_master: str | None,
) -> None:
    """Show how a result was derived: each named step with its expression, where it is defined
    (file:line) and its value for this practice, down to the input measures, ending in the
    points, the payment and any escalation (which rule fired, at what level, since when).

    \b
    Example:
      qframe explain frameworks/qof_2014 --data data/sample --unit S00007 --indicator DM007
      qframe explain frameworks/qof_2014 --data data/sample --unit S00007 --period 2014-15
      qframe explain frameworks/improving_together --data data/sample --unit CL002 --format json
      qframe explain frameworks/qof_2014 --data data/records_sample --patient 1 --indicator DM007
      qframe explain frameworks/qof_2014 --data data/records_sample --patient 1 --indicator DM007 --engine spark
    """
    from qframe.api import load
    from qframe.check.overrides import parse_assignments

    overrides = parse_assignments(assignments)
    counter = chosen_record_engine(engine, spark_master)
    if patient is not None:
        if indicator is None:
            raise click.UsageError("--patient needs --indicator (e.g. --indicator DM007)")
        from qframe.tools.patient import explain_patient

        found = explain_patient(
            load(framework), data_path, patient, indicator, overrides, engine=counter
        )
        if fmt == "json":
            click.echo(json.dumps(found.to_dict(), indent=1, ensure_ascii=False, default=str))
        else:
            click.echo("\n".join(found.lines()))
        return
    if unit is None:
        raise click.UsageError("give --unit (a practice or group id), or --patient with GP records")
    result = explain(
        load(framework), data_path, unit, indicator=indicator, period=period, params=overrides
    )
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=1, ensure_ascii=False))
    else:
        click.echo(result.render())

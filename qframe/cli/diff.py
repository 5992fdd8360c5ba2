"""`qframe diff`: how definition B differs from definition A, and what that does to payments."""

from __future__ import annotations

from pathlib import Path

import click

from qframe.errors.diagnostics import output_folder
from qframe.results.formatting import money, share

TOP_CHANGES = 5


@click.command("diff")
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@click.option(
    "--data",
    "data_path",
    type=click.Path(path_type=Path),
    help="Dataset folder: evaluate A and B on it and report the effect per unit and period.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path),
    help="Folder for changes.csv and, with --data, effect.csv (created if needed).",
)
@click.option(
    "--total",
    default="payment",
    show_default=True,
    help="With --data: the per-unit total to compare.",
)
@click.option(
    "--rows",
    is_flag=True,
    help="With --data and without --out: print every unit and period after the summary.",
)
def command(
    a: Path, b: Path, data_path: Path | None, out: Path | None, total: str, rows: bool
) -> None:
    """Show how definition B differs from definition A, and what that does to payments.

    Lists indicators added and removed; per indicator, changes to max_points, thresholds, title,
    group, domain, kind, params and overridden rules; and changes to the framework's parameters,
    inputs, definitions, rules, kinds, totals, checks and escalation. Expressions are compared by
    their canonical text, so spacing and redundant parentheses are not changes. Each change is
    printed with its place in A and in B.

    With --data, both are evaluated on the dataset and the effect on the total (payment) is
    summed up first: totals under A and B and the difference, then per period, then the largest
    increases and decreases. The rows for every unit and period (under A, under B, the
    difference) are written to effect.csv with --out, or printed with --rows.

    \b
    Example:
      qframe diff frameworks/qof_2014 my_qof
      qframe diff frameworks/qof_2014 my_qof --data data/sample --out out/diff
      qframe diff frameworks/qof_2014 my_qof --data data/sample --rows
    """
    from qframe.tools import diff as diffing

    changes = diffing.diff_definitions(a, b)
    click.echo(f"A: {a}")
    click.echo(f"B: {b}")
    if changes:
        click.echo(f"{len(changes)} change{'s' * (len(changes) != 1)}:")
        for change in changes:
            click.echo(change.render())
    else:
        click.echo("no structural changes")
    written: list[Path] = []
    if out is not None:
        output_folder(out)
        written.append(diffing.write_changes(changes, out / "changes.csv"))
    if data_path is not None:
        table = diffing.diff_effect(a, b, data_path, total)
        attrs = table.attrs
        units, periods = table["unit_id"].nunique(), table["period"].nunique()
        click.echo("")
        click.echo(f"effect on {total}, on {data_path} ({units} units, {periods} period(s)):")
        diff = table["difference"]
        is_money = bool(attrs["money"])
        click.echo(f"total A: {total_text(attrs['total_a'], is_money)}")
        click.echo(f"total B: {total_text(attrs['total_b'], is_money)}")
        relative = (
            f" ({share(attrs['difference'] / attrs['total_a'], 2, sign=True)})"
            if attrs["total_a"]
            else ""
        )
        click.echo(f"difference: {total_text(attrs['difference'], is_money, sign=True)}{relative}")
        click.echo(
            f"{int((diff > 0).sum())} up, {int((diff < 0).sum())} down, {int((diff == 0).sum())} unchanged;"
            f" the per-unit differences add up to B − A"
        )
        for line in diffing.summary_lines(table, top=TOP_CHANGES):
            click.echo(line)
        if out is not None:
            written.append(diffing.write_effect(table, out / "effect.csv"))
        elif rows:
            click.echo("per unit and period:")
            for line in diffing.effect_lines(table):
                click.echo(f"  {line}")
        else:
            click.echo(
                f"the {len(table):,} rows per unit and period: give --out DIR to write them to "
                "effect.csv, or --rows to print them here"
            )
    if written:
        click.echo(f"wrote {', '.join(p.name for p in written)} to {out}/")


def total_text(value: float, is_money: bool, sign: bool = False) -> str:
    """A total or a difference: £1,234.56 (+£… or -£… with ``sign``), or a plain number."""
    if not is_money:
        return f"{value:.10g}"
    return money(value, sign="always" if sign else "negative", minus="-", missing="missing")

"""`qframe init`: start a new framework folder."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("init")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    default=".",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Parent folder of the new framework folder.",
)
def command(name: str, parent: Path) -> None:
    """Start a new framework: create the folder NAME with a commented framework.yaml.

    The folder holds framework.yaml (parameters, inputs, definitions, rules, kinds, three QOF
    2014/15 indicators the sample data carries, totals), README.md (where every number comes
    from; the assumptions) and tests/example.yaml (a hand-computed definition test). It validates,
    passes `qframe test` and evaluates on data/sample as it is. An existing folder is never
    overwritten (exit code 4).

    \b
    Example:
      qframe init my_framework --dir frameworks
      qframe validate frameworks/my_framework
      qframe test frameworks/my_framework
    """
    from qframe.tools import scaffold

    folder = scaffold.create(name, parent)
    click.echo(f"created {folder}/: {', '.join(scaffold.FILES)}")
    click.echo("next:")
    click.echo(f"  qframe validate {folder}")
    click.echo(f"  qframe test {folder}")
    click.echo(f"  qframe evaluate {folder} --data data/sample --out out/{folder.name}")

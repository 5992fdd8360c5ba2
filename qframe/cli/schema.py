"""`qframe schema`: print the JSON Schema of definition files."""

from __future__ import annotations

import json

import click

from qframe.model.build import schema


@click.command("schema")
def command() -> None:
    """Print the JSON Schema of definition files (for editors' completion and validation).

    \b
    Example:
      qframe schema > framework.schema.json
    """
    click.echo(json.dumps(schema(), indent=2))

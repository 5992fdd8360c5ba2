"""`qframe schema`: print the JSON Schema of definition files."""

from __future__ import annotations

import json

import click

from qframe.model.build import schema
from qframe.model.records import records_schema


@click.command("schema")
@click.option(
    "--records",
    "records",
    is_flag=True,
    help="Print the schema of record-level definitions (records.yaml) instead.",
)
def command(records: bool) -> None:
    """Print the JSON Schema of definition files (for editors' completion and validation).

    \b
    Example:
      qframe schema > framework.schema.json
      qframe schema --records > records.schema.json
    """
    click.echo(json.dumps(records_schema() if records else schema(), indent=2))

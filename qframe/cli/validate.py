"""`qframe validate`: check framework definitions without reading any data."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from qframe import api
from qframe.cli.messages import echo_err
from qframe.cli.options import format_option, strict_option
from qframe.errors.diagnostics import ExitCode, FileProblem, render_all, sort_key


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@strict_option("Exit with 2 when there are warnings but no errors.")
@format_option(["text", "json"], "json: one object per problem, for editors and CI.")
def command(paths: Sequence[Path], strict: bool, fmt: str) -> None:
    """Check framework definitions without reading any data.

    Reports every problem at once, each with file:line:col, the line, a caret under the exact
    place and a hint. Exit code 0 if clean, 1 if there are errors, 2 with --strict if there are
    only warnings.

    \b
    Example:
      qframe validate frameworks/*
      qframe validate --strict frameworks/qof_2014/framework.yaml
    """
    all_diags = []
    file_problem = False
    for path in paths:
        try:
            diags = sorted(api.problems(path), key=sort_key)
        except FileProblem as exc:  # reported like every other problem, also in JSON
            diags, file_problem = exc.diagnostics, True
        all_diags.extend(diags)
        if fmt == "text":
            if diags:
                echo_err(render_all(diags))
            else:
                click.echo(f"{path}: ok")
    if fmt == "json":
        click.echo(json.dumps([d.to_dict() for d in all_diags], indent=1))
    if file_problem:
        sys.exit(ExitCode.FILE_ERROR)
    if any(d.is_error for d in all_diags):
        sys.exit(ExitCode.DEFINITION_ERROR)
    if strict and all_diags:
        sys.exit(ExitCode.WARNINGS)

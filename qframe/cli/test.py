"""`qframe test`: run the test cases stored with framework definitions."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from qframe.cli.messages import echo_err
from qframe.cli.options import chosen_record_engine, engine_options
from qframe.errors.diagnostics import ExitCode, QframeError, render_all


@click.command("test")
@click.argument("frameworks", nargs=-1, required=True, type=click.Path(path_type=Path))
@engine_options()
def command(frameworks: Sequence[Path], engine: str, spark_master: str | None) -> None:
    """Run the test cases stored with framework definitions (FRAMEWORK/tests/*.yaml).

    Each case evaluates the framework on a small dataset (inline, or a dataset folder) and
    compares the results with hand-computed values. Prints PASS or FAIL per case, with
    file:line:col, the expected and the actual value for each value that differs, and a summary.
    Exit code 0 when every case passes, 1 when a case fails or a test file has errors. The format
    is in docs/testing-definitions.md.

    \b
    Example:
      qframe test tests/fixtures/mini
      qframe test frameworks/*
      qframe test tests/fixtures/mini/tests/worked_example.yaml
      qframe test frameworks/qof_2014 --engine spark
    """
    from qframe.tools import testing

    results: list[testing.CaseResult] = []
    exit_code = ExitCode.OK
    counter = chosen_record_engine(engine, spark_master)
    for path in frameworks:
        try:
            cases = testing.run_tests(path, counter)
        except QframeError as exc:
            echo_err(exc.render())
            exit_code = exit_code or exc.exit_code
            continue
        if not cases:
            folder = testing.discover(path)[0]
            echo_err(
                f"{path}: no test cases (write them in {Path(folder) / testing.TESTS_FOLDER}/*.yaml, see docs/testing-definitions.md)"
            )
        for case in cases:
            click.echo(case.report())
            if case.errors:
                echo_err(render_all(case.errors))
        results.extend(cases)
    if results or exit_code == ExitCode.OK:
        click.echo(testing.summary(results))
    if not results and exit_code == ExitCode.OK:
        exit_code = ExitCode.DEFINITION_ERROR  # nothing was tested
    if any(not r.passed for r in results):
        exit_code = exit_code or ExitCode.DEFINITION_ERROR
    sys.exit(exit_code)

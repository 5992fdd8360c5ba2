"""The `qframe` command line. Every command has --help with an example.

Exit codes (docs/cli.md): 0 success; 1 the definition has errors; 2 only warnings and --strict;
3 the data is bad; 4 a file cannot be found or read; 64 the command line is wrong; 70 a fault in
qframe itself (please report it). User errors never print a Python traceback.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click

import qframe
from qframe import api
from qframe.diagnostics import ExitCode, QframeError, render_all, sort_key
from qframe.loader import schema
from qframe.results import FORMATS


def _echo_err(text: str) -> None:
    click.echo(text, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(qframe.__version__, prog_name="qframe")
def cli() -> None:
    """qframe: run declarative quality frameworks (QOF and its alternatives) on practice data.

    \b
    Start with:
      qframe validate frameworks/qof_2014
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Exit with 2 when there are warnings but no errors.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object per problem, for editors and CI.",
)
def validate(paths: Sequence[Path], strict: bool, fmt: str) -> None:
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
    for path in paths:
        diags = sorted(api.check(path)[2], key=sort_key)
        all_diags.extend(diags)
        if fmt == "text":
            if diags:
                _echo_err(render_all(diags))
            else:
                click.echo(f"{path}: ok")
    if fmt == "json":
        click.echo(json.dumps([d.to_dict() for d in all_diags], indent=1))
    if any(d.is_error for d in all_diags):
        sys.exit(ExitCode.DEFINITION_ERROR)
    if strict and all_diags:
        sys.exit(ExitCode.WARNINGS)


@cli.command()
@click.argument("framework", type=click.Path(path_type=Path))
@click.option(
    "--data",
    "data_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Dataset folder (units.csv + measures.csv, or .parquet).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for the results (created if needed).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="File format of the result tables.",
)
@click.option("--strict", is_flag=True, help="Refuse to evaluate a definition that has warnings.")
def evaluate(framework: Path, data_path: Path, out: Path, fmt: str, strict: bool) -> None:
    """Evaluate a framework on a dataset and write tidy results.

    Writes indicators.<fmt> (one row per unit × period × indicator), units.<fmt> (totals and
    escalation per unit × period), checks.<fmt> (structural check findings) and manifest.json
    (qframe version, content hashes of definition and data, parameters used, warnings).

    \b
    Example:
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof --format parquet
    """
    fw = api.load(framework)
    if strict and fw.warnings:
        _echo_err(render_all(fw.warnings))
        sys.exit(ExitCode.WARNINGS)
    result = fw.evaluate(data_path)
    paths = result.write(out, fmt)
    units = result.units
    click.echo(
        f"{fw.id} {fw.version}: {units['unit_id'].nunique()} units, {units['period'].nunique()} period(s), {len(fw.indicators)} indicators"
    )
    if "payment" in units.columns:
        missing = int(units["payment"].isna().sum())
        note = (
            f" ({missing} practice-period(s) have no payment: see `status` in indicators.{fmt})"
            if missing
            else ""
        )
        click.echo(f"total payment: £{units['payment'].sum():,.2f}{note}")
    if len(result.checks):
        click.echo(f"checks: {len(result.checks)} finding(s), see checks.{fmt}")
    for d in result.manifest.get("warnings", []):
        _echo_err(f"warning {d['code']} {d['message']}")
    click.echo(f"wrote {', '.join(p.name for p in paths)} to {out}/")


@cli.command()
@click.option(
    "--practices",
    default=300,
    show_default=True,
    type=click.IntRange(1, 200_000),
    help="How many synthetic practices.",
)
@click.option(
    "--seed",
    default=2015,
    show_default=True,
    type=int,
    help="Random seed: the same seed gives the same data.",
)
@click.option(
    "--periods",
    default="2014-15",
    show_default=True,
    help="Comma-separated periods, e.g. 2013-14,2014-15.",
)
@click.option(
    "--out", "out", required=True, type=click.Path(path_type=Path), help="Dataset folder to write."
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True
)
def synth(practices: int, seed: int, periods: str, out: Path, fmt: str) -> None:
    """Generate a deterministic synthetic England-like dataset (synthetic ids and names only).

    Calibrated to NHS Digital's 2014-15 QOF national totals: register prevalence, exception
    rates and achievement per indicator.

    \b
    Example:
      qframe synth --practices 8000 --seed 1 --out data/national
    """
    from qframe import synth as synth_mod

    ds = synth_mod.generate(
        practices, seed=seed, periods=tuple(p.strip() for p in periods.split(",") if p.strip())
    )
    synth_mod.write(ds, str(out), fmt)
    click.echo(f"wrote {len(ds.units)} practices, {len(ds.measures)} measure rows to {out}/")


@cli.command("schema")
def schema_cmd() -> None:
    """Print the JSON Schema of definition files (for editors' completion and validation).

    \b
    Example:
      qframe schema > framework.schema.json
    """
    click.echo(json.dumps(schema(), indent=2))


cli.add_command(__import__("qframe.reference").reference.command)  # `qframe reference`


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: maps every outcome to a documented exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    args = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--debug"]
    try:
        cli.main(args=args, prog_name="qframe", standalone_mode=False)
    except QframeError as exc:
        _echo_err(exc.render())
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        _echo_err("aborted")
        sys.exit(ExitCode.USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE)
    except SystemExit:
        raise
    except Exception:
        if debug:
            traceback.print_exc()
        else:
            exc_type, exc_value = sys.exc_info()[:2]
            _echo_err(
                f"internal error: {exc_type.__name__ if exc_type else 'Exception'}: {exc_value}"
            )
            _echo_err(
                "This is a fault in qframe, not in your definition or data. Please report it, with the output of the same command run with --debug."
            )
        sys.exit(ExitCode.INTERNAL)
    sys.exit(ExitCode.OK)


if __name__ == "__main__":  # pragma: no cover
    main()

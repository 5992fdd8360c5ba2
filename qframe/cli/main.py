"""The `qframe` command line. Every command has --help with an example.

Exit codes (docs/cli.md): 0 success; 1 the definition has errors; 2 only warnings and --strict;
3 the data is bad; 4 a file cannot be found or read; 64 the command line is wrong; 70 a fault in
qframe itself (please report it). User errors never print a Python traceback.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

import click
import pandas as pd

import qframe
from qframe import api
from qframe.check.overrides import parse_assignments
from qframe.cli.options import data_option, out_option, set_option
from qframe.errors.diagnostics import ExitCode, QframeError, output_folder, render_all, sort_key
from qframe.model.build import schema
from qframe.results.tidy import FORMATS


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
@data_option()
@out_option("Folder for the results (created if needed).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="csv",
    show_default=True,
    help="File format of the result tables.",
)
@click.option("--strict", is_flag=True, help="Refuse to evaluate a definition that has warnings.")
@click.option(
    "--period",
    "periods",
    multiple=True,
    help="Report only this period (repeatable); earlier periods are still read for lags and baselines.",
)
@set_option()
def evaluate(
    framework: Path,
    data_path: Path,
    out: Path,
    fmt: str,
    strict: bool,
    periods: tuple[str, ...],
    assignments: tuple[str, ...],
) -> None:
    """Evaluate a framework on a dataset and write tidy results.

    Writes indicators.<fmt> (one row per unit × period × indicator), units.<fmt> (totals and
    escalation per unit × period), checks.<fmt> (structural check findings) and manifest.json
    (qframe version, content hashes of definition and data, parameters used, warnings).

    \b
    Example:
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof --format parquet
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof --period 2014-15
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof180 --set point_value=£180
    """
    fw = api.load(framework)
    if strict and fw.warnings:
        _echo_err(render_all(fw.warnings))
        sys.exit(ExitCode.WARNINGS)
    overrides = parse_assignments(assignments)
    result = fw.evaluate(data_path, periods=list(periods) or None, params=overrides)
    paths = result.write(out, fmt)
    units = result.units
    click.echo(
        f"{fw.id} {fw.version}: {units['unit_id'].nunique()} units, {units['period'].nunique()} period(s), {len(fw.indicators)} indicators"
    )
    if "payment" in units.columns:
        missing = int(units["payment"].isna().sum())
        note = f" ({missing} {fw.definition.unit}-period(s) have no payment)" if missing else ""
        by_period = units.groupby("period", observed=True)["payment"].sum(min_count=1)
        for period, total in by_period.items():
            shown = "no payment (every value missing)" if pd.isna(total) else f"£{total:,.2f}"
            click.echo(f"total payment {period}: {shown}")
        if len(by_period) > 1:
            click.echo(f"total payment, all periods: £{units['payment'].sum():,.2f}{note}")
        elif note:
            click.echo(note.strip())
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
    "--years",
    default="2012-13,2013-14,2014-15,2015-16",
    show_default=True,
    help="Comma-separated years.",
)
@click.option(
    "--quarters-of",
    default="2014-15,2015-16",
    show_default=True,
    help="Comma-separated years that also get quarterly measures (admissions, reports, cluster participation); empty for none.",
)
@click.option(
    "--out", "out", required=True, type=click.Path(path_type=Path), help="Dataset folder to write."
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True
)
def synth(practices: int, seed: int, years: str, quarters_of: str, out: Path, fmt: str) -> None:
    """Generate a deterministic synthetic England-like dataset (synthetic ids and names only).

    Calibrated to NHS Digital's 2014-15 QOF figures: the real distribution of list sizes, 209
    CCG-like areas, register prevalence, exception rates and achievement per indicator (national
    totals within 1%, mean QOF points within 1% of 529.58 at the national size). Years 2012-13
    to 2015-16 and the quarters of 2014-15 by default.

    \b
    Example:
      qframe synth --practices 7779 --seed 1 --out data/national --format parquet
      qframe synth --practices 300 --years 2014-15 --quarters-of "" --out data/small
    """
    from qframe.data import synth as synth_mod

    def labels(text: str) -> tuple[str, ...]:
        return tuple(p.strip() for p in text.split(",") if p.strip())

    ds = synth_mod.generate(
        practices, seed=seed, years=labels(years), quarters_of=labels(quarters_of)
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


cli.add_command(importlib.import_module("qframe.docs.reference").command)  # `qframe reference`
cli.add_command(importlib.import_module("qframe.cli.explain").command)  # `qframe explain`
for _command in importlib.import_module("qframe.tools.scenarios").commands:
    cli.add_command(_command)  # sweep, calibrate, uncertainty, scenarios


@cli.command("test")
@click.argument("frameworks", nargs=-1, required=True, type=click.Path(path_type=Path))
def test_cmd(frameworks: Sequence[Path]) -> None:
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
    """
    from qframe.tools import testing

    results: list[testing.CaseResult] = []
    exit_code = ExitCode.OK
    for path in frameworks:
        try:
            cases = testing.run_tests(path)
        except QframeError as exc:
            _echo_err(exc.render())
            exit_code = exit_code or exc.exit_code
            continue
        if not cases:
            folder = testing.discover(path)[0]
            _echo_err(
                f"{path}: no test cases (write them in {Path(folder) / testing.TESTS_FOLDER}/*.yaml, see docs/testing-definitions.md)"
            )
        for case in cases:
            click.echo(case.report())
            if case.errors:
                _echo_err(render_all(case.errors))
        results.extend(cases)
    if results or exit_code == ExitCode.OK:
        click.echo(testing.summary(results))
    if not results and exit_code == ExitCode.OK:
        exit_code = ExitCode.DEFINITION_ERROR  # nothing was tested
    if any(not r.passed for r in results):
        exit_code = exit_code or ExitCode.DEFINITION_ERROR
    sys.exit(exit_code)


@cli.command("diff")
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
def diff_cmd(a: Path, b: Path, data_path: Path | None, out: Path | None, total: str) -> None:
    """Show how definition B differs from definition A, and what that does to payments.

    Lists indicators added and removed; per indicator, changes to max_points, thresholds, title,
    group, domain, kind, params and overridden rules; and changes to the framework's parameters,
    inputs, definitions, rules, kinds, totals, checks and escalation. Expressions are compared by
    their canonical text, so spacing and redundant parentheses are not changes. Each change is
    printed with its place in A and in B.

    With --data, both are evaluated on the dataset and the total (payment) of every unit and
    period is shown under A and B with the difference (or written to effect.csv with --out),
    then the overall difference.

    \b
    Example:
      qframe diff frameworks/qof_2014 my_qof
      qframe diff frameworks/qof_2014 my_qof --data data/sample --out out/diff
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
        if out is None:
            for line in diffing.effect_lines(table):
                click.echo(f"  {line}")
        else:
            written.append(diffing.write_effect(table, out / "effect.csv"))
        diff = table["difference"]
        show = diffing.money if attrs["money"] else (lambda v, sign=False: f"{v:.10g}")
        click.echo(f"total A: {show(attrs['total_a'])}")
        click.echo(f"total B: {show(attrs['total_b'])}")
        share = f" ({attrs['difference'] / attrs['total_a']:+.2%})" if attrs["total_a"] else ""
        click.echo(f"difference: {show(attrs['difference'], sign=True)}{share}")
        click.echo(
            f"{int((diff > 0).sum())} up, {int((diff < 0).sum())} down, {int((diff == 0).sum())} unchanged;"
            f" the per-unit differences add up to B − A"
        )
    if written:
        click.echo(f"wrote {', '.join(p.name for p in written)} to {out}/")


@cli.command("init")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    default=".",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Parent folder of the new framework folder.",
)
def init_cmd(name: str, parent: Path) -> None:
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


@cli.command("compare")
@click.argument("frameworks", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--data",
    "data_path",
    required=True,
    type=click.Path(path_type=Path),
    help="Dataset folder (units + measures): every framework is evaluated on it.",
)
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
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="File format of the tables (the workbook and report are always written).",
)
def compare_cmd(
    frameworks: Sequence[Path],
    data_path: Path,
    out: Path,
    baseline: str | None,
    period: str | None,
    threshold: str,
    fmt: str,
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
    """
    from qframe.tools import compare as compare_mod

    try:
        share = compare_mod.parse_threshold(threshold)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--threshold'") from None
    from contextlib import nullcontext

    # a progress bar on standard error, only for a person watching it
    bar = (
        click.progressbar(
            length=len(frameworks) + 1,
            label="comparing",
            file=sys.stderr,
            show_eta=False,
            item_show_func=lambda step: step,
        )
        if sys.stderr.isatty()
        else None
    )

    def step(label: str) -> None:
        if bar is not None:
            bar.update(1, f"evaluated {label}")

    with bar if bar is not None else nullcontext():
        comparison = compare_mod.compare(
            frameworks, data_path, baseline=baseline, periods=period, threshold=share, progress=step
        )
        paths = comparison.write(out, fmt)
        if bar is not None:
            bar.update(1, "report written")
    f = comparison.frameworks
    click.echo(
        f"compared {len(f)} framework(s) on {data_path}, period {comparison.period}"
        f" ({comparison.period_source}); baseline {comparison.baseline}"
    )
    for _, row in f.iterrows():
        diff, total = row["difference_from_baseline"], row["total_cost"]
        if row["framework"] == comparison.baseline:
            vs = " (baseline)"
        elif diff == diff:  # not NaN
            vs = f" ({'+' if diff >= 0 else '−'}£{abs(diff):,.2f} against the baseline)"
        else:
            vs = ""
        paid = f"£{total:,.2f}" if total == total else "none"
        click.echo(f"  {row['framework']}: total payment {paid}{vs}")
        unpaid = int(row["practices"] - row["practices_paid"])
        if unpaid:
            _echo_err(
                f"warning: {row['framework']} has no payment for {unpaid} of {row['practices']}"
                f" practices in {comparison.period}: they are left out of its statistics"
            )
    for d in comparison.manifest.get("warnings", []):
        _echo_err(f"warning {d['code']} {d['message']}")
    click.echo(f"wrote {', '.join(p.name for p in paths)} to {out}/")
    click.echo(f"report: {out / compare_mod.REPORT}")
    click.echo(f"workbook: {out / compare_mod.WORKBOOK}")


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

"""The scenario commands: `qframe sweep`, `calibrate`, `uncertainty` and `scenarios` (the work is
done by :mod:`qframe.tools.scenarios`)."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from qframe.api import as_dataset, load
from qframe.cli.options import (
    chosen_record_engine,
    data_option,
    engine_options,
    out_option,
    quiet_option,
)
from qframe.errors.diagnostics import output_file, output_folder
from qframe.ir import kinds as t
from qframe.results.formatting import pounds
from qframe.results.progress import Progress
from qframe.results.writer import for_people, write_csv
from qframe.tools.scenarios import (
    Point,
    calibrate,
    evaluate_scenarios,
    grid_points,
    load_scenarios,
    parse_sweep,
    sweep,
    total_cost,
    uncertainty,
)

CALIBRATION_STEPS = 12  # the bar's length for calibrate: Brent's method usually needs about this


GINI_SPAN = 0.05  # the least range the Gini axis shows: a constant Gini is a flat line
TITLES = {
    "total_cost": "total cost (£)",
    "gini_per_patient": "Gini of payment per patient",
    "flagged_any": "practices flagged",
}


def _chart(table: pd.DataFrame, x: str, path: Path, *, money_x: bool = False) -> None:
    """Total cost, dispersion and flagged practices against the swept parameter (one HTML file,
    plotly embedded: readable without a network). Axes are titled, money axes read in £, and the
    Gini (rounded to 6 places) spans at least ``GINI_SPAN``, so float noise is not magnified."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    cols = ["total_cost", "gini_per_patient"] + (
        ["flagged_any"] if "flagged_any" in table.columns else []
    )
    fig = make_subplots(
        rows=len(cols),
        cols=1,
        shared_xaxes=True,
        subplot_titles=[TITLES[c] for c in cols],
    )
    swept = x in table.columns
    xs = pd.to_numeric(table[x], errors="coerce") if swept else table["scenario"]
    if swept and xs.isna().any():
        xs = table[x]  # values that are not numbers (e.g. 5%): shown as written
    for i, col in enumerate(cols, start=1):
        ys = table[col].astype(float).round(6) if col == "gini_per_patient" else table[col]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", name=col), row=i, col=1)
        fig.update_yaxes(title_text=TITLES[col], row=i, col=1)
        if col == "total_cost":
            fig.update_yaxes(tickprefix="£", tickformat=",.0f", row=i, col=1)
        if col == "gini_per_patient":
            fig.update_yaxes(range=_gini_range(ys), row=i, col=1)
    fig.update_xaxes(title_text=x if swept else "scenario", row=len(cols), col=1)
    if money_x:
        fig.update_xaxes(tickprefix="£")
    fig.update_layout(height=300 * len(cols), showlegend=False, title=f"Sweep of {x}")
    output_file(path).write_text(
        fig.to_html(include_plotlyjs=True, full_html=True, div_id="sweep"), encoding="utf-8"
    )


def _gini_range(values: pd.Series) -> list[float]:
    """The Gini axis's range: the values' own, widened to at least ``GINI_SPAN`` about their
    middle (kept within 0..1)."""
    known = values.dropna()
    if known.empty:
        return [0.0, 1.0]
    low, high = float(known.min()), float(known.max())
    if high - low >= GINI_SPAN:
        pad = (high - low) * 0.05
        return [low - pad, high + pad]
    middle = (low + high) / 2
    low = min(max(middle - GINI_SPAN / 2, 0.0), 1.0 - GINI_SPAN)
    return [low, low + GINI_SPAN]


@click.command("sweep")
@click.argument("framework", type=click.Path(path_type=Path))
@data_option()
@click.option(
    "--sweep",
    "specs",
    multiple=True,
    required=True,
    help="NAME=LO..HI step STEP or NAME=V1,V2 (repeatable: a grid). NAME is a parameter, INDICATOR.thresholds, INDICATOR.max_points or thresholds_shift.",
)
@click.option("--period", default=None, help="Period (default: the latest).")
@out_option("Folder for sweep.csv, payments.csv and sweep.html.")
@engine_options()
@quiet_option()
def sweep_command(
    framework: Path,
    data_path: Path,
    specs: tuple[str, ...],
    period: str | None,
    out: Path,
    engine: str,
    spark_master: str | None,
    quiet: bool,
) -> None:
    """Evaluate a grid of parameter values in one vectorised pass (data read and compiled once).

    Writes sweep.csv (one row per grid point: total cost, payment per patient, Gini, 10th/90th
    percentiles, practices flagged per escalation level), payments.csv (each practice's payment
    at each grid point) and sweep.html (a chart against the parameter).

    \b
    Example:
      qframe sweep frameworks/qof_2014 --data data/sample --sweep "point_value=150..200 step 5" --out out/sweep
      qframe sweep frameworks/qof_2014 --data data/sample --sweep "thresholds_shift=0%..10% step 1%" --out out/shift
      qframe sweep frameworks/qof_2014 --data data/records_sample --sweep "hba1c_target=59,64" --out out/target --engine spark
    """
    fw = load(framework)
    axes = dict(parse_sweep(s) for s in specs)
    points = grid_points(axes)
    # a progress bar on standard error, only for a person watching it: a step per grid point,
    # moved a chunk of scenarios at a time
    with Progress("sweeping", total=len(points), quiet=quiet) as bar:
        counter = chosen_record_engine(engine, spark_master, lambda m: bar.advance(m, steps=0))
        result = sweep(
            fw,
            data_path,
            points=points,
            period=period,
            progress=bar.advance,
            record_engine=counter,
        )
    output_folder(out)
    write_csv(result.table, out / "sweep.csv")
    write_csv(for_people(result.payments_long(), money=["payment"]), out / "payments.csv")
    swept = next(iter(axes))
    kind = fw.plan.param_types.get(swept)
    _chart(
        result.table,
        swept,
        out / "sweep.html",
        money_x=kind is not None and kind.kind is t.Kind.MONEY,
    )
    click.echo(f"{fw.id}, {result.described_period}: {len(result.table)} scenarios")
    for row in result.table.itertuples():
        click.echo(f"  {row.scenario}: total {pounds(row.total_cost)}")
    click.echo(f"wrote sweep.csv, payments.csv, sweep.html to {out}/")


@click.command("calibrate")
@click.argument("framework", type=click.Path(path_type=Path))
@data_option()
@click.option(
    "--solve", "parameter", required=True, help="The parameter to solve for, e.g. point_value."
)
@click.option(
    "--target",
    required=True,
    help="£ amount (e.g. £25000000), or a framework folder whose total cost to match (budget neutral).",
)
@click.option("--period", default=None, help="Period (default: the latest).")
@quiet_option()
def calibrate_command(
    framework: Path, data_path: Path, parameter: str, target: str, period: str | None, quiet: bool
) -> None:
    """Solve for a parameter so that total spend meets a target, and check it.

    \b
    Example:
      qframe calibrate frameworks/somerset_pqs --data data/sample --solve point_value --target frameworks/qof_2014
      qframe calibrate frameworks/qof_2014 --data data/sample --solve point_value --target £25000000
    """
    fw = load(framework)
    ds = as_dataset(data_path)
    if not (
        target.startswith("£") or target.replace(".", "", 1).isdigit() or Path(target).exists()
    ):
        raise click.BadParameter(
            f"`{target}` is neither an amount (e.g. £25000000) nor a framework folder",
            param_hint="--target",
        )
    covered = sweep(fw, ds, points=[Point("baseline", {})], period=period)
    if target.startswith("£") or target.replace(".", "", 1).isdigit():
        amount = float(target.lstrip("£").replace(",", ""))
        what = f"makes the total {pounds(amount)}"
    else:
        base = load(target)
        # the same period for both: a quarterly framework's year against an annual one's
        amount = total_cost(base, ds, period=covered.period)
        what = f"matches the total of {base.id} ({pounds(amount)})"
    # a step per evaluation; Brent's method needs an unknown number of them, usually a dozen
    with Progress("calibrating", total=CALIBRATION_STEPS, quiet=quiet) as bar:
        result = calibrate(fw, ds, parameter, amount, period=covered.period, progress=bar.advance)
        bar.advance("solved", steps=max(CALIBRATION_STEPS - bar.done, 0))  # the bar filled
    kind = fw.plan.param_types[parameter].kind
    shown = pounds(result.value, places=4) if kind is t.Kind.MONEY else f"{result.value:.6g}"
    click.echo(f"{fw.id}: {parameter} = {shown} {what} in {result.period}")
    click.echo(
        f"check: evaluated again at that value, the total is {pounds(result.achieved)} (gap {pounds(result.gap)}; {result.evaluations} evaluations)"
    )


@click.command("uncertainty")
@click.argument("framework", type=click.Path(path_type=Path))
@data_option()
@click.option("--samples", default=500, show_default=True, type=click.IntRange(10, 100_000))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option("--period", default=None, help="Period (default: the latest).")
@out_option("Folder for samples.csv and practices.csv.")
@quiet_option()
def uncertainty_command(
    framework: Path,
    data_path: Path,
    samples: int,
    seed: int,
    period: str | None,
    out: Path,
    quiet: bool,
) -> None:
    """Monte Carlo over the modelled assumptions that state a `range:` (seeded): 95% intervals
    on the total cost and on each practice's payment.

    \b
    Example:
      qframe uncertainty frameworks/improving_together --data data/sample --samples 500 --out out/uncertainty
    """
    fw = load(framework)
    with Progress("sampling", total=samples, quiet=quiet) as bar:  # moved a batch at a time
        result = uncertainty(
            fw, data_path, samples=samples, seed=seed, period=period, progress=bar.advance
        )
    output_folder(out)
    write_csv(result.samples, out / "samples.csv")
    write_csv(result.practices, out / "practices.csv", index=True)
    ranges = ", ".join(f"{k} {lo:g} .. {hi:g}" for k, (lo, hi) in result.ranges.items())
    low, median, high = result.totals.iloc[0]
    click.echo(f"{fw.id}: {samples} samples (seed {seed}) over {ranges}")
    click.echo(
        f"total cost in {result.period}: median {pounds(median)}, 95% interval {pounds(low)} to {pounds(high)}"
    )
    click.echo(f"wrote samples.csv, practices.csv to {out}/")


@click.command("scenarios")
@click.argument("file", type=click.Path(path_type=Path))
@data_option()
@click.option("--period", default=None, help="Period (default: the latest).")
@out_option("Folder for scenarios.csv and payments.csv.")
@quiet_option()
def scenarios_command(
    file: Path, data_path: Path, period: str | None, out: Path, quiet: bool
) -> None:
    """Evaluate the named variants of a scenario file on the same data and compare them.

    \b
    Example:
      qframe scenarios examples/scenarios/qof_variants.yaml --data data/sample --out out/scenarios
    """
    runs, _ = load_scenarios(file)
    with Progress("scenarios", total=len(runs), quiet=quiet) as bar:  # a step per scenario
        table, payments = evaluate_scenarios(runs, data_path, period=period, progress=bar.advance)
    output_folder(out)
    click.echo(f"total cost in {table.attrs.get('period', period or 'the latest year')}:")
    write_csv(table, out / "scenarios.csv")
    write_csv(payments, out / "payments.csv", index=True)
    for row in table.itertuples():
        click.echo(
            f"  {row.scenario}: total {pounds(row.total_cost)} ({row.difference_from_first:+,.2f})"
        )
    click.echo(f"wrote scenarios.csv, payments.csv to {out}/")


commands = [sweep_command, calibrate_command, uncertainty_command, scenarios_command]

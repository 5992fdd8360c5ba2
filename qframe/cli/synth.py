"""`qframe synth`: generate a deterministic synthetic England-like dataset (practice counts, or
with ``--patients``, GP records)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from qframe.cli.options import out_option, quiet_option
from qframe.results.progress import Progress
from qframe.results.writer import write_manifest


@click.command("synth")
@click.option(
    "--practices",
    default=None,
    type=click.IntRange(1, 200_000),
    help="How many synthetic practices [default: 300; with --patients, one per 7,239 patients, "
    "England's mean list size].",
)
@click.option(
    "--patients",
    default=None,
    type=click.IntRange(1, 100_000_000),
    help="Write a record-level dataset of this many patients (patients, registrations, coded "
    "events; docs/records.md) instead of practice counts.",
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
    help="Comma-separated years (practice counts only).",
)
@click.option(
    "--quarters-of",
    default="2014-15,2015-16",
    show_default=True,
    help="Comma-separated years that also get quarterly measures (admissions, reports, cluster participation); empty for none (practice counts only).",
)
@out_option("Dataset folder to write.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default=None,
    help="File format [default: csv for practice counts, parquet for records].",
)
@quiet_option()
def command(
    practices: int | None,
    patients: int | None,
    seed: int,
    years: str,
    quarters_of: str,
    out: Path,
    fmt: str | None,
    quiet: bool,
) -> None:
    """Generate a deterministic synthetic England-like dataset (synthetic ids and names only).

    Calibrated to NHS Digital's 2014-15 QOF figures: the real distribution of list sizes, 209
    CCG-like areas, register prevalence, exception rates and achievement per indicator (national
    totals within 1%, mean QOF points within 1% of 529.58 at the national size). Years 2012-13
    to 2015-16 and the quarters of 2014-15 by default.

    With --patients N: GP records instead (patients, registrations, coded events, manifest.json)
    whose counts by the QOF 2014/15 business rules reproduce the national prevalence and
    achievement of six clinical groups (docs/records.md).

    \b
    Example:
      qframe synth --practices 7779 --seed 1 --out data/national --format parquet
      qframe synth --practices 300 --years 2014-15 --quarters-of "" --out data/small
      qframe synth --patients 25000 --practices 20 --seed 1 --out data/records_sample
    """
    if patients is not None:
        from qframe.data.records import synth as records_synth

        started = time.perf_counter()
        data = records_synth.generate_records(patients, seed=seed, practices=practices)
        records_synth.write_records(data, out, fmt or "parquet")
        click.echo(
            f"wrote {data.patients.num_rows} patients at {len(data.units)} practices, "
            f"{data.events.num_rows} events to {out}/ "
            f"in {time.perf_counter() - started:.1f} s"
        )
        return
    from qframe.data import synth as synth_mod

    def labels(text: str) -> tuple[str, ...]:
        return tuple(p.strip() for p in text.split(",") if p.strip())

    count = practices or 300
    # a progress bar on standard error, only for a person watching it: generated, tables
    # written, manifest written
    with Progress(f"synthesising {count:,} practices", total=3, quiet=quiet) as bar:
        ds = synth_mod.generate(
            count, seed=seed, years=labels(years), quarters_of=labels(quarters_of)
        )
        bar.advance("generated")
        synth_mod.write(ds, str(out), fmt or "csv")
        bar.advance("tables written")
        # the data say they are synthetic: compare's report and workbook show it (docs/compare.md)
        write_manifest(
            {
                "provenance": "synthetic",
                "description": f"Synthetic England-like data made by qframe synth ({ds.source}):"
                " synthetic practice codes and names only; no real practice's figures.",
                "deprivation_quintile": "1 = least deprived, 5 = most deprived",
            },
            out / "manifest.json",
        )
        bar.advance("manifest written")
    click.echo(f"wrote {len(ds.units)} practices, {len(ds.measures)} measure rows to {out}/")

"""`qframe synth`: generate a deterministic synthetic England-like dataset."""

from __future__ import annotations

from pathlib import Path

import click

from qframe.cli.options import format_option, out_option, quiet_option
from qframe.results.progress import Progress


@click.command("synth")
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
@out_option("Dataset folder to write.")
@format_option(["csv", "parquet"])
@quiet_option()
def command(
    practices: int, seed: int, years: str, quarters_of: str, out: Path, fmt: str, quiet: bool
) -> None:
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
    from qframe.results.writer import write_manifest

    def labels(text: str) -> tuple[str, ...]:
        return tuple(p.strip() for p in text.split(",") if p.strip())

    # a progress bar on standard error, only for a person watching it: generated, tables
    # written, manifest written
    with Progress(f"synthesising {practices:,} practices", total=3, quiet=quiet) as bar:
        ds = synth_mod.generate(
            practices, seed=seed, years=labels(years), quarters_of=labels(quarters_of)
        )
        bar.advance("generated")
        synth_mod.write(ds, str(out), fmt)
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

"""How close the synthetic practices come to the published 2014-15 distribution of QOF points:
generate the national dataset (7,779 practices), evaluate the shipped QOF 2014/15 on it and print,
side by side with NHS Digital's figures (docs/synthetic.md quotes the tables):

- practice level: the mean, the median, the share of practices on all 559 points (published:
  529.58 [NHS Digital CCG tables summed], about 542 and 448 practices (5.8%) [Pulse, GPonline:
  ../shared/research/qof_2014_15/national_figures.md]); the synthetic 5/25/75/95% quantiles too
  (NHS Digital's practice-level 2014-15 file is not in ../shared/qof_data, so they have no
  published counterpart here);
- CCG level: the 5/25/50/75/95% quantiles over the 209 CCGs of the mean points per practice, in
  total and per clinical domain (group), from NHS Digital's CCG tables;
- per indicator: the mean points per practice, with the largest gaps.

    .venv/bin/python benchmarks/calibration_practices.py [--seed 1] [--shared ../shared/qof_data]

The real files are read from ``--shared`` (default: ``$QFRAME_SHARED/qof_data`` or ``shared/qof_data``
in a folder above the repository). No synthetic figure is attached to a real practice or CCG: CCGs are
compared as distributions only.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qframe  # noqa: E402
from qframe.data import synth  # noqa: E402

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
PUBLISHED = {"mean": 529.58, "median": 542.0, "share_at_559": 448 / 7779}


def shared_folder(given: str | None) -> Path:
    if given:
        return Path(given)
    if os.environ.get("QFRAME_SHARED"):
        return Path(os.environ["QFRAME_SHARED"]) / "qof_data"
    for folder in ROOT.parents:  # ../shared beside the repository (or beside its worktrees)
        if (folder / "shared" / "qof_data").is_dir():
            return folder / "shared" / "qof_data"
    raise SystemExit("the NHS Digital files are not here: pass --shared or set QFRAME_SHARED")


def published(shared: Path) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Per CCG: mean points per practice in total and per group (rows: CCGs, columns: total and
    the groups); the practices per CCG; the national mean points per practice per indicator."""
    folder = shared / "nhsd_qof_ccg_level"
    long = pd.read_csv(folder / "DERIVED_qof1415_ccg_indicator_long.csv")
    practices = (
        pd.read_csv(folder / "DERIVED_qof1415_ccg_group_summary.csv")
        .groupby("ccg_code")["n_practices_1415"]
        .max()
    )
    groups = synth_groups()
    long["group"] = long["indicator_code"].map(groups)
    by_group = long.pivot_table(index="ccg_code", columns="group", values="points", aggfunc="sum")
    by_group["total"] = by_group.sum(axis=1)
    per_practice = by_group.div(practices, axis=0)
    indicator = long.groupby("indicator_code")["points"].sum() / practices.sum()
    return per_practice, practices, indicator


def synth_groups() -> dict[str, str]:
    return {ind.indicator: ind.group for ind in synth.reference().indicators}


def synthetic(seed: int) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """Per practice: points; per CCG: mean points per practice in total and per group; the mean
    points per practice per indicator (QOF 2014/15 as shipped, evaluated on the data)."""
    ds = synth.generate(synth.ENGLAND_PRACTICES, seed=seed, years=("2014-15",), quarters_of=())
    result = qframe.load(ROOT / "frameworks" / "qof_2014").evaluate(ds, periods=["2014-15"])
    ind = result.indicators[["unit_id", "indicator", "points"]].copy()
    ind["points"] = ind["points"].fillna(0.0)
    ind["group"] = ind["indicator"].map(synth_groups())
    ccg = ds.units.set_index("unit_id")["ccg"]
    ind["ccg"] = ind["unit_id"].map(ccg)
    practices = ds.units.groupby("ccg").size()
    by_group = ind.pivot_table(index="ccg", columns="group", values="points", aggfunc="sum")
    by_group["total"] = by_group.sum(axis=1)
    points = ind.groupby("unit_id")["points"].sum()
    per_indicator = ind.groupby("indicator")["points"].sum() / len(points)
    return points, by_group.div(practices, axis=0), per_indicator


def fit_tables(seed: int, shared: Path) -> dict[str, pd.DataFrame]:
    real_ccg, _, real_indicator = published(shared)
    points, synth_ccg, synth_indicator = synthetic(seed)
    practice = pd.DataFrame(
        {
            "published": [PUBLISHED["mean"], PUBLISHED["median"], PUBLISHED["share_at_559"]]
            + [np.nan] * 4,
            "synthetic": [
                points.mean(),
                points.median(),
                float((points >= 559 - 1e-6).mean()),
                *points.quantile([0.05, 0.25, 0.75, 0.95]),
            ],
        },
        index=["mean", "median", "share on 559 points", "5%", "25%", "75%", "95%"],
    )
    rows = []
    for column in ["total", *sorted(c for c in real_ccg.columns if c != "total")]:
        real = real_ccg[column].quantile(QUANTILES)
        fake = synth_ccg[column].quantile(QUANTILES) if column in synth_ccg else real * np.nan
        rows.append(
            {
                "domain": column,
                **{f"pub {q:.0%}": real[q] for q in QUANTILES},
                **{f"syn {q:.0%}": fake[q] for q in QUANTILES},
            }
        )
    ccg = pd.DataFrame(rows).set_index("domain")
    indicator = pd.DataFrame({"published": real_indicator, "synthetic": synth_indicator}).dropna()
    indicator["gap"] = indicator["synthetic"] - indicator["published"]
    indicator = indicator.reindex(indicator["gap"].abs().sort_values(ascending=False).index)
    return {"practice": practice, "ccg": ccg, "indicator": indicator}


GRID = (3.0, 6.0, 12.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0)


def indicator_points(ds: qframe.Dataset) -> pd.Series:
    """Mean points per practice of each achievement indicator, by the published rules (as the
    generator scores them)."""
    from qframe.scoring import rules

    m = ds.measures[ds.measures["period"] == "2014-15"]
    wide = m[m["measure"].isin(["numerator", "denominator"])].pivot_table(
        index=["unit_id", "key"], columns="measure", values="value", observed=True
    )
    out = {}
    for ind in synth.reference().indicators:
        if ind.kind != "achievement":
            continue
        rows = wide.xs(ind.indicator, level="key")
        den = rows["denominator"].to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = rows["numerator"].to_numpy() / np.where(den > 0, den, np.nan)
        share = rules.slide(rate, ind.lower_pct / 100, ind.upper_pct / 100)
        out[ind.indicator] = float(np.nansum(share) * ind.max_points / len(rows))
    return pd.Series(out)


def fit_concentrations(seed: int, shared: Path) -> pd.Series:
    """Each achievement indicator's concentration: the one of GRID (interpolated on its log)
    whose national mean points come closest to the published mean. An indicator's points depend
    on its own rates only (the standing shared between indicators leaves each one's distribution
    as it is), so one national dataset per value of the grid fits every indicator at once."""
    _, _, published_points = published(shared)
    curves = {}
    for k in GRID:
        ds = synth.generate(
            synth.ENGLAND_PRACTICES,
            seed=seed,
            years=("2014-15",),
            quarters_of=(),
            achievement_concentration=k,
        )
        curves[k] = indicator_points(ds)
        print(f"concentration {k:g}: done", file=sys.stderr)
    table = pd.DataFrame(curves)
    fitted = {}
    for indicator, row in table.iterrows():
        target = published_points[indicator]
        gap = row.to_numpy() - target
        logs = np.log(np.array(GRID))
        best = int(np.argmin(np.abs(gap)))
        value = logs[best]
        for i in range(len(GRID) - 1):  # the first crossing, interpolated
            if gap[i] == 0 or gap[i] * gap[i + 1] < 0:
                value = logs[i] + (logs[i + 1] - logs[i]) * gap[i] / (gap[i] - gap[i + 1])
                break
        fitted[indicator] = round(float(np.exp(value)), 1)
    return pd.Series(fitted, name="concentration")


def markdown(table: pd.DataFrame) -> str:
    """A table as Markdown, numbers to two decimals (shares as percentages), blanks for none."""

    def cell(value: object, column: str, row: str) -> str:
        if not isinstance(value, float):
            return str(value)
        if np.isnan(value):
            return "—"
        return f"{value:.1%}" if "share" in str(row) else f"{value:.2f}"

    head = [table.index.name or "", *map(str, table.columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row, values in table.iterrows():
        cells = [cell(v, c, str(row)) for c, v in zip(table.columns, values, strict=True)]
        lines.append("| " + " | ".join([str(row), *cells]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shared", default=None)
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument(
        "--fit",
        action="store_true",
        help="fit each indicator's concentration and write qframe/data/reference/"
        "achievement_concentration_2014_15.csv",
    )
    args = parser.parse_args()
    if args.fit:
        fitted = fit_concentrations(args.seed, shared_folder(args.shared))
        path = ROOT / "qframe" / "data" / "reference" / "achievement_concentration_2014_15.csv"
        header = [line for line in path.read_text(encoding="utf-8").splitlines() if line[:1] == "#"]
        body = fitted.rename_axis("indicator").reset_index().to_csv(index=False)
        path.write_text("\n".join(header) + "\n" + body, encoding="utf-8")
        print(f"wrote {path}")
    tables = fit_tables(args.seed, shared_folder(args.shared))
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    for name, table in tables.items():
        shown = table.head(12) if name == "indicator" else table
        print(f"\n## {name}\n")
        print(markdown(shown) if args.markdown else shown.round(3))


if __name__ == "__main__":
    main()

"""Compare frameworks on the same data: who gets paid what, who gets flagged, and for whom.

Each framework is evaluated once on one dataset (loaded and laid out once), and the year compared
is reduced to one row per practice and framework: its ``payment`` total (a quarterly framework's
quarters are summed into their financial year), payment per patient (over the dataset's
``list_size`` for the year), ``points`` where the framework has them and the highest escalation
level reached in the year. From that long table come the others (docs/compare.md):

``practices``       one row per practice × framework, with the baseline's payment, the difference
                    and the ratio
``frameworks``      one row per framework: cost, payment per patient (mean, median, Gini, 10th and
                    90th percentiles), practices flagged
``escalation``      one row per framework × escalation level: practices at that level
``winners_losers``  per framework, practices gaining or losing more than the threshold against
                    the baseline, by cluster, by deprivation quintile and overall
``agreement``       one row per pair of frameworks: Spearman rank correlations, flag overlaps
``mismatches``      practices the baseline underpays (bottom quintile of payment per patient)
                    that another framework escalates, and the reverse
``equity``          payment per patient and flag rate by deprivation quintile, per framework
``funnel``          (when a framework reports funnel-plot totals, as improving_together does) the
                    admission rate of each practice in the year's last quarter, with its limits

>>> from qframe.compare import compare
>>> c = compare(["frameworks/qof_2014", "frameworks/somerset_pqs"], "data/sample")  # doctest: +SKIP
>>> c.frameworks[["framework", "total_cost", "gini_payment_per_patient"]]           # doctest: +SKIP
>>> c.write("out/compare")                                                          # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import qframe
from qframe.api import DataLike, Framework, as_dataset, load
from qframe.data import Dataset
from qframe.diagnostics import DataError, DefinitionError, QframeError, error
from qframe.engine import prepare
from qframe.results import Result

FORMATS = ("csv", "parquet")
WORKBOOK = "comparison.xlsx"
REPORT = "report.html"
MONEY = "payment"
ATTRIBUTES = ("name", "cluster", "ccg", "deprivation_quintile")
FUNNEL_TOTALS = ("admission_rate_per_1000", "national_upper_limit_per_1000")
YEAR = re.compile(r"^\d{4}-\d{2}$")

FrameworkLike = Framework | str | Path


# ---------------------------------------------------------------- small pure functions


def gini(values: Sequence[float] | np.ndarray) -> float:
    """The Gini coefficient of non-negative values: the mean absolute difference between every
    two values over twice the mean, ``Σᵢ Σⱼ |xᵢ − xⱼ| / (2 n² x̄)``. 0 when all are equal; it
    approaches 1 when one value holds everything. Missing values are skipped; no values, or a
    total of 0, give NaN.

    >>> gini([1, 1, 1])
    0.0
    >>> round(gini([0, 0, 0, 1]), 4)   # Σ|xi-xj| = 6, n = 4, mean = 0.25: 6 / (2·16·0.25)
    0.75
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    x = x[~np.isnan(x)]
    n = x.size
    total = x.sum()
    if n == 0 or total <= 0:
        return float("nan")
    # sorted form of the same sum: Σᵢ Σⱼ |xᵢ − xⱼ| = 2 Σᵢ (2i − n − 1) x₍ᵢ₎ for i = 1..n
    i = np.arange(1, n + 1)
    return float(np.sum((2 * i - n - 1) * x) / (n * total))


def ranks(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing the mean of their ranks (as Spearman's coefficient uses)."""
    return np.asarray(pd.Series(values, dtype="float64").rank(method="average"), dtype=np.float64)


def spearman(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Spearman's rank correlation: Pearson's correlation of the ranks (ties take the mean rank).
    Pairs with a missing value are skipped; NaN with fewer than 2 pairs or a constant side."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    both = ~(np.isnan(x) | np.isnan(y))
    x, y = x[both], y[both]
    if x.size < 2:
        return float("nan")
    rx, ry = ranks(x), ranks(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    denominator = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    if denominator == 0:
        return float("nan")
    return float((rx * ry).sum() / denominator)


def quintiles(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Quintile (1 = lowest fifth … 5 = highest) of each value among the non-missing ones:
    ``floor(5 (r − 1) / n) + 1`` with r the value's rank from 1, ties taking the lowest rank (so
    equal values share a quintile). Missing values get 0."""
    x = pd.Series(values, dtype="float64")
    n = int(x.notna().sum())
    r = x.rank(method="min").to_numpy()
    out = np.zeros(len(x), dtype=np.int64)
    ok = ~np.isnan(r)
    out[ok] = np.floor(5 * (r[ok] - 1) / max(n, 1)).astype(np.int64) + 1
    return out


def parse_threshold(text: str | float) -> float:
    """``10%``, ``0.1`` or ``10 %`` → 0.1. Must lie in [0, 1000%)."""
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        s = text.strip()
        try:
            value = float(s[:-1].strip()) / 100 if s.endswith("%") else float(s)
        except ValueError:
            raise ValueError(f"{text!r} is not a share: write 10% or 0.1") from None
    if not (0 <= value < 10) or np.isnan(value):
        raise ValueError(f"{text!r} is out of range: give a share such as 10% or 0.1")
    return value


# ---------------------------------------------------------------- the comparison


@dataclass(frozen=True)
class FrameworkRun:
    """One framework of a comparison and its result (all periods evaluated)."""

    label: str  # the framework's id (its folder name too when two share an id)
    framework: Framework
    result: Result
    complete_years: tuple[str, ...]

    @property
    def frequency(self) -> str:
        return self.framework.definition.frequency

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.framework.definition.levels)

    @property
    def has_escalation(self) -> bool:
        return bool(self.framework.definition.levels)


@dataclass(frozen=True)
class Comparison:
    """The tables comparing frameworks on one year of one dataset (docs/compare.md)."""

    period: str
    period_source: str  # "given" or why it was chosen
    baseline: str
    threshold: float
    runs: tuple[FrameworkRun, ...]
    practices: pd.DataFrame
    frameworks: pd.DataFrame
    escalation: pd.DataFrame
    winners_losers: pd.DataFrame
    agreement: pd.DataFrame
    mismatches: pd.DataFrame
    equity: pd.DataFrame
    funnel: pd.DataFrame | None
    funnel_note: str
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return [r.label for r in self.runs]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name, in the order they are written (funnel only when there is one)."""
        out = {
            "frameworks": self.frameworks,
            "practices": self.practices,
            "escalation": self.escalation,
            "winners_losers": self.winners_losers,
            "agreement": self.agreement,
            "mismatches": self.mismatches,
            "equity": self.equity,
        }
        if self.funnel is not None:
            out["funnel"] = self.funnel
        return out

    def write(
        self, out: str | Path, fmt: str = "csv", report: bool = True, workbook: bool = True
    ) -> list[Path]:
        """Write each table (CSV or Parquet), comparison.xlsx (a sheet per table),
        manifest.json and report.html into folder ``out``; returns the paths written."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}: choose csv or parquet")
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for name, frame in self.tables().items():
            path = folder / f"{name}.{fmt}"
            if fmt == "csv":
                frame.to_csv(path, index=False, lineterminator="\n", float_format="%.12g")
            else:
                frame.to_parquet(path, index=False)
            written.append(path)
        if workbook:
            written.append(self.write_workbook(folder / WORKBOOK))
        manifest = folder / "manifest.json"
        manifest.write_text(
            json.dumps(self.manifest, indent=2, sort_keys=True, default=str, ensure_ascii=False)
            + "\n",
            encoding="utf-8",
        )
        written.append(manifest)
        if report:
            from qframe.report import write_report

            written.append(write_report(self, folder / REPORT))
        return written

    def write_workbook(self, path: str | Path) -> Path:
        """One Excel workbook: an ``about`` sheet (period, baseline, threshold, frameworks, data)
        and one sheet per table, with a frozen header row."""
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        about = book.create_sheet("about")
        for row in self.about_rows():
            about.append(list(row))
        for name, frame in self.tables().items():
            sheet = book.create_sheet(name[:31])
            sheet.freeze_panes = "A2"
            sheet.append([str(c) for c in frame.columns])
            columns = [_cells(frame[c]) for c in frame.columns]
            for row in zip(*columns, strict=True):
                sheet.append(list(row))
        target = Path(path)
        book.save(target)
        return target

    def about_rows(self) -> list[tuple[str, str]]:
        """What was compared, as (label, value) lines: for the workbook and the report."""
        m = self.manifest
        rows = [
            ("period", self.period),
            ("period chosen", self.period_source),
            ("baseline", self.baseline),
            ("threshold", f"{self.threshold:.4g} ({self.threshold:.1%})"),
            ("data", f"{m['data']['source']} (sha256 {m['data']['sha256']})"),
            ("practices", str(m["data"]["units"])),
        ]
        for fw in m["frameworks"]:
            rows.append(
                (
                    f"framework {fw['label']}",
                    f"{fw['title']} — version {fw['version']}, {fw['frequency']}ly, "
                    f"{fw['definition']} (sha256 {fw['sha256']})",
                )
            )
        rows.append(("qframe", str(m["qframe_version"])))
        return rows


def _cells(column: pd.Series) -> list[Any]:
    """Values for openpyxl: plain Python numbers and text, None for missing."""
    if pd.api.types.is_bool_dtype(column.dtype) and not column.hasnans:
        return [bool(v) for v in column.to_numpy()]
    if pd.api.types.is_integer_dtype(column.dtype) and not column.hasnans:
        return [int(v) for v in column.to_numpy()]
    if pd.api.types.is_float_dtype(column.dtype):
        arr = column.to_numpy(dtype=np.float64, na_value=np.nan)
        return [None if v != v else v for v in arr.tolist()]
    values = column.astype(object).where(column.notna(), None).tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def compare(
    frameworks: Sequence[FrameworkLike],
    data: DataLike,
    baseline: str | None = None,
    periods: str | Sequence[str] | None = None,
    threshold: float | str = 0.10,
    progress: Callable[[str], None] | None = None,
) -> Comparison:
    """Evaluate each framework once on the same data and compare them on one financial year.

    ``frameworks``: framework folders (or loaded :class:`Framework` objects); the first is the
    baseline unless ``baseline`` names another (by id, label or path). ``periods``: the year to
    compare (``"2015-16"``, or a list of one); by default the latest year every framework has a
    complete result for (every practice has a payment). ``threshold``: the share of the baseline
    payment beyond which a practice counts as gaining or losing (``0.1`` or ``"10%"``).
    ``progress`` is called with each framework's label after it is evaluated."""
    if not frameworks:
        raise QframeError([error("C001", "no framework to compare", None, "give one or more")])
    share = parse_threshold(threshold) if isinstance(threshold, str) else float(threshold)
    if not (0 <= share < 10):
        raise ValueError(f"threshold {threshold!r} is out of range: give a share such as 0.1")
    loaded = [fw if isinstance(fw, Framework) else load(fw) for fw in frameworks]
    labels = _labels(loaded, frameworks)
    missing_money = [lb for lb, fw in zip(labels, loaded, strict=True) if MONEY not in _totals(fw)]
    if missing_money:
        raise DefinitionError(
            [
                error(
                    "C002",
                    f"framework `{lb}` has no total called `{MONEY}` to compare",
                    None,
                    "add `payment:` under `totals:` (the money paid to each practice)",
                )
                for lb in missing_money
            ]
        )
    base = _baseline(baseline, labels, loaded, frameworks)
    wanted = _wanted_year(periods)
    ds = as_dataset(data)  # loaded once: every framework reads the same Dataset (and its layout)
    runs: list[FrameworkRun] = []
    for label, fw in zip(labels, loaded, strict=True):
        only = _periods_of(ds, fw, wanted) if wanted else None
        result = fw.evaluate(ds, periods=only)
        runs.append(FrameworkRun(label, fw, result, _complete_years(result, fw, ds)))
        if progress is not None:
            progress(label)
    period, why = _choose_period(runs, wanted)
    long = _practices(runs, ds, period, base, share)
    funnel, note = _funnel(runs, long, period)
    summary, escalation = _frameworks(runs, long, period, base)
    comparison = Comparison(
        period=period,
        period_source=why,
        baseline=base,
        threshold=share,
        runs=tuple(runs),
        practices=long,
        frameworks=summary,
        escalation=escalation,
        winners_losers=_winners_losers(runs, long, base, share),
        agreement=_agreement(runs, long),
        mismatches=_mismatches(runs, long, base),
        equity=_equity(runs, long),
        funnel=funnel,
        funnel_note=note,
        manifest=_manifest(runs, ds, period, why, base, share),
    )
    return comparison


# ---------------------------------------------------------------- choosing what to compare


def _totals(fw: Framework) -> tuple[str, ...]:
    return tuple(fw.definition.totals)


def _labels(loaded: Sequence[Framework], given: Sequence[FrameworkLike]) -> list[str]:
    ids = [fw.id for fw in loaded]
    labels = []
    for fw, g in zip(loaded, given, strict=True):
        label = fw.id
        if ids.count(fw.id) > 1:
            stem = Path(fw.definition.path).parent.name if not isinstance(g, Framework) else ""
            label = f"{fw.id}@{stem or fw.version}"
        while label in labels:
            label += "'"
        labels.append(label)
    return labels


def _baseline(
    baseline: str | None,
    labels: Sequence[str],
    loaded: Sequence[Framework],
    given: Sequence[FrameworkLike],
) -> str:
    if baseline is None:
        return labels[0]
    wanted = str(baseline).rstrip("/")
    for label, fw, g in zip(labels, loaded, given, strict=True):
        names = {label, fw.id}
        if not isinstance(g, Framework):
            p = Path(g)
            names |= {str(g).rstrip("/"), p.name, str(p.resolve())}
        if wanted in names or str(Path(wanted).resolve()) in names:
            return label
    raise QframeError(
        [
            error(
                "C003",
                f"the baseline `{baseline}` is not one of the frameworks compared",
                None,
                f"choose one of: {', '.join(labels)}",
            )
        ],
    )


def _wanted_year(periods: str | Sequence[str] | None) -> str | None:
    if periods is None:
        return None
    chosen = [periods] if isinstance(periods, str) else list(periods)
    if not chosen:
        return None
    if len(chosen) > 1:
        raise DataError(
            [
                error(
                    "C004",
                    f"compare one year at a time (given: {', '.join(chosen)})",
                    None,
                    "run compare once per year",
                )
            ]
        )
    year = chosen[0].strip()
    if not YEAR.match(year):
        raise DataError(
            [
                error(
                    "C004",
                    f"`{year}` is not a financial year",
                    None,
                    "compare a year such as 2015-16 (quarterly frameworks are summed into their year)",
                )
            ]
        )
    return year


def _quarters(year: str) -> list[str]:
    return [f"{year}Q{q}" for q in range(1, 5)]


def _periods_of(ds: Dataset, fw: Framework, year: str) -> list[str]:
    """The periods of ``fw`` that make up ``year`` (its four quarters when quarterly)."""
    arrays = prepare(ds, fw.definition.frequency)
    present = {p for p, ok in zip(arrays.periods, arrays.present, strict=True) if ok}
    if fw.definition.frequency == "quarter":
        found = [q for q in _quarters(year) if q in present]
        if not found:
            raise DataError(
                [
                    error(
                        "C005",
                        f"the data has no quarter of {year} for `{fw.id}`, which is quarterly",
                        None,
                        f"quarters in the data: {', '.join(sorted(present)) or 'none'}",
                    )
                ]
            )
        return found
    if year not in present:
        raise DataError(
            [
                error(
                    "C005",
                    f"the data has no period {year} for `{fw.id}`",
                    None,
                    f"years in the data: {', '.join(sorted(present)) or 'none'}",
                )
            ]
        )
    return [year]


def _complete_years(result: Result, fw: Framework, ds: Dataset) -> tuple[str, ...]:
    """Years in which every practice of the dataset has a payment (in all four quarters, for a
    quarterly framework)."""
    units = result.units
    n_units = len(ds.units)
    if units.empty:
        return ()
    periods = units["period"].astype(str).to_numpy()
    paid = units[MONEY].notna().to_numpy()
    frame = pd.DataFrame({"period": periods, "paid": paid})
    per_period = frame.groupby("period", sort=True)["paid"].agg(["sum", "size"])
    complete = set(per_period.index[(per_period["sum"] == n_units) & (per_period["size"] == n_units)])
    if fw.definition.frequency != "quarter":
        return tuple(sorted(p for p in complete if YEAR.match(p)))
    years = {p[:7] for p in complete}
    return tuple(sorted(y for y in years if all(q in complete for q in _quarters(y))))


def _choose_period(runs: Sequence[FrameworkRun], wanted: str | None) -> tuple[str, str]:
    if wanted is not None:
        return wanted, "given (--period)"
    common = set(runs[0].complete_years)
    for run in runs[1:]:
        common &= set(run.complete_years)
    if not common:
        detail = "; ".join(f"{r.label}: {', '.join(r.complete_years) or 'none'}" for r in runs)
        raise DataError(
            [
                error(
                    "C006",
                    "no year in which every framework pays every practice",
                    None,
                    f"complete years per framework: {detail}. Choose a year with --period "
                    "(practices without a payment are then left out of the statistics)",
                )
            ]
        )
    year = max(common)
    return year, "the latest year every framework has a complete result for"


# ---------------------------------------------------------------- the practices table


def _list_size(ds: Dataset, year: str) -> pd.Series:
    """The dataset's list_size for the year (or the mean of its quarters when the data only has
    quarterly list sizes), by unit_id."""
    m = ds.measures
    rows = m[(m["measure"] == "list_size").to_numpy() & (m["key"] == "").to_numpy()]
    yearly = rows[(rows["period"] == year).to_numpy()]
    if len(yearly):
        return pd.Series(
            yearly["value"].to_numpy(dtype=np.float64), index=yearly["unit_id"].astype(str)
        )
    quarterly = rows[rows["period"].isin(_quarters(year)).to_numpy()]
    means = quarterly.groupby(quarterly["unit_id"].astype(str))["value"].mean()
    return means.astype(np.float64)


def _year_of(run: FrameworkRun, year: str) -> pd.DataFrame:
    """One row per unit for the year: payment, points, escalation level and its rank (0 = none).
    A quarterly framework's payment and points are summed over its four quarters (missing when a
    quarter is missing); its escalation is the highest level reached in any quarter."""
    units = run.result.units
    periods = units["period"].astype(str)
    quarterly = run.frequency == "quarter"
    rows = units[periods.str.startswith(year + "Q").to_numpy() if quarterly else (periods == year)]
    ids = rows["unit_id"].astype(str).to_numpy()
    rank_of = {lv: i + 1 for i, lv in enumerate(run.levels)}
    frame = pd.DataFrame({"unit_id": ids, "payment": rows[MONEY].to_numpy(dtype=np.float64)})
    has_points = "points" in rows.columns
    if has_points:
        frame["points"] = rows["points"].to_numpy(dtype=np.float64)
    if run.has_escalation:
        levels = rows["escalation_level"].fillna("").astype(str).to_numpy()
        frame["rank"] = np.array([rank_of.get(v, 0) for v in levels], dtype=np.int64)
    if quarterly:
        grouped = frame.groupby("unit_id", sort=True)
        agg = pd.DataFrame(
            {"payment": grouped["payment"].sum(min_count=1), "n": grouped["payment"].count()}
        )
        agg.loc[agg["n"] < 4, "payment"] = np.nan  # a year needs all four quarters paid
        if has_points:
            agg["points"] = grouped["points"].sum(min_count=1)
            agg.loc[grouped["points"].count() < 4, "points"] = np.nan
        if run.has_escalation:
            agg["rank"] = grouped["rank"].max()
        frame = agg.drop(columns="n").reset_index()
    out = frame.set_index("unit_id")
    if run.has_escalation:
        names = np.asarray(["", *run.levels], dtype=object)
        out["escalation_level"] = names[out["rank"].to_numpy()]
    return out


def _practices(
    runs: Sequence[FrameworkRun], ds: Dataset, year: str, baseline: str, share: float
) -> pd.DataFrame:
    units = ds.units
    ids = units["unit_id"].astype(str).to_numpy()
    n = len(ids)
    attrs = {
        a: units[a].astype("string").fillna("").to_numpy(dtype=object)
        if a in units.columns
        else np.full(n, "", dtype=object)
        for a in ATTRIBUTES
    }
    list_size = _list_size(ds, year).reindex(ids).to_numpy(dtype=np.float64)
    per_fw: dict[str, pd.DataFrame] = {}
    for run in runs:
        per_fw[run.label] = _year_of(run, year).reindex(ids)
    base_pay = per_fw[baseline]["payment"].to_numpy(dtype=np.float64)
    blocks = []
    for run in runs:
        f = per_fw[run.label]
        pay = f["payment"].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            ppp = np.where(list_size > 0, pay / list_size, np.nan)
            ratio = np.where(base_pay != 0, pay / base_pay, np.nan)
        ratio = np.where((base_pay == 0) & (pay == 0), 1.0, ratio)
        ratio = np.where((base_pay == 0) & (pay > 0), np.inf, ratio)
        diff = pay - base_pay
        known = ~np.isnan(ratio)
        movement = np.full(n, "", dtype=object)
        movement[known] = "within"
        movement[known & (ratio > 1 + share)] = "gain"
        movement[known & (ratio < 1 - share)] = "loss"
        if run.has_escalation:
            rank = pd.array(f["rank"].to_numpy(), dtype="Int64")
            level = f["escalation_level"].fillna("").to_numpy(dtype=object)
            flagged = pd.array(f["rank"].to_numpy() > 0, dtype="boolean")
            # a practice without a result for the year has no level either
            no_result = f["rank"].isna().to_numpy()
            rank[no_result] = pd.NA
            flagged[no_result] = pd.NA
        else:
            rank = pd.array([pd.NA] * n, dtype="Int64")
            level = np.full(n, "", dtype=object)
            flagged = pd.array([pd.NA] * n, dtype="boolean")
        block = pd.DataFrame(
            {
                "period": np.full(n, year, dtype=object),
                "framework": np.full(n, run.label, dtype=object),
                "unit_id": ids,
                **attrs,
                "list_size": list_size,
                "payment": pay,
                "payment_per_patient": ppp,
                "payment_per_patient_quintile": pd.array(
                    np.where(np.isnan(ppp), 0, quintiles(ppp)), dtype="Int64"
                ),
                "points": f["points"].to_numpy(dtype=np.float64)
                if "points" in f.columns
                else np.full(n, np.nan),
                "escalation_level": level,
                "escalation_rank": rank,
                "flagged": flagged,
                "baseline": np.full(n, baseline, dtype=object),
                "baseline_payment": base_pay,
                "difference": diff,
                "ratio": ratio,
                "movement": movement,
            }
        )
        q = block["payment_per_patient_quintile"]
        block.loc[q == 0, "payment_per_patient_quintile"] = pd.NA
        blocks.append(block)
    out = pd.concat(blocks, ignore_index=True)
    for col in ("period", "framework", "unit_id", *ATTRIBUTES, "escalation_level", "baseline"):
        out[col] = out[col].astype(object)
    out["movement"] = out["movement"].astype(object)
    return out


# ---------------------------------------------------------------- summary tables


def _frameworks(
    runs: Sequence[FrameworkRun], long: pd.DataFrame, year: str, baseline: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    esc_rows = []
    base_total = float(long.loc[long["framework"] == baseline, "payment"].sum())
    for run in runs:
        f = long[long["framework"] == run.label]
        paid = f["payment"].notna()
        ppp = f["payment_per_patient"].to_numpy(dtype=np.float64)
        ok = ppp[~np.isnan(ppp)]
        total = float(f["payment"].sum())
        patients = float(f.loc[paid, "list_size"].sum())
        flagged = int(f["flagged"].fillna(False).sum()) if run.has_escalation else None
        rows.append(
            {
                "period": year,
                "framework": run.label,
                "id": run.framework.id,
                "version": run.framework.version,
                "title": run.framework.title,
                "frequency": run.frequency,
                "baseline": baseline,
                "practices": len(f),
                "practices_paid": int(paid.sum()),
                "patients": patients,
                "total_cost": total,
                "difference_from_baseline": total - base_total,
                "cost_per_patient": total / patients if patients else np.nan,
                "mean_payment_per_patient": float(ok.mean()) if ok.size else np.nan,
                "median_payment_per_patient": float(np.median(ok)) if ok.size else np.nan,
                "p10_payment_per_patient": float(np.percentile(ok, 10)) if ok.size else np.nan,
                "p90_payment_per_patient": float(np.percentile(ok, 90)) if ok.size else np.nan,
                "gini_payment_per_patient": gini(ok),
                "has_escalation": run.has_escalation,
                "flagged": flagged,
                "flag_rate": flagged / len(f) if flagged is not None and len(f) else np.nan,
            }
        )
        if run.has_escalation:
            known = f["escalation_rank"].notna()
            counts = f.loc[known, "escalation_rank"].astype(int).value_counts()
            for rank, level in enumerate(["", *run.levels]):
                count = int(counts.get(rank, 0))
                esc_rows.append(
                    {
                        "period": year,
                        "framework": run.label,
                        "level": level or "(not escalated)",
                        "rank": rank,
                        "practices": count,
                        "share": count / len(f) if len(f) else np.nan,
                    }
                )
    summary = pd.DataFrame(rows)
    summary["flagged"] = pd.array(summary["flagged"].tolist(), dtype="Int64")
    escalation = pd.DataFrame(
        esc_rows, columns=["period", "framework", "level", "rank", "practices", "share"]
    )
    return summary, escalation


def _winners_losers(
    runs: Sequence[FrameworkRun], long: pd.DataFrame, baseline: str, share: float
) -> pd.DataFrame:
    rows = []
    for run in runs:
        if run.label == baseline:
            continue
        f = long[long["framework"] == run.label]
        groupings: list[tuple[str, pd.Series]] = [("all", pd.Series("all", index=f.index))]
        for attr in ("cluster", "deprivation_quintile"):
            if (f[attr] != "").any():
                groupings.append((attr, f[attr]))
        for by, keys in groupings:
            for group, g in f.groupby(keys, sort=True):
                mv = g["movement"]
                compared = int((mv != "").sum())
                gaining = int((mv == "gain").sum())
                losing = int((mv == "loss").sum())
                rows.append(
                    {
                        "framework": run.label,
                        "baseline": baseline,
                        "threshold": share,
                        "by": by,
                        "group": str(group),
                        "practices": len(g),
                        "compared": compared,
                        "gaining": gaining,
                        "losing": losing,
                        "within": compared - gaining - losing,
                        "gaining_share": gaining / compared if compared else np.nan,
                        "losing_share": losing / compared if compared else np.nan,
                        "baseline_payment": float(g["baseline_payment"].sum()),
                        "payment": float(g["payment"].sum()),
                        "net_difference": float(g["difference"].sum()),
                    }
                )
    columns = [
        "framework",
        "baseline",
        "threshold",
        "by",
        "group",
        "practices",
        "compared",
        "gaining",
        "losing",
        "within",
        "gaining_share",
        "losing_share",
        "baseline_payment",
        "payment",
        "net_difference",
    ]
    return pd.DataFrame(rows, columns=columns)


def _agreement(runs: Sequence[FrameworkRun], long: pd.DataFrame) -> pd.DataFrame:
    by_fw = {r.label: long[long["framework"] == r.label].reset_index(drop=True) for r in runs}
    rows = []
    for i, a in enumerate(runs):
        for b in runs[i + 1 :]:
            fa, fb = by_fw[a.label], by_fw[b.label]
            pa, pb = fa["payment"].to_numpy(np.float64), fb["payment"].to_numpy(np.float64)
            qa = fa["payment_per_patient"].to_numpy(np.float64)
            qb = fb["payment_per_patient"].to_numpy(np.float64)
            row: dict[str, Any] = {
                "framework_a": a.label,
                "framework_b": b.label,
                "practices": int((~(np.isnan(pa) | np.isnan(pb))).sum()),
                "spearman_payment": spearman(pa, pb),
                "spearman_payment_per_patient": spearman(qa, qb),
            }
            if a.has_escalation and b.has_escalation:
                known = (fa["flagged"].notna() & fb["flagged"].notna()).to_numpy()
                xa = fa["flagged"].fillna(False).to_numpy(dtype=bool) & known
                xb = fb["flagged"].fillna(False).to_numpy(dtype=bool) & known
                both, only_a, only_b = int((xa & xb).sum()), int((xa & ~xb).sum()), int((~xa & xb).sum())
                either = both + only_a + only_b
                row.update(
                    flagged_both=both,
                    flagged_only_a=only_a,
                    flagged_only_b=only_b,
                    flagged_neither=int(known.sum()) - either,
                    flag_jaccard=both / either if either else np.nan,
                )
            else:
                row.update(
                    flagged_both=None,
                    flagged_only_a=None,
                    flagged_only_b=None,
                    flagged_neither=None,
                    flag_jaccard=np.nan,
                )
            rows.append(row)
    columns = [
        "framework_a",
        "framework_b",
        "practices",
        "spearman_payment",
        "spearman_payment_per_patient",
        "flagged_both",
        "flagged_only_a",
        "flagged_only_b",
        "flagged_neither",
        "flag_jaccard",
    ]
    out = pd.DataFrame(rows, columns=columns)
    for col in ("flagged_both", "flagged_only_a", "flagged_only_b", "flagged_neither"):
        out[col] = pd.array(out[col].tolist(), dtype="Int64")
    return out


def _mismatches(runs: Sequence[FrameworkRun], long: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Practices one framework underpays (bottom payment-per-patient quintile) that the other
    escalates: the baseline against each other framework, both ways."""
    by_fw = {r.label: long[long["framework"] == r.label].reset_index(drop=True) for r in runs}
    has_esc = {r.label: r.has_escalation for r in runs}
    base = by_fw[baseline]
    columns = [
        "direction",
        "underpaid_by",
        "escalated_by",
        "unit_id",
        "name",
        "cluster",
        "deprivation_quintile",
        "list_size",
        "payment_per_patient",
        "payment_per_patient_quintile",
        "escalation_level",
    ]
    rows = []
    for run in runs:
        if run.label == baseline:
            continue
        other = by_fw[run.label]
        cases = (
            ("baseline underpays, other escalates", baseline, run.label, base, other),
            ("other underpays, baseline escalates", run.label, baseline, other, base),
        )
        for direction, under_label, esc_label, under, esc in cases:
            if not has_esc[esc_label]:
                continue
            hit = (under["payment_per_patient_quintile"] == 1).fillna(False).to_numpy(
                dtype=bool
            ) & esc["flagged"].fillna(False).to_numpy(dtype=bool)
            for i in np.flatnonzero(hit):
                rows.append(
                    {
                        "direction": direction,
                        "underpaid_by": under_label,
                        "escalated_by": esc_label,
                        "unit_id": under.at[i, "unit_id"],
                        "name": under.at[i, "name"],
                        "cluster": under.at[i, "cluster"],
                        "deprivation_quintile": under.at[i, "deprivation_quintile"],
                        "list_size": under.at[i, "list_size"],
                        "payment_per_patient": under.at[i, "payment_per_patient"],
                        "payment_per_patient_quintile": 1,
                        "escalation_level": esc.at[i, "escalation_level"],
                    }
                )
    return pd.DataFrame(rows, columns=columns)


def _equity(runs: Sequence[FrameworkRun], long: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for run in runs:
        f = long[long["framework"] == run.label]
        paid = f[f["payment"].notna() & (f["list_size"] > 0)]
        overall = paid["payment"].sum() / paid["list_size"].sum() if len(paid) else np.nan
        for q, g in f.groupby("deprivation_quintile", sort=True):
            gp = g[g["payment"].notna() & (g["list_size"] > 0)]
            patients = float(gp["list_size"].sum())
            cost = float(gp["payment"].sum())
            ppp = cost / patients if patients else np.nan
            flagged = int(g["flagged"].fillna(False).sum()) if run.has_escalation else None
            rows.append(
                {
                    "framework": run.label,
                    "deprivation_quintile": str(q),
                    "practices": len(g),
                    "patients": patients,
                    "payment": cost,
                    "payment_per_patient": ppp,
                    "mean_payment_per_patient": float(g["payment_per_patient"].mean()),
                    "relative_to_average": ppp / overall if overall else np.nan,
                    "flagged": flagged,
                    "flag_rate": flagged / len(g) if flagged is not None and len(g) else np.nan,
                }
            )
    columns = [
        "framework",
        "deprivation_quintile",
        "practices",
        "patients",
        "payment",
        "payment_per_patient",
        "mean_payment_per_patient",
        "relative_to_average",
        "flagged",
        "flag_rate",
    ]
    out = pd.DataFrame(rows, columns=columns)
    out["flagged"] = pd.array(out["flagged"].tolist(), dtype="Int64")
    return out


def _funnel(
    runs: Sequence[FrameworkRun], long: pd.DataFrame, year: str
) -> tuple[pd.DataFrame | None, str]:
    """Admission rates against list size, from the first framework with funnel-plot totals (as
    improving_together): its last period of the year (the year's last quarter when quarterly)."""
    run = next((r for r in runs if all(t in _totals(r.framework) for t in FUNNEL_TOTALS)), None)
    if run is None:
        return None, (
            "No funnel plot: none of the frameworks compared reports admission rates with funnel "
            f"limits ({', '.join(FUNNEL_TOTALS)}; improving_together does)."
        )
    units = run.result.units
    periods = units["period"].astype(str)
    in_year = periods.str.startswith(year + "Q") if run.frequency == "quarter" else periods == year
    rows = units[in_year.to_numpy() & units["admission_rate_per_1000"].notna().to_numpy()]
    if rows.empty:
        return None, f"No funnel plot: {run.label} has no admission rates in {year}."
    last = max(rows["period"].astype(str))
    rows = rows[(rows["period"].astype(str) == last).to_numpy()]
    f = long[long["framework"] == run.label].set_index("unit_id")
    ids = rows["unit_id"].astype(str).to_numpy()
    rate = rows["admission_rate_per_1000"].to_numpy(np.float64)
    national = rows["national_upper_limit_per_1000"].to_numpy(np.float64)
    out = pd.DataFrame(
        {
            "framework": run.label,
            "period": last,
            "unit_id": ids,
            "name": f["name"].reindex(ids).to_numpy(dtype=object),
            "cluster": f["cluster"].reindex(ids).to_numpy(dtype=object),
            "list_size": f["list_size"].reindex(ids).to_numpy(np.float64),
            "admission_rate_per_1000": rate,
        }
    )
    for col in (
        "national_rate_per_1000",
        "national_upper_limit_per_1000",
        "cluster_rate_per_1000",
        "cluster_upper_limit_per_1000",
    ):
        if col in rows.columns:
            out[col] = rows[col].to_numpy(np.float64)
    out["above_national_limit"] = rate > national
    if "cluster_upper_limit_per_1000" in out.columns:
        out["above_cluster_limit"] = rate > out["cluster_upper_limit_per_1000"].to_numpy()
    out["escalation_level_in_year"] = f["escalation_level"].reindex(ids).to_numpy(dtype=object)
    out = out.sort_values(["list_size", "unit_id"], kind="stable").reset_index(drop=True)
    note = (
        f"Funnel plot from {run.label}, {last} (the last quarter of {year}): each practice's "
        "emergency admission rate per 1,000 patients against its list size, with the national "
        "rate and the national upper control limit."
    )
    return out, note


def _data_hash(ds: Dataset) -> str:
    if ds.content_hash:
        return ds.content_hash
    digest = hashlib.sha256()
    for frame in (ds.units, ds.measures):
        digest.update(",".join(map(str, frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _manifest(
    runs: Sequence[FrameworkRun],
    ds: Dataset,
    period: str,
    why: str,
    baseline: str,
    share: float,
) -> dict[str, Any]:
    warnings: list[dict[str, Any]] = []
    for run in runs:
        for w in run.result.manifest.get("warnings", []):
            if w not in warnings:
                warnings.append(w)
    return {
        "qframe_version": qframe.__version__,
        "period": period,
        "period_chosen": why,
        "baseline": baseline,
        "threshold": share,
        "money": MONEY,
        "frameworks": [
            {
                "label": run.label,
                "id": run.framework.id,
                "version": run.framework.version,
                "title": run.framework.title,
                "definition": run.framework.definition.path,
                "sha256": run.result.manifest["framework"]["sha256"],
                "frequency": run.frequency,
                "complete_years": list(run.complete_years),
                "parameters": run.result.manifest.get("parameters", {}),
            }
            for run in runs
        ],
        "data": {
            "source": ds.source,
            "sha256": _data_hash(ds),
            "units": len(ds.units),
            "measure_rows": len(ds.measures),
        },
        "warnings": warnings,
    }

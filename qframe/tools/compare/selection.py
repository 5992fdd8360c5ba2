"""Choosing what to compare: the frameworks' labels, the baseline, the year and the threshold."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from qframe.api import Framework
from qframe.data.dataset import Dataset
from qframe.engines.registry import engine
from qframe.errors.diagnostics import DataError, ExitCode, QframeError, error
from qframe.model.periods import normalise_period
from qframe.results.tidy import Result
from qframe.tools.compare.comparison import MONEY, FrameworkLike, FrameworkRun

YEAR = re.compile(r"^\d{4}-\d{2}$")


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


def framework_labels(loaded: Sequence[Framework], given: Sequence[FrameworkLike]) -> list[str]:
    """Each framework's label: its id, with its folder name (or version) when two share an id."""
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


def choose_baseline(
    baseline: str | None,
    labels: Sequence[str],
    loaded: Sequence[Framework],
    given: Sequence[FrameworkLike],
) -> str:
    """The label of the baseline named by id, label or path (the first framework by default)."""
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
        ExitCode.USAGE,
    )


def wanted_year(periods: str | Sequence[str] | None) -> str | None:
    """The financial year asked for (one, such as 2015-16), or None to choose one."""
    if periods is None:
        return None
    chosen = [periods] if isinstance(periods, str) else list(periods)
    if not chosen:
        return None
    if len(chosen) > 1:
        raise QframeError(
            [
                error(
                    "C004",
                    f"compare one year at a time (given: {', '.join(chosen)})",
                    None,
                    "run compare once per year",
                )
            ],
            ExitCode.USAGE,
        )
    year = normalise_period(chosen[0])  # the NHS spelling 2014/15 too
    if not YEAR.match(year):
        raise QframeError(
            [
                error(
                    "C004",
                    f"`{year}` is not a financial year",
                    None,
                    "compare a year such as 2015-16 (quarterly frameworks are summed into their year)",
                )
            ],
            ExitCode.USAGE,
        )
    return year


def quarters_of(year: str) -> list[str]:
    """The four quarters of a financial year: 2015-16Q1 .. 2015-16Q4."""
    return [f"{year}Q{q}" for q in range(1, 5)]


def periods_of(ds: Dataset, fw: Framework, year: str) -> list[str]:
    """The periods of ``fw`` that make up ``year`` (its four quarters when quarterly)."""
    arrays = engine().layout(fw.dataset(ds), fw.definition.frequency)
    present = {p for p, ok in zip(arrays.periods, arrays.present, strict=True) if ok}
    if fw.definition.frequency == "quarter":
        found = [q for q in quarters_of(year) if q in present]
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


def complete_years(result: Result, fw: Framework, ds: Dataset) -> tuple[str, ...]:
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
    complete = set(
        per_period.index[(per_period["sum"] == n_units) & (per_period["size"] == n_units)]
    )
    if fw.definition.frequency != "quarter":
        return tuple(sorted(p for p in complete if YEAR.match(p)))
    years = {p[:7] for p in complete}
    return tuple(sorted(y for y in years if all(q in complete for q in quarters_of(y))))


def choose_period(runs: Sequence[FrameworkRun], wanted: str | None) -> tuple[str, str]:
    """The year compared and why: the one given, or the latest every framework pays every
    practice in."""
    if wanted is not None:
        return wanted, "given"
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

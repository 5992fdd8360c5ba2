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

>>> from qframe.tools.compare import compare
>>> c = compare(["frameworks/qof_2014", "frameworks/somerset_pqs"], "data/sample")  # doctest: +SKIP
>>> c.frameworks[["framework", "total_cost", "gini_payment_per_patient"]]           # doctest: +SKIP
>>> c.write("out/compare")                                                          # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import qframe
from qframe.api import DataLike, Framework, as_dataset, load
from qframe.data.dataset import Dataset
from qframe.engines.registry import engine
from qframe.errors.diagnostics import (
    DataError,
    DefinitionError,
    ExitCode,
    QframeError,
    error,
    output_folder,
)
from qframe.results.tidy import Result
from qframe.tools.stats import gini

FORMATS = ("csv", "parquet")
WORKBOOK = "comparison.xlsx"
REPORT = "report.html"
MONEY = "payment"
ATTRIBUTES = ("name", "cluster", "ccg", "deprivation_quintile")
FUNNEL_TOTALS = ("admission_rate_per_1000", "national_upper_limit_per_1000")
YEAR = re.compile(r"^\d{4}-\d{2}$")

FrameworkLike = Framework | str | Path


# ---------------------------------------------------------------- small pure functions


def ranks(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Ranks from 1, ties sharing the mean of their ranks (as Spearman's coefficient uses)."""
    return np.asarray(pd.Series(values, dtype="float64").rank(method="average"), dtype=np.float64)


def spearman(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Spearman's rank correlation (scipy; ties take the mean rank). Pairs with a missing value
    are skipped; NaN with fewer than 2 pairs or a constant side."""
    from scipy.stats import spearmanr

    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    both = ~(np.isnan(x) | np.isnan(y))
    x, y = x[both], y[both]
    if x.size < 2 or np.all(x == x[0]) or np.all(y == y[0]):
        return float("nan")
    return float(spearmanr(x, y).statistic)


def quintiles(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Quintile (1 = lowest fifth … 5 = highest) of each value among the n non-missing ones:
    ``floor(5 (r − 1) / n) + 1`` with r the value's rank from 1, tied values taking the mean of
    their ranks (so equal values share a quintile, in the middle of the places they hold: when
    every value is the same, all are in quintile 3). Missing values get 0.

    >>> quintiles([4, 8, 10, 10.4, 12, 18]).tolist()   # r = 1..6: floor(5·(r−1)/6) + 1
    [1, 1, 2, 3, 4, 5]
    """
    x = pd.Series(values, dtype="float64")
    n = int(x.notna().sum())
    r = x.rank(method="average").to_numpy()
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
        output_folder(folder)
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
            from qframe.tools.report import write_report

            written.append(write_report(self, folder / REPORT))
        return written

    def write_workbook(self, path: str | Path) -> Path:
        """One Excel workbook: an ``about`` sheet (period, baseline, threshold, frameworks, data)
        and one sheet per table, each with a bold, frozen header row. The same comparison gives
        a byte-identical file."""
        about = pd.DataFrame(self.about_rows(), columns=["item", "value"])
        return write_xlsx(path, {"about": about, **self.tables()})

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


# ---------------------------------------------------------------- Excel


# A small, fast writer of the Office Open XML spreadsheet format (ECMA-376): a national comparison
# has about half a million cells, which the general-purpose writers take several seconds over.
# It writes what the tables need — numbers, text, booleans, blanks — with a bold frozen header
# row, column widths and number formats for money and shares; the zip entries carry a fixed
# date so the same tables give the same bytes.
_XLSX_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XLSX_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XLSX_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_XLSX_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_XLSX_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00"/>'
    '<numFmt numFmtId="165" formatCode="0.0%"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_MONEY_WORDS = ("payment", "cost", "difference")
_SHARE_WORDS = ("share", "rate", "jaccard")


def _column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xlsx_cells(column: pd.Series, letter: str, style: int) -> tuple[list[str], int]:
    """The XML of each cell of a column from row 2 (an empty string for a blank), and the widest
    text in characters (for the column width)."""
    n = len(column)
    rows = range(2, n + 2)
    s = f' s="{style}"' if style else ""
    if pd.api.types.is_bool_dtype(column.dtype):
        values = column.astype(object).where(column.notna(), None).tolist()
        cells = [
            "" if v is None else f'<c r="{letter}{r}" t="b"><v>{int(bool(v))}</v></c>'
            for r, v in zip(rows, values, strict=True)
        ]
        return cells, 5
    if pd.api.types.is_numeric_dtype(column.dtype):
        arr = column.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = math.isfinite
        if pd.api.types.is_integer_dtype(column.dtype):
            texts = [str(int(v)) if finite(v) else "" for v in arr.tolist()]
        else:
            texts = [repr(v) if finite(v) else "" for v in arr.tolist()]
        cells = [
            f'<c r="{letter}{r}"{s}><v>{t}</v></c>' if t else ""
            for r, t in zip(rows, texts, strict=True)
        ]
        return cells, min(max((len(t) for t in texts), default=0), 14)
    values = column.astype(object).where(column.notna(), None).tolist()
    texts = ["" if v is None else str(v) for v in values]
    # each distinct text is escaped once (a column repeats a few names many times)
    tails = {
        t: f'" t="inlineStr"><is><t xml:space="preserve">{_xml_text(t)}</t></is></c>'
        for t in set(texts)
        if t
    }
    cells = [f'<c r="{letter}{r}{tails[t]}' if t else "" for r, t in zip(rows, texts, strict=True)]
    return cells, max((len(t) for t in tails), default=0)


def _xlsx_sheet(frame: pd.DataFrame, first: bool) -> str:
    ncol, nrow = len(frame.columns), len(frame) + 1
    letters = [_column_letter(i) for i in range(ncol)]
    columns, widths = [], []
    for letter, name in zip(letters, frame.columns, strict=True):
        key = str(name)
        style = 0
        if pd.api.types.is_float_dtype(frame[name].dtype):
            if any(w in key for w in _SHARE_WORDS):
                style = 3
            elif any(w in key for w in _MONEY_WORDS) and "per_patient" not in key:
                style = 2
        cells, width = _xlsx_cells(frame[name], letter, style)
        columns.append(cells)
        widths.append(min(max(width, len(key)) + 2, 80))
    header = "".join(
        f'<c r="{letter}1" s="1" t="inlineStr"><is><t>{_xml_text(str(name))}</t></is></c>'
        for letter, name in zip(letters, frame.columns, strict=True)
    )
    body = [f'<row r="1">{header}</row>']
    for r, row in enumerate(zip(*columns, strict=True), start=2):
        body.append(f'<row r="{r}">{"".join(row)}</row>')
    last = f"{letters[-1] if letters else 'A'}{nrow}"
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths, start=1)
    )
    selected = ' tabSelected="1"' if first else ""
    return (
        _XML_HEAD + f'<worksheet xmlns="{_XLSX_MAIN}" xmlns:r="{_XLSX_REL}">'
        f'<dimension ref="A1:{last}"/>'
        f'<sheetViews><sheetView workbookViewId="0"{selected}>'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    )


def write_xlsx(path: str | Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write DataFrames to one .xlsx workbook, a sheet per entry (names cut to 31 characters)."""
    import zipfile

    names = [name[:31] for name in sheets]
    parts: dict[str, str] = {
        "[Content_Types].xml": _XML_HEAD
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_XLSX_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_XLSX_CT}.styles+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_XLSX_CT}.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        + "</Types>",
        "_rels/.rels": _XML_HEAD + f'<Relationships xmlns="{_XLSX_PKG}">'
        f'<Relationship Id="rId1" Type="{_XLSX_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": _XML_HEAD + f'<workbook xmlns="{_XLSX_MAIN}" xmlns:r="{_XLSX_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
        + "".join(
            f'<sheet name="{_xml_text(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(names, start=1)
        )
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": _XML_HEAD
        + f'<Relationships xmlns="{_XLSX_PKG}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{_XLSX_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        + f'<Relationship Id="rId{len(names) + 1}" Type="{_XLSX_REL}/styles" Target="styles.xml"/>'
        "</Relationships>",
        "xl/styles.xml": _STYLES,
    }
    for i, frame in enumerate(sheets.values(), start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = _xlsx_sheet(frame, first=i == 1)
    target = Path(path)
    output_folder(target.parent)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text_ in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            book.writestr(info, text_.encode("utf-8"), compresslevel=1)  # fast; XML packs well
    return target


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
        raise QframeError(
            [error("C001", "no framework to compare", None, "give one or more")], ExitCode.USAGE
        )
    share = parse_threshold(threshold)  # ValueError when it is not a share
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
        ExitCode.USAGE,
    )


def _wanted_year(periods: str | Sequence[str] | None) -> str | None:
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
    year = chosen[0].strip()
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


def _quarters(year: str) -> list[str]:
    return [f"{year}Q{q}" for q in range(1, 5)]


def _periods_of(ds: Dataset, fw: Framework, year: str) -> list[str]:
    """The periods of ``fw`` that make up ``year`` (its four quarters when quarterly)."""
    arrays = engine().layout(ds, fw.definition.frequency)
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
    complete = set(
        per_period.index[(per_period["sum"] == n_units) & (per_period["size"] == n_units)]
    )
    if fw.definition.frequency != "quarter":
        return tuple(sorted(p for p in complete if YEAR.match(p)))
    years = {p[:7] for p in complete}
    return tuple(sorted(y for y in years if all(q in complete for q in _quarters(y))))


def _choose_period(runs: Sequence[FrameworkRun], wanted: str | None) -> tuple[str, str]:
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
    base_total = float(long.loc[long["framework"] == baseline, "payment"].sum(min_count=1))
    for run in runs:
        f = long[long["framework"] == run.label]
        paid = f["payment"].notna()
        ppp = f["payment_per_patient"].to_numpy(dtype=np.float64)
        ok = ppp[~np.isnan(ppp)]
        total = float(f["payment"].sum(min_count=1))
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
    frames: list[pd.DataFrame] = []
    for run in runs:
        if run.label == baseline:
            continue
        f = long[long["framework"] == run.label]
        groupings: list[tuple[str, pd.Series]] = [("all", pd.Series("all", index=f.index))]
        for attr in ("cluster", "deprivation_quintile"):
            if (f[attr] != "").any():
                groupings.append((attr, f[attr]))
        mv = f["movement"]
        flags = pd.DataFrame(
            {
                "compared": (mv != "").to_numpy(),
                "gaining": (mv == "gain").to_numpy(),
                "losing": (mv == "loss").to_numpy(),
            },
            index=f.index,
        )
        money = f[["baseline_payment", "payment", "difference"]]
        for by, keys in groupings:
            key = keys.to_numpy(dtype=object)
            counts = flags.groupby(key, sort=True).sum()
            sizes = flags.groupby(key, sort=True).size()
            sums = money.groupby(key, sort=True).sum(min_count=1)
            compared = counts["compared"].to_numpy(dtype=np.int64)
            gaining = counts["gaining"].to_numpy(dtype=np.int64)
            losing = counts["losing"].to_numpy(dtype=np.int64)
            with np.errstate(divide="ignore", invalid="ignore"):
                gain_share = np.where(compared > 0, gaining / compared, np.nan)
                loss_share = np.where(compared > 0, losing / compared, np.nan)
            frames.append(
                pd.DataFrame(
                    {
                        "framework": run.label,
                        "baseline": baseline,
                        "threshold": share,
                        "by": by,
                        "group": [str(g) for g in counts.index],
                        "practices": sizes.reindex(counts.index).to_numpy(dtype=np.int64),
                        "compared": compared,
                        "gaining": gaining,
                        "losing": losing,
                        "within": compared - gaining - losing,
                        "gaining_share": gain_share,
                        "losing_share": loss_share,
                        "baseline_payment": sums["baseline_payment"].to_numpy(dtype=np.float64),
                        "payment": sums["payment"].to_numpy(dtype=np.float64),
                        "net_difference": sums["difference"].to_numpy(dtype=np.float64),
                    }
                )
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
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


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
                both, only_a, only_b = (
                    int((xa & xb).sum()),
                    int((xa & ~xb).sum()),
                    int((~xa & xb).sum()),
                )
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
    rows: list[pd.DataFrame] = []
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
            picked = under.loc[hit, [c for c in columns[3:-2]]].copy()
            picked.insert(0, "direction", direction)
            picked.insert(1, "underpaid_by", under_label)
            picked.insert(2, "escalated_by", esc_label)
            picked["payment_per_patient_quintile"] = 1
            picked["escalation_level"] = esc.loc[hit, "escalation_level"].to_numpy(dtype=object)
            rows.append(picked)
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns]


def _equity(runs: Sequence[FrameworkRun], long: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for run in runs:
        f = long[long["framework"] == run.label]
        paid = f[f["payment"].notna() & (f["list_size"] > 0)]
        overall = paid["payment"].sum() / paid["list_size"].sum() if len(paid) else np.nan
        for q, g in f.groupby("deprivation_quintile", sort=True):
            gp = g[g["payment"].notna() & (g["list_size"] > 0)]
            patients = float(gp["list_size"].sum())
            cost = float(gp["payment"].sum(min_count=1))
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
            "sha256": ds.digest(),
            "units": len(ds.units),
            "measure_rows": len(ds.measures),
        },
        "warnings": warnings,
    }

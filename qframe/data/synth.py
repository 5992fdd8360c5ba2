"""A deterministic synthetic England-like dataset, calibrated to NHS Digital's 2014-15 figures.

Practices get synthetic ids (``S00001``) and names only: never a real practice's code or name.
Everything is drawn from one seeded generator, so the same arguments give the same data.

What is calibrated, and to what (``qframe/data/reference``, Open Government Licence):

- **list sizes**: drawn from the real 2014-15 distribution of practice list sizes (quantiles of
  NHS Payments to General Practice), then scaled so that their total equals the QOF 2014-15
  England list (56,817,654 patients over 7,779 practices, pro rata for other sizes);
- **geography**: 209 CCG-like areas with the real numbers of practices per CCG (scaled down for
  smaller datasets), localities of about 20 practices, clusters of 4-8 practices in a locality;
- **registers**: each practice's prevalence is the national prevalence of the group times a
  log-normal factor with mean 1 (sd 0.25 on the log scale), persistent over the years;
- **indicators**: the eligible population and the exceptions are binomial draws at the national
  rates; each practice's achievement rate is Beta-distributed around the national rate, with a
  concentration per indicator fitted so that its mean points per practice match the published
  mean (``reference/achievement_concentration_2014_15.csv``, or ``achievement_concentration``
  for every indicator), and persists over years with a small yearly wobble. Rates hang together
  through a practice's standing, partly shared by its CCG (a Gaussian copula: each indicator's
  own distribution is unchanged), and the practices of highest standing except the few patients
  that take them to an upper threshold they just miss: the spread of practice points matches the
  published median, the share of practices on 559 points and the CCGs' spread
  (docs/synthetic.md; ``benchmarks/calibration_practices.py``). Organisational indicators are met
  by the published share of practices, the better-standing ones;
- **history**: years 2012-13 to 2015-16 share each practice's characteristics; ``qof_achieved_points``
  is each practice's QOF 2014/15 points for the year, computed by the published rules (as NHS
  Digital publishes achieved points), for schemes paid on historical achievement;
- **quarters of 2014-15 and 2015-16**: emergency admissions for ambulatory-care-sensitive conditions (about 14
  per 1,000 patients a year, higher with deprivation), quarterly report outcomes, Practice Quality
  Lead named, share of cluster meetings attended, reflections returned; each cluster's largest
  practice holds the Cluster Quality Lead (``is_cql_practice``);
- **Primary Care Networks** (the ``pcn`` column), drawn from their own random stream so that
  nothing else changed when it was added: consecutive practices of a CCG in networks of 2-7 [MODEL];
- **Wales QAIF measures** (``frameworks/wales_qaif``), drawn last from their own random stream so
  that every measure above is the same with or without them: for each year, flu immunisation and
  dementia review counts (``qaif_numerator``/``qaif_denominator`` keyed ``FLU001W``, ``FLU002W``,
  ``DEM002``), the points achieved on the inactive indicators (``qaif_inactive_points``), cluster
  network meetings attended, QI projects completed and the access-standard measures (calls answered
  within 2 minutes, calls abandoned, share of pre-bookable appointments bookable digitally, and the
  yes/no standards ``access_standard_met`` keyed by standard). In this data a year label such as
  ``2014-15`` stands for the QAIF year 1 October 2014 – 30 September 2015 (see the framework's
  README). All rates are [MODEL]: plausible, not published.

Modelled assumptions (not published figures) are marked [MODEL] in the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import betaincinv, ndtr, ndtri

from qframe.data.dataset import Dataset
from qframe.errors.diagnostics import output_folder
from qframe.scoring import rules as scoring

ENGLAND_PRACTICES = 7_779
ENGLAND_LIST = 56_817_654  # QOF 2014-15, sum of the CCG tables
YEARS = ("2012-13", "2013-14", "2014-15", "2015-16")
QUARTERS_OF = ("2014-15", "2015-16")
WALES_STREAM = (
    2019  # the Wales QAIF measures draw from their own stream: adding them changed nothing else
)
PCN_STREAM = 2020  # the `pcn` column draws from its own stream too: nothing else changed with it
# How practices' achievement hangs together [MODEL, fitted by benchmarks/calibration_practices.py
# to the published spread of points: docs/synthetic.md]: each practice has a persistent standing
# (standard normal), a share AREA_SHARE of whose variance its CCG shares; an indicator's rate is
# drawn with correlation STANDING_WEIGHT to the standing, so a good practice is good at most.
AREA_SHARE = 0.2
STANDING_WEIGHT = 0.9
# The share of practices (those of highest standing) that except patients to reach an upper
# threshold they miss by at most REACHING_MARGIN of the denominator [MODEL, fitted].
REACHING_SHARE = 0.4
REACHING_MARGIN = 0.07


@dataclass(frozen=True)
class SynthIndicator:
    indicator: str
    group: str
    kind: str
    max_points: float
    points_england: float
    numerator: float
    denominator: float
    exceptions: float
    lower_pct: float
    upper_pct: float


@dataclass(frozen=True)
class Reference:
    indicators: list[SynthIndicator]
    groups: pd.DataFrame
    list_quantiles: pd.DataFrame
    ccg_sizes: np.ndarray
    concentration: dict[str, float]  # per achievement indicator: the Beta's a + b [fitted]


def _read(name: str) -> pd.DataFrame:
    text = files("qframe.data.reference").joinpath(name).read_text(encoding="utf-8")
    return pd.read_csv(StringIO(text), comment="#")


def reference() -> Reference:
    table = _read("qof_2014_15_indicators.csv")
    records: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in table.to_dict("records")
    ]
    indicators = [SynthIndicator(**r) for r in records]
    fitted = _read("achievement_concentration_2014_15.csv")
    return Reference(
        indicators,
        _read("qof_2014_15_groups.csv").set_index("group"),
        _read("list_size_quantiles_2014_15.csv"),
        _read("ccg_practice_counts_2014_15.csv")["practices"].to_numpy(),
        dict(zip(fitted["indicator"], fitted["concentration"].astype(float), strict=True)),
    )


class _Rows:
    """Columns of the long measures table, filled block by block (one block: every practice's
    value of one measure in one period). Text columns are categorical: a national dataset has
    millions of rows but a few hundred distinct labels."""

    def __init__(self) -> None:
        self.blocks: list[tuple[str, str, str]] = []
        self.values: list[np.ndarray] = []
        self.n = 0

    def add(self, ids: np.ndarray, period: str, measure: str, key: str, values: np.ndarray) -> None:
        self.n = len(ids)
        self.blocks.append((period, measure, key))
        self.values.append(np.asarray(values, dtype=np.float64))

    def frame(self, ids: np.ndarray) -> pd.DataFrame:
        n, b = self.n, len(self.blocks)
        columns: dict[str, Any] = {
            "unit_id": pd.Categorical.from_codes(
                np.tile(np.arange(n, dtype=np.int32), b), categories=pd.Index(ids, dtype=object)
            )
        }
        for j, name in enumerate(("period", "measure", "key")):
            labels, codes = np.unique(
                np.array([blk[j] for blk in self.blocks], dtype=object), return_inverse=True
            )
            columns[name] = pd.Categorical.from_codes(
                np.repeat(codes.astype(np.int32), n), categories=pd.Index(labels, dtype=object)
            )
        columns["value"] = np.concatenate(self.values)
        return pd.DataFrame(columns)


def _geography(
    rng: np.random.Generator, n: int, ccg_sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CCG, locality and cluster index of each practice (practices listed CCG by CCG)."""
    if n == ENGLAND_PRACTICES:
        sizes = ccg_sizes.copy()
    else:
        n_ccg = max(1, round(len(ccg_sizes) * n / ENGLAND_PRACTICES))
        picked = (
            rng.choice(ccg_sizes, size=n_ccg, replace=False)
            if n_ccg <= len(ccg_sizes)
            else rng.choice(ccg_sizes, size=n_ccg)
        )
        sizes = np.maximum(1, np.round(picked * n / picked.sum())).astype(int)
        sizes[-1] += n - sizes.sum()
        while sizes[-1] < 1:  # rounding took too much from the last CCG
            i = int(np.argmax(sizes[:-1]))
            sizes[i] -= 1
            sizes[-1] += 1
    ccg = np.repeat(np.arange(len(sizes)), sizes)
    locality = np.empty(n, dtype=np.int64)
    cluster = np.empty(n, dtype=np.int64)
    next_loc = next_cluster = 0
    start = 0
    for size in sizes:  # loops over areas (a few hundred), not over practices' data
        n_loc = max(1, round(size / 20))
        loc_sizes = np.diff(np.round(np.linspace(0, size, n_loc + 1)).astype(int))
        for ls in loc_sizes:
            locality[start : start + ls] = next_loc
            n_cl = max(1, round(ls / 6))
            cl_sizes = np.diff(np.round(np.linspace(0, ls, n_cl + 1)).astype(int))
            cluster[start : start + ls] = next_cluster + np.repeat(np.arange(n_cl), cl_sizes)
            next_cluster += n_cl
            next_loc += 1
            start += ls
    return ccg, locality, cluster


def _primary_care_networks(rng: np.random.Generator, ccg: np.ndarray) -> list[str]:
    """Each practice's Primary Care Network: consecutive practices of one CCG in networks of 2 to 6
    practices (7 where one would be left alone) [MODEL] (real PCNs serve 30,000-50,000 patients, typically 3-8 practices). A CCG of
    one practice makes a network of one."""
    pcn = np.empty(len(ccg), dtype=np.int64)
    next_pcn = start = 0
    for size in np.bincount(ccg):  # loops over CCGs (a few hundred), not over practices' data
        done = 0
        while done < size:
            take = int(min(size - done, rng.integers(2, 7)))
            if 0 < size - done - take < 2:  # never leave one practice alone at the end
                take = size - done
            pcn[start + done : start + done + take] = next_pcn
            next_pcn += 1
            done += take
        start += size
    return [f"PCN{c + 1:04d}" for c in pcn]


def generate(
    practices: int = 300,
    seed: int = 2015,
    years: tuple[str, ...] = YEARS,
    quarters_of: tuple[str, ...] = QUARTERS_OF,
    achievement_concentration: float | None = None,
) -> Dataset:
    """A dataset of ``practices`` synthetic practices over ``years`` (and the quarters of
    ``quarters_of``), with every measure the shipped frameworks read."""
    rng = np.random.default_rng(seed)
    ref = reference()
    n = practices
    ids = np.array([f"S{i:05d}" for i in range(1, n + 1)], dtype=object)

    # list sizes from the real distribution, scaled to the England total (pro rata)
    q = ref.list_quantiles
    raw = np.interp(rng.random(n), q["quantile"].to_numpy(), q["list_size"].to_numpy())
    base_list = raw * (ENGLAND_LIST * n / ENGLAND_PRACTICES) / raw.sum()

    ccg, locality, cluster = _geography(rng, n, ref.ccg_sizes)
    deprivation = rng.integers(1, 6, n)  # quintile: 1 least, 5 most deprived
    quality = rng.normal(0, 1, n)  # a practice's persistent tendency [MODEL]
    admissions_factor = rng.lognormal(-(0.3**2) / 2, 0.3, n)  # persistent, mean 1 [MODEL]
    units = pd.DataFrame(
        {
            "unit_id": ids,
            "name": [f"Synthetic Practice {i}" for i in range(1, n + 1)],
            "region": [f"Region {c % 4 + 1}" for c in ccg],
            "ccg": [f"CCG{c + 1:03d}" for c in ccg],
            "locality": [f"LOC{c + 1:03d}" for c in locality],
            "cluster": [f"CL{c + 1:03d}" for c in cluster],
            "deprivation_quintile": deprivation.astype(str),
            "pcn": _primary_care_networks(
                np.random.default_rng(np.random.SeedSequence([seed, PCN_STREAM])), ccg
            ),
        }
    )

    groups = ref.groups
    prevalence = {
        str(g): float(r) / float(ls)
        for g, r, ls in zip(groups.index, groups["register"], groups["list_size"], strict=True)
    }
    # The CCG tables publish no contraception (CON) register: assume 10% of the list [MODEL].
    prevalence["CON"] = prevalence.get("CON") or 0.10
    register_total = {
        str(g): float(r) for g, r in zip(groups.index, groups["register"], strict=True)
    }
    sigma = 0.25
    prev_factor = {g: rng.lognormal(-(sigma**2) / 2, sigma, n) for g in prevalence}  # mean 1
    # a practice's standing: shared by its area (CCG) and persistent [MODEL, fitted]
    area = rng.normal(0, 1, int(ccg.max()) + 1)[ccg]
    standing = np.sqrt(AREA_SHARE) * area + np.sqrt(1 - AREA_SHARE) * quality
    practice_rate: dict[str, np.ndarray] = {}
    organisational: dict[str, np.ndarray] = {}
    for ind in ref.indicators:
        z = STANDING_WEIGHT * standing + np.sqrt(1 - STANDING_WEIGHT**2) * rng.normal(0, 1, n)
        if ind.kind == "achievement":
            rate = ind.numerator / ind.denominator
            k = achievement_concentration or ref.concentration.get(ind.indicator, 40.0)
            practice_rate[ind.indicator] = betaincinv(  # the Beta quantile of the draw
                max(rate * k, 1e-3), max((1 - rate) * k, 1e-3), ndtr(z)
            )
        elif ind.kind == "organisational":
            organisational[ind.indicator] = z

    # the practices that except patients to reach an upper threshold they just miss [MODEL]
    reaching = standing > ndtri(1 - REACHING_SHARE)
    rows = _Rows()
    cql = _largest_in_cluster(base_list, cluster)
    for y, year in enumerate(years):
        growth = 1.0 + 0.01 * (
            y - years.index("2014-15") if "2014-15" in years else 0
        )  # [MODEL] 1% a year
        list_size = np.maximum(1, np.round(base_list * growth * rng.lognormal(0, 0.01, n)))
        rows.add(ids, year, "list_size", "", list_size)
        registers: dict[str, np.ndarray] = {}
        for group, prev in prevalence.items():
            if prev <= 0:
                continue
            p = np.clip(prev * prev_factor[group], 0, 0.9)
            registers[group] = rng.binomial(list_size.astype(np.int64), p)
            rows.add(ids, year, "register", group, registers[group])
        points = np.zeros(n)
        for ind in ref.indicators:
            if ind.kind == "register":
                held = registers.get(ind.group, np.zeros(n)) > 0
                points += ind.max_points * held
                continue
            if ind.kind == "organisational":
                share = ind.points_england / (ind.max_points * ENGLAND_PRACTICES)
                yearly = (organisational[ind.indicator] + 0.3 * rng.normal(0, 1, n)) / np.sqrt(1.09)
                met = (yearly > ndtri(1 - share)).astype(float)  # met by `share` of practices
                rows.add(ids, year, "numerator", ind.indicator, met)
                rows.add(ids, year, "denominator", ind.indicator, np.ones(n))
                points += ind.max_points * met
                continue
            eligible_national = ind.denominator + ind.exceptions
            base = registers.get(ind.group)
            if base is None or register_total.get(ind.group, 0) == 0:  # a share of the list
                base, share = list_size.astype(np.int64), eligible_national / ENGLAND_LIST
            else:
                share = eligible_national / register_total[ind.group]
            scale = list_size.sum() / ENGLAND_LIST  # national totals, pro rata
            eligible = rng.binomial(base, min(share, 1.0))
            eligible = _match_total(rng, eligible, eligible_national * scale, base)
            exceptions = rng.binomial(
                eligible, ind.exceptions / eligible_national if eligible_national else 0.0
            )
            exceptions = _match_total(rng, exceptions, ind.exceptions * scale, eligible)
            denominator = eligible - exceptions
            wobble = np.clip(practice_rate[ind.indicator] + rng.normal(0, 0.01, n), 0, 1)  # [MODEL]
            numerator = rng.binomial(denominator, wobble)
            numerator = _match_total(rng, numerator, ind.numerator * scale, denominator)
            moved = _reach_upper(numerator, denominator, ind.upper_pct / 100, reaching)
            if moved.any():  # as many exceptions fewer elsewhere: the national totals hold
                kept = moved == 0
                exceptions = exceptions + moved
                exceptions[kept] = _match_total(
                    rng,
                    exceptions[kept],
                    exceptions[kept].sum() - moved.sum(),
                    eligible[kept] - numerator[kept],
                )
                denominator = eligible - exceptions
            rows.add(ids, year, "numerator", ind.indicator, numerator)
            rows.add(ids, year, "denominator", ind.indicator, denominator)
            rows.add(ids, year, "exceptions", ind.indicator, exceptions)
            with np.errstate(invalid="ignore", divide="ignore"):
                achievement = numerator / np.where(denominator > 0, denominator, np.nan)
            share_of_points = scoring.slide(achievement, ind.lower_pct / 100, ind.upper_pct / 100)
            points += np.nan_to_num(share_of_points) * ind.max_points
        rows.add(ids, year, "qof_achieved_points", "", np.round(points, 2))
        rows.add(ids, year, "is_cql_practice", "", cql)
        if year in quarters_of:
            _quarters(
                rng,
                rows,
                ids,
                year,
                list_size,
                deprivation,
                quality * 0 + admissions_factor,
                quality,
            )
    _wales_qaif(
        np.random.default_rng(np.random.SeedSequence([seed, WALES_STREAM])), rows, ids, years
    )
    measures = rows.frame(ids)
    return Dataset.from_frames(units, measures, source=f"synthetic(practices={n}, seed={seed})")


def _reach_upper(
    numerator: np.ndarray, denominator: np.ndarray, upper: float, reaching: np.ndarray
) -> np.ndarray:
    """How many patients each ``reaching`` practice excepts to reach the upper threshold it
    misses by no more than REACHING_MARGIN of its denominator (0 elsewhere) [MODEL: exception
    reporting near a threshold]."""
    with np.errstate(invalid="ignore", divide="ignore"):
        needed = denominator - np.floor(numerator / upper)
    move = (
        reaching
        & (numerator > 0)
        & (needed > 0)
        & (needed <= np.maximum(1, REACHING_MARGIN * denominator))
    )
    return np.where(move, needed, 0).astype(np.int64)


def _match_total(
    rng: np.random.Generator, values: np.ndarray, target: float, cap: np.ndarray
) -> np.ndarray:
    """Nudge counts so that their total is the (pro rata) national total: the sampling noise of
    small indicators would otherwise miss it by a few per cent. Units are added where there is
    room under ``cap`` and taken where there are some, in proportion, keeping 0 <= value <= cap."""
    out = values.astype(np.int64).copy()
    cap = cap.astype(np.int64)
    for _ in range(5):
        diff = round(target) - int(out.sum())
        if diff == 0:
            break
        room = (cap - out) if diff > 0 else out
        if room.sum() <= 0:
            break
        step = rng.multinomial(abs(diff), room / room.sum())
        out = np.clip(out + np.sign(diff) * np.minimum(step, room), 0, cap)
    return out


def _largest_in_cluster(list_size: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    order = np.lexsort((-list_size, cluster))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cluster[order][1:] != cluster[order][:-1]
    out = np.zeros(len(order))
    out[order[first]] = 1.0
    return out


def _quarters(
    rng: np.random.Generator,
    rows: _Rows,
    ids: np.ndarray,
    year: str,
    list_size: np.ndarray,
    deprivation: np.ndarray,
    admissions_factor: np.ndarray,
    quality: np.ndarray,
) -> None:
    """Quarterly measures of one year [MODEL: rates chosen to be plausible, not published]."""
    n = len(ids)
    # per patient per quarter: about 14 a year per 1,000, more with deprivation, varying by practice
    admission_rate = 14 / 1000 / 4 * (0.8 + 0.1 * deprivation) * admissions_factor
    accept_p = np.clip(0.9 + 0.05 * quality, 0.5, 0.99)
    pql_p = np.where(rng.random(n) < 0.97, 0.99, 0.2)
    attend_mean = np.clip(0.8 + 0.05 * quality, 0.3, 0.97)
    for q in range(1, 5):
        period = f"{year}Q{q}"
        rows.add(ids, period, "emergency_admissions", "", rng.poisson(list_size * admission_rate))
        rows.add(ids, period, "report_accepted", "", rng.random(n) < accept_p)
        rows.add(ids, period, "pql_named", "", rng.random(n) < pql_p)
        rows.add(
            ids,
            period,
            "meetings_attended",
            "",
            np.round(rng.beta(attend_mean * 10, (1 - attend_mean) * 10), 2),
        )
        rows.add(ids, period, "reflections_returned", "", rng.random(n) < accept_p)


# Wales QAIF [MODEL]: share of the list in each denominator and the mean achievement rate.
WALES_CLINICAL = {
    "FLU001W": (0.19, 0.68),  # patients aged 65+; flu uptake
    "FLU002W": (0.035, 0.50),  # under 65 on the CHD, COPD, diabetes or stroke registers
    "DEM002": (0.0075, 0.72),  # dementia register; care review
}
WALES_YES_NO = {  # access standards met as a yes/no, and how often [MODEL]
    "ACCESS_TELEPHONY": 0.98,
    "ACCESS_MESSAGE": 0.99,
    "ACCESS_DIGITAL": 0.97,  # digital repeat prescriptions (the digital booking share is a measure)
    "ACCESS_EMAIL": 0.98,
}


def _beta(rng: np.random.Generator, mean: float | np.ndarray, k: float, n: int) -> np.ndarray:
    return rng.beta(np.asarray(mean) * k, (1 - np.asarray(mean)) * k, n)


def _wales_qaif(
    rng: np.random.Generator, rows: _Rows, ids: np.ndarray, years: tuple[str, ...]
) -> None:
    """Yearly Wales QAIF measures [MODEL: rates chosen to be plausible, not published]. List
    sizes are the ``list_size`` measure already written (read back from the rows)."""
    n = len(ids)
    list_of = {
        period: values
        for (period, measure, _), values in zip(rows.blocks, rows.values, strict=True)
        if measure == "list_size"
    }
    rate = {iid: _beta(rng, mean, 40, n) for iid, (_, mean) in WALES_CLINICAL.items()}
    attend = _beta(rng, 0.88, 10, n)  # a practice's persistent attendance
    answered = _beta(rng, 0.95, 60, n)
    abandoned = _beta(rng, 0.08, 30, n)
    digital = _beta(rng, 0.45, 12, n)
    for year in years:
        size = list_of[year].astype(np.int64)
        for iid, (share, _) in WALES_CLINICAL.items():
            denominator = rng.binomial(size, share)
            wobble = np.clip(rate[iid] + rng.normal(0, 0.01, n), 0, 1)
            rows.add(ids, year, "qaif_numerator", iid, rng.binomial(denominator, wobble))
            rows.add(ids, year, "qaif_denominator", iid, denominator)
        rows.add(ids, year, "qaif_inactive_points", "", np.round(165 * _beta(rng, 0.95, 30, n), 2))
        rows.add(ids, year, "cluster_meetings_attended", "", rng.binomial(6, attend))
        rows.add(ids, year, "qi_projects_completed", "", rng.binomial(3, 0.9, n))
        wobble = rng.normal(0, 0.01, (3, n))
        rows.add(
            ids, year, "calls_answered_2min", "", np.round(np.clip(answered + wobble[0], 0, 1), 3)
        )
        rows.add(
            ids, year, "calls_abandoned", "", np.round(np.clip(abandoned + wobble[1], 0, 1), 3)
        )
        rows.add(
            ids, year, "digital_booking_share", "", np.round(np.clip(digital + wobble[2], 0, 1), 3)
        )
        for standard, p in WALES_YES_NO.items():
            rows.add(ids, year, "access_standard_met", standard, rng.random(n) < p)


def write(ds: Dataset, folder: str | Path, fmt: str = "csv") -> None:
    """Write a dataset folder (units + measures, CSV or Parquet)."""
    out = Path(folder)
    output_folder(out)
    if fmt == "parquet":
        ds.units.to_parquet(out / "units.parquet", index=False)
        ds.measures.to_parquet(out / "measures.parquet", index=False)
        return
    ds.units.to_csv(out / "units.csv", index=False, lineterminator="\n")
    measures = ds.measures.copy()
    measures["value"] = measures["value"].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    measures.to_csv(out / "measures.csv", index=False, lineterminator="\n")

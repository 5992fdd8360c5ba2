"""Synthetic record datasets: ``qframe synth --patients N --out DIR``.

Patients (practice, date of birth, sex, date of death), registrations and coded events (with
dates, values and units) for any N, deterministic for a seed and vectorised with numpy. The
practices are those of the practice-level generator (:mod:`qframe.data.synth`: synthetic ids and
names only), patients are spread over them by list size, and the records are shaped so that the
QOF 2014/15 business rules (tests/reference/qof_records.py) give the national prevalence and
achievement of :mod:`qframe.data.records.calibration` (tests/test_synth_records.py measures the
tolerance). Edge cases appear at low rates: resolved diagnoses (and re-diagnoses), downgraded
CKD, children with a diabetes code, deaths, patients who left, transfers between practices, new
registrations and diagnoses inside the 3- and 9-month windows, exception codes (some too old to
count), two invitations where three are needed, readings older than the window, same-day repeat
readings, values without a unit, events dated after PPED (the extract is taken 3 months later).
Assumptions are marked [MODEL].
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from qframe.data import synth as practice_synth
from qframe.data.records import calibration as cal
from qframe.data.records.events import EventSink, Windows, uniform_days
from qframe.data.records.families import generate_families
from qframe.errors.diagnostics import output_folder

PPED = dt.date(2015, 3, 31)
EXTRACT_DATE = dt.date(2015, 6, 30)  # [MODEL] the extract is taken 3 months after PPED
MEAN_LIST_SIZE = 7_239  # England 2014/15: 56,312,897 patients / 7,779 practices
DIED, LEFT, TRANSFERRED = 0.008, 0.015, 0.02  # yearly shares [MODEL]
BACKGROUND_EVENTS = 8.0  # mean other coded events per patient [MODEL]
PRACTICE_SPREAD = 0.35  # sd of a practice's effect on every family's latent [MODEL]
PREVALENCE_SPREAD = 0.25  # sd (log scale) of a practice's prevalence factor [MODEL]


@dataclass(frozen=True)
class RecordData:
    """A generated record dataset: the four tables and the manifest."""

    units: pd.DataFrame
    patients: pa.Table
    registrations: pa.Table
    events: pa.Table
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass
class Population:
    """Per-patient arrays the families read (all of length n)."""

    rng: np.random.Generator
    practice: np.ndarray
    dob: np.ndarray  # days since 1970-01-01
    age: np.ndarray  # full years at PPED
    start: np.ndarray  # start of the registration open at PPED (or the last one)
    in_pop: np.ndarray  # registered and alive at PPED
    death: np.ndarray  # days, or -1
    on: dict[str, np.ndarray] = field(default_factory=dict)  # group → on the register
    first_dx: dict[str, np.ndarray] = field(default_factory=dict)  # group → first diagnosis day
    new_dx_share: dict[str, float] = field(default_factory=dict)
    haemorrhagic_only: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def days(date: dt.date) -> int:
    return (date - dt.date(1970, 1, 1)).days


def full_years(dob: np.ndarray, on: dt.date) -> np.ndarray:
    """Age in full years on a date, for birth dates given as days since 1970-01-01."""
    birth = pd.to_datetime(dob, unit="D")
    years = on.year - birth.year.to_numpy()
    before = (birth.month.to_numpy() > on.month) | (
        (birth.month.to_numpy() == on.month) & (birth.day.to_numpy() > on.day)
    )
    return np.asarray(years - before, dtype=np.int64)


def _people(rng: np.random.Generator, n: int, weights: np.ndarray) -> Population:
    pped = days(PPED)
    practice = rng.choice(len(weights), size=n, p=weights / weights.sum())
    band = rng.choice(len(cal.AGE_SHARE), size=n, p=np.array(cal.AGE_SHARE) / sum(cal.AGE_SHARE))
    lower = np.array(cal.AGE_BANDS)
    upper = np.append(lower[1:], 100)
    age_years = lower[band] + rng.random(n) * (upper[band] - lower[band])
    dob = (pped - np.floor(age_years * 365.25)).astype(np.int64)
    age = full_years(dob, PPED)
    year_start = days(dt.date(2014, 4, 1))
    new = rng.random(n) < cal.NEW_REGISTRATIONS
    old_start = uniform_days(rng, np.maximum(dob, pped - 30 * 365), np.full(n, year_start - 1))
    new_start = uniform_days(rng, np.maximum(dob, year_start), np.full(n, pped))
    start = np.where(new | (dob >= year_start), new_start, old_start)
    fate = rng.random(n)
    grown = dob < pped - 400
    died = (fate < DIED) & grown
    left = (fate >= DIED) & (fate < DIED + LEFT) & grown
    start = np.where(died | left, np.minimum(start, pped - 30), start)
    death = np.where(
        died, uniform_days(rng, np.maximum(start, year_start), np.full(n, pped - 1)), -1
    )
    in_pop = ~died & ~left
    return Population(rng, practice, dob, age, start, in_pop, death)


def _registrations(pop: Population, rng: np.random.Generator, unit_ids: np.ndarray) -> pa.Table:
    n = len(pop.practice)
    pped = days(PPED)
    left = ~pop.in_pop & (pop.death < 0)
    end = np.where(pop.death >= 0, pop.death, -1)
    end = np.where(left, uniform_days(rng, pop.start, np.full(n, pped - 1)), end)
    moved = (rng.random(n) < TRANSFERRED) & (pop.start - pop.dob > 400)
    ids = np.arange(1, n + 1, dtype=np.int64)
    prev_practice = (pop.practice + 1 + rng.integers(0, max(1, len(unit_ids) - 1), n)) % len(
        unit_ids
    )
    prev_start = uniform_days(rng, pop.dob, pop.start - 2)
    patient = np.concatenate([ids, ids[moved]])
    practice = np.concatenate([pop.practice, prev_practice[moved]])
    starts = np.concatenate([pop.start, prev_start[moved]])
    ends = np.concatenate([end, pop.start[moved] - 1])
    order = np.lexsort((starts, patient))
    return pa.table(
        {
            "patient_id": pa.array(patient[order]),
            "practice_id": pa.DictionaryArray.from_arrays(
                pa.array(practice[order].astype(np.int32)), pa.array(unit_ids.astype(str))
            ),
            "start_date": pa.array(starts[order].astype(np.int32), pa.date32()),
            "end_date": pa.array(ends[order].astype(np.int32), pa.date32(), mask=ends[order] < 0),
        }
    )


def _registers(pop: Population, sink: EventSink, targets: cal.Targets, n_units: int) -> None:
    """Who is on each register, their diagnosis codes (first and repeat), and the edge cases:
    resolved diagnoses, re-diagnoses, downgraded CKD, children with a diabetes code."""
    rng, n = pop.rng, len(pop.practice)
    pped, year_start = days(PPED), days(dt.date(2014, 4, 1))
    band = np.searchsorted(np.array(cal.AGE_BANDS), pop.age, side="right") - 1
    pop.new_dx_share = {
        g: targets.eligible["DM014"] if g == "DM" else targets.eligible["STIA008"]
        if g == "STIA" else cal.NEW_DIAGNOSIS_DEFAULT
        for g in cal.GROUPS
    }  # fmt: skip
    min_age = {"DM": 17, "CKD": 18}
    dx_codes = {
        "DM": ["C10F.", "C10E.", "C10.."], "HYP": ["G20..", "G24.."], "CHD": ["G33..", "G3..."],
        "AF": ["G573."], "STIA": ["G66..", "G65..", "G63.."], "CKD": ["1Z12.", "1Z13.", "1Z14."],
    }  # fmt: skip
    dx_p = {"DM": [0.85, 0.1, 0.05], "HYP": [0.95, 0.05], "CHD": [0.7, 0.3], "AF": [1.0],
            "STIA": [0.5, 0.3, 0.2], "CKD": [0.75, 0.2, 0.05]}  # fmt: skip
    resolved = {"DM": "21263", "HYP": "21261", "AF": "212R.", "CKD": "2126E"}
    for group in cal.GROUPS:
        risk = np.array(cal.AGE_RISK[group])[band]
        factor = rng.lognormal(-(PREVALENCE_SPREAD**2) / 2, PREVALENCE_SPREAD, n_units)
        weight = risk * factor[pop.practice]
        scale = targets.prevalence[group] * pop.in_pop.sum() / max(weight[pop.in_pop].sum(), 1e-9)
        on = rng.random(n) < np.clip(weight * scale, 0, 0.95)
        lowest = pop.dob + 365 * min_age.get(group, 0) + 1
        new = rng.random(n) < pop.new_dx_share[group]
        old_dx = uniform_days(rng, np.maximum(lowest, pped - 25 * 365), np.full(n, year_start - 1))
        new_dx = uniform_days(rng, np.maximum(lowest, year_start), np.full(n, pped))
        first = np.where(new | (old_dx >= year_start), new_dx, old_dx)
        first = np.minimum(np.maximum(first, pop.dob), pped)
        pop.on[group], pop.first_dx[group] = on, first
        members = np.flatnonzero(on)
        if group == "STIA":  # haemorrhagic only: not in STIA007 [MODEL share from STIA007]
            haem = rng.random(len(members)) >= targets.eligible["STIA007"]
            pop.haemorrhagic_only = np.zeros(n, dtype=bool)
            pop.haemorrhagic_only[members[haem]] = True
            sink.add(members[haem], "G61..", first[members[haem]])
            members = members[~haem]
        sink.add_choice(members, dx_codes[group], dx_p[group], first[members], rng)
        repeat = members[rng.random(len(members)) < 0.5]
        sink.add_choice(
            repeat,
            dx_codes[group],
            dx_p[group],
            uniform_days(rng, first[repeat], np.full(len(repeat), pped)),
            rng,
        )
        if group not in resolved:
            continue
        # re-diagnosed after a resolved code (on the register): 1% of it
        again = members[(rng.random(len(members)) < 0.01) & (first[members] < year_start - 90)]
        span = year_start - first[again]
        sink.add(again, resolved[group], first[again] + span // 3)
        sink.add(again, dx_codes[group][0], first[again] + 2 * span // 3)
        # resolved (off the register): 3% of the register's size, among the others
        others = np.flatnonzero(~on & (pop.age >= min_age.get(group, 0) + 2))
        count = min(len(others), int(0.03 * len(members)) + 1)
        gone = rng.choice(others, size=count, replace=False) if len(others) else others
        dx_day = uniform_days(
            rng, np.maximum(pop.dob[gone] + 365, pped - 20 * 365), np.full(len(gone), pped - 400)
        )
        res_day = uniform_days(rng, dx_day, np.full(len(gone), pped - 1))
        same_day = rng.random(len(gone)) < 0.05  # resolved on the diagnosis day [MODEL: resolves]
        res_day = np.where(same_day, dx_day, res_day)
        sink.add(gone, dx_codes[group][0], dx_day)
        which = ((rng.random(len(gone)) < 0.5) & (group == "CKD")).astype(np.int64)  # CKD: stage 2
        sink.add_coded(gone, [resolved[group], "1Z11."], which, res_day)
    children = np.flatnonzero(pop.age < 17)
    kids = children[rng.random(len(children)) < 0.002]
    sink.add(kids, "C10E.", uniform_days(rng, pop.dob[kids], np.full(len(kids), pped)))


def _background(pop: Population, sink: EventSink) -> None:
    """Coded events no QOF rule reads (consultations, smoking, BMI, creatinine), and blood pressure
    readings of patients on no register; some dated after PPED."""
    rng, n = pop.rng, len(pop.practice)
    counts = rng.poisson(BACKGROUND_EVENTS, n)
    pid = np.repeat(np.arange(n), counts)
    low = np.maximum(pop.dob[pid], days(PPED) - 3 * 365)
    high = np.where(pop.death[pid] >= 0, pop.death[pid], days(EXTRACT_DATE))
    when = uniform_days(rng, low, np.maximum(low, high))
    kind = rng.choice(5, size=len(pid), p=[0.45, 0.2, 0.15, 0.1, 0.1])
    codes = ["9N1..", "137R.", "22K..", "44J3.", "22A.."]
    units = ["", "", "kg/m2", "umol/L", "kg"]
    values = np.select(
        [kind == 2, kind == 3, kind == 4],
        [np.round(rng.uniform(17, 42, len(pid)), 1), np.round(rng.uniform(45, 160, len(pid))),
         np.round(rng.uniform(3, 130, len(pid)), 1)],
        np.nan,
    )  # fmt: skip
    sink.add_coded(pid, codes, kind, when, values, units, kind)


def generate_records(patients: int, seed: int = 2015, practices: int | None = None) -> RecordData:
    """A record dataset of ``patients`` patients at ``practices`` practices (by default as many
    as England's mean list size gives)."""
    n = int(patients)
    k = practices or max(1, round(n / MEAN_LIST_SIZE))
    rng = np.random.default_rng(seed)
    practice_data = practice_synth.generate(k, seed=seed, years=("2014-15",), quarters_of=())
    units = practice_data.units.copy()
    measures = practice_data.measures
    list_size = measures[measures["measure"] == "list_size"].set_index("unit_id")["value"]
    weights = list_size.reindex(units["unit_id"]).to_numpy(dtype=float)
    targets = cal.targets()
    pop = _people(rng, n, weights)
    unit_ids = units["unit_id"].astype(str).to_numpy()
    registrations = _registrations(pop, rng, unit_ids)
    sink = EventSink()
    _registers(pop, sink, targets, k)
    windows = Windows.for_pped(PPED)
    generate_families(pop, sink, targets, windows, PRACTICE_SPREAD, k)
    _background(pop, sink)
    events = sink.table(pop.dob, pop.death, days(EXTRACT_DATE))
    sex = np.where(rng.random(n) < 0.505, "female", "male").astype(object)
    sex[rng.random(n) < 0.001] = "unknown"
    patient_table = pa.table(
        {
            "patient_id": pa.array(np.arange(1, n + 1, dtype=np.int64)),
            "practice_id": pa.DictionaryArray.from_arrays(
                pa.array(pop.practice.astype(np.int32)), pa.array(unit_ids)
            ),
            "date_of_birth": pa.array(pop.dob.astype(np.int32), pa.date32()),
            "sex": pa.array(sex),
            "date_of_death": pa.array(pop.death.astype(np.int32), pa.date32(), mask=pop.death < 0),
        }
    )
    manifest = {
        "synthetic": True,
        "description": "Synthetic GP records (no real patient or practice): QOF 2014/15 record-level "
        "demo data, calibrated to national prevalence and achievement; codes from the cluster "
        "files, most of them illustrative.",
        "generator": "qframe synth --patients",
        "arguments": {"patients": n, "practices": k, "seed": seed},
        "pped": PPED.isoformat(),
        "extract_date": EXTRACT_DATE.isoformat(),
        "code_clusters": "frameworks/qof_2014/codes",
        "tables": {
            "units": len(units),
            "patients": n,
            "registrations": registrations.num_rows,
            "events": events.num_rows,
        },
    }
    return RecordData(units, patient_table, registrations, events, manifest)


def write_records(data: RecordData, folder: str | Path, fmt: str = "parquet") -> Path:
    """Write the four tables (Parquet or CSV) and manifest.json into ``folder``."""
    out = output_folder(folder)
    tables = {"patients": data.patients, "registrations": data.registrations, "events": data.events}
    if fmt == "parquet":
        data.units.to_parquet(out / "units.parquet", index=False)
        for name, table in tables.items():
            pq.write_table(table, out / f"{name}.parquet", compression="zstd")
    else:
        data.units.to_csv(out / "units.csv", index=False, lineterminator="\n")
        for name, table in tables.items():
            frame = table.to_pandas()
            frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    (out / "manifest.json").write_text(json.dumps(data.manifest, indent=2) + "\n", encoding="utf-8")
    return out

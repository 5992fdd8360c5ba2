"""Benchmark of the DuckDB record engine (not part of `make test`).

    python benchmarks/bench_records.py [--patients 1000000] [--events-per-patient 10]

Writes a synthetic record folder (numpy, deterministic), then, each in a fresh process so that
whole-process time and peak memory are its own:
- ``engine``: the engine's counts for DM017 (register) + DM007 (a program built as IR);
- ``hand``: a hand-written DuckDB SQL script for the same rules on the same data;
- ``sweep``: a 20-step sweep of the DM007 HbA1c target (one scan);
- ``wide``: 24 indicators on the DM register, each with its own event queries (a stand-in for
  all shipped rules until the QOF record rules are written in the language).
Prints the figures and the engine/hand ratio, and checks both give the same counts.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

CODES = {  # code -> (share of events, has a value)
    "C10..": (0.008, False), "C10E.": (0.004, False), "21263": (0.0005, False),
    "42W5.": (0.03, True), "9h41.": (0.001, False), "9h42.": (0.001, False),
    "8BL2.": (0.001, False), "41M..": (0.001, False), "9OL1.": (0.003, False),
}  # fmt: skip
NOISE = 0.95  # the rest: codes no cluster uses


def generate(folder: Path, patients: int, per_patient: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ids = np.arange(1, patients + 1, dtype=np.int64)
    practices = np.array([f"S{i:05d}" for i in range(1, max(2, patients // 5000) + 1)])
    practice = practices[rng.integers(0, len(practices), patients)]
    day = np.datetime64("1930-01-01")
    dob = day + rng.integers(0, 365 * 85, patients).astype("timedelta64[D]")
    death = np.where(
        rng.random(patients) < 0.01,
        np.datetime64("2014-06-01") + rng.integers(0, 365, patients).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    pq.write_table(pa.table({"patient_id": ids, "practice_id": practice, "date_of_birth": dob.astype("datetime64[D]"),
                             "sex": rng.choice(["female", "male"], patients), "date_of_death": death.astype("datetime64[D]")}),
                   folder / "patients.parquet")  # fmt: skip
    start = np.datetime64("1990-01-01") + rng.integers(0, 9200, patients).astype("timedelta64[D]")
    end = np.where(
        rng.random(patients) < 0.02,
        np.datetime64("2014-01-01") + rng.integers(0, 300, patients).astype("timedelta64[D]"),
        np.datetime64("NaT"),
    )
    pq.write_table(pa.table({"patient_id": ids, "practice_id": practice, "start_date": start.astype("datetime64[D]"),
                             "end_date": end.astype("datetime64[D]")}), folder / "registrations.parquet")  # fmt: skip
    pd.DataFrame({"unit_id": practices}).to_parquet(folder / "units.parquet")
    n = patients * per_patient
    # diabetes-coded events go to ~7% of patients; others to anyone
    names = [*CODES, "NOISE"]
    shares = np.array([s for s, _ in CODES.values()] + [NOISE])
    code_index = rng.choice(len(names), n, p=shares / shares.sum())
    diabetic = rng.choice(ids[: max(1, patients * 7 // 100)], n)
    anyone = rng.integers(1, patients + 1, n)
    pid = np.where(code_index < len(CODES), diabetic, anyone)
    noise_codes = np.array([f"Z{i:04d}" for i in range(500)])
    code = np.array(names, dtype=object)[code_index]
    noise = code_index == len(CODES)
    code[noise] = noise_codes[rng.integers(0, 500, int(noise.sum()))]
    dates = np.datetime64("2008-01-01") + rng.integers(0, 7 * 365 + 120, n).astype("timedelta64[D]")
    valued = np.isin(code_index, [i for i, (_, v) in enumerate(CODES.values()) if v])
    value = np.where(valued, rng.normal(58, 12, n).round(), np.nan)
    pq.write_table(pa.table({"patient_id": pid, "system": np.full(n, "readv2"), "code": code.astype(str),
                             "date": dates.astype("datetime64[D]"), "value": value}),
                   folder / "events.parquet", row_group_size=1_000_000)  # fmt: skip


def dm_program():  # type: ignore[no-untyped-def]
    from record_ir import (
        PPED_NODE,
        age_at,
        and_,
        binary,
        cluster,
        const,
        event,
        field,
        known,
        offset,
        on_or_before,
        or_,
        param,
        program,
        registration_start,
        reject,
        select,
        within_months,
    )  # fmt: skip

    clusters = [cluster("DM_COD", "C10..", "C10E."), cluster("DMRES_COD", "21263"), cluster("IFCCHBAM_COD", "42W5."),
                cluster("DMPU_COD", "9h41."), cluster("DMDEC_COD", "9h42."), cluster("DMMAX_COD", "8BL2."),
                cluster("BLDTESTDEC_COD", "41M.."), cluster("DMINVITE_COD", "9OL1.")]  # fmt: skip
    fields = {
        "dm_dat": event("DM_COD", "latest", on_or_before()),
        "dm_first": event("DM_COD", "earliest", on_or_before()),
        "dmres_dat": event("DMRES_COD", "latest", on_or_before()),
        "hba1c": event("IFCCHBAM_COD", "latest", within_months(12), "value"),
        "age": age_at(),
        "reg_dat": registration_start(),
    }
    recent = lambda c: event(c, "exists", within_months(12))  # noqa: E731
    register = [
        reject(binary("<", field("age"), const(17))),
        select(and_(known(field("dm_dat")), or_(known(field("dmres_dat"), True), binary("<", field("dmres_dat"), field("dm_dat"))))),
    ]  # fmt: skip
    dm007 = [
        select(binary("<=", field("hba1c"), param("hba1c_target"))),
        reject(recent("DMMAX_COD"), "max_tolerated"),
        reject(recent("DMPU_COD"), "unsuitable"),
        reject(recent("BLDTESTDEC_COD"), "declined_test"),
        reject(recent("DMDEC_COD"), "dissent"),
        reject(
            binary(">=", event("DMINVITE_COD", "count", within_months(12)), const(3)), "invitations"
        ),
        reject(binary(">", field("dm_first"), offset(PPED_NODE, -9)), "newly_diagnosed"),
        reject(binary(">", field("reg_dat"), offset(PPED_NODE, -9)), "newly_registered"),
    ]
    return program(
        clusters, fields, {"DM": register}, {"DM007": ("DM", dm007)}, {"hba1c_target": 59}
    )


def wide_program(indicators: int = 24):  # type: ignore[no-untyped-def]
    """DM007 and ``indicators - 1`` variants, each with its own windows (12 + k months) and
    target, so every indicator adds its own event queries: a stand-in for all shipped rules."""
    from record_ir import binary, const, event, field, within_months

    from qframe.ir import records as rec

    base = dm_program()
    out = dict(base.indicators)
    fields = dict(base.fields)
    for k in range(1, indicators):
        fields[f"hba1c_{k}"] = event("IFCCHBAM_COD", "latest", within_months(12 + k), "value")
        rules = list(base.indicators["DM007"].rules.rules)
        rules[0] = rec.Rule("select", binary("<=", field(f"hba1c_{k}"), const(50 + k)))
        rules[1] = rec.Rule(
            "reject", event("DMMAX_COD", "exists", within_months(12 + k)), "max_tolerated"
        )
        out[f"DMX{k:02d}"] = rec.IndicatorRules(f"DMX{k:02d}", "DM", rec.RuleList(tuple(rules)))
    return rec.RecordProgram(base.reference_date, base.period, base.clusters, base.params, fields,
                             base.registers, out)  # fmt: skip


HAND = """
WITH pop AS (
  SELECT p.patient_id, arg_max(r.practice_id, r.start_date) AS unit_id, max(r.start_date) AS reg_dat,
         any_value(p.date_of_birth) AS dob
  FROM read_parquet('{d}/patients.parquet') p JOIN read_parquet('{d}/registrations.parquet') r USING (patient_id)
  WHERE r.start_date <= DATE '2015-03-31' AND (r.end_date IS NULL OR r.end_date >= DATE '2015-03-31')
    AND (p.date_of_death IS NULL OR p.date_of_death > DATE '2015-03-31')
  GROUP BY p.patient_id),
ev AS (
  SELECT patient_id,
    max(date) FILTER (WHERE code IN ('C10..', 'C10E.')) AS dm_dat,
    min(date) FILTER (WHERE code IN ('C10..', 'C10E.')) AS dm_first,
    max(date) FILTER (WHERE code = '21263') AS dmres_dat,
    -(max({{'d': date, 'k': -value}}) FILTER (WHERE code = '42W5.' AND date >= DATE '2014-04-01' AND value IS NOT NULL)).k AS hba1c,
    count(*) FILTER (WHERE code = '8BL2.' AND date >= DATE '2014-04-01') > 0 AS dmmax,
    count(*) FILTER (WHERE code = '9h41.' AND date >= DATE '2014-04-01') > 0 AS dmpu,
    count(*) FILTER (WHERE code = '41M..' AND date >= DATE '2014-04-01') > 0 AS blddec,
    count(*) FILTER (WHERE code = '9h42.' AND date >= DATE '2014-04-01') > 0 AS dmdec,
    count(*) FILTER (WHERE code = '9OL1.' AND date >= DATE '2014-04-01') AS inv
  FROM read_parquet('{d}/events.parquet')
  WHERE date <= DATE '2015-03-31' AND code IN ('C10..','C10E.','21263','42W5.','8BL2.','9h41.','41M..','9h42.','9OL1.')
  GROUP BY patient_id),
reg AS (
  SELECT pop.*, ev.*,
    date_diff('year', dob, DATE '2015-03-31') - CASE WHEN (month(dob), day(dob)) > (3, 31) THEN 1 ELSE 0 END AS age
  FROM pop LEFT JOIN ev USING (patient_id)),
onreg AS (
  SELECT *, CASE WHEN age < 17 THEN false
                 WHEN dm_dat IS NOT NULL AND (dmres_dat IS NULL OR dmres_dat < dm_dat) THEN true ELSE false END AS dm
  FROM reg),
o AS (
  SELECT unit_id, dm, CASE WHEN NOT dm THEN NULL WHEN hba1c <= 59 THEN 1 WHEN dmmax THEN 2 WHEN dmpu THEN 3
    WHEN blddec THEN 4 WHEN dmdec THEN 5 WHEN inv >= 3 THEN 6 WHEN dm_first > DATE '2014-06-30' THEN 7
    WHEN reg_dat > DATE '2014-06-30' THEN 8 ELSE 0 END AS o FROM onreg)
SELECT unit_id, count(*) AS list_size, count(*) FILTER (WHERE dm) AS register,
  count(*) FILTER (WHERE o = 1) AS numerator, count(*) FILTER (WHERE o IN (0, 1)) AS denominator,
  count(*) FILTER (WHERE o BETWEEN 2 AND 8) AS exceptions
FROM o GROUP BY unit_id ORDER BY unit_id
"""


def run(mode: str, folder: Path) -> dict[str, float]:
    import duckdb

    from qframe.engines.records.base import Sweep
    from qframe.engines.records.engine import DuckDBRecordEngine

    started = time.perf_counter()
    if mode == "hand":
        frame = duckdb.connect().sql(HAND.format(d=folder)).df()
        result = {"numerator": float(frame.numerator.sum()), "denominator": float(frame.denominator.sum()),
                  "register": float(frame.register.sum()), "exceptions": float(frame.exceptions.sum())}  # fmt: skip
    else:
        engine = DuckDBRecordEngine()
        if mode == "wide":
            counts = engine.counts(wide_program(), folder)
        elif mode == "sweep":
            counts = engine.sweep(
                dm_program(), folder, Sweep({"hba1c_target": list(range(53, 73))})
            )
            counts = counts[counts.scenario == 6]  # 59
        else:
            counts = engine.counts(dm_program(), folder)
        totals = counts.groupby(["measure", "key"]).value.sum()
        result = {"numerator": totals[("numerator", "DM007")], "denominator": totals[("denominator", "DM007")],
                  "register": totals[("register", "DM")], "exceptions": totals[("exceptions", "DM007")]}  # fmt: skip
    result["seconds"] = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime  # the whole process, both cores
    result["peak_mb"] = usage.ru_maxrss / 1024  # run with the data already written (see main)
    return {k: float(v) for k, v in result.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--events-per-patient", type=int, default=10)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/qframe-bench-records"))
    parser.add_argument("--run", choices=["engine", "hand", "sweep", "wide"])
    args = parser.parse_args()
    folder = args.folder / f"p{args.patients}"
    if args.run:
        print(json.dumps(run(args.run, folder)))
        return
    if not (folder / "events.parquet").is_file():
        started = time.perf_counter()
        generate(folder, args.patients, args.events_per_patient)
        print(f"generated {args.patients} patients in {time.perf_counter() - started:.1f} s")
        print("run again for the peak memory: a child process inherits its parent's peak RSS")
    results = {}
    for mode in ("hand", "engine", "sweep", "wide"):
        started = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--patients", str(args.patients), "--folder", str(args.folder),
                              "--run", mode], capture_output=True, text=True, check=True)  # fmt: skip
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
        results[mode]["process_seconds"] = time.perf_counter() - started
        print(mode, results[mode])
    same = all(
        results["hand"][k] == results["engine"][k] == results["sweep"][k]
        for k in ("numerator", "denominator", "register", "exceptions")
    )
    print(
        f"same counts: {same}; engine/hand query time ratio: {results['engine']['seconds'] / results['hand']['seconds']:.2f}"
    )


if __name__ == "__main__":
    main()

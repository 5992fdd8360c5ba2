"""Benchmark: qframe against a hand-written vectorised pandas script, in the same process.

Evaluates frameworks/qof_2014 (81 indicators) on a synthetic national-size dataset (8,000
practices × 1 year) and computes the same points and payments with a hand-written pandas script
that starts from the same data. Reports both times, their ratio, and the parse + validate time
of the definition. The two results are checked to agree to the penny.

Targets (issue 2): qframe within 2× of the script; evaluation under 0.5 s; parse + validate under
100 ms.

    .venv/bin/python benchmarks/bench_evaluate.py [--practices 8000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import qframe
from qframe import api
from qframe.data import synth
from qframe.engines.registry import engine
from qframe.scoring.outcome import round_money

ROOT = Path(__file__).resolve().parents[1]
QOF = ROOT / "frameworks" / "qof_2014"


def best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def pivot(measures: pd.DataFrame) -> pd.DataFrame:
    """The hand-written script's data layout: one column per (measure, key)."""
    return measures.set_index(["unit_id", "measure", "key"])["value"].unstack(["measure", "key"])


def hand_written(wide: pd.DataFrame, indicators: pd.DataFrame) -> pd.DataFrame:
    """QOF 2014/15 points and payments, written directly in pandas (the baseline)."""
    list_size = wide[("list_size", "")]
    registers = wide["register"]
    national_prev = registers.sum() / list_size.sum()
    cpi = list_size / 7052
    ind = indicators.set_index("indicator")
    ids = ind.index
    num = wide["numerator"].reindex(columns=ids)
    den = wide["denominator"].reindex(columns=ids)
    groups = ind["group"]
    reg = registers.reindex(columns=groups.to_numpy())
    reg.columns = ids
    kind = ind["kind"]
    with np.errstate(all="ignore"):
        ach = num / den.where(den != 0)
        ach.loc[:, kind == "register"] = (reg.loc[:, kind == "register"] > 0).astype(float)
        lower, upper, maxp = ind["lower"], ind["upper"], ind["max_points"]
        share = ((ach - lower) / (upper - lower)).clip(0, 1)
        share = share.where(ach < upper, 1.0).where(ach >= lower, 0.0).where(ach.notna())
        points = share * maxp
        points.loc[:, kind == "register"] = (
            ach.loc[:, kind == "register"] * maxp[kind == "register"]
        )
        org = kind == "organisational"
        points.loc[:, org] = (ach.loc[:, org] >= 1).astype(float).where(
            ach.loc[:, org].notna()
        ) * maxp[org]
        prev = reg.div(list_size, axis=0)
        nat = national_prev.reindex(groups.to_numpy()).to_numpy()
        apdf = prev / nat
        apdf.loc[:, ~ind["adjusted"]] = 1.0
        payment = points.mul(cpi, axis=0) * 156.92 * apdf
    payment = pd.DataFrame(
        round_money(payment.to_numpy()), index=payment.index, columns=payment.columns
    )
    return pd.DataFrame({"points": points.sum(axis=1), "payment": payment.sum(axis=1)})


def run(practices: int = 8000, repeat: int = 5) -> dict[str, float]:
    """Measure everything; returns the figures (seconds, ratios)."""
    t0 = time.perf_counter()
    api.check(QOF)
    cold = time.perf_counter() - t0
    parse_validate, _ = best(lambda: api.check(QOF), repeat)
    fw = qframe.load(QOF)

    ds = synth.generate(practices, seed=1, years=("2014-15",), quarters_of=())
    params = fw.parameter_values({})
    numpy_engine = engine("numpy")
    prep_time, _ = best(
        lambda: numpy_engine.layout(qframe.Dataset(ds.units, ds.measures), fw.definition.frequency),
        3,
    )
    arrays = numpy_engine.layout(ds, fw.definition.frequency)
    engine_time, _ = best(lambda: numpy_engine.evaluate(fw.plan, arrays, params), repeat)
    full_time, result = best(lambda: fw.evaluate(ds), repeat)

    plan = fw.plan
    indicators = pd.DataFrame(
        {
            "indicator": plan.indicator_ids,
            "group": plan.indicator_strings["group"],
            "kind": plan.indicator_strings["kind"],
            "max_points": plan.indicator_numbers["max_points"],
            "lower": plan.indicator_numbers["lower"],
            "upper": plan.indicator_numbers["upper"],
            "adjusted": params["prevalence_adjusted"].astype(float) == 1,
        }
    )
    pivot_time, wide = best(lambda: pivot(ds.measures), 3)
    assert isinstance(wide, pd.DataFrame)
    hand_time, hand = best(lambda: hand_written(wide, indicators), repeat)
    fresh = lambda: qframe.Dataset(ds.units, ds.measures)  # noqa: E731  (no cached layout)
    e2e_time, _ = best(lambda: fw.evaluate(fresh()), 3)
    hand_e2e_time, _ = best(lambda: hand_written(pivot(ds.measures), indicators), 3)

    assert isinstance(result, qframe.Result) and isinstance(hand, pd.DataFrame)
    ours = result.units.set_index("unit_id")
    diff = float(np.nanmax(np.abs(ours["payment"] - hand["payment"].reindex(ours.index))))
    assert diff < 0.005, f"qframe and the hand-written script disagree by £{diff}"
    return {
        "practices": practices,
        "indicators": len(plan.indicator_ids),
        "agree_pounds": diff,
        "parse_validate": parse_validate,
        "parse_validate_cold": cold,
        "layout": prep_time,
        "engine": engine_time,
        "evaluate_tidy": full_time,
        "hand": hand_time,
        "pivot": pivot_time,
        "qframe_e2e": e2e_time,
        "hand_e2e": hand_e2e_time,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--practices", type=int, default=8000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    r = run(args.practices, args.repeat)
    print(
        f"practices × indicators: {r['practices']} × {r['indicators']} (1 period); results agree to £{r['agree_pounds']:.4f}; best of {args.repeat} runs"
    )
    print(
        f"parse + validate (warm):               {r['parse_validate'] * 1000:7.1f} ms   (first call in the process: {r['parse_validate_cold'] * 1000:.1f} ms; target < 100 ms)"
    )
    print("compute only (data already laid out):")
    print(
        f"  qframe evaluation (engine):          {r['engine'] * 1000:7.1f} ms   (target < 500 ms)"
    )
    print(f"  hand-written pandas script:          {r['hand'] * 1000:7.1f} ms")
    print(f"  ratio qframe / hand-written:         {r['engine'] / r['hand']:7.2f}×  (target ≤ 2×)")
    print("end to end from the long measures table:")
    print(
        f"  qframe layout + evaluate + tidy:     {r['qframe_e2e'] * 1000:7.1f} ms   (layout {r['layout'] * 1000:.1f} ms, evaluate + tidy {r['evaluate_tidy'] * 1000:.1f} ms)"
    )
    print(
        f"  hand-written pivot + compute:        {r['hand_e2e'] * 1000:7.1f} ms   (pivot {r['pivot'] * 1000:.1f} ms)"
    )
    print(f"  ratio qframe / hand-written:         {r['qframe_e2e'] / r['hand_e2e']:7.2f}×")


if __name__ == "__main__":
    main()

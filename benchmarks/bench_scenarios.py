"""Benchmark: 1,000 scenarios of QOF 2014/15 on the national synthetic dataset, vectorised
(`qframe.tools.scenarios.sweep`) against evaluating them one by one through the public
single-scenario API (`Framework.evaluate(params=...)`), in the same process.

One-by-one evaluation is timed on a sample of scenarios and multiplied up (running all 1,000 one
by one takes minutes); both figures are printed, in elapsed time and in this process's CPU time
(steadier than elapsed time on a machine shared with other work).

    .venv/bin/python benchmarks/bench_scenarios.py [--scenarios 1000] [--practices 7779] [--chunk N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import qframe
from qframe.data import synth
from qframe.tools import scenarios as sc

ROOT = Path(__file__).resolve().parents[1]


def run(
    scenarios: int = 1000, practices: int = 7779, singles: int = 10, chunk: int | None = None
) -> dict[str, float]:
    ds = synth.generate(practices, seed=1, years=("2014-15",), quarters_of=())
    fw = qframe.load(ROOT / "frameworks" / "qof_2014")
    values = np.linspace(100.0, 300.0, scenarios)
    points = [sc.Point(f"point_value={v:.4f}", {"point_value": float(v)}) for v in values]
    fw.evaluate(ds)  # lay the data out once (cached on the dataset), as both paths share it
    t0, c0 = time.perf_counter(), time.process_time()
    result = sc.sweep(fw, ds, points=points, **({"chunk": chunk} if chunk else {}))
    vectorised, vectorised_cpu = time.perf_counter() - t0, time.process_time() - c0
    picks = np.linspace(0, scenarios - 1, singles).astype(int)
    t0, c0 = time.perf_counter(), time.process_time()
    for k in picks:
        total = fw.evaluate(ds, params={"point_value": float(values[k])}).units["payment"].sum()
        assert abs(total - result.table["total_cost"].iloc[k]) < 0.01
    per_single = (time.perf_counter() - t0) / singles
    per_single_cpu = (time.process_time() - c0) / singles
    return {
        "scenarios": scenarios,
        "practices": practices,
        "vectorised": vectorised,
        "single": per_single,
        "one_by_one_estimate": per_single * scenarios,
        "speedup": per_single * scenarios / vectorised,
        "vectorised_cpu": vectorised_cpu,
        "single_cpu": per_single_cpu,
        "speedup_cpu": per_single_cpu * scenarios / vectorised_cpu,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenarios", type=int, default=1000)
    ap.add_argument("--practices", type=int, default=7779)
    ap.add_argument("--chunk", type=int, default=None, help="scenarios per pass (default: sized)")
    args = ap.parse_args()
    r = run(args.scenarios, args.practices, chunk=args.chunk)
    print(
        f"{r['scenarios']:.0f} scenarios of qof_2014 on {r['practices']:.0f} practices × 81 indicators"
    )
    print(f"  vectorised sweep:            {r['vectorised']:8.2f} s   (target < 30 s)")
    print(
        f"  one by one (public API):     {r['single'] * 1000:8.1f} ms each → {r['one_by_one_estimate']:.1f} s for all"
    )
    print(f"  speed-up:                    {r['speedup']:8.1f}×  (target ≥ 20×)")
    print(
        f"  in CPU time: sweep {r['vectorised_cpu']:.2f} s, one by one {r['single_cpu'] * 1000:.1f} ms "
        f"each, speed-up {r['speedup_cpu']:.1f}×"
    )


if __name__ == "__main__":
    main()

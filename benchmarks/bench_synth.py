"""Benchmark: generating the national synthetic dataset (7,779 practices, four years and the
quarters of two) with `qframe synth`'s generator, validation included. Target: under 30 s.

    .venv/bin/python benchmarks/bench_synth.py
"""

from __future__ import annotations

import time

from qframe.data import synth


def run(practices: int = synth.ENGLAND_PRACTICES) -> dict[str, float]:
    t0 = time.perf_counter()
    ds = synth.generate(practices, seed=1)
    return {"practices": practices, "seconds": time.perf_counter() - t0, "rows": len(ds.measures)}


def main() -> None:
    r = run()
    print(
        f"{r['practices']:,.0f} practices, {r['rows']:,.0f} measure rows: {r['seconds']:.1f} s (target < 30 s)"
    )


if __name__ == "__main__":
    main()

"""Benchmark: synthetic GP records (`qframe synth --patients N`): generating, writing Parquet and
loading + checking with DuckDB, each size in a fresh process (peak memory is that process's).
Target: 1M patients with about 10M events in well under a minute.

    .venv/bin/python benchmarks/bench_synth_records.py            # 100k and 1M patients
    .venv/bin/python benchmarks/bench_synth_records.py 5000000    # any sizes
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def one(patients: int) -> dict[str, float]:
    """Generate, write and load ``patients`` patients in this process."""
    from qframe.data.records.load import load_records
    from qframe.data.records.synth import generate_records, write_records

    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        data = generate_records(patients, seed=1)
        t1 = time.perf_counter()
        write_records(data, folder)
        t2 = time.perf_counter()
        records = load_records(folder)
        t3 = time.perf_counter()
        events = records.count("events")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"patients": patients, "events": events, "generate": t1 - t0, "write": t2 - t1,
            "load_and_check": t3 - t2, "peak_mb": peak}  # fmt: skip


def run(sizes: list[int]) -> list[dict[str, float]]:
    out = []
    for n in sizes:
        code = f"import json, bench_synth_records as b; print(json.dumps(b.one({n})))"
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)])}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, cwd=HERE.parent, env=env)  # fmt: skip
        out.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return out


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    for r in run(sizes):
        print(
            f"{r['patients']:>10,.0f} patients {r['events']:>11,.0f} events: generate "
            f"{r['generate']:.1f} s, write {r['write']:.1f} s, load and check "
            f"{r['load_and_check']:.1f} s, peak {r['peak_mb']:,.0f} MB"
        )


if __name__ == "__main__":
    main()

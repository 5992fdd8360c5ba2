"""Where a whole-process national evaluate spends its time, stage by stage, in one fresh process.

The stages are those of ``qframe evaluate`` in order: importing, reading the definition,
reading and validating the data, laying it out, the engine (with the stray-key checks on a
second thread), the tidy tables and manifest, and writing them. Each is timed as wall and CPU
time (user + system of every thread of the process).

    .venv/bin/python benchmarks/bench_stages.py DATA_FOLDER [--format parquet|csv] [--runs 3]

DATA_FOLDER: e.g. ``qframe synth --practices 7779 --seed 1 --out DATA --format parquet``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, tempfile, time
stages, last = [], [time.perf_counter(), time.process_time()]
def mark(name):
    now = [time.perf_counter(), time.process_time()]
    stages.append([name, now[0] - last[0], now[1] - last[1]])
    last[:] = now
import qframe.api as api
from qframe.engines.numpy.engine import NumpyEngine
mark("import")
fw = api.load(sys.argv[2] + "/frameworks/qof_2014")
mark("read the definition")
ds = api.as_dataset(sys.argv[1])
mark("read and validate the data")
NumpyEngine().layout(ds, fw.definition.frequency)
mark("lay the data out")
result = fw.evaluate(ds)
mark("evaluate: engine, stray-key checks, tidy tables, manifest")
with tempfile.TemporaryDirectory() as out:
    result.write(out, sys.argv[3])
    mark("write " + sys.argv[3])
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"stages": stages, "peak_mib": peak}))
"""


def run(data: Path, fmt: str = "parquet", runs: int = 3) -> dict[str, object]:
    """Each stage's best wall and CPU time over ``runs`` fresh processes, and the peak memory."""
    best: dict[str, list[float]] = {}
    peak = 0.0
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(data), str(ROOT), fmt],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        peak = max(peak, figures["peak_mib"])
        for name, wall, cpu in figures["stages"]:
            old = best.get(name, [wall, cpu])
            best[name] = [min(old[0], wall), min(old[1], cpu)]
    return {"format": fmt, "runs": runs, "stages": best, "peak_mib": peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--format", default="parquet", choices=("parquet", "csv"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    figures = run(args.data, args.format, args.runs)
    stages = figures["stages"]
    assert isinstance(stages, dict)
    print("| stage | wall (best) | CPU (best) |\n|---|---:|---:|")
    for name, (wall, cpu) in stages.items():
        print(f"| {name} | {wall:.2f} s | {cpu:.2f} s |")
    total_wall = sum(w for w, _ in stages.values())
    total_cpu = sum(c for _, c in stages.values())
    print(f"| **sum of the best** | **{total_wall:.2f} s** | **{total_cpu:.2f} s** |")
    print(f"peak {figures['peak_mib']:,.0f} MiB")


if __name__ == "__main__":
    main()

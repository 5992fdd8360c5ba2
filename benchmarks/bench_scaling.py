"""Scaling curve: evaluate (and compare, when available) from 1,000 to 100,000 practices.

Each size runs in a fresh process so that its peak memory (maximum resident set size) is its own.
Data generation is not timed. Growth is linear if time per practice stays roughly flat.

    .venv/bin/python benchmarks/bench_scaling.py [--sizes 1000,3000,10000,30000,100000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
import qframe
from qframe.data import synth
n, root, what = int(sys.argv[1]), sys.argv[2], sys.argv[3]
out = {"practices": n}
if what == "evaluate":  # one year of QOF data: 81 indicators
    ds = synth.generate(n, seed=1, years=("2015-16",), quarters_of=())
    fw = qframe.load(root + "/frameworks/qof_2014")
    t0 = time.perf_counter(); fw.evaluate(ds); out["seconds"] = time.perf_counter() - t0
else:  # the three frameworks need four years of history and the quarters of 2015-16
    from qframe.tools.compare import compare
    ds = synth.generate(n, seed=1, quarters_of=("2015-16",))
    paths = [root + f"/frameworks/{f}" for f in ("qof_2014", "somerset_pqs", "improving_together")]
    t0 = time.perf_counter(); compare(paths, ds, periods="2015-16"); out["seconds"] = time.perf_counter() - t0
out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
print(json.dumps(out))
"""


def run(sizes: list[int], what: str) -> list[dict[str, float]]:
    """Time `what` ("evaluate" or "compare") at each size, each in a fresh process."""
    rows = []
    for n in sizes:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(n), str(ROOT), what],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--evaluate-sizes", default="1000,3000,10000,30000,100000")
    ap.add_argument("--compare-sizes", default="1000,3000,10000,30000,100000")
    args = ap.parse_args()
    for what, sizes in (("evaluate", args.evaluate_sizes), ("compare", args.compare_sizes)):
        print(f"{what}: {'practices':>10} {'seconds':>9} {'µs/practice':>12} {'peak MiB':>9}")
        for r in run([int(s) for s in sizes.split(",") if s], what):
            print(
                f"{'':9}{r['practices']:>10,} {r['seconds']:9.2f} {r['seconds'] / r['practices'] * 1e6:12.1f} {r['peak_mib']:9.0f}"
            )


if __name__ == "__main__":
    main()

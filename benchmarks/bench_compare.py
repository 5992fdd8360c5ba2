"""Benchmark: `qframe compare` of the three shipped frameworks on a national-size dataset.

Generates the synthetic national dataset (``qframe.data.synth.generate(7779, seed=1)``: 7,779
practices, years 2012-13 to 2015-16 and the quarters of 2014-15 and 2015-16; not timed), then
times the comparison end to end on it: loading and compiling the three definitions, evaluating
each once, building the tables, and writing the CSV tables, comparison.xlsx, manifest.json and
report.html. Reports each stage and the total.

Target (issue 5): under 10 s.

    .venv/bin/python benchmarks/bench_compare.py [--practices 7779] [--out out/bench-compare]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from qframe.data import synth
from qframe.tools.compare import REPORT, WORKBOOK, compare

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = [ROOT / "frameworks" / f for f in ("qof_2014", "somerset_pqs", "improving_together")]
TARGET_SECONDS = 10.0


def run(practices: int = 7779, seed: int = 1) -> float:
    """Seconds, end to end (evaluate the three frameworks, tables, CSVs, workbook, report)."""
    data = synth.generate(practices, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        comparison = compare(FRAMEWORKS, data)
        comparison.write(Path(tmp) / "compare", "csv", report=False, workbook=False)
        comparison.write_workbook(Path(tmp) / "compare" / WORKBOOK)
        from qframe.tools.report import write_report

        write_report(comparison, Path(tmp) / "compare" / REPORT)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--practices", type=int, default=7779)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out", type=Path, default=None, help="where to write (default: a temp dir)"
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    data = synth.generate(args.practices, seed=args.seed)
    print(
        f"generated {len(data.units):,} practices, {len(data.measures):,} measure rows "
        f"in {time.perf_counter() - t0:.1f} s (not timed)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "compare"
        stages: dict[str, float] = {}
        last = time.perf_counter()
        start = last

        def step(label: str) -> None:
            nonlocal last
            now = time.perf_counter()
            stages[f"load + evaluate {label}"] = now - last
            last = now

        comparison = compare(FRAMEWORKS, data, progress=step)
        now = time.perf_counter()
        stages["tables"] = now - last
        last = now
        paths = comparison.write(out, "csv", report=False, workbook=False)
        now = time.perf_counter()
        stages["CSV tables + manifest"] = now - last
        last = now
        comparison.write_workbook(out / WORKBOOK)
        now = time.perf_counter()
        stages["comparison.xlsx"] = now - last
        last = now
        from qframe.tools.report import write_report

        report = write_report(comparison, out / REPORT)
        now = time.perf_counter()
        stages["report.html"] = now - last
        total = now - start

        for name, seconds in stages.items():
            print(f"  {name:<40} {seconds:6.2f} s")
        size = report.stat().st_size / 1e6
        print(
            f"compared {len(comparison.runs)} frameworks on {len(data.units):,} practices, "
            f"period {comparison.period}; {len(paths) + 2} files (report.html {size:.1f} MB)"
        )
        verdict = "ok" if total < TARGET_SECONDS else "OVER TARGET"
        print(f"total, end to end: {total:.2f} s (target < {TARGET_SECONDS:.0f} s: {verdict})")


if __name__ == "__main__":
    main()

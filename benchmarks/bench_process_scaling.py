"""Whole-process scaling: synth, evaluate and compare from national size to 100,000 practices.

Each command runs in a fresh process, measured from outside (wall, CPU = user + system, peak
resident memory from the OS), once per size, beside the DuckDB baseline of
``benchmarks/baseline_duckdb.py`` on the same data. Growth is linear when the time per practice
stays flat. Not part of ``make bench``: at 100,000 practices the data alone are 92 million
measure rows, and compare needs about 10 GB.

    .venv/bin/python benchmarks/bench_process_scaling.py [--sizes 7779,20000,50000,100000]
        [--json benchmarks/figures/process_scaling.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_process import FRAMEWORKS, ROOT, timed  # noqa: E402


def measure_size(practices: int, work: Path) -> dict[str, object]:
    """Make ``practices`` practices of synthetic data (Parquet) and time each command on them."""
    qframe = [sys.executable, "-m", "qframe"]
    data = work / f"data-{practices}"
    row: dict[str, object] = {"practices": practices, "load": os.getloadavg()[0]}
    commands = {
        "synth": [
            *qframe, "synth", "--practices", str(practices), "--seed", "1",
            "--out", str(data), "--format", "parquet",
        ],
        "evaluate": [
            *qframe, "evaluate", "frameworks/qof_2014", "--data", str(data),
            "--out", str(work / "evaluate"), "--format", "parquet", "--quiet",
        ],
        "baseline": [
            sys.executable, str(HERE / "baseline_duckdb.py"), str(data), str(work / "baseline"),
        ],
        "compare": [
            *qframe, "compare", *(f"frameworks/{f}" for f in FRAMEWORKS),
            "--data", str(data), "--out", str(work / "compare"), "--quiet",
        ],
    }  # fmt: skip
    for name, command in commands.items():
        seconds, peak, cpu = timed(command, ROOT)
        row[name] = {"seconds": seconds, "cpu": cpu, "peak_mib": peak}
        print(
            f"{practices:>8,} {name:<9} {seconds:7.2f} s  CPU {cpu:7.2f} s  "
            f"{seconds / practices * 1e6:6.1f} µs/practice  peak {peak:7.0f} MiB",
            flush=True,
        )
    shutil.rmtree(data)
    return row


def table(rows: list[dict[str, object]]) -> str:
    """The rows as a markdown table (seconds, CPU, µs per practice of wall time, peak MiB)."""
    names = ("synth", "evaluate", "baseline", "compare")
    head = "| practices | " + " | ".join(f"{n} s (CPU) | µs/practice | MiB" for n in names) + " |"
    lines = [head, "|---:|" + "---:|---:|---:|" * len(names)]
    for row in rows:
        cells = [f"{row['practices']:,}"]
        for name in names:
            m = row[name]
            assert isinstance(m, dict)
            cells += [
                f"{m['seconds']:.2f} ({m['cpu']:.2f})",
                f"{m['seconds'] / float(str(row['practices'])) * 1e6:.0f}",
                f"{m['peak_mib']:,.0f}",
            ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="7779,20000,50000,100000")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory(prefix="qframe-scaling-") as tmp:
        rows = [measure_size(n, Path(tmp)) for n in sizes]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    print(table(rows))


if __name__ == "__main__":
    main()

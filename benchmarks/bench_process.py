"""Whole-process benchmarks: each command as users run it, in a fresh process, against a baseline
run in the same benchmark.

At national size (``qframe synth --practices 7779 --seed 1``: 7,779 practices, four years and the
quarters of two, 7,156,680 measure rows), each of these runs ``--runs`` times, alternating with its
baseline; each reports the best and median wall time and the process's peak memory (its maximum
resident set, from the OS through ``os.wait4``):

- ``qframe validate frameworks/qof_2014``; baseline: a Python process that reads the definition's
  YAML (the least any validator does);
- ``qframe evaluate frameworks/qof_2014`` on the Parquet dataset, writing Parquet, and writing CSV;
  and on the CSV dataset; baseline: ``benchmarks/baseline_duckdb.py``, DuckDB reading the same
  measures, pivoting numerator and denominator, computing achievement and writing the same format;
- ``qframe compare`` of the three shipped frameworks (CSV tables, workbook, report); baseline:
  the DuckDB script;
- ``qframe synth --format parquet``; baseline: DuckDB writing as many rows of random numbers to
  Parquet.

    .venv/bin/python benchmarks/bench_process.py [--runs 3] [--root .] [--practices 7779]
        [--only validate,evaluate_parquet,...]

``--root`` runs the commands of another checkout of qframe (to measure before and after);
``--only`` measures only the commands named (``validate`` needs no dataset, so none is made).

Every process reads qframe's modules from bytecode, as an installed package does (installing
compiles them): a cache in the benchmark's temporary folder, compiled before the runs, even where
``PYTHONDONTWRITEBYTECODE`` is set (it is on this project's machine: without the cache each
process compiles qframe's modules again, which adds about 0.1 s to validate).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FRAMEWORKS = ("qof_2014", "somerset_pqs", "improving_together")
NATIONAL = 7779
NATIONAL_ROWS = 7_156_680  # measure rows synth makes for 7,779 practices

READ_YAML = (
    "import sys, pathlib, yaml\n"
    "for f in sorted(pathlib.Path(sys.argv[1]).rglob('*.yaml')): yaml.safe_load(f.read_text())\n"
)
DUCKDB_SYNTH = (
    "import sys, duckdb\n"
    'duckdb.sql(f"COPY (SELECT range % 7779 AS unit_id, random() * 100 AS value '
    "FROM range({int(sys.argv[2])})) TO '{sys.argv[1]}' (FORMAT parquet)\")\n"
)


#: The processes' environment: set by :func:`run` (a bytecode cache in its temporary folder).
ENVIRONMENT: dict[str, str] = dict(os.environ)


def with_bytecode(cache: Path) -> dict[str, str]:
    """This environment, with Python writing and reading bytecode in ``cache``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def timed(command: Sequence[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, peak MiB (its own maximum resident set) and CPU seconds of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(command), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENVIRONMENT
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        message = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}): {message}")
    if proc.stderr:
        proc.stderr.close()
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime  # Linux: KiB


def summary(runs: list[tuple[float, float, float]]) -> dict[str, float]:
    times = [t for t, _, _ in runs]
    return {
        "best": min(times),
        "median": statistics.median(times),
        "peak_mib": max(m for _, m, _ in runs),
        "cpu_best": min(c for _, _, c in runs),  # user + system: what the load of others hides
    }


def measure(
    name: str,
    command: Sequence[str],
    baseline: Sequence[str],
    root: Path,
    runs: int,
) -> dict[str, object]:
    """Alternate the command and its baseline ``runs`` times (so both meet the same load)."""
    mine: list[tuple[float, float, float]] = []
    base: list[tuple[float, float, float]] = []
    for _ in range(runs):
        mine.append(timed(command, root))
        base.append(timed(baseline, root))
    out: dict[str, object] = {"name": name, "qframe": summary(mine), "baseline": summary(base)}
    out["ratio_best"] = summary(mine)["best"] / summary(base)["best"]
    out["ratio_median"] = summary(mine)["median"] / summary(base)["median"]
    print(
        f"{name:<40} best {summary(mine)['best']:6.2f} s  median {summary(mine)['median']:6.2f} s  "
        f"peak {summary(mine)['peak_mib']:6.0f} MiB cpu {summary(mine)['cpu_best']:6.2f} s | baseline best {summary(base)['best']:6.2f} s "
        f"median {summary(base)['median']:6.2f} s peak {summary(base)['peak_mib']:5.0f} MiB | "
        f"ratio {out['ratio_best']:.2f}× (median {out['ratio_median']:.2f}×)",
        flush=True,
    )
    return out


COMMANDS = ("validate", "synth", "evaluate_parquet", "evaluate_csv", "evaluate_csv_in", "compare")


def run(
    runs: int = 3,
    root: Path = ROOT,
    practices: int = NATIONAL,
    only: Sequence[str] = COMMANDS,
) -> dict[str, object]:
    """Generate the national dataset (Parquet and CSV) and measure every command (those ``only``
    names; the dataset is made when a command other than validate is measured)."""
    global ENVIRONMENT
    python = sys.executable
    qframe = [python, "-m", "qframe"]
    duck = [python, str(HERE / "baseline_duckdb.py")]
    results: dict[str, object] = {"practices": practices, "runs": runs}
    with tempfile.TemporaryDirectory(prefix="qframe-bench-") as tmp:
        work = Path(tmp)
        ENVIRONMENT = with_bytecode(work / "bytecode")
        subprocess.run(  # qframe's modules compiled once, as installing the package does
            [python, "-m", "compileall", "-q", str(root / "qframe")], env=ENVIRONMENT, check=True
        )
        qof = str(root / "frameworks" / "qof_2014")
        if "validate" in only:
            results["validate"] = measure(
                "validate qof_2014",
                [*qframe, "validate", qof],
                [python, "-c", READ_YAML, qof],
                root,
                max(runs, 5),
            )
        if not set(only) - {"validate"}:
            return results
        data, data_csv = work / "national", work / "national-csv"
        synth = [*qframe, "synth", "--practices", str(practices), "--seed", "1"]
        rows = round(NATIONAL_ROWS * practices / NATIONAL)  # as many rows as synth makes
        results["synth"] = measure(  # also makes the dataset the others read
            "synth (Parquet)",
            [*synth, "--out", str(data), "--format", "parquet"],
            [python, "-c", DUCKDB_SYNTH, str(work / "random.parquet"), str(rows)],
            root,
            runs,
        )
        subprocess.run(
            [*synth, "--out", str(data_csv), "--format", "csv"],
            cwd=root,
            check=True,
            capture_output=True,
        )
        import pyarrow.parquet as pq  # not before: a process started by this one counts its
        # memory at the start in its peak (Linux keeps the high-water mark across exec)

        results["measure_rows"] = pq.ParquetFile(data / "measures.parquet").metadata.num_rows
        results["parquet_mb"] = (data / "measures.parquet").stat().st_size / 1e6
        results["csv_mb"] = (data_csv / "measures.csv").stat().st_size / 1e6
        out = str(work / "out")
        evaluate = [*qframe, "evaluate", qof]
        frameworks = [str(root / "frameworks" / f) for f in FRAMEWORKS]
        measured = {
            "evaluate_parquet": (
                "evaluate, Parquet in, Parquet out",
                [*evaluate, "--data", str(data), "--out", out, "--format", "parquet"],
                [*duck, str(data), out + "-duckdb", "parquet"],
            ),
            "evaluate_csv": (
                "evaluate, Parquet in, CSV out",
                [*evaluate, "--data", str(data), "--out", out, "--format", "csv"],
                [*duck, str(data), out + "-duckdb", "csv"],
            ),
            "evaluate_csv_in": (
                "evaluate, CSV in, Parquet out",
                [*evaluate, "--data", str(data_csv), "--out", out, "--format", "parquet"],
                [*duck, str(data_csv), out + "-duckdb", "parquet"],
            ),
            "compare": (
                "compare of the three shipped frameworks",
                [*qframe, "compare", *frameworks, "--data", str(data), "--out", out + "-compare"],
                [*duck, str(data), out + "-duckdb", "parquet"],
            ),
        }
        for key, (name, command, baseline) in measured.items():
            if key in only:
                results[key] = measure(name, command, baseline, root, runs)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--root", type=Path, default=ROOT, help="the qframe checkout to run")
    parser.add_argument("--practices", type=int, default=NATIONAL)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--only",
        type=lambda text: [c for c in text.split(",") if c],
        default=list(COMMANDS),
        help=f"measure only these commands (comma-separated): {', '.join(COMMANDS)}",
    )
    args = parser.parse_args()
    unknown = set(args.only) - set(COMMANDS)
    if unknown:
        parser.error(f"unknown command(s) {', '.join(sorted(unknown))}: use {', '.join(COMMANDS)}")
    results = run(args.runs, args.root.resolve(), args.practices, args.only)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

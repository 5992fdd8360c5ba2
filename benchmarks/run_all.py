"""Run every benchmark and write docs/performance.md from the measured figures.

    make bench          # = .venv/bin/python benchmarks/run_all.py

Takes a while (the whole-process benchmarks run every command three times at national size
against their DuckDB baseline; the largest scaling point generates 100,000 synthetic practices).
The Records section (GP records at 100k/1M/5M patients) is a separate run,
``benchmarks/bench_records_scale.py --write-doc``; this keeps it as last written.
``--process-json FILE`` takes the whole-process figures from ``bench_process.py --json FILE``
instead of measuring them again; ``--process-only`` rewrites only that section of the page.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import bench_evaluate  # noqa: E402
import bench_process  # noqa: E402
import bench_records_scale  # noqa: E402
import bench_scaling  # noqa: E402
import bench_scenarios  # noqa: E402
import bench_synth  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def cpu(figures: dict[str, float]) -> str:
    """The best CPU time (user + system) of a command's runs, when measured."""
    return f"{figures['cpu_best']:.2f} s" if "cpu_best" in figures else "–"


def process_lines(figures: dict[str, object]) -> list[str]:
    """The whole-process table: each command against its baseline, best and median of the runs."""
    targets = {
        "validate": ("< 0.5 s", "validate qof_2014", "Python reading the YAML"),
        "evaluate_parquet": (
            "≤ 1.5×, < 1 GB",
            "evaluate, Parquet in, Parquet out",
            "DuckDB script",
        ),
        "evaluate_csv": ("≤ 2×, < 1 GB", "evaluate, Parquet in, CSV out", "DuckDB script, CSV out"),
        "evaluate_csv_in": ("< 1 GB", "evaluate, CSV in, Parquet out", "DuckDB script, CSV in"),
        "compare": ("< 6 s, < 1 GB", "compare, three frameworks", "DuckDB script"),
        "synth": ("", "synth, Parquet out", "DuckDB writing random rows"),
    }
    lines = [
        "| command | best | median | CPU | peak MiB | baseline | its best | its median | its CPU | ratio (best, median) | target |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for key, (target, label, baseline) in targets.items():
        row = figures.get(key)
        if not isinstance(row, dict):
            continue
        mine, base = row["qframe"], row["baseline"]
        lines.append(
            f"| {label} | {mine['best']:.2f} s | {mine['median']:.2f} s | {cpu(mine)} | {mine['peak_mib']:,.0f} | "
            f"{baseline} | {base['best']:.2f} s | {base['median']:.2f} s | {cpu(base)} | "
            f"{row['ratio_best']:.2f}×, {row['ratio_median']:.2f}× | {target} |"
        )
    return lines


def process_section(process: dict[str, object]) -> list[str]:
    """The section "Whole process" of docs/performance.md."""
    return [
        "## Whole process: the commands users run",
        "",
        f"Each command in a fresh process, {process['runs']} runs alternating with its baseline "
        f"(`benchmarks/bench_process.py`), on `qframe synth --practices {process['practices']:,} --seed 1`: "
        f"four years and the quarters of two, {process.get('measure_rows', 7_156_680):,} measure rows "
        f"({process.get('parquet_mb', 22):.0f} MB of Parquet, {process.get('csv_mb', 254):.0f} MB of CSV). "
        "Peak memory is the process's maximum resident set, from the OS. The baseline of evaluate and "
        "compare is `benchmarks/baseline_duckdb.py`: DuckDB reads the same measures, pivots numerator "
        "and denominator, computes achievement and writes the same format. The machine's two cores are "
        "shared, so wall times vary from run to run: the ratios, measured side by side, and the CPU time "
        "(user + system, best of the runs) carry better.",
        "",
        *process_lines(process),
        "",
        *([str(process["note"]), ""] if process.get("note") else []),
        "Reading and validating the data is done by Arrow and integer codes (`qframe/data/files.py`, "
        "`qframe/data/validate.py`): Parquet is read by Arrow's file reader (its dataset layer costs "
        "0.3 s to import), text columns are read dictionary-encoded and stay categorical, every rule runs "
        "once per distinct label, and the checks that join rows (duplicates D030, numerators above their "
        "denominator D032, D303/D310, D307, D309) use one integer per row for its unit, period and key, "
        "made once per dataset, in 32 bits where the combinations fit. The layout writes each row's value "
        "through a flat view of the grid. The checks of stray keys (D307, D309) run on a second thread "
        "while the engine evaluates. Tables are written by Arrow: Parquet with a dictionary for text "
        "columns only and statistics for number columns only (Arrow's defaults try a dictionary for every "
        "column and take the minimum and maximum of text: 40% of the time, for a file 28% smaller), and "
        "CSV as text made by Arrow's compute kernels 25,000 rows at a time on worker threads, written in "
        "order (`qframe/results/csvtext.py`), in the bytes `DataFrame.to_csv` wrote (numbers rounded to "
        "the documented places a chunk at a time, then as `%.12g` writes them; quotes only where "
        "needed).",
        "",
    ]


def replace_process_section(process: dict[str, object]) -> None:
    """Rewrite only the whole-process section of docs/performance.md (the rest as last measured)."""
    doc = ROOT / "docs" / "performance.md"
    text = doc.read_text(encoding="utf-8")
    section = "\n".join(process_section(process)) + "\n"
    heading = "## Whole process: the commands users run"
    if heading in text:
        start = text.index(heading)
        end = text.index("\n## ", start + len(heading)) + 1
        text = text[:start] + section + text[end:]
    else:
        first = text.index("\n## ") + 1
        text = text[:first] + section + text[first:]
    doc.write_text(text, encoding="utf-8")


def records_section(doc: Path) -> str:
    """The page's Records section as last written by ``benchmarks/bench_records_scale.py`` (a
    separate run: it generates up to 50 million events), kept when this rewrites the page."""
    text = doc.read_text(encoding="utf-8") if doc.is_file() else ""
    start = text.find(bench_records_scale.HEADING)
    if start < 0:
        return ""
    end = text.find("\n## ", start + len(bench_records_scale.HEADING))
    return "\n" + (text[start : end + 1] if end >= 0 else text[start:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--process-json", type=Path, help="whole-process figures already measured")
    parser.add_argument(
        "--process-only",
        action="store_true",
        help="rewrite only the whole-process section of docs/performance.md",
    )
    args = parser.parse_args()
    if args.process_json:
        process = json.loads(args.process_json.read_text(encoding="utf-8"))
    else:
        process = bench_process.run()
    if args.process_only:
        replace_process_section(process)
        return
    # the scaling curve first: its processes inherit this one's peak memory, so start small
    evaluate_curve = bench_scaling.run([1000, 3000, 10000, 30000, 100000], "evaluate")
    compare_curve = (
        bench_scaling.run([1000, 3000, 10000, 30000, 100000], "compare")
        if importlib.util.find_spec("qframe.tools.compare")
        else []
    )
    gen = bench_synth.run()
    ev = bench_evaluate.run()
    scen = bench_scenarios.run()
    compare_line = ""
    if importlib.util.find_spec("bench_compare") is not None:
        import bench_compare

        if hasattr(bench_compare, "run"):
            seconds = bench_compare.run()
            compare_line = f"| comparison of the three shipped frameworks, 7,779 practices, end to end | {seconds:.1f} s | < 10 s |\n"
    lines = [
        "# Performance",
        "",
        f"Measured by `make bench` (`benchmarks/run_all.py`) on this project's machine: {platform.machine()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}. Ratios are measured in one "
        "process against a baseline run alongside, so they carry across machines better than the times.",
        "",
        *process_section(process),
        "## Evaluate: QOF 2014/15 on a national-size dataset",
        "",
        f"{ev['practices']:,} synthetic practices × {ev['indicators']} indicators, one year. The hand-written script is "
        "vectorised pandas computing the same points and payments from the same data (`benchmarks/bench_evaluate.py`); "
        f"the two agree to £{ev['agree_pounds']:.2f} for every practice.",
        "",
        "| measure | time | target |",
        "|---|---:|---|",
        f"| parse + validate the definition (warm) | {ms(ev['parse_validate'])} | < 100 ms |",
        f"| the same, first call in a new process | {ms(ev['parse_validate_cold'])} | |",
        f"| qframe evaluation (engine, data laid out) | {ms(ev['engine'])} | < 500 ms |",
        f"| hand-written pandas script (data already pivoted) | {ms(ev['hand'])} | |",
        f"| **ratio qframe / hand-written, compute only** | **{ev['engine'] / ev['hand']:.2f}×** | ≤ 2× |",
        f"| qframe end to end from the long table (layout + evaluate + tidy tables) | {ms(ev['qframe_e2e'])} | |",
        f"| hand-written end to end (pivot + compute) | {ms(ev['hand_e2e'])} | |",
        f"| **ratio qframe / hand-written, end to end** | **{ev['qframe_e2e'] / ev['hand_e2e']:.2f}×** | |",
        *([compare_line.rstrip("\n")] if compare_line else []),
        "",
        "## Synthetic data",
        "",
        f"`qframe synth` at the national size: {gen['practices']:,.0f} practices, {gen['rows']:,.0f} measure rows "
        f"(four years, the quarters of two), validation included: **{gen['seconds']:.1f} s** (target < 30 s; "
        "`benchmarks/bench_synth.py`).",
        "",
        "## Scenarios: a thousand variants in one pass",
        "",
        f"{scen['scenarios']:,.0f} values of the point value for QOF 2014/15 on {scen['practices']:,.0f} practices "
        "(`benchmarks/bench_scenarios.py`): the sweep evaluates them vectorised along a scenario axis, "
        "recomputing only what depends on the swept parameter; one by one is `Framework.evaluate(params=...)` per "
        "scenario, timed on 10 scenarios spread over the grid (checked equal to the sweep) and multiplied up.",
        "",
        "| measure | time | target |",
        "|---|---:|---|",
        f"| vectorised sweep, 1,000 scenarios | {scen['vectorised']:.1f} s | < 30 s |",
        f"| one by one through the public API | {scen['single'] * 1000:.0f} ms each, {scen['one_by_one_estimate']:.0f} s for all | |",
        f"| **speed-up** | **{scen['speedup']:.1f}×** | ≥ 20× |",
        f"| the same in CPU time: sweep {scen['vectorised_cpu']:.1f} s, one by one {scen['single_cpu'] * 1000:.0f} ms each | **{scen['speedup_cpu']:.1f}×** | |",
        "",
        "## Scaling",
        "",
        "Each size in a fresh process; peak memory is the process's maximum resident set, which includes generating "
        "the synthetic data. Evaluate reads one year of QOF data; compare needs four years of history and the "
        "quarters of 2015-16, so its data are about four times larger.",
        "",
        "| practices | evaluate | µs per practice | peak MiB | compare | peak MiB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    by_n = {int(r["practices"]): r for r in compare_curve}
    for r in evaluate_curve:
        c = by_n.get(int(r["practices"]))
        cmp_cells = f"{c['seconds']:.2f} s | {c['peak_mib']:,.0f}" if c else "– | –"
        lines.append(
            f"| {int(r['practices']):,} | {r['seconds']:.2f} s | {r['seconds'] / r['practices'] * 1e6:.0f} | {r['peak_mib']:,.0f} | {cmp_cells} |"
        )
    lines += [
        "",
        "Time per practice stays flat from 1,000 to 100,000 practices: growth is linear.",
        "",
        "## Why it is fast",
        "",
        "Every expression is compiled once into numpy operations over a dense `(scenario, unit, period, indicator)` "
        "grid; a rule stated once for all indicators runs as one vectorised pass over all of them (one pass per "
        "distinct override). Tidy tables use categorical columns; the data layout (long measures → dense array) is "
        "done once per dataset and cached. In a sweep, values that do not depend on the swept parameters keep a "
        "scenario axis of one and are computed once, in a shared base context.",
        "",
        "From the shell: the measures are read by Arrow with their text dictionary-encoded, and stay integer "
        "codes (pandas categoricals) through validation and layout; no step makes a Python string per row or "
        "copies the long table. CSV text is made by Arrow, a chunk of rows at a time, and rounded as it "
        "is written. Commands are imported when used (`qframe.cli.main.Commands`), and `import "
        "qframe` does not import pandas, Arrow, the engines or the results until data is read, so `qframe "
        "validate` starts without them; Lark's parse tables are cached between processes.",
        "",
    ]
    doc = ROOT / "docs" / "performance.md"
    doc.write_text(
        "\n".join(line for line in lines if line is not None) + "\n" + records_section(doc),
        encoding="utf-8",
    )
    print((ROOT / "docs" / "performance.md").read_text())


if __name__ == "__main__":
    main()

"""How close synthetic records come to the national figures: generate N patients, run the
reference QOF 2014/15 rules (tests/reference/qof_records.py) and print, per group and indicator,
what the records give against the target, with the largest deviations (docs/records.md quotes
them for 1,000,000 patients).

    .venv/bin/python benchmarks/calibration_records.py 1000000
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qframe.data.records.calibration import targets  # noqa: E402
from qframe.data.records.load import load_records  # noqa: E402
from qframe.data.records.synth import generate_records, write_records  # noqa: E402
from tests.reference.qof_records import compute, national  # noqa: E402


def main() -> None:
    patients = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    with tempfile.TemporaryDirectory() as folder:
        records = load_records(write_records(generate_records(patients, seed=seed), folder))
        frames = [records.frame(t) for t in ("units", "patients", "registrations", "events")]
    totals = national(compute(*frames))
    goal = targets()
    list_size = totals.loc["", "list_size"]
    worst_prevalence = worst_achievement = worst_exceptions = 0.0
    for group, target in goal.prevalence.items():
        got = totals.loc[group, "register"] / list_size
        worst_prevalence = max(worst_prevalence, abs(got / target - 1))
        print(f"{group:8s} prevalence {got:7.4f}  target {target:7.4f}")
    for indicator, target in goal.achievement.items():
        n, d, e = (totals.loc[indicator, m] for m in ("numerator", "denominator", "exceptions"))
        rate = e / (d + e)
        worst_achievement = max(worst_achievement, abs(n / d - target))
        worst_exceptions = max(worst_exceptions, abs(rate - goal.excepted[indicator]))
        print(f"{indicator:8s} achievement {n / d:6.3f}  target {target:6.3f}   "
              f"exceptions {rate:6.3f}  target {goal.excepted[indicator]:6.3f}   D={d:,.0f}")  # fmt: skip
    print(f"largest deviation: prevalence {worst_prevalence:.1%} relative, achievement "
          f"{worst_achievement * 100:.1f} points, exceptions {worst_exceptions * 100:.1f} points")  # fmt: skip


if __name__ == "__main__":
    main()

"""A small deterministic synthetic dataset of out-of-hours (OOH) GP services, for
``frameworks/ooh_clusters``.

The units are OOH services with synthetic ids (``OOH01``) and names only — never a real service's
code or name — in OOH quality clusters (``cluster``) inside health boards (``health_board``, also
synthetic: ``Board A``). Quarterly measures, keyed by the framework's indicators:

- ``FIRST_CONTACT``: urgent cases (denominator) and those whose first clinical contact came
  within the target time (numerator);
- ``HOME_VISIT``: urgent home visits and those within the target time;
- ``EXPERIENCE``: patient survey responses and those rating their care good or excellent;

and, per service and quarter, ``rota_gps`` (sessional GPs on the rota), ``gps_in_cluster`` (those
taking part in the cluster's quality work) and ``is_cql_service`` (the service holding the
cluster's quality lead: each cluster's largest). Every rate is [MODEL]: plausible, not published.

Regenerate the bundled copy with
``python -c "from qframe.data import synth_ooh; synth_ooh.write_sample('data/ooh_sample')"``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from qframe.data.dataset import Dataset
from qframe.errors.diagnostics import output_folder

CLUSTER_SIZES = (5, 4, 3)  # services per OOH cluster [MODEL]
BOARD_OF_CLUSTER = ("Board A", "Board A", "Board B")
QUARTERS = tuple(f"{year}Q{q}" for year in ("2015-16", "2016-17") for q in (1, 2, 3, 4))
# indicator: (cases per 1,000 population a quarter, mean rate, spread of services' rates) [MODEL]
MEASURES = {
    "FIRST_CONTACT": (6.0, 0.92, 0.025),
    "HOME_VISIT": (0.6, 0.85, 0.04),
}
SURVEY = (60, 0.85, 0.04)  # responses a quarter, mean share positive, spread [MODEL]


def generate(seed: int = 2016) -> Dataset:
    """Twelve synthetic OOH services in three clusters over eight quarters."""
    rng = np.random.default_rng(seed)
    cluster = np.repeat(np.arange(len(CLUSTER_SIZES)), CLUSTER_SIZES)
    n = len(cluster)
    ids = [f"OOH{i:02d}" for i in range(1, n + 1)]
    units = pd.DataFrame(
        {
            "unit_id": ids,
            "name": [f"Synthetic OOH Service {i}" for i in range(1, n + 1)],
            "cluster": [f"OC{c + 1}" for c in cluster],
            "health_board": [BOARD_OF_CLUSTER[c] for c in cluster],
        }
    )
    population = np.round(rng.uniform(60, 400, n)) * 1000  # thousands of residents covered
    largest = np.zeros(n)
    for c in range(len(CLUSTER_SIZES)):
        members = np.flatnonzero(cluster == c)
        largest[members[np.argmax(population[members])]] = 1
    rate = {
        iid: np.clip(rng.normal(mean, spread, n), 0, 1)
        for iid, (_, mean, spread) in MEASURES.items()
    }
    survey_rate = np.clip(rng.normal(SURVEY[1], SURVEY[2], n), 0, 1)
    rota = rng.integers(12, 45, n)
    taking_part = rng.beta(7, 3, n)
    rows: list[pd.DataFrame] = []

    def add(period: str, measure: str, key: str, values: np.ndarray) -> None:
        rows.append(
            pd.DataFrame(
                {"unit_id": ids, "period": period, "measure": measure, "key": key, "value": values}
            )
        )

    for period in QUARTERS:
        for iid, (per_1000, _, _) in MEASURES.items():
            cases = rng.poisson(population / 1000 * per_1000)
            in_target = rng.binomial(cases, np.clip(rate[iid] + rng.normal(0, 0.01, n), 0, 1))
            add(period, "denominator", iid, cases)
            add(period, "numerator", iid, in_target)
        responses = rng.poisson(SURVEY[0], n)
        add(period, "denominator", "EXPERIENCE", responses)
        add(period, "numerator", "EXPERIENCE", rng.binomial(responses, survey_rate))
        add(period, "rota_gps", "", rota)
        add(period, "gps_in_cluster", "", rng.binomial(rota, taking_part))
        add(period, "is_cql_service", "", largest)
    measures = pd.concat(rows, ignore_index=True)
    measures["value"] = measures["value"].astype(np.float64)
    return Dataset.from_frames(units, measures, source=f"synthetic OOH services(seed={seed})")


def write_sample(folder: str | Path, seed: int = 2016) -> None:
    """Write the dataset as CSV (``units.csv``, ``measures.csv``): small enough to read."""
    out = Path(folder)
    output_folder(out)
    ds = generate(seed)
    ds.units.to_csv(out / "units.csv", index=False, lineterminator="\n")
    measures = ds.measures.copy()
    measures["value"] = measures["value"].map(lambda v: f"{v:g}")
    measures.to_csv(out / "measures.csv", index=False, lineterminator="\n")

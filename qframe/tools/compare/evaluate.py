"""compare(): evaluate each framework once on the same data and build the comparison."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import qframe
from qframe.api import DataLike, Framework, as_dataset, load
from qframe.data.dataset import Dataset
from qframe.engines.records.base import RecordEngine
from qframe.errors.diagnostics import DataError, DefinitionError, ExitCode, QframeError, error
from qframe.results.apportioned import practice_view
from qframe.tools.compare.agreement import agreement_table, mismatches_table
from qframe.tools.compare.comparison import (
    MONEY,
    Comparison,
    FrameworkLike,
    FrameworkRun,
    totals_of,
)
from qframe.tools.compare.components import component_costs, drivers, practice_components
from qframe.tools.compare.equity import equity_table, funnel_table
from qframe.tools.compare.practices import practices_table
from qframe.tools.compare.provenance import dataset_provenance
from qframe.tools.compare.rollups import rollups_table
from qframe.tools.compare.selection import (
    choose_baseline,
    choose_period,
    complete_years,
    framework_labels,
    parse_threshold,
    periods_of,
    wanted_year,
)
from qframe.tools.compare.summary import framework_tables
from qframe.tools.compare.winners import winners_losers_table


def compare(
    frameworks: Sequence[FrameworkLike],
    data: DataLike,
    baseline: str | None = None,
    periods: str | Sequence[str] | None = None,
    threshold: float | str = 0.10,
    progress: Callable[[str], None] | None = None,
    record_engine: str | RecordEngine = "duckdb",
) -> Comparison:
    """Evaluate each framework once on the same data and compare them on one financial year.

    ``frameworks``: framework folders (or loaded :class:`Framework` objects); the first is the
    baseline unless ``baseline`` names another (by id, label or path). ``periods``: the year to
    compare (``"2015-16"``, or a list of one); by default the latest year every framework has a
    complete result for (every practice has a payment). ``threshold``: the share of the baseline
    payment beyond which a practice counts as gaining or losing (``0.1`` or ``"10%"``).
    ``progress`` is called with each framework's label after it is evaluated. ``record_engine``
    counts GP records given as ``data`` (``duckdb``, ``spark``, or an engine with its settings)."""
    if not frameworks:
        raise QframeError(
            [error("C001", "no framework to compare", None, "give one or more")], ExitCode.USAGE
        )
    share = parse_threshold(threshold)  # ValueError when it is not a share
    loaded = [fw if isinstance(fw, Framework) else load(fw) for fw in frameworks]
    labels = framework_labels(loaded, frameworks)
    missing_money = [
        lb for lb, fw in zip(labels, loaded, strict=True) if MONEY not in totals_of(fw)
    ]
    if missing_money:
        raise DefinitionError(
            [
                error(
                    "C002",
                    f"framework `{lb}` has no total called `{MONEY}` to compare",
                    None,
                    "add `payment:` under `totals:` (the money paid to each practice)",
                )
                for lb in missing_money
            ]
        )
    base = choose_baseline(baseline, labels, loaded, frameworks)
    wanted = wanted_year(periods)
    datasets = compared_datasets(loaded, labels, data, record_engine)
    ds = datasets[0]  # the practices and their list sizes (the same whichever rules counted them)
    runs: list[FrameworkRun] = []
    for label, fw, own in zip(labels, loaded, datasets, strict=True):
        only = periods_of(own, fw, wanted) if wanted else None
        result = fw.evaluate(own, periods=only)
        if fw.definition.level != "practice":  # lined up per practice by its apportionment
            result = practice_view(result, fw.definition.level)
        runs.append(FrameworkRun(label, fw, result, complete_years(result, fw, own)))
        if progress is not None:
            progress(label)
    period, why = choose_period(runs, wanted)
    long = practices_table(runs, ds, period, base, share)
    funnel, note = funnel_table(runs, long, period)
    summary, escalation = framework_tables(runs, long, period, base)
    parts = practice_components(runs, long, period)
    manifest = comparison_manifest(runs, ds, period, why, base, share)
    manifest["data"].update(dataset_provenance(data, ds.source))
    comparison = Comparison(
        period=period,
        period_source=why,
        baseline=base,
        threshold=share,
        runs=tuple(runs),
        practices=long,
        frameworks=summary,
        escalation=escalation,
        winners_losers=winners_losers_table(runs, long, base, share),
        agreement=agreement_table(runs, long),
        mismatches=mismatches_table(runs, long, base),
        equity=equity_table(runs, long),
        funnel=funnel,
        funnel_note=note,
        manifest=manifest,
        components=component_costs(parts, long, labels),
        practice_components=parts,
        drivers=drivers(parts, long, runs, period),
        rollups=rollups_table(long, labels, base),
    )
    return comparison


def compared_datasets(
    loaded: Sequence[Framework],
    labels: Sequence[str],
    data: DataLike,
    record_engine: str | RecordEngine = "duckdb",
) -> list[Dataset]:
    """The data each framework is evaluated on. Practice-level data is loaded once and shared
    (every framework reads the same Dataset and its layout). A folder of GP records is counted by
    each framework's own business rules (records.yaml): a framework without them cannot be
    compared on records, and every such framework is named at once (Q434) before any record is
    read."""
    from qframe.data.records.folder import is_record_folder

    if not (isinstance(data, (str, Path)) and is_record_folder(data)):
        shared = as_dataset(data)
        return [shared] * len(loaded)
    from qframe.engines.records.from_records import records_dataset

    programs = [fw.plan.program.records if fw.plan.program else None for fw in loaded]
    lacking = [
        error(
            "Q434",
            f"{data} holds GP records, but framework `{label}` ({fw.definition.path}) has no "
            "record-level rules, so it cannot be compared on them",
            None,
            "compare frameworks that have records.yaml (frameworks/qof_2014, or a copy of it with "
            "changed rules) on records, or compare on practice-level data (units and measures)",
        )
        for label, fw, program in zip(labels, loaded, programs, strict=True)
        if program is None
    ]
    if lacking:
        raise DataError(lacking)
    return [
        records_dataset(fw.definition, program, data, engine=record_engine)
        for fw, program in zip(loaded, programs, strict=True)
    ]


def level_data(
    comparison: Comparison, data: DataLike, record_engine: str | RecordEngine = "duckdb"
) -> Dataset:
    """The practice data whose units (pcn, ccg, locality…) ``by_level`` groups by: practice-level
    data as loaded, or a record folder's units (with the baseline's counts)."""
    baseline = next(run for run in comparison.runs if run.label == comparison.baseline)
    return compared_datasets([baseline.framework], [baseline.label], data, record_engine)[0]


def comparison_manifest(
    runs: Sequence[FrameworkRun],
    ds: Dataset,
    period: str,
    why: str,
    baseline: str,
    share: float,
) -> dict[str, Any]:
    """What was compared: qframe's version, the period and why, the baseline, the threshold, each
    framework (version, definition, SHA-256, parameters), the data (source, SHA-256, size) and
    every framework's warnings once."""
    warnings: list[dict[str, Any]] = []
    for run in runs:
        for w in run.result.manifest.get("warnings", []):
            if w not in warnings:
                warnings.append(w)
    return {
        "qframe_version": qframe.__version__,
        "period": period,
        "period_chosen": why,
        "baseline": baseline,
        "threshold": share,
        "money": MONEY,
        "frameworks": [
            {
                "label": run.label,
                "id": run.framework.id,
                "version": run.framework.version,
                "title": run.framework.title,
                "definition": run.framework.definition.path,
                "sha256": run.result.manifest["framework"]["sha256"],
                "frequency": run.frequency,
                "complete_years": list(run.complete_years),
                "parameters": run.result.manifest.get("parameters", {}),
            }
            for run in runs
        ],
        "data": {
            "source": ds.source,
            "sha256": ds.digest(),
            "units": len(ds.units),
            "measure_rows": len(ds.measures),
        },
        "warnings": warnings,
    }

"""The DuckDB record engine on tiny hand-made records, with hand-computed counts: window edges,
first match wins, each exception reason, exclusion vs exception, age at PPED, resolved codes,
month clamping, missing values in conditions, ties, the population, sweeps, explain, SQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlglot
from record_ir import (
    PPED_NODE,
    age_at,
    and_,
    binary,
    cluster,
    const,
    event,
    field,
    known,
    not_,
    offset,
    on_or_before,
    or_,
    param,
    program,
    registration_start,
    reject,
    select,
    within_months,
    write_records,
)

from qframe.engines.records.base import Sweep, measures_dataset
from qframe.engines.records.engine import DuckDBRecordEngine
from qframe.engines.records.expressions import add_months
from qframe.engines.registry import record_engine
from qframe.errors.diagnostics import DataError, DefinitionError
from qframe.ir import records as rec

ENGINE = DuckDBRecordEngine()
CLUSTERS = [
    cluster("DM_COD", "C10..", "C10E."),
    cluster("DMRES_COD", "21263"),
    cluster("HBA_COD", "42W5.", unit="mmol/mol"),
    cluster("DMPU_COD", "9h41."),
    cluster("DMDEC_COD", "9h42."),
    cluster("X_COD", "X1", "X2"),
    cluster("Y_COD", "X2", "Y1"),
]
DM_REGISTER = [
    select(
        and_(
            known(field("dm_dat")),
            or_(
                known(field("dmres_dat"), negate=True),
                binary("<", field("dmres_dat"), field("dm_dat")),
            ),
        )
    ),
]
FIELDS = {
    "dm_dat": event("DM_COD", "latest", on_or_before()),
    "dm_first": event("DM_COD", "earliest", on_or_before()),
    "dmres_dat": event("DMRES_COD", "latest", on_or_before()),
    "hba1c": event("HBA_COD", "latest", within_months(12), "value"),
    "age": age_at(),
    "reg_dat": registration_start(),
}
DM007 = [
    select(binary("<=", field("hba1c"), param("target"))),
    reject(event("DMPU_COD", "exists", within_months(12)), "unsuitable"),
    reject(event("DMDEC_COD", "exists", within_months(12)), "dissent"),
    reject(binary(">", field("dm_first"), offset(PPED_NODE, -9)), "newly_diagnosed"),
    reject(binary(">", field("reg_dat"), offset(PPED_NODE, -9)), "newly_registered"),
]


def measure(frame: pd.DataFrame, unit: str, name: str, key: str = "") -> float:
    row = frame[(frame.unit_id == unit) & (frame.measure == name) & (frame.key == key)]
    assert len(row) == 1, (unit, name, key)
    return float(row.value.iloc[0])


def dm_program(**params: object) -> rec.RecordProgram:
    return program(
        CLUSTERS,
        FIELDS,
        {"DM": [reject(binary("<", field("age"), const(17))), *DM_REGISTER]},
        {"DM007": ("DM", DM007)},
        {"target": 59, **params},
    )


@pytest.fixture(scope="module")
def dm_records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """P1: 1 numerator, 1 unsuitable (failing 64), 1 dissent, 1 newly diagnosed, 1 newly
    registered, 1 denominator only (value 70), 1 resolved (off), 1 aged 16 (off), 1 resolved then
    re-diagnosed (on, no reading: denominator); P2: 1 dead (not counted), 1 who left (not
    counted), 1 aged exactly 17 today (on, reading 59 on the window's first day: numerator)."""
    folder = tmp_path_factory.mktemp("dm")
    patients = [
        (1, "P1", "1950-01-01"), (2, "P1", "1950-01-01"), (3, "P1", "1950-01-01"),
        (4, "P1", "1950-01-01"), (5, "P1", "1950-01-01"), (6, "P1", "1950-01-01"),
        (7, "P1", "1950-01-01"), (8, "P1", "1998-04-01"), (9, "P1", "1950-01-01"),
        (10, "P2", "1950-01-01", "2015-01-01"), (11, "P2", "1950-01-01"), (12, "P2", "1998-03-31"),
    ]  # fmt: skip
    events = [
        (1, "C10..", "2010-01-01"), (1, "42W5.", "2014-06-01", 55.0),
        (2, "C10..", "2010-01-01"), (2, "42W5.", "2014-06-01", 62.0), (2, "9h41.", "2014-05-01"),
        (3, "C10E.", "2010-01-01"), (3, "9h42.", "2015-03-31"),
        (4, "C10..", "2014-07-01"),
        (5, "C10..", "2010-01-01"),
        (6, "C10..", "2010-01-01"), (6, "42W5.", "2015-01-01", 70.0),
        (7, "C10..", "2010-01-01"), (7, "21263", "2012-01-01"),
        (8, "C10..", "2010-01-01"),
        (9, "C10..", "2009-01-01"), (9, "21263", "2010-01-01"), (9, "C10..", "2011-01-01"),
        (10, "C10..", "2010-01-01"), (11, "C10..", "2010-01-01"),
        (12, "C10..", "2010-01-01"), (12, "42W5.", "2014-04-01", 59.0), (12, "42W5.", "2014-03-31", 40.0),
    ]  # fmt: skip
    registrations = [
        *((i, "P1", "2000-01-01", None) for i in (1, 2, 3, 4, 6, 7, 8, 9)),
        (5, "P1", "2014-07-01", None),
        (10, "P2", "2000-01-01", None),
        (11, "P2", "2000-01-01", "2015-03-30"),
        (12, "P1", "2000-01-01", "2010-01-01"), (12, "P2", "2010-01-02", None),
    ]  # fmt: skip
    return write_records(folder, patients, events, registrations)


def test_dm007_hand_computed(dm_records: Path) -> None:
    counts = ENGINE.counts(dm_program(), dm_records)
    assert measure(counts, "P1", "list_size") == 9
    assert measure(counts, "P1", "register", "DM") == 7  # 7 resolved, 8 aged 16
    assert measure(counts, "P1", "numerator", "DM007") == 1
    assert measure(counts, "P1", "denominator", "DM007") == 3  # 1, 6, 9
    assert measure(counts, "P1", "exceptions", "DM007") == 4
    for reason in ("unsuitable", "dissent", "newly_diagnosed", "newly_registered"):
        assert measure(counts, "P1", "exceptions_by_reason", f"DM007.{reason}") == 1
    assert measure(counts, "P2", "list_size") == 1  # 10 dead, 11 left the day before PPED
    assert measure(counts, "P2", "register", "DM") == 1  # 17 today
    assert measure(counts, "P2", "numerator", "DM007") == 1  # 59 on 2014-04-01, the first day
    assert set(counts.period) == {"2014-15"}


def test_parameter_override_and_sweep(dm_records: Path) -> None:
    at_64 = ENGINE.counts(dm_program(), dm_records, {"target": 64})
    assert measure(at_64, "P1", "numerator", "DM007") == 2  # patient 2 (62) now succeeds
    assert measure(at_64, "P1", "exceptions", "DM007") == 3
    swept = ENGINE.sweep(dm_program(), dm_records, Sweep({"target": [50, 59, 64, 75]}))
    numerators = swept[(swept.measure == "numerator") & (swept.unit_id == "P1")]
    assert list(numerators.sort_values("scenario").value) == [0, 1, 2, 3]
    for s, target in enumerate([50, 59, 64, 75]):
        one = ENGINE.counts(dm_program(), dm_records, {"target": target})
        got = swept[swept.scenario == s].drop(columns="scenario").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one)


def test_sweep_of_a_window_parameter_runs_one_query_per_value(dm_records: Path) -> None:
    swept = ENGINE.sweep(
        dm_program(), dm_records, Sweep({"pped": [dt.date(2015, 3, 31), dt.date(2011, 3, 31)]})
    )
    early = swept[swept.scenario == 1]
    assert measure(early, "P1", "register", "DM") == 6  # 4 not yet diagnosed, 9 resolved then
    assert set(swept.scenario) == {0, 1}


def test_first_match_wins(dm_records: Path) -> None:
    """The same two rules in the other order: the reject now catches patient 2 (unsuitable) and
    also patient 1 would stay numerator only if select came first."""
    swapped = [DM007[1], DM007[0], *DM007[2:]]
    prog = program(
        CLUSTERS, FIELDS, {"DM": DM_REGISTER}, {"DM007": ("DM", swapped)}, {"target": 64}
    )
    counts = ENGINE.counts(prog, dm_records)
    assert measure(counts, "P1", "numerator", "DM007") == 1  # 2 is unsuitable before it succeeds
    assert measure(counts, "P1", "exceptions_by_reason", "DM007.unsuitable") == 1


def test_exclusion_is_not_an_exception(dm_records: Path) -> None:
    rules = [reject(known(field("hba1c"), negate=True), "no_reading", "exclusion"), DM007[0]]
    prog = program(CLUSTERS, FIELDS, {"DM": DM_REGISTER}, {"DM007": ("DM", rules)}, {"target": 59})
    counts = ENGINE.counts(prog, dm_records)
    # P1 register (no age rule): 1..6, 8, 9; readings: 1 (55), 2 (62), 6 (70)
    assert measure(counts, "P1", "register", "DM") == 8
    assert measure(counts, "P1", "denominator", "DM007") == 3
    assert measure(counts, "P1", "numerator", "DM007") == 1
    assert measure(counts, "P1", "exceptions", "DM007") == 0
    assert not (counts.measure == "exceptions_by_reason").any()


def window_program(window: rec.Window, reduce: str = "count") -> rec.RecordProgram:
    return program(
        CLUSTERS,
        {"n": event(("X_COD", "Y_COD"), reduce, window)},
        {"ALL": [select(const(True))]},
        {"N2": ("ALL", [select(binary(">=", field("n"), const(2)))]),
         "N3": ("ALL", [select(binary(">=", field("n"), const(3)))])},
    )  # fmt: skip


@pytest.fixture(scope="module")
def edge_records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One patient with X events on 2014-03-31, 2014-04-01, 2015-03-31 and 2015-04-01; code X2
    is in both clusters (counted once)."""
    folder = tmp_path_factory.mktemp("edges")
    events = [
        (1, "X1", "2014-03-31"),
        (1, "X2", "2014-04-01"),
        (1, "X1", "2015-03-31"),
        (1, "X1", "2015-04-01"),
    ]
    return write_records(folder, [(1, "P1", "1950-01-01")], events)


@pytest.mark.parametrize(
    ("include_start", "include_end", "expected"),
    [(True, True, 2), (False, True, 1), (True, False, 1), (False, False, 0)],
)
def test_window_edges(
    edge_records: Path, include_start: bool, include_end: bool, expected: int
) -> None:
    window = rec.Window(offset(PPED_NODE, -12, 1), PPED_NODE, include_start, include_end)
    counts = ENGINE.counts(window_program(window), edge_records)
    assert measure(counts, "P1", "numerator", "N2") == (expected >= 2)
    assert measure(counts, "P1", "numerator", "N3") == 0
    open_window = ENGINE.counts(window_program(rec.Window()), edge_records)
    assert measure(open_window, "P1", "numerator", "N3") == 1  # all four, X2 once


def test_month_clamping_in_python_and_sql(tmp_path: Path) -> None:
    assert add_months(dt.date(2015, 3, 31), -1) == dt.date(2015, 2, 28)
    assert add_months(dt.date(2016, 3, 31), -1) == dt.date(2016, 2, 29)
    # per patient: an event on 2015-01-31 plus one month is 2015-02-28, before 2015-03-01
    folder = write_records(tmp_path, [(1, "P1", "1950-01-01"), (2, "P1", "1950-01-01")],
                           [(1, "X1", "2015-01-31"), (2, "X1", "2015-01-27")])  # fmt: skip
    last = event("X_COD", "latest")
    prog = program(
        CLUSTERS, {"last": last}, {"ALL": [select(const(True))]},
        {"CLAMP": ("ALL", [select(binary("==", offset(field("last"), 1), const(dt.date(2015, 2, 28))))]),
         "DAYS": ("ALL", [select(binary("==", offset(field("last"), 1, 4), const(dt.date(2015, 3, 3))))])},
    )  # fmt: skip
    counts = ENGINE.counts(prog, folder)
    assert measure(counts, "P1", "numerator", "CLAMP") == 1  # 2015-01-31 (clamped), not 01-27
    assert (
        measure(counts, "P1", "numerator", "DAYS") == 1
    )  # 01-27 -> 02-27 -> 03-03 (01-31 -> 02-28 -> 03-04)


def test_three_valued_logic(tmp_path: Path) -> None:
    """Patient 1 has no reading: `reading <= 59` is unknown, so neither it nor its negation fires;
    `unknown or true` fires; `not (unknown and false)` fires; `if` on unknown is missing."""
    folder = write_records(tmp_path, [(1, "P1", "1950-01-01")], [])
    reading = event("HBA_COD", "latest", rec.Window(), "value")
    low = binary("<=", reading, const(59))
    cases = {
        "UNKNOWN": low,
        "NOT_UNKNOWN": not_(low),
        "OR_TRUE": or_(low, const(True)),
        "AND_FALSE": not_(and_(low, const(False))),
        "OR_FALSE": or_(low, const(False)),
        "IS_MISSING": known(reading, negate=True),
    }
    prog = program(
        CLUSTERS, {}, {"ALL": [select(const(True))]},
        {name: ("ALL", [select(c)]) for name, c in cases.items()},
    )  # fmt: skip
    counts = ENGINE.counts(prog, folder)
    fired = {name: measure(counts, "P1", "numerator", name) for name in cases}
    assert fired == {
        "UNKNOWN": 0,
        "NOT_UNKNOWN": 0,
        "OR_TRUE": 1,
        "AND_FALSE": 1,
        "OR_FALSE": 0,
        "IS_MISSING": 1,
    }
    assert measure(counts, "P1", "denominator", "UNKNOWN") == 1  # no rule fired: denominator only


def test_latest_value_ties_and_valueless_events(tmp_path: Path) -> None:
    """Two readings on the latest day: the lowest counts; a later event without a value is skipped
    for `.value` but is the latest `.date`."""
    events = [(1, "42W5.", "2015-01-01", 70.0), (1, "42W5.", "2015-01-01", 50.0), (1, "42W5.", "2014-12-01", 40.0),
              (1, "42W5.", "2015-02-01")]  # fmt: skip
    folder = write_records(tmp_path, [(1, "P1", "1950-01-01")], events)
    value = event("HBA_COD", "latest", rec.Window(), "value")
    first_value = event("HBA_COD", "earliest", rec.Window(), "value")
    prog = program(
        CLUSTERS, {"v": value, "d": event("HBA_COD", "latest"), "first": first_value},
        {"ALL": [select(const(True))]},
        {"TIE": ("ALL", [select(binary("==", field("v"), const(50)))]),
         "DATE": ("ALL", [select(binary("==", field("d"), const(dt.date(2015, 2, 1))))]),
         "FIRST": ("ALL", [select(binary("==", field("first"), const(40)))]),
         "MAX": ("ALL", [select(binary("==", event("HBA_COD", "max"), const(70)))]),
         "MIN": ("ALL", [select(binary("==", event("HBA_COD", "min"), const(40)))])},
    )  # fmt: skip
    counts = ENGINE.counts(prog, folder)
    for name in ("TIE", "DATE", "FIRST", "MAX", "MIN"):
        assert measure(counts, "P1", "numerator", name) == 1, name


def test_window_bound_read_from_another_event(tmp_path: Path) -> None:
    """A level-2 event query: invitations after the latest reading."""
    events = [(1, "42W5.", "2014-10-01", 70.0), (1, "X1", "2014-09-01"), (1, "X1", "2014-11-01"),
              (1, "X1", "2014-12-01"), (2, "X1", "2014-11-01")]  # fmt: skip
    folder = write_records(tmp_path, [(1, "P1", "1950-01-01"), (2, "P1", "1950-01-01")], events)
    reading = event("HBA_COD", "latest")
    after = rec.EventQuery(
        clusters=("X_COD",),
        reduce="count",
        window=rec.Window(start=field("reading"), include_start=False),
        type=reading.type,
    )
    prog = program(
        CLUSTERS, {"reading": reading, "after": after}, {"ALL": [select(const(True))]},
        {"INV": ("ALL", [select(binary(">=", field("after"), const(2)))])},
    )  # fmt: skip
    counts = ENGINE.counts(prog, folder)
    assert measure(counts, "P1", "numerator", "INV") == 1  # patient 2 has no reading: unknown bound
    assert "events_2" in ENGINE.sql(prog)


def test_patient_outcomes_and_explain(dm_records: Path, tmp_path: Path) -> None:
    prog = dm_program()
    table = ENGINE.patient_outcomes(prog, dm_records)
    assert isinstance(table, pd.DataFrame)
    dm007 = table[table.item == "DM007"].set_index("patient_id")
    assert dm007.loc[1, "outcome"] == "numerator"
    assert dm007.loc[2, "reason"] == "unsuitable" and dm007.loc[2, "outcome"] == "exception"
    assert dm007.loc[6, "outcome"] == "denominator"
    assert 7 not in dm007.index
    written = ENGINE.patient_outcomes(prog, dm_records, out=tmp_path / "outcomes.parquet")
    assert isinstance(written, Path) and len(pd.read_parquet(written)) == len(table)
    why = ENGINE.explain_patient(prog, dm_records, 4, "DM007")
    assert why.on_register and why.fired == 4 and why.outcome == "exception"
    assert why.values["dm_first"] is not None
    text = "\n".join(why.lines())
    assert "reject as newly_diagnosed: true  <- fired" in text
    assert "select: unknown" in text
    gone = ENGINE.explain_patient(prog, dm_records, 11, "DM007")
    assert not gone.in_population and not gone.on_register
    with pytest.raises(DefinitionError, match="Q431"):
        ENGINE.explain_patient(prog, dm_records, 999, "DM007")


def test_sql_for_one_indicator_renders_for_spark() -> None:
    prog = program(
        CLUSTERS, FIELDS, {"DM": DM_REGISTER, "OTHER": [select(event("X_COD", "exists"))]},
        {"DM007": ("DM", DM007), "X1": ("OTHER", [select(const(True))])}, {"target": 59},
    )  # fmt: skip
    text = ENGINE.sql(prog, "DM007")
    assert '"o_DM007"' in text and "X1" not in text and "X_COD" not in text
    assert "CAST('2014-06-30' AS DATE)" in text  # pped - 9 months, folded
    spark = ENGINE.sql(prog, "DM007", dialect="spark")
    assert "ADD_MONTHS" not in spark and "`o_DM007`" in spark
    sqlglot.parse_one(spark, read="spark")  # Spark SQL sqlglot can read back
    level2 = rec.Window(start=offset(field("dm_dat"), -1), include_start=False)
    per_patient = program(
        CLUSTERS, {**FIELDS, "after": rec.EventQuery(clusters=("X_COD",), reduce="count", window=level2, type=FIELDS["age"].type)},
        {"DM": DM_REGISTER}, {"A": ("DM", [select(binary(">", field("after"), const(0)))])},
    )  # fmt: skip
    assert "ADD_MONTHS(" in ENGINE.sql(per_patient, "A", dialect="spark")


def test_errors_and_registry(dm_records: Path, tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="Q431"):
        ENGINE.counts(dm_program(), dm_records, {"nonsense": 1})
    with pytest.raises(DataError, match="Q432"):
        ENGINE.counts(dm_program(), tmp_path)
    assert isinstance(record_engine("duckdb"), DuckDBRecordEngine)
    with pytest.raises(DefinitionError, match="Q408"):
        record_engine("spork")
    # the CLI's --engine choices (kept apart so validate imports no engine) name the registry's
    from qframe.cli.options import RECORD_ENGINE_CHOICES
    from qframe.engines.registry import RECORD_DEFAULT, RECORD_ENGINES

    assert set(RECORD_ENGINE_CHOICES) == set(RECORD_ENGINES)
    assert RECORD_ENGINE_CHOICES[0] == RECORD_DEFAULT


def test_measures_make_a_practice_dataset(dm_records: Path) -> None:
    counts = ENGINE.counts(dm_program(), dm_records)
    dataset = measures_dataset(counts, pd.DataFrame({"unit_id": ["P1", "P2"]}))
    assert dataset.periods("year") == ["2014-15"]
    assert len(dataset.measures) == len(counts)


def test_spill_settings(dm_records: Path, tmp_path: Path) -> None:
    engine = DuckDBRecordEngine(memory_limit="300MB", temp_directory=tmp_path / "spill", threads=1)
    connection = engine.connect(dm_records)
    limit, spill = connection.execute(
        "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
    ).fetchall()[0]
    assert limit in ("286.1 MiB", "300.0 MB", "300MB"), limit
    assert spill == str(tmp_path / "spill")


def test_register_population_on_another_date(dm_records: Path) -> None:
    """A register taken on 2014-03-31 keeps only patients registered and alive then: patient 5
    registered on 2014-07-01 is off it (the list size is still taken on PPED)."""
    prog = dm_program()
    year_before = offset(PPED_NODE, -12)
    registers = {"DM": rec.RegisterRules("DM", prog.registers["DM"].rules, year_before)}
    earlier = rec.RecordProgram(
        prog.reference_date, prog.period, prog.clusters, prog.params, prog.fields, registers,
        prog.indicators,
    )  # fmt: skip
    counts = ENGINE.counts(earlier, dm_records)
    assert measure(counts, "P1", "list_size") == 9
    assert measure(counts, "P1", "register", "DM") == 6


def test_sweep_of_one_indicator_among_several(dm_records: Path) -> None:
    """The swept indicator's rules read event queries directly (not through fields): the column
    names must not depend on which indicators each of the sweep's queries computes."""
    first = [select(event("X_COD", "exists")), reject(event("DMDEC_COD", "exists"), "dissent")]
    prog = program(
        CLUSTERS, FIELDS, {"DM": [reject(binary("<", field("age"), const(17))), *DM_REGISTER]},
        {"AAA": ("DM", first), "DM007": ("DM", DM007)}, {"target": 59},
    )  # fmt: skip
    swept = ENGINE.sweep(prog, dm_records, Sweep({"target": [50, 64]}))
    for s, target in enumerate([50, 64]):
        one = ENGINE.counts(prog, dm_records, {"target": target})
        got = swept[swept.scenario == s].drop(columns="scenario").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, one)


def test_override_values_from_numpy_and_text(dm_records: Path) -> None:
    import numpy as np

    swept = ENGINE.sweep(dm_program(), dm_records, Sweep({"target": list(np.arange(50, 70, 10))}))
    assert set(swept.scenario) == {0, 1}
    as_text = ENGINE.counts(
        dm_program(), dm_records, {"pped": "2015-03-31", "target": np.int64(59)}
    )
    pd.testing.assert_frame_equal(as_text, ENGINE.counts(dm_program(), dm_records))
    with pytest.raises(DefinitionError, match="Q431"):
        ENGINE.counts(dm_program(), dm_records, {"pped": "31/03/2015"})

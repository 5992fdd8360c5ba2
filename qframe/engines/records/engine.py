"""The DuckDB record engine: the record query run in-process by DuckDB.

DuckDB reads the records straight from their Parquet or CSV files (nothing goes through pandas
row by row) and is configured to spill to disk rather than run out of memory: ``memory_limit``
(default 60% of RAM, DuckDB's own default is 80%) and a ``temp_directory``. Only the practice ×
measure counts (or, when asked for, the per-patient outcomes) come back.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
from sqlglot import exp

from qframe.engines.records.base import (
    OUTCOME_COLUMNS,
    PatientExplanation,
    RecordParams,
    RuleTrace,
    Sweep,
)
from qframe.engines.records.measures import measures_from_tally, sort_measures
from qframe.engines.records.query import (
    SCENARIO,
    RecordQuery,
    render,
    scenarios_table,
)
from qframe.engines.records.tables import attach_folder, quote
from qframe.errors.diagnostics import DefinitionError
from qframe.ir.records import RecordProgram

DIALECT = "duckdb"
FIELDS_TABLE = "qframe_fields"
OUTCOMES_TABLE = "qframe_outcomes"
CODED_TABLE = "qframe_coded"


class DuckDBRecordEngine:
    """Implements :class:`qframe.engines.records.base.RecordEngine` on DuckDB in-process.

    ``records`` arguments are a records folder, or a DuckDB connection that already holds the
    views ``patients``, ``registrations`` and ``events`` (the loader's, after its checks)."""

    name = "duckdb"

    def __init__(
        self,
        memory_limit: str | None = None,
        temp_directory: str | Path | None = None,
        threads: int | None = None,
    ) -> None:
        self.memory_limit = memory_limit
        self.temp_directory = str(temp_directory or Path(tempfile.gettempdir()) / "qframe-duckdb")
        self.threads = threads

    # ---------------------------------------------------------------- connection

    def connect(self, records: Any) -> duckdb.DuckDBPyConnection:
        """A configured connection with the records' views."""
        if isinstance(records, duckdb.DuckDBPyConnection):
            connection = records
        else:
            connection = duckdb.connect()
            attach_folder(connection, records)
        Path(self.temp_directory).mkdir(parents=True, exist_ok=True)
        connection.execute(f"SET temp_directory = {quote(self.temp_directory)}")
        connection.execute("SET preserve_insertion_order = false")
        if self.memory_limit:
            connection.execute(f"SET memory_limit = {quote(self.memory_limit)}")
        if self.threads:
            connection.execute(f"SET threads = {int(self.threads)}")
        return connection

    def hold_coded_events(self, connection: duckdb.DuckDBPyConnection, query: RecordQuery) -> None:
        """Put the coded events (~5% of the events) in a temporary table the query then reads.
        Computing the event aggregates straight off the file's scan hands them sparse chunks
        (the code filter keeps a few rows of each) and costs 5x more with 50 event queries."""
        if query.events:
            coded = render(query.coded_query(), DIALECT)
            connection.execute(f"CREATE OR REPLACE TEMP TABLE {CODED_TABLE} AS {coded}")
            query.coded_table = CODED_TABLE

    # ---------------------------------------------------------------- the protocol

    def counts(
        self,
        program: RecordProgram,
        records: Any,
        params: RecordParams | None = None,
        period: str | None = None,
    ) -> pd.DataFrame:
        query = RecordQuery(program, params)
        connection = self.connect(records)
        self.hold_coded_events(connection, query)
        tally = connection.sql(render(query.counts(), DIALECT)).df()
        return measures_from_tally(tally, query.measure_specs(), period or program.period)

    def sweep(
        self,
        program: RecordProgram,
        records: Any,
        sweep: Sweep,
        params: RecordParams | None = None,
    ) -> pd.DataFrame:
        swept = list(sweep.values)
        base = {k: v for k, v in (params or {}).items() if k not in swept}
        connection = self.connect(records)
        try:
            fixed_query = RecordQuery(program, base, swept=swept)
            varying = [i for i in program.indicators if fixed_query.reads_swept_indicator(i)]
        except DefinitionError:
            return self.sweep_one_by_one(program, connection, sweep, base)
        varying_registers = [g for g in program.registers if fixed_query.reads_swept_register(g)]
        self.hold_coded_events(connection, fixed_query)
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {FIELDS_TABLE} AS {render(fixed_query.fields_query(), DIALECT)}"
        )
        fixed = RecordQuery(
            program, base, swept=swept,
            indicators=[i for i in program.indicators if i not in varying],
            registers=[g for g in program.registers if g not in varying_registers],
        )  # fmt: skip
        tally = connection.sql(render(fixed.counts(FIELDS_TABLE), DIALECT)).df()
        fixed_long = measures_from_tally(tally, fixed.measure_specs(), program.period)
        frames = [fixed_long.assign(**{SCENARIO: s}) for s in range(sweep.size)]
        if varying or varying_registers:
            moving = RecordQuery(
                program, base, swept=swept, indicators=varying, registers=varying_registers,
                list_size=False,
            )  # fmt: skip
            sql = render(moving.counts(FIELDS_TABLE, scenarios_table(sweep.values)), DIALECT)
            tally = connection.sql(sql).df()
            units = sorted(set(fixed_long["unit_id"]))
            frames.append(
                measures_from_tally(
                    tally, moving.measure_specs(), program.period, units, sweep.size
                )
            )
        connection.execute(f"DROP TABLE IF EXISTS {FIELDS_TABLE}")
        out = pd.concat(frames, ignore_index=True)
        return sort_measures(out, scenario=True)

    def sweep_one_by_one(
        self,
        program: RecordProgram,
        connection: duckdb.DuckDBPyConnection,
        sweep: Sweep,
        params: Mapping[str, Any],
    ) -> pd.DataFrame:
        """A sweep of a parameter the events or the population read: one query per value."""
        frames = []
        for s in range(sweep.size):
            values = {**params, **{k: v[s] for k, v in sweep.values.items()}}
            frames.append(self.counts(program, connection, values).assign(**{SCENARIO: s}))
        return sort_measures(pd.concat(frames, ignore_index=True), scenario=True)

    def patient_outcomes(
        self,
        program: RecordProgram,
        records: Any,
        params: RecordParams | None = None,
        out: str | Path | None = None,
    ) -> pd.DataFrame | Path:
        query = RecordQuery(program, params)
        connection = self.connect(records)
        self.hold_coded_events(connection, query)
        connection.execute(
            f"CREATE OR REPLACE TEMP TABLE {OUTCOMES_TABLE} AS {render(query.outcomes(), DIALECT)}"
        )
        parts = []
        period = quote(program.period)
        for group in query.registers_used:
            parts.append(
                f"SELECT patient_id, unit_id, {period} AS period, 'register' AS kind, "
                f"{quote(group)} AS item, 'on register' AS outcome, CAST(NULL AS INTEGER) AS rule, "
                f'CAST(NULL AS VARCHAR) AS reason FROM {OUTCOMES_TABLE} WHERE "r_{group}"'
            )
        for name in query.indicators:
            rules = program.indicators[name].rules.rules
            labels = " ".join(
                f"WHEN {i} THEN {quote(outcome_label(r.action, r.category))}"
                for i, r in enumerate(rules, 1)
            )
            reasons = " ".join(
                f"WHEN {i} THEN {quote(r.reason)}"
                for i, r in enumerate(rules, 1)
                if r.action == "reject" and r.reason
            )
            reason = f"CASE o {reasons} END" if reasons else "CAST(NULL AS VARCHAR)"
            parts.append(
                f"SELECT patient_id, unit_id, {period} AS period, 'indicator' AS kind, {quote(name)} AS item, "
                f"CASE o WHEN 0 THEN 'denominator' {labels} END AS outcome, "
                f"CAST(NULLIF(o, 0) AS INTEGER) AS rule, {reason} AS reason "
                f'FROM (SELECT patient_id, unit_id, "o_{name}" AS o FROM {OUTCOMES_TABLE}) WHERE o IS NOT NULL'
            )
        union = (
            " UNION ALL ".join(parts)
            if parts
            else f"SELECT {', '.join('NULL AS ' + c for c in OUTCOME_COLUMNS)} LIMIT 0"
        )
        ordered = f"SELECT * FROM ({union}) ORDER BY patient_id, kind DESC, item"
        if out is None:
            frame = connection.sql(ordered).df()
            connection.execute(f"DROP TABLE IF EXISTS {OUTCOMES_TABLE}")
            return frame
        path = Path(out)
        connection.execute(f"COPY ({ordered}) TO {quote(str(path))} (FORMAT parquet)")
        connection.execute(f"DROP TABLE IF EXISTS {OUTCOMES_TABLE}")
        return path

    def sql(
        self, program: RecordProgram, indicator: str | None = None, dialect: str = DIALECT
    ) -> str:
        query = RecordQuery(program, indicators=None if indicator is None else [indicator])
        return render(query.counts(), dialect, pretty=True)

    def explain_patient(
        self,
        program: RecordProgram,
        records: Any,
        patient_id: int,
        indicator: str,
        params: RecordParams | None = None,
    ) -> PatientExplanation:
        query = RecordQuery(program, params, indicators=[indicator], patient=patient_id)
        register = program.registers[program.indicators[indicator].register]
        fields = [
            exp.alias_(exp.column(f"f_{f}", quoted=True), f, quoted=True)
            for f in query.materialized
        ]
        extra = [*query.rule_conditions(indicator), *fields]
        connection = self.connect(records)
        frame = connection.sql(render(query.outcomes(extra), DIALECT)).df()
        if frame.empty:
            raise DefinitionError.single(
                "Q431", f"no patient {patient_id} in the records", None, ""
            )
        row = {k: (None if _is_missing(v) else v) for k, v in frame.iloc[0].to_dict().items()}
        register_rules = traces(register.rules.rules, row, "x_register_")
        rules = traces(program.indicators[indicator].rules.rules, row, "x_indicator_")
        on_register = bool(row.get(f"r_{register.group}"))
        outcome_code = row.get(f"o_{indicator}")
        fired = None if outcome_code in (None, 0) else int(outcome_code)
        return PatientExplanation(
            patient_id=patient_id,
            indicator=indicator,
            register=register.group,
            in_population=bool(row.get("in_population")),
            unit_id=row.get("unit_id"),
            values={f: row.get(f) for f in query.materialized},
            register_rules=register_rules,
            register_fired=first_true(register_rules),
            on_register=on_register,
            rules=rules,
            fired=fired,
            outcome=explained_outcome(program, indicator, on_register, fired),
        )


def _is_missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def traces(rules: tuple[Any, ...], row: Mapping[str, Any], prefix: str) -> tuple[RuleTrace, ...]:
    out = []
    for k, rule in enumerate(rules, start=1):
        value = row.get(f"{prefix}{k}")
        out.append(
            RuleTrace(
                k, rule.action, rule.reason, rule.category, None if value is None else bool(value)
            )
        )
    return tuple(out)


def first_true(rules: tuple[RuleTrace, ...]) -> int | None:
    return next((r.index for r in rules if r.value is True), None)


def outcome_label(action: str, category: str) -> str:
    return "numerator" if action == "select" else category


def explained_outcome(
    program: RecordProgram, indicator: str, on_register: bool, fired: int | None
) -> str:
    if not on_register:
        return "not on register"
    if fired is None:
        return "denominator"
    rule = program.indicators[indicator].rules.rules[fired - 1]
    return outcome_label(rule.action, rule.category)

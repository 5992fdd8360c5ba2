"""What every SQL record engine does the same way, whatever runs the SQL: the
:class:`~qframe.engines.records.base.RecordEngine` protocol implemented once over the one
generated query (:class:`~qframe.engines.records.query.RecordQuery`, a sqlglot tree).

An engine (DuckDB in-process, Spark) subclasses :class:`SqlRecordEngine` and supplies five hooks:
``open`` (a handle on the records: a connection, a session), ``fetch`` (a query's rows as a small
pandas frame: counts, one patient), ``hold`` (a query kept as a named table for the next
queries), ``release`` and ``write_parquet`` (per-patient outcomes written where the engine runs,
never through the driver). Every query is the same tree rendered in the engine's ``dialect``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import sqlglot
from sqlglot import exp

from qframe.engines.records.base import (
    OUTCOME_COLUMNS,
    PatientExplanation,
    RecordParams,
    RuleTrace,
    Sweep,
)
from qframe.engines.records.measures import measures_from_tally, sort_measures
from qframe.engines.records.query import SCENARIO, RecordQuery, render, scenarios_table
from qframe.engines.records.tables import quote
from qframe.errors.diagnostics import DefinitionError
from qframe.ir.records import RecordProgram

FIELDS_TABLE = "qframe_fields"
OUTCOMES_TABLE = "qframe_outcomes"
CODED_TABLE = "qframe_coded"


class SqlRecordEngine:
    """The record-engine protocol over the generated SQL; subclasses run it (see the module)."""

    name = "sql"
    dialect = "duckdb"

    # ---------------------------------------------------------------- the hooks

    def open(self, records: Any) -> Any:
        """A handle on the records (their tables ``patients``, ``registrations``, ``events``)."""
        raise NotImplementedError

    def fetch(self, handle: Any, query: exp.Expr) -> pd.DataFrame:
        """The rows of ``query`` (small: counts, one patient) as a pandas frame."""
        raise NotImplementedError

    def hold(self, handle: Any, name: str, query: exp.Expr) -> None:
        """Keep the result of ``query`` as the table ``name`` for the queries that follow."""
        raise NotImplementedError

    def release(self, handle: Any, name: str) -> None:
        """Drop the table ``name`` made by :meth:`hold`."""
        raise NotImplementedError

    def write_parquet(self, handle: Any, query: exp.Expr, path: Path) -> None:
        """Write the rows of ``query`` as Parquet at ``path``, without collecting them."""
        raise NotImplementedError

    # ---------------------------------------------------------------- shared steps

    def hold_coded_events(self, handle: Any, query: RecordQuery) -> None:
        """Put the coded events (~5% of the events) in a table the query then reads: computing
        the event aggregates straight off the file's scan hands them sparse chunks and costs 5x
        more with 50 event queries (DuckDB), and Spark would scan the events once per level."""
        if query.events:
            self.hold(handle, CODED_TABLE, query.coded_query())
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
        handle = self.open(records)
        self.hold_coded_events(handle, query)
        tally = self.fetch(handle, query.counts())
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
        handle = self.open(records)
        try:
            fixed_query = RecordQuery(program, base, swept=swept)
            varying = [i for i in program.indicators if fixed_query.reads_swept_indicator(i)]
        except DefinitionError:
            return self.sweep_one_by_one(program, handle, sweep, base)
        varying_registers = [g for g in program.registers if fixed_query.reads_swept_register(g)]
        self.hold_coded_events(handle, fixed_query)
        self.hold(handle, FIELDS_TABLE, fixed_query.fields_query())
        fixed = RecordQuery(
            program, base, swept=swept,
            indicators=[i for i in program.indicators if i not in varying],
            registers=[g for g in program.registers if g not in varying_registers],
        )  # fmt: skip
        tally = self.fetch(handle, fixed.counts(FIELDS_TABLE))
        fixed_long = measures_from_tally(tally, fixed.measure_specs(), program.period)
        frames = [fixed_long.assign(**{SCENARIO: s}) for s in range(sweep.size)]
        if varying or varying_registers:
            moving = RecordQuery(
                program, base, swept=swept, indicators=varying, registers=varying_registers,
                list_size=False,
            )  # fmt: skip
            tally = self.fetch(handle, moving.counts(FIELDS_TABLE, scenarios_table(sweep.values)))
            units = sorted(set(fixed_long["unit_id"]))
            frames.append(
                measures_from_tally(
                    tally, moving.measure_specs(), program.period, units, sweep.size
                )
            )
        self.release(handle, FIELDS_TABLE)
        out = pd.concat(frames, ignore_index=True)
        return sort_measures(out, scenario=True)

    def sweep_one_by_one(
        self,
        program: RecordProgram,
        handle: Any,
        sweep: Sweep,
        params: Mapping[str, Any],
    ) -> pd.DataFrame:
        """A sweep of a parameter the events or the population read: one query per value."""
        frames = []
        for s in range(sweep.size):
            values = {**params, **{k: v[s] for k, v in sweep.values.items()}}
            frames.append(self.counts(program, handle, values).assign(**{SCENARIO: s}))
        return sort_measures(pd.concat(frames, ignore_index=True), scenario=True)

    def patient_outcomes(
        self,
        program: RecordProgram,
        records: Any,
        params: RecordParams | None = None,
        out: str | Path | None = None,
    ) -> pd.DataFrame | Path:
        query = RecordQuery(program, params)
        handle = self.open(records)
        self.hold_coded_events(handle, query)
        self.hold(handle, OUTCOMES_TABLE, query.outcomes())
        ordered = outcomes_listing(program, query, OUTCOMES_TABLE)
        if out is None:
            frame = self.fetch(handle, ordered)
            self.release(handle, OUTCOMES_TABLE)
            return frame
        path = Path(out)
        self.write_parquet(handle, ordered, path)
        self.release(handle, OUTCOMES_TABLE)
        return path

    def sql(
        self, program: RecordProgram, indicator: str | None = None, dialect: str | None = None
    ) -> str:
        query = RecordQuery(program, indicators=None if indicator is None else [indicator])
        return render(query.counts(), dialect or self.dialect, pretty=True)

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
        frame = self.fetch(self.open(records), query.outcomes(extra))
        if frame.empty:
            raise DefinitionError.single(
                "Q431", f"no patient {patient_id} in the records", None, ""
            )
        row: dict[str, Any] = {
            str(k): (None if is_missing(v) else v) for k, v in frame.iloc[0].to_dict().items()
        }
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


def outcomes_listing(program: RecordProgram, query: RecordQuery, table: str) -> exp.Expr:
    """Per patient, from the per-patient outcomes held in ``table``: a row per register they are
    on and per indicator outcome (columns :data:`OUTCOME_COLUMNS`), ordered by patient."""
    parts = []
    period = quote(program.period)
    for group in query.registers_used:
        parts.append(
            f"SELECT patient_id, unit_id, {period} AS period, 'register' AS kind, "
            f"{quote(group)} AS item, 'on register' AS outcome, CAST(NULL AS INTEGER) AS rule, "
            f'CAST(NULL AS VARCHAR) AS reason FROM {table} WHERE "r_{group}"'
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
            f'FROM (SELECT patient_id, unit_id, "o_{name}" AS o FROM {table}) AS t WHERE o IS NOT NULL'
        )
    union = (
        " UNION ALL ".join(parts)
        if parts
        else f"SELECT {', '.join('NULL AS ' + c for c in OUTCOME_COLUMNS)} LIMIT 0"
    )
    text = f"SELECT * FROM ({union}) AS u ORDER BY patient_id, kind DESC, item"
    return sqlglot.parse_one(text, read="duckdb")


def is_missing(value: Any) -> bool:
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

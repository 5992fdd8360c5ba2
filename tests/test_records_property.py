"""Property: on generated small populations and random rule lists, the DuckDB record engine's
counts equal a plain-Python evaluation of the same IR written here (Kleene logic with None as
unknown, windows, latest/earliest with the tie rule, counts, ages, registrations)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import duckdb
import pandas as pd
from hypothesis import HealthCheck, given, settings
from record_ir import PPED
from record_populations import CODES, FIELDS, POPULATIONS, generated_program

from qframe.engines.records.engine import DuckDBRecordEngine
from qframe.ir import nodes as ir
from qframe.ir import records as rec

ENGINE = DuckDBRecordEngine(threads=1)


def add_months(day: dt.date, months: int) -> dt.date:
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


class Patient:
    def __init__(
        self,
        pid: int,
        dob: dt.date,
        reg_start: dt.date,
        events: list[tuple[str, dt.date, float | None]],
    ) -> None:
        self.pid, self.dob, self.reg_start, self.events = pid, dob, reg_start, events


def kleene_and(a: Any, b: Any) -> Any:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def kleene_or(a: Any, b: Any) -> Any:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def compare(op: str, a: Any, b: Any) -> Any:
    if a is None or b is None:
        return None
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]


def evaluate(node: ir.Node, p: Patient, params: dict[str, Any]) -> Any:
    if isinstance(node, ir.Const):
        return node.value
    if isinstance(node, ir.Param):
        return params[node.name]
    if isinstance(node, rec.FieldRef):
        return evaluate(FIELDS[node.name], p, params)
    if isinstance(node, rec.Known):
        present = evaluate(node.operand, p, params) is not None
        return not present if node.negate else present
    if isinstance(node, rec.AgeAt):
        on = evaluate(node.date, p, params)
        return on.year - p.dob.year - ((on.month, on.day) < (p.dob.month, p.dob.day))
    if isinstance(node, rec.RegistrationQuery):
        return p.reg_start
    if isinstance(node, rec.DateOffset):
        base = evaluate(node.base, p, params)
        return (
            None if base is None else add_months(base, node.months) + dt.timedelta(days=node.days)
        )
    if isinstance(node, ir.Unary):
        value = evaluate(node.operand, p, params)
        return None if value is None else not value
    if isinstance(node, rec.EventQuery):
        return event_value(node, p, params)
    assert isinstance(node, ir.Binary)
    if node.op == "in":
        assert isinstance(node.right, ir.Binary)
        x = evaluate(node.left, p, params)
        return kleene_and(
            compare(">=", x, evaluate(node.right.left, p, params)),
            compare("<=", x, evaluate(node.right.right, p, params)),
        )
    a, b = evaluate(node.left, p, params), evaluate(node.right, p, params)
    if node.op == "and":
        return kleene_and(a, b)
    if node.op == "or":
        return kleene_or(a, b)
    return compare(node.op, a, b)


def event_value(node: rec.EventQuery, p: Patient, params: dict[str, Any]) -> Any:
    start = evaluate(node.window.start, p, params) if node.window.start is not None else dt.date.min
    end = evaluate(node.window.end, p, params) if node.window.end is not None else dt.date.max
    chosen = []
    paired = {day for code, day, _ in p.events if CODES[code] & set(node.same_day_as)}
    for code, day, value in p.events:
        if not CODES[code] & set(node.clusters) or start is None or end is None:
            continue
        if node.same_day_as and day not in paired:
            continue
        after = day >= start if node.window.include_start else day > start
        before = day <= end if node.window.include_end else day < end
        if after and before:
            chosen.append((day, value))
    if node.reduce == "count":
        return len(chosen)
    if node.reduce == "exists":
        return bool(chosen)
    values = [v for _, v in chosen if v is not None]
    if node.reduce in ("min", "max"):
        return (min if node.reduce == "min" else max)(values) if values else None
    if node.attribute == "value":
        valued = [(d, v) for d, v in chosen if v is not None]
        if not valued:
            return None
        day = (max if node.reduce == "latest" else min)(d for d, _ in valued)
        return min(v for d, v in valued if d == day)
    days = [d for d, _ in chosen]
    return ((max if node.reduce == "latest" else min)(days)) if days else None


def fires(rules: tuple[rec.Rule, ...], p: Patient, params: dict[str, Any]) -> int:
    for index, rule in enumerate(rules, start=1):
        if evaluate(rule.condition, p, params) is True:
            return index
    return 0


def python_counts(
    prog: rec.RecordProgram,
    practices: dict[int, str],
    patients: list[Patient],
    params: dict[str, Any],
) -> dict[tuple[str, str, str], float]:
    out: Counter[tuple[str, str, str]] = Counter()
    for p in patients:
        unit = practices[p.pid]
        out[(unit, "list_size", "")] += 1
        on = {}
        for group, register in prog.registers.items():
            fired = fires(register.rules.rules, p, params)
            on[group] = fired > 0 and register.rules.rules[fired - 1].action == "select"
            out[(unit, "register", group)] += on[group]
        for name, indicator in prog.indicators.items():
            rules = indicator.rules.rules
            for reason in {
                r.reason for r in rules if r.action == "reject" and r.category == "exception"
            }:
                out[(unit, "exceptions_by_reason", f"{name}.{reason}")] += 0
            for key in ("numerator", "denominator", "exceptions"):
                out[(unit, key, name)] += 0
            if not on[indicator.register]:
                continue
            fired = fires(rules, p, params)
            rule = rules[fired - 1] if fired else None
            if rule is None or rule.action == "select":
                out[(unit, "denominator", name)] += 1
                out[(unit, "numerator", name)] += rule is not None
            elif rule.category == "exception":
                out[(unit, "exceptions", name)] += 1
                out[(unit, "exceptions_by_reason", f"{name}.{rule.reason}")] += 1
    return {k: float(v) for k, v in out.items()}


def connection_for(rows: list[tuple[Any, ...]]) -> duckdb.DuckDBPyConnection:
    patients = pd.DataFrame(
        [(i, unit, dob, None, "female") for i, (unit, dob, _, _) in enumerate(rows, 1)],
        columns=["patient_id", "practice_id", "date_of_birth", "date_of_death", "sex"],
    )
    registrations = pd.DataFrame(
        [(i, unit, start, None) for i, (unit, _, start, _) in enumerate(rows, 1)],
        columns=["patient_id", "practice_id", "start_date", "end_date"],
    )
    events = pd.DataFrame(
        [
            (i, "readv2", code, day, value)
            for i, (_, _, _, evs) in enumerate(rows, 1)
            for code, day, value in evs
        ],
        columns=["patient_id", "system", "code", "date", "value"],
    )
    connection = duckdb.connect()
    casts = {
        "patients": "patient_id::BIGINT AS patient_id, practice_id::VARCHAR AS practice_id, date_of_birth::DATE AS date_of_birth, sex::VARCHAR AS sex, date_of_death::DATE AS date_of_death",
        "registrations": "patient_id::BIGINT AS patient_id, practice_id::VARCHAR AS practice_id, start_date::DATE AS start_date, end_date::DATE AS end_date",
        "events": "patient_id::BIGINT AS patient_id, system::VARCHAR AS system, code::VARCHAR AS code, date::DATE AS date, value::DOUBLE AS value",
    }
    for name, frame in (
        ("patients", patients),
        ("registrations", registrations),
        ("events", events),
    ):
        connection.register(f"raw_{name}", frame)
        connection.execute(f"CREATE VIEW {name} AS SELECT {casts[name]} FROM raw_{name}")
    return connection


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**POPULATIONS)
def test_duckdb_counts_equal_a_python_evaluation(
    rows: list[tuple[Any, ...]],
    register: list[Any],
    first: list[Any],
    second: list[Any],
    target: int,
) -> None:
    prog = generated_program(register, first, second, target)
    counts = ENGINE.counts(prog, connection_for(rows))
    got = {(r.unit_id, r.measure, r.key): r.value for r in counts.itertuples()}
    patients = [
        Patient(i, dob, start, [(c, d, v) for c, d, v in evs])
        for i, (_, dob, start, evs) in enumerate(rows, 1)
    ]
    present = [p for p in patients if p.reg_start <= PPED]
    practices = {i: unit for i, (unit, _, _, _) in enumerate(rows, 1)}
    assert got == python_counts(prog, practices, present, {"t": float(target), "pped": PPED})

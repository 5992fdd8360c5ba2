"""Generated small record populations and rule lists, shared by the property test against a
plain-Python evaluation (test_records_property.py) and the cross-engine test DuckDB vs Spark
(test_spark_generative.py): the clusters and fields the rules read, hypothesis strategies of
patients (practice, birth, registration, coded events) and of SELECT/REJECT rules, and the
program they make."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from hypothesis import strategies as st
from record_ir import (
    DATE,
    PPED_NODE,
    age_at,
    binary,
    cluster,
    const,
    event,
    field,
    known,
    not_,
    offset,
    param,
    program,
    registration_start,
    within_months,
)

from qframe.ir import nodes as ir
from qframe.ir import records as rec

CLUSTERS = [cluster("X_COD", "X1", "X2"), cluster("Y_COD", "X2", "Y1"), cluster("V_COD", "V1")]
CODES = {"X1": {"X_COD"}, "X2": {"X_COD", "Y_COD"}, "Y1": {"Y_COD"}, "V1": {"V_COD"}}
FIELDS: dict[str, ir.Node] = {
    "n": event("X_COD", "count", within_months(12)),
    "has_y": event("Y_COD", "exists", rec.Window(offset(PPED_NODE, -6), PPED_NODE, False, True)),
    "v": event("V_COD", "latest", within_months(12), "value"),
    "vd": event("V_COD", "latest", rec.Window(end=PPED_NODE)),
    "first": event(("X_COD", "Y_COD"), "earliest", rec.Window(end=PPED_NODE, include_end=False)),
    "vmax": event("V_COD", "max", within_months(15)),
    "vfirst": event("V_COD", "earliest", rec.Window(), "value"),
    "age": age_at(),
    "reg": registration_start(),
    # same_day_as: only events on a day with an event of the other cluster (a blood pressure pair)
    "vx": replace(event("V_COD", "latest", within_months(12), "value"), same_day_as=("X_COD",)),
    "cy": replace(event("Y_COD", "count"), same_day_as=("V_COD",)),
}
CONDITIONS: list[ir.Node] = [
    binary(">=", field("n"), const(2)),
    field("has_y"),
    binary("<=", field("v"), param("t")),
    binary(">", field("vd"), offset(PPED_NODE, -3)),
    binary("<", field("first"), offset(field("vd"), -2, 1)),
    binary(">", field("vmax"), const(60)),
    binary("<", field("vfirst"), field("v")),
    binary("<", field("age"), const(17)),
    binary(">", field("reg"), offset(PPED_NODE, -9)),
    known(field("v")),
    known(field("first"), negate=True),
    binary("in", field("v"), ir.Binary(op="..", left=const(50), right=const(60), type=DATE)),
    binary("<=", field("vx"), param("t")),
    binary(">=", field("cy"), const(1)),
]

DAYS = st.integers(min_value=0, max_value=900).map(
    lambda d: dt.date(2013, 1, 1) + dt.timedelta(days=d)
)
# a few days shared often, so that events of different clusters fall on one day (same_day_as)
EVENT_DAYS = st.one_of(DAYS, st.sampled_from([dt.date(2014, 12, 1), dt.date(2015, 2, 1)]))
EVENT = st.tuples(
    st.sampled_from(sorted(CODES)), EVENT_DAYS, st.one_of(st.none(), st.integers(40, 80).map(float))
)
PATIENT = st.tuples(
    st.sampled_from(["P1", "P2"]),
    st.integers(0, 365 * 12).map(
        lambda d: dt.date(1993, 1, 1) + dt.timedelta(days=d)
    ),  # ages ~10..22
    st.one_of(DAYS, st.just(dt.date(2000, 1, 1))),
    st.lists(EVENT, max_size=8),
)
RULE = st.tuples(
    st.sampled_from(["select", "reject"]),
    st.integers(0, len(CONDITIONS) - 1),
    st.sampled_from(["", "not", "and", "or"]),
    st.integers(0, len(CONDITIONS) - 1),
    st.sampled_from(["a", "b", "x"]),
)


def make_rule(spec: tuple[str, int, str, int, str]) -> rec.Rule:
    action, first, how, second, reason = spec
    condition = CONDITIONS[first]
    if how == "not":
        condition = not_(condition)
    elif how in ("and", "or"):
        condition = binary(how, condition, CONDITIONS[second])
    category = "exclusion" if reason == "x" else "exception"
    return rec.Rule(action, condition, reason if action == "reject" else "", category)  # type: ignore[arg-type]


def generated_program(
    register: list[Any], first: list[Any], second: list[Any], target: int
) -> rec.RecordProgram:
    """Register G and indicators I1 and I2 (on G) from drawn rules, the target parameter ``t``."""
    return program(
        CLUSTERS, FIELDS, {"G": [make_rule(r) for r in register]},
        {"I1": ("G", [make_rule(r) for r in first]), "I2": ("G", [make_rule(r) for r in second])},
        {"t": target},
    )  # fmt: skip


POPULATIONS = dict(
    rows=st.lists(PATIENT, min_size=1, max_size=8),
    register=st.lists(RULE, min_size=1, max_size=3),
    first=st.lists(RULE, min_size=1, max_size=4),
    second=st.lists(RULE, min_size=0, max_size=4),
    target=st.sampled_from([45, 59, 64, 75]),
)

"""Building record-level IR by hand (tests of the record engines, before the language exists)
and writing tiny record folders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from qframe.ir import nodes as ir
from qframe.ir import records as rec
from qframe.ir.kinds import BOOL, NUMBER, STRING, Kind, Type

DATE = Type(getattr(Kind, "DATE", Kind.ANY))
PPED = dt.date(2015, 3, 31)


def type_of(value: Any) -> Type:
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float)):
        return NUMBER
    if isinstance(value, str):
        return STRING
    return DATE


def const(value: Any) -> ir.Const:
    return ir.Const(value=value, type=type_of(value))


def param(name: str) -> ir.Param:
    return ir.Param(name=name, type=NUMBER)


def field(name: str) -> rec.FieldRef:
    return rec.FieldRef(name=name, type=NUMBER)


def binary(op: str, left: ir.Node, right: ir.Node) -> ir.Binary:
    kind = BOOL if op in ("and", "or", "<", "<=", ">", ">=", "==", "!=", "in", "not in") else NUMBER
    return ir.Binary(op=op, left=left, right=right, type=kind)


def and_(*parts: ir.Node) -> ir.Node:
    out = parts[0]
    for p in parts[1:]:
        out = binary("and", out, p)
    return out


def or_(*parts: ir.Node) -> ir.Node:
    out = parts[0]
    for p in parts[1:]:
        out = binary("or", out, p)
    return out


def not_(node: ir.Node) -> ir.Node:
    return ir.Unary(op="not", operand=node, type=BOOL)


def known(node: ir.Node, negate: bool = False) -> rec.Known:
    return rec.Known(operand=node, negate=negate, type=BOOL)


def offset(base: ir.Node, months: int = 0, days: int = 0) -> rec.DateOffset:
    return rec.DateOffset(base=base, months=months, days=days, type=DATE)


PPED_NODE = ir.Param(name="pped", type=DATE)


def within_months(months: int) -> rec.Window:
    """``within N months of pped``: pped − N months + 1 day .. pped, both inclusive."""
    return rec.Window(start=offset(PPED_NODE, -months, 1), end=PPED_NODE)


def on_or_before() -> rec.Window:
    return rec.Window(end=PPED_NODE)


def event(
    clusters: str | tuple[str, ...], reduce: str, window: rec.Window | None = None,
    attribute: str | None = None,
) -> rec.EventQuery:  # fmt: skip
    names = (clusters,) if isinstance(clusters, str) else clusters
    kind = {"count": NUMBER, "exists": BOOL}.get(
        reduce, DATE if attribute != "value" and reduce in ("latest", "earliest") else NUMBER
    )
    return rec.EventQuery(
        clusters=names,
        reduce=reduce,
        window=window or rec.Window(),
        attribute=attribute,
        type=kind,  # type: ignore[arg-type]
    )


def age_at(date: ir.Node = PPED_NODE) -> rec.AgeAt:
    return rec.AgeAt(date=date, type=NUMBER)


def registration_start(on: ir.Node = PPED_NODE) -> rec.RegistrationQuery:
    return rec.RegistrationQuery(reduce="start", on=on, type=DATE)


def select(condition: ir.Node) -> rec.Rule:
    return rec.Rule("select", condition)


def reject(condition: ir.Node, reason: str = "", category: str = "exception") -> rec.Rule:
    return rec.Rule("reject", condition, reason, category)  # type: ignore[arg-type]


def cluster(name: str, *codes: str, system: str = "readv2", unit: str = "") -> rec.Cluster:
    return rec.Cluster(name, tuple((system, c) for c in codes), unit=unit)


def program(
    clusters: list[rec.Cluster],
    fields: dict[str, ir.Node],
    registers: dict[str, list[rec.Rule]],
    indicators: dict[str, tuple[str, list[rec.Rule]]],
    params: dict[str, Any] | None = None,
) -> rec.RecordProgram:
    all_params = {
        "pped": ir.Const(value=PPED, type=DATE),
        **{k: const(v) for k, v in (params or {}).items()},
    }
    return rec.RecordProgram(
        reference_date=PPED_NODE,
        period="2014-15",
        clusters={c.name: c for c in clusters},
        params=all_params,
        fields=fields,
        registers={
            g: rec.RegisterRules(g, rec.RuleList(tuple(r)), PPED_NODE) for g, r in registers.items()
        },
        indicators={
            i: rec.IndicatorRules(i, reg, rec.RuleList(tuple(r)))
            for i, (reg, r) in indicators.items()
        },
    )


def write_records(
    folder: Path,
    patients: list[tuple[Any, ...]],
    events: list[tuple[Any, ...]],
    registrations: list[tuple[Any, ...]] | None = None,
    units: tuple[str, ...] = ("P1", "P2"),
) -> Path:
    """patients: (id, practice, dob[, death]); events: (id, code, date[, value]);
    registrations default to one open spell from 2000-01-01 at the patient's practice."""
    folder.mkdir(parents=True, exist_ok=True)
    pats = pd.DataFrame(
        [(*p[:3], p[3] if len(p) > 3 else None, "female") for p in patients],
        columns=["patient_id", "practice_id", "date_of_birth", "date_of_death", "sex"],
    )
    if registrations is None:
        registrations = [(p[0], p[1], "2000-01-01", None) for p in patients]
    regs = pd.DataFrame(
        registrations, columns=["patient_id", "practice_id", "start_date", "end_date"]
    )
    evs = pd.DataFrame(
        [(e[0], "readv2", e[1], e[2], e[3] if len(e) > 3 else None) for e in events],
        columns=["patient_id", "system", "code", "date", "value"],
    )
    evs["value"] = evs["value"].astype(float)
    for name, frame in (("patients", pats), ("registrations", regs), ("events", evs)):
        frame.to_csv(folder / f"{name}.csv", index=False)
    pd.DataFrame({"unit_id": list(units)}).to_csv(folder / "units.csv", index=False)
    return folder

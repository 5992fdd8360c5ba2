"""What checking one record-level expression gives: its IR node, its type (kind and clinical
unit) and, for literals and durations, its constant value."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from qframe.errors.diagnostics import Location
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.ir.records import EventQuery, FieldRef
from qframe.language import ast
from qframe.model import definition as m

# Functions of record-level expressions (queries.py checks them).
EVENT_QUERIES = ("latest", "earliest", "count", "exists")
FUNCTIONS = (*EVENT_QUERIES, "age_at", "registration_start", "registered", "on_register")
# Keyword arguments that bound an event query's window.
WINDOW_KEYWORDS = ("within", "on_or_before", "before", "on_or_after", "after", "between")
# Keywords of an event query besides its window.
QUERY_KEYWORDS = ("same_day_as",)
# Columns of the patients table a rule may read.
PATIENT_COLUMNS: dict[str, t.Type] = {
    "date_of_birth": t.DATE,
    "date_of_death": t.DATE,
    "sex": t.STRING,
}


@dataclass(frozen=True)
class Value:
    """A checked expression. ``const`` is a literal's value (a float, date, str or bool), or
    for a duration its (months, days); None when it is not known before data. ``field`` names
    the per-patient field an event value came from (its .date and .value are fields too)."""

    ir: ir.Node
    type: t.Type
    const: Any = None
    field: str = ""

    @property
    def kind(self) -> t.Kind:
        return self.type.kind


@dataclass(frozen=True)
class Where:
    """The expression being checked and what it is (for messages): ``what`` is e.g.
    "field `hba1c`"; ``fields`` says whether per-patient values may be read (a parameter cannot)."""

    expr: m.Expression
    what: str
    fields: bool = True

    def loc(self, node: ast.Node) -> Location:
        return self.expr.location(node)

    def at(self, node: ast.Node) -> dict[str, Any]:
        return {"location": self.expr.location(node), "syntax": node}


def missing(node: ast.Node | None = None) -> Value:
    """The value of an expression that failed to check (its error is already reported)."""
    return Value(ir.Missing(type=t.ANY, syntax=node), t.ANY)


def event_attribute(value: Value, attribute: str, typ: t.Type) -> ir.Node:
    """The .date or .value of an event: a field of its own when the event is a field."""
    if value.field:
        return FieldRef(f"{value.field}.{attribute}", type=typ, location=value.ir.location)
    assert isinstance(value.ir, EventQuery)
    return replace(value.ir, attribute=attribute, type=typ)  # type: ignore[arg-type]

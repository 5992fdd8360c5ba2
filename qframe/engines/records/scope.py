"""What each stage of the record query reads (:class:`StageScope`) and small SQL helpers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from sqlglot import exp

from qframe.engines.records.expressions import Lowering, cannot_lower, wrap
from qframe.errors.diagnostics import DefinitionError, error
from qframe.ir import nodes as ir
from qframe.ir import records as rec

if TYPE_CHECKING:
    from qframe.engines.records.query import RecordQuery

SKIPPED_FIELDS = ("type", "location", "syntax")
SCENARIO = "scenario"


def children(node: ir.Node) -> Iterator[ir.Node]:
    """The nodes directly under ``node`` (window bounds included)."""
    for f in dataclasses.fields(node):
        if f.name in SKIPPED_FIELDS:
            continue
        value = getattr(node, f.name)
        if isinstance(value, ir.Node):
            yield value
        elif isinstance(value, rec.Window):
            yield from (b for b in (value.start, value.end) if b is not None)
        elif isinstance(value, tuple):
            yield from (v for v in value if isinstance(v, ir.Node))


def unknown(what: str, name: str, known: Sequence[str]) -> DefinitionError:
    return DefinitionError(
        [
            error(
                "Q431",
                f"the record program has no {what} `{name}`",
                None,
                f"{what}s: {', '.join(sorted(known)) or 'none'}",
            )
        ]
    )


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def star(table: str) -> exp.Column:
    return exp.Column(this=exp.Star(), table=exp.to_identifier(table))


def count_where(condition: exp.Expr | None) -> exp.Expr:
    counted = exp.Count(this=exp.Star())
    if condition is None:
        return counted
    return exp.Filter(this=counted, expression=exp.Where(this=condition))


class StageScope:
    """A stage's view of the values (see :class:`~qframe.engines.records.expressions.Scope`)."""

    def __init__(self, query: RecordQuery, stage: str, patient_table: str | None = None) -> None:
        self.query = query
        self.stage = stage  # events, fields, registers, outcomes
        self.patient_table = patient_table
        self.inlining: list[str] = []
        self.lowering = Lowering(self, query.param_value)

    def param(self, name: str) -> exp.Expr:
        if name in self.query.swept:
            if self.stage in ("registers", "outcomes"):
                return col(f"p_{name}")
            raise self.query.not_sweepable(name)
        if name not in self.query.program.params:
            raise unknown("parameter", name, list(self.query.program.params))
        return self.lowering(self.query.program.params[name])

    def field(self, name: str) -> exp.Expr:
        if name not in self.query.program.fields:
            raise unknown("field", name, list(self.query.program.fields))
        if self.stage in ("registers", "outcomes") and name in self.query.materialized:
            return col(f"f_{name}")
        if name in self.inlining:
            raise cannot_lower(self.query.program.fields[name], f"field `{name}` refers to itself")
        self.inlining.append(name)
        try:
            return wrap(self.lowering(self.query.program.fields[name]))
        finally:
            self.inlining.pop()

    def event(self, node: rec.EventQuery) -> exp.Expr:
        return col(self.query.events[node].name, self.patient_table)

    def registration(self, node: rec.RegistrationQuery) -> exp.Expr:
        return col(self.query.registration_column(node), self.patient_table)

    def register(self, group: str) -> exp.Expr:
        if group not in self.query.program.registers:
            raise unknown("register", group, list(self.query.program.registers))
        if self.stage == "outcomes":
            return col(f"r_{group}")
        if self.stage != "registers" or group in self.inlining:
            raise cannot_lower(
                self.query.program.registers[group],
                f"register {group} read where it cannot be (by itself, or by an event window)",
            )
        self.inlining.append(group)
        try:
            return wrap(self.query.register_case(group, self))
        finally:
            self.inlining.pop()

    def patient(self, column: str) -> exp.Expr:
        if column not in ("date_of_birth", "sex", "date_of_death"):
            raise unknown("patient column", column, ["date_of_birth", "sex", "date_of_death"])
        return col(column, self.patient_table)

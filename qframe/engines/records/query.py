"""The whole record query, built once as a sqlglot tree (:class:`RecordQuery`) and rendered per
dialect (DuckDB now, Spark SQL next).

The query, stage by stage (each a CTE):

``codes``
    the clusters' codes, one row per (system, code) with its number (``code_id``), so an event
    with a code in two clusters of one query is still one event and a cluster is a list of
    numbers;
``current_registration``, ``population``
    patients registered (the registration open on the reference date: latest start wins) and
    alive on it, with their practice (``unit_id``);
``registration_fields``
    registration queries on other dates (one pass over the registrations);
``coded``, ``events_<k>``, ``base_<k>``
    the events whose code is in a cluster used, then one ``GROUP BY patient_id`` pass per
    dependency level (level 1: windows known before data or from patient columns; level k: a
    window bound read from a level k-1 event), every event query one ``FILTER``-ed aggregate;
``fields``
    every per-patient field, computed once;
``registers``, ``outcomes``
    each register and each indicator's rules as one ``CASE WHEN`` (first match wins): a
    register is true or false; an indicator's outcome is the index of the rule that fired, 0
    when none did (denominator only), NULL off the register;
the final ``SELECT``
    the measures per practice (``m_<j>`` columns, :attr:`RecordQuery.measures` names them).

A sweep cross-joins a ``scenarios`` table (one row per scenario, a column per swept parameter)
into ``registers``: the records are read once for every scenario.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from sqlglot import exp

from qframe.engines.records.expressions import NOT_FOLDED, cannot_lower, fold, literal
from qframe.engines.records.measures import LIST, ON, MeasureSpec, indicator_measures
from qframe.engines.records.scope import SCENARIO, StageScope, children, col, unknown
from qframe.engines.records.stages import (
    coded_stage,
    codes_stages,
    event_stages,
    population_stages,
    registration_stages,
)
from qframe.errors.diagnostics import DefinitionError, error
from qframe.ir import nodes as ir
from qframe.ir import records as rec


@dataclasses.dataclass(frozen=True)
class EventColumn:
    name: str
    level: int


class RecordQuery:
    """The query computing ``indicators`` (default: all) of ``program`` with parameter values
    ``values`` (overrides of the program's own), ``swept`` parameters read from a scenarios
    table. ``patient`` restricts it to one patient and keeps everyone (explain)."""

    def __init__(
        self,
        program: rec.RecordProgram,
        values: Mapping[str, Any] | None = None,
        *,
        indicators: Sequence[str] | None = None,
        registers: Sequence[str] | None = None,
        list_size: bool = True,
        swept: Sequence[str] = (),
        patient: int | None = None,
    ) -> None:
        self.program = program
        self.values = dict(values or {})
        self.swept = tuple(swept)
        self.patient = patient
        self.coded_table: str | None = None  # the coded events already in a table (engine's)
        for name in [*self.values, *self.swept]:
            if name not in program.params:
                raise unknown("parameter", name, list(program.params))
        chosen = list(program.indicators) if indicators is None else list(indicators)
        for name in chosen:
            if name not in program.indicators:
                raise unknown("indicator", name, list(program.indicators))
        self.indicators = chosen
        self.emit_registers = (
            sorted(
                {program.indicators[i].register for i in chosen}
                if indicators
                else program.registers
            )
            if registers is None
            else list(registers)
        )
        self.list_size = list_size
        self.reference = self.param_value_of(program.reference_date)
        self.registers_used = self.needed_registers()
        self.events: dict[rec.EventQuery, EventColumn] = {}
        self.registrations: dict[rec.RegistrationQuery, str] = {}
        self.fields_used: list[str] = []
        self.levels: dict[int, int] = {}
        self.numbers = self.number_reads()
        for node in self.roots():
            self.collect(node)
        self.materialized = [
            f
            for f in self.fields_used
            if not self.reads(program.fields[f], swept=True, registers=True)
        ]

    # ---------------------------------------------------------------- what the query reads

    def param_value(self, name: str) -> Any:
        if name in self.swept:
            return NOT_FOLDED
        if name in self.values:
            return plain_value(self.values[name], self.program.params.get(name), self.param_value)
        node = self.program.params.get(name)
        if node is None:
            raise unknown("parameter", name, list(self.program.params))
        return fold(node, self.param_value)

    def param_value_of(self, node: ir.Node) -> Any:
        value = fold(node, self.param_value)
        if value is NOT_FOLDED or not isinstance(value, dt.date):
            raise cannot_lower(node, "the reference date must be a date known before any data")
        return value

    def not_sweepable(self, name: str) -> DefinitionError:
        return DefinitionError(
            [
                error(
                    "Q431",
                    f"the parameter `{name}` bounds an event window or the population: it cannot be "
                    "swept in one query",
                    None,
                    "sweep it one value at a time (the engine does so when asked for a sweep)",
                )
            ]
        )

    def needed_registers(self) -> list[str]:
        out: list[str] = []
        todo = [self.program.indicators[i].register for i in self.indicators] + list(
            self.emit_registers
        )
        while todo:
            group = todo.pop()
            if group in out:
                continue
            if group not in self.program.registers:
                raise unknown("register", group, list(self.program.registers))
            out.append(group)
            for rule in self.program.registers[group].rules.rules:
                todo += [
                    n.register for n in self.walk(rule.condition) if isinstance(n, rec.OnRegister)
                ]
        return sorted(out)

    def roots(self) -> Iterator[ir.Node]:
        for group in self.registers_used:
            register = self.program.registers[group]
            yield from (r.condition for r in register.rules.rules)
            if self.population_condition(group) is not None:
                yield rec.RegistrationQuery(
                    reduce="registered",
                    on=register.population_date,
                    type=register.population_date.type,
                )
        for name in self.indicators:
            yield from (r.condition for r in self.program.indicators[name].rules.rules)

    def walk(self, node: ir.Node) -> Iterator[ir.Node]:
        """``node`` and everything under it, following fields and parameters."""
        seen: set[int] = set()
        todo = [node]
        while todo:
            current = todo.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            yield current
            todo += list(children(current))
            if isinstance(current, rec.FieldRef) and current.name in self.program.fields:
                todo.append(self.program.fields[current.name])
            if (
                isinstance(current, ir.Param)
                and current.name not in self.values
                and current.name in self.program.params
            ):
                todo.append(self.program.params[current.name])

    def reads(
        self, node: ir.Node, *, swept: bool = False, registers: bool = False, events: bool = False
    ) -> bool:
        for n in self.walk(node):
            if swept and isinstance(n, ir.Param) and n.name in self.swept:
                return True
            if registers and isinstance(n, rec.OnRegister):
                return True
            if events and isinstance(n, (rec.EventQuery, rec.FieldRef)):
                return True
        return False

    def reads_swept_register(self, group: str, seen: tuple[str, ...] = ()) -> bool:
        """Whether a register's membership depends on a swept parameter."""
        for rule in self.program.registers[group].rules.rules:
            if self.reads(rule.condition, swept=True):
                return True
            for node in self.walk(rule.condition):
                if (
                    isinstance(node, rec.OnRegister)
                    and node.register not in seen
                    and self.reads_swept_register(node.register, (*seen, group))
                ):
                    return True
        return False

    def reads_swept_indicator(self, name: str) -> bool:
        """Whether an indicator's outcomes depend on a swept parameter."""
        indicator = self.program.indicators[name]
        if any(self.reads(r.condition, swept=True) for r in indicator.rules.rules):
            return True
        registers = {indicator.register} | {
            n.register
            for r in indicator.rules.rules
            for n in self.walk(r.condition)
            if isinstance(n, rec.OnRegister)
        }
        return any(self.reads_swept_register(g) for g in registers)

    def level(self, node: ir.Node) -> int:
        """1 + the highest level of the event queries a node reads (0: none)."""
        key = id(node)
        if key in self.levels:
            return self.levels[key]
        if isinstance(node, rec.EventQuery):
            out = 1 + max((self.level(b) for b in children(node)), default=0)
        elif isinstance(node, rec.FieldRef) and node.name in self.program.fields:
            out = self.level(self.program.fields[node.name])
        elif (
            isinstance(node, ir.Param)
            and node.name not in self.values
            and node.name in self.program.params
        ):
            out = self.level(self.program.params[node.name])
        else:
            out = max((self.level(c) for c in children(node)), default=0)
        self.levels[key] = out
        return out

    def number_reads(self) -> dict[ir.Node, int]:
        """A number for each event and registration query of the whole program (fields by name,
        then registers, then indicators), so that a column's name does not depend on which
        indicators a query computes (a sweep's queries read one table of fields)."""
        numbers: dict[ir.Node, int] = {}
        program = self.program
        roots: list[ir.Node] = [program.fields[f] for f in sorted(program.fields)]
        for group in sorted(program.registers):
            register = program.registers[group]
            roots += [r.condition for r in register.rules.rules]
            roots.append(
                rec.RegistrationQuery(
                    reduce="registered",
                    on=register.population_date,
                    type=register.population_date.type,
                )
            )
        for name in sorted(program.indicators):
            roots += [r.condition for r in program.indicators[name].rules.rules]
        for root in roots:
            for n in self.walk(root):
                if isinstance(n, (rec.EventQuery, rec.RegistrationQuery)) and n not in numbers:
                    numbers[n] = len(numbers) + 1
        return numbers

    def collect(self, node: ir.Node) -> None:
        for n in self.walk(node):
            if isinstance(n, rec.FieldRef) and n.name not in self.fields_used:
                if n.name not in self.program.fields:
                    raise unknown("field", n.name, list(self.program.fields))
                self.fields_used.append(n.name)
            elif isinstance(n, rec.EventQuery) and n not in self.events:
                for cluster in n.clusters_read:
                    if cluster not in self.program.clusters:
                        raise unknown("cluster", cluster, list(self.program.clusters))
                bounds = [b for b in children(n)]
                if any(self.reads(b, swept=True, registers=True) for b in bounds):
                    raise cannot_lower(
                        n, "a window bound read from a register or a swept parameter"
                    )
                self.events[n] = EventColumn(f"e_{self.numbers[n]}", self.level(n))
            elif isinstance(n, rec.RegistrationQuery) and n not in self.registrations:
                if self.level(n.on) or self.reads(n.on, swept=True, registers=True):
                    raise cannot_lower(
                        n, "a registration date read from an event or a swept parameter"
                    )
                self.registrations[n] = f"g_{self.numbers[n]}"

    def registration_column(self, node: rec.RegistrationQuery) -> str:
        if fold(node.on, self.param_value) == self.reference:
            return "registration_start" if node.reduce == "start" else "in_population"
        return self.registrations[node]

    def population_condition(self, group: str) -> rec.RegistrationQuery | None:
        register = self.program.registers[group]
        if fold(register.population_date, self.param_value) == self.reference:
            return None
        return rec.RegistrationQuery(
            reduce="registered", on=register.population_date, type=register.population_date.type
        )

    # ---------------------------------------------------------------- stages

    def last_base(self) -> str:
        return f"base_{max((c.level for c in self.events.values()), default=0)}"

    def fields_stage(self) -> exp.Select:
        scope = StageScope(self, "fields")
        columns = [
            exp.alias_(scope.lowering(self.program.fields[f]), f"f_{f}", quoted=True)
            for f in self.materialized
        ]
        return exp.select("*", *columns).from_(self.last_base(), copy=False)

    def register_case(self, group: str, scope: StageScope) -> exp.Expr:
        case = exp.Case()
        if self.patient is not None:
            case = case.when(exp.not_(col("in_population")), exp.false())
        condition = self.population_condition(group)
        if condition is not None:
            case = case.when(exp.not_(col(self.registrations[condition])), exp.false())
        for rule in self.program.registers[group].rules.rules:
            case = case.when(
                scope.lowering(rule.condition),
                exp.true() if rule.action == "select" else exp.false(),
            )
        return case.else_(exp.false())

    def indicator_case(self, name: str, scope: StageScope) -> exp.Expr:
        indicator = self.program.indicators[name]
        case = exp.Case().when(exp.not_(col(f"r_{indicator.register}")), exp.null())
        for index, rule in enumerate(indicator.rules.rules, start=1):
            case = case.when(scope.lowering(rule.condition), exp.Literal.number(index))
        return case.else_(exp.Literal.number(0))

    def rule_stages(self, source: str, scenarios: bool) -> list[tuple[str, exp.Expr]]:
        register_scope = StageScope(self, "registers")
        registers = [
            exp.alias_(self.register_case(g, register_scope), f"r_{g}", quoted=True)
            for g in self.registers_used
        ]
        stage = exp.select("*", *registers).from_(source, copy=False)
        stages: list[tuple[str, exp.Expr]] = [("registers", stage)]
        if scenarios and any(self.reads_swept_register(g) for g in self.registers_used):
            stage.join("scenarios", join_type="cross", copy=False)
        elif scenarios:
            # registers do not vary: only the patients on an indicator's register are repeated
            # for each scenario (the measures of the others do not depend on them)
            on_any = [col(f"r_{self.program.indicators[i].register}") for i in self.indicators]
            repeated = (
                exp.select("*")
                .from_("registers", copy=False)
                .join("scenarios", join_type="cross", copy=False)
            )
            stages.append(
                (
                    "registers_by_scenario",
                    repeated.where(exp.or_(*on_any) if on_any else exp.false(), copy=False),
                )
            )
        outcome_scope = StageScope(self, "outcomes")
        outcomes = [
            exp.alias_(self.indicator_case(i, outcome_scope), f"o_{i}", quoted=True)
            for i in self.indicators
        ]
        return [*stages, ("outcomes", exp.select("*", *outcomes).from_(stages[-1][0], copy=False))]

    def rule_conditions(self, indicator: str) -> list[exp.Expr]:
        """Each rule's condition for explain: ``x_register_<k>`` and ``x_indicator_<k>``."""
        register = self.program.registers[self.program.indicators[indicator].register]
        out = []
        scope = StageScope(self, "registers")
        for k, rule in enumerate(register.rules.rules, start=1):
            out.append(exp.alias_(scope.lowering(rule.condition), f"x_register_{k}", quoted=True))
        scope = StageScope(self, "outcomes")
        for k, rule in enumerate(self.program.indicators[indicator].rules.rules, start=1):
            out.append(exp.alias_(scope.lowering(rule.condition), f"x_indicator_{k}", quoted=True))
        return out

    def measure_specs(self) -> list[MeasureSpec]:
        """The measures the query gives, each read from the tally (see :class:`MeasureSpec`)."""
        specs = [MeasureSpec("list_size", "", "list", "", (LIST,))] if self.list_size else []
        specs += [MeasureSpec("register", g, "register", g, (ON,)) for g in self.emit_registers]
        for name in self.indicators:
            specs += indicator_measures(name, self.program.indicators[name].rules.rules)
        return specs

    def tally(self, keys: list[exp.Column]) -> exp.Select:
        """Patients counted per practice (and scenario), kind (list, register, indicator), item
        and outcome: one small GROUP BY whatever the number of indicators."""
        branches: list[exp.Select] = []

        def branch(kind: str, item: str, outcome: exp.Expr, where: exp.Expr | None) -> None:
            select = exp.select(
                *keys,
                exp.alias_(exp.Literal.string(kind), "kind", quoted=True),
                exp.alias_(exp.Literal.string(item), "item", quoted=True),
                exp.alias_(outcome, "outcome", quoted=True),
            ).from_("decided", copy=False)
            branches.append(select.where(where, copy=False) if where is not None else select)

        if self.list_size:
            branch("list", "", exp.Literal.number(LIST), None)
        for group in self.emit_registers:
            branch("register", group, exp.Literal.number(ON), col(f"r_{group}"))
        for name in self.indicators:
            outcome = col(f"o_{name}")
            branch(
                "indicator", name, outcome, exp.not_(exp.Is(this=outcome, expression=exp.null()))
            )
        union: exp.Query = branches[0]
        for other in branches[1:]:
            union = exp.union(union, other, distinct=False, copy=False)
        names = [*keys, col("kind"), col("item"), col("outcome")]
        return (
            exp.select(*names, exp.alias_(exp.Count(this=exp.Star()), "patients", quoted=True))
            .from_(exp.alias_(exp.paren(union), "tallied"), copy=False)
            .group_by(*names, copy=False)
        )

    # ---------------------------------------------------------------- whole queries

    def fields_ctes(self) -> list[tuple[str, exp.Expr]]:
        return [
            *codes_stages(self),
            *population_stages(self),
            *registration_stages(self),
            *event_stages(self),
            ("fields", self.fields_stage()),
        ]

    def counts(self, source: str | None = None, scenarios: exp.Expr | None = None) -> exp.Select:
        """The measures per practice (and scenario). ``source``: a table holding the fields
        (default: computed in the query); ``scenarios``: a VALUES table of the sweep."""
        ctes = [] if source is not None else self.fields_ctes()
        if scenarios is not None:
            ctes.append(("scenarios", scenarios))
        ctes += self.rule_stages(source or "fields", scenarios is not None)
        keys = [col("unit_id")] + ([col(SCENARIO)] if scenarios is not None else [])
        flags = [col(f"r_{g}") for g in self.emit_registers] + [
            col(f"o_{i}") for i in self.indicators
        ]
        ctes.append(("decided", exp.select(*keys, *flags).from_("outcomes", copy=False)))
        return with_ctes(self.tally(keys), ctes)

    def outcomes(self, extra: Sequence[exp.Expr] = ()) -> exp.Select:
        """Per patient: unit, register flags and indicator outcomes (and ``extra`` columns)."""
        ctes = [*self.fields_ctes(), *self.rule_stages("fields", False)]
        registers = [col(f"r_{g}") for g in self.registers_used]
        outcomes = [col(f"o_{i}") for i in self.indicators]
        final = exp.select(
            col("patient_id"), col("unit_id"), col("in_population"), *registers, *outcomes, *extra
        ).from_("outcomes", copy=False)
        return with_ctes(final, ctes)

    def coded_query(self) -> exp.Select:
        """The coded events (the events with a code in a cluster used), to hold in a table."""
        return with_ctes(
            exp.select("*").from_("coded"), [*codes_stages(self), ("coded", coded_stage(self))]
        )

    def fields_query(self) -> exp.Select:
        return with_ctes(exp.select("*").from_("fields", copy=False), self.fields_ctes())


def plain_value(value: Any, default: ir.Node | None, param: Callable[[str], Any]) -> Any:
    """An override as a plain Python value: a numpy scalar as its Python value, an ISO date
    string as a date where the parameter's own value is a date."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str) and default is not None:
        own = fold(default, param)
        if isinstance(own, dt.date):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise DefinitionError.single(
                    "Q431", f"`{value}` is not a date (YYYY-MM-DD)", None, "write 2015-03-31"
                ) from None
    return value


def with_ctes(final: exp.Select, ctes: Sequence[tuple[str, exp.Expr]]) -> exp.Select:
    for name, query in ctes:
        final = final.with_(name, as_=query, copy=False)
    return final


# stages read by many others, computed once: ``outcomes`` holds every register and indicator
# CASE, read by each branch of the tally (inlined, DuckDB recomputed a register's CASE in each of
# its indicators' branches: a quarter of the query's time). Spark SQL has no MATERIALIZED.
MATERIALIZED = ("outcomes",)


def render(query: exp.Expr, dialect: str, pretty: bool = False) -> str:
    """The query as SQL of ``dialect`` (``duckdb``; ``spark`` for Spark SQL)."""
    ctes = query.args.get("with_")
    for cte in ctes.expressions if ctes is not None else ():
        if cte.alias in MATERIALIZED:
            cte.set("materialized", True if dialect == "duckdb" else None)
    return query.sql(dialect, pretty=pretty)


def scenarios_table(values: Mapping[str, Sequence[Any]]) -> exp.Expr:
    """A VALUES table: ``scenario`` (0..S-1) and ``p_<name>`` per swept parameter."""
    names = list(values)
    size = len(values[names[0]])
    rows = [
        tuple([exp.Literal.number(s), *(literal(values[n][s]) for n in names)]) for s in range(size)
    ]
    table = exp.values(rows, alias="t", columns=[SCENARIO, *(f"p_{n}" for n in names)])
    return exp.select("*").from_(table, copy=False)

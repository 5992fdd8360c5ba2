"""The data stages of the record query: the codes table, the population, registration queries
and the passes over the events (one ``GROUP BY patient_id`` per dependency level), each a list
of (CTE name, query)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlglot import exp

from qframe.engines.records.expressions import fold, literal, wrap
from qframe.engines.records.scope import StageScope, children, col, count_where, star
from qframe.ir import records as rec

if TYPE_CHECKING:
    from qframe.engines.records.query import RecordQuery


def used_codes(query: RecordQuery) -> dict[tuple[str, str], int]:
    """Each (system, code) of the clusters the query uses, numbered 0.. in sorted order."""
    used = {c for node in query.events for c in node.clusters_read}
    rows = sorted(
        {(system, code) for name in used for system, code in query.program.clusters[name].codes}
    )
    return {row: number for number, row in enumerate(rows)}


def codes_stages(query: RecordQuery) -> list[tuple[str, exp.Expr]]:
    """``codes``: one row per (system, code) used, with its number (``code_id``): an event whose
    code is in two clusters of one query is still one event, and a cluster is a list of numbers."""
    numbered = used_codes(query) or {("", ""): -1}
    values = exp.values(
        [
            (exp.Literal.string(system), exp.Literal.string(code), exp.Literal.number(number))
            for (system, code), number in numbered.items()
        ],
        alias="t",
        columns=["system", "code", "code_id"],
    )
    return [("codes", exp.select("*").from_(values, copy=False))]


def population_stages(query: RecordQuery) -> list[tuple[str, exp.Expr]]:
    ref = literal(query.reference)
    open_on = exp.and_(
        exp.LTE(this=col("start_date"), expression=ref),
        exp.or_(
            exp.Is(this=col("end_date"), expression=exp.null()),
            exp.GTE(this=col("end_date"), expression=ref),
        ),
    )
    latest = exp.Max(this=exp.Struct(expressions=[
        exp.PropertyEQ(this=exp.to_identifier("start_date"), expression=col("start_date")),
        exp.PropertyEQ(this=exp.to_identifier("practice_id"), expression=col("practice_id")),
    ]))  # fmt: skip
    current = (
        exp.select(col("patient_id"), exp.alias_(latest, "current", quoted=True))
        .from_("registrations", copy=False)
        .where(open_on, copy=False)
        .group_by(col("patient_id"), copy=False)
    )
    if query.patient is not None:
        current = current.where(
            exp.EQ(this=col("patient_id"), expression=exp.Literal.number(query.patient)), copy=False
        )
    alive = exp.or_(
        exp.Is(this=col("date_of_death", "p"), expression=exp.null()),
        exp.GT(this=col("date_of_death", "p"), expression=ref),
    )
    registered = exp.not_(exp.Is(this=col("current", "c"), expression=exp.null()))
    parts: list[exp.Expr] = [
        exp.alias_(col("patient_id", "p"), "patient_id", quoted=True),
        exp.alias_(exp.Dot(this=col("current", "c"), expression=exp.to_identifier("practice_id")), "unit_id", quoted=True),
        exp.alias_(exp.Dot(this=col("current", "c"), expression=exp.to_identifier("start_date")), "registration_start", quoted=True),
        col("date_of_birth", "p"), col("sex", "p"), col("date_of_death", "p"),
        exp.alias_(wrap(exp.and_(registered, wrap(alive))), "in_population", quoted=True),
    ]  # fmt: skip
    join = "left" if query.patient is not None else "inner"
    population = (
        exp.select(*parts)
        .from_(exp.alias_(exp.to_table("patients"), "p"), copy=False)
        .join(
            exp.alias_(exp.to_table("current_registration"), "c"),
            on=exp.EQ(this=col("patient_id", "p"), expression=col("patient_id", "c")),
            join_type=join,
            copy=False,
        )
    )
    if query.patient is None:
        population = population.where(alive.copy(), copy=False)
    else:
        population = population.where(
            exp.EQ(this=col("patient_id", "p"), expression=exp.Literal.number(query.patient)),
            copy=False,
        )
    return [("current_registration", current), ("population", population)]


def registration_stages(query: RecordQuery) -> list[tuple[str, exp.Expr]]:
    if not query.registrations:
        return [("base_0", exp.select("*").from_("population", copy=False))]
    scope = StageScope(query, "events", "b")
    aggregates = []
    finals = []
    for node, name in query.registrations.items():
        on = wrap(scope.lowering(node.on))
        open_on = exp.and_(
            exp.LTE(this=col("start_date", "r"), expression=on),
            exp.or_(
                exp.Is(this=col("end_date", "r"), expression=exp.null()),
                exp.GTE(this=col("end_date", "r"), expression=on),
            ),
        )
        if node.reduce == "start":
            aggregates.append(
                exp.alias_(
                    exp.Filter(
                        this=exp.Max(this=col("start_date", "r")),
                        expression=exp.Where(this=open_on),
                    ),
                    name,
                    quoted=True,
                )
            )
            finals.append(exp.alias_(col(name, "v"), name, quoted=True))
        else:
            alive = exp.or_(
                exp.Is(this=col("date_of_death", "b"), expression=exp.null()),
                exp.GT(this=col("date_of_death", "b"), expression=on),
            )
            aggregates.append(
                exp.alias_(count_where(exp.and_(open_on, wrap(alive))), name, quoted=True)
            )
            finals.append(
                exp.alias_(
                    exp.GT(
                        this=exp.Coalesce(this=col(name, "v"), expressions=[exp.Literal.number(0)]),
                        expression=exp.Literal.number(0),
                    ),
                    name,
                    quoted=True,
                )
            )
    stage = (
        exp.select(exp.alias_(col("patient_id", "r"), "patient_id", quoted=True), *aggregates)
        .from_(exp.alias_(exp.to_table("registrations"), "r"), copy=False)
        .join(
            exp.alias_(exp.to_table("population"), "b"),
            on=exp.EQ(this=col("patient_id", "r"), expression=col("patient_id", "b")),
            copy=False,
        )
        .group_by(col("patient_id", "r"), copy=False)
    )
    base = (
        exp.select(star("b"), *finals)
        .from_(exp.alias_(exp.to_table("population"), "b"), copy=False)
        .join(
            exp.alias_(exp.to_table("registration_fields"), "v"),
            on=exp.EQ(this=col("patient_id", "b"), expression=col("patient_id", "v")),
            join_type="left",
            copy=False,
        )
    )
    return [("registration_fields", stage), ("base_0", base)]


def event_stages(query: RecordQuery) -> list[tuple[str, exp.Expr]]:
    if not query.events:
        return []
    if query.coded_table is not None:
        stages: list[tuple[str, exp.Expr]] = [("coded", exp.select("*").from_(query.coded_table))]
        for level in sorted({c.level for c in query.events.values()}):
            stages += event_level(query, level)
        return stages
    return [("coded", coded_stage(query))] + [
        stage
        for level in sorted({c.level for c in query.events.values()})
        for stage in event_level(query, level)
    ]


def coded_stage(query: RecordQuery) -> exp.Select:
    """The events with a code in a cluster used, with the code's number (``code_id``): a few
    narrow columns, cheap to hold in a table; and, for a cluster a query pairs with
    (``same_day_as``), whether the patient has an event of it that day (``d_C``)."""
    numbered = used_codes(query)
    codes = sorted({code for _, code in numbered}) or [""]
    days = [
        exp.alias_(
            exp.Window(
                this=exp.LogicalOr(this=in_cluster_numbers(name, query.program, numbered, "c")),
                partition_by=[col("patient_id", "e"), col("date", "e")],
            ),
            f"d_{name}",
            quoted=True,
        )
        for name in sorted({c for node in query.events for c in node.same_day_as})
    ]
    coded = (
        exp.select(col("patient_id", "e"), col("date", "e"), col("value", "e"), col("code_id", "c"), *days)
        .from_(exp.alias_(exp.to_table("events"), "e"), copy=False)
        .join(exp.alias_(exp.to_table("codes"), "c"), on=exp.and_(
            exp.EQ(this=col("system", "e"), expression=col("system", "c")),
            exp.EQ(this=col("code", "e"), expression=col("code", "c")),
        ), copy=False)
        # the same codes again as a plain list: DuckDB pushes it into the scan of the file
        .where(exp.In(this=col("code", "e"), expressions=[exp.Literal.string(c) for c in codes]), copy=False)
    )  # fmt: skip
    if query.patient is not None:
        coded = coded.where(
            exp.EQ(this=col("patient_id", "e"), expression=exp.Literal.number(query.patient)),
            copy=False,
        )
    return coded


def event_level(query: RecordQuery, level: int) -> list[tuple[str, exp.Expr]]:
    nodes = [(n, c.name) for n, c in query.events.items() if c.level == level]
    scope = StageScope(query, "events", "b")
    needs_patient = any(
        any(
            query.level(b) or not isinstance(fold(b, query.param_value), dt.date)
            for b in children(n)
        )
        for n, _ in nodes
    )
    numbered = used_codes(query)
    aggregates = [
        exp.alias_(event_aggregate(query, n, scope, numbered), name, quoted=True)
        for n, name in nodes
    ]
    stage = exp.select(
        exp.alias_(col("patient_id", "x"), "patient_id", quoted=True), *aggregates
    ).from_(exp.alias_(exp.to_table("coded"), "x"), copy=False)
    if needs_patient:
        stage = stage.join(
            exp.alias_(exp.to_table(f"base_{level - 1}"), "b"),
            on=exp.EQ(this=col("patient_id", "x"), expression=col("patient_id", "b")),
            copy=False,
        )
    stage = stage.group_by(col("patient_id", "x"), copy=False)
    finals = []
    for node, name in nodes:
        value: exp.Expr = col(name, "v")
        if node.reduce in ("count", "exists"):
            value = exp.Coalesce(this=value, expressions=[exp.Literal.number(0)])
            if node.reduce == "exists":
                value = exp.GT(this=value, expression=exp.Literal.number(0))
        finals.append(exp.alias_(value, name, quoted=True))
    base = (
        exp.select(star("b"), *finals)
        .from_(exp.alias_(exp.to_table(f"base_{level - 1}"), "b"), copy=False)
        .join(
            exp.alias_(exp.to_table(f"events_{level}"), "v"),
            on=exp.EQ(this=col("patient_id", "b"), expression=col("patient_id", "v")),
            join_type="left",
            copy=False,
        )
    )
    return [(f"events_{level}", stage), (f"base_{level}", base)]


def in_clusters(
    node: rec.EventQuery, program: rec.RecordProgram, numbered: dict[tuple[str, str], int]
) -> exp.Expr:
    """Whether an event's code is in one of the query's clusters: its number in their list
    (the clusters named in a comment, for the reader of the printed SQL)."""
    return in_cluster_numbers(node.clusters, program, numbered, "x")


def in_cluster_numbers(
    clusters: str | tuple[str, ...],
    program: rec.RecordProgram,
    numbered: dict[tuple[str, str], int],
    table: str,
) -> exp.Expr:
    """Whether ``table``'s ``code_id`` is the number of a code in ``clusters``."""
    names = (clusters,) if isinstance(clusters, str) else tuple(clusters)
    numbers = sorted({numbered[row] for name in names for row in program.clusters[name].codes})
    code_id = col("code_id", table)
    test: exp.Expr
    if len(numbers) == 1:
        test = exp.EQ(this=code_id, expression=exp.Literal.number(numbers[0]))
    elif not numbers:
        test = exp.false()
    else:
        test = exp.In(this=code_id, expressions=[exp.Literal.number(n) for n in numbers])
    test.add_comments([" or ".join(names)])
    return wrap(test)


def only_when(condition: exp.Expr, value: exp.Expr) -> exp.Expr:
    """``CASE WHEN condition THEN value END``: an aggregate's input where its filter holds (NULL,
    which every aggregate skips, elsewhere). DuckDB runs fifty of these in one ``GROUP BY`` a
    third faster than as many ``FILTER (WHERE ...)`` clauses."""
    return exp.Case().when(condition, value)


def event_aggregate(
    query: RecordQuery,
    node: rec.EventQuery,
    scope: StageScope,
    numbered: dict[tuple[str, str], int],
) -> exp.Expr:
    conditions: list[exp.Expr] = [in_clusters(node, query.program, numbered)]
    conditions += [col(f"d_{c}", "x") for c in node.same_day_as]
    window = node.window
    date = col("date", "x")
    if window.start is not None:
        bound = wrap(scope.lowering(window.start))
        conditions.append(
            exp.GTE(this=date, expression=bound)
            if window.include_start
            else exp.GT(this=date, expression=bound)
        )
    if window.end is not None:
        bound = wrap(scope.lowering(window.end))
        conditions.append(
            exp.LTE(this=date, expression=bound)
            if window.include_end
            else exp.LT(this=date, expression=bound)
        )
    value = col("value", "x")
    has_value = exp.not_(exp.Is(this=value, expression=exp.null()))
    reduce = node.reduce
    attribute = node.attribute or "date"
    if reduce in ("latest", "earliest") and attribute == "value":
        key = exp.Neg(this=value) if reduce == "latest" else value
        pair = exp.Struct(expressions=[
            exp.PropertyEQ(this=exp.to_identifier("d"), expression=date),
            exp.PropertyEQ(this=exp.to_identifier("k"), expression=key),
        ])  # fmt: skip
        chosen = (exp.Max if reduce == "latest" else exp.Min)(
            this=only_when(exp.and_(*conditions, has_value), pair)
        )
        picked: exp.Expr = exp.Dot(this=exp.paren(chosen), expression=exp.to_identifier("k"))
        return exp.Neg(this=wrap(picked)) if reduce == "latest" else picked
    where = exp.and_(*conditions)
    if reduce in ("count", "exists"):
        return exp.Count(this=only_when(where, exp.Literal.number(1)))
    if reduce == "latest":
        return exp.Max(this=only_when(where, date))
    if reduce == "earliest":
        return exp.Min(this=only_when(where, date))
    aggregate = exp.Min if reduce == "min" else exp.Max
    return aggregate(this=only_when(where, value))

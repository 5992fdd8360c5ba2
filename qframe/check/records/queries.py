"""Checking the calls of record-level expressions: event queries and their windows, ages,
registrations and other registers.

* ``latest(C1, C2, ..., window)`` / ``earliest(...)``: the patient's latest (earliest) event with a
  code in any of the clusters; read ``.date`` and ``.value``. ``count(...)`` is how many there
  are, ``exists(...)`` whether there is one.
* The window, by keywords (inclusive/exclusive edges stated by the word):
  ``within=12 months of pped`` — after pped − 12 months, on or before pped (the QOF "in the 12
  months leading up to and including PPED": 2014-04-01 .. 2015-03-31); ``within=12 months`` is
  the same counted back from the reference date; ``on_or_before=D``, ``before=D``,
  ``on_or_after=D``, ``after=D``; ``between=A .. B`` — on or after A and on or before B.
  Without a window every event counts (up to the end of the records).
* ``age_at(D)``: whole years on D. ``registration_start(on=D)``: the start of the registration
  current on D. ``registered(on=D)``: whether registered on D. ``on_register(CHD)``: whether on
  another register.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qframe.check.records.expressions import check
from qframe.check.records.values import (
    EVENT_QUERIES,
    FUNCTIONS,
    QUERY_KEYWORDS,
    WINDOW_KEYWORDS,
    Value,
    Where,
    missing,
)
from qframe.errors.diagnostics import did_you_mean
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.ir.records import (
    AgeAt,
    DateOffset,
    EventQuery,
    OnRegister,
    RegistrationQuery,
    Window,
)
from qframe.language import ast
from qframe.language.printer import to_text

if TYPE_CHECKING:
    from qframe.check.records.checker import RecordChecker


def call(rc: RecordChecker, node: ast.Call, where: Where) -> Value:
    if node.func not in FUNCTIONS:
        rc.error(
            "Q506",
            f"`{node.func}` is not a record-level function",
            where.loc(node),
            did_you_mean(node.func, FUNCTIONS) or f"the functions are {', '.join(FUNCTIONS)}",
        )
        return missing(node)
    if not where.fields:
        rc.error(
            "Q516",
            f"{where.what} cannot ask about a patient (`{node.func}`)",
            where.loc(node),
            "a parameter is one value for everyone; ask about patients under `fields:`",
        )
        return missing(node)
    if node.func in EVENT_QUERIES:
        return _event_query(rc, node, where)
    if node.func == "on_register":
        return _on_register(rc, node, where)
    date = _one_date(rc, node, where)
    if date is None:
        return missing(node)
    at = where.at(node)
    if node.func == "age_at":
        return Value(AgeAt(date.ir, type=t.NUMBER, **at), t.NUMBER)
    if node.func == "registration_start":
        return Value(RegistrationQuery("start", date.ir, type=t.DATE, **at), t.DATE)
    return Value(RegistrationQuery("registered", date.ir, type=t.BOOL, **at), t.BOOL)


def _one_date(rc: RecordChecker, node: ast.Call, where: Where) -> Value | None:
    """The one date argument of age_at(D), registration_start(on=D), registered(on=D)."""
    given = [*node.args, *(k.value for k in node.kwargs if k.name == "on")]
    others = [k for k in node.kwargs if k.name != "on"]
    if len(given) != 1 or others:
        rc.error(
            "Q506",
            f"`{node.func}` takes one date",
            where.loc(node),
            f"e.g. {node.func}(pped)" if node.func == "age_at" else f"e.g. {node.func}(on=pped)",
        )
        return None
    date = check(rc, given[0], where)
    if date.type.is_any:
        return None
    if date.kind is not t.Kind.DATE:
        rc.error(
            "Q301",
            f"`{node.func}` needs a date, not {date.type.describe()}",
            where.loc(given[0]),
            "e.g. pped, or a field holding a date",
        )
        return None
    return date


def _on_register(rc: RecordChecker, node: ast.Call, where: Where) -> Value:
    if len(node.args) != 1 or node.kwargs or not isinstance(node.args[0], ast.Name):
        rc.error("Q506", "`on_register` takes one register", where.loc(node), "on_register(CHD)")
        return missing(node)
    group = node.args[0].name
    if group not in rc.records.registers:
        rc.error(
            "Q510",
            f"no register `{group}`",
            where.loc(node.args[0]),
            did_you_mean(group, rc.records.registers) or "registers are listed under `registers:`",
        )
        return missing(node)
    return Value(OnRegister(group, type=t.BOOL, **where.at(node)), t.BOOL)


def _event_query(rc: RecordChecker, node: ast.Call, where: Where) -> Value:
    clusters: list[str] = []
    for arg in node.args:
        if not isinstance(arg, ast.Name) or arg.name not in rc.records.clusters:
            text = arg.name if isinstance(arg, ast.Name) else to_text(arg)
            hint = (
                did_you_mean(text, rc.records.clusters) or "clusters are listed under `clusters:`"
            )
            rc.error("Q504", f"unknown code cluster `{text}`", where.loc(arg), hint)
            return missing(node)
        clusters.append(arg.name)
        rc.used_clusters.add(arg.name)
    if not clusters:
        rc.error(
            "Q506",
            f"`{node.func}` needs at least one code cluster",
            where.loc(node),
            f"e.g. {node.func}(DM_COD, on_or_before=pped)",
        )
        return missing(node)
    units = {_unit(rc.records.clusters[c].unit) for c in clusters}
    if len(units) > 1:
        rc.error(
            "Q517",
            f"the clusters of `{node.func}` hold values in different units: "
            + ", ".join(sorted(u or "none" for u in units)),
            where.loc(node),
            "query clusters of one unit together",
        )
        return missing(node)
    window = _window(rc, node, where)
    same_day = _same_day(rc, node, where)
    if window is None or same_day is None:
        return missing(node)
    typ = {"count": t.NUMBER, "exists": t.BOOL}.get(
        node.func, t.Type(t.Kind.EVENT, unit=units.pop())
    )
    query = EventQuery(
        tuple(clusters),
        node.func,  # type: ignore[arg-type]
        window,
        same_day_as=same_day,
        type=typ,
        **where.at(node),
    )
    return Value(query, typ)


def _same_day(rc: RecordChecker, node: ast.Call, where: Where) -> tuple[str, ...] | None:
    """The cluster of ``same_day_as=C``: only events on a day with an event in C count (``()``
    when not given)."""
    found: list[str] = []
    for kw in node.kwargs:
        if kw.name != "same_day_as":
            continue
        item = kw.value
        if not isinstance(item, ast.Name) or item.name not in rc.records.clusters:
            text = item.name if isinstance(item, ast.Name) else to_text(item)
            hint = did_you_mean(text, rc.records.clusters) or "e.g. same_day_as=BPDIA_COD"
            rc.error("Q504", f"unknown code cluster `{text}`", where.loc(item), hint)
            return None
        found.append(item.name)
        rc.used_clusters.add(item.name)
    return tuple(found)


def _unit(unit: str) -> str:
    """The unit a cluster's values are checked in: "" for plain numbers (a score)."""
    return "" if unit in ast.DIMENSIONLESS_UNITS else unit


def _window(rc: RecordChecker, node: ast.Call, where: Where) -> Window | None:
    start: ir.Node | None = None
    end: ir.Node | None = None
    include_start = include_end = True
    ok = True
    for kw in node.kwargs:
        if kw.name in QUERY_KEYWORDS:
            continue
        if kw.name not in WINDOW_KEYWORDS:
            rc.error(
                "Q506",
                f"`{node.func}` has no argument `{kw.name}`",
                where.loc(kw),
                did_you_mean(kw.name, WINDOW_KEYWORDS)
                or f"a window is one of {', '.join(WINDOW_KEYWORDS)}; or same_day_as=CLUSTER",
            )
            ok = False
            continue
        bounds = _bounds(rc, kw, where)
        if bounds is None:
            ok = False
            continue
        (low, low_in), (high, high_in) = bounds
        if (low is not None and start is not None) or (high is not None and end is not None):
            rc.error(
                "Q507",
                f"`{kw.name}` bounds the window a second time",
                where.loc(kw),
                "give each end of the window once",
            )
            ok = False
            continue
        if low is not None:
            start, include_start = low, low_in
        if high is not None:
            end, include_end = high, high_in
    if not ok:
        return None
    return Window(start, end, include_start, include_end)


Bound = tuple[ir.Node | None, bool]


def _bounds(rc: RecordChecker, kw: ast.Keyword, where: Where) -> tuple[Bound, Bound] | None:
    """The (start, inclusive) and (end, inclusive) a window keyword sets."""
    if kw.name == "within":
        return _within(rc, kw, where)
    if kw.name == "between":
        value = kw.value
        if not (isinstance(value, ast.Binary) and value.op == ast.RANGE):
            rc.error(
                "Q507",
                "`between` needs two dates: A .. B",
                where.loc(value),
                "between=year_start .. pped",
            )
            return None
        low, high = _date(rc, value.left, where), _date(rc, value.right, where)
        if low is None or high is None:
            return None
        return (low.ir, True), (high.ir, True)
    date = _date(rc, kw.value, where)
    if date is None:
        return None
    edges: dict[str, tuple[Bound, Bound]] = {
        "on_or_before": ((None, True), (date.ir, True)),
        "before": ((None, True), (date.ir, False)),
        "on_or_after": ((date.ir, True), (None, True)),
        "after": ((date.ir, False), (None, True)),
    }
    return edges[kw.name]


def _within(rc: RecordChecker, kw: ast.Keyword, where: Where) -> tuple[Bound, Bound] | None:
    value = kw.value
    if isinstance(value, ast.Binary) and value.op == ast.WINDOW:
        length_node, end_node = value.left, value.right
        end = _date(rc, end_node, where)
    else:
        length_node = value
        end = rc.reference(where, value)
    length = check(rc, length_node, where)
    if end is None or length.type.is_any:
        return None
    if length.kind is not t.Kind.DURATION or length.const is None:
        rc.error(
            "Q507",
            f"`within` needs a length of time, not {length.type.describe()}",
            where.loc(length_node),
            "e.g. within=12 months of pped",
        )
        return None
    months, days = length.const
    start = DateOffset(end.ir, -months, -days, type=t.DATE, **where.at(value))
    return (start, False), (end.ir, True)


def _date(rc: RecordChecker, node: ast.Node, where: Where) -> Value | None:
    value = check(rc, node, where)
    if value.type.is_any:
        return None
    if value.kind is t.Kind.EVENT:
        rc.error(
            "Q512",
            f"`{to_text(node)}` is an event: a window's bound is a date",
            where.loc(node),
            f"use {to_text(node)}.date",
        )
        return None
    if value.kind is not t.Kind.DATE:
        rc.error(
            "Q301",
            f"a window's bound must be a date, not {value.type.describe()}",
            where.loc(node),
            "e.g. pped, year_start, or dm_dat",
        )
        return None
    return value

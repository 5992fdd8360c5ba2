"""Circular definitions, found in the dependency graph of named things (rules, definitions,
totals, parameters, escalation rules), and what each of them reads.

The graph's edges are recorded while checking: ``edges[a][b]`` is where ``a`` first refers to
``b``. A cycle through named things alone is met while checking (the walk reports it where it
closes); one through a kind or indicator override only shows in the graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qframe.errors.diagnostics import Diagnostic, Location, error

Key = tuple[str, str]
Edges = Mapping[Key, Mapping[Key, Location]]

HINT = "a definition cannot depend on itself, directly or through others"
HINT_OVERRIDES = "a rule cannot depend on itself, directly, through others or through an override"


def report(
    cycle: Sequence[Key],
    where: Location | None,
    reported: set[frozenset[Key]],
    *,
    through_overrides: bool,
) -> list[Diagnostic]:
    """The error for ``cycle`` (a path back to its start), unless already reported."""
    ident = frozenset(cycle)
    if ident in reported:
        return []
    reported.add(ident)
    path = " → ".join(name for _, name in cycle)
    hint = HINT_OVERRIDES if through_overrides else HINT
    return [error("Q210", f"circular definition: {path}", where, hint)]


def check(edges: Edges, reported: set[frozenset[Key]]) -> list[Diagnostic]:
    """Every cycle of the graph not reported yet (those through overrides)."""
    out: list[Diagnostic] = []
    state: dict[Key, int] = {}
    path: list[Key] = []

    def visit(node: Key) -> None:
        state[node] = 1
        path.append(node)
        for nxt, where in edges.get(node, {}).items():
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                out.extend(report(cycle, where, reported, through_overrides=True))
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in list(edges):
        if node not in state:
            visit(node)
    return out


def dependencies(edges: Edges) -> dict[Key, frozenset[str]]:
    """For each rule, definition, total and escalation rule: the parameters and indicator
    fields it reads, directly or through others (a sweep recomputes only what they touch)."""
    memo: dict[Key, frozenset[str]] = {}

    def deps(node: Key, seen: frozenset[Key]) -> frozenset[str]:
        if node in memo:
            return memo[node]
        if node[0] == "param":
            return frozenset([node[1]])
        if node[0] == "field":
            return frozenset([f"field:{node[1]}"])
        out: set[str] = set()
        for nxt in edges.get(node, {}):
            if nxt not in seen:
                out |= deps(nxt, seen | {nxt})
        memo[node] = frozenset(out)
        return memo[node]

    return {key: deps(key, frozenset([key])) for key in list(edges)}

"""Circular definitions, found in the dependency graph of named things (rules, definitions,
totals, parameters, escalation rules), and what each of them reads.

The graph's edges are recorded while checking: ``edges[a][b]`` is where ``a`` first refers to
``b``. Checking does not follow a reference back into what it is checking; every cycle — through
named things alone, or through a kind's or an indicator's override — is reported here, once.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Set

from qframe.errors.diagnostics import Diagnostic, Location, error

Key = tuple[str, str]
Edges = Mapping[Key, Mapping[Key, Location]]

HINT = "a definition cannot depend on itself, directly or through others"
HINT_OVERRIDES = "a rule cannot depend on itself, directly, through others or through an override"


def check(edges: Edges, override_edges: Set[tuple[Key, Key]]) -> list[Diagnostic]:
    """Every cycle of the dependency graph, once, where its last reference closes it."""
    out: list[Diagnostic] = []
    reported: set[frozenset[Key]] = set()
    state: dict[Key, int] = {}  # 1: on the current path, 2: done
    path: list[Key] = []

    def visit(node: Key) -> None:
        state[node] = 1
        path.append(node)
        for nxt, where in edges.get(node, {}).items():
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                ident = frozenset(cycle)
                if ident not in reported:
                    reported.add(ident)
                    steps = set(itertools.pairwise(cycle))
                    hint = HINT_OVERRIDES if steps & override_edges else HINT
                    names = " → ".join(name for _, name in cycle)
                    out.append(error("Q210", f"circular definition: {names}", where, hint))
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

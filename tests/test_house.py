"""The house rules, checked on the source: stages import only earlier stages, no import circle,
no private name used across modules, no module over 600 lines.

The stages, in the order data flows (docs/architecture.md):

errors → source → language → model → ir → functions → check → scoring → data → engines →
results → api → tools → docs → cli
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qframe"
STAGES = (
    "errors",
    "source",
    "language",
    "model",
    "ir",
    "functions",
    "check",
    "scoring",
    "data",
    "engines",
    "results",
    "api",
    "tools",
    "docs",
    "cli",
)
MAX_LINES = 600


@cache
def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def stage(module: str) -> str | None:
    """The stage a module belongs to (None for the package root and `python -m qframe`)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] == "__main__":
        return None
    return parts[1]


def type_checking_nodes(tree: ast.Module) -> set[int]:
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.update(id(inner) for inner in ast.walk(node))
    return out


def imports(module: str) -> Iterator[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every run-time import of a module."""
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = type_checking_nodes(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in modules():
                    yield full, None, node.lineno
                else:
                    yield base, alias.name, node.lineno


def owner(target: str) -> str | None:
    while target and target not in modules():
        target = target.rpartition(".")[0]
    return target or None


@cache
def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in modules()}
    for name in modules():
        for target, _, _ in imports(name):
            found = owner(target)
            if found and found != name and found.startswith("qframe") and found != "qframe":
                edges[name].add(found)
    return edges


def test_stages_are_known() -> None:
    unknown = {stage(m) for m in modules()} - {None, *STAGES}
    assert not unknown, f"packages not placed in the stage order: {sorted(unknown)}"


def test_each_stage_imports_only_earlier_stages() -> None:
    wrong = []
    for name, targets in graph().items():
        here = stage(name)
        if here is None:
            continue
        for target in targets:
            there = stage(target)
            if there is not None and STAGES.index(there) > STAGES.index(here):
                wrong.append(f"{name} ({here}) imports {target} ({there})")
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_circles() -> None:
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in edges:
        if v not in index:
            visit(v)
    assert not circles, "\n".join(" ↔ ".join(c) for c in circles)


def test_no_private_names_imported_across_modules() -> None:
    private = [
        f"{name}:{line} imports {target}.{imported}"
        for name in modules()
        for target, imported, line in imports(name)
        if target.startswith("qframe")
        and imported
        and imported.startswith("_")
        and not imported.startswith("__")
    ]
    assert not private, "\n".join(private)


def defined_private_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def test_no_private_attributes_used_across_modules() -> None:
    """`obj._name` only where this module defines `_name` (its own classes' private state)."""
    found = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = defined_private_names(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
                and node.attr not in own
                and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})
            ):
                found.append(f"{name}:{node.lineno} uses {ast.unparse(node)}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("module", sorted(modules()))
def test_module_size(module: str) -> None:
    lines = len(modules()[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module} has {lines} lines (at most {MAX_LINES})"

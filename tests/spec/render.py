"""Render the spec suite as docs/spec.md: each section a module of tests/spec, each behaviour a test
with its table of inputs and expected results.

Regenerate the document after changing a spec (from the repository's root)::

    PYTHONPATH=tests .venv/bin/python -m spec.render > docs/spec.md
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib import import_module
from types import ModuleType

from spec.conftest import ENGINES
from spec.harness import Cell, Spec

REGENERATE = "PYTHONPATH=tests .venv/bin/python -m spec.render > docs/spec.md"

# The sections, in the order of the document (tests/test_spec_docs.py checks every module is here).
SECTIONS = (
    "test_arithmetic",
    "test_functions",
    "test_comparison",
    "test_logic",
    "test_conditional",
    "test_scoring",
    "test_aggregates",
    "test_time",
)


def behaviours(module: ModuleType) -> list[tuple[Callable[..., None], list[Spec]]]:
    """The tests of a module in the order they are written, each with the specs it checks."""
    tests = [
        f
        for name, f in vars(module).items()
        if name.startswith("test_") and inspect.isfunction(f) and f.__module__ == module.__name__
    ]
    out: list[tuple[Callable[..., None], list[Spec]]] = []
    for test in sorted(tests, key=lambda f: f.__code__.co_firstlineno):
        recorder = Recorder()
        test(recorder)
        out.append((test, recorder.specs))
    return out


class Recorder:
    """Stands in for the `spec` fixture: keeps the specs a test states instead of checking them."""

    def __init__(self) -> None:
        self.specs: list[Spec] = []

    def __call__(self, **fields: object) -> None:
        self.specs.append(Spec(**fields))  # type: ignore[arg-type]


def _text(value: Cell, condition: bool) -> str:
    if value is None:
        return "unknown" if condition else "missing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        return f"{value:g}"
    return str(value)


def table(spec: Spec) -> str:
    """A Markdown table: the columns of the spec, then the expression and its expected values."""
    condition = any(isinstance(v, bool) for v in spec.expected)
    head = [*spec.table, f"`{spec.expression}`"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for i in range(spec.rows):
        cells = [_text(column[i], isinstance(column[i], bool)) for column in spec.table.values()]
        cells.append(f"**{_text(spec.expected[i], condition)}**")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _doc(obj: object) -> tuple[str, str]:
    """The first paragraph of a docstring (on one line), and the rest."""
    paragraphs = (inspect.getdoc(obj) or "").split("\n\n", 1)
    first = " ".join(line.strip() for line in paragraphs[0].splitlines())
    return first, (paragraphs[1].strip() if len(paragraphs) > 1 else "")


def render() -> str:
    engines = ", ".join(sorted(ENGINES))
    parts = [
        "# The expression language by example",
        "",
        "<!-- Generated from tests/spec: do not edit by hand. Regenerate with",
        f"     `{REGENERATE}` -->",
        "",
        "Each example below is a test of the spec suite (tests/spec), run on every engine "
        f"({engines}). A table gives the inputs of some units (a `missing` input is a unit without "
        "that measure; P1, P2, ... are the units when the table does not name them) and, in bold, "
        "the value of the expression for each, evaluated as a total of a framework. A table with an "
        "`indicator` column has a row per unit and indicator: its inputs have a value per "
        "indicator, `domain`, `group` and `max_points` are indicator fields, and the result is "
        "the unit's. For the full rules see [the language reference](language.md).",
        "",
    ]
    modules = [import_module(f"spec.{name}") for name in SECTIONS]
    for number, module in enumerate(modules, start=1):
        title, _ = _doc(module)
        parts.append(f"{number}. [{title}](#{_anchor(title)})")
    parts.append("")
    parts += [section(name) for name in SECTIONS]
    return "\n".join(parts).rstrip() + "\n"


def section(name: str, level: int = 2) -> str:
    """One section (a module of tests/spec) as Markdown, its heading at ``level``: the unit a
    reference page can include where it describes the same feature."""
    module = import_module(f"spec.{name}")
    title, intro = _doc(module)
    parts = [f"{'#' * level} {title}", "", intro, ""]
    for test, specs in behaviours(module):
        what, more = _doc(test)
        parts.append(what + (f"\n\n{more}" if more else ""))
        parts.append("")
        parts += [table(spec) + "\n" for spec in specs]
    return "\n".join(parts)


def _anchor(title: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


if __name__ == "__main__":
    print(render(), end="")

"""The fuzzing harness of issue 15: generated expressions, mutated definitions, hostile datasets
and YAML files, each run through the stages a user's command would run, with a time limit.

A case passes when it ends in a result or in a qframe error (a located diagnostic); it fails on
any other exception (a crash), on the time limit (a hang), and on an infinite or not-a-number
amount reported as paid. ``tests/test_fuzz.py`` runs a few hundred cases in ``make test`` and,
marked ``fuzz`` (``make fuzz``), the long run.
"""

from __future__ import annotations

import math
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from qframe.api import Framework, as_dataset
from qframe.engines.numpy.engine import NumpyEngine
from qframe.engines.numpy.lower import compile_framework
from qframe.errors.diagnostics import QframeError, SourceFile
from qframe.functions.registry import REGISTRY
from qframe.language.parser import ExpressionSyntaxError, parse
from qframe.model import definition as m
from qframe.model.build import build_definition
from qframe.scoring.outcome import STATUS_OK

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "mini"

#: Seconds one case may take before it counts as a hang.
CASE_SECONDS = float(os.environ.get("QFRAME_FUZZ_CASE_SECONDS", "20"))


class Hang(Exception):
    """A case ran past :data:`CASE_SECONDS`."""


@contextmanager
def time_limit(seconds: float = CASE_SECONDS) -> Iterator[None]:
    """Raise :class:`Hang` in the running case after ``seconds`` (main thread, POSIX)."""

    def expire(signum: int, frame: Any) -> None:
        raise Hang(f"the case ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- generated expressions

NAMES = (
    "numerator",
    "denominator",
    "exceptions",
    "list_size",
    "max_points",
    "lower",
    "upper",
    "points",
    "payment",
    "achievement",
    "point_value",
    "average_list_size",
    "national_dm_prevalence",
    "cpi",
    "group",
    "indicator",
    "thresholds",
    "nosuchname",
)
CALLS = ("register(group)", 'register("DM")', "prevalence(group)", "apdf(group)", "apdf()")
NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: repr(abs(x))),
    st.sampled_from(["0", "1", "1e308", "1e-320", "0.5", "1_000", "9" * 40, "2e5"]),
)
LITERALS = st.one_of(
    NUMBERS,
    NUMBERS.map(lambda x: x + "%"),
    NUMBERS.map(lambda x: "£" + x),
    st.sampled_from(['"DM"', '"BP"', '""', "true", "false", "2 years", "1 quarter", "3 periods"]),
)
ATOMS = st.one_of(LITERALS, st.sampled_from(NAMES), st.sampled_from(CALLS))
BINARY = ("+", "-", "*", "/", "^", "==", "!=", "<", "<=", ">", ">=", "and", "or", "in", "..")
FUNCTIONS = tuple(sorted(REGISTRY))
KEYWORDS = ("over=indicators", "by=group", "places=1", "where=points > 0", "default=0")


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(children, st.sampled_from(BINARY), children).map(
        lambda t: f"{t[0]} {t[1]} {t[2]}"
    )
    unary = st.tuples(st.sampled_from(["-", "not ", "+"]), children).map("".join)
    paren = children.map(lambda x: f"({x})")
    conditional = st.tuples(children, children, children).map(
        lambda t: f"if {t[0]} then {t[1]} else {t[2]}"
    )
    call = st.tuples(
        st.sampled_from(FUNCTIONS),
        st.lists(children, min_size=0, max_size=3),
        st.lists(st.sampled_from(KEYWORDS), max_size=1),
    ).map(lambda t: f"{t[0]}({', '.join([*t[1], *t[2]])})")
    return st.one_of(binary, unary, paren, conditional, call)


EXPRESSIONS = st.recursive(ATOMS, _combine, max_leaves=12)

# characters a typo or a hostile file may put anywhere in an expression
NOISE = st.sampled_from([*"()+-*/^<>=!,.£%\"'`&|$€ \t\n0123456789abcxyz_", "then", "else"])


@st.composite
def mutated_expressions(draw: st.DrawFn) -> str:
    """A generated expression, sometimes with characters inserted, deleted or repeated."""
    text: str = draw(EXPRESSIONS)
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        if not text:
            break
        at = draw(st.integers(min_value=0, max_value=len(text)))
        action = draw(st.sampled_from(["insert", "delete", "repeat"]))
        if action == "insert":
            text = text[:at] + draw(NOISE) + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + text[at:] * draw(st.integers(min_value=2, max_value=3))
    return text


@lru_cache(maxsize=1)
def _mini() -> tuple[m.FrameworkDef, Any, NumpyEngine]:
    definition, diags = build_definition(
        str(MINI / "framework.yaml"), (MINI / "framework.yaml").read_text(encoding="utf-8")
    )
    assert definition is not None and not [d for d in diags if d.is_error]
    engine = NumpyEngine()
    layout = engine.layout(as_dataset(MINI / "data"), definition.frequency)
    return definition, layout, engine


def run_expression(text: str, rule: str) -> str:
    """Put ``text`` in place of ``rule`` of the mini framework, then check and evaluate it.
    Returns the outcome: "syntax", "rejected", "refused" (a data error) or "evaluated"."""
    definition, layout, engine = _mini()
    try:
        tree = parse(text)
    except ExpressionSyntaxError:
        return "syntax"
    expression = m.Expression(text, tree, SourceFile("<fuzz>", text), tuple(range(len(text) + 1)))
    rules = dict(definition.rules)
    rules[rule] = replace(rules[rule], expr=expression)
    variant = replace(definition, rules=rules)
    plan = compile_framework(variant)
    if any(d.is_error for d in plan.diagnostics):
        return "rejected"
    try:
        params = Framework(variant, plan).parameter_values({})
        evaluation = engine.evaluate(plan, layout, params)
    except QframeError:
        return "refused"
    assert_paid_amounts_finite(evaluation.values, evaluation.status, evaluation.totals)
    return "evaluated"


def assert_paid_amounts_finite(
    values: dict[str, np.ndarray], status: np.ndarray, totals: dict[str, np.ndarray]
) -> None:
    """No points or payment is infinite, and none is not-a-number on a row whose status is ok."""
    ok = status == STATUS_OK
    for name in ("points", "payment"):
        grid = values.get(name)
        if grid is None or grid.dtype.kind != "f":
            continue
        assert not np.isinf(grid).any(), f"{name} is infinite"
        assert not np.isnan(grid[0][ok]).any(), f"{name} is not a number on a row with status ok"
    for name, grid in totals.items():
        assert not np.isinf(np.asarray(grid, dtype=float)).any(), f"total {name} is infinite"


# ---------------------------------------------------------------- mutated definitions

HOSTILE_VALUES = (
    ".inf",
    "-.inf",
    ".nan",
    "1.0e+308",
    "-1",
    "0",
    '""',
    "[]",
    "{}",
    "~",
    "9" * 50,
    "!!int 12",
    "!!float 1e5",
    "'\"text\"'",
    "&a [1, 2]",
    "*a",
    "999999999 quarters",
    "£1e308",
    "1e-320",
    "yes",
    "'numerator / 0'",
    "'" + "^".join(["x"] * 300) + "'",
    '"\\x00"',
)


@st.composite
def mutated_definitions(draw: st.DrawFn, texts: tuple[str, ...]) -> str:
    """A shipped definition with lines deleted, repeated, swapped, re-indented or given a
    hostile value."""
    lines = draw(st.sampled_from(texts)).splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not lines:
            break
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        action = draw(
            st.sampled_from(
                ["value", "value", "value", "delete", "repeat", "swap", "indent", "noise"]
            )
        )
        line = lines[i]
        if action == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[i] = f"{key}: {draw(st.sampled_from(HOSTILE_VALUES))}"
        elif action == "delete":
            del lines[i]
        elif action == "repeat":
            lines.insert(i, line)
        elif action == "swap":
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif action == "indent":
            lines[i] = " " * draw(st.integers(min_value=0, max_value=6)) + line.lstrip()
        else:
            at = draw(st.integers(min_value=0, max_value=len(line)))
            lines[i] = line[:at] + draw(NOISE) + line[at:]
    return "\n".join(lines) + "\n"


def run_definition(text: str, evaluate: bool) -> str:
    """Build, check and (with ``evaluate``, on the mini framework's data) evaluate a
    definition's text."""
    definition, diags = build_definition("<fuzz>/framework.yaml", text)
    if definition is None or any(d.is_error for d in diags):
        return "rejected"
    plan = compile_framework(definition)
    if any(d.is_error for d in plan.diagnostics):
        return "rejected"
    if not evaluate:
        return "checked"
    try:
        engine, layout = _engine_layout(definition.frequency)
        params = Framework(definition, plan).parameter_values({})
        evaluation = engine.evaluate(plan, layout, params)
    except QframeError:
        return "refused"
    assert_paid_amounts_finite(evaluation.values, evaluation.status, evaluation.totals)
    return "evaluated"


@lru_cache(maxsize=4)
def _engine_layout(frequency: str) -> tuple[NumpyEngine, Any]:
    engine = NumpyEngine()
    return engine, engine.layout(as_dataset(MINI / "data"), frequency)


def shipped_definitions() -> tuple[str, ...]:
    files = [MINI / "framework.yaml", *sorted((ROOT / "frameworks").glob("*/framework.yaml"))]
    return tuple(f.read_text(encoding="utf-8") for f in files)


# ---------------------------------------------------------------- hostile datasets

MEASURE_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", "NA", "abc", "1e308", "-0", "true", "9" * 30, "1,000", " 5 ", "\u00a0"]),
)


@st.composite
def hostile_measures(draw: st.DrawFn) -> str:
    """The mini measures.csv with some values, keys, periods or whole fields replaced."""
    lines = (MINI / "data" / "measures.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], [line.split(",") for line in lines[1:]]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        i = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        j = draw(st.integers(min_value=0, max_value=len(rows[i]) - 1))
        choice = draw(st.sampled_from(["value", "value", "field", "drop", "short"]))
        if choice == "value":
            rows[i][-1] = draw(MEASURE_VALUES)
        elif choice == "field":
            rows[i][j] = draw(st.sampled_from(["", "DM07", "dm007", "2014/15", "x" * 50, "P999"]))
        elif choice == "drop":
            del rows[i][j]
        else:
            rows[i] = rows[i][:2]
    return "\n".join([header, *(",".join(r) for r in rows)]) + "\n"


def run_dataset(folder: Path) -> str:
    """Evaluate the mini framework on a dataset folder."""
    from qframe.api import load

    try:
        result = load(MINI).evaluate(folder)
    except QframeError:
        return "refused"
    table = result.indicators
    paid = table[["points", "payment"]].to_numpy(dtype=float)
    assert not np.isinf(paid).any(), "an infinite amount is reported"
    ok = (table["status"] == "ok").to_numpy()
    assert not np.isnan(paid[ok]).any(), "a missing amount is reported as ok"
    assert all(math.isfinite(float(x)) for x in result.units["payment"].dropna())
    return "evaluated"


# ---------------------------------------------------------------- hostile YAML files

YAML_PIECES = st.sampled_from(
    [
        "qframe: 1\n", "id: x\n", "title: t\n", "a: &a [1, 2]\n", "b: [*a, *a, *a]\n",
        "c: *zz\n", "  - x\n", "- y\n", "k: v\n", "k: v\n", "[", "]", "{", "}", ": ", "\t",
        "!!int 99\n", "!!binary aGVsbG8=\n", "!!python/object:os.system x\n", "? complex\n",
        "%YAML 1.1\n---\n", "---\n", "...\n", "\"\\u0000\"\n", "x: .inf\n", "x: 0x1F\n",
        "x: 1_000\n", "x: 12:30\n", "<<: *a\n", "&b\n", "|\n  block\n", ">\n  folded\n",
    ]
)  # fmt: skip


def run_yaml(text: str) -> str:
    definition, diags = build_definition("<fuzz>/framework.yaml", text)
    if definition is None or any(d.is_error for d in diags):
        assert all(d.code for d in diags)
        return "rejected"
    compile_framework(definition)
    return "checked"


def classify(run: Callable[[], str]) -> str:
    """Run one case under the time limit; a crash or a hang is re-raised for hypothesis."""
    with time_limit():
        return run()

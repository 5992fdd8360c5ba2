"""Fuzzing (issue 15): generated expressions, mutated definitions, hostile datasets and YAML.

`make test` runs a few hundred cases (seconds). The long run is marked ``fuzz``::

    make fuzz        # = pytest -m fuzz tests/test_fuzz.py
    QFRAME_FUZZ_EXPRESSIONS=100000 QFRAME_FUZZ_DEFINITIONS=10000 make fuzz

Every case must end in a result or a qframe error: a crash (any other exception), a hang (over
``QFRAME_FUZZ_CASE_SECONDS``, 20 s) or an infinite or not-a-number amount paid fails the run, and
hypothesis shrinks it to the smallest input that shows it.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from fuzzing import (
    EXPRESSIONS,
    MINI,
    YAML_PIECES,
    classify,
    hostile_measures,
    mutated_definitions,
    mutated_expressions,
    run_dataset,
    run_definition,
    run_expression,
    run_yaml,
    shipped_definitions,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

LONG = {
    "expressions": int(os.environ.get("QFRAME_FUZZ_EXPRESSIONS", "100000")),
    "definitions": int(os.environ.get("QFRAME_FUZZ_DEFINITIONS", "10000")),
    "datasets": int(os.environ.get("QFRAME_FUZZ_DATASETS", "500")),
    "yaml": int(os.environ.get("QFRAME_FUZZ_YAML", "2000")),
}
OUTCOMES: Counter[str] = Counter()


def _settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, examples),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


RULES = st.sampled_from(["achievement", "points", "payment"])
TEXTS = shipped_definitions()


# ---------------------------------------------------------------- in `make test`: seconds


@_settings(300)
@given(mutated_expressions(), RULES)
def test_generated_expressions(text: str, rule: str) -> None:
    classify(lambda: run_expression(text, rule))


@pytest.mark.parametrize(
    "text",
    [
        '(band("DM", "DM", 0))',  # the long run of 1 December 2026: text reached band's scoring
        'band(1, 2, "x")',
        'slide("a", 1, 2)',
        'all_or_nothing("a", 1)',
    ],
)
def test_found_by_the_long_run(text: str) -> None:
    """Inputs the long run found: each is a located error before any data is read."""
    assert classify(lambda: run_expression(text, "achievement")) == "rejected"


@_settings(60)
@given(mutated_definitions(TEXTS[:1]))
def test_mutated_definitions(text: str) -> None:
    classify(lambda: run_definition(text, evaluate=True))


@_settings(25)
@given(hostile_measures())
def test_hostile_datasets(tmp_path_factory: pytest.TempPathFactory, measures: str) -> None:
    folder = _dataset(tmp_path_factory.mktemp("data"), measures)
    classify(lambda: run_dataset(folder))


@_settings(100)
@given(st.lists(YAML_PIECES, min_size=1, max_size=12).map("".join))
def test_hostile_yaml(text: str) -> None:
    classify(lambda: run_yaml(text))


def _dataset(folder: Path, measures: str) -> Path:
    (folder / "units.csv").write_text((MINI / "data" / "units.csv").read_text())
    (folder / "measures.csv").write_text(measures)
    return folder


# ---------------------------------------------------------------- the long run: make fuzz


@pytest.mark.fuzz
@_settings(LONG["expressions"])
@given(st.one_of(EXPRESSIONS, mutated_expressions()), RULES)
def test_fuzz_expressions(text: str, rule: str) -> None:
    OUTCOMES["expression " + classify(lambda: run_expression(text, rule))] += 1


@pytest.mark.fuzz
@_settings(LONG["definitions"])
@given(mutated_definitions(TEXTS), st.booleans())
def test_fuzz_definitions(text: str, evaluate: bool) -> None:
    OUTCOMES["definition " + classify(lambda: run_definition(text, evaluate))] += 1


@pytest.mark.fuzz
@_settings(LONG["datasets"])
@given(hostile_measures())
def test_fuzz_datasets(tmp_path_factory: pytest.TempPathFactory, measures: str) -> None:
    folder = _dataset(tmp_path_factory.mktemp("data"), measures)
    OUTCOMES["dataset " + classify(lambda: run_dataset(folder))] += 1


@pytest.mark.fuzz
@_settings(LONG["yaml"])
@given(st.lists(YAML_PIECES, min_size=1, max_size=40).map("".join))
def test_fuzz_yaml(text: str) -> None:
    OUTCOMES["yaml " + classify(lambda: run_yaml(text))] += 1


@pytest.mark.fuzz
def test_fuzz_summary() -> None:
    """Prints how the long run's cases ended (run last; `-s` shows it)."""
    for outcome, count in sorted(OUTCOMES.items()):
        print(f"{outcome}: {count}")

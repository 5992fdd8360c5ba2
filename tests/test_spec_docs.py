"""The spec suite (tests/spec) is the language by example: docs/spec.md is rendered from it and
current, every spec module is a section, and each test states one behaviour."""

from __future__ import annotations

import pytest
from conftest import ROOT
from spec.conftest import ENGINES
from spec.render import REGENERATE, SECTIONS, behaviours, render

SPEC = ROOT / "tests" / "spec"


def test_spec_md_is_current() -> None:
    path = ROOT / "docs" / "spec.md"
    assert path.exists(), f"docs/spec.md is missing: generate it with `{REGENERATE}`"
    if path.read_text(encoding="utf-8") != render():
        pytest.fail(f"docs/spec.md is out of date: regenerate it with `{REGENERATE}`")


def test_every_spec_module_is_a_section() -> None:
    assert sorted(SECTIONS) == sorted(p.stem for p in SPEC.glob("test_*.py"))


@pytest.mark.parametrize("name", SECTIONS)
def test_each_test_states_one_behaviour(name: str) -> None:
    from importlib import import_module

    module = import_module(f"spec.{name}")
    assert module.__doc__ and module.__doc__.strip(), name
    for test, specs in behaviours(module):
        assert test.__doc__ and test.__doc__.strip(), test.__name__
        assert len(specs) == 1, f"{test.__name__}: one behaviour (one table) per test"
        [spec] = specs
        assert len(spec.expected) == spec.rows, test.__name__
        assert all(len(column) == spec.rows for column in spec.table.values()), test.__name__


def test_the_numpy_engine_is_the_first() -> None:
    assert "numpy" in ENGINES

"""The examples in qframe's docstrings are run by `make test` (pytest collects qframe/ with
--doctest-modules): this keeps that setting from being dropped."""

from __future__ import annotations

import doctest
from importlib import import_module

import pytest


def test_pytest_collects_the_doctests(pytestconfig: pytest.Config) -> None:
    assert "qframe" in pytestconfig.getini("testpaths")
    assert "--doctest-modules" in pytestconfig.getini("addopts")


def test_there_are_doctests_to_run() -> None:
    finder = doctest.DocTestFinder()
    modules = ["qframe.scoring.rules", "qframe.tools.compare", "qframe.tools.stats"]
    examples = sum(
        len(test.examples) for name in modules for test in finder.find(import_module(name))
    )
    assert examples >= 10

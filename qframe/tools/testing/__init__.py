"""Definition tests: hand-computed cases kept beside a framework, in ``FRAMEWORK/tests/*.yaml``.

A case gives a small dataset (inline, or a dataset folder), optional parameter values, and the
values the results must hold; :func:`run_tests` evaluates the framework on the data and compares.
The format is described in docs/testing-definitions.md::

    name: DM007 worked example
    data:
      units: [{unit_id: P001}]
      measures:
        - [P001, 2014-15, list_size, "", 8000]
    params: {point_value: £180}
    expect:
      indicators:
        - {unit: P001, period: 2014-15, indicator: DM007, points: 11.6875, payment: 2113.06}

Every problem in a test file (YAML, unknown fields, an unknown parameter or column, bad data) is
a :class:`~qframe.errors.diagnostics.Diagnostic` with its place in the test file; a value that differs
from the expectation is a :class:`Mismatch`, also with its place.
"""

from qframe.tools.testing.cases import TESTS_FOLDER, discover
from qframe.tools.testing.results import CaseResult, Mismatch, summary
from qframe.tools.testing.runner import run_files, run_tests

__all__ = [
    "TESTS_FOLDER",
    "CaseResult",
    "Mismatch",
    "discover",
    "run_files",
    "run_tests",
    "summary",
]

"""The engines the spec suite runs on: add a new engine here, and every spec runs on it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from spec.harness import Engine, Spec, matches, numpy_engine

# The single place an engine is added: its name and the function that evaluates a spec with it.
ENGINES: dict[str, Engine] = {"numpy": numpy_engine}


@pytest.fixture(params=sorted(ENGINES))
def engine(request: pytest.FixtureRequest) -> Engine:
    return ENGINES[request.param]


@pytest.fixture()
def spec(engine: Engine) -> Callable[..., None]:
    """Check one behaviour: ``spec(table=..., expression=..., expected=...)``."""

    def check(**fields: object) -> None:
        case = Spec(**fields)  # type: ignore[arg-type]
        got = engine(case)
        wrong = [
            (row, g, e)
            for row, (g, e) in enumerate(zip(got, case.expected, strict=True))
            if not matches(g, e)
        ]
        assert not wrong, f"{case.expression}: (row, got, expected) {wrong}"

    return check

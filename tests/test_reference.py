"""The language reference (docs/language.md) is generated and current, and every built-in
function's documented example really gives its documented result."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

import qframe
from qframe.cli.main import cli
from qframe.docs.reference import REGENERATE, grammar_text, ladder, parse_grammar, render
from qframe.functions.registry import EXAMPLE_DATA, REGISTRY, FunctionSpec

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2014-15"  # the documented results are for this period
EXAMPLES = [spec for spec in REGISTRY.values() if spec.example]


def test_language_md_is_current() -> None:
    path = ROOT / "docs" / "language.md"
    assert path.exists(), f"docs/language.md is missing: generate it with `{REGENERATE}`"
    written, expected = path.read_text(encoding="utf-8"), render()
    if written != expected:
        old, new = written.splitlines(), expected.splitlines()
        line = next(
            (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
            min(len(old), len(new)),
        )
        pytest.fail(
            f"docs/language.md is out of date (first difference at line {line + 1}): "
            f"regenerate it with `{REGENERATE}`"
        )


def test_cli_reference_prints_the_reference() -> None:
    result = CliRunner().invoke(cli, ["reference"])
    assert result.exit_code == 0
    assert result.output == render()


def test_precedence_ladder_follows_the_grammar_comment() -> None:
    rules = [r.rule for r in ladder(parse_grammar(grammar_text()))]
    assert rules == [
        "conditional",
        "disjunction",
        "conjunction",
        "negation",
        "comparison",
        "range",
        "additive",
        "multiplicative",
        "unary",
        "power",
        "postfix",
        "atom",
    ]


def test_every_function_is_documented() -> None:
    text = render()
    for name, spec in REGISTRY.items():
        assert f"#### `{name}`" in text
        assert spec.signature in text


def _example_framework(folder: Path, example: str) -> tuple[Path, Path]:
    """A framework whose one total is the example, and the example dataset, under ``folder``."""
    framework = folder / "framework"
    framework.mkdir()
    quoted = example.replace("'", "''")  # YAML single-quoted scalar
    (framework / "framework.yaml").write_text(
        "qframe: 1\n"
        "id: example\n"
        "title: One function example\n"
        "inputs:\n"
        "  x: {}\n"
        "totals:\n"
        f"  result: '{quoted}'\n",
        encoding="utf-8",
    )
    data = folder / "data"
    data.mkdir()
    units = ["unit_id,cluster"]
    units += [
        f"{u},{c}" for u, c in zip(EXAMPLE_DATA["units"], EXAMPLE_DATA["cluster"], strict=True)
    ]
    (data / "units.csv").write_text("\n".join(units) + "\n", encoding="utf-8")
    measures = ["unit_id,period,measure,key,value"]
    for period in EXAMPLE_DATA["periods"]:
        for unit, value in zip(EXAMPLE_DATA["units"], EXAMPLE_DATA["x"][period], strict=True):
            measures.append(f"{unit},{period},x,,{value!r}")
    (data / "measures.csv").write_text("\n".join(measures) + "\n", encoding="utf-8")
    return framework, data


@pytest.mark.parametrize("spec", EXAMPLES, ids=[s.name for s in EXAMPLES])
def test_function_example(spec: FunctionSpec, tmp_path: Path) -> None:
    framework, data = _example_framework(tmp_path, spec.example)
    units = qframe.load(framework).evaluate(data).to_frame("units")
    rows = units[units["period"] == PERIOD].set_index("unit_id")["result"]
    assert len(spec.result) == len(EXAMPLE_DATA["units"]), f"{spec.name}: one result per unit"
    got = [float(rows[unit]) for unit in EXAMPLE_DATA["units"]]
    for unit, value, want in zip(EXAMPLE_DATA["units"], got, spec.result, strict=True):
        if want is None:
            assert math.isnan(value), (
                f"{spec.example} for {unit}: documented missing, got {value} (all: {got})"
            )
        else:
            assert abs(value - want) <= 1e-9, (
                f"{spec.example} for {unit}: documented {want}, got {value} (all: {got})"
            )


def test_signatures_in_the_reference_are_the_enforced_ones() -> None:
    """Each function's signature printed in docs/language.md is the typed signature the checker
    enforces: same text, and its keywords are exactly the keywords accepted."""
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    shown = dict(re.findall(r"#### `(\w+)`\n\n```\n(.+)\n```", text))
    assert set(shown) == set(REGISTRY)
    for name, spec in REGISTRY.items():
        signature = spec.typed_signature
        assert shown[name] == signature.shown, name
        written = shown[name][len(name) + 1 : -1].split(", ")
        keywords = [part.split("=")[0] for part in written if "=" in part]
        assert keywords == list(signature.keyword_names), name
        positional = [part for part in written if "=" not in part and part != "..."]
        fixed = len(signature.params)
        assert [p.text for p in signature.params] == positional[:fixed], name
        assert (signature.max_args is None) == ("..." in written), name

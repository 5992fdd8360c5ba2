"""Semantic validation: every problem found before any data is read, each with its exact place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import replace_once

import qframe
from qframe.errors.diagnostics import Diagnostic
from qframe.model.build import build_definition

FIXTURES = Path(__file__).parent / "fixtures"

HEAD = """qframe: 1
id: t
title: test
parameters:
  point_value: £156.92
inputs:
  list_size: {}
  numerator: {key: indicator}
  denominator: {key: indicator}
"""
RULES = """rules:
  achievement: numerator / denominator
  points: max_points * slide(achievement, lower, upper)
  payment: points * point_value
indicators:
  A001: {max_points: 10, thresholds: 40% .. 80%}
totals:
  payment: sum(payment, over=indicators)
  size: list_size
"""


def problems(text: str) -> list[Diagnostic]:
    fw, diags = build_definition("t/framework.yaml", text)
    if fw is not None:
        from qframe.engines.numpy.lower import compile_framework

        diags += compile_framework(fw).diagnostics
    return diags


def only(text: str, code: str) -> Diagnostic:
    found = [d for d in problems(text) if d.code == code]
    assert len(found) == 1, [d.render() for d in problems(text)]
    return found[0]


def where(d: Diagnostic) -> tuple[int, int]:
    assert d.location is not None
    return d.location.line, d.location.col


def test_clean_definition_has_no_problems() -> None:
    assert problems(HEAD + RULES) == []


def test_unknown_name_with_suggestion_and_caret() -> None:
    d = only(
        HEAD + replace_once(RULES, "numerator / denominator", "numerator / denominatr"), "Q201"
    )
    assert where(d) == (11, 28)  # line 11, the `d` of denominatr
    assert d.location is not None and d.location.length == len("denominatr")
    assert "did you mean `denominator`" in d.hint
    rendered = d.render()
    assert "t/framework.yaml:11:28: error Q201 unknown name `denominatr`" in rendered
    assert rendered.splitlines()[2].endswith("^" + "~" * 9)


def test_wrong_arity() -> None:
    d = only(
        HEAD + replace_once(RULES, "slide(achievement, lower, upper)", "slide(achievement, lower)"),
        "Q222",
    )
    assert (
        "`slide` takes 3 arguments, not 2" in d.message
        and "slide(achievement, lower, upper)" in d.hint
    )


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("£5 + 35%", "cannot add money and a number"),
        ("point_value * point_value", "cannot multiply money by money"),
        ("(numerator > 1) > £2", "cannot compare a boolean (true/false) with money"),
        ("if numerator > 1 then £1 else 0", "different kinds of value"),
        ("numerator and true", "`and` needs a condition"),
    ],
)
def test_unit_errors(expr: str, message: str) -> None:
    text = HEAD + replace_once(RULES, "  payment: points * point_value\n", f"  payment: {expr}\n")
    found = [d for d in problems(text) if message in d.message]
    assert found, [d.render() for d in problems(text)]
    assert found[0].location is not None and found[0].location.line == 13


def test_money_compared_with_a_plain_number_has_a_hint() -> None:
    text = HEAD + RULES + "checks:\n  paid: {assert: payment > 100}\n"
    d = only(text, "Q301")
    assert "£" in d.hint


def test_cycle_between_definitions() -> None:
    text = (
        HEAD
        + "define:\n  a: b + 1\n  b: c * 2\n  c: a\n"
        + replace_once(RULES, "size: list_size", "size: a")
    )
    d = only(text, "Q210")
    assert (
        "a → b → c → a" in d.message or "b → c → a → b" in d.message or "c → a → b → c" in d.message
    )


def test_cycle_through_a_kind_override() -> None:
    text = HEAD + RULES + "kinds:\n  odd:\n    achievement: points / 10\n"
    text = replace_once(
        text,
        "  A001: {max_points: 10, thresholds: 40% .. 80%}",
        "  A001: {max_points: 10, thresholds: 40% .. 80%, kind: odd}",
    )
    assert any(d.code == "Q210" for d in problems(text)), [d.render() for d in problems(text)]


def test_reversed_thresholds() -> None:
    d = only(HEAD + replace_once(RULES, "40% .. 80%", "80% .. 40%"), "Q310")
    assert "lower threshold 80% is not below the upper threshold 40%" in d.message
    assert where(d) == (15, 38)


def test_duplicate_indicator_ids() -> None:
    text = HEAD + replace_once(
        RULES,
        "  A001: {max_points: 10, thresholds: 40% .. 80%}",
        "  A001: {max_points: 10, thresholds: 40% .. 80%}\n  A001: {max_points: 5, thresholds: 40% .. 80%}",
    )
    d = only(text, "Q003")
    assert "duplicate key `A001`" in d.message and where(d) == (16, 3)


def test_unused_parameter_is_a_warning() -> None:
    text = (
        replace_once(HEAD, "  point_value: £156.92\n", "  point_value: £156.92\n  spare: 3\n")
        + RULES
    )
    d = only(text, "W201")
    assert not d.is_error and where(d) == (6, 3)


def test_indicator_field_used_per_unit() -> None:
    text = HEAD + replace_once(RULES, "size: list_size", "size: max_points")
    d = only(text, "Q212")
    assert "sum(x, over=indicators)" in d.hint


def test_unknown_indicator_field_with_suggestion() -> None:
    text = HEAD + replace_once(
        RULES,
        "{max_points: 10, thresholds: 40% .. 80%}",
        "{max_points: 10, thresholds: 40% .. 80%, paymnet: points}",
    )
    d = only(text, "Q205")
    assert "did you mean `payment`" in d.hint


def test_syntax_error_inside_expression_points_at_the_character() -> None:
    d = only(
        HEAD + replace_once(RULES, "numerator / denominator", "numerator // denominator"), "Q100"
    )
    assert where(d) == (11, 27)


def test_schema_errors_are_plain_words() -> None:
    text = replace_once(HEAD, "title: test", "title: test\nparamters: {}") + RULES
    d = only(text, "Q010")
    assert (
        d.message == "unknown field `paramters` in the definition"
        and "did you mean `parameters`" in d.hint
    )


def test_every_error_is_collected_in_one_pass() -> None:
    diags = qframe.validate(FIXTURES / "broken")
    codes = sorted(d.code for d in diags)
    assert codes == sorted(
        ["Q100", "Q201", "Q205", "Q210", "Q222", "Q305", "Q305", "Q310", "W201", "W203"]
    )
    assert all(d.location is not None for d in diags)


def test_load_raises_with_all_errors() -> None:
    with pytest.raises(qframe.DefinitionError) as info:
        qframe.load(FIXTURES / "broken")
    assert len(info.value.errors) == 8


def test_shipped_definitions_are_clean() -> None:
    root = Path(__file__).parents[1] / "frameworks"
    for folder in sorted(p for p in root.iterdir() if (p / "framework.yaml").exists()):
        assert qframe.validate(folder) == [], folder


def test_tabs_in_yaml_get_a_plain_hint() -> None:
    d = only("qframe: 1\nid: t\ntitle: t\nrules:\n\ta: 1\n", "Q001")
    assert where(d) == (5, 1) and "indent with spaces" in d.hint


@pytest.mark.parametrize(
    ("call", "keyword"),
    [
        ("percentile(list_size, 50%, over=indicators)", "over"),
        ("rank(list_size, where=true)", "where"),
        ("rank(list_size, over=units)", "over"),
        ("lag(list_size, 1 year, by=ccg)", "by"),
    ],
)
def test_a_keyword_outside_the_signature_is_a_located_error(call: str, keyword: str) -> None:
    text = HEAD + RULES + f"  extra: {call}\n"
    d = only(text, "Q227")
    assert d.message == f"`{call.split('(')[0]}` has no keyword `{keyword}`"
    assert d.location is not None and d.location.line == 19
    assert d.location.col == 10 + call.index(f"{keyword}=")
    assert d.hint


def _program(text: str) -> Any:
    from qframe.check.compiler import check_framework
    from qframe.engines.numpy.lower import fold_constant

    fw, diags = build_definition("t/framework.yaml", text)
    assert fw is not None and not diags
    return check_framework(fw, fold_constant)


def test_the_checker_gives_typed_ir_with_places() -> None:
    from dataclasses import fields, is_dataclass

    from qframe.ir import nodes as ir
    from qframe.ir.kinds import Kind

    program = _program(HEAD + RULES)
    assert program.ok
    payment = program.values["payment"].variants[0].node
    assert isinstance(payment, ir.Binary) and payment.op == "*"
    assert payment.type.kind is Kind.MONEY and payment.type.per_indicator
    assert isinstance(payment.left, ir.ValueRef) and payment.left.name == "points"
    assert isinstance(payment.right, ir.Param) and payment.right.name == "point_value"
    assert payment.location is not None and (payment.location.line, payment.location.col) == (
        13,
        12,
    )
    total = program.totals["payment"]
    assert isinstance(total, ir.Aggregate) and total.over == "indicators"
    assert not total.type.per_indicator
    assert program.params["point_value"] == ir.Const(
        156.92, type=program.param_types["point_value"]
    )

    def walk(node: Any) -> None:  # frozen nodes, no engine closures anywhere
        assert isinstance(node, ir.Node) and type(node).__dataclass_params__.frozen  # type: ignore[attr-defined]
        for f in fields(node):
            value = getattr(node, f.name)
            for item in value if isinstance(value, tuple) else (value,):
                assert not callable(item) or is_dataclass(item)
                if isinstance(item, ir.Node):
                    walk(item)

    for node in [*program.totals.values(), *program.params.values()]:
        walk(node)
    for value in program.values.values():
        for variant in value.variants:
            walk(variant.node)


def test_constants_are_folded_in_the_ir() -> None:
    from qframe.ir import nodes as ir

    text = HEAD.replace("  point_value: £156.92\n", "  point_value: £150 + £6.92 * 1\n") + RULES
    program = _program(text)
    value = program.params["point_value"]
    assert isinstance(value, ir.Const) and value.value == 150 + 6.92 * 1

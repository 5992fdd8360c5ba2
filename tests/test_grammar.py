"""The expression language: precedence, literals, error messages, positions and round-trips."""

from __future__ import annotations

import datetime
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qframe.language import ast
from qframe.language.ast import (
    Attr,
    Binary,
    Bool,
    Call,
    Date,
    Duration,
    If,
    Keyword,
    Known,
    Money,
    Name,
    Percent,
    Quantity,
    String,
    Unary,
)
from qframe.language.ast import Number as Num
from qframe.language.parser import KEYWORDS, ExpressionSyntaxError, parse
from qframe.language.printer import to_text

a, b, c, x, y = (Name(n) for n in "abcxy")


def n(value: float) -> Num:
    return Num(value)


# --- precedence and associativity ------------------------------------------------------------

PRECEDENCE = [
    ("1 + 2 * 3", Binary("+", n(1), Binary("*", n(2), n(3)))),
    ("1 * 2 + 3", Binary("+", Binary("*", n(1), n(2)), n(3))),
    ("(1 + 2) * 3", Binary("*", Binary("+", n(1), n(2)), n(3))),
    ("a - b - c", Binary("-", Binary("-", a, b), c)),
    ("a - (b - c)", Binary("-", a, Binary("-", b, c))),
    ("a / b / c", Binary("/", Binary("/", a, b), c)),
    ("a * b / c", Binary("/", Binary("*", a, b), c)),
    ("2 ^ 3 ^ 2", Binary("^", n(2), Binary("^", n(3), n(2)))),
    ("(2 ^ 3) ^ 2", Binary("^", Binary("^", n(2), n(3)), n(2))),
    ("-x ^ 2", Unary("-", Binary("^", x, n(2)))),
    ("(-x) ^ 2", Binary("^", Unary("-", x), n(2))),
    ("2 ^ -x", Binary("^", n(2), Unary("-", x))),
    ("-x * y", Binary("*", Unary("-", x), y)),
    ("- - x", Unary("-", Unary("-", x))),
    ("+x", Unary("+", x)),
    ("-2", Unary("-", n(2))),
    ("not a and b", Binary("and", Unary("not", a), b)),
    ("not (a and b)", Unary("not", Binary("and", a, b))),
    ("not not a", Unary("not", Unary("not", a))),
    ("not a == b", Unary("not", Binary("==", a, b))),
    ("a or b and c", Binary("or", a, Binary("and", b, c))),
    ("a and b or c", Binary("or", Binary("and", a, b), c)),
    ("a or b or c", Binary("or", Binary("or", a, b), c)),
    ("a and b and c", Binary("and", Binary("and", a, b), c)),
    ("a < b + 1", Binary("<", a, Binary("+", b, n(1)))),
    ("a + 1 >= b * 2", Binary(">=", Binary("+", a, n(1)), Binary("*", b, n(2)))),
    ("a == b and b != c", Binary("and", Binary("==", a, b), Binary("!=", b, c))),
    ("x in 1 .. 2", Binary("in", x, Binary("..", n(1), n(2)))),
    ("x not in 1 .. 2", Binary("not in", x, Binary("..", n(1), n(2)))),
    ("x .. y + 1", Binary("..", x, Binary("+", y, n(1)))),
    ("a .. b < c", Binary("<", Binary("..", a, b), c)),
    ("if a then b else c + 1", If(a, b, Binary("+", c, n(1)))),
    ("if a then b else c or x", If(a, b, Binary("or", c, x))),
    ("(if a then b else c) + 1", Binary("+", If(a, b, c), n(1))),
    ("if a then b else if c then x else y", If(a, b, If(c, x, y))),
    ("if a then if b then c else x else y", If(a, If(b, c, x), y)),
    ("a.b.c", Attr(Attr(a, "b"), "c")),
    ("a.b ^ 2", Binary("^", Attr(a, "b"), n(2))),
    ("-a.b", Unary("-", Attr(a, "b"))),
    ("f(x).y", Attr(Call("f", (x,)), "y")),
    ("f(x, y=2)", Call("f", (x,), (Keyword("y", n(2)),))),
    ("f()", Call("f")),
    ("f(x,)", Call("f", (x,))),
    ("f(if a then b else c)", Call("f", (If(a, b, c),))),
    ("f(g(x), k=a or b)", Call("f", (Call("g", (x,)),), (Keyword("k", Binary("or", a, b)),))),
    ("a # a comment", a),
]


@pytest.mark.parametrize(("text", "expected"), PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_precedence_and_associativity(text: str, expected: ast.Node) -> None:
    assert parse(text) == expected


def test_equality_ignores_positions_and_spacing() -> None:
    assert parse("1+2*3") == parse("  1 +  2 *\n 3 ")
    assert parse("a") != parse("b")


@pytest.mark.parametrize("text", ["a < b < c", "a == b != c", "a < b >= c"])
def test_comparisons_do_not_chain(text: str) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(text)
    assert info.value.message == "comparisons cannot be chained"
    assert info.value.offset == 6 if text == "a < b < c" else info.value.offset > 2
    assert info.value.hint == "write `a < b and b < c`"


def test_chained_comparison_offset_and_length() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("a <= b <= c")
    assert (info.value.offset, info.value.length) == (7, 2)


# --- literals ----------------------------------------------------------------------------------

LITERALS = [
    ("0", Num(0.0)),
    ("42", Num(42.0)),
    ("3.5", Num(3.5)),
    ("0.125", Num(0.125)),
    ("7_052", Num(7052.0)),
    ("1_000_000", Num(1_000_000.0)),
    ("1e3", Num(1000.0)),
    ("2.5E-2", Num(0.025)),
    ("1e+2", Num(100.0)),
    ("35%", Percent(35.0)),
    ("99.8%", Percent(99.8)),
    ("0%", Percent(0.0)),
    ("£156.92", Money(156.92)),
    ("£0", Money(0.0)),
    ("£1_000", Money(1000.0)),
    ("2 quarters", Duration(2.0, "quarter")),
    ("1 quarter", Duration(1.0, "quarter")),
    ("1 year", Duration(1.0, "year")),
    ("5 years", Duration(5.0, "year")),
    ("12 months", Duration(12.0, "month")),
    ("1 month", Duration(1.0, "month")),
    ("3 periods", Duration(3.0, "period")),
    ("1 period", Duration(1.0, "period")),
    ("1.5 years", Duration(1.5, "year")),
    ("2months", Duration(2.0, "month")),
    ('"DM"', String("DM")),
    ('""', String("")),
    (r'"a \"b\""', String('a "b"')),
    (r'"back\\slash"', String("back\\slash")),
    ('"£ and % and `"', String("£ and % and `")),
    ("true", Bool(True)),
    ("false", Bool(False)),
    ("true_value", Name("true_value")),
    ("falsey", Name("falsey")),
    ("`CVD-PP001`", Name("CVD-PP001")),
    ("`if`", Name("if")),
    ("`a b`", Name("a b")),
    ("_x1", Name("_x1")),
    ("register", Name("register")),
    ("years", Name("years")),
]


@pytest.mark.parametrize(("text", "expected"), LITERALS, ids=[t for t, _ in LITERALS])
def test_literal(text: str, expected: ast.Node) -> None:
    got = parse(text)
    assert got == expected
    assert type(got) is type(expected)


def test_duration_unit_is_stored_singular() -> None:
    for text, unit in [("2 quarters", "quarter"), ("12 months", "month"), ("3 periods", "period")]:
        node = parse(text)
        assert isinstance(node, Duration)
        assert node.unit == unit
        assert node.unit in ast.DURATION_UNITS


def test_number_followed_by_attribute_is_not_a_decimal() -> None:
    assert parse("1.x") == Attr(n(1), "x")
    assert parse("1.5.x") == Attr(n(1.5), "x")


def test_percent_keeps_the_written_value() -> None:
    node = parse("35%")
    assert isinstance(node, Percent)
    assert node.value == 35.0  # 35% is stored as written; it means 0.35


# --- error messages ------------------------------------------------------------------------------

EQ_HINT = (
    "write `==` to compare two values; `name=value` is only for a function's keyword arguments"
)
GAP_HINT = "an operator is missing between two values (e.g. `*`), or a `,` between arguments"
KW_HINT = "expected a value, a name or an operator; a name that is a keyword must be quoted: `{}`"
CURRENCY_HINT = "amounts of money are written in pounds, e.g. £156.92"
THOUSANDS_HINT = "numbers are written without thousands separators: 7052 or 7_052"
EMPTY_HINT = "write an expression, e.g. `numerator / denominator`"
RPAR_HINT = "there is a `)` without a matching `(`, or a value is missing before it"

# (text, message, offset, hint, length)
ERRORS = [
    ("a = b", "`=` is not a comparison", 2, EQ_HINT, 1),
    ("f(x) = 3", "`=` is not a comparison", 5, EQ_HINT, 1),
    ("a == = b", "`=` is not a comparison", 5, EQ_HINT, 1),
    ("a && b", "`&&` is not an operator", 2, "write `and`", 2),
    ("a || b", "`||` is not an operator", 2, "write `or`", 2),
    ("!a", "`!` is not an operator", 0, "write `not x`, or `!=` for 'not equal'", 1),
    ("x ! y", "`!` is not an operator", 2, "write `not x`, or `!=` for 'not equal'", 1),
    ("'DM'", "strings use double quotes", 0, "write \"DM\", not 'DM'", 1),
    ("code == 'DM'", "strings use double quotes", 8, "write \"DM\", not 'DM'", 1),
    ("$5", "`$` is not a currency qframe knows", 0, CURRENCY_HINT, 1),
    ("€5", "`€` is not a currency qframe knows", 0, CURRENCY_HINT, 1),
    ("1,000", "unexpected `,`", 1, THOUSANDS_HINT, 1),
    ("x * (7,052)", "unexpected `,`", 6, THOUSANDS_HINT, 1),
    ("a, b", "unexpected `,`", 1, "expected the end of the expression", 1),
    ("1,", "unexpected `,`", 1, "expected the end of the expression", 1),
    ('"abc', "unterminated string", 0, 'close the string with a double quote: "DM"', 1),
    ('x == "DM', "unterminated string", 5, 'close the string with a double quote: "DM"', 1),
    ("(a + b", "the expression ends too early", 6, "a `(` is not closed: add `)`", 1),
    ("f(x=1", "the expression ends too early", 5, "a `(` is not closed: add `)`", 1),
    ("a +", "the expression ends too early", 3, "expected a value, a name or an operator", 1),
    ("a +   ", "the expression ends too early", 3, "expected a value, a name or an operator", 1),
    ("if a then b", "the expression ends too early", 11, "expected `else`", 1),
    ("if a", "the expression ends too early", 4, "expected `then`", 1),
    ("a b", "unexpected `b`", 2, GAP_HINT, 1),
    ("2 x", "unexpected `x`", 2, GAP_HINT, 1),
    ("f(a b)", "unexpected `b`", 4, GAP_HINT, 1),
    ("a 35%", "unexpected `35%`", 2, GAP_HINT, 3),
    ('a "s"', 'unexpected `"s"`', 2, GAP_HINT, 3),
    (")", "unexpected `)`", 0, RPAR_HINT, 1),
    ("a + )", "unexpected `)`", 4, RPAR_HINT, 1),
    ("(a))", "unexpected `)`", 3, RPAR_HINT, 1),
    ("", "empty expression", 0, EMPTY_HINT, 1),
    ("   \n ", "empty expression", 0, EMPTY_HINT, 1),
    ("a + then", "unexpected keyword `then`", 4, KW_HINT.format("then"), 4),
    ("then", "unexpected keyword `then`", 0, KW_HINT.format("then"), 4),
    ("a and and", "unexpected keyword `and`", 6, KW_HINT.format("and"), 3),
    ("f(else)", "unexpected keyword `else`", 2, KW_HINT.format("else"), 4),
    ("a in b in c", "unexpected keyword `in`", 7, KW_HINT.format("in"), 2),
    ("a .. b .. c", "unexpected `..`", 7, "expected a value, a name or an operator", 2),
    (
        "a @ b",
        "unexpected character `@`",
        2,
        "check the spelling of this part of the expression",
        1,
    ),
    (
        "a ; b",
        "unexpected character `;`",
        2,
        "check the spelling of this part of the expression",
        1,
    ),
]


@pytest.mark.parametrize(
    ("text", "message", "offset", "hint", "length"), ERRORS, ids=[repr(e[0]) for e in ERRORS]
)
def test_error_message(text: str, message: str, offset: int, hint: str, length: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(text)
    err = info.value
    assert (err.message, err.offset, err.hint, err.length) == (message, offset, hint, length)
    assert str(err) == message
    assert 0 <= err.offset <= len(text)


def test_keyword_after_dot_must_be_quoted() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("a.or")
    assert (info.value.message, info.value.offset) == ("unexpected keyword `or`", 2)
    assert parse("a.`or`") == Attr(a, "or")


def test_unclosed_paren_hint_mentions_closing_paren() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("max(a, (b + c)")
    assert ")" in info.value.hint
    assert info.value.offset == len("max(a, (b + c)")


# --- positions -----------------------------------------------------------------------------------


def _spans(text: str) -> list[tuple[str, int, int, str]]:
    return [(type(m).__name__, m.start, m.end, text[m.start : m.end]) for m in parse(text).walk()]


def test_positions_in_a_call() -> None:
    text = "max_points * slide(achievement, lower, upper)"
    assert _spans(text) == [
        ("Binary", 0, 45, text),
        ("Name", 0, 10, "max_points"),
        ("Call", 13, 45, "slide(achievement, lower, upper)"),
        ("Name", 19, 30, "achievement"),
        ("Name", 32, 37, "lower"),
        ("Name", 39, 44, "upper"),
    ]


def test_positions_of_other_nodes() -> None:
    assert _spans("(a + b) * c")[1] == ("Binary", 1, 6, "a + b")
    assert _spans("if a then b else c + 1")[3] == ("Binary", 17, 22, "c + 1")
    assert _spans("-x ^ 2")[:2] == [("Unary", 0, 6, "-x ^ 2"), ("Binary", 1, 6, "x ^ 2")]
    assert _spans("f(x, y=2)")[2] == ("Keyword", 5, 8, "y=2")
    assert _spans("a.b.c")[:2] == [("Attr", 0, 5, "a.b.c"), ("Attr", 0, 3, "a.b")]
    assert _spans("`CVD-PP001` + 1")[1] == ("Name", 0, 11, "`CVD-PP001`")
    assert _spans("  a  ") == [("Name", 2, 3, "a")]
    assert _spans("x >= 35% and y")[3] == ("Percent", 5, 8, "35%")


# --- printer round-trip --------------------------------------------------------------------------

_IDENTS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in KEYWORDS
)
_QUOTED = st.one_of(
    st.sampled_from(sorted(KEYWORDS)),
    st.sampled_from(["CVD-PP001", "a b", "2x", "£", "x.y", "#1", "é"]),
    st.text(st.characters(exclude_characters="`\n"), min_size=1, max_size=8),
)
NAMES = st.one_of(_IDENTS, _IDENTS, _QUOTED)
FLOATS = st.one_of(
    st.integers(0, 1000).map(float),
    st.floats(min_value=0.0, allow_nan=False, allow_infinity=False),
)
LEAVES = st.one_of(
    FLOATS.map(Num),
    FLOATS.map(Percent),
    FLOATS.map(Money),
    st.builds(Duration, FLOATS, st.sampled_from(ast.DURATION_UNITS)),
    st.text(st.characters(exclude_characters="\n"), max_size=8).map(String),
    st.booleans().map(Bool),
    NAMES.map(Name),
    st.dates(datetime.date(1000, 1, 1), datetime.date(9999, 12, 31)).map(Date),
    st.builds(Quantity, FLOATS, st.sampled_from(ast.CLINICAL_UNITS)),
)
BINARY_OPS = (
    *ast.ARITHMETIC,
    *ast.COMPARISON,
    *ast.MEMBERSHIP,
    *ast.BOOLEAN,
    ast.RANGE,
    ast.WINDOW,
)


def _extend(children: st.SearchStrategy[ast.Node]) -> st.SearchStrategy[ast.Node]:
    return st.one_of(
        st.builds(Attr, children, NAMES),
        st.builds(
            Call,
            NAMES,
            st.lists(children, max_size=3).map(tuple),
            st.lists(st.builds(Keyword, NAMES, children), max_size=2).map(tuple),
        ),
        st.builds(Unary, st.sampled_from(["-", "+", "not"]), children),
        st.builds(Binary, st.sampled_from(BINARY_OPS), children, children),
        st.builds(If, children, children, children),
        st.builds(Known, children, st.booleans()),
    )


TREES = st.recursive(LEAVES, _extend, max_leaves=16)


@settings(max_examples=300, deadline=None)
@given(TREES)
def test_print_then_parse_round_trips(tree: ast.Node) -> None:
    text = to_text(tree)
    assert parse(text) == tree, text
    assert to_text(parse(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "0.00001%",  # printed with an exponent before the printer fix ("1e-05%")
        "£0.0000001",
        "0.00001 months",
        "100000000000000000000%",
        "1e-5 + 1e300",
        "-x ^ 2",
        "(-x) ^ 2",
        "a - (b - c)",
        "not (a and b) or c",
        "x not in (1 .. 2) .. 3",
        "(a < b) == (c < x)",
        "f(`CVD-PP001`.value, `if`=1)",
        r'"a \"b\" \\ c"',
        "latest(IFCCHBAM_COD, within=12 months of pped).value <= 59 mmol/mol",
        "x is known and (y is missing or y < x)",
        "(a is known) is missing",
        "pped - 12 months + 1 day",
        "2015-03-31 - 2 weeks",
    ],
)
def test_parse_print_parse(text: str) -> None:
    tree = parse(text)
    assert parse(to_text(tree)) == tree


def test_canonical_text() -> None:
    assert to_text(parse("(1+2)*3")) == "(1 + 2) * 3"
    assert to_text(parse("a-(b-c)")) == "a - (b - c)"
    assert to_text(parse("(a-b)-c")) == "a - b - c"
    assert to_text(parse("(2^3)^2")) == "(2 ^ 3) ^ 2"
    assert to_text(parse("1 years")) == "1 year"
    assert to_text(parse("2 month")) == "2 months"
    assert to_text(parse("0.00001%")) == "0.00001%"
    assert to_text(parse("`a b` + `then`")) == "`a b` + `then`"
    assert to_text(parse(r'"q\"q"')) == r'"q\"q"'


def test_space_before_percent_is_an_error() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("35 %")
    assert (info.value.message, info.value.offset) == ("unexpected character `%`", 3)


# --- random text never crashes -------------------------------------------------------------------

_ALPHABET = 'abxyzinotfe019_ .+-*/^()=<>!"`£%#\n\t' + "@#&|!'$,;{}"
_PIECES = [
    *sorted(KEYWORDS),
    "..",
    "==",
    "<=",
    "!=",
    "35%",
    "£1.5",
    "2 quarters",
    "1e3",
    "7_052",
    '"s"',
    "`q n`",
    "f(",
    "x=",
    ",",
    "(",
    ")",
    " ",
    "a",
    ".b",
]
RANDOM_TEXT = st.one_of(
    st.text(st.sampled_from(_ALPHABET), max_size=30),
    st.lists(st.sampled_from(_PIECES + list(_ALPHABET)), max_size=15).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(RANDOM_TEXT)
def test_random_text_never_crashes(text: str) -> None:
    try:
        result = parse(text)
    except ExpressionSyntaxError as err:
        assert 0 <= err.offset <= len(text)
        assert err.length >= 1
        assert err.message
        assert "Unexpected" not in err.message  # never Lark's raw text
    else:
        assert isinstance(result, ast.Node)
        assert parse(to_text(result)) == result


@pytest.mark.parametrize(
    ("text", "offset", "length"),
    [("1e999", 0, 5), ("x * 1e400", 4, 5), ("1" + "0" * 400 + "%", 0, 402)],
)
def test_literal_too_large_for_a_float_is_an_error(text: str, offset: int, length: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(text)
    err = info.value
    assert (err.message, err.offset, err.hint, err.length) == (
        "number too large",
        offset,
        "write a smaller number",
        length,
    )


def test_largest_float_literal_is_accepted() -> None:
    node = parse("1e308")
    assert isinstance(node, Num)
    assert math.isfinite(node.value)
    assert parse(to_text(node)) == node


def test_positional_argument_after_keyword_is_an_error() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("round(places=1, x / 3)")
    assert info.value.message == "a positional argument follows a keyword argument"
    assert info.value.offset == 16 and "round(x, name=value)" in info.value.hint


# --- record-level syntax -------------------------------------------------------------------------


def test_record_literals() -> None:
    assert parse("2015-03-31") == Date(datetime.date(2015, 3, 31))
    assert parse("59 mmol/mol") == Quantity(59.0, "mmol/mol")
    assert parse("150mmHg") == Quantity(150.0, "mmHg")
    assert parse("1 day") == Duration(1.0, "day")
    assert parse("2 weeks") == Duration(2.0, "week")
    # without its dashes' digits a date is a subtraction, as before
    assert parse("2015 - 3") == Binary("-", Num(2015.0), Num(3.0))


def test_known_missing_and_windows() -> None:
    assert parse("x.date is known") == Known(Attr(x, "date"), False)
    assert parse("not x is missing") == Unary("not", Known(x, True))
    assert parse("12 months of pped") == Binary("of", Duration(12.0, "month"), Name("pped"))
    assert parse("a is known and b is missing") == Binary("and", Known(a), Known(b, True))


def test_impossible_date_is_located() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("x < 2015-02-30")
    assert info.value.offset == 4
    assert "not a date" in info.value.message
    assert "year-month-day" in info.value.hint


def test_unknown_unit_is_a_syntax_error() -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("x <= 59 mmol")
    assert info.value.offset == 8

"""Parse expression text into the syntax tree of :mod:`qframe.language.ast`.

The Lark LALR parser is built from ``grammar.lark`` once, then loaded from its cache in the user's
cache folder (:func:`parser_cache`) by each process. Syntax errors become
:class:`ExpressionSyntaxError` with the offset of the offending character and a hint written for
people, never Lark's raw "Unexpected token" text.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import math
import os
import re
import sys
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import lark
from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from qframe.language import ast

KEYWORDS = frozenset(
    {
        "if",
        "then",
        "else",
        "and",
        "or",
        "not",
        "in",
        "true",
        "false",
        "is",
        "known",
        "missing",
        "of",
    }
)

# Human names for the grammar's terminals, for "expected ..." messages.
_TERMINAL_NAMES = {
    "NUMBER": "a number",
    "PERCENT": "a percentage",
    "MONEY": "an amount of money",
    "DURATION": "a duration",
    "DATE": "a date",
    "QUANTITY": "a clinical quantity",
    "STRING": "a string",
    "NAME": "a name",
    "QUOTED_NAME": "a name",
    "TRUE": "true",
    "FALSE": "false",
    "LPAR": "`(`",
    "RPAR": "`)`",
    "COMMA": "`,`",
    "COMPARE": "a comparison",
    "PLUS": "`+`",
    "MINUS": "`-`",
    "STAR": "`*`",
    "SLASH": "`/`",
    "CIRCUMFLEX": "`^`",
    "DOT": "`.`",
    "EQUAL": "`=`",
    "IF": "`if`",
    "THEN": "`then`",
    "ELSE": "`else`",
    "AND": "`and`",
    "OR": "`or`",
    "NOT": "`not`",
    "IN": "`in`",
    "IS": "`is`",
    "KNOWN": "`known`",
    "MISSING": "`missing`",
    "OF": "`of`",
    "__ANON_0": "`..`",
    "$END": "the end of the expression",
}


#: The longest expression text accepted, in characters (documented in docs/language.md): a longer
#: one is refused before it is parsed, so that a runaway file costs milliseconds, not minutes.
MAX_EXPRESSION_CHARS = 20_000

#: The deepest an expression may nest: each operator, call or `if` inside another is one level,
#: so `a + b + c` is 2 deep. Every later stage (checking, lowering, printing) walks the tree
#: recursively; this bound keeps them far from Python's recursion limit.
MAX_EXPRESSION_DEPTH = 200


class ExpressionSyntaxError(Exception):
    """A syntax error at ``offset`` (0-based) in the expression text; ``code`` is its diagnostic
    (Q100 a syntax error, Q101 an expression nested too deeply or too long)."""

    def __init__(
        self, message: str, offset: int, hint: str = "", length: int = 1, code: str = "Q100"
    ) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint
        self.length = max(1, length)
        self.code = code


def _number(text: str) -> float:
    return float(text.replace("_", ""))


@v_args(meta=True)
class _ToAst(Transformer[Token, ast.Node]):
    """Lark tree → frozen dataclasses, keeping character offsets."""

    @staticmethod
    def _pos(meta: Any) -> dict[str, int]:
        if getattr(meta, "empty", True):
            return {"start": 0, "end": 0}
        return {"start": meta.start_pos, "end": meta.end_pos}

    def number(self, meta: Any, c: list[Token]) -> ast.Node:
        return ast.Number(_number(c[0]), **self._pos(meta))

    def percent(self, meta: Any, c: list[Token]) -> ast.Node:
        return ast.Percent(_number(c[0][:-1]), **self._pos(meta))

    def money(self, meta: Any, c: list[Token]) -> ast.Node:
        return ast.Money(_number(c[0][1:]), **self._pos(meta))

    def duration(self, meta: Any, c: list[Token]) -> ast.Node:
        m = re.fullmatch(r"([0-9][0-9_]*(?:\.[0-9]+)?)\s*([a-z]+?)s?", str(c[0]))
        assert m is not None
        return ast.Duration(_number(m.group(1)), m.group(2), **self._pos(meta))

    def date(self, meta: Any, c: list[Token]) -> ast.Node:
        try:
            value = datetime.date.fromisoformat(str(c[0]))
        except ValueError:
            raise ExpressionSyntaxError(
                f"{c[0]} is not a date",
                meta.start_pos,
                "write a date as year-month-day, e.g. 2015-03-31",
                len(str(c[0])),
            ) from None
        return ast.Date(value, **self._pos(meta))

    def quantity(self, meta: Any, c: list[Token]) -> ast.Node:
        m = re.fullmatch(r"([0-9][0-9_]*(?:\.[0-9]+)?)\s*(\S+)", str(c[0]))
        assert m is not None
        return ast.Quantity(_number(m.group(1)), m.group(2), **self._pos(meta))

    def known_op(self, meta: Any, c: list[Any]) -> ast.Node:
        return ast.Known(c[0], False, **self._pos(meta))

    def missing_op(self, meta: Any, c: list[Any]) -> ast.Node:
        return ast.Known(c[0], True, **self._pos(meta))

    def string(self, meta: Any, c: list[Token]) -> ast.Node:
        raw = str(c[0])[1:-1]
        value = re.sub(r"\\(.)", r"\1", raw)
        return ast.String(value, **self._pos(meta))

    def true(self, meta: Any, c: list[Token]) -> ast.Node:
        return ast.Bool(True, **self._pos(meta))

    def false(self, meta: Any, c: list[Token]) -> ast.Node:
        return ast.Bool(False, **self._pos(meta))

    def name(self, meta: Any, c: list[Token]) -> str:
        text = str(c[0])
        return text[1:-1] if text.startswith("`") else text

    def ref(self, meta: Any, c: list[Any]) -> ast.Node:
        return ast.Name(c[0], **self._pos(meta))

    def attr(self, meta: Any, c: list[Any]) -> ast.Node:
        return ast.Attr(c[0], c[1], **self._pos(meta))

    def arguments(self, meta: Any, c: list[Any]) -> list[Any]:
        return list(c)

    def keyword(self, meta: Any, c: list[Any]) -> ast.Node:
        return ast.Keyword(c[0], c[1], **self._pos(meta))

    def call(self, meta: Any, c: list[Any]) -> ast.Node:
        func, argl = c[0], (c[1] or [])
        args = tuple(a for a in argl if not isinstance(a, ast.Keyword))
        kwargs = tuple(a for a in argl if isinstance(a, ast.Keyword))
        seen_keyword = False
        for a in argl:
            if isinstance(a, ast.Keyword):
                seen_keyword = True
            elif seen_keyword:
                raise ExpressionSyntaxError(
                    "a positional argument follows a keyword argument",
                    a.start,
                    f"put the plain arguments first, then the keywords: {func}(x, name=value)",
                    max(1, a.end - a.start),
                )
        return ast.Call(func, args, kwargs, **self._pos(meta))

    def _bin(self, op: str, meta: Any, c: list[Any]) -> ast.Node:
        return ast.Binary(op, c[0], c[-1], **self._pos(meta))

    def compare(self, meta: Any, c: list[Any]) -> ast.Node:
        return ast.Binary(str(c[1]), c[0], c[2], **self._pos(meta))

    def neg(self, meta: Any, c: list[Any]) -> ast.Node:
        return ast.Unary("-", c[0], **self._pos(meta))

    def pos(self, meta: Any, c: list[Any]) -> ast.Node:
        return ast.Unary("+", c[0], **self._pos(meta))

    def not_op(self, meta: Any, c: list[Any]) -> ast.Node:
        return ast.Unary("not", c[0], **self._pos(meta))

    def if_expr(self, meta: Any, c: list[Any]) -> ast.Node:
        return ast.If(c[0], c[1], c[2], **self._pos(meta))


def _reserve_keyword(tok: Token) -> Token:
    # Lark's contextual lexer reads a keyword as a NAME wherever the keyword itself cannot come
    # next (`a + then`); give it back its keyword type so that the parser reports it.
    if tok.value in KEYWORDS:
        return Token.new_borrow_pos(str(tok.value).upper(), tok.value, tok)
    return tok


# One grammar rule per binary operator (grammar.lark names them); each builds an ast.Binary.
_BINARY_RULES = {
    "add": "+",
    "sub": "-",
    "mul": "*",
    "div": "/",
    "pow": "^",
    "and_op": "and",
    "or_op": "or",
    "in_op": "in",
    "not_in_op": "not in",
    "range_op": "..",
    "of_op": "of",
}


def _binary_rule(op: str) -> Any:
    def rule(self: _ToAst, meta: Any, c: list[Any]) -> ast.Node:
        return self._bin(op, meta, c)

    return v_args(meta=True)(rule)


for _rule, _op in _BINARY_RULES.items():
    setattr(_ToAst, _rule, _binary_rule(_op))


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = grammar_text()
    return Lark(
        grammar,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        lexer_callbacks={"NAME": _reserve_keyword},
        cache=str(parser_cache(grammar)),  # the LALR tables: a new process starts faster
    )


def parser_cache(grammar: str) -> Path:
    """Where the parser's tables are kept between processes: the user's cache folder
    (``$XDG_CACHE_HOME``, else ``~/.cache``; ``%LOCALAPPDATA%`` on Windows), ``qframe/``, one file
    per grammar, Lark and Python version. Lark reads it only when it was made from this same
    grammar, and carries on without it when the folder cannot be read or written."""
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = base / "qframe"
    with contextlib.suppress(OSError):  # then Lark builds the parser and fails quietly to save it
        folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(f"{grammar}\0{lark.__version__}".encode()).hexdigest()[:16]
    return folder / f"expression-parser-{digest}-py{sys.version_info[0]}{sys.version_info[1]}.lark"


def grammar_text() -> str:
    """The expression grammar as shipped with the package (also shown in the language reference)."""
    return files("qframe.language").joinpath("grammar.lark").read_text(encoding="utf-8")


def parse(text: str) -> ast.Node:
    """Parse one expression. Raises :class:`ExpressionSyntaxError` with a located message.

    The same text gives the same (immutable) tree, parsed once per process: a framework repeats
    many expressions (``false``, ``50% .. 90%``), and ``compare`` reads several frameworks."""
    return _parse_text(text)


@lru_cache(maxsize=8192)
def _parse_text(text: str) -> ast.Node:
    if not text.strip():
        raise ExpressionSyntaxError(
            "empty expression", 0, "write an expression, e.g. `numerator / denominator`"
        )
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionSyntaxError(
            f"the expression is {len(text):,} characters long; the limit is "
            f"{MAX_EXPRESSION_CHARS:,}",
            0,
            "split it into named definitions (`define:`)",
            code="Q101",
        )
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _friendly(text, exc) from None
    _check_depth(tree)
    try:
        result = _ToAst().transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, ExpressionSyntaxError):
            raise exc.orig_exc from None
        raise
    assert isinstance(result, ast.Node)
    for node in result.walk():
        value = getattr(node, "amount" if isinstance(node, ast.Duration) else "value", 0.0)
        if isinstance(value, float) and not math.isfinite(value):
            raise ExpressionSyntaxError(
                "number too large", node.start, "write a smaller number", node.end - node.start
            )
    return result


def _check_depth(tree: Tree[Token]) -> None:
    """Refuse a tree deeper than :data:`MAX_EXPRESSION_DEPTH`, walking it without recursion and
    pointing at the operator where the limit is crossed."""
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data not in _FLAT_RULES:
            depth += 1
        if depth > MAX_EXPRESSION_DEPTH:
            meta = node.meta
            start = 0 if getattr(meta, "empty", True) else meta.start_pos
            raise ExpressionSyntaxError(
                f"the expression is nested more than {MAX_EXPRESSION_DEPTH} levels deep "
                "(operators, calls and `if`s inside one another)",
                start,
                "split it into named definitions (`define:`), or use sum(...) over a list",
                code="Q101",
            )
        stack.extend((child, depth) for child in node.children if isinstance(child, Tree))


# Rules that do not add a level of nesting: a call's argument list, a name inside a reference.
_FLAT_RULES = frozenset({"arguments", "name", "ref"})


def _expected(exc: UnexpectedInput) -> str:
    names = sorted(
        {_TERMINAL_NAMES.get(t, f"`{t.lower()}`") for t in (getattr(exc, "expected", None) or ())}
    )
    if not names:
        return ""
    if len(names) > 6:
        return "a value, a name or an operator"
    return ", ".join(names[:-1]) + (" or " if len(names) > 1 else "") + names[-1]


def _friendly(text: str, exc: UnexpectedInput) -> ExpressionSyntaxError:
    if isinstance(exc, UnexpectedCharacters):
        offset = exc.pos_in_stream or 0
        ch = text[offset]
        two = text[offset : offset + 2]
        if two in ("&&", "||"):
            word = "and" if two == "&&" else "or"
            return ExpressionSyntaxError(
                f"`{two}` is not an operator", offset, f"write `{word}`", 2
            )
        if ch == "!":
            return ExpressionSyntaxError(
                "`!` is not an operator", offset, "write `not x`, or `!=` for 'not equal'"
            )
        if ch == "'":
            return ExpressionSyntaxError(
                "strings use double quotes", offset, "write \"DM\", not 'DM'"
            )
        if ch == "=":
            return ExpressionSyntaxError(
                "`=` is not a comparison", offset, "write `==` to compare two values"
            )
        if ch == "$" or ch == "€":
            return ExpressionSyntaxError(
                f"`{ch}` is not a currency qframe knows",
                offset,
                "amounts of money are written in pounds, e.g. £156.92",
            )
        if ch == ",":
            return ExpressionSyntaxError(
                "unexpected `,`",
                offset,
                "numbers are written without thousands separators: 7052 or 7_052",
            )
        if ch == '"':
            return ExpressionSyntaxError(
                "unterminated string", offset, 'close the string with a double quote: "DM"'
            )
        return ExpressionSyntaxError(
            f"unexpected character `{ch}`",
            offset,
            "check the spelling of this part of the expression",
        )
    if isinstance(exc, UnexpectedEOF):
        return ExpressionSyntaxError(
            "the expression ends too early", len(text.rstrip()), f"expected {_expected(exc)}"
        )
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        if tok.type == "$END":
            expected: set[str] = getattr(exc, "expected", set()) or set()
            hint = (
                "a `(` is not closed: add `)`"
                if "RPAR" in expected
                else f"expected {_expected(exc)}"
            )
            return ExpressionSyntaxError("the expression ends too early", len(text.rstrip()), hint)
        offset = tok.start_pos if tok.start_pos is not None else 0
        value = str(tok.value)
        length = len(value)
        if tok.type == "COMPARE":
            return ExpressionSyntaxError(
                "comparisons cannot be chained", offset, "write `a < b and b < c`", length
            )
        if tok.type == "EQUAL":
            return ExpressionSyntaxError(
                "`=` is not a comparison",
                offset,
                "write `==` to compare two values; `name=value` is only for a function's keyword arguments",
                length,
            )
        before, after = text[max(offset - 1, 0) : offset], text[offset + 1 : offset + 2]
        if tok.type == "COMMA" and before.isdigit() and after.isdigit():
            # a thousands separator (`1,000`): Lark reports `,` as a token, not as a bad character
            return ExpressionSyntaxError(
                "unexpected `,`",
                offset,
                "numbers are written without thousands separators: 7052 or 7_052",
                length,
            )
        if tok.type == "RPAR":
            return ExpressionSyntaxError(
                "unexpected `)`",
                offset,
                "there is a `)` without a matching `(`, or a value is missing before it",
                length,
            )
        if value in KEYWORDS:
            return ExpressionSyntaxError(
                f"unexpected keyword `{value}`",
                offset,
                f"expected {_expected(exc)}; a name that is a keyword must be quoted: `{value}`",
                length,
            )
        if tok.type in (
            "NAME",
            "NUMBER",
            "PERCENT",
            "MONEY",
            "STRING",
            "DURATION",
            "DATE",
            "QUANTITY",
            "QUOTED_NAME",
        ):
            return ExpressionSyntaxError(
                f"unexpected `{value}`",
                offset,
                "an operator is missing between two values (e.g. `*`), or a `,` between arguments",
                length,
            )
        return ExpressionSyntaxError(
            f"unexpected `{value}`", offset, f"expected {_expected(exc)}", length
        )
    return ExpressionSyntaxError(str(exc), 0)

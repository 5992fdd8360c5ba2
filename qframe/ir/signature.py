"""Typed function signatures: what a built-in function accepts, as data.

A :class:`Signature` lists the positional parameters with the kinds of value each accepts, the
keywords with their defaults, and the rule that gives the kind of the result. The checker enforces
it (argument count, keyword names, kinds of value) and the language reference shows it: the text
of :meth:`Signature.shown` is the signature printed in docs/language.md. The signatures of the
built-in functions are declared in :mod:`qframe.functions.registry`.

>>> Signature("round", (Parameter("value", QUANTITY),), (Keyword("places", "0"),), "first").shown
'round(value, places=0)'
>>> Signature("min", (Parameter("a", QUANTITY),), rest=("b",), rest_kinds=QUANTITY).shown
'min(a, b, ...)'
"""

from __future__ import annotations

from dataclasses import dataclass

from qframe.ir.kinds import Kind

QUANTITY = (Kind.NUMBER, Kind.MONEY, Kind.DURATION)
CONDITION = (Kind.BOOL,)
NUMBER = (Kind.NUMBER,)
TEXT = (Kind.STRING,)
ANY_VALUE = (*QUANTITY, Kind.BOOL)

# How the kind of the result follows from the arguments:
RESULT_RULES = {
    "number": "a number",
    "bool": "a condition",
    "first": "the kind of the first argument",
    "same": "the kind shared by all arguments",
    "scores": "the kind of the scores",
}


@dataclass(frozen=True)
class Parameter:
    """A positional parameter: its name, the kinds of value it accepts, whether it may be left
    out (only at the end), and how the reference shows it when not by its name."""

    name: str
    kinds: tuple[Kind, ...]
    optional: bool = False
    shown: str = ""

    @property
    def text(self) -> str:
        return self.shown or self.name


@dataclass(frozen=True)
class Keyword:
    """A keyword argument and its default as the reference shows it (empty: none)."""

    name: str
    default: str = ""


@dataclass(frozen=True)
class Signature:
    """A function's typed signature. ``rest`` names a group of parameters that may repeat after
    the fixed ones (``min(a, b, ...)``; ``band(value, cut1, score1, ...)``); it must be given at
    least once."""

    name: str
    params: tuple[Parameter, ...]
    keywords: tuple[Keyword, ...] = ()
    result: str = "number"
    rest: tuple[str, ...] = ()
    rest_kinds: tuple[Kind, ...] = ()

    @property
    def keyword_names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keywords)

    @property
    def min_args(self) -> int:
        fixed = sum(1 for p in self.params if not p.optional)
        return fixed + len(self.rest)

    @property
    def max_args(self) -> int | None:
        return None if self.rest else len(self.params)

    def kinds_at(self, position: int) -> tuple[Kind, ...]:
        """The kinds of value the argument at ``position`` (from 0) may have."""
        if position < len(self.params):
            return self.params[position].kinds
        return self.rest_kinds

    @property
    def shown(self) -> str:
        """The signature as the language reference prints it."""
        parts = [p.text for p in self.params]
        if len(self.rest) == 1:
            parts += [self.rest[0], "..."]
        elif self.rest:
            parts += [f"{name}{i}" for i in (1, 2) for name in self.rest] + ["..."]
        parts += [f"{k.name}={k.default}" for k in self.keywords]
        return f"{self.name}({', '.join(parts)})"

    def __post_init__(self) -> None:
        if self.result not in RESULT_RULES:  # pragma: no cover - a mistake in the registry
            raise ValueError(f"{self.name}: unknown result rule {self.result!r}")

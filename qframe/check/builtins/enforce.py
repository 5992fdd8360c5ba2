"""Enforcing a built-in function's typed signature: argument count, keyword names, kinds of
value, and keywords whose value is a name (`by=cluster`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qframe.check.compiled import Compiled, Scope
from qframe.errors.diagnostics import did_you_mean
from qframe.functions.registry import FunctionSpec
from qframe.ir import kinds as t
from qframe.language import ast

if TYPE_CHECKING:
    from qframe.check.compiler import Compiler


def arity(compiler: Compiler, spec: FunctionSpec, node: ast.Call, scope: Scope) -> bool:
    """The argument count and the keywords the signature allows (each at most once)."""
    signature = spec.typed_signature
    keywords = signature.keyword_names
    lo, hi = signature.min_args, signature.max_args
    ok = True
    n = len(node.args)
    if n < lo or (hi is not None and n > hi):
        want = f"{lo}" if hi == lo else f"{lo} to {hi}" if hi is not None else f"at least {lo}"
        compiler.error(
            "Q222",
            f"`{node.func}` takes {want} argument{'s' * (want != '1')}, not {n}",
            scope.loc(node),
            f"write {spec.signature}",
        )
        ok = False
    seen: set[str] = set()
    for kw in node.kwargs:
        if kw.name not in keywords:
            hint = did_you_mean(kw.name, keywords) or (
                f"its keywords are: {', '.join(keywords)}"
                if keywords
                else f"`{node.func}` takes no keyword arguments"
            )
            compiler.error("Q227", f"`{node.func}` has no keyword `{kw.name}`", scope.loc(kw), hint)
            ok = False
        if kw.name in seen:
            compiler.error("Q228", f"keyword `{kw.name}` is given twice", scope.loc(kw))
            ok = False
        seen.add(kw.name)
    return ok


def kinds(
    compiler: Compiler, scope: Scope, c: Compiled, allowed: Sequence[t.Kind], what: str
) -> bool:
    """The argument ``c`` is of one of the ``allowed`` kinds (Q229 otherwise)."""
    if c.type.kind is t.Kind.ANY or c.type.kind in allowed:
        return True
    names = " or ".join(t.Type(k).describe() for k in allowed)
    compiler.error(
        "Q229",
        f"{what} must be {names}, not {c.type.describe()}",
        scope.loc(c.node) if c.node is not None else None,
    )
    return False


def same_kind(
    compiler: Compiler, scope: Scope, node: ast.Call, args: Sequence[Compiled]
) -> t.Kind | None:
    """The one kind the arguments share (Q305 when they mix kinds)."""
    found = {c.type.kind for c in args} - {t.Kind.ANY}
    if len(found) > 1:
        described = ", ".join(sorted({c.type.describe() for c in args if not c.type.is_any}))
        compiler.error(
            "Q305",
            f"the arguments of `{node.func}` mix kinds of value: {described}",
            scope.loc(node),
            "give them all the same kind (e.g. all money)",
        )
        return None
    return found.pop() if found else t.Kind.ANY


def symbol(
    compiler: Compiler, scope: Scope, kw: ast.Keyword, choices: Sequence[str], what: str
) -> str | None:
    """A keyword whose value is a name from ``choices`` (`by=cluster`, `over=indicators`)."""
    value = kw.value
    if isinstance(value, ast.Name) and value.name in choices:
        if choices is compiler.unit_attrs:  # the data must have it: checked when it is read
            compiler.attribute_uses.setdefault(value.name, scope.loc(value))
        return value.name
    text = value.name if isinstance(value, ast.Name) else "this"
    compiler.error(
        "Q231",
        f"`{text}` is not {what}",
        scope.loc(value),
        did_you_mean(text, choices) or f"choose one of: {', '.join(choices)}",
    )
    return None


def positional_kinds(
    compiler: Compiler, spec: FunctionSpec, scope: Scope, args: Sequence[Compiled]
) -> bool:
    """Each positional argument of one of the kinds its parameter accepts."""
    ok = True
    for i, a in enumerate(args):
        allowed = spec.typed_signature.kinds_at(i)
        ok &= kinds(compiler, scope, a, allowed, f"argument {i + 1} of `{spec.name}`")
    return ok

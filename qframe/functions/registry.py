"""The built-in functions of the expression language: one registry, used by the compiler, by the
generated language reference (docs/language.md) and by the tests that run every example.

Each function checks its arguments (count, keywords, kinds of value) when the definition is
compiled, and returns a vectorised closure. Examples run against the documentation dataset
(:data:`EXAMPLE_DATA`): four practices in two clusters, two years.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np

from qframe.engines.numpy import vectors as vec
from qframe.errors.diagnostics import Location, did_you_mean
from qframe.ir import kinds as t
from qframe.language import ast
from qframe.scoring import rules as scoring

if TYPE_CHECKING:
    from qframe.check.compiler import C, Compiler, Scope
    from qframe.engines.numpy.engine import Ctx

CompileFn = Callable[["Compiler", ast.Call, "Scope"], "C"]

# The dataset every example in the reference runs on: practice × year values of input `x`.
EXAMPLE_DATA = {
    "units": ["P1", "P2", "P3", "P4"],
    "cluster": ["north", "north", "south", "south"],
    "periods": ["2013-14", "2014-15"],
    "x": {"2013-14": [1.0, 1.0, 5.0, 5.0], "2014-15": [1.0, 2.0, 3.0, 4.0]},
}


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    signature: str
    category: str
    doc: str
    example: str  # an expression over the example data
    result: tuple[float | None, ...]  # its value for P1..P4 in 2014-15 (None = missing)
    compile: CompileFn


REGISTRY: dict[str, FunctionSpec] = {}


def register(
    name: str, signature: str, category: str, doc: str, example: str, result: Sequence[float | None]
) -> Callable[[CompileFn], CompileFn]:
    def deco(fn: CompileFn) -> CompileFn:
        REGISTRY[name] = FunctionSpec(name, signature, category, doc, example, tuple(result), fn)
        return fn

    return deco


# ---------------------------------------------------------------- argument helpers


def _c(cc: Compiler) -> type[C]:
    from qframe.check.compiler import C

    return C


def _any(node: ast.Node) -> C:
    from qframe.check.compiler import _any as any_

    return any_(node)


def _arity(
    cc: Compiler,
    node: ast.Call,
    scope: Scope,
    lo: int,
    hi: int | None,
    keywords: Sequence[str] = (),
) -> bool:
    spec = REGISTRY[node.func]
    ok = True
    n = len(node.args)
    if n < lo or (hi is not None and n > hi):
        want = f"{lo}" if hi == lo else f"{lo} to {hi}" if hi is not None else f"at least {lo}"
        cc.error(
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
            cc.error("Q227", f"`{node.func}` has no keyword `{kw.name}`", scope.loc(kw), hint)
            ok = False
        if kw.name in seen:
            cc.error("Q228", f"keyword `{kw.name}` is given twice", scope.loc(kw))
            ok = False
        seen.add(kw.name)
    return ok


def _kinds(cc: Compiler, scope: Scope, c: C, allowed: Sequence[t.Kind], what: str) -> bool:
    if c.type.kind is t.Kind.ANY or c.type.kind in allowed:
        return True
    names = " or ".join(t.Type(k).describe() for k in allowed)
    cc.error(
        "Q229",
        f"{what} must be {names}, not {c.type.describe()}",
        scope.loc(c.node) if c.node is not None else None,
    )
    return False


def _same(cc: Compiler, scope: Scope, node: ast.Call, cs: Sequence[C]) -> t.Kind | None:
    kinds = {c.type.kind for c in cs} - {t.Kind.ANY}
    if len(kinds) > 1:
        described = ", ".join(sorted({c.type.describe() for c in cs if not c.type.is_any}))
        cc.error(
            "Q305",
            f"the arguments of `{node.func}` mix kinds of value: {described}",
            scope.loc(node),
            "give them all the same kind (e.g. all money)",
        )
        return None
    return kinds.pop() if kinds else t.Kind.ANY


def _symbol(
    cc: Compiler, scope: Scope, kw: ast.Keyword, choices: Sequence[str], what: str
) -> str | None:
    value = kw.value
    if isinstance(value, ast.Name) and value.name in choices:
        if choices is cc.unit_attrs:  # the data must have it: checked when the data is read
            cc.attribute_uses.setdefault(value.name, scope.loc(value))
        return value.name
    text = value.name if isinstance(value, ast.Name) else "this"
    cc.error(
        "Q231",
        f"`{text}` is not {what}",
        scope.loc(value),
        did_you_mean(text, choices) or f"choose one of: {', '.join(choices)}",
    )
    return None


QUANTITY = (t.Kind.NUMBER, t.Kind.MONEY, t.Kind.DURATION)


def _elementwise(
    name: str,
    signature: str,
    doc: str,
    example: str,
    result: Sequence[float | None],
    n: int | tuple[int, int | None],
    kinds: Sequence[t.Kind],
    impl: Callable[..., Any],
    result_kind: t.Kind | None = None,
    same: bool = True,
) -> None:
    lo, hi = (n, n) if isinstance(n, int) else n

    def compile_(cc: Compiler, node: ast.Call, scope: Scope) -> C:
        C = _c(cc)
        ok = _arity(cc, node, scope, lo, hi)
        args = [cc.node(a, scope) for a in node.args]
        if not ok:
            return _any(node)
        for i, a in enumerate(args):
            ok &= _kinds(cc, scope, a, kinds, f"argument {i + 1} of `{name}`")
        kind = _same(cc, scope, node, args) if same else t.Kind.NUMBER
        if not ok or kind is None:
            return _any(node)
        per = any(a.type.per_indicator for a in args)
        fns = [a.fn for a in args]
        out = C(
            t.Type(result_kind or kind, per), lambda ctx: impl(*(f(ctx) for f in fns)), node=node
        )
        return cc._fold(out, args)

    register(
        name,
        signature,
        "missing values" if name in ("coalesce", "is_missing") else "arithmetic",
        doc,
        example,
        result,
    )(compile_)


# ---------------------------------------------------------------- scoring


@register(
    "slide",
    "slide(achievement, lower, upper)",
    "scoring",
    "Share of the points earned on a sliding scale: 0 below `lower`, 1 at or above `upper`, in proportion between them (QOF's rule). Multiply by `max_points` for points.",
    "slide(x / 5, 30%, 70%)",
    [0.0, 0.25, 0.75, 1.0],
)
def _slide(cc: Compiler, node: ast.Call, scope: Scope) -> C:
    return _numeric_fn(cc, node, scope, 3, scoring.slide)


@register(
    "all_or_nothing",
    "all_or_nothing(achievement, threshold)",
    "scoring",
    "1 where `achievement` reaches `threshold`, otherwise 0: for yes/no indicators and gates.",
    "all_or_nothing(x / 4, 75%)",
    [0.0, 0.0, 1.0, 1.0],
)
def _all_or_nothing(cc: Compiler, node: ast.Call, scope: Scope) -> C:
    return _numeric_fn(cc, node, scope, 2, scoring.all_or_nothing)


def _numeric_fn(cc: Compiler, node: ast.Call, scope: Scope, n: int, impl: Callable[..., Any]) -> C:
    C = _c(cc)
    ok = _arity(cc, node, scope, n, n)
    args = [cc.node(a, scope) for a in node.args]
    if not ok:
        return _any(node)
    for i, a in enumerate(args):
        ok &= _kinds(cc, scope, a, (t.Kind.NUMBER,), f"argument {i + 1} of `{node.func}`")
    if not ok:
        return _any(node)
    fns = [a.fn for a in args]
    per = any(a.type.per_indicator for a in args)
    return cc._fold(
        C(t.Type(t.Kind.NUMBER, per), lambda ctx: impl(*(f(ctx) for f in fns)), node=node), args
    )


@register(
    "band",
    "band(value, cut1, score1, cut2, score2, ...)",
    "scoring",
    "Step scoring (tiers): 0 below `cut1`, `score1` from `cut1`, `score2` from `cut2`, and so on. Cuts ascend; scores may be numbers or money.",
    "band(x, 2, 0.5, 4, 1)",
    [0.0, 0.5, 0.5, 1.0],
)
def _band(cc: Compiler, node: ast.Call, scope: Scope) -> C:
    C = _c(cc)
    n = len(node.args)
    ok = _arity(cc, node, scope, 3, None)
    args = [cc.node(a, scope) for a in node.args]
    if ok and n % 2 == 0:
        cc.error(
            "Q222",
            "`band` takes a value, then pairs of cut and score",
            scope.loc(node),
            "write band(value, cut1, score1, cut2, score2)",
        )
        ok = False
    if not ok:
        return _any(node)
    value, cuts, scores = args[0], args[1::2], args[2::2]
    if _same(cc, scope, node, [value, *cuts]) is None:
        return _any(node)
    skind = _same(cc, scope, node, scores)
    if skind is None:
        return _any(node)
    consts = [c.const for c in cuts if c.is_const]
    if len(consts) == len(cuts) and any(b <= a for a, b in itertools.pairwise(consts)):
        cc.error(
            "Q312",
            "the cuts of `band` must ascend",
            scope.loc(node),
            "list the cuts from lowest to highest",
        )
    fv, fc, fs = value.fn, [c.fn for c in cuts], [s.fn for s in scores]
    per = any(a.type.per_indicator for a in args)

    def fn(ctx: Ctx) -> Any:
        return scoring.band(fv(ctx), [f(ctx) for f in fc], [0.0, *(f(ctx) for f in fs)])

    return cc._fold(C(t.Type(skind, per), fn, node=node), args)


# ---------------------------------------------------------------- arithmetic

_elementwise(
    "clamp",
    "clamp(value, lowest, highest)",
    "`value` limited to `lowest .. highest`: a floor and a cap.",
    "clamp(x, 2, 3)",
    [2.0, 2.0, 3.0, 3.0],
    3,
    QUANTITY,
    scoring.clamp,
)
_elementwise(
    "min",
    "min(a, b, ...)",
    "The smallest of its arguments, for each unit (missing if any is missing).",
    "min(x, 2.5)",
    [1.0, 2.0, 2.5, 2.5],
    (2, None),
    QUANTITY,
    lambda *a: np.minimum.reduce([vec.as_float(v) for v in np.broadcast_arrays(*a)]),
)
_elementwise(
    "max",
    "max(a, b, ...)",
    "The largest of its arguments, for each unit (missing if any is missing).",
    "max(x, 2.5)",
    [2.5, 2.5, 3.0, 4.0],
    (2, None),
    QUANTITY,
    lambda *a: np.maximum.reduce([vec.as_float(v) for v in np.broadcast_arrays(*a)]),
)
_elementwise(
    "abs",
    "abs(value)",
    "The value without its sign.",
    "abs(x - 3)",
    [2.0, 1.0, 0.0, 1.0],
    1,
    QUANTITY,
    lambda a: np.abs(vec.as_float(a)),
)
_elementwise(
    "sqrt",
    "sqrt(value)",
    "Square root (missing for negative values).",
    "sqrt(x * x)",
    [1.0, 2.0, 3.0, 4.0],
    1,
    (t.Kind.NUMBER,),
    lambda a: np.sqrt(np.where(vec.as_float(a) < 0, np.nan, vec.as_float(a))),
)
_elementwise(
    "coalesce",
    "coalesce(value, fallback)",
    "`value`, or `fallback` where `value` is missing: makes a missing-value rule explicit.",
    "coalesce(x / (x - 2), 0)",
    [-1.0, 0.0, 3.0, 2.0],
    2,
    (*QUANTITY, t.Kind.BOOL),
    lambda a, b: np.where(np.isnan(vec.as_float(a)), vec.as_float(b), vec.as_float(a)),
)
_elementwise(
    "is_missing",
    "is_missing(value)",
    "true where `value` is missing (no data, or a division by zero).",
    "is_missing(1 / (x - 2))",
    [0.0, 1.0, 0.0, 0.0],
    1,
    (*QUANTITY, t.Kind.BOOL),
    lambda a: np.isnan(vec.as_float(a)).astype(np.float64),
    t.Kind.BOOL,
)


@register(
    "round",
    "round(value, places=0)",
    "arithmetic",
    "Rounded half away from zero to `places` decimals. Payments are already rounded once to the penny (see `money.rounding`); use this for points or shares.",
    "round(x / 3, places=2)",
    [0.33, 0.67, 1.0, 1.33],
)
def _round(cc: Compiler, node: ast.Call, scope: Scope) -> C:
    C = _c(cc)
    ok = _arity(cc, node, scope, 1, 1, ("places",))
    args = [cc.node(a, scope) for a in node.args]
    places = 0
    kw = node.kwarg("places")
    if kw is not None:
        p = cc.node(kw.value, scope)
        if not (
            p.is_const
            and isinstance(p.const, float)
            and p.const == int(p.const)
            and 0 <= p.const <= 9
        ):
            cc.error("Q232", "`places` must be a whole number from 0 to 9", scope.loc(kw.value))
            ok = False
        else:
            places = int(p.const)
    if not ok or not _kinds(cc, scope, args[0], QUANTITY, "the value of `round`"):
        return _any(node)
    f = args[0].fn
    return cc._fold(
        C(args[0].type, lambda ctx: scoring.round_money(f(ctx), places), node=node), args
    )


# ---------------------------------------------------------------- aggregation


def _aggregate(
    how: str, signature: str, doc: str, example: str, result: Sequence[float | None]
) -> None:
    extra: tuple[str, ...] = ("descending",) if how == "rank" else ()
    n_pos = (0, 1) if how == "count" else (2, 2) if how == "percentile" else (1, 1)

    def compile_(cc: Compiler, node: ast.Call, scope: Scope) -> C:
        from qframe.check.compiler import NOCONST
        from qframe.check.compiler import Scope as Scope_

        C = _c(cc)
        ok = _arity(cc, node, scope, n_pos[0], n_pos[1], ("by", "over", "where", *extra))
        over_kw, by_kw, where_kw = node.kwarg("over"), node.kwarg("by"), node.kwarg("where")
        over = "units"
        if over_kw is not None:
            over = (
                _symbol(
                    cc,
                    scope,
                    over_kw,
                    ("units", "indicators"),
                    "something to aggregate over (units or indicators)",
                )
                or "units"
            )
        by = None
        if by_kw is not None:
            by = _symbol(cc, scope, by_kw, cc.unit_attrs, "a unit attribute")
            ok &= by is not None
            if over == "indicators":
                cc.error(
                    "Q233",
                    "`by` groups units; it cannot be used with over=indicators",
                    scope.loc(by_kw),
                )
                ok = False
        inner = scope
        if over == "indicators":
            inner = Scope_(scope.expr, "indicator", scope.what, scope.args, cc.ids)
        args = [cc.node(a, inner) for a in node.args]
        where = cc.node(where_kw.value, inner) if where_kw is not None else None
        descending = False
        dkw = node.kwarg("descending")
        if dkw is not None:
            d = cc.node(dkw.value, scope)
            if not (d.is_const and d.type.kind is t.Kind.BOOL):
                cc.error("Q232", "`descending` must be true or false", scope.loc(dkw.value))
                ok = False
            else:
                descending = bool(d.const)
        if where is not None:
            cc._expect_bool(where, scope.expr, where_kw.value if where_kw else None, "`where`")
        if not ok:
            return _any(node)
        q = 0.5  # only read by percentile
        if how == "percentile":
            qc = args[1]
            if not (qc.is_const and isinstance(qc.const, float) and 0 <= qc.const <= 1):
                cc.error(
                    "Q232",
                    "the percentile must be a constant from 0% to 100%",
                    scope.loc(node.args[1]),
                )
                return _any(node)
            q = float(qc.const)
            args = args[:1]
        if how == "count":
            if args and not _kinds(cc, scope, args[0], (t.Kind.BOOL,), "the argument of `count`"):
                return _any(node)
            kind = t.Kind.NUMBER
        elif how in ("any", "all"):
            if not _kinds(cc, scope, args[0], (t.Kind.BOOL,), f"the argument of `{how}`"):
                return _any(node)
            kind = t.Kind.BOOL
        else:
            if not _kinds(cc, scope, args[0], QUANTITY, f"the argument of `{how}`"):
                return _any(node)
            kind = t.Kind.NUMBER if how == "rank" else args[0].type.kind
        fx = args[0].fn if args else (lambda ctx: 1.0)
        fw_ = where.fn if where is not None else None
        if over == "indicators":
            if how == "rank":
                cc.error(
                    "Q233",
                    "`rank` ranks units; it cannot be used with over=indicators",
                    scope.loc(node),
                )
                return _any(node)

            def over_ind(ctx: Ctx) -> Any:
                return ctx.over_indicators(lambda c: _reduce_ind(c, how, fx, fw_, q))

            return C(t.Type(kind, False), over_ind, NOCONST, node)
        per = any(a.type.per_indicator for a in args) or bool(
            where is not None and where.type.per_indicator
        )

        def across_units(ctx: Ctx) -> Any:
            x = ctx.grid(fx(ctx))
            if fw_ is not None:
                x = _select(how, x, ctx.grid(fw_(ctx)))
            if how == "rank":
                if by is not None:
                    codes, n = ctx.group_codes(by)
                    return vec.group_reduce("rank", x, codes, n, -1.0 if descending else 1.0)
                return vec.national_rank(x, descending)
            if by is not None:
                codes, n = ctx.group_codes(by)
                return vec.group_reduce(how, x, codes, n, q)
            return vec.reduce_axis(how, x, vec.UNIT_AXIS, q)

        return C(t.Type(kind, per), across_units, NOCONST, node)

    where_doc = " Keywords: `by=` a unit attribute (e.g. cluster) to aggregate within groups; `over=indicators` to aggregate across a unit's indicators instead of across units; `where=` a condition selecting what counts. Missing values are skipped."
    register(how, signature, "aggregation", doc + where_doc, example, result)(compile_)


def _reduce_ind(
    ctx: Ctx, how: str, fx: Callable[[Ctx], Any], fw_: Callable[[Ctx], Any] | None, q: float
) -> Any:
    x = ctx.grid(fx(ctx))
    if fw_ is not None:
        x = _select(how, x, ctx.grid(fw_(ctx)))
    return vec.reduce_axis(how, x, vec.IND_AXIS, q)


def _select(how: str, x: Any, where: Any) -> np.ndarray:
    """Leave out what `where=` excludes: skipped (missing) for most aggregates, and neutral for
    any/all (false for any, true for all), so an excluded unit never makes the result unknown."""
    keep = vec.truth(where) == 1
    excluded = {"any": 0.0, "all": 1.0}.get(how, np.nan)
    return np.where(keep, vec.as_float(x), excluded)


_aggregate(
    "sum",
    "sum(value, by=, over=, where=)",
    "Total of `value` across all units (national), within groups (`by=cluster`), or across a unit's indicators (`over=indicators`). The result is given to every unit of the group.",
    "sum(x, by=cluster)",
    [3.0, 3.0, 7.0, 7.0],
)
_aggregate(
    "mean",
    "mean(value, by=, over=, where=)",
    "Arithmetic mean of `value`.",
    "mean(x)",
    [2.5, 2.5, 2.5, 2.5],
)
_aggregate(
    "sd",
    "sd(value, by=, over=, where=)",
    "Sample standard deviation of `value` (n − 1); missing with fewer than two values.",
    "sd(x, by=cluster)",
    [0.7071067811865476] * 2 + [0.7071067811865476] * 2,
)
_aggregate(
    "median",
    "median(value, by=, over=, where=)",
    "Median of `value`.",
    "median(x)",
    [2.5, 2.5, 2.5, 2.5],
)
_aggregate(
    "smallest",
    "smallest(value, by=, over=, where=)",
    "Smallest value across units (or indicators).",
    "smallest(x, by=cluster)",
    [1.0, 1.0, 3.0, 3.0],
)
_aggregate(
    "largest",
    "largest(value, by=, over=, where=)",
    "Largest value across units (or indicators).",
    "largest(x, by=cluster)",
    [2.0, 2.0, 4.0, 4.0],
)
_aggregate(
    "percentile",
    "percentile(value, q, by=, where=)",
    "The `q`-th percentile (linear interpolation), e.g. percentile(x, 10%).",
    "percentile(x, 50%)",
    [2.5, 2.5, 2.5, 2.5],
)
_aggregate(
    "count",
    "count(condition, by=, over=, where=)",
    "How many units (or indicators) meet `condition`; `count()` counts them all.",
    "count(x >= 2, by=cluster)",
    [1.0, 1.0, 2.0, 2.0],
)
_aggregate(
    "rank",
    "rank(value, by=, descending=false)",
    "Rank of each unit's value among all units (or within its group); 1 is the smallest, or the largest with descending=true. Ties share the lowest rank.",
    "rank(x, descending=true)",
    [4.0, 3.0, 2.0, 1.0],
)
_aggregate(
    "any",
    "any(condition, by=, over=, where=)",
    "true if the condition holds for at least one unit (or indicator).",
    "any(x > 3, by=cluster)",
    [0.0, 0.0, 1.0, 1.0],
)
_aggregate(
    "all",
    "all(condition, by=, over=, where=)",
    "true if the condition holds for every unit (or indicator).",
    "all(x >= 2, by=cluster)",
    [0.0, 0.0, 1.0, 1.0],
)


# ---------------------------------------------------------------- time


def _time(
    name: str,
    signature: str,
    doc: str,
    example: str,
    result: Sequence[float | None],
    needs_bool: bool,
    combine: str,
) -> None:
    def compile_(cc: Compiler, node: ast.Call, scope: Scope) -> C:
        from qframe.check.compiler import NOCONST

        C = _c(cc)
        lo = 1 if name == "previous" else 2
        ok = _arity(cc, node, scope, lo, lo)
        args = [cc.node(node.args[0], scope)] if node.args else []
        if not ok:
            return _any(node)
        steps = 1 if name == "previous" else cc._steps(node.args[1], scope)
        x = args[0]
        if needs_bool:
            cc._expect_bool(x, scope.expr, node.args[0], f"`{name}`")
        elif not _kinds(cc, scope, x, QUANTITY, f"the value of `{name}`"):
            return _any(node)
        fx = x.fn
        kind = t.Kind.BOOL if needs_bool else x.type.kind

        def fn(ctx: Ctx) -> Any:
            value = fx(ctx)
            if combine == "lag":
                return vec.shift(value, steps, ctx.shape)
            if combine == "change":
                return vec.as_float(ctx.grid(value)) - vec.shift(value, steps, ctx.shape)
            out = ctx.grid(vec.truth(value))
            for k in range(1, steps):
                out = vec.kleene_and(out, vec.shift(value, k, ctx.shape))
            return out

        return C(t.Type(kind, x.type.per_indicator), fn, NOCONST, node)

    register(name, signature, "time", doc, example, result)(compile_)


_time(
    "previous",
    "previous(value)",
    "The value in the previous period (missing in the first period of the data).",
    "previous(x)",
    [1.0, 1.0, 5.0, 5.0],
    False,
    "lag",
)
_time(
    "lag",
    "lag(value, duration)",
    "The value `duration` earlier, e.g. lag(x, 1 year) or lag(x, 2 quarters).",
    "lag(x, 1 year)",
    [1.0, 1.0, 5.0, 5.0],
    False,
    "lag",
)
_time(
    "change",
    "change(value, duration)",
    "How much the value changed over `duration`: value − lag(value, duration).",
    "change(x, 1 year)",
    [0.0, 1.0, -2.0, -1.0],
    False,
    "change",
)
_time(
    "persists",
    "persists(condition, duration)",
    "true when `condition` has held in every period of the last `duration` (this period included); unknown before enough periods exist.",
    "persists(x > 1, 2 years)",
    [0.0, 0.0, 1.0, 1.0],
    True,
    "persists",
)


# ---------------------------------------------------------------- variation (funnel plots)


def _funnel(name: str, sign: float, example_result: Sequence[float | None]) -> None:
    def compile_(cc: Compiler, node: ast.Call, scope: Scope) -> C:
        from qframe.check.compiler import NOCONST

        C = _c(cc)
        ok = _arity(cc, node, scope, 2, 2, ("level", "by"))
        args = [cc.node(a, scope) for a in node.args]
        if not ok:
            return _any(node)
        for i, a in enumerate(args):
            ok &= _kinds(cc, scope, a, (t.Kind.NUMBER,), f"argument {i + 1} of `{name}`")
        level = 0.998
        kw = node.kwarg("level")
        if kw is not None:
            lv = cc.node(kw.value, scope)
            if not (lv.is_const and isinstance(lv.const, float) and 0.5 < lv.const < 1):
                cc.error(
                    "Q232",
                    "`level` must be a constant between 50% and 100%, e.g. 99.8%",
                    scope.loc(kw.value),
                )
                ok = False
            else:
                level = float(lv.const)
        by = None
        bkw = node.kwarg("by")
        if bkw is not None:
            by = _symbol(cc, scope, bkw, cc.unit_attrs, "a unit attribute")
            ok &= by is not None
        if not ok:
            return _any(node)
        z = NormalDist().inv_cdf(1 - (1 - level) / 2)
        fn_num, fn_den = args[0].fn, args[1].fn

        def fn(ctx: Ctx) -> Any:
            num, den = ctx.grid(fn_num(ctx)), ctx.grid(fn_den(ctx))
            if by is not None:
                codes, n = ctx.group_codes(by)
                tn, td = (
                    vec.group_reduce("sum", num, codes, n),
                    vec.group_reduce("sum", den, codes, n),
                )
            else:
                tn, td = (
                    vec.reduce_axis("sum", num, vec.UNIT_AXIS),
                    vec.reduce_axis("sum", den, vec.UNIT_AXIS),
                )
            with np.errstate(invalid="ignore", divide="ignore"):
                p0 = tn / td
                se = np.sqrt(p0 * (1 - p0) / np.where(den > 0, den, np.nan))
            return p0 + sign * z * se

        per = any(a.type.per_indicator for a in args)
        return C(t.Type(t.Kind.NUMBER, per), fn, NOCONST, node)

    word = "lower" if sign < 0 else "upper"
    register(
        name,
        f"{name}(numerator, denominator, level=99.8%, by=)",
        "variation",
        f"The {word} control limit of a funnel plot for the rate numerator / denominator: the pooled rate (national, or of the unit's group with `by=`) {'minus' if sign < 0 else 'plus'} z × √(p(1−p)/denominator), with z for the two-sided `level`. A unit whose rate lies {'below' if sign < 0 else 'above'} it is an outlier.",
        f"round({name}(x, 10, level=95%), places=3)",
        example_result,
    )(compile_)


_funnel("funnel_lower", -1.0, [-0.018, -0.018, -0.018, -0.018])
_funnel("funnel_upper", 1.0, [0.518, 0.518, 0.518, 0.518])


# ---------------------------------------------------------------- escalation


@register(
    "escalated",
    'escalated("rule_id")',
    "escalation",
    "true where the escalation rule `rule_id` fires (its condition held for its `for` duration). Use it to escalate further, e.g. when an earlier escalation did not bring improvement.",
    "",
    [],
)
def _escalated(cc: Compiler, node: ast.Call, scope: Scope) -> C:
    from qframe.check.compiler import NOCONST

    C = _c(cc)
    ok = _arity(cc, node, scope, 1, 1)
    if not ok:
        return _any(node)
    arg = node.args[0]
    ids = [r.id for r in cc.fw.escalation]
    if not isinstance(arg, ast.String) or arg.value not in ids:
        text = arg.value if isinstance(arg, ast.String) else "this"
        cc.error(
            "Q234",
            f"`{text}` is not an escalation rule",
            Location(scope.expr.source, scope.loc(arg).offset, scope.loc(arg).length),
            did_you_mean(text, ids) or f"escalation rules: {', '.join(ids) or 'none'}",
        )
        return _any(node)
    rid = arg.value
    cc.named(("escalation", rid), arg, scope)
    return C(t.BOOL, lambda ctx: ctx.escalation_value(rid), NOCONST, node)


@register(
    "at",
    'at(value, "2013-14")',
    "time",
    'The value in one given period (a baseline), repeated for every period: for change since a baseline write `x - at(x, "2015-16")`. Missing where the data has no such period. The period is written like the data\'s: 2015-16 for a year, 2015-16Q1 for a quarter.',
    'at(x, "2013-14")',
    [1.0, 1.0, 5.0, 5.0],
)
def _at(cc: Compiler, node: ast.Call, scope: Scope) -> C:
    from qframe.check.compiler import NOCONST
    from qframe.data.dataset import QUARTER, YEAR

    C = _c(cc)
    if not _arity(cc, node, scope, 2, 2):
        return _any(node)
    x = cc.node(node.args[0], scope)
    label_node = node.args[1]
    pattern = QUARTER if cc.fw.frequency == "quarter" else YEAR
    label_c = cc.node(label_node, scope)
    label_value = label_c.const if label_c.is_const and isinstance(label_c.const, str) else None
    if label_value is None or not pattern.match(label_value):
        example = "2015-16Q1" if cc.fw.frequency == "quarter" else "2015-16"
        cc.error(
            "Q235",
            f"the period of `at` must be a {cc.fw.frequency} written in quotes",
            scope.loc(label_node),
            f'this framework evaluates {cc.fw.frequency}s: write e.g. at(x, "{example}")',
        )
        return _any(node)
    if not _kinds(cc, scope, x, (*QUANTITY, t.Kind.BOOL), "the value of `at`"):
        return _any(node)
    label = label_value
    fx = x.fn

    def fn(ctx: Ctx) -> Any:
        periods = ctx.data.periods
        full = ctx.grid(vec.as_float(fx(ctx)))
        if label not in periods:
            return np.full(ctx.shape, np.nan)
        i = periods.index(label)
        return np.broadcast_to(full[:, :, i : i + 1, :], full.shape)

    return C(t.Type(x.type.kind, x.type.per_indicator), fn, NOCONST, node)

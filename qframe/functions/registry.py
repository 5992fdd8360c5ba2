"""The built-in functions of the expression language: one catalogue of typed signatures, docs and
examples, read by the checker (which enforces each signature), by the generated language reference
(docs/language.md) and by the tests that run every example. It holds no engine code: each engine
implements the functions for itself (:mod:`qframe.engines.numpy.functions`).

Examples run against the documentation dataset (:data:`EXAMPLE_DATA`): four practices in two
clusters, two years.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qframe.ir.kinds import Kind
from qframe.ir.signature import (
    ANY_VALUE,
    CONDITION,
    NUMBER,
    QUANTITY,
    TEXT,
    Keyword,
    Parameter,
    Signature,
)

# The dataset every example in the reference runs on: practice × year values of input `x`.
EXAMPLE_DATA = {
    "units": ["P1", "P2", "P3", "P4"],
    "cluster": ["north", "north", "south", "south"],
    "periods": ["2013-14", "2014-15"],
    "x": {"2013-14": [1.0, 1.0, 5.0, 5.0], "2014-15": [1.0, 2.0, 3.0, 4.0]},
}

# How the checker treats a function's arguments: one family a function.
FAMILIES = (
    "scoring",
    "band",
    "elementwise",
    "round",
    "aggregate",
    "time",
    "funnel",
    "escalated",
    "at",
)


@dataclass(frozen=True)
class FunctionSpec:
    """A built-in function: its typed signature, family (how it is checked and implemented),
    category in the reference, documentation and a worked example."""

    typed_signature: Signature
    family: str
    category: str
    doc: str
    example: str  # an expression over the example data
    result: tuple[float | None, ...]  # its value for P1..P4 in 2014-15 (None = missing)

    @property
    def name(self) -> str:
        return self.typed_signature.name

    @property
    def signature(self) -> str:
        """The signature as shown in the reference: generated from the enforced one."""
        return self.typed_signature.shown


REGISTRY: dict[str, FunctionSpec] = {}


def register(
    signature: Signature,
    family: str,
    category: str,
    doc: str,
    example: str,
    result: Sequence[float | None],
) -> None:
    REGISTRY[signature.name] = FunctionSpec(
        signature, family, category, doc, example, tuple(result)
    )


def _params(*names: str, kinds: tuple[Kind, ...] = QUANTITY) -> tuple[Parameter, ...]:
    return tuple(Parameter(n, kinds) for n in names)


# ---------------------------------------------------------------- scoring

register(
    Signature("slide", _params("achievement", "lower", "upper", kinds=NUMBER)),
    "scoring",
    "scoring",
    "Share of the points earned on a sliding scale: 0 below `lower`, 1 at or above `upper`, in proportion between them (QOF's rule). Multiply by `max_points` for points.",
    "slide(x / 5, 30%, 70%)",
    [0.0, 0.25, 0.75, 1.0],
)
register(
    Signature("all_or_nothing", _params("achievement", "threshold", kinds=NUMBER)),
    "scoring",
    "scoring",
    "1 where `achievement` reaches `threshold`, otherwise 0: for yes/no indicators and gates.",
    "all_or_nothing(x / 4, 75%)",
    [0.0, 0.0, 1.0, 1.0],
)
register(
    Signature(
        "band",
        (Parameter("value", QUANTITY),),
        result="scores",
        rest=("cut", "score"),
        rest_kinds=QUANTITY,
    ),
    "band",
    "scoring",
    "Step scoring (tiers): 0 below `cut1`, `score1` from `cut1`, `score2` from `cut2`, and so on. Cuts ascend; scores may be numbers or money.",
    "band(x, 2, 0.5, 4, 1)",
    [0.0, 0.5, 0.5, 1.0],
)

# ---------------------------------------------------------------- arithmetic

register(
    Signature("clamp", _params("value", "lowest", "highest"), result="same"),
    "elementwise",
    "arithmetic",
    "`value` limited to `lowest .. highest`: a floor and a cap.",
    "clamp(x, 2, 3)",
    [2.0, 2.0, 3.0, 3.0],
)
register(
    Signature("min", _params("a"), result="same", rest=("b",), rest_kinds=QUANTITY),
    "elementwise",
    "arithmetic",
    "The smallest of its arguments, for each unit (missing if any is missing).",
    "min(x, 2.5)",
    [1.0, 2.0, 2.5, 2.5],
)
register(
    Signature("max", _params("a"), result="same", rest=("b",), rest_kinds=QUANTITY),
    "elementwise",
    "arithmetic",
    "The largest of its arguments, for each unit (missing if any is missing).",
    "max(x, 2.5)",
    [2.5, 2.5, 3.0, 4.0],
)
register(
    Signature("abs", _params("value"), result="same"),
    "elementwise",
    "arithmetic",
    "The value without its sign.",
    "abs(x - 3)",
    [2.0, 1.0, 0.0, 1.0],
)
register(
    Signature("sqrt", _params("value", kinds=NUMBER), result="same"),
    "elementwise",
    "arithmetic",
    "Square root (missing for negative values).",
    "sqrt(x * x)",
    [1.0, 2.0, 3.0, 4.0],
)
register(
    Signature("coalesce", _params("value", "fallback", kinds=ANY_VALUE), result="same"),
    "elementwise",
    "missing values",
    "`value`, or `fallback` where `value` is missing: makes a missing-value rule explicit.",
    "coalesce(x / (x - 2), 0)",
    [-1.0, 0.0, 3.0, 2.0],
)
register(
    Signature("is_missing", _params("value", kinds=ANY_VALUE), result="bool"),
    "elementwise",
    "missing values",
    "true where `value` is missing (no data, or a division by zero).",
    "is_missing(1 / (x - 2))",
    [0.0, 1.0, 0.0, 0.0],
)
register(
    Signature("round", _params("value"), (Keyword("places", "0"),), result="first"),
    "round",
    "arithmetic",
    "Rounded half away from zero to `places` decimals. Payments are already rounded once to the penny (see `money.rounding`); use this for points or shares.",
    "round(x / 3, places=2)",
    [0.33, 0.67, 1.0, 1.33],
)

# ---------------------------------------------------------------- aggregation

AGGREGATE_KEYWORDS = (Keyword("by"), Keyword("over"), Keyword("where"))
_KEYWORD_DOC = {
    "by": "`by=` a unit attribute (e.g. cluster) to aggregate within groups",
    "over": "`over=indicators` to aggregate across a unit's indicators instead of across units",
    "where": "`where=` a condition selecting what counts",
}


def _aggregate(
    signature: Signature, doc: str, example: str, result: Sequence[float | None]
) -> None:
    """An aggregate; its doc ends with what its keywords (from its signature) do."""
    keywords = [_KEYWORD_DOC[k] for k in signature.keyword_names if k in _KEYWORD_DOC]
    doc += f" Keywords: {'; '.join(keywords)}. Missing values are skipped."
    register(signature, "aggregate", "aggregation", doc, example, result)


_aggregate(
    Signature("sum", _params("value"), AGGREGATE_KEYWORDS, "first"),
    "Total of `value` across all units (national), within groups (`by=cluster`), or across a unit's indicators (`over=indicators`). The result is given to every unit of the group.",
    "sum(x, by=cluster)",
    [3.0, 3.0, 7.0, 7.0],
)
_aggregate(
    Signature("mean", _params("value"), AGGREGATE_KEYWORDS, "first"),
    "Arithmetic mean of `value`.",
    "mean(x)",
    [2.5, 2.5, 2.5, 2.5],
)
_aggregate(
    Signature("sd", _params("value"), AGGREGATE_KEYWORDS, "first"),
    "Sample standard deviation of `value` (n − 1); missing with fewer than two values.",
    "sd(x, by=cluster)",
    [0.7071067811865476] * 2 + [0.7071067811865476] * 2,
)
_aggregate(
    Signature("median", _params("value"), AGGREGATE_KEYWORDS, "first"),
    "Median of `value`.",
    "median(x)",
    [2.5, 2.5, 2.5, 2.5],
)
_aggregate(
    Signature("smallest", _params("value"), AGGREGATE_KEYWORDS, "first"),
    "Smallest value across units (or indicators).",
    "smallest(x, by=cluster)",
    [1.0, 1.0, 3.0, 3.0],
)
_aggregate(
    Signature("largest", _params("value"), AGGREGATE_KEYWORDS, "first"),
    "Largest value across units (or indicators).",
    "largest(x, by=cluster)",
    [2.0, 2.0, 4.0, 4.0],
)
_aggregate(
    Signature(
        "percentile",
        (Parameter("value", QUANTITY), Parameter("q", NUMBER)),
        (Keyword("by"), Keyword("where")),
        "first",
    ),
    "The `q`-th percentile (linear interpolation), e.g. percentile(x, 10%).",
    "percentile(x, 50%)",
    [2.5, 2.5, 2.5, 2.5],
)
_aggregate(
    Signature(
        "count", (Parameter("condition", CONDITION, optional=True),), AGGREGATE_KEYWORDS, "number"
    ),
    "How many units (or indicators) meet `condition`; `count()` counts them all.",
    "count(x >= 2, by=cluster)",
    [1.0, 1.0, 2.0, 2.0],
)
_aggregate(
    Signature("rank", _params("value"), (Keyword("by"), Keyword("descending", "false")), "number"),
    "Rank of each unit's value among all units (or within its group); 1 is the smallest, or the largest with descending=true. Ties share the lowest rank.",
    "rank(x, descending=true)",
    [4.0, 3.0, 2.0, 1.0],
)
_aggregate(
    Signature("any", _params("condition", kinds=CONDITION), AGGREGATE_KEYWORDS, "bool"),
    "true if the condition holds for at least one unit (or indicator).",
    "any(x > 3, by=cluster)",
    [0.0, 0.0, 1.0, 1.0],
)
_aggregate(
    Signature("all", _params("condition", kinds=CONDITION), AGGREGATE_KEYWORDS, "bool"),
    "true if the condition holds for every unit (or indicator).",
    "all(x >= 2, by=cluster)",
    [0.0, 0.0, 1.0, 1.0],
)

# ---------------------------------------------------------------- time

DURATION_PARAM = Parameter("duration", ())  # a duration literal, checked as whole periods
register(
    Signature("previous", _params("value"), result="first"),
    "time",
    "time",
    "The value in the previous period (missing in the first period of the data).",
    "previous(x)",
    [1.0, 1.0, 5.0, 5.0],
)
register(
    Signature("lag", (*_params("value"), DURATION_PARAM), result="first"),
    "time",
    "time",
    "The value `duration` earlier, e.g. lag(x, 1 year) or lag(x, 2 quarters).",
    "lag(x, 1 year)",
    [1.0, 1.0, 5.0, 5.0],
)
register(
    Signature("change", (*_params("value"), DURATION_PARAM), result="first"),
    "time",
    "time",
    "How much the value changed over `duration`: value − lag(value, duration).",
    "change(x, 1 year)",
    [0.0, 1.0, -2.0, -1.0],
)
register(
    Signature("persists", (*_params("condition", kinds=CONDITION), DURATION_PARAM), result="bool"),
    "time",
    "time",
    "true when `condition` has held in every period of the last `duration` (this period included); unknown before enough periods exist.",
    "persists(x > 1, 2 years)",
    [0.0, 0.0, 1.0, 1.0],
)

# ---------------------------------------------------------------- variation (funnel plots)


def _funnel(name: str, sign: float, example_result: Sequence[float | None]) -> None:
    word = "lower" if sign < 0 else "upper"
    register(
        Signature(
            name,
            _params("numerator", "denominator", kinds=NUMBER),
            (Keyword("level", "99.8%"), Keyword("by")),
        ),
        "funnel",
        "variation",
        f"The {word} control limit of a funnel plot for the rate numerator / denominator: the pooled rate (national, or of the unit's group with `by=`) {'minus' if sign < 0 else 'plus'} z × √(p(1−p)/denominator), with z for the two-sided `level`. A unit whose rate lies {'below' if sign < 0 else 'above'} it is an outlier.",
        f"round({name}(x, 10, level=95%), places=3)",
        example_result,
    )


_funnel("funnel_lower", -1.0, [-0.018, -0.018, -0.018, -0.018])
_funnel("funnel_upper", 1.0, [0.518, 0.518, 0.518, 0.518])

# ---------------------------------------------------------------- escalation

register(
    Signature("escalated", (Parameter("rule_id", TEXT, shown='"rule_id"'),), result="bool"),
    "escalated",
    "escalation",
    "true where the escalation rule `rule_id` fires (its condition held for its `for` duration). Use it to escalate further, e.g. when an earlier escalation did not bring improvement.",
    "",
    [],
)
register(
    Signature(
        "at",
        (Parameter("value", ANY_VALUE), Parameter("period", TEXT, shown='"2013-14"')),
        result="first",
    ),
    "at",
    "time",
    'The value in one given period (a baseline), repeated for every period: for change since a baseline write `x - at(x, "2015-16")`. Missing where the data has no such period. The period is written like the data\'s: 2015-16 for a year, 2015-16Q1 for a quarter.',
    'at(x, "2013-14")',
    [1.0, 1.0, 5.0, 5.0],
)

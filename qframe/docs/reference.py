"""The language reference (docs/language.md), generated.

The operator table, the token table and the grammar listing come from
``qframe/language/grammar.lark``; the unit rules from :mod:`qframe.ir.kinds`; the function sections
(signature, description, example and its documented result) from :data:`qframe.functions.registry.REGISTRY`,
whose examples tests/test_reference.py runs. The prose between them is written here.

Regenerate the document after changing any of these::

    .venv/bin/python -m qframe.docs.reference > docs/language.md
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import click

from qframe.functions.registry import EXAMPLE_DATA, REGISTRY, FunctionSpec
from qframe.ir import kinds as t
from qframe.language.parser import grammar_text
from qframe.model.definition import INDICATOR_NUMBERS, INDICATOR_STRINGS, STANDARD_UNIT_ATTRIBUTES

REGENERATE = ".venv/bin/python -m qframe.docs.reference > docs/language.md"
_DATA: dict[str, Any] = EXAMPLE_DATA


# ---------------------------------------------------------------- reading the grammar

_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|/(?:[^/\\\n]|\\.)*/|->|[\[\]()|*+?]|[A-Za-z_][A-Za-z0-9_.]*'
)


@dataclass(frozen=True)
class Alternative:
    items: tuple[str, ...]  # quoted strings keep their quotes; names as written
    alias: str | None


@dataclass(frozen=True)
class GrammarRule:
    name: str
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class Terminal:
    name: str
    priority: int
    pattern: str  # the definition as written


@dataclass(frozen=True)
class Grammar:
    comment: tuple[str, ...]  # the leading // comment, without the slashes
    rules: dict[str, GrammarRule]
    terminals: dict[str, Terminal]

    def operator_strings(self, item: str) -> list[str] | None:
        """The operator text(s) an item stands for: a quoted string, or a terminal defined only by
        strings (e.g. COMPARE); None for operands and regex tokens."""
        if item.startswith('"'):
            return [item[1:-1]]
        term = self.terminals.get(item)
        if term is not None:
            parts = [p.strip() for p in _split_top(term.pattern)]
            if parts and all(p.startswith('"') and p.endswith('"') for p in parts):
                return [p[1:-1] for p in parts]
        return None


def _split_top(body: str) -> list[str]:
    """Split a rule body on `|` outside quotes and regexes."""
    parts: list[str] = []
    current: list[str] = []
    for tok in _TOKEN.findall(body):
        if tok == "|":
            parts.append(" ".join(current))
            current = []
        else:
            current.append(tok)
    parts.append(" ".join(current))
    return parts


def parse_grammar(text: str) -> Grammar:
    """A small reader for the subset of Lark syntax grammar.lark uses (enough to list its rules,
    alternatives, aliases and terminals)."""
    comment: list[str] = []
    lines = text.splitlines()
    for line in lines:
        if line.startswith("//"):
            comment.append(line[2:].removeprefix(" "))
        elif line.strip():
            break
    # join continuation lines (starting with |) onto their rule
    logical: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("//") or stripped.startswith("%"):
            continue
        if stripped.startswith("|") and logical:
            logical[-1] += " " + stripped
        else:
            logical.append(stripped)
    rules: dict[str, GrammarRule] = {}
    terminals: dict[str, Terminal] = {}
    for entry in logical:
        m = re.match(r"^\??([a-z_][a-z0-9_]*)\s*:(.*)$", entry)
        if m:
            alts = []
            for part in _split_top(m.group(2)):
                toks = _TOKEN.findall(part)
                alias = None
                if "->" in toks:
                    i = toks.index("->")
                    alias = toks[i + 1]
                    toks = toks[:i]
                alts.append(Alternative(tuple(toks), alias))
            rules[m.group(1)] = GrammarRule(m.group(1), tuple(alts))
            continue
        m = re.match(r"^([A-Z_][A-Z0-9_]*)(?:\.(\d+))?\s*:(.*)$", entry)
        if m:
            terminals[m.group(1)] = Terminal(m.group(1), int(m.group(2) or 0), m.group(3).strip())
    return Grammar(tuple(comment), rules, terminals)


@dataclass(frozen=True)
class Rung:
    """One level of the precedence ladder."""

    rule: str
    operators: tuple[str, ...]
    forms: tuple[str, ...]
    nodes: tuple[str, ...]
    associativity: str


def _is_operand(item: str) -> bool:
    return bool(re.fullmatch(r"[a-z_][a-z0-9_]*", item))


def _form(g: Grammar, alt: Alternative) -> str:
    """An alternative written as an example: operands become a, b, c."""
    letters = iter("abcdefgh")
    out: list[str] = []
    optional = False
    for item in alt.items:
        if item == "[":
            optional = True
            continue
        if item == "]":
            optional = False
            continue
        ops = g.operator_strings(item)
        if ops is not None:
            out.append(ops[0])
        elif item == "name":
            out.append("name")
        elif _is_operand(item):
            out.append("…" if optional or item == "arguments" else next(letters))
        else:
            out.append(item)
    text = ""
    for i, tok in enumerate(out):
        prev = out[i - 1] if i else ""
        glue = (
            i == 0
            or prev in ("(", ".")
            or tok in (")", "(", ".")
            or (i == 1 and prev in ("-", "+"))
        )
        text += tok if glue else " " + tok
    return text


def _associativity(rule: str, alt: Alternative, looser: set[str], g: Grammar) -> str:
    operands = [i for i in alt.items if _is_operand(i) and i not in ("name", "arguments")]
    first_is_op = bool(alt.items) and g.operator_strings(alt.items[0]) is not None
    if not operands:
        return ""
    last_is_op = g.operator_strings(alt.items[-1]) is not None
    if first_is_op and last_is_op:
        return "— (brackets)"
    if first_is_op and len(operands) == 1:
        return "prefix"
    if alt.items[0] == rule:
        return "postfix" if len(operands) == 1 else "left"
    if operands[-1] == rule or operands[-1] in looser:
        return "right"
    return "none (does not chain)"


def _has_operators(g: Grammar, rule: GrammarRule) -> bool:
    return any(
        g.operator_strings(item) is not None for alt in rule.alternatives for item in alt.items
    )


def ladder(g: Grammar) -> list[Rung]:
    """The precedence ladder, loosest first: follow each rule's first alternative (the next, tighter
    rung) from `expr`; a rung's other alternatives are its operators."""
    rungs: list[Rung] = []
    seen: set[str] = set()
    name: str | None = "expr"
    while name is not None and name in g.rules and name not in seen:
        seen.add(name)
        rule = g.rules[name]
        first = rule.alternatives[0]
        nxt = first.items[0] if len(first.items) == 1 and first.items[0] in g.rules else None
        others = rule.alternatives[1:] if nxt is not None else rule.alternatives
        ops: list[str] = []
        forms: list[str] = []
        nodes: list[str] = []
        assoc: list[str] = []
        if nxt is not None and not _has_operators(g, g.rules[nxt]):
            forms.append(nxt)  # the ladder ends here: e.g. atom's literals
            nxt = None
        for alt in others:
            alt_ops = [o for item in alt.items for o in (g.operator_strings(item) or [])]
            if not alt_ops:
                if len(alt.items) == 1:
                    forms.append(alt.items[0])
                    if alt.alias:
                        nodes.append(alt.alias)
                continue
            words = [item[1:-1] for item in alt.items if item.startswith('"')]
            if len(words) > 1 and all(w.isalpha() for w in words) and len(words) == len(alt_ops):
                ops.append(" ".join(words) if len(words) == 2 else " … ".join(words))
            elif alt_ops == ["(", ")"]:
                ops.append("( )")
            else:
                ops.extend(o for o in alt_ops if o not in ops)
            forms.append(_form(g, alt))
            if alt.alias:
                nodes.append(alt.alias)
            a = _associativity(name, alt, seen - {name}, g)
            if a and a not in assoc:
                assoc.append(a)
        if ops:
            rungs.append(
                Rung(name, tuple(ops), tuple(forms), tuple(nodes), ", ".join(assoc) or "—")
            )
        name = nxt
    return rungs


# ---------------------------------------------------------------- Markdown helpers


def _code(text: str) -> str:
    if "`" in text:
        return f"`` {text} ``"
    return f"`{text}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _anchor(title: str) -> str:
    slug = re.sub(r"[^\w\- ]", "", title.lower()).strip().replace(" ", "-")
    return "#" + slug


# ---------------------------------------------------------------- examples


def _example_kind(example: str) -> t.Kind | None:
    """The kind of value an example gives (so booleans print as true/false, money with £)."""
    from qframe.check.compiler import compile_framework
    from qframe.model.build import build_definition

    quoted = example.replace("'", "''")
    text = f"qframe: 1\nid: example\ntitle: Example\ninputs:\n  x: {{}}\ntotals:\n  result: '{quoted}'\n"
    fw, diags = build_definition("<example>", text)
    if fw is None or any(d.is_error for d in diags):
        return None
    plan = compile_framework(fw)
    c = plan.totals.get("result")
    return None if c is None or not plan.ok else c.type.kind


def format_value(v: float | None, kind: t.Kind | None = None) -> str:
    if v is None:
        return "missing"
    if kind is t.Kind.BOOL:
        return "true" if v == 1 else "false"
    text = f"{v:.10g}"
    return f"£{text}" if kind is t.Kind.MONEY else text


def _example_data() -> str:
    units = _DATA["units"]
    clusters = _DATA["cluster"]
    periods = _DATA["periods"]
    xs = _DATA["x"]
    rows = [["cluster", *clusters]] + [
        [f"x in {p}", *(format_value(v) for v in xs[p])] for p in periods
    ]
    return (
        f"Every example below is a real expression, run (by tests/test_reference.py) on the same small "
        f"dataset: {len(units)} practices {', '.join(units)} in clusters "
        f"{', '.join(dict.fromkeys(clusters))}, {len(periods)} years ({', '.join(periods)}) and one "
        f"input `x` (a measure with no key). The result shown is each practice's value in "
        f"{periods[-1]}; conditions show as true/false.\n\n" + _table(["", *units], rows)
    )


def _categories() -> dict[str, list[FunctionSpec]]:
    out: dict[str, list[FunctionSpec]] = {}
    for spec in REGISTRY.values():
        out.setdefault(spec.category, []).append(spec)
    return out


def _function(spec: FunctionSpec) -> str:
    lines = [f"#### `{spec.name}`", "", f"```\n{spec.signature}\n```", "", spec.doc, ""]
    if spec.example:
        kind = _example_kind(spec.example)
        units = _DATA["units"]
        period = _DATA["periods"][-1]
        lines.append(f"Example: {_code(spec.example)}")
        lines.append("")
        lines.append(
            _table(
                ["", *units],
                [[f"result in {period}", *(format_value(v, kind) for v in spec.result)]],
            )
        )
    else:
        lines.append(
            f"No example on the example dataset: it needs an escalation rule (see [Escalation]({_anchor('8. Escalation')}))."
        )
    return "\n".join(lines)


def _functions() -> str:
    cats = _categories()
    parts = [_example_data(), ""]
    summary = []
    for cat, specs in cats.items():
        for spec in specs:
            summary.append([f"[`{spec.name}`]({_anchor(spec.name)})", _code(spec.signature), cat])
    parts.append(_table(["function", "signature", "category"], summary))
    for cat, specs in cats.items():
        parts.append(f"\n### {cat[:1].upper()}{cat[1:]}\n")
        parts.append("\n\n".join(_function(s) for s in specs))
    return "\n".join(parts)


# ---------------------------------------------------------------- generated tables


_TERMINAL_MEANING = {
    "NUMBER": "number: digits, optional `_` separators, decimals and exponent",
    "PERCENT": "percentage (a number: `35%` is 0.35)",
    "MONEY": "amount of money in pounds",
    "DURATION": "duration: an amount and a time unit, singular or plural",
    "STRING": 'string in double quotes; `\\"` escapes a quote',
    "NAME": "name",
    "QUOTED_NAME": "name in backquotes (any characters but a backquote or a line break)",
    "TRUE": "boolean true",
    "FALSE": "boolean false",
    "COMPARE": "comparison operator",
}


def _tokens(g: Grammar) -> str:
    rows = []
    for term in g.terminals.values():
        meaning = _TERMINAL_MEANING.get(term.name, "")
        rows.append([term.name, _code(term.pattern), str(term.priority), meaning])
    return _table(["token", "pattern", "priority", "meaning"], rows)


def _precedence(g: Grammar) -> str:
    rungs = ladder(g)
    rows = []
    for i, r in enumerate(rungs, start=1):
        level = f"{i} (loosest)" if i == 1 else f"{i} (tightest)" if i == len(rungs) else str(i)
        rows.append(
            [
                level,
                " ".join(_code(o) for o in r.operators),
                ", ".join(_code(f) for f in r.forms),
                r.associativity,
                r.rule,
                ", ".join(r.nodes) or "—",
            ]
        )
    ladder_comment = "\n".join(f"> {line}" if line else ">" for line in g.comment)
    return (
        "Operators from the loosest (binds last) to the tightest (binds first). The table is read "
        "from the grammar: each rung is a rule whose first alternative is the next, tighter rung.\n\n"
        + _table(["level", "operators", "form", "associativity", "grammar rule", "tree node"], rows)
        + "\n\nThe grammar's own summary:\n\n"
        + ladder_comment
    )


_KIND_TEXT = {
    t.Kind.NUMBER: (
        "`7052`, `0.5`, `35%`",
        "Counts, ratios and percentages (`35%` is the number 0.35). A quotient of two amounts of money or two durations is a number.",
    ),
    t.Kind.MONEY: (
        "`£156.92`",
        "Pounds. Written with `£`; kept apart from numbers so a points value cannot be added to a payment by mistake.",
    ),
    t.Kind.DURATION: (
        "`2 quarters`, `1 year`",
        "A length of time (held in months; `1 period` is one step of the framework's `frequency`).",
    ),
    t.Kind.BOOL: (
        "`true`, `x > 2`",
        "A condition: true, false or unknown (see [Missing values](#6-missing-values)). Not a number: write `if c then 1 else 0` to count it.",
    ),
    t.Kind.STRING: (
        '`"DM"`, `group`',
        "Text: keys of keyed inputs, indicator fields, escalation rule ids. Only `==` and `!=` apply.",
    ),
    t.Kind.RANGE: (
        "`35% .. 75%`",
        "A lower and an upper bound of the same kind, both included. Used by `in`, indicator `thresholds` and parameter `range`.",
    ),
    t.Kind.ANY: (
        "",
        "What the checker assumes for an argument of a definition until it is called, and after an error (so one mistake is reported once).",
    ),
}


def _kinds() -> str:
    rows = []
    for kind in t.Kind:
        example, text = _KIND_TEXT.get(kind, ("", ""))
        rows.append([f"**{kind.value}**", example, text])
    return _table(["kind", "examples", "meaning"], rows)


def _arith_tables() -> str:
    q = [t.Kind.NUMBER, t.Kind.MONEY, t.Kind.DURATION]

    def cell(k: t.Kind | None) -> str:
        return k.value if k is not None else "**error** (Q305)"

    parts = []
    for title, fn in (
        ("`a + b` and `a - b`", t.add_kind),
        ("`a * b`", t.mul_kind),
        ("`a / b`", t.div_kind),
    ):
        rows = [[f"a is {a.value}", *(cell(fn(a, b)) for b in q)] for a in q]
        parts.append(f"{title}:\n\n" + _table(["", *(f"b is {b.value}" for b in q)], rows))
    cmp_rows = []
    for op in ("<", "=="):
        allowed = [k.value for k in t.Kind if k is not t.Kind.ANY and t.comparable(k, k, op)]
        label = "`<` `<=` `>` `>=`" if op == "<" else "`==` `!=`"
        cmp_rows.append([label, ", ".join(allowed)])
    parts.append(
        "Comparisons need two values of the same kind; any other pair is **error** Q301:\n\n"
        + _table(["operator", "kinds it compares"], cmp_rows)
    )
    return "\n\n".join(parts)


# ---------------------------------------------------------------- the document


def render() -> str:
    """The whole language reference, as Markdown."""
    g = parse_grammar(grammar_text())
    fields_s = ", ".join(f"`{f}`" for f in INDICATOR_STRINGS)
    fields_n = ", ".join(f"`{f}`" for f in INDICATOR_NUMBERS)
    attrs = ", ".join(f"`{a}`" for a in STANDARD_UNIT_ATTRIBUTES)
    sections = [
        f"""# The qframe expression language

<!-- Generated from qframe/language/grammar.lark, qframe/typesys.py and qframe/functions.py by
     qframe/reference.py. Do not edit: change those files and run
     {REGENERATE}
     (or `qframe reference > docs/language.md`). tests/test_reference.py checks it is current. -->

Every rule, definition, total, check and escalation condition in a `framework.yaml` is one
*expression*: a formula such as `max_points * slide(achievement, lower, upper)`. This page is the
complete reference of the language. The file format around it is described in
[definition-format.md](definition-format.md), the data in [data-model.md](data-model.md), and a
worked introduction is in [tutorial.md](tutorial.md).

Expressions are checked before any data is read (`qframe validate`): unknown names, wrong
numbers of arguments, money added to a number, a rule used where there is no indicator, circular
definitions. Each problem is reported with its place in the file and a hint, e.g.

```
frameworks/demo/framework.yaml:17:10: error Q305 cannot add money and a number
  17 |   bonus: £5 + 35%
     |          ^~~~~~~~
  hint: money can only be added to money: write £ amounts, or multiply the number by a £ value first
```

Contents:

1. [Literals](#1-literals)
2. [Kinds of value and units](#2-kinds-of-value-and-units)
3. [Operators and precedence](#3-operators-and-precedence)
4. [Names and scoping](#4-names-and-scoping)
5. [Indicator values: rules, kinds and overrides](#5-indicator-values-rules-kinds-and-overrides)
6. [Missing values](#6-missing-values)
7. [Aggregation: `by=`, `over=`, `where=`](#7-aggregation-by-over-where)
8. [Escalation](#8-escalation)
9. [Functions](#9-functions)
10. [Grammar](#10-grammar)

## 1. Literals

| literal | examples | kind | value |
|---|---|---|---|
| number | `7052`, `0.5`, `1_000`, `1.5e-3` | number | as written; `_` separates digit groups |
| percentage | `35%`, `6.4%`, `12.5%` | number | `35%` is 0.35, so `35% * 2` is 0.7 |
| money | `£156.92`, `£1_000`, `£0` | money | pounds |
| duration | `2 quarters`, `12 months`, `1 year`, `3 periods` | duration | a time span; `period` is one step of the framework's `frequency` |
| range | `35% .. 75%`, `£140 .. £170`, `4 .. 8` | range | both bounds included |
| string | `"DM"`, `"DM007"`, `"say \\"yes\\""` | string | text; `\\` escapes the next character |
| boolean | `true`, `false` | boolean | |
| name | `list_size`, `` `DM-7` `` | (its value's) | backquotes allow any characters except a backquote |

Details:

- **No sign in literals.** `-3` and `-£5` are the unary minus applied to `3` and `£5`, so they work
  anywhere a value does. A number needs a digit before the decimal point: `0.5`, not `.5`.
- **Percentages are numbers.** `35%` and `0.35` are the same value; use whichever reads better.
  There is no space before `%`, and none after `£`.
- **Durations** are an amount and a unit: `month`, `quarter`, `year` or `period`, singular or plural
  (`1 year`, `2 years`). They are the second argument of `lag`, `change` and `persists` and the
  value of an escalation rule's `for:`; there they must be a whole number of the framework's
  periods (error Q331: `2 quarters` in a yearly framework). `1 period` is a year in a yearly
  framework and a quarter in a quarterly one. Durations are values too: `2 quarters / 1 year` is
  0.5.
- **Ranges** are written with `..` between two values of the same kind (Q303 otherwise);
  `x in 35% .. 75%` tests a value against one. A range whose lower bound is above its upper bound
  is an error (Q304; for `thresholds`, Q310).
- **Strings** name things: the key of a keyed input (`register("DM")`), an indicator field
  (`group == "DM"`), an escalation rule (`escalated("persistent")`).
- **Backquoted names** refer to names that are not plain identifiers, chiefly indicator ids with
  `-` or `.` in them: `` `CHD-002`.points ``. They also let a name that is a keyword of the
  language (`if`, `and`, `in`, ...) be used.
- **Comments**: `#` starts a comment to the end of the line. In plain YAML values ` #` is already
  a YAML comment; inside a block (`|`) expression the language drops it.
- An expression may span several lines in a YAML block (`expr: |` followed by indented lines);
  line breaks are spaces.

## 2. Kinds of value and units

Every expression has a *kind*, worked out when the definition is checked:

{_kinds()}

Besides its kind, a value either **varies by indicator** (a rule such as `points`, an
indicator-keyed input such as `numerator`, the fields {fields_s}, {fields_n}) or has one value
per unit and period (inputs such as `list_size`, totals, parameters, aggregates over indicators).
A value that varies by indicator is usable only where there is an indicator: see
[Names and scoping](#4-names-and-scoping).

### Unit rules

Arithmetic keeps units apart. The tables are generated from the checker's own rules
(qframe/typesys.py):

{_arith_tables()}

In words:

- `+` and `-` need two values of the same kind: money + money is money; **money + number is an
  error** (`£5 + 35%`), and so is duration + number.
- `*` scales: number × money is money, number × duration is a duration; money × money is an
  error.
- `/` divides: **money / money is a number** (a ratio such as `payment / sum(payment)`), as is
  duration / duration; money / number is money; number / money is an error.
- `^` takes numbers only.
- Booleans, strings and ranges take no part in arithmetic (`points + (x > 2)` is Q305: write
  `if x > 2 then 1 else 0`).
- `and`, `or`, `not`, the condition of `if` and the `where=` of an aggregate need booleans (Q307).
- The two branches of `if` must have the same kind (Q306): write `if c then £100 else £0`, not
  `... else 0`.
- Function arguments are checked the same way (Q229, Q305): e.g. `slide` takes numbers; `min`,
  `max` and `clamp` take numbers, money or durations, all of one kind.

A rule keeps its kind for every indicator: an indicator or kind that overrides a money rule must
give money (Q242).

## 3. Operators and precedence

{_precedence(g)}

Consequences worth knowing:

- `-2 ^ 2` is −4 and `2 ^ 3 ^ 2` is 512 (`^` binds tighter than unary minus and groups to the
  right).
- `not a and b` is `(not a) and b`; `not x in 1 .. 2` is `not (x in 1 .. 2)`.
- `x in 35% .. 75%` needs no brackets: `..` binds tighter than `in` and the comparisons, looser
  than `+ - * /`, so `x in a - 1 .. a + 1` is `x in (a - 1) .. (a + 1)`.
- Comparisons do not chain: `a < b < c` is a syntax error (write `a < b and b < c`).
- `if c then a else b + 1` adds 1 to `b` only; the `else` branch extends as far as it can, so
  `if c1 then a else if c2 then b else c` needs no brackets.
- `.` picks a value of an indicator (`DM007.points`); a call is a name followed directly by its
  arguments in brackets: positional ones first, then keyword arguments `name=value`.

## 4. Names and scoping

A name in an expression means, in this order:

1. an **argument** of the definition being expanded (`g` inside `prevalence(g)`);
2. an **indicator field** — {fields_s} (strings) and {fields_n} (numbers: `lower` and `upper`
   come from the indicator's `thresholds`; all three are missing when not given);
3. a **total** (only outside indicator rules, or when no rule has the same name);
4. a **rule**: its value for the current indicator;
5. an **input**;
6. a **parameter**;
7. a **definition** (`define`).

A name may have only one meaning (Q202: `x` cannot be both a parameter and a rule) with one
exception: a total may share its rule's name (`payment` per indicator, `payment` per unit). Names of
built-in functions and indicator fields are reserved (Q203). Unit attributes (`cluster`, ...) are
only used in `by=`; indicator ids only before `.`. An unknown name is Q201, with the closest known
names as a hint.

### Where an expression is evaluated

| context | expressions | has an indicator? | may use |
|---|---|---|---|
| parameter | `parameters`, an indicator's `params` and `thresholds`, an input's `default`, an escalation rule's `for` | no | literals and other parameters only (Q206) |
| indicator | `rules`, `kinds`, an indicator's overrides, `define` | yes | everything |
| unit | `totals`, `checks` (`assert`), escalation `when` | no | everything that does not vary by indicator |

In the unit context a value that varies by indicator is an error (Q212: *`points` is a rule, with
a value for each indicator; total `points` has one value per practice*). Aggregate it across the
unit's indicators, or pick one indicator:

```yaml
totals:
  points: sum(points, over=indicators)
  dm_payment: sum(payment, over=indicators, where=group == "DM")
  dm007_points: DM007.points
```

### Parameters

Named constants: `point_value: £156.92`, `national_dm_prevalence: 6.4%`. A parameter's value must
be constant (Q240); it may be computed from other parameters (`half: point_value / 2`). An
indicator may set its own value under `params:`; the parameter then varies by indicator. The Python
API can replace parameter values for a run (`fw.evaluate(data, params={{"point_value": 180}})`).

### Inputs

Inputs are the measures read from the data ([data-model.md](data-model.md)). Their `key` says how
many values a unit has per period:

| key | declared as | in an indicator rule | anywhere |
|---|---|---|---|
| `none` (default) | `list_size: {{}}` | `list_size` | `list_size` |
| `indicator` | `numerator: {{key: indicator}}` | `numerator` is this indicator's (key = its id) | `numerator("DM007")`, `DM007.numerator` |
| `group` | `register: {{key: group}}` | `register` is the indicator's group's (key = its `group`), as is `register(group)` | `register("DM")` |

The key of a call may be any string expression. An input with a `default` uses it wherever the
data has no value (`exceptions: {{key: indicator, default: 0}}`). Without a default, a measure the
framework needs but the data lacks altogether stops the evaluation (error D070); an empty cell is a
missing value.

### Definitions (`define`)

Named expressions, reused anywhere, optionally with arguments:

```yaml
define:
  cpi: list_size / average_list_size
  prevalence(g): register(g) / list_size
  apdf(g): prevalence(g) / national_dm_prevalence
```

A definition without arguments is computed once per evaluation. A definition's body is checked in
the context it is used in: `cpi` can be used in a total, but a definition that uses a rule varies
by indicator and is then only usable in rules. A definition with arguments is expanded at each call
and checked with the arguments given (`apdf(group)`, `apdf("DM")`); it takes exactly its arguments,
positionally (Q222, Q221), and written without brackets it is Q207. Definitions may use each other
but not themselves, directly or through others (Q210: *circular definition: a → b → a*).

### Totals

`totals` are per unit and period: usually sums over indicators. A total may use other totals,
parameters, inputs without a key, and definitions that do not vary by indicator; it must not vary
by indicator itself (Q230). Inside an indicator rule a total's name (when no rule has that name)
gives the unit's total, the same for every indicator.

### Indicator fields and `DM007.points`

In an indicator rule, {fields_s} and {fields_n} are the current indicator's. Anywhere, an indicator
id followed by `.` gives one indicator's value: a field (`DM007.max_points`), a rule
(`DM007.points`) or an indicator-keyed input (`DM007.numerator`). These do not vary by indicator,
so they are usable in totals and checks. `.` after anything but an indicator id is Q215; an
unknown id is Q214; an unknown value Q213.

## 5. Indicator values: rules, kinds and overrides

`rules` are evaluated for every indicator. For one indicator, a rule's expression is, in order of
preference:

1. the indicator's own entry with the rule's name (an **indicator override**);
2. the entry in the indicator's **kind** (`kinds:`);
3. the framework rule.

```yaml
rules:
  achievement: numerator / denominator
  points: max_points * slide(achievement, lower, upper)
  payment: points * point_value * cpi * apdf(group)

kinds:
  register:                                   # registers: points for having one
    achievement: if register > 0 then 1 else 0
    points: max_points * achievement

indicators:
  DM017: {{title: Diabetes register, group: DM, kind: register, max_points: 6}}
  BP002:
    group: BP
    max_points: 15
    thresholds: 50% .. 90%
    payment: points * point_value * cpi       # public health: no prevalence adjustment
```

Inside any of them, another rule's name (`achievement` in `points`) means that rule's value for
the same indicator, whichever expression computes it. Indicator-keyed inputs can be overridden the
same way (`denominator: list_size` for an indicator whose denominator is the whole list). An
override may only name a rule or an indicator-keyed input (Q205) and must give the rule's kind of
value (Q242). A `kind:` must be declared under `kinds:` when the framework has any (Q220); without a
`kinds:` section it is a free label. Each distinct expression is evaluated once, for all the
indicators that use it at once.

Money rules are rounded to the penny once: per indicator (`money: {{rounding: indicator}}`, the
default), on the totals (`total`) or not at all (`none`). `round()` is for points and shares.

## 6. Missing values

A value can be missing: an empty cell in the data, a measure a unit does not have, a period before
the data starts, a division by zero. Booleans are three-valued: true, false and unknown (a
comparison with a missing value). The rules (from qframe/vectors.py):

- arithmetic with a missing value is missing;
- division by zero is missing (never infinity), and is noted so results can say why;
- a comparison with a missing value is unknown; `unknown and false` is false,
  `unknown or true` is true, otherwise unknown;
- `if unknown then a else b` is missing;
- aggregates skip missing values; an aggregate with no values at all is missing.

Also:

- `not unknown` is unknown. `x in lo .. hi` is `x >= lo and x <= hi`.
- `x ^ y` that would be infinite, and `sqrt` of a negative number, are missing.
- `count` counts the units (or indicators) where its condition is true, so it is never missing: 0
  when there is nothing to count. `any` and `all` follow the three-valued logic: `any` is true if
  the condition is true for one unit, false if it is false for all, otherwise unknown (`all`
  likewise).
- `previous`, `lag` and `change` are missing in the first period(s) of the data; `persists` is
  unknown until enough periods exist (unless the condition is already false).
- A check fails only where its condition is **false**: unknown is not a failure. An escalation rule
  fires only where its condition is true (for every period of its `for:`).
- To choose a value for missing, say so: `coalesce(achievement, 0)`, or test with
  `is_missing(x)`.

Every row of the `indicators` output has a `status`: `ok` when every rule has a value; otherwise
`missing_input` when a missing input made a rule missing, `zero_denominator` when a division by
zero did, and `undefined` for any other reason (e.g. `previous` in the first period).

## 7. Aggregation: `by=`, `over=`, `where=`

Aggregates (`sum`, `mean`, `sd`, `median`, `smallest`, `largest`, `percentile`, `count`, `rank`,
`any`, `all`) combine many values into one, separately for each period:

- **across units** (the default, `over=units`): all units of the dataset — a national figure —
  given back to every unit. In an indicator rule this is per indicator: `mean(achievement)` is
  each indicator's national mean achievement.
- **`by=attribute`**: within groups of units sharing a unit attribute: {attrs}, or one declared
  under `unit_attributes:`. Each unit gets its group's result; a unit with an empty attribute
  belongs to no group and gets a missing value. The units table must have the column (D060).
  `sum(x, by=cluster)`.
- **`over=indicators`**: across the indicators of each unit (and period): `sum(payment,
  over=indicators)` is a practice's total payment. The argument and `where=` are evaluated for each
  indicator, so they may use rules and indicator fields; the result does not vary by indicator, so
  it can be a total. `by=` cannot be combined with `over=indicators`, and `rank` ranks units only
  (Q233).
- **`where=condition`**: only the values where the condition is true take part:
  `mean(achievement, where=list_size >= 1000)`, `sum(points, over=indicators, where=domain ==
  "clinical")`.

`by=` is also accepted by `rank`, `funnel_lower` and `funnel_upper`; `rank` takes
`descending=true`; `percentile` takes the percentile as its second argument, a constant
(`percentile(x, 10%)`). `count()` with no argument counts the units (or indicators).

## 8. Escalation

An `escalation:` section turns conditions into actions for units that need attention:

```yaml
escalation:
  levels:                                   # lowest first
    - watch
    - {{id: review, owner: commissioner, action: practice visit}}
  rules:
    - id: low_points
      level: watch
      when: sum(points, over=indicators) < 300      # unit context
    - id: persistent
      level: review
      when: escalated("low_points")
      for: 2 years                                  # held in this and the previous year
```

- `when:` is a condition in the unit context (it may use totals, inputs without a key, aggregates
  over indicators and `DM007.points`-style values).
- `for:` (a duration, a whole number of periods) makes the rule fire only when the condition has
  held in every one of the last so many periods, this one included.
- `escalated("id")` is true where escalation rule `id` fires (after its own `for:`). It lets a rule
  escalate further when an earlier escalation did not bring improvement; it may also be used in
  totals and checks. An unknown id is Q234; a rule depending on itself is Q210.
- A unit's `escalation_level` in the `units` output is the highest level whose rules fire,
  `escalation_rules` lists the rules that fire (separated by `;`) and `escalated_since` the first
  period of the current unbroken run at that level or above.

## 9. Functions

{_functions()}

## 10. Grammar

The tokens (a higher priority wins when two could match the same text, so `2 years` is a duration,
not the number 2 followed by a name):

{_tokens(g)}

The complete grammar ([Lark](https://lark-parser.readthedocs.io/) syntax; a rule starting with `?`
is inlined when it has one child; `-> name` names the tree node):

```lark
{grammar_text().rstrip()}
```
""",
    ]
    return "\n".join(sections).rstrip() + "\n"


@click.command("reference")
def command() -> None:
    """Print the expression language reference (Markdown).

    It is the text of docs/language.md, generated from the grammar and the built-in functions:
    operators and precedence, kinds of value and units, names and scoping, missing values, and
    every function with a worked example.

    \b
    Example:
      qframe reference > docs/language.md
      qframe reference | less
    """
    click.echo(render(), nl=False)


if __name__ == "__main__":
    print(render(), end="")

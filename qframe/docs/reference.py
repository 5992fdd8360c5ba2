"""The language reference (docs/language.md), generated.

The operator table, the token table and the grammar listing come from
``qframe/language/grammar.lark``; the unit rules from :mod:`qframe.ir.kinds`; the function sections
(signature, description, example and its documented result) from :data:`qframe.functions.registry.REGISTRY`,
whose examples tests/test_reference.py runs. The prose between them is in ``language.template.md`` beside this module.

Regenerate the document after changing any of these::

    .venv/bin/python -m qframe.docs.reference > docs/language.md
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources import files
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
    from qframe.engines.numpy.lower import compile_framework
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
    "DATE": "calendar date, year-month-day (records.yaml)",
    "QUANTITY": "number with a clinical unit (records.yaml)",
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
    t.Kind.DATE: (
        "`2015-03-31`, `pped - 12 months`",
        "A calendar date (records.yaml only): moved by a duration, compared with dates.",
    ),
    t.Kind.EVENT: (
        "`latest(IFCCHBAM_COD)`",
        "A coded event found by a record query (records.yaml only): read `.date` and `.value`.",
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
    """The whole language reference, as Markdown: the prose of ``language.template.md`` with the
    generated tables and sections filled in."""
    g = parse_grammar(grammar_text())
    template = files("qframe.docs").joinpath("language.template.md").read_text(encoding="utf-8")
    text = template.format(
        regenerate=REGENERATE,
        kinds=_kinds(),
        string_fields=", ".join(f"`{f}`" for f in INDICATOR_STRINGS),
        number_fields=", ".join(f"`{f}`" for f in INDICATOR_NUMBERS),
        arithmetic=_arith_tables(),
        precedence=_precedence(g),
        unit_attributes=", ".join(f"`{a}`" for a in STANDARD_UNIT_ATTRIBUTES),
        functions=_functions(),
        tokens=_tokens(g),
        grammar=grammar_text().rstrip(),
    )
    return text.rstrip() + "\n"


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

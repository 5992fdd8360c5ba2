"""Definition file → typed model (:class:`qframe.model.definition.FrameworkDef`).

Steps: read the file, parse YAML keeping positions, check the structure against the published
JSON Schema (every problem collected, translated into plain words), then build the model and parse
every expression. Semantic checks (names, units, cycles, thresholds) are the compiler's.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from qframe.errors.diagnostics import (
    Diagnostic,
    ExitCode,
    FileProblem,
    Location,
    did_you_mean,
    error,
)
from qframe.language.parser import ExpressionSyntaxError, parse
from qframe.model import definition as m
from qframe.source.yamldoc import Path_, YamlDocument, load_yaml

DEFINITION_FILE = "framework.yaml"


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema of definition files (also printed by `qframe schema`)."""
    text = files("qframe.schema").joinpath("framework.schema.json").read_text(encoding="utf-8")
    result: dict[str, Any] = json.loads(text)
    return result


def definition_path(path: str | Path) -> Path:
    """The definition file for a framework folder or file path."""
    p = Path(path)
    if p.is_dir():
        candidate = p / DEFINITION_FILE
        if not candidate.exists():
            yamls = sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml"))
            if len(yamls) == 1:
                return yamls[0]
            raise FileProblem(
                [
                    error(
                        "Q004",
                        f"no {DEFINITION_FILE} in folder {p}",
                        None,
                        "a framework folder holds its definition in framework.yaml",
                    )
                ],
                ExitCode.FILE_ERROR,
            )
        return candidate
    if not p.exists():
        raise FileProblem(
            [
                error(
                    "Q004",
                    f"no such file or folder: {p}",
                    None,
                    "give the path of a framework folder or its framework.yaml",
                )
            ],
            ExitCode.FILE_ERROR,
        )
    return p


def read_definition(path: str | Path) -> tuple[m.FrameworkDef | None, list[Diagnostic]]:
    """Load and structurally check a definition. Returns the model (None if unusable) and every
    problem found; semantic checks come later (compiler)."""
    file = definition_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FileProblem(
            [error("Q004", f"{file} is not UTF-8 text", None, "save the definition as UTF-8")],
            ExitCode.FILE_ERROR,
        ) from None
    except OSError as exc:
        raise FileProblem(
            [error("Q004", f"cannot read {file}: {exc.strerror}")], ExitCode.FILE_ERROR
        ) from None
    return build_definition(str(file), text)


def build_definition(path: str, text: str) -> tuple[m.FrameworkDef | None, list[Diagnostic]]:
    doc = load_yaml(path, text)
    diags = list(doc.diagnostics)
    if doc.data is None:
        if not diags:
            diags.append(
                error(
                    "Q005",
                    "the definition file is empty",
                    Location(doc.source, 0),
                    "start with `qframe: 1`, `id:` and `title:`",
                )
            )
        return None, diags
    if not isinstance(doc.data, dict):
        diags.append(
            error(
                "Q005",
                "a definition must be a mapping of keys to values",
                doc.location(()),
                "start with `qframe: 1`, `id:` and `title:`",
            )
        )
        return None, diags
    schema_diags = _schema_diagnostics(doc)
    diags.extend(schema_diags)
    if schema_diags:
        return None, diags
    builder = _Builder(doc)
    framework = builder.build()
    diags.extend(builder.diagnostics)
    return framework, diags


# ---------------------------------------------------------------- schema errors in plain words


def _schema_diagnostics(doc: YamlDocument) -> list[Diagnostic]:
    validator = jsonschema.Draft202012Validator(schema())
    out: list[Diagnostic] = []
    seen: set[tuple[int, str]] = set()
    for err in sorted(
        validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path]
    ):
        for d in _translate(doc, err):
            key = (d.location.offset if d.location else -1, d.message)
            if key not in seen:
                seen.add(key)
                out.append(d)
    return out


def _what(path: Path_) -> str:
    return ".".join(str(p) for p in path) or "the definition"


def _translate(doc: YamlDocument, err: ValidationError) -> list[Diagnostic]:
    path: Path_ = tuple(str(p) if not isinstance(p, int) else p for p in err.absolute_path)
    instance: Any = err.instance
    expected_value: Any = err.validator_value
    where = doc.location(path)
    v = err.validator
    if v in ("oneOf", "anyOf") and err.context:
        inner = best_match(err.context)
        # prefer the branch whose type matches what was written
        for sub in err.context:
            if sub.validator != "type":
                inner = sub
                break
        return _translate(doc, inner)
    if v == "additionalProperties":
        schema_: Any = err.schema
        allowed = set(schema_.get("properties", {}))
        extras = [k for k in instance if k not in allowed]
        out = []
        for key in extras:
            hint = did_you_mean(key, allowed) or f"allowed here: {', '.join(sorted(allowed))}"
            if " " in key.strip():
                hint = 'inside { }, a text containing a comma must be quoted: key: "a, b"'
            out.append(
                error(
                    "Q010",
                    f"unknown field `{key}` in {_what(path)}",
                    doc.location((*path, key), key=True),
                    hint,
                )
            )
        return out
    if v == "required":
        missing = re.findall(r"'([^']+)' is a required property", err.message)
        name = missing[0] if missing else str(err.message)
        return [
            error(
                "Q011",
                f"{_what(path)} is missing the required field `{name}`",
                where,
                f"add `{name}:`",
            )
        ]
    if v == "propertyNames":
        key = instance
        return [
            error(
                "Q012",
                f"`{key}` is not a valid name here",
                doc.location((*path, key), key=True),
                "names start with a letter or _ and contain only letters, digits and _",
            )
        ]
    if v == "type":
        expected = expected_value
        if isinstance(expected, list) and "string" in expected:
            return [
                error(
                    "Q013",
                    f"{_what(path)} should be an expression (text such as `numerator / denominator`), not {_describe(instance)}",
                    where,
                    "write the expression on one line, or as a block after `|`",
                )
            ]
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return [
            error(
                "Q013",
                f"{_what(path)} should be {_article(str(expected))}, not {_describe(instance)}",
                where,
                _type_hint(str(expected)),
            )
        ]
    if v == "enum":
        options = ", ".join(str(o) for o in expected_value)
        return [
            error(
                "Q014",
                f"{_what(path)}: `{instance}` is not one of {options}",
                where,
                did_you_mean(str(instance), [str(o) for o in expected_value])
                or f"use one of: {options}",
            )
        ]
    if v == "const":
        return [
            error(
                "Q015",
                f"{_what(path)} must be {expected_value}",
                where,
                f"write `{path[-1] if path else 'qframe'}: {expected_value}`",
            )
        ]
    if v == "pattern":
        return [
            error(
                "Q016",
                f"{_what(path)}: `{instance}` is not a valid identifier",
                where,
                "use lower case letters, digits and _, starting with a letter (e.g. qof_2014)",
            )
        ]
    if v in ("minimum", "exclusiveMinimum"):
        return [
            error(
                "Q017",
                f"{_what(path)} must be at least {expected_value}, not {instance}",
                where,
            )
        ]
    if v == "minItems":
        return [error("Q018", f"{_what(path)} must not be empty", where)]
    return [error("Q019", f"{_what(path)}: {err.message}", where)]


def _article(t: str) -> str:
    return {
        "object": "a mapping",
        "array": "a list",
        "string": "text",
        "number": "a number",
        "boolean": "true or false",
    }.get(t, t.replace("object", "a mapping"))


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if value is None:
        return "empty"
    return f"the text `{value}`"


def _type_hint(expected: str) -> str:
    if "object" in expected:
        return "write a mapping of `key: value` lines, indented under this key"
    if "array" in expected:
        return "write a list, one `- item` per line"
    return ""


# ---------------------------------------------------------------- model building


_DEFINE_KEY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$")


class _Builder:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.data: dict[str, Any] = doc.data
        self.diagnostics: list[Diagnostic] = []

    # -- helpers
    def loc(self, *path: str | int, key: bool = False) -> Location:
        return self.doc.location(tuple(path), key=key)

    def expr(self, *path: str | int) -> m.Expression:
        text, offsets = self.doc.expression_offsets(tuple(path))
        tree = None
        try:
            tree = parse(text)
        except ExpressionSyntaxError as exc:
            expression = m.Expression(text, None, self.doc.source, offsets)
            start = min(exc.offset, max(len(text) - 1, 0))
            fake_end = min(len(text), start + exc.length)
            first = offsets[start] if offsets else 0
            last = offsets[max(start, fake_end - 1)] if offsets else 0
            where = Location(self.doc.source, first, max(1, last - first + 1))
            if exc.offset >= len(text):  # at the end: point just after the last character
                where = Location(self.doc.source, offsets[-1] if offsets else 0, 1)
            self.diagnostics.append(error("Q100", f"syntax: {exc.message}", where, exc.hint))
            return expression
        return m.Expression(text, tree, self.doc.source, offsets)

    def info(self, value: Any) -> m.Doc:
        if isinstance(value, dict):
            return m.Doc(
                str(value.get("title", "")), str(value.get("doc", "")), str(value.get("source", ""))
            )
        return m.Doc()

    def expr_or_doc(self, *path: str | int) -> tuple[m.Expression, m.Doc]:
        value = self.doc_value(path)
        if isinstance(value, dict):
            return self.expr(*path, "expr"), self.info(value)
        return self.expr(*path), m.Doc()

    def doc_value(self, path: tuple[str | int, ...]) -> Any:
        value: Any = self.data
        for p in path:
            value = value[p]
        return value

    # -- sections
    def build(self) -> m.FrameworkDef:
        d = self.data
        params = {}
        for name, value in (d.get("parameters") or {}).items():
            if isinstance(value, dict):
                assumption = value.get("assumption", "")
                assumption = "modelled assumption" if assumption is True else str(assumption or "")
                rng = self.expr("parameters", name, "range") if "range" in value else None
                params[name] = m.Parameter(
                    name,
                    self.expr("parameters", name, "value"),
                    self.loc("parameters", name, key=True),
                    self.info(value),
                    assumption,
                    rng,
                )
            else:
                params[name] = m.Parameter(
                    name, self.expr("parameters", name), self.loc("parameters", name, key=True)
                )
        inputs = {}
        for name, value in (d.get("inputs") or {}).items():
            value = value or {}
            default = self.expr("inputs", name, "default") if "default" in value else None
            inputs[name] = m.Input(
                name,
                value.get("key", "none"),
                self.loc("inputs", name, key=True),
                default,
                self.info(value),
                str(value.get("combine", "")),
                str(value.get("measure", "")),
            )
        attrs = {name: self.info(v) for name, v in (d.get("unit_attributes") or {}).items()}
        defines: dict[str, m.Definition] = {}
        for key in d.get("define") or {}:
            match = _DEFINE_KEY.match(key)
            assert match is not None  # guaranteed by the schema pattern
            name = match.group(1)
            args = tuple(a.strip() for a in (match.group(2) or "").split(",") if a.strip())
            expression, info = self.expr_or_doc("define", key)
            where = self.loc("define", key, key=True)
            if name in defines:
                self.diagnostics.append(
                    error(
                        "Q020", f"`{name}` is defined twice", where, "rename one of the definitions"
                    )
                )
                continue
            if len(set(args)) != len(args):
                self.diagnostics.append(error("Q021", f"`{name}` repeats an argument name", where))
            defines[name] = m.Definition(name, args, expression, where, info)
        rules = {}
        for name in d.get("rules") or {}:
            expression, info = self.expr_or_doc("rules", name)
            rules[name] = m.Rule(name, expression, self.loc("rules", name, key=True), info)
        kinds = {}
        for name, value in (d.get("kinds") or {}).items():
            value = value or {}
            overrides = {k: self.expr("kinds", name, k) for k in value if k != "doc"}
            kinds[name] = m.IndicatorKind(
                name,
                overrides,
                self.loc("kinds", name, key=True),
                m.Doc(doc=str(value.get("doc", ""))),
            )
        indicators = {}
        fixed = {
            "title",
            "doc",
            "source",
            "confidence",
            "group",
            "domain",
            "kind",
            "max_points",
            "thresholds",
            "params",
        }
        for ind_id, value in (d.get("indicators") or {}).items():
            value = value or {}
            thresholds = (
                self.expr("indicators", ind_id, "thresholds") if "thresholds" in value else None
            )
            iparams = {
                k: self.expr("indicators", ind_id, "params", k) for k in (value.get("params") or {})
            }
            overrides = {k: self.expr("indicators", ind_id, k) for k in value if k not in fixed}
            max_points = value.get("max_points")
            indicators[ind_id] = m.Indicator(
                id=ind_id,
                location=self.loc("indicators", ind_id, key=True),
                info=self.info(value),
                group=str(value.get("group", "")),
                domain=str(value.get("domain", "")),
                kind=str(value.get("kind", "")),
                confidence=str(value.get("confidence", "")),
                max_points=float(max_points) if max_points is not None else None,
                thresholds=thresholds,
                params=iparams,
                overrides=overrides,
                kind_location=self.loc("indicators", ind_id, "kind") if "kind" in value else None,
            )
        totals = {}
        for name in d.get("totals") or {}:
            expression, info = self.expr_or_doc("totals", name)
            totals[name] = m.Rule(name, expression, self.loc("totals", name, key=True), info)
        checks = {}
        for name, value in (d.get("checks") or {}).items():
            checks[name] = m.Check(
                name,
                self.expr("checks", name, "assert"),
                self.loc("checks", name, key=True),
                per=str(value.get("per", "")),
                severity=str(value.get("severity", "warning")),
                message=str(value.get("message", "")),
                info=self.info(value),
            )
        levels: list[m.Level] = []
        esc_rules: list[m.EscalationRule] = []
        esc = d.get("escalation")
        if esc:
            for i, lv in enumerate(esc.get("levels") or []):
                if isinstance(lv, dict):
                    levels.append(
                        m.Level(
                            lv["id"],
                            self.loc("escalation", "levels", i),
                            str(lv.get("owner", "")),
                            str(lv.get("action", "")),
                            self.info(lv),
                        )
                    )
                else:
                    levels.append(m.Level(str(lv), self.loc("escalation", "levels", i)))
            for i, r in enumerate(esc.get("rules") or []):
                persists = self.expr("escalation", "rules", i, "for") if "for" in r else None
                esc_rules.append(
                    m.EscalationRule(
                        id=r["id"],
                        level=r["level"],
                        when=self.expr("escalation", "rules", i, "when"),
                        location=self.loc("escalation", "rules", i, "id"),
                        level_location=self.loc("escalation", "rules", i, "level"),
                        persists=persists,
                        action=str(r.get("action", "")),
                        info=self.info(r),
                    )
                )
        money = d.get("money") or {}
        return m.FrameworkDef(
            path=self.doc.source.path,
            source=self.doc.source,
            id=d["id"],
            title=d["title"],
            version=str(d.get("version", "")),
            info=m.Doc(d["title"], str(d.get("doc", "")), str(d.get("source", ""))),
            unit=d.get("unit", "practice"),
            frequency=d.get("frequency", "year"),
            rounding=money.get("rounding", "indicator"),
            rounded=tuple(money.get("rounded", ["payment"])),
            outcome=tuple(d.get("outcome", [])),
            outcome_location=self.loc("outcome") if "outcome" in d else None,
            parameters=params,
            inputs=inputs,
            unit_attributes=attrs,
            defines=defines,
            rules=rules,
            kinds=kinds,
            indicators=indicators,
            totals=totals,
            checks=checks,
            levels=tuple(levels),
            escalation=tuple(esc_rules),
        )

"""Definition file → typed model (:class:`qframe.model.definition.FrameworkDef`).

Steps: read the file, parse YAML keeping positions, check the structure against the published
JSON Schema (every problem collected, translated into plain words), then build the model and parse
every expression. Semantic checks (names, units, cycles, thresholds) are the compiler's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from qframe.errors.diagnostics import (
    Diagnostic,
    ExitCode,
    FileProblem,
    Location,
    error,
)
from qframe.language.parser import ExpressionSyntaxError, parse
from qframe.model import definition as m
from qframe.source.files import SourceProblem, read_source
from qframe.source.schema import load_schema, schema_diagnostics
from qframe.source.yamldoc import YamlDocument, YamlPath, load_yaml

DEFINITION_FILE = "framework.yaml"


def schema() -> dict[str, Any]:
    """The JSON Schema of definition files (also printed by `qframe schema`)."""
    return load_schema("framework.schema.json")


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
        text = read_source(file)
    except SourceProblem as exc:
        raise FileProblem([exc.diagnostic], ExitCode.FILE_ERROR) from None
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
    schema_diags = schema_diagnostics(doc, schema(), subject="the definition")
    diags.extend(schema_diags)
    if schema_diags:
        return None, diags
    builder = _Builder(doc)
    framework = builder.build()
    diags.extend(builder.diagnostics)
    return framework, diags


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
            message = f"syntax: {exc.message}" if exc.code == "Q100" else exc.message
            self.diagnostics.append(error(exc.code, message, where, exc.hint))
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

    def doc_value(self, path: YamlPath) -> Any:
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

"""records.yaml → the typed model of a framework's record-level definitions
(:class:`qframe.model.definition.RecordsDef`).

A framework computed from GP records keeps its registers and business rules in ``records.yaml``
beside ``framework.yaml``: reference dates and clinical parameters, code clusters (a CSV file per
cluster, relative to the framework folder, or inline codes), per-patient fields, and each
register's and indicator's ordered rules. The file is read with the definition
(:func:`qframe.model.build.read_definition`), checked against ``records.schema.json``, and every
cluster file it names is read here, so a missing or malformed one is reported at its entry in
records.yaml before any data is read. Names, kinds, units and rules are checked later
(:mod:`qframe.check.records`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from qframe.errors.diagnostics import Diagnostic, Location, did_you_mean, error, warning
from qframe.language import ast
from qframe.model import definition as m
from qframe.model.expressions import expression_at
from qframe.source.clusters import ClusterFileError, read_cluster_file
from qframe.source.files import SourceProblem, read_source
from qframe.source.schema import load_schema, schema_diagnostics
from qframe.source.yamldoc import YamlDocument, YamlPath, load_yaml

RECORDS_FILE = "records.yaml"
RULE_ACTIONS = ("select", "reject", "exclude")


def records_schema() -> dict[str, Any]:
    """The JSON Schema of records.yaml."""
    return load_schema("records.schema.json")


def read_records(folder: Path) -> tuple[m.RecordsDef | None, list[Diagnostic]]:
    """The record-level definitions in ``folder``/records.yaml (None, [] when there are none)."""
    file = folder / RECORDS_FILE
    if not file.exists():
        return None, []
    try:
        text = read_source(file, code="Q501", what="records file")
    except SourceProblem as exc:
        return None, [exc.diagnostic]
    return build_records(str(file), text)


def build_records(path: str, text: str) -> tuple[m.RecordsDef | None, list[Diagnostic]]:
    """Parse and structurally check record-level definitions; cluster files are read relative to
    the folder of ``path``."""
    doc = load_yaml(path, text)
    diags = list(doc.diagnostics)
    if doc.data is None or not isinstance(doc.data, dict):
        if not diags:
            diags.append(
                error(
                    "Q501",
                    "records.yaml must be a mapping of keys to values",
                    doc.location(()),
                    "start with `records: 1`, then `parameters:`, `clusters:`, `fields:`, "
                    "`registers:` and `indicators:`",
                )
            )
        return None, diags
    schema_diags = schema_diagnostics(doc, records_schema(), subject="records.yaml")
    diags.extend(schema_diags)
    if schema_diags:
        return None, diags
    builder = _RecordsBuilder(doc, Path(path).parent)
    records = builder.build()
    diags.extend(builder.diagnostics)
    return records, diags


def _info(value: Any) -> m.Doc:
    if isinstance(value, dict):
        return m.Doc(
            str(value.get("title", "")), str(value.get("doc", "")), str(value.get("source", ""))
        )
    return m.Doc()


def _assumption(value: Any) -> str:
    note = value.get("assumption", "") if isinstance(value, dict) else ""
    if note is True:
        return "modelled"
    return str(note) if note else ""


class _RecordsBuilder:
    def __init__(self, doc: YamlDocument, folder: Path) -> None:
        self.doc = doc
        self.folder = folder
        self.data: dict[str, Any] = doc.data
        self.diagnostics: list[Diagnostic] = []
        self.used_sets: set[str] = set()
        self.sets: dict[str, tuple[m.RecordRuleDef, ...]] = {}

    def loc(self, *path: str | int, key: bool = False) -> Location:
        return self.doc.location(tuple(path), key=key)

    def expr(self, *path: str | int) -> m.Expression:
        expression, problem = expression_at(self.doc, tuple(path))
        if problem is not None:
            self.diagnostics.append(problem)
        return expression

    def valued(self, path: YamlPath) -> tuple[m.Expression, Any]:
        """An expression written plainly or as ``{value: ..., doc: ...}``, and the raw entry."""
        value: Any = self.data
        for p in path:
            value = value[p]
        if isinstance(value, dict):
            return self.expr(*path, "value"), value
        return self.expr(*path), value

    def build(self) -> m.RecordsDef:
        d = self.data
        params = {}
        for name in d.get("parameters") or {}:
            expression, raw = self.valued(("parameters", name))
            params[name] = m.Parameter(
                name,
                expression,
                self.loc("parameters", name, key=True),
                _info(raw),
                _assumption(raw),
            )
        fields = {}
        for name in d.get("fields") or {}:
            expression, raw = self.valued(("fields", name))
            fields[name] = m.Definition(
                name, (), expression, self.loc("fields", name, key=True), _info(raw)
            )
        clusters = {
            name: self.cluster(name, value) for name, value in (d.get("clusters") or {}).items()
        }
        registers = {}
        for group, value in (d.get("registers") or {}).items():
            population = (
                self.expr("registers", group, "population_date")
                if "population_date" in value
                else None
            )
            registers[group] = m.RegisterDef(
                group,
                self.rules(("registers", group, "rules")),
                self.loc("registers", group, key=True),
                str(value.get("indicator", "")),
                self.loc("registers", group, "indicator") if "indicator" in value else None,
                population,
                _info(value),
            )
        indicators = {}
        for iid, value in (d.get("indicators") or {}).items():
            indicators[iid] = m.RecordIndicatorDef(
                iid,
                str(value["register"]),
                self.loc("indicators", iid, "register"),
                self.rules(("indicators", iid, "rules")),
                self.loc("indicators", iid, key=True),
                _info(value),
                _assumption(value),
            )
        for name in d.get("rule_sets") or {}:
            if name not in self.used_sets:
                self.rules(("rule_sets", name))  # its mistakes are reported all the same
                self.diagnostics.append(
                    warning(
                        "W505",
                        f"rule set `{name}` is never used",
                        self.loc("rule_sets", name, key=True),
                        f"splice it into an indicator's rules with `- use: {name}`, or remove it",
                    )
                )
        return m.RecordsDef(
            path=self.doc.source.path,
            source=self.doc.source,
            parameters=params,
            clusters=clusters,
            fields=fields,
            registers=registers,
            indicators=indicators,
            reference_date=str(d.get("reference_date", "pped")),
            reference_location=self.loc("reference_date") if "reference_date" in d else None,
            period=str(d.get("period", "")),
            info=_info(d),
        )

    def rules(self, path: YamlPath) -> tuple[m.RecordRuleDef, ...]:
        out: list[m.RecordRuleDef] = []
        value: Any = self.data
        for p in path:
            value = value[p]
        for i, rule in enumerate(value):
            where = self.loc(*path, i)
            if "use" in rule:
                out.extend(self.use(path, i, rule))
                continue
            actions = [a for a in RULE_ACTIONS if a in rule]
            if len(actions) != 1:
                self.diagnostics.append(
                    error(
                        "Q519",
                        "a rule needs exactly one of `select:`, `reject:` or `exclude:`"
                        + (f", not {len(actions)}" if actions else ""),
                        where,
                        "write each rule as its own list item: `- select: ...` or "
                        "`- reject: ...` with `as: reason`",
                    )
                )
                continue
            action = actions[0]
            reason = str(rule.get("as", ""))
            out.append(
                m.RecordRuleDef(
                    action,
                    self.expr(*path, i, action),
                    self.loc(*path, i, action, key=True),
                    reason,
                    self.loc(*path, i, "as") if "as" in rule else None,
                    _info(rule),
                    _assumption(rule),
                )
            )
        return tuple(out)

    def use(self, path: YamlPath, i: int, rule: dict[str, Any]) -> tuple[m.RecordRuleDef, ...]:
        """The rules of the rule set a ``- use: NAME`` item splices in (located in the set)."""
        name = str(rule["use"])
        sets = self.data.get("rule_sets") or {}
        where = self.loc(*path, i, "use")
        others = sorted(set(rule) - {"use", "doc", "source"})
        if others:
            self.diagnostics.append(
                error(
                    "Q520",
                    f"`use: {name}` splices a rule set in: it takes no `{others[0]}`",
                    where,
                    "write the rule as its own item, or put it in the set",
                )
            )
        if path and path[0] == "rule_sets":
            self.diagnostics.append(
                error(
                    "Q520",
                    f"rule set `{path[1]}` uses another rule set (`{name}`)",
                    where,
                    "a rule set lists rules; splice sets only into registers and indicators",
                )
            )
            return ()
        if name not in sets:
            self.diagnostics.append(
                error(
                    "Q520",
                    f"no rule set `{name}`",
                    where,
                    did_you_mean(name, sets) or "define it under `rule_sets:`",
                )
            )
            return ()
        self.used_sets.add(name)
        if name not in self.sets:  # each set read once: its mistakes reported once
            self.sets[name] = tuple(
                replace(r, rule_set=name) for r in self.rules(("rule_sets", name))
            )
        return self.sets[name]

    def cluster(self, name: str, value: Any) -> m.ClusterDef:
        where = self.loc("clusters", name)
        info = _info(value)
        unit = str(value.get("unit", "")) if isinstance(value, dict) else ""
        file = (
            value
            if isinstance(value, str)
            else (value.get("file") if isinstance(value, dict) else None)
        )
        inline = (
            value
            if isinstance(value, list)
            else (value.get("codes") if isinstance(value, dict) else None)
        )
        if isinstance(value, dict) and "file" in value:
            where = self.loc("clusters", name, "file")
        if file is not None and inline is not None:
            self.diagnostics.append(
                error(
                    "Q503", f"cluster `{name}` has both a file and inline codes", where, "keep one"
                )
            )
        if file is not None:
            return self.cluster_file(name, str(file), where, info, unit)
        codes = []
        for i, text in enumerate(inline or []):
            system, colon, code = str(text).partition(":")
            if not colon or not system.strip() or not code.strip():
                at = self.loc("clusters", name, *(("codes",) if isinstance(value, dict) else ()), i)
                self.diagnostics.append(
                    error(
                        "Q503",
                        f"inline code `{text}` of cluster `{name}` does not name its system",
                        at,
                        "write system:code, e.g. readv2:9h41.",
                    )
                )
                continue
            codes.append(m.ClusterCode(system.strip(), code.strip()))
        if not inline:
            self.diagnostics.append(
                error("Q503", f"cluster `{name}` has no codes", where, "list codes as system:code")
            )
        return m.ClusterDef(name, tuple(codes), where, "", "", unit, info)

    def cluster_file(
        self, name: str, file: str, where: Location, info: m.Doc, unit: str
    ) -> m.ClusterDef:
        try:
            content = read_cluster_file(self.folder / file)
        except ClusterFileError as exc:
            code = "Q502" if exc.missing else "Q503"
            self.diagnostics.append(error(code, exc.message, where, exc.hint))
            return m.ClusterDef(name, (), where, file, "", unit, info)
        header = content.header
        declared = header.get("cluster", "")
        if declared and declared != name:
            self.diagnostics.append(
                error(
                    "Q503",
                    f"{file} holds cluster `{declared}`, not `{name}`",
                    where,
                    f"name the entry `{declared}`, or point it at the file of `{name}`",
                )
            )
        if unit and header.get("unit") and unit != header["unit"]:
            self.diagnostics.append(
                error(
                    "Q503", f"cluster `{name}`: unit {unit} here, {header['unit']} in {file}", where
                )
            )
        unit = unit or header.get("unit", "")
        if unit not in (*ast.CLINICAL_UNITS, *ast.DIMENSIONLESS_UNITS):
            self.diagnostics.append(
                error(
                    "Q503",
                    f"cluster `{name}` ({file}) has values in `{unit}`, a unit qframe does not know",
                    where,
                    "the units are "
                    + ", ".join(ast.CLINICAL_UNITS)
                    + "; `score` for plain numbers",
                )
            )
        codes = tuple(
            m.ClusterCode(system, code, description, status)
            for code, system, description, status in content.rows
        )
        return m.ClusterDef(
            name,
            codes,
            where,
            file,
            header.get("cluster_version", ""),
            unit,
            m.Doc(
                info.title or header.get("title", ""),
                info.doc,
                info.source or header.get("source", ""),
            ),
        )

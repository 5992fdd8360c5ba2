"""The state of checking one framework's record-level definitions: diagnostics, the parameters
and fields checked so far (each once, in dependency order), and what has been used."""

from __future__ import annotations

from typing import Any

from qframe.check.records import expressions, queries
from qframe.check.records.values import Value, Where, missing
from qframe.errors.diagnostics import Diagnostic, Location, error, warning
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.ir.records import FieldRef
from qframe.language import ast
from qframe.language.printer import to_text
from qframe.model import definition as m


class RecordChecker:
    def __init__(self, fw: m.FrameworkDef, records: m.RecordsDef) -> None:
        self.fw = fw
        self.records = records
        self.diags: list[Diagnostic] = []
        self.seen: set[tuple[str, int, str]] = set()
        self.params: dict[str, Value] = {}
        self.fields: dict[str, Value] = {}  # in dependency order: a field after what it reads
        self.stack: list[str] = []  # fields and parameters being checked (cycle detection)
        self.used_clusters: set[str] = set()
        self.used_fields: set[str] = set()
        self.used_params: set[str] = set()
        self.valued_fields: set[str] = set()  # event fields whose .value is read

    # ------------------------------------------------------------------ diagnostics
    def error(self, code: str, message: str, where: Location | None, hint: str = "") -> None:
        self.report(error(code, message, where, hint))

    def warn(self, code: str, message: str, where: Location | None, hint: str = "") -> None:
        self.report(warning(code, message, where, hint))

    def report(self, diagnostic: Diagnostic) -> None:
        """Collect a diagnostic once per place and message (a rule set's rule is checked in
        every indicator that uses it)."""
        where = diagnostic.location
        key = (
            where.source.path if where else "",
            where.offset if where else -1,
            diagnostic.message,
        )
        if key not in self.seen:
            self.seen.add(key)
            self.diags.append(diagnostic)

    def expect_bool(self, value: Value, where: Where, node: ast.Node, what: str) -> None:
        if value.kind not in (t.Kind.BOOL, t.Kind.ANY):
            self.error(
                "Q307",
                f"{what} needs a condition (true/false), not {value.type.describe()}",
                where.loc(node),
                "compare it with something, e.g. hba1c.value <= hba1c_target, or ask `x is known`",
            )

    def unit_error(self, node: ast.Binary, where: Where, a: Value, b: Value) -> None:
        unit = a.type.unit or b.type.unit
        plain = b if b.type.unit == "" else a if a.type.unit == "" else None
        hint = (
            f"write both in the same unit, e.g. {to_text(node.right if plain is b else node.left)}"
        )
        if plain is not None and plain.const is not None and isinstance(plain.const, float):
            amount = f"{plain.const:g}"
            hint = f"write the unit: {amount} {unit}"
        elif plain is None:
            hint = (
                f"{a.type.unit} and {b.type.unit} do not mix: check the cluster's unit "
                "or the parameter's"
            )
        self.error(
            "Q513",
            f"`{node.op}` mixes {a.type.describe()} and {b.type.describe()}",
            where.loc(node),
            hint,
        )

    # ------------------------------------------------------------------ expressions
    def check(self, expr: m.Expression, where: Where) -> Value:
        if expr.tree is None:
            return missing()
        try:
            return expressions.check(self, expr.tree, where)
        except RecursionError:
            self.error("Q101", f"{where.what} is nested too deeply", expr.location())
            return missing()

    def call(self, node: ast.Call, where: Where) -> Value:
        return queries.call(self, node, where)

    def reference(self, where: Where, node: ast.Node) -> Value | None:
        """The reference date (PPED), where a window counts back from it implicitly."""
        name = self.records.reference_date
        if name not in self.records.parameters:
            return None  # reported once by the program
        value = self.parameter(name, node, where)
        return value if value.kind is t.Kind.DATE else None

    # ------------------------------------------------------------------ named things
    def parameter(self, name: str, node: ast.Node | None, where: Where | None) -> Value:
        """A parameter's value where it is read: a Param node (a duration is inlined: windows
        are whole calendar units known before data)."""
        self.used_params.add(name)
        value = self.param_value(name, node, where)
        if value.type.is_any or value.kind is t.Kind.DURATION:
            return value
        at: dict[str, Any] = where.at(node) if where is not None and node is not None else {}
        return Value(ir.Param(name, type=value.type, **at), value.type)

    def param_value(
        self, name: str, node: ast.Node | None = None, where: Where | None = None
    ) -> Value:
        key = f"param:{name}"
        if name in self.params:
            return self.params[name]
        if key in self.stack:
            self._cycle(key, node, where)
            return missing(node)
        p = self.records.parameters[name]
        self.stack.append(key)
        try:
            value = self.check(p.value, Where(p.value, f"parameter `{name}`", fields=False))
        finally:
            self.stack.pop()
        if value.kind in (t.Kind.BOOL, t.Kind.EVENT, t.Kind.STRING):
            self.error(
                "Q516",
                f"parameter `{name}` is {value.type.describe()}",
                p.value.location(),
                "a record-level parameter is a date, a number (with its unit) or a duration",
            )
            value = missing()
        self.params[name] = value
        return value

    def field(self, name: str, node: ast.Node | None = None, where: Where | None = None) -> Value:
        """A field where it is read: a FieldRef (an event field keeps its name, so that .date
        and .value read its two fields)."""
        self.used_fields.add(name)
        value = self.field_value(name, node, where)
        at: dict[str, Any] = where.at(node) if where is not None and node is not None else {}
        if value.type.is_any:
            return value
        if value.kind is t.Kind.EVENT:
            return Value(FieldRef(name, type=value.type, **at), value.type, field=name)
        return Value(FieldRef(name, type=value.type, **at), value.type)

    def field_value(
        self, name: str, node: ast.Node | None = None, where: Where | None = None
    ) -> Value:
        key = f"field:{name}"
        if name in self.fields:
            return self.fields[name]
        if key in self.stack:
            self._cycle(key, node, where)
            return missing(node)
        f = self.records.fields[name]
        self.stack.append(key)
        try:
            value = self.check(f.expr, Where(f.expr, f"field `{name}`"))
        finally:
            self.stack.pop()
        if value.kind is t.Kind.DURATION:
            self.error(
                "Q516",
                f"field `{name}` is a duration",
                f.expr.location(),
                "a field is per patient: a date, a number, a condition or an event",
            )
            value = missing()
        self.fields[name] = value
        return value

    def _cycle(self, key: str, node: ast.Node | None, where: Where | None) -> None:
        loop = [*self.stack[self.stack.index(key) :], key]
        names = " → ".join(k.split(":", 1)[1] for k in loop)
        self.error(
            "Q508",
            f"`{key.split(':', 1)[1]}` depends on itself: {names}",
            where.loc(node) if where is not None and node is not None else None,
            "a field or parameter cannot read itself, directly or through others",
        )

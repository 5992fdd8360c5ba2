"""Comparing a case's results with its ``expect:``: rows found by their identity, each value by
its kind (money to the penny, numbers within the tolerance), findings listed exactly."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from qframe import api
from qframe.errors.diagnostics import Diagnostic, did_you_mean, error
from qframe.ir import kinds as t
from qframe.results.formatting import is_missing, money
from qframe.scoring.rules import round_money
from qframe.source.yamldoc import YamlPath
from qframe.tools.testing.cases import COLUMN_ALIASES, Case
from qframe.tools.testing.inline import cell_text
from qframe.tools.testing.literals import TAG_WORDS, example_for, fits, read_literal
from qframe.tools.testing.results import Mismatch
from qframe.tools.testing.values import number_text, show_value

# Besides the absolute tolerance, a relative one absorbs floating-point noise in large sums.
RELATIVE_TOLERANCE = 1e-12
# The columns that identify a row of each table, and how a test names them.
ROW_IDENTITY = {
    "indicators": ("unit_id", "period", "indicator"),
    "units": ("unit_id", "period"),
    "checks": ("check", "period", "subject"),
}
NUMERIC_COLUMNS = ("max_points", "lower", "upper", "indicators_not_ok")


class CaseComparison:
    """The comparison of one case's results with its expectations."""

    def __init__(self, framework: api.Framework, case: Case, result: Any, tolerance: float) -> None:
        self.plan = framework.plan
        self.months = framework.definition.period_months
        self.case = case
        self.result = result
        self.tolerance = tolerance
        self.compared = 0
        self.mismatches: list[Mismatch] = []
        self.errors: list[Diagnostic] = []
        self.expect_path: YamlPath = (*case.base, "expect")
        units = result.units
        self.periods: list[str] = list(dict.fromkeys(units["period"].astype(str)))
        self.unit_ids: list[str] = list(dict.fromkeys(units["unit_id"].astype(str)))
        self._index: dict[str, dict[tuple[str, ...], int]] = {}

    def expect(self) -> dict[str, Any]:
        value: dict[str, Any] = self.case.value(self.expect_path)
        return value

    def compare(self) -> None:
        expect = self.expect()  # values of the wrong shape were reported by the schema: skipped
        for table in ("indicators", "units"):
            rows = expect.get(table)
            for i, row in enumerate(rows if isinstance(rows, list) else []):
                if isinstance(row, dict):
                    self.row(table, (*self.expect_path, table, i), row)
        if "checks" in expect:
            checks = expect.get("checks")
            if checks is None or isinstance(checks, list):
                self.checks(checks or [])
        overall = expect.get("overall")
        for name in overall if isinstance(overall, dict) else {}:
            self.overall(name)

    # -- which row
    def index(self, table: str) -> dict[tuple[str, ...], int]:
        if table not in self._index:
            frame = self.result.to_frame(table)
            columns = [frame[c].astype(str).tolist() for c in ROW_IDENTITY[table]]
            self._index[table] = {key: i for i, key in enumerate(zip(*columns, strict=True))}
        return self._index[table]

    def ident(
        self, table: str, path: YamlPath, row: dict[str, Any]
    ) -> tuple[tuple[str, ...], dict[str, str]] | None:
        names: dict[str, str] = {}
        for key in row:
            canonical = COLUMN_ALIASES.get(str(key), str(key))
            if canonical in ROW_IDENTITY[table]:
                cell = cell_text(self.case.doc, (*path, key))
                if cell is None:  # not a single value: the schema said so, the case did not run
                    return None
                names[canonical] = cell
        needed = [c for c in ROW_IDENTITY[table] if c != "period" and c not in names]
        if needed:
            shown = " and ".join(f"`{'unit' if c == 'unit_id' else c}`" for c in needed)
            self.errors.append(
                error(
                    "T031",
                    f"a row of `expect.{table}` needs {shown}",
                    self.case.where(path),
                    {
                        "indicators": "e.g. `- {unit: P001, period: 2014-15, indicator: DM007, points: 11.6875}`",
                        "units": "e.g. `- {unit: P001, period: 2014-15, payment: 5534.28}`",
                        "checks": "e.g. `- {check: has_dm_register, subject: P002, period: 2014-15}`",
                    }[table],
                )
            )
            return None
        if "period" not in names:
            if len(self.periods) != 1:
                self.errors.append(
                    error(
                        "T032",
                        f"a row of `expect.{table}` needs `period`: the results cover {len(self.periods)} periods",
                        self.case.where(path),
                        f"the periods are {', '.join(self.periods) or 'none'}",
                    )
                )
                return None
            names["period"] = self.periods[0]
        return tuple(names[c] for c in ROW_IDENTITY[table]), names

    def describe_row(self, table: str, names: dict[str, str]) -> str:
        if table == "indicators":
            return f"{names['indicator']} for {names['unit_id']} in {names['period']}"
        if table == "units":
            return f"{names['unit_id']} in {names['period']}"
        return f"check {names['check']} for {names['subject']} in {names['period']}"

    def why_absent(self, table: str, names: dict[str, str]) -> str:
        if names.get("period") not in self.periods:
            return f"none: no period {names.get('period')} in the results (periods: {', '.join(self.periods) or 'none'})"
        if "unit_id" in names and names["unit_id"] not in self.unit_ids:
            hint = did_you_mean(names["unit_id"], self.unit_ids)
            return f"none: no unit {names['unit_id']} in the data" + (f" ({hint})" if hint else "")
        if table == "indicators" and names["indicator"] not in self.plan.indicator_ids:
            hint = did_you_mean(names["indicator"], self.plan.indicator_ids)
            return f"none: the framework has no indicator {names['indicator']}" + (
                f" ({hint})" if hint else ""
            )
        if table == "checks" and names["check"] not in self.plan.framework.checks:
            hint = did_you_mean(names["check"], self.plan.framework.checks)
            return f"none: the framework has no check {names['check']}" + (
                f" ({hint})" if hint else ""
            )
        return "none"

    # -- values
    def column_kind(self, table: str, column: str) -> t.Kind:
        if table == "indicators" and column in self.plan.values:
            return self.plan.values[column].type.kind
        if table == "units" and column in self.plan.totals:
            return self.plan.totals[column].type.kind
        if column in NUMERIC_COLUMNS:
            return t.Kind.NUMBER
        frame = self.result.to_frame(table)
        if column in frame.columns:  # any other column: by what it holds
            dtype = frame[column].dtype
            if pd.api.types.is_bool_dtype(dtype):
                return t.Kind.BOOL
            if pd.api.types.is_numeric_dtype(dtype):
                return t.Kind.NUMBER
        return t.Kind.STRING

    def row(self, table: str, path: YamlPath, row: dict[str, Any]) -> None:
        found = self.ident(table, path, row)
        if found is None:
            return
        key, names = found
        frame = self.result.to_frame(table)
        columns = [c for c in frame.columns if c not in ("framework", "framework_version")]
        values = [k for k in row if COLUMN_ALIASES.get(str(k), str(k)) not in ROW_IDENTITY[table]]
        unknown = [k for k in values if k not in columns]
        for k in unknown:
            self.errors.append(
                error(
                    "T030",
                    f"the {table} results have no column `{k}`",
                    self.case.where((*path, k), key=True),
                    did_you_mean(str(k), columns) or f"the columns are: {', '.join(columns)}",
                )
            )
        values = [k for k in values if k not in unknown]
        if not values:
            if not unknown:
                self.errors.append(
                    error(
                        "T031",
                        f"this row of `expect.{table}` names a row but no value to check",
                        self.case.where(path),
                        "add the expected values, e.g. `points: 11.6875`",
                    )
                )
            return
        position = self.index(table).get(key)
        what = self.describe_row(table, names)
        if position is None:
            self.compared += len(values)
            self.mismatches.append(
                Mismatch(self.case.where(path), what, "a result row", self.why_absent(table, names))
            )
            return
        status = None
        if table == "indicators":
            status = str(frame["status"].iloc[position])
        for column in values:
            actual = frame[column].iloc[position]
            label = f"{names['indicator']} {column}" if table == "indicators" else column
            label += f" for {names['unit_id']} in {names['period']}"
            self.value(
                (*path, column),
                row[column],
                self.column_kind(table, column),
                actual,
                label,
                status,
            )

    def value(
        self,
        path: YamlPath,
        expected: Any,
        kind: t.Kind,
        actual: Any,
        what: str,
        status: str | None = None,
    ) -> None:
        if cell_text(self.case.doc, path) is None:  # not a single value: the schema said so
            return
        where = self.case.where(path)
        lit = read_literal(self.case.doc, path, expected, self.months)
        if kind is t.Kind.STRING:
            want = "" if lit.tag == "missing" else lit.text
            got = "" if is_missing(actual) else str(actual)
            self.compared += 1
            if want != got:
                self.mismatches.append(Mismatch(where, what, want or "missing", got or "missing"))
            return
        if not fits(kind, lit.tag):
            self.errors.append(
                error(
                    "T033",
                    f"`{path[-1]}` is {t.Type(kind).describe()}, not {TAG_WORDS[lit.tag]} (`{lit.text}`)",
                    where,
                    example_for(kind, lit),
                )
            )
            return
        self.compared += 1
        missing = is_missing(actual)
        got = "missing" if missing else show_value(kind, float(actual), lit)
        if missing and status and status != "ok":
            got = f"missing ({status})"
        if lit.tag == "missing":
            if not missing:
                self.mismatches.append(Mismatch(where, what, "missing", got))
            return
        want = lit.text if lit.tag in ("percent", "duration") else show_value(kind, lit.value)
        if missing:
            self.mismatches.append(Mismatch(where, what, want, got))
            return
        a, e = float(actual), float(lit.value)
        if kind is t.Kind.BOOL:
            ok = bool(a) == bool(e)
        elif kind is t.Kind.MONEY:
            ok = (
                abs(float(round_money(a)) - float(round_money(e))) < 1e-6
                or abs(a - e) <= self.tolerance
            )
            if not ok and want == got:
                got = f"{got} ({a!r})"
        else:
            ok = math.isclose(a, e, rel_tol=RELATIVE_TOLERANCE, abs_tol=self.tolerance)
            if not ok and (want == got or number_text(e) == number_text(a)):
                want, got = repr(e), repr(a)
        if not ok:
            if kind is not t.Kind.BOOL:
                diff = a - e
                sign = "-" if diff < 0 else "+"
                if kind is t.Kind.MONEY:
                    shown = money(diff, sign="always", minus="-")
                elif lit.tag == "percent":
                    shown = f"{sign}{abs(diff) * 100:.6g} percentage points"
                else:
                    shown = f"{sign}{abs(diff):.6g}"
                got = f"{got} (difference {shown})"
            self.mismatches.append(Mismatch(where, what, want, got))

    def overall(self, name: str) -> None:
        path = (*self.expect_path, "overall", name)
        units = self.result.units
        numeric = [c for c in units.columns if self.column_kind("units", c) is not t.Kind.STRING]
        if name not in numeric:
            self.errors.append(
                error(
                    "T030",
                    f"`overall` sums a total over every unit and period: there is no total `{name}`",
                    self.case.where(path, key=True),
                    did_you_mean(str(name), numeric) or f"the totals are: {', '.join(numeric)}",
                )
            )
            return
        total = float(units[name].sum())
        self.value(
            path, self.expect()["overall"][name], self.column_kind("units", name), total, name
        )

    def checks(self, rows: list[dict[str, Any]]) -> None:
        path = (*self.expect_path, "checks")
        findings = self.result.checks
        found: dict[tuple[str, ...], int] = {
            (str(c), str(p), str(s)): i
            for i, (c, p, s) in enumerate(
                zip(findings["check"], findings["period"], findings["subject"], strict=True)
            )
        }
        listed: set[tuple[str, ...]] = set()
        for i, row in enumerate(rows):
            rp = (*path, i)
            if not isinstance(row, dict):  # the schema said so
                continue
            ident = self.ident("checks", rp, row)
            if ident is None:
                continue
            key, names = ident
            listed.add(key)
            extra = [
                k for k in row if COLUMN_ALIASES.get(str(k), str(k)) not in ROW_IDENTITY["checks"]
            ]
            allowed = ("severity", "message", "per")
            for k in extra:
                if k not in allowed:
                    self.errors.append(
                        error(
                            "T030",
                            f"a finding has no field `{k}`",
                            self.case.where((*rp, k), key=True),
                            did_you_mean(str(k), allowed)
                            or "a finding has check, period, subject, severity, message and per",
                        )
                    )
            what = self.describe_row("checks", names)
            self.compared += 1
            position = found.get(key)
            if position is None:
                self.mismatches.append(
                    Mismatch(
                        self.case.where(rp), what, "a finding", self.why_absent("checks", names)
                    )
                )
                continue
            for k in extra:
                if k in allowed:
                    self.value(
                        (*rp, k),
                        row[k],
                        t.Kind.STRING,
                        findings[k].iloc[position],
                        f"{k} of {what}",
                    )
        where = self.case.where(path, key=True)
        for key in found:
            if key not in listed:
                self.compared += 1
                self.mismatches.append(
                    Mismatch(
                        where,
                        "checks",
                        "only the findings listed",
                        f"also check {key[0]} for {key[2]} in {key[1]}",
                    )
                )

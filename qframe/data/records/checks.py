"""Checks of bad records: each reports how many rows and the first five, and drops nothing.

Which are errors (the run stops, exit code 3) and which are warnings is stated in docs/records.md
and in the catalogue (qframe/errors/catalogue.py, codes R0..).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import duckdb

from qframe.data.records.model import CODE_SYSTEMS, SEXES, VALUE_UNITS, Table
from qframe.errors.diagnostics import Diagnostic, Severity

if TYPE_CHECKING:
    from qframe.data.records.clusters import Cluster
    from qframe.data.records.load import RecordSet

EXAMPLES = 5


def _sql_list(values: Iterable[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def found_rows(
    connection: duckdb.DuckDBPyConnection, query: str, severity: Severity, code: str,
    message: str, path: str, hint: str,
) -> list[Diagnostic]:  # fmt: skip
    """A diagnostic for the rows ``query`` selects (none when it selects none): ``message`` may use
    {n}, the count; the first rows are shown as ``column=value`` examples."""
    count = int(connection.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0])
    if count == 0:
        return []
    cursor = connection.execute(f"SELECT * FROM ({query}) LIMIT {EXAMPLES}")
    names = [d[0] for d in cursor.description or ()]
    shown = "; ".join(
        ", ".join(f"{n}={'' if v is None else v}" for n, v in zip(names, row, strict=True))
        for row in cursor.fetchall()
    )
    more = f" and {count - EXAMPLES} more" if count > EXAMPLES else ""
    text = f"{message.format(n=count)} (first: {shown}{more})"
    return [Diagnostic(severity, code, text, None, hint, path, (), count)]


def cell(column: str, raw_type: str) -> str:
    """The SQL for a raw cell: text is trimmed and empty text is missing (NULL).

    >>> cell("end_date", "VARCHAR"), cell("value", "DOUBLE")
    ("NULLIF(TRIM(end_date), '')", 'value')
    """
    return f"NULLIF(TRIM({column}), '')" if raw_type == "VARCHAR" else column


def missing_columns(table: Table, present: list[str], path: str) -> list[Diagnostic]:
    missing = [c for c in table.required if c not in present]
    if not missing:
        return []
    text = f"the {table.name} table lacks column{'s' * (len(missing) > 1)} {', '.join(missing)}"
    hint = f"it has: {', '.join(present) or 'none'}; required: {', '.join(table.required)}"
    return [Diagnostic(Severity.ERROR, "R010", text, None, hint, path)]


def column_types(
    connection: duckdb.DuckDBPyConnection, table: Table, present: dict[str, str], path: str
) -> list[Diagnostic]:
    """Cells that cannot be read as their column's type (R011) and empty cells where a value is
    required (R012). Both are counted for every column in one scan of the table; rows are listed
    only for a check that found some. A column already stored as its type (Parquet) cannot fail
    R011, so it is not tested."""
    tests: list[tuple[str, str, str]] = []  # (column, check, condition on the raw cells)
    for column in table.columns:
        if column.name not in present:
            continue
        name = column.name
        raw = cell(name, present[name])
        if present[name] != column.sql_type:
            tests.append(
                (
                    name,
                    "R011",
                    f"{raw} IS NOT NULL AND TRY_CAST({raw} AS {column.sql_type}) IS NULL",
                )
            )
        if not column.nullable:
            tests.append((name, "R012", f"{raw} IS NULL"))
    if not tests:
        return []
    counts = connection.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE {condition})" for _, _, condition in tests)
        + f" FROM raw_{table.name}"
    ).fetchall()[0]
    out: list[Diagnostic] = []
    for (name, check, condition), count in zip(tests, counts, strict=True):
        if not count:
            continue
        column = table.column(name)
        if check == "R011":
            out += found_rows(
                connection,
                f"SELECT {name} FROM raw_{table.name} WHERE {condition}",
                Severity.ERROR,
                "R011",
                f"{{n}} {table.name} rows have a {name} that is not a {column.sql_type.lower()}",
                path,
                "dates as YYYY-MM-DD, ids as integers, values as numbers",
            )
        else:
            out += found_rows(
                connection,
                f"SELECT * FROM raw_{table.name} WHERE {condition}",
                Severity.ERROR,
                "R012",
                f"{{n}} {table.name} rows have no {name}",
                path,
                f"every {table.name} row needs a {name}",
            )
    return out


def relations(connection: duckdb.DuckDBPyConnection, sources: dict[str, str]) -> list[Diagnostic]:
    """Checks across tables, on the typed views."""
    patients, registrations, events = (
        sources["patients"],
        sources["registrations"],
        sources["events"],
    )
    # the two checks of events against their patient in one join (the events are the big table):
    # each then lists its rows only when it found some
    orphans, before_birth = connection.execute(
        "SELECT count(*) FILTER (WHERE p.patient_id IS NULL), "
        "count(*) FILTER (WHERE e.date < p.date_of_birth) "
        "FROM events e LEFT JOIN patients p ON e.patient_id = p.patient_id"
    ).fetchall()[0]
    return [
        *found_rows(
            connection,
            "SELECT unit_id, count(*) AS times FROM units GROUP BY unit_id HAVING count(*) > 1",
            Severity.ERROR, "R019", "{n} practice ids are repeated in the units table", sources["units"],
            "each practice appears once",
        ),
        *found_rows(
            connection,
            "SELECT patient_id, count(*) AS times FROM patients GROUP BY patient_id "
            "HAVING count(*) > 1 ORDER BY patient_id",
            Severity.ERROR, "R020", "{n} patient ids are repeated", patients, "each patient appears once",
        ),
        *found_rows(
            connection,
            "SELECT patient_id, practice_id FROM patients "
            "WHERE practice_id NOT IN (SELECT unit_id FROM units)",
            Severity.ERROR, "R021", "{n} patients are at a practice the units table does not have", patients,
            "add the practice to the units table, or correct the patient's practice_id",
        ),
        *found_rows(
            connection,
            "SELECT patient_id, practice_id, start_date FROM registrations "
            "WHERE practice_id NOT IN (SELECT unit_id FROM units)",
            Severity.ERROR, "R021", "{n} registrations are with a practice the units table does not have",
            registrations, "add the practice to the units table, or correct the registration",
        ),
        *found_rows(
            connection,
            "SELECT patient_id, practice_id, start_date FROM registrations "
            "WHERE patient_id NOT IN (SELECT patient_id FROM patients)",
            Severity.ERROR, "R022", "{n} registrations are for a patient the patients table does not have",
            registrations, "every registration's patient_id is in the patients table",
        ),
        *(found_rows(
            connection,
            "SELECT patient_id, system, code, date FROM events "
            "WHERE patient_id NOT IN (SELECT patient_id FROM patients)",
            Severity.ERROR, "R022", "{n} events are for a patient the patients table does not have", events,
            "every event's patient_id is in the patients table",
        ) if orphans else []),
        *found_rows(
            connection,
            "SELECT patient_id, practice_id, start_date, end_date FROM registrations "
            "WHERE end_date < start_date",
            Severity.ERROR, "R023", "{n} registrations end before they start", registrations,
            "end_date is on or after start_date, or empty while the registration is open",
        ),
        *found_rows(
            connection,
            "SELECT patient_id, date_of_birth, date_of_death FROM patients "
            "WHERE date_of_death < date_of_birth",
            Severity.ERROR, "R024", "{n} patients die before they are born", patients,
            "correct date_of_birth or date_of_death",
        ),
        *found_rows(
            connection,
            f"SELECT patient_id, sex FROM patients WHERE sex NOT IN ({_sql_list(SEXES)})",
            Severity.WARNING, "R013", f"{{n}} patients have a sex other than {', '.join(SEXES)}", patients,
            "the rules treat it as unknown",
        ),
        *(found_rows(
            connection,
            "SELECT e.patient_id, e.system, e.code, e.date, p.date_of_birth FROM events e "
            "JOIN patients p USING (patient_id) WHERE e.date < p.date_of_birth "
            "ORDER BY e.patient_id, e.date",
            Severity.ERROR, "R030", "{n} events are dated before the patient's birth", events,
            "correct the event's date or the patient's date_of_birth",
        ) if before_birth else []),
        *found_rows(
            connection,
            f"SELECT patient_id, system, code, date FROM events "
            f"WHERE system NOT IN ({_sql_list(CODE_SYSTEMS)})",
            Severity.ERROR, "R032", "{n} events use a code system qframe does not know", events,
            f"known systems: {', '.join(CODE_SYSTEMS)}",
        ),
        *found_rows(
            connection,
            f"SELECT patient_id, code, date, value, unit FROM events "
            f"WHERE unit IS NOT NULL AND unit NOT IN ({_sql_list(VALUE_UNITS)})",
            Severity.WARNING, "R033", "{n} events have a value unit qframe does not recognise", events,
            f"recognised units: {', '.join(VALUE_UNITS)}; such values match no cluster's unit",
        ),
    ]  # fmt: skip


def check_after_date(records: RecordSet, reference_date: dt.date) -> list[Diagnostic]:
    """A warning (R031) for events dated after ``reference_date`` (e.g. PPED): they are kept in
    the data but fall outside every window that ends on the reference date."""
    return found_rows(
        records.connection,
        f"SELECT patient_id, system, code, date FROM events "
        f"WHERE date > DATE '{reference_date.isoformat()}' ORDER BY date DESC, patient_id",
        Severity.WARNING,
        "R031",
        f"{{n}} events are dated after {reference_date.isoformat()}",
        records.sources["events"],
        "they are kept, and fall outside every window ending on that date",
    )


def check_value_units(records: RecordSet, clusters: Iterable[Cluster]) -> list[Diagnostic]:
    """Values in a cluster that needs a unit: a value in another unit is an error (R035: it would
    be compared on the wrong scale); a value without a unit a warning (R034: read in the cluster's
    unit)."""
    out: list[Diagnostic] = []
    for cluster in clusters:
        if not cluster.unit or not cluster.codes:
            continue
        pairs = ", ".join(
            f"({_sql_list([c.system])}, {_sql_list([c.code])})" for c in cluster.codes
        )
        base = (
            "SELECT patient_id, system, code, date, value, unit FROM events "
            f"WHERE (system, code) IN ({pairs}) AND value IS NOT NULL"
        )
        out += found_rows(
            records.connection, f"{base} AND unit IS NOT NULL AND unit <> '{cluster.unit}'",
            Severity.ERROR, "R035", f"{{n}} {cluster.name} values are not in {cluster.unit}",
            records.sources["events"], f"record {cluster.name} values in {cluster.unit}",
        )  # fmt: skip
        out += found_rows(
            records.connection, f"{base} AND unit IS NULL",
            Severity.WARNING, "R034", f"{{n}} {cluster.name} values have no unit",
            records.sources["events"], f"they are read in {cluster.unit}, the cluster's unit",
        )  # fmt: skip
    return out

"""The record-level data model: which tables a record dataset holds, their columns and types.

A record dataset is a folder (docs/records.md)::

    units.parquet|csv          the practices (the same table as a practice-level dataset)
    patients.parquet|csv       one row per patient
    registrations.parquet|csv  one row per spell of registration with a practice
    events.parquet|csv         one row per coded event (or events/ of Parquet files, which may be
                               partitioned by practice: events/practice_id=S00001/part-0.parquet)
    manifest.json              what the data is (synthetic or not) and how it was made

>>> [c.name for c in TABLES["registrations"].columns]
['patient_id', 'practice_id', 'start_date', 'end_date']
>>> TABLES["events"].column("value").required, TABLES["events"].column("value").nullable
(False, True)
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """A column of a record table: its name, its DuckDB type, whether the table must have it
    and whether its cells may be empty."""

    name: str
    sql_type: str
    required: bool = True
    nullable: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    doc: str

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


TABLES: dict[str, Table] = {
    "units": Table(
        "units",
        (
            Column("unit_id", "VARCHAR", doc="practice id (synthetic: S00001)"),
            Column("name", "VARCHAR", required=False, nullable=True),
        ),
        "the practices: the units table of a practice-level dataset (any further columns, such as "
        "ccg, locality, cluster, are attributes frameworks group by)",
    ),
    "patients": Table(
        "patients",
        (
            Column("patient_id", "BIGINT", doc="a pseudonymous integer id, unique"),
            Column("practice_id", "VARCHAR", doc="the practice at extraction (a unit_id)"),
            Column("date_of_birth", "DATE"),
            Column("sex", "VARCHAR", doc="female, male, intersex or unknown"),
            Column("date_of_death", "DATE", required=False, nullable=True),
        ),
        "one row per patient",
    ),
    "registrations": Table(
        "registrations",
        (
            Column("patient_id", "BIGINT"),
            Column("practice_id", "VARCHAR", doc="a unit_id"),
            Column("start_date", "DATE"),
            Column("end_date", "DATE", nullable=True, doc="empty while the registration is open"),
        ),
        "spells of registration with a practice; the one open at a reference date decides the "
        "patient's practice for that date",
    ),
    "events": Table(
        "events",
        (
            Column("patient_id", "BIGINT"),
            Column("system", "VARCHAR", doc="the code system: readv2, ctv3, snomedct, dmd, ..."),
            Column("code", "VARCHAR"),
            Column("date", "DATE"),
            Column("value", "DOUBLE", required=False, nullable=True, doc="a numeric result"),
            Column("unit", "VARCHAR", required=False, nullable=True, doc="the unit of value"),
        ),
        "coded events: diagnoses, measurements (with a value and its unit), drug issues, "
        "exception and invitation codes",
    ),
}

TABLE_ORDER: tuple[str, ...] = ("units", "patients", "registrations", "events")

SEXES: tuple[str, ...] = ("female", "male", "intersex", "unknown")

# Code systems an event may use. Read v2 and CTV3 for 2014/15 QOF; SNOMED CT from 2018/19;
# dm+d for medicines; ICD-10 and OPCS-4 for hospital data.
CODE_SYSTEMS: tuple[str, ...] = ("readv2", "ctv3", "snomedct", "dmd", "icd10", "opcs4")

# Units a value may be recorded in (clinical units the rules compare values in).
VALUE_UNITS: tuple[str, ...] = (
    "mmHg",
    "mmol/mol",
    "mmol/L",
    "umol/L",
    "mg/mmol",
    "mL/min/1.73m2",
    "%",
    "kg",
    "cm",
    "kg/m2",
    "score",
)

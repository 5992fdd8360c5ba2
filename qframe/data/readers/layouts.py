"""The registry of NHS Digital file layouts qframe reads (:data:`LAYOUTS`), and how a file's
layout and year are told from its name or header.

A new layout is one reader module beside this one and one entry in :data:`LAYOUTS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from qframe.data.readers.achievement import read_achievement
from qframe.data.readers.columns import header_key, read_header
from qframe.data.readers.geographies import (
    GEOGRAPHIES_TITLE,
    ORGANISATION_REFERENCE_TITLE,
    read_geographies,
    read_organisation_reference,
)
from qframe.data.readers.part import Reader
from qframe.data.readers.payments import PAYMENTS_MEASURES, read_payments
from qframe.data.readers.prevalence import read_prevalence
from qframe.data.readers.qof_1415 import (
    read_exception_output,
    read_indicators_by_prac,
    read_prevalence_by_prac,
)

YEAR_IN_NAME = (
    re.compile(r"(?<!\d)(20\d{2})[-_ ]?(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{2})[-_]?(\d{2})(?!\d)"),
)


@dataclass(frozen=True)
class Layout:
    """One kind of NHS Digital file: how to recognise it and how to read it."""

    kind: str
    title: str  # how people know the file
    name: re.Pattern[str]  # file names of this layout
    signature: tuple[str, ...]  # header names that identify it when the name does not
    needs_period: bool
    reader: Reader


def period_from_name(name: str) -> str | None:
    """The financial year in a file or folder name: PREVALENCE_1617.csv or payments_16-17.csv → 2016-17."""
    for pattern in YEAR_IN_NAME:
        for m in pattern.finditer(name):
            first, second = m.group(1), m.group(2)
            start = int(first) if len(first) == 4 else 2000 + int(first)
            if (start + 1) % 100 == int(second):
                return f"{start}-{int(second):02d}"
    return None


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


#: Checked in this order: a file takes the first layout whose name pattern matches; a file whose
#: name matches none takes the layout with the longest signature whose columns it has.
LAYOUTS: tuple[Layout, ...] = (
    Layout(
        "prevalence_by_prac",
        "PREVALENCE_BY_PRAC_v2.csv (2014-15)",
        _pattern(r"^PREVALENCE_?BY_?PRAC.*\.csv$"),
        ("PRACTICE_CODE", "INDICATOR_GROUP_CODE", "REGISTER_SIZE"),
        True,
        read_prevalence_by_prac,
    ),
    Layout(
        "prevalence",
        "PREVALENCE_<yyyy>.csv",
        _pattern(r"^PREVALENCE.*\.csv$"),
        ("PRACTICE_CODE", "REGISTER", "PATIENT_LIST_TYPE", "PATIENT_LIST_SIZE"),
        True,
        read_prevalence,
    ),
    Layout(
        "achievement",
        "ACHIEVEMENT_<yyyy>.csv",
        _pattern(r"^ACHIEVEMENT.*\.csv$"),
        ("PRACTICE_CODE", "INDICATOR_CODE", "MEASURE", "VALUE"),
        True,
        read_achievement,
    ),
    Layout(
        "indicators_by_prac",
        "INDICATORS_BY_PRAC.csv (2014-15)",
        _pattern(r"^INDICATORS_?BY_?PRAC.*\.csv$"),
        ("PRACTICE_CODE", "INDICATOR_CODE", "NUMERATOR", "DENOMINATOR"),
        True,
        read_indicators_by_prac,
    ),
    Layout(
        "exception_output",
        "EXCEPTION_OUTPUT.csv (2014-15)",
        _pattern(r"^EXCEPTION_?OUTPUT.*\.csv$"),
        ("PRACTICE_CODE", "INDICATOR_CODE", "EXCEPTION_COUNT"),
        True,
        read_exception_output,
    ),
    Layout(
        "organisation_reference",
        ORGANISATION_REFERENCE_TITLE,
        _pattern(r"^ORGANISATION_?REFERENCE.*\.csv$"),
        ("PRACTICE_CODE", "PRACTICE_NAME", "CCG_CODE"),
        False,
        read_organisation_reference,
    ),
    Layout(
        "geographies",
        GEOGRAPHIES_TITLE,
        _pattern(r"^MAPPING_?NHS_?GEOGRAPHIES.*\.csv$"),
        ("PRACTICE_CODE", "PCN_ODS_CODE", "CCG_ODS_CODE"),
        False,
        read_geographies,
    ),
    Layout(
        "payments",
        "payments_<yy-yy>.csv (NHS Payments to General Practice)",
        _pattern(r"^.*payments.*\.csv$"),
        ("Practice Code", "CCG Code", *PAYMENTS_MEASURES),
        True,
        read_payments,
    ),
)

LAYOUT_BY_KIND = {layout.kind: layout for layout in LAYOUTS}

LOOKED_FOR = ", ".join(layout.title for layout in LAYOUTS)


def detect_layout(path: Path) -> Layout | None:
    """The layout of a CSV file: by its name, else by its header."""
    if path.suffix.lower() != ".csv":
        return None
    for layout in LAYOUTS:
        if layout.name.match(path.name):
            return layout
    header = {header_key(c) for c in read_header(path)}
    fits = [
        lay for lay in LAYOUTS if header and all(header_key(c) in header for c in lay.signature)
    ]
    # the most specific signature wins: a payments file also has Practice Code and CCG Code
    return max(fits, key=lambda lay: len(lay.signature)) if fits else None

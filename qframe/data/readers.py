"""Read the files analysts really have, as they are, into a canonical :class:`~qframe.data.dataset.Dataset`.

Supported (documented in docs/data-model.md, "Reading NHS Digital files"):

- NHS Digital QOF raw-data CSVs: ``PREVALENCE_<yyyy>.csv``, ``ORGANISATION_REFERENCE_<yyyy>.csv``,
  ``MAPPING_NHS_GEOGRAPHIES_<yyyy>.csv``, the long achievement layout ``ACHIEVEMENT_<yyyy>.csv``
  (``PRACTICE_CODE, INDICATOR_CODE, MEASURE, VALUE``) and the 2014-15 ``qof-1415-csvfiles`` trio
  ``INDICATORS_BY_PRAC.csv``, ``EXCEPTION_OUTPUT.csv`` and ``PREVALENCE_BY_PRAC_v2.csv``;
- NHS Payments to General Practice (``payments_14-15.csv``);
- an Excel workbook with sheets ``units`` and ``measures``.

A folder of NHS Digital files is read as one dataset: units from the reference, mapping and
payments files (merged on the practice code), measures from the others.

Column names are matched without regard to case or surrounding spaces. Every column mapping is in
one of the tables below. The 2014-15 layouts (``INDICATORS_BY_PRAC``, ``EXCEPTION_OUTPUT``,
``PREVALENCE_BY_PRAC_v2``) could not be checked against a real file here: their column names come
from public scripts that read NHS Digital's ``qof-1415-csvfiles`` (which lower-case the names), so
the tables are the most likely layout. If a real file differs, change only the table.

Nothing is guessed or dropped silently: every problem names the file, its rows (as a spreadsheet
shows them: the header is row 1) and a fix; every value qframe leaves out or relabels is reported
as a warning.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qframe.data.dataset import MAX_ROWS_SHOWN, Dataset, _valid_period, _validate, period_ordinal
from qframe.errors.diagnostics import DataError, Diagnostic, ExitCode, FileProblem, Severity, error

# --------------------------------------------------------------------------------------------
# Column mappings. A role maps to the header names it may have (the first one present is used).
# --------------------------------------------------------------------------------------------

#: PREVALENCE_<yyyy>.csv (2016-17 on; 2019-20 calls the group column GROUP_CODE).
PREVALENCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "practice": ("PRACTICE_CODE",),
    "group": ("INDICATOR_GROUP_CODE", "GROUP_CODE"),
    "register": ("REGISTER",),
    "list_type": ("PATIENT_LIST_TYPE",),
    "list_size": ("PATIENT_LIST_SIZE",),
}
#: PATIENT_LIST_TYPE of the whole list: its size becomes ``list_size``; other types (06OV, 16OV,
#: 17OV, 18OV, 50OV, 30_74, ...) become ``list_size_band`` keyed by the type.
TOTAL_LIST_TYPE = "TOTAL"

#: ACHIEVEMENT_<yyyy>.csv, long layout: one row per practice × indicator × measure.
ACHIEVEMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "practice": ("PRACTICE_CODE",),
    "indicator": ("INDICATOR_CODE",),
    "measure": ("MEASURE",),
    "value": ("VALUE",),
}
#: MEASURE values renamed; every other MEASURE is lower-cased (ACHIEVED_POINTS → achieved_points).
ACHIEVEMENT_MEASURES: dict[str, str] = {"PCAS": "exceptions", "EXCEPTIONS": "exceptions"}

#: 2014-15 INDICATORS_BY_PRAC.csv: one row per practice × indicator, one column per measure.
#: Not checked against a real file (see the module docstring).
INDICATORS_BY_PRAC_COLUMNS: dict[str, tuple[str, ...]] = {
    "practice": ("PRACTICE_CODE",),
    "indicator": ("INDICATOR_CODE",),
}
INDICATORS_BY_PRAC_MEASURES: dict[str, tuple[str, ...]] = {
    "numerator": ("NUMERATOR",),
    "denominator": ("DENOMINATOR",),
}
INDICATORS_BY_PRAC_OPTIONAL: dict[str, tuple[str, ...]] = {"achieved_points": ("ACHIEVED_POINTS",)}

#: 2014-15 EXCEPTION_OUTPUT.csv: exceptions per practice × indicator. Not checked (see above).
EXCEPTION_OUTPUT_COLUMNS: dict[str, tuple[str, ...]] = {
    "practice": ("PRACTICE_CODE",),
    "indicator": ("INDICATOR_CODE",),
    "exceptions": ("EXCEPTION_COUNT",),
}

#: 2014-15 PREVALENCE_BY_PRAC_v2.csv: registers per practice × group. Its PRACTICE_LIST_SIZE is
#: not read: the file does not say which age band each group's list size covers. Not checked.
PREVALENCE_BY_PRAC_COLUMNS: dict[str, tuple[str, ...]] = {
    "practice": ("PRACTICE_CODE",),
    "group": ("INDICATOR_GROUP_CODE", "INDICATOR_GROUP"),
    "register": ("REGISTER_SIZE",),
}

#: ORGANISATION_REFERENCE_<yyyy>.csv and MAPPING_NHS_GEOGRAPHIES_<yyyy>.csv → unit attributes.
#: ccg and region are ODS codes (02N, Y54); stp is the ONS code (E54…), the one code every year's
#: file has. Columns not listed are kept as attributes named in snake_case.
GEOGRAPHY_COLUMNS: dict[str, str] = {
    "PRACTICE_CODE": "unit_id",
    "PRACTICE_NAME": "name",
    "CCG_CODE": "ccg",
    "CCG_ODS_CODE": "ccg",
    "CCG_GEOGRAPHY_CODE": "ccg_ons_code",
    "CCG_ONS_CODE": "ccg_ons_code",
    "CCG_NAME": "ccg_name",
    "STP_CODE": "stp",
    "STP_ONS_CODE": "stp",
    "STP_ODS_CODE": "stp_ods_code",
    "STP_NAME": "stp_name",
    "SUBREGION_CODE": "subregion",
    "REGIONAL_LOCAL_OFFICE_CODE": "subregion",
    "SUBREGION_GEOGRAPHY_CODE": "subregion_ons_code",
    "REGIONAL_LOCAL_OFFICE_ONS_CODE": "subregion_ons_code",
    "SUBREGION_NAME": "subregion_name",
    "REGIONAL_LOCAL_OFFICE_NAME": "subregion_name",
    "REGION_CODE": "region",
    "REGION_ODS_CODE": "region",
    "REGION_GEOGRAPHY_CODE": "region_ons_code",
    "REGION_ONS_CODE": "region_ons_code",
    "REGION_NAME": "region_name",
    "PCN_ODS_CODE": "pcn",
    "PCN_NAME": "pcn_name",
    "NAT_CODE": "country_code",
    "NAT_ONS_CODE": "country_ons_code",
    "COUNTRY": "country",
    "REVISED_MAXIMUM_POINTS": "revised_maximum_points",
}

#: NHS Payments to General Practice: the columns before the first measure column describe the
#: practice (unit attributes); the other payment lines are not read.
PAYMENTS_UNIT_COLUMNS: dict[str, str] = {
    "Practice Code": "unit_id",
    "Practice Name": "name",
    "NHS England (Region) code": "region",
    "NHS England (Region) Name": "region_name",
    "CCG Code": "ccg",
    "CCG NAME": "ccg_name",
    "PCN Code": "pcn",
    "PCN Name": "pcn_name",
    "Practice Address": "address",
    "Practice Postcode": "postcode",
    "Practice Open Date": "open_date",
    "Practice Close Date": "close_date",
    "Contract Type": "contract_type",
    "Dispensing Practice": "dispensing",
    "Practice Type": "practice_type",
    "Practice Rurality": "rurality",
    "Atypical Characteristics": "atypical_characteristics",
    "Quarter used for patient data": "patient_data_quarter",
}
PAYMENTS_MEASURES: dict[str, str] = {
    "Number of Registered Patients (Last Known Figure)": "list_size",
    "Number of Weighted Patients (Last Known Figure)": "weighted_list_size",
    "Total QOF Payments": "qof_payment",
}
#: A list_size from a PREVALENCE file and one from a payments file for the same practice and
#: year: the QOF one is kept and the payments one is renamed to this.
PAYMENTS_LIST_SIZE_RENAMED = "payments_list_size"

#: Units files win attribute conflicts in this order (then the newer year first).
UNITS_PRECEDENCE = ("geographies", "organisation_reference", "payments")

YEAR_IN_NAME = (
    re.compile(r"(?<!\d)(20\d{2})[-_ ]?(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{2})[-_]?(\d{2})(?!\d)"),
)
PLAIN_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
GROUPED_NUMBER = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")


# --------------------------------------------------------------------------------------------
# Layouts
# --------------------------------------------------------------------------------------------


@dataclass
class _Part:
    """What one file contributes, with the source row (``_row``) of every value."""

    file: str
    kind: str
    period: str | None
    units: pd.DataFrame | None = None
    measures: pd.DataFrame | None = None
    problems: list[Diagnostic] = field(default_factory=list)


Reader = Callable[[Path, pd.DataFrame, str], _Part]


@dataclass(frozen=True)
class Layout:
    kind: str
    title: str  # how people know the file
    name: re.Pattern[str]  # file names of this layout
    signature: tuple[str, ...]  # header names that identify it when the name does not
    gives_units: bool
    needs_period: bool
    reader: Reader


def _norm(name: str) -> str:
    """Header names compare without case, spaces or punctuation: 'PracticeType' = 'Practice Type'."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def snake_case(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def period_from_name(name: str) -> str | None:
    """The financial year in a file or folder name: PREVALENCE_1617.csv or payments_16-17.csv → 2016-17."""
    for pattern in YEAR_IN_NAME:
        for m in pattern.finditer(name):
            first, second = m.group(1), m.group(2)
            start = int(first) if len(first) == 4 else 2000 + int(first)
            if (start + 1) % 100 == int(second):
                return f"{start}-{int(second):02d}"
    return None


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _rows_of(mask: Any) -> tuple[tuple[int, ...], int]:
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    return tuple(int(i) + 2 for i in idx[:MAX_ROWS_SHOWN]), int(idx.size)


def _diag(
    code: str,
    message: str,
    file: str,
    rows: Iterable[int] = (),
    hint: str = "",
    severity: Severity = Severity.ERROR,
) -> Diagnostic:
    """A data problem; ``message`` may use {n}, the number of rows."""
    shown = sorted(set(int(r) for r in rows))
    return Diagnostic(
        severity,
        code,
        message.format(n=len(shown)),
        None,
        hint,
        file,
        tuple(shown[:MAX_ROWS_SHOWN]),
        len(shown),
    )


def _mask_diag(
    code: str, message: str, file: str, mask: Any, hint: str, severity: Severity = Severity.ERROR
) -> Diagnostic:
    rows, count = _rows_of(mask)
    return Diagnostic(severity, code, message.format(n=count), None, hint, file, rows, count)


def _first_few(values: Iterable[Any]) -> str:
    seen = list(dict.fromkeys(str(v) for v in values))
    more = len(seen) - MAX_ROWS_SHOWN
    return ", ".join(seen[:MAX_ROWS_SHOWN]) + (f" and {more} more" if more > 0 else "")


def _file_problem(code: str, message: str, hint: str) -> FileProblem:
    return FileProblem([error(code, message, None, hint)], ExitCode.FILE_ERROR)


def _read_csv(path: Path) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """Every cell as text; UTF-8 (with or without BOM), else Windows-1252 with a warning."""
    notes: list[Diagnostic] = []
    try:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
            notes.append(
                _diag(
                    "D111",
                    "the file is not UTF-8: read as Windows-1252",
                    str(path),
                    (),
                    "check names with accents or symbols; save the file as UTF-8 to silence this",
                    Severity.WARNING,
                )
            )
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise _file_problem(
            "D003", f"cannot read {path}: {exc}", "check that the file is a CSV file"
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, notes


def _header(path: Path) -> list[str]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            frame = pd.read_csv(path, dtype=str, nrows=0, encoding=encoding)
        except UnicodeDecodeError:
            continue
        except (OSError, ValueError, pd.errors.ParserError):
            return []
        return [str(c).strip() for c in frame.columns]
    return []


def _find_columns(
    frame: pd.DataFrame, wanted: dict[str, tuple[str, ...]], file: str, title: str
) -> tuple[dict[str, str], list[Diagnostic]]:
    by_norm = {_norm(c): c for c in frame.columns}
    found: dict[str, str] = {}
    missing: list[str] = []
    for role, names in wanted.items():
        hit = next((by_norm[_norm(n)] for n in names if _norm(n) in by_norm), None)
        if hit is None:
            missing.append(" or ".join(names))
        else:
            found[role] = hit
    if not missing:
        return found, []
    need = ", ".join(" or ".join(n) for n in wanted.values())
    have = ", ".join(map(str, frame.columns)) or "none"
    return found, [
        _diag(
            "D010",
            f"missing column{'s' * (len(missing) > 1)} {', '.join(missing)}",
            file,
            (),
            f"the file has columns: {have}; a {title} file needs: {need}",
        )
    ]


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype(str).str.strip()


def parse_numbers(text: pd.Series, grouped: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Strict numbers: ``(values, bad)``. Empty cells are missing (NaN), never bad.

    ``grouped`` also accepts thousands separators written the usual way (``1,234,567.89``), as
    NHS Payments files may. Anything else (``£12``, ``12%``, ``n/a``, ``-``) is bad.
    """
    s = text.astype(str).str.strip()
    empty = (s == "").to_numpy()
    plain = s.str.match(PLAIN_NUMBER).to_numpy(dtype=bool)
    ok = plain.copy()
    clean = s
    if grouped:
        with_commas = s.str.match(GROUPED_NUMBER).to_numpy(dtype=bool)
        ok |= with_commas
        clean = s.where(~with_commas, s.str.replace(",", "", regex=False))
    values = np.full(len(s), np.nan)
    if ok.any():
        values[ok] = clean[ok].astype(float).to_numpy()
    return values, ~ok & ~empty


def _number_problem(
    file: str, column: str, text: pd.Series, bad: np.ndarray, hint: str
) -> Diagnostic:
    first = text[bad].iloc[0]
    return _mask_diag(
        "D020",
        f"{{n}} value(s) in column {column} are not numbers (first: {first!r})",
        file,
        bad,
        hint,
    )


PLAIN_HINT = "write plain numbers (1234 or 12.5), without %, £ or thousands separators; leave the cell empty for a missing value"


def _blank_problem(file: str, column: str, mask: np.ndarray, what: str) -> Diagnostic:
    return _mask_diag(
        "D011" if what == "practice code" else "D024",
        f"{{n}} row(s) have no {what} (column {column})",
        file,
        mask,
        f"fill in the {what} on every row, or delete rows that are not data",
    )


def _measures(unit: Any, period: str, measure: Any, key: Any, value: Any, row: Any) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "unit_id": unit,
            "period": period,
            "measure": measure,
            "key": key,
            "value": value,
            "_row": row,
        }
    )
    return frame.astype({"unit_id": str, "period": str, "measure": str, "key": str})


# --------------------------------------------------------------------------------------------
# One reader per layout
# --------------------------------------------------------------------------------------------


def _read_prevalence(path: Path, frame: pd.DataFrame, period: str) -> _Part:
    file = str(path)
    part = _Part(file, "prevalence", period)
    cols, part.problems = _find_columns(frame, PREVALENCE_COLUMNS, file, "PREVALENCE")
    if part.problems:
        return part
    practice = _text(frame, cols["practice"])
    group = _text(frame, cols["group"])
    list_type = _text(frame, cols["list_type"])
    register, bad_register = parse_numbers(frame[cols["register"]])
    size, bad_size = parse_numbers(frame[cols["list_size"]])
    rows = np.arange(len(frame)) + 2
    for column, what in (
        ("practice", "practice code"),
        ("group", "group code"),
        ("list_type", "list type"),
    ):
        blank = (_text(frame, cols[column]) == "").to_numpy()
        if blank.any():
            part.problems.append(_blank_problem(file, cols[column], blank, what))
    for column, bad in (("register", bad_register), ("list_size", bad_size)):
        if bad.any():
            part.problems.append(
                _number_problem(file, cols[column], frame[cols[column]], bad, PLAIN_HINT)
            )
    empty = np.isnan(register) & ~bad_register
    if empty.any():
        n_practices = practice[empty].nunique()
        part.problems.append(
            _mask_diag(
                "D110",
                f"{{n}} register cell(s) are empty ({n_practices} practice(s), first: "
                f"{_first_few(practice[empty])}): those registers are missing values",
                file,
                empty,
                "NHS Digital leaves the register empty where a practice's data were not "
                "available; the indicators that need them will be missing",
                Severity.WARNING,
            )
        )
    if part.problems and any(p.is_error for p in part.problems):
        return part

    # Registers: one row per practice × group.
    registers = _measures(practice, period, "register", group, register, rows)

    # List sizes: one per practice × list type, the same on every group row that uses it.
    sizes = pd.DataFrame({"unit_id": practice, "type": list_type, "value": size, "_row": rows})
    spread = sizes.groupby(["unit_id", "type"], sort=False)["value"].transform("nunique")
    disagree = (spread > 1).to_numpy()
    if disagree.any():
        first = sizes[disagree].iloc[0]
        part.problems.append(
            _mask_diag(
                "D103",
                f"{{n}} row(s) give different {cols['list_size']} for the same practice and "
                f"{cols['list_type']} (first: {first['unit_id']} {first['type']})",
                file,
                disagree,
                "a practice has one list size per list type: correct the extract so that its "
                "group rows agree",
            )
        )
        return part
    grouped = sizes.groupby(["unit_id", "type"], sort=False)
    one = grouped.agg(value=("value", "first"), _row=("_row", "min")).reset_index()
    total = one["type"] == TOTAL_LIST_TYPE
    list_size = _measures(
        one["unit_id"][total], period, "list_size", "", one["value"][total], one["_row"][total]
    )
    bands = one[~total]
    band_sizes = _measures(
        bands["unit_id"], period, "list_size_band", bands["type"], bands["value"], bands["_row"]
    )
    without_total = sorted(set(practice) - set(list_size["unit_id"]))
    if without_total:
        mask = practice.isin(without_total).to_numpy()
        part.problems.append(
            _mask_diag(
                "D113",
                f"{len(without_total)} practice(s) have no {TOTAL_LIST_TYPE} row (first: "
                f"{_first_few(without_total)}): their list_size is missing",
                file,
                mask,
                f"list_size is read from the rows whose {cols['list_type']} is {TOTAL_LIST_TYPE}",
                Severity.WARNING,
            )
        )
    part.measures = pd.concat([registers, list_size, band_sizes], ignore_index=True)
    return part


def _read_achievement(path: Path, frame: pd.DataFrame, period: str) -> _Part:
    file = str(path)
    part = _Part(file, "achievement", period)
    cols, part.problems = _find_columns(
        frame, ACHIEVEMENT_COLUMNS, file, "long achievement (ACHIEVEMENT)"
    )
    if part.problems:
        return part
    practice = _text(frame, cols["practice"])
    indicator = _text(frame, cols["indicator"])
    raw_measure = _text(frame, cols["measure"])
    for column, what in (
        ("practice", "practice code"),
        ("indicator", "indicator code"),
        ("measure", "measure name"),
    ):
        blank = (_text(frame, cols[column]) == "").to_numpy()
        if blank.any():
            part.problems.append(_blank_problem(file, cols[column], blank, what))
    values, bad = parse_numbers(frame[cols["value"]])
    if bad.any():
        part.problems.append(
            _number_problem(file, cols["value"], frame[cols["value"]], bad, PLAIN_HINT)
        )
    renames = {k.upper(): v for k, v in ACHIEVEMENT_MEASURES.items()}
    upper = raw_measure.str.upper()
    measure = upper.map(lambda m: renames.get(m, snake_case(m)))
    part.measures = _measures(
        practice, period, measure, indicator, values, np.arange(len(frame)) + 2
    )
    return part


def _wide_indicator_file(
    path: Path,
    frame: pd.DataFrame,
    period: str,
    kind: str,
    title: str,
    keys: dict[str, tuple[str, ...]],
    measures: dict[str, tuple[str, ...]],
    optional: dict[str, tuple[str, ...]],
) -> _Part:
    file = str(path)
    part = _Part(file, kind, period)
    cols, part.problems = _find_columns(frame, {**keys, **measures}, file, title)
    if part.problems:
        return part
    present = {m: cols[m] for m in measures}
    by_norm = {_norm(c): c for c in frame.columns}
    for measure, names in optional.items():
        hit = next((by_norm[_norm(n)] for n in names if _norm(n) in by_norm), None)
        if hit is not None:
            present[measure] = hit
    key_role = next(r for r in keys if r != "practice")
    practice = _text(frame, cols["practice"])
    key = _text(frame, cols[key_role])
    for role, what in (("practice", "practice code"), (key_role, f"{key_role} code")):
        blank = (_text(frame, cols[role]) == "").to_numpy()
        if blank.any():
            part.problems.append(_blank_problem(file, cols[role], blank, what))
    rows = np.arange(len(frame)) + 2
    pieces = []
    for measure, column in present.items():
        values, bad = parse_numbers(frame[column])
        if bad.any():
            part.problems.append(_number_problem(file, column, frame[column], bad, PLAIN_HINT))
        pieces.append(_measures(practice, period, measure, key, values, rows))
    part.measures = pd.concat(pieces, ignore_index=True)
    return part


def _read_indicators_by_prac(path: Path, frame: pd.DataFrame, period: str) -> _Part:
    return _wide_indicator_file(
        path,
        frame,
        period,
        "indicators_by_prac",
        "INDICATORS_BY_PRAC",
        INDICATORS_BY_PRAC_COLUMNS,
        INDICATORS_BY_PRAC_MEASURES,
        INDICATORS_BY_PRAC_OPTIONAL,
    )


def _read_exception_output(path: Path, frame: pd.DataFrame, period: str) -> _Part:
    keys = {k: v for k, v in EXCEPTION_OUTPUT_COLUMNS.items() if k != "exceptions"}
    return _wide_indicator_file(
        path,
        frame,
        period,
        "exception_output",
        "EXCEPTION_OUTPUT",
        keys,
        {"exceptions": EXCEPTION_OUTPUT_COLUMNS["exceptions"]},
        {},
    )


def _read_prevalence_by_prac(path: Path, frame: pd.DataFrame, period: str) -> _Part:
    keys = {k: v for k, v in PREVALENCE_BY_PRAC_COLUMNS.items() if k != "register"}
    return _wide_indicator_file(
        path,
        frame,
        period,
        "prevalence_by_prac",
        "PREVALENCE_BY_PRAC",
        keys,
        {"register": PREVALENCE_BY_PRAC_COLUMNS["register"]},
        {},
    )


def _units_frame(
    frame: pd.DataFrame, columns: Sequence[str], mapping: dict[str, str], file: str
) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """unit_id and attributes (text, surrounding spaces removed) with ``_row``."""
    table = {_norm(k): v for k, v in mapping.items()}
    out: dict[str, pd.Series] = {}
    problems: list[Diagnostic] = []
    id_column = "practice code"
    for column in columns:
        name = table.get(_norm(column), snake_case(column))
        if name == "unit_id":
            id_column = column
        if name in out:  # a second spelling of a mapped attribute keeps its own name
            name = snake_case(column)
        while name in out:
            name += "_2"
        out[name] = _text(frame, column)
    units = pd.DataFrame(out)
    units["_row"] = np.arange(len(frame)) + 2
    blank = (units["unit_id"] == "").to_numpy()
    if blank.any():
        problems.append(_blank_problem(file, id_column, blank, "practice code"))
    dup = (units["unit_id"].duplicated(keep=False) & ~blank).to_numpy()
    if dup.any():
        first = units["unit_id"][dup].iloc[0]
        problems.append(
            _mask_diag(
                "D012",
                f"{{n}} rows repeat a practice code (first: {first!r})",
                file,
                dup,
                "each practice appears once in a reference file: keep one row per practice",
            )
        )
    return units, problems


def _read_geography(path: Path, frame: pd.DataFrame, period: str, kind: str) -> _Part:
    file = str(path)
    part = _Part(file, kind, period or None)
    title = LAYOUT_BY_KIND[kind].title
    _, part.problems = _find_columns(frame, {"practice": ("PRACTICE_CODE",)}, file, title)
    if part.problems:
        return part
    part.units, part.problems = _units_frame(frame, list(frame.columns), GEOGRAPHY_COLUMNS, file)
    return part


def _read_organisation_reference(path: Path, frame: pd.DataFrame, period: str) -> _Part:
    return _read_geography(path, frame, period, "organisation_reference")


def _read_geographies(path: Path, frame: pd.DataFrame, period: str) -> _Part:
    return _read_geography(path, frame, period, "geographies")


def _read_payments(path: Path, frame: pd.DataFrame, period: str) -> _Part:
    file = str(path)
    part = _Part(file, "payments", period)
    wanted: dict[str, tuple[str, ...]] = {"practice": ("Practice Code",)}
    wanted.update({m: (c,) for c, m in PAYMENTS_MEASURES.items()})
    cols, part.problems = _find_columns(frame, wanted, file, "NHS Payments to General Practice")
    if part.problems:
        return part
    columns = list(frame.columns)
    first_measure = min(columns.index(cols[m]) for m in PAYMENTS_MEASURES.values())
    attributes = columns[:first_measure]
    part.units, part.problems = _units_frame(frame, attributes, PAYMENTS_UNIT_COLUMNS, file)
    practice = part.units["unit_id"]
    rows = np.arange(len(frame)) + 2
    pieces = []
    for measure in PAYMENTS_MEASURES.values():
        column = cols[measure]
        values, bad = parse_numbers(frame[column], grouped=True)
        if bad.any():
            part.problems.append(
                _number_problem(
                    file,
                    column,
                    frame[column],
                    bad,
                    "write numbers such as 1234.56 or 1,234.56, without £; leave the cell empty for a missing value",
                )
            )
        if measure == "qof_payment":
            negative = values < 0
            if negative.any():
                part.problems.append(
                    _mask_diag(
                        "D109",
                        f"{{n}} practice(s) have a negative {column} (first: "
                        f"{practice[negative].iloc[0]} {values[negative][0]:g}): their "
                        "qof_payment is left missing, because measures cannot be negative",
                        file,
                        negative,
                        "a negative total is money taken back from the practice that year; read "
                        "the file yourself if you need the signed amounts",
                        Severity.WARNING,
                    )
                )
                values = np.where(negative, np.nan, values)
        pieces.append(_measures(practice, period, measure, "", values, rows))
    part.measures = pd.concat(pieces, ignore_index=True)
    return part


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
        False,
        True,
        _read_prevalence_by_prac,
    ),
    Layout(
        "prevalence",
        "PREVALENCE_<yyyy>.csv",
        _pattern(r"^PREVALENCE.*\.csv$"),
        ("PRACTICE_CODE", "REGISTER", "PATIENT_LIST_TYPE", "PATIENT_LIST_SIZE"),
        False,
        True,
        _read_prevalence,
    ),
    Layout(
        "achievement",
        "ACHIEVEMENT_<yyyy>.csv",
        _pattern(r"^ACHIEVEMENT.*\.csv$"),
        ("PRACTICE_CODE", "INDICATOR_CODE", "MEASURE", "VALUE"),
        False,
        True,
        _read_achievement,
    ),
    Layout(
        "indicators_by_prac",
        "INDICATORS_BY_PRAC.csv (2014-15)",
        _pattern(r"^INDICATORS_?BY_?PRAC.*\.csv$"),
        ("PRACTICE_CODE", "INDICATOR_CODE", "NUMERATOR", "DENOMINATOR"),
        False,
        True,
        _read_indicators_by_prac,
    ),
    Layout(
        "exception_output",
        "EXCEPTION_OUTPUT.csv (2014-15)",
        _pattern(r"^EXCEPTION_?OUTPUT.*\.csv$"),
        ("PRACTICE_CODE", "INDICATOR_CODE", "EXCEPTION_COUNT"),
        False,
        True,
        _read_exception_output,
    ),
    Layout(
        "organisation_reference",
        "ORGANISATION_REFERENCE_<yyyy>.csv",
        _pattern(r"^ORGANISATION_?REFERENCE.*\.csv$"),
        ("PRACTICE_CODE", "PRACTICE_NAME", "CCG_CODE"),
        True,
        False,
        _read_organisation_reference,
    ),
    Layout(
        "geographies",
        "MAPPING_NHS_GEOGRAPHIES_<yyyy>.csv",
        _pattern(r"^MAPPING_?NHS_?GEOGRAPHIES.*\.csv$"),
        ("PRACTICE_CODE", "PCN_ODS_CODE", "CCG_ODS_CODE"),
        True,
        False,
        _read_geographies,
    ),
    Layout(
        "payments",
        "payments_<yy-yy>.csv (NHS Payments to General Practice)",
        _pattern(r"^.*payments.*\.csv$"),
        ("Practice Code", "CCG Code", *PAYMENTS_MEASURES),
        True,
        True,
        _read_payments,
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
    header = {_norm(c) for c in _header(path)}
    fits = [lay for lay in LAYOUTS if header and all(_norm(c) in header for c in lay.signature)]
    # the most specific signature wins: a payments file also has Practice Code and CCG Code
    return max(fits, key=lambda lay: len(lay.signature)) if fits else None


# --------------------------------------------------------------------------------------------
# Putting files together
# --------------------------------------------------------------------------------------------


def read_nhsd_files(
    paths: Sequence[str | Path],
    *,
    period: str | None = None,
    source: str | None = None,
    layouts: dict[str, str] | None = None,
    ignored: Sequence[Diagnostic] = (),
) -> Dataset:
    """Read NHS Digital files (any mix of the layouts above) into one dataset.

    ``period`` (``2014-15``) is used for files whose name has no year; by default the year comes
    from the file name (``PREVALENCE_1617.csv``), else from its folder's name (``qof-1415``).
    ``layouts`` maps a file name to a layout kind, for files whose name and header do not say.
    """
    files = [Path(p) for p in paths]
    if period is not None and not _valid_period(period):
        raise DataError(
            [error("D023", f"cannot read the period {period!r}", None, "write a year as 2014-15")]
        )
    problems: list[Diagnostic] = []
    notes: list[Diagnostic] = list(ignored)
    parts: list[_Part] = []
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        if not path.is_file():
            raise _file_problem("D001", f"no such file: {path}", "check the path")
        kind = (layouts or {}).get(path.name)
        layout = LAYOUT_BY_KIND[kind] if kind else detect_layout(path)
        if layout is None:
            raise _file_problem(
                "D100",
                f"{path} is not a file qframe can read",
                f"qframe reads these NHS Digital files: {LOOKED_FOR}",
            )
        label = period or period_from_name(path.stem) or period_from_name(path.parent.name)
        if label is None and layout.needs_period:
            problems.append(
                _diag(
                    "D102",
                    "cannot tell which year the file is for",
                    str(path),
                    (),
                    "put the year in the file or folder name (INDICATORS_BY_PRAC_1415.csv, or a "
                    "folder named qof-1415), or pass period='2014-15' to qframe.data.readers.read_nhsd_files",
                )
            )
            continue
        frame, read_notes = _read_csv(path)
        notes.extend(read_notes)
        part = layout.reader(path, frame, label or "")
        part.period = label
        parts.append(part)
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    problems.extend(_same_kind_same_year(parts))
    for part in parts:
        problems.extend(p for p in part.problems if p.is_error)
        notes.extend(p for p in part.problems if not p.is_error)
    if problems:
        raise DataError(problems)
    where = source or (str(files[0].parent) if len(files) > 1 else str(files[0]) if files else "")
    units, measures, found = _assemble(parts, where)
    problems.extend(d for d in found if d.is_error)
    notes.extend(d for d in found if not d.is_error)
    if problems:
        raise DataError(problems)
    ds = _validate(units, measures, where, f"{where} (units)", f"{where} (measures)")
    kept = tuple(w for w in ds.warnings if w.code != "D040")  # reported per file above
    return Dataset(ds.units, ds.measures, where, digest.hexdigest(), (*notes, *kept))


def _same_kind_same_year(parts: Sequence[_Part]) -> list[Diagnostic]:
    out = []
    seen: dict[tuple[str, str | None], list[_Part]] = {}
    for part in parts:
        seen.setdefault((part.kind, part.period), []).append(part)
    for (kind, period), group in seen.items():
        if len(group) > 1:
            names = ", ".join(Path(p.file).name for p in group)
            out.append(
                _diag(
                    "D101",
                    f"{len(group)} {LAYOUT_BY_KIND[kind].title} files for {period or 'the same year'}: {names}",
                    group[0].file,
                    (),
                    "keep one file per kind and year in the folder (a _v2 file replaces the first release)",
                )
            )
    return out


def _assemble(
    parts: Sequence[_Part], where: str
) -> tuple[pd.DataFrame, pd.DataFrame, list[Diagnostic]]:
    found: list[Diagnostic] = []
    frames = []
    for i, part in enumerate(parts):
        if part.measures is not None and len(part.measures):
            frames.append(part.measures.assign(_part=i))
    columns = ["unit_id", "period", "measure", "key", "value", "_row", "_part"]
    measures = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    measures["value"] = measures["value"].astype("float64")

    found.extend(_payments_list_size(parts, measures))
    found.extend(_measure_checks(parts, measures))

    unit_parts = [p for p in parts if p.units is not None]
    if unit_parts:
        units, notes = _merge_units(unit_parts)
        found.extend(notes)
        known = set(units["unit_id"])
        orphan = ~measures["unit_id"].isin(known)
        for i, part in enumerate(parts):
            mask = (orphan & (measures["_part"] == i)).to_numpy()
            if mask.any():
                codes = measures["unit_id"][mask]
                names = ", ".join(Path(p.file).name for p in unit_parts)
                found.append(
                    _diag(
                        "D031",
                        f"{codes.nunique()} practice(s) are in no units file ({names}): "
                        f"{_first_few(codes)}",
                        part.file,
                        measures["_row"][mask],
                        "add the organisation reference or mapping file of the same year to the "
                        "folder, or remove these practices' rows",
                    )
                )
        for part in unit_parts:
            assert part.units is not None
            without = ~part.units["unit_id"].isin(set(measures["unit_id"]))
            if without.any():
                found.append(
                    _diag(
                        "D040",
                        "{n} practice(s) have no measures in any file",
                        part.file,
                        part.units["_row"][without],
                        "their results will be missing; add their data files or ignore this",
                        Severity.WARNING,
                    )
                )
    else:
        seen = sorted(set(measures["unit_id"]))
        units = pd.DataFrame({"unit_id": pd.Series(seen, dtype=str)})
        found.append(
            Diagnostic(
                Severity.WARNING,
                "D106",
                f"no organisation reference, mapping or payments file: the units are the {len(seen)} "
                "practice code(s) seen in the data, with no names or attributes",
                None,
                "add ORGANISATION_REFERENCE_<yyyy>.csv or MAPPING_NHS_GEOGRAPHIES_<yyyy>.csv to "
                "group practices by CCG, region or PCN",
                where,
            )
        )
    return units, measures.drop(columns=["_row", "_part"]), found


def _payments_list_size(parts: Sequence[_Part], measures: pd.DataFrame) -> list[Diagnostic]:
    """A PREVALENCE list_size and a payments list_size for the same practice and year: keep QOF's."""
    kinds = pd.Series([p.kind for p in parts])
    kind = kinds.iloc[measures["_part"].to_numpy()].to_numpy() if len(measures) else np.array([])
    is_size = (measures["measure"] == "list_size").to_numpy()
    qof = measures[is_size & (kind == "prevalence")]
    if qof.empty:
        return []
    from_payments = is_size & (kind == "payments")
    clash = from_payments & pd.MultiIndex.from_frame(measures[["unit_id", "period"]]).isin(
        pd.MultiIndex.from_frame(qof[["unit_id", "period"]])
    )
    out = []
    for i, part in enumerate(parts):
        mask = clash & (measures["_part"] == i).to_numpy()
        if mask.any():
            measures.loc[mask, "measure"] = PAYMENTS_LIST_SIZE_RENAMED
            out.append(
                _diag(
                    "D108",
                    f"{{n}} practice(s) also have a list_size in a PREVALENCE file of the same year: "
                    f"the QOF list size is used as list_size and this file's as {PAYMENTS_LIST_SIZE_RENAMED}",
                    part.file,
                    measures["_row"][mask],
                    "QOF uses the list size of its PREVALENCE file; the payments file counts "
                    "patients at another date",
                    Severity.WARNING,
                )
            )
    return out


def _per_part(
    parts: Sequence[_Part],
    measures: pd.DataFrame,
    mask: np.ndarray,
    code: str,
    message: Callable[[pd.DataFrame], str],
    hint: str,
) -> list[Diagnostic]:
    out = []
    for i, part in enumerate(parts):
        mine = mask & (measures["_part"] == i).to_numpy()
        if mine.any():
            out.append(
                _diag(code, message(measures[mine]), part.file, measures["_row"][mine], hint)
            )
    return out


def _measure_checks(parts: Sequence[_Part], measures: pd.DataFrame) -> list[Diagnostic]:
    values = measures["value"].to_numpy(dtype=float)
    out = _per_part(
        parts,
        measures,
        np.isinf(values),
        "D021",
        lambda m: f"{len(m)} value(s) are infinite",
        "write a finite number, or leave the cell empty",
    )
    out += _per_part(
        parts,
        measures,
        values < 0,
        "D022",
        lambda m: (
            f"{len(m)} value(s) are negative (first: {_what(m.iloc[0])} {m['value'].iloc[0]:g})"
        ),
        "counts and list sizes cannot be negative: correct the extract",
    )
    dup = measures.duplicated(["unit_id", "period", "measure", "key"], keep=False).to_numpy()
    if dup.any():
        for i, part in enumerate(parts):
            mine = dup & (measures["_part"] == i).to_numpy()
            if not mine.any():
                continue
            rows = measures[mine]
            others = measures[dup & ~mine].merge(
                rows[["unit_id", "period", "measure", "key"]].drop_duplicates(),
                on=["unit_id", "period", "measure", "key"],
            )
            elsewhere = sorted({Path(parts[j].file).name for j in others["_part"]})
            what = _what(rows.iloc[0])
            also = f"; also in {', '.join(elsewhere)}" if elsewhere else ""
            out.append(
                _diag(
                    "D030",
                    f"{{n}} rows repeat the same practice, year, measure and key (first: {what}){also}",
                    part.file,
                    rows["_row"],
                    "keep one row per practice × measure × indicator or group (remove the "
                    "duplicates, or keep one file per year)",
                )
            )
    index = ["unit_id", "period", "key"]
    num = measures[measures["measure"] == "numerator"]
    den = measures[measures["measure"] == "denominator"]
    if not num.empty and not den.empty:
        both = num.reset_index().merge(den[[*index, "value"]], on=index, suffixes=("", "_den"))
        bad = both[both["value"] > both["value_den"]]
        mask = np.zeros(len(measures), dtype=bool)
        mask[bad["index"].to_numpy()] = True
        out += _per_part(
            parts,
            measures,
            mask,
            "D032",
            lambda m: (
                f"{len(m)} row(s) have a numerator above its denominator (first: {m['unit_id'].iloc[0]} {m['key'].iloc[0]})"
            ),
            "a numerator counts patients of the denominator: check the extract",
        )
    return out


def _merge_units(parts: Sequence[_Part]) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """Units from several files: for each attribute the first non-empty value in precedence order.

    Disagreements are reported once per file that loses them, with the attributes concerned.
    """

    def rank(part: _Part) -> tuple[int, int]:
        year = -period_ordinal(part.period) if part.period else 0
        return UNITS_PRECEDENCE.index(part.kind), year

    ordered = sorted(parts, key=rank)
    ids = list(dict.fromkeys(u for p in ordered if p.units is not None for u in p.units["unit_id"]))
    merged = pd.DataFrame({"unit_id": ids})
    source: dict[str, pd.Series] = {}
    notes: list[Diagnostic] = []
    for part in ordered:
        assert part.units is not None
        table = part.units.drop_duplicates("unit_id").set_index("unit_id")
        lost = np.zeros(len(merged), dtype=bool)
        counts: list[str] = []
        example = ""
        winners: set[str] = set()
        for column in table.columns:
            if column == "_row":
                continue
            incoming = merged["unit_id"].map(table[column]).fillna("").astype(str)
            if column not in merged.columns:
                merged[column] = incoming
                source[column] = pd.Series(
                    np.where(incoming != "", part.file, ""), index=merged.index
                )
                continue
            current = merged[column].astype(str)
            both = (current != "") & (incoming != "")
            differ = (both & (_comparable(current) != _comparable(incoming))).to_numpy()
            if differ.any():
                lost |= differ
                counts.append(f"{column} ({int(differ.sum())})")
                winners.update(Path(str(w)).name for w in source[column][differ])
                if not example:
                    i = int(np.flatnonzero(differ)[0])
                    example = (
                        f"{merged['unit_id'].iat[i]} {column} {incoming.iat[i]!r} here, "
                        f"{current.iat[i]!r} in {Path(str(source[column].iat[i])).name}"
                    )
            fill = ((current == "") & (incoming != "")).to_numpy()
            merged.loc[fill, column] = incoming[fill]
            source[column] = source[column].where(~fill, part.file)
        if lost.any():
            notes.append(
                _diag(
                    "D107",
                    f"{{n}} practice(s) are described differently in {', '.join(sorted(winners))}: "
                    f"{', '.join(counts)} (first: {example}); the other file's values are used",
                    part.file,
                    merged["unit_id"][lost].map(table["_row"]),
                    "files of different dates or publishers disagree (a practice's CCG, name or "
                    "region changes); the value kept comes first from MAPPING_NHS_GEOGRAPHIES, "
                    "then ORGANISATION_REFERENCE, then payments files, the newest year first",
                    Severity.WARNING,
                )
            )
    columns = ["unit_id", *(["name"] if "name" in merged.columns else [])]
    return merged[[*columns, *(c for c in merged.columns if c not in columns)]], notes


def _what(row: pd.Series) -> str:
    return " ".join(str(row[c]) for c in ("unit_id", "measure", "key") if str(row[c]))


def _comparable(values: pd.Series) -> pd.Series:
    """Values compare without case or runs of spaces: 'NHS Barnet CCG' = 'NHS BARNET  CCG'."""
    return values.str.upper().str.replace(r"\s+", " ", regex=True).str.strip()


# --------------------------------------------------------------------------------------------
# Folders, single files and workbooks
# --------------------------------------------------------------------------------------------


def nhsd_files(folder: Path) -> tuple[list[Path], list[Diagnostic]]:
    """The NHS Digital files in a folder, and warnings for CSV or Excel files that are not."""
    found: list[Path] = []
    ignored: list[Diagnostic] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.is_file() or path.name.startswith("."):
            continue
        if detect_layout(path) is not None:
            found.append(path)
        elif path.suffix.lower() in (".csv", ".xlsx", ".xls"):
            ignored.append(
                _diag(
                    "D105",
                    "not read: qframe does not read this kind of file",
                    str(path),
                    (),
                    f"qframe reads {LOOKED_FOR}; move other files out of the folder to silence this",
                    Severity.WARNING,
                )
            )
    return found, ignored


def read_nhsd_folder(folder: str | Path, *, period: str | None = None) -> Dataset:
    """A folder holding any mix of NHS Digital files, read as one dataset."""
    path = Path(folder)
    files, ignored = nhsd_files(path)
    if not files:
        raise _file_problem(
            "D100",
            f"{path} holds no NHS Digital file qframe can read",
            f"qframe looked for {LOOKED_FOR}",
        )
    return read_nhsd_files(files, period=period, source=str(path), ignored=ignored)


EXCEL_SHEETS = ("units", "measures")


def read_excel(path: str | Path) -> Dataset:
    """A workbook with sheets ``units`` and ``measures``, laid out as units.csv and measures.csv."""
    file = Path(path)
    try:
        sheets = pd.read_excel(
            file, sheet_name=None, dtype=str, keep_default_na=False, na_filter=False
        )
    except ImportError:
        raise _file_problem(
            "D003",
            f"cannot read {file}: reading Excel needs the openpyxl package",
            "pip install openpyxl (it is installed with qframe)",
        ) from None
    except (OSError, ValueError, KeyError) as exc:
        raise _file_problem(
            "D003", f"cannot read {file}: {exc}", "check that the file is an Excel .xlsx workbook"
        ) from None
    by_name = {name.strip().lower(): name for name in sheets}
    missing = [s for s in EXCEL_SHEETS if s not in by_name]
    if missing:
        raise _file_problem(
            "D112",
            f"{file} has no sheet named {' or '.join(missing)} (it has: {', '.join(sheets) or 'none'})",
            "a workbook dataset has a sheet `units` and a sheet `measures`, with the columns of "
            "units.csv and measures.csv (see docs/data-model.md)",
        )
    frames = {}
    for name in EXCEL_SHEETS:
        frame = sheets[by_name[name]]
        frame.columns = [str(c).strip() for c in frame.columns]
        frames[name] = frame
    ds = _validate(
        frames["units"],
        frames["measures"],
        str(file),
        f"{file} [sheet {by_name['units']}]",
        f"{file} [sheet {by_name['measures']}]",
    )
    digest = hashlib.sha256(file.name.encode() + file.read_bytes()).hexdigest()
    return Dataset(ds.units, ds.measures, str(file), digest, ds.warnings)


def read_path(path: str | Path) -> Dataset:
    """A file that is not a dataset folder: an .xlsx workbook or one NHS Digital CSV file."""
    file = Path(path)
    if file.suffix.lower() == ".xlsx":
        return read_excel(file)
    if detect_layout(file) is not None:
        return read_nhsd_files([file])
    raise _file_problem(
        "D100",
        f"{file} is not a dataset qframe can read",
        "give a folder holding units.csv and measures.csv (or .parquet), an Excel .xlsx workbook "
        f"with sheets units and measures, or a folder of NHS Digital files ({LOOKED_FOR})",
    )


__all__ = [
    "LAYOUTS",
    "Layout",
    "detect_layout",
    "nhsd_files",
    "parse_numbers",
    "period_from_name",
    "read_excel",
    "read_nhsd_files",
    "read_nhsd_folder",
    "read_path",
]

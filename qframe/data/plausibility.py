"""Plausibility of a dataset: what the structural checks of :mod:`qframe.data.validate` let
through but no payment should rest on. Each problem names its file, its rows and a fix.

Checks on the tables as read (:func:`table_problems`, before values are converted):

- D306 a table with no rows (named, rather than "the data has no periods" later);
- D302 booleans in the `value` column (a Parquet file would otherwise read them as 1.0 and 0.0);
- D305 no `key` column although rows repeat unit, period and measure (they need a key);
- D304 (:func:`ambiguous_files`) both `measures.csv` and `measures.parquet` in one folder.

Checks on the values (:func:`value_problems`, after conversion), with documented bounds:

- D301 a value of 2^53 (9,007,199,254,740,992) or more: beyond it numbers are not exact (2^53 + 1 is
  read as 2^53), so no count can be trusted;
- D300 a value above ``max_value`` (default 1,000,000,000): no practice count or list size comes
  near it, and one such value makes every pooled figure (a national prevalence) meaningless;
- D303 a `register` larger than ``max_prevalence`` (default 500%) times the unit's `list_size` in
  the same period; D310 (a warning, the rows kept) a register larger than the list but within that
  bound: NHS Digital counts registers on 31 March and list sizes on 1 January, so a small
  practice's register can pass its list (published 2019-20 figures have a practice with 442 on a list of 138).

A user with a reason overrides the bounds in a ``plausibility.yaml`` beside the data's units
file, e.g. ``max_value: 1e12`` or ``max_prevalence: 150%`` (D308 when that file is not such a
mapping). After evaluation, :func:`unknown_keys` warns (D307) about indicator-keyed rows whose key
names no indicator of the framework (a typo such as ``DM07``, or ``dm007`` for ``DM007``): those
rows are not read, so the indicator would be silently missing; and :func:`excepted_beyond_register`
warns (D309) where an indicator's denominator and exceptions together exceed its group's register.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from qframe.errors.diagnostics import (
    DataError,
    Diagnostic,
    ExitCode,
    FileProblem,
    Severity,
    error,
)

EXACT_LIMIT = 2.0**53  # integers above it are not all representable as float64


@dataclass(frozen=True)
class Bounds:
    """Documented plausibility bounds (overridable in plausibility.yaml)."""

    max_value: float = 1e9
    max_prevalence: float = 5.0  # above: D303; between 100% and this: D310, a warning


def _problem(
    code: str, message: str, file: str, mask: Any, hint: str, severity: Severity = Severity.ERROR
) -> Diagnostic:
    """A problem on the rows of ``mask`` (1-based data rows, the first few shown)."""
    flags = np.asarray(mask, dtype=bool)
    where = np.flatnonzero(flags)
    rows = tuple(int(i) + 2 for i in where[:5])  # +1 for 1-based, +1 for the header line
    return Diagnostic(
        severity, code, message.format(n=len(where)), None, hint, file, rows, len(where)
    )


def bounds_for(units_file: str) -> Bounds:
    """The bounds for a dataset: the defaults, or those of plausibility.yaml beside its units."""
    path = Path(units_file).parent / "plausibility.yaml"
    if not path.is_file():
        return Bounds()
    hint = "write a mapping such as:\nmax_value: 1e12\nmax_prevalence: 150%"
    try:
        given = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
        raise DataError([error("D308", f"cannot read {path}: {exc}", None, hint)]) from None
    if not isinstance(given, dict) or set(given) - {"max_value", "max_prevalence"}:
        raise DataError(
            [error("D308", f"{path} is not a mapping of max_value and max_prevalence", None, hint)]
        )
    values = {}
    for name, raw in given.items():
        text = str(raw).strip()
        try:
            value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            value = float("nan")
        if not np.isfinite(value) or value <= 0:
            raise DataError(
                [
                    error(
                        "D308", f"{path}: {name} must be a positive number, not {raw!r}", None, hint
                    )
                ]
            )
        values[name] = value
    return Bounds(**values)


def ambiguous_files(folder: Path) -> None:
    """D304: a table given twice (``measures.csv`` and ``measures.parquet``): which one is meant?"""
    for stem in ("units", "measures"):
        if (folder / f"{stem}.csv").exists() and (folder / f"{stem}.parquet").exists():
            raise FileProblem(
                [
                    error(
                        "D304",
                        f"{folder} has both {stem}.csv and {stem}.parquet: qframe will not choose one",
                        None,
                        f"remove (or move aside) the {stem} file that is out of date",
                    )
                ],
                ExitCode.FILE_ERROR,
            )


def table_problems(
    units: pd.DataFrame, measures: pd.DataFrame, units_name: str, measures_name: str
) -> list[Diagnostic]:
    """Problems of the tables as read (before their values are converted to numbers)."""
    problems: list[Diagnostic] = []
    for frame, name, what in (
        (units, units_name, "units (one row per unit_id)"),
        (measures, measures_name, "measures (unit_id, period, measure, key, value)"),
    ):
        if len(frame) == 0:
            problems.append(
                Diagnostic(
                    Severity.ERROR,
                    "D306",
                    "the table has no rows",
                    None,
                    f"fill it with the {what}; check the export that wrote it",
                    name,
                )
            )
    if "value" in measures.columns and pd.api.types.is_bool_dtype(measures["value"]):
        problems.append(
            Diagnostic(
                Severity.ERROR,
                "D302",
                "the value column holds booleans (true/false), which would be read as 1 and 0",
                None,
                "write numbers: 1 for a yes/no measure met, 0 for not met",
                measures_name,
                row_count=len(measures),
            )
        )
    if "key" not in measures.columns and {"unit_id", "period", "measure"} <= set(measures.columns):
        repeated = measures.duplicated(["unit_id", "period", "measure"], keep=False).to_numpy()
        if repeated.any():
            problems.append(
                _problem(
                    "D305",
                    "the table has no key column, and {n} rows share a unit, period and measure",
                    measures_name,
                    repeated,
                    "add a key column: the indicator id for numerators and denominators, the "
                    "group for registers, empty for list_size",
                )
            )
    return problems


def value_problems(
    measures: pd.DataFrame,
    measures_name: str,
    bounds: Bounds | None = None,
    rows: MeasureRows | None = None,
) -> list[Diagnostic]:
    """Values no payment should rest on (``value`` already numbers): D301, D300, D303.
    ``rows``: the table's :class:`MeasureRows`, if already made."""
    limits = bounds or Bounds()
    values = measures["value"].to_numpy(dtype=np.float64, na_value=np.nan)
    problems: list[Diagnostic] = []
    with np.errstate(invalid="ignore"):
        inexact = np.abs(values) >= EXACT_LIMIT
        huge = (np.abs(values) > limits.max_value) & ~inexact
    if inexact.any():
        problems.append(
            _problem(
                "D301",
                "{n} value(s) are 2^53 (9,007,199,254,740,992) or more, where numbers are no longer exact",
                measures_name,
                inexact,
                "no count is this large: correct the extract (a unit or an id in the value column?)",
            )
        )
    if huge.any():
        problems.append(
            _problem(
                "D300",
                f"{{n}} value(s) are above {limits.max_value:,.0f}, more than any count or list size "
                "can be (one such value would swamp every pooled figure)",
                measures_name,
                huge,
                "correct the extract; if the values are right, raise the bound in plausibility.yaml "
                "beside the units file (max_value: 1e12)",
            )
        )
    problems.extend(_prevalence_problems(measures, measures_name, limits, rows))
    return problems


def _prevalence_problems(
    measures: pd.DataFrame, file: str, limits: Bounds, known: MeasureRows | None
) -> list[Diagnostic]:
    """D303: a register larger than the list size of its unit and period."""
    rows = measure_rows(measures, known)
    registers, lists = rows.of("register"), rows.of("list_size")
    if registers.size == 0 or lists.size == 0:
        return []
    # the first list size of each register's unit and period (whatever its key)
    at = rows.find(rows.unit_period(registers), lists, rows.unit_period(lists))
    registers, sizes = registers[at >= 0], rows.values[at[at >= 0]]
    value = rows.values[registers]
    with np.errstate(invalid="ignore", over="ignore"):
        over = value > limits.max_prevalence * sizes
        above = (value > sizes) & ~over
    found = []
    for hit, code, severity in (
        (over, "D303", Severity.ERROR),
        (above, "D310", Severity.WARNING),
    ):
        if not hit.any():
            continue
        mask = np.zeros(len(measures), dtype=bool)
        mask[registers[hit]] = True
        first = int(np.flatnonzero(hit)[0])
        unit, period = rows.labels(registers[first], ["unit_id", "period"])
        bound = f"{limits.max_prevalence:.0%}" if code == "D303" else "100%"
        found.append(
            _problem(
                code,
                f"{{n}} register row(s) are larger than the unit's list size (a prevalence above "
                f"{bound}; first: {unit} {period}, "
                f"{value[first]:g} on a list of {sizes[first]:g})",
                file,
                mask,
                "a register counts patients of the list: correct the extract; if the list size is "
                "of another date, raise max_prevalence in plausibility.yaml beside the units file"
                if code == "D303"
                else "kept: registers (31 March) and list sizes (1 January) are counted on "
                f"different dates; above {limits.max_prevalence:.0%} it is an error (D303)",
                severity,
            )
        )
    return found


class MeasureRows:
    """The rows of a measures table as integers, to join rows without making text per row: each
    row's measure and key (codes into their labels; -1: missing), its value, and one integer
    for its unit, period and key together (equal labels, equal integers; a label is its text, as
    ``astype(str)`` writes it). The key counts by one, from 1 (0: missing): ``keys - (code + 1)``
    is the integer of the row's unit and period, to which another key's code + 1 is added.
    Made once per dataset (it keeps one integer per row) and shared by the checks that join
    rows."""

    def __init__(self, measures: pd.DataFrame) -> None:
        self.measures = measures
        self.measure_codes, self.measure_labels = _codes(measures["measure"])
        self.key_codes, self.key_labels = (
            _codes(measures["key"])
            if "key" in measures.columns
            else (np.full(len(measures), -1, dtype=np.int8), [])
        )
        self.values = measures["value"].to_numpy(dtype=np.float64, na_value=np.nan)
        columns = [_codes(measures["unit_id"]), _codes(measures["period"])]
        whole = math.prod(len(labels) + 1 for _, labels in [*columns, (0, self.key_labels)])
        # 32-bit integers when every combination fits: half the bytes to make and to join
        keys: np.ndarray = np.zeros(len(measures), dtype=np.int32 if whole < 2**31 else np.int64)
        span = 1
        for codes, labels in [*columns, (self.key_codes, self.key_labels)]:
            if span * (len(labels) + 1) >= 2**62:  # renumber the combinations present first
                keys, present = pd.factorize(keys)
                span = len(present)
            keys *= len(labels) + 1
            keys += codes
            keys += 1
            span *= len(labels) + 1
        self.keys = keys
        self.key_span = len(self.key_labels) + 1
        self.unit_periods = span // self.key_span
        self.positions: dict[str, np.ndarray] = {}  # per measure, its rows (found once)
        self.matches: dict[tuple[str, str], np.ndarray] = {}  # see matched()

    def of(self, measure: str) -> np.ndarray:
        """The positions of the rows of one measure, in order (read-only: kept for the next
        check, and the next framework evaluated on the same data)."""
        if measure not in self.positions:
            if measure not in self.measure_labels:
                found = np.zeros(0, dtype=np.intp)
            else:
                code = self.measure_labels.index(measure)
                found = np.flatnonzero(self.measure_codes == code)
            found.setflags(write=False)
            self.positions[measure] = found
        return self.positions[measure]

    def matched(self, measure: str, other: str) -> np.ndarray:
        """For each row of ``measure`` (in :meth:`of`'s order), the first row of ``other`` with
        the same unit, period and key (-1: none); found once (read-only)."""
        if (measure, other) not in self.matches:
            found = self.find(self.keys[self.of(measure)], self.of(other))
            found.setflags(write=False)
            self.matches[(measure, other)] = found
        return self.matches[(measure, other)]

    def key(self, rows: np.ndarray) -> np.ndarray:
        """The key of some rows, from 1 (0: missing), as it counts in :attr:`keys`."""
        return self.key_codes[rows].astype(np.int64) + 1

    def find(
        self, keys: np.ndarray, among: np.ndarray, among_keys: np.ndarray | None = None
    ) -> np.ndarray:
        """For each key, the position of the first row of ``among`` with that key (-1: none);
        ``among_keys``: the keys of those rows, if not their :attr:`keys`."""
        known = self.keys[among] if among_keys is None else among_keys
        if known.size == 0 or keys.size == 0:
            return np.full(len(keys), -1, dtype=np.intp)
        found = self.find_unique(keys, among, known)
        if found is not None:
            return found
        index = pd.Index(known)
        if not index.is_unique:  # the first of each
            first = ~index.duplicated()
            index, among = index[first], among[first]
        at = index.get_indexer(keys)
        return np.where(at >= 0, among[at], -1)

    def find_unique(
        self, keys: np.ndarray, among: np.ndarray, among_keys: np.ndarray | None = None
    ) -> np.ndarray | None:
        """:meth:`find` by a table indexed by key (no hashing, no sorting), when no two rows of
        ``among`` share a key and the keys are small enough; None otherwise."""
        known = self.keys[among] if among_keys is None else among_keys
        if known.size == 0 or keys.size == 0:
            return np.full(len(keys), -1, dtype=np.intp)
        size = int(max(known.max(), keys.max())) + 1
        if size > 4 * len(self.keys) + 2**20:
            return None
        table = np.full(size, -1, dtype=np.int32 if len(self.keys) < 2**31 else np.int64)
        table[known] = among
        if not (table[known] == among).all():  # a key twice
            return None
        found: np.ndarray = table[keys]
        return found

    def unit_period(self, rows: np.ndarray) -> np.ndarray:
        """One integer per unit and period of some rows (below :attr:`unit_periods`)."""
        return self.keys[rows] // self.key_span

    def labels(self, row: int, columns: Iterable[str]) -> list[str]:
        """The labels of one row in some columns, as text."""
        return [str(self.measures[name].iloc[row]) for name in columns]


def measure_rows(measures: pd.DataFrame, rows: MeasureRows | None) -> MeasureRows:
    """``rows`` if made for ``measures``, else made now."""
    return rows if rows is not None and rows.measures is measures else MeasureRows(measures)


def _codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each row's label as a code into the labels' text (-1: missing); a categorical's own."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), [str(label) for label in column.cat.categories]
    codes, labels = pd.factorize(column.astype(str))
    return codes, [str(label) for label in labels]


def unknown_keys(
    measures: pd.DataFrame,
    keyed: Mapping[str, str],
    indicators: Iterable[str],
    groups: Iterable[str],
    source: str,
    rows: MeasureRows | None = None,
) -> list[Diagnostic]:
    """D307 warnings: rows of an indicator- or group-keyed measure (``keyed``: measure → "indicator"
    or "group") whose key is a near miss of an indicator (group) of the framework — another case
    (``dm007``) or a close spelling (``DM07``) — that has no row of its own for that unit and
    period. Those rows are not read, so the indicator would silently have no data. ``rows``:
    the table's :class:`MeasureRows`, if already made."""
    known = {"indicator": sorted(set(indicators)), "group": sorted(set(groups))}
    out: list[Diagnostic] = []
    rows = measure_rows(measures, rows)
    labels = ["nan", *rows.key_labels]  # key 0: a missing key, as astype(str) writes it
    code_of = {label: code for code, label in enumerate(labels)}
    wanted = np.isin(
        rows.measure_codes, [c for c, m in enumerate(rows.measure_labels) if m in keyed]
    )
    if not wanted.any():
        return out
    every = {labels[c] for c in np.flatnonzero(np.bincount(rows.key(wanted), minlength=1))}
    names_all = [*known["indicator"], *known["group"]]
    if not any(_close(k, names_all) for k in every - set(names_all) - {""}):
        return out  # the usual case: no key is a near miss of an id the framework has
    for name, by in keyed.items():
        names = known.get(by, [])
        measured = rows.of(name)
        if not names or measured.size == 0:
            continue
        codes = rows.key(measured)
        stray_keys = {labels[c] for c in np.flatnonzero(np.bincount(codes))} - set(names) - {""}
        close = {k: _close(k, names) for k in stray_keys}
        close = {k: v for k, v in close.items() if v}
        if not close:
            continue
        targets = {c for v in close.values() for c in v}
        order = np.argsort(codes, kind="stable")  # the rows of each key, in order
        starts = np.searchsorted(codes[order], np.arange(len(labels) + 1))
        keyed_by = {
            label: measured[order[starts[code_of[label]] : starts[code_of[label] + 1]]]
            for label in {*close, *targets}
            if label in code_of
        }
        given = {}  # per unit and period: has this measure a row for the id?
        for target in (c for c in targets if c in code_of):
            given[target] = np.zeros(rows.unit_periods, dtype=bool)
            given[target][rows.unit_period(keyed_by[target])] = True
        flagged = np.zeros(len(measures), dtype=bool)
        meant: dict[str, str] = {}
        for stray, ids in close.items():
            candidates = keyed_by[stray]
            places = rows.unit_period(candidates)
            lacking = np.column_stack(
                [
                    ~given[c][places] if c in given else np.ones(len(candidates), dtype=bool)
                    for c in ids
                ]
            )
            used = np.array([c in given and bool(given[c].any()) for c in ids])
            several = lacking.sum(axis=1) > 1  # several close ids: those this measure is given for
            lacking[several] &= used
            one = lacking.sum(axis=1) == 1
            if one.any():
                flagged[candidates[one]] = True
                meant[stray] = ids[int(np.argmax(lacking[np.flatnonzero(one)[-1]]))]
        if not flagged.any():
            continue
        pairs = sorted(f"`{k}` → `{v}`" for k, v in meant.items())
        out.append(
            _problem(
                "D307",
                f"{{n}} row(s) of measure {name} have a key that is no {by} of the framework, "
                f"and the {by} it looks meant for has no row of its own: they are not read",
                source,
                flagged,
                "correct the key (ids are case-sensitive): " + "; ".join(pairs[:5]),
                Severity.WARNING,
            )
        )
    return out


def _close(key: str, names: list[str]) -> list[str]:
    """The ids a stray key may be meant for: the same in another case, else close spellings."""
    same = [name for name in names if name.lower() == key.lower()]
    return same or difflib.get_close_matches(key, names, n=3, cutoff=0.8)


def excepted_beyond_register(
    measures: pd.DataFrame,
    group_of: Mapping[str, str],
    source: str,
    rows: MeasureRows | None = None,
) -> list[Diagnostic]:
    """D309 warning: an indicator's `denominator` and `exceptions` together above the `register`
    of its group (same unit and period): more patients counted than the register holds.
    ``rows``: the table's :class:`MeasureRows`, if already made."""
    rows = measure_rows(measures, rows)
    exceptions, denominators = rows.of("exceptions"), rows.of("denominator")
    if exceptions.size == 0 or denominators.size == 0:
        return []
    code_of = {label: code for code, label in enumerate(rows.key_labels, start=1)}
    # each key's group, as a key of the same column (-1: not an indicator of the framework, or
    # its group has no row at all)
    group_key = np.array(
        [-1] + [code_of.get(group_of.get(label, ""), -1) for label in rows.key_labels],
        dtype=np.int64,
    )
    ours = group_key[rows.key(exceptions)] >= 0  # rows of the framework's indicators
    exceptions, at = exceptions[ours], rows.matched("exceptions", "denominator")[ours]
    exceptions, denominators = exceptions[at >= 0], at[at >= 0]
    keys = rows.key(exceptions)
    group_keys = rows.keys[exceptions] - keys + group_key[keys]
    at = rows.find(group_keys, rows.of("register"))
    exceptions, denominators, registers = exceptions[at >= 0], denominators[at >= 0], at[at >= 0]
    excepted, counted = rows.values[exceptions], rows.values[denominators]
    register = rows.values[registers]
    with np.errstate(invalid="ignore", over="ignore"):
        over = excepted + counted > register
    if not over.any():
        return []
    mask = np.zeros(len(measures), dtype=bool)
    mask[exceptions[over]] = True
    first = int(np.flatnonzero(over)[0])
    unit, period, key = rows.labels(exceptions[first], ["unit_id", "period", "key"])
    return [
        _problem(
            "D309",
            f"{{n}} exceptions row(s) with their denominator exceed the register of the group "
            f"(first: {unit} {period} {key}: "
            f"{counted[first]:g} + {excepted[first]:g} excepted on a register of "
            f"{register[first]:g})",
            source,
            mask,
            "the denominator is net of exceptions and both are patients on the register: check "
            "that the extract did not put the register or the exceptions in the wrong column",
            Severity.WARNING,
        )
    ]

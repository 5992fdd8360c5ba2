"""Putting the parts read from several NHS Digital files together into one pair of tables:
measures concatenated and checked across files, units merged from every units file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from qframe.data.readers.layouts import LAYOUT_BY_KIND
from qframe.data.readers.part import FilePart, first_few, rows_problem
from qframe.data.readers.payments import PAYMENTS_LIST_SIZE_RENAMED
from qframe.errors.diagnostics import Diagnostic, Severity
from qframe.model.periods import period_ordinal

#: Units files win attribute conflicts in this order (then the newer year first).
UNITS_PRECEDENCE = ("geographies", "organisation_reference", "payments")


def same_kind_same_year(parts: Sequence[FilePart]) -> list[Diagnostic]:
    """An error for two files of the same kind and year (a first release beside its _v2)."""
    out = []
    seen: dict[tuple[str, str | None], list[FilePart]] = {}
    for part in parts:
        seen.setdefault((part.kind, part.period), []).append(part)
    for (kind, period), group in seen.items():
        if len(group) > 1:
            names = ", ".join(Path(p.file).name for p in group)
            out.append(
                rows_problem(
                    "D101",
                    f"{len(group)} {LAYOUT_BY_KIND[kind].title} files for {period or 'the same year'}: {names}",
                    group[0].file,
                    (),
                    "keep one file per kind and year in the folder (a _v2 file replaces the first release)",
                )
            )
    return out


def assemble(
    parts: Sequence[FilePart], where: str
) -> tuple[pd.DataFrame, pd.DataFrame, list[Diagnostic]]:
    """The units and measures of all the parts, and the problems found across files."""
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
                    rows_problem(
                        "D031",
                        f"{codes.nunique()} practice(s) are in no units file ({names}): "
                        f"{first_few(codes)}",
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
                    rows_problem(
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


def _payments_list_size(parts: Sequence[FilePart], measures: pd.DataFrame) -> list[Diagnostic]:
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
                rows_problem(
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
    parts: Sequence[FilePart],
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
                rows_problem(code, message(measures[mine]), part.file, measures["_row"][mine], hint)
            )
    return out


def _measure_checks(parts: Sequence[FilePart], measures: pd.DataFrame) -> list[Diagnostic]:
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
                rows_problem(
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


def _merge_units(parts: Sequence[FilePart]) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """Units from several files: for each attribute the first non-empty value in precedence order.

    Disagreements are reported once per file that loses them, with the attributes concerned.
    """

    def rank(part: FilePart) -> tuple[int, int]:
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
                rows_problem(
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

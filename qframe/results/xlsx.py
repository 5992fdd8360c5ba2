"""A small, fast writer of the Office Open XML spreadsheet format (ECMA-376).

A national comparison has about half a million cells, which the general-purpose writers take
several seconds over. This writes what the tables need — numbers, text, booleans, blanks — with a
bold frozen header row, column widths and number formats for money and shares; the zip entries
carry a fixed date so the same tables give the same bytes.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from qframe.errors.diagnostics import output_file, output_folder

_XLSX_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_XLSX_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XLSX_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_XLSX_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_STYLES = (
    _XML_HEAD + f'<styleSheet xmlns="{_XLSX_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00"/>'
    '<numFmt numFmtId="165" formatCode="0.0%"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_MONEY_WORDS = ("payment", "cost", "difference")
_SHARE_WORDS = ("share", "rate", "jaccard")


def _column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("", value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xlsx_cells(column: pd.Series, letter: str, style: int) -> tuple[list[str], int]:
    """The XML of each cell of a column from row 2 (an empty string for a blank), and the widest
    text in characters (for the column width)."""
    n = len(column)
    rows = range(2, n + 2)
    s = f' s="{style}"' if style else ""
    if pd.api.types.is_bool_dtype(column.dtype):
        values = column.astype(object).where(column.notna(), None).tolist()
        cells = [
            "" if v is None else f'<c r="{letter}{r}" t="b"><v>{int(bool(v))}</v></c>'
            for r, v in zip(rows, values, strict=True)
        ]
        return cells, 5
    if pd.api.types.is_numeric_dtype(column.dtype):
        arr = column.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = math.isfinite
        if pd.api.types.is_integer_dtype(column.dtype):
            texts = [str(int(v)) if finite(v) else "" for v in arr.tolist()]
        else:
            texts = [repr(v) if finite(v) else "" for v in arr.tolist()]
        cells = [
            f'<c r="{letter}{r}"{s}><v>{t}</v></c>' if t else ""
            for r, t in zip(rows, texts, strict=True)
        ]
        return cells, min(max((len(t) for t in texts), default=0), 14)
    values = column.astype(object).where(column.notna(), None).tolist()
    texts = ["" if v is None else str(v) for v in values]
    # each distinct text is escaped once (a column repeats a few names many times)
    tails = {
        t: f'" t="inlineStr"><is><t xml:space="preserve">{_xml_text(t)}</t></is></c>'
        for t in set(texts)
        if t
    }
    cells = [f'<c r="{letter}{r}{tails[t]}' if t else "" for r, t in zip(rows, texts, strict=True)]
    return cells, max((len(t) for t in tails), default=0)


def _xlsx_sheet(frame: pd.DataFrame, first: bool) -> str:
    ncol, nrow = len(frame.columns), len(frame) + 1
    letters = [_column_letter(i) for i in range(ncol)]
    columns, widths = [], []
    for letter, name in zip(letters, frame.columns, strict=True):
        key = str(name)
        style = 0
        if pd.api.types.is_float_dtype(frame[name].dtype):
            if any(w in key for w in _SHARE_WORDS):
                style = 3
            elif any(w in key for w in _MONEY_WORDS) and "per_patient" not in key:
                style = 2
        cells, width = _xlsx_cells(frame[name], letter, style)
        columns.append(cells)
        widths.append(min(max(width, len(key)) + 2, 80))
    header = "".join(
        f'<c r="{letter}1" s="1" t="inlineStr"><is><t>{_xml_text(str(name))}</t></is></c>'
        for letter, name in zip(letters, frame.columns, strict=True)
    )
    body = [f'<row r="1">{header}</row>']
    for r, row in enumerate(zip(*columns, strict=True), start=2):
        body.append(f'<row r="{r}">{"".join(row)}</row>')
    last = f"{letters[-1] if letters else 'A'}{nrow}"
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths, start=1)
    )
    selected = ' tabSelected="1"' if first else ""
    return (
        _XML_HEAD + f'<worksheet xmlns="{_XLSX_MAIN}" xmlns:r="{_XLSX_REL}">'
        f'<dimension ref="A1:{last}"/>'
        f'<sheetViews><sheetView workbookViewId="0"{selected}>'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{cols}</cols>" if cols else "")
        + f"<sheetData>{''.join(body)}</sheetData></worksheet>"
    )


def write_xlsx(path: str | Path, sheets: dict[str, pd.DataFrame]) -> Path:
    """Write DataFrames to one .xlsx workbook, a sheet per entry (names cut to 31 characters)."""
    import zipfile

    names = [name[:31] for name in sheets]
    parts: dict[str, str] = {
        "[Content_Types].xml": _XML_HEAD
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_XLSX_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_XLSX_CT}.styles+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_XLSX_CT}.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        + "</Types>",
        "_rels/.rels": _XML_HEAD + f'<Relationships xmlns="{_XLSX_PKG}">'
        f'<Relationship Id="rId1" Type="{_XLSX_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": _XML_HEAD + f'<workbook xmlns="{_XLSX_MAIN}" xmlns:r="{_XLSX_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
        + "".join(
            f'<sheet name="{_xml_text(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(names, start=1)
        )
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": _XML_HEAD
        + f'<Relationships xmlns="{_XLSX_PKG}">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="{_XLSX_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        + f'<Relationship Id="rId{len(names) + 1}" Type="{_XLSX_REL}/styles" Target="styles.xml"/>'
        "</Relationships>",
        "xl/styles.xml": _STYLES,
    }
    for i, frame in enumerate(sheets.values(), start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = _xlsx_sheet(frame, first=i == 1)
    target = Path(path)
    output_folder(target.parent)
    output_file(target)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text_ in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            book.writestr(info, text_.encode("utf-8"), compresslevel=1)  # fast; XML packs well
    return target

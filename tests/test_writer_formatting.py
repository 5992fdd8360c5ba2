"""The one deterministic writer and the one place for formatting money, shares and numbers: they
give the bytes and the strings the separate copies they replace gave."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from qframe.results import formatting
from qframe.results.writer import (
    manifest_text,
    write_csv,
    write_json_records,
    write_manifest,
    write_parquet,
    write_table,
)

VALUES = [0.0, -0.0, 0.4, -0.4, 0.005, 1234.5, -1234.5, 1_234_567.891, float("nan"), None]


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_id": ["P002", "P001", "P003"],
            "payment": [1234.5678901234567, np.nan, 1e-13],
            "share": [1 / 3, 0.1, 2 / 3],
            "count": pd.array([1, None, 3], dtype="Int64"),
            "name": ["Ash, Row", "Bé", None],
        }
    )


def test_csv_is_what_each_module_wrote(tmp_path: Path) -> None:
    table = frame()
    table.to_csv(tmp_path / "old.csv", index=False, lineterminator="\n", float_format="%.12g")
    assert (
        write_csv(table, tmp_path / "new.csv").read_bytes() == (tmp_path / "old.csv").read_bytes()
    )
    text = (tmp_path / "new.csv").read_bytes().decode("utf-8")
    assert "\r" not in text
    assert text.splitlines()[1] == 'P002,1234.56789012,0.333333333333,1,"Ash, Row"'
    table.to_csv(tmp_path / "raw.csv", index=False, lineterminator="\n")
    raw = write_csv(table, tmp_path / "raw2.csv", float_format=None)
    assert raw.read_bytes() == (tmp_path / "raw.csv").read_bytes()
    indexed = table.set_index("unit_id")
    indexed.to_csv(tmp_path / "ix.csv", lineterminator="\n", float_format="%.12g")
    assert (
        write_csv(indexed, tmp_path / "ix2.csv", index=True).read_bytes()
        == (tmp_path / "ix.csv").read_bytes()
    )


def test_json_parquet_and_manifest(tmp_path: Path) -> None:
    table = frame()
    records = json.loads(write_json_records(table, tmp_path / "t.json").read_text())
    assert records[0]["unit_id"] == "P002" and records[0]["payment"] == 1234.5678901235
    back = pd.read_parquet(write_parquet(table, tmp_path / "t.parquet"))
    pd.testing.assert_frame_equal(back, table)
    assert write_table(table, tmp_path / "a.csv", "csv").read_bytes() == (
        write_csv(table, tmp_path / "b.csv").read_bytes()
    )
    with pytest.raises(ValueError, match="unknown format"):
        write_table(table, tmp_path / "t.xml", "xml")
    manifest = {"b": 1, "a": {"path": Path("x"), "name": "Bé"}}
    written = write_manifest(manifest, tmp_path / "manifest.json").read_text(encoding="utf-8")
    assert (
        written
        == manifest_text(manifest)
        == ('{\n  "a": {\n    "name": "Bé",\n    "path": "x"\n  },\n  "b": 1\n}\n')
    )


def old_report_money(v: Any, sign: bool = False, places: int = 0) -> str:
    """report.money (places 0) and report.pounds (places 2) as they were."""
    if v is None or pd.isna(v):
        return "–"
    text = f"£{abs(float(v)):,.{places}f}"
    if float(v) < 0:
        return "−" + text
    return ("+" if sign and float(v) > 0 else "") + text


def old_diff_money(value: float, *, sign: bool = False) -> str:
    """diff.money as it was."""
    if isinstance(value, float) and math.isnan(value):
        return "missing"
    text = f"£{abs(value):,.2f}"
    if sign:
        return ("-" if value < 0 else "+") + text
    return ("-" if value < 0 else "") + text


@pytest.mark.parametrize("value", VALUES)
def test_money_gives_the_strings_of_the_old_formatters(value: float | None) -> None:
    money = formatting.money
    assert money(value, pence=False) == old_report_money(value)
    assert money(value, pence=False, sign="nonzero") == old_report_money(value, sign=True)
    assert money(value) == old_report_money(value, places=2)
    if value is not None:
        for sign in (False, True):
            assert money(
                value, sign="always" if sign else "negative", minus="-", missing="missing"
            ) == old_diff_money(value, sign=sign)
    if value is not None and not math.isnan(value):
        assert formatting.pounds(value) == f"£{value:,.2f}"
        if value >= 0:  # the comparison's "+£… against the baseline" (− below zero)
            assert money(value, sign="always") == f"+£{abs(value):,.2f}"
        else:
            assert money(value, sign="always") == f"−£{abs(value):,.2f}"


@pytest.mark.parametrize("value", VALUES)
def test_shares_numbers_and_counts(value: Any) -> None:
    missing = value is None or math.isnan(value)
    assert formatting.share(value) == ("–" if missing else f"{value:.1%}")
    assert formatting.share(value, 2, sign=True) == ("–" if missing else f"{value:+.2%}")
    assert formatting.number(value) == ("–" if missing else f"{value:.3f}")
    assert formatting.count(value) == ("–" if missing else f"{int(value):,}")


def pandas_csv(table: pd.DataFrame, index: bool = False) -> bytes:
    return table.to_csv(index=index, lineterminator="\n", float_format="%.12g").encode("utf-8")


def test_arrow_csv_gives_the_bytes_pandas_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CSV text made by Arrow is the text of ``to_csv`` with ``%.12g``, for numbers of every
    size, rounded or not (Arrow's shortest text where it agrees, Python's ``%.12g`` elsewhere),
    whole numbers, flags, missing values, text needing quotes, categoricals and an index."""
    from qframe.results import csvtext
    from qframe.results.csvtext import write_frame

    rng = np.random.default_rng(16)
    n = 20_000
    raw = 10.0 ** rng.uniform(-9, 14, n) * rng.choice([-1, 1], n)
    special = [0.0, -0.0, math.nan, math.inf, -math.inf, 1e-4, 9.9999e-5, 1e10, 9999999999.99]
    special += [1e12, 5.0, 0.1, 1e-6, 2e-7, 123456.123456, 1234567.123457, 999999.9999995]
    raw[: len(special)] = special
    texts = np.array(["x", " y", "a,b", 'q"r', "l\nm", "c\rd", "", None, "é", math.nan], object)
    picked = texts[rng.integers(0, len(texts), n)]
    words = [t if isinstance(t, str) else None for t in picked]
    table = pd.DataFrame(
        {
            "money": np.round(raw, 2),
            "rate": np.round(raw, 4),
            "share": np.round(raw, 6),
            "raw": raw,
            "whole": rng.integers(-(10**12), 10**12, n),
            "counts": np.where(rng.random(n) < 0.1, np.nan, rng.integers(-5000, 5000, n)),
            "big_counts": rng.integers(-(10**12), 10**12, n).astype(np.float64),
            "zeros": np.where(rng.random(n) < 0.5, -0.0, 0.0),
            "flag": rng.random(n) > 0.5,
            "count": pd.array([None if k % 7 == 0 else k for k in range(n)], dtype="Int64"),
            "maybe": pd.array([None if k % 5 == 0 else k % 2 == 0 for k in range(n)], "boolean"),
            "single": (rng.random(n) * 100).astype(np.float32),
            "object": picked,
            "text": pd.array(words, dtype="str"),
            "label": pd.Categorical(words),
        }
    )
    assert write_frame(table, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == pandas_csv(table)
    indexed = table.head(50).set_index("label")
    assert write_frame(indexed, tmp_path / "i.csv", index=True)
    assert (tmp_path / "i.csv").read_bytes() == pandas_csv(indexed, index=True)
    lone = pd.DataFrame({"": picked[:50]})  # a lone empty value is quoted
    assert write_frame(lone, tmp_path / "l.csv")
    assert (tmp_path / "l.csv").read_bytes() == pandas_csv(lone)
    monkeypatch.setattr(csvtext, "ROWS_PER_CHUNK", 1000)
    long = table.head(2007)
    assert write_frame(long, tmp_path / "long.csv")  # three chunks, joined seamlessly
    assert (tmp_path / "long.csv").read_bytes() == pandas_csv(long)
    # a column of another type (numbers in an object column): written by pandas, the same bytes
    mixed = pd.DataFrame({"m": np.array([1, "x", None, 2.5], dtype=object)})
    assert not write_frame(mixed, tmp_path / "m.csv")
    assert write_csv(mixed, tmp_path / "m.csv").read_bytes() == pandas_csv(mixed)


def test_rounded_a_chunk_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table people open is rounded as it is written, a chunk of rows at a time: the bytes of
    rounding the whole table first."""
    from qframe.results import csvtext
    from qframe.results.writer import for_people, write_for_people

    monkeypatch.setattr(csvtext, "ROWS_PER_CHUNK", 7)
    rng = np.random.default_rng(5)
    table = pd.DataFrame(
        {"unit_id": [f"P{i}" for i in range(40)], "payment": rng.random(40) * 1e4 - 10.005}
    )
    table["share"] = rng.random(40)
    table["rate"] = rng.random(40) * 1000
    money, places = ["payment"], {"rate": 4}
    chunked = write_for_people(table, tmp_path / "a.csv", "csv", money, places).read_bytes()
    whole = write_csv(for_people(table, money, places), tmp_path / "b.csv").read_bytes()
    assert chunked == whole
    assert chunked.decode().splitlines()[1].count(".") == 3  # rounded, not every digit
    back = pd.read_parquet(write_for_people(table, tmp_path / "a.parquet", "parquet", money))
    pd.testing.assert_frame_equal(back, table)  # Parquet keeps every digit


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_chunks_made_on_threads_are_written_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: int
) -> None:
    """CSV text is made a chunk at a time on worker threads: the bytes are the same for any
    number of threads and any chunk size, and a chunk's error reaches the caller."""
    from qframe.results import csvtext

    rng = np.random.default_rng(11)
    table = pd.DataFrame(
        {
            "unit_id": pd.Categorical([f"P{i % 37}" for i in range(1000)]),
            "value": rng.random(1000) * 100,
            "count": rng.integers(0, 50, 1000).astype(float),
        }
    )
    expected = table.to_csv(index=False, lineterminator="\n", float_format="%.12g").encode()
    monkeypatch.setattr(csvtext, "THREADS", threads)
    monkeypatch.setattr(csvtext, "ROWS_PER_CHUNK", 13)
    assert csvtext.write_frame(table, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_bytes() == expected
    assert list(csvtext.in_order(lambda x: x * 2, iter(range(50)))) == list(range(0, 100, 2))

    def fails(item: int) -> int:
        if item == 7:
            raise ValueError("chunk 7")
        return item

    with pytest.raises(ValueError, match="chunk 7"):
        list(csvtext.in_order(fails, iter(range(20))))

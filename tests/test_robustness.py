"""Issue 15, "Crashes and hangs", "Money that must never be paid", "Errors without a place":
each hostile input becomes a located user error (or a bounded result), never a crash."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from conftest import MINI, replace_once, run

from qframe.language.parser import (
    MAX_EXPRESSION_CHARS,
    MAX_EXPRESSION_DEPTH,
    ExpressionSyntaxError,
    parse,
)

BASE = (MINI / "framework.yaml").read_text(encoding="utf-8")
ACHIEVEMENT = "achievement: numerator / denominator"


def write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "fw"
    folder.mkdir(exist_ok=True)
    (folder / "framework.yaml").write_text(text, encoding="utf-8")
    return folder


def validate(capsys: pytest.CaptureFixture[str], folder: Path) -> tuple[int, str]:
    code, _, err = run(capsys, "validate", str(folder))
    return code, err


def evaluate(capsys: pytest.CaptureFixture[str], folder: Path) -> tuple[int, str]:
    out = folder.parent / "out"
    code, _, err = run(
        capsys, "evaluate", str(folder), "--data", str(MINI / "data"), "--out", str(out)
    )
    return code, err


# ---------------------------------------------------------------- expressions too deep or long


@pytest.mark.parametrize(
    "expression",
    [
        "^".join(["numerator"] * 600),
        "+".join(["numerator"] * 450),
        "".join(f"if numerator > {i} then {i} else " for i in range(600)) + "0",
        "max(" * 300 + "numerator" + ", 1)" * 300,
        "-" * 400 + "numerator",
    ],
    ids=["pow", "sum", "else-if", "calls", "negations"],
)
def test_deep_expressions_are_located_q101(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, expression: str
) -> None:
    folder = write(tmp_path, replace_once(BASE, ACHIEVEMENT, f"achievement: {expression}"))
    code, err = validate(capsys, folder)
    assert code == 1
    assert "error Q101" in err and "framework.yaml:" in err
    assert "internal error" not in err


def test_depth_limit_is_exact() -> None:
    parse("^".join(["x"] * (MAX_EXPRESSION_DEPTH + 1)))  # 200 operators: at the limit
    with pytest.raises(ExpressionSyntaxError) as info:
        parse("^".join(["x"] * (MAX_EXPRESSION_DEPTH + 2)))
    assert info.value.code == "Q101"


def test_long_expression_refused_before_parsing() -> None:
    text = "+".join(["x"] * 3_000_000)  # 6 MB
    started = time.perf_counter()
    with pytest.raises(ExpressionSyntaxError) as info:
        parse(text)
    assert time.perf_counter() - started < 0.5
    assert info.value.code == "Q101"
    assert f"{MAX_EXPRESSION_CHARS:,}" in info.value.message


def test_largest_shipped_expressions_are_within_the_limits() -> None:
    from qframe.api import check

    for folder in sorted((MINI.parents[2] / "frameworks").iterdir()):
        if (folder / "framework.yaml").exists():
            diags = check(folder)[2]
            assert not [d for d in diags if d.code == "Q101"], folder


# ---------------------------------------------------------------- YAML numbers and aliases


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("9" * 5000, "more than 40 characters"),
        ("!!int " + "9" * 5000, "more than 40 characters"),
        ("9" * 400, "more than 40 characters"),
        ("9007199254740993", "too large to hold exactly"),
        (".inf", "not a finite number"),
        ("-.inf", "not a finite number"),
        (".nan", "not a finite number"),
        ("1.0e+999", "not a finite number"),
    ],
)
def test_yaml_numbers_out_of_range_are_located(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str, words: str
) -> None:
    folder = write(tmp_path, replace_once(BASE, "max_points: 17", f"max_points: {value}"))
    code, err = validate(capsys, folder)
    assert code == 1, err
    assert "error Q009" in err and words in err
    assert "framework.yaml:41:17" in err


BOMB = "qframe: 1\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['lol'] * 9)}]\n"
    for prev, name in zip(["", *"abcdefgh"], "abcdefghi", strict=True)
)


def test_alias_bomb_is_refused_fast(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = write(tmp_path, BOMB)
    started = time.perf_counter()
    code, err = validate(capsys, folder)
    assert time.perf_counter() - started < 1.0
    assert code == 1
    assert "error Q008" in err and "framework.yaml:" in err


def test_recursive_alias_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = write(tmp_path, "qframe: 1\nx: &a [1, *a]\n")
    code, err = validate(capsys, folder)
    assert code == 1 and "error Q008" in err


def test_deep_yaml_nesting_is_located(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = write(tmp_path, "qframe: 1\nx: " + "[" * 900 + "]" * 900 + "\n")
    code, err = validate(capsys, folder)
    assert code == 1 and "error Q008" in err


# ---------------------------------------------------------------- special files


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_not_read(capsys: pytest.CaptureFixture[str], device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    code, err = validate(capsys, Path(device))
    assert code == 4
    assert "not a regular file" in err


def test_fifo_is_not_opened(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fifo = tmp_path / "framework.yaml"
    os.mkfifo(fifo)
    code, err = validate(capsys, fifo)  # opening it would wait for a writer for ever
    assert code == 4 and "not a regular file" in err


def test_scenario_framework_may_not_be_a_device(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fifo = tmp_path / "scenarios.yaml"
    os.mkfifo(fifo)
    out = str(tmp_path / "out")
    code, _, err = run(capsys, "scenarios", str(fifo), "--data", str(MINI / "data"), "--out", out)
    assert code == 4 and "not a regular file" in err
    # and the framework a scenario file names
    (tmp_path / "scenarios.yaml").unlink()
    (tmp_path / "scenarios.yaml").write_text("framework: fifo\nscenarios: {a: {}}\n")
    os.mkfifo(tmp_path / "fifo")
    code, _, err = run(
        capsys,
        "scenarios",
        str(tmp_path / "scenarios.yaml"),
        "--data",
        str(MINI / "data"),
        "--out",
        out,
    )
    assert code == 4 and "not a regular file" in err


def test_huge_definition_refused_by_size(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = write(tmp_path, BASE + "# " + "x" * 3_000_000 + "\n")
    code, err = validate(capsys, folder)
    assert code == 4 and "larger than" in err


def test_non_utf8_definition_is_located(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "fw"
    folder.mkdir()
    (folder / "framework.yaml").write_bytes(b"qframe: 1\nid: x\ntitle: caf\xe9\n")
    code, err = validate(capsys, folder)
    assert code == 4
    assert "framework.yaml:3:11: error Q004" in err
    code, out, _ = run(capsys, "validate", str(folder), "--format", "json")
    assert code == 4
    (problem,) = json.loads(out)
    assert (problem["code"], problem["line"], problem["col"]) == ("Q004", 3, 11)


# ---------------------------------------------------------------- evaluation crashes


def test_text_rule_evaluates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    text = replace_once(BASE, ACHIEVEMENT, ACHIEVEMENT + "\n  note: '\"text\"'")
    folder = write(tmp_path, text)
    assert validate(capsys, folder)[0] == 0
    code, err = evaluate(capsys, folder)
    assert code == 0, err


def test_if_on_an_indicator_level_if(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import qframe

    text = replace_once(
        BASE,
        "payment: points * point_value * cpi      #",
        'payment: points * point_value * cpi * (if (if group == "DM" then true else false) '
        "then 1 else 2)   #",
    )
    result = qframe.load(write(tmp_path, text)).evaluate(MINI / "data")
    ind = result.indicators.set_index(["unit_id", "indicator"])
    # BP002 is not in DM: 13.125 × 156.92 × (8000 / 7052) × 2 = 4672.887... → £4,672.89
    assert ind.loc[("P001", "BP002"), "payment"] == 4672.89
    assert ind.loc[("P001", "DM007"), "payment"] == 2113.06


# ---------------------------------------------------------------- money that must never be paid


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("value: £156.92,", "value: £1 * 1e308 * 10,", "Q320"),
        (
            "payment: points * point_value * cpi      #",
            "payment: points * point_value * cpi * (1e308 * 1e308)  #",
            "Q320",
        ),
        (
            "payment: points * point_value * cpi      #",
            "payment: points * point_value * cpi * 1e308 * 1e308  #",
            "D095",
        ),
        (
            "payment: points * point_value * cpi      #",
            "payment: points * point_value * cpi / 1e-320  #",
            "D095",
        ),
        (
            "payment: points * point_value * cpi      #",
            "payment: points * point_value * cpi * round(1e308, places=1)  #",
            "D095",
        ),
        (
            "payment: points * point_value * cpi      #",
            "payment: points * point_value * cpi * 1e308 * 1e308 * 0  #",
            "D095",
        ),
        ("max_points: 17", "max_points: 1.0e+308", "D095"),
    ],
    ids=[
        "parameter",
        "folded",
        "overflow",
        "tiny-divisor",
        "round",
        "inf-times-zero",
        "max-points",
    ],
)
def test_non_finite_money_is_never_paid(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, old: str, new: str, code: str
) -> None:
    folder = write(tmp_path, replace_once(BASE, old, new))
    status, err = evaluate(capsys, folder)
    assert status in (1, 3), err
    assert f"error {code}" in err and "internal error" not in err
    assert not (tmp_path / "out").exists() or "inf" not in "".join(
        p.read_text() for p in (tmp_path / "out").glob("*.csv")
    )
    if code == "D095":  # names the rule, the unit, the indicator and the data there
        assert "rule `payment`" in err and "unit P001" in err and "list_size = 8000" in err


def test_round_keeps_amounts_too_large_for_pennies() -> None:
    from qframe.scoring.outcome import round_money

    assert float(round_money(1e308, 1)) == 1e308
    assert float(round_money(-(2.0**60))) == -(2.0**60)
    assert float(round_money(2113.0560)) == 2113.06


# ---------------------------------------------------------------- durations beyond the data


def test_huge_durations_are_bounded_by_the_data(tmp_path: Path) -> None:
    import qframe

    root = MINI.parents[2]
    text = (root / "frameworks" / "improving_together" / "framework.yaml").read_text()
    text = replace_once(text, "for: 4 quarters", "for: 999999999 quarters")
    text = replace_once(
        text,
        'when: escalated("cluster_outlier") and change(',
        'when: escalated("cluster_outlier") and persists(pql_named == 0, 999999999 quarters) '
        "and change(",
    )
    folder = write(tmp_path, text)
    started = time.perf_counter()
    result = qframe.load(folder).evaluate(root / "data" / "sample")
    assert time.perf_counter() - started < 30
    # longer than the data: never held for that long, so never escalated
    rules = result.units["escalation_rules"].fillna("").astype(str)
    assert not rules.str.contains("persistent|no_improvement").any()
    assert rules.str.contains("cluster_outlier").any()  # the other rules are unchanged


# ---------------------------------------------------------------- damaged workbooks


def _workbook(tmp_path: Path) -> Path:
    import pandas as pd

    book = tmp_path / "data.xlsx"
    with pd.ExcelWriter(book) as writer:
        pd.read_csv(MINI / "data" / "units.csv").to_excel(writer, sheet_name="units", index=False)
        pd.read_csv(MINI / "data" / "measures.csv").to_excel(
            writer, sheet_name="measures", index=False
        )
    return book


def _rewrite(book: Path, member: str, change: object) -> None:
    import zipfile

    with zipfile.ZipFile(book) as archive:
        parts = {m.filename: archive.read(m) for m in archive.infolist()}
    parts[member] = change(parts[member])  # type: ignore[operator]
    with zipfile.ZipFile(book, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def _entity(xml: bytes) -> bytes:
    head = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
    return head + (xml.split(b"?>", 1)[1] if xml.startswith(b"<?") else xml)


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("truncated", "not a complete .xlsx workbook"),
        ("broken-xml", "damaged"),
        ("entity", "document type or entities"),
        ("not-zip", "not a complete .xlsx workbook"),
    ],
)
def test_damaged_workbooks_are_file_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, damage: str, words: str
) -> None:
    book = _workbook(tmp_path)
    if damage == "truncated":
        book.write_bytes(book.read_bytes()[: book.stat().st_size // 2])
    elif damage == "broken-xml":
        _rewrite(book, "xl/worksheets/sheet2.xml", lambda xml: xml[: len(xml) // 2])
    elif damage == "entity":
        _rewrite(book, "xl/worksheets/sheet2.xml", _entity)
    else:
        book.write_text("unit_id,name\nP001,x\n")
    code, _, err = run(
        capsys, "evaluate", str(MINI), "--data", str(book), "--out", str(tmp_path / "out")
    )
    assert code == 4, err
    assert "error D003" in err and words in err and "internal error" not in err


def test_a_sound_workbook_still_reads(tmp_path: Path) -> None:
    import qframe

    result = qframe.load(MINI).evaluate(_workbook(tmp_path))
    assert result.units.set_index("unit_id").loc["P001", "payment"] == pytest.approx(5534.28)


def test_thousands_of_parameters_are_refused_early(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    extra = "".join(f"  p{i}: {i}\n" for i in range(20_000))
    folder = write(tmp_path, replace_once(BASE, "parameters:\n", "parameters:\n" + extra))
    started = time.perf_counter()
    code, err = validate(capsys, folder)
    assert time.perf_counter() - started < 10
    assert code == 1 and "error Q022" in err and "framework.yaml:7:1" in err


# ---------------------------------------------------------------- errors with a place


def test_money_rounded_naming_a_non_rule_is_located(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = replace_once(BASE, "frequency: year\n", "frequency: year\nmoney: {rounded: [paymnet]}\n")
    code, err = validate(capsys, write(tmp_path, text))
    assert code == 1
    assert "framework.yaml:6:19: error Q239" in err and "did you mean" in err


def test_type_error_in_a_long_sum_points_at_the_operator(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    long_sum = "points * point_value * cpi + points * point_value * cpi + max_points + points * point_value"
    text = replace_once(
        BASE, "payment: points * point_value * cpi      #", f"payment: {long_sum}   #"
    )
    code, err = validate(capsys, write(tmp_path, text))
    assert code == 1
    line = next(x for x in err.splitlines() if "error Q305" in x)
    # the second `+`: money on its left, a number (max_points) on its right
    column = len("    payment: ") + long_sum.index("+ max_points") + 1
    assert f"framework.yaml:49:{column}: error Q305" in line
    assert "is money" in line and "`max_points` is a number" in line
    caret = err.splitlines()[err.splitlines().index(line) + 2]
    assert caret.rstrip().endswith("^") and "~" not in caret


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("point_value", float("inf")),
        ("point_value", float("nan")),
        ("average_list_size", -float("inf")),
        ("DM007.max_points", float("nan")),
    ],
)
def test_non_finite_overrides_are_refused(key: str, value: float) -> None:
    import qframe
    from qframe.errors.diagnostics import DefinitionError

    with pytest.raises(DefinitionError, match="finite"):
        qframe.load(MINI).evaluate(MINI / "data", params={key: value})

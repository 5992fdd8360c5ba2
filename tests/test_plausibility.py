"""Silent data problems (issue 15): each an error or a documented warning naming the file, the
rows and a fix; plausibility bounds overridable in plausibility.yaml."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import qframe
from qframe.errors.diagnostics import QframeError

MINI = Path(__file__).parent / "fixtures" / "mini"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(MINI / "data", folder)
    return folder


def edit(folder: Path, old: str, new: str) -> None:
    path = folder / "measures.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def codes(raised: pytest.ExceptionInfo[QframeError]) -> list[str]:
    return [d.code for d in raised.value.diagnostics]


def test_a_value_no_count_can_have_is_refused(data: Path) -> None:
    edit(data, "P001,2014-15,list_size,,8000", "P001,2014-15,list_size,,1e308")
    with pytest.raises(QframeError) as raised:
        qframe.load_dataset(data)
    assert "D301" in codes(raised)  # it was: every practice paid £inf (pooled factors)
    problem = raised.value.diagnostics[0]
    assert problem.path.endswith("measures.csv") and problem.rows == (2,)


def test_a_value_above_the_bound_is_refused_unless_raised(data: Path) -> None:
    edit(data, "P001,2014-15,list_size,,8000", "P001,2014-15,list_size,,8000000000")
    with pytest.raises(QframeError) as raised:
        qframe.load_dataset(data)
    assert codes(raised) == ["D300"] and "plausibility.yaml" in raised.value.diagnostics[0].hint
    (data / "plausibility.yaml").write_text("max_value: 1e12\n", encoding="utf-8")
    assert len(qframe.load_dataset(data).measures)


@pytest.mark.parametrize("value", [str(2**53 + 1), str(2**63 - 1)])
def test_integers_beyond_exact_floats_are_refused(data: Path, value: str) -> None:
    edit(data, "P001,2014-15,numerator,DM007,300", f"P001,2014-15,numerator,DM007,{value}")
    with pytest.raises(QframeError) as raised:
        qframe.load_dataset(data)
    assert "D301" in codes(raised)


def test_a_register_larger_than_the_list_is_refused_unless_allowed(data: Path) -> None:
    edit(data, "P001,2014-15,register,DM,520", "P001,2014-15,register,DM,52000")  # 650%
    with pytest.raises(QframeError) as raised:
        qframe.load_dataset(data)
    assert codes(raised) == ["D303"]
    assert "P001 2014-15, 52000 on a list of 8000" in raised.value.diagnostics[0].message
    (data / "plausibility.yaml").write_text("max_prevalence: 700%\n", encoding="utf-8")
    assert len(qframe.load_dataset(data).measures)


def test_a_bad_plausibility_file_is_named(data: Path) -> None:
    (data / "plausibility.yaml").write_text("max_valu: 3\n", encoding="utf-8")
    with pytest.raises(QframeError) as raised:
        qframe.load_dataset(data)
    assert codes(raised) == ["D308"]


def test_booleans_in_a_parquet_value_column_are_refused(data: Path) -> None:
    measures = pd.read_csv(data / "measures.csv", dtype=str, keep_default_na=False)
    measures = measures.iloc[:2].copy()
    measures["value"] = [True, False]
    (data / "measures.csv").unlink()
    measures.to_parquet(data / "measures.parquet")
    with pytest.raises(QframeError) as raised:
        qframe.load_dataset(data)
    assert "D302" in codes(raised)


def test_two_files_for_one_table_are_refused(data: Path) -> None:
    pd.read_csv(data / "measures.csv").to_parquet(data / "measures.parquet")
    with pytest.raises(QframeError) as raised:
        qframe.load_dataset(data)
    assert codes(raised) == ["D304"]


def test_a_missing_key_column_is_named(data: Path) -> None:
    measures = pd.read_csv(data / "measures.csv", dtype=str, keep_default_na=False)
    measures.drop(columns="key").to_csv(data / "measures.csv", index=False)
    with pytest.raises(QframeError) as raised:
        qframe.load_dataset(data)
    assert codes(raised)[0] == "D305"
    assert "no key column" in raised.value.diagnostics[0].message


@pytest.mark.parametrize("table", ["units", "measures"])
def test_an_empty_table_is_named(data: Path, table: str) -> None:
    path = data / f"{table}.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(QframeError) as raised:
        qframe.load_dataset(data)
    problem = next(d for d in raised.value.diagnostics if d.code == "D306")
    assert problem.path.endswith(f"{table}.csv")


@pytest.mark.parametrize("typo", ["DM07", "dm007"])
def test_a_key_typo_is_a_warning_naming_the_fix(data: Path, typo: str) -> None:
    edit(data, "P001,2014-15,numerator,DM007,300", f"P001,2014-15,numerator,{typo},300")
    result = qframe.load(MINI).evaluate(data)
    warnings = [w for w in result.manifest["warnings"] if w["code"] == "D307"]
    assert len(warnings) == 1
    assert f"`{typo}` → `DM007`" in warnings[0]["hint"]


def test_a_key_typo_in_every_row_is_an_error(data: Path) -> None:
    """No row of the indicator at all: D070 names the measure and key the framework needs."""
    path = data / "measures.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",BP002,", ",BP02,"), encoding="utf-8")
    with pytest.raises(QframeError) as raised:
        qframe.load(MINI).evaluate(data)
    assert codes(raised) == ["D070", "D070"]


def test_exceptions_beyond_the_register_are_a_warning(data: Path) -> None:
    edit(data, "P001,2014-15,exceptions,DM007,40", "P001,2014-15,exceptions,DM007,400")
    result = qframe.load(MINI).evaluate(data)
    warnings = [w for w in result.manifest["warnings"] if w["code"] == "D309"]
    assert (
        len(warnings) == 1 and "480 + 400 excepted on a register of 520" in warnings[0]["message"]
    )


def test_a_register_a_little_larger_than_the_list_is_kept_with_a_warning(data: Path) -> None:
    # registers are counted on 31 March, list sizes on 1 January: 120% is possible in real files
    edit(data, "P001,2014-15,register,DM,520", "P001,2014-15,register,DM,9600")
    ds = qframe.load_dataset(data)
    warned = [w for w in ds.warnings if w.code == "D310"]
    assert len(warned) == 1 and "9600 on a list of 8000" in warned[0].message
    assert warned[0].severity.name == "WARNING"

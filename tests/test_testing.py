"""Definition tests (`qframe test`): cases pass, wrong expectations fail with file:line, expected
and actual, malformed test files are located errors, never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import run

from qframe.errors.diagnostics import ExitCode, FileProblem
from qframe.tools.testing import run_tests

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"


@pytest.fixture()
def mini_copy(tmp_path: Path) -> Path:
    """The mini framework and its data, with an empty tests/ folder."""
    folder = tmp_path / "mini"
    folder.mkdir()
    shutil.copy(MINI / "framework.yaml", folder / "framework.yaml")
    shutil.copytree(MINI / "data", folder / "data")
    (folder / "tests").mkdir()
    return folder


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


# ---------------------------------------------------------------- the fixture's cases pass


def test_fixture_cases_pass() -> None:
    results = run_tests(MINI)
    assert [r.status for r in results] == ["pass", "pass", "pass"], [r.report() for r in results]
    names = {r.name for r in results}
    assert "DM007 worked example (payment.md §6)" in names
    assert "point value of £180" in names
    worked = next(r for r in results if r.file.endswith("worked_example.yaml"))
    assert worked.compared >= 20 and not worked.mismatches and not worked.errors


def test_cli_passes_with_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test", str(MINI))
    assert code == ExitCode.OK
    assert out.count("PASS ") == 3 and "FAIL" not in out
    assert out.rstrip().endswith("3 passed, 0 failed")
    assert err == ""


def test_one_test_file_can_be_run(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", str(MINI / "tests" / "worked_example.yaml"))
    assert code == 0 and out.rstrip().endswith("1 passed, 0 failed")


# ---------------------------------------------------------------- failures


def test_wrong_expectation_fails_with_place_expected_and_actual(
    mini_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = mini_copy / "tests" / "wrong.yaml"
    case.write_text(
        "name: deliberately wrong\n"
        "data: ../data\n"
        "expect:\n"
        "  indicators:\n"
        "    - {unit: P001, period: 2014-15, indicator: DM007, points: 11.6875, payment: 2000}\n"
        "    - {unit: P001, period: 2014-15, indicator: BP002, payment: 2336.44}\n"
        "  units:\n"
        "    - {unit: P001, period: 2014-15, points: 30}\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "test", str(mini_copy))
    assert code == ExitCode.DEFINITION_ERROR == 1
    assert "Traceback" not in out + err
    assert f"FAIL {case}:1:1: deliberately wrong (2 of 4 values differ)" in out
    # the place of the expected value: line 5, the column of `2000`
    col = "    - {unit: P001, period: 2014-15, indicator: DM007, points: 11.6875, payment: 2000}".index(
        "2000"
    )
    assert (
        f"{case}:5:{col + 1}: DM007 payment for P001 in 2014-15: expected £2,000.00, got £2,113.06"
        in out
    )
    assert f"{case}:8:" in out and "points for P001 in 2014-15: expected 30, got 30.8125" in out
    assert out.rstrip().endswith("0 passed, 1 failed")


def test_money_is_compared_to_the_penny_and_numbers_within_tolerance(mini_copy: Path) -> None:
    case = mini_copy / "tests" / "precision.yaml"
    case.write_text(
        "data: ../data\n"
        "tolerance: 0.001\n"
        "expect:\n"
        "  indicators:\n"
        "    - {unit: P001, indicator: DM007, payment: 2113.064, points: 11.688}\n"  # within
        "    - {unit: P001, indicator: DM017, payment: £1084.79}\n",  # a penny out
        encoding="utf-8",
    )
    [result] = run_tests(mini_copy)
    assert result.status == "fail"
    [mismatch] = result.mismatches
    assert mismatch.location.line == 6
    assert mismatch.expected == "£1,084.79" and mismatch.actual.startswith("£1,084.78")


def test_missing_rows_are_failures_with_a_reason(mini_copy: Path) -> None:
    case = mini_copy / "tests" / "missing.yaml"
    case.write_text(
        "data: ../data\n"
        "expect:\n"
        "  indicators:\n"
        "    - {unit: P009, indicator: DM007, points: 1}\n"
        "    - {unit: P001, indicator: DM070, points: 1}\n"
        "    - {unit: P001, period: 2015-16, indicator: DM007, points: 1}\n"
        "    - {unit: P002, indicator: DM007, points: 0}\n"
        "  units:\n"
        "    - {unit: P003, payment: 0}\n",
        encoding="utf-8",
    )
    [result] = run_tests(mini_copy)
    assert result.status == "fail" and not result.errors
    text = [str(m) for m in result.mismatches]
    assert len(text) == 5
    assert "missing.yaml:4:7: DM007 for P009 in 2014-15: expected a result row" in text[0]
    assert "no unit P009 in the data" in text[0]
    assert "the framework has no indicator DM070" in text[1] and "`DM007`" in text[1]
    assert "no period 2015-16 in the results (periods: 2014-15)" in text[2]
    assert text[3].endswith("expected 0, got missing (zero_denominator)")
    assert "no unit P003" in text[4]


def test_missing_values_text_columns_and_percentages(mini_copy: Path) -> None:
    (mini_copy / "tests" / "kinds.yaml").write_text(
        "data: ../data\n"
        "expect:\n"
        "  indicators:\n"
        "    - {unit: P002, indicator: DM007, achievement: null, status: zero_denominator}\n"
        "    - {unit: P001, indicator: DM007, achievement: 62.5%, title: HbA1c 59 mmol/mol or less}\n"
        "    - {unit: P001, indicator: DM007, achievement: 60%, status: ok, group: BP}\n",
        encoding="utf-8",
    )
    [result] = run_tests(mini_copy)
    assert [str(m).split(": ", 1)[1] for m in result.mismatches] == [
        "DM007 achievement for P001 in 2014-15: expected 60%, got 62.5% (difference +2.5 percentage points)",
        "DM007 group for P001 in 2014-15: expected BP, got DM",
    ]


def test_parameters_replace_the_definitions_values(mini_copy: Path) -> None:
    (mini_copy / "tests" / "params.yaml").write_text(
        "data: ../data\n"
        "cases:\n"
        "  - name: no prevalence adjustment\n"
        "    params: {national_dm_prevalence: 6.5%}\n"  # P001's own prevalence: apdf = 1
        "    expect:\n"
        "      indicators:\n"
        "        - {unit: P001, indicator: DM017, payment: 1068.09}\n"  # 6 × 156.92 × 1.134430
        "  - name: published values\n"
        "    expect:\n"
        "      overall: {payment: 5534.28}\n",
        encoding="utf-8",
    )
    results = run_tests(mini_copy)
    assert [r.status for r in results] == ["pass", "pass"], [r.report() for r in results]


def test_checks_are_compared_as_a_set(tmp_path: Path) -> None:
    folder = tmp_path / "clusters"
    shutil.copytree(FIXTURES / "clusters", folder)
    (folder / "tests").mkdir()
    findings = [
        f"{{check: cluster_size, period: 2014-15Q{q}, subject: {c}}}"
        for q in (1, 2, 3)
        for c in ("C1", "C2")
    ] + [f"{{check: pql, period: 2014-15Q{q}, subject: P5}}" for q in (1, 2)]
    (folder / "tests" / "escalation.yaml").write_text(
        "data: ../data\n"
        "expect:\n"
        "  units:\n"
        "    - {unit: P1, period: 2014-15Q2, escalation_level: locality,"
        " escalation_rules: low_outlier;no_improvement, escalated_since: 2014-15Q2}\n"
        "    - {unit: P1, period: 2014-15Q3, escalation_level: cluster, rank_in_cluster: 3}\n"
        "    - {unit: P2, period: 2014-15Q3, escalation_level: '', cluster_rate: 0.7333333333333}\n"
        "  checks:\n" + "".join(f"    - {f}\n" for f in findings),
        encoding="utf-8",
    )
    [result] = run_tests(folder)
    assert result.status == "fail" and not result.errors
    # the one finding not listed (pql for P5 in 2014-15Q3), reported at `checks:`
    [extra] = result.mismatches
    assert extra.location.line == 7
    assert extra.actual == "also check pql for P5 in 2014-15Q3"


# ---------------------------------------------------------------- malformed test files


def test_malformed_files_are_located_errors(
    mini_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tests = mini_copy / "tests"
    (tests / "a_syntax.yaml").write_text("name: [unclosed\nexpect: {}\n", encoding="utf-8")
    (tests / "b_fields.yaml").write_text(
        "name: misspelt\ndata: ../data\nexpectt: {}\n", encoding="utf-8"
    )
    (tests / "c_params.yaml").write_text(
        "data: ../data\n"
        "params: {point_value: 180, avrage_list_size: 7000}\n"
        "expect: {overall: {payment: 1}}\n",
        encoding="utf-8",
    )
    row = "    - {unit: P001, indicator: DM007, paymnt: 3, points: £1}"
    (tests / "d_columns.yaml").write_text(
        f"data: ../data\nexpect:\n  indicators:\n{row}\n    - {{indicator: DM007, points: 1}}\n",
        encoding="utf-8",
    )
    (tests / "e_data.yaml").write_text(
        "data:\n"
        "  measures:\n"
        '    - [P001, 2014-15, list_size, "", 8000, 3]\n'
        "    - {unit: P001, period: 2014-15, measure: register}\n"
        "expect: {overall: {payment: 1}}\n",
        encoding="utf-8",
    )
    (tests / "f_values.yaml").write_text(
        "data:\n"
        "  measures:\n"
        '    - [P001, 2014-15, list_size, "", 8000]\n'
        '    - [P001, 2014-15, register, DM, "12x"]\n'
        "expect: {overall: {payment: 1}}\n",
        encoding="utf-8",
    )
    (tests / "g_folder.yaml").write_text(
        "data: ../no_such_folder\nexpect: {overall: {payment: 1}}\n", encoding="utf-8"
    )
    (tests / "h_list.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    code, out, err = run(capsys, "test", str(mini_copy))
    assert code == ExitCode.DEFINITION_ERROR
    assert "Traceback" not in out + err
    assert out.count("ERROR ") == 8
    assert out.rstrip().endswith("0 passed, 0 failed, 8 errors")
    expected = [
        f"{tests / 'a_syntax.yaml'}:2:7: error Q001 YAML syntax",
        f"{tests / 'b_fields.yaml'}:1:1: error T003 test case `misspelt` has no `expect:`",
        f"{tests / 'b_fields.yaml'}:3:1: error T002 unknown field `expectt` in a test file",
        "hint: did you mean `expect`?",
        f"{tests / 'c_params.yaml'}:2:23: error T021 parameter `point_value` is money, not a number (`180`)",
        "hint: write it with £: £180",
        f"{tests / 'c_params.yaml'}:2:28: error T020 unknown parameter `avrage_list_size`",
        "hint: did you mean `average_list_size`?",
        f"{tests / 'd_columns.yaml'}:4:{row.index('paymnt') + 1}: error T030 the indicators results have no column `paymnt`",
        f"{tests / 'd_columns.yaml'}:4:{row.index('£1') + 1}: error T033 `points` is a number, not money (`£1`)",
        f"{tests / 'd_columns.yaml'}:5:7: error T031 a row of `expect.indicators` needs `unit`",
        f"{tests / 'e_data.yaml'}:3:7: error T004 a measure row has 5 values",
        f"{tests / 'e_data.yaml'}:4:7: error T003 a measure row needs `value`",
        f"{tests / 'f_values.yaml'}:4:7: error D020 1 value(s) are not numbers (first: '12x')",
        f"{tests / 'g_folder.yaml'}:1:7: error D001 no such data folder",
        f"{tests / 'h_list.yaml'}:1:1: error T001 a test file must be a mapping",
    ]
    for text in expected:
        assert text in err, text
    assert "^~~~~~" in err  # the line and a caret, as for definitions


def test_python_api_returns_error_cases(mini_copy: Path) -> None:
    (mini_copy / "tests" / "bad.yaml").write_text("expect: {}\n", encoding="utf-8")
    [result] = run_tests(mini_copy)
    assert result.status == "error" and not result.passed
    assert {d.code for d in result.errors} == {"T003"}  # no data, and nothing expected
    assert all(d.location is not None for d in result.errors)


def test_no_test_cases_is_an_error(mini_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "test", str(mini_copy))
    assert code == ExitCode.DEFINITION_ERROR
    assert "no test cases" in err and "tests/*.yaml" in err


def test_missing_framework_is_a_file_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "test", str(tmp_path / "nowhere"))
    assert code == ExitCode.FILE_ERROR and "no such file or folder" in err
    with pytest.raises(FileProblem):
        run_tests(tmp_path / "nowhere")


def test_broken_framework_is_a_definition_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "test", str(FIXTURES / "broken"))
    assert code == ExitCode.DEFINITION_ERROR and "Q201" in err and "Traceback" not in err


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", "--help")
    assert code == 0 and "Example:" in out and "qframe test" in out


# ---------------------------------------------------------------- the schema of test files


def test_testcase_schema_is_valid_and_every_shipped_test_file_fits() -> None:
    import jsonschema

    from qframe.source.yamldoc import load_yaml
    from qframe.tools.testing.cases import testcase_schema

    schema = testcase_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    root = Path(__file__).parents[1]
    files = [*root.glob("frameworks/*/tests/*.yaml"), *FIXTURES.glob("*/tests/*.yaml")]
    assert files
    for file in files:
        doc = load_yaml(str(file), file.read_text(encoding="utf-8"))
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc.data))
        assert not errors, (file, errors[0].message)


def test_schema_problems_are_located_and_all_reported(mini_copy: Path) -> None:
    tests = mini_copy / "tests"
    (tests / "shapes.yaml").write_text(
        "data:\n"
        "  measures:\n"
        "    - P001\n"
        '    - [P001, 2014-15, [list_size], "", 8000]\n'
        "    - {unit: P001, period: 2014-15, measure: register, valu: 3}\n"
        "params: [1]\n"
        "expect: {units: {a: 1}}\n",
        encoding="utf-8",
    )
    [result] = run_tests(mini_copy)
    assert result.status == "error"
    found = [(d.code, d.location.line if d.location else 0) for d in result.errors]
    assert found == [("T004", 3), ("T004", 4), ("T003", 5), ("T002", 5), ("T004", 6), ("T004", 7)]
    by_line = {(d.location.line, d.code): d for d in result.errors if d.location}
    assert by_line[5, "T002"].message == "unknown field `valu` in data.measures.2"
    assert by_line[5, "T002"].hint == "did you mean `value`?"
    assert by_line[4, "T004"].message == "data.measures.1.2 should not be a list"
    assert by_line[6, "T004"].message == "params should be a mapping or null, not a list"


def test_a_bad_expected_row_does_not_hide_the_other_comparisons(mini_copy: Path) -> None:
    (mini_copy / "tests" / "rows.yaml").write_text(
        "data: ../data\n"
        "expect:\n"
        "  indicators:\n"
        "    - [P001, DM007]\n"
        "    - {unit: P001, period: 2014-15, indicator: DM007, points: 1, pointz: 2}\n",
        encoding="utf-8",
    )
    [result] = run_tests(mini_copy)
    assert result.status == "error"
    assert [(d.code, d.location.line if d.location else 0) for d in result.errors] == [
        ("T004", 4),
        ("T030", 5),
    ]
    [mismatch] = result.mismatches  # the good row was still compared
    assert mismatch.what == "DM007 points for P001 in 2014-15" and mismatch.expected == "1"

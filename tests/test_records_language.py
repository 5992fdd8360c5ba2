"""Record-level definitions (records.yaml): the checker finds every mistake before any data is
read, each at file:line:col with a hint, and builds the RecordProgram an engine lowers."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from conftest import replace_once

from qframe.check.records.program import check_records
from qframe.errors.diagnostics import Diagnostic
from qframe.ir import kinds as t
from qframe.ir import nodes as ir
from qframe.ir import records as r
from qframe.model.build import read_definition

ROOT = Path(__file__).resolve().parents[1]

FRAMEWORK = """qframe: 1
id: t
title: test
parameters:
  point_value: £156.92
inputs:
  list_size: {}
  numerator: {key: indicator}
  denominator: {key: indicator}
rules:
  achievement: numerator / denominator
  points: max_points * slide(achievement, lower, upper)
  payment: points * point_value
indicators:
  DM017: {group: DM, kind: register, max_points: 6, thresholds: 0% .. 100%}
  DM007: {group: DM, max_points: 17, thresholds: 35% .. 75%}
  DM008: {group: DM, max_points: 8, thresholds: 43% .. 83%}
totals:
  payment: sum(payment, over=indicators)
  size: list_size
"""

RECORDS = """records: 1
parameters:
  pped: 2015-03-31
  year_start: pped - 12 months + 1 day
  look_back: 12 months
  grace: 9 months
  hba1c_target: {value: 59 mmol/mol, source: indicators.csv DM007}
clusters:
  DM_COD: codes/dm_cod.csv
  DMRES_COD: [readv2:21L1.]
  IFCCHBAM_COD: codes/ifcchbam_cod.csv
  DMPU_COD: {codes: ["readv2:9h41."], title: Excepted - patient unsuitable}
fields:
  dm_latest: latest(DM_COD, on_or_before=pped)
  dm_first: earliest(DM_COD, on_or_before=pped)
  dm_resolved: latest(DMRES_COD, on_or_before=pped)
  hba1c: latest(IFCCHBAM_COD, within=look_back of pped)
  reg_dat: registration_start(on=pped)
  age: age_at(pped)
registers:
  DM:
    rules:
      - reject: age < 17
        as: under_17
      - select: dm_latest is known and (dm_resolved is missing or dm_resolved.date < dm_latest.date)
indicators:
  DM007:
    register: DM
    rules:
      - select: hba1c.value <= hba1c_target
      - reject: exists(DMPU_COD, within=12 months)
        as: patient_unsuitable
      - reject: dm_first.date > pped - grace
        as: newly_diagnosed
      - reject: reg_dat > pped - grace
        as: newly_registered
      - exclude: year_start > pped
"""

DM_COD = """# cluster: DM_COD
# title: Diabetes mellitus diagnosis
# cluster_version: test-1
# source: illustrative
code,system,description,status
C10..,readv2,"Diabetes mellitus",illustrative
C10F.,readv2,"Type 2 diabetes mellitus",illustrative
"""
IFCC = """# cluster: IFCCHBAM_COD
# title: IFCC HbA1c
# cluster_version: test-1
# source: http://webjeannie.co.uk/QOF/ReadCodes/DM007.htm
# unit: mmol/mol
code,system,description,status
42W5.,readv2,"Haemoglobin A1c level - IFCC standardised",sourced
"""


def write(folder: Path, records: str, files: dict[str, str] | None = None) -> Path:
    (folder / "codes").mkdir(parents=True, exist_ok=True)
    (folder / "framework.yaml").write_text(FRAMEWORK, encoding="utf-8")
    (folder / "records.yaml").write_text(records, encoding="utf-8")
    given = {"codes/dm_cod.csv": DM_COD, "codes/ifcchbam_cod.csv": IFCC, **(files or {})}
    for name, text in given.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def checked(folder: Path) -> tuple[r.RecordProgram | None, list[Diagnostic]]:
    fw, diags = read_definition(folder)
    if fw is None:
        return None, diags
    program, more = check_records(fw)
    return program, [*diags, *more]


def problems(tmp_path: Path, records: str, files: dict[str, str] | None = None) -> list[Diagnostic]:
    return checked(write(tmp_path, records, files))[1]


def only(
    tmp_path: Path, records: str, code: str, files: dict[str, str] | None = None
) -> Diagnostic:
    found = problems(tmp_path, records, files)
    matching = [d for d in found if d.code == code]
    assert len(matching) == 1, [d.render() for d in found]
    return matching[0]


def at(d: Diagnostic) -> tuple[int, int]:
    assert d.location is not None
    assert d.location.source.path.endswith(".yaml")
    return d.location.line, d.location.col


def line_of(text: str, fragment: str) -> tuple[int, int]:
    """(line, col) of ``fragment``'s first character in ``text`` (1-based)."""
    offset = text.index(fragment)
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


# --- a clean definition and its program -----------------------------------------------------------


def test_clean_records_check_without_problems(tmp_path: Path) -> None:
    program, diags = checked(write(tmp_path, RECORDS))
    assert diags == []
    assert program is not None
    assert program.not_computable == ("DM008",)
    assert program.period == ""  # the test framework has no version


def test_dm007_program(tmp_path: Path) -> None:
    program, _ = checked(write(tmp_path, RECORDS))
    assert program is not None
    rules = program.indicators["DM007"].rules.rules
    assert [(x.action, x.reason, x.category) for x in rules] == [
        ("select", "", "exception"),
        ("reject", "patient_unsuitable", "exception"),
        ("reject", "newly_diagnosed", "exception"),
        ("reject", "newly_registered", "exception"),
        ("reject", "excluded", "exclusion"),
    ]
    assert program.indicators["DM007"].register == "DM"
    # the select: latest HbA1c's value (a field of its own) against the target in mmol/mol
    select = rules[0].condition
    assert isinstance(select, ir.Binary) and select.op == "<="
    assert select.left == r.FieldRef("hba1c.value", type=t.quantity("mmol/mol"))
    assert select.right == ir.Param("hba1c_target", type=t.quantity("mmol/mol"))
    # the window: after pped - 12 months, on or before pped
    hba1c = program.fields["hba1c.value"]
    assert isinstance(hba1c, r.EventQuery)
    assert hba1c.clusters == ("IFCCHBAM_COD",) and hba1c.reduce == "latest"
    assert hba1c.attribute == "value"
    pped = ir.Param("pped", type=t.DATE)
    assert hba1c.window == r.Window(
        r.DateOffset(pped, -12, 0, type=t.DATE), pped, include_start=False, include_end=True
    )
    # `within=12 months` counts back from the reference date
    unsuitable = rules[1].condition
    assert isinstance(unsuitable, r.EventQuery) and unsuitable.reduce == "exists"
    assert unsuitable.window.start == r.DateOffset(pped, -12, 0, type=t.DATE)
    # newly diagnosed: a date moved by a duration parameter (inlined: 9 months)
    newly = rules[2].condition
    assert isinstance(newly, ir.Binary) and newly.op == ">"
    assert newly.left == r.FieldRef("dm_first.date", type=t.DATE)
    assert newly.right == r.DateOffset(pped, -9, 0, type=t.DATE)
    # parameters: constants, and a derived date kept as an expression of pped
    assert program.params["pped"] == ir.Const(datetime.date(2015, 3, 31), type=t.DATE)
    assert program.params["year_start"] == r.DateOffset(pped, -12, 1, type=t.DATE)
    assert program.params["hba1c_target"] == ir.Const(59.0, type=t.quantity("mmol/mol"))
    assert program.params["grace"] == ir.Const((9, 0), type=t.DURATION)
    assert program.reference_date == pped
    # clusters: from a file (with its unit and version) or inline
    assert program.clusters["IFCCHBAM_COD"].unit == "mmol/mol"
    assert program.clusters["IFCCHBAM_COD"].version == "test-1"
    assert program.clusters["DMRES_COD"].codes == (("readv2", "21L1."),)
    # a register: its rules in order, its population taken on pped
    register = program.registers["DM"]
    assert [x.action for x in register.rules.rules] == ["reject", "select"]
    assert register.population_date == pped
    # fields come after the fields they read; an event field is .date (and .value when read)
    assert "dm_latest.date" in program.fields and "dm_latest.value" not in program.fields
    assert program.fields["age"] == r.AgeAt(pped, type=t.NUMBER)
    assert program.fields["reg_dat"] == r.RegistrationQuery("start", pped, type=t.DATE)


def test_qof_records_check_clean() -> None:
    fw, diags = read_definition(ROOT / "frameworks" / "qof_2014")
    assert fw is not None and fw.records is not None
    program, more = check_records(fw)
    assert [*diags, *more] == []
    assert program is not None
    groups = {"DM", "HYP", "CHD", "AF", "STIA", "CKD"}
    assert set(program.registers) == groups
    for iid, ind in fw.indicators.items():
        if ind.group in groups:
            assert iid not in program.not_computable, iid
    assert "BP002" in program.not_computable
    dm007 = program.indicators["DM007"].rules.rules
    assert [x.reason for x in dm007] == [
        "",
        "max_tolerated_therapy",
        "declined",
        "unsuitable",
        "informed_dissent",
        "invitations",
        "new_diagnosis",
        "new_registration",
    ]
    af004 = program.indicators["AF004"].rules.rules
    assert af004[0].category == "exclusion" and af004[1].action == "select"


def test_every_qof_number_is_a_documented_parameter() -> None:
    fw, _ = read_definition(ROOT / "frameworks" / "qof_2014")
    assert fw is not None and fw.records is not None
    for name, p in fw.records.parameters.items():
        assert p.info.source, name
        assert p.info.doc, name
    text = (ROOT / "frameworks" / "qof_2014" / "records.yaml").read_text(encoding="utf-8")
    assert text.count("[MODEL]") >= 10


# --- located errors -------------------------------------------------------------------------------


def test_unit_mismatch_is_located_with_a_hint(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "hba1c.value <= hba1c_target", "hba1c.value <= 59 mmHg")
    d = only(tmp_path, text, "Q513")
    assert at(d) == line_of(text, "hba1c.value <= 59 mmHg")
    assert "mmol/mol" in d.message and "mmHg" in d.message


def test_a_plain_number_against_a_unit_asks_for_the_unit(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "hba1c.value <= hba1c_target", "hba1c.value <= 59")
    d = only(tmp_path, text, "Q513")
    assert d.hint == "write the unit: 59 mmol/mol"


def test_date_plus_date_is_an_error(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "year_start > pped", "year_start + pped > pped")
    d = only(tmp_path, text, "Q514")
    assert at(d) == line_of(text, "year_start + pped")
    assert "two dates" in d.hint


def test_age_compares_with_a_number_and_a_date_with_a_date(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "age < 17", "age < pped")
    d = only(tmp_path, text, "Q301")
    assert at(d) == line_of(text, "age < pped")


def test_unknown_cluster_did_you_mean(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "exists(DMPU_COD,", "exists(DMPUU_COD,")
    d = only(tmp_path, text, "Q504")
    assert at(d) == line_of(text, "DMPUU_COD")
    assert "DMPU_COD" in d.hint


def test_missing_cluster_file_is_located_at_its_entry(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "codes/dm_cod.csv", "codes/dm.csv")
    d = only(tmp_path, text, "Q502")
    assert at(d) == line_of(text, "codes/dm.csv")
    assert "relative to the framework folder" in d.hint


def test_malformed_cluster_file(tmp_path: Path) -> None:
    bad = DM_COD.replace("code,system,description,status", "code;system")
    d = only(tmp_path, RECORDS, "Q503", {"codes/dm_cod.csv": bad})
    assert at(d) == line_of(RECORDS, "codes/dm_cod.csv")
    assert "code,system,description,status" in d.hint


def test_cluster_file_status_must_be_given(tmp_path: Path) -> None:
    bad = DM_COD.replace('"Diabetes mellitus",illustrative', '"Diabetes mellitus",maybe')
    d = only(tmp_path, RECORDS, "Q503", {"codes/dm_cod.csv": bad})
    assert "line 6" in d.message and "maybe" in d.message


def test_inline_code_needs_its_system(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "[readv2:21L1.]", "[21L1.]")
    d = only(tmp_path, text, "Q503")
    assert at(d) == line_of(text, "21L1.]")
    assert "system:code" in d.hint


def test_cluster_file_of_another_cluster(tmp_path: Path) -> None:
    d = only(tmp_path, RECORDS, "Q503", {"codes/dm_cod.csv": DM_COD.replace("DM_COD", "DMX_COD")})
    assert "DMX_COD" in d.message


def test_unknown_name_did_you_mean(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "hba1c.value <= hba1c_target", "hba1c.value <= hba1c_targt")
    d = only(tmp_path, text, "Q505")
    assert at(d) == line_of(text, "hba1c_targt")
    assert "hba1c_target" in d.hint


def test_unknown_function(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "latest(IFCCHBAM_COD", "lastest(IFCCHBAM_COD")
    d = only(tmp_path, text, "Q506")
    assert at(d) == line_of(text, "lastest(")
    assert "latest" in d.hint


def test_unknown_window_keyword(tmp_path: Path) -> None:
    text = replace_once(
        RECORDS,
        "dm_latest: latest(DM_COD, on_or_before=pped)",
        "dm_latest: latest(DM_COD, on_before=pped)",
    )
    d = only(tmp_path, text, "Q506")
    assert at(d) == line_of(text, "on_before=pped")
    assert "on_or_before" in d.hint


def test_window_bounded_twice(tmp_path: Path) -> None:
    text = replace_once(
        RECORDS, "within=look_back of pped)", "within=look_back of pped, before=pped)"
    )
    d = only(tmp_path, text, "Q507")
    line, col = line_of(text, ", before=pped)")
    assert at(d) == (line, col + 2)


def test_within_needs_a_duration(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "within=look_back of pped", "within=year_start of pped")
    d = only(tmp_path, text, "Q507")
    assert at(d) == line_of(text, "year_start of")


def test_range_outside_a_window(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "year_start > pped", "pped in year_start .. pped")
    d = only(tmp_path, text, "Q507")
    assert at(d) == line_of(text, "pped in year_start")


def test_cycle_between_fields(tmp_path: Path) -> None:
    text = replace_once(
        RECORDS, "age: age_at(pped)", "age: age_at(later)\n  later: reg_dat2\n  reg_dat2: age"
    )
    found = [d for d in problems(tmp_path, text) if d.code == "Q508"]
    assert len(found) == 1
    assert "→" in found[0].message
    assert found[0].location is not None


def test_reject_without_reason(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "        as: newly_registered\n", "")
    d = only(tmp_path, text, "Q509")
    assert at(d) == line_of(text, "reject: reg_dat")
    assert "as: patient_unsuitable" in d.hint and "exclude" in d.hint


def test_indicator_with_unknown_register(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "register: DM", "register: DMM")
    d = only(tmp_path, text, "Q510")
    assert at(d) == line_of(text, "DMM")
    assert "`DM`" in d.hint


def test_indicator_the_framework_lacks(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "  DM007:\n", "  DM070:\n")
    d = only(tmp_path, text, "Q511")
    assert at(d) == line_of(text, "DM070")
    assert "DM007" in d.hint


def test_event_used_as_a_value(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "hba1c.value <= hba1c_target", "hba1c <= hba1c_target")
    d = only(tmp_path, text, "Q512")
    assert at(d) == line_of(text, "hba1c <=")
    assert "hba1c.value" in d.hint


def test_unknown_attribute(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "hba1c.value <= hba1c_target", "hba1c.valeu <= hba1c_target")
    d = only(tmp_path, text, "Q512")
    assert "value" in d.hint


def test_fractional_duration(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "grace: 9 months", "grace: 9.5 months")
    d = only(tmp_path, text, "Q515")
    assert at(d) == line_of(text, "9.5 months")


def test_parameter_cannot_read_a_field(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "year_start: pped - 12 months + 1 day", "year_start: reg_dat")
    found = [d for d in problems(tmp_path, text) if d.code == "Q516"]
    assert found and at(found[0]) == line_of(text, "reg_dat\n")


def test_clusters_of_different_units(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "latest(IFCCHBAM_COD,", "latest(IFCCHBAM_COD, DM_COD,")
    d = only(tmp_path, text, "Q517")
    assert at(d) == line_of(text, "latest(IFCCHBAM_COD, DM_COD")


def test_no_reference_date(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "records: 1\n", "records: 1\nreference_date: ppde\n")
    found = [d for d in problems(tmp_path, text) if d.code == "Q518"]
    assert found and at(found[0]) == line_of(text, "ppde")
    assert "pped" in found[0].hint


def test_rule_needs_one_action(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "      - exclude: year_start > pped\n", "      - doc: nothing\n")
    d = only(tmp_path, text, "Q519")
    assert at(d) == line_of(text, "doc: nothing")


def test_condition_must_be_true_or_false(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "exclude: year_start > pped", "exclude: year_start")
    d = only(tmp_path, text, "Q307")
    assert at(d) == line_of(text, "year_start\n")


def test_unknown_unit_in_a_cluster_file(tmp_path: Path) -> None:
    d = only(tmp_path, RECORDS, "Q503", {"codes/ifcchbam_cod.csv": IFCC.replace("mmol/mol", "%")})
    assert "`%`" in d.message


def test_schema_problem_is_located(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "    register: DM\n", "    registr: DM\n")
    found = problems(tmp_path, text)
    assert found and all(d.location is not None for d in found)
    assert any(d.code == "Q010" for d in found)


def test_syntax_error_in_records_is_located(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "age < 17", "age < 2015-02-30")
    d = only(tmp_path, text, "Q100")
    assert at(d) == line_of(text, "2015-02-30")


# --- warnings -------------------------------------------------------------------------------------


def test_rule_after_an_always_true_rule(tmp_path: Path) -> None:
    text = replace_once(
        RECORDS,
        "      - select: hba1c.value <= hba1c_target\n",
        "      - select: true\n      - select: hba1c.value <= hba1c_target\n",
    )
    found = problems(tmp_path, text)
    warn = [d for d in found if d.code == "W501"]
    assert len(warn) == 1 and not any(d.is_error for d in found)
    assert at(warn[0]) == (line_of(text, "select: true")[0] + 1, 9)


def test_unused_cluster_field_and_parameter(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "clusters:\n", "clusters:\n  SPARE_COD: [readv2:X]\n")
    text = replace_once(text, "fields:\n", "fields:\n  spare: age_at(year_start)\n")
    text = replace_once(text, "parameters:\n", "parameters:\n  spare_target: 64 mmol/mol\n")
    codes = {d.code: d for d in problems(tmp_path, text)}
    assert set(codes) == {"W502", "W503", "W504"}
    assert at(codes["W502"]) == line_of(text, "[readv2:X]")
    assert at(codes["W503"]) == line_of(text, "spare:")
    assert at(codes["W504"]) == line_of(text, "spare_target")


# --- the practice level ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expr", ["2015-03-31", "59 mmol/mol", "x is known", "3 days", "12 months of x"]
)
def test_record_syntax_in_framework_yaml_is_refused(tmp_path: Path, expr: str) -> None:
    text = FRAMEWORK.replace(
        "  size: list_size\n", f"  size: list_size\n  odd: if {expr} then 1 else 0\n"
    )
    (tmp_path / "framework.yaml").write_text(text, encoding="utf-8")
    from qframe.engines.numpy.lower import compile_framework

    fw, _ = read_definition(tmp_path)
    assert fw is not None
    found = [d for d in compile_framework(fw).diagnostics if d.code == "Q500"]
    assert len(found) == 1
    assert "records.yaml" in found[0].hint


def test_program_carries_the_record_program(tmp_path: Path) -> None:
    from qframe.engines.numpy.lower import compile_framework

    fw, _ = read_definition(write(tmp_path, RECORDS))
    assert fw is not None
    program = compile_framework(fw).program
    assert program is not None and program.records is not None
    assert "DM007" in program.records.indicators


# --- overrides ------------------------------------------------------------------------------------


def _plan(folder: Path):  # type: ignore[no-untyped-def]
    from qframe.engines.numpy.lower import compile_framework

    fw, _ = read_definition(folder)
    assert fw is not None
    return fw, compile_framework(fw)


def test_set_a_clinical_target(tmp_path: Path) -> None:
    from qframe.check.overrides import parse_assignments, resolve
    from qframe.check.records.overrides import record_program_with

    fw, plan = _plan(write(tmp_path, RECORDS))
    resolved = resolve(
        plan, parse_assignments(["hba1c_target=64mmol/mol", "pped=2016-03-31", "grace=15months"])
    )
    assert resolved.records == {
        "hba1c_target": 64.0,
        "pped": datetime.date(2016, 3, 31),
        "grace": (15, 0),
    }
    assert resolved.params == {}
    program = record_program_with(fw, resolved.records)
    assert program.params["hba1c_target"] == ir.Const(64.0, type=t.quantity("mmol/mol"))
    assert program.params["pped"] == ir.Const(datetime.date(2016, 3, 31), type=t.DATE)
    newly = program.indicators["DM007"].rules.rules[2].condition
    assert isinstance(newly, ir.Binary) and isinstance(newly.right, r.DateOffset)
    assert newly.right.months == -15


@pytest.mark.parametrize(
    ("item", "code", "col", "hint"),
    [
        ("hba1c_target=64mmHg", "Q513", 14, "64mmol/mol"),
        ("hba1c_target=64", "Q513", 14, "64mmol/mol"),
        ("pped=2016-02-30", "Q100", 6, "year-month-day"),
        ("pped=64mmol/mol", "Q241", 6, "2016-03-31"),
        ("grace=1.5months", "Q241", 7, "15 months"),
        ("hba1c_targt=64mmol/mol", "Q400", 1, "hba1c_target"),
    ],
)
def test_set_record_parameter_errors(
    tmp_path: Path, item: str, code: str, col: int, hint: str
) -> None:
    from qframe.check.overrides import parse_assignments, resolve
    from qframe.errors.diagnostics import DefinitionError

    _, plan = _plan(write(tmp_path, RECORDS))
    with pytest.raises(DefinitionError) as info:
        resolve(plan, parse_assignments([item]))
    (d,) = info.value.diagnostics
    assert d.code == code
    assert d.location is not None and d.location.col == col
    assert hint in d.hint


# --- rule sets ------------------------------------------------------------------------------------

SETS = """rule_sets:
  dm_exceptions:
    - reject: dm_first.date > pped - grace
      as: newly_diagnosed
    - reject: reg_dat > pped - grace
      as: newly_registered
"""


def _with_sets(text: str) -> str:
    text = replace_once(text, "registers:\n", SETS + "registers:\n")
    return replace_once(
        text,
        """      - reject: dm_first.date > pped - grace
        as: newly_diagnosed
      - reject: reg_dat > pped - grace
        as: newly_registered
""",
        "      - use: dm_exceptions\n",
        after="indicators:",
    )


def test_a_rule_set_is_spliced_in_order(tmp_path: Path) -> None:
    plain, _ = checked(write(tmp_path / "plain", RECORDS))
    spliced, diags = checked(write(tmp_path / "sets", _with_sets(RECORDS)))
    assert diags == []
    assert plain is not None and spliced is not None
    assert [(x.action, x.reason, x.condition) for x in spliced.indicators["DM007"].rules.rules] == [
        (x.action, x.reason, x.condition) for x in plain.indicators["DM007"].rules.rules
    ]


def test_unknown_rule_set(tmp_path: Path) -> None:
    text = _with_sets(RECORDS).replace("- use: dm_exceptions", "- use: dm_exception")
    found = problems(tmp_path, text)
    d = next(x for x in found if x.code == "Q520")
    assert at(d) == line_of(text, "dm_exception\n")
    assert "dm_exceptions" in d.hint
    assert any(x.code == "W505" for x in found)


def test_a_rule_set_cannot_use_another(tmp_path: Path) -> None:
    text = replace_once(
        _with_sets(RECORDS),
        "      as: newly_registered\n",
        "      as: newly_registered\n    - use: dm_exceptions\n",
        after="rule_sets:",
    )
    d = only(tmp_path, text, "Q520")
    assert "uses another rule set" in d.message


def test_a_mistake_in_a_shared_rule_is_reported_once(tmp_path: Path) -> None:
    text = _with_sets(RECORDS).replace("reg_dat > pped - grace", "reg_date > pped - grace", 1)
    text = text + "  DM008:\n    register: DM\n    rules:\n      - use: dm_exceptions\n"
    found = [d for d in problems(tmp_path, text) if d.code == "Q505"]
    assert len(found) == 1
    assert at(found[0]) == line_of(text, "reg_date")


def test_python_and_sweep_values_mean_the_parameters_unit(tmp_path: Path) -> None:
    from qframe.check.overrides import record_types, resolve

    _, plan = _plan(write(tmp_path, RECORDS))
    assert record_types(plan)["hba1c_target"] == t.quantity("mmol/mol")
    resolved = resolve(plan, {"hba1c_target": 53.0, "pped": datetime.date(2016, 3, 31)})
    assert resolved.records == {"hba1c_target": 53.0, "pped": datetime.date(2016, 3, 31)}


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("hba1c.value <= 59 mmol/mol", None),
        ("hba1c.value <= 59 mmHg", "Q513"),
        ("hba1c.value + 5 mmol/mol > hba1c_target", None),
        ("hba1c.value * 2 > hba1c_target", None),
        ("hba1c.value / hba1c_target > 1", None),
        ("hba1c.value * hba1c_target > 1", "Q513"),
        ("hba1c.date > pped - 6 months", None),
        ("hba1c.date > 6 months + year_start", None),
        ("hba1c.date - pped > 0", "Q514"),
        ("hba1c.date + pped > pped", "Q514"),
        ("pped - 2 > pped", "Q514"),
        ("hba1c.date > 6 months", "Q301"),
        ("age_at(pped) < 17", None),
        ("age_at(pped) < 17 mmHg", "Q513"),
        ('sex == "F" and date_of_birth < 1950-01-01', None),
        ("hba1c is known and hba1c.date is missing", None),
        ("(if hba1c is known then hba1c.value else hba1c_target) > 59 mmol/mol", None),
        ("(if hba1c is known then hba1c.value else 0) > 59 mmol/mol", "Q306"),
        ("count(DM_COD) >= 2 and exists(DM_COD, DMRES_COD, after=year_start)", None),
        ("registered(on=year_start) and registration_start(on=pped) > year_start", None),
        ("age_at(1)", "Q301"),
        ("age_at(pped, pped) > 1", "Q506"),
        ("latest() is known", "Q506"),
        ("on_register(DM) and on_register(CKD)", "Q510"),
        ("`DM_COD`", "Q512"),
        ("latest(DM_COD, between=pped) is known", "Q507"),
    ],
)
def test_kinds_and_units(tmp_path: Path, condition: str, code: str | None) -> None:
    text = replace_once(RECORDS, "exclude: year_start > pped", f"exclude: '{condition}'")
    found = [d for d in problems(tmp_path, text) if d.is_error]
    assert [d.code for d in found] == ([code] if code else []), [d.render() for d in found]


def test_register_indicator_the_framework_lacks(tmp_path: Path) -> None:
    text = replace_once(RECORDS, "  DM:\n    rules:\n", "  DM:\n    indicator: DM071\n    rules:\n")
    d = only(tmp_path, text, "Q511")
    assert at(d) == line_of(text, "DM071")
    assert "DM017" in d.hint


def test_population_date_must_be_a_date(tmp_path: Path) -> None:
    text = replace_once(
        RECORDS, "  DM:\n    rules:\n", "  DM:\n    population_date: grace\n    rules:\n"
    )
    d = only(tmp_path, text, "Q301")
    assert at(d) == line_of(text, "grace\n    rules")


def test_same_day_as_names_a_cluster(tmp_path: Path) -> None:
    good = replace_once(
        RECORDS,
        "hba1c: latest(IFCCHBAM_COD, within=look_back of pped)",
        "hba1c: latest(IFCCHBAM_COD, within=look_back of pped, same_day_as=DM_COD)",
    )
    program, diags = checked(write(tmp_path / "good", good))
    assert diags == [] and program is not None
    query = program.fields["hba1c.value"]
    assert isinstance(query, r.EventQuery) and query.same_day_as == ("DM_COD",)
    assert query.clusters_read == ("IFCCHBAM_COD", "DM_COD")
    bad = replace_once(good, "same_day_as=DM_COD", "same_day_as=DM_CODE")
    d = only(tmp_path / "bad", bad, "Q504")
    assert at(d) == line_of(bad, "DM_CODE")
    assert "DM_COD" in d.hint

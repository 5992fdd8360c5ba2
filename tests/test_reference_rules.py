"""Hand-computed test patients for the reference QOF 2014/15 business rules
(tests/reference/qof_records.py): window edges, targets, first-match-wins order, every exception
reason, age at PPED, resolved codes, exclusion versus exception, the population on PPED.

PPED is 31 March 2015; "within 12 months" is 2014-04-01..2015-03-31, 9 months from 2014-07-01,
6 months from 2014-10-01, 3 months from 2015-01-01 (business_rules.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from reference.qof_records import PARAMETERS, compute

DOCS = (Path(__file__).resolve().parents[1] / "docs" / "records.md").read_text(encoding="utf-8")

UNITS = {"42W5.": "mmol/mol", "2469.": "mmHg", "246A.": "mmHg", "44PJ.": "mmol/L", "38DE.": "score"}


@dataclass
class Patient:
    pid: int
    born: str = "1950-01-01"
    registered: str = "2000-01-01"
    left: str | None = None
    died: str | None = None
    practice: str = "S00001"
    events: list[tuple[str, str, float | None]] = field(default_factory=list)

    def has(self, code: str, date: str, value: float | None = None) -> Patient:
        self.events.append((code, date, value))
        return self

    def bp(self, date: str, systolic: float, diastolic: float) -> Patient:
        return self.has("2469.", date, systolic).has("246A.", date, diastolic)


def diabetic(pid: int, **kw: str) -> Patient:
    return Patient(pid, **kw).has("C10F.", "2005-05-05")


def run(*patients: Patient, overrides: dict[str, object] | None = None):
    units = pd.DataFrame({"unit_id": ["S00001", "S00002"]})
    people = pd.DataFrame(
        [
            {
                "patient_id": p.pid,
                "practice_id": p.practice,
                "date_of_birth": p.born,
                "sex": "female",
                "date_of_death": p.died,
            }
            for p in patients
        ]
    )
    registrations = pd.DataFrame(
        [
            {
                "patient_id": p.pid,
                "practice_id": p.practice,
                "start_date": p.registered,
                "end_date": p.left,
            }
            for p in patients
        ]
    )
    events = pd.DataFrame(
        [
            {
                "patient_id": p.pid,
                "system": "readv2",
                "code": c,
                "date": d,
                "value": v,
                "unit": UNITS.get(c),
            }
            for p in patients
            for c, d, v in p.events
        ]
    )
    return compute(units, people, registrations, events, overrides=overrides)


def outcome(result, indicator: str) -> dict[int, tuple[str, str | None]]:
    rows = result.outcomes[result.outcomes["indicator"] == indicator]
    return {int(r.patient_id): (r.outcome, r.reason) for r in rows.itertuples()}


def test_hba1c_window_edges_and_inclusive_target() -> None:
    result = run(
        diabetic(1).has("42W5.", "2014-04-01", 58),  # first day of the 12 months: in
        diabetic(2).has("42W5.", "2014-03-31", 58),  # the day before: out
        diabetic(3).has("42W5.", "2015-03-31", 59),  # PPED itself, exactly on target
        diabetic(4).has("42W5.", "2015-01-01", 60),  # above 59, within 64
        diabetic(5).has("42W5.", "2015-04-01", 40),  # after PPED: not seen
        diabetic(6).has("42W5.", "2014-05-01", 50).has("42W5.", "2015-02-01", 80),  # latest counts
        diabetic(7).has("42W5.", "2015-02-01", None).has("42W5.", "2014-12-01", 50),  # no value
    )
    dm007 = outcome(result, "DM007")
    assert dm007 == {
        1: ("numerator", None), 2: ("denominator", None), 3: ("numerator", None),
        4: ("denominator", None), 5: ("denominator", None), 6: ("denominator", None),
        7: ("numerator", None),
    }  # fmt: skip
    assert outcome(result, "DM008")[4] == ("numerator", None)
    assert outcome(result, "DM009")[6] == ("denominator", None)


def test_blood_pressure_both_values_same_day_lowest_and_latest_day() -> None:
    result = run(
        Patient(1).has("G20..", "2001-01-01").bp("2015-01-10", 150, 90),  # on the limit: passes
        Patient(2).has("G20..", "2001-01-01").bp("2015-01-10", 151, 80),  # systolic fails
        Patient(3).has("G20..", "2001-01-01").bp("2015-01-10", 140, 91),  # diastolic fails
        Patient(4)
        .has("G20..", "2001-01-01")
        .bp("2015-01-10", 160, 85)
        .bp("2015-01-10", 145, 95),  # same day: lowest of each, 145/85 [MODEL]
        Patient(5)
        .has("G20..", "2001-01-01")
        .bp("2014-06-01", 120, 70)
        .bp("2015-02-01", 170, 100),  # the latest reading decides
        Patient(6).has("G20..", "2001-01-01").has("2469.", "2015-02-01", 120),  # no diastolic
    )
    hyp006 = outcome(result, "HYP006")
    assert {p: o for p, (o, _) in hyp006.items()} == {
        1: "numerator", 2: "denominator", 3: "denominator", 4: "numerator", 5: "denominator",
        6: "denominator",
    }  # fmt: skip


def test_a_later_day_with_one_blood_pressure_value_is_not_a_reading() -> None:
    result = run(
        # 140/85 on 10 January passes; a systolic alone (170) on 15 February is not a reading
        Patient(1).has("G20..", "2001-01-01").bp("2015-01-10", 140, 85).has("2469.", "2015-02-15", 170),
        # the same with a diastolic alone (95) later
        Patient(2).has("G20..", "2001-01-01").bp("2015-01-10", 140, 85).has("246A.", "2015-02-15", 95),
        # a systolic and a diastolic on different days: no reading in the year
        Patient(3).has("G20..", "2001-01-01").has("2469.", "2015-01-10", 130).has("246A.", "2015-01-11", 80),
    )  # fmt: skip
    hyp006 = outcome(result, "HYP006")
    assert {p: o for p, (o, _) in hyp006.items()} == {
        1: "numerator", 2: "numerator", 3: "denominator"
    }  # fmt: skip


def test_a_stia008_referral_after_pped_does_not_count() -> None:
    result = run(
        # first stroke 10 March 2015; referred 2 April (within the month after, but after PPED):
        # not referred, and diagnosed in the last month (after 28 February): an exception
        Patient(1).has("G66..", "2015-03-10").has("8HTQ.", "2015-04-02"),
        Patient(2).has("G66..", "2015-03-10").has("8HTQ.", "2015-03-31"),  # on PPED: counts
    )
    stia008 = outcome(result, "STIA008")
    assert stia008[1] == ("exception", "new_diagnosis")
    assert stia008[2][0] == "numerator"


def test_diabetes_bp_targets_differ_by_indicator() -> None:
    result = run(diabetic(1).bp("2015-01-10", 145, 80), diabetic(2).bp("2015-01-10", 140, 80))
    assert (
        outcome(result, "DM002")[1][0] == "numerator"
        and outcome(result, "DM003")[1][0] == "denominator"
    )
    assert outcome(result, "DM003")[2][0] == "numerator"


def test_first_match_wins() -> None:
    result = run(
        diabetic(1).has("42W5.", "2015-01-01", 50).has("9h41.", "2015-01-01"),  # success first
        diabetic(2).has("42W5.", "2015-01-01", 70).has("9h41.", "2015-01-01"),
        diabetic(3).has("8BL2.", "2014-12-01").has("9h41.", "2015-01-01"),  # rule 2 before rule 4
        diabetic(4).has("41M..", "2014-12-01").has("9h42.", "2015-01-01"),
    )
    dm007 = outcome(result, "DM007")
    assert dm007[1] == ("numerator", None)
    assert dm007[2] == ("exception", "unsuitable")
    assert dm007[3] == ("exception", "max_tolerated_therapy")
    assert dm007[4] == ("exception", "declined")
    rules = result.outcomes.set_index(["indicator", "patient_id"])["rule"]
    assert rules[("DM007", 1)] == 1 and rules[("DM007", 3)] == 2 and rules[("DM007", 2)] == 4


def test_every_group_exception_reason() -> None:
    result = run(
        diabetic(1).has("9h41.", "2014-04-01"),  # unsuitable, first day of the window
        diabetic(2).has("9h41.", "2014-03-31"),  # too old: not excepted
        diabetic(3).has("9h42.", "2015-03-31"),  # informed dissent
        diabetic(4)
        .has("9OL1.", "2014-05-01")
        .has("9OL1.", "2014-09-01")
        .has("9OL1.", "2015-01-01"),
        diabetic(5).has("9OL1.", "2014-05-01").has("9OL1.", "2014-09-01"),  # two: not enough
        Patient(6).has("C10F.", "2014-07-01"),  # first diagnosed on the 9-month edge: excepted
        Patient(7).has("C10F.", "2014-06-30"),  # one day earlier: not
        diabetic(8, registered="2014-07-01"),  # newly registered, on the edge
        diabetic(9, registered="2014-06-30"),
        Patient(10).has("C10F.", "2014-12-31"),  # new diagnosis: 9 months for DM007, 3 for DM006?
    )
    dm007 = outcome(result, "DM007")
    assert dm007 == {
        1: ("exception", "unsuitable"), 2: ("denominator", None),
        3: ("exception", "informed_dissent"), 4: ("exception", "invitations"),
        5: ("denominator", None), 6: ("exception", "new_diagnosis"), 7: ("denominator", None),
        8: ("exception", "new_registration"), 9: ("denominator", None),
        10: ("exception", "new_diagnosis"),
    }  # fmt: skip
    dm012 = outcome(result, "DM012")  # a process indicator: 3 months' grace
    assert dm012[6] == ("denominator", None) and dm012[10] == ("denominator", None)
    assert dm012[8] == ("denominator", None)


def test_age_at_pped_and_resolved_codes() -> None:
    result = run(
        diabetic(1, born="1998-03-31"),  # 17 on PPED: on the register
        diabetic(2, born="1998-04-01"),  # 16 on PPED
        Patient(3).has("C10F.", "2010-01-01").has("21263", "2012-01-01"),  # resolved
        Patient(4).has("C10F.", "2010-01-01").has("21263", "2012-01-01").has("C10F.", "2013-01-01"),
        Patient(5).has("C10F.", "2010-01-01").has("21263", "2010-01-01"),  # same day [MODEL]
        Patient(6).has("1Z12.", "2010-01-01").has("1Z11.", "2013-01-01"),  # CKD downgraded
        Patient(7, born="1997-04-01").has("1Z12.", "2010-01-01"),  # 17: not on the CKD register
        Patient(8, born="1997-03-31").has("1Z12.", "2010-01-01"),  # 18
    )
    registers = result.registers
    assert registers["DM"].to_dict() | {} == {1: True, 2: False, 3: False, 4: True, 5: False,
                                              6: False, 7: False, 8: False}  # fmt: skip
    assert registers["CKD"][[6, 7, 8]].tolist() == [False, False, True]
    register = result.measures.query("measure == 'register' and key == 'DM'")
    assert register.set_index("unit_id")["value"].to_dict() == {"S00001": 2.0, "S00002": 0.0}


def test_exclusion_is_not_an_exception() -> None:
    result = run(
        Patient(1).has("G573.", "2010-01-01").has("38DE.", "2014-01-01", 3),  # AF004
        Patient(2)
        .has("G573.", "2010-01-01")
        .has("38DE.", "2013-01-01", 3)
        .has("38DE.", "2014-06-01", 1),  # latest score 1: AF005, not AF004
        Patient(3).has("G573.", "2010-01-01"),  # no score: in neither
        Patient(4)
        .has("G573.", "2010-01-01")
        .has("38DE.", "2014-01-01", 2)
        .has("di2..", "2014-10-01"),  # anticoagulant on the first day of 6 months
        Patient(5)
        .has("G573.", "2010-01-01")
        .has("38DE.", "2014-01-01", 2)
        .has("di2..", "2014-09-30"),  # one day too early
        Patient(6)
        .has("G573.", "2010-01-01")
        .has("38DE.", "2014-01-01", 2)
        .has("14LK.", "1990-01-01"),  # allergy: any date
        Patient(7)
        .has("G573.", "2010-01-01")
        .has("38DE.", "2014-01-01", 2)
        .has("8I2R.", "2014-06-01"),  # contraindicated in 12 months
        Patient(8)
        .has("G573.", "2010-01-01")
        .has("38DE.", "2014-01-01", 2)
        .has("8B2K.", "2015-03-01"),  # prescribed by a third party
    )
    af004, af005 = outcome(result, "AF004"), outcome(result, "AF005")
    assert af004[1] == ("denominator", None) and af004[2] == ("excluded", None)
    assert af004[3] == ("excluded", None) and af005[3] == ("excluded", None)
    assert af005[2] == ("denominator", None) and af005[1] == ("excluded", None)
    assert af004[4][0] == "numerator" and af004[5][0] == "denominator"
    assert af004[6] == ("exception", "allergy") and af004[7] == ("exception", "contraindicated")
    assert af004[8][0] == "numerator"
    counts = result.measures.query("key == 'AF004'").set_index("measure")["value"]
    s1 = (
        counts[counts.index.isin(["numerator", "denominator", "exceptions"])].groupby(level=0).sum()
    )
    assert s1.to_dict() == {"denominator": 4.0, "exceptions": 2.0, "numerator": 2.0}


def test_the_population_on_pped() -> None:
    result = run(
        diabetic(1),
        diabetic(2, died="2015-03-30"),  # died before PPED
        diabetic(3, left="2015-03-31"),  # registration ends on PPED: still registered [MODEL]
        diabetic(4, left="2015-03-30"),
        diabetic(5, registered="2015-04-01"),  # registers after PPED
        diabetic(6, practice="S00002"),
    )
    lists = result.measures.query("measure == 'list_size'").set_index("unit_id")["value"]
    assert lists.to_dict() == {"S00001": 2.0, "S00002": 1.0}
    assert sorted(result.registers.index[result.registers["DM"]]) == [1, 3, 6]
    strict = run(diabetic(1), diabetic(3, left="2015-03-31"),
                 overrides={"registration_end_inclusive": False})  # fmt: skip
    assert strict.measures.query("measure == 'list_size'")["value"].sum() == 1


def test_prescribing_and_incident_cohorts() -> None:
    result = run(
        diabetic(1).has("4674.", "2012-01-01").has("bi...", "2014-10-01"),  # DM006 numerator
        diabetic(2).has("4674.", "2012-01-01").has("8I28.", "2014-06-01"),  # contraindicated
        diabetic(3),  # no nephropathy: not in DM006
        Patient(4).has("C10F.", "2014-05-01").has("8Hj0.", "2015-01-31"),  # DM014: within 9 months
        Patient(5).has("C10F.", "2014-05-01").has("8Hj0.", "2015-02-02"),  # after 9 months
        Patient(6)
        .has("G66..", "2014-06-01")
        .has("8HTQ.", "2014-03-01"),  # STIA008: 3 months before
        Patient(7).has("G66..", "2014-06-01").has("8HTQ.", "2014-07-02"),  # after 1 month
        Patient(8).has("G61..", "2010-01-01").has("bu2..", "2015-01-01"),  # haemorrhagic only
        Patient(9)
        .has("1Z12.", "2010-01-01")
        .has("G20..", "2010-01-01")
        .has("46TC.", "2015-01-01", 35)
        .has("bk...", "2015-02-01"),  # CKD003: hypertensive, ACR ≥ 30 [MODEL], on an ARB
        Patient(10).has("1Z12.", "2010-01-01").has("46TC.", "2015-01-01", 35),  # not hypertensive
        Patient(11)
        .has("G33..", "2005-01-01")
        .has("G30..", "2011-04-01")
        .has("bi...", "2015-03-01"),
        Patient(12).has("G33..", "2005-01-01").has("G30..", "2011-03-31"),  # MI before 1 Apr 2011
        diabetic(13).has("65E..", "2014-08-01"),  # flu from 1 August
        diabetic(14).has("65E..", "2014-07-31").has("9OX5.", "2014-09-01"),  # declined
        Patient(15).has("C10F.", "2014-08-01"),  # DM014: diagnosed in the last 9 months
    )
    dm006 = outcome(result, "DM006")
    assert dm006[1][0] == "numerator" and dm006[2] == ("exception", "contraindicated")
    assert dm006[3] == ("excluded", None)
    dm014 = outcome(result, "DM014")
    assert dm014[4][0] == "numerator" and dm014[5] == ("denominator", None)
    assert dm014[15] == ("exception", "new_diagnosis")
    assert dm014[1] == ("excluded", None)
    stia008 = outcome(result, "STIA008")
    assert stia008[6][0] == "numerator" and stia008[7][0] == "denominator"
    assert outcome(result, "STIA007")[8] == ("excluded", None)
    assert outcome(result, "STIA003")[8][0] == "denominator"
    assert (
        outcome(result, "CKD003")[9][0] == "numerator"
        and outcome(result, "CKD003")[10][0] == "excluded"
    )
    assert (
        outcome(result, "CHD006")[11][0] == "numerator"
        and outcome(result, "CHD006")[12][0] == "excluded"
    )
    dm018 = outcome(result, "DM018")
    assert dm018[13][0] == "numerator" and dm018[14] == ("exception", "declined")


def test_a_parameter_moves_a_patient() -> None:
    patients = [diabetic(1).has("42W5.", "2015-01-01", 62)]
    assert outcome(run(*patients), "DM007")[1][0] == "denominator"
    moved = run(*patients, overrides={"hba1c_target_dm007": 64.0})
    assert outcome(moved, "DM007")[1][0] == "numerator"
    by_reason = run(diabetic(2).has("9h41.", "2015-01-01")).reasons
    assert set(by_reason.query("indicator == 'DM007'")["reason"]) == {"unsuitable"}


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_every_parameter_names_its_source_and_is_documented(name: str) -> None:
    parameter = PARAMETERS[name]
    assert parameter.source
    assert parameter.model == ("[MODEL]" in parameter.source)
    row = next(line for line in DOCS.splitlines() if line.startswith(f"| `{name}` |"))
    assert ("**[MODEL]**" in row) == parameter.model

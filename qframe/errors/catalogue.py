"""Every diagnostic code qframe reports, once: its level, a one-line title and where it is documented.

A code means one thing. The messages themselves say what went wrong in the case at hand; the
catalogue is the place to look a code up (it renders as docs/diagnostics.md, see
:mod:`qframe.docs.diagnostics`). tests/test_catalogue.py checks that the codes are unique, that each
code raised in qframe's source is here with the same level, and that each code here is raised.

>>> lookup("Q201").title
'unknown name'
>>> lookup("W201").level.value, lookup("W201").link
('warning', 'docs/diagnostics.md#w201')
"""

from __future__ import annotations

from dataclasses import dataclass

from qframe.errors.diagnostics import Severity

DOCUMENT = "docs/diagnostics.md"


@dataclass(frozen=True)
class Entry:
    """One diagnostic code: its level, what it means in one line, and its place in the docs."""

    code: str
    level: Severity
    title: str

    @property
    def anchor(self) -> str:
        """The anchor of the code's entry in docs/diagnostics.md (GitHub-style: lower case)."""
        return self.code.lower()

    @property
    def link(self) -> str:
        return f"{DOCUMENT}#{self.anchor}"

    @property
    def group(self) -> Group:
        return next(g for g in GROUPS if self.code.startswith(g.prefix))


@dataclass(frozen=True)
class Group:
    """Codes that share a prefix: one section of the docs page."""

    prefix: str
    title: str
    about: str


GROUPS: tuple[Group, ...] = (
    Group("Q0", "Files, YAML and the shape of a definition", "Reading framework.yaml and checking it against the JSON Schema."),
    Group("Q1", "Expression syntax", "Expressions that do not parse."),
    Group("Q2", "Names, definitions and calls", "Names that resolve to nothing or to two things, function calls, framework-level rules."),
    Group("W2", "Warnings about definitions", "Definitions that are valid but probably not what was meant (`--strict` fails on them)."),
    Group("Q3", "Kinds of value, units and ranges", "Operations on values of the wrong kind, thresholds, durations."),
    Group("W3", "Warnings about thresholds", "Thresholds that are valid but probably wrong."),
    Group("Q4", "Overrides, sweeps and what-if tools", "`--set`, `--sweep`, `--calibrate`, `--uncertainty` and `qframe diff`."),
    Group("Q5", "Record-level definitions", "records.yaml: registers and business rules computed from GP records (docs/records-authoring.md)."),
    Group("W5", "Warnings about record-level definitions", "Record-level definitions that are valid but probably not what was meant."),
    Group("S0", "Scenario files", "Files read by `qframe scenarios`."),
    Group("D0", "Data tables", "The units and measures tables, and data that does not fit the framework."),
    Group("D1", "NHS Digital files", "Files read as published (QOF, prevalence, list sizes, payments)."),
    Group("R0", "Record-level data", "Record folders (patients, registrations, coded events) and code cluster files: docs/records.md."),
    Group("D3", "Plausibility of data", "Values no payment should rest on, and tables that are ambiguous or empty (`qframe.data.plausibility`; bounds overridable in `plausibility.yaml` beside the units file)."),
    Group("T00", "Test files: reading", "The YAML of test-case files read by `qframe test`."),
    Group("T02", "Test files: parameters", "Parameters set by a test case."),
    Group("T03", "Test files: expectations", "The `expect:` section of a test case."),
    Group("T04", "Test files: test patients", "GP records written in a test case, and the `expect: patients:` rows (docs/testing-definitions.md)."),
    Group("C0", "Comparing frameworks", "`qframe compare`."),
    Group("E0", "Explaining a result", "`qframe explain`."),
    Group("I0", "Starting a framework", "`qframe init`."),
)  # fmt: skip

_E, _W = Severity.ERROR, Severity.WARNING

CATALOGUE: tuple[Entry, ...] = (
    # Files, YAML, the definition's shape
    Entry("Q000", _E, "a problem described in words only"),
    Entry("Q001", _E, "the file is not valid YAML"),
    Entry("Q002", _E, "a YAML key is not a plain value"),
    Entry("Q003", _E, "a key is given twice in the same mapping"),
    Entry("Q004", _E, "a file or folder cannot be found or read"),
    Entry("Q005", _E, "the definition file is empty or not a mapping"),
    Entry("Q006", _E, "the output folder cannot be created"),
    Entry("Q007", _E, "no output folder was given"),
    Entry(
        "Q008", _E, "a YAML file is too large or nested too deeply once its aliases are expanded"
    ),
    Entry("Q009", _E, "a number is not finite, or too large to hold exactly"),
    Entry("Q010", _E, "unknown field"),
    Entry("Q011", _E, "a required field is missing"),
    Entry("Q012", _E, "a key is not a valid name"),
    Entry("Q013", _E, "a field has the wrong type of value"),
    Entry("Q014", _E, "a field's value is not one of the allowed options"),
    Entry("Q015", _E, "a field must have a fixed value"),
    Entry("Q016", _E, "a value is not a valid identifier"),
    Entry("Q017", _E, "a value is below its minimum"),
    Entry("Q018", _E, "a field must not be empty"),
    Entry("Q019", _E, "the definition breaks another rule of the schema"),
    Entry("Q020", _E, "a name is defined twice"),
    Entry("Q021", _E, "a definition repeats an argument name"),
    Entry("Q022", _E, "a section of a definition has more entries than qframe accepts"),
    # Expression syntax
    Entry("Q100", _E, "an expression does not parse"),
    Entry("Q101", _E, "an expression is nested too deeply"),
    # Names, definitions, calls
    Entry("Q201", _E, "unknown name"),
    Entry("Q202", _E, "a name is used for two things"),
    Entry("Q203", _E, "a built-in name cannot be redefined"),
    Entry("Q204", _E, "an indicator overrides an unknown parameter"),
    Entry("Q205", _E, "unknown field in an indicator or kind"),
    Entry("Q206", _E, "a parameter uses something other than constants and parameters"),
    Entry("Q207", _E, "a definition with arguments is used without them"),
    Entry("Q208", _E, "a unit attribute is used outside `by=`"),
    Entry("Q209", _E, "an indicator id is used without saying which of its values"),
    Entry("Q210", _E, "circular definition"),
    Entry("Q211", _E, "a function is named without being called"),
    Entry(
        "Q212", _E, "a value that varies by indicator is used where one value per unit is needed"
    ),
    Entry("Q213", _E, "an indicator has no such value"),
    Entry("Q214", _E, "unknown indicator before `.`"),
    Entry("Q215", _E, "`.` follows something other than an indicator id"),
    Entry("Q220", _E, "unknown function"),
    Entry("Q221", _E, "a definition takes no keyword arguments"),
    Entry("Q222", _E, "wrong number of arguments"),
    Entry("Q223", _E, "an input without a key is given one"),
    Entry("Q224", _E, "a keyed input needs exactly one key"),
    Entry("Q225", _E, "the key of an input is not a string"),
    Entry("Q226", _E, "unknown indicator named as a key"),
    Entry("Q227", _E, "a function has no such keyword"),
    Entry("Q228", _E, "a keyword is given twice"),
    Entry("Q229", _E, "a keyword's value is not one of the allowed names"),
    Entry("Q230", _E, "a total varies by indicator"),
    Entry("Q231", _E, "a quoted argument is not the kind of text expected"),
    Entry("Q232", _E, "a keyword or argument is outside its allowed values"),
    Entry("Q233", _E, "a keyword cannot be used with `over=indicators`"),
    Entry("Q234", _E, "not an escalation rule"),
    Entry("Q235", _E, "the period of `at` is not a quoted period"),
    Entry("Q237", _E, "a total or rule gives the wrong kind of value"),
    Entry("Q238", _E, "`outcome` names something that is not a rule"),
    Entry("Q239", _E, "`money.rounded` names a rule that is not money"),
    Entry("Q240", _E, "a parameter is not a constant"),
    Entry("Q241", _E, "an override has a different kind of value than the framework's"),
    Entry("Q242", _E, "a field gives the wrong kind of value"),
    Entry("Q243", _E, "the default of an input is not a number"),
    Entry("Q244", _E, "a parameter's range is of another kind than the parameter"),
    Entry("Q246", _E, "an indicator's kind is not declared under `kinds:`"),
    Entry("Q250", _E, "a check groups by an unknown unit attribute"),
    Entry("Q260", _E, "an escalation level is listed twice"),
    Entry("Q261", _E, "an escalation rule is defined twice"),
    Entry("Q262", _E, "an escalation rule names an unknown level"),
    # Warnings about definitions
    Entry("W201", _W, "a parameter is never used"),
    Entry("W202", _W, "a definition is never used"),
    Entry("W203", _W, "an input is never used"),
    Entry("W245", _W, "a parameter's value lies outside its stated range"),
    # Kinds of value, units, ranges
    Entry("Q300", _E, "cannot negate this kind of value"),
    Entry("Q301", _E, "cannot compare these kinds of value"),
    Entry("Q302", _E, "`in` needs a range on its right"),
    Entry("Q303", _E, "the bounds of a range are of different kinds"),
    Entry("Q304", _E, "a range is empty"),
    Entry("Q305", _E, "an operation mixes kinds of value or units that do not go together"),
    Entry("Q306", _E, "the branches of `if` give different kinds of value"),
    Entry("Q307", _E, "a condition is needed"),
    Entry("Q310", _E, "the lower threshold is not below the upper threshold"),
    Entry("Q311", _E, "thresholds are not a range of percentages"),
    Entry("Q312", _E, "the cuts of `band` do not ascend"),
    Entry("Q320", _E, "a constant overflows: it is not a finite number"),
    Entry("Q330", _E, "a duration is expected"),
    Entry("Q331", _E, "a duration is not a whole number of periods"),
    Entry("Q332", _E, "unknown time unit"),
    Entry("W311", _W, "thresholds lie outside 0% .. 100%"),
    # Record-level definitions
    Entry(
        "Q500",
        _E,
        "record-level syntax (a date, a unit, `is known`, a window) outside records.yaml",
    ),
    Entry("Q501", _E, "records.yaml cannot be read or is not a mapping"),
    Entry("Q502", _E, "a code cluster file is missing"),
    Entry("Q503", _E, "a code cluster file or inline cluster is malformed"),
    Entry("Q504", _E, "an unknown code cluster"),
    Entry("Q505", _E, "an unknown name in a record-level expression"),
    Entry("Q506", _E, "an unknown record-level function, or wrong arguments to one"),
    Entry("Q507", _E, "a window is malformed"),
    Entry("Q508", _E, "a field or parameter depends on itself"),
    Entry("Q509", _E, "a reject without a reason, or a select with one"),
    Entry("Q510", _E, "an unknown register"),
    Entry("Q511", _E, "records.yaml names an indicator the framework does not have"),
    Entry("Q512", _E, "an event, a cluster or a value used as another (`.date`/`.value`)"),
    Entry("Q513", _E, "values in different clinical units, or a unit missing"),
    Entry("Q514", _E, "date arithmetic that has no meaning (date + date)"),
    Entry("Q515", _E, "a duration that is not whole calendar units"),
    Entry("Q516", _E, "a record-level parameter or field of the wrong kind"),
    Entry("Q517", _E, "one query over clusters of different units"),
    Entry("Q518", _E, "no reference date, or it is not a date"),
    Entry("Q519", _E, "a rule without exactly one of select, reject or exclude"),
    Entry("Q520", _E, "a `use:` names no rule set, or is misplaced"),
    Entry("W501", _W, "a rule is never reached: one before it always fires"),
    Entry("W502", _W, "a code cluster is never used"),
    Entry("W503", _W, "a record-level field is never used"),
    Entry("W504", _W, "a record-level parameter is never used"),
    Entry("W505", _W, "a rule set is never used"),
    # Levels and apportionment (issue 13)
    Entry("Q270", _E, "`unit:` names a unit attribute: the level is set with `level:`"),
    Entry("Q271", _E, "unknown level"),
    Entry("Q272", _E, "an input of a level framework has no `across:` rule"),
    Entry("Q273", _E, "`apportion:` in a framework that pays practices"),
    Entry("Q274", _E, "`apportion:` names something that is not a total"),
    # Overrides, sweeps, tools
    Entry("Q400", _E, "an override names an unknown indicator, field or parameter"),
    Entry("Q401", _E, "an override is not written NAME=VALUE"),
    Entry("Q402", _E, "a sweep is not written NAME=LO..HI step STEP or NAME=V1,V2"),
    Entry("Q403", _E, "the framework has no total of that name"),
    Entry("Q404", _E, "a per-indicator parameter cannot be swept"),
    Entry("Q405", _E, "not a number or money parameter"),
    Entry("Q406", _E, "calibration finds no value that gives the target"),
    Entry("Q407", _E, "no parameter states a `range:`"),
    Entry("Q408", _E, "no engine of that name"),
    # The record engine
    Entry("Q430", _E, "the record engine cannot compute this expression per patient"),
    Entry("Q431", _E, "the record program has no such name, or a parameter cannot be swept"),
    Entry("Q432", _E, "a records folder lacks a table or a column"),
    Entry("Q433", _W, "indicators without record-level rules are not computed from records"),
    Entry("Q434", _E, "GP records given to a framework without record-level rules"),
    Entry("Q435", _E, "--engine spark without PySpark (or Spark Connect without its client)"),
    Entry("Q436", _E, "--engine spark without Java (no java on PATH, or a JAVA_HOME without it)"),
    Entry("Q437", _E, "the Spark cluster or Spark Connect address cannot be reached"),
    Entry("Q438", _E, "the cluster runs another Spark major version than the PySpark installed"),
    Entry("Q439", _E, "Spark cannot read a table of the records folder"),
    Entry("Q440", _E, "Spark failed while computing the counts"),
    Entry("Q441", _E, "a record-level parameter set while the data are practice-level counts"),
    # Scenario files
    Entry("S001", _E, "a scenario file does not name its framework"),
    Entry("S002", _E, "a scenario file does not list its scenarios by name"),
    Entry("S003", _E, "unknown field in a scenario"),
    Entry("S004", _E, "a scenario drops an unknown indicator"),
    Entry("S005", _E, "the first scenario cannot be budget neutral"),
    Entry("S006", _E, "not a shift of thresholds"),
    Entry(
        "S007", _E, "the scenario file names a framework outside its folder and the working folder"
    ),
    # Data tables
    Entry("D000", _E, "this kind of object cannot be used as data"),
    Entry("D001", _E, "no such data file or folder"),
    Entry("D002", _E, "the units or measures table is missing"),
    Entry("D003", _E, "a data file cannot be read"),
    Entry("D004", _E, "a data file is not UTF-8 text"),
    Entry("D005", _E, "CSV rows with fewer or more fields than the header"),
    Entry(
        "D006", _E, "a data path that is a folder, a named pipe, a device or a socket, not a file"
    ),
    Entry("D010", _E, "a table is missing columns"),
    Entry("D011", _E, "rows without a unit id or practice code"),
    Entry("D012", _E, "a unit id is repeated"),
    Entry("D020", _E, "values that are not numbers"),
    Entry("D021", _E, "infinite values"),
    Entry("D022", _E, "negative values"),
    Entry("D023", _E, "a period qframe cannot read"),
    Entry("D024", _E, "rows without a measure name"),
    Entry("D030", _E, "rows repeat the same unit, period, measure and key"),
    Entry("D031", _E, "measures for units that are not in the units table"),
    Entry("D032", _E, "a numerator above its denominator"),
    Entry("D040", _W, "units without any measures"),
    Entry("D050", _E, "the data has no periods"),
    Entry("D051", _E, "the data has no such period"),
    Entry("D060", _E, "the units table lacks an attribute the framework groups by"),
    Entry("D070", _E, "the data lacks a measure the framework needs"),
    Entry("D071", _E, "a quarterly measure has no `combine:` in a yearly framework"),
    Entry("D080", _E, "the units table lacks the framework's level attribute"),
    Entry("D081", _W, "practices in no level unit: their inputs are counted nowhere"),
    Entry("D082", _E, "a practice is in two level units at once"),
    Entry("D083", _E, "members of a level unit record different values of a `same` input"),
    Entry("D084", _E, "an apportionment weight is zero or missing for a whole level unit"),
    Entry("D085", _W, "some members of a level unit lack a measure the others have"),
    Entry("D086", _E, "an apportionment weight is negative or missing for a practice"),
    Entry("D095", _E, "a rule or total gives an infinite or overflowed amount"),
    # plausibility (qframe.data.plausibility; bounds overridable in plausibility.yaml)
    Entry("D300", _E, "a value above the plausible bound (max_value, default 1,000,000,000)"),
    Entry("D301", _E, "a value of 2^53 or more, where numbers are no longer exact"),
    Entry("D302", _E, "booleans in the value column"),
    Entry("D303", _E, "a register larger than the list size (prevalence above max_prevalence)"),
    Entry("D304", _E, "a table given twice (.csv and .parquet) in one folder"),
    Entry("D305", _E, "no key column, and rows repeat unit, period and measure"),
    Entry("D306", _E, "a table with no rows"),
    Entry("D307", _W, "a key that is a near miss of an indicator or group: its rows are not read"),
    Entry("D308", _E, "plausibility.yaml cannot be read or is not a mapping of bounds"),
    Entry("D309", _W, "an indicator's denominator and exceptions exceed its group's register"),
    Entry("D310", _W, "a register larger than the list size, within max_prevalence: kept"),
    # NHS Digital files
    Entry("D100", _E, "not a file or dataset qframe can read"),
    Entry("D101", _E, "several files of the same kind for the same year"),
    Entry("D102", _E, "cannot tell which year a file is for"),
    Entry("D103", _E, "different list sizes for the same practice"),
    Entry("D105", _W, "a file of a kind qframe does not read was skipped"),
    Entry("D106", _W, "no organisation reference, mapping or payments file"),
    Entry("D107", _W, "practices described differently in different files"),
    Entry("D108", _W, "a list size given by a prevalence file as well"),
    Entry("D109", _W, "negative values in a published file"),
    Entry("D110", _W, "empty register cells"),
    Entry("D111", _W, "a file that is not UTF-8, read as Windows-1252"),
    Entry("D112", _E, "a workbook lacks the sheet qframe needs"),
    Entry("D113", _W, "practices without a total list size row"),
    # Record-level data
    Entry("R001", _E, "no record folder, or it lacks a table"),
    Entry("R002", _E, "a record table or the manifest cannot be read"),
    Entry("R003", _W, "a record folder has no manifest.json"),
    Entry("R010", _E, "a record table lacks required columns"),
    Entry("R011", _E, "cells that cannot be read as their column's type"),
    Entry("R012", _E, "empty cells where a value is required"),
    Entry("R013", _W, "a patient's sex is not one qframe knows"),
    Entry("R019", _E, "a practice id is repeated in the units of a record folder"),
    Entry("R020", _E, "a patient id is repeated"),
    Entry("R021", _E, "a patient or registration at a practice the units table does not have"),
    Entry("R022", _E, "a registration or event for a patient the patients table does not have"),
    Entry("R023", _E, "a registration ends before it starts"),
    Entry("R024", _E, "a patient dies before being born"),
    Entry("R030", _E, "an event dated before the patient's birth"),
    Entry("R031", _W, "an event dated after the reference date (e.g. PPED)"),
    Entry("R032", _E, "an event in a code system qframe does not know"),
    Entry("R033", _W, "a value unit qframe does not recognise"),
    Entry("R034", _W, "a value without a unit in a cluster that needs one"),
    Entry("R035", _E, "a value in another unit than its cluster's"),
    Entry("R040", _E, "a code cluster file is malformed"),
    # Test files
    Entry("T001", _E, "a test file cannot be read or is not a mapping"),
    Entry("T002", _E, "unknown field in a test file"),
    Entry("T003", _E, "a test case lacks a required part"),
    Entry("T004", _E, "a part of a test case has the wrong shape"),
    Entry("T005", _E, "a test file's `data:` folder is outside the framework folder"),
    Entry("T020", _E, "a test case sets an unknown parameter"),
    Entry("T021", _E, "a test case gives a parameter the wrong kind of value"),
    Entry("T030", _E, "an expectation names something the results do not have"),
    Entry("T031", _E, "an expected row lacks its keys or its values"),
    Entry("T032", _E, "an expected row needs a period"),
    Entry("T033", _E, "an expected value is of the wrong kind"),
    Entry("T034", _E, "the tolerance is not a number at least 0"),
    Entry("T040", _E, "inline GP records lack a table, or its rows are not mappings"),
    Entry("T041", _E, "an expected patient row lacks patient, outcome or indicator/register"),
    # Comparing, explaining, starting
    Entry("C001", _E, "no framework to compare"),
    Entry("C002", _E, "a framework has no payment total to compare"),
    Entry("C003", _E, "the baseline is not one of the frameworks compared"),
    Entry("C004", _E, "the year to compare is not one financial year"),
    Entry("C005", _E, "the data lacks the year to compare for a framework"),
    Entry("C006", _E, "no year in which every framework pays every practice"),
    Entry("C007", _E, "no browser to print the report to PDF with"),
    Entry("C008", _E, "the browser could not print the report"),
    Entry("C009", _E, "the process writing the workbook stopped before finishing it"),
    Entry("C010", _E, "a level framework without apportionment cannot be compared per practice"),
    Entry("E001", _E, "no such indicator to explain"),
    Entry("E002", _E, "no such unit or cluster to explain"),
    Entry("I001", _E, "cannot make a framework id from the name"),
    Entry("I002", _E, "the framework folder exists already or cannot be created"),
    Entry("I003", _E, "the framework name is a path: the folder is made inside --dir only"),
)

_BY_CODE: dict[str, Entry] = {entry.code: entry for entry in CATALOGUE}


def lookup(code: str) -> Entry:
    """The catalogue entry of a code (KeyError when qframe has no such code)."""
    return _BY_CODE[code]


def is_catalogued(code: str) -> bool:
    return code in _BY_CODE

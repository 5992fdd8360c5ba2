"""`qframe init`: a new framework folder to start from.

The folder holds a commented ``framework.yaml`` (three QOF 2014/15 indicators that the bundled
sample data carries: DM017, DM007 and BP002), a ``README.md`` to fill in (where every number comes
from; which values are assumptions) and ``tests/example.yaml``, a definition test with a small
hand-computed case. It validates without warnings, passes ``qframe test`` and evaluates on
``data/sample`` as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

from qframe.errors.diagnostics import ExitCode, FileProblem, QframeError, error

FRAMEWORK_TEMPLATE = """\
# {title}
#
# A quality framework for primary care, written for qframe. Every number in it should say where
# it comes from (`source:`), and every modelled value should be a parameter marked `assumption:`,
# so that readers - and `qframe diff` - can see it. README.md lists them for people.
#
#   qframe validate {folder}        check the definition (names, units, thresholds, ...)
#   qframe test {folder}            run the hand-computed cases in tests/*.yaml
#   qframe evaluate {folder} --data data/sample --out out/{id}
#
# The format: docs/definition-format.md. The expression language: `qframe reference`.
qframe: 1
id: {id}
version: "0.1"
title: {title}
doc: >
  What the framework pays for, and why. (Replace this text.) As written it pays three QOF 2014/15
  indicators the QOF way: points slide between two thresholds of achievement, and each point is
  worth point_value for a practice of average list size, scaled by list size and prevalence.
frequency: year              # evaluate financial years (2014-15); `quarter` evaluates 2014-15Q1 ...
money:
  rounding: indicator        # each indicator's payment is rounded to the penny, exactly once

# Parameters: the named numbers a commissioner may want to change. Give each its source; mark a
# modelled value with `assumption:`. `qframe test` and the Python API can replace them for a run.
parameters:
  point_value:
    value: £156.92
    doc: Value of one point for a practice of average list size.
    source: QOF 2014/15, England (GMS)
  average_list_size:
    value: 7052
    doc: National average list size, the denominator of the Contractor Population Index.
    source: QOF 2014/15 (list sizes at 1 January 2014)
  prevalence_adjusted:
    value: true
    doc: Whether an indicator's payment is adjusted for the practice's prevalence of its group.
    assumption: as QOF 2014/15, where public-health indicators such as BP002 are not adjusted

# Inputs: the measures read from the data (docs/data-model.md). `key: indicator` reads the rows
# keyed by the indicator's id (DM007); `key: group` those keyed by the indicator's group (DM).
inputs:
  list_size: {{doc: Registered patients}}
  register: {{key: group, doc: Patients on the register of the indicator's group}}
  numerator: {{key: indicator, doc: Patients meeting the indicator}}
  denominator: {{key: indicator, doc: Patients the indicator applies to (net of exceptions)}}
  exceptions: {{key: indicator, default: 0, doc: Patients exception-reported (reported but not used)}}

# Definitions: named pieces of the calculation, so that the rules read like the rule book.
define:
  cpi:
    expr: list_size / average_list_size
    title: Contractor Population Index
  prevalence(g): register(g) / list_size
  national_prevalence(g):
    expr: sum(register(g)) / sum(list_size)
    doc: Prevalence of group g pooled over every practice in the data, period by period.
  apdf(g):
    expr: prevalence(g) / national_prevalence(g)
    title: Adjusted Practice Disease Factor

# Rules: computed for every indicator, practice and period; each is a column of indicators.csv.
rules:
  achievement: numerator / denominator
  points: max_points * slide(achievement, lower, upper)
  payment: points * point_value * cpi * (if prevalence_adjusted then apdf(group) else 1)

# Kinds: families of indicators that replace some of the rules.
kinds:
  register:
    doc: Full points when the practice keeps the register (at least one patient on it).
    achievement: if register > 0 then 1 else 0
    points: max_points * achievement
  achievement:
    doc: Points slide between the lower and upper thresholds.

# Indicators: each id is the key of its measures in the data. Add yours here.
indicators:
  DM017:
    title: Register of patients aged 17+ with diabetes
    group: DM
    domain: clinical
    kind: register
    max_points: 6
    source: QOF 2014/15 indicator DM017
  DM007:
    title: Diabetes patients whose latest HbA1c is 59 mmol/mol or less
    group: DM
    domain: clinical
    kind: achievement
    max_points: 17
    thresholds: 35% .. 75%
    source: QOF 2014/15 indicator DM007
  BP002:
    title: Patients aged 45+ with a blood pressure recorded in the last 5 years
    group: BP
    domain: public_health
    kind: achievement
    max_points: 15
    thresholds: 50% .. 90%
    params: {{prevalence_adjusted: false}}     # public health: no prevalence adjustment
    source: QOF 2014/15 indicator BP002

# Totals: per practice and period; each is a column of units.csv.
totals:
  points: sum(points, over=indicators)
  available_points: sum(max_points, over=indicators)
  payment: sum(payment, over=indicators)
"""

README_TEMPLATE = """\
# {title}

`{id}` is a quality framework for primary care, defined in [framework.yaml](framework.yaml) and
run with qframe. (Say here what it is for, who pays whom, and for which years.)

## Where every number comes from

Every number the framework uses is either published (give the document and the page) or an
assumption (give the reasoning). Keep this table in step with `framework.yaml`: `qframe diff`
lists every number that changed between two versions.

| what | value | where it is set | source |
|---|---|---|---|
| value of a point | £156.92 | `parameters.point_value` | QOF 2014/15, England (GMS) |
| national average list size | 7052 | `parameters.average_list_size` | QOF 2014/15 (1 January 2014) |
| DM017 maximum points | 6 | `indicators.DM017` | QOF 2014/15 indicator DM017 |
| DM007 maximum points, thresholds | 17, 35% .. 75% | `indicators.DM007` | QOF 2014/15 indicator DM007 |
| BP002 maximum points, thresholds | 15, 50% .. 90% | `indicators.BP002` | QOF 2014/15 indicator BP002 |
| national prevalence | computed | `define.national_prevalence` | pooled over the practices in the data |

## Assumptions

Assumptions are parameters, marked `assumption:` in `framework.yaml`, so that they are visible,
recorded in every run's `manifest.json`, and can be varied
(`fw.evaluate(data, params={{"point_value": 180.0}})` in Python, `params:` in a test case).

| parameter | value | assumption |
|---|---|---|
| `prevalence_adjusted` | true (false for BP002) | as QOF 2014/15: public-health indicators are not adjusted for prevalence |

## Tests

`tests/*.yaml` hold hand-computed cases: small datasets with the results worked out by hand
(the arithmetic is in each case's `doc:`). Add one for every rule you change; see
docs/testing-definitions.md in the qframe repository.

## Running

```sh
qframe validate {folder}
qframe test {folder}
qframe evaluate {folder} --data data/sample --out out/{id}
qframe diff frameworks/qof_2014 {folder} --data data/sample
```
"""

EXAMPLE_TEST = """\
# A definition test (docs/testing-definitions.md): a small dataset, inline, with its results
# worked out by hand. `qframe test {folder}` evaluates the framework on it and compares.
name: Two practices worked by hand
doc: |
  Round numbers replace the published ones (params), so the arithmetic can be done by hand:
  point_value £100, average_list_size 5000.
  National DM prevalence, pooled: (480 + 160) / (6000 + 4000) = 6.4%.
  P001: cpi 6000 / 5000 = 1.2; DM prevalence 480 / 6000 = 8%; apdf 8% / 6.4% = 1.25.
    DM017: register held, 6 points; £ = 6 x 100 x 1.2 x 1.25 = 900
    DM007: 330 / 440 = 75%, the upper threshold: 17 points; £ = 17 x 100 x 1.2 x 1.25 = 2550
    BP002: 2100 / 3000 = 70%: (70 - 50) / (90 - 50) x 15 = 7.5 points; not prevalence adjusted:
           £ = 7.5 x 100 x 1.2 = 900
    total: 30.5 points, £900 + £2550 + £900 = £4350
  P002: cpi 4000 / 5000 = 0.8; DM prevalence 160 / 4000 = 4%; apdf 4% / 6.4% = 0.625.
    DM017: 6 points; £ = 6 x 100 x 0.8 x 0.625 = 300
    DM007: 88 / 160 = 55%: (55 - 35) / (75 - 35) x 17 = 8.5 points; £ = 8.5 x 100 x 0.8 x 0.625 = 425
    BP002: 1900 / 2000 = 95%, above the upper threshold: 15 points; £ = 15 x 100 x 0.8 = 1200
    total: 29.5 points, £300 + £425 + £1200 = £1925
params: {{point_value: £100, average_list_size: 5000}}
data:
  units:
    - {{unit_id: P001, name: First example practice}}
    - {{unit_id: P002, name: Second example practice}}
  measures:                  # unit_id, period, measure, key, value
    - [P001, 2014-15, list_size, "", 6000]
    - [P001, 2014-15, register, DM, 480]
    - [P001, 2014-15, numerator, DM007, 330]
    - [P001, 2014-15, denominator, DM007, 440]
    - [P001, 2014-15, numerator, BP002, 2100]
    - [P001, 2014-15, denominator, BP002, 3000]
    - [P002, 2014-15, list_size, "", 4000]
    - [P002, 2014-15, register, DM, 160]
    - [P002, 2014-15, numerator, DM007, 88]
    - [P002, 2014-15, denominator, DM007, 160]
    - [P002, 2014-15, numerator, BP002, 1900]
    - [P002, 2014-15, denominator, BP002, 2000]
expect:
  indicators:
    - {{unit: P001, period: 2014-15, indicator: DM017, points: 6, payment: £900}}
    - {{unit: P001, period: 2014-15, indicator: DM007, achievement: 75%, points: 17, payment: £2550}}
    - {{unit: P001, period: 2014-15, indicator: BP002, achievement: 70%, points: 7.5, payment: £900}}
    - {{unit: P002, period: 2014-15, indicator: DM017, points: 6, payment: £300}}
    - {{unit: P002, period: 2014-15, indicator: DM007, achievement: 55%, points: 8.5, payment: £425}}
    - {{unit: P002, period: 2014-15, indicator: BP002, achievement: 95%, points: 15, payment: £1200, status: ok}}
  units:
    - {{unit: P001, period: 2014-15, points: 30.5, payment: £4350}}
    - {{unit: P002, period: 2014-15, points: 29.5, payment: £1925}}
  overall: {{payment: £6275}}
"""

FILES = ("framework.yaml", "README.md", "tests/example.yaml")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def framework_id(name: str) -> str:
    """The framework id for a folder name: lower case, anything but letters and digits as `_`."""
    ident = re.sub(r"[^a-z0-9_]+", "_", name.strip().lower()).strip("_")
    if not _ID.match(ident):
        raise QframeError(
            [
                error(
                    "I001",
                    f"cannot make a framework id from `{name}`",
                    None,
                    "give a name that starts with a letter, e.g. my_framework",
                )
            ],
            ExitCode.USAGE,
        )
    return ident


def create(name: str, parent: str | Path = ".") -> Path:
    """Create the framework folder ``parent/name`` and return its path. Never overwrites: an
    existing folder (or file) of that name is :class:`~qframe.errors.diagnostics.FileProblem`."""
    if name.strip() in (".", "..") or Path(name).name != name or "\\" in name:
        raise QframeError(
            [
                error(
                    "I003",
                    f"`{name}` is a path, not a folder name: the folder is made inside --dir only",
                    None,
                    f"give the parent folder with --dir, e.g. qframe init {Path(name).name or 'my_framework'} --dir {Path(name).parent}",
                )
            ],
            ExitCode.USAGE,
        )
    folder = Path(parent) / name
    ident = framework_id(folder.name)
    if folder.exists():
        raise FileProblem(
            [
                error(
                    "I002",
                    f"{folder} already exists",
                    None,
                    "qframe init never overwrites: choose another name, or another parent folder with --dir",
                )
            ],
            ExitCode.FILE_ERROR,
        )
    title = ident.replace("_", " ").capitalize() + " quality framework"
    shown = folder.as_posix()
    values = {"id": ident, "title": title, "folder": shown}
    texts = {
        "framework.yaml": FRAMEWORK_TEMPLATE.format(**values),
        "README.md": README_TEMPLATE.format(**values),
        "tests/example.yaml": EXAMPLE_TEST.format(**values),
    }
    try:
        folder.mkdir(parents=True, exist_ok=False)
        (folder / "tests").mkdir()
        for rel, text in texts.items():
            (folder / rel).write_text(text, encoding="utf-8")
    except FileExistsError:  # created by someone else in the meantime
        raise FileProblem(
            [error("I002", f"{folder} already exists", None, "choose another name")],
            ExitCode.FILE_ERROR,
        ) from None
    except OSError as exc:
        raise FileProblem(
            [
                error(
                    "I002",
                    f"cannot create {folder}: {exc.strerror}",
                    None,
                    "check that the parent folder is writable",
                )
            ],
            ExitCode.FILE_ERROR,
        ) from None
    return folder

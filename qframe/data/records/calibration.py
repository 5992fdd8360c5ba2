"""What the synthetic records are calibrated to: per group and indicator, the national rates of
QOF 2014-15 (qframe/reference_data, the same figures the practice-level ``qframe synth`` uses),
turned into the probabilities the record generator draws from.

For an indicator, among the patients eligible for it (register, then any denominator-defining
rule), the national figures give the share that succeeds ``s = N / (D + E)`` and the share
excepted ``e = E / (D + E)``. Because the success rule comes first, only patients who fail can be
excepted, so the generator needs P(excepted | fail). Indicators that read the same events (HbA1c
≤ 59, 64, 75; BP ≤ 140/80 and ≤ 150/90) share one *family*: each patient falls in one band of
the family (passing the strictest target, ..., failing all), drawn once, and the exception
probability is solved per band so that every indicator's rates come out right.

Exceptions come from sources shared by every indicator of a group (unsuitable, informed dissent,
invitations, new diagnosis, new registration: probability ``q``) and from the family's own codes
(probability ``h`` per band, given only to patients who fail the family), independent of each
other: 1 - p = (1 - q)(1 - h).

>>> plan = family_plan((0.60, 0.68, 0.79), (0.135, 0.117, 0.088))
>>> [round(b, 3) for b in plan.bands]
[0.6, 0.08, 0.11, 0.21]
>>> [round(p, 3) for p in plan.excepted]
[0.0, 0.225, 0.264, 0.419]
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from qframe.data.synth import reference

# group → prevalence-weight of each age band [MODEL], bands (lower ages) in AGE_BANDS
AGE_BANDS: tuple[int, ...] = (0, 17, 30, 45, 65, 75, 85)
AGE_SHARE: tuple[float, ...] = (
    0.195,
    0.165,
    0.20,
    0.26,
    0.095,
    0.06,
    0.025,
)  # [MODEL] England-like
AGE_RISK: dict[str, tuple[float, ...]] = {  # relative risk by age band [MODEL]
    "DM": (0.0, 0.15, 0.5, 1.5, 3.0, 3.2, 2.8),
    "HYP": (0.005, 0.05, 0.4, 1.8, 4.5, 6.0, 6.5),
    "CHD": (0.0, 0.01, 0.1, 1.0, 4.0, 7.0, 9.0),
    "AF": (0.0, 0.01, 0.05, 0.6, 3.5, 8.0, 14.0),
    "STIA": (0.0, 0.02, 0.1, 0.8, 3.5, 7.0, 11.0),
    "CKD": (0.0, 0.0, 0.05, 0.6, 4.0, 9.0, 16.0),
}
GROUPS: tuple[str, ...] = ("DM", "CKD", "CHD", "STIA", "AF", "HYP")  # precedence for shared events

# indicator → (group, family, grace months for new diagnosis/registration, eligible share of the
# register or None when every register patient is eligible)
INDICATORS: dict[str, tuple[str, str, int]] = {
    "DM002": ("DM", "bp", 9), "DM003": ("DM", "bp", 9), "DM004": ("DM", "chol", 9),
    "DM006": ("DM", "acearb", 3), "DM007": ("DM", "hba1c", 9), "DM008": ("DM", "hba1c", 9),
    "DM009": ("DM", "hba1c", 9), "DM012": ("DM", "foot", 3), "DM014": ("DM", "education", 9),
    "DM018": ("DM", "flu", 3),
    "HYP006": ("HYP", "bp", 9),
    "CHD002": ("CHD", "bp", 9), "CHD005": ("CHD", "antiplatelet", 3),
    "CHD006": ("CHD", "acearb", 3), "CHD007": ("CHD", "flu", 3),
    "AF004": ("AF", "anticoag", 3), "AF005": ("AF", "anticoag_or_antiplatelet", 3),
    "STIA003": ("STIA", "bp", 9), "STIA007": ("STIA", "antiplatelet", 3),
    "STIA008": ("STIA", "referral", 1), "STIA009": ("STIA", "flu", 3),
    "CKD002": ("CKD", "bp", 9), "CKD003": ("CKD", "acearb", 3), "CKD004": ("CKD", "acr", 3),
}  # fmt: skip

# Indicators with a denominator-defining rule: the eligible share of the register comes from the
# national figures ((D + E) / register).
SUBSET_INDICATORS: tuple[str, ...] = ("DM006", "DM014", "CHD006", "AF004", "AF005", "STIA007",
                                      "STIA008", "CKD003")  # fmt: skip

# Group-level exception sources [MODEL]: yearly probabilities per register patient.
UNSUITABLE = 0.02
DISSENT = 0.01
INVITED_THREE_TIMES = 0.01
NEW_REGISTRATIONS = 0.06  # share of the list registered in the last 12 months [MODEL]
NEW_DIAGNOSIS_DEFAULT = 0.05  # share of a register first diagnosed in the last 12 months [MODEL]
UNMEASURED_SHARE = (
    0.35  # of patients failing a measurement family: no reading in the window [MODEL]
)


@dataclass(frozen=True)
class FamilyPlan:
    """Band probabilities (pass the strictest target, ..., fail all) and P(excepted | band)."""

    bands: tuple[float, ...]
    excepted: tuple[float, ...]


def family_plan(success: tuple[float, ...], exceptions: tuple[float, ...]) -> FamilyPlan:
    """Bands and exception probabilities from the success and exception shares of a family's
    indicators, strictest target first."""
    bands = [success[0]] + [max(0.0, b - a) for a, b in itertools.pairwise(success)]
    bands.append(max(0.0, 1.0 - success[-1]))
    excepted = [0.0]
    tail = [*exceptions, 0.0]
    for k in range(1, len(bands)):
        need = tail[k - 1] - tail[k]
        excepted.append(min(1.0, max(0.0, need / bands[k])) if bands[k] > 0 else 0.0)
    return FamilyPlan(tuple(bands), tuple(excepted))


@dataclass(frozen=True)
class Targets:
    """National figures the records are calibrated to."""

    prevalence: dict[str, float]  # register / list size
    success: dict[str, float]  # N / (D + E)
    excepted: dict[str, float]  # E / (D + E)
    eligible: dict[str, float]  # (D + E) / register
    achievement: dict[str, float]  # N / D


def targets() -> Targets:
    ref = reference()
    register = {str(g): float(v) for g, v in ref.groups["register"].items()}
    list_size = {str(g): float(v) for g, v in ref.groups["list_size"].items()}
    prevalence = {g: register[g] / list_size[g] for g in GROUPS}
    success, excepted, eligible, achievement = {}, {}, {}, {}
    by_id = {i.indicator: i for i in ref.indicators}
    for name, (group, _, _) in INDICATORS.items():
        ind = by_id[name]
        total = ind.denominator + ind.exceptions
        success[name] = ind.numerator / total
        excepted[name] = ind.exceptions / total
        eligible[name] = total / register[group]
        achievement[name] = ind.numerator / ind.denominator
    return Targets(prevalence, success, excepted, eligible, achievement)

"""An independent reference computation of the QOF 2014/15 business rules, in plain pandas.

Deliberately NOT written in qframe's language: it is what the language-based record engine is
checked against. Every number is a named parameter (:data:`PARAMETERS`) with its source; every
rule not verified against the 2014/15 business rules is marked [MODEL] (in the parameter table or
in the rule's text). Source of the rule shapes: the research pack
(../shared/research/qof_2014_15/business_rules.md: HYP006, DM007 and AF004 worked through).

Semantics (business_rules.md §1):
- population: patients registered at a practice on PPED (a registration with start ≤ PPED and
  no end or end ≥ PPED) and alive on PPED; list_size counts them per practice [MODEL: QOF's list
  size is the 1 January count];
- a register is its rules in order; an indicator is its register, then its rules in order, the
  first rule that fires decides the patient: SELECT → numerator and denominator; REJECT with a
  reason → an exception (off the denominator, counted in ``exceptions``); EXCLUDE → not in this
  indicator at all (a denominator-defining rule such as "CHADS2 > 1": not an exception); patients
  no rule catches → denominator only;
- a window "within N months of PPED" holds the dates from PPED − N months + 1 day to PPED, both
  inclusive (12 months → 2014-04-01..2015-03-31).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

CODES = Path(__file__).resolve().parents[2] / "frameworks" / "qof_2014" / "codes"
BR = "business_rules.md"


@dataclass(frozen=True)
class Parameter:
    value: object
    source: str
    model: bool = False  # True: [MODEL], not verified against the 2014/15 business rules


PARAMETERS: dict[str, Parameter] = {
    "pped": Parameter(dt.date(2015, 3, 31), f"{BR} §1: PPED 31 March 2015"),
    "year_months": Parameter(12, f"{BR} §1: 12-month look-backs in 2014/15"),
    "outcome_grace_months": Parameter(9, f"{BR} taxonomy: 9 months for outcome targets"),
    "process_grace_months": Parameter(3, f"{BR} taxonomy: 3 months for process/prescribing"),
    "invitations": Parameter(3, f"{BR} taxonomy: three invitations in the year (2014/15)"),
    "dm_min_age": Parameter(17, f"{BR} §3: DM017 register 17+"),
    "ckd_min_age": Parameter(18, "national_figures.md: CKD register 18+"),
    "hba1c_target_dm007": Parameter(59.0, "indicators.csv DM007 (mmol/mol)"),
    "hba1c_target_dm008": Parameter(64.0, "indicators.csv DM008 (mmol/mol)"),
    "hba1c_target_dm009": Parameter(75.0, "indicators.csv DM009 (mmol/mol)"),
    "bp_150_90": Parameter((150.0, 90.0), "indicators.csv HYP006/DM002/CHD002/STIA003 (mmHg)"),
    "bp_140_80": Parameter((140.0, 80.0), "indicators.csv DM003 (mmHg)"),
    "bp_140_85": Parameter((140.0, 85.0), "indicators.csv CKD002 (mmHg)"),
    "cholesterol_target": Parameter(5.0, "indicators.csv DM004 (mmol/L)"),
    "chads2_cut": Parameter(1.0, f"{BR} §4: AF004 CHADS2 > 1, AF005 CHADS2 = 1"),
    "anticoag_months": Parameter(6, f"{BR} §4: anticoagulant issued in the last 6 months"),
    "acearb_months": Parameter(6, "[MODEL] 'currently treated' read as an issue in 6 months", True),
    "antiplatelet_months": Parameter(12, "indicators.csv CHD005/STIA007: in last 12 months"),
    "flu_start": Parameter(
        dt.date(2014, 8, 1), "indicators.csv DM018/CHD007/STIA009: 1 Aug-31 Mar"
    ),
    "mi_since": Parameter(dt.date(2011, 4, 1), "indicators.csv CHD006: MI since 1 Apr 2011"),
    "stia_new_since": Parameter(dt.date(2014, 4, 1), "indicators.csv STIA008: on/after 1 Apr 2014"),
    "stia_referral_before_months": Parameter(3, "indicators.csv STIA008: 3 months before"),
    "stia_referral_after_months": Parameter(1, "indicators.csv STIA008: 1 month after"),
    "education_months": Parameter(9, "indicators.csv DM014: within 9 months of joining"),
    "acr_proteinuria": Parameter(30.0, "[MODEL] CKD003 proteinuria: ACR ≥ 30 mg/mmol", True),
    "same_day_lowest": Parameter(True, f"[MODEL] {BR} §2: same-day readings, lowest value", True),
    "resolved_same_day": Parameter(
        True, "[MODEL] a resolved code on the diagnosis day resolves", True
    ),
    "registration_end_inclusive": Parameter(True, "[MODEL] registered on PPED if end ≥ PPED", True),
    "stia_new_diagnosis_months": Parameter(
        1, "[MODEL] STIA008: diagnosed in the last month excepted", True
    ),
}


def param(name: str, overrides: dict[str, object] | None = None) -> object:
    if overrides and name in overrides:
        return overrides[name]
    return PARAMETERS[name].value


@functools.lru_cache(maxsize=4)
def read_cluster_table(folder: Path = CODES) -> pd.DataFrame:
    """Every (system, code) → cluster name, from the cluster CSV files (read with pandas)."""
    frames = []
    for path in sorted(folder.glob("*.csv")):
        table = pd.read_csv(path, comment="#", dtype=str)
        table["cluster"] = path.stem.upper()
        frames.append(table[["system", "code", "cluster"]])
    return pd.concat(frames, ignore_index=True)


def months_before(date: dt.date, months: int) -> pd.Timestamp:
    """The first day of the window of ``months`` months ending on ``date`` (inclusive)."""
    return pd.Timestamp(date) - pd.DateOffset(months=months) + pd.Timedelta(days=1)


class Fields:
    """Per-patient fields of the population, computed from the events of each cluster."""

    def __init__(self, population: pd.DataFrame, events: pd.DataFrame, clusters: pd.DataFrame,
                 pped: dt.date, lowest: bool = True) -> None:  # fmt: skip
        self.index = population.index
        self.pped = pd.Timestamp(pped)
        self.pick = "min" if lowest else "max"  # same-day values: [MODEL] same_day_lowest
        ev = events[events["patient_id"].isin(self.index)]
        ev = ev.merge(clusters, on=["system", "code"], how="inner")
        ev["date"] = pd.to_datetime(ev["date"])
        self.by_cluster = {str(k): g for k, g in ev.groupby("cluster", sort=False)}
        self.cache: dict[tuple[object, ...], pd.DataFrame] = {}

    def events_in(self, names: tuple[str, ...], start: object, end: object) -> pd.DataFrame:
        key = (names, start, end)
        if key not in self.cache:
            self.cache[key] = self.select(names, start, end)
        return self.cache[key]

    def select(self, names: tuple[str, ...], start: object, end: object) -> pd.DataFrame:
        parts = [self.by_cluster[n] for n in names if n in self.by_cluster]
        if not parts:
            return pd.DataFrame({
                "patient_id": pd.Series([], dtype="int64"), "system": pd.Series([], dtype=object),
                "code": pd.Series([], dtype=object), "date": pd.Series([], dtype="datetime64[ns]"),
                "value": pd.Series([], dtype="float64")})  # fmt: skip
        ev = pd.concat(parts).drop_duplicates(
            subset=["patient_id", "system", "code", "date", "value"]
        )
        end_ts = self.pped if end is None else pd.Timestamp(end)
        keep = ev["date"] <= end_ts
        if start is not None:
            keep &= ev["date"] >= pd.Timestamp(start)
        return ev[keep]

    def latest_date(self, *names: str, start: object = None, end: object = None) -> pd.Series:
        ev = self.events_in(names, start, end)
        return ev.groupby("patient_id")["date"].max().reindex(self.index)

    def earliest_date(self, *names: str, start: object = None, end: object = None) -> pd.Series:
        ev = self.events_in(names, start, end)
        return ev.groupby("patient_id")["date"].min().reindex(self.index)

    def latest_value(self, *names: str, start: object = None, end: object = None) -> pd.DataFrame:
        """Date and value of the latest valued event; on a day with several, the lowest value."""
        ev = self.events_in(names, start, end)
        ev = ev[ev["value"].notna()]
        last = ev.groupby("patient_id")["date"].transform("max")
        day = ev[ev["date"] == last]
        out = day.groupby("patient_id").agg(date=("date", "max"), value=("value", self.pick))
        return out.reindex(self.index)

    def count(self, *names: str, start: object = None, end: object = None) -> pd.Series:
        ev = self.events_in(names, start, end)
        return ev.groupby("patient_id").size().reindex(self.index).fillna(0).astype(int)

    def has(self, *names: str, start: object = None, end: object = None) -> pd.Series:
        return self.latest_date(*names, start=start, end=end).notna()

    def latest_bp(self, start: object) -> pd.DataFrame:
        """The latest day (in the window) with both a systolic and a diastolic reading, and the
        lowest of each that day [MODEL: same_day_lowest]."""
        sys_ev = self.events_in(("BPSYS_COD",), start, None)
        dia_ev = self.events_in(("BPDIA_COD",), start, None)
        sys_day = sys_ev.groupby(["patient_id", "date"])["value"].agg(self.pick).rename("sys")
        dia_day = dia_ev.groupby(["patient_id", "date"])["value"].agg(self.pick).rename("dia")
        both = pd.concat([sys_day, dia_day], axis=1, join="inner").reset_index()
        both = both.sort_values(["patient_id", "date"]).groupby("patient_id").tail(1)
        return both.set_index("patient_id")[["date", "sys", "dia"]].reindex(self.index)


# ---- population and registers ------------------------------------------------------------


def population(patients: pd.DataFrame, registrations: pd.DataFrame, pped: dt.date,
               end_inclusive: bool = True) -> pd.DataFrame:  # fmt: skip
    """Patients registered and alive on PPED: practice_id, reg_date (start of the registration open
    on PPED), age (full years on PPED), sex; indexed by patient_id."""
    day = pd.Timestamp(pped)
    reg = registrations.copy()
    reg["start_date"] = pd.to_datetime(reg["start_date"])
    reg["end_date"] = pd.to_datetime(reg["end_date"])
    ends_after = (reg["end_date"] >= day) if end_inclusive else (reg["end_date"] > day)
    open_on_pped = (reg["start_date"] <= day) & (reg["end_date"].isna() | ends_after)
    reg = reg[open_on_pped].sort_values(["patient_id", "start_date"]).groupby("patient_id").tail(1)
    pat = patients.copy()
    pat["date_of_birth"] = pd.to_datetime(pat["date_of_birth"])
    death = pd.to_datetime(pat.get("date_of_death", pd.Series(pd.NaT, index=pat.index)))
    pat = pat[death.isna() | (death > day)]
    out = reg[["patient_id", "practice_id", "start_date"]].merge(
        pat[["patient_id", "date_of_birth", "sex"]], on="patient_id", how="inner"
    )
    dob = out["date_of_birth"]
    had_birthday = (dob.dt.month < day.month) | (
        (dob.dt.month == day.month) & (dob.dt.day <= day.day)
    )
    out["age"] = day.year - dob.dt.year - (~had_birthday).astype(int)
    out = out.rename(columns={"start_date": "reg_date"}).set_index("patient_id")
    return out[["practice_id", "reg_date", "age", "sex"]]


def diagnosed_not_resolved(
    f: Fields, diagnosis: tuple[str, ...], resolved: tuple[str, ...], same_day: bool = True
) -> pd.Series:
    """Latest diagnosis on/before PPED, not followed by a resolved code (one on the same day
    resolves: [MODEL] resolved_same_day)."""
    latest = f.latest_date(*diagnosis)
    res = f.latest_date(*resolved) if resolved else pd.Series(pd.NaT, index=f.index)
    kept = (res < latest) if same_day else (res <= latest)
    return latest.notna() & (res.isna() | kept)


GROUP_CODES = {  # group → (diagnosis clusters, resolved clusters, exception/invitation prefix)
    "DM": (("DM_COD",), ("DMRES_COD",), "DM"),
    "HYP": (("HYP_COD",), ("HYPRES_COD",), "HYP"),
    "CHD": (("CHD_COD", "MI_COD"), (), "CHD"),
    "AF": (("AF_COD",), ("AFRES_COD",), "AF"),
    "STIA": (("STIA_COD", "STIAHAEM_COD"), (), "STIA"),
    "CKD": (("CKD_COD",), ("CKDRES_COD",), "CKD"),
}


def registers(
    pop: pd.DataFrame, f: Fields, p: dict[str, object] | None = None
) -> dict[str, pd.Series]:
    out = {}
    for group, (dx, res, _) in GROUP_CODES.items():
        on = diagnosed_not_resolved(f, dx, res, bool(param("resolved_same_day", p)))
        if group == "DM":
            on &= pop["age"] >= int(param("dm_min_age", p))  # type: ignore[call-overload]
        if group == "CKD":
            on &= pop["age"] >= int(param("ckd_min_age", p))  # type: ignore[call-overload]
        out[group] = on
    return out


# ---- indicators: ordered rules, first match wins -----------------------------------------


@dataclass(frozen=True)
class Rule:
    kind: str  # select | reject | exclude
    reason: str | None
    when: pd.Series
    text: str


def decide(on_register: pd.Series, rules: list[Rule]) -> pd.DataFrame:
    """Apply the rules in order to the register's patients: outcome (numerator, denominator,
    exception, excluded), reason and the 1-based number of the rule that fired (0: none)."""
    on = on_register.to_numpy(dtype=bool)
    index = on_register.index[on]
    outcome = np.full(len(index), "denominator", dtype=object)
    reason = np.full(len(index), None, dtype=object)
    fired = np.zeros(len(index), dtype=np.int64)
    open_ = np.ones(len(index), dtype=bool)
    labels = {"select": "numerator", "reject": "exception", "exclude": "excluded"}
    for number, rule in enumerate(rules, start=1):
        when = rule.when.reindex(on_register.index).fillna(False).to_numpy(dtype=bool)[on]
        hit = open_ & when
        outcome[hit], reason[hit], fired[hit] = labels[rule.kind], rule.reason, number
        open_ &= ~hit
    return pd.DataFrame({"outcome": outcome, "reason": reason, "rule": fired}, index=index)


def within(f: Fields, months: int) -> pd.Timestamp:
    return months_before(f.pped.date(), months)


def group_rejects(pop: pd.DataFrame, f: Fields, prefix: str, dx: tuple[str, ...], grace: int,
                  p: dict[str, object] | None) -> list[Rule]:  # fmt: skip
    """The exceptions every indicator of a group ends with: unsuitable, informed dissent, three
    invitations in the year [MODEL: no check that the invitations follow the latest test], newly
    diagnosed and newly registered within ``grace`` months."""
    year = within(f, int(param("year_months", p)))  # type: ignore[call-overload]
    since = within(f, grace)
    first_dx = f.earliest_date(*dx)
    invites = int(param("invitations", p))  # type: ignore[call-overload]
    return [
        Rule("reject", "unsuitable", f.has(f"{prefix}PU_COD", start=year), "unsuitable code in 12 months"),
        Rule("reject", "informed_dissent", f.has(f"{prefix}DEC_COD", start=year), "informed dissent in 12 months"),
        Rule("reject", "invitations", f.count(f"{prefix}INVITE_COD", start=year) >= invites,
             f"{invites} invitations in 12 months"),
        Rule("reject", "new_diagnosis", first_dx >= since, f"first diagnosis within {grace} months"),
        Rule("reject", "new_registration", pop["reg_date"] >= since, f"registered within {grace} months"),
    ]  # fmt: skip


def bp_select(f: Fields, target: tuple[float, float], start: pd.Timestamp) -> pd.Series:
    bp = f.latest_bp(start)
    return (bp["sys"] <= target[0]) & (bp["dia"] <= target[1])


def indicators(pop: pd.DataFrame, f: Fields, regs: dict[str, pd.Series],
               p: dict[str, object] | None = None) -> dict[str, tuple[str, list[Rule]]]:  # fmt: skip
    """indicator → (group, its rules in order)."""
    pv = lambda name: param(name, p)  # noqa: E731
    year = within(f, int(pv("year_months")))  # type: ignore[call-overload]
    outcome_grace, process_grace = int(pv("outcome_grace_months")), int(pv("process_grace_months"))  # type: ignore[call-overload]
    flu_start = pd.Timestamp(pv("flu_start"))  # type: ignore[arg-type]
    acearb = f.has("ACEARB_DRUG", start=within(f, int(pv("acearb_months"))))  # type: ignore[call-overload]
    anticoag = f.has("ANTICOAG_DRUG", start=within(f, int(pv("anticoag_months"))))  # type: ignore[call-overload]
    antiplat = f.has("ANTIPLAT_DRUG", start=within(f, int(pv("antiplatelet_months"))))  # type: ignore[call-overload]
    hypmax = f.has("HYPMAX_COD", start=year)
    bpdec = f.has("BPDEC_COD", start=year)
    flu = f.has("FLU_COD", start=flu_start)
    fludec = f.has("FLUDEC_COD", start=flu_start)
    acearb_ci = f.has("ACEARB_CI_COD", start=year)
    antiplat_ci = f.has("ANTIPLAT_CI_COD", start=year)
    anticoag_ci_persist = f.has("ANTICOAG_CI_PERSIST_COD")
    anticoag_ci_expire = f.has("ANTICOAG_CI_EXPIRE_COD", start=year)
    blddec = f.has("BLDTESTDEC_COD", start=year)

    shared: dict[tuple[str, int], list[Rule]] = {}

    def g(group: str, grace: int) -> list[Rule]:
        dx, _, prefix = GROUP_CODES[group]
        if (group, grace) not in shared:
            shared[(group, grace)] = group_rejects(pop, f, prefix, dx, grace, p)
        return shared[(group, grace)]

    def bp_rules(group: str, target_name: str) -> list[Rule]:
        target = pv(target_name)
        return [
            Rule("select", None, bp_select(f, target, year), f"latest BP in 12 months ≤ {target}"),  # type: ignore[arg-type]
            Rule("reject", "max_tolerated_therapy", hypmax, "maximal antihypertensive therapy in 12 months"),
            Rule("reject", "declined", bpdec, "BP procedure refused in 12 months"),
            *g(group, outcome_grace),
        ]  # fmt: skip

    hba1c = f.latest_value("IFCCHBAM_COD", start=year)
    dmmax = f.has("DMMAX_COD", start=year)

    def hba1c_rules(target_name: str) -> list[Rule]:
        target = float(pv(target_name))  # type: ignore[arg-type]
        return [
            Rule("select", None, hba1c["value"] <= target, f"latest HbA1c in 12 months ≤ {target}"),
            Rule("reject", "max_tolerated_therapy", dmmax, "maximal diabetes therapy in 12 months"),
            Rule("reject", "declined", blddec, "blood test declined in 12 months"),
            *g("DM", outcome_grace),
        ]  # fmt: skip

    def flu_rules(group: str) -> list[Rule]:
        return [
            Rule("select", None, flu, "flu vaccination 1 Aug to PPED"),
            Rule("reject", "declined", fludec, "flu vaccination declined or contraindicated since 1 Aug"),
            *g(group, process_grace),
        ]  # fmt: skip

    chol = f.latest_value("CHOL_COD", start=year)
    dm_first = f.earliest_date("DM_COD")
    education = f.earliest_date("EDUREF_COD")
    edu_deadline = dm_first + pd.DateOffset(months=int(pv("education_months")))  # type: ignore[call-overload]
    chads2 = f.latest_value("CHADS2_COD")["value"]
    cut = float(pv("chads2_cut"))  # type: ignore[arg-type]
    mi = f.latest_date("MI_COD")
    stia_first = f.earliest_date("STIA_COD", "STIAHAEM_COD")
    ref_from = stia_first - pd.DateOffset(months=int(pv("stia_referral_before_months")))  # type: ignore[call-overload]
    ref_to = stia_first + pd.DateOffset(months=int(pv("stia_referral_after_months")))  # type: ignore[call-overload]
    referrals = f.events_in(("STIAREF_COD",), None, f.pped)
    who = referrals["patient_id"]
    in_time = (referrals["date"] >= who.map(ref_from)) & (referrals["date"] <= who.map(ref_to))
    referred = pd.Series(f.index.isin(who[in_time].unique()), index=f.index)
    proteinuria = f.has("PROT_COD") | (
        f.latest_value("ACR_COD")["value"] >= float(pv("acr_proteinuria"))
    )  # type: ignore[arg-type]
    non_haem = f.has("STIA_COD")

    return {
        "DM002": ("DM", bp_rules("DM", "bp_150_90")),
        "DM003": ("DM", bp_rules("DM", "bp_140_80")),
        "DM004": ("DM", [
            Rule("select", None, chol["value"] <= float(pv("cholesterol_target")), "latest cholesterol in 12 months ≤ 5"),  # type: ignore[arg-type]
            Rule("reject", "declined", blddec, "blood test declined in 12 months"),
            *g("DM", outcome_grace)]),
        "DM006": ("DM", [
            Rule("exclude", None, ~f.has("MALB_COD"), "no proteinuria or microalbuminuria code: not in DM006"),
            Rule("select", None, acearb, "ACE-I or ARB issued in 6 months [MODEL]"),
            Rule("reject", "contraindicated", acearb_ci, "ACE-I/ARB contraindicated or declined in 12 months"),
            *g("DM", process_grace)]),
        "DM007": ("DM", hba1c_rules("hba1c_target_dm007")),
        "DM008": ("DM", hba1c_rules("hba1c_target_dm008")),
        "DM009": ("DM", hba1c_rules("hba1c_target_dm009")),
        "DM012": ("DM", [
            Rule("select", None, f.has("FOOTEXAM_COD", start=year), "foot examination in 12 months"),
            Rule("reject", "declined", f.has("FOOTDEC_COD", start=year), "foot examination declined in 12 months"),
            *g("DM", process_grace)]),
        "DM014": ("DM", [
            Rule("exclude", None, ~(dm_first >= year), "first diagnosed before the year: not in DM014"),
            Rule("select", None, (education >= dm_first) & (education <= edu_deadline), "referred to education within 9 months of diagnosis"),
            Rule("reject", "declined", f.has("EDUDEC_COD", start=year), "education declined in 12 months"),
            *g("DM", outcome_grace)]),
        "DM018": ("DM", flu_rules("DM")),
        "HYP006": ("HYP", bp_rules("HYP", "bp_150_90")),
        "CHD002": ("CHD", bp_rules("CHD", "bp_150_90")),
        "CHD005": ("CHD", [
            Rule("select", None, antiplat | f.has("ANTICOAG_DRUG", start=year), "antiplatelet or anticoagulant in 12 months"),
            Rule("reject", "contraindicated", antiplat_ci, "antiplatelet contraindicated or declined in 12 months [MODEL: one class]"),
            *g("CHD", process_grace)]),
        "CHD006": ("CHD", [
            Rule("exclude", None, ~(mi >= pd.Timestamp(pv("mi_since"))), "no MI since 1 Apr 2011: not in CHD006"),  # type: ignore[arg-type]
            Rule("select", None, acearb, "ACE-I or ARB issued in 6 months [MODEL]"),
            Rule("reject", "contraindicated", acearb_ci, "ACE-I/ARB contraindicated or declined in 12 months"),
            *g("CHD", process_grace)]),
        "CHD007": ("CHD", flu_rules("CHD")),
        "AF004": ("AF", [
            Rule("exclude", None, ~(chads2 > cut), "latest CHADS2 absent or ≤ 1: not in AF004"),
            Rule("select", None, anticoag, "anticoagulant in 6 months"),
            Rule("reject", "allergy", anticoag_ci_persist, "anticoagulant allergy or adverse reaction (any date)"),
            Rule("reject", "contraindicated", anticoag_ci_expire, "anticoagulant contraindicated or declined in 12 months"),
            *g("AF", process_grace)]),
        "AF005": ("AF", [
            Rule("exclude", None, ~(chads2 == cut), "latest CHADS2 not 1: not in AF005"),
            Rule("select", None, anticoag | f.has("ANTIPLAT_DRUG", start=within(f, int(pv("anticoag_months")))), "anticoagulant or antiplatelet in 6 months"),  # type: ignore[call-overload]
            Rule("reject", "contraindicated", (anticoag_ci_persist | anticoag_ci_expire) & antiplat_ci, "both classes contraindicated [MODEL]"),
            *g("AF", process_grace)]),
        "STIA003": ("STIA", bp_rules("STIA", "bp_150_90")),
        "STIA007": ("STIA", [
            Rule("exclude", None, ~non_haem, "haemorrhagic stroke only: not in STIA007 [MODEL]"),
            Rule("select", None, antiplat | f.has("ANTICOAG_DRUG", start=year), "antiplatelet or anticoagulant in 12 months"),
            Rule("reject", "contraindicated", antiplat_ci, "antiplatelet contraindicated or declined in 12 months [MODEL: one class]"),
            *g("STIA", process_grace)]),
        "STIA008": ("STIA", [
            Rule("exclude", None, ~(stia_first >= pd.Timestamp(pv("stia_new_since"))), "first stroke/TIA before 1 Apr 2014: not in STIA008"),  # type: ignore[arg-type]
            Rule("select", None, referred, "referred 3 months before to 1 month after the first diagnosis"),
            *g("STIA", int(pv("stia_new_diagnosis_months")))]),  # type: ignore[call-overload]
        "STIA009": ("STIA", flu_rules("STIA")),
        "CKD002": ("CKD", bp_rules("CKD", "bp_140_85")),
        "CKD003": ("CKD", [
            Rule("exclude", None, ~(regs["HYP"] & proteinuria), "not hypertensive with proteinuria: not in CKD003"),
            Rule("select", None, acearb, "ACE-I or ARB issued in 6 months [MODEL]"),
            Rule("reject", "contraindicated", acearb_ci, "ACE-I/ARB contraindicated or declined in 12 months"),
            *g("CKD", process_grace)]),
        "CKD004": ("CKD", [
            Rule("select", None, f.has("ACR_COD", "PCR_COD", start=year), "urine ACR or PCR in 12 months"),
            *g("CKD", process_grace)]),
    }  # fmt: skip


@dataclass(frozen=True)
class ReferenceResult:
    measures: pd.DataFrame  # unit_id, period, measure, key, value (the practice layer's inputs)
    reasons: pd.DataFrame  # unit_id, indicator, reason, count
    outcomes: pd.DataFrame  # patient_id, practice_id, indicator, group, outcome, reason, rule
    registers: pd.DataFrame  # patient_id × group booleans (registered population only)


def compute(units: pd.DataFrame, patients: pd.DataFrame, registrations: pd.DataFrame,
            events: pd.DataFrame, overrides: dict[str, object] | None = None,
            period: str = "2014-15", clusters: pd.DataFrame | None = None) -> ReferenceResult:  # fmt: skip
    """The counts per practice × indicator (and per patient) by the reference rules."""
    pped = param("pped", overrides)
    assert isinstance(pped, dt.date)
    pop = population(patients, registrations, pped,
                     bool(param("registration_end_inclusive", overrides)))  # fmt: skip
    f = Fields(pop, events, read_cluster_table() if clusters is None else clusters, pped,
               bool(param("same_day_lowest", overrides)))  # fmt: skip
    regs = registers(pop, f, overrides)
    rows: list[pd.DataFrame] = []
    for indicator, (group, rules) in indicators(pop, f, regs, overrides).items():
        decided = decide(regs[group], rules)
        decided["indicator"], decided["group"] = indicator, group
        rows.append(decided)
    outcomes = pd.concat(rows).rename_axis("patient_id").reset_index()
    outcomes["reason"] = outcomes["reason"].astype(object).where(outcomes["reason"].notna(), None)
    outcomes["practice_id"] = pop["practice_id"].reindex(outcomes["patient_id"]).to_numpy()
    unit_ids = pd.Index(units["unit_id"].astype(str), name="unit_id")
    measures: list[pd.DataFrame] = []

    def add(measure: str, key: str, counts: pd.Series) -> None:
        values = counts.reindex(unit_ids).fillna(0).astype(float)
        measures.append(pd.DataFrame({"unit_id": unit_ids, "period": period, "measure": measure,
                                      "key": key, "value": values.to_numpy()}))  # fmt: skip

    add("list_size", "", pop.groupby("practice_id").size())
    reg_frame = pd.DataFrame(regs)
    for group in GROUP_CODES:
        add("register", group, pop.loc[reg_frame[group], "practice_id"].value_counts())
    for indicator, table in outcomes.groupby("indicator", sort=True):
        by = table.groupby("practice_id")["outcome"]
        add("numerator", str(indicator), by.apply(lambda s: (s == "numerator").sum()))
        add(
            "denominator",
            str(indicator),
            by.apply(lambda s: s.isin(["numerator", "denominator"]).sum()),
        )
        add("exceptions", str(indicator), by.apply(lambda s: (s == "exception").sum()))
    exc = outcomes[outcomes["outcome"] == "exception"]
    reasons = (exc.groupby(["practice_id", "indicator", "reason"]).size().rename("count")
               .reset_index().rename(columns={"practice_id": "unit_id"}))  # fmt: skip
    order = ["patient_id", "practice_id", "indicator", "group", "outcome", "reason", "rule"]
    return ReferenceResult(pd.concat(measures, ignore_index=True), reasons,
                           outcomes[order].sort_values(["indicator", "patient_id"], ignore_index=True),
                           reg_frame)  # fmt: skip


def national(result: ReferenceResult) -> pd.DataFrame:
    """Totals over practices: measure × key → value."""
    return result.measures.groupby(["measure", "key"])["value"].sum().unstack(0).fillna(0)


__all__ = ["PARAMETERS", "Fields", "ReferenceResult", "compute", "decide", "national", "np"]

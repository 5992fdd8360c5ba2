"""The indicator families of the synthetic records: for each, who takes part, which band each
patient falls in (pass the strictest target, ..., fail), the events that put them there, and the
exception codes (only for patients who fail). See :mod:`qframe.data.records.calibration`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr

from qframe.data.records import calibration as cal
from qframe.data.records.events import EventSink, Windows, uniform_days

if TYPE_CHECKING:
    from qframe.data.records.synth import Population

GROUP_CODES = {  # group → (unsuitable, informed dissent, invitation) codes
    "DM": ("9h41.", "9h42.", "9OL1."), "HYP": ("9h31.", "9h32.", "9OIA."),
    "CHD": ("9h01.", "9h02.", "9N4K."), "AF": ("9hF0.", "9hF1.", "9Os0."),
    "STIA": ("9h21.", "9h22.", "9Om0."), "CKD": ("9hE0.", "9hE1.", "9Ot0."),
}  # fmt: skip
OWN_CODES = {  # family → its exception codes (None: the family's indicators have none)
    "bp": ["8BL0.", "8I3Y."], "hba1c": ["8BL2."], "chol": ["41M.."], "acearb": ["8I28.", "8I3D."],
    "foot": ["8I6B."], "education": ["8IEz."], "flu": ["9OX5.", "8I6D."],
    "antiplatelet": ["8I24.", "8I67."], "anticoag": ["8I2R.", "8I6N.", "14LK."],
    "anticoag_or_antiplatelet": ["8I2R."],
    # STIA008 and CKD004 have no exception code of their own in the rules: some of their failing
    # patients get the group's informed dissent code instead (which the group's other families
    # allow for: see generate_families' leaks)
    "referral": ["9h22."], "acr": ["9hE1."],
}  # fmt: skip
ANTICOAG = (["di2..", "dix1.", "diy1.", "8B2K."], [0.6, 0.15, 0.15, 0.1])
ANTIPLATELET = (["bu2..", "bu23.", "8B3T."], [0.6, 0.3, 0.1])


def shared_exceptions(group: str, grace: int, new_dx_share: float, conditional: bool) -> float:
    """P(a group-level exception applies): unsuitable, dissent, three invitations, first diagnosis
    or registration within ``grace`` months (``conditional``: every eligible patient was first
    diagnosed in the year, as in DM014 and STIA008)."""
    new_dx = grace / 12 if conditional else new_dx_share * grace / 12
    new_reg = cal.NEW_REGISTRATIONS * grace / 12
    keep = (1 - cal.UNSUITABLE) * (1 - cal.DISSENT) * (1 - cal.INVITED_THREE_TIMES)
    return 1 - keep * (1 - new_dx) * (1 - new_reg)


def plan(group: str, family: str, targets: cal.Targets, pop: Population,
         leak: float | Mapping[str, float] = 0.0) -> tuple[np.ndarray, np.ndarray, float]:  # fmt: skip
    """Band probabilities, P(family exception code | band) for a group's patients, and the
    probability of a group-level exception (``leak``: the probability of a group-level exception
    code another family gives, for every group or by group)."""
    leak = leak.get(group, 0.0) if isinstance(leak, Mapping) else leak
    names = [i for i, (g, f, _) in cal.INDICATORS.items() if g == group and f == family]
    names.sort(key=lambda i: targets.success[i])
    grace = cal.INDICATORS[names[0]][2]
    conditional = names[0] in ("DM014", "STIA008")
    q = shared_exceptions(group, grace, pop.new_dx_share[group], conditional)
    q = 1 - (1 - q) * (1 - leak)
    fp = cal.family_plan(tuple(targets.success[i] for i in names),
                         tuple(targets.excepted[i] for i in names))  # fmt: skip
    excepted = np.array(fp.excepted)
    if len(names) == 1 and (OWN_CODES[family] is None or excepted[1] < q):
        # no codes of its own (or fewer exceptions than the shared ones give): keep achievement
        a = targets.achievement[names[0]]
        s = a * (1 - q) / (1 - a * q)
        return np.array([s, 1 - s]), np.zeros(2), q
    own = np.clip(1 - (1 - excepted) / (1 - q), 0, 1)
    own[0] = 0.0
    return np.array(fp.bands), own, q


def passes(family: str, target_group: str, source_group: str, band: np.ndarray) -> np.ndarray:
    """P(a patient whose events a group ``source_group`` drew, in ``band``, meets the target of
    ``target_group``): for blood pressure the targets differ by group (see :func:`_bp`)."""
    if family != "bp":
        return (band == 0).astype(float)
    if target_group == "CKD":  # 140/85
        table = [1.0, 0.25, 0.0] if source_group == "DM" else [0.692, 0.0]
    else:  # 150/90
        table = {"DM": [1.0, 1.0, 0.0], "CKD": [1.0, 0.5]}.get(source_group, [1.0, 0.0])
    return np.array(table)[band]


class Family:
    """Draws bands with a practice effect, and the family's own exception codes."""

    def __init__(self, pop: Population, sink: EventSink, windows: Windows, spread: float,
                 n_units: int) -> None:  # fmt: skip
        self.pop, self.sink, self.rng, self.w = pop, sink, pop.rng, windows
        self.spread, self.n_units = spread, n_units

    def bands(self, members: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        effect = self.rng.normal(0, self.spread, self.n_units)[self.pop.practice[members]]
        if len(effect):
            effect -= effect.mean()  # few practices: keep the national rate
        z = self.rng.standard_normal(len(members))
        u = ndtr((z + effect) / np.sqrt(1 + self.spread**2))
        return np.searchsorted(np.cumsum(probabilities)[:-1], u, side="right")

    def draw(self, family: str, groups: tuple[str, ...], eligible: dict[str, np.ndarray],
             targets: cal.Targets, leak: float | Mapping[str, float] = 0.0,
             codes_from: int | None = None,
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
        """(members, band, generating group index, coded) of a family; each patient in the first
        of ``groups`` they are eligible in. Exception codes are added for some of those who fail
        (``coded``), dated in the last 12 months or from ``codes_from``."""
        n = len(self.pop.practice)
        taken = np.zeros(n, dtype=bool)
        parts: list[tuple[np.ndarray, ...]] = []
        for g, group in enumerate(groups):
            members = np.flatnonzero(eligible[group] & ~taken)
            taken[members] = True
            probabilities, own, q = plan(group, family, targets, self.pop, leak)
            if parts and len(probabilities) == 2 and len(members):
                probabilities, own = self.adjust(family, groups, group, eligible[group], parts,
                                                 len(members), targets, q)  # fmt: skip
            band = self.bands(members, probabilities)
            coded = (band > 0) & (self.rng.random(len(members)) < own[band])
            codes = OWN_CODES[family]
            if codes:
                day = self.window(members[coded], 12)
                if codes_from is not None:
                    day = uniform_days(
                        self.rng, np.full(len(day), codes_from), np.full(len(day), self.w.pped)
                    )
                self.sink.add_choice(members[coded], codes, [1.0] * len(codes), day, self.rng)
            parts.append((members, band, np.full(len(members), g), coded))
        return tuple(np.concatenate(p) for p in zip(*parts, strict=True))  # type: ignore[return-value]

    @staticmethod
    def adjust(family: str, groups: tuple[str, ...], group: str, eligible: np.ndarray,
               parts: list[tuple[np.ndarray, ...]], n_own: int, targets: cal.Targets,
               q: float) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Bands and exception codes for a group's own patients, given that those also on an
        earlier group's register took that group's events: the group's rates come out right."""
        members, band, source, coded = (np.concatenate(p) for p in zip(*parts, strict=True))
        mine = eligible[members]
        band, source, coded = band[mine], source[mine], coded[mine]
        p_pass = np.zeros(len(band))
        for g, name in enumerate(groups):
            here = source == g
            p_pass[here] = passes(family, group, name, band[here])
        indicator = next(
            i for i, (gr, f, _) in cal.INDICATORS.items() if gr == group and f == family
        )
        total = n_own + len(band)
        s = float(np.clip((targets.success[indicator] * total - p_pass.sum()) / n_own, 0, 1))
        excepted_taken = ((1 - p_pass) * (1 - (1 - q) * (1 - coded))).sum()
        p = (
            (targets.excepted[indicator] * total - excepted_taken) / (n_own * (1 - s))
            if s < 1
            else 0.0
        )
        h = float(np.clip(1 - (1 - float(np.clip(p, 0, 1))) / (1 - q), 0, 1))
        return np.array([s, 1 - s]), np.array([0.0, h])

    def window(self, members: np.ndarray, months: int) -> np.ndarray:
        w = self.w
        start = {12: w.months12, 9: w.months9, 6: w.months6, 3: w.months3, 1: w.months1}[months]
        return uniform_days(self.rng, np.full(len(members), start), np.full(len(members), w.pped))

    def older(self, members: np.ndarray, share: float, code: str | tuple[list[str], list[float]],
              values: np.ndarray | None = None, unit: str = "", months: int = 12) -> None:  # fmt: skip
        """For a share of ``members``: the same kind of event, dated before the window."""
        w = self.w
        start = {12: w.months12, 6: w.months6}[months]
        pick = self.rng.random(len(members)) < share
        chosen = members[pick]
        day = uniform_days(
            self.rng, np.full(len(chosen), start - 365), np.full(len(chosen), start - 1)
        )
        vals = None if values is None else values[pick]
        if isinstance(code, str):
            self.sink.add(chosen, code, day, vals, unit)
        else:
            self.sink.add_choice(chosen, code[0], code[1], day, self.rng, vals, unit)


def _ints(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    return rng.integers(low, high + 1, n).astype(float)


def _bp_values(rng: np.random.Generator, kind: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Systolic and diastolic by kind: 0 ≤140/80, 1 ≤140/85, 2 ≤150/90, 3 between 140/80 and
    150/90, 4 between 140/85 and 150/90, 5 above 150/90."""
    n = len(kind)
    half = rng.random(n) < 0.5
    sys = np.select(
        [kind == 0, kind == 1, kind == 2, (kind == 3) & half, kind == 3, (kind == 4) & half, kind == 4, half],
        [_ints(rng, 100, 140, n), _ints(rng, 100, 140, n), _ints(rng, 100, 150, n),
         _ints(rng, 141, 150, n), _ints(rng, 100, 140, n), _ints(rng, 141, 150, n),
         _ints(rng, 100, 140, n), _ints(rng, 151, 190, n)],
        _ints(rng, 100, 150, n),
    )  # fmt: skip
    dia = np.select(
        [kind == 0, kind == 1, kind == 2, (kind == 3) & half, kind == 3, (kind == 4) & half, kind == 4, half],
        [_ints(rng, 55, 80, n), _ints(rng, 55, 85, n), _ints(rng, 55, 90, n),
         _ints(rng, 55, 90, n), _ints(rng, 81, 90, n), _ints(rng, 55, 85, n),
         _ints(rng, 86, 90, n), _ints(rng, 60, 110, n)],
        _ints(rng, 91, 110, n),
    )  # fmt: skip
    return sys, dia


def _bp(fam: Family, targets: cal.Targets, eligible: dict[str, np.ndarray],
        leaks: Mapping[str, float]) -> None:  # fmt: skip
    rng, sink, w = fam.rng, fam.sink, fam.w
    groups = ("DM", "CKD", "CHD", "STIA", "HYP")
    members, band, g, _ = fam.draw("bp", groups, eligible, targets, leak=leaks)
    # kind of reading by (generating group, band); -1: failing, no reading in the window
    fail_kind = np.where((g == 1) & (rng.random(len(g)) < 0.5), 4, 5)  # CKD fails: some ≤150/90
    kind = np.select(
        [(g == 0) & (band == 0), (g == 0) & (band == 1), (g == 1) & (band == 0), band == 0],
        [0, 3, 1, 2], fail_kind,
    )  # fmt: skip
    unmeasured = (kind == 5) & (rng.random(len(kind)) < cal.UNMEASURED_SHARE)
    read = members[~unmeasured]
    sys, dia = _bp_values(rng, kind[~unmeasured])
    day = uniform_days(rng, np.full(len(read), w.months12), np.full(len(read), w.pped))
    no_unit = (rng.random(len(read)) < 0.005).astype(np.int64)  # a few values without a unit
    zeros = np.zeros(len(read), dtype=np.int64)
    sink.add_coded(read, ["2469."], zeros, day, sys, ["mmHg", ""], no_unit)
    sink.add_coded(read, ["246A."], zeros, day, dia, ["mmHg", ""], no_unit)
    again = rng.random(len(read)) < 0.05  # same-day repeat, higher: the lowest counts [MODEL]
    sink.add(read[again], "246N.", day[again], sys[again] + 10, "mmHg")
    sink.add(read[again], "246P.", day[again], dia[again] + 5, "mmHg")
    earlier = (rng.random(len(read)) < 0.1) & (day > w.months12 + 30)  # an earlier, failing one
    e_day = day[earlier] - rng.integers(1, 30, earlier.sum())
    sink.add(read[earlier], "2469.", e_day, _ints(rng, 160, 180, earlier.sum()), "mmHg")
    sink.add(read[earlier], "246A.", e_day, _ints(rng, 95, 105, earlier.sum()), "mmHg")
    old = members[rng.random(len(members)) < 0.4]  # a reading before the window
    o_day = uniform_days(
        rng, np.full(len(old), w.months12 - 365), np.full(len(old), w.months12 - 1)
    )
    sink.add(old, "2469.", o_day, _ints(rng, 110, 170, len(old)), "mmHg")
    sink.add(old, "246A.", o_day, _ints(rng, 60, 100, len(old)), "mmHg")
    others = np.flatnonzero(~np.isin(np.arange(len(fam.pop.age)), members) & (fam.pop.age >= 18))
    casual = others[rng.random(len(others)) < 0.3]  # adults on no register: a reading
    c_day = uniform_days(rng, np.full(len(casual), w.months12 - 365), np.full(len(casual), w.pped))
    sink.add(casual, "2469.", c_day, _ints(rng, 100, 170, len(casual)), "mmHg")
    sink.add(casual, "246A.", c_day, _ints(rng, 55, 100, len(casual)), "mmHg")


def _measured(fam: Family, members: np.ndarray, band: np.ndarray, code: str,
              unit: str, ranges: list[tuple[float, float]], step: float) -> None:  # fmt: skip
    """A valued test in the window, in the range of the patient's band (the last band: above
    every target, or no test in the window); some older tests; a few without a value."""
    rng, sink, _w = fam.rng, fam.sink, fam.w
    last = len(ranges) - 1
    unmeasured = (band == last) & (rng.random(len(band)) < cal.UNMEASURED_SHARE)
    low = np.array([r[0] for r in ranges])[band]
    high = np.array([r[1] for r in ranges])[band]
    value = low + np.floor(rng.random(len(band)) * ((high - low) / step + 1)) * step
    value = np.round(np.minimum(value, high), 1)
    tested = members[~unmeasured]
    sink.add(tested, code, fam.window(tested, 12), value[~unmeasured], unit)
    fam.older(
        members,
        0.4,
        code,
        np.round(rng.uniform(ranges[0][0], ranges[-1][1], len(members)), 1),
        unit,
    )
    blank = members[rng.random(len(members)) < 0.01]
    sink.add(blank, code, fam.window(blank, 12))


def _presence(fam: Family, members: np.ndarray, band: np.ndarray,
              codes: tuple[list[str], list[float]], months: int = 12) -> None:  # fmt: skip
    """Passing patients have the event in the window; some failing ones had it before."""
    passing, failing = members[band == 0], members[band > 0]
    fam.sink.add_choice(passing, codes[0], codes[1], fam.window(passing, months), fam.rng)
    fam.older(failing, 0.3, codes, months=months)


def _group_codes(fam: Family) -> None:
    """Unsuitable, informed dissent and three invitations in the year per register (and the
    edge cases: an unsuitable code too old to count, two invitations only)."""
    rng, sink, w = fam.rng, fam.sink, fam.w
    for group, (unsuitable, dissent, invite) in GROUP_CODES.items():
        members = np.flatnonzero(fam.pop.on[group])
        r = rng.random(len(members))
        for code, pick in ((unsuitable, r < cal.UNSUITABLE),
                           (dissent, (r >= cal.UNSUITABLE) & (r < cal.UNSUITABLE + cal.DISSENT))):  # fmt: skip
            sink.add(members[pick], code, fam.window(members[pick], 12))
        invited = members[rng.random(len(members)) < cal.INVITED_THREE_TIMES]
        for _ in range(3):
            sink.add(invited, invite, fam.window(invited, 12))
        twice = members[rng.random(len(members)) < 0.01]
        for _ in range(2):
            sink.add(twice, invite, fam.window(twice, 12))
        stale = members[rng.random(len(members)) < 0.01]
        sink.add(stale, unsuitable, uniform_days(rng, np.full(len(stale), w.months12 - 180),
                                                 np.full(len(stale), w.months12 - 1)))  # fmt: skip


def generate_families(pop: Population, sink: EventSink, targets: cal.Targets, windows: Windows,
                      spread: float, n_units: int) -> None:  # fmt: skip
    """Every family's events and exception codes, and the denominator-defining events."""
    fam = Family(pop, sink, windows, spread, n_units)
    rng, w, n, on = pop.rng, windows, len(pop.practice), pop.on
    pped = np.full(n, w.pped)
    # denominator-defining events
    malb = on["DM"] & (rng.random(n) < targets.eligible["DM006"])
    idx = np.flatnonzero(malb)
    sink.add_choice(
        idx,
        ["4674.", "R110."],
        [0.7, 0.3],
        uniform_days(rng, pop.first_dx["DM"][idx], pped[idx]),
        rng,
    )
    mi = on["CHD"] & (rng.random(n) < targets.eligible["CHD006"])
    idx = np.flatnonzero(mi)
    sink.add(
        idx, "G30..", uniform_days(rng, np.maximum(pop.first_dx["CHD"][idx], w.mi_since), pped[idx])
    )
    old_mi = np.flatnonzero(
        on["CHD"] & ~mi & (pop.first_dx["CHD"] < w.mi_since) & (rng.random(n) < 0.1)
    )
    sink.add(old_mi, "G30..", pop.first_dx["CHD"][old_mi])
    r = rng.random(n)
    high = on["AF"] & (r < targets.eligible["AF004"])
    one = on["AF"] & ~high & (r < targets.eligible["AF004"] + targets.eligible["AF005"])
    zero = on["AF"] & ~high & ~one & (rng.random(n) < 0.5)
    scored = np.flatnonzero(high | one | zero)
    score = np.where(high[scored], rng.integers(2, 7, len(scored)), np.where(one[scored], 1, 0))
    s_day = uniform_days(
        rng, np.maximum(pop.first_dx["AF"][scored], w.pped - 3 * 365), pped[scored]
    )
    sink.add(scored, "38DE.", s_day, score.astype(float), "score")
    prior = rng.random(len(scored)) < 0.2  # an older score, different: the latest counts
    sink.add(
        scored[prior], "38DE.", s_day[prior] - 365, ((score[prior] + 2) % 5).astype(float), "score"
    )
    ckd_hyp = on["CKD"] & on["HYP"] & pop.in_pop
    share = (
        targets.eligible["CKD003"] * max(1, (on["CKD"] & pop.in_pop).sum()) / max(1, ckd_hyp.sum())
    )
    prot = on["CKD"] & on["HYP"] & (rng.random(n) < min(1.0, share))
    idx = np.flatnonzero(prot)
    sink.add(idx, "1Z1B.", uniform_days(rng, pop.first_dx["CKD"][idx], pped[idx]))
    new_in_year = {g: on[g] & (pop.first_dx[g] >= w.months12) for g in ("DM", "STIA")}
    non_haem = on["STIA"] & ~pop.haemorrhagic_only

    # the dissent codes STIA008's and CKD004's failing patients get (their families have no
    # codes of their own) except them from the group's other indicators too: those families
    # count them as a further group-level source
    referral, referral_own, _ = plan("STIA", "referral", targets, pop)
    acr, acr_own, _ = plan("CKD", "acr", targets, pop)
    stia_new = new_in_year["STIA"].sum() / max(1, on["STIA"].sum())
    leaks = {
        "STIA": float(stia_new * referral[-1] * referral_own[-1]),
        "CKD": float(acr[-1] * acr_own[-1]),
    }
    _bp(fam, targets, on, leaks)
    _group_codes(fam)
    # HbA1c (with the leak of 'blood test declined', coded for cholesterol failures)
    chol_bands, chol_own, _ = plan("DM", "chol", targets, pop)
    members, band, _, coded = fam.draw(
        "hba1c", ("DM",), on, targets, leak=chol_bands[-1] * chol_own[-1]
    )
    _measured(fam, members, band, "42W5.", "mmol/mol",
              [(38, 59), (60, 64), (65, 75), (76, 120)], 1.0)  # fmt: skip
    members, band, _, coded = fam.draw("chol", ("DM",), on, targets)
    _measured(fam, members, band, "44PJ.", "mmol/L", [(2.5, 5.0), (5.1, 8.0)], 0.1)
    acearb = {"DM": malb, "CKD": prot, "CHD": mi}
    members, band, _, coded = fam.draw("acearb", ("DM", "CKD", "CHD"), acearb, targets, leaks)
    _presence(fam, members, band, (["bi...", "bk..."], [0.7, 0.3]), months=6)
    members, band, _, coded = fam.draw("foot", ("DM",), on, targets)
    _presence(fam, members, band, (["66Ap."], [1.0]))
    members, band, _, coded = fam.draw(
        "flu", ("DM", "CHD", "STIA"), on, targets, leaks, codes_from=w.flu_start
    )
    passing = members[band == 0]
    sink.add(passing, "65E..", uniform_days(rng, np.full(len(passing), w.flu_start), pped[passing]))
    last_season = members[(band > 0) & (rng.random(len(band)) < 0.4)]
    sink.add(last_season, "65E..", uniform_days(rng, np.full(len(last_season), w.flu_start - 365),
                                                np.full(len(last_season), w.flu_start - 200)))  # fmt: skip
    members, band, _, coded = fam.draw(
        "antiplatelet", ("CHD", "STIA"), {"CHD": on["CHD"], "STIA": non_haem}, targets, leaks
    )
    both = (ANTIPLATELET[0] + ANTICOAG[0][:1], [*ANTIPLATELET[1], 0.15])
    _presence(fam, members, band, both)
    members, band, _, coded = fam.draw("anticoag", ("AF",), {"AF": high}, targets)
    _presence(fam, members, band, ANTICOAG, months=6)
    members, band, _, coded = fam.draw("anticoag_or_antiplatelet", ("AF",), {"AF": one}, targets)
    _presence(fam, members, band,
              (ANTICOAG[0][:1] + ANTIPLATELET[0][:1], [0.5, 0.5]), months=6)  # fmt: skip
    sink.add(members[coded], "8I24.", fam.window(members[coded], 12))  # with 8I2R.: both classes
    _education(fam, targets, new_in_year["DM"])
    _referral(fam, targets, new_in_year["STIA"])
    members, band, _, coded = fam.draw("acr", ("CKD",), on, targets)
    value = np.where(prot[members], np.round(rng.uniform(30, 100, len(members)), 1),
                     np.round(rng.uniform(0.5, 29.9, len(members)), 1))  # fmt: skip
    passing = band == 0
    sink.add(members[passing], "46TC.", fam.window(members[passing], 12), value[passing], "mg/mmol")
    fam.older(members[~passing], 0.4, "46TC.", value[~passing], "mg/mmol")


def _education(fam: Family, targets: cal.Targets, eligible: np.ndarray) -> None:
    rng, w = fam.rng, fam.w
    members, band, _, _coded = fam.draw("education", ("DM",), {"DM": eligible}, targets)
    first = fam.pop.first_dx["DM"][members]
    passing = band == 0
    day = uniform_days(rng, first, np.minimum(first + 270, w.pped))
    fam.sink.add(members[passing], "8Hj0.", day[passing])
    late = ~passing & (first + 306 <= w.pped) & (rng.random(len(band)) < 0.2)
    fam.sink.add(members[late], "8Hj0.", first[late] + 277 + rng.integers(0, 30, late.sum()))


def _referral(fam: Family, targets: cal.Targets, eligible: np.ndarray) -> None:
    rng, w = fam.rng, fam.w
    members, band, _, _coded = fam.draw("referral", ("STIA",), {"STIA": eligible}, targets)
    first = fam.pop.first_dx["STIA"][members]
    passing = band == 0
    day = uniform_days(rng, first - 89, np.minimum(first + 28, w.pped))
    fam.sink.add(members[passing], "8HTQ.", day[passing])
    late = ~passing & (first + 90 <= w.pped) & (rng.random(len(band)) < 0.2)
    fam.sink.add(members[late], "8HTQ.", first[late] + 60 + rng.integers(0, 30, late.sum()))

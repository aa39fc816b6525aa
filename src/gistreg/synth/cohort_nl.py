"""The Dutch cohort of seed b: the 110 patients compared (72 sunitinib, 38 imatinib 800 mg) and their outcomes.

Baseline characteristics reproduce seed b's Table 1 counts per arm exactly (sex, stage, site, mitoses, mutation
class; age at diagnosis to the published mean and SD; tumour size and first-line duration to the published
median and range). Progression-free survival follows the crossing-curve model of the research notes
(domain.md §4.2): Weibull in the sunitinib arm, a mixture of fast progressors and durable responders in the
escalation arm. Among candidate draws derived from the seed, the one whose log-rank p is closest to 0.88 is
kept, and event times are mapped (ranks kept) so the Kaplan–Meier medians equal the published ones. Overall
survival from diagnosis is calibrated the same way to 65 deaths and medians of about 63 months. The other 353
patients of the 463 and the background patients are in :mod:`gistreg.synth.nl_background`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from gistreg.synth import calibration as cal
from gistreg.synth._course import (
    NL_CTCAE,
    Baseline,
    LinePlan,
    line_scans,
    plan_later_lines,
    toxicity_ae,
    write_history,
    write_later_lines,
)
from gistreg.synth._stats import km_median, logrank_p
from gistreg.synth._util import DAYS_PER_MONTH, day, fit_median_range, labels, months_to_days, standardise
from gistreg.synth.records import PatientRecord

CUT = day(cal.NL_CUT)
DX_LO = day(cal.NL_DX_WINDOW[0])
_SPAN = CUT - DX_LO
_PROG_MARGIN = 60
_REGORAFENIB_FROM = day(dt.date(2014, 2, 1))
_N_PFS = 300
_N_OS = 60
#: Weibull shape of post-progression survival (choice, tuned so the OS medians from diagnosis reach ~63 months).
_PPS_SHAPE = 1.0
#: Diagnosis dates are DX_LO + room * U ** _DX_SKEW (below 1: skewed to recent years; choice, tuned with the
#: shape so that 65 deaths and OS medians of ~63 months from diagnosis are reached together).
_DX_SKEW = 0.4

_ROLES = {
    "sunitinib": {"pd_stop": 46, "tox_then_prog": 10, "beyond": 8, "ongoing": 5, "tox_nonprog": 3},
    "imatinib800": {"sun3": 27, "other3": 4, "none3": 3, "ongoing": 4},
}
_PROGRESSING = {"pd_stop", "tox_then_prog", "beyond", "sun3", "other3", "none3"}


@dataclass
class _Pt:
    """One of the 110 under construction (days are ordinals or day counts)."""

    arm: str
    b: Baseline
    d1: int
    role: str = ""
    regimen: str = "daily"
    gap: int = 1
    t2: int = 0
    o1: int = 30
    dx: int = 0
    s: int = 0
    extra: int = 0
    gap3: int = 0
    d3: int = 0
    sun3_reason: str = "progression"
    dead: bool = False
    cause: str = "gist_progression"
    extras: dict[str, int] = field(default_factory=dict)

    @property
    def event(self) -> bool:
        return self.role in _PROGRESSING


@dataclass(frozen=True, slots=True)
class NlOutcome:
    """What the calibrated draws achieved."""

    pfs_median_sunitinib: float
    pfs_median_imatinib800: float
    pfs_logrank_p: float
    os_median_sunitinib: float
    os_median_imatinib800: float
    deaths: int


def _baselines(arm: str, rng: np.random.Generator) -> list[Baseline]:
    n = sum(cal.NL_SEX[arm].values())
    sex = labels(cal.NL_SEX[arm], rng)
    stage = labels(cal.NL_STAGE[arm], rng)
    site = labels(cal.NL_SITE[arm], rng)
    mit = labels(cal.NL_MITOSES[arm], rng)
    geno = labels(cal.NL_GENOTYPE[arm], rng)
    mean, sd = cal.NL_AGE[arm]
    while True:
        age = standardise(rng.normal(mean, sd, n), mean, sd)
        if age.min() >= 20 and age.max() <= 89:
            break
    med, lo, hi = cal.NL_SIZE_MM[arm]
    size = np.round(fit_median_range(rng.lognormal(math.log(med), 0.45, n), med, lo, hi, half_gap=0.5), 1)
    out = []
    for i in range(n):
        m = None if mit[i] == "missing" else (int(rng.integers(0, 6)) if mit[i] == "low" else int(rng.integers(6, 61)))
        out.append(Baseline(sex[i], float(age[i]), site[i], stage[i], float(size[i]), m, geno[i]))
    return out


def _patients(rng: np.random.Generator) -> list[_Pt]:
    pts: list[_Pt] = []
    for arm in cal.NL_ARMS:
        bases = _baselines(arm, rng)
        med, lo, hi = cal.NL_FIRST_LINE_MONTHS[arm]
        d1 = fit_median_range(rng.lognormal(math.log(med), 0.85, len(bases)), med, lo, hi)
        roles = labels(_ROLES[arm], rng)
        regimens = labels({"daily": cal.NL_FLOW["sunitinib_37_5_daily"],
                           "4on2off": cal.NL_FLOW["sunitinib_50_4on2off"]}, rng) if arm == "sunitinib" else None
        for i, b in enumerate(bases):
            p = _Pt(arm, b, months_to_days(float(d1[i])), role=roles[i])
            p.regimen = regimens[i] if regimens else "bid"
            p.gap = int(rng.integers(7, 36)) if arm == "sunitinib" else 1
            pts.append(p)
    b3 = [p for p in pts if p.role == "sun3"]
    med, lo, hi = cal.NL_SUNITINIB_AFTER_ESCALATION_MONTHS
    d3 = fit_median_range(rng.lognormal(math.log(med), 0.6, len(b3)), med, lo, hi)
    reasons = labels({"progression": 20, "toxicity": 7}, rng)
    for p, d, r in zip(b3, d3, reasons, strict=True):
        p.gap3, p.d3, p.sun3_reason = int(rng.integers(10, 36)), months_to_days(float(d)), r
        p.extra = p.gap3 + p.d3 + 15
    for p in pts:
        if p.role == "beyond":
            p.extras["ext"] = int(rng.integers(30, 121))
            p.extra = p.extras["ext"] + 15
    return pts


# ---------------------------------------------------------------------------------------------------------------
# Progression-free survival
# ---------------------------------------------------------------------------------------------------------------

def _pfs_draw(rng: np.random.Generator) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Event times (months, calibrated medians) and censoring times per arm."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    k = cal.NL_PFS_SUNITINIB_SHAPE
    n_ev = cal.NL_PFS_EVENTS["sunitinib"]
    scale = cal.NL_PFS_MEDIAN["sunitinib"] / math.log(2) ** (1 / k)
    ev = scale * rng.weibull(k, n_ev)
    out["sunitinib"] = (_fit_km_median(ev, cal.NL_PFS_MEDIAN["sunitinib"], 72), rng.uniform(14, 48, 72 - n_ev))
    n_ev = cal.NL_PFS_EVENTS["imatinib800"]
    (f_fast, m_fast), (_, m_slow) = cal.NL_PFS_ESCALATION_MIXTURE
    fast = rng.random(n_ev) < f_fast
    ev = np.where(fast, rng.exponential(m_fast / math.log(2), n_ev), rng.exponential(m_slow / math.log(2), n_ev))
    out["imatinib800"] = (_fit_km_median(np.minimum(ev, 70.0), cal.NL_PFS_MEDIAN["imatinib800"], 38),
                          rng.uniform(16, 60, 38 - n_ev))
    return out


def _fit_km_median(events: np.ndarray, median: float, n: int) -> np.ndarray:
    """Map event times (ranks kept) so that the KM median (no censoring before it) is ``median``: the two
    event times around S = 0.5 become ``median ∓ 0.05`` months."""
    e = np.maximum(np.sort(events), 0.5)
    k = n // 2  # S(t_k) = (n - k) / n = 0.5 after the k-th event when n is even
    old = [0.0, e[k - 1], e[k], max(e[-1], median + 1.0)]
    new = [0.0, median - 0.05, median + 0.05, max(e[-1], median + 1.0)]
    if n % 2:
        old = [0.0, e[k], max(e[-1], median + 1.0)]
        new = [0.0, median, max(e[-1], median + 1.0)]
    out: np.ndarray = np.maximum(np.interp(e, old, new), 0.45)
    return out


def _pfs_p(draw: dict[str, tuple[np.ndarray, np.ndarray]]) -> float:
    t: list[float] = []
    ev: list[int] = []
    g: list[int] = []
    for gi, arm in enumerate(cal.NL_ARMS):
        e, c = draw[arm]
        d_e = [months_to_days(float(x)) for x in e]
        d_c = [months_to_days(float(x)) for x in c]
        t += d_e + d_c
        ev += [1] * len(d_e) + [0] * len(d_c)
        g += [gi] * (len(d_e) + len(d_c))
    return logrank_p(np.array(t, dtype=np.float64), np.array(ev, dtype=np.int64), np.array(g, dtype=np.int64))


def _assign_pfs(pts: list[_Pt], seed: int, rng: np.random.Generator) -> None:
    best = (math.inf, 0)
    for k in range(_N_PFS):
        pv = _pfs_p(_pfs_draw(np.random.default_rng([seed, 201, k])))
        if abs(pv - cal.NL_PFS_LOGRANK_P) < best[0]:
            best = (abs(pv - cal.NL_PFS_LOGRANK_P), k)
    draw = _pfs_draw(np.random.default_rng([seed, 201, best[1]]))
    for arm in cal.NL_ARMS:
        e, c = draw[arm]
        prog = [p for p in pts if p.arm == arm and p.event]
        cens = [p for p in pts if p.arm == arm and not p.event]
        for p, i in zip(prog, rng.permutation(len(e)), strict=True):
            p.t2 = months_to_days(float(e[int(i)]))
        for p, i in zip(cens, rng.permutation(len(c)), strict=True):
            p.t2 = months_to_days(float(c[int(i)]))
    _make_feasible(pts, rng)


def _need(p: _Pt) -> int:
    o1 = 45 if p.b.stage != "localized" else 250
    return o1 + p.d1 + p.gap + p.t2 + p.extra + _PROG_MARGIN


def _make_feasible(pts: list[_Pt], rng: np.random.Generator) -> None:
    """Swap PFS times within an arm (and within events/censored) until every timeline fits 2009 → the cut."""
    for _ in range(10_000):
        bad = [p for p in pts if _need(p) > _SPAN]
        if not bad:
            return
        p = bad[0]
        pool = [q for q in pts if q.arm == p.arm and q.event == p.event and q is not p and q.t2 < p.t2]
        q = pool[int(rng.integers(len(pool)))]
        p.t2, q.t2 = q.t2, p.t2
        if (p.role == "tox_then_prog" and p.t2 < 60) or (q.role == "tox_then_prog" and q.t2 < 60):
            p.t2, q.t2 = q.t2, p.t2
    raise RuntimeError("cannot fit the seed-b timelines")  # pragma: no cover


# ---------------------------------------------------------------------------------------------------------------
# Overall survival from diagnosis
# ---------------------------------------------------------------------------------------------------------------

def _os_draw(pts: list[_Pt], rng: np.random.Generator) -> np.ndarray:
    """Diagnosis dates and time to first line for one candidate; returns unit post-progression times."""
    unit = rng.weibull(_PPS_SHAPE, len(pts))
    for p in pts:
        base = p.d1 + p.gap + p.t2 + p.extra + _PROG_MARGIN
        if p.b.stage == "localized":
            p.o1 = int(min(rng.uniform(240, 1500), max(240, _SPAN - base - 5)))
        else:
            p.o1 = int(rng.integers(14, 46))
        hi = CUT - base - p.o1
        if p.event:
            p.dx = DX_LO + int(max(0, hi - DX_LO) * rng.random() ** _DX_SKEW)
        else:
            p.dx = CUT - int(rng.integers(5, 61)) - (p.t2 + p.gap + p.d1 + p.o1)
    return unit


def _progression_day(p: _Pt) -> int:
    return p.dx + p.o1 + p.d1 + p.gap + p.t2


@dataclass(frozen=True, slots=True)
class _OsArrays:
    prog: np.ndarray
    event: np.ndarray
    extra: np.ndarray
    dx: np.ndarray
    arm_b: np.ndarray
    unit: np.ndarray

    def survival(self, scale: float) -> np.ndarray:
        out: np.ndarray = np.maximum(np.maximum(14, np.round(self.unit * scale)), self.extra)
        return out

    def dead(self, scale: float) -> np.ndarray:
        out: np.ndarray = self.event & (self.prog + self.survival(scale) <= CUT - 1)
        return out


def _scale_for(a: _OsArrays, mask: np.ndarray, target: int) -> float | None:
    """Scale of post-progression survival giving exactly ``target`` deaths among ``mask``.

    A patient dies before the cut when ``unit * scale`` is at most the room left after progression, i.e. when the
    scale is at most ``room / unit``: the scale is put midway between the target-th and next thresholds.
    """
    room = CUT - 1 - a.prog
    can = mask & a.event & (room >= np.maximum(14, a.extra))
    thr = np.sort(np.where(can, room / np.maximum(a.unit, 1e-9), -1.0))[::-1]
    if target <= 0 or target >= thr.size or thr[target - 1] <= 0:
        return None
    scale = float((thr[target - 1] + max(thr[target], 0.0)) / 2)
    return scale if int((a.dead(scale) & mask).sum()) == target else None


def _os_medians(a: _OsArrays, dead: np.ndarray, surv: np.ndarray) -> tuple[float, float]:
    t = np.where(dead, a.prog + surv - a.dx, CUT - 22 - a.dx) / DAYS_PER_MONTH
    d = dead.astype(np.int64)
    return km_median(t[~a.arm_b], d[~a.arm_b]), km_median(t[a.arm_b], d[a.arm_b])


def _os_fit(pts: list[_Pt], unit: np.ndarray) -> tuple[float, float, float] | None:
    """Scale post-progression survival per arm so that the deaths total the published number and the medians
    from diagnosis are closest to the published ones; sets each patient's survival. Returns (loss, medians)."""
    a = _OsArrays(np.array([_progression_day(p) for p in pts]), np.array([p.event for p in pts]),
                  np.array([p.extra for p in pts]), np.array([p.dx for p in pts]),
                  np.array([p.arm == "imatinib800" for p in pts]), unit)
    best: tuple[float, float, float, np.ndarray, np.ndarray] | None = None
    for d_a in range(36, 50):
        s_a = _scale_for(a, ~a.arm_b, d_a)
        s_b = _scale_for(a, a.arm_b, cal.NL_DEATHS - d_a)
        if s_a is None or s_b is None:
            continue
        surv = np.where(a.arm_b, a.survival(s_b), a.survival(s_a))
        dead = np.where(a.arm_b, a.dead(s_b), a.dead(s_a))
        m_a, m_b = _os_medians(a, dead, surv)
        if math.isnan(m_a) or math.isnan(m_b):
            continue
        loss = abs(m_a - cal.NL_OS_MEDIAN["sunitinib"]) + abs(m_b - cal.NL_OS_MEDIAN["imatinib800"])
        if best is None or loss < best[0]:
            best = (loss, m_a, m_b, surv, dead)
    if best is None:
        return None
    for p, sv, dd in zip(pts, best[3], best[4], strict=True):
        p.s, p.dead = int(sv), bool(dd)
    return best[0], best[1], best[2]


def _assign_os(pts: list[_Pt], seed: int) -> None:
    best = (math.inf, 0)
    for k in range(_N_OS):
        unit = _os_draw(pts, np.random.default_rng([seed, 202, k]))
        fit = _os_fit(pts, unit)
        if fit is not None and fit[0] < best[0]:
            best = (fit[0], k)
    unit = _os_draw(pts, np.random.default_rng([seed, 202, best[1]]))
    if _os_fit(pts, unit) is None:  # pragma: no cover
        raise RuntimeError("no overall-survival draw with the published number of deaths")


def _assign_causes(pts: list[_Pt], rng: np.random.Generator) -> None:
    dead = [p for p in pts if p.dead]
    tox = [p for p in dead if p.role == "pd_stop" and _progression_day(p) >= _REGORAFENIB_FROM and p.s >= 75]
    chosen = tox[int(rng.integers(len(tox)))] if tox else None
    if chosen is not None:
        chosen.cause = "treatment_toxicity"
    rest = [p for p in dead if p is not chosen]
    causes = labels({"non_cancer": cal.NL_DEATH_CAUSES["non_cancer"], "unknown": cal.NL_DEATH_CAUSES["unknown"]},
                    rng)
    for p, i in zip(causes, rng.choice(len(rest), size=len(causes), replace=False), strict=True):
        rest[int(i)].cause = p


# ---------------------------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------------------------

def _write(rec: PatientRecord, rng: np.random.Generator, p: _Pt) -> None:
    first = p.dx + p.o1
    t1e = first + p.d1
    t2s = t1e + p.gap
    p2 = t2s + p.t2
    death = p2 + p.s if p.dead else None
    lc = CUT - int(rng.integers(0, 46))
    end = death if death is not None else lc
    write_history(rec, rng, p.b, p.dx, first, min(CUT, p.dx + int(rng.integers(0, 60))))
    rec.ps(first, int(rng.choice([0, 1], p=[0.55, 0.45])))
    rec.exposure("imatinib", 400, "daily", "palliative", first, "initial", stop=t1e, stop_reason="progression")
    p1 = t1e - int(rng.integers(0, min(8, max(1, p.d1 - 5))))
    base = line_scans(rec, rng, baseline_day=max(p.dx, first - int(rng.integers(3, 22))), start=first, end=p1,
                      best=str(rng.choice(["PR", "SD"], p=[0.55, 0.45])), pd=True, pd_is_baseline=True)
    rec.ps(t2s, int(rng.choice([0, 1, 2], p=[0.4, 0.45, 0.15])))
    best = str(rng.choice(["PR", "SD"], p=[0.25, 0.75]))
    plan: list[LinePlan] = []
    if p.arm == "sunitinib":
        after, used = _write_sunitinib_line(rec, rng, p, t2s, p2, base, best, end)
        used.add("imatinib")
    else:
        after, used = _write_escalation_line(rec, rng, p, t2s, p2, base, best, end, death is not None)
    if p.cause == "treatment_toxicity" and death is not None:
        start = p2 + int(rng.integers(10, 30))
        plan = [LinePlan("regorafenib", 160, "3on1off", None, start, death, "death")]
        rec.adverse_event("Small intestinal perforation", NL_CTCAE, 5, death - int(rng.integers(1, 4)), death,
                          attribution="probable", action="discontinued")
    elif after is not None:
        plan = plan_later_lines(rng, after=after, end=end, dead=death is not None, used=used)
    write_later_lines(rec, rng, plan, end)
    if death is not None:
        rec.vital(death, "dead", death=death, cause=p.cause)
    else:
        rec.vital(max(lc, rec.last_event), "alive")


def _write_sunitinib_line(rec: PatientRecord, rng: np.random.Generator, p: _Pt, t2s: int, p2: int,
                          base: tuple[float, float], best: str, end: int) -> tuple[int | None, set[str]]:
    """Second-line sunitinib by role; returns the day after which later lines may start (or ``None``)."""
    dose = 37.5 if p.regimen == "daily" else 50.0
    role = p.role
    if role in ("pd_stop", "tox_then_prog", "beyond"):
        stop = {"pd_stop": p2, "tox_then_prog": t2s + max(21, round(p.t2 * rng.uniform(0.3, 0.8))),
                "beyond": p2 + p.extras.get("ext", 60)}[role]
        reason = {"pd_stop": "progression", "tox_then_prog": "toxicity",
                  "beyond": str(rng.choice(["patient_choice", "other"]))}[role]
        rec.exposure("sunitinib", dose, p.regimen, "palliative", t2s, "progression", stop=stop, stop_reason=reason)
        if role == "tox_then_prog":
            toxicity_ae(rec, rng, "sunitinib", stop, grade=3, action="discontinued", cap=end)
        line_scans(rec, rng, baseline_day=None, start=t2s, end=p2, best=best, pd=True, pd_is_baseline=True,
                   base=base)
        return max(stop, p2), {"sunitinib"}
    last = t2s + p.t2
    if role == "ongoing" and p.regimen == "4on2off" and p.t2 > 300 and rng.random() < 0.6:
        switch = t2s + int(rng.integers(90, 270))
        rec.exposure("sunitinib", 50, "4on2off", "palliative", t2s, "progression", stop=switch,
                     stop_reason="dose_change")
        rec.exposure("sunitinib", 37.5, "daily", "palliative", switch + 1, "toxicity")
        toxicity_ae(rec, rng, "sunitinib", switch, grade=2, action="dose_reduced", cap=end)
    elif role == "ongoing":
        rec.exposure("sunitinib", dose, p.regimen, "palliative", t2s, "progression")
    else:  # tox_nonprog
        stop = t2s + int(rng.integers(60, max(61, p.t2 - 60)))
        rec.exposure("sunitinib", dose, p.regimen, "palliative", t2s, "progression", stop=stop,
                     stop_reason="toxicity")
        toxicity_ae(rec, rng, "sunitinib", stop, grade=3, action="discontinued", cap=end)
    line_scans(rec, rng, baseline_day=None, start=t2s, end=last, best=best, pd=False, last_exact=True, base=base)
    return None, {"sunitinib"}


def _write_escalation_line(rec: PatientRecord, rng: np.random.Generator, p: _Pt, t2s: int, p2: int,
                           base: tuple[float, float], best: str, end: int, dead: bool) -> tuple[int | None, set[str]]:
    """Imatinib 800 mg after progression on 400 mg, then sunitinib (27 of 38) or another line."""
    if p.role == "ongoing":
        rec.exposure("imatinib", 800, "bid", "palliative", t2s, "progression")
        line_scans(rec, rng, baseline_day=None, start=t2s, end=t2s + p.t2, best=best, pd=False, last_exact=True,
                   base=base)
        return None, {"imatinib"}
    rec.exposure("imatinib", 800, "bid", "palliative", t2s, "progression", stop=p2, stop_reason="progression")
    base3 = line_scans(rec, rng, baseline_day=None, start=t2s, end=p2, best=best, pd=True,
                       pd_is_baseline=p.role != "none3", base=base)
    if p.role == "none3":
        return None, {"imatinib"}
    if p.role == "sun3":
        start = p2 + p.gap3
        stop = start + p.d3
        dose, sched = (37.5, "daily") if rng.random() < 0.6 else (50.0, "4on2off")
        rec.exposure("sunitinib", dose, sched, "palliative", start, "progression", stop=stop,
                     stop_reason=p.sun3_reason)
        prog = p.sun3_reason == "progression"
        if not prog:
            toxicity_ae(rec, rng, "sunitinib", stop, grade=3, action="discontinued", cap=end)
        line_scans(rec, rng, baseline_day=None, start=start, end=stop, best="SD", pd=prog, pd_is_baseline=prog,
                   base=base3)
        return stop, {"imatinib", "sunitinib"}
    start = p2 + int(rng.integers(10, 36))
    if start >= end - 20:
        return None, {"imatinib"}
    options: list[tuple[str, float, str, str | None]] = [
        ("nilotinib", 800.0, "bid", None), ("masitinib", 600.0, "daily", None),
        ("investigational", 100.0, "daily", "NL-TRIAL-BKM")]
    if p.b.genotype == "PDGFRA_EX18_D842V" and start >= day(dt.date(2016, 1, 1)):
        options = [("avapritinib", 300.0, "daily", "NL-TRIAL-AVA")]
    agent, dose, sched, trial = options[int(rng.integers(len(options)))]
    stop3 = start + months_to_days(float(rng.uniform(1, 8)))
    if stop3 >= end - 10:
        rec.exposure(agent, dose, sched, "palliative", start, "progression", stop=end if dead else None,
                     stop_reason="death" if dead else None, trial_id=trial)
        return None, {"imatinib", agent}
    rec.exposure(agent, dose, sched, "palliative", start, "progression", stop=stop3, stop_reason="progression",
                 trial_id=trial)
    line_scans(rec, rng, baseline_day=None, start=start, end=stop3, best="SD", pd=True, pd_is_baseline=False,
               base=base3)
    return None, {"imatinib", agent}


#: One calibrated patient of the 110 (opaque outside this module; written by :func:`write_patient`).
NlPatient = _Pt


def build(seed: int) -> tuple[list[tuple[str, NlPatient]], NlOutcome, np.random.Generator]:
    """Calibrate the 110; returns them (with their arm) and the achieved outcome, before writing."""
    rng = np.random.default_rng([seed, 200])
    pts = _patients(rng)
    _assign_pfs(pts, seed, rng)
    _assign_os(pts, seed)
    _assign_causes(pts, rng)
    pfs = {}
    for arm in cal.NL_ARMS:
        t = np.array([p.t2 for p in pts if p.arm == arm], dtype=np.float64) / DAYS_PER_MONTH
        e = np.array([p.event for p in pts if p.arm == arm], dtype=np.int64)
        pfs[arm] = km_median(t, e)
    t = np.array([p.t2 for p in pts], dtype=np.float64)
    e = np.array([p.event for p in pts], dtype=np.int64)
    g = np.array([p.arm == "imatinib800" for p in pts], dtype=np.int64)
    os_m = {}
    for arm in cal.NL_ARMS:
        tt = np.array([(_progression_day(p) + p.s - p.dx) if p.dead else (CUT - 22 - p.dx)
                       for p in pts if p.arm == arm], dtype=np.float64) / DAYS_PER_MONTH
        ee = np.array([p.dead for p in pts if p.arm == arm], dtype=np.int64)
        os_m[arm] = km_median(tt, ee)
    outcome = NlOutcome(pfs["sunitinib"], pfs["imatinib800"], logrank_p(t, e, g), os_m["sunitinib"],
                        os_m["imatinib800"], sum(p.dead for p in pts))
    return [(p.arm, p) for p in pts], outcome, rng


def write_patient(rec: PatientRecord, rng: np.random.Generator, p: NlPatient) -> None:
    """Write the rows of one calibrated patient."""
    _write(rec, rng, p)


__all__ = ["CUT", "DX_LO", "NlOutcome", "NlPatient", "build", "write_patient"]

"""The Japanese cohort of seed a: 47 patients after imatinib and sunitinib, data cut 31 March 2009.

Flow (seed a, Results): 47 identified → 8 still on sunitinib at the cut (ongoing sunitinib row) → 13 entered
another clinical trial (sunitinib ``stop_reason`` ``trial_entry``, then an ``investigational`` exposure with a
``trial_id``) → 26: 14 imatinib 400 mg rechallenge + BSC (a palliative imatinib row after sunitinib) and 12 BSC
alone (no systemic treatment after sunitinib). Index = sunitinib stop date. Table 1 counts, Table 2 (Choi) and
Table 3 (adverse events) are reproduced exactly; overall survival is calibrated by choosing, among candidate
draws derived from the seed, the one closest to the published HR, deaths and medians (generator note,
domain.md §4.1).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from gistreg.synth import calibration as cal
from gistreg.synth._stats import FloatArray, IntArray, cox_hr, km_median
from gistreg.synth._util import DAYS_PER_MONTH, day, fit_median_range, labels, months_to_days
from gistreg.synth.clinical import choi, recist, scan_days, sequence_for, write_mutation, write_scans
from gistreg.synth.records import PatientRecord, RowBuffer

_CUT = day(cal.JP_CUT)
_WIN_LO, _WIN_HI = day(cal.JP_INDEX_WINDOW[0]), day(cal.JP_INDEX_WINDOW[1])
_EARLIEST_IMATINIB = day(dt.date(2001, 7, 1))
_EARLIEST_SUNITINIB = day(dt.date(2004, 7, 1))
_MEDIAN = math.log(2.0)
_N_CANDIDATES = 1000
#: Median (months) of the drawn time to rechallenge failure before death competes (choice, tuned to TTF 6.0).
_TTF_DRAW_MEDIAN = 8.0


@dataclass
class _Pt:
    """One seed-a patient under construction (days are ordinals)."""

    arm: str
    sex: str = "M"
    ps_post: int = 1
    ps_pre: int = 1
    site: str = "stomach"
    mets: tuple[str, ...] = ()
    best: str = "SD"
    first_stop: str = "progression"
    d1: int = 0
    dsun: int = 0
    age_days: int = 0
    gap1: int = 21
    index: int = 0
    os_days: int = 0
    cens_days: int = 0
    ttf_days: int = 0
    gap2: int = 14
    choi: str = "NE"
    interrupt: bool = False
    aes: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class JpOutcome:
    """What the calibrated draw achieved (for the summary and the documentation)."""

    deaths: int
    hr: float
    median_rechallenge: float
    median_bsc: float
    median_all: float
    ttf_median: float


def _arm_patients(arm: str, rng: np.random.Generator) -> list[_Pt]:
    n = cal.JP_FLOW[arm]
    pts = [_Pt(arm) for _ in range(n)]
    for p, s in zip(pts, labels(cal.JP_SEX[arm], rng), strict=True):
        p.sex = s
    pairs = _ps_pairs(arm)
    for p, i in zip(pts, rng.permutation(n), strict=True):
        p.ps_post, p.ps_pre = pairs[int(i)]
    other = "mesentery" if arm == "rechallenge" else "omentum"
    for p, s in zip(pts, labels(cal.JP_PRIMARY[arm], rng), strict=True):
        p.site = {"small_intestine": "jejunum_ileum" if rng.random() < 0.6 else "small_bowel_nos",
                  "other": other}.get(s, s)
    patterns = [pat for pat, k in cal.JP_METASTASIS_PATTERNS[arm] for _ in range(k)]
    for p, i in zip(pts, rng.permutation(n), strict=True):
        p.mets = patterns[int(i)]
    med, lo, hi = cal.JP_FIRST_IMATINIB_MONTHS[arm]
    d1 = fit_median_range(rng.lognormal(math.log(med), 0.5, n), med, lo, hi)
    med, lo, hi = cal.JP_SUNITINIB_MONTHS[arm]
    dsun = fit_median_range(rng.lognormal(math.log(med), 0.6, n), med, lo, hi)
    med, lo, hi = cal.JP_AGE[arm]
    ages = fit_median_range(rng.normal(med, 8.0, n), med, lo, hi)
    for p, a, b, c in zip(pts, d1, dsun, ages, strict=True):
        p.d1, p.dsun, p.age_days = months_to_days(float(a)), months_to_days(float(b)), round(float(c) * 365.25)
        p.gap1 = int(rng.integers(14, 43))
    _assign_first_line(pts, arm, rng)
    return pts


def _ps_pairs(arm: str) -> list[tuple[int, int]]:
    """(ECOG at sunitinib stop, ECOG at sunitinib start) pairs reproducing Table 1 (PS and its change)."""
    if arm == "rechallenge":
        return [(1, 2), (2, 1)] + [(1, 1)] * 7 + [(2, 2)] * 5
    return [(1, 1)] * 4 + [(2, 1)] * 4 + [(2, 0), (3, 1), (4, 1), (4, 2)]


def _assign_first_line(pts: list[_Pt], arm: str, rng: np.random.Generator) -> None:
    """Best response and stop reason of the first imatinib line (the shortest BSC line is a primary PD)."""
    cats = labels(cal.JP_BEST_RESPONSE[arm], rng)
    order = sorted(range(len(pts)), key=lambda i: pts[i].d1)
    if arm == "bsc":
        cats.remove("PD")
        pts[order[0]].best = "PD"
        rest = order[1:]
    else:
        rest = order
    for i, c in zip(rest, cats, strict=True):
        pts[i].best = c
    n_tox = cal.JP_FIRST_STOP[arm]["toxicity"]
    cand = [i for i in rest if pts[i].best in ("CR", "PR", "SD")]
    for i in rng.choice(cand, size=n_tox, replace=False) if n_tox else []:
        pts[int(i)].first_stop = "toxicity"


def _draw_os(pts: list[_Pt], rng: np.random.Generator) -> None:
    """Index dates, OS and censoring for one candidate draw."""
    fast, slow_median = cal.JP_OS_RECHALLENGE_FAST
    bsc_scale = months_to_days(cal.JP_OS_MEDIAN["bsc"]) / _MEDIAN
    for p in pts:
        earliest = max(_WIN_LO, _EARLIEST_IMATINIB + p.d1 + p.gap1 + p.dsun + 30, _EARLIEST_SUNITINIB + p.dsun)
        p.index = int(rng.integers(min(earliest, _WIN_HI), _WIN_HI + 1))
        if p.arm == "bsc" or rng.random() < fast:
            os_days = rng.exponential(bsc_scale)
        else:
            os_days = rng.exponential(months_to_days(slow_median) / _MEDIAN)
        p.os_days = max(8, round(os_days))
        p.cens_days = max(1, _CUT - p.index - int(rng.integers(0, 31)))


def _draw_ttf(pts: list[_Pt], rng: np.random.Generator) -> None:
    """Start and time to failure of the rechallenge for one candidate draw."""
    for p in pts:
        p.gap2 = int(rng.integers(7, 29))
        p.ttf_days = max(1, round(rng.exponential(months_to_days(_TTF_DRAW_MEDIAN) / _MEDIAN)))


def _arrays(pts: list[_Pt]) -> tuple[FloatArray, IntArray, IntArray]:
    dead = np.array([p.os_days <= p.cens_days for p in pts], dtype=np.int64)
    t = np.array([min(p.os_days, p.cens_days) for p in pts], dtype=np.float64) / DAYS_PER_MONTH
    x = np.array([p.arm == "rechallenge" for p in pts], dtype=np.int64)
    return t, dead, x


def _os_loss(pts: list[_Pt]) -> float | None:
    """Distance of a candidate draw from the published OS (``None`` when infeasible)."""
    t, dead, x = _arrays(pts)
    long_ok = np.array([p.os_days > 80 and p.cens_days > 80 for p in pts])
    need = {a: cal.JP_CHOI[a]["responder"] + cal.JP_CHOI[a]["nonresponder"] for a in cal.JP_ARMS}
    if long_ok[x == 1].sum() < need["rechallenge"] or long_ok[x == 0].sum() < need["bsc"]:
        return None
    deaths = int(dead.sum())
    lo, hi = cal.JP_OS_DEATHS
    if not lo <= deaths <= hi or dead[x == 0].sum() == 0 or dead[x == 1].sum() == 0:
        return None
    hr = cox_hr(t, dead, x)
    m_r, m_b, m_all = km_median(t[x == 1], dead[x == 1]), km_median(t[x == 0], dead[x == 0]), km_median(t, dead)
    if math.isnan(m_b) or math.isnan(m_all):
        return None
    m_r_eff = m_r if not math.isnan(m_r) else 40.0
    return (4.0 * abs(math.log(hr / cal.JP_OS_HR)) + abs(m_b - cal.JP_OS_MEDIAN["bsc"])
            + abs(m_all - cal.JP_OS_MEDIAN["all"]) / 3.0 + abs(m_r_eff - cal.JP_OS_MEDIAN["rechallenge"]) / 10.0
            + 0.3 * abs(deaths - 12))


def _ttf_median(pts: list[_Pt]) -> float:
    """Median time to failure of the rechallenge line (start to stop for any reason or death), months."""
    t_l: list[float] = []
    ev_l: list[int] = []
    for p in pts:
        if p.arm != "rechallenge":
            continue
        start = min(p.gap2, max(1, p.os_days - 2))
        dead = p.os_days <= p.cens_days
        end = p.os_days if dead else p.cens_days
        fail = start + p.ttf_days
        t_l.append(max(1.0, float(min(fail, end) - start)))
        ev_l.append(int(fail <= end or dead))
    return km_median(np.array(t_l) / DAYS_PER_MONTH, np.array(ev_l, dtype=np.int64))


def _calibrate(pts: list[_Pt], seed: int) -> JpOutcome:
    """Choose the outcome draws (among candidates derived from the seed) closest to the published OS and TTF."""
    best: tuple[float, int] = (math.inf, 0)
    for k in range(_N_CANDIDATES):
        _draw_os(pts, np.random.default_rng([seed, 101, k]))
        loss = _os_loss(pts)
        if loss is not None and loss < best[0]:
            best = (loss, k)
    _draw_os(pts, np.random.default_rng([seed, 101, best[1]]))
    best_t: tuple[float, int] = (math.inf, 0)
    for k in range(_N_CANDIDATES // 4):
        _draw_ttf(pts, np.random.default_rng([seed, 102, k]))
        m = _ttf_median(pts)
        loss = abs(m - cal.JP_TTF_MEDIAN) if not math.isnan(m) else math.inf
        if loss < best_t[0]:
            best_t = (loss, k)
    _draw_ttf(pts, np.random.default_rng([seed, 102, best_t[1]]))
    t, dead, x = _arrays(pts)
    return JpOutcome(int(dead.sum()), cox_hr(t, dead, x), km_median(t[x == 1], dead[x == 1]),
                     km_median(t[x == 0], dead[x == 0]), km_median(t, dead), _ttf_median(pts))


def _assign_choi(pts: list[_Pt], arm: str, rng: np.random.Generator) -> None:
    arm_pts = [p for p in pts if p.arm == arm]
    ok = [p for p in arm_pts if p.os_days > 80 and p.cens_days > 80]
    c = cal.JP_CHOI[arm]
    n_eval = c["responder"] + c["nonresponder"]
    chosen = [ok[int(i)] for i in rng.choice(len(ok), size=n_eval, replace=False)]
    cats = labels({"responder": c["responder"], "nonresponder": c["nonresponder"]}, rng)
    for p, cat in zip(chosen, cats, strict=True):
        p.choi = cat
    for p in arm_pts:
        if p not in chosen:
            p.choi = "NE"


def _assign_aes(pts: list[_Pt], arm: str, rng: np.random.Generator) -> None:
    """Worst grade per term per patient exactly as Table 3; every patient with any AE counted as published."""
    arm_pts = [p for p in pts if p.arm == arm]
    col = 0 if arm == "rechallenge" else 2
    for _ in range(10_000):
        plan: list[list[tuple[str, int]]] = [[] for _ in arm_pts]
        for term, g in cal.JP_ADVERSE_EVENTS.items():
            g1, g2 = g[col], g[col + 1]
            who = rng.choice(len(arm_pts), size=g1 + g2, replace=False)
            for j, i in enumerate(who):
                plan[int(i)].append((term, 1 if j < g1 else 2))
        if sum(1 for x in plan if x) == cal.JP_ANY_AE[arm]:
            for p, x in zip(arm_pts, plan, strict=True):
                p.aes = x
            return
    raise RuntimeError("cannot place the seed-a adverse events")  # pragma: no cover


def _choi_followup(rng: np.random.Generator, cat: str, base: float, hu0: float) -> tuple[float, float, bool]:
    """Size, HU and new-lesion flag of the 2-month scan for a Choi category."""
    for _ in range(1000):
        new = False
        if cat == "responder":
            if rng.random() < 0.5:
                ds, dh = rng.uniform(-0.26, -0.12), rng.uniform(-0.10, 0.05)
            else:
                ds, dh = rng.uniform(-0.06, 0.06), rng.uniform(-0.35, -0.18)
        else:
            u = rng.random()
            if u < 0.5:
                ds, dh = rng.uniform(-0.07, 0.07), rng.uniform(-0.10, 0.08)
            elif u < 0.85:
                ds, dh = rng.uniform(0.13, 0.35), rng.uniform(-0.08, 0.10)
            else:
                ds, dh, new = rng.uniform(-0.05, 0.08), rng.uniform(-0.08, 0.08), True
        size, hu = float(round(base * (1 + ds))), float(round(hu0 * (1 + dh)))
        got = choi(base, hu0, size, hu, new)
        if (cat == "responder") == (got in ("PR", "CR")) and got != "NE":
            return size, hu, new
    raise RuntimeError("cannot draw a Choi scan")  # pragma: no cover


def _write_first_line(rec: PatientRecord, rng: np.random.Generator, p: _Pt, start: int, stop: int,
                      not_before: int) -> None:
    """First imatinib line: exposure, scans with the published best response, progression."""
    prog = p.first_stop == "progression"
    rec.exposure("imatinib", 400, "daily", "palliative", start, "initial", stop=stop, stop_reason=p.first_stop)
    end_scan = stop - int(rng.integers(0, min(8, stop - start)))
    need = {"CR": 2, "PR": 1, "SD": 1, "PD": 0, "NE": 1}[p.best]
    days = [] if p.best == "PD" else scan_days(rng, start, end_scan - 40)
    if len(days) < need:
        days = [int(x) for x in np.linspace(start + 7, end_scan - 3, need + 2)[1:-1].round()]
    if prog and p.best != "NE":
        days.append(end_scan)
    resp = sequence_for(p.best, len(days), ends_in_pd=prog and p.best != "NE")
    baseline = start - int(rng.integers(3, max(4, min(22, start - not_before + 1))))
    write_scans(rec, rng, baseline_day=max(baseline, not_before), days=days, responses=resp)
    if prog:
        rec.progression(end_scan, "clinical" if p.best == "NE" else "recist11")


def _write_sunitinib(rec: PatientRecord, rng: np.random.Generator, p: _Pt, sun_start: int, first_stop: int,
                     *, stop: int | None, stop_reason: str | None, final_baseline: bool) -> tuple[float, float]:
    """Sunitinib 50 mg 4/2: exposure, PS at its start, scans (the last one is the PD scan at its end)."""
    rec.exposure("sunitinib", 50, "4on2off", "palliative", sun_start,
                 "toxicity" if p.first_stop == "toxicity" else "progression", stop=stop, stop_reason=stop_reason)
    rec.ps(sun_start, p.ps_pre)
    base_day = first_stop + int(rng.integers(1, max(2, sun_start - first_stop)))
    end = stop if stop is not None else _CUT - int(rng.integers(5, 40))
    base = float(round(rng.lognormal(math.log(100), 0.35)))
    hu0 = float(round(rng.uniform(50, 90)))
    if stop is None:
        days = scan_days(rng, sun_start, end)
        write_scans(rec, rng, baseline_day=base_day, days=days, responses=["SD"] * len(days), base_size=base,
                    base_hu=hu0)
        return base, hu0
    pd_day = stop - int(rng.integers(0, 11)) if final_baseline else stop - int(rng.integers(10, 29))
    pd_day = max(pd_day, sun_start + 1)
    days = scan_days(rng, sun_start, pd_day - 40)
    nadir = write_scans(rec, rng, baseline_day=base_day, days=days, responses=["SD"] * len(days), base_size=base,
                        base_hu=hu0)
    size = float(max(round(nadir * rng.uniform(1.25, 1.45)), nadir + 6))
    hu = float(round(hu0 * rng.uniform(0.95, 1.1)))
    rec.scan(pd_day, baseline=final_baseline, size=size, hu=hu, response="PD", nontarget="nonCR_nonPD")
    rec.progression(pd_day)
    return size, hu


def _prior_history(rec: PatientRecord, rng: np.random.Generator, p: _Pt, first_start: int,
                   sun_start: int) -> int:
    """Patient, diagnosis, mutation, metastasis rows before the first imatinib; returns the diagnosis day."""
    u = rng.random()
    stage = "metastatic" if u < 0.55 else ("localized" if u < 0.9 else "locally_advanced")
    if stage == "localized":
        dx = first_start - int(rng.integers(180, 1500))
        rec.surgery(dx + int(rng.integers(10, 40)), "primary_resection", "R0" if rng.random() < 0.8 else "R1")
    else:
        dx = first_start - int(rng.integers(14, 46))
    birth = p.index - p.age_days if p.index else dx - round(rng.normal(58, 10) * 365.25)
    rec.patient(p.sex, birth, sun_start)
    mit = int(rng.integers(0, 40)) if rng.random() < 0.7 else None
    rec.diagnosis(dx, p.site, stage, size_mm=float(round(rng.lognormal(math.log(80), 0.45))), mitoses=mit,
                  unit="per_50hpf")
    u = rng.random()
    cls = "NOT_TESTED" if u < 0.55 else ("KIT_EX11" if u < 0.85 else ("KIT_EX9" if u < 0.93 else "WT_KIT_PDGFRA_SDH"))
    write_mutation(rec, rng, dx + 30, cls)
    met_day = dx if stage == "metastatic" else first_start - int(rng.integers(3, 21))
    for s in p.mets:
        site = s if s != "other" else str(rng.choice(["lung", "bone", "lymph_node"]))
        rec.metastasis(met_day, site, stage == "metastatic")
    return dx


def _write_analysed(buf: RowBuffer, rng: np.random.Generator, p: _Pt, pid: str, site: str) -> None:
    rec = PatientRecord(buf, pid, site)
    sun_start = p.index - p.dsun
    first_stop = sun_start - p.gap1
    first_start = first_stop - p.d1
    dx = _prior_history(rec, rng, p, first_start, sun_start)
    _write_first_line(rec, rng, p, first_start, first_stop, dx)
    has_baseline = not (p.choi == "NE" and rng.random() < 0.35)
    base, hu0 = _write_sunitinib(rec, rng, p, sun_start, first_stop, stop=p.index, stop_reason="progression",
                                 final_baseline=has_baseline)
    rec.ps(p.index, p.ps_post)
    _sunitinib_aes(rec, rng, sun_start, p.index)
    dead = p.os_days <= p.cens_days
    end = p.index + (p.os_days if dead else p.cens_days)
    treat_start, treat_end = p.index + 1, end
    if p.arm == "rechallenge":
        start = p.index + min(p.gap2, max(1, p.os_days - 2))
        fail = start + p.ttf_days
        stop: int | None = None
        reason: str | None = None
        if dead and end <= fail:
            stop, reason = end, "death"
        elif fail <= end:
            stop, reason = fail, "progression"
        rec.exposure("imatinib", 400, "daily", "palliative", start, "progression", stop=stop, stop_reason=reason)
        if reason == "progression" and stop is not None:
            rec.progression(stop, "clinical")
        treat_start, treat_end = start, stop if stop is not None else end
    if p.choi != "NE" and has_baseline:
        d = p.index + 61 + int(rng.integers(-8, 9))
        size, hu, new = _choi_followup(rng, p.choi, base, hu0)
        resp = recist(base, base, size, new)
        rec.scan(d, baseline=False, size=size, hu=hu, response=resp, new_lesion="yes" if new else "no")
        if resp == "PD":
            rec.progression(d)
    elif has_baseline and p.os_days > 80 and p.cens_days > 80 and rng.random() < 0.5:
        rec.scan(p.index + 61 + int(rng.integers(-8, 9)), baseline=False, size=None, hu=None, response="NE",
                 new_lesion=None, nontarget="NE")
    _post_index_aes(rec, rng, p, treat_start, max(treat_start, treat_end))
    if dead:
        rec.vital(end, "dead", death=end, cause="gist_progression")
    else:
        rec.vital(max(end, rec.last_event), "alive")


def _sunitinib_aes(rec: PatientRecord, rng: np.random.Generator, start: int, stop: int) -> None:
    for term, p in (("Hand-foot skin reaction", 0.5), ("Hypertension", 0.3), ("Fatigue", 0.3)):
        if stop - start > 30 and rng.random() < p:
            onset = start + int(rng.integers(7, min(60, stop - start - 10)))
            rec.adverse_event(term, "3.0", int(rng.integers(1, 3)), onset, min(stop - 1, onset + 30),
                              attribution="probable", action="none")


def _post_index_aes(rec: PatientRecord, rng: np.random.Generator, p: _Pt, lo: int, hi: int) -> None:
    related = p.arm == "rechallenge"
    for k, (term, grade) in enumerate(p.aes):
        span = max(0, hi - lo)
        onset = lo + int(rng.integers(0, span + 1))
        attribution = str(rng.choice(["possible", "probable"] if related else ["unrelated", "unlikely"]))
        action = "interrupted" if related and k == 0 and p.interrupt else "none"
        if grade == 2 and span >= 20 and rng.random() < 0.4:  # a milder episode first
            first = lo + int(rng.integers(0, max(1, span // 2)))
            rec.adverse_event(term, "3.0", 1, first, first + int(rng.integers(3, 10)), attribution=attribution)
            onset = max(onset, first + 10)
            onset = min(onset, hi)
        end = onset + int(rng.integers(7, 46))
        rec.adverse_event(term, "3.0", grade, onset, end if end <= hi else None, attribution=attribution,
                          action=action)


def _write_other(buf: RowBuffer, rng: np.random.Generator, kind: str, pid: str, site: str) -> None:
    """A patient excluded by the study: still on sunitinib at the cut, or entered another trial."""
    p = _Pt("other", sex="M" if rng.random() < 0.6 else "F", ps_pre=int(rng.integers(0, 2)),
            site=str(rng.choice(["stomach", "jejunum_ileum", "stomach", "rectum"])),
            mets=(("liver",), ("peritoneum",), ("liver", "peritoneum"))[int(rng.integers(3))],
            best=str(rng.choice(["PR", "SD", "PR", "CR"])))
    rec = PatientRecord(buf, pid, site)
    if kind == "ongoing":
        sun_start = int(rng.integers(day(dt.date(2008, 6, 1)), day(dt.date(2009, 1, 31)) + 1))
        stop: int | None = None
    else:
        stop = int(rng.integers(day(dt.date(2007, 3, 1)), day(dt.date(2009, 1, 31)) + 1))
        sun_start = stop - months_to_days(float(rng.uniform(3, 14)))
    first_stop = sun_start - int(rng.integers(14, 43))
    first_start = first_stop - months_to_days(float(np.clip(rng.lognormal(math.log(26), 0.45), 6, 70)))
    p.age_days = round(rng.normal(60, 10) * 365.25)
    p.index = sun_start
    dx = _prior_history(rec, rng, p, first_start, sun_start)
    _write_first_line(rec, rng, p, first_start, first_stop, dx)
    _write_sunitinib(rec, rng, p, sun_start, first_stop, stop=stop, stop_reason=None if stop is None else "trial_entry",
                     final_baseline=True)
    if stop is None:
        rec.vital(max(rec.last_event, _CUT - int(rng.integers(0, 25))), "alive")
        return
    t_start = min(stop + int(rng.integers(14, 36)), _CUT - 5)
    t_stop = t_start + months_to_days(float(rng.exponential(4.0)) + 0.5)
    trial = f"JP-TRIAL-{1 + int(rng.integers(0, 2))}"
    if t_stop < _CUT - 10:
        rec.exposure("investigational", 800, "bid", "palliative", t_start, "protocol", stop=t_stop,
                     stop_reason="progression", trial_id=trial)
        rec.progression(t_stop)
        end = min(_CUT, t_stop + months_to_days(float(rng.exponential(5.0)) + 0.3))
        if end < _CUT - 15:
            rec.vital(end, "dead", death=end, cause="gist_progression")
            return
    else:
        rec.exposure("investigational", 800, "bid", "palliative", t_start, "protocol", trial_id=trial)
    rec.vital(max(rec.last_event, _CUT - int(rng.integers(0, 25))), "alive")


def build(buf: RowBuffer, seed: int) -> tuple[dict[str, int], JpOutcome]:
    """Generate the 47 patients into ``buf``; return patients per group and the calibrated OS outcome."""
    rng = np.random.default_rng([seed, 100])
    pts = _arm_patients("rechallenge", rng) + _arm_patients("bsc", rng)
    outcome = _calibrate(pts, seed)
    for arm in cal.JP_ARMS:
        _assign_choi(pts, arm, rng)
        _assign_aes(pts, arm, rng)
    r = [p for p in pts if p.arm == "rechallenge" and p.aes]
    for i in rng.choice(len(r), size=cal.JP_AE_INTERRUPTIONS, replace=False):
        r[int(i)].interrupt = True
    groups = (["rechallenge"] * 14 + ["bsc"] * 12 + ["ongoing"] * cal.JP_FLOW["ongoing_sunitinib"]
              + ["trial"] * cal.JP_FLOW["trial_entry"])
    order = rng.permutation(len(groups))
    sites = [s for s, _ in cal.JP_SITES]
    analysed = iter(pts)
    by_slot: dict[int, _Pt] = {}
    for slot, g in enumerate(groups):
        if g in ("rechallenge", "bsc"):
            by_slot[slot] = next(analysed)
    counters = dict.fromkeys(sites, 0)
    for slot in order:
        slot = int(slot)
        site = sites[int(rng.integers(len(sites)))]
        counters[site] += 1
        pid = f"{site}-{counters[site]:04d}"
        if slot in by_slot:
            _write_analysed(buf, rng, by_slot[slot], pid, site)
        else:
            _write_other(buf, rng, groups[slot], pid, site)
    counts = {"jp_rechallenge": 14, "jp_bsc": 12, "jp_ongoing_sunitinib": cal.JP_FLOW["ongoing_sunitinib"],
              "jp_trial_entry": cal.JP_FLOW["trial_entry"]}
    return counts, outcome


__all__ = ["JpOutcome", "build"]

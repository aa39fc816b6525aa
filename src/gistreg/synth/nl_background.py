"""Dutch patients outside the 110 compared in seed b: the other 353 of the 463 and background patients.

Groups (counts in :mod:`gistreg.synth.calibration`): 8 stopped first-line imatinib 400 mg for intolerance and
went on to sunitinib; 132 still on first-line imatinib at the data cut; 141 with no treatment after first line;
72 with KIT exon 9 or unknown mutation status (not tested, or the test failed) who had a second line; 150
patients with localised GIST who never had palliative treatment (resection, ± adjuvant imatinib); 10 with
advanced GIST whose first palliative line was not imatinib 400 mg (imatinib 800 mg for KIT exon 9, avapritinib
in a trial for PDGFRA D842V).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import numpy as np

from gistreg.synth import calibration as cal
from gistreg.synth._course import (
    Baseline,
    draw_baseline,
    line_scans,
    mitotic_unit,
    plan_later_lines,
    toxicity_ae,
    write_history,
    write_later_lines,
)
from gistreg.synth._util import day, labels, months_to_days
from gistreg.synth.clinical import write_mutation
from gistreg.synth.records import PatientRecord

CUT = day(cal.NL_CUT)
DX_LO = day(cal.NL_DX_WINDOW[0])
_LN2 = math.log(2.0)

Writer = Callable[[PatientRecord, np.random.Generator], None]


def _months(rng: np.random.Generator, median: float, lo: float = 0.5) -> int:
    return months_to_days(max(lo, float(rng.exponential(median / _LN2))))


def _start(rng: np.random.Generator, b: Baseline, need: int, *, earliest: int = DX_LO) -> tuple[int, int]:
    """(diagnosis, first-line start) so that ``need`` days after the start still end before the cut."""
    o1 = int(rng.integers(300, 1500)) if b.stage == "localized" else int(rng.integers(14, 46))
    hi = CUT - 60 - need
    lo = max(earliest, DX_LO + o1)
    if hi < lo:
        o1 = 300 if b.stage == "localized" else 14
        lo = DX_LO + o1
        hi = max(lo, hi)
    first = int(rng.integers(lo, hi + 1))
    return first - o1, first


def _finish(rec: PatientRecord, rng: np.random.Generator, *, prog: int | None, pps_months: float,
            used: set[str], p_later: float, cause: str = "gist_progression") -> None:
    """Later lines after the progression on ``prog`` (if any), then death or the last contact."""
    lc = CUT - int(rng.integers(0, 46))
    if prog is None:
        rec.vital(max(lc, rec.last_event), "alive")
        return
    death = max(prog + 14 + _months(rng, pps_months), rec.last_event + 1)
    dead = death <= CUT - 1
    end = death if dead else lc
    plan = plan_later_lines(rng, after=prog, end=end, dead=dead, used=used, p_start=p_later)
    write_later_lines(rec, rng, plan, end)
    if dead:
        rec.vital(death, "dead", death=death, cause=cause)
    else:
        rec.vital(max(lc, rec.last_event), "alive")


def _first_line(rec: PatientRecord, rng: np.random.Generator, b: Baseline, *, d1: int, stop_reason: str | None,
                next_line: bool, earliest: int = DX_LO, need_after: int = 0) -> tuple[int, int, tuple[float, float]]:
    """History and first-line imatinib 400 mg; returns (start, stop or last scan day, size/HU of the last scan)."""
    dx, first = _start(rng, b, d1 + need_after, earliest=earliest)
    write_history(rec, rng, b, dx, first, min(CUT, dx + int(rng.integers(0, 60))))
    rec.ps(first, int(rng.choice([0, 1], p=[0.5, 0.5])))
    stop = first + d1
    baseline = max(dx, first - int(rng.integers(3, 22)))
    best = str(rng.choice(["PR", "SD"], p=[0.5, 0.5]))
    if stop_reason is None:
        rec.exposure("imatinib", 400, "daily", "palliative", first, "initial")
        return first, stop, line_scans(rec, rng, baseline_day=baseline, start=first, end=stop, best=best, pd=False,
                                       last_exact=True)
    rec.exposure("imatinib", 400, "daily", "palliative", first, "initial", stop=stop, stop_reason=stop_reason)
    pd = stop_reason == "progression"
    end = stop - int(rng.integers(0, min(8, max(1, d1 - 5)))) if pd else stop
    base = line_scans(rec, rng, baseline_day=baseline, start=first, end=end, best=best, pd=pd,
                      pd_is_baseline=next_line)
    if stop_reason == "toxicity":
        toxicity_ae(rec, rng, "imatinib", stop, grade=3, action="discontinued", cap=CUT)
    return first, stop, base


def ongoing_first_line(rec: PatientRecord, rng: np.random.Generator, kind: str) -> None:
    """Still on first-line imatinib at the cut (``kind``: plain, ``tdm`` escalation to 600 mg, ``reduced``)."""
    b = draw_baseline(rng, advanced=True)
    last = CUT - int(rng.integers(5, 61))
    first_lo = max(DX_LO + 400, CUT - months_to_days(96))
    first = int(rng.integers(first_lo, CUT - 120))
    dx = first - (int(rng.integers(300, 1500)) if b.stage == "localized" else int(rng.integers(14, 46)))
    dx = max(dx, DX_LO)
    if b.stage == "localized" and first - dx < 300:
        b.stage = "metastatic"
    write_history(rec, rng, b, dx, first, min(CUT, dx + int(rng.integers(0, 60))))
    rec.ps(first, int(rng.choice([0, 1], p=[0.6, 0.4])))
    change = first + int(rng.integers(90, 361))
    if kind != "plain" and change < last - 30:
        rec.exposure("imatinib", 400, "daily", "palliative", first, "initial", stop=change, stop_reason="dose_change")
        if kind == "tdm":
            rec.exposure("imatinib", 600, "daily", "palliative", change + 1, "tdm_low")
        else:
            rec.exposure("imatinib", 300, "daily", "palliative", change + 1, "toxicity")
            toxicity_ae(rec, rng, "imatinib", change, grade=2, action="dose_reduced", cap=CUT)
    else:
        rec.exposure("imatinib", 400, "daily", "palliative", first, "initial")
    line_scans(rec, rng, baseline_day=max(dx, first - int(rng.integers(3, 22))), start=first, end=last,
               best=str(rng.choice(["PR", "SD"])), pd=False, last_exact=True)
    rec.vital(max(CUT - int(rng.integers(0, 46)), rec.last_event), "alive")


def no_further_treatment(rec: PatientRecord, rng: np.random.Generator, reason: str) -> None:
    """First-line imatinib 400 mg stopped (``reason``) and no systemic treatment afterwards."""
    b = draw_baseline(rng, advanced=True)
    d1 = min(_months(rng, 18.0, 1.0), months_to_days(100))
    if reason == "death":
        _, stop, _ = _first_line(rec, rng, b, d1=d1, stop_reason="death", next_line=False)
        rec.vital(stop, "dead", death=stop, cause="gist_progression" if rng.random() < 0.85 else "unknown")
        return
    _, stop, _ = _first_line(rec, rng, b, d1=d1, stop_reason=reason, next_line=False)
    if reason == "surgery":
        rec.surgery(stop + int(rng.integers(7, 31)), "metastasectomy", "R0")
        _finish(rec, rng, prog=None, pps_months=0, used=set(), p_later=0)
        return
    if reason == "progression":
        _finish(rec, rng, prog=stop, pps_months=6.0, used={"imatinib"}, p_later=0.0)
        return
    lc = CUT - int(rng.integers(0, 46))
    death = stop + _months(rng, 40.0)
    if death <= CUT - 1:
        rec.vital(max(death, rec.last_event), "dead", death=max(death, rec.last_event), cause="gist_progression")
    else:
        rec.vital(max(lc, rec.last_event), "alive")


def second_line_patient(rec: PatientRecord, rng: np.random.Generator, genotype: str | None, first_stop: str) -> None:
    """First line stopped for ``first_stop``, then a second line (sunitinib, or imatinib 800 mg after
    progression); used for the intolerance group and the KIT exon 9 / unknown-genotype group."""
    b = draw_baseline(rng, advanced=True, genotype=genotype)
    d1 = (months_to_days(float(rng.uniform(1, 10))) if first_stop == "toxicity"
          else min(_months(rng, 16.0, 1.0), months_to_days(70)))
    escalate = first_stop == "progression" and rng.random() < (0.7 if genotype == "KIT_EX9" else 0.4)
    d2 = min(_months(rng, 5.0 if escalate else 8.0, 0.7), months_to_days(36))
    _, stop, base = _first_line(rec, rng, b, d1=d1, stop_reason=first_stop, next_line=True, need_after=d2 + 40)
    start = stop + (1 if escalate else int(rng.integers(14, 41)))
    rec.ps(start, int(rng.choice([0, 1, 2], p=[0.4, 0.45, 0.15])))
    lc = CUT - int(rng.integers(0, 46))
    stop2 = start + d2
    reason2 = "progression" if stop2 < lc - 30 else None
    agent, dose, sched = ("imatinib", 800.0, "bid") if escalate else ("sunitinib", 37.5, "daily")
    rec.exposure(agent, dose, sched, "palliative", start, "progression" if first_stop == "progression" else "toxicity",
                 stop=stop2 if reason2 else None, stop_reason=reason2)
    used = {"imatinib", agent}
    own = None if first_stop == "progression" else start - int(rng.integers(1, 10))
    if reason2 is None:
        line_scans(rec, rng, baseline_day=own, start=start, end=lc - int(rng.integers(0, 60)), best="SD", pd=False,
                   last_exact=True, base=base)
        rec.vital(max(lc, rec.last_event), "alive")
        return
    line_scans(rec, rng, baseline_day=own, start=start, end=stop2, best="SD", pd=True, base=base)
    _finish(rec, rng, prog=stop2, pps_months=14.0, used=used, p_later=0.75)


def localised(rec: PatientRecord, rng: np.random.Generator, adjuvant: str) -> None:
    """Localised GIST: resection, ``adjuvant`` imatinib (``none``, ``completed``, ``toxicity``), no recurrence."""
    b = draw_baseline(rng, advanced=False)
    dx = int(rng.integers(DX_LO, CUT - 150))
    rec.patient(b.sex, dx - round(b.age_years * 365.25), min(CUT, dx + int(rng.integers(0, 60))))
    rec.diagnosis(dx, b.site, "localized", size_mm=b.size_mm, mitoses=b.mitoses,
                  unit=mitotic_unit(dx) if b.mitoses is not None else None)
    write_mutation(rec, rng, dx + int(rng.integers(10, 40)), b.genotype)
    resection = dx + int(rng.integers(14, 43))
    rec.surgery(resection, "primary_resection", "R0" if rng.random() < 0.9 else "R1")
    lc = CUT - int(rng.integers(0, 200))
    if adjuvant != "none":
        start = resection + int(rng.integers(21, 57))
        months = 36 if rng.random() < 0.75 else 12
        stop = start + (months_to_days(float(rng.uniform(2, 10))) if adjuvant == "toxicity"
                        else months_to_days(months))
        if stop >= lc:
            rec.exposure("imatinib", 400, "daily", "adjuvant", start, "initial")
        else:
            reason = "toxicity" if adjuvant == "toxicity" else "planned_completion"
            rec.exposure("imatinib", 400, "daily", "adjuvant", start, "initial", stop=stop, stop_reason=reason)
            if adjuvant == "toxicity":
                toxicity_ae(rec, rng, "imatinib", stop, grade=3, action="discontinued", cap=lc)
    if rng.random() < 0.05:
        death = max(rec.last_event + 30, resection + int(rng.integers(200, 3000)))
        if death <= CUT - 1:
            rec.vital(death, "dead", death=death, cause=str(rng.choice(["non_cancer", "other_cancer"])))
            return
    rec.vital(max(lc, rec.last_event), "alive")


def other_first_line(rec: PatientRecord, rng: np.random.Generator, kind: str) -> None:
    """Advanced GIST whose first palliative line is not imatinib 400 mg (``kit9_800`` or ``avapritinib``)."""
    geno = "KIT_EX9" if kind == "kit9_800" else "PDGFRA_EX18_D842V"
    b = draw_baseline(rng, advanced=True, genotype=geno)
    b.stage = "metastatic"
    if kind == "avapritinib":
        first = int(rng.integers(day(dt.date(2016, 1, 1)), day(dt.date(2019, 12, 31))))
        dx = first - int(rng.integers(14, 46))
    else:
        dx, first = _start(rng, b, 400)
    write_history(rec, rng, b, dx, first, min(CUT, dx + int(rng.integers(0, 60))))
    rec.ps(first, int(rng.choice([0, 1])))
    agent, dose, sched, trial = (("imatinib", 800.0, "bid", None) if kind == "kit9_800"
                                 else ("avapritinib", 300.0, "daily", "NL-TRIAL-AVA"))
    stop = first + _months(rng, 20.0, 2.0)
    base_day = max(dx, first - int(rng.integers(3, 22)))
    if stop >= CUT - 90:
        rec.exposure(agent, dose, sched, "palliative", first, "initial", trial_id=trial)
        line_scans(rec, rng, baseline_day=base_day, start=first, end=CUT - int(rng.integers(5, 60)), best="PR",
                   pd=False, last_exact=True)
        rec.vital(max(CUT - int(rng.integers(0, 46)), rec.last_event), "alive")
        return
    rec.exposure(agent, dose, sched, "palliative", first, "initial", stop=stop, stop_reason="progression",
                 trial_id=trial)
    line_scans(rec, rng, baseline_day=base_day, start=first, end=stop, best="PR", pd=True, pd_is_baseline=True)
    _finish(rec, rng, prog=stop, pps_months=18.0, used={agent}, p_later=0.8)


def plan(rng: np.random.Generator) -> list[tuple[str, Writer]]:
    """(group, writer) for every background patient, in a shuffled order."""
    out: list[tuple[str, Writer]] = []

    def add(group: str, fn: Writer, n: int) -> None:
        out.extend((group, fn) for _ in range(n))

    add("nl_intolerance", lambda r, g: second_line_patient(
        r, g, str(g.choice(["KIT_EX11", "KIT_EX11", "KIT_EX11", "KIT_EX13", "PDGFRA_EX18_OTHER",
                            "WT_KIT_PDGFRA_SDH"])), "toxicity"), cal.NL_FLOW["intolerance"])
    kinds = labels({"plain": 116, "tdm": 10, "reduced": 6}, rng)
    out.extend(("nl_ongoing_first_line", _bind(ongoing_first_line, k)) for k in kinds)
    reasons = labels({"progression": 90, "toxicity": 15, "patient_choice": 8, "surgery": 10, "death": 18}, rng)
    out.extend(("nl_no_further_treatment", _bind(no_further_treatment, r)) for r in reasons)
    genos = labels({"KIT_EX9": 30, "NOT_TESTED": 34, "FAILED": 8}, rng)
    stops = labels({"progression": 65, "toxicity": 7}, rng)
    out.extend(("nl_kit9_or_unknown", _bind2(second_line_patient, g, s)) for g, s in zip(genos, stops, strict=True))
    adj = labels({"none": 90, "completed": 52, "toxicity": 8}, rng)
    out.extend(("nl_localised", _bind(localised, a)) for a in adj)
    other = labels({"kit9_800": 6, "avapritinib": 4}, rng)
    out.extend(("nl_advanced_other_first_line", _bind(other_first_line, k)) for k in other)
    return out


def _bind(fn: Callable[[PatientRecord, np.random.Generator, str], None], arg: str) -> Writer:
    return lambda r, g: fn(r, g, arg)


def _bind2(fn: Callable[[PatientRecord, np.random.Generator, str | None, str], None], a: str, b: str) -> Writer:
    return lambda r, g: fn(r, g, a, b)


__all__ = ["plan"]

"""Disease-course pieces of the Dutch cohort: history before first-line treatment, scans of a line, later lines.

Conventions (see ``docs/synthetic-registry.md``): a palliative line has a baseline scan before its start; the
scan documenting progression is dated on the progression date and, when another line follows, is flagged
``is_baseline`` (it is that line's baseline); every progression has a ``progressions`` row.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from gistreg.synth._util import day, months_to_days
from gistreg.synth.clinical import scan_days, write_mutation, write_scans
from gistreg.synth.records import PatientRecord

NL_CTCAE = "4.03"
_REGORAFENIB = day(dt.date(2014, 1, 1))


@dataclass
class Baseline:
    """Diagnosis-time characteristics of one patient."""

    sex: str
    age_years: float
    site: str
    stage: str
    size_mm: float | None
    mitoses: int | None
    genotype: str


def draw_baseline(rng: np.random.Generator, *, advanced: bool, genotype: str | None = None) -> Baseline:
    """Characteristics drawn from the pooled seed-b mix (advanced) or a localised-disease mix."""
    sites = ["stomach", "small_bowel_nos", "duodenum", "rectum", "colon", "oesophagus", "peritoneum", "unknown"]
    w = [0.51, 0.29, 0.04, 0.02, 0.03, 0.01, 0.02, 0.08] if advanced else [0.62, 0.26, 0.05, 0.02, 0.02, 0.01,
                                                                          0.01, 0.01]
    site = str(rng.choice(sites, p=np.array(w) / sum(w)))
    if genotype is None:
        classes = ["KIT_EX11", "KIT_EX9", "KIT_EX13", "KIT_EX17", "PDGFRA_EX18_OTHER", "PDGFRA_EX18_D842V",
                   "SDH_DEFICIENT", "WT_KIT_PDGFRA_SDH", "NOT_TESTED"]
        gw = ([0.62, 0.08, 0.05, 0.02, 0.07, 0.02, 0.02, 0.06, 0.06] if advanced else
              [0.60, 0.04, 0.01, 0.01, 0.10, 0.10, 0.02, 0.04, 0.08])
        genotype = str(rng.choice(classes, p=np.array(gw) / sum(gw)))
    if advanced:
        stage = str(rng.choice(["metastatic", "localized", "locally_advanced", "multiple_localization"],
                               p=[0.72, 0.17, 0.09, 0.02]))
    else:
        stage = "localized"
    size = float(np.clip(round(rng.lognormal(math.log(110 if advanced else 55), 0.5)), 10, 340))
    u = rng.random()
    mitoses = None if u < 0.22 else (int(rng.integers(0, 6)) if u < 0.62 else int(rng.integers(6, 61)))
    age = float(np.clip(rng.normal(61, 12.5), 22, 90))
    return Baseline("M" if rng.random() < 0.6 else "F", age, site, stage, size, mitoses, genotype)


def mitotic_unit(dx: int) -> str:
    """Counting area used by the pathology report of that year (per 5 mm² from 2016 on)."""
    return "per_5mm2" if dx >= day(dt.date(2016, 1, 1)) else "per_50hpf"


def write_history(rec: PatientRecord, rng: np.random.Generator, b: Baseline, dx: int, first_start: int,
                  entry: int) -> None:
    """Patient, diagnosis, molecular test, resection (± adjuvant imatinib) and metastases before line 1."""
    rec.patient(b.sex, dx - round(b.age_years * 365.25), entry)
    rec.diagnosis(dx, b.site, b.stage, size_mm=b.size_mm, mitoses=b.mitoses,
                  unit=mitotic_unit(dx) if b.mitoses is not None else None)
    write_mutation(rec, rng, dx + int(rng.integers(10, 40)), b.genotype)
    sites = ("liver",) if rng.random() < 0.45 else (("peritoneum",) if rng.random() < 0.5 else ("liver",
                                                                                                 "peritoneum"))
    if b.stage in ("metastatic", "multiple_localization"):
        for s in sites:
            rec.metastasis(dx, s, True)
        return
    if b.stage == "locally_advanced":
        return
    resection = dx + int(rng.integers(14, 43))
    rec.surgery(resection, "primary_resection", "R0" if rng.random() < 0.85 else "R1")
    recurrence = first_start - int(rng.integers(10, 36))
    adj_start = resection + int(rng.integers(21, 57))
    for months in (36, 12):
        stop = adj_start + months_to_days(months)
        if rng.random() < 0.5 and stop + 60 < recurrence:
            rec.exposure("imatinib", 400, "daily", "adjuvant", adj_start, "initial", stop=stop,
                         stop_reason="planned_completion")
            break
    for s in sites:
        rec.metastasis(recurrence, s, False)


def line_scans(rec: PatientRecord, rng: np.random.Generator, *, baseline_day: int | None, start: int, end: int,
               best: str, pd: bool, pd_is_baseline: bool = False, last_exact: bool = False,
               base: tuple[float, float] | None = None) -> tuple[float, float]:
    """Scans of one line from ``start`` to ``end``.

    A baseline is written on ``baseline_day`` when given (otherwise ``base`` holds the size and HU of the scan
    that serves as baseline, e.g. the previous line's PD scan); follow-ups have best response ``best`` (``SD``
    or ``PR``); with ``pd`` a PD scan and a progression are dated ``end`` (flagged baseline when
    ``pd_is_baseline``); with ``last_exact`` the last follow-up is on ``end``. Returns the size and HU of the
    last scan written (the baseline of what follows).
    """
    days = scan_days(rng, start, end - 30)
    if last_exact and (not days or days[-1] != end):
        days.append(end)
    resp = ["SD"] * len(days)
    if best == "PR" and len(days) >= 2:
        resp = ["SD"] + ["PR"] * (len(days) - 1)
    size0, hu0 = base if base is not None else (float(round(rng.lognormal(math.log(110), 0.4))),
                                                float(round(rng.uniform(45, 95))))
    size0 = min(max(size0, 25.0), 320.0)
    if baseline_day is not None:
        nadir = write_scans(rec, rng, baseline_day=baseline_day, days=days, responses=resp, base_size=size0,
                            base_hu=hu0)
    else:
        nadir = write_scans(rec, rng, baseline_day=None, days=days, responses=resp, base_size=size0,
                            base_hu=hu0)
    if not pd:
        return nadir, hu0
    size = float(max(round(nadir * rng.uniform(1.25, 1.5)), nadir + 6))
    hu = float(round(hu0 * rng.uniform(0.95, 1.1)))
    rec.scan(end, baseline=pd_is_baseline, size=size, hu=hu, response="PD", nontarget="nonCR_nonPD")
    rec.progression(end)
    return size, hu


def later_agent(rng: np.random.Generator, start: int, used: set[str]) -> tuple[str, float, str, str | None]:
    """(agent, dose, schedule, trial_id) of a later line started on ``start``, by era."""
    if start >= _REGORAFENIB and "regorafenib" not in used:
        return "regorafenib", 160, "3on1off", None
    options: list[tuple[str, float, str, str | None]] = [
        ("nilotinib", 800, "bid", None), ("masitinib", 600, "daily", None),
        ("investigational", 100, "daily", "NL-TRIAL-" + str(1 + int(rng.integers(0, 3)))),
    ]
    if "sunitinib" not in used:
        options.append(("sunitinib", 37.5, "daily", None))
    options = [o for o in options if o[0] not in used or o[0] == "investigational"]
    return options[int(rng.integers(len(options)))]


@dataclass(frozen=True, slots=True)
class LinePlan:
    """A later line: agent, dose, schedule, start, stop (``None`` when ongoing) and stop reason."""

    agent: str
    dose: float
    schedule: str
    trial_id: str | None
    start: int
    stop: int | None
    reason: str | None


def plan_later_lines(rng: np.random.Generator, *, after: int, end: int, dead: bool, used: set[str],
                     max_lines: int = 2, p_start: float = 0.7) -> list[LinePlan]:
    """Up to ``max_lines`` lines after the progression on ``after``, each ending in progression, until ``end``
    (the death or last contact): a line reaching ``end`` stops at death or stays ongoing."""
    plan: list[LinePlan] = []
    prog = after
    for _ in range(max_lines):
        start = prog + int(rng.integers(10, 36))
        if start >= end - 20 or rng.random() > p_start:
            break
        agent, dose, schedule, trial = later_agent(rng, start, used)
        used.add(agent)
        stop = start + max(21, months_to_days(float(rng.exponential(4.5 / math.log(2)))))
        if stop >= end - 10:
            plan.append(LinePlan(agent, dose, schedule, trial, start, end if dead else None,
                                 "death" if dead else None))
            break
        plan.append(LinePlan(agent, dose, schedule, trial, start, stop, "progression"))
        prog = stop
    return plan


def write_later_lines(rec: PatientRecord, rng: np.random.Generator, plan: list[LinePlan], end: int) -> None:
    """Exposure rows, scans and progressions of planned later lines (``end``: death or last contact)."""
    for ln in plan:
        rec.exposure(ln.agent, ln.dose, ln.schedule, "palliative", ln.start, "progression", stop=ln.stop,
                     stop_reason=ln.reason, trial_id=ln.trial_id)
        baseline = ln.start - int(rng.integers(1, 10))
        if ln.reason == "progression" and ln.stop is not None:
            line_scans(rec, rng, baseline_day=baseline, start=ln.start, end=ln.stop, best="SD", pd=True)
        else:
            line_scans(rec, rng, baseline_day=baseline, start=ln.start, end=end, best="SD", pd=False)


def toxicity_ae(rec: PatientRecord, rng: np.random.Generator, agent: str, when: int, *, grade: int,
                action: str, cap: int) -> None:
    """An adverse event explaining a toxicity stop or dose change on ``when``."""
    terms = {"imatinib": ["Periorbital edema", "Diarrhea", "Rash maculo-papular", "Fatigue", "Nausea"],
             "sunitinib": ["Palmar-plantar erythrodysesthesia syndrome", "Fatigue", "Hypertension", "Diarrhea",
                           "Mucositis oral"]}.get(agent, ["Fatigue", "Diarrhea"])
    onset = when - int(rng.integers(5, 30))
    end = when + int(rng.integers(7, 30))
    rec.adverse_event(str(rng.choice(terms)), NL_CTCAE, grade, onset, end if end <= cap else None,
                      attribution="probable", action=action)


__all__ = ["NL_CTCAE", "Baseline", "LinePlan", "draw_baseline", "later_agent", "line_scans", "mitotic_unit",
           "plan_later_lines", "toxicity_ae", "write_history", "write_later_lines"]

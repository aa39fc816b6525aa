"""The population model: a whole registry generated chunk by chunk with vectorised NumPy (no loop over patients).

Used for the scaled registry (``patients=N``) and for the international background centres of the default
registry. Each chunk of patients is drawn from its own generator (seeded by the registry seed and the chunk
number) and written straight to the CSV files, so memory holds one chunk at a time.

The model (research notes ``domain.md`` §1.2 and §5, numbers in :mod:`gistreg.synth.calibration`): primary site
by the published marginals and genotype conditional on site; about 20 % metastatic at presentation; localised
disease is resected, high-risk tumours get adjuvant imatinib (from 2009) and recur more often; advanced disease
goes through up to four palliative lines by the standard sequence and era (imatinib 400 mg, or 800 mg for KIT
exon 9, or avapritinib for PDGFRA D842V from 2020; escalation to 800 mg or sunitinib; regorafenib from 2013;
ripretinib from 2020; imatinib rechallenge or a trial drug otherwise), with the published median time per line;
non-cancer mortality rises with age. Every date is truncated at death or the last contact.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from gistreg.synth import calibration as cal
from gistreg.synth._columns import NA, BoolArray, IntArray, StrArray
from gistreg.synth._util import DAYS_PER_MONTH, day

FloatArray = np.ndarray

CUT = day(cal.POP_CUT)
DX_START = day(cal.POP_DX_START)
_LN2 = math.log(2.0)

SITE_CODES = ("stomach", "jejunum_ileum", "duodenum", "small_bowel_nos", "colon", "rectum", "oesophagus",
              "mesentery", "omentum", "retroperitoneum", "peritoneum")
#: Site groups of calibration.POP_SITE -> (codes, probabilities within the group).
_SITE_GROUPS = (
    ((0,), (1.0,)),
    ((1, 2, 3), (0.7, 0.2, 0.1)),
    ((4, 5), (0.6, 0.4)),
    ((6,), (1.0,)),
    ((7, 8, 9, 10), (0.3, 0.3, 0.2, 0.2)),
)
GENOTYPES = ("KIT_EX11", "KIT_EX9", "KIT_EX13", "KIT_EX17", "PDGFRA_EX12", "PDGFRA_EX14", "PDGFRA_EX18_D842V",
             "PDGFRA_EX18_OTHER", "SDH_DEFICIENT", "NF1", "WT_KIT_PDGFRA_SDH", "NOT_TESTED", "FAILED")
#: Genotype probabilities per site group (domain.md §5, "genotype conditional on site"; approximate).
_GENO_BY_SITE = np.array([
    # KIT11 KIT9  KIT13 KIT17 P12   P14   D842V P18o  SDH   NF1   WT
    [0.62, 0.02, 0.01, 0.01, 0.02, 0.01, 0.09, 0.06, 0.04, 0.00, 0.12],  # stomach
    [0.62, 0.20, 0.02, 0.01, 0.00, 0.00, 0.005, 0.005, 0.00, 0.05, 0.09],  # small intestine
    [0.72, 0.10, 0.02, 0.02, 0.00, 0.00, 0.00, 0.01, 0.00, 0.02, 0.11],  # colorectum
    [0.80, 0.02, 0.02, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.00, 0.16],  # oesophagus
    [0.55, 0.10, 0.02, 0.01, 0.02, 0.00, 0.10, 0.05, 0.00, 0.02, 0.13],  # other
])
_VARIANT_TABLE = (
    ("KIT", "11", ("p.W557_K558del", "p.V559D", "p.V560D", "p.K550_K558del", "p.Y570_L576del", "p.L576P")),
    ("KIT", "9", ("p.A502_Y503dup",)),
    ("KIT", "13", ("p.K642E",)),
    ("KIT", "17", ("p.N822K", "p.D820Y")),
    ("PDGFRA", "12", ("p.V561D",)),
    ("PDGFRA", "14", ("p.N659K",)),
    ("PDGFRA", "18", ("p.D842V",)),
    ("PDGFRA", "18", ("p.D842_H845del", "p.I843_D846del", "p.D846Y")),
    ("SDHB", "", ("p.R46Q",)),
    ("NF1", "", ("",)),
    ("", "", ("",)),
    ("", "", ("",)),
    ("", "", ("",)),
)

#: Regimens: (agent, daily dose text, schedule, line median months).
REGIMENS = (
    ("imatinib", "400", "daily", cal.POP_FIRST_LINE_MEDIAN),
    ("imatinib", "800", "bid", cal.POP_LINE_MEDIAN["imatinib800"]),
    ("sunitinib", "50", "4on2off", cal.POP_LINE_MEDIAN["sunitinib"]),
    ("sunitinib", "37.5", "daily", cal.POP_LINE_MEDIAN["sunitinib"]),
    ("regorafenib", "160", "3on1off", cal.POP_LINE_MEDIAN["regorafenib"]),
    ("ripretinib", "150", "daily", cal.POP_LINE_MEDIAN["ripretinib"]),
    ("avapritinib", "300", "daily", cal.POP_LINE_MEDIAN["avapritinib"]),
    ("investigational", "100", "daily", cal.POP_LINE_MEDIAN["investigational"]),
    ("imatinib", "400", "daily", cal.POP_LINE_MEDIAN["imatinib_rechallenge"]),
)
IM400, IM800, SU50, SU37, REGO, RIPR, AVA, INV, IM_RE = range(9)
START_REASONS = ("initial", "progression", "toxicity")
STOP_REASONS = ("progression", "toxicity", "patient_choice", "death", "planned_completion")
PROG, TOX, CHOICE, DEATH, PLANNED = range(5)
SETTINGS = ("palliative", "adjuvant")


@dataclass
class Patients:
    """Patient-level arrays of one chunk (days are ordinals; ``NA`` when absent)."""

    n: int
    pid: StrArray
    site: IntArray
    male: BoolArray
    age: FloatArray
    dx: IntArray
    primary: IntArray
    group: IntArray
    geno: IntArray
    variant: IntArray
    stage: IntArray  # 0 localized, 1 locally advanced, 2 metastatic, 3 multiple
    size: IntArray
    mitoses: IntArray
    resection: IntArray
    adv: IntArray  # first advanced-disease day (NA if never)
    country_jp: BoolArray


@dataclass
class Segments:
    """Drug-exposure rows of one chunk."""

    pat: IntArray
    reg: IntArray
    setting: IntArray
    line: IntArray
    start: IntArray
    stop: IntArray
    start_reason: IntArray
    stop_reason: IntArray
    trial: BoolArray


def draw_patients(rng: np.random.Generator, n: int, pid: StrArray, site: IntArray,
                  country_jp: BoolArray) -> Patients:
    """Demographics, diagnosis, genotype and the disease course up to the first advanced-disease day."""
    male = rng.random(n) < cal.POP_MALE
    mean, sd = cal.POP_AGE_MEAN_SD
    age = np.clip(rng.normal(mean, sd, n), 18.5, 95.0)
    dx = rng.integers(DX_START, CUT - 60, n)
    group = rng.choice(len(cal.POP_SITE), size=n, p=_probs([p for _, p in cal.POP_SITE]))
    primary = np.zeros(n, dtype=np.int64)
    u = rng.random(n)
    for g, (codes, probs) in enumerate(_SITE_GROUPS):
        m = group == g
        primary[m] = np.asarray(codes)[np.searchsorted(np.cumsum(probs), u[m] * sum(probs), side="right")
                                       .clip(0, len(codes) - 1)]
    cum = np.cumsum(_GENO_BY_SITE / _GENO_BY_SITE.sum(axis=1, keepdims=True), axis=1)
    geno = (rng.random(n)[:, None] > cum[group]).sum(axis=1).clip(0, 10)
    year = 1970 + (dx - day(dt.date(1970, 1, 1))) / 365.25
    p_test = np.where(country_jp, 0.45, np.where(year >= 2010, 0.85, 0.55))
    geno = np.where(rng.random(n) < p_test, geno, 11)
    geno = np.where((geno != 11) & (rng.random(n) < 0.02), 12, geno)
    variant = (rng.random(n) * np.array([len(v[2]) for v in _VARIANT_TABLE])[geno]).astype(np.int64)
    stage = rng.choice(4, size=n, p=[0.74, 0.05, 0.20, 0.01])
    adv_stage = stage > 0
    size = np.clip(np.round(rng.lognormal(np.where(adv_stage, math.log(100), math.log(50)), 0.5)), 10, 340)
    mit = rng.negative_binomial(1, np.where(adv_stage, 0.08, 0.25))
    mit = np.where(rng.random(n) < 0.2, NA, mit)
    resection = np.where(stage == 0, dx + rng.integers(14, 43, n), NA)
    adv = np.where(adv_stage, dx, NA)
    return Patients(n, pid, site, male, age, dx, primary, group, geno, variant, stage, size.astype(np.int64),
                    mit.astype(np.int64), resection.astype(np.int64), adv.astype(np.int64), country_jp)


def _probs(p: list[float]) -> FloatArray:
    a = np.asarray(p, dtype=np.float64)
    out: FloatArray = a / a.sum()
    return out


def _months(rng: np.random.Generator, median: FloatArray | float, n: int) -> IntArray:
    days = np.round(rng.exponential(1.0, n) * np.asarray(median) / _LN2 * DAYS_PER_MONTH)
    out: IntArray = np.maximum(14, days).astype(np.int64)
    return out


def adjuvant_and_recurrence(rng: np.random.Generator, p: Patients) -> Segments:
    """Adjuvant imatinib for high-risk resected tumours (from 2009) and recurrence, which sets ``p.adv``."""
    loc = p.stage == 0
    high = loc & ((p.size > 100) | ((p.size > 50) & (p.mitoses > 5)) | ((p.group > 0) & (p.size > 50)))
    gets = high & (p.dx >= day(dt.date(2009, 1, 1))) & (rng.random(p.n) < np.where(p.country_jp, 0.3, 0.7))
    start = p.resection + rng.integers(21, 57, p.n)
    stop = start + np.where(rng.random(p.n) < 0.75, 1096, 365)
    early = rng.random(p.n) < 0.06
    stop = np.where(early, start + rng.integers(60, 300, p.n), stop)
    recur = loc & (rng.random(p.n) < np.where(high, 0.40, 0.07))
    after = np.where(gets, stop, p.resection) + _months(rng, 24.0, p.n)
    p.adv = np.where(recur & (after < CUT - 90), after, p.adv)
    idx = np.flatnonzero(gets)
    zeros = np.zeros(idx.size, dtype=np.int64)
    return Segments(idx, np.full(idx.size, IM400), np.ones(idx.size, dtype=np.int64), zeros,
                    start[idx], stop[idx], zeros,
                    np.where(early[idx], TOX, PLANNED), np.zeros(idx.size, dtype=bool))


def _next_regimen(rng: np.random.Generator, reg: IntArray, reason: IntArray, start: IntArray,
                  geno: IntArray) -> IntArray:
    n = reg.size
    sunit = np.where(rng.random(n) < 0.5, SU50, SU37)
    after_im = np.where(start >= day(cal.POP_AVAILABLE["sunitinib"]), sunit, INV)
    escalate = (reg == IM400) & (reason == PROG) & ((geno == 1) | (rng.random(n) < 0.25))
    return np.select(
        [escalate, np.isin(reg, (IM400, IM800, IM_RE)), np.isin(reg, (SU50, SU37, AVA)), reg == REGO],
        [np.full(n, IM800), after_im,
         np.where(start >= day(cal.POP_AVAILABLE["regorafenib"]), REGO, INV),
         np.where(start >= day(cal.POP_AVAILABLE["ripretinib"]), RIPR, IM_RE)],
        default=np.where(reg == INV, IM_RE, INV),
    )


def palliative_lines(rng: np.random.Generator, p: Patients) -> tuple[Segments, IntArray]:
    """Up to four palliative lines per advanced patient; returns the rows and each patient's last stop day."""
    idx = np.flatnonzero(p.adv != NA)
    g = p.geno[idx]
    start = p.adv[idx] + rng.integers(14, 46, idx.size)
    reg = np.full(idx.size, IM400)
    reg = np.where((g == 1) & (rng.random(idx.size) < 0.6), IM800, reg)
    ava_ok = start >= day(cal.POP_AVAILABLE["avapritinib"])
    reg = np.where((g == 6) & ava_ok & (rng.random(idx.size) < 0.7), AVA, reg)
    s_reason = np.zeros(idx.size, dtype=np.int64)
    parts: list[Segments] = []
    last_stop = np.full(p.n, NA, dtype=np.int64)
    alive = np.ones(idx.size, dtype=bool)
    for line in range(1, 5):
        median = np.array([r[3] for r in REGIMENS])[reg]
        resistant = np.isin(g, (6, 8, 9, 10)) & (reg != AVA)
        median = np.where(resistant & (line == 1), 6.0, median)
        stop = start + _months(rng, median, idx.size)
        u = rng.random(idx.size)
        reason = np.where(u < 0.85, PROG, np.where(u < 0.95, TOX, CHOICE))
        trial = reg == INV
        parts.append(Segments(idx[alive], reg[alive], np.zeros(int(alive.sum()), dtype=np.int64),
                              np.full(int(alive.sum()), line), start[alive], stop[alive], s_reason[alive],
                              reason[alive], trial[alive]))
        last_stop[idx[alive]] = stop[alive]
        go = alive & (reason != CHOICE) & (rng.random(idx.size) < (0.85, 0.7, 0.55, 0.0)[line - 1])
        nxt = _next_regimen(rng, reg, reason, stop, g)
        start = np.where(nxt == IM800, stop + 1, stop + rng.integers(10, 41, idx.size))
        s_reason = np.where(reason == PROG, 1, 2)
        reg, alive = nxt, go
        if not alive.any():
            break
    return _concat(parts), last_stop


def _concat(parts: list[Segments]) -> Segments:
    return Segments(*(np.concatenate([getattr(s, f) for s in parts]) for f in Segments.__dataclass_fields__))


__all__ = ["CUT", "GENOTYPES", "REGIMENS", "SITE_CODES", "START_REASONS", "STOP_REASONS", "Patients", "Segments",
           "adjuvant_and_recurrence", "draw_patients", "palliative_lines"]

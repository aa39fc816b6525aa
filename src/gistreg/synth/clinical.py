"""Clinical building blocks of the calibrated cohorts: genotypes, imaging sequences, response rules.

Imaging: every line has a baseline scan (``is_baseline`` true, no time-point response) before its start and
follow-up scans whose sums of diameters are consistent with the recorded RECIST 1.1 time-point response
(PR −30 % from baseline; PD +20 % and +5 mm from the nadir, or a new lesion). ``tp_response`` is always RECIST
1.1; Choi responses are derived from ``sum_diam_mm`` and ``mean_hu``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType

import numpy as np

from gistreg.synth.records import PatientRecord

#: (gene, exon, protein variant) per genotype class; ``None`` gene for classes without a driver finding.
VARIANTS: Mapping[str, tuple[tuple[str | None, int | None, str | None], ...]] = MappingProxyType({
    "KIT_EX11": (("KIT", 11, "p.W557_K558del"), ("KIT", 11, "p.V559D"), ("KIT", 11, "p.V560D"),
                 ("KIT", 11, "p.K550_K558del"), ("KIT", 11, "p.Y570_L576del"), ("KIT", 11, "p.L576P"),
                 ("KIT", 11, "p.W557R")),
    "KIT_EX9": (("KIT", 9, "p.A502_Y503dup"),),
    "KIT_EX13": (("KIT", 13, "p.K642E"),),
    "KIT_EX17": (("KIT", 17, "p.N822K"), ("KIT", 17, "p.D820Y"), ("KIT", 17, "p.Y823D")),
    "PDGFRA_EX12": (("PDGFRA", 12, "p.V561D"),),
    "PDGFRA_EX14": (("PDGFRA", 14, "p.N659K"),),
    "PDGFRA_EX18_D842V": (("PDGFRA", 18, "p.D842V"),),
    "PDGFRA_EX18_OTHER": (("PDGFRA", 18, "p.D842_H845del"), ("PDGFRA", 18, "p.I843_D846del"),
                          ("PDGFRA", 18, "p.D846Y")),
    "SDH_DEFICIENT": (("SDHB", None, "p.R46Q"), ("SDHA", None, "p.R589W")),
    "NF1": (("NF1", None, None),),
    "WT_KIT_PDGFRA_SDH": ((None, None, None),),
    "WT_KIT_PDGFRA_SDH_NOT_TESTED": ((None, None, None),),
    "NOT_TESTED": ((None, None, None),),
    "FAILED": ((None, None, None),),
})


def write_mutation(rec: PatientRecord, rng: np.random.Generator, when: int | None, cls: str) -> None:
    """The patient's molecular finding of class ``cls`` (no test date when not tested)."""
    options = VARIANTS[cls]
    gene, exon, variant = options[int(rng.integers(len(options)))]
    rec.mutation(None if cls == "NOT_TESTED" else when, gene, exon, variant, cls)


def recist(base: float, nadir: float, size: float | None, new_lesion: bool) -> str:
    """RECIST 1.1 target response of one scan (as :mod:`gistreg.endpoints.response` computes it)."""
    if new_lesion:
        return "PD"
    if size is None:
        return "NE"
    if size - nadir >= 5.0 and size >= 1.2 * nadir:
        return "PD"
    if size == 0:
        return "CR"
    if base > 0 and (size - base) / base <= -0.30:
        return "PR"
    return "SD"


def choi(base_size: float, base_hu: float, size: float | None, hu: float | None, new_lesion: bool) -> str:
    """Choi response of one scan against its baseline (PR: size −10 % or HU −15 %; PD: new lesion, or size
    +10 % without the HU decrease; NE when unmeasured)."""
    ds = None if size is None else (size - base_size) / base_size
    dh = None if hu is None else (hu - base_hu) / base_hu
    if ds is None and dh is None:
        return "PD" if new_lesion else "NE"
    size_pr = ds is not None and ds <= -0.10
    hu_pr = dh is not None and dh <= -0.15
    if new_lesion or (ds is not None and ds >= 0.10 and not hu_pr):
        return "PD"
    if size_pr or hu_pr:
        return "PR"
    return "SD"


def _size_for(rng: np.random.Generator, resp: str, base: float, nadir: float) -> float | None:
    if resp == "NE":
        return None
    if resp == "CR":
        return 0.0
    if resp == "PR":
        return float(min(math.floor(0.69 * base), round(min(base * rng.uniform(0.40, 0.65), nadir * 1.10))))
    if resp == "SD":
        return float(min(round(base * rng.uniform(0.86, 1.0)), math.ceil(nadir * 1.19) - 1, nadir + 4))
    return float(max(round(nadir * rng.uniform(1.25, 1.45)), nadir + 6))  # PD


def _hu_for(rng: np.random.Generator, resp: str, base_hu: float) -> float | None:
    lo, hi = {"PR": (0.60, 0.82), "SD": (0.90, 1.05), "PD": (0.95, 1.15)}.get(resp, (0.0, 0.0))
    return None if resp in ("NE", "CR") else float(round(base_hu * rng.uniform(lo, hi)))


def sequence_for(best: str, n: int, *, ends_in_pd: bool) -> list[str]:
    """Time-point responses of ``n`` follow-up scans whose best response is ``best`` (the last is PD when the
    line ends in progression; NE lines have no PD scan, PD lines only PD scans)."""
    if best == "NE":
        return ["NE"] * n
    if best == "PD":
        return ["PD"] * n
    body = n - 1 if ends_in_pd else n
    if body <= 0:
        return ["PD"] * n if ends_in_pd else []
    if best == "CR":
        seq = ["PR"] + ["CR"] * (body - 1) if body > 1 else ["CR"]
    elif best == "PR":
        seq = ["SD"] + ["PR"] * (body - 1) if body > 2 else ["PR"] * body
    else:
        seq = ["SD"] * body
    return seq + (["PD"] if ends_in_pd else [])


def write_scans(rec: PatientRecord, rng: np.random.Generator, *, baseline_day: int | None, days: Sequence[int],
                responses: Sequence[str], base_size: float | None = None, base_hu: float | None = None) -> float:
    """Write a baseline scan (unless ``baseline_day`` is ``None``: an earlier scan is the baseline, with
    ``base_size``/``base_hu``) and follow-up scans with sums consistent with ``responses``.

    Returns the nadir of the sums (the baseline when no follow-up is smaller).
    """
    base = float(base_size if base_size is not None else round(rng.lognormal(math.log(110), 0.4)))
    base = min(max(base, 25.0), 320.0)
    hu0 = float(base_hu if base_hu is not None else round(rng.uniform(45, 95)))
    if baseline_day is not None:
        rec.scan(baseline_day, baseline=True, size=base, hu=hu0, response=None)
    nadir = base
    for d, resp in zip(days, responses, strict=True):
        size = _size_for(rng, resp, base, nadir)
        new = resp == "PD" and nadir == 0
        if resp == "PD" and nadir > 0 and rng.random() < 0.25:
            new = True
            size = float(round(nadir * rng.uniform(1.0, 1.15)))
        got = recist(base, nadir, size, new)
        if got != resp:  # never expected; keeps the recorded response true to the sums
            resp = got
        nontarget = "NE" if resp == "NE" else ("CR" if resp == "CR" else ("PD" if resp == "PD" and new else
                                                                          "nonCR_nonPD"))
        rec.scan(d, baseline=False, size=size, hu=_hu_for(rng, resp, hu0), response=resp,
                 new_lesion="yes" if new else ("no" if resp != "NE" else None), nontarget=nontarget)
        if size is not None:
            nadir = min(nadir, size)
    return nadir


def scan_days(rng: np.random.Generator, start: int, end: int, *, every: tuple[int, int] = (80, 110),
              first: tuple[int, int] | None = None) -> list[int]:
    """Follow-up scan days from ``start`` up to ``end`` (inclusive), roughly every ``every`` days."""
    lo, hi = first or every
    out: list[int] = []
    d = start + int(rng.integers(lo, hi + 1))
    while d <= end:
        out.append(d)
        d += int(rng.integers(every[0], every[1] + 1))
    return out


__all__ = ["VARIANTS", "choi", "recist", "scan_days", "sequence_for", "write_mutation", "write_scans"]

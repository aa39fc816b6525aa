"""Tumour response by RECIST 1.1 and by the Choi criteria.

Time-point rules are pure NumPy functions over arrays of measurements; :func:`evaluate_response` applies them
to each patient's assessments relative to the index date, either at a landmark (seed a: the CT at two months)
or as the best overall response. Patients without a usable baseline or follow-up scan are **not evaluable**
(``NE``) and are reported as such, never folded into a denominator silently.

References
----------
.. [1] Eisenhauer EA, Therasse P, Bogaerts J, et al. New response evaluation criteria in solid tumours:
       revised RECIST guideline (version 1.1). Eur J Cancer 2009;45:228-247.
.. [2] Choi H, Charnsangavej C, Faria SC, et al. Correlation of computed tomography and positron emission
       tomography in patients with metastatic gastrointestinal stromal tumor treated at a single institution
       with imatinib mesylate: proposal of new computed tomography response criteria. J Clin Oncol
       2007;25:1753-1759.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gistreg.cohort.spec import ResponseSpec

CATEGORIES: tuple[str, ...] = ("CR", "PR", "SD", "PD", "NE")
_RANK = {c: i for i, c in enumerate(CATEGORIES)}

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def choi_timepoint(
    base_size: FloatArray, base_hu: FloatArray, size: FloatArray, hu: FloatArray, new_lesion: BoolArray
) -> NDArray[np.str_]:
    """Choi response of follow-up scans against their baseline.

    CR: all lesions gone (sum 0) and no new lesion. PR: size −10 % or more, or density (HU) −15 % or more,
    and no new lesion. PD: a new lesion, or size +10 % or more without the density decrease that would make it
    PR. SD: otherwise. NE: size and density both unmeasured (or no baseline).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        d_size = np.where(base_size > 0, (size - base_size) / base_size, np.nan)
        d_hu = np.where(base_hu > 0, (hu - base_hu) / base_hu, np.nan)
    size_pr = d_size <= -0.10
    hu_pr = d_hu <= -0.15
    size_pd = d_size >= 0.10
    measurable = ~(np.isnan(d_size) & np.isnan(d_hu))
    out = np.full(size.shape, "SD", dtype="<U2")
    out[(size_pr | hu_pr) & ~new_lesion] = "PR"
    out[(size == 0) & ~new_lesion] = "CR"
    out[new_lesion | (size_pd & ~hu_pr)] = "PD"
    out[~measurable & ~new_lesion] = "NE"
    return out


def recist_timepoint(
    base_sum: FloatArray, nadir: FloatArray, current: FloatArray, new_lesion: BoolArray, nontarget_pd: BoolArray
) -> NDArray[np.str_]:
    """RECIST 1.1 target-lesion time-point response.

    CR: sum 0. PR: −30 % or more from baseline. PD: +20 % or more from the nadir **and** at least 5 mm
    absolute increase, or a new lesion, or unequivocal non-target progression. SD: otherwise. NE: sum missing
    (unless a new lesion or non-target PD makes it PD).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        from_base = np.where(base_sum > 0, (current - base_sum) / base_sum, np.nan)
    pd_target = (current - nadir >= 5.0) & (current >= 1.2 * nadir)
    out = np.full(current.shape, "SD", dtype="<U2")
    out[from_base <= -0.30] = "PR"
    out[current == 0] = "CR"
    out[np.isnan(current)] = "NE"
    out[pd_target | new_lesion | nontarget_pd] = "PD"
    return out


@dataclass(frozen=True, slots=True)
class Assessments:
    """One patient's scans, sorted by day relative to the index date."""

    day: NDArray[np.int64]
    is_baseline: BoolArray
    size: FloatArray
    hu: FloatArray
    new_lesion: BoolArray
    nontarget_pd: BoolArray


@dataclass(frozen=True, slots=True)
class PatientResponse:
    """Response of one patient: the category and the scans it rests on (days from index; None if absent)."""

    category: str
    baseline_day: int | None
    followup_day: int | None
    size_change: float | None
    hu_change: float | None


def _baseline(a: Assessments, spec: ResponseSpec) -> int | None:
    ok = a.is_baseline & (a.day >= -spec.baseline_window_days) & (a.day <= 7)
    ok &= ~(np.isnan(a.size) & np.isnan(a.hu))
    if not ok.any():
        return None
    idx = np.flatnonzero(ok)
    return int(idx[np.argmin(np.abs(a.day[idx]))])


def _change(new: float, base: float) -> float | None:
    if np.isnan(new) or np.isnan(base) or base <= 0:
        return None
    return float((new - base) / base)


def evaluate_patient(a: Assessments, spec: ResponseSpec) -> PatientResponse:
    """Response of one patient at the landmark (or best overall response) by ``spec.criteria``."""
    b = _baseline(a, spec)
    if b is None:
        return PatientResponse("NE", None, None, None, None)
    after = np.flatnonzero((a.day > a.day[b]) & ~a.is_baseline)
    if spec.landmark_days is not None:
        near = after[np.abs(a.day[after] - spec.landmark_days) <= spec.window_days]
        after = near[np.argsort(np.abs(a.day[near] - spec.landmark_days), kind="stable")][:1]
    if after.size == 0:
        return PatientResponse("NE", int(a.day[b]), None, None, None)
    bs = np.full(after.size, a.size[b])
    if spec.criteria == "choi":
        cats = choi_timepoint(bs, np.full(after.size, a.hu[b]), a.size[after], a.hu[after], a.new_lesion[after])
    else:
        sizes = np.concatenate(([a.size[b]], a.size[after]))
        nadir = np.fmin.accumulate(sizes)[:-1]
        cats = recist_timepoint(bs, nadir, a.size[after], a.new_lesion[after], a.nontarget_pd[after])
    if spec.landmark_days is None:
        cats = _confirmed(cats, a.day[after], spec)
    best = _best(cats, a.day[after] - a.day[b], spec.min_sd_days if spec.landmark_days is None else 0)
    hits = np.flatnonzero(cats == best)
    j = after[int(hits[0])] if hits.size else after[0]
    return PatientResponse(best, int(a.day[b]), int(a.day[j]), _change(a.size[j], a.size[b]),
                           _change(a.hu[j], a.hu[b]))


def _confirmed(cats: NDArray[np.str_], day: NDArray[np.int64], spec: ResponseSpec) -> NDArray[np.str_]:
    """With ``spec.confirm``, a CR or PR counts only when a scan ≥ 28 days later is as good; else it is SD."""
    if not spec.confirm:
        return cats
    out = cats.copy()
    for i, c in enumerate(cats):
        if c not in ("CR", "PR"):
            continue
        later = (day >= day[i] + 28) & (np.arange(day.size) > i)
        ok = [_RANK[str(x)] <= _RANK[str(c)] for x in cats[later]]
        if not any(ok):
            out[i] = "SD"
    return out


def _best(cats: NDArray[np.str_], days_from_baseline: NDArray[np.int64], min_sd_days: int) -> str:
    """Best time-point response, in time order; a PD ends the evaluation (RECIST 1.1 §4.4).

    SD counts only when measured at least ``min_sd_days`` after baseline; an earlier SD followed by PD gives PD.
    """
    best = "NE"
    for c, d in zip(cats, days_from_baseline, strict=True):
        c = str(c)
        if c == "PD":
            return best if best in ("CR", "PR", "SD") else "PD"
        if c == "SD" and d < min_sd_days:
            continue
        if _RANK[c] < _RANK[best]:
            best = c
    return best


__all__ = ["CATEGORIES", "Assessments", "PatientResponse", "choi_timepoint", "evaluate_patient",
           "recist_timepoint"]

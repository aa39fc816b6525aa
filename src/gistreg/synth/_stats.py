"""Small survival statistics used only to *calibrate* the synthetic cohorts (choose among candidate draws).

The analysis package (``gistreg.stats``) is not imported here: ``synth`` sits before it in the pipeline. These
helpers are deliberately minimal (right-censored data, two groups, a single binary covariate); the tests check
the generated registry with ``gistreg.stats`` itself.

References
----------
.. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. JASA 1958;53:457-481.
.. [2] Mantel N. Evaluation of survival data and two new rank order statistics. Cancer Chemother Rep
       1966;50:163-170.
.. [3] Efron B. The efficiency of Cox's likelihood function for censored data. JASA 1977;72:557-565.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _event_table(time: FloatArray, event: IntArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Distinct event times, deaths and numbers at risk."""
    t = np.asarray(time, dtype=np.float64)
    e = np.asarray(event, dtype=np.int64)
    ut, d = np.unique(t[e == 1], return_counts=True)
    srt = np.sort(t)
    at_risk = (t.size - np.searchsorted(srt, ut, side="left")).astype(np.float64)
    return ut, d.astype(np.float64), at_risk


def km_median(time: FloatArray, event: IntArray) -> float:
    """Kaplan–Meier median: the first time the curve is at or below 0.5 (the midpoint of the next event time
    when it is exactly 0.5, as R ``survfit``); ``nan`` when never reached.
    """
    ut, d, n = _event_table(time, event)
    if ut.size == 0:
        return math.nan
    surv = np.cumprod(1.0 - d / n)
    below = np.flatnonzero(surv <= 0.5 + 1e-12)
    if below.size == 0:
        return math.nan
    j = int(below[0])
    if abs(surv[j] - 0.5) < 1e-12 and j + 1 < ut.size:
        return float((ut[j] + ut[j + 1]) / 2.0)
    return float(ut[j])


def _risk_sums(t: FloatArray, ut: FloatArray, weights: FloatArray) -> FloatArray:
    """Sum of ``weights`` over subjects with time >= each of ``ut``."""
    order = np.argsort(t, kind="stable")
    ts = t[order]
    tail = np.concatenate([np.cumsum(weights[order][::-1])[::-1], [0.0]])
    return tail[np.searchsorted(ts, ut, side="left")]


def logrank_p(time: FloatArray, event: IntArray, group: IntArray) -> float:
    """Two-sided p-value of the two-group log-rank test (chi-square, 1 df)."""
    t = np.asarray(time, dtype=np.float64)
    e = np.asarray(event, dtype=np.int64) == 1
    g = (np.asarray(group, dtype=np.int64) == 1).astype(np.float64)
    ut, idx = np.unique(t[e], return_inverse=True)
    d = np.bincount(idx, minlength=ut.size).astype(np.float64)
    d1 = np.bincount(idx, weights=g[e], minlength=ut.size)
    n = _risk_sums(t, ut, np.ones_like(t))
    n1 = _risk_sums(t, ut, g)
    o_minus_e = float(np.sum(d1 - d * n1 / n))
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(n > 1, d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1), 0.0)
    var = float(v.sum())
    if var <= 0:
        return 1.0
    return math.erfc(math.sqrt(o_minus_e * o_minus_e / var / 2.0))


def cox_hr(time: FloatArray, event: IntArray, x: IntArray, *, iterations: int = 30) -> float:
    """Hazard ratio of a binary covariate ``x`` by the Cox model with Efron's handling of ties."""
    t = np.asarray(time, dtype=np.float64)
    e = np.asarray(event, dtype=np.int64) == 1
    z = (np.asarray(x, dtype=np.int64) == 1).astype(np.float64)
    ut, idx = np.unique(t[e], return_inverse=True)
    d = np.bincount(idx, minlength=ut.size)
    zsum = float(z[e].sum())
    # one entry per death: its time's index and its rank k among the tied deaths (k / d in Efron's formula)
    rank = np.arange(idx.size) - np.repeat(np.cumsum(d) - d, d)
    per = np.repeat(np.arange(ut.size), d)
    frac = rank / np.repeat(d, d)
    beta = 0.0
    for _ in range(iterations):
        w = np.exp(beta * z)
        s0, s1 = _risk_sums(t, ut, w), _risk_sums(t, ut, w * z)
        t0 = np.bincount(idx, weights=w[e], minlength=ut.size)
        t1 = np.bincount(idx, weights=(w * z)[e], minlength=ut.size)
        a0 = s0[per] - frac * t0[per]
        a1 = s1[per] - frac * t1[per]
        m = a1 / a0
        score = zsum - float(m.sum())
        info = float((m - m * m).sum())  # z is 0/1, so the second moment equals the first
        if info <= 0:
            break
        step = score / info
        beta += step
        if abs(step) < 1e-10:
            break
    return math.exp(beta)


__all__ = ["cox_hr", "km_median", "logrank_p"]

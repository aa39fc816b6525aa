"""Log-rank kernel: observed and expected (weighted) events and their variance, for k groups within strata.

Formulas follow R ``survival`` 3.5-3 ``survdiff2.c``, vectorised over all distinct times of all strata at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gistreg.stats._kernels.counting import RiskSets

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Up to this many groups, per-group arrays are formed column by column (long inner loops instead of a short axis).
_FEW_GROUPS = 8


@dataclass(frozen=True, slots=True)
class LogRankSums:
    """Observed and expected per group and stratum, shape (k, s); variance summed over strata, shape (k, k)."""

    observed: FloatArray
    expected: FloatArray
    variance: FloatArray


def pooled_left_survival(sets: RiskSets) -> FloatArray:
    """Left-continuous pooled Kaplan-Meier ``S(t-)`` within each stratum, at every row.

    Preconditions: ``sets`` blocks are strata and columns groups.
    """
    deaths, at_risk = sets.deaths, sets.at_risk
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(deaths > 0, (at_risk - deaths) / at_risk, 1.0)
    left = np.empty_like(factor)
    starts = sets.starts
    for b in range(starts.shape[0] - 1):  # one pass per stratum, vectorised over its times
        lo, hi = int(starts[b]), int(starts[b + 1])
        if hi > lo:
            left[lo] = 1.0
            left[lo + 1 : hi] = np.cumprod(factor[lo : hi - 1])
    return left


def logrank_sums(sets: RiskSets, n_strata: int, rho: float, gamma: float) -> LogRankSums:
    """Fleming-Harrington G(rho, gamma) weighted log-rank sums.

    Preconditions: ``sets`` has one block per stratum and one column per group.

    At each distinct time with ``D > 0`` deaths among ``N`` at risk (``d_g``, ``n_g`` per group) and weight
    ``w = S(t-)^rho (1 - S(t-))^gamma`` (``S`` the pooled left-continuous Kaplan-Meier of the stratum; ``w = 1``
    for the log-rank test): ``O_g += w d_g``, ``E_g += w D n_g / N`` and
    ``V += w^2 D (N - D) / (N (N - 1)) (diag(n) - n n' / N)``. Times with ``N <= 1`` add nothing to ``V`` (R skips
    ``N == 1``; with fractional case weights ``N < 1`` would make the hypergeometric factor negative).

    Notes
    -----
    Observed and expected are summed per (stratum, group) in row order, one addition after the other (as R's
    loop over times). Rows that add exactly 0 (no deaths) are skipped, which leaves every sum unchanged; whole
    numbers of observed deaths are summed in any order (every order gives the same sum). The variance is
    ``diag(c' n) - (n * c / N)' n`` by two matrix products over all rows.
    """
    d, n, deaths, at_risk = sets.n_event, sets.n_risk, sets.deaths, sets.at_risk
    # the log-rank weight is 1: multiplying by it would change nothing, so it is left out
    weight = None if rho == 0 and gamma == 0 else _fh_weight(pooled_left_survival(sets), rho, gamma)
    event_time = deaths > 0
    rows = np.flatnonzero(event_time)
    bounds = np.searchsorted(rows, sets.starts)  # the rows with deaths of each stratum
    k = d.shape[1]
    observed, expected = np.empty((k, n_strata)), np.empty((k, n_strata))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = deaths[rows] if weight is None else (weight * deaths)[rows]
        ratio = at_risk[rows]
        for j in range(k):  # a loop over groups
            column = share * n[:, j][rows]
            column /= ratio
            expected[j] = _ordered_sums(column, bounds)
            if weight is not None:  # an infinite or NaN weight makes even 0 deaths count, as in the full sum
                observed[j] = _ordered_sums(weight * d[:, j], sets.starts)
            elif sets.whole:
                observed[j] = _whole_sums(d[:, j], sets.starts)
            else:
                observed[j] = _ordered_sums(d[:, j][rows], bounds)
        use = event_time & (at_risk > 1)
        unused = ~use
        squared = deaths if weight is None else weight * weight * deaths
        coef = np.subtract(at_risk, deaths)
        np.multiply(squared, coef, out=coef)
        scale = np.subtract(at_risk, 1.0)
        np.multiply(at_risk, scale, out=scale)
        np.divide(coef, scale, out=coef)
        np.copyto(coef, 0.0, where=unused)
        scaled = np.divide(coef, at_risk, out=scale)
        np.copyto(scaled, 0.0, where=unused)
    variance = np.diag(coef @ n) - _times_rows(n, scaled).T @ n
    return LogRankSums(observed, expected, variance)


def _ordered_sums(x: FloatArray, bounds: IntArray) -> FloatArray:
    """Sum of ``x[bounds[i]:bounds[i + 1]]`` for each ``i``, adding one entry after the other to 0 (as a weighted
    ``np.bincount`` does); ``x`` is overwritten."""
    out = np.zeros(bounds.shape[0] - 1)
    for i in range(out.shape[0]):  # a loop over strata
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        if hi > lo:
            out[i] += np.cumsum(x[lo:hi], out=x[lo:hi])[-1]
    return out


def _whole_sums(x: FloatArray, bounds: IntArray) -> FloatArray:
    """Sum of ``x[bounds[i]:bounds[i + 1]]`` for each ``i`` when ``x`` holds whole numbers with an exact sum."""
    out = np.zeros(bounds.shape[0] - 1)
    for i in range(out.shape[0]):  # a loop over strata
        out[i] += x[int(bounds[i]) : int(bounds[i + 1])].sum()
    return out


def _times_rows(n: FloatArray, scale: FloatArray) -> FloatArray:
    """``n * scale[:, None]`` as a new C-contiguous array, column by column for a few groups."""
    k = n.shape[1]
    if k > _FEW_GROUPS:
        out: FloatArray = n * scale[:, None]
        return out
    out = np.empty_like(n)
    for j in range(k):  # a loop over groups
        np.multiply(n[:, j], scale, out=out[:, j])
    return out


def _fh_weight(left: FloatArray, rho: float, gamma: float) -> FloatArray:
    """Fleming-Harrington weight ``S(t-)^rho (1 - S(t-))^gamma``."""
    weight: FloatArray = left**rho * (1.0 - left) ** gamma
    return weight

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
    loop over times). Rows that add exactly 0 (no deaths) are skipped, which leaves every sum unchanged. The
    variance is ``diag(c' n) - (n * c / N)' n`` by two matrix products over all rows.
    """
    d, n, deaths, at_risk = sets.n_event, sets.n_risk, sets.deaths, sets.at_risk
    # the log-rank weight is 1: multiplying by it would change nothing, so it is left out
    weight = None if rho == 0 and gamma == 0 else _fh_weight(pooled_left_survival(sets), rho, gamma)
    event_time = deaths > 0
    rows = np.flatnonzero(event_time)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = deaths[rows] if weight is None else (weight * deaths)[rows]
        ratio = at_risk[rows]
        if weight is None:  # no deaths, nothing observed: the rows without deaths add 0
            observed = _sums(sets.block[rows], d[rows], n_strata)
        else:  # an infinite or NaN weight makes even 0 observed deaths count, as in the full sum
            observed = _sums(sets.block, weight[:, None] * d, n_strata)
        expected = _sums(sets.block[rows], _expected_rows(share, n[rows], ratio), n_strata)
        use = event_time & (at_risk > 1)
        squared = deaths if weight is None else weight * weight * deaths
        coef = np.where(use, squared * (at_risk - deaths) / (at_risk * (at_risk - 1.0)), 0.0)
        scaled = np.where(use, coef / at_risk, 0.0)
    variance = np.diag(coef @ n) - _times_rows(n, scaled).T @ n
    return LogRankSums(observed, expected, variance)


def _sums(block: IntArray, x: FloatArray, n_strata: int) -> FloatArray:
    """Shape (k, s): the column sums of ``x`` (m, k) within each block, each added in row order."""
    k = x.shape[1]
    out = np.empty((k, n_strata))
    for j in range(k):  # a loop over groups; bincount adds one row after the other
        out[j] = np.bincount(block, weights=x[:, j], minlength=n_strata)
    return out


def _expected_rows(share: FloatArray, n: FloatArray, at_risk: FloatArray) -> FloatArray:
    """``share * n[:, j] / at_risk`` for every group ``j``; column by column for a few groups (the same
    arithmetic without broadcasting over a short axis)."""
    k = n.shape[1]
    if k > _FEW_GROUPS:
        out: FloatArray = share[:, None] * n / at_risk[:, None]
        return out
    out = np.empty_like(n)
    for j in range(k):  # a loop over groups
        column = share * n[:, j]
        column /= at_risk
        out[:, j] = column
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

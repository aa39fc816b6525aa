"""Log-rank kernel: observed and expected (weighted) events and their variance, for k groups within strata.

Formulas follow R ``survival`` 3.5-3 ``survdiff2.c``, vectorised over all distinct times of all strata at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gistreg.stats._kernels.counting import RiskSetTable

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LogRankSums:
    """Observed and expected per group and stratum, shape (k, s); variance summed over strata, shape (k, k)."""

    observed: FloatArray
    expected: FloatArray
    variance: FloatArray


def pooled_left_survival(table: RiskSetTable) -> FloatArray:
    """Left-continuous pooled Kaplan-Meier ``S(t-)`` within each stratum, at every table row.

    Preconditions: ``table`` blocks are strata and columns groups, as built by ``risk_set_table``.
    """
    deaths = table.n_event.sum(axis=1)
    at_risk = table.n_risk.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(deaths > 0, (at_risk - deaths) / at_risk, 1.0)
    left = np.empty_like(factor)
    starts = table.starts
    for b in range(starts.shape[0] - 1):  # one pass per stratum, vectorised over its times
        lo, hi = int(starts[b]), int(starts[b + 1])
        if hi > lo:
            left[lo] = 1.0
            left[lo + 1 : hi] = np.cumprod(factor[lo : hi - 1])
    return left


def logrank_sums(table: RiskSetTable, n_strata: int, rho: float, gamma: float) -> LogRankSums:
    """Fleming-Harrington G(rho, gamma) weighted log-rank sums.

    Preconditions: ``table`` has one block per stratum and one column per group (``risk_set_table`` with
    ``block = stratum`` and ``column = group``).

    At each distinct time with ``D > 0`` deaths among ``N`` at risk (``d_g``, ``n_g`` per group) and weight
    ``w = S(t-)^rho (1 - S(t-))^gamma`` (``S`` the pooled left-continuous Kaplan-Meier of the stratum; ``w = 1``
    for the log-rank test): ``O_g += w d_g``, ``E_g += w D n_g / N`` and
    ``V += w^2 D (N - D) / (N (N - 1)) (diag(n) - n n' / N)``. Times with ``N <= 1`` add nothing to ``V`` (R skips
    ``N == 1``; with fractional case weights ``N < 1`` would make the hypergeometric factor negative).
    """
    d = table.n_event
    n = table.n_risk
    deaths = d.sum(axis=1)
    at_risk = n.sum(axis=1)
    if rho == 0 and gamma == 0:
        weight = np.ones_like(deaths)
    else:
        left = pooled_left_survival(table)
        weight = left**rho * (1.0 - left) ** gamma
    event_time = deaths > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        exp_rows = np.where(event_time, weight * deaths, 0.0)[:, None] * n / at_risk[:, None]
        exp_rows = np.where(event_time[:, None], exp_rows, 0.0)
        use = event_time & (at_risk > 1)
        coef = np.where(use, weight * weight * deaths * (at_risk - deaths) / (at_risk * (at_risk - 1.0)), 0.0)
        scaled = np.where(use, coef / at_risk, 0.0)
    obs_rows = weight[:, None] * d
    k = d.shape[1]
    observed = np.empty((k, n_strata), dtype=np.float64)
    expected = np.empty((k, n_strata), dtype=np.float64)
    for j in range(k):
        observed[j] = np.bincount(table.block, weights=obs_rows[:, j], minlength=n_strata)
        expected[j] = np.bincount(table.block, weights=exp_rows[:, j], minlength=n_strata)
    variance = np.diag(coef @ n) - (n * scaled[:, None]).T @ n
    return LogRankSums(observed, expected, variance)

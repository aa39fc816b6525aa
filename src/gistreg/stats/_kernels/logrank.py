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
    deaths = _row_sums(table.n_event)
    at_risk = _row_sums(table.n_risk)
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
    deaths = _row_sums(d)
    at_risk = _row_sums(n)
    # the log-rank weight is 1: multiplying by it would change nothing, so it is left out
    weight = None if rho == 0 and gamma == 0 else _fh_weight(pooled_left_survival(table), rho, gamma)
    event_time = deaths > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = deaths if weight is None else weight * deaths
        exp_rows = _expected_rows(np.where(event_time, weighted, 0.0), n, at_risk, event_time)
        use = event_time & (at_risk > 1)
        squared = deaths if weight is None else weight * weight * deaths
        coef = np.where(use, squared * (at_risk - deaths) / (at_risk * (at_risk - 1.0)), 0.0)
        scaled = np.where(use, coef / at_risk, 0.0)
    obs_rows = d if weight is None else weight[:, None] * d
    k = d.shape[1]
    # one weighted bincount per quantity over (block, group) keys: each sum still adds its rows in table order
    keys = (table.block[:, None] * k + np.arange(k)).reshape(-1)
    observed = np.bincount(keys, weights=obs_rows.reshape(-1), minlength=n_strata * k).reshape(n_strata, k).T
    expected = np.bincount(keys, weights=exp_rows.reshape(-1), minlength=n_strata * k).reshape(n_strata, k).T
    variance = np.diag(coef @ n) - (n * scaled[:, None]).T @ n
    return LogRankSums(np.ascontiguousarray(observed), np.ascontiguousarray(expected), variance)


def _expected_rows(share: FloatArray, n: FloatArray, at_risk: FloatArray, event_time: NDArray[np.bool_]) -> FloatArray:
    """``share * n[:, j] / at_risk`` at event times, 0 elsewhere; column by column for a few groups (the same
    arithmetic without broadcasting over a short axis)."""
    k = n.shape[1]
    if k > 8:
        return np.where(event_time[:, None], share[:, None] * n / at_risk[:, None], 0.0)
    out = np.empty_like(n)
    for j in range(k):  # a loop over groups
        column = share * n[:, j]
        column /= at_risk
        out[:, j] = np.where(event_time, column, 0.0)
    return out


def _fh_weight(left: FloatArray, rho: float, gamma: float) -> FloatArray:
    """Fleming-Harrington weight ``S(t-)^rho (1 - S(t-))^gamma``."""
    weight: FloatArray = left**rho * (1.0 - left) ** gamma
    return weight


def _row_sums(x: FloatArray) -> FloatArray:
    """Sums over the columns of each row; two columns are added directly (the same sum, without a slow reduction
    over a short axis)."""
    out: FloatArray = x[:, 0] + x[:, 1] if x.shape[1] == 2 else x.sum(axis=1)
    return out

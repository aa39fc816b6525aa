"""Rank tests equal to R ``stats``: the Wilcoxon–Mann–Whitney rank-sum test and the Kruskal–Wallis test."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gistreg.core.errors import ComputationLimitError, EstimationError, InputError
from gistreg.stats._prep import as_float_vector, encode

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Alternative = Literal["two-sided", "less", "greater"]

_ALTERNATIVES = ("two-sided", "less", "greater")
#: Largest (m + n) * (min(m, n) + 1) * (m n + 1) for which the exact rank-sum distribution is tabulated.
MAX_EXACT_WORK = 2_000_000_000


@dataclass(frozen=True, slots=True)
class MannWhitneyResult:
    """Result of the two-sample Wilcoxon rank-sum (Mann–Whitney) test, as R ``wilcox.test(x, y)``.

    Attributes
    ----------
    statistic
        R's ``W``: the rank sum of ``x`` minus ``n_x (n_x + 1) / 2`` (the Mann–Whitney U of ``x``).
    p_value
        Exact or normal-approximation p-value for ``alternative``.
    alternative
        ``"two-sided"``, ``"less"`` or ``"greater"`` (location of ``x`` relative to ``y``).
    exact
        Whether the exact null distribution was used (only without ties, as R).
    continuity_correction
        Whether the normal approximation used the 0.5 continuity correction.
    ties
        Whether the pooled sample has tied values.
    n_x, n_y
        Sample sizes.
    method
        R's method string, e.g. ``"Wilcoxon rank sum exact test"``.
    """

    statistic: float
    p_value: float
    alternative: Alternative
    exact: bool
    continuity_correction: bool
    ties: bool
    n_x: int
    n_y: int
    method: str


@dataclass(frozen=True, slots=True, eq=False)
class KruskalWallisResult:
    """Result of the Kruskal–Wallis rank-sum test, as R ``kruskal.test(values, groups)``.

    Attributes
    ----------
    statistic, df, p_value
        Tie-corrected Kruskal–Wallis chi-squared, ``k - 1`` degrees of freedom and the upper-tail p-value.
    groups
        Group labels, sorted as R sorts factor levels.
    n
        Observations per group (same order).
    mean_ranks
        Mean rank of each group in the pooled sample (average ranks for ties).
    method
        ``"Kruskal-Wallis rank sum test"``.
    """

    statistic: float
    df: int
    p_value: float
    groups: tuple[Any, ...]
    n: IntArray
    mean_ranks: FloatArray
    method: str


def _check_alternative(alternative: str) -> Alternative:
    if alternative not in _ALTERNATIVES:
        raise InputError(f"alternative: got {alternative!r}; expected one of {', '.join(_ALTERNATIVES)}")
    return alternative  # type: ignore[return-value]


def _rank(values: FloatArray) -> FloatArray:
    """Average ranks (R ``rank(ties.method = "average")``)."""
    order = np.argsort(values, kind="stable")
    sorted_v = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_v[1:] != sorted_v[:-1]])
    ends = np.r_[starts[1:], values.shape[0]]
    avg = (starts + ends + 1) / 2.0  # mean of positions start+1 .. end
    ranks = np.empty(values.shape[0])
    ranks[order] = np.repeat(avg, ends - starts)
    return ranks


def _tie_sizes(values: FloatArray) -> IntArray:
    _, counts = np.unique(values, return_counts=True)
    return counts.astype(np.int64)


def rank_sum_distribution(m: int, n: int) -> FloatArray:
    """Null probabilities of W = 0..m n for samples of sizes ``m`` and ``n`` without ties (R ``dwilcox``).

    Counts the ``s``-subsets of ranks 1..m+n by their sum (``s = min(m, n)``; the distribution is symmetric in
    ``m`` and ``n``) with a vectorised knapsack recursion in float64, as R does with doubles.
    """
    s = min(m, n)
    total = m + n
    if total * (s + 1) * (m * n + 1) > MAX_EXACT_WORK:
        raise ComputationLimitError(
            f"mann_whitney: the exact distribution for sample sizes {m} and {n} is too large to tabulate"
            f" (limit {MAX_EXACT_WORK:,} cell updates); use exact=False (normal approximation)"
        )
    offset = s * (s + 1) // 2
    max_sum = offset + m * n
    dp = np.zeros((s + 1, max_sum + 1))
    dp[0, 0] = 1.0
    for t in range(1, total + 1):
        upper = min(t, s)
        # subsets of size j that contain t: (j-1)-subsets of 1..t-1 shifted by t; update sizes from old values
        dp[1 : upper + 1, t:] = dp[1 : upper + 1, t:] + dp[0:upper, : max_sum + 1 - t].copy()
    counts = dp[s, offset:]
    return np.asarray(counts / counts.sum(), dtype=np.float64)


def mann_whitney(
    x: ArrayLike,
    y: ArrayLike,
    *,
    alternative: Alternative = "two-sided",
    exact: bool | None = None,
    correct: bool = True,
) -> MannWhitneyResult:
    """Wilcoxon rank-sum (Mann–Whitney) test of two independent samples, equal to R ``wilcox.test(x, y)``.

    Parameters
    ----------
    x, y
        1-D arrays of finite numbers (missing values are refused with their position rather than dropped).
    alternative
        ``"two-sided"``, ``"less"`` (``x`` shifted below ``y``) or ``"greater"``.
    exact
        ``None`` (default): exact when both samples have fewer than 50 values, as R. The exact distribution is used
        only without ties; with ties the normal approximation is used even when ``exact=True`` (R warns "cannot
        compute exact p-value with ties"), and ``exact`` in the result records what was done.
    correct
        Continuity correction of 0.5 in the normal approximation.

    Returns
    -------
    MannWhitneyResult

    Raises
    ------
    InputError
        For an empty sample, non-finite values or an unknown ``alternative``.
    EstimationError
        When every pooled value is tied (the normal approximation has variance 0; R returns NaN).
    ComputationLimitError
        When an exact distribution is requested for samples too large to tabulate (:data:`MAX_EXACT_WORK`).

    Notes
    -----
    ``W = sum(ranks of x) - n_x (n_x + 1) / 2``. The normal approximation uses mean ``n_x n_y / 2`` and the
    tie-corrected variance ``n_x n_y / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1)))``; the two-sided exact p-value
    is ``min(1, 2 * smaller tail)``.

    References
    ----------
    Wilcoxon F. Individual comparisons by ranking methods. Biometrics Bull 1945;1:80-83.
    Mann HB, Whitney DR. On a test of whether one of two random variables is stochastically larger than the
    other. Ann Math Stat 1947;18:50-60.
    Hollander M, Wolfe DA, Chicken E. Nonparametric Statistical Methods, 3rd ed. Wiley, 2014; chapter 4.
    """
    alt = _check_alternative(alternative)
    xv = as_float_vector("x", x)
    yv = as_float_vector("y", y)
    if xv.shape[0] < 1:
        raise InputError("x: is empty; the rank-sum test needs at least one value in each sample")
    if yv.shape[0] < 1:
        raise InputError("y: is empty; the rank-sum test needs at least one value in each sample")
    nx, ny = xv.shape[0], yv.shape[0]
    pooled = np.concatenate([xv, yv])
    ranks = _rank(pooled)
    w = float(ranks[:nx].sum() - nx * (nx + 1) / 2.0)
    ties = bool(np.unique(ranks).shape[0] != ranks.shape[0])
    use_exact = (nx < 50 and ny < 50) if exact is None else bool(exact)
    if use_exact and not ties:
        p = _exact_p(w, nx, ny, alt)
        return MannWhitneyResult(w, p, alt, True, False, False, nx, ny, "Wilcoxon rank sum exact test")
    from scipy.special import ndtr

    t = _tie_sizes(ranks).astype(np.float64)
    n = float(nx + ny)
    sigma = math.sqrt((nx * ny / 12.0) * ((n + 1.0) - float((t**3 - t).sum()) / (n * (n - 1.0))))
    if sigma == 0.0:
        raise EstimationError(
            "mann_whitney: every value in x and y is the same, so the rank-sum statistic has variance 0 and no"
            " p-value"
        )
    z = w - nx * ny / 2.0
    correction = 0.0
    method = "Wilcoxon rank sum test"
    if correct:
        correction = {"two-sided": float(np.sign(z)) * 0.5, "greater": 0.5, "less": -0.5}[alt]
        method += " with continuity correction"
    z = (z - correction) / sigma
    if alt == "less":
        p = float(ndtr(z))
    elif alt == "greater":
        p = float(ndtr(-z))
    else:
        p = 2.0 * min(float(ndtr(z)), float(ndtr(-z)))
    return MannWhitneyResult(w, p, alt, False, correct, ties, nx, ny, method)


def _exact_p(w: float, nx: int, ny: int, alt: Alternative) -> float:
    probs = rank_sum_distribution(nx, ny)
    q = round(w)

    def lower(k: int) -> float:  # P(W <= k)
        return float(probs[: max(0, min(k, nx * ny) + 1)].sum()) if k >= 0 else 0.0

    def upper(k: int) -> float:  # P(W >= k), summed directly (no 1 - cdf cancellation)
        return float(probs[max(k, 0) :].sum()) if k <= nx * ny else 0.0

    if alt == "less":
        return lower(q)
    if alt == "greater":
        return upper(q)
    p = upper(q) if w > nx * ny / 2.0 else lower(q)
    return min(2.0 * p, 1.0)


def kruskal_wallis(values: ArrayLike, groups: ArrayLike) -> KruskalWallisResult:
    """Kruskal–Wallis rank-sum test of ``k`` independent groups, equal to R ``kruskal.test(values, groups)``.

    Parameters
    ----------
    values
        1-D array of finite numbers.
    groups
        Group label of each value (numbers or strings; missing labels are refused with their position).

    Returns
    -------
    KruskalWallisResult

    Raises
    ------
    InputError
        For non-finite values, mismatched lengths, fewer than 2 observations or fewer than 2 groups.
    EstimationError
        When every value is tied (the tie correction is 0 and the statistic undefined; R returns NaN).

    Notes
    -----
    ``H = (12 / (N (N + 1)) sum R_g^2 / n_g - 3 (N + 1)) / (1 - sum(t^3 - t) / (N^3 - N))`` with average ranks,
    referred to chi-squared on ``k - 1`` degrees of freedom.

    References
    ----------
    Kruskal WH, Wallis WA. Use of ranks in one-criterion variance analysis. J Am Stat Assoc 1952;47:583-621.
    Hollander M, Wolfe DA, Chicken E. Nonparametric Statistical Methods, 3rd ed. Wiley, 2014; chapter 6.
    """
    from scipy.special import chdtrc

    v = as_float_vector("values", values)
    n = v.shape[0]
    codes = encode("groups", groups, n)
    if codes.k < 2:
        raise InputError(
            f"groups: all {n} observations are in the same group ({codes.labels[0]!r} if any); the Kruskal-Wallis"
            " test needs at least 2 groups"
        )
    if n < 2:
        raise InputError(f"values: {n} observation(s); the Kruskal-Wallis test needs at least 2")
    ranks = _rank(v)
    sizes = np.bincount(codes.codes, minlength=codes.k).astype(np.int64)
    rank_sums = np.bincount(codes.codes, weights=ranks, minlength=codes.k)
    t = _tie_sizes(v).astype(np.float64)
    denom = 1.0 - float((t**3 - t).sum()) / (n**3 - n)
    if denom == 0.0:
        raise EstimationError("kruskal_wallis: every value is the same, so the rank statistic is undefined")
    h = float((rank_sums**2 / sizes).sum())
    statistic = (12.0 * h / (n * (n + 1.0)) - 3.0 * (n + 1.0)) / denom
    df = codes.k - 1
    return KruskalWallisResult(
        statistic=statistic,
        df=df,
        p_value=float(chdtrc(df, statistic)),
        groups=codes.labels,
        n=sizes,
        mean_ranks=rank_sums / sizes,
        method="Kruskal-Wallis rank sum test",
    )

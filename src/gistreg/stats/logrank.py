"""Log-rank and Fleming-Harrington G(rho, gamma) tests for k groups, optionally stratified and case-weighted,
equal to R ``survival`` 3.5-3 ``survdiff``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gistreg.core.errors import InputError, SingularInformationError
from gistreg.stats._kernels.counting import risk_set_table, risk_sets, sorting_needed
from gistreg.stats._kernels.logrank import LogRankSums, logrank_sums
from gistreg.stats._kernels.packed import packed_logrank_sums
from gistreg.stats._prep import as_event, as_weights, encode, fused_table, time_and_event

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class LogRankResult:
    """Result of a (weighted, stratified) log-rank test.

    Attributes
    ----------
    groups
        Group labels, sorted as R sorts factor levels; every array below follows this order.
    strata
        Stratum labels (``("all",)`` when unstratified).
    n
        Rows per group.
    observed, expected
        Shape (k,): (weighted) observed and expected events per group, summed over strata.
    observed_by_stratum, expected_by_stratum
        Shape (k, s): the same per stratum (R's ``obs``/``exp`` matrices).
    variance
        Shape (k, k): variance-covariance matrix of ``observed - expected`` (R's ``var``).
    statistic, df, p_value
        Chi-square statistic on ``df = k - 1`` degrees of freedom and its upper-tail p-value.
    rho, gamma
        Fleming-Harrington weight ``S(t-)^rho (1 - S(t-))^gamma``; (0, 0) is the log-rank test.
    weighted
        Whether case weights were given.
    """

    groups: tuple[Any, ...]
    strata: tuple[Any, ...]
    n: IntArray
    observed: FloatArray
    expected: FloatArray
    observed_by_stratum: FloatArray
    expected_by_stratum: FloatArray
    variance: FloatArray
    statistic: float
    df: int
    p_value: float
    rho: float
    gamma: float
    weighted: bool


def _check_weight_parameter(name: str, value: float, *, minimum: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InputError(f"{name}: got {value!r}; expected a finite number")
    v = float(value)
    if not math.isfinite(v) or (minimum is not None and v < minimum):
        bound = f" >= {minimum:g}" if minimum is not None else ""
        raise InputError(f"{name}: got {value!r}; expected a finite number{bound}")
    return v


def logrank(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    rho: float = 0.0,
    gamma: float = 0.0,
    weights: ArrayLike | None = None,
) -> LogRankResult:
    """Compare survival between k groups: log-rank / Fleming-Harrington G(rho, gamma) test (R ``survdiff``).

    Parameters
    ----------
    time : array-like, shape (n,)
        Follow-up times (>= 0); near-equal times are merged as R's ``aeqSurv`` does.
    event : array-like, shape (n,)
        1 for an event, 0 for censoring.
    group : array-like, shape (n,)
        Group labels (at least two levels, no missing values).
    strata : array-like, shape (n,), optional
        Stratum labels: the test sums within-stratum observed, expected and variances, as
        ``survdiff(Surv(time, status) ~ group + strata(s))``.
    rho, gamma : float
        Fleming-Harrington weights ``S(t-)^rho (1 - S(t-))^gamma`` with ``S`` the pooled left-continuous
        Kaplan-Meier estimate within the stratum. ``rho = gamma = 0`` is the log-rank test, ``rho = 1, gamma = 0``
        the Peto-Peto / Prentice modification of the Gehan-Wilcoxon test. R's ``survdiff`` has ``rho`` only;
        ``gamma`` must be >= 0.
    weights : array-like, shape (n,), optional
        Non-negative case (frequency) weights: every count becomes a weighted sum, so integer weights give
        exactly the test on the data with each row repeated ``weight`` times. R ``survdiff`` has no weights.

    Returns
    -------
    LogRankResult

    Raises
    ------
    InputError
        Invalid inputs (named with the first offending position) or a single group.
    SingularInformationError
        A group has nobody at risk at any event time (expected 0), or the variance matrix is singular; the
        message names the groups. (R ``survdiff`` silently drops zero-expected groups and lowers the df.)

    Notes
    -----
    At each event time ``O_g += w d_g``, ``E_g += w D n_g / N`` and the hypergeometric variance
    ``w^2 D (N - D) / (N (N - 1)) (diag(n) - n n' / N)`` (Mantel 1966; Peto & Peto 1972; Harrington & Fleming
    1982). The statistic is ``(O - E)' V^- (O - E)`` computed, as in R, by solving with the rows and columns of
    groups 2..k.

    The numbers at risk come from one counting table (``_kernels.counting``); unweighted whole-number times with
    integer or boolean events, groups and strata are checked and counted in one pass over the raw arrays
    (``_kernels.fused``), and other unweighted times are sorted once as packed keys and summed block by block
    without a table (``_kernels.packed``), with identical results.

    References
    ----------
    .. [1] Mantel N. Evaluation of survival data and two new rank order statistics arising in its
       consideration. Cancer Chemother Rep. 1966;50(3):163-170.
    .. [2] Peto R, Peto J. Asymptotically efficient rank invariant test procedures. J R Stat Soc A.
       1972;135(2):185-207.
    .. [3] Harrington DP, Fleming TR. A class of rank test procedures for censored survival data. Biometrika.
       1982;69(3):553-566.
    .. [4] Therneau TM. A package for survival analysis in R (survival 3.5-3), survdiff.
    """
    rho_f = _check_weight_parameter("rho", rho, minimum=None)
    gamma_f = _check_weight_parameter("gamma", gamma, minimum=0.0)
    fused = fused_table(time, event, group, strata) if weights is None else None
    if fused is not None:
        if len(fused.groups) < 2:
            _one_group(fused.groups[0])
        labels, strata_labels = fused.groups, fused.strata
        sets = risk_sets(fused.table, whole=True)
        sums, n = logrank_sums(sets, len(strata_labels), rho_f, gamma_f), sets.n
    else:
        sums, n, labels, strata_labels = _general_sums(time, event, group, strata, weights, rho_f, gamma_f)
    observed = sums.observed.sum(axis=1)
    expected = sums.expected.sum(axis=1)
    statistic = _chi_square(observed - expected, expected, sums.variance, labels)
    from scipy.special import chdtrc

    df = len(labels) - 1
    return LogRankResult(
        groups=labels,
        strata=strata_labels,
        n=n,
        observed=observed,
        expected=expected,
        observed_by_stratum=sums.observed,
        expected_by_stratum=sums.expected,
        variance=sums.variance,
        statistic=statistic,
        df=df,
        p_value=float(chdtrc(df, statistic)),
        rho=rho_f,
        gamma=gamma_f,
        weighted=weights is not None,
    )


def _one_group(label: Any) -> NoReturn:
    raise InputError(f"group: has only one level ({label!r}); the test needs at least two groups")


def _general_sums(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    strata: ArrayLike | None,
    weights: ArrayLike | None,
    rho: float,
    gamma: float,
) -> tuple[LogRankSums, IntArray, tuple[Any, ...], tuple[Any, ...]]:
    """Check the inputs and count them (any input the fused pass declines): unweighted times that must be sorted
    by the packed sort (``_kernels.packed``), anything else by :func:`risk_set_table`. Both give the same sums.

    Returns the sums (blocks: strata, columns: groups), the rows per group, the group labels and the stratum
    labels.
    """
    t, t_min, t_max, e = time_and_event(time, event, weights)
    n = t.shape[0]
    groups = encode("group", group, n)
    if groups.k < 2:
        _one_group(groups.labels[0])
    strat = encode("strata", strata, n) if strata is not None else None
    n_strata = strat.k if strat is not None else 1
    w = as_weights("weights", weights, n) if weights is not None else None
    blocks = strat.codes if strat is not None else None
    strata_labels = strat.labels if strat is not None else ("all",)
    if w is None and sorting_needed(t, (t_min, t_max)):
        packed = packed_logrank_sums(t, (t_min, t_max), e, blocks, n_strata, groups.codes, groups.k, rho, gamma)
        if packed is not None:
            return packed[0], packed[1], groups.labels, strata_labels
    if e.dtype != np.float64:  # integer events kept for the packed sort: the table route takes float 0/1
        e = as_event("event", event, n)
    table = risk_set_table(t, e, blocks, n_strata, groups.codes, groups.k, w, time_range=(t_min, t_max))
    sets = risk_sets(table, whole=w is None)
    return logrank_sums(sets, n_strata, rho, gamma), sets.n, groups.labels, strata_labels


def _chi_square(o_minus_e: FloatArray, expected: FloatArray, variance: FloatArray, labels: tuple[Any, ...]) -> float:
    """``(O - E)' V^- (O - E)`` by solving on groups 2..k, as R's survdiff; refuse a singular problem."""
    empty = [labels[i] for i in np.flatnonzero(expected == 0)]
    if empty:
        if len(empty) == len(labels):
            raise SingularInformationError("event: there are no events, so the groups cannot be compared")
        raise SingularInformationError(
            f"group: {', '.join(map(repr, empty))} has nobody at risk at any event time (expected events 0), "
            "so it cannot be compared; remove it (R survdiff silently drops such groups and lowers the df)"
        )
    diff = o_minus_e[1:]
    vv = variance[1:, 1:]
    eps = float(np.finfo(np.float64).eps)
    try:
        rcond = 1.0 / float(np.linalg.cond(vv, 1))
        if not rcond >= eps:
            raise np.linalg.LinAlgError
        solved = np.linalg.solve(vv, diff)
    except np.linalg.LinAlgError:
        zero = [labels[i] for i in np.flatnonzero(np.diag(variance) <= 0)]
        named = zero if zero else list(labels)
        raise SingularInformationError(
            f"group: the variance matrix of observed - expected is singular (no variance for groups"
            f" {', '.join(map(repr, named))}): at every event time a single subject is at risk, everyone at risk"
            " dies, or one group alone is at risk, so the groups cannot be compared"
        ) from None
    return float(np.sum(solved * diff))

"""Tests on contingency tables, equal to R ``stats``: Fisher's exact test (any r×c) and Pearson's chi-squared test.

``fisher_exact`` is exact and deterministic for every table size it accepts: 2×2 tables follow R's ``fisher.test``
formulas (conditional maximum-likelihood odds ratio and its exact confidence interval, found with R's root finder
so the numbers agree to rounding); larger tables use the network algorithm in
:mod:`gistreg.stats._kernels.fisher`, which raises :class:`~gistreg.core.errors.ComputationLimitError` for tables
too large to enumerate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gistreg.core.errors import InputError
from gistreg.stats._kernels.fisher import fisher_network_pvalue

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Alternative = Literal["two-sided", "less", "greater"]

_ALTERNATIVES = ("two-sided", "less", "greater")
#: R fisher.test (2×2): tables with density <= d_observed * (1 + 1e-7) count as "as or less likely".
_REL_ERR_2X2 = 1e-7
#: R FEXACT (r×c): the observed log path length is raised by 3.45254e-7 before comparing.
_LOG_TOL_RXC = 3.45254e-7
#: R uniroot's default tolerance, .Machine$double.eps^0.25.
_UNIROOT_TOL = float(np.finfo(np.float64).eps) ** 0.25
_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True, slots=True, eq=False)
class FisherResult:
    """Result of Fisher's exact test.

    Attributes
    ----------
    p_value
        Exact conditional p-value. Two-sided: the total probability of all tables with the observed margins that
        are no more probable than the observed one (relative tolerance as R).
    table
        The table tested (int64, as given, zero rows/columns kept).
    alternative
        ``"two-sided"``, ``"less"`` or ``"greater"`` (the last two only for 2×2 tables).
    odds_ratio
        2×2 only: the conditional maximum-likelihood estimate of the odds ratio (R's ``estimate``; 0 or inf at
        the ends of the support); ``None`` for larger tables.
    conf_int
        2×2 only: exact confidence interval for the odds ratio at ``conf_level`` (one-sided for less/greater, as R);
        ``None`` for larger tables.
    conf_level
        Confidence level of ``conf_int``.
    method
        ``"Fisher's Exact Test for Count Data"`` (R's method string).
    """

    p_value: float
    table: IntArray
    alternative: Alternative
    odds_ratio: float | None
    conf_int: tuple[float, float] | None
    conf_level: float
    method: str


@dataclass(frozen=True, slots=True, eq=False)
class ChiSquareResult:
    """Result of Pearson's chi-squared test of independence on a table (R ``chisq.test`` on a matrix).

    Attributes
    ----------
    statistic, df, p_value
        X-squared, its degrees of freedom ``(r - 1)(c - 1)`` and the upper-tail chi-square p-value.
    table
        The observed counts (float64).
    expected
        Expected counts under independence, ``row total * column total / n``.
    residuals
        Pearson residuals ``(observed - expected) / sqrt(expected)``.
    stdres
        Standardised residuals ``(observed - expected) / sqrt(V)`` (R's ``stdres``).
    n_expected_below_5
        Number of cells with an expected count below 5; R warns "Chi-squared approximation may be incorrect"
        when this is positive.
    continuity_correction
        Whether Yates' correction was applied (only for 2×2 tables with ``correct=True`` and a positive
        correction, as R).
    method
        R's method string, e.g. ``"Pearson's Chi-squared test with Yates' continuity correction"``.
    """

    statistic: float
    df: int
    p_value: float
    table: FloatArray
    expected: FloatArray
    residuals: FloatArray
    stdres: FloatArray
    n_expected_below_5: int
    continuity_correction: bool
    method: str


# ---------------------------------------------------------------------------------------------- input checks
def _as_count_table(table: ArrayLike, *, integer: bool) -> FloatArray:
    """Return ``table`` as a 2-D float64 array of non-negative (integer) counts with at least 2 rows and columns."""
    try:
        arr = np.asarray(table, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"table: expected a 2-D array of counts, got values that are not numeric ({exc})") from exc
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 2:
        raise InputError(f"table: expected a 2-D table with at least 2 rows and 2 columns, got shape {arr.shape}")
    bad = ~np.isfinite(arr) | (arr < 0)
    if integer:
        bad |= np.isfinite(arr) & (arr != np.round(arr))
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        what = "a non-negative whole number" if integer else "a non-negative finite number"
        raise InputError(f"table: row {i + 1}, column {j + 1} is {float(arr[i, j])!r}; every cell must be {what}")
    if arr.sum() == 0:
        raise InputError("table: every cell is 0; at least one count must be positive")
    return arr


def _check_alternative(alternative: str) -> Alternative:
    if alternative not in _ALTERNATIVES:
        raise InputError(f"alternative: got {alternative!r}; expected one of {', '.join(_ALTERNATIVES)}")
    return alternative  # type: ignore[return-value]


def _check_conf_level(conf_level: float) -> float:
    if isinstance(conf_level, bool) or not isinstance(conf_level, (int, float, np.floating, np.integer)):
        raise InputError(f"conf_level: got {conf_level!r}; expected a number strictly between 0 and 1")
    level = float(conf_level)
    if not 0.0 < level < 1.0:
        raise InputError(f"conf_level: got {conf_level!r}; expected a number strictly between 0 and 1")
    return level


# ---------------------------------------------------------------------------------------------- Fisher
def fisher_exact(
    table: ArrayLike, *, alternative: Alternative = "two-sided", conf_level: float = 0.95
) -> FisherResult:
    """Fisher's exact test of independence for an r×c table of counts, equal to R ``fisher.test``.

    Parameters
    ----------
    table
        2-D array-like of non-negative whole-number counts, at least 2×2. Rows or columns that are all zero are
        allowed (they do not change the set of tables, as in R); a table with no counts at all is refused.
    alternative
        ``"two-sided"`` (default), ``"less"`` or ``"greater"``. One-sided alternatives refer to the odds ratio
        and exist only for 2×2 tables.
    conf_level
        Confidence level of the 2×2 odds-ratio interval.

    Returns
    -------
    FisherResult
        ``odds_ratio`` and ``conf_int`` are set for 2×2 tables and ``None`` otherwise.

    Raises
    ------
    InputError
        For a table that is not 2-D, smaller than 2×2, has negative, fractional or non-finite cells or no counts,
        for an unknown ``alternative`` or a one-sided alternative on a larger table, and for ``conf_level``
        outside (0, 1).
    ComputationLimitError
        For an r×c table whose network of partial tables exceeds the kernel's documented work limit
        (:data:`gistreg.stats._kernels.fisher.DEFAULT_MAX_WORK`); such tables fail within seconds.

    Notes
    -----
    The two-sided p-value sums the probabilities of all tables with the observed margins whose probability is at
    most that of the observed table, with R's relative tolerance: ``1 + 1e-7`` for 2×2 tables (``fisher.test``)
    and ``exp(3.45254e-7)`` for larger ones (FEXACT). No Monte Carlo is ever used.

    For 2×2 tables the estimate is the conditional maximum-likelihood odds ratio (Agresti), the value solving
    ``E[X11] = x11`` under the noncentral hypergeometric distribution, and the interval inverts the two one-sided
    exact tests; both are found with the same Brent root finder and tolerance as R's ``uniroot``.

    References
    ----------
    Fisher RA. On the interpretation of chi-square from contingency tables, and the calculation of P.
    J R Stat Soc 1922;85:87-94.
    Mehta CR, Patel NR. A network algorithm for performing Fisher's exact test in r × c contingency tables.
    J Am Stat Assoc 1983;78:427-434.
    Clarkson DB, Fan Y, Joe H. A remark on algorithm 643: FEXACT, an algorithm for performing Fisher's exact
    test in r × c contingency tables. ACM Trans Math Softw 1993;19:484-488.
    Agresti A. Categorical Data Analysis, 3rd ed. Wiley, 2013; sections 3.5 and 16.6.
    Brent RP. Algorithms for Minimization without Derivatives. Prentice-Hall, 1973; chapter 4.
    """
    alt = _check_alternative(alternative)
    level = _check_conf_level(conf_level)
    counts = _as_count_table(table, integer=True).astype(np.int64)
    method = "Fisher's Exact Test for Count Data"
    if counts.shape == (2, 2):
        p, estimate, ci = _fisher_2x2(counts, alt, level)
        return FisherResult(p, counts, alt, estimate, ci, level, method)
    if alt != "two-sided":
        raise InputError(
            f"alternative: {alt!r} is defined only for 2×2 tables (an odds ratio); this table is "
            f"{counts.shape[0]}×{counts.shape[1]}, use alternative='two-sided'"
        )
    res = fisher_network_pvalue(counts, log_tol=_LOG_TOL_RXC)
    return FisherResult(res.p_value, counts, alt, None, None, level, method)


class _NoncentralHypergeometric:
    """Conditional distribution of ``x11`` given the margins, with odds ratio ``ncp`` (R's d/m/pnhyper)."""

    def __init__(self, table: IntArray) -> None:
        from scipy.special import gammaln

        m = int(table[:, 0].sum())
        n = int(table[:, 1].sum())
        k = int(table[0, :].sum())
        self.x = int(table[0, 0])
        self.lo = max(0, k - n)
        self.hi = min(k, m)
        self.support = np.arange(self.lo, self.hi + 1, dtype=np.float64)
        s = self.support
        # log dhyper(s, m, n, k)
        self.logdc = (
            gammaln(m + 1.0) - gammaln(s + 1.0) - gammaln(m - s + 1.0)
            + gammaln(n + 1.0) - gammaln(k - s + 1.0) - gammaln(n - k + s + 1.0)
            - gammaln(m + n + 1.0) + gammaln(k + 1.0) + gammaln(m + n - k + 1.0)
        )

    def density(self, ncp: float) -> FloatArray:
        d = self.logdc + math.log(ncp) * self.support
        d = np.exp(d - d.max())
        return np.asarray(d / d.sum(), dtype=np.float64)

    def mean(self, ncp: float) -> float:
        if ncp == 0:
            return float(self.lo)
        if math.isinf(ncp):
            return float(self.hi)
        return float((self.support * self.density(ncp)).sum())

    def cdf(self, q: int, ncp: float, *, upper: bool = False) -> float:
        """P(X <= q), or P(X >= q) with ``upper``."""
        if ncp == 0:
            return float(q <= self.lo) if upper else float(q >= self.lo)
        if math.isinf(ncp):
            return float(q <= self.hi) if upper else float(q >= self.hi)
        d = self.density(ncp)
        sel = self.support >= q if upper else self.support <= q
        return float(d[sel].sum())


def _fisher_2x2(table: IntArray, alt: Alternative, level: float) -> tuple[float, float, tuple[float, float]]:
    """p-value, conditional MLE and confidence interval for a 2×2 table, following R ``fisher.test`` step by step."""
    h = _NoncentralHypergeometric(table)
    x = h.x
    if alt == "less":
        p = h.cdf(x, 1.0)
    elif alt == "greater":
        p = h.cdf(x, 1.0, upper=True)
    else:
        d = h.density(1.0)
        p = float(d[d <= d[x - h.lo] * (1.0 + _REL_ERR_2X2)].sum())
    p = min(1.0, p)  # the sum of normalised densities can exceed 1 by an ulp
    estimate = _conditional_mle(h)
    if alt == "less":
        ci = (0.0, _ncp_upper(h, 1.0 - level))
    elif alt == "greater":
        ci = (_ncp_lower(h, 1.0 - level), math.inf)
    else:
        alpha = (1.0 - level) / 2.0
        ci = (_ncp_lower(h, alpha), _ncp_upper(h, alpha))
    return p, estimate, ci


def _root(f: Callable[[float], float], lower: float, upper: float) -> float:
    """R ``uniroot(f, c(lower, upper))$root`` with its default tolerance."""
    return _zeroin(f, lower, upper, f(lower), f(upper), _UNIROOT_TOL)


def _conditional_mle(h: _NoncentralHypergeometric) -> float:
    x = h.x
    if x == h.lo:
        return 0.0
    if x == h.hi:
        return math.inf
    mu = h.mean(1.0)
    if mu > x:
        return _root(lambda t: h.mean(t) - x, 0.0, 1.0)
    if mu < x:
        return 1.0 / _root(lambda t: h.mean(1.0 / t) - x, _EPS, 1.0)
    return 1.0


def _ncp_upper(h: _NoncentralHypergeometric, alpha: float) -> float:
    x = h.x
    if x == h.hi:
        return math.inf
    p = h.cdf(x, 1.0)
    if p < alpha:
        return _root(lambda t: h.cdf(x, t) - alpha, 0.0, 1.0)
    if p > alpha:
        return 1.0 / _root(lambda t: h.cdf(x, 1.0 / t) - alpha, _EPS, 1.0)
    return 1.0


def _ncp_lower(h: _NoncentralHypergeometric, alpha: float) -> float:
    x = h.x
    if x == h.lo:
        return 0.0
    p = h.cdf(x, 1.0, upper=True)
    if p > alpha:
        return _root(lambda t: h.cdf(x, t, upper=True) - alpha, 0.0, 1.0)
    if p < alpha:
        return 1.0 / _root(lambda t: h.cdf(x, 1.0 / t, upper=True) - alpha, _EPS, 1.0)
    return 1.0


def _zeroin(
    f: Callable[[float], float], ax: float, bx: float, fa: float, fb: float, tol: float, maxit: int = 1000
) -> float:
    """Brent's root finder (bisection, secant and inverse quadratic interpolation) as R's ``uniroot`` runs it.

    ``f(ax)`` and ``f(bx)`` must have opposite signs (or one is 0). The same steps, tolerance test
    ``2 eps |b| + tol / 2`` and iteration limit as R are used, so roots agree with R to rounding, not merely to
    ``tol``.
    """
    a, b = ax, bx
    c, fc = a, fa
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    for _ in range(maxit + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):  # make b the best approximation
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2.0 * _EPS * abs(b) + tol / 2.0
        new_step = (c - b) / 2.0
        if abs(new_step) <= tol_act or fb == 0.0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):  # try interpolation
            cb = c - b
            if a == c:  # linear
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:  # inverse quadratic
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0.0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2.0) and p < abs(prev_step * q / 2.0):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0.0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = f(b)
        if (fb > 0.0 and fc > 0.0) or (fb < 0.0 and fc < 0.0):
            c, fc = a, fa
    return b


# ---------------------------------------------------------------------------------------------- chi-square
def chi_square(table: ArrayLike, *, correct: bool = True) -> ChiSquareResult:
    """Pearson's chi-squared test of independence for an r×c table, equal to R ``chisq.test(x, correct=)``.

    Parameters
    ----------
    table
        2-D array-like of non-negative counts, at least 2×2 (R also accepts non-integer counts; so does this).
    correct
        Apply Yates' continuity correction; as in R it is used only for 2×2 tables, and equals
        ``min(0.5, |observed - expected|)`` over all cells.

    Returns
    -------
    ChiSquareResult

    Raises
    ------
    InputError
        For a table that is not 2-D, smaller than 2×2, has negative or non-finite cells or no counts, or has a row
        or column with total 0 (its expected counts would be 0 and R returns NaN; the message names it).

    Notes
    -----
    The statistic is ``sum((|O - E| - Y)^2 / E)`` with ``Y`` the Yates correction (0 unless applied), on
    ``(r - 1)(c - 1)`` degrees of freedom. ``n_expected_below_5`` counts the cells behind R's warning "Chi-squared
    approximation may be incorrect"; for such tables prefer :func:`fisher_exact`.

    References
    ----------
    Pearson K. On the criterion that a given system of deviations from the probable in the case of a correlated
    system of variables is such that it can be reasonably supposed to have arisen from random sampling.
    Philos Mag 1900;50:157-175.
    Yates F. Contingency tables involving small numbers and the chi-square test. Suppl J R Stat Soc 1934;1:217-235.
    Agresti A. Categorical Data Analysis, 3rd ed. Wiley, 2013; sections 3.2-3.3.
    """
    from scipy.special import chdtrc

    x = _as_count_table(table, integer=False)
    sr = x.sum(axis=1)
    sc = x.sum(axis=0)
    for name, totals in (("row", sr), ("column", sc)):
        zero = np.flatnonzero(totals == 0)
        if zero.size:
            raise InputError(
                f"table: {name} {int(zero[0]) + 1} has total 0, so its expected counts are 0 and the chi-squared "
                f"statistic is undefined; drop the empty {name}(s) {[int(z) + 1 for z in zero]} first"
            )
    n = float(x.sum())
    expected = np.outer(sr, sc) / n
    v = np.outer(sr, sc) * np.outer(n - sr, n - sc) / n**3
    yates = 0.0
    method = "Pearson's Chi-squared test"
    if correct and x.shape == (2, 2):
        yates = float(min(0.5, float(np.abs(x - expected).min())))
        if yates > 0:
            method += " with Yates' continuity correction"
    statistic = float((((np.abs(x - expected) - yates) ** 2) / expected).sum())
    df = (x.shape[0] - 1) * (x.shape[1] - 1)
    return ChiSquareResult(
        statistic=statistic,
        df=df,
        p_value=float(chdtrc(df, statistic)),
        table=x,
        expected=expected,
        residuals=(x - expected) / np.sqrt(expected),
        stdres=(x - expected) / np.sqrt(v),
        n_expected_below_5=int((expected < 5).sum()),
        continuity_correction=yates > 0,
        method=method,
    )

"""Cox proportional hazards regression, equal to R ``survival::coxph`` (survival 3.5-3).

``cox`` fits ``Surv(time, event) ~ covariates (+ strata) (+ cluster)`` with Efron or Breslow ties, case weights
and model-based or robust (sandwich, optionally clustered) variance, and returns a frozen :class:`CoxResult` with
the coefficients, hazard ratios and their confidence intervals, the likelihood-ratio, Wald and score (log-rank)
tests, and Harrell's concordance with R's standard error.  The arithmetic lives in ``gistreg.stats._kernels.cox``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from gistreg.core.errors import InputError, SingularInformationError
from gistreg.stats import _prep
from gistreg.stats._kernels import counting, cox_concordance
from gistreg.stats._kernels import cox as kernel
from gistreg.stats._prep import FloatArray, IntArray

TOLER_CHOL = float(np.finfo(np.float64).eps ** 0.75)  # R coxph.control(toler.chol)
TIME_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))  # R aeqSurv / all.equal


@dataclass(frozen=True, slots=True)
class CoxTest:
    """A chi-square test: statistic, degrees of freedom and upper-tail p-value."""

    statistic: float
    df: int
    p: float


@dataclass(frozen=True, slots=True)
class ConcordanceCounts:
    """Weighted pair counts behind the concordance (R ``fit$concordance`` order)."""

    concordant: float
    discordant: float
    tied_x: float
    tied_y: float
    tied_xy: float


@dataclass(frozen=True, slots=True)
class CoxResult:
    """A fitted Cox model (unrounded numbers; arrays are ordered as ``names``).

    ``se`` is always the model-based standard error; ``robust_se`` is the sandwich one (``None`` unless robust or
    clustered).  ``z``, ``p``, the hazard-ratio interval and ``wald_test`` use ``variance``, the variance actually
    used: robust when robust, model-based otherwise (as R).  ``information`` is the observed information at the
    estimate (the inverse of the model-based variance).  ``loglik_null`` is the log partial likelihood at
    beta = 0.  ``iterations`` counts Newton steps; when the fit did not converge it equals ``max_iter`` (R reports
    ``max_iter + 1``).  ``possibly_infinite`` names covariates whose coefficient may be infinite (monotone
    likelihood), and ``warnings`` holds R's warning texts.  ``means`` are the case-weighted covariate means used
    for centring (R's ``fit$means`` shows 0 for columns coded only -1/0/1, which R leaves uncentred).
    ``n_event`` counts event rows (unweighted, as R's ``nevent``).
    """

    names: tuple[str, ...]
    coef: FloatArray
    se: FloatArray
    robust_se: FloatArray | None
    hr: FloatArray
    hr_ci_lower: FloatArray
    hr_ci_upper: FloatArray
    z: FloatArray
    p: FloatArray
    conf_level: float
    variance: FloatArray
    naive_variance: FloatArray
    information: FloatArray
    means: FloatArray
    loglik_null: float
    loglik: float
    lr_test: CoxTest
    wald_test: CoxTest
    score_test: CoxTest
    robust_score_test: CoxTest | None
    concordance: float
    concordance_se: float
    concordance_counts: ConcordanceCounts
    n: int
    n_event: int
    n_strata: int
    n_clusters: int | None
    ties: Literal["efron", "breslow"]
    robust: bool
    converged: bool
    iterations: int
    possibly_infinite: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CoxInputs:
    """Validated arrays shared by :func:`cox` and ``cox_zph``."""

    time: FloatArray
    event: FloatArray
    x: FloatArray
    names: tuple[str, ...]
    weight: FloatArray
    strata: IntArray
    n_strata: int
    codes: counting.TimeCodes | None = None  # the times coded as positions among their distinct values


def fix_near_ties(time: FloatArray) -> tuple[FloatArray, counting.TimeCodes]:
    """Treat times closer than ``all.equal``'s tolerance as tied, as R ``aeqSurv`` (coxph's ``timefix=TRUE``).

    Returns the times with every run of near ties replaced by its first value, and their codes (positions among
    the distinct merged times), which ``kernel.prepare`` reuses.  Whole-number times of moderate size (days, say)
    are coded by counting, without a sort: two distinct integers below ``2**26`` are never that close.
    """
    codes = counting.code_times(time)
    fixed: FloatArray = codes.values[codes.index]
    return fixed, codes


def check_inputs(
    time: ArrayLike,
    event: ArrayLike,
    covariates: ArrayLike,
    names: Sequence[str] | None,
    strata: ArrayLike | None,
    weights: ArrayLike | None,
) -> CoxInputs:
    """Validate and cast the common inputs (weights must be > 0, as R ``coxph``)."""
    t = _prep.as_time("time", time)
    n = t.shape[0]
    ev = _prep.as_event("event", event, n)
    x, cols = _prep.as_covariates("covariates", covariates, n, names)
    w = _prep.as_weights("weights", weights, n)
    zero = w == 0
    if zero.any():
        i = int(np.flatnonzero(zero)[0])
        raise InputError(f"weights: position {i} is 0.0; Cox model weights must be > 0 (drop those rows instead)")
    st = _prep.encode("strata", strata, n)
    if n == 0 or x.shape[1] == 0:
        raise InputError(f"covariates: need at least one row and one covariate, got shape {x.shape}")
    if not ev.any():
        raise InputError(f"event: all {n} rows are censored; a Cox model needs at least one event")
    fixed, codes = fix_near_ties(t)
    return CoxInputs(fixed, ev, x, cols, w, st.codes, st.k, codes)


def singular_message(info: FloatArray, flagged: tuple[int, ...], names: tuple[str, ...]) -> str:
    """Name the redundant covariates and, for each, the covariates it is a combination of."""
    keep = [j for j in range(len(names)) if j not in flagged]
    parts = []
    for j in flagged:
        if not np.isfinite(info[j, j]) or info[j, j] <= TOLER_CHOL * max(float(np.max(np.abs(np.diag(info)))), 1.0):
            parts.append(f"{names[j]!r} does not vary within the risk sets (constant, or constant in every stratum)")
            continue
        coefs = np.linalg.lstsq(info[np.ix_(keep, keep)], info[keep, j], rcond=None)[0] if keep else np.zeros(0)
        scale = np.sqrt(np.abs(np.diag(info))[keep] / info[j, j]) if keep else np.zeros(0)
        involved = [names[k] for k, c, s in zip(keep, coefs, scale, strict=True) if abs(c) * s > 1e-6]
        with_ = ", ".join(repr(v) for v in involved) if involved else "other covariates"
        parts.append(f"{names[j]!r} is a linear combination of {with_} (collinear covariates)")
    return (
        "covariates: the information matrix is singular: " + "; ".join(parts)
        + ". Remove the redundant covariate(s) and refit."
    )


def _chi2_sf(stat: float, df: int) -> float:
    from scipy.special import chdtrc

    return float(chdtrc(df, stat))


def _wald(var: FloatArray, b: FloatArray) -> float:
    """``b' var^-1 b``; NaN when ``var`` is singular (possible for a robust variance with few clusters)."""
    if kernel.cholesky2_singular(var, np.ones(var.shape[0]), TOLER_CHOL):
        return float("nan")
    return float(b @ np.linalg.solve(var, b))


def _collapse(d: FloatArray, groups: IntArray | None) -> FloatArray:
    """Sum rows of ``d`` within groups (``None``: every row its own group)."""
    if groups is None:
        return d
    out = np.empty((int(groups.max()) + 1, d.shape[1]))
    for j in range(d.shape[1]):
        out[:, j] = np.bincount(groups, weights=d[:, j])
    return out


def _robust(
    ca: kernel.CoxArrays, beta: FloatArray, efron: bool, naive: FloatArray, groups: IntArray | None
) -> tuple[FloatArray, CoxTest | None]:
    """Sandwich variance ``D'D`` from dfbeta residuals, and the robust score test at beta = 0 (R ``rscore``)."""
    w = ca.weight[:, None]
    dfbeta = _collapse((kernel.score_residuals(ca, beta, efron) * w) @ naive, groups)
    var = dfbeta.T @ dfbeta
    score0 = _collapse(kernel.score_residuals(ca, np.zeros_like(beta), efron) * w, groups)
    s = score0.T @ score0
    u = score0.sum(axis=0)
    if kernel.cholesky2_singular(s, np.ones(s.shape[0]), TOLER_CHOL):
        return var, None
    stat = float(u @ np.linalg.solve(s, u))
    return var, CoxTest(stat, len(beta), _chi2_sf(stat, len(beta)))


def linear_predictor(ca: kernel.CoxArrays, beta: FloatArray) -> FloatArray:
    """Centred ``x beta`` in sorted order, accumulated column by column so equal rows give equal values."""
    lp = np.zeros(ca.x.shape[0])
    for j in range(beta.shape[0]):
        lp += ca.x[:, j] * beta[j]
    return lp


def _warnings(
    fit: kernel.NewtonFit, var: FloatArray, lp: FloatArray, names: tuple[str, ...], max_iter: int, tol: float
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """R ``coxph.fit``'s convergence warnings and the covariates whose coefficient may be infinite."""
    if max_iter <= 1:
        return (), ()
    infs = np.abs(fit.score @ var)
    if not fit.converged:
        msgs = ["Ran out of iterations and did not converge"]
        if float(np.max(lp, initial=-np.inf)) > 500 or not np.all(np.isfinite(infs)):
            msgs.append("one or more coefficients may be infinite")
        return tuple(msgs), ()
    flag = ~np.isfinite(fit.score) | ((infs > tol) & (infs > np.sqrt(tol) * np.abs(fit.beta)))
    bad = tuple(names[j] for j in np.flatnonzero(flag))
    if not bad:
        return (), ()
    return (f"Loglik converged before variable {', '.join(bad)}; coefficient may be infinite.",), bad


def cox(
    time: ArrayLike,
    event: ArrayLike,
    covariates: ArrayLike,
    *,
    names: Sequence[str] | None = None,
    strata: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    cluster: ArrayLike | None = None,
    robust: bool = False,
    ties: Literal["efron", "breslow"] = "efron",
    conf_level: float = 0.95,
    max_iter: int = 20,
    tol: float = 1e-9,
) -> CoxResult:
    """Fit a Cox proportional hazards model by maximum partial likelihood, as R ``coxph``.

    Parameters
    ----------
    time : array-like, shape (n,)
        Follow-up times (>= 0).  Times closer than R's ``all.equal`` tolerance are treated as tied, as
        ``coxph``'s default ``timefix = TRUE`` (``aeqSurv``) does.
    event : array-like, shape (n,)
        1 (event) or 0 (censored).
    covariates : array-like, shape (n, p)
        Numeric model matrix (build dummies for factors beforehand; no intercept).
    names : sequence of str, optional
        Covariate names (``x1..xp`` when omitted).
    strata : array-like, shape (n,), optional
        Stratum labels: a separate baseline hazard per stratum (``+ strata(s)``).
    weights : array-like, shape (n,), optional
        Case weights, > 0.  Unlike R, weights alone do not switch on the robust variance; ask with ``robust``.
    cluster : array-like, shape (n,), optional
        Cluster labels for the clustered sandwich variance (``+ cluster(id)``); implies ``robust``.
    robust : bool
        Use the sandwich variance from dfbeta residuals (``coxph(robust = TRUE)``).
    ties : {"efron", "breslow"}
        Handling of tied event times.
    conf_level : float
        Level of the hazard-ratio confidence intervals, in (0, 1).
    max_iter : int
        Newton-Raphson iteration limit (R ``iter.max``).
    tol : float
        Convergence tolerance on the relative change of the log partial likelihood (R ``eps``).

    Returns
    -------
    CoxResult
        Coefficients, standard errors, hazard ratios with intervals, tests and concordance.

    Raises
    ------
    InputError
        Malformed inputs (non-finite values, negative times, weights <= 0, bad options).
    SingularInformationError
        The information matrix is singular; the message names the redundant covariates and what they are
        collinear with (R instead returns ``NA`` coefficients).

    Notes
    -----
    Newton-Raphson starts at 0 and stops when ``|1 - loglik_old / loglik_new| <= tol``, returning the beta at which
    that loglik was computed; steps that lower the likelihood are halved back, exactly as ``coxfit6``.  When the
    likelihood is monotone (a coefficient drifts to infinity) the fit is returned, not raised:
    ``possibly_infinite`` names the covariates and ``warnings`` repeats R's warning.  The robust variance is
    ``D'D`` with ``D`` the weighted dfbeta residuals summed within clusters (Lin & Wei 1989); the robust score test
    is R's ``rscore``.  The concordance and its standard error follow ``concordancefit(..., reverse = TRUE)``
    (Harrell's C; ties in the risk score count 1/2; the standard error comes from the influence of each
    observation, by cluster when clustered).

    References
    ----------
    Cox DR (1972). Regression models and life-tables. J R Stat Soc B 34:187-220.
    Breslow NE (1974). Covariance analysis of censored survival data. Biometrics 30:89-99.
    Efron B (1977). The efficiency of Cox's likelihood function for censored data. JASA 72:557-565.
    Lin DY, Wei LJ (1989). The robust inference for the Cox proportional hazards model. JASA 84:1074-1078.
    Harrell FE, Califf RM, Pryor DB, Lee KL, Rosati RA (1982). Evaluating the yield of medical tests. JAMA
    247:2543-2546.
    Therneau TM, Watson DA (2017). The concordance statistic and the Cox model. Mayo Clinic technical report 85
    (survival package vignette "concordance").
    Therneau TM, Grambsch PM (2000). Modeling Survival Data: Extending the Cox Model. Springer.
    """
    if ties not in ("efron", "breslow"):
        raise InputError(f"ties: {ties!r} is not allowed; use 'efron' or 'breslow'")
    if not 0.0 < conf_level < 1.0:
        raise InputError(f"conf_level must be in (0, 1), got {conf_level!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 0:
        raise InputError(f"max_iter must be an integer >= 0, got {max_iter!r}")
    if not tol > 0:
        raise InputError(f"tol must be > 0, got {tol!r}")
    inp = check_inputs(time, event, covariates, names, strata, weights)
    cl = None if cluster is None else _prep.encode("cluster", cluster, inp.time.shape[0])
    is_robust = bool(robust) or cl is not None
    efron = ties == "efron"
    ca = kernel.prepare(inp.time, inp.event, inp.x, inp.weight, inp.strata, codes=inp.codes)
    mad = ca.mean_abs_dev  # coxfit6's column scaling, used only to judge singularity as R does
    scale = np.where(mad > 0, 1.0 / np.where(mad > 0, mad, 1.0), 1.0)
    fit = kernel.newton(ca, efron=efron, max_iter=max_iter, eps=tol, toler_chol=TOLER_CHOL, scale=scale)
    if fit.singular:
        raise SingularInformationError(singular_message(fit.info, fit.singular, inp.names))
    naive = np.linalg.inv(fit.info)
    naive = (naive + naive.T) / 2
    groups = None if cl is None else cl.codes[ca.order]
    var, rscore = (naive, None)
    if is_robust:
        var, rscore = _robust(ca, fit.beta, efron, naive, groups)
    lp = linear_predictor(ca, fit.beta)
    conc = cox_concordance.concordance(ca, lp, inp.strata[ca.order], groups)
    warns, infinite = _warnings(fit, naive, lp, inp.names, max_iter, tol)
    if is_robust and rscore is None:
        warns += ("robust score test not computed: the summed score residuals at beta = 0 have a singular"
                  " cross-product (too few clusters for the number of covariates)",)
    if not np.isfinite(_wald(var, fit.beta)):
        warns += ("Wald test not computed: the variance matrix is singular (too few clusters for the number of"
                  " covariates)",)
    return _result(inp, fit, naive, var, rscore, conc, ties, conf_level, is_robust, cl, warns, infinite, ca.means)


def _result(
    inp: CoxInputs,
    fit: kernel.NewtonFit,
    naive: FloatArray,
    var: FloatArray,
    rscore: CoxTest | None,
    conc: cox_concordance.ConcordanceArrays,
    ties: Literal["efron", "breslow"],
    conf_level: float,
    is_robust: bool,
    cl: _prep.Codes | None,
    warns: tuple[str, ...],
    infinite: tuple[str, ...],
    ca_means: FloatArray,
) -> CoxResult:
    from scipy.special import ndtr, ndtri

    p = len(inp.names)
    beta = fit.beta
    se = np.sqrt(np.diag(naive))
    used_se = np.sqrt(np.diag(var))
    z = beta / used_se
    q = float(ndtri((1 + conf_level) / 2))
    lr = 2 * (fit.loglik - fit.loglik_init)
    wald = _wald(var, beta)
    with np.errstate(over="ignore"):  # an infinite upper limit is the right answer for a huge se
        lower, upper = np.exp(beta - q * used_se), np.exp(beta + q * used_se)
    return CoxResult(
        names=inp.names,
        coef=beta,
        se=se,
        robust_se=used_se if is_robust else None,
        hr=np.exp(beta),
        hr_ci_lower=lower,
        hr_ci_upper=upper,
        z=z,
        p=2 * ndtr(-np.abs(z)),
        conf_level=conf_level,
        variance=var,
        naive_variance=naive,
        information=fit.info,
        means=ca_means,
        loglik_null=fit.loglik_init,
        loglik=fit.loglik,
        lr_test=CoxTest(lr, p, _chi2_sf(lr, p)),
        wald_test=CoxTest(wald, p, _chi2_sf(wald, p)),
        score_test=CoxTest(fit.score_test, p, _chi2_sf(fit.score_test, p)),
        robust_score_test=rscore,
        concordance=conc.concordance,
        concordance_se=conc.std,
        concordance_counts=ConcordanceCounts(*(float(v) for v in conc.counts)),
        n=int(inp.time.shape[0]),
        n_event=int(inp.event.sum()),
        n_strata=inp.n_strata,
        n_clusters=None if cl is None else cl.k,
        ties=ties,
        robust=is_robust,
        converged=fit.converged,
        iterations=fit.iterations,
        possibly_infinite=infinite,
        warnings=warns,
    )

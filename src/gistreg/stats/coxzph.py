"""Test of proportional hazards for a Cox fit, equal to R ``survival::cox.zph`` (survival 3.x).

The 3.x test is a score test, at the fitted coefficients, for adding ``g(t) x`` to the model, computed with the
full ``2p x 2p`` information matrix (not the older Schoenfeld-residual regression).  The scaled Schoenfeld residuals
used for plots are returned as well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from gistreg.core.errors import InputError
from gistreg.stats._kernels import cox as kernel
from gistreg.stats._prep import FloatArray, IntArray
from gistreg.stats.cox import CoxResult, check_inputs

Transform = Literal["km", "identity", "rank", "log"]


@dataclass(frozen=True, slots=True)
class CoxZphResult:
    """Per-term and global tests of proportional hazards, with the data for Schoenfeld-residual plots.

    ``chisq``, ``df`` and ``p`` have one entry per term (in ``terms`` order); the ``global_*`` fields are ``None``
    when the global test was not asked for.  ``time`` are the event times sorted by stratum and time (R's order),
    ``transformed_time`` their ``g(t)`` (R's ``x``), ``scaled_schoenfeld`` the scaled Schoenfeld residuals plus
    the coefficient (R's ``y``; NaN where a term does not vary in a stratum), ``variance`` R's ``var`` and
    ``stratum`` the stratum code of each event.
    """

    transform: Transform
    terms: tuple[str, ...]
    chisq: FloatArray
    df: IntArray
    p: FloatArray
    global_chisq: float | None
    global_df: int | None
    global_p: float | None
    time: FloatArray
    transformed_time: FloatArray
    scaled_schoenfeld: FloatArray
    variance: FloatArray
    stratum: IntArray


def _term_columns(
    terms: bool | Mapping[str, Sequence[str]], names: tuple[str, ...]
) -> tuple[tuple[str, ...], list[list[int]]]:
    """Term names and their covariate columns (one term per column unless a mapping groups them)."""
    if isinstance(terms, bool):
        return names, [[j] for j in range(len(names))]
    index = {v: j for j, v in enumerate(names)}
    cols: list[list[int]] = []
    seen: set[str] = set()
    for term, members in terms.items():
        if isinstance(members, str):
            members = [members]
        if not members:
            raise InputError(f"terms: term {term!r} has no covariates")
        for m in members:
            if m not in index:
                raise InputError(f"terms: term {term!r} names {m!r}, which is not a covariate; covariates: {names}")
            if m in seen:
                raise InputError(f"terms: covariate {m!r} appears in more than one term")
            seen.add(m)
        cols.append([index[m] for m in members])
    missing = [v for v in names if v not in seen]
    if missing:
        raise InputError(f"terms: covariates {missing} belong to no term; every covariate must be in one term")
    return tuple(terms), cols


def _transform_at(time: FloatArray, event: FloatArray, at: FloatArray, transform: Transform) -> FloatArray:
    """``g`` at the times ``at``: left-continuous 1 - KM (unweighted, all strata together), identity, rank, log."""
    if transform == "identity":
        return at.copy()
    if transform == "log":
        return np.log(at)
    ts = np.sort(time)
    if transform == "rank":  # average rank among all observed times, as R rank()
        lo = np.searchsorted(ts, at, side="left")
        hi = np.searchsorted(ts, at, side="right")
        out: FloatArray = lo + (hi - lo + 1) / 2.0
        return out
    uniq, first = np.unique(ts, return_index=True)
    at_risk = time.shape[0] - first
    deaths = np.bincount(np.searchsorted(uniq, time), weights=event, minlength=uniq.shape[0])
    surv = np.cumprod(1.0 - deaths / at_risk)
    idx = np.searchsorted(uniq, at, side="left") - 1
    s_before = np.where(idx >= 0, surv[np.maximum(idx, 0)], 1.0)
    res: FloatArray = 1.0 - s_before
    return res


def _chi2_sf(stat: FloatArray, df: IntArray) -> FloatArray:
    from scipy.special import chdtrc

    out: FloatArray = chdtrc(df, stat)
    return out


def _score_stat(u: FloatArray, info: FloatArray, keep: list[int]) -> float:
    uu = u[keep]
    return float(uu @ np.linalg.solve(info[np.ix_(keep, keep)], uu))


def _used(x: FloatArray, strata: IntArray, n_strata: int, n_events: IntArray) -> IntArray:
    """R ``zph1``'s ``used``: events in the stratum when the covariate varies there, else 0 (strata x covariates)."""
    p = x.shape[1]
    lo = np.full((n_strata, p), np.inf)
    hi = np.full((n_strata, p), -np.inf)
    np.minimum.at(lo, strata, x)
    np.maximum.at(hi, strata, x)
    out: IntArray = np.where(hi > lo, n_events[:, None], 0).astype(np.int64)
    return out


def _scaled_schoenfeld(
    schoen: FloatArray,
    stratum: IntArray,
    used: IntArray,
    info11: FloatArray,
    coef: FloatArray,
    cols: list[list[int]],
) -> tuple[FloatArray, FloatArray]:
    """R ``cox.zph``'s ``y`` and ``var``: per stratum, residuals times the inverse of the averaged information."""
    p = coef.shape[0]
    used = used.copy()
    for c in cols:
        if len(c) > 1 and (used[:, c] == 0).any():
            used[:, c] = used[:, c].max(axis=1)[:, None]
    wtmat = sum((np.minimum.outer(u, u) for u in used), start=np.zeros((p, p)))
    vmean = info11 / np.where(wtmat == 0, 1.0, wtmat)
    temp = np.zeros((p, len(cols)))
    for i, c in enumerate(cols):
        temp[c, i] = 1.0 if len(c) == 1 else coef[c]
    sres = schoen @ temp
    vmean = temp.T @ vmean @ temp
    used = used[:, [c[0] for c in cols]]
    for s in range(used.shape[0]):
        k = used[s] > 0
        rows = stratum == s
        if k.any():
            sres[np.ix_(rows, k)] = sres[np.ix_(rows, k)] @ np.linalg.inv(vmean[np.ix_(k, k)]).T
        sres[np.ix_(rows, ~k)] = np.nan
    sres += np.array([coef[c[0]] if len(c) == 1 else 1.0 for c in cols])
    var: FloatArray = np.linalg.inv(vmean).astype(np.float64)
    return sres, var


def cox_zph(
    fit: CoxResult,
    time: ArrayLike,
    event: ArrayLike,
    covariates: ArrayLike,
    *,
    strata: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    transform: Transform = "km",
    terms: bool | Mapping[str, Sequence[str]] = True,
    global_: bool = True,
) -> CoxZphResult:
    """Test the proportional-hazards assumption of a Cox fit, as R ``cox.zph`` (survival 3.x).

    Parameters
    ----------
    fit : CoxResult
        The fit to test, from :func:`gistreg.stats.cox`.
    time, event, covariates, strata, weights
        The same arrays the fit was computed from (checked against ``fit``: row count, covariates, loglik).
    transform : {"km", "identity", "rank", "log"}
        Time scale ``g(t)``: ``"km"`` is 1 - the left-continuous Kaplan-Meier estimate (unweighted, all strata
        together), ``"rank"`` the average rank of the time among all observations.
    terms : bool or mapping of str to sequence of str
        ``True``/``False``: one test per covariate.  A mapping ``{term: [covariate, ...]}`` groups columns (e.g.
        the dummies of a factor) into one multi-df test, as R does for a factor term.
    global_ : bool
        Also compute the global test over all covariates.

    Returns
    -------
    CoxZphResult
        Chi-square, df and p per term (and globally), and the scaled Schoenfeld residuals.

    Notes
    -----
    For covariate block ``X`` and centred ``g`` (``g(t)`` minus its mean over the events), the statistic is the
    score test for ``gamma = 0`` in ``beta' x + gamma' g(t) x`` at ``beta = fit.coef``: ``U' I^-1 U`` with ``U``
    the score of the ``g(t) x`` block and ``I`` the ``2p x 2p`` information (rows of ``beta`` kept in every term's
    test).  Ties are handled as in the fit (Efron or Breslow).

    References
    ----------
    Grambsch PM, Therneau TM (1994). Proportional hazards tests and diagnostics based on weighted residuals.
    Biometrika 81:515-526.
    Therneau TM, Grambsch PM (2000). Modeling Survival Data: Extending the Cox Model. Springer, chapter 6.
    """
    if transform not in ("km", "identity", "rank", "log"):
        raise InputError(f"transform: {transform!r} is not allowed; use 'km', 'identity', 'rank' or 'log'")
    inp = check_inputs(time, event, covariates, fit.names, strata, weights)
    p = len(fit.names)
    if inp.time.shape[0] != fit.n or inp.x.shape[1] != p:
        raise InputError(
            f"cox_zph: arrays have {inp.time.shape[0]} rows and {inp.x.shape[1]} covariates, but the fit has "
            f"{fit.n} rows and {p} covariates; pass the arrays the fit was computed from"
        )
    if transform == "log" and (inp.time <= 0).any():
        raise InputError("transform='log' needs times > 0")
    names, cols = _term_columns(terms, fit.names)
    efron = fit.ties == "efron"
    ca = kernel.prepare(inp.time, inp.event, inp.x, inp.weight, inp.strata, codes=inp.codes)
    beta = np.asarray(fit.coef, dtype=np.float64)
    loglik = kernel.loglik_at(ca, beta, efron)
    if not np.isclose(loglik, fit.loglik, rtol=1e-8, atol=1e-10):
        raise InputError(
            f"cox_zph: the log partial likelihood of these arrays at the fitted coefficients is {loglik!r}, the fit's"
            f" is {fit.loglik!r}; pass the same time, event, covariates, strata and weights as to cox()"
        )
    tt_run = _transform_at(inp.time, inp.event, ca.run_time, transform)
    g_run = tt_run - float(ca.run_size @ tt_run) / float(ca.run_size.sum())
    u2, info = kernel.zph_score_info(ca, beta, efron, g_run)
    u = np.concatenate((np.zeros(p), u2))
    first = list(range(p))
    chisq = np.array([_score_stat(u, info, first + [p + j for j in c]) for c in cols])
    df = np.array([len(c) for c in cols], dtype=np.int64)
    g_chisq = _score_stat(u, info, list(range(2 * p))) if global_ else None
    # Schoenfeld residuals in R's order: stratum, time, then row
    d = ca.death_rows
    rows = ca.order[d]
    ordr = np.lexsort((rows, inp.time[rows], inp.strata[rows]))
    schoen = (ca.x[d] - kernel.schoenfeld_means(ca, beta, efron))[ordr]
    ev_stratum = inp.strata[rows][ordr]
    n_ev = np.bincount(ev_stratum, minlength=inp.n_strata)
    used = _used(inp.x, inp.strata, inp.n_strata, n_ev)
    y, var = _scaled_schoenfeld(schoen, ev_stratum, used, info[:p, :p], beta, cols)
    return CoxZphResult(
        transform=transform,
        terms=names,
        chisq=chisq,
        df=df,
        p=_chi2_sf(chisq, df),
        global_chisq=g_chisq,
        global_df=p if global_ else None,
        global_p=float(_chi2_sf(np.array([g_chisq]), np.array([p]))[0]) if g_chisq is not None else None,
        time=inp.time[rows][ordr],
        transformed_time=tt_run[ca.death_run][ordr],
        scaled_schoenfeld=y,
        variance=var,
        stratum=ev_stratum,
    )

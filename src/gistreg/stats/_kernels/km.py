"""Kaplan-Meier kernels: product-limit estimate, variances, confidence bands, quantiles and values at times.

Everything here works on the arrays of one curve (the rows of one block of a
:class:`~gistreg.stats._kernels.counting.RiskSetTable`), vectorised over its distinct times. The formulas and the
order of floating-point operations follow R ``survival`` 3.5-3 (``survfitkm.c``, ``survfit_confint``,
``quantile.survfit``, ``summary.survfit``, ``survmean``) so that results agree to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from gistreg.stats._kernels.counting import TIME_TOLERANCE

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ProductLimit:
    """Survival and standard errors at each distinct time of one curve.

    ``std_err`` is the standard error of ``log S`` (R's ``std.err`` for the Greenwood variance, the standard
    error of the cumulative hazard); ``std_err_survival`` is the standard error of ``S`` itself.
    """

    survival: FloatArray
    std_err: FloatArray
    std_err_survival: FloatArray


def product_limit(n_risk: FloatArray, n_event: FloatArray) -> ProductLimit:
    """Kaplan-Meier estimate with the Greenwood variance.

    Preconditions: ``n_risk`` and ``n_event`` are the (weighted) numbers at risk and events at the ascending
    distinct times of one curve; ``0 <= n_event <= n_risk``.

    ``S(t) = prod (n - d) / n`` and ``var(log S) = sum d / (n (n - d))`` over times with ``d > 0``. When
    ``n == d`` the variance term is infinite and ``S`` is 0 from then on, as in R (``std.err`` is ``Inf``).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if n_risk.shape[0] and np.minimum.reduce(n_risk) >= 1:
            # with n >= 1 a row without deaths gives factor (n - 0) / n = 1 and term 0 / (n n) = 0 exactly, so no
            # row needs to be singled out; intermediate arrays are reused
            left = np.subtract(n_risk, n_event)
            survival = np.divide(left, n_risk)
            term = np.multiply(n_risk, left, out=left)
            np.divide(n_event, term, out=term)
            np.multiply.accumulate(survival, out=survival)
            std_err = np.sqrt(np.add.accumulate(term, out=term), out=term)
        else:
            has = n_event > 0
            factor = np.where(has, (n_risk - n_event) / n_risk, 1.0)
            term = np.where(has, n_event / (n_risk * (n_risk - n_event)), 0.0)
            survival = np.cumprod(factor, dtype=np.float64)
            std_err = np.sqrt(np.cumsum(term, dtype=np.float64))
        std_err_survival = std_err * survival
    return ProductLimit(survival, std_err, std_err_survival)


def product_limit_jackknife(
    n_risk: FloatArray, n_event: FloatArray, sq_event: FloatArray, sq_censor: FloatArray
) -> ProductLimit:
    """Kaplan-Meier estimate with the infinitesimal-jackknife (robust) variance, each row its own cluster.

    Preconditions: as :func:`product_limit`, plus ``sq_event``/``sq_censor``: sums of squared case weights of the
    events and censorings at each time.

    R ``survfit`` switches to this variance when case weights are not whole numbers. The influence of a row
    ``k`` with weight ``w`` on ``S(t_i)`` is ``-S(t_i) w A_k(i)`` with
    ``A_k(i) = sum_{j <= i} (dN_k(t_j) - Y_k(t_j) d_j / n_j) / (n_j - d_j)``; summing the squares in closed
    form gives ``var S(t_i) = S(t_i)^2 [C_i^2 R_i + sum_{m <= i} (Q^d_m (e_m - C_m)^2 + Q^c_m C_m^2)]`` with
    ``C`` the Greenwood sum, ``e_m = 1 / (n_m - d_m)``, ``R_i`` the squared weights still at risk after
    ``t_i`` and ``Q`` the squared weights leaving at ``t_m``. This equals the per-row recursion of
    ``survfitkm.c`` without a loop over rows. Survival is ``prod (1 - d / n)`` as in that code path.
    """
    has = n_event > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(has, n_event / n_risk, 0.0)
        survival = np.cumprod(1.0 - hazard, dtype=np.float64)
        greenwood = np.cumsum(np.where(has, n_event / (n_risk * (n_risk - n_event)), 0.0))
        inv_left = np.where(has, 1.0 / (n_risk - n_event), 0.0)
        leaving = sq_event + sq_censor
        after = np.cumsum(leaving[::-1])[::-1] - leaving
        gone = np.cumsum(sq_event * (inv_left - greenwood) ** 2 + sq_censor * greenwood**2)
        var = survival * survival * (greenwood * greenwood * after + gone)
        # Once S reaches 0 every influence is exactly 0 in the recursion (the formula above would be 0 * inf).
        var = np.where(survival > 0, var, 0.0)
        std_err_survival = np.sqrt(var, dtype=np.float64)
        std_err = np.where(std_err_survival == 0, 0.0, std_err_survival / survival)
    return ProductLimit(survival, std_err, std_err_survival)


def confidence_band(
    survival: FloatArray, std_err: FloatArray, z: float, conf_type: str
) -> tuple[FloatArray, FloatArray]:
    """Pointwise confidence limits of ``S`` as R ``survival:::survfit_confint`` (``conf.lower = "usual"``).

    ``std_err`` is the standard error of ``log S``. Limits that R leaves ``NA`` are NaN: ``"log"`` where
    ``S = 0``; ``"log-log"`` where ``S`` is 0 or 1.
    """
    p = survival
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            se2 = std_err * p * z
            return np.maximum(p - se2, 0.0), np.minimum(p + se2, 1.0)
        if conf_type == "log":
            xx = p if p.shape[0] and np.minimum.reduce(p) > 0 else np.where(p == 0, np.nan, p)
            se2 = z * std_err
            log_p = np.log(xx)
            lower = np.subtract(log_p, se2)
            np.exp(lower, out=lower)
            upper = np.add(log_p, se2, out=log_p)
            np.exp(upper, out=upper)
            return lower, np.minimum(upper, 1.0, out=upper)
        xx = np.where((p == 0) | (p == 1), np.nan, p)
        se2 = z * std_err / np.log(xx)
        return np.exp(-np.exp(np.log(-np.log(xx)) - se2)), np.exp(-np.exp(np.log(-np.log(xx)) + se2))


def _approx_right_index(v: FloatArray, p: float) -> float:
    """R ``approx(v, seq_along(v), p, method = "constant", f = 1)$y`` (NaN where R gives NA).

    R drops NA pairs, sorts ``v`` and gives tied values the mean index (``regularize.values``); the result is the
    (1-based) index of the smallest ``v >= p``, NA when ``p`` is outside the range of ``v``. Found here without
    sorting: the smallest value ``>= p`` and the mean position of the entries equal to it.
    """
    at_least = v >= p  # NaN never is
    if not at_least.any() or p < np.fmin.reduce(v):  # fmin skips NaN
        return float("nan")
    positions = np.flatnonzero(v == v[at_least].min()) + 1.0
    return float(positions[0]) if positions.shape[0] == 1 else float(positions.sum() / positions.shape[0])


def _at(x: FloatArray, index: float) -> float:
    """``x[index]`` with R's rules: NA index gives NA, a fractional index is truncated."""
    return float("nan") if np.isnan(index) else float(x[int(index) - 1])


def find_quantile(x: FloatArray, y: FloatArray, p: float, tol: float = TIME_TOLERANCE) -> float:
    """The time at which the step function ``y`` (a cumulative probability) reaches ``p``: R ``survival:::findq``.

    Parameters
    ----------
    x
        ``c(start, time)``: the start time (0) followed by the curve's distinct times.
    y
        ``c(0, 1 - s)`` for the curve (``s`` the survival or one of its confidence limits; NaN allowed).
    p
        The probability (``1 - p`` is the survival level).
    tol
        R's ``sqrt(.Machine$double.eps)``.

    Returns
    -------
    float
        The first time ``y >= p - tol`` averaged with the first time ``y >= p + tol`` (so a curve sitting exactly
        on ``1 - p`` over an interval gives the interval's midpoint; when it sits there until its last time, the
        midpoint with the last time); NaN when ``y`` never reaches ``p``.

    Notes
    -----
    R's ``findq`` returns NA for all probabilities at once when the largest ``y`` is below the smallest requested
    probability; applied to one probability at a time, as here, this is the result of
    ``quantile(fit, probs = p)``.
    """
    if bool(np.all(np.diff(y) >= 0)):  # non-decreasing, no NaN (a survival curve; most limits)
        return _find_quantile_monotone(_steps(float(x[0]), x[1:]), _steps(float(y[0]), y[1:]), p, tol)
    if not (np.fmax.reduce(y) >= p):  # the largest value, NaN skipped
        return float("nan")
    xmax = float(x[-1])
    _, first = np.unique(y, return_index=True)  # R's duplicated(): first occurrence of each value, NaN included
    keep = np.sort(first)
    xk, yk = x[keep], y[keep]
    i1 = _approx_right_index(yk + tol, p)
    i2 = _approx_right_index(yk - tol, p)
    quant = (_at(xk, i1) + _at(xk, i2)) / 2
    if p == 0:
        quant = float(xk[0])
    last = float(yk[-1])
    if not np.isnan(last) and abs(p - last) < tol:
        quant = (_at(xk, i1) + xmax) / 2
    return quant


#: Below this many entries a step vector is formed (one cheap pass) and searched in compiled code.
_FORM_BELOW = 1 << 16


class _Steps:
    """The vector ``c(head, v)``, or ``c(head, 1 - v)`` with ``flip``, read entry by entry without being formed.

    Entries are computed as NumPy would compute the formed vector, so every comparison gives the same answer. For a
    long vector (continuous times) a bisection touches O(log n) entries instead of all of them.
    """

    def __init__(self, head: float, values: FloatArray, *, flip: bool = False) -> None:
        self._head, self._values, self._flip = head, values, flip
        self._size = int(values.shape[0]) + 1

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, i: int) -> float:
        if i < 0:
            i += self._size
        if i == 0:
            return self._head
        v = float(self._values[i - 1])
        return 1.0 - v if self._flip else v

    def searchsorted(self, v: float, side: Literal["left", "right"]) -> int:
        """``np.searchsorted`` of a non-decreasing vector, by bisection over its entries."""
        lo, hi = 0, self._size
        while lo < hi:
            mid = (lo + hi) // 2
            if self[mid] < v or (side == "right" and self[mid] == v):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def segment(self, start: int, stop: int) -> FloatArray:
        """Entries ``start:stop`` (``0 <= start < stop``) as an array."""
        body = self._values[max(start, 1) - 1 : stop - 1]
        out: FloatArray = 1.0 - body if self._flip else body.astype(np.float64)
        return np.concatenate(([self._head], out)) if start == 0 else out


#: A step vector: formed (short) or read entry by entry (long). Both index, ``len`` and ``searchsorted`` alike.
_Vector = _Steps | FloatArray


def _steps(head: float, values: FloatArray, *, flip: bool = False) -> _Vector:
    """``c(head, v)`` (``c(head, 1 - v)`` with ``flip``): a formed array when short, else a :class:`_Steps`."""
    if values.shape[0] >= _FORM_BELOW:
        return _Steps(head, values, flip=flip)
    formed = np.empty(values.shape[0] + 1)
    formed[0] = head
    if flip:
        np.subtract(1.0, values, out=formed[1:])
    else:
        formed[1:] = values
    return formed


def _segment(y: _Vector, start: int, stop: int) -> FloatArray:
    """Entries ``start:stop`` of a step vector as an array."""
    return y.segment(start, stop) if isinstance(y, _Steps) else y[start:stop].copy()


def _find_quantile_monotone(x: _Vector, y: _Vector, p: float, tol: float) -> float:
    """:func:`find_quantile` for non-decreasing ``y`` without NaN, by binary search instead of array passes.

    R keeps the first of each run of equal values (``yk``, ``xk``) and searches ``yk +- tol``; here the runs
    are found around the crossing only (:func:`_kept_time`). Same result, including tied shifted values.
    """
    last = y[-1]
    if not last >= p:
        return float("nan")
    at_upper, at_lower = _kept_time(x, y, tol, p), _kept_time(x, y, -tol, p)
    if abs(p - last) < tol:  # the curve ends on 1 - p: midpoint with its last time
        return (at_upper + x[-1]) / 2
    if p == 0:
        return x[0]
    return (at_upper + at_lower) / 2


def _kept_time(x: _Vector, y: _Vector, shift: float, p: float) -> float:
    """``xk[approx(yk + shift, p)]`` for non-decreasing ``y`` without NaN, ``xk``/``yk`` the first of each run.

    The smallest kept ``yk + shift >= p`` is at the first index ``j`` with ``y[j] + shift >= p`` (a run start,
    as ``y + shift`` is non-decreasing in ``y``). Kept values whose shifted values are equal (rounding can tie
    two different ``y``) share the mean of their positions, which R truncates: the middle one, rounded down.
    NaN when ``p`` is outside the shifted values (R's ``rule = 1``).
    """
    if not (y[0] + shift <= p <= y[-1] + shift):
        return float("nan")
    j = _first_at_least(y, shift, p)
    shifted = y[j] + shift
    end = int(y.searchsorted(y[j], side="right"))  # end of j's run
    while end < len(y) and y[end] + shift == shifted:  # kept values tied with it after shifting
        end = int(y.searchsorted(y[end], side="right"))
    if y[end - 1] == y[j]:
        return x[j]
    run = _segment(y, j, end)
    starts = np.concatenate(([j], j + 1 + np.flatnonzero(run[1:] != run[:-1])))
    return x[int(starts[(starts.shape[0] - 1) // 2])]


def _first_at_least(y: _Vector, shift: float, p: float) -> int:
    """First index ``j`` with ``y[j] + shift >= p`` (floating point, as R computes it) in non-decreasing ``y``.

    Binary search near ``p - shift``, then whole runs of equal values are stepped over to correct for rounding.
    Precondition: ``y[-1] + shift >= p``.
    """
    j = min(int(y.searchsorted(p - shift, side="left")), len(y) - 1)
    while y[j] + shift < p:
        j = int(y.searchsorted(y[j], side="right"))
    while j > 0 and y[j - 1] + shift >= p:
        j = int(y.searchsorted(y[j - 1], side="left"))
    return j


def curve_quantiles(
    time: FloatArray,
    survival: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    probs: FloatArray,
    start: float = 0.0,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Quantiles of one curve and their confidence limits, as R ``quantile.survfit`` (its ``doquant``).

    The quantile for probability ``p`` is where ``1 - S`` reaches ``p``; its lower limit is where ``1 - lower``
    reaches ``p`` and its upper limit is where ``1 - upper`` does (see :func:`find_quantile`). A band that is
    non-increasing from at most 1 makes ``c(0, 1 - s)`` non-decreasing; it is then binary-searched, as a formed
    array when short and entry by entry when long (the same result as :func:`find_quantile`).
    """
    x = _steps(start, time)
    out = np.empty((3, probs.shape[0]), dtype=np.float64)
    for i, s in enumerate((survival, lower, upper)):
        if s[0] <= 1.0 and bool(np.logical_and.reduce(s[1:] <= s[:-1])):  # no NaN either
            y = _steps(0.0, s, flip=True)
            out[i] = [_find_quantile_monotone(x, y, float(p), TIME_TOLERANCE) for p in probs]
        else:
            xa, ya = np.concatenate(([start], time)), np.concatenate(([0.0], 1.0 - s))
            out[i] = [find_quantile(xa, ya, float(p)) for p in probs]
    return out[0], out[1], out[2]


@dataclass(frozen=True, slots=True)
class ValuesAtTimes:
    """One curve evaluated at requested times, as R ``summary(fit, times = )`` (``extend = TRUE``)."""

    survival: FloatArray
    std_err_survival: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray
    n_risk_count: IntArray
    cumulative_event: FloatArray
    cumulative_censor: FloatArray
    beyond_last_time: NDArray[np.bool_]


def values_at_times(
    time: FloatArray,
    columns: dict[str, NDArray[np.generic]],
    requested: FloatArray,
    start: float = 0.0,
) -> ValuesAtTimes:
    """Evaluate one curve at ``requested`` (ascending) times.

    Parameters
    ----------
    time
        The curve's distinct times.
    columns
        Per-time arrays ``survival, std_err_survival, ci_lower, ci_upper, n_risk, n_event, n_censor,
        n_risk_count``.
    requested
        Ascending requested times.
    start
        The curve's start time (R's ``survfit0`` adds a row at 0 with S = 1, SE 0 and limits 1 unless the curve
        already starts there).

    Notes
    -----
    Estimates are those of the last distinct time ``<= t``; the number at risk is that of the first distinct
    time ``>= t`` (everyone with follow-up ``>= t``), 0 past the last time; events and censorings are counted
    in ``(previous requested time, t]``, and cumulatively in ``[0, t]``.
    """
    prepend = time[0] != start
    head = [start] if prepend else []

    def col(name: str, first: float) -> NDArray[np.generic]:
        values = columns[name]
        if not prepend:
            return values
        return np.concatenate((np.array([first], dtype=values.dtype), values))

    time0 = np.concatenate((np.array(head, dtype=np.float64), time))
    idx1 = np.searchsorted(time0, requested, side="right")
    idx2 = np.searchsorted(time0, requested, side="left")
    row = np.maximum(idx1, 1) - 1
    n_risk = col("n_risk", float(columns["n_risk"][0]))
    n_risk_count = col("n_risk_count", int(columns["n_risk_count"][0]))
    cum_event = np.concatenate(([0.0], np.cumsum(col("n_event", 0.0))))[idx1]
    cum_censor = np.concatenate(([0.0], np.cumsum(col("n_censor", 0.0))))[idx1]
    return ValuesAtTimes(
        survival=col("survival", 1.0)[row].astype(np.float64),
        std_err_survival=col("std_err_survival", 0.0)[row].astype(np.float64),
        ci_lower=col("ci_lower", 1.0)[row].astype(np.float64),
        ci_upper=col("ci_upper", 1.0)[row].astype(np.float64),
        n_risk=np.concatenate((n_risk, [0.0]))[idx2].astype(np.float64),
        n_event=np.diff(cum_event, prepend=0.0),
        n_censor=np.diff(cum_censor, prepend=0.0),
        n_risk_count=np.concatenate((n_risk_count, [0]))[idx2].astype(np.int64),
        cumulative_event=cum_event,
        cumulative_censor=cum_censor,
        beyond_last_time=requested > time0[-1],
    )


def restricted_mean(
    time: FloatArray, survival: FloatArray, n_risk: FloatArray, n_event: FloatArray, tau: float
) -> tuple[float, float]:
    """Restricted mean survival time up to ``tau`` and its standard error, as R ``survival:::survmean``.

    The area under the curve from 0 to ``tau`` (the curve carried forward past its last time) and
    ``var = sum_j d_j / (n_j (n_j - d_j)) A_j^2`` with ``A_j`` the area from ``t_j`` to ``tau`` (terms with
    ``n_j = d_j`` are 0), which is what ``print(fit, rmean = tau)`` shows as ``*rmean`` and ``se(rmean)``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        hh = np.where(n_risk - n_event == 0, 0.0, n_event / (n_risk * (n_risk - n_event)))
    keep = time <= tau
    if not keep.any():
        return tau, 0.0
    temptime = np.concatenate((time[keep], [tau]))
    kept_surv = survival[keep]
    tempsurv = np.concatenate((kept_surv, kept_surv[-1:]))
    hh = np.concatenate((hh[keep], [0.0]))
    delta = np.diff(temptime, prepend=0.0)
    rectangles = delta * np.concatenate(([1.0], tempsurv[:-1]))
    area_after = np.cumsum(rectangles[1:][::-1])
    varmean = float(np.sum(area_after**2 * hh[::-1][1:]))
    return float(np.sum(rectangles)), float(np.sqrt(varmean))

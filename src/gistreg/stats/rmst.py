"""Restricted mean survival time (RMST) per group, and the difference between two groups, equal to R
``survival`` 3.5-3 ``print(survfit(...), rmean = tau)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gistreg.core.errors import InputError
from gistreg.stats._kernels.km import restricted_mean
from gistreg.stats.km import check_conf, kaplan_meier

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class RMSTResult:
    """Restricted mean survival time up to ``tau`` per group.

    Attributes
    ----------
    groups
        Group labels (``("all",)`` without ``group``); arrays follow this order.
    tau
        The truncation time.
    n, n_event
        Rows and events per group.
    rmst, std_err
        Area under the Kaplan-Meier curve on [0, tau] and its standard error (R's ``*rmean`` and
        ``se(rmean)``).
    ci_lower, ci_upper
        ``rmst -+ z std_err`` at ``conf_level``.
    difference, difference_std_err, difference_ci_lower, difference_ci_upper, difference_p_value
        With exactly two groups: ``rmst[1] - rmst[0]`` (second group minus first), its standard error
        ``sqrt(se0^2 + se1^2)`` (independent groups), Wald limits and two-sided p-value; ``None`` otherwise.
    """

    groups: tuple[Any, ...]
    tau: float
    n: IntArray
    n_event: FloatArray
    rmst: FloatArray
    std_err: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    conf_level: float
    difference: float | None
    difference_std_err: float | None
    difference_ci_lower: float | None
    difference_ci_upper: float | None
    difference_p_value: float | None


def rmst(
    time: ArrayLike,
    event: ArrayLike,
    *,
    tau: float,
    group: ArrayLike | None = None,
    conf_level: float = 0.95,
) -> RMSTResult:
    """Restricted mean survival time up to ``tau``: the area under the Kaplan-Meier curve on [0, tau].

    Parameters
    ----------
    time, event : array-like, shape (n,)
        Follow-up times (>= 0) and event indicators (1 event, 0 censored).
    tau : float
        Truncation time (> 0). If it lies past a curve's last time the curve is carried forward to ``tau``, as R
        does; choose ``tau`` within the follow-up of every group.
    group : array-like, shape (n,), optional
        Group labels.
    conf_level : float
        Level of the Wald confidence intervals.

    Returns
    -------
    RMSTResult

    Notes
    -----
    ``RMST = int_0^tau S(t) dt`` and ``var = sum_{t_j <= tau} d_j / (n_j (n_j - d_j)) (int_{t_j}^tau S)^2``,
    the variance R's ``survmean`` prints as ``se(rmean)`` (Royston & Parmar 2013 discuss RMST as a summary
    for trials). For two groups the difference is group 2 minus group 1 with
    ``se = sqrt(se_1^2 + se_2^2)``.

    References
    ----------
    .. [1] Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard ratio for the
       design and analysis of randomized trials with a time-to-event outcome. BMC Med Res Methodol. 2013;13:152.
    .. [2] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc.
       1958;53(282):457-481.
    .. [3] Therneau TM. A package for survival analysis in R (survival 3.5-3), print.survfit / survmean.
    """
    z = check_conf(conf_level, "log")
    if isinstance(tau, bool) or not isinstance(tau, (int, float, np.integer, np.floating)):
        raise InputError(f"tau: got {tau!r}; expected a finite number > 0")
    tau_f = float(tau)
    if not (math.isfinite(tau_f) and tau_f > 0):
        raise InputError(f"tau: got {tau!r}; expected a finite number > 0")
    fit = kaplan_meier(time, event, group=group, conf_level=conf_level)
    k = len(fit.curves)
    est, se = np.empty(k), np.empty(k)
    for i, c in enumerate(fit.curves):
        est[i], se[i] = restricted_mean(c.time, c.survival, c.n_risk, c.n_event, tau_f)
    diff = diff_se = diff_lo = diff_hi = diff_p = None
    if k == 2:
        from scipy.special import ndtr

        diff = float(est[1] - est[0])
        diff_se = float(math.sqrt(se[0] ** 2 + se[1] ** 2))
        diff_lo, diff_hi = diff - z * diff_se, diff + z * diff_se
        diff_p = float(2.0 * ndtr(-abs(diff) / diff_se)) if diff_se > 0 else float("nan")
    return RMSTResult(
        groups=fit.groups,
        tau=tau_f,
        n=np.array([c.n for c in fit.curves], dtype=np.int64),
        n_event=np.array([c.n_event.sum() for c in fit.curves], dtype=np.float64),
        rmst=est,
        std_err=se,
        ci_lower=est - z * se,
        ci_upper=est + z * se,
        conf_level=float(conf_level),
        difference=diff,
        difference_std_err=diff_se,
        difference_ci_lower=diff_lo,
        difference_ci_upper=diff_hi,
        difference_p_value=diff_p,
    )

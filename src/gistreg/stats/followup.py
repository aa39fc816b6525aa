"""Median follow-up by the reverse Kaplan-Meier method, equal to R ``survival`` 3.5-3
``quantile(survfit(Surv(time, 1 - status) ~ group), 0.5)``, next to the plain median observation time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gistreg.stats._prep import as_event, as_time, encode
from gistreg.stats.km import ConfType, KaplanMeierResult, kaplan_meier, survival_quantiles

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class FollowUpResult:
    """Median follow-up per group.

    Attributes
    ----------
    groups
        Group labels (``("all",)`` without ``group``); arrays follow this order.
    n
        Rows per group.
    median, ci_lower, ci_upper
        Reverse Kaplan-Meier median follow-up (censorings are the events, deaths censor) and its confidence
        interval; NaN if not reached.
    conf_level, conf_type
        Options of the interval (band inversion as for the median survival).
    simple_median_observation_time
        Plain median of the observed times (events and censorings alike), which understates follow-up when
        events occur early; reported for comparison only.
    reverse_km
        The reverse Kaplan-Meier curves themselves.
    """

    groups: tuple[Any, ...]
    n: IntArray
    median: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    conf_level: float
    conf_type: ConfType
    simple_median_observation_time: FloatArray
    reverse_km: KaplanMeierResult


def median_followup(
    time: ArrayLike,
    event: ArrayLike,
    *,
    group: ArrayLike | None = None,
    conf_level: float = 0.95,
    conf_type: ConfType = "log",
) -> FollowUpResult:
    """Median follow-up time by the reverse Kaplan-Meier method (Schemper & Smith 1996).

    Parameters
    ----------
    time, event : array-like, shape (n,)
        Follow-up times (>= 0) and event indicators of the survival endpoint (1 event, 0 censored).
    group : array-like, shape (n,), optional
        Group labels.
    conf_level : float
        Level of the confidence interval.
    conf_type : {"log", "log-log", "plain"}
        Band transformation used to invert the interval (R's default ``"log"``).

    Returns
    -------
    FollowUpResult

    Notes
    -----
    The event indicator is reversed (censoring becomes the event), the Kaplan-Meier curve of this "time to
    censoring" is estimated, and its median and confidence interval are taken exactly as for the median
    survival (R ``quantile.survfit`` rule, Brookmeyer & Crowley 1982). A death and a censoring at the same time are
    handled as R handles ``Surv(time, 1 - status)``.

    References
    ----------
    .. [1] Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time. Control Clin Trials.
       1996;17(4):343-346.
    .. [2] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc.
       1958;53(282):457-481.
    .. [3] Brookmeyer R, Crowley J. A confidence interval for the median survival time. Biometrics.
       1982;38(1):29-41.
    """
    t = as_time("time", time)
    e = as_event("event", event, t.shape[0])
    fit = kaplan_meier(t, 1.0 - e, group=group, conf_level=conf_level, conf_type=conf_type)
    med = survival_quantiles(fit, (0.5,))
    codes = encode("group", group, t.shape[0])
    order = np.argsort(codes.codes, kind="stable")
    bounds = np.searchsorted(codes.codes[order], np.arange(codes.k + 1))
    sorted_t = t[order]
    simple = np.array([np.median(sorted_t[bounds[i] : bounds[i + 1]]) for i in range(codes.k)], dtype=np.float64)
    return FollowUpResult(
        groups=fit.groups,
        n=np.array([c.n for c in fit.curves], dtype=np.int64),
        median=med.estimate[:, 0],
        ci_lower=med.ci_lower[:, 0],
        ci_upper=med.ci_upper[:, 0],
        conf_level=fit.conf_level,
        conf_type=fit.conf_type,
        simple_median_observation_time=simple,
        reverse_km=fit,
    )

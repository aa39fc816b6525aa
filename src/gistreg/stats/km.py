"""Kaplan-Meier curves with confidence bands, quantiles (median) with confidence intervals, values at times and
number-at-risk tables, equal to R ``survival`` 3.5-3 ``survfit``, ``quantile.survfit`` and ``summary.survfit``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gistreg.core.errors import InputError
from gistreg.stats._kernels import km as _km
from gistreg.stats._kernels.counting import CurveCounts, risk_set_table, sorting_needed
from gistreg.stats._kernels.packed import packed_curve_counts
from gistreg.stats._prep import as_event, as_float_vector, as_weights, encode, fused_curves, time_and_event

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

ConfType = Literal["log", "log-log", "plain"]
VarianceMethod = Literal["greenwood", "infinitesimal-jackknife"]

_CONF_TYPES: tuple[str, ...] = get_args(ConfType)


@dataclass(frozen=True, slots=True)
class KaplanMeierCurve:
    """One Kaplan-Meier curve: one entry per distinct time (event or censoring) in its group.

    Attributes
    ----------
    group
        The group label (``"all"`` when no ``group`` was given).
    n
        Number of rows in the group.
    time
        Distinct times, ascending (after R's near-tie merging).
    n_risk, n_event, n_censor
        Number at risk (follow-up >= t), events and censorings at each time; weighted sums when case weights
        were given, as R's ``n.risk``/``n.event``/``n.censor``.
    n_risk_count, n_event_count, n_censor_count
        The same as plain row counts (equal to the above without weights).
    survival
        Kaplan-Meier estimate S(t).
    std_err
        Standard error of ``log S(t)`` (for the Greenwood variance this is R's ``std.err``, the standard error of
        the cumulative hazard ``sqrt(sum d / (n (n - d)))``; ``inf`` once S reaches 0).
    std_err_survival
        Standard error of S(t) (what ``summary.survfit`` prints as ``std.err``).
    ci_lower, ci_upper
        Pointwise confidence limits (NaN where R gives NA: at S = 0 for ``"log"``; at S = 0 or 1 for
        ``"log-log"``).
    """

    group: Any
    n: int
    time: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray
    n_risk_count: IntArray
    n_event_count: IntArray
    n_censor_count: IntArray
    survival: FloatArray
    std_err: FloatArray
    std_err_survival: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray


@dataclass(frozen=True, slots=True)
class SurvivalQuantiles:
    """Quantiles of survival time per group with confidence limits; arrays have shape (groups, probs).

    ``estimate[i, j]`` is the time at which curve ``i`` falls to ``1 - probs[j]`` (the median for
    ``probs = 0.5``). NaN means not reached (the curve, or the confidence band for a limit, never falls that far).
    """

    groups: tuple[Any, ...]
    probs: FloatArray
    estimate: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    conf_level: float
    conf_type: ConfType


@dataclass(frozen=True, slots=True)
class SurvivalAtTimes:
    """Curves evaluated at requested times (R ``summary(fit, times = )``); arrays have shape (groups, times).

    ``survival``, ``std_err_survival`` and the limits are those of the last distinct time <= t (1, 0, 1, 1 before
    the first time). ``n_risk`` counts follow-up >= t; ``n_event``/``n_censor`` count (previous time, t]. With
    ``extend=False`` the estimates at times past a curve's last time are NaN (R leaves those rows out).
    """

    groups: tuple[Any, ...]
    times: FloatArray
    survival: FloatArray
    std_err_survival: FloatArray
    ci_lower: FloatArray
    ci_upper: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray
    conf_level: float
    conf_type: ConfType
    extend: bool


@dataclass(frozen=True, slots=True)
class RiskTable:
    """Data of a number-at-risk table under a Kaplan-Meier plot; arrays have shape (groups, times).

    ``n_risk`` is the number with follow-up >= t (weighted when case weights were given; ``n_risk_count`` is
    always the plain count); ``cumulative_events``/``cumulative_censored`` count [0, t] as survminer's
    ``cumevents``/``cumcensor`` tables.
    """

    groups: tuple[Any, ...]
    times: FloatArray
    n_risk: FloatArray
    n_risk_count: IntArray
    cumulative_events: FloatArray
    cumulative_censored: FloatArray


@dataclass(frozen=True, slots=True)
class KaplanMeierResult:
    """Kaplan-Meier curves, one per group, and the options they were computed with.

    Attributes
    ----------
    curves
        One :class:`KaplanMeierCurve` per group, in the order of ``groups``.
    groups
        Group labels, sorted as R orders factor levels.
    conf_level, conf_type
        Confidence level and transformation of the pointwise limits.
    variance_method
        ``"greenwood"``, or ``"infinitesimal-jackknife"`` when case weights are not all whole numbers (R
        ``survfit`` then uses the robust variance).
    weighted
        Whether case weights were given.
    """

    curves: tuple[KaplanMeierCurve, ...]
    groups: tuple[Any, ...]
    conf_level: float
    conf_type: ConfType
    variance_method: VarianceMethod
    weighted: bool

    def curve(self, group: Any) -> KaplanMeierCurve:
        """Return the curve of ``group``."""
        for c in self.curves:
            if c.group == group:
                return c
        raise InputError(f"group: {group!r} is not one of the groups {list(self.groups)!r}")

    def quantile(self, probs: ArrayLike = (0.25, 0.5, 0.75)) -> SurvivalQuantiles:
        """Survival-time quantiles with confidence limits (see :func:`survival_quantiles`)."""
        return survival_quantiles(self, probs)

    def median(self) -> SurvivalQuantiles:
        """Median survival time with confidence limits (``quantile(0.5)``)."""
        return survival_quantiles(self, (0.5,))

    def at(self, times: ArrayLike, *, extend: bool = False) -> SurvivalAtTimes:
        """Survival, standard error, limits and counts at ``times`` (see :func:`survival_at`)."""
        return survival_at(self, times, extend=extend)

    def risk_table(self, times: ArrayLike) -> RiskTable:
        """Number at risk and cumulative events/censorings at ``times`` (see :func:`risk_table`)."""
        return risk_table(self, times)


def check_conf(conf_level: float, conf_type: str) -> float:
    """Validate the confidence options and return the standard-normal quantile ``z`` for ``conf_level``."""
    if isinstance(conf_level, bool) or not isinstance(conf_level, (int, float, np.floating)):
        raise InputError(f"conf_level: got {conf_level!r}; expected a number strictly between 0 and 1")
    if not 0.0 < float(conf_level) < 1.0:
        raise InputError(f"conf_level: got {conf_level!r}; expected a number strictly between 0 and 1")
    if conf_type not in _CONF_TYPES:
        raise InputError(f"conf_type: got {conf_type!r}; expected one of {', '.join(map(repr, _CONF_TYPES))}")
    return _normal_quantile(float(conf_level))


@functools.lru_cache(maxsize=16)
def _normal_quantile(conf_level: float) -> float:
    """``qnorm(1 - (1 - conf_level) / 2)``, computed once per level (most calls use 0.95)."""
    from scipy.special import ndtri

    return float(ndtri(1.0 - (1.0 - conf_level) / 2.0))


def kaplan_meier(
    time: ArrayLike,
    event: ArrayLike,
    *,
    group: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    conf_level: float = 0.95,
    conf_type: ConfType = "log",
) -> KaplanMeierResult:
    """Kaplan-Meier estimate of the survival function, one curve per group, equal to R ``survfit``.

    Parameters
    ----------
    time : array-like, shape (n,)
        Follow-up times (>= 0). Times that R would treat as equal (``aeqSurv``: differences within
        ``sqrt(.Machine$double.eps)``, absolute or relative to the mean time) are merged as R does.
    event : array-like, shape (n,)
        1 for an event, 0 for censoring (booleans accepted).
    group : array-like, shape (n,), optional
        Group labels; one curve per level (levels sorted as R sorts factor levels). No missing values.
    weights : array-like, shape (n,), optional
        Non-negative case weights. Counts become weighted sums; when any weight is not a whole number the
        standard errors are the infinitesimal jackknife (robust) ones, as R ``survfit(..., weights = )``.
    conf_level : float
        Confidence level of the pointwise limits and of quantile intervals.
    conf_type : {"log", "log-log", "plain"}
        Transformation for the pointwise limits (R's ``conf.type``; ``"log"`` is R's default).

    Returns
    -------
    KaplanMeierResult
        Curves plus methods ``median()``, ``quantile()``, ``at()`` and ``risk_table()``.

    Raises
    ------
    InputError
        Negative or non-finite times, events other than 0/1, missing group labels, negative weights, unequal
        lengths, or invalid options; the message names the argument and the first offending position.

    Notes
    -----
    ``S(t) = prod_{t_i <= t} (1 - d_i / n_i)`` (Kaplan & Meier 1958). The Greenwood (1926) variance gives
    ``std_err = sqrt(sum d_i / (n_i (n_i - d_i)))`` for ``log S``. Limits: ``"log"`` ``S exp(+-z se)`` (upper
    capped at 1); ``"log-log"`` ``S^exp(+-z se / log S)`` (Borgan & Liestøl 1990); ``"plain"``
    ``S +- z se S`` clipped to [0, 1].

    Integer-valued times with a moderate range are counted without sorting (O(n + range)); other times are
    sorted once (unweighted: as packed keys holding time, group and event, ``_kernels.packed``). Unweighted
    whole-number times with integer or boolean events and groups are checked and counted in one pass over the
    raw arrays (``_kernels.fused``). All paths give identical results.

    References
    ----------
    .. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. J Am Stat Assoc.
       1958;53(282):457-481.
    .. [2] Greenwood M. The natural duration of cancer. Reports on Public Health and Medical Subjects 33.
       London: HMSO; 1926.
    .. [3] Borgan Ø, Liestøl K. A note on confidence intervals and bands for the survival function based on
       transformations. Scand J Stat. 1990;17(1):35-41.
    .. [4] Brookmeyer R, Crowley J. A confidence interval for the median survival time. Biometrics.
       1982;38(1):29-41.
    .. [5] Therneau TM. A package for survival analysis in R (survival 3.5-3), survfit and quantile.survfit.
    """
    z = check_conf(conf_level, conf_type)
    fused = fused_curves(time, event, group) if weights is None else None
    if fused is not None:
        counts, labels = fused
        jackknife, w = False, None
    else:
        counts, labels, w, jackknife = _general_counts(time, event, group, weights)
    curves = []
    for label, cc in zip(labels, counts, strict=True):
        if jackknife and cc.sq_event is not None and cc.sq_censor is not None:
            pl = _km.product_limit_jackknife(cc.n_risk, cc.n_event, cc.sq_event, cc.sq_censor)
        else:
            pl = _km.product_limit(cc.n_risk, cc.n_event)
        lower, upper = _km.confidence_band(pl.survival, pl.std_err, z, conf_type)
        curves.append(
            KaplanMeierCurve(
                group=label,
                n=int(cc.count_risk[0]),  # everyone in the group is at risk at its first time
                time=cc.time,
                n_risk=cc.n_risk,
                n_event=cc.n_event,
                n_censor=cc.n_censor,
                n_risk_count=cc.count_risk,
                n_event_count=cc.count_event,
                n_censor_count=cc.count_censor,
                survival=pl.survival,
                std_err=pl.std_err,
                std_err_survival=pl.std_err_survival,
                ci_lower=lower,
                ci_upper=upper,
            )
        )
    return KaplanMeierResult(
        curves=tuple(curves),
        groups=labels,
        conf_level=float(conf_level),
        conf_type=conf_type,
        variance_method="infinitesimal-jackknife" if jackknife else "greenwood",
        weighted=w is not None,
    )


def _general_counts(
    time: ArrayLike, event: ArrayLike, group: ArrayLike | None, weights: ArrayLike | None
) -> tuple[list[CurveCounts], tuple[Any, ...], FloatArray | None, bool]:
    """Check the inputs and count them (any input the fused pass declines): unweighted times that must be sorted
    by the packed sort (``_kernels.packed``), anything else by :func:`risk_set_table`. Both give the same counts.

    Returns the counts of each curve, the group labels, the weights and whether the jackknife variance is needed.
    """
    t, t_min, t_max, e = time_and_event(time, event, weights)
    n = t.shape[0]
    codes = encode("group", group, n)
    w = as_weights("weights", weights, n) if weights is not None else None
    jackknife = w is not None and not bool(np.array_equal(w, np.floor(w)))
    if w is None and sorting_needed(t, (t_min, t_max)):
        curves = packed_curve_counts(t, (t_min, t_max), e, codes.codes, codes.k)
        if curves is not None:
            return curves, codes.labels, None, False
    if e.dtype != np.float64:  # integer events kept for the packed sort: the table route takes float 0/1
        e = as_event("event", event, n)
    table = risk_set_table(
        t, e, None, 1, codes.codes, codes.k, w, squares=jackknife, curves=True, time_range=(t_min, t_max)
    )
    return [table.curve_counts(i) for i in range(codes.k)], codes.labels, w, jackknife


def survival_quantiles(result: KaplanMeierResult, probs: ArrayLike = (0.25, 0.5, 0.75)) -> SurvivalQuantiles:
    """Quantiles of survival time with confidence intervals, equal to R ``quantile.survfit``.

    Parameters
    ----------
    result : KaplanMeierResult
        The curves.
    probs : array-like of float in [0, 1]
        Probabilities ``p``; the quantile is the time at which the curve falls to ``1 - p`` (0.5: the median).

    Returns
    -------
    SurvivalQuantiles
        Estimates and limits of shape (groups, probs); NaN where not reached.

    Notes
    -----
    The estimate is the first time with ``S(t) <= 1 - p``; if the curve lies exactly on ``1 - p`` (within
    ``sqrt(.Machine$double.eps)``) over an interval, it is the midpoint of that interval (the midpoint with the
    curve's last time if it stays there to the end). The confidence interval inverts the pointwise band
    (Brookmeyer & Crowley 1982): the lower limit is where the lower band reaches ``1 - p``, the upper limit is
    where the upper band does, with the same midpoint rule. This is R's ``quantile.survfit`` (``doquant``),
    applied to each probability on its own. (The median column of R's ``print(fit)`` table comes from
    ``survmean`` and differs only for a curve that ends exactly on 1/2: there it shows the first time on 1/2.)

    References
    ----------
    .. [1] Brookmeyer R, Crowley J. A confidence interval for the median survival time. Biometrics.
       1982;38(1):29-41.
    """
    given = np.asarray(probs, dtype=np.float64)
    p = as_float_vector("probs", given.reshape(1) if given.ndim == 0 else given)
    bad = (p < 0) | (p > 1)
    if np.logical_or.reduce(bad):
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"probs: position {i} is {p[i].item()!r}; expected a probability in [0, 1]")
    est, lo, hi = (np.empty((len(result.curves), p.shape[0])) for _ in range(3))
    for i, c in enumerate(result.curves):
        est[i], lo[i], hi[i] = _km.curve_quantiles(c.time, c.survival, c.ci_lower, c.ci_upper, p)
    return SurvivalQuantiles(result.groups, p, est, lo, hi, result.conf_level, result.conf_type)


def _requested_times(times: ArrayLike) -> FloatArray:
    return np.sort(as_float_vector("times", np.atleast_1d(np.asarray(times, dtype=np.float64))))


def _evaluate(result: KaplanMeierResult, req: FloatArray) -> list[_km.ValuesAtTimes]:
    return [
        _km.values_at_times(
            c.time,
            {
                "survival": c.survival,
                "std_err_survival": c.std_err_survival,
                "ci_lower": c.ci_lower,
                "ci_upper": c.ci_upper,
                "n_risk": c.n_risk,
                "n_event": c.n_event,
                "n_censor": c.n_censor,
                "n_risk_count": c.n_risk_count,
            },
            req,
        )
        for c in result.curves
    ]


def survival_at(result: KaplanMeierResult, times: ArrayLike, *, extend: bool = False) -> SurvivalAtTimes:
    """Survival, its standard error, confidence limits and counts at given times (R ``summary(fit, times=)``).

    Parameters
    ----------
    result : KaplanMeierResult
        The curves.
    times : array-like of float
        Requested times (sorted ascending in the result, as R does).
    extend : bool
        As R's ``extend``: if False, estimates at times past a curve's last time are NaN (R omits those rows);
        if True they carry the last value forward. Counts are reported either way (0 past the end).

    Returns
    -------
    SurvivalAtTimes
        Arrays of shape (groups, times).
    """
    req = _requested_times(times)
    vals = _evaluate(result, req)

    def stack(name: str, mask: bool) -> FloatArray:
        out = np.array([getattr(v, name) for v in vals], dtype=np.float64).reshape(len(vals), req.shape[0])
        if mask and not extend:
            beyond = np.array([v.beyond_last_time for v in vals]).reshape(out.shape)
            out[beyond] = np.nan
        return out

    return SurvivalAtTimes(
        groups=result.groups,
        times=req,
        survival=stack("survival", True),
        std_err_survival=stack("std_err_survival", True),
        ci_lower=stack("ci_lower", True),
        ci_upper=stack("ci_upper", True),
        n_risk=stack("n_risk", False),
        n_event=stack("n_event", False),
        n_censor=stack("n_censor", False),
        conf_level=result.conf_level,
        conf_type=result.conf_type,
        extend=extend,
    )


def risk_table(result: KaplanMeierResult, times: ArrayLike) -> RiskTable:
    """Number at risk and cumulative events and censorings at plot ticks, per group.

    Parameters
    ----------
    result : KaplanMeierResult
        The curves.
    times : array-like of float
        Tick times (sorted ascending in the result).

    Returns
    -------
    RiskTable
        ``n_risk[i, j]`` = follow-up >= ``times[j]`` in group ``i`` (as R ``summary(fit, times=, extend=TRUE)``
        and survminer's risk table); cumulative counts cover [0, t].
    """
    req = _requested_times(times)
    vals = _evaluate(result, req)
    shape = (len(vals), req.shape[0])
    return RiskTable(
        groups=result.groups,
        times=req,
        n_risk=np.array([v.n_risk for v in vals], dtype=np.float64).reshape(shape),
        n_risk_count=np.array([v.n_risk_count for v in vals], dtype=np.int64).reshape(shape),
        cumulative_events=np.array([v.cumulative_event for v in vals], dtype=np.float64).reshape(shape),
        cumulative_censored=np.array([v.cumulative_censor for v in vals], dtype=np.float64).reshape(shape),
    )

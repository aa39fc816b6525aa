"""Outcome analyses of one time-to-event endpoint: KM per arm, log-rank, Cox HR, RMST, follow-up.

Times are analysed in months (days / 30.4375). The hazard ratio compares every other arm with the reference
arm of the spec (Cox model with the arm as the only covariate, Efron ties, as R's ``coxph`` default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gistreg.core.errors import EstimationError
from gistreg.stats import (
    FollowUpResult,
    KaplanMeierResult,
    LogRankResult,
    RMSTResult,
    cox,
    kaplan_meier,
    logrank,
    median_followup,
    rmst,
)

DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True, slots=True)
class HazardRatio:
    """Hazard ratio of ``arm`` versus ``reference`` with its confidence interval and Wald p-value."""

    arm: str
    reference: str
    hr: float
    ci_lower: float
    ci_upper: float
    p_value: float
    ties: str


@dataclass(frozen=True, slots=True)
class EndpointOutcome:
    """Everything reported for one endpoint.

    ``n_unavailable`` counts cohort patients for whom the endpoint is not defined (e.g. no such line), per arm;
    ``n_lost`` counts patients censored as lost to follow-up, per arm.
    """

    endpoint: str
    label: str
    arms: tuple[str, ...]
    n: tuple[int, ...]
    events: tuple[int, ...]
    n_unavailable: tuple[int, ...]
    n_lost: tuple[int, ...]
    km: KaplanMeierResult
    median: NDArray[np.float64]
    median_ci_lower: NDArray[np.float64]
    median_ci_upper: NDArray[np.float64]
    logrank: LogRankResult | None
    hazard_ratios: tuple[HazardRatio, ...]
    rmst: RMSTResult | None
    followup: FollowUpResult | None


def analyse_endpoint(
    name: str,
    label: str,
    arms: tuple[str, ...],
    arm: NDArray[np.str_],
    days: NDArray[np.float64],
    event: NDArray[np.float64],
    censor: NDArray[np.str_],
    *,
    reference: str,
    conf_type: str = "log",
    with_cox: bool = True,
    rmst_tau_months: float | None = None,
    with_followup: bool = False,
) -> EndpointOutcome:
    """Analyse one endpoint; rows with a missing time (endpoint not defined) are counted and left out."""
    ok = ~np.isnan(days)
    unavailable = tuple(int(((arm == a) & ~ok).sum()) for a in arms)
    lost = tuple(int(((arm == a) & ok & (censor == "lost_to_follow_up")).sum()) for a in arms)
    t = days[ok] / DAYS_PER_MONTH
    e = event[ok]
    g = arm[ok]
    present = tuple(a for a in arms if (g == a).any())
    if not present:
        raise EstimationError(f"endpoint {name!r}: no patient of any arm has this endpoint")
    km = kaplan_meier(t, e, group=g, conf_type=conf_type)  # type: ignore[arg-type]
    med = km.median()
    order = [km.groups.index(a) if a in km.groups else -1 for a in arms]

    def pick(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.array([x[i, 0] if i >= 0 else np.nan for i in order])

    lr = logrank(t, e, g) if len(present) >= 2 else None
    hrs: list[HazardRatio] = []
    if with_cox and len(present) >= 2 and reference in present:
        others = [a for a in present if a != reference]
        x = np.column_stack([(g == a).astype(np.float64) for a in others])
        fit = cox(t, e, x, names=others)
        for j, a in enumerate(others):
            hrs.append(HazardRatio(a, reference, float(fit.hr[j]), float(fit.hr_ci_lower[j]),
                                   float(fit.hr_ci_upper[j]), float(fit.p[j]), fit.ties))
    rm = rmst(t, e, tau=rmst_tau_months, group=g) if rmst_tau_months is not None and len(present) >= 1 else None
    fu = median_followup(t, e, group=g) if with_followup else None
    return EndpointOutcome(
        endpoint=name, label=label, arms=arms,
        n=tuple(int((g == a).sum()) for a in arms),
        events=tuple(int(e[g == a].sum()) for a in arms),
        n_unavailable=unavailable, n_lost=lost, km=km,
        median=pick(med.estimate), median_ci_lower=pick(med.ci_lower), median_ci_upper=pick(med.ci_upper),
        logrank=lr, hazard_ratios=tuple(hrs), rmst=rm, followup=fu,
    )


__all__ = ["DAYS_PER_MONTH", "EndpointOutcome", "HazardRatio", "analyse_endpoint"]

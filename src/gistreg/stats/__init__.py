"""Statistics on plain arrays, equal to R ``survival`` and ``stats``.

Every function takes 1-D NumPy-compatible arrays (time, event, group, strata, weights) or a 2-D covariate
matrix with names, and returns a frozen dataclass of unrounded numbers. ``stats`` imports only NumPy, SciPy
(lazily, where needed) and ``gistreg.core``.
"""

from __future__ import annotations

from gistreg.stats.cox import ConcordanceCounts, CoxResult, CoxTest, cox
from gistreg.stats.coxzph import CoxZphResult, cox_zph
from gistreg.stats.followup import FollowUpResult, median_followup
from gistreg.stats.km import (
    KaplanMeierCurve,
    KaplanMeierResult,
    RiskTable,
    SurvivalAtTimes,
    SurvivalQuantiles,
    kaplan_meier,
    risk_table,
    survival_at,
    survival_quantiles,
)
from gistreg.stats.logrank import LogRankResult, logrank
from gistreg.stats.rmst import RMSTResult, rmst

__all__: list[str] = [
    "ConcordanceCounts",
    "CoxResult",
    "CoxTest",
    "CoxZphResult",
    "FollowUpResult",
    "KaplanMeierCurve",
    "KaplanMeierResult",
    "LogRankResult",
    "RMSTResult",
    "RiskTable",
    "SurvivalAtTimes",
    "SurvivalQuantiles",
    "cox",
    "cox_zph",
    "kaplan_meier",
    "logrank",
    "median_followup",
    "risk_table",
    "rmst",
    "survival_at",
    "survival_quantiles",
]

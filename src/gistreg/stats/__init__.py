"""Statistics on plain arrays, equal to R ``survival`` and ``stats``.

Every function takes 1-D NumPy-compatible arrays (time, event, group, strata, weights) or a 2-D covariate
matrix with names, and returns a frozen dataclass of unrounded numbers. ``stats`` imports only NumPy, SciPy
(lazily, where needed) and ``gistreg.core``.
"""

from __future__ import annotations

from gistreg.stats.contingency import ChiSquareResult, FisherResult, chi_square, fisher_exact
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
from gistreg.stats.ranktests import KruskalWallisResult, MannWhitneyResult, kruskal_wallis, mann_whitney
from gistreg.stats.rmst import RMSTResult, rmst
from gistreg.stats.ttest import TTestResult, t_test

__all__: list[str] = [
    "ChiSquareResult",
    "ConcordanceCounts",
    "CoxResult",
    "CoxTest",
    "CoxZphResult",
    "FisherResult",
    "FollowUpResult",
    "KaplanMeierCurve",
    "KaplanMeierResult",
    "KruskalWallisResult",
    "LogRankResult",
    "MannWhitneyResult",
    "RMSTResult",
    "RiskTable",
    "SurvivalAtTimes",
    "SurvivalQuantiles",
    "TTestResult",
    "chi_square",
    "cox",
    "cox_zph",
    "fisher_exact",
    "kaplan_meier",
    "kruskal_wallis",
    "logrank",
    "mann_whitney",
    "median_followup",
    "risk_table",
    "rmst",
    "survival_at",
    "survival_quantiles",
    "t_test",
]

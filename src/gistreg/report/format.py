"""The one place where numbers are rounded and p-values styled for display.

Every table, text and figure formats through these functions, so a number looks the same wherever it
appears and the convention can be changed in one place. Results keep full precision; only display rounds.
"""

from __future__ import annotations

import math

#: Decimals for times in months, percentages, hazard ratios and test statistics.
DECIMALS_TIME = 1
DECIMALS_PCT = 1
DECIMALS_HR = 2


def is_missing(x: float | None) -> bool:
    """True for ``None`` and NaN."""
    return x is None or (isinstance(x, float) and math.isnan(x))


def num(x: float | None, decimals: int = 1, *, missing: str = "–") -> str:
    """A number with fixed decimals (``missing`` for None/NaN)."""
    if x is None or math.isnan(x):
        return missing
    return f"{x:.{decimals}f}"


def months(x: float | None) -> str:
    """A time in months; NR (not reached) when missing."""
    return num(x, DECIMALS_TIME, missing="NR")


def pct(n: int, total: int) -> str:
    """``n (p %)``."""
    if total <= 0:
        return f"{n}"
    return f"{n} ({100.0 * n / total:.{DECIMALS_PCT}f}%)"


def pvalue(p: float | None) -> str:
    """A p-value as journals print it: 3 decimals, ``<0.001`` below that, ``–`` when not tested."""
    if p is None or math.isnan(p):
        return "–"
    if p < 0.001:
        return "<0.001"
    return f"{p:.3f}"


def interval(lo: float | None, hi: float | None, decimals: int = 1) -> str:
    """``lo–hi`` with NR for a limit that was not reached."""
    return f"{num(lo, decimals, missing='NR')}–{num(hi, decimals, missing='NR')}"


def median_ci(m: float | None, lo: float | None, hi: float | None) -> str:
    """``median (lo–hi)`` in months."""
    return f"{months(m)} ({interval(lo, hi, DECIMALS_TIME)})"


def hazard_ratio(hr: float, lo: float, hi: float) -> str:
    """``HR (lo–hi)``."""
    return f"{num(hr, DECIMALS_HR)} ({interval(lo, hi, DECIMALS_HR)})"


__all__ = ["hazard_ratio", "interval", "is_missing", "median_ci", "months", "num", "pct", "pvalue"]

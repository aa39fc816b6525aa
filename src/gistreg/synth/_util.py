"""Helpers shared by the cohort generators: month/day conversion, exact marginals, rank-preserving fits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

#: Days per month used throughout (365.25 / 12), as the endpoint derivation uses.
DAYS_PER_MONTH = 30.4375


def months_to_days(months: float) -> int:
    """Whole days closest to ``months``."""
    return round(months * DAYS_PER_MONTH)


def days_to_months(days: float) -> float:
    """Months in ``days``."""
    return days / DAYS_PER_MONTH


def day(d: dt.date) -> int:
    """Ordinal of a date (days are integers inside the generators)."""
    return d.toordinal()


def date_of(ordinal: int) -> dt.date:
    """Date of an ordinal."""
    return dt.date.fromordinal(int(ordinal))


def labels(counts: Mapping[str, int], rng: np.random.Generator) -> list[str]:
    """Every key repeated by its count, in a random order: exact marginals for a calibrated arm."""
    out = [k for k, n in counts.items() for _ in range(n)]
    perm = rng.permutation(len(out))
    return [out[int(i)] for i in perm]


def fit_median_range(values: Sequence[float] | FloatArray, median: float, lo: float, hi: float, *,
                     half_gap: float = 0.05) -> FloatArray:
    """Map ``values`` monotonically (ranks kept) so that the minimum, median and maximum are exactly given.

    For an even number of values the two middle ones become ``median ∓ half_gap``, so that the sample median is
    ``median`` and no two values tie. The result is in the order of the input.
    """
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    order = np.argsort(x, kind="stable")
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = np.arange(n, dtype=np.float64)
    s = np.sort(x) + np.arange(n) * 1e-9  # strictly increasing knots even with ties
    if n % 2:
        m = n // 2
        old = [s[0], s[m], s[-1]]
        new = [lo, median, hi]
    else:
        m1, m2 = n // 2 - 1, n // 2
        old = [s[0], s[m1], s[m2], s[-1]]
        new = [lo, median - half_gap, median + half_gap, hi]
    if n <= 2:
        return np.linspace(lo, hi, n)[ranks.astype(np.int64)]
    fitted = np.interp(s, old, new)
    return fitted[ranks.astype(np.int64)]


def standardise(values: FloatArray, mean: float, sd: float) -> FloatArray:
    """Affine map of ``values`` to exactly the given sample mean and (n − 1) standard deviation."""
    v = np.asarray(values, dtype=np.float64)
    s = float(v.std(ddof=1))
    out: FloatArray = mean + (v - v.mean()) / (s if s > 0 else 1.0) * sd
    return out


__all__ = ["DAYS_PER_MONTH", "date_of", "day", "days_to_months", "fit_median_range", "labels", "months_to_days",
           "standardise"]

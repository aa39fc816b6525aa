"""Synthetic survival data shaped like a day-resolution registry extract, for the speed benchmarks.

One row per patient: follow-up time in whole days (so many ties, as in registry data rounded to the day),
an event indicator (about 30 % censored), a treatment group (2 levels), a stratum (4 levels, e.g. centre type)
and 6 covariates. Event times are Weibull with proportional hazards in the covariates and a baseline hazard that
differs by stratum; censoring is uniform (staggered entry with a common data cut). Everything is vectorised
and seeded, so every tool in a run sees exactly the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

#: Column names of the covariate matrix, in order.
COVARIATES: tuple[str, ...] = ("age10", "male", "log_size", "mitoses_high", "kit_exon11", "arm")
#: True log hazard ratios used to simulate (the Cox fit estimates these).
TRUE_COEF: tuple[float, ...] = (0.30, 0.10, 0.25, 0.50, -0.40, -0.30)
#: Weibull shape; the baseline median event time is about three years.
SHAPE = 1.2
BASELINE_MEDIAN_DAYS = 1100.0
#: Baseline hazard multiplier of strata 0..3, and how often each stratum occurs.
STRATUM_HAZARD: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0)
STRATUM_PROB: tuple[float, ...] = (0.4, 0.3, 0.2, 0.1)
#: Censoring time is uniform on (0, CENSOR_MAX_DAYS]; this gives about 30 % censored rows.
CENSOR_MAX_DAYS = 4400.0
DEFAULT_SEED = 20240601


@dataclass(frozen=True, slots=True)
class BenchData:
    """One synthetic data set: ``n`` rows of time (days, float64), event (0/1), group, stratum and covariates."""

    time: NDArray[np.float64]
    event: NDArray[np.int64]
    group: NDArray[np.int64]
    stratum: NDArray[np.int64]
    covariates: NDArray[np.float64]
    names: tuple[str, ...]
    seed: int

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.time.shape[0])

    @property
    def censored_fraction(self) -> float:
        """Share of rows without an event."""
        return float(1.0 - self.event.mean())

    @property
    def distinct_times(self) -> int:
        """Number of distinct follow-up times (the smaller, the more ties)."""
        return int(np.unique(self.time).shape[0])


def make_data(n: int, *, seed: int = DEFAULT_SEED) -> BenchData:
    """Simulate ``n`` patients (see the module docstring); the same ``n`` and ``seed`` give the same data."""
    if n < 10:
        raise ValueError(f"n: {n} is too small; the benchmark needs at least 10 rows")
    rng = np.random.default_rng([seed, n])
    stratum = rng.choice(len(STRATUM_PROB), size=n, p=np.asarray(STRATUM_PROB)).astype(np.int64)
    group = (rng.random(n) < 0.5).astype(np.int64)
    x = np.empty((n, len(COVARIATES)), dtype=np.float64)
    x[:, 0] = rng.normal(0.0, 1.0, n)  # age in decades, centred
    x[:, 1] = rng.random(n) < 0.55
    x[:, 2] = rng.normal(0.0, 1.0, n)  # log tumour size, standardised
    x[:, 3] = rng.random(n) < 0.30
    x[:, 4] = rng.random(n) < 0.70
    x[:, 5] = group
    lin = x @ np.asarray(TRUE_COEF)
    scale = np.log(2.0) / BASELINE_MEDIAN_DAYS**SHAPE
    rate = scale * np.asarray(STRATUM_HAZARD)[stratum] * np.exp(lin)
    t_event = (rng.standard_exponential(n) / rate) ** (1.0 / SHAPE)
    t_censor = rng.random(n) * CENSOR_MAX_DAYS
    event = (t_event <= t_censor).astype(np.int64)
    # Day resolution: a time in (k-1, k] days is recorded as day k, so the shortest follow-up is 1 day.
    time = np.ceil(np.minimum(t_event, t_censor))
    time = np.maximum(time, 1.0)
    return BenchData(time, event, group, stratum, x, COVARIATES, seed)


def continuous_times(data: BenchData) -> BenchData:
    """The same patients with follow-up as arbitrary floating-point times instead of whole days.

    A seeded uniform fraction of a day is subtracted from each time (day ``k`` becomes a time in ``(k - 1, k]``), so
    nearly every time is distinct: the tasks on these times measure the sorting path that any non-integer data take.
    """
    rng = np.random.default_rng([data.seed, data.n, 1])
    time = data.time - rng.random(data.n)
    return BenchData(time, data.event, data.group, data.stratum, data.covariates, data.names, data.seed)


def fisher_table() -> NDArray[np.int64]:
    """The 2 x 5 table (n = 200) used for the exact Fisher test benchmark."""
    return np.array([[24, 22, 19, 21, 14], [16, 18, 21, 19, 26]], dtype=np.int64)


def write_csv(data: BenchData, path: Path) -> None:
    """Write ``data`` as CSV (header ``time,event,group,stratum,<covariates>``) with round-trip precision."""
    cols = np.column_stack([data.time, data.event, data.group, data.stratum, data.covariates])
    fmt = ["%d", "%d", "%d", "%d"] + ["%.17g"] * data.covariates.shape[1]
    header = ",".join(("time", "event", "group", "stratum", *data.names))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savetxt(path, cols, fmt=fmt, delimiter=",", header=header, comments="")

"""The Kaplan-Meier and log-rank kernels give exactly the numbers of the plain formulas they were written from.

The kernels reuse intermediate arrays, skip rows that add exactly 0 and search monotone bands without forming them;
here each is compared bit for bit with a direct transcription of the formulas (``np.where`` over every row, one
weighted ``np.bincount`` per sum, every band formed), on random tables with ties, zero weights, curves that reach 0
and Fleming-Harrington weights.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gistreg.stats._kernels import km
from gistreg.stats._kernels.counting import RiskSets, risk_set_table, risk_sets
from gistreg.stats._kernels.logrank import LogRankStream, logrank_sums


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))


def _product_limit(n_risk: np.ndarray, n_event: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    has = n_event > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(has, (n_risk - n_event) / n_risk, 1.0)
        term = np.where(has, n_event / (n_risk * (n_risk - n_event)), 0.0)
        survival = np.cumprod(factor)
        std_err = np.sqrt(np.cumsum(term))
        return survival, std_err, std_err * survival


def _log_band(p: np.ndarray, std_err: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        xx = np.where(p == 0, np.nan, p)
        se2 = z * std_err
        return np.exp(np.log(xx) - se2), np.minimum(np.exp(np.log(xx) + se2), 1.0)


def _curve(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    m = int(rng.integers(1, 80))
    weight = float(rng.choice([1.0, 1.0, 2.0, 3.0]))
    events = rng.integers(0, 3, m) * weight
    censored = rng.integers(0, 3, m) * weight
    if rng.random() < 0.3:  # everyone left at the last time dies: S reaches 0
        events[-1], censored[-1] = events[-1] + censored[-1] + weight, 0.0
    total = events + censored
    keep = total > 0
    n_risk = np.cumsum(total[::-1])[::-1][keep].copy()
    return n_risk, events[keep].astype(np.float64)


@pytest.mark.parametrize("seed", range(4))
def test_product_limit_and_log_band_equal_the_formulas(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(300):
        n_risk, n_event = _curve(rng)
        pl = km.product_limit(n_risk, n_event)
        reference = _product_limit(n_risk, n_event)
        for got, want in zip((pl.survival, pl.std_err, pl.std_err_survival), reference, strict=True):
            assert _same(got, want)
        z = float(rng.choice([1.959963984540054, 1.6448536269514722]))
        for got, want in zip(
            km.confidence_band(pl.survival, pl.std_err, z, "log"), _log_band(*reference[:2], z), strict=True
        ):
            assert _same(got, want)


def test_product_limit_with_fewer_than_one_at_risk() -> None:
    """Fractional or zero weights: rows without deaths are singled out as in the formula."""
    n_risk = np.array([2.5, 1.0, 0.5, 0.0])
    n_event = np.array([1.0, 0.0, 0.5, 0.0])
    pl = km.product_limit(n_risk, n_event)
    for got, want in zip((pl.survival, pl.std_err, pl.std_err_survival), _product_limit(n_risk, n_event), strict=True):
        assert _same(got, want)


@pytest.mark.parametrize("seed", range(4))
def test_curve_quantiles_equal_the_search_on_formed_bands(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    probs = np.array([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
    for _ in range(200):
        n_risk, n_event = _curve(rng)
        pl = km.product_limit(n_risk, n_event)
        conf_type = str(rng.choice(["log", "log-log", "plain"]))
        lower, upper = km.confidence_band(pl.survival, pl.std_err, 1.959963984540054, conf_type)
        time = np.cumsum(rng.integers(1, 4, n_risk.shape[0])).astype(np.float64)
        extra = np.array([1.0 - pl.survival[min(2, pl.survival.shape[0] - 1)], float(rng.random())])
        p = np.concatenate([probs, extra])
        got = km.curve_quantiles(time, pl.survival, lower, upper, p)
        x = np.concatenate(([0.0], time))
        for band, values in zip((pl.survival, lower, upper), got, strict=True):
            y = np.concatenate(([0.0], 1.0 - band))
            want = np.array([km.find_quantile(x, y, float(q)) for q in p])
            assert _same(values, want), (band, p)


def _logrank_sums_reference(sets: RiskSets, n_strata: int, rho: float, gamma: float) -> tuple[np.ndarray, ...]:
    """Every row in every sum, one ``np.bincount`` over (stratum, group) keys per sum."""
    d, n, deaths, at_risk = sets.n_event, sets.n_risk, sets.deaths, sets.at_risk
    weight = None
    if rho != 0 or gamma != 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(deaths > 0, (at_risk - deaths) / at_risk, 1.0)
        left = np.empty_like(factor)
        for b in range(sets.starts.shape[0] - 1):
            lo, hi = int(sets.starts[b]), int(sets.starts[b + 1])
            if hi > lo:
                left[lo] = 1.0
                left[lo + 1 : hi] = np.cumprod(factor[lo : hi - 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = left**rho * (1.0 - left) ** gamma
    event_time = deaths > 0
    k = d.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted = deaths if weight is None else weight * deaths
        share = np.where(event_time, weighted, 0.0)
        exp_rows = np.where(event_time[:, None], share[:, None] * n / at_risk[:, None], 0.0)
        use = event_time & (at_risk > 1)
        squared = deaths if weight is None else weight * weight * deaths
        coef = np.where(use, squared * (at_risk - deaths) / (at_risk * (at_risk - 1.0)), 0.0)
        scaled = np.where(use, coef / at_risk, 0.0)
        obs_rows = d if weight is None else weight[:, None] * d
    keys = (sets.block[:, None] * k + np.arange(k)).reshape(-1)
    size = n_strata * k
    observed = np.bincount(keys, weights=obs_rows.reshape(-1), minlength=size).reshape(n_strata, k).T
    expected = np.bincount(keys, weights=exp_rows.reshape(-1), minlength=size).reshape(n_strata, k).T
    variance = np.diag(coef @ n) - (n * scaled[:, None]).T @ n
    return observed, expected, variance


@pytest.mark.parametrize("seed", range(3))
def test_logrank_sums_equal_the_formulas(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    for _ in range(60):
        n = int(rng.integers(2, 300))
        time = np.round(rng.exponential(10.0, n), int(rng.integers(0, 3)))
        event = (rng.random(n) < 0.6).astype(np.float64)
        k, s = int(rng.integers(2, 12)), int(rng.integers(1, 4))
        group, strata = rng.integers(0, k, n), rng.integers(0, s, n) if s > 1 else None
        weights = [None, rng.random(n) * 2, rng.integers(0, 3, n).astype(np.float64)][int(rng.integers(0, 3))]
        sets = risk_sets(risk_set_table(time, event, strata, s, group, k, weights), whole=weights is None)
        for rho, gamma in ((0.0, 0.0), (1.0, 0.0), (0.5, 1.0), (-1.0, 0.0)):
            with np.errstate(divide="ignore"):  # 0 ** -1 in the weight
                got = logrank_sums(sets, s, rho, gamma)
                want = _logrank_sums_reference(sets, s, rho, gamma)
            for a, b in zip((got.observed, got.expected, got.variance), want, strict=True):
                assert _same(a, np.ascontiguousarray(b))


@pytest.mark.parametrize("seed", range(3))
def test_stream_fed_in_blocks_equals_whole_strata(seed: int) -> None:
    """Sums, running products and weights carried from block to block give the numbers of whole strata; upper
    bounds for the strata's sizes are trimmed."""
    rng = np.random.default_rng(300 + seed)
    for _ in range(30):
        n = int(rng.integers(5, 300))
        time = np.round(rng.exponential(10.0, n), 1)
        event = (rng.random(n) < 0.6).astype(np.float64)
        k, s = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        group, strata = rng.integers(0, k, n), rng.integers(0, s, n)
        sets = risk_sets(risk_set_table(time, event, strata, s, group, k, None), whole=True)
        for rho, gamma in ((0.0, 0.0), (1.0, 0.0), (0.5, 1.0)):
            sizes = np.diff(sets.starts) + rng.integers(0, 3, s)
            stream = LogRankStream(sizes.tolist(), k, rho, gamma, whole=True)
            for b in range(s):
                lo, hi = int(sets.starts[b]), int(sets.starts[b + 1])
                cuts = np.unique(np.concatenate(([lo, hi], rng.integers(lo, hi + 1, 3))))
                for a, z in itertools.pairwise(cuts):
                    rows = slice(int(a), int(z))
                    stream.add(
                        b,
                        [sets.n_event[rows, j].astype(np.int64) for j in range(k)],
                        sets.deaths[rows].astype(np.int64),
                        sets.at_risk[rows].astype(np.int64),
                        [sets.n_risk[rows, j].astype(np.int64) for j in range(k)],
                    )
            got, want = stream.result(), logrank_sums(sets, s, rho, gamma)
            for a, b_ in zip(
                (got.observed, got.expected, got.variance), (want.observed, want.expected, want.variance), strict=True
            ):
                assert _same(a, b_)

"""The quantile search equals a literal transcription of R's ``quantile.survfit`` search (``findq``).

The reference below follows R step by step: keep the first occurrence of each value (``duplicated``), then
``approx(..., method = "constant", f = 1)`` with R's ``regularize.values`` (drop NA pairs, sort, tied values get
the mean index). The kernel finds the same answers without sorting, and by binary search on monotone curves.
Every test runs twice: monotone curves searched in their formed vector (short curves) and bisected entry by entry
(long curves).
"""

from __future__ import annotations

import numpy as np
import pytest

from gistreg.stats._kernels import km
from gistreg.stats._kernels.counting import TIME_TOLERANCE
from gistreg.stats._kernels.km import _approx_right_index, find_quantile

TOL = TIME_TOLERANCE


@pytest.fixture(autouse=True, params=["formed", "bisected"])
def _search_route(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.param == "bisected":
        monkeypatch.setattr(km, "_FORM_BELOW", 0)


def _reference_approx(v: np.ndarray, p: float) -> float:
    ok = ~np.isnan(v)
    xs = v[ok]
    idx = (np.flatnonzero(ok) + 1).astype(np.float64)
    if xs.shape[0] == 0:
        return float("nan")
    order = np.argsort(xs, kind="stable")
    xs, idx = xs[order], idx[order]
    xs, inverse = np.unique(xs, return_inverse=True)
    idx = np.bincount(inverse, weights=idx) / np.bincount(inverse)
    if p < xs[0] or p > xs[-1]:
        return float("nan")
    return float(idx[int(np.searchsorted(xs, p, side="left"))])


def _reference_find_quantile(x: np.ndarray, y: np.ndarray, p: float) -> float:
    if not (np.nanmax(y) >= p):
        return float("nan")
    _, first = np.unique(y, return_index=True)  # R's !duplicated(y)
    keep = np.sort(first)
    xk, yk = x[keep], y[keep]

    def at(i: float) -> float:
        return float("nan") if np.isnan(i) else float(xk[int(i) - 1])

    i1 = _reference_approx(yk + TOL, p)
    i2 = _reference_approx(yk - TOL, p)
    quant = (at(i1) + at(i2)) / 2
    if p == 0:
        quant = float(xk[0])
    last = float(yk[-1])
    if not np.isnan(last) and abs(p - last) < TOL:
        quant = (at(i1) + float(x[-1])) / 2
    return quant


def _same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == b


@pytest.mark.parametrize("seed", range(40))
def test_approx_index_equals_the_sorting_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 30))
    v = rng.integers(0, 8, n) / 7.0  # many exact ties
    if seed % 3 == 0:
        v = np.sort(v)
    if seed % 4 == 1:
        v[rng.random(n) < 0.3] = np.nan
    if seed % 5 == 2:
        v = -v  # includes -0.0 next to 0.0
    probes = [*np.unique(v[~np.isnan(v)]).tolist(), -1.0, 0.0, 0.5, 2.0, 1 / 7 + 1e-12, 3 / 7 - 1e-12]
    for p in probes:
        assert _same(_approx_right_index(v, p), _reference_approx(v, p)), (v, p)


def test_approx_index_all_missing_and_single_values() -> None:
    assert np.isnan(_approx_right_index(np.array([np.nan, np.nan]), 0.5))
    assert np.isnan(_approx_right_index(np.zeros(0), 0.5))
    assert _approx_right_index(np.array([0.5]), 0.5) == 1.0
    assert np.isnan(_approx_right_index(np.array([0.5]), 0.4))  # below the range: NA, as R's rule = 1
    assert _approx_right_index(np.array([0.2, 0.7, 0.7, 0.1]), 0.5) == 2.5  # tied values share the mean index


def test_find_quantile_on_bands_with_missing_values_and_plateaus() -> None:
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    y = np.array([0.0, 0.2, 0.5, 0.5, np.nan, 0.9])  # a plateau at the probability, then a missing limit
    # R's duplicated() keeps the first 0.5 only; the first value above 1/2 + tol is then 0.9 at time 5
    assert find_quantile(x, y, 0.5) == 3.5
    assert find_quantile(x, y, 0.9) == 5.0
    assert np.isnan(find_quantile(x, y, 0.95))
    assert find_quantile(x, np.array([0.0, 0.2, 0.5, 0.5, 0.7, 0.9]), 0.5) == 3.0  # midpoint of [2, 4)
    unsorted = np.array([0.0, 0.3, 0.2, 0.6, 0.6, 0.55])
    assert find_quantile(x, unsorted, 0.58) == 3.0
    assert find_quantile(x, np.array([0.0, 0.1, 0.2, 0.3, 0.4, 0.5]), 0.5) == 5.0  # ends on 1/2


def _random_curve(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate(([0.0], np.cumsum(rng.integers(1, 4, n - 1)).astype(np.float64)))
    y = np.concatenate(([0.0], np.cumsum(rng.integers(0, 3, n - 1)) / (2.0 * n)))
    return x, y


@pytest.mark.parametrize("seed", range(60))
def test_find_quantile_equals_the_reference(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 40))
    x, y = _random_curve(rng, n)
    if seed % 2 and n > 1:
        y[1:] += rng.normal(0, 0.05, n - 1) * (rng.random(n - 1) < 0.3)  # a band that is not monotone
    if seed % 3 == 0:
        y[1:][rng.random(n - 1) < 0.2] = np.nan  # y[0] is 0, as in c(0, 1 - s)
    probs = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0, *[float(v) for v in y[~np.isnan(y)][:: max(1, n // 5)]]]
    probs += [p + d for p in probs[-3:] for d in (TOL, -TOL, 2 * TOL, TOL / 2)]
    for p in probs:
        assert _same(find_quantile(x, y, p), _reference_find_quantile(x, y, p)), (x, y, p)


@pytest.mark.parametrize("base", [0.5, 0.25, 1.0, 0.125])
def test_find_quantile_when_rounding_ties_shifted_values(base: float) -> None:
    """Values a fraction of an ulp apart that ``y + tol`` or ``y - tol`` rounds to the same number."""
    ulp = np.spacing(base) / 4
    ties = 0
    for start in (base - TOL, base + TOL, base):
        y = np.concatenate(([0.0], start + ulp * np.array([-3, -2, -1, 0, 0, 1, 2, 3, 5, 8]), [base + 0.1]))
        y = np.maximum.accumulate(y)
        x = np.arange(y.shape[0], dtype=np.float64)
        kept = np.unique(y)
        ties += int(np.unique(kept + TOL).shape[0] < kept.shape[0]) + int(
            np.unique(kept - TOL).shape[0] < kept.shape[0]
        )
        for p in (base, start, base + TOL, base - TOL, *(float(v) for v in y[1:-1])):
            assert _same(find_quantile(x, y, p), _reference_find_quantile(x, y, p)), (y, p)
    assert ties > 0  # the case is really exercised


@pytest.mark.parametrize("base", [1e-9, 3e-9, 7e-10])
def test_find_quantile_when_many_values_tie_after_the_shift(base: float) -> None:
    """Below the tolerance, several distinct values round to one shifted value; R takes the middle (rounded down)."""
    rng = np.random.default_rng(int(base * 1e12))
    steps = rng.integers(0, 3, 40) * np.spacing(base)
    y = np.concatenate(([0.0], base + np.cumsum(steps), [0.5]))
    x = np.cumsum(rng.integers(1, 3, y.shape[0])).astype(np.float64)
    kept = np.unique(y)
    largest_tie = max(int(np.unique(kept + s, return_counts=True)[1].max()) for s in (TOL, -TOL))
    assert largest_tie >= 3
    for p in sorted({*(float(v + s) for v in y for s in (TOL, -TOL)), *(float(v) for v in y), 2 * TOL, 1e-12}):
        assert _same(find_quantile(x, y, p), _reference_find_quantile(x, y, p)), (y, p)


def test_find_quantile_near_the_last_value() -> None:
    x = np.array([0.0, 2.0, 3.0, 7.0, 9.0])
    y = np.array([0.0, 0.2, 0.4, 0.5, 0.5])  # the curve ends on 1/2
    for d in (0.0, 0.25, 0.5, 0.75, 0.999, 1.0, 1.5):
        for p in (0.5 - d * TOL, 0.5 + d * TOL):
            assert _same(find_quantile(x, y, p), _reference_find_quantile(x, y, p)), p
    assert find_quantile(x, y, 0.5) == 8.0  # (first time on 1/2 + last time) / 2

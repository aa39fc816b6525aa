"""The quantile search equals a literal transcription of R's ``approx(..., method = "constant", f = 1)``.

The reference below follows R's ``regularize.values`` step by step (drop NA pairs, sort, tied values get the mean
index) and then takes the right-continuous step; the kernel finds the same index without sorting.
"""

from __future__ import annotations

import numpy as np
import pytest

from gistreg.stats._kernels import km as km_kernel
from gistreg.stats._kernels.km import _approx_right_index, _approx_right_index_sorted, find_quantile


def _reference(v: np.ndarray, p: float) -> float:
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
        assert _same(_approx_right_index(v, p), _reference(v, p)), (v, p)


@pytest.mark.parametrize("seed", range(20))
def test_binary_search_on_sorted_values_equals_the_reference(seed: int) -> None:
    rng = np.random.default_rng(50 + seed)
    v = np.sort(rng.integers(0, 6, int(rng.integers(1, 25))) / 5.0)  # runs of tied values
    for p in [*np.unique(v).tolist(), -0.5, 0.1, 0.55, 1.0, 1.5]:
        assert _same(_approx_right_index_sorted(v, p), _reference(v, p)), (v, p)
    assert np.isnan(_approx_right_index_sorted(np.zeros(0), 0.5))


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


@pytest.mark.parametrize("seed", range(30))
def test_find_quantile_equals_the_search_with_the_sorting_reference(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 40))
    x = np.concatenate(([0.0], np.cumsum(rng.integers(1, 4, n - 1)).astype(np.float64)))
    y = np.concatenate(([0.0], np.cumsum(rng.integers(0, 3, n - 1)) / (2.0 * n)))
    if seed % 2:
        y[1:] += rng.normal(0, 0.05, n - 1) * (rng.random(n - 1) < 0.3)  # a band that is not monotone
    if seed % 3 == 0:
        y[rng.random(n) < 0.2] = np.nan
    probs = [0.0, 0.1, 0.25, 0.5, 0.75, float(y[n // 2]) if not np.isnan(y[n // 2]) else 0.3]
    fast = [find_quantile(x, y, p) for p in probs]
    monkeypatch.setattr(km_kernel, "_approx_right_index", _reference)
    monkeypatch.setattr(km_kernel, "_approx_right_index_sorted", _reference)
    slow = [find_quantile(x, y, p) for p in probs]
    assert all(_same(a, b) for a, b in zip(fast, slow, strict=True)), (fast, slow)

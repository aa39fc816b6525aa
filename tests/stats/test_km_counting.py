"""The shared risk-set counting kernel: counting pass and sorting pass agree exactly; R's near-tie merging."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from gistreg.stats import kaplan_meier, logrank, rmst
from gistreg.stats._kernels import counting
from gistreg.stats._kernels.counting import code_times, merge_near_ties
from gistreg.stats._prep import encode


def _assert_same(a: Any, b: Any, where: str = "") -> None:
    """Exact equality of two results, field by field (NaN equals NaN)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        for f in dataclasses.fields(a):
            _assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, tuple) and a and dataclasses.is_dataclass(a[0]):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    else:
        assert a == b or (a != a and b != b), where


def _data(seed: int = 7, n: int = 3000) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    time = np.floor(rng.exponential(150 * (1 + group), n)).clip(0, 900) * 2  # even days: gaps in the range
    return {
        "time": time,
        "event": (rng.random(n) < 0.7).astype(np.float64),
        "group": group,
        "strata": rng.integers(0, 4, n),
        "wint": rng.integers(0, 4, n).astype(np.float64),
        "wfrac": rng.random(n) * 2,
    }


def _all_results(d: dict[str, np.ndarray]) -> list[Any]:
    t, e, g, s = d["time"], d["event"], d["group"], d["strata"]
    return [
        kaplan_meier(t, e, group=g),
        kaplan_meier(t, e, group=g, weights=d["wint"], conf_type="log-log"),
        kaplan_meier(t, e, group=g, weights=d["wfrac"]),
        logrank(t, e, g),
        logrank(t, e, g, strata=s, rho=1, gamma=0.5),
        logrank(t, e, g, strata=s, weights=d["wfrac"]),
        rmst(t, e, tau=500, group=g),
    ]


def test_counting_and_sorting_paths_agree_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _data()
    counted = code_times(d["time"]).values  # counting pass: every integer from the origin to the largest time
    np.testing.assert_array_equal(counted, np.arange(counted[0], d["time"].max() + 1))
    default = _all_results(d)
    monkeypatch.setattr(counting, "COUNTING_MAX_ABS_TIME", 0.0)
    assert code_times(d["time"]).values.shape[0] == np.unique(d["time"]).shape[0]  # sorting pass
    sorted_path = _all_results(d)
    monkeypatch.setattr(counting, "DENSE_MAX_CELLS", 0)
    monkeypatch.setattr(counting, "DENSE_CELLS_PER_ROW", 0)
    sparse = _all_results(d)
    for a, b, c in zip(default, sorted_path, sparse, strict=True):
        _assert_same(a, b, type(a).__name__)
        _assert_same(a, c, type(a).__name__)


def test_sparse_and_dense_tables_agree_for_float_times(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _data(seed=3, n=1500)
    d["time"] = d["time"] / 7 + 0.25
    dense = _all_results(d)
    monkeypatch.setattr(counting, "DENSE_MAX_CELLS", 0)
    monkeypatch.setattr(counting, "DENSE_CELLS_PER_ROW", 0)
    for a, b in zip(dense, _all_results(d), strict=True):
        _assert_same(a, b, type(a).__name__)


def test_results_do_not_depend_on_the_time_origin_of_the_counting_pass() -> None:
    d = _data(seed=11, n=500)
    shifted = dict(d, time=d["time"] + 1000)
    a = kaplan_meier(d["time"], d["event"], group=d["group"])
    b = kaplan_meier(shifted["time"], shifted["event"], group=shifted["group"])
    for ca, cb in zip(a.curves, b.curves, strict=True):
        np.testing.assert_array_equal(ca.time + 1000, cb.time)
        np.testing.assert_array_equal(ca.survival, cb.survival)
        np.testing.assert_array_equal(ca.std_err, cb.std_err)


def test_merge_near_ties_collapses_chains_to_their_first_value() -> None:
    values = np.array([1.0, 1 + 1e-10, 2.0, 2 + 1e-8, 2 + 2e-8, 3.0, 3 + 1e-7])
    merged, cluster = merge_near_ties(values)
    np.testing.assert_array_equal(merged, [1.0, 2.0, 3.0, 3 + 1e-7])
    np.testing.assert_array_equal(cluster, [0, 0, 1, 1, 1, 2, 3])


def test_near_ties_relative_to_the_mean_time_are_merged_like_r() -> None:
    # mean ~1e9: differences <= 1e9 * 2**-26 (about 14.9) are ties; 15 is not
    t = 1e9 + np.array([0.0, 5.0, 20.0, 35.0])
    codes = code_times(t)
    np.testing.assert_array_equal(codes.values, 1e9 + np.array([0.0, 20.0, 35.0]))
    np.testing.assert_array_equal(codes.index, [0, 0, 1, 2])
    c = kaplan_meier(t, [1, 1, 1, 0]).curves[0]
    np.testing.assert_array_equal(c.n_event, [2, 1, 0])


def test_integer_times_below_two_to_the_26_are_never_merged() -> None:
    t = np.array([2.0**26 - 2, 2.0**26 - 1, 5.0])
    np.testing.assert_array_equal(code_times(t).values[[0, -2, -1]], [5.0, 2.0**26 - 2, 2.0**26 - 1])
    big = np.array([3e8, 3e8 + 1, 3e8 + 30])  # above it the sorting pass merges as R: 1 <= 3e8 * 2**-26
    np.testing.assert_array_equal(code_times(big).values, [3e8, 3e8 + 30])


@pytest.mark.parametrize(
    "labels",
    [
        np.array([3, -1, 3, 7, -1]),
        np.array([True, False, True]),
        np.array([True, True]),
        np.array([5, 5]),
        np.array([6, 5, 6]),
        np.array([5, 5, 200], dtype=np.uint8),
        np.array([2**63 + 5, 2**63 + 1], dtype=np.uint64),
        np.array([10**12, 1, 10**12]),
        np.array(["b", "a", "b"]),
        np.array([2.0, -1.0, 2.0, 0.0]),
        np.array([1.5, 1.0]),
        np.array([np.inf, 1.0]),
        np.array([1e300, 1.0]),
    ],
)
def test_encode_counting_pass_equals_unique(labels: np.ndarray) -> None:
    codes = encode("group", labels, labels.shape[0])
    uniq, inverse = np.unique(labels, return_inverse=True)
    assert codes.labels == tuple(uniq.tolist())
    assert [type(x) for x in codes.labels] == [type(x) for x in uniq.tolist()]
    np.testing.assert_array_equal(codes.codes, inverse.reshape(-1))
    assert codes.codes.dtype == np.int64


def test_counting_in_blocks_of_rows_and_a_late_fractional_time(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    n = 1000
    d = {
        "time": rng.integers(0, 10, n).astype(np.float64),
        "event": (rng.random(n) < 0.6).astype(np.float64),
        "group": rng.integers(0, 2, n),
        "strata": rng.integers(0, 3, n),
        "wint": rng.integers(1, 3, n).astype(np.float64),
        "wfrac": rng.random(n),
    }
    late = dict(d, time=np.concatenate([d["time"][:-1], [3.5]]))  # only the last block has a fractional time
    monkeypatch.setattr(counting, "CHUNK_ROWS", 64)
    blocked = [_all_results(d), _all_results(late)]
    monkeypatch.setattr(counting, "COUNTING_MAX_ABS_TIME", 0.0)
    sorted_path = [_all_results(d), _all_results(late)]
    for a_list, b_list in zip(blocked, sorted_path, strict=True):
        for a, b in zip(a_list, b_list, strict=True):
            _assert_same(a, b, type(a).__name__)
    assert kaplan_meier(late["time"], late["event"]).curves[0].time[4] == 3.5

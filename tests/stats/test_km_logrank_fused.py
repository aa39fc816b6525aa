"""The fused counting pass (raw arrays checked and counted in one pass) equals the general route exactly.

Every result is computed twice, once as the front ends choose and once with the fused pass switched off, and the
two are compared field by field with exact equality. Inputs the fused pass declines (fractions, negative or
non-finite times, bad events, large or negative codes, strings, weights) must give the same results or errors.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gistreg.core.errors import InputError
from gistreg.stats import _prep, kaplan_meier, logrank, median_followup, rmst
from gistreg.stats._kernels import fused
from gistreg.stats._kernels.fused import fused_counts
from support.same_results import assert_same, counting_calls, outcome

# the package exports functions named like their modules
km_module = importlib.import_module("gistreg.stats.km")
logrank_module = importlib.import_module("gistreg.stats.logrank")
Arrays = dict[str, Any]


def _results(d: Arrays) -> list[Any]:
    """Every result of the front ends that use the counting pass, on one data set."""
    t, e, g = d["time"], d["event"], d["group"]
    fit = kaplan_meier(t, e, group=g)
    out: list[Any] = [
        fit,
        fit.median(),
        fit.quantile((0.1, 0.25, 0.5, 0.75)),
        fit.at((0.0, 3.0, 10.0, 1e6), extend=True),
        fit.risk_table((0.0, 5.0, 20.0)),
        kaplan_meier(t, e, group=g, conf_type="log-log", conf_level=0.9),
        kaplan_meier(t, e, conf_type="plain"),
        rmst(t, e, tau=8.0, group=g),
        median_followup(t, e, group=g),
    ]
    for kwargs in ({}, {"rho": 1.0}, {"rho": 0.5, "gamma": 1.0}):
        out.append(outcome(functools.partial(logrank, t, e, g, **kwargs)))
        out.append(outcome(functools.partial(logrank, t, e, g, strata=d["strata"], **kwargs)))
    return out


def _general(monkeypatch: pytest.MonkeyPatch, run: Callable[[], Any]) -> Any:
    """``run()`` with the fused pass switched off in both front ends."""
    with monkeypatch.context() as m:
        m.setattr(km_module, "fused_curves", lambda *a, **k: None)
        m.setattr(logrank_module, "fused_table", lambda *a, **k: None)
        return run()


def _fused_taken(d: Arrays) -> bool:
    """Whether the fused pass accepts the data (so that the comparison is not between two general runs)."""
    with_strata = _prep.fused_table(d["time"], d["event"], d["group"], d["strata"])
    curves = _prep.fused_curves(d["time"], d["event"], d["group"])
    return with_strata is not None and curves is not None


def _data(seed: int, n: int = 600, *, levels: tuple[int, ...] = (0, 1), n_strata: int = 3) -> Arrays:
    rng = np.random.default_rng(seed)
    group = np.asarray(levels)[rng.integers(0, len(levels), n)]
    time = np.floor(rng.exponential(6.0 * (1 + (group == levels[-1])), n)) + rng.integers(0, 2, n)
    return {
        "time": time,
        "event": (rng.random(n) < 0.7).astype(np.int64),
        "group": group.astype(np.int64),
        "strata": rng.integers(0, n_strata, n),
    }


def _check(monkeypatch: pytest.MonkeyPatch, d: Arrays, *, fused_expected: bool = True) -> None:
    assert _fused_taken(d) == fused_expected
    fast = _results(d)
    general = _general(monkeypatch, lambda: _results(d))
    for i, (a, b) in enumerate(zip(fast, general, strict=True)):
        assert_same(a, b, f"result {i} ({type(a).__name__})")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fused_equals_general_on_random_data(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    _check(monkeypatch, _data(seed))


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint32, np.uint64])
def test_group_and_strata_dtypes(monkeypatch: pytest.MonkeyPatch, dtype: Any) -> None:
    d = _data(11)
    d["group"] = d["group"].astype(dtype)
    d["strata"] = (d["strata"] > 0).astype(dtype)
    _check(monkeypatch, d)
    labels = kaplan_meier(d["time"], d["event"], group=d["group"]).groups
    assert labels == tuple(np.unique(d["group"]).tolist())
    assert [type(x) for x in labels] == [type(x) for x in np.unique(d["group"]).tolist()]


def test_labels_that_are_not_0_to_k_minus_1(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _data(12, levels=(3, 7, 9))
    d["strata"] = d["strata"] * 5 + 2  # strata 2, 7, 12
    d["group"][(d["strata"] == 7) & (d["group"] == 9)] = 3  # level 9 absent in stratum 7
    _check(monkeypatch, d)
    r = logrank(d["time"], d["event"], d["group"], strata=d["strata"])
    assert r.groups == (3, 7, 9) and r.strata == (2, 7, 12)
    assert r.observed_by_stratum[2, 1] == 0


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint16, np.float64])
def test_time_dtypes(monkeypatch: pytest.MonkeyPatch, dtype: Any) -> None:
    d = _data(13)
    d["time"] = d["time"].astype(dtype)
    _check(monkeypatch, d)


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int64, np.uint64, np.float32, np.float64])
def test_event_dtypes(monkeypatch: pytest.MonkeyPatch, dtype: Any) -> None:
    d = _data(14)
    d["event"] = d["event"].astype(dtype)
    _check(monkeypatch, d)


def test_python_lists_strided_arrays_and_a_single_group(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _data(15, n=300)
    as_lists = {k: v.tolist() for k, v in d.items()}
    _check(monkeypatch, as_lists)
    wide = _data(16, n=600)
    strided = {k: v[::2] for k, v in wide.items()}
    assert not strided["time"].flags.c_contiguous
    _check(monkeypatch, strided)
    one = dict(d, group=np.full(300, 4))
    _check(monkeypatch, one)
    with pytest.raises(InputError, match=r"^group: has only one level \(4\); the test needs at least two groups$"):
        logrank(one["time"], one["event"], one["group"])


def test_growth_across_blocks_of_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sorted times, and group and stratum codes that first appear late, in blocks of 50 rows."""
    monkeypatch.setattr(fused, "FUSED_CHUNK_ROWS", 50)
    d = _data(17, n=1000, levels=(0, 1, 2, 5), n_strata=4)
    order = np.lexsort((d["time"], d["strata"], d["group"]))
    d = {k: v[order] for k, v in d.items()}
    _check(monkeypatch, d)
    by_time = {k: v[np.argsort(d["time"], kind="stable")] for k, v in d.items()}
    _check(monkeypatch, by_time)


def test_unsorted_growth_matches_direct_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fused, "FUSED_CHUNK_ROWS", 37)
    d = _data(18, n=500, levels=(0, 3), n_strata=5)
    d["time"][-1] = 400.0  # the largest time only in the last block
    counts = fused_counts(d["time"], d["event"], d["strata"], d["group"])
    assert counts is not None and counts.shape == (2, 4, 5, 401)
    direct = np.zeros(counts.shape, dtype=np.int64)
    np.add.at(direct, (d["event"], d["group"], d["strata"], d["time"].astype(np.int64)), 1)
    np.testing.assert_array_equal(counts, direct)


def _bad(d: Arrays, key: str, position: int, value: Any, dtype: Any = None) -> Arrays:
    arr = d[key].astype(dtype) if dtype is not None else d[key].copy()
    arr[position] = value
    return dict(d, **{key: arr})


@pytest.mark.parametrize(
    ("key", "value", "dtype"),
    [
        ("time", 2.5, None),  # a fraction: valid, counted by the general route
        ("time", 2.0**26, None),  # too large to skip R's near-tie merging
        ("time", 2**40, np.int64),
        ("group", -1, None),  # negative labels: valid
        ("group", 5000, None),  # a large label
        ("group", -3, np.int8),
        ("strata", -1, None),
        ("strata", 2**62, None),
        ("event", 1.0, np.float16),
    ],
)
def test_inputs_the_fused_pass_declines_give_the_same_results(
    monkeypatch: pytest.MonkeyPatch, key: str, value: Any, dtype: Any
) -> None:
    d = _bad(_data(19, n=400), key, 399, value, dtype)
    if key == "event":  # float16 events are accepted: same results either way
        _check(monkeypatch, d)
        return
    _check(monkeypatch, d, fused_expected=False)


def test_strings_big_endian_and_weights_take_the_general_route(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _data(20, n=300)
    names = dict(d, group=np.where(d["group"] == 1, "b", "a"))
    _check(monkeypatch, names, fused_expected=False)
    swapped = dict(d, group=d["group"].astype(">i8"), time=d["time"].astype(">f8"))
    _check(monkeypatch, swapped, fused_expected=False)
    w = np.ones(300)
    a = kaplan_meier(d["time"], d["event"], group=d["group"], weights=w)
    b = kaplan_meier(d["time"], d["event"], group=d["group"])
    for ca, cb in zip(a.curves, b.curves, strict=True):
        np.testing.assert_array_equal(ca.survival, cb.survival)
        np.testing.assert_array_equal(ca.ci_upper, cb.ci_upper)


ERRORS: list[tuple[str, int, Any, Any, str]] = [
    ("time", 7, -3.0, None, r"^time: position 7 is -3\.0; times must be >= 0$"),
    ("time", 7, -3, np.int64, r"^time: position 7 is -3\.0; times must be >= 0$"),
    ("time", 7, -3, np.int8, r"^time: position 7 is -3\.0; times must be >= 0$"),
    ("time", 7, np.nan, None, r"^time: position 7 is nan; expected a finite number \(1 such value\(s\) in all\)$"),
    ("time", 7, np.inf, None, r"^time: position 7 is inf; expected a finite number"),
    ("time", 7, -np.inf, None, r"^time: position 7 is -inf; expected a finite number"),
    ("event", 7, 2, None, r"^event: position 7 is 2\.0; expected 0 \(censored\) or 1 \(event\)$"),
    ("event", 7, -1, None, r"^event: position 7 is -1\.0; expected 0 \(censored\) or 1 \(event\)$"),
    ("event", 7, -1, np.int8, r"^event: position 7 is -1\.0; expected 0 \(censored\) or 1 \(event\)$"),
    ("event", 7, 0.5, np.float64, r"^event: position 7 is 0\.5; expected 0 \(censored\) or 1 \(event\)$"),
    ("event", 7, np.nan, np.float64, r"^event: position 7 is nan; expected a finite number"),
]


@pytest.mark.parametrize(("key", "position", "value", "dtype", "message"), ERRORS)
@pytest.mark.parametrize("late", [False, True])
def test_bad_inputs_give_the_same_errors(
    monkeypatch: pytest.MonkeyPatch, key: str, position: int, value: Any, dtype: Any, message: str, late: bool
) -> None:
    d = _data(21, n=200)
    if late:  # the bad row in the last block of rows, after the table has been counted for the others
        monkeypatch.setattr(fused, "FUSED_CHUNK_ROWS", 16)
        position = 190
        message = message.replace("position 7", "position 190")
    d = _bad(d, key, position, value, dtype)
    for call in counting_calls(d):
        with pytest.raises(InputError, match=message):
            call()
        assert outcome(call) == _general(monkeypatch, functools.partial(outcome, call))


def test_length_mismatch_and_empty_input_keep_their_messages() -> None:
    d = _data(22, n=50)
    with pytest.raises(InputError, match=r"^event: has 49 entries but time has 50; they must be equally long$"):
        kaplan_meier(d["time"], d["event"][:-1])
    with pytest.raises(InputError, match=r"^group: has 49 entries but time has 50"):
        logrank(d["time"], d["event"], d["group"][:-1])
    with pytest.raises(InputError, match=r"^strata: has 51 entries but time has 50"):
        logrank(d["time"], d["event"], d["group"], strata=np.zeros(51, dtype=np.int64))
    with pytest.raises(InputError, match=r"^time: is empty"):
        kaplan_meier(np.zeros(0), np.zeros(0, dtype=np.int64))
    with pytest.raises(InputError, match=r"^time: expected a 1-D array, got shape \(2, 25\)$"):
        kaplan_meier(d["time"].reshape(2, 25), d["event"].reshape(2, 25))


@pytest.mark.parametrize(
    "change",
    [
        {"time": np.array([1.0, 2.0, 0.5])},
        {"time": np.array([1.0, -1.0, 2.0])},
        {"time": np.array([1.0, np.nan, 2.0])},
        {"time": np.array([1.0, np.inf, 2.0])},
        {"time": np.array([1.0, -np.inf, 2.0])},
        {"time": np.array([1, -1, 2], dtype=np.int16)},
        {"event": np.array([1, 2, 0])},
        {"event": np.array([1, -1, 0], dtype=np.int32)},
        {"event": np.array([1.0, 0.5, 0.0])},
        {"event": np.array([1.0, np.nan, 0.0])},
        {"event": np.array(["1", "0", "1"])},
        {"group": np.array([0, -1, 1])},
        {"group": np.array([0, 1024, 1])},
        {"group": np.array([0.0, 1.0, 1.0])},
        {"group": np.array([0, 1, 1], dtype=">i8")},
        {"strata": np.array([0, 2**63, 1], dtype=np.uint64)},
        {"strata": np.array([0, 1])},
        {"time": np.array([[1.0, 2.0, 3.0]])},
    ],
)
def test_fused_counts_declines(change: dict[str, Any]) -> None:
    d: Arrays = {
        "time": np.array([1.0, 2.0, 3.0]),
        "event": np.array([1, 0, 1]),
        "group": np.array([0, 1, 1]),
        "strata": np.array([0, 0, 1]),
    }
    assert fused_counts(d["time"], d["event"], d["strata"], d["group"]) is not None
    d.update(change)
    assert fused_counts(d["time"], d["event"], d["strata"], d["group"]) is None


def test_fused_counts_table_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    t, e = np.array([0.0, 100.0]), np.array([1, 0])
    assert fused_counts(t, e, None, None) is not None
    monkeypatch.setattr(fused, "FUSED_MAX_CELLS", 2 * 100)
    assert fused_counts(t, e, None, None) is None

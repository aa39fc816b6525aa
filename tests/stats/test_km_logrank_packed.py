"""The packed-sort route for times that must be sorted equals the general route (``np.unique``) exactly.

Every result is computed twice, once as the front ends choose and once with the packed route switched off
(``PACKED_MAX_BITS = 0`` makes it decline), and the two are compared field by field with exact equality. The data
have continuous times with near ties that R merges (absolute and relative to the mean time), exact ties, zeros,
several groups and strata with absent levels, and events of several types.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

from gistreg.core.errors import InputError
from gistreg.stats import kaplan_meier, logrank, median_followup, rmst
from gistreg.stats._kernels import packed
from gistreg.stats._kernels.counting import TIME_TOLERANCE, risk_set_table, risk_sets
from gistreg.stats._kernels.logrank import logrank_sums
from gistreg.stats._kernels.packed import packed_curve_counts, packed_logrank_sums, sort_rows, tie_threshold
from support.same_results import assert_same, counting_calls, outcome

Arrays = dict[str, Any]


def _results(d: Arrays) -> list[Any]:
    """Every result of the front ends that count risk sets, on one data set."""
    t, e, g, s = d["time"], d["event"], d["group"], d["strata"]
    tau = float(np.quantile(np.asarray(t, dtype=np.float64), 0.7))
    fit = kaplan_meier(t, e, group=g)
    out: list[Any] = [
        fit,
        fit.median(),
        fit.quantile((0.1, 0.25, 0.5, 0.75)),
        fit.at((0.0, tau / 3, tau, 1e6), extend=True),
        fit.risk_table((0.0, tau / 2, tau)),
        kaplan_meier(t, e, group=g, conf_type="log-log", conf_level=0.9),
        kaplan_meier(t, e, conf_type="plain"),
        outcome(functools.partial(rmst, t, e, tau=tau, group=g)),
        median_followup(t, e, group=g),
    ]
    for kwargs in ({}, {"rho": 1.0}, {"rho": 0.5, "gamma": 1.0}):
        out.append(outcome(functools.partial(logrank, t, e, g, **kwargs)))
        out.append(outcome(functools.partial(logrank, t, e, g, strata=s, **kwargs)))
    return out


def _check(monkeypatch: pytest.MonkeyPatch, d: Arrays, *, packed_expected: bool = True) -> None:
    assert _packed_taken(d) == packed_expected
    fast = _results(d)
    with monkeypatch.context() as m:
        m.setattr(packed, "PACKED_MAX_BITS", 0)
        general = _results(d)
    for i, (a, b) in enumerate(zip(fast, general, strict=True)):
        assert_same(a, b, f"result {i} ({type(a).__name__})")


def _packed_taken(d: Arrays) -> bool:
    """Whether the packed route accepts the data with groups and strata (so the comparison is not between two
    general runs)."""
    t = np.asarray(d["time"], dtype=np.float64)
    e = np.asarray(d["event"], dtype=np.float64)
    n_groups, n_strata = np.unique(d["group"]).shape[0], np.unique(d["strata"]).shape[0]
    codes = np.unique(d["group"], return_inverse=True)[1].astype(np.int64)
    strata = np.unique(d["strata"], return_inverse=True)[1].astype(np.int64)
    rows = sort_rows(t, (float(t.min()), float(t.max())), e, strata, n_strata, codes, n_groups)
    return rows is not None


def _data(
    seed: int, n: int = 500, *, levels: tuple[int, ...] = (0, 1), n_strata: int = 3, scale: float = 30.0
) -> Arrays:
    """Continuous times with exact ties, near ties R merges (1e-9 absolute, 1e-8 relative to the mean) and zeros."""
    rng = np.random.default_rng(seed)
    group = np.asarray(levels)[rng.integers(0, len(levels), n)]
    time = rng.exponential(scale, n) * (1 + (group == levels[-1]))
    mean = float(time.mean())
    near = rng.integers(0, n, n // 5)
    time[near[: n // 10]] = time[near[: n // 10] - 1] + rng.choice([0.5e-9, 1e-9, 3e-8], n // 10)
    time[near[n // 10 :]] = time[near[n // 10 :] - 1] * (1 + rng.choice([-1e-8, 1e-8, 2e-8], n // 5 - n // 10))
    time[rng.integers(0, n, n // 10)] = time[rng.integers(0, n, n // 10)]  # exact ties
    time[rng.integers(0, n, 5)] = 0.0
    time[rng.integers(0, n, 3)] = mean * (1 + TIME_TOLERANCE)  # a chain around the mean time
    time[rng.integers(0, n, 3)] = mean
    return {
        "time": np.abs(time),
        "event": (rng.random(n) < 0.7).astype(np.int64),
        "group": group.astype(np.int64),
        "strata": rng.integers(0, n_strata, n),
    }


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_packed_equals_general_on_continuous_times(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    _check(monkeypatch, _data(seed))


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.int64, np.uint64, np.float32, np.float64])
def test_event_types(monkeypatch: pytest.MonkeyPatch, dtype: Any) -> None:
    d = _data(5)
    d["event"] = d["event"].astype(dtype)
    _check(monkeypatch, d)


@pytest.mark.parametrize("rows", [1, 7, 64])
def test_scanning_in_small_blocks_of_rows(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    """Blocks of a few rows: sums carried from block to block, distinct times that span a block's nominal end."""
    monkeypatch.setattr(packed, "SCAN_ROWS", rows)
    d = _data(14, n=400, levels=(0, 1, 2), n_strata=3)
    d["time"][:60] = np.repeat(d["time"][:6], 10)  # long runs of tied times
    _check(monkeypatch, d)


def test_python_lists_and_strided_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _data(15, n=300)
    _check(monkeypatch, {k: v.tolist() for k, v in d.items()})
    wide = _data(16, n=600)
    strided = {k: v[::2] for k, v in wide.items()}
    assert not strided["time"].flags.c_contiguous
    _check(monkeypatch, strided)


def test_several_groups_and_strata_with_absent_levels(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _data(6, n=800, levels=(3, 7, 9, 12), n_strata=4)
    d["strata"] = d["strata"] * 5 + 2
    d["group"][(d["strata"] == 7) & (d["group"] == 9)] = 3  # level 9 absent in stratum 7
    d["group"][d["strata"] == 12] = 12  # a stratum with one group only
    _check(monkeypatch, d)
    labels = ["a", "b", "c"]
    named = dict(d, group=np.asarray(labels)[np.unique(d["group"], return_inverse=True)[1] % 3])
    _check(monkeypatch, named)


def test_zero_times_and_a_single_distinct_time(monkeypatch: pytest.MonkeyPatch) -> None:
    d = _data(7, n=200)
    d["time"][:20] = -0.0  # a negative zero is a valid time, equal to 0
    _check(monkeypatch, d)
    one = dict(d, time=np.full(200, 2.5))
    _check(monkeypatch, one)
    zeros = dict(d, time=np.zeros(200))
    _check(monkeypatch, zeros)
    single = {k: v[:1] for k, v in d.items()}
    single["time"] = np.array([0.25])
    _check(monkeypatch, single)


def test_times_spanning_many_binary_exponents(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny and large times: the packed key drops low bits (the exact times are sorted separately) or declines."""
    d = _data(8, n=400, levels=(0, 1, 2, 3, 4, 5, 6, 7, 8), n_strata=1)
    d["time"][:50] = 1e-200 * np.arange(1, 51)
    _check(monkeypatch, d)  # t_max below 2**(26 - drop): dropped bits are merged by R anyway
    big = dict(d, time=np.where(d["time"] > 1, d["time"] * 1e6, d["time"]))
    _check(monkeypatch, big, packed_expected=False)
    large = _data(9, n=300, scale=1e9)  # no tiny times: the exact key fits, one sort
    _check(monkeypatch, large)


def test_near_ties_are_merged_like_r(monkeypatch: pytest.MonkeyPatch) -> None:
    t = np.array([1.0, 1 + 1e-10, 2.0, 2 + 1e-8, 2 + 2e-8, 3.0, 3 + 1e-7, 10.0, 10.5])
    e = np.array([1, 1, 1, 0, 1, 1, 1, 0, 1])
    c = kaplan_meier(t, e).curves[0]
    np.testing.assert_array_equal(c.time, [1.0, 2.0, 3.0, 3 + 1e-7, 10.0, 10.5])
    np.testing.assert_array_equal(c.n_event_count, [2, 2, 1, 1, 0, 1])
    rel = 1e6 + np.array([0.0, 0.01, 0.03, 0.5])  # mean ~1e6: gaps <= 1e6 * 2**-26 (~0.0149) are ties
    np.testing.assert_array_equal(kaplan_meier(rel, [1, 1, 1, 1]).curves[0].time, 1e6 + np.array([0.0, 0.03, 0.5]))
    _check(monkeypatch, {"time": t, "event": e, "group": np.arange(9) % 2, "strata": np.arange(9) % 3})


def test_counts_equal_the_risk_set_table() -> None:
    d = _data(10, n=600, levels=(0, 1, 2), n_strata=3)
    t, e = d["time"].astype(np.float64), d["event"].astype(np.float64)
    span = (float(t.min()), float(t.max()))
    table = risk_set_table(t, e, None, 1, d["group"], 3, None, curves=True)
    curves = packed_curve_counts(t, span, e, d["group"], 3)
    assert curves is not None
    for j, cc in enumerate(curves):
        assert_same(cc, table.curve_counts(j), f"curve {j}")
    for strata, k in ((None, 1), (d["strata"], 3)):
        sets = risk_sets(risk_set_table(t, e, strata, k, d["group"], 3, None), whole=True)
        for rho, gamma in ((0.0, 0.0), (1.0, 0.0), (0.5, 2.0)):
            got = packed_logrank_sums(t, span, e, strata, k, d["group"], 3, rho, gamma)
            assert got is not None
            assert_same(got[0], logrank_sums(sets, k, rho, gamma), f"{k} strata, rho {rho}, gamma {gamma}")
            assert_same(got[1], sets.n)


def test_tie_threshold_equals_r_rule() -> None:
    rng = np.random.default_rng(11)
    for scale in np.concatenate([rng.exponential(1.0, 200) * 10.0 ** rng.integers(-12, 12, 200), [1.0, 3.0, 1e-300]]):
        x = tie_threshold(float(scale))
        dy = np.array([np.nextafter(x, -np.inf), x, np.nextafter(x, np.inf), TIME_TOLERANCE, 0.0])
        dy = np.concatenate([dy, x * (1 + rng.uniform(-1e-6, 1e-6, 50))])
        r_rule = (dy <= TIME_TOLERANCE) | (dy / scale <= TIME_TOLERANCE)
        np.testing.assert_array_equal(dy <= x, r_rule)


ERRORS: list[tuple[str, Any, str]] = [
    ("time", -3.5, r"^time: position 7 is -3\.5; times must be >= 0$"),
    ("time", np.nan, r"^time: position 7 is nan; expected a finite number"),
    ("time", np.inf, r"^time: position 7 is inf; expected a finite number"),
    ("event", 2, r"^event: position 7 is 2\.0; expected 0 \(censored\) or 1 \(event\)$"),
    ("event", 0.5, r"^event: position 7 is 0\.5; expected 0 \(censored\) or 1 \(event\)$"),
    ("group", None, r"^group: position 7 is missing; every row needs a group value$"),
]


@pytest.mark.parametrize(("key", "value", "message"), ERRORS)
def test_bad_inputs_give_the_same_errors(monkeypatch: pytest.MonkeyPatch, key: str, value: Any, message: str) -> None:
    d = _data(12, n=100)
    arr = d[key].astype(object if value is None else np.float64)
    arr[7] = value
    d[key] = arr
    for call in counting_calls(d):
        with pytest.raises(InputError, match=message):
            call()
        with monkeypatch.context() as m:
            m.setattr(packed, "PACKED_MAX_BITS", 0)
            general = outcome(call)
        assert outcome(call) == general


def test_length_mismatch_keeps_its_message() -> None:
    d = _data(13, n=100)
    with pytest.raises(InputError, match=r"^event: has 99 entries but time has 100; they must be equally long$"):
        kaplan_meier(d["time"], d["event"][:-1])
    with pytest.raises(InputError, match=r"^group: has 99 entries but time has 100"):
        logrank(d["time"], d["event"], d["group"][:-1])

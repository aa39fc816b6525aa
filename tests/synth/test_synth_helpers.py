"""The generators' small helpers: exact marginals, rank-preserving fits, CSV cells, calibration statistics."""

from __future__ import annotations

import datetime as dt
import statistics

import numpy as np
import pytest

from gistreg.core.vocab import ctcae_term
from gistreg.endpoints.response import choi_timepoint, recist_timepoint
from gistreg.stats import cox, kaplan_meier, logrank, survival_quantiles
from gistreg.synth import calibration as cal
from gistreg.synth._stats import cox_hr, km_median, logrank_p
from gistreg.synth._util import fit_median_range, labels, standardise
from gistreg.synth.clinical import choi, recist, sequence_for
from gistreg.synth.writer import cell


@pytest.mark.parametrize("n", [3, 12, 14, 27, 72])
def test_fit_median_range_is_exact_and_keeps_ranks(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.lognormal(0, 1, n)
    y = fit_median_range(x, 18.5, 0.9, 94.3)
    assert (statistics.median(y), y.min(), y.max()) == pytest.approx((18.5, 0.9, 94.3))
    assert (np.argsort(x) == np.argsort(y)).all()


def test_labels_and_standardise_are_exact() -> None:
    rng = np.random.default_rng(1)
    got = labels({"a": 3, "b": 0, "c": 5}, rng)
    assert sorted(got) == ["a"] * 3 + ["c"] * 5
    v = standardise(rng.normal(0, 1, 40), 61.2, 12.4)
    assert (v.mean(), v.std(ddof=1)) == pytest.approx((61.2, 12.4))


def test_cells() -> None:
    assert [cell(None), cell(True), cell(dt.date(2009, 3, 31)), cell(37.5), cell(400.0), cell(3)] == \
        ["", "true", "2009-03-31", "37.5", "400", "3"]
    assert cell('a,"b"') == '"a,""b"""'


def test_calibration_statistics_equal_the_analysis_package() -> None:
    rng = np.random.default_rng(5)
    for _ in range(5):
        t = np.round(rng.exponential(10, 50), 1)
        e = (rng.random(50) < 0.7).astype(np.int64)
        g = (rng.random(50) < 0.5).astype(np.int64)
        assert logrank_p(t, e, g) == pytest.approx(logrank(t, e, g).p_value, rel=1e-9)
        assert cox_hr(t, e, g) == pytest.approx(float(cox(t, e, g.reshape(-1, 1).astype(float)).hr[0]), rel=1e-7)
        med = survival_quantiles(kaplan_meier(t, e), 0.5).estimate[0, 0]
        assert km_median(t, e) == pytest.approx(med, nan_ok=True)


def test_response_rules_agree_with_the_endpoint_module() -> None:
    rng = np.random.default_rng(3)
    for _ in range(300):
        base, nadir = float(rng.integers(20, 200)), float(rng.integers(0, 200))
        nadir = min(nadir, base)
        size, hu0, hu = float(rng.integers(0, 260)), float(rng.integers(30, 100)), float(rng.integers(20, 110))
        new = bool(rng.random() < 0.1)
        a = np.array
        assert recist(base, nadir, size, new) == recist_timepoint(a([base]), a([nadir]), a([size]), a([new]),
                                                                   a([False]))[0]
        got = choi(base, hu0, size, hu, new)
        ref = choi_timepoint(a([base]), a([hu0]), a([size]), a([hu]), a([new]))[0]
        assert got == ref or (ref == "CR" and got == "PR")


@pytest.mark.parametrize("best", ["CR", "PR", "SD", "PD", "NE"])
def test_response_sequences_have_the_requested_best(best: str) -> None:
    order = ["CR", "PR", "SD", "PD", "NE"]
    for n in range(1, 8):
        for pd in (True, False):
            seq = sequence_for(best, n + (2 if best == "CR" else 1), ends_in_pd=pd and best != "NE")
            assert min(seq, key=order.index) == best


def test_every_seed_a_adverse_event_term_maps_to_ctcae_3() -> None:
    for term in cal.JP_ADVERSE_EVENTS:
        assert ctcae_term("3.0", term) is not None, term

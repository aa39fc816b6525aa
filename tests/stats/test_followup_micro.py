"""Median follow-up by reverse Kaplan-Meier on a hand-computable data set.

time 1 1 2 2 2 3 4 5, event 1 0 1 1 0 0 1 0; reversed event (censored = 1): 0 1 0 0 1 1 0 1
reverse KM: 7/8 at 1 (n=8), 7/8 * 5/6 = 35/48 at 2 (n=6), 35/48 * 2/3 = 35/72 < 1/2 at 3 -> median 3
plain median of the eight times: (2 + 2) / 2 = 2
"""

from __future__ import annotations

import numpy as np
import pytest

from gistreg.stats import median_followup

TIME = [1, 1, 2, 2, 2, 3, 4, 5]
EVENT = [1, 0, 1, 1, 0, 0, 1, 0]


def test_reverse_km_median_and_simple_median() -> None:
    r = median_followup(TIME, EVENT)
    assert r.groups == ("all",)
    np.testing.assert_array_equal(r.median, [3.0])
    np.testing.assert_array_equal(r.simple_median_observation_time, [2.0])
    np.testing.assert_allclose(r.reverse_km.curves[0].survival[:3], [7 / 8, 35 / 48, 35 / 72], rtol=1e-12)
    assert r.ci_lower[0] == 2.0 and np.isnan(r.ci_upper[0])  # as R: lower 2, upper NA
    assert (r.conf_level, r.conf_type) == (0.95, "log")


def test_per_group() -> None:
    group = [1, 1, 1, 1, 2, 2, 2, 2]
    r = median_followup(TIME, EVENT, group=group, conf_type="log-log")
    assert r.groups == (1, 2)
    np.testing.assert_array_equal(r.n, [4, 4])
    # group 1: (1,d) (1,c) (2,d) (2,d) -> reverse: censoring at 1 with 4 at risk -> 3/4, then nobody -> NaN median
    # group 2: (2,c) (3,c) (4,d) (5,c) -> reverse: 3/4 at 2, 1/2 at 3, 1/2 at 4, 0 at 5 -> median (3 + 5) / 2
    assert np.isnan(r.median[0]) and r.median[1] == pytest.approx(4.0)
    np.testing.assert_array_equal(r.simple_median_observation_time, [1.5, 3.5])
    assert r.conf_type == "log-log"

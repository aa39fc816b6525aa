"""Restricted mean survival time on a hand-computable data set; expected values are exact fractions.

time 1 1 2 2 2 3 4 5, event 1 0 1 1 0 0 1 0:  S = 1 on [0,1), 7/8 on [1,2), 7/12 on [2,4), 7/24 on [4,5]

RMST(5) = 1 + 7/8 + 2 (7/12) + 7/24 = 10/3
var = sum d/(n(n-d)) (area from t_j to 5)^2 = (1/56)(7/3)^2 + (1/12)(35/24)^2 + (1/2)(7/24)^2 = 2191/6912
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gistreg.core.errors import InputError
from gistreg.stats import rmst

REL = 1e-12
TIME = [1, 1, 2, 2, 2, 3, 4, 5]
EVENT = [1, 0, 1, 1, 0, 0, 1, 0]


def test_rmst_and_its_standard_error_by_hand() -> None:
    r = rmst(TIME, EVENT, tau=5)
    assert r.groups == ("all",) and r.tau == 5.0
    assert r.rmst[0] == pytest.approx(10 / 3, rel=REL)
    assert r.std_err[0] == pytest.approx(math.sqrt(2191 / 6912), rel=REL)
    z = 1.959963984540054
    assert r.ci_lower[0] == pytest.approx(10 / 3 - z * math.sqrt(2191 / 6912), rel=REL)
    assert r.difference is None and r.difference_p_value is None
    np.testing.assert_array_equal(r.n, [8])
    np.testing.assert_array_equal(r.n_event, [4])


def test_tau_between_times_and_before_first_time() -> None:
    # tau = 3: 1 + 7/8 + 7/12 = 59/24;  tau = 0.5 (before any time): 0.5 with no variance
    assert rmst(TIME, EVENT, tau=3).rmst[0] == pytest.approx(59 / 24, rel=REL)
    early = rmst(TIME, EVENT, tau=0.5)
    assert (early.rmst[0], early.std_err[0]) == (0.5, 0.0)


def test_tau_past_last_time_carries_the_curve_forward() -> None:
    # as R: S = 7/24 is extended from 5 to 9
    assert rmst(TIME, EVENT, tau=9).rmst[0] == pytest.approx(10 / 3 + 4 * 7 / 24, rel=REL)


def test_two_group_difference_is_second_minus_first() -> None:
    group = ["b", "a", "b", "a", "b", "a", "b", "b"]
    r = rmst(TIME, EVENT, tau=4, group=group)
    # a: (1,c) (2,d) (3,c): S = 1, 1/2 from 2 -> RMST(4) = 2 + 2 (1/2) = 3
    # b: (1,d) (2,d) (2,c) (4,d) (5,c): S = 4/5 from 1, 3/5 from 2 -> 1 + 4/5 + 2 (3/5) = 3
    np.testing.assert_allclose(r.rmst, [3.0, 3.0], rtol=REL)
    assert r.difference == pytest.approx(0.0, abs=1e-12)
    assert r.difference_std_err == pytest.approx(math.hypot(*r.std_err), rel=REL)
    assert r.difference_p_value == pytest.approx(1.0, abs=1e-12)
    z = 1.959963984540054
    assert r.difference_ci_upper == pytest.approx(z * math.hypot(*r.std_err), rel=REL)


@pytest.mark.parametrize("tau", [0, -1, float("inf"), float("nan")])
def test_invalid_tau_is_refused(tau: float) -> None:
    with pytest.raises(InputError, match="tau: got"):
        rmst(TIME, EVENT, tau=tau)

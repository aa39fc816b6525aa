"""Log-rank and Fleming-Harrington tests on a hand-computable data set; expected values are exact fractions.

time   1 1 2 2 2 3 4 5
event  1 0 1 1 0 0 1 0
group  A B A B A B A A

t  N  D  n_A n_B  d_A  E_A += D n_A / N   V += D (N-D) / (N (N-1)) n_A n_B / N   S(t-)
1  8  1   5   3    1     5/8              (1/8)(15/8)  = 15/64                   1
2  6  2   4   2    1     4/3              (8/30)(8/6)  = 16/45                   7/8
4  2  1   2   0    1     1                0                                      7/12

log-rank: O_A = 3, E_A = 71/24, V = 1699/2880, chi-square = (1/24)^2 / V = 5/1699
rho = 1 (weights 1, 7/8, 7/12): O_A = 59/24, E_A = 57/24, V = 15/64 + (49/64)(16/45) = 1459/2880,
chi-square = (1/12)^2 / V = 20/1459
"""

from __future__ import annotations

import numpy as np
import pytest

from gistreg.core.errors import InputError, SingularInformationError
from gistreg.stats import logrank

REL = 1e-12
TIME = [1, 1, 2, 2, 2, 3, 4, 5]
EVENT = [1, 0, 1, 1, 0, 0, 1, 0]
GROUP = ["A", "B", "A", "B", "A", "B", "A", "A"]


def test_logrank_hand_values() -> None:
    r = logrank(TIME, EVENT, GROUP)
    assert r.groups == ("A", "B") and r.strata == ("all",)
    np.testing.assert_array_equal(r.n, [5, 3])
    np.testing.assert_allclose(r.observed, [3, 1], rtol=REL)
    np.testing.assert_allclose(r.expected, [71 / 24, 25 / 24], rtol=REL)
    v = 1699 / 2880
    np.testing.assert_allclose(r.variance, [[v, -v], [-v, v]], rtol=REL)
    assert r.statistic == pytest.approx(5 / 1699, rel=REL)
    assert r.df == 1 and (r.rho, r.gamma) == (0.0, 0.0) and not r.weighted
    assert r.p_value == pytest.approx(0.9567371226, rel=1e-9)  # pchisq(5/1699, 1, lower.tail = FALSE)


def test_peto_peto_rho_one_hand_values() -> None:
    r = logrank(TIME, EVENT, GROUP, rho=1)
    np.testing.assert_allclose(r.observed, [59 / 24, 21 / 24], rtol=REL)
    np.testing.assert_allclose(r.expected, [57 / 24, 23 / 24], rtol=REL)
    assert r.variance[0, 0] == pytest.approx(1459 / 2880, rel=REL)
    assert r.statistic == pytest.approx(20 / 1459, rel=REL)


def test_fleming_harrington_gamma_weights_hand_values() -> None:
    # G(0, 1): weights 1 - S(t-) = 0, 1/8, 5/12 -> O_A = 1/8 + 5/12 = 13/24, E_A = (1/8)(4/3) + 5/12 = 7/12,
    # V = (1/64)(16/45) = 1/180, chi-square = (13/24 - 14/24)^2 * 180 = 180/576 = 5/16
    r = logrank(TIME, EVENT, GROUP, gamma=1)
    assert r.observed[0] == pytest.approx(13 / 24, rel=REL)
    assert r.expected[0] == pytest.approx(7 / 12, rel=REL)
    assert r.variance[0, 0] == pytest.approx(1 / 180, rel=REL)
    assert r.statistic == pytest.approx(5 / 16, rel=REL)
    assert r.gamma == 1.0


def test_sum_of_observed_minus_expected_is_zero_and_variance_rows_sum_to_zero() -> None:
    r = logrank(TIME * 3, EVENT * 3, [1, 2, 3, 1, 2, 3, 1, 2] * 3, rho=0.5, gamma=0.5)
    assert abs(np.sum(r.observed - r.expected)) < 1e-12
    np.testing.assert_allclose(r.variance.sum(axis=1), 0.0, atol=1e-12)
    assert r.df == 2 and r.variance.shape == (3, 3)


def test_stratified_sums_within_strata() -> None:
    strata = [1, 1, 1, 1, 2, 2, 2, 2]
    r = logrank(TIME, EVENT, GROUP, strata=strata)
    assert r.strata == (1, 2) and r.observed_by_stratum.shape == (2, 2)
    first = logrank(TIME[:4], EVENT[:4], GROUP[:4])
    # stratum 2 = (2,c,A) (3,c,B) (4,d,A) (5,c,A): one death with only A at risk -> O = E = (1, 0), no variance
    np.testing.assert_allclose(r.observed_by_stratum, np.column_stack([first.observed, [1, 0]]), rtol=REL)
    np.testing.assert_allclose(r.expected_by_stratum, np.column_stack([first.expected, [1, 0]]), rtol=REL)
    np.testing.assert_allclose(r.variance, first.variance, rtol=REL)
    assert r.statistic == pytest.approx(first.statistic, rel=REL)


def test_integer_case_weights_equal_repeated_rows() -> None:
    w = [2, 1, 3, 1, 1, 2, 1, 4]
    a = logrank(TIME, EVENT, GROUP, weights=w, rho=1)
    b = logrank(np.repeat(TIME, w), np.repeat(EVENT, w), np.repeat(GROUP, w), rho=1)
    assert a.weighted
    np.testing.assert_allclose(a.observed, b.observed, rtol=REL)
    np.testing.assert_allclose(a.variance, b.variance, rtol=REL)
    assert a.statistic == pytest.approx(b.statistic, rel=REL)


def test_single_group_is_refused() -> None:
    with pytest.raises(InputError, match=r"group: has only one level \('A'\)"):
        logrank(TIME, EVENT, ["A"] * 8)


def test_group_nobody_at_risk_at_event_times_is_named() -> None:
    # group C leaves (censored) before the first death
    with pytest.raises(SingularInformationError, match=r"'C' has nobody at risk at any event time"):
        logrank([0.5, *TIME], [0, *EVENT], ["C", *GROUP])


def test_no_events_is_refused() -> None:
    with pytest.raises(SingularInformationError, match="no events"):
        logrank([1, 2, 3], [0, 0, 0], [1, 2, 1])


def test_zero_variance_is_refused_naming_groups() -> None:
    # everyone at risk dies at the only event time: N = D, so the hypergeometric variance is 0
    with pytest.raises(SingularInformationError, match=r"singular \(no variance for groups 1, 2\)"):
        logrank([3, 3, 3], [1, 1, 1], [1, 2, 2])


@pytest.mark.parametrize(
    ("kwargs", "message"), [({"rho": float("nan")}, "rho: got nan"), ({"gamma": -1}, "gamma: got -1")]
)
def test_invalid_weight_parameters(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        logrank(TIME, EVENT, GROUP, **kwargs)

"""Kaplan-Meier on hand-computable data sets; expected values are exact fractions worked out by hand.

Data set D (8 rows) covers a death and a censoring at the same time (t=1), tied deaths plus a censoring (t=2),
a censoring-only time (t=3), a death-only time (t=4) and a last censoring (t=5):

    time   1 1 2 2 2 3 4 5
    event  1 0 1 1 0 0 1 0

    t   n  d  c   S                     sum d/(n(n-d))
    1   8  1  1   7/8                   1/56  = 3/168
    2   6  2  1   7/8 * 4/6  = 7/12     +1/12 = 17/168
    3   3  0  1   7/12                  17/168
    4   2  1  0   7/12 * 1/2 = 7/24     +1/2  = 101/168
    5   1  0  1   7/24                  101/168
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest

from gistreg.stats import kaplan_meier

REL = 1e-12
TIME = [1, 1, 2, 2, 2, 3, 4, 5]
EVENT = [1, 0, 1, 1, 0, 0, 1, 0]


def fl(values: list[F]) -> np.ndarray:
    return np.array([float(v) for v in values])


def test_counts_survival_and_greenwood_are_the_hand_values() -> None:
    c = kaplan_meier(TIME, EVENT).curves[0]
    assert c.group == "all" and c.n == 8
    np.testing.assert_array_equal(c.time, [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(c.n_risk, [8, 6, 3, 2, 1])
    np.testing.assert_array_equal(c.n_event, [1, 2, 0, 1, 0])
    np.testing.assert_array_equal(c.n_censor, [1, 1, 1, 0, 1])
    np.testing.assert_array_equal(c.n_risk_count, [8, 6, 3, 2, 1])
    surv = [F(7, 8), F(7, 12), F(7, 12), F(7, 24), F(7, 24)]
    var = [F(3, 168), F(17, 168), F(17, 168), F(101, 168), F(101, 168)]
    np.testing.assert_allclose(c.survival, fl(surv), rtol=REL)
    np.testing.assert_allclose(c.std_err, np.sqrt(fl(var)), rtol=REL)
    np.testing.assert_allclose(c.std_err_survival, fl(surv) * np.sqrt(fl(var)), rtol=REL)


def test_log_limits_are_s_times_exp_of_z_se() -> None:
    z = 1.959963984540054
    fit = kaplan_meier(TIME, EVENT, conf_type="log")
    c = fit.curves[0]
    s, se = c.survival, c.std_err
    np.testing.assert_allclose(c.ci_lower, s * np.exp(-z * se), rtol=REL)
    np.testing.assert_allclose(c.ci_upper, np.minimum(s * np.exp(z * se), 1.0), rtol=REL)
    assert c.ci_upper[0] == 1.0  # 7/8 * exp(1.96 * sqrt(3/168)) > 1: capped
    assert fit.conf_level == 0.95 and fit.conf_type == "log" and fit.variance_method == "greenwood"


def test_log_log_and_plain_limits() -> None:
    z = 1.959963984540054
    s = 7 / 12
    se = math.sqrt(17 / 168)
    ll = kaplan_meier(TIME, EVENT, conf_type="log-log").curves[0]
    assert ll.ci_lower[1] == pytest.approx(s ** math.exp(z * se / math.log(s) * -1), rel=REL)
    assert ll.ci_upper[1] == pytest.approx(s ** math.exp(z * se / math.log(s)), rel=REL)
    pl = kaplan_meier(TIME, EVENT, conf_type="plain").curves[0]
    assert pl.ci_lower[1] == pytest.approx(max(s - z * se * s, 0.0), rel=REL)
    assert pl.ci_upper[1] == pytest.approx(min(s + z * se * s, 1.0), rel=REL)


def test_median_is_first_time_at_or_below_one_half() -> None:
    med = kaplan_meier(TIME, EVENT).median()
    assert med.estimate.shape == (1, 1)
    assert med.estimate[0, 0] == 4.0  # S = 7/12 > 1/2 before t = 4, 7/24 at 4


def test_curve_sitting_exactly_on_one_half_gives_the_midpoint() -> None:
    # S: 5/6, 4/6, 3/6 at t=3 (censoring at 4), 1/4 at t=5: S = 1/2 on [3, 5) -> median (3 + 5) / 2
    fit = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 1, 1, 0, 1, 1])
    assert fit.curves[0].survival[2] == pytest.approx(0.5, abs=1e-15)
    assert fit.median().estimate[0, 0] == 4.0
    # the same curve in the same data with a group of its own
    both = kaplan_meier([1, 2, 3, 4, 5, 6, 1, 2], [1, 1, 1, 0, 1, 1, 1, 1], group=list("aaaaaabb"))
    assert both.median().estimate[:, 0].tolist() == [4.0, 1.5]


def test_curve_ending_on_one_half_gives_midpoint_with_last_time() -> None:
    # S = 3/4, 1/2, 1/2, 1/2 -> on 1/2 from t=2 to the last time 4: median (2 + 4) / 2
    q = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 0]).quantile([0.25, 0.5, 0.6])
    np.testing.assert_array_equal(q.estimate[0, :2], [1.5, 3.0])
    assert np.isnan(q.estimate[0, 2])


def test_curve_never_reaching_one_half_has_nan_median() -> None:
    fit = kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0])
    med = fit.median()
    assert np.isnan(med.estimate[0, 0]) and np.isnan(med.ci_upper[0, 0])
    assert med.ci_lower[0, 0] == 1.0  # the lower band (3/4) exp(-1.96 sqrt(1/12)) = 0.43 is below 1/2 from t = 1


def test_all_censored() -> None:
    c = kaplan_meier([3, 5, 5, 8], [0, 0, 0, 0]).curves[0]
    np.testing.assert_array_equal(c.survival, [1, 1, 1])
    np.testing.assert_array_equal(c.std_err, [0, 0, 0])
    np.testing.assert_array_equal(c.ci_lower, [1, 1, 1])
    ll = kaplan_meier([3, 5, 5, 8], [0, 0, 0, 0], conf_type="log-log").curves[0]
    assert np.isnan(ll.ci_lower).all() and np.isnan(ll.ci_upper).all()  # R: NA where S = 1


def test_curve_reaching_zero() -> None:
    c = kaplan_meier([1, 2, 2], [1, 1, 1]).curves[0]
    np.testing.assert_allclose(c.survival, [2 / 3, 0.0], rtol=REL)
    assert c.std_err[1] == np.inf  # R's std.err: d / (n (n - d)) with n = d
    assert np.isnan(c.ci_lower[1]) and np.isnan(c.ci_upper[1])  # "log": NA at S = 0


def test_groups_give_one_curve_each_in_sorted_order() -> None:
    fit = kaplan_meier(TIME, EVENT, group=["b", "a", "b", "a", "b", "a", "b", "b"])
    assert fit.groups == ("a", "b")
    a = fit.curve("a")
    np.testing.assert_array_equal(a.time, [1, 2, 3])
    np.testing.assert_allclose(a.survival, [1.0, 1 / 2, 1 / 2], rtol=REL)  # a: (1,c) (2,d) (3,c)
    np.testing.assert_allclose(fit.curve("b").survival, [4 / 5, 3 / 5, 3 / 10, 3 / 10], rtol=REL)


def test_integer_weights_equal_repeated_rows() -> None:
    w = [2, 1, 3, 1, 1, 2, 1, 4]
    rep_t, rep_e = np.repeat(TIME, w), np.repeat(EVENT, w)
    weighted = kaplan_meier(TIME, EVENT, weights=w).curves[0]
    repeated = kaplan_meier(rep_t, rep_e).curves[0]
    for name in ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "ci_lower", "ci_upper"):
        np.testing.assert_array_equal(getattr(weighted, name), getattr(repeated, name), err_msg=name)
    np.testing.assert_array_equal(weighted.n_risk_count, [8, 6, 3, 2, 1])  # plain counts stay unweighted


def test_fractional_weights_use_the_jackknife_variance_by_hand() -> None:
    # two rows: death at 1 (w=1/2), censored at 2 (w=3/2). n=2, d=1/2, S=3/4.
    # influence of row k on S(1): -S w_k (dN_k - Y_k h) / (n - d), h = 1/4:
    #   death:    -(3/4)(1/2)(1 - 1/4)/(3/2) = -3/16;  censored: -(3/4)(3/2)(0 - 1/4)/(3/2) = 3/16
    fit = kaplan_meier([1, 2], [1, 0], weights=[0.5, 1.5])
    c = fit.curves[0]
    assert fit.variance_method == "infinitesimal-jackknife"
    assert c.survival[0] == 0.75
    assert c.std_err_survival[0] == pytest.approx(math.sqrt(2 * (3 / 16) ** 2), rel=REL)
    assert c.std_err[0] == pytest.approx(math.sqrt(2 * (3 / 16) ** 2) / 0.75, rel=REL)


def test_values_at_times_and_interval_counts() -> None:
    fit = kaplan_meier(TIME, EVENT)
    at = fit.at([4.5, 0, 2, 9], extend=False)
    np.testing.assert_array_equal(at.times, [0, 2, 4.5, 9])  # sorted, as R does
    np.testing.assert_allclose(at.survival[0, :3], [1.0, 7 / 12, 7 / 24], rtol=REL)
    assert np.isnan(at.survival[0, 3]) and np.isnan(at.ci_lower[0, 3])  # past the last time (5)
    np.testing.assert_array_equal(at.n_risk[0], [8, 6, 1, 0])  # follow-up >= t
    np.testing.assert_array_equal(at.n_event[0], [0, 3, 1, 0])  # events in (previous t, t]
    np.testing.assert_array_equal(at.n_censor[0], [0, 2, 1, 1])
    assert at.std_err_survival[0, 0] == 0.0
    ext = fit.at([9], extend=True)
    assert ext.survival[0, 0] == pytest.approx(7 / 24, rel=REL) and ext.extend


def test_risk_table_counts() -> None:
    fit = kaplan_meier(TIME, EVENT, group=["b", "a", "b", "a", "b", "a", "b", "b"], weights=[1, 1, 1, 1, 1, 1, 2, 1])
    rt = fit.risk_table([0, 1, 2, 3, 6])
    assert rt.groups == ("a", "b")
    # a: (1,c) (2,d) (3,c);  b: (1,d) (2,d) (2,c) (4,d,w=2) (5,c)
    np.testing.assert_array_equal(rt.n_risk_count, [[3, 3, 2, 1, 0], [5, 5, 4, 2, 0]])
    np.testing.assert_array_equal(rt.n_risk, [[3, 3, 2, 1, 0], [6, 6, 5, 3, 0]])
    np.testing.assert_array_equal(rt.cumulative_events, [[0, 0, 1, 1, 1], [0, 1, 2, 2, 4]])
    np.testing.assert_array_equal(rt.cumulative_censored, [[0, 1, 1, 2, 2], [0, 0, 1, 1, 2]])


def test_quantiles_have_shape_groups_by_probs() -> None:
    q = kaplan_meier(TIME, EVENT, group=[1, 1, 1, 1, 2, 2, 2, 2]).quantile([0.1, 0.5, 0.9])
    assert q.estimate.shape == q.ci_lower.shape == q.ci_upper.shape == (2, 3)
    np.testing.assert_array_equal(q.probs, [0.1, 0.5, 0.9])
    assert q.groups == (1, 2)

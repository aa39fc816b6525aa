"""Properties of Kaplan-Meier and log-rank on random small cohorts (hypothesis, derandomized).

S in [0, 1] and non-increasing; n at risk non-increasing; limits bracket S; sum(O - E) = 0; results unchanged by
row order and by relabelling the groups.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gistreg.core.errors import SingularInformationError
from gistreg.stats import kaplan_meier, logrank
from gistreg.stats.km import ConfType

SETTINGS = settings(derandomize=True, max_examples=25, deadline=None, database=None)


@st.composite
def cohorts(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(min_value=2, max_value=40))
    if draw(st.booleans()):
        time = np.array(draw(st.lists(st.integers(0, 25), min_size=n, max_size=n)), dtype=np.float64)
    else:
        time = np.array(draw(st.lists(st.floats(0, 50, allow_nan=False), min_size=n, max_size=n)))
    event = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), dtype=np.float64)
    group = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    strata = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    weights = np.array(draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)), dtype=np.float64)
    perm = np.array(draw(st.permutations(range(n))))
    return {"time": time, "event": event, "group": group, "strata": strata, "weights": weights, "perm": perm}


@SETTINGS
@given(cohorts(), st.sampled_from(["log", "log-log", "plain"]))
def test_curve_properties(d: dict[str, Any], conf_type: ConfType) -> None:
    fit = kaplan_meier(d["time"], d["event"], group=d["group"], weights=d["weights"], conf_type=conf_type)
    for c in fit.curves:
        assert np.all((c.survival >= 0) & (c.survival <= 1))
        assert np.all(np.diff(c.survival) <= 0)
        assert np.all(np.diff(c.n_risk) <= 0) and np.all(np.diff(c.n_risk_count) <= 0)
        assert c.n_risk_count[0] == c.n == np.sum(d["group"] == c.group)
        assert np.all(np.diff(c.time) > 0)
        assert np.all(c.std_err >= 0)
        ok = ~np.isnan(c.ci_lower)
        assert np.all(c.ci_lower[ok] <= c.survival[ok] + 1e-15)
        ok = ~np.isnan(c.ci_upper)
        assert np.all(c.ci_upper[ok] >= c.survival[ok] - 1e-15)
        q = fit.quantile([0.25, 0.5, 0.75]).estimate[fit.groups.index(c.group)]
        reached = q[~np.isnan(q)]
        assert np.all(np.diff(reached) >= 0)


@SETTINGS
@given(cohorts())
def test_kaplan_meier_ignores_row_order_and_labels(d: dict[str, Any]) -> None:
    p = d["perm"]
    a = kaplan_meier(d["time"], d["event"], group=d["group"])
    relabel = np.array(["g2", "g1", "g0"])  # reverses the order of the groups
    b = kaplan_meier(d["time"][p], d["event"][p], group=relabel[d["group"][p]])
    for ca in a.curves:
        cb = b.curve(str(relabel[ca.group]))
        for name in ("time", "n_risk", "n_event", "n_censor", "survival", "std_err", "ci_lower", "ci_upper"):
            np.testing.assert_array_equal(getattr(ca, name), getattr(cb, name), err_msg=name)


def _logrank_or_error(*args: Any, **kwargs: Any) -> Any:
    try:
        return logrank(*args, **kwargs)
    except SingularInformationError as exc:
        return type(exc)


@SETTINGS
@given(cohorts(), st.sampled_from([(0.0, 0.0), (1.0, 0.0), (0.5, 1.0)]))
def test_logrank_properties_and_invariance(d: dict[str, Any], rho_gamma: tuple[float, float]) -> None:
    rho, gamma = rho_gamma
    if np.unique(d["group"]).shape[0] < 2:
        return
    a = _logrank_or_error(d["time"], d["event"], d["group"], strata=d["strata"], rho=rho, gamma=gamma)
    p = d["perm"]
    relabel = np.array(["z", "y", "x"])  # reverses the order of the groups
    b = _logrank_or_error(
        d["time"][p], d["event"][p], relabel[d["group"][p]], strata=d["strata"][p], rho=rho, gamma=gamma
    )
    if a is SingularInformationError:
        assert b is SingularInformationError
        return
    assert abs(np.sum(a.observed - a.expected)) <= 1e-9 * max(1.0, np.sum(a.observed))
    np.testing.assert_allclose(a.variance, a.variance.T, atol=1e-12)
    np.testing.assert_allclose(a.variance.sum(axis=1), 0.0, atol=1e-9)
    assert np.all(np.linalg.eigvalsh(a.variance) >= -1e-9)
    order = [b.groups.index(str(relabel[g])) for g in a.groups]
    np.testing.assert_allclose(b.observed[order], a.observed, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.expected[order], a.expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.variance[np.ix_(order, order)], a.variance, rtol=1e-10, atol=1e-12)
    assert b.statistic == np.float64(a.statistic) or abs(b.statistic - a.statistic) <= 1e-8 * max(1.0, a.statistic)
    assert 0.0 <= a.p_value <= 1.0 and a.df == len(a.groups) - 1

"""cox_zph: the score test against a direct partial likelihood of the model with g(t) x terms, and input checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gistreg.core.errors import InputError
from gistreg.stats import cox, cox_zph
from gistreg.stats._kernels import cox as kernel


def data(seed: int = 7, n: int = 50) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.integers(0, 2, n), rng.normal(size=n)])
    t = np.ceil(rng.exponential(10 * np.exp(-0.5 * x[:, 0]), n))
    c = np.ceil(rng.exponential(15, n))
    return {
        "time": np.minimum(t, c),
        "event": (t <= c).astype(float),
        "x": x,
        "w": rng.uniform(0.5, 1.5, n),
        "s": rng.integers(0, 2, n),
    }


def direct_loglik(d: dict[str, Any], beta: np.ndarray, gamma: np.ndarray, g: dict[float, float], efron: bool) -> float:
    """Partial likelihood of beta'x + gamma'g(t)x by its definition: a loop over strata and event times."""
    total = 0.0
    for s in np.unique(d["s"]):
        m = d["s"] == s
        t, ev, x, w = d["time"][m], d["event"][m], d["x"][m], d["w"][m]
        for u in np.unique(t[ev > 0]):
            eta = x @ beta + g[u] * (x @ gamma)
            risk = w * np.exp(eta)
            at_risk, dead = t >= u, (t == u) & (ev > 0)
            n_dead = int(dead.sum())
            total += float(w[dead] @ eta[dead])
            fracs = np.arange(n_dead) / n_dead if efron else np.zeros(n_dead)
            for f in fracs:
                total -= w[dead].sum() / n_dead * np.log(risk[at_risk].sum() - f * risk[dead].sum())
    return total


@pytest.mark.parametrize("efron", [True, False])
def test_score_and_information_of_the_time_interaction(efron: bool) -> None:
    d = data()
    ca = kernel.prepare(d["time"], d["event"], d["x"], d["w"], d["s"])
    beta = np.array([0.4, -0.3])
    g_run = np.log(ca.run_time) - 1.0
    g = dict(zip(ca.run_time.tolist(), g_run.tolist(), strict=True))
    u2, info = kernel.zph_score_info(ca, beta, efron, g_run)

    def ll(theta: np.ndarray) -> float:
        return direct_loglik(d, theta[:2], theta[2:], g, efron)

    theta0 = np.concatenate((beta, np.zeros(2)))
    h = 1e-5
    grad = np.empty(4)
    hess = np.empty((4, 4))
    for j in range(4):
        e = np.zeros(4)
        e[j] = h
        grad[j] = (ll(theta0 + e) - ll(theta0 - e)) / (2 * h)
        for k in range(4):
            f = np.zeros(4)
            f[k] = h
            pp, pm = ll(theta0 + e + f), ll(theta0 + e - f)
            mp, mm = ll(theta0 - e + f), ll(theta0 - e - f)
            hess[j, k] = (pp - pm - mp + mm) / (4 * h * h)
    np.testing.assert_allclose(u2, grad[2:], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(info, -hess, rtol=1e-4, atol=1e-5)


def _fit(d: dict[str, Any]) -> Any:
    return cox(d["time"], d["event"], d["x"], names=["a", "b"], strata=d["s"], weights=d["w"])


def test_terms_mapping_and_flags() -> None:
    d = data()
    fit = _fit(d)
    one = cox_zph(fit, d["time"], d["event"], d["x"], strata=d["s"], weights=d["w"])
    same = cox_zph(fit, d["time"], d["event"], d["x"], strata=d["s"], weights=d["w"], terms={"a": ["a"], "b": "b"})
    np.testing.assert_allclose(one.chisq, same.chisq, rtol=1e-14)
    both = cox_zph(fit, d["time"], d["event"], d["x"], strata=d["s"], weights=d["w"], terms={"ab": ["a", "b"]})
    assert both.terms == ("ab",) and both.df.tolist() == [2]
    assert both.chisq[0] == pytest.approx(one.global_chisq, rel=1e-12)  # one term holding everything = global
    assert both.scaled_schoenfeld.shape == (fit.n_event, 1)
    no_global = cox_zph(fit, d["time"], d["event"], d["x"], strata=d["s"], weights=d["w"], global_=False)
    assert no_global.global_chisq is None and no_global.global_df is None and no_global.global_p is None
    np.testing.assert_allclose(no_global.chisq, one.chisq, rtol=1e-14)


def test_row_order_does_not_matter() -> None:
    d = data()
    fit = _fit(d)
    perm = np.random.default_rng(1).permutation(d["time"].size)
    a = cox_zph(fit, d["time"], d["event"], d["x"], strata=d["s"], weights=d["w"], transform="rank")
    b = cox_zph(
        fit, d["time"][perm], d["event"][perm], d["x"][perm], strata=d["s"][perm], weights=d["w"][perm],
        transform="rank",
    )
    np.testing.assert_allclose(a.chisq, b.chisq, rtol=1e-10)
    np.testing.assert_allclose(np.sort(a.transformed_time), np.sort(b.transformed_time), rtol=1e-14)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"time": lambda d: d["time"][:-1]}, r"arrays have 49 rows and 2 covariates, but the fit has 50"),
        ({"x": lambda d: d["x"] + 1.0 * (np.arange(50) % 3 == 0)[:, None]}, r"log partial likelihood"),
        ({"transform": "spline"}, r"transform: 'spline' is not allowed"),
        ({"terms": {"a": ["a"]}}, r"covariates \['b'\] belong to no term"),
        ({"terms": {"a": ["a", "q"], "b": ["b"]}}, r"names 'q', which is not a covariate"),
        ({"terms": {"a": ["a", "b"], "b": ["b"]}}, r"'b' appears in more than one term"),
    ],
)
def test_bad_inputs(change: dict[str, Any], message: str) -> None:
    d = data()
    fit = _fit(d)
    args: dict[str, Any] = {"time": d["time"], "x": d["x"], "transform": "km", "terms": True}
    for k, v in change.items():
        args[k] = v(d) if callable(v) else v
    n = args["time"].shape[0]
    with pytest.raises(InputError, match=message):
        cox_zph(
            fit, args["time"], d["event"][:n], args["x"][:n], strata=d["s"][:n], weights=d["w"][:n],
            transform=args["transform"], terms=args["terms"],
        )


def test_log_transform_needs_positive_times() -> None:
    d = data()
    d["time"][0] = 0.0
    fit = _fit(d)
    with pytest.raises(InputError, match="transform='log' needs times > 0"):
        cox_zph(fit, d["time"], d["event"], d["x"], strata=d["s"], weights=d["w"], transform="log")

"""Properties of the Cox kernel and front end that must hold on any data (seeded random data sets)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gistreg.core.errors import InputError, SingularInformationError
from gistreg.stats import cox
from gistreg.stats._kernels import cox as kernel
from gistreg.stats._kernels import cox_concordance


def make_data(seed: int, n: int = 80, p: int = 3, n_strata: int = 1) -> dict[str, Any]:
    """Random data with tied times (integers), ties between events and censorings, weights and strata."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    x[:, 0] = rng.integers(0, 2, n)
    lp = x @ np.linspace(0.6, -0.4, p)
    t = np.ceil(rng.exponential(8 * np.exp(-lp)))
    c = np.ceil(rng.exponential(12, n))
    return {
        "time": np.minimum(t, c),
        "event": (t <= c).astype(float),
        "x": x,
        "weights": rng.uniform(0.5, 2.0, n),
        "strata": rng.integers(0, n_strata, n),
    }


def arrays(d: dict[str, Any]) -> kernel.CoxArrays:
    return kernel.prepare(d["time"], d["event"], d["x"], d["weights"], d["strata"])


@pytest.mark.parametrize("efron", [True, False])
@pytest.mark.parametrize("n_strata", [1, 3])
def test_score_and_information_are_derivatives_of_loglik(efron: bool, n_strata: int) -> None:
    d = make_data(11, n_strata=n_strata)
    ca = arrays(d)
    beta = np.array([0.3, -0.2, 0.5])
    ll, u, info = kernel.loglik_score_info(ca, beta, efron)
    h = 1e-5
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        lp, up, _ = kernel.loglik_score_info(ca, beta + e, efron)
        lm, um, _ = kernel.loglik_score_info(ca, beta - e, efron)
        assert (lp - lm) / (2 * h) == pytest.approx(u[j], rel=1e-7, abs=1e-8)
        np.testing.assert_allclose(-(up - um) / (2 * h), info[:, j], rtol=1e-6, atol=1e-8)
    assert kernel.loglik_at(ca, beta, efron) == pytest.approx(ll, rel=1e-15)


@pytest.mark.parametrize("efron", [True, False])
def test_score_residuals_sum_to_the_score(efron: bool) -> None:
    d = make_data(12, n_strata=2)
    ca = arrays(d)
    beta = np.array([-0.4, 0.1, 0.3])
    _, u, _ = kernel.loglik_score_info(ca, beta, efron)
    resid = kernel.score_residuals(ca, beta, efron)
    np.testing.assert_allclose((resid * ca.weight[:, None]).sum(axis=0), u, rtol=1e-12, atol=1e-12)


def test_fit_is_invariant_to_row_order() -> None:
    d = make_data(13, n=120, n_strata=2)
    cl = np.arange(120) % 17
    perm = np.random.default_rng(5).permutation(120)
    a = cox(d["time"], d["event"], d["x"], strata=d["strata"], weights=d["weights"], cluster=cl)
    b = cox(
        d["time"][perm], d["event"][perm], d["x"][perm], strata=d["strata"][perm], weights=d["weights"][perm],
        cluster=cl[perm],
    )
    for field in ("coef", "se", "robust_se", "variance", "information"):
        np.testing.assert_allclose(getattr(a, field), getattr(b, field), rtol=1e-11, atol=1e-14)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-13)
    assert a.concordance == pytest.approx(b.concordance, rel=1e-13)
    assert a.concordance_se == pytest.approx(b.concordance_se, rel=1e-11)
    ca, cb = a.concordance_counts, b.concordance_counts
    for field in ("concordant", "discordant", "tied_x", "tied_y", "tied_xy"):
        assert getattr(ca, field) == pytest.approx(getattr(cb, field), rel=1e-13)


def test_integer_weights_equal_duplicated_rows_under_breslow() -> None:
    """Case weights act as frequencies under Breslow; under Efron they do not (the count of tied events, which
    sets Efron's fractions, is a count of rows, as in R)."""
    d = make_data(14, n=60)
    k = np.random.default_rng(3).integers(1, 4, 60)
    rep = np.repeat(np.arange(60), k)
    a = cox(d["time"], d["event"], d["x"], weights=k.astype(float), ties="breslow")
    b = cox(d["time"][rep], d["event"][rep], d["x"][rep], ties="breslow")
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-10)
    np.testing.assert_allclose(a.variance, b.variance, rtol=1e-9)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)
    assert a.score_test.statistic == pytest.approx(b.score_test.statistic, rel=1e-10)
    assert a.concordance == pytest.approx(b.concordance, rel=1e-12)


def test_efron_equals_breslow_without_tied_events() -> None:
    d = make_data(15)
    t = d["time"] + np.arange(80) * 1e-3  # all times distinct
    a = cox(t, d["event"], d["x"], ties="efron")
    b = cox(t, d["event"], d["x"], ties="breslow")
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-12)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-13)


def test_stratified_loglik_is_the_sum_over_strata() -> None:
    d = make_data(16, n=300, n_strata=60)  # 60 strata of ~5 rows: the offset-loop path of the segmented sums
    beta = np.array([0.2, 0.1, -0.3])
    ca = arrays(d)
    assert ca.group_segments.by_offset is not None
    total, u_tot, i_tot = 0.0, np.zeros(3), np.zeros((3, 3))
    for s in range(60):
        m = d["strata"] == s
        if not m.any():
            continue
        one = kernel.prepare(d["time"][m], d["event"][m], d["x"][m], d["weights"][m], np.zeros(int(m.sum()), int))
        ll, u, info = kernel.loglik_score_info(one, beta, True)
        total, u_tot, i_tot = total + ll, u_tot + u, i_tot + info
    ll, u, info = kernel.loglik_score_info(ca, beta, True)
    assert ll == pytest.approx(total, rel=1e-12)
    np.testing.assert_allclose(u, u_tot, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(info, i_tot, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("codes", [[0, 0, 0, 1, 1, 2, 2, 2, 2], [0, 1, 2, 3, 4, 5, 5], [0] * 5])
def test_segmented_cumsum_paths_agree(codes: list[int]) -> None:
    c = np.array(codes)
    seg = kernel.make_segments(c)
    v = np.random.default_rng(1).normal(size=(c.size, 2))
    fwd = np.vstack([np.cumsum(v[c == k], axis=0) for k in np.unique(c)])
    rev = np.vstack([np.cumsum(v[c == k][::-1], axis=0)[::-1] for k in np.unique(c)])
    np.testing.assert_allclose(kernel.seg_cumsum(v, seg), fwd, rtol=1e-14)
    np.testing.assert_allclose(kernel.seg_cumsum(v, seg, reverse=True), rev, rtol=1e-14)


def brute_concordance(
    t: np.ndarray, e: np.ndarray, lp: np.ndarray, w: np.ndarray, s: np.ndarray, cl: np.ndarray | None
) -> tuple[list[float], float, float]:
    """R concordancefit(reverse = TRUE) by its definition, over all pairs."""
    ev = e > 0
    same = s[:, None] == s[None, :]
    # comparable: i an event, j at risk at t_i (later time, or a censoring at the same time)
    comp = ev[:, None] & same & ((t[None, :] > t[:, None]) | ((t[None, :] == t[:, None]) & ~ev[None, :]))
    ww = w[:, None] * w[None, :]
    higher = lp[None, :] > lp[:, None]  # the subject at risk has the larger lp
    lower = lp[None, :] < lp[:, None]
    tie = lp[None, :] == lp[:, None]
    c0, c1, c2 = (float((ww * comp * m).sum()) for m in (higher, lower, tie))
    both = ev[:, None] & ev[None, :] & same & (t[:, None] == t[None, :]) & ~np.eye(t.size, dtype=bool)
    ty, txy = float((ww * both * ~tie).sum()) / 2, float((ww * both * tie).sum()) / 2
    infl = []
    for m in (higher, lower, tie):
        a = comp & m
        infl.append((a * w[None, :]).sum(axis=1) + (a * w[:, None]).sum(axis=0))
    npair = c0 + c1 + c2
    somer = (c0 - c1) / npair
    dfb = w * ((infl[0] - infl[1]) / npair - somer / npair * (infl[0] + infl[1] + infl[2]))
    if cl is not None:
        dfb = np.bincount(cl, weights=dfb)
    return [c1, c0, c2, ty, txy], 1 - (somer + 1) / 2, float(np.sqrt(dfb @ dfb / 4))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("n_strata", [1, 4])
@pytest.mark.parametrize("clustered", [False, True])
def test_concordance_equals_its_definition(seed: int, n_strata: int, clustered: bool) -> None:
    rng = np.random.default_rng(seed)
    n = 70
    t = rng.integers(1, 12, n).astype(float)
    e = (rng.random(n) < 0.6).astype(float)
    lp = rng.integers(0, 6, n).astype(float)  # many ties in the risk score
    w = rng.uniform(0.3, 2.0, n)
    s = rng.integers(0, n_strata, n)
    cl = rng.integers(0, 15, n) if clustered else None
    ca = kernel.prepare(t, e, np.zeros((n, 1)), w, s)
    got = cox_concordance.concordance(ca, lp[ca.order], s[ca.order], None if cl is None else cl[ca.order])
    counts, c, se = brute_concordance(t, e, lp, w, s, cl)
    np.testing.assert_allclose(got.counts, counts, rtol=1e-12, atol=1e-12)
    assert got.concordance == pytest.approx(c, rel=1e-12)
    assert got.std == pytest.approx(se, rel=1e-10)


@pytest.mark.parametrize("unit", [True, False])
def test_concordance_in_cache_sized_chunks(monkeypatch: pytest.MonkeyPatch, unit: bool) -> None:
    """Below blocks of ``_LOCAL`` elements the levels run chunk by chunk; shrink it to exercise that path (with
    unit weights the kernel counts in int32, otherwise in float64)."""
    monkeypatch.setattr(cox_concordance, "_LOCAL", 40)
    rng = np.random.default_rng(9)
    n = 400
    t = rng.integers(1, 90, n).astype(float)
    e = (rng.random(n) < 0.6).astype(float)
    lp = rng.integers(0, 25, n).astype(float)
    w = np.ones(n) if unit else rng.uniform(0.3, 2.0, n)
    s = rng.integers(0, 3, n)
    ca = kernel.prepare(t, e, np.zeros((n, 1)), w, s)
    got = cox_concordance.concordance(ca, lp[ca.order], s[ca.order], None)
    counts, c, se = brute_concordance(t, e, lp, w, s, None)
    np.testing.assert_allclose(got.counts, counts, rtol=1e-12)
    assert got.concordance == pytest.approx(c, rel=1e-12)
    assert got.std == pytest.approx(se, rel=1e-10)


def test_concordance_counts_with_distinct_times_match_a_fenwick_count() -> None:
    """Many distinct event times (many CDQ levels, global and in chunks) against an independent O(n log n) count."""
    rng = np.random.default_rng(4)
    n = 20_000
    t = rng.permutation(n).astype(float)
    e = (rng.random(n) < 0.5).astype(float)
    lp = rng.normal(size=n)
    w = np.ones(n)
    ca = kernel.prepare(t, e, np.zeros((n, 1)), w, np.zeros(n, dtype=np.int64))
    got = cox_concordance.concordance(ca, lp[ca.order], np.zeros(n, dtype=np.int64), None)
    # with distinct times and risk scores: count pairs by sorting (event i, later subject j, lp_i > lp_j)
    order = np.argsort(-t)
    ranks = np.argsort(np.argsort(lp[order]))
    conc = 0.0
    disc = 0.0
    # Fenwick tree over ranks, walking from the latest time back
    tree = np.zeros(n + 1)
    for pos, i in enumerate(order):
        r = ranks[pos] + 1
        below, k = 0.0, r - 1
        while k > 0:
            below += tree[k]
            k -= k & -k
        if e[i] > 0:
            conc += below
            disc += pos - below
        k = r
        while k <= n:
            tree[k] += 1
            k += k & -k
    assert got.counts[0] == conc and got.counts[1] == disc


def test_collinear_covariates_raise_naming_them() -> None:
    d = make_data(17)
    x = np.column_stack([d["x"], d["x"][:, 1] + 2 * d["x"][:, 2]])
    with pytest.raises(SingularInformationError, match=r"'z' is a linear combination of 'b', 'c'"):
        cox(d["time"], d["event"], x, names=["a", "b", "c", "z"])


def test_constant_covariate_raises_naming_it() -> None:
    d = make_data(18)
    x = np.column_stack([d["x"], np.full(80, 3.0)])
    with pytest.raises(SingularInformationError, match=r"'const' does not vary"):
        cox(d["time"], d["event"], x, names=["a", "b", "c", "const"])
    # constant within every stratum: the stratum label itself as a covariate
    xs = np.column_stack([d["x"], (d["strata"] + np.arange(80) % 2 == 0).astype(float)])
    strata = xs[:, 3]
    with pytest.raises(SingularInformationError, match=r"'s' does not vary"):
        cox(d["time"], d["event"], xs, names=["a", "b", "c", "s"], strata=strata)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"time": [1.0, -2.0, 3.0]}, r"time: position 1 is -2.0"),
        ({"event": [1, 2, 0]}, r"event: position 1 is 2.0"),
        ({"covariates": [[1.0], [np.nan], [0.0]]}, r"row 1, covariate 'x1' is nan"),
        ({"weights": [1.0, 0.0, 1.0]}, r"weights: position 1 is 0.0; Cox model weights must be > 0"),
        ({"ties": "exact"}, r"ties: 'exact' is not allowed"),
        ({"conf_level": 1.5}, r"conf_level must be in \(0, 1\)"),
        ({"max_iter": -1}, r"max_iter must be an integer >= 0"),
        ({"names": ["a", "b"]}, r"1 columns but 2 names"),
        ({"strata": [1, None, 2]}, r"strata: position 1 is missing"),
        ({"event": [0, 0, 0]}, r"event: all 3 rows are censored"),
    ],
)
def test_bad_inputs_are_refused_with_their_position(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"time": [1.0, 2.0, 3.0], "event": [1, 0, 1], "covariates": [[1.0], [0.0], [1.0]]}
    args.update(kwargs)
    with pytest.raises(InputError, match=message):
        cox(**args)


def test_result_is_frozen_and_shape_does_not_depend_on_flags() -> None:
    d = make_data(19)
    a = cox(d["time"], d["event"], d["x"])
    b = cox(d["time"], d["event"], d["x"], robust=True)
    assert a.robust_se is None and a.robust_score_test is None and not a.robust
    assert b.robust_se is not None and b.robust_score_test is not None and b.robust
    assert type(a) is type(b) and a.__slots__ == b.__slots__
    with pytest.raises(AttributeError):
        a.coef = np.zeros(3)  # type: ignore[misc]
    np.testing.assert_allclose(a.coef, b.coef)
    np.testing.assert_allclose(a.se, b.se)
    np.testing.assert_allclose(np.diag(b.variance), b.robust_se**2)
    np.testing.assert_allclose(np.diag(a.variance), a.se**2)


def test_singleton_clusters_equal_plain_robust() -> None:
    d = make_data(20, n_strata=2)
    a = cox(d["time"], d["event"], d["x"], strata=d["strata"], robust=True)
    b = cox(d["time"], d["event"], d["x"], strata=d["strata"], cluster=np.arange(80))
    np.testing.assert_allclose(a.variance, b.variance, rtol=1e-13)
    assert a.concordance_se == pytest.approx(b.concordance_se, rel=1e-13)
    assert b.n_clusters == 80 and a.n_clusters is None


def test_near_tied_times_are_tied_as_r_timefix() -> None:
    d = make_data(21)
    t = d["time"] * (1 + 1e-12 * np.random.default_rng(0).normal(size=80))
    a = cox(t, d["event"], d["x"])
    b = cox(d["time"], d["event"], d["x"])
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-12)


def test_too_few_clusters_for_the_robust_score_test() -> None:
    d = make_data(22)
    fit = cox(d["time"], d["event"], d["x"], cluster=np.arange(80) % 2)
    assert fit.robust_score_test is None and fit.robust_se is not None
    assert any("robust score test not computed" in w for w in fit.warnings)
    assert np.isnan(fit.wald_test.statistic) and any("Wald test not computed" in w for w in fit.warnings)

"""Harrell's concordance kernel against a plain pairwise count, and the dominance kernel against its definition.

The pairwise reference is written out pair by pair (O(n^2)), independent of the kernel's coordinates, chunks and
packed keys.  The data sets are small and seeded, with tied times, tied risk scores, strata, fractional case
weights and clusters; small chunk sizes push every path of the kernel (chunk sweep, wide words, exact order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from gistreg.stats._kernels import cox as kernel
from gistreg.stats._kernels import cox_concordance, dominance


def pairwise_concordance(
    t: np.ndarray, e: np.ndarray, lp: np.ndarray, w: np.ndarray, s: np.ndarray, cl: np.ndarray | None
) -> tuple[list[float], float, float]:
    """R concordancefit(reverse = TRUE): counts (concordant, discordant, tied.x, tied.y, tied.xy), C and the
    influence-based standard error, summing over every pair."""
    n = t.shape[0]
    conc = disc = tie_x = tie_y = tie_xy = 0.0
    infl = np.zeros((3, n))  # per row: pair weight with the other row higher / lower / tied in lp
    for i in range(n):
        for j in range(n):
            if i == j or s[i] != s[j]:
                continue
            if e[i] > 0 and e[j] > 0 and t[i] == t[j] and i < j:
                tie_y += w[i] * w[j]
                if lp[i] == lp[j]:
                    tie_xy += w[i] * w[j]
            # comparable: i an event, j still at risk at t_i (a later time, or censored at t_i)
            if not (e[i] > 0 and (t[j] > t[i] or (t[j] == t[i] and e[j] == 0))):
                continue
            ww = w[i] * w[j]
            kind = 0 if lp[j] > lp[i] else 1 if lp[j] < lp[i] else 2
            if kind == 0:
                disc += ww
            elif kind == 1:
                conc += ww
            else:
                tie_x += ww
            infl[kind, i] += w[j]
            infl[kind, j] += w[i]
    npair = conc + disc + tie_x
    somer = (disc - conc) / npair
    dfb = w * ((infl[0] - infl[1]) / npair - somer / npair * infl.sum(axis=0))
    if cl is not None:
        dfb = np.bincount(cl, weights=dfb)
    return [conc, disc, tie_x, tie_y - tie_xy, tie_xy], 1 - (somer + 1) / 2, float(np.sqrt(dfb @ dfb / 4))


@dataclass
class Micro:
    t: np.ndarray
    e: np.ndarray
    lp: np.ndarray
    w: np.ndarray
    s: np.ndarray
    cl: np.ndarray | None


def micro_data(seed: int, n: int, n_strata: int, unit: bool, clustered: bool, lp_levels: int) -> Micro:
    rng = np.random.default_rng(seed)
    return Micro(
        t=rng.integers(1, 9, n).astype(float),
        e=(rng.random(n) < 0.65).astype(float),
        lp=rng.integers(0, lp_levels, n) * 0.37 if lp_levels else rng.normal(size=n),
        w=np.ones(n) if unit else rng.uniform(0.2, 3.0, n),
        s=rng.integers(0, n_strata, n),
        cl=rng.integers(0, 9, n) if clustered else None,
    )


def fast(d: Micro) -> cox_concordance.ConcordanceArrays:
    ca = kernel.prepare(d.t, d.e, np.zeros((d.t.shape[0], 1)), d.w, d.s)
    cl = None if d.cl is None else d.cl[ca.order]
    return cox_concordance.concordance(ca, d.lp[ca.order], d.s[ca.order], cl)


def check(d: Micro) -> None:
    got = fast(d)
    counts, c, se = pairwise_concordance(d.t, d.e, d.lp, d.w, d.s, d.cl)
    np.testing.assert_allclose(got.counts, counts, rtol=1e-12, atol=1e-9)
    assert got.concordance == pytest.approx(c, rel=1e-12)
    assert got.std == pytest.approx(se, rel=1e-10)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n_strata", [1, 3])
@pytest.mark.parametrize(("unit", "clustered"), [(True, False), (True, True), (False, False), (False, True)])
@pytest.mark.parametrize("chunk", [3, 17, 1 << 15])
def test_concordance_equals_the_pairwise_count(
    monkeypatch: pytest.MonkeyPatch, seed: int, n_strata: int, unit: bool, clustered: bool, chunk: int
) -> None:
    monkeypatch.setattr(cox_concordance, "_LOCAL", chunk)
    lp_levels = 5 if seed % 2 else 0  # tied risk scores in every other data set
    check(micro_data(seed, 45 + 7 * seed, n_strata, unit, clustered, lp_levels))


@pytest.mark.parametrize("unit", [True, False])
def test_scores_the_sort_key_cannot_separate_are_ordered_exactly(monkeypatch: pytest.MonkeyPatch, unit: bool) -> None:
    """Different scores closer than the packed sort key resolves (range / 2**52, next to exact ties) take the
    exact path."""
    monkeypatch.setattr(cox_concordance, "_LOCAL", 8)
    d = micro_data(21, 60, 2, unit, False, 0)
    rng = np.random.default_rng(4)
    d.lp = 1.0 + rng.integers(0, 6, 60) * 2.0**-52 + 1000.0 * rng.integers(0, 2, 60)
    check(d)


def test_negative_zero_ties_with_zero() -> None:
    d = micro_data(22, 40, 1, True, False, 0)
    d.lp = np.where(np.arange(40) % 3 == 0, -0.0, np.where(np.arange(40) % 3 == 1, 0.0, 1.0))
    check(d)


def test_no_events_gives_nan() -> None:
    d = micro_data(23, 20, 1, True, False, 0)
    d.e = np.zeros(20)
    got = fast(d)
    assert np.isnan(got.concordance) and np.isnan(got.std)
    np.testing.assert_array_equal(got.counts, np.zeros(5))


def pairwise_dominance(coord: np.ndarray, event: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = coord.shape[0]
    below_after, above_before = np.zeros(n), np.zeros(n)
    for i in range(n):
        for j in range(n):
            if j > i and coord[j] < coord[i]:
                below_after[i] += w[j]
            if j < i and coord[j] > coord[i] and event[j]:
                above_before[i] += w[j]
    return below_after, above_before


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("unit", [True, False])
@pytest.mark.parametrize("chunk", [2, 5, 64, 1 << 15])
def test_dominance_sums_equal_their_definition(seed: int, unit: bool, chunk: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 150))
    coord = rng.integers(0, int(rng.integers(1, 40)), n)
    event = rng.random(n) < 0.6
    w = np.ones(n) if unit else rng.uniform(0.1, 4.0, n)
    got = dominance.dominance_sums(coord, event, None if unit else w, chunk=chunk)
    want = pairwise_dominance(coord, event, w)
    for g, x in zip(got, want, strict=True):
        if unit:
            np.testing.assert_array_equal(g, x)
        else:
            np.testing.assert_allclose(g, x, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("unit", [True, False])
def test_chunks_of_65536_points_and_more_use_wide_words(unit: bool) -> None:
    """Chunks past 16-bit counters switch to 64-bit words; the sums do not change."""
    rng = np.random.default_rng(7)
    n = 70_000
    coord = rng.integers(0, 3000, n)
    event = rng.random(n) < 0.5
    w = None if unit else rng.uniform(0.5, 2.0, n)
    wide = dominance.dominance_sums(coord, event, w, chunk=1 << 17)
    narrow = dominance.dominance_sums(coord, event, w, chunk=1 << 12)
    for a, b in zip(wide, narrow, strict=True):
        if w is None:
            np.testing.assert_array_equal(a, b)  # exact integer counting
        else:  # prefix sums over a whole chunk: rounding of the order of eps * (chunk weight) * levels
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15 * float(w.sum()) * 16)


def test_many_coordinates_make_chunks_larger() -> None:
    """With (nearly) one coordinate per point the chunks grow so the cross-chunk sums stay O(n)."""
    rng = np.random.default_rng(8)
    n = 3000
    coord = rng.permutation(n)
    event = rng.random(n) < 0.5
    assert dominance.chunk_length(n, n, 16) > 16
    small = dominance.dominance_sums(coord, event, None, chunk=16)
    want = dominance.dominance_sums(coord, event, None, chunk=n)
    for a, b in zip(small, want, strict=True):
        np.testing.assert_array_equal(a, b)
    # below_after of point i: later points with a smaller coordinate (an inversion count)
    assert small[0].sum() == sum(int((coord[i + 1 :] < coord[i]).sum()) for i in range(n))


def test_a_sweep_iterated_twice_gives_the_same_sums() -> None:
    rng = np.random.default_rng(9)
    coord = rng.integers(0, 30, 500)
    event = rng.random(500) < 0.5
    sweep = dominance.Sweep(2 * coord + event, None, 30, chunk=64)
    first = [(ba.copy(), ab.copy()) for _, _, ba, ab in sweep]
    again = [(ba, ab) for _, _, ba, ab in sweep]
    for (b1, a1), (b2, a2) in zip(first, again, strict=True):
        np.testing.assert_array_equal(b1, b2)
        np.testing.assert_array_equal(a1, a2)

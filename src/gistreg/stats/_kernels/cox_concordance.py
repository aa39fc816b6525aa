"""Harrell's concordance of a Cox fit with R's influence-based standard error (survival 3.5 ``concordancefit``).

Counting, for every event, the subjects still at risk with a larger or smaller risk score is a two-dimensional
dominance count (time order x score order).  It is done here without a loop over subjects: divide and conquer
over the time coordinate, one vectorised pass per level (see :func:`_cross_sums`).  Inputs come sorted from
``gistreg.stats._kernels.cox.prepare``; no validation happens here.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gistreg.stats._kernels.cox import BoolArray, CoxArrays, FloatArray, IntArray, seg_cumsum


@dataclass(frozen=True, slots=True)
class ConcordanceArrays:
    """Harrell's C as R ``concordancefit(y, lp, strata, weights, cluster, reverse=TRUE)``."""

    counts: FloatArray  # concordant, discordant, tied.x, tied.y, tied.xy (after R's reverse flip)
    concordance: float
    std: float


_LOCAL = 1 << 14  # elements per chunk once blocks are small: the remaining levels then run in cache


@dataclass(slots=True)
class _Elements:
    """Elements of :func:`_cross_sums` in the current order: coordinate, ``element << 1 | is_query``, the running
    sums, and the weights (``None`` for unit weights, when all arithmetic is exact in int32)."""

    coord: NDArray[np.int32]
    eq: NDArray[np.int32]
    acc: NDArray[np.int32] | FloatArray
    w: FloatArray | None

    def take(self, lo: int, hi: int, c0: int) -> _Elements:
        return _Elements(
            self.coord[lo:hi] - np.int32(c0), self.eq[lo:hi].copy(), self.acc[lo:hi].copy(),
            None if self.w is None else self.w[lo:hi].copy(),
        )

    def put(self, lo: int, hi: int, c0: int, part: _Elements) -> None:
        self.coord[lo:hi] = part.coord + np.int32(c0)
        self.eq[lo:hi] = part.eq
        self.acc[lo:hi] = part.acc
        if self.w is not None and part.w is not None:
            self.w[lo:hi] = part.w


def _cdq_levels(el: _Elements, before: IntArray, top: int, bottom: int) -> _Elements:
    """Levels ``top..bottom+1`` of :func:`_cross_sums` on elements sorted by (block of ``2**top`` coordinates,
    key, type); coordinates are local to ``before`` (start of each coordinate; ``len`` = coordinates + 1, a
    multiple of ``2**top`` plus one).  Block-level values are spread to the elements with ``np.repeat``; the
    stable partition into halves is computed from cumulative counts and applied by scattering.
    """
    n = el.coord.shape[0]
    idx = np.arange(n, dtype=np.int32)
    coord, eq, acc, w = el.coord, el.eq, el.acc, el.w
    for shift in range(top, bottom, -1):
        half = shift - 1
        bstart = before[: -1 : 1 << shift]
        size = before[1 << shift :: 1 << shift] - bstart
        mid = before[1 << half :: 1 << shift][: size.shape[0]].astype(np.int32)
        full = size > 0
        first, last = bstart[full], bstart[full] + size[full] - 1
        bit = ((coord >> half) & 1).astype(np.int8)
        q = (eq & 1).astype(np.int8)
        right_query = bit & q
        left_subject = (bit | q) ^ 1
        t1: NDArray[Any] = left_subject if w is None else w * left_subject
        t2: NDArray[Any] = right_query if w is None else w * right_query
        cs: NDArray[Any] = np.cumsum(t1, dtype=acc.dtype)  # suffix within the block: left subjects with a larger key
        at = np.zeros(size.shape[0], dtype=acc.dtype)
        at[full] = cs[last]
        upd = (np.repeat(at, size) - cs) * right_query
        cs = np.cumsum(t2, dtype=acc.dtype)  # prefix within the block: right queries with a smaller key
        at[full] = cs[first] - t2[first]
        upd += (cs - np.repeat(at, size)) * left_subject
        acc += upd
        ones = np.cumsum(bit, dtype=np.int32)
        ones -= bit
        start_ones = np.zeros(size.shape[0], dtype=np.int32)
        start_ones[full] = ones[first]
        ones -= np.repeat(start_ones, size)  # right-half elements before this one in its block
        new = idx - ones
        np.copyto(new, np.repeat(mid, size) + ones, where=bit.view(bool))
        coord, eq, acc = _scatter(coord, new), _scatter(eq, new), _scatter(acc, new)
        if w is not None:
            w = _scatter(w, new)
    return _Elements(coord, eq, acc, w)


def _scatter(v: NDArray[Any], new: NDArray[np.int32]) -> NDArray[Any]:
    out = np.empty_like(v)
    out[new] = v
    return out


def _cross_sums(coord: IntArray, ncoord: int, top: IntArray, is_q: BoolArray, w: FloatArray) -> FloatArray:
    """For every pair (subject a, query b) with ``coord_a < coord_b`` and ``key_a > key_b``, add ``w_a`` to b and
    ``w_b`` to a.  ``top`` orders the elements by (key, subjects before queries).

    Divide and conquer over the coordinate (CDQ), vectorised per level: the elements stay sorted by (key, type)
    inside blocks of coordinates; at each level every block is split into halves, the pairs across the halves are
    counted with two cumulative sums, and a stable partition into the halves produces the next level.
    O(N log ncoord).  Once blocks hold about ``_LOCAL`` elements, the remaining levels run chunk by chunk so that
    they work in cache.  With unit weights every sum is an exact int32 count.
    """
    n = coord.shape[0]
    levels = max(int(np.ceil(np.log2(max(ncoord, 2)))), 1)
    size = 1 << levels
    before = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(coord, minlength=size), out=before[1:])
    unit = bool(np.all(w == 1.0))
    el = _Elements(
        coord[top].astype(np.int32),
        ((top << 1) | is_q[top]).astype(np.int32),
        np.zeros(n, dtype=np.int32) if unit else np.zeros(n),
        None if unit else w[top],
    )
    split = levels
    while split > 0 and (n >> (levels - split)) > _LOCAL:
        split -= 1
    el = _cdq_levels(el, before, levels, split)
    if split > 0:  # chunks of whole blocks of 2**split coordinates
        starts = before[:: 1 << split]
        cuts = [0]
        for pos in starts[1:].tolist():
            if pos - cuts[-1] >= _LOCAL or pos == n:
                cuts.append(pos)
        if cuts[-1] != n:
            cuts.append(n)
        bounds = np.searchsorted(starts, cuts)
        for (lo, hi), (blo, bhi) in zip(itertools.pairwise(cuts), itertools.pairwise(bounds.tolist()), strict=True):
            if hi > lo:
                c0 = blo << split
                part = _cdq_levels(el.take(lo, hi, c0), before[c0 : (bhi << split) + 1] - lo, split, 0)
                el.put(lo, hi, c0, part)
    out = np.empty(n)
    out[el.eq >> 1] = el.acc
    return out


def _key_order(lp: FloatArray, st: IntArray) -> tuple[IntArray, IntArray, bool]:
    """Dense rank of (stratum, lp), the row order by that rank, and whether any ranks are shared."""
    ko = np.argsort(lp)  # ties in any order: only the dense rank is used
    if st.any():
        key = st[ko]
        ko = ko[np.argsort(key.astype(np.int16) if int(key.max()) < 32768 else key, kind="stable")]
    lps, sts = lp[ko], st[ko]
    brk = np.ones(lp.shape[0], dtype=bool)
    brk[1:] = (lps[1:] != lps[:-1]) | (sts[1:] != sts[:-1])
    key = np.empty(lp.shape[0], dtype=np.int64)
    key[ko] = np.cumsum(brk) - 1
    return key, ko, not bool(brk.all())


def _equal_key_sums(
    key: IntArray, coord: IntArray, is_q: BoolArray, w: FloatArray, ncoord: int
) -> FloatArray:
    """For a query: weight of subjects with the same key and a smaller coordinate; for a subject: weight of
    queries with the same key and a larger coordinate."""
    n = key.shape[0]
    eo = np.argsort((key * ncoord + coord) * 2 + ~is_q, kind="stable")  # queries before subjects at a coordinate
    ek, q = key[eo], is_q[eo]
    ws, wq = np.where(q, 0.0, w[eo]), np.where(q, w[eo], 0.0)
    gb = np.ones(n, dtype=bool)
    gb[1:] = ek[1:] != ek[:-1]
    gid = np.cumsum(gb) - 1
    first = np.flatnonzero(gb)
    last = np.append(first[1:], n) - 1
    cs, cq = np.cumsum(ws), np.cumsum(wq)
    out = np.empty(n)
    out[eo] = np.where(q, cs - (cs - ws)[first][gid], cq[last][gid] - cq)
    return out


def concordance(ca: CoxArrays, lp: FloatArray, strata: IntArray, cluster: IntArray | None) -> ConcordanceArrays:
    """Counts, C and its standard error (influence based, by cluster when given), as R survival 3.5.

    ``lp`` and ``strata`` and ``cluster`` are in the kernel's sorted row order.  A pair is comparable when the
    earlier time is an event and the other subject is still at risk (a censoring at the same time counts as at
    risk, a tied event does not).  Before R's ``reverse=TRUE`` flip, ``c0`` counts pairs where the subject at risk
    has the larger ``lp``; after it, pairs where the event has the larger risk score are "concordant".
    """
    n = lp.shape[0]
    ev, w = ca.event, ca.weight
    g = ca.group_of_row
    ngroups = ca.group_start.shape[0]
    nruns = ca.run_start.shape[0]
    # coordinates: a subject gets the first run (in sorted order) at which it is at risk, an event's query the
    # index of its run + 1, so that "subject at risk for the event" is "subject coordinate < query coordinate"
    coord = np.searchsorted(ca.run_group, g + ev, side="left")
    d = ca.death_rows
    nd = d.shape[0]
    key, ko, ties = _key_order(lp, strata)
    # elements: subjects 0..n-1, queries n..n+nd-1 (one per event, coordinate of its event block)
    k_sub = key[ko]
    dko = ko[ev[ko]]
    k_q = key[dko]
    top = np.empty(n + nd, dtype=np.int64)
    top[np.arange(n) + np.searchsorted(k_q, k_sub, side="left")] = ko
    qid = np.empty(n, dtype=np.int64)
    qid[d] = np.arange(n, n + nd)
    top[np.arange(nd) + np.searchsorted(k_sub, k_q, side="right")] = qid[dko]
    ccoord = np.concatenate((coord, ca.death_run + 1))
    is_q = np.concatenate((np.zeros(n, dtype=bool), np.ones(nd, dtype=bool)))
    cw = np.concatenate((w, w[d]))
    cross = _cross_sums(ccoord, nruns + 1, top, is_q, cw)
    greater_q, less_s = cross[n:], cross[:n]
    if ties:
        equal = _equal_key_sums(np.concatenate((key, key[d])), ccoord, is_q, cw, nruns + 2)
        equal_q, equal_s = equal[n:], equal[:n]
    else:
        equal_q, equal_s = np.zeros(nd), np.zeros(n)
    # comparable totals within the stratum
    gw: FloatArray = np.add.reduceat(w, ca.group_start).astype(np.float64)
    gd: FloatArray = np.bincount(g[d], weights=w[d], minlength=ngroups).astype(np.float64)
    tot_q = (seg_cumsum(gw, ca.group_segments) - gw + (gw - gd))[g[d]]
    after = seg_cumsum(gd, ca.group_segments, reverse=True) - gd
    tot_s = after[g] + np.where(ev, 0.0, gd[g])
    less_q = tot_q - greater_q - equal_q
    greater_s = tot_s - less_s - equal_s
    wd = w[d]
    c0, c1, c2 = float(wd @ greater_q), float(wd @ less_q), float(wd @ equal_q)
    tied_y = float(((gd * gd - np.bincount(g[d], weights=wd * wd, minlength=ngroups)) / 2).sum())
    tied_xy = 0.0
    if ties:
        _, inv = np.unique(g[d] * (int(key.max()) + 1) + key[d], return_inverse=True)
        tot = np.bincount(inv.reshape(-1), weights=wd)
        tied_xy = float(((tot * tot - np.bincount(inv.reshape(-1), weights=wd * wd)) / 2).sum())
    counts = np.array([c1, c0, c2, tied_y - tied_xy, tied_xy])
    npair = c0 + c1 + c2
    if npair <= 0:
        return ConcordanceArrays(counts, float("nan"), float("nan"))
    i0, i1, i2 = less_s.copy(), greater_s.copy(), equal_s.copy()
    i0[d] += greater_q
    i1[d] += less_q
    i2[d] += equal_q
    somer = (c0 - c1) / npair
    dfbeta: FloatArray = w * ((i0 - i1) / npair - (somer / npair) * (i0 + i1 + i2))
    if cluster is not None:
        dfbeta = np.bincount(cluster, weights=dfbeta).astype(np.float64)
    return ConcordanceArrays(counts, 1.0 - (somer + 1) / 2, float(np.sqrt(dfbeta @ dfbeta / 4)))

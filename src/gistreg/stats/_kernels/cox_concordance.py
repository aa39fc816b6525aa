"""Harrell's concordance of a Cox fit with R's influence-based standard error (survival 3.5 ``concordancefit``).

Every row gets a *coordinate*: the number of runs (tied events at one time, in the kernel's sorted order) before
the first run at which the row is at risk.  An event's coordinate is then its run + 1, and "row ``a`` is at risk
for event ``b``" is ``coord[a] < coord[b]`` (a censoring at the time of ``b`` counts, a tied event does not; rows of
other strata never compare below because their risk scores are ordered stratum first).  With the rows ordered by
(stratum, risk score, coordinate), both per-row pair sums that the counts and the influence need are
two-dimensional dominance sums (``gistreg.stats._kernels.dominance``):

* for an event ``b``, the weight at risk with a larger score: rows after ``b`` with a smaller coordinate;
* for a row ``a``, the weight of the events it is at risk for that have a smaller score: events before ``a``
  with a larger coordinate.

Ordering ties in the score by coordinate makes both sums count strictly larger / smaller scores only; the pairs
with equal scores are added from the tie groups directly.  Inputs come sorted from
``gistreg.stats._kernels.cox.prepare``; no validation happens here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gistreg.stats._kernels import dominance
from gistreg.stats._kernels.cox import BoolArray, CoxArrays, FloatArray, IntArray

_LOCAL = dominance.CHUNK  # points per chunk of the dominance kernel (a tuning knob; any value >= 2 gives the same)
_QUANT_BITS = 52  # bits of the quantised risk score in the packed sort key (a double has 53)
_MIN_KEY_BITS = 24  # fewer bits left for the score than this: use the exact order


@dataclass(frozen=True, slots=True)
class ConcordanceArrays:
    """Harrell's C as R ``concordancefit(y, lp, strata, weights, cluster, reverse=TRUE)``."""

    counts: FloatArray  # concordant, discordant, tied.x, tied.y, tied.xy (after R's reverse flip)
    concordance: float
    std: float


@dataclass(frozen=True, slots=True)
class _Order:
    """Rows in (stratum, risk score, coordinate) order.  ``pay`` holds ``2 coord + event`` per position, or the
    row number when ``by_row`` (weights or clusters must then follow the rows); ``tie_start`` marks the first
    position of each group of equal (stratum, score) when there are ties (``None`` without)."""

    pay: IntArray
    by_row: bool
    tie_start: BoolArray | None


@dataclass(frozen=True, slots=True)
class _Quantiser:
    """Monotone map of the risk score to ``bits``-bit integers: ``floor((lp - low) * scale)``.  Equal scores get
    equal integers; different scores closer than about ``(high - low) / 2**bits`` may too, which
    :func:`_order` detects."""

    low: float
    scale: float
    top: float  # 2**bits - 1

    @classmethod
    def of(cls, lp: FloatArray, bits: int) -> _Quantiser:
        low, high = (float(lp.min()), float(lp.max())) if lp.shape[0] else (0.0, 0.0)
        top = float((1 << bits) - 1)
        return cls(low, top / (high - low) if high > low else 0.0, top)

    def __call__(self, lp: FloatArray, out: NDArray[np.uint64], tmp: FloatArray) -> NDArray[np.uint64]:
        np.subtract(lp, self.low, out=tmp)
        tmp *= self.scale
        np.minimum(tmp, self.top, out=tmp)  # rounding must not step past the top value
        out[:] = tmp
        return out


def _order(
    lp: FloatArray, strata: IntArray, sbits: int, base: IntArray, event: BoolArray, need_rows: bool
) -> _Order:
    """Order rows by (stratum, lp, coordinate) with one sort of packed 64-bit keys: the stratum, the quantised
    score (:class:`_Quantiser`), then ``2 coord + event = base + 3 event`` (or the row number).  Equal keys in the
    score part are exact ties unless two different scores were quantised alike, which sends the data to
    :func:`_exact_order`.  The keys are built and read back in cache-sized pieces."""
    n = lp.shape[0]
    pbits = max(1, (n - 1).bit_length()) if need_rows else (int(base[-1]) + 3).bit_length()  # base is sorted
    qbits = min(_QUANT_BITS, 64 - sbits - pbits)
    if qbits < _MIN_KEY_BITS:
        return _exact_order(lp, strata, base + 3 * event)
    quant = _Quantiser.of(lp, qbits)
    key = np.empty(n, dtype=np.uint64)
    scratch = np.empty(min(n, _LOCAL), dtype=np.int64)
    tmp = np.empty(min(n, _LOCAL))
    for lo in range(0, n, _LOCAL):
        hi = min(n, lo + _LOCAL)
        u = quant(lp[lo:hi], key[lo:hi], tmp[: hi - lo])
        u <<= np.uint64(pbits)
        if sbits:
            u |= strata[lo:hi].astype(np.uint64) << np.uint64(64 - sbits)
        pc = scratch[: hi - lo]
        if need_rows:
            pc[:] = np.arange(lo, hi)
        else:
            np.multiply(event[lo:hi], 3, out=pc)
            pc += base[lo:hi]
        u |= pc.view(np.uint64)
    key.sort()
    p = np.uint64(pbits)
    same = np.zeros(n, dtype=bool)  # score part of the key equal to the one before
    mask = np.uint64((1 << pbits) - 1)
    prev = None
    for lo in range(0, n, _LOCAL):
        hi = min(n, lo + _LOCAL)
        top = key[lo:hi] >> p
        np.equal(top[1:], top[:-1], out=same[lo + 1 : hi])
        if prev is not None:
            same[lo] = top[0] == prev
        prev = top[-1]
        key[lo:hi] &= mask
    pay = key.view(np.int64)
    if not same.any():
        return _Order(pay, need_rows, None)
    if need_rows:  # tied scores must be ordered by coordinate, not row
        return _exact_order(lp, strata, base + 3 * event)
    # any two different scores quantised alike?  (checked over all strata together: conservative)
    full = np.sort(lp)
    q = quant(full, np.empty(n, dtype=np.uint64), np.empty(n))
    if bool(((q[1:] == q[:-1]) & (full[1:] != full[:-1])).any()):
        return _exact_order(lp, strata, base + 3 * event)
    return _Order(pay, False, ~same)


def _exact_order(lp: FloatArray, strata: IntArray, pay_row: IntArray) -> _Order:
    """The same order from a dense rank of (stratum, lp), for scores that a packed key cannot separate."""
    n = lp.shape[0]
    ko = np.argsort(lp)
    if strata.any():
        ko = ko[np.argsort(strata[ko], kind="stable")]
    lps, sts = lp[ko], strata[ko]
    brk = np.ones(n, dtype=bool)
    brk[1:] = (lps[1:] != lps[:-1]) | (sts[1:] != sts[:-1])
    rank = np.empty(n, dtype=np.int64)
    rank[ko] = np.cumsum(brk) - 1
    coord = pay_row >> 1
    kbits, cbits, rbits = int(rank.max()).bit_length(), int(coord.max()).bit_length(), max(1, (n - 1).bit_length())
    if kbits + cbits + rbits <= 64:  # one packed sort of (rank, coordinate, row)
        key = (rank.astype(np.uint64) << np.uint64(cbits + rbits)) | (coord.astype(np.uint64) << np.uint64(rbits))
        key |= np.arange(n, dtype=np.uint64)
        key.sort()
        rows = (key & np.uint64((1 << rbits) - 1)).astype(np.int64)
    else:
        rows = np.lexsort((coord, rank))
    rr = rank[rows]
    tie_start = np.ones(n, dtype=bool)
    tie_start[1:] = rr[1:] != rr[:-1]
    return _Order(rows, True, None if tie_start.all() else tie_start)


def _equal_score_sums(
    tie_start: BoolArray, coord: IntArray, w: FloatArray, wev: FloatArray
) -> tuple[FloatArray, FloatArray, float]:
    """Per row, in key order: weight of the rows with the same (stratum, score) and a smaller coordinate (pairs
    with a tied score in which the row is the event), weight of such events with a larger coordinate (in which
    the row is at risk), and R's ``tied.xy`` (pairs of tied events with tied scores)."""
    n = coord.shape[0]
    run_start = tie_start.copy()
    run_start[1:] |= coord[1:] != coord[:-1]
    gstarts, rstarts = np.flatnonzero(tie_start), np.flatnonzero(run_start)
    gid, rid = np.cumsum(tie_start) - 1, np.cumsum(run_start) - 1
    cw = np.concatenate(([0.0], np.cumsum(w)))
    cwe = np.concatenate(([0.0], np.cumsum(wev)))
    eq_event = cw[rstarts[rid]] - cw[gstarts[gid]]
    eq_at_risk = cwe[np.append(gstarts[1:], n)[gid]] - cwe[np.append(rstarts[1:], n)[rid]]
    tot = np.bincount(rid, weights=wev)
    sq = np.bincount(rid, weights=wev * w)
    return eq_event, eq_at_risk, float(((tot * tot - sq) / 2).sum())


@dataclass(frozen=True, slots=True)
class _Tables:
    """Per coordinate: total weight and event weight there, the comparable weight of an event there (its
    at-risk weight within its stratum), and ``i0 + i1 + i2`` of a row there (index ``2 coord + event``)."""

    total: FloatArray
    total_ev: FloatArray
    at_risk: FloatArray
    influence_sum: FloatArray
    later_strata_ev: FloatArray | None  # per stratum: event weight of the later strata (None for one stratum)
    tied_y: float


def _tables(ca: CoxArrays, strata: IntArray, unit: bool) -> tuple[_Tables, IntArray, IntArray]:
    """Per-coordinate tables from the tie groups (O(groups) work), each row's ``2 coord + event - 3 event`` and
    the number of rows per stratum."""
    n = ca.event.shape[0]
    w, d = ca.weight, ca.death_rows
    ngroups, nruns = ca.group_start.shape[0], ca.run_start.shape[0]
    gsize = np.diff(ca.group_start, append=n)
    gw = gsize.astype(np.float64) if unit else np.add.reduceat(w, ca.group_start)
    run_ev = np.diff(ca.run_start, append=d.shape[0]).astype(np.float64)
    if not unit and nruns:
        run_ev = np.add.reduceat(w[d], ca.run_start)
    gd = np.zeros(ngroups)
    gd[ca.run_group] = run_ev
    runs_before = np.zeros(ngroups + 1, dtype=np.int64)  # runs in the tie groups before each group
    np.cumsum(np.bincount(ca.run_group, minlength=ngroups), out=runs_before[1:])
    coord0 = runs_before[:-1]  # coordinate of a censored row; an event's is one more
    base = np.repeat(2 * coord0, gsize)  # 2 coord + event = base + 3 event
    ncoord = nruns + 1
    total_ev = np.zeros(ncoord)
    total_ev[1:] = run_ev
    total = np.asarray(np.bincount(coord0, weights=gw - gd, minlength=ncoord), dtype=np.float64) + total_ev
    gstrat = strata[ca.group_start]
    nstrata = int(gstrat.max()) + 1 if ngroups else 1
    w_str = np.bincount(gstrat, weights=gw, minlength=nstrata)
    ev_str = np.asarray(np.bincount(gstrat, weights=gd, minlength=nstrata), dtype=np.float64)
    at_risk = np.zeros(ncoord)
    at_risk[1:] = (np.cumsum(total) - total)[1:] - (np.cumsum(w_str) - w_str)[gstrat[ca.run_group]]
    above_ev = np.cumsum(total_ev[::-1])[::-1] - total_ev
    infl = np.empty(2 * ncoord)
    infl[::2] = above_ev
    infl[1::2] = above_ev + at_risk
    sq = gd if unit else np.bincount(ca.group_of_row[d], weights=w[d] ** 2, minlength=ngroups)
    tables = _Tables(
        total, total_ev, at_risk, infl, np.cumsum(ev_str[::-1])[::-1] - ev_str if nstrata > 1 else None,
        float(((gd * gd - sq) / 2).sum()),
    )
    return tables, base, np.bincount(gstrat, weights=gsize, minlength=nstrata).astype(np.int64)


def concordance(ca: CoxArrays, lp: FloatArray, strata: IntArray, cluster: IntArray | None) -> ConcordanceArrays:
    """Counts, C and its standard error (influence based, by cluster when given), as R survival 3.5.

    ``lp`` and ``strata`` and ``cluster`` are in the kernel's sorted row order.  A pair is comparable when the
    earlier time is an event and the other subject is still at risk (a censoring at the same time counts as at
    risk, a tied event does not).  Before R's ``reverse=TRUE`` flip, ``c0`` counts pairs where the subject at risk
    has the larger ``lp``; after it, pairs where the event has the larger risk score are "concordant".

    Two sweeps over the rows in score order, chunk by chunk: the first gets the dominance sums and ``i0`` (and the
    counts), the second R's influence ``dfbeta = w ((i0 - i1) - somer (i0 + i1 + i2)) / npair`` with
    ``i0 - i1 = 2 i0 + i2 - (i0 + i1 + i2)`` and ``i0 + i1 + i2`` from the per-coordinate tables.
    """
    n = lp.shape[0]
    w = ca.weight
    unit = bool(np.all(w == 1.0))
    tab, base, per_stratum = _tables(ca, strata, unit)
    sbits = (per_stratum.shape[0] - 1).bit_length()
    o = _order(lp, strata, sbits, base, ca.event, need_rows=not unit or cluster is not None)
    pay = base.take(o.pay) + 3 * ca.event.take(o.pay) if o.by_row else o.pay  # 2 coord + event, in score order
    wk = None if unit else w.take(o.pay)  # (rows always follow the order when there are weights)
    twice_i0 = np.empty(n)  # 2 i0 (+ i2 with tied scores), in score order
    c0 = 0.0
    for lo, hi, below_after, above_before in dominance.Sweep(pay, wk, tab.total.shape[0], _LOCAL, tab.total):
        ev = (pay[lo:hi] & 1).astype(np.float64)
        c0 += float(below_after @ (ev if wk is None else ev * wk[lo:hi]))
        below_after *= ev
        below_after += above_before
        np.multiply(below_after, 2.0, out=twice_i0[lo:hi])
    c2 = tied_xy = 0.0
    if o.tie_start is not None:
        ev_k = (pay & 1).astype(np.float64)
        w_k = np.ones(n) if wk is None else wk
        eq_event, eq_at_risk, tied_xy = _equal_score_sums(o.tie_start, pay >> 1, w_k, ev_k * w_k)
        c2 = float((ev_k * w_k) @ eq_event)
        twice_i0 += eq_at_risk + ev_k * eq_event  # + i2
    c1 = float(tab.total_ev @ tab.at_risk) - c0 - c2
    counts = np.array([c1, c0, c2, tab.tied_y - tied_xy, tied_xy])
    npair = c0 + c1 + c2
    if npair <= 0:
        return ConcordanceArrays(counts, float("nan"), float("nan"))
    somer = (c0 - c1) / npair
    return ConcordanceArrays(
        counts, 1.0 - (somer + 1) / 2, _influence_std(o, tab, pay, wk, per_stratum, twice_i0, somer, cluster) / npair,
    )


def _influence_std(
    o: _Order, tab: _Tables, pay: IntArray, wk: FloatArray | None, per_stratum: IntArray, twice_i0: FloatArray,
    somer: float, cluster: IntArray | None,
) -> float:
    """``npair`` times R's influence-based standard error: sqrt(sum of squared dfbeta / 4), dfbeta summed by
    cluster when given (the rows then follow the order).  ``twice_i0`` is overwritten with ``npair dfbeta``."""
    n = twice_i0.shape[0]
    strat = None if tab.later_strata_ev is None else np.repeat(tab.later_strata_ev, per_stratum)
    sq = 0.0
    for lo in range(0, n, _LOCAL):  # in cache-sized pieces
        hi = min(n, lo + _LOCAL)
        dfb = tab.influence_sum.take(pay[lo:hi])  # i0 + i1 + i2
        if strat is not None:
            dfb -= strat[lo:hi]
        dfb *= -(1.0 + somer)
        dfb += twice_i0[lo:hi]
        if wk is not None:
            dfb *= wk[lo:hi]
        twice_i0[lo:hi] = dfb
        sq += float(dfb @ dfb)
    if cluster is not None:
        by_cluster = np.bincount(cluster.take(o.pay), weights=twice_i0)
        sq = float(by_cluster @ by_cluster)
    return float(np.sqrt(sq / 4))

"""Two-dimensional dominance sums: for points in a given total order, each with an integer coordinate and an
event flag,

* ``below_after[e]``  = sum of ``w[a]`` over the points ``a`` after ``e`` with ``coord[a] < coord[e]``,
* ``above_before[e]`` = sum of ``w[a]`` over the *events* ``a`` before ``e`` with ``coord[a] > coord[e]``.

This is the pair count behind Harrell's concordance (``cox_concordance``): the order is the risk score, the
coordinate the time.  Pure NumPy, no loop over points or coordinates, memory O(n):

* The points are swept in chunks of at most ``chunk`` (the working set then stays in the CPU cache).  Pairs in
  different chunks come from running per-coordinate totals of the chunks before and after (one prefix sum over
  the coordinates per chunk; with very many coordinates the chunks grow so that this work stays O(n)).
* Inside a chunk the coordinates are renumbered densely (``0 .. D-1``, ``S`` bits) and the pairs are counted by
  divide and conquer over the coordinate bits, most significant first: at bit ``h`` every point whose bit is 0
  adds the points before it that agree on the higher bits and have bit ``h`` set; then the whole chunk is
  stably partitioned by bit ``h`` (zeros first), which keeps the points that agree on the higher bits together
  and in order.  One cumulative sum gives both the partition ranks and the counts.  The counts it gives also
  include the points of the groups placed earlier; that excess depends only on the coordinate and is removed at
  the end (:func:`_earlier_ones`).
* With unit weights everything is exact unsigned integer arithmetic: two counters are packed in one word (16-bit
  fields in 32-bit words for chunks below 65536 points, 32-bit fields in 64-bit words beyond), and the packed
  corrections are exact modulo the word size.  With case weights the same partition carries the weights and two
  floating-point sums.
* ``below_after`` follows from counts of the other kind: of the points before ``e``, those with a larger
  coordinate are counted, those with an equal one are ``e``'s rank within its coordinate, the rest are below.

Points are passed as ``pay = 2 * coord + event`` (one integer per point).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

CHUNK = 1 << 15  # points per chunk: the partition levels then work in the L2 cache
_SLACK = 1 << 16  # the cross-chunk prefix sums may visit up to 2 n + this many coordinates


@dataclass(frozen=True, slots=True)
class _Word:
    """Unsigned word holding two counter fields of ``bits`` bits each."""

    dtype: type[np.unsignedinteger[Any]]
    bits: int

    def pair(self) -> Any:
        return self.dtype(1 | (1 << self.bits))

    def low(self) -> Any:
        return self.dtype((1 << self.bits) - 1)


_W32 = _Word(np.uint32, 16)
_W64 = _Word(np.uint64, 32)


@lru_cache(maxsize=64)
def _bit_reversal(s_bits: int) -> IntArray:
    """``r`` with the ``s_bits`` bits of ``c`` reversed, for every ``c``; the partition leaves the coordinates in
    this order (the zeros of each bit first, over the whole chunk, most significant bit first)."""
    a = np.arange(1 << s_bits, dtype=np.int64)
    r = np.zeros_like(a)
    for i in range(s_bits):
        r |= ((a >> i) & 1) << (s_bits - 1 - i)
    return r


def _earlier_ones(hist: NDArray[Any], s_bits: int) -> NDArray[Any]:
    """Per local coordinate ``c``, summed over the bits ``h`` where ``c`` has a 0: the (packed or weighted) total
    of the points with bit ``h`` set in the groups that the partition has placed before the group of ``c``.  The
    chunk-wide cumulative sums count these on top of the points of the own group.

    In bit-reversed coordinates ``r`` (bit ``j = s_bits - 1 - h``) the groups are the residues ``r mod 2**j`` in
    increasing order, so the total is ``sum over j with bit j of r clear of G_j[< r mod 2**j]`` with ``G_j[y]``
    the points with ``r mod 2**(j+1) = 2**j + y``: folds of the histogram give every ``G_j``, and the sum is
    built up one bit at a time (O(2**s_bits) work, contiguous halves)."""
    rev = _bit_reversal(s_bits)
    folds = [hist.take(rev)]
    for _ in range(s_bits):  # folds[i]: the histogram over r modulo 2**(s_bits - i)
        f = folds[-1]
        half = f.shape[0] // 2
        folds.append(f[:half] + f[half:])
    acc = np.zeros(1, dtype=hist.dtype)
    for j in range(s_bits):
        g = folds[s_bits - 1 - j][1 << j :]
        prefix = np.cumsum(g)
        prefix -= g
        acc = np.concatenate((acc + prefix, acc))
    return acc.take(rev)


def _targets(cs: NDArray[Any], zero: NDArray[Any], word: _Word, ar: NDArray[Any], tmp: NDArray[Any]) -> None:
    """Stable partition targets, in place of ``cs`` (the inclusive packed counts of the points with the bit set):
    a zero goes to its position minus the ones before it, a one after all zeros.  ``zero`` is all ones at zeros."""
    np.bitwise_and(cs, word.low(), out=cs)
    last = word.dtype(cs.shape[0] - int(cs[-1]) - 1)
    np.add(cs, last, out=tmp)  # target of a one
    np.subtract(ar, cs, out=cs)  # target of a zero
    np.subtract(cs, tmp, out=cs)
    np.bitwise_and(cs, zero, out=cs)
    np.add(cs, tmp, out=cs)


def _unit_levels(w: NDArray[Any], s_bits: int, word: _Word) -> tuple[NDArray[Any], IntArray, NDArray[Any]]:
    """Partition levels with unit weights on ``w = coord | (coord if event) << bits``.  Returns the packed counts
    (points in the low field, events in the high field, before the correction), each point's position in the
    final order, and the points' coordinates, all in the order before the last partition."""
    m = w.shape[0]
    dt = word.dtype
    ar = np.arange(m, dtype=dt)
    acc = np.zeros(m, dtype=dt)
    w_new, acc_new = np.empty_like(w), np.empty_like(acc)
    v, cs, tmp = np.empty_like(w), np.empty_like(w), np.empty_like(w)
    dest = np.empty(m, dtype=np.int64)
    for h in range(s_bits - 1, -1, -1):
        np.right_shift(w, dt(h), out=v)
        np.bitwise_and(v, word.pair(), out=v)  # bit h | (bit h of an event) << bits
        np.cumsum(v, out=cs)
        np.bitwise_and(v, dt(1), out=v)
        np.subtract(v, dt(1), out=v)  # all ones where bit h is 0
        np.bitwise_and(cs, v, out=tmp)
        np.add(acc, tmp, out=acc)
        _targets(cs, v, word, ar, tmp)
        dest[:] = cs
        if h == 0:
            break
        w_new[dest] = w
        acc_new[dest] = acc
        w, w_new = w_new, w
        acc, acc_new = acc_new, acc
    return acc, dest, np.bitwise_and(w, word.low())


def _weighted_levels(w: NDArray[Any], wt: FloatArray, s_bits: int, word: _Word) -> tuple[NDArray[Any], ...]:
    """Partition levels with case weights, down to the final order.  Returns the weighted sums before the
    correction (points, events), the weights and the coordinates, all in the final order."""
    m = w.shape[0]
    dt = word.dtype
    ar = np.arange(m, dtype=dt)
    wt = wt.copy()  # the buffers are swapped each level: never write into the caller's array
    sa, se = np.zeros(m), np.zeros(m)
    w_new, wt_new, sa_new, se_new = np.empty_like(w), np.empty(m), np.empty(m), np.empty(m)
    v, cs, tmp = np.empty_like(w), np.empty_like(w), np.empty_like(w)
    fa, fe = np.empty(m), np.empty(m)
    dest = np.empty(m, dtype=np.int64)
    for h in range(s_bits - 1, -1, -1):
        np.right_shift(w, dt(h), out=v)
        np.bitwise_and(v, word.pair(), out=v)
        np.cumsum(v, out=cs)
        np.right_shift(v, dt(word.bits), out=tmp)
        np.multiply(wt, tmp, out=fe)
        np.cumsum(fe, out=fe)  # weight of the events with bit h set, so far
        np.bitwise_and(v, dt(1), out=v)
        np.multiply(wt, v, out=fa)
        np.cumsum(fa, out=fa)  # weight of the points with bit h set, so far
        np.subtract(v, dt(1), out=v)
        zero = v.astype(bool)
        sa += np.multiply(fa, zero, out=fa)
        se += np.multiply(fe, zero, out=fe)
        _targets(cs, v, word, ar, tmp)
        dest[:] = cs
        w_new[dest] = w
        wt_new[dest] = wt
        sa_new[dest] = sa
        se_new[dest] = se
        w, w_new, wt, wt_new, sa, sa_new, se, se_new = w_new, w, wt_new, wt, sa_new, sa, se_new, se
    return sa, se, wt, np.bitwise_and(w, word.low())


def chunk_length(n: int, ncoord: int, chunk: int = CHUNK) -> int:
    """Points per chunk for ``n`` points with coordinates ``< ncoord``: ``chunk``, or more when the cross-chunk
    prefix sums (chunks x coordinates) would otherwise exceed O(n)."""
    size = max(2, chunk)
    budget = 2 * n + _SLACK
    if -(-n // size) * ncoord > budget:
        size = -(-n // max(1, budget // ncoord))
    return size


class Sweep:
    """The points in chunks, in order: iterating gives ``(lo, hi, below_after, above_before)`` per chunk, the
    sums in chunk order.  ``pay = 2 * coord + event`` per point; ``weight=None`` means unit weights.

    ``total`` (optional, else counted here): per coordinate, the (weighted) number of points.
    """

    def __init__(
        self, pay: IntArray, weight: FloatArray | None, ncoord: int, chunk: int = CHUNK,
        total: FloatArray | None = None,
    ) -> None:
        self.pay, self.weight, self.ncoord = pay, weight, ncoord
        self.size = chunk_length(pay.shape[0], ncoord, chunk)
        self.word = _W32 if self.size < (1 << 16) else _W64
        if total is None:
            h2 = np.asarray(np.bincount(pay, weights=weight, minlength=2 * ncoord), dtype=np.float64)
            total = h2[::2] + h2[1::2]
        self.total = total
        self.seen = np.zeros(ncoord)  # per coordinate: the chunks already swept
        self.seen_ev = np.zeros(ncoord)

    def __iter__(self) -> Iterator[tuple[int, int, FloatArray, FloatArray]]:
        n = self.pay.shape[0]
        self.seen[:] = 0.0
        self.seen_ev[:] = 0.0
        for lo in range(0, n, self.size):
            hi = min(n, lo + self.size)
            yield lo, hi, *self._chunk(lo, hi)

    def _chunk(self, lo: int, hi: int) -> tuple[FloatArray, FloatArray]:
        pay = self.pay[lo:hi]
        wt = None if self.weight is None else self.weight[lo:hi]
        nc = self.ncoord
        h2 = np.bincount(pay, minlength=2 * nc)
        cnt = h2[::2] + h2[1::2]
        if wt is not None:
            h2 = np.bincount(pay, weights=wt, minlength=2 * nc)
        h_ev = np.asarray(h2[1::2], dtype=np.float64)
        h_all = h2[::2] + h_ev
        after = self.total - self.seen
        after -= h_all
        cross_below = np.cumsum(after)
        cross_below -= after  # later chunks, smaller coordinate
        cross_above = np.cumsum(self.seen_ev[::-1])[::-1]
        cross_above -= self.seen_ev  # earlier chunks, larger coordinate
        self.seen += h_all
        self.seen_ev += h_ev
        present = cnt > 0
        d = int(np.count_nonzero(present))
        if d <= 1:  # one coordinate: no pairs within the chunk
            return cross_below.take(pay >> 1), cross_above.take(pay >> 1)
        return self._within(pay, wt, present, d, cnt, h_all, h_ev, cross_below, cross_above)

    def _within(
        self, pay: IntArray, wt: FloatArray | None, present: BoolArray, d: int, cnt: IntArray, h_all: FloatArray,
        h_ev: FloatArray, cross_below: FloatArray, cross_above: FloatArray,
    ) -> tuple[FloatArray, FloatArray]:
        word = self.word
        s_bits = (d - 1).bit_length()
        nloc = 1 << s_bits
        rank = np.cumsum(present, dtype=np.int64)
        rank -= 1
        local = np.empty(2 * rank.shape[0], dtype=word.dtype)  # payload -> packed local coordinate
        local[::2] = rank
        local[1::2] = rank | (rank << word.bits)
        w = local.take(pay)
        rev = _bit_reversal(s_bits)  # the final order lists the coordinates by their reversed bits
        count = np.zeros(nloc, dtype=np.int64)
        count[:d] = cnt[present]
        hist = np.zeros(nloc)
        hist[:d] = h_all[present]
        sz = count.take(rev)
        first = np.empty(nloc, dtype=np.int64)
        first[rev] = np.cumsum(sz) - sz  # first position of each coordinate in the final order
        below = np.cumsum(hist)
        below -= hist  # (weighted) points of the chunk with a smaller coordinate
        tab_a = np.zeros(nloc)
        tab_a[:d] = cross_above[present]
        tab_b = below
        tab_b[:d] += cross_below[present]
        if wt is None:  # sort key: the point's group in the order before the last partition (bits above 0)
            key = np.empty(2 * rank.shape[0], dtype=word.dtype)
            key[::2] = rev.take(rank) & ((nloc >> 1) - 1)
            key[1::2] = key[::2]
            kp = _sorted_positions(key.take(pay), word)
            acc, dest, clo = _unit_levels(w, s_bits, word)
            clo = _idx(clo)
            hev = np.zeros(nloc, dtype=np.int64)
            hev[:d] = h_ev[present]
            corr = _earlier_ones(count + (hev << word.bits), s_bits)
            if word.bits == 16:
                corr &= 0xFFFFFFFF  # the packed sums are exact modulo the word size
            acc -= corr.astype(word.dtype).take(clo)
            dest -= kp
            tab_b -= first
            ba = tab_b.take(clo)
            ba += dest
            ba += np.bitwise_and(acc, word.low())
            ab = tab_a.take(clo)
            ab += np.right_shift(acc, word.dtype(word.bits))
        else:  # sort key: the point's place in the final order
            key = np.empty(2 * rank.shape[0], dtype=word.dtype)
            key[::2] = rev.take(rank)
            key[1::2] = key[::2]
            kp = _sorted_positions(key.take(pay), word)
            hev_w = np.zeros(nloc)
            hev_w[:d] = h_ev[present]
            sa, se, w0, clo = _weighted_levels(w, wt, s_bits, word)
            clo = _idx(clo)
            tab_b -= _earlier_ones(hist, s_bits)
            tab_a -= _earlier_ones(hev_w, s_bits)
            cw = np.cumsum(w0)
            cw -= w0  # weight before, in the final order (each coordinate contiguous, in chunk order)
            ba = tab_b.take(clo)
            ba += sa
            ba += cw
            ba -= cw.take(first.take(clo))  # + weight of the same coordinate earlier in the chunk
            before = np.cumsum(wt)
            before -= wt  # weight earlier in the chunk, in chunk order
            ba -= before.take(kp)
            ab = tab_a.take(clo)
            ab += se
        out_b, out_a = np.empty(pay.shape[0]), np.empty(pay.shape[0])
        out_b[kp] = ba
        out_a[kp] = ab
        return out_b, out_a


def _idx(a: NDArray[Any]) -> NDArray[Any]:
    """Unsigned 64-bit indices as int64 (``take`` refuses them; the values are far below 2**63)."""
    return a.view(np.int64) if a.dtype == np.uint64 else a


def _sorted_positions(group: NDArray[Any], word: _Word) -> IntArray:
    """Chunk positions of the points, listed by (group, position): one sort of ``group << bits | position``."""
    np.left_shift(group, word.dtype(word.bits), out=group)
    np.bitwise_or(group, np.arange(group.shape[0], dtype=word.dtype), out=group)
    group.sort()
    np.bitwise_and(group, word.low(), out=group)
    return group.astype(np.int64)


def dominance_sums(
    coord: IntArray, event: BoolArray, weight: FloatArray | None, *, chunk: int = CHUNK
) -> tuple[FloatArray, FloatArray]:
    """``(below_after, above_before)`` for points in the given order (see the module docstring).

    ``coord`` holds integers ``>= 0``; ``weight=None`` means unit weights (exact integer counting).  ``chunk``
    (points per chunk) is a tuning knob: any value gives the same result.
    """
    n = coord.shape[0]
    below_after, above_before = np.zeros(n), np.zeros(n)
    if n == 0:
        return below_after, above_before
    for lo, hi, ba, ab in Sweep(2 * coord + event, weight, int(coord.max()) + 1, chunk):
        below_after[lo:hi], above_before[lo:hi] = ba, ab
    return below_after, above_before

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
def _group_orders(s_bits: int) -> tuple[IntArray, ...]:
    """``out[j]``: the groups ``coord >> (s_bits - j)`` in the order the partition leaves them after ``j`` bits
    (the zeros of each bit first, over the whole chunk: bit-reversed order)."""
    out = [np.zeros(1, dtype=np.int64)]
    for _ in range(s_bits):
        prev = out[-1]
        out.append(np.concatenate((2 * prev, 2 * prev + 1)))
    return tuple(out)


def _earlier_ones(hist: NDArray[Any], s_bits: int) -> NDArray[Any]:
    """Per local coordinate, summed over the bits ``h`` where it has a 0: the (packed or weighted) total of the
    points with bit ``h`` set in the groups that the partition has placed before its own group.  The chunk-wide
    cumulative sums count these on top of the points of the own group."""
    orders = _group_orders(s_bits)
    sums = [hist]
    for _ in range(s_bits):
        sums.append(sums[-1].reshape(-1, 2).sum(axis=1))
    corr = np.zeros_like(hist)
    for h in range(s_bits - 1, -1, -1):
        order = orders[s_bits - 1 - h]
        ones = sums[h][1::2].take(order)
        before = np.empty_like(ones)
        before[order] = np.cumsum(ones) - ones
        corr.reshape(-1, 1 << (h + 1))[:, : 1 << h] += before[:, None]
    return corr


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
    """Chunks of the points, in order: :meth:`chunk` returns the sums of one chunk and remembers its totals.

    ``total``, ``total_ev``: per coordinate, the (weighted) number of points and of events over all chunks.
    """

    def __init__(self, total: FloatArray, total_ev: FloatArray) -> None:
        self.total = total
        self.seen = np.zeros_like(total)  # totals of the chunks already swept
        self.seen_ev = np.zeros_like(total)

    def chunk(self, pay: IntArray, weight: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        """``(below_after, above_before)`` of the next chunk, ``pay = 2 * coord + event``, in chunk order."""
        nc = self.total.shape[0]
        if weight is None:
            h2 = np.bincount(pay, minlength=2 * nc).astype(np.float64)
        else:
            h2 = np.asarray(np.bincount(pay, weights=weight, minlength=2 * nc), dtype=np.float64)
        h_ev = h2[1::2]
        h_all = h2[::2] + h_ev
        after = self.total - self.seen - h_all
        cross_below = np.cumsum(after) - after  # later chunks, smaller coordinate
        cross_above = np.cumsum(self.seen_ev[::-1])[::-1] - self.seen_ev  # earlier chunks, larger coordinate
        self.seen += h_all
        self.seen_ev += h_ev
        return _chunk_sums(pay, weight, h_all, h_ev, cross_below, cross_above)


def _chunk_sums(
    pay: IntArray, weight: FloatArray | None, h_all: FloatArray, h_ev: FloatArray, cross_below: FloatArray,
    cross_above: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    m = pay.shape[0]
    count = np.bincount(pay >> 1, minlength=h_all.shape[0]) if weight is not None else h_all
    present = count > 0
    d = int(np.count_nonzero(present))
    out_b, out_a = np.empty(m), np.empty(m)
    if d <= 1:  # one coordinate: nothing within the chunk
        np.take(cross_below, pay >> 1, out=out_b)
        np.take(cross_above, pay >> 1, out=out_a)
        return out_b, out_a
    s_bits = (d - 1).bit_length()
    word = _W32 if m < (1 << 16) else _W64
    rank = np.cumsum(present, dtype=np.int64) - 1
    local = np.empty(2 * rank.shape[0], dtype=word.dtype)  # payload -> coord | (coord if event) << bits
    local[::2] = rank
    local[1::2] = rank | (rank << word.bits)
    w = local.take(pay)
    hist = np.zeros(1 << s_bits)
    hist[:d] = h_all[present]
    cnt = np.zeros(1 << s_bits)
    cnt[:d] = count[present]
    order0 = _group_orders(s_bits)[s_bits]
    size0 = cnt[order0]
    start = np.empty_like(hist)
    start[order0] = np.cumsum(size0) - size0  # first position of each coordinate in the final order
    rank0 = np.empty(1 << s_bits, dtype=word.dtype)
    rank0[order0] = np.arange(1 << s_bits, dtype=word.dtype)
    below = np.cumsum(hist) - hist  # (weighted) points with a smaller coordinate
    tab_b = np.zeros(1 << s_bits)
    tab_a = np.zeros(1 << s_bits)
    tab_b[:d] = cross_below[present]
    tab_a[:d] = cross_above[present]
    if weight is None:
        kp, clo, ba, ab = _unit_chunk(w, h_ev[present], hist, start, below, rank0, s_bits, word)
    else:
        hev = np.zeros(1 << s_bits)
        hev[:d] = h_ev[present]
        kp, clo, ba, ab = _weighted_chunk(w, weight, hist, hev, cnt, start, below, rank0, s_bits, word)
    ba += tab_b.take(clo)
    ab += tab_a.take(clo)
    out_b[kp] = ba
    out_a[kp] = ab
    return out_b, out_a


def _idx(a: NDArray[Any]) -> NDArray[Any]:
    """Unsigned 64-bit indices as int64 (``take`` refuses them; the values are far below 2**63)."""
    return a.view(np.int64) if a.dtype == np.uint64 else a


def _positions(cl: NDArray[Any], rank0: NDArray[Any], s_bits: int, word: _Word, before_last: bool) -> IntArray:
    """Chunk positions of the points, listed in the final order (or the order before the last partition)."""
    key = rank0.take(_idx(cl))
    if before_last:
        np.bitwise_and(key, word.dtype((1 << (s_bits - 1)) - 1), out=key)
    np.left_shift(key, word.dtype(word.bits), out=key)
    np.bitwise_or(key, np.arange(cl.shape[0], dtype=word.dtype), out=key)
    key.sort()
    np.bitwise_and(key, word.low(), out=key)
    return key.astype(np.int64)


def _unit_chunk(
    w: NDArray[Any], h_ev: FloatArray, hist: FloatArray, start: FloatArray, below: FloatArray,
    rank0: NDArray[Any], s_bits: int, word: _Word,
) -> tuple[IntArray, NDArray[Any], FloatArray, FloatArray]:
    dt = word.dtype
    kp = _positions(np.bitwise_and(w, word.low()), rank0, s_bits, word, before_last=True)
    acc, dest, clo = _unit_levels(w, s_bits, word)
    clo = _idx(clo)
    hev = np.zeros(1 << s_bits, dtype=np.int64)
    hev[: h_ev.shape[0]] = h_ev
    corr = _earlier_ones(hist.astype(np.int64) + (hev << word.bits), s_bits)
    if word.bits == 16:
        corr &= 0xFFFFFFFF  # the packed sums are exact modulo the word size
    acc -= corr.astype(dt).take(clo)
    dest -= kp
    ba = (below - start).take(clo)
    ba += dest
    ba += np.bitwise_and(acc, word.low())
    return kp, clo, ba, np.right_shift(acc, dt(word.bits)).astype(np.float64)


def _weighted_chunk(
    w: NDArray[Any], wt: FloatArray, hist: FloatArray, hist_ev: FloatArray, count: FloatArray, first: FloatArray,
    below: FloatArray, rank0: NDArray[Any], s_bits: int, word: _Word,
) -> tuple[IntArray, NDArray[Any], FloatArray, FloatArray]:
    kp = _positions(np.bitwise_and(w, word.low()), rank0, s_bits, word, before_last=False)
    sa, se, w0, clo = _weighted_levels(w, wt, s_bits, word)
    clo = _idx(clo)
    sa -= _earlier_ones(hist, s_bits).take(clo)
    se -= _earlier_ones(hist_ev, s_bits).take(clo)
    cw = np.cumsum(w0)
    cw -= w0  # weight before, in the final order (each coordinate contiguous, in chunk order)
    used = count > 0
    first_w = np.zeros(1 << s_bits)
    first_w[used] = cw[first[used].astype(np.int64)]
    before = np.cumsum(wt) - wt  # weight earlier in the chunk, in chunk order
    ba = below.take(clo)
    ba -= before.take(kp)
    ba += cw
    ba -= first_w.take(clo)  # + weight of the same coordinate earlier in the chunk
    ba += sa
    return kp, clo, ba, se


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
    ncoord = int(coord.max()) + 1
    pay = 2 * coord + event
    ev_w = event.astype(np.float64) if weight is None else weight * event
    sweep = Sweep(
        np.bincount(coord, weights=weight, minlength=ncoord).astype(np.float64),
        np.asarray(np.bincount(coord, weights=ev_w, minlength=ncoord), dtype=np.float64),
    )
    size = chunk_length(n, ncoord, chunk)
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        below_after[lo:hi], above_before[lo:hi] = sweep.chunk(pay[lo:hi], None if weight is None else weight[lo:hi])
    return below_after, above_before

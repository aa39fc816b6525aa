"""Risk sets of arbitrary floating-point times from two value sorts, without ``np.unique`` or ``argsort``.

Times that are not whole numbers (or whose range is too wide to count directly) have to be sorted. Sorting the
values of a float64 or int64 array is several times faster than ``argsort`` or ``np.unique(return_inverse=True)``,
so the rows are put in time order without ever forming a permutation:

* each row's key is its time's bit pattern as int64 (monotone in the value for times >= 0) with the lowest ``k``
  mantissa bits replaced by a payload ``(block * g + column) * 2 + event``; one ``np.sort`` of the keys puts every
  row's payload in time order. Dropping ``k`` mantissa bits can only make equal times that differ by less than
  ``t * 2**(k - 52)``, which is below R's ``aeqSurv`` tolerance ``2**-26`` while ``max(t) < 2**(26 - k)``: such
  times are tied in R as well;
* one ``np.sort`` of the exact times gives, at every position of the sorted keys, the exact time of a row with the
  same truncated time. R's near-tie rule (``survival::aeqSurv``, as
  :func:`~gistreg.stats._kernels.counting.merge_near_ties`) is applied to neighbouring exact values: a new
  distinct time starts where the gap to the previous value exceeds :func:`tie_threshold`. A gap that large is
  never inside a run of equal truncated times, so every such run lies inside one distinct time;
* counts per (distinct time, column, event) and the numbers at risk come from running sums over the sorted
  payloads, several small counters packed into each int64 (:class:`SegmentCounts`), read at the bounds of the
  distinct times.

The counts built here are identical to those of :func:`~gistreg.stats._kernels.counting.risk_set_table` (same
times, rows and counts). Weighted rows, too many payload bits or times reaching ``2**(26 - k)`` are declined
(``None``) and take that route.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gistreg.stats._kernels.counting import TIME_TOLERANCE, CurveCounts, FloatArray, IntArray, RiskSets

#: Most payload bits under a time.
PACKED_MAX_BITS = 8

#: Gaps between sorted times are formed in blocks of this many rows (they stay in cache).
GAP_CHUNK_ROWS = 1 << 15


@dataclass(frozen=True, slots=True)
class SortedRows:
    """The rows in time order, grouped into R's distinct (near-tie merged) times.

    Attributes
    ----------
    payload
        Shape (n,): ``(block * g + column) * 2 + event`` of each row, rows in time order.
    bounds
        Shape (M + 1,): distinct time ``i`` holds the rows ``bounds[i]:bounds[i + 1]`` (in time order);
        ``bounds[0] == 0`` and ``bounds[M] == n``.
    values
        Shape (M,): the distinct times, ascending (the smallest exact value of each run of near ties).
    """

    payload: IntArray
    bounds: IntArray
    values: FloatArray


def payload_bits(n_cells: int) -> int:
    """Bits of the payload ``(block * g + column) * 2 + event`` for ``n_cells = n_blocks * g``."""
    return max(1, (2 * n_cells - 1).bit_length())


def tie_threshold(scale: float, tol: float = TIME_TOLERANCE) -> float:
    """The largest gap ``dy >= 0`` that R's ``aeqSurv`` ties: ``dy <= tol or dy / scale <= tol`` iff ``dy <= x``.

    Floating-point division by a positive ``scale`` is monotone in ``dy``, so the gaps that pass
    ``dy / scale <= tol`` (as computed) are exactly those up to some ``x``; it is found from ``tol * scale`` by
    stepping one ulp at a time until the computed ratio crosses ``tol``.
    """
    x = tol * scale
    while x / scale <= tol:
        x = math.nextafter(x, math.inf)
    while x / scale > tol:
        x = math.nextafter(x, -math.inf)
    return max(tol, x)


def sort_rows(
    time: FloatArray,
    time_range: tuple[float, float],
    event: FloatArray,
    block: IntArray | None,
    n_blocks: int,
    column: IntArray | None,
    n_columns: int,
) -> SortedRows | None:
    """Put the rows in time order and find R's distinct times, or ``None`` when the packing does not apply.

    Preconditions: ``time`` finite float64 >= 0 with ``(min, max) = time_range``; ``event`` 0/1 float64; codes in
    range (``None`` for a single block or column); all of length n.

    Notes
    -----
    The key of a row is ``((bits(t) - base) >> drop) << k | payload``: ``bits(t)`` is the time's bit pattern as
    int64, ``base`` is that of the smallest positive time (minus 1 when there are zeros, which map to 0), so the
    times use only as many bits as their range of binary exponents needs. When that leaves room for the ``k``
    payload bits (``drop == 0``, the usual case) the sorted keys also give the exact sorted times and one sort is
    all it takes. Otherwise the lowest ``drop`` bits are dropped, which makes equal only times that differ by less
    than ``t * 2**(drop - 52)`` (below ``2**-26``, so tied in R as well, when ``max(t) < 2**(26 - drop)``), and the
    exact times are sorted separately. ``None`` when n is 0, the payload needs more than :data:`PACKED_MAX_BITS`
    bits or ``max(t) >= 2**(26 - drop)``.
    """
    n = time.shape[0]
    k = payload_bits(n_blocks * n_columns)
    t_min, t_max = time_range
    if n == 0 or k > PACKED_MAX_BITS:
        return None
    bits = time.view(np.int64)
    zeros = not t_min > 0
    if zeros:  # 0.0 or -0.0: the sign bit is cleared (-0.0 becomes 0.0)
        bits = np.bitwise_and(bits, (1 << 63) - 1)
        base = _min_positive_bits(bits) - 1 if t_max > 0 else 0
    else:
        base = _float_bits(t_min)
    span = _float_bits(t_max) - base if t_max > 0 else 0
    drop = max(0, span.bit_length() - (63 - k))
    if drop and not t_max < 2.0 ** (26 - drop):
        return None
    key = np.subtract(bits, base, out=bits if zeros else None)
    if zeros:
        np.maximum(key, 0, out=key)
    if drop:
        key >>= drop
    key <<= k
    code = event.astype(np.int64)  # the payload, then put into the low bits
    if column is not None and n_columns > 1:
        code += column
        code += column
    if block is not None and n_blocks > 1:
        code += np.multiply(block, 2 * n_columns, dtype=np.int64)
    key |= code
    key.sort()
    if drop:
        ts = np.sort(time)
    else:  # the exact times, from the sorted keys
        exact = np.right_shift(key, k, out=code)
        exact += base
        ts = exact.view(np.float64)
        if zeros:
            ts[: int(np.searchsorted(key, 1 << k))] = 0.0
    payload = np.bitwise_and(key, (1 << k) - 1, out=key)
    bounds = _distinct_time_bounds(ts)
    return SortedRows(payload, bounds, ts[bounds[:-1]])


def _float_bits(x: float) -> int:
    """The bit pattern of a float64 as a Python int."""
    return int(np.float64(x).view(np.int64))


def _min_positive_bits(bits: IntArray) -> int:
    """The smallest positive entry of non-negative ``bits`` (0 is skipped: ``0 - 1`` is the largest unsigned)."""
    return int(np.subtract(bits, 1).view(np.uint64).min()) + 1


def _distinct_time_bounds(ts: FloatArray) -> IntArray:
    """Bounds (as :attr:`SortedRows.bounds`) of R's distinct (near-tie merged) times in sorted exact times ``ts``.

    A new time starts where the gap to the previous value exceeds :func:`tie_threshold` of the mean of the
    distinct values (``mean(abs(unique(y)))`` in ``aeqSurv``; the values are >= 0, so ``abs`` could change only the
    sign of a zero, which does not change a sum of non-negative numbers that is not 0). Equal values have gap 0.
    The gaps are formed in cache-sized blocks of rows, twice: to find exact ties, then to compare.
    """
    n = ts.shape[0]
    flags = np.zeros(n + 1, dtype=bool)
    flags[0] = flags[n] = True
    if not ts[-1] > ts[0]:  # one distinct value
        return np.flatnonzero(flags)
    step = min(GAP_CHUNK_ROWS, n - 1)
    gaps = np.empty(step)
    blocks = [slice(lo, min(lo + step, n - 1)) for lo in range(0, n - 1, step)]  # gaps lo..hi-1: ts[lo+1] - ts[lo]

    def gap(b: slice) -> FloatArray:
        size = b.stop - b.start
        return np.subtract(ts[b.start + 1 : b.stop + 1], ts[b], out=gaps[:size])

    ties = any(not gap(b).min() > 0 for b in blocks)  # a loop over blocks of rows
    distinct = ts[np.concatenate(([True], ts[1:] != ts[:-1]))] if ties else ts
    threshold = tie_threshold(float(np.mean(distinct)))
    for b in blocks:  # a loop over blocks of rows
        np.greater(gap(b), threshold, out=flags[b.start + 1 : b.stop + 1])
    return np.flatnonzero(flags)


class SegmentCounts:
    """Rows and events per column of one block's rows, in each segment (distinct time) and before it.

    Parameters
    ----------
    q
        Shape (L,): ``column * 2 + event`` of the block's rows in time order (columns ``0..g-1``); may be
        overwritten.
    bounds
        Shape (m + 1,): segment ``i`` is ``bounds[i]:bounds[i + 1]``; ``bounds[0] == 0``, ``bounds[m] == L``.
    g
        Number of columns.

    Notes
    -----
    One running sum counts several quantities at once: a row adds ``1 << shift`` to each counter it belongs to,
    counters ``bits`` apart with ``2**bits > L`` (no counter carries into the next). The counters are the rows of
    columns ``0..g-2`` and the events of every column; the rows of the last column follow from the segment
    lengths. The sums are read at the segment bounds once (:attr:`at`: before each segment and after the last;
    :attr:`inside`: within each segment); :meth:`field` unpacks one counter.
    """

    def __init__(self, q: IntArray, bounds: IntArray, g: int) -> None:
        size = int(q.shape[0])
        bits = max(1, size.bit_length())
        per_word = 63 // bits
        counters = [("rows", j) for j in range(g - 1)] + [("events", j) for j in range(g)]
        self.g, self.size, self.bounds = g, size, bounds
        self._field: int = (1 << bits) - 1
        self._slot: dict[tuple[str, int], tuple[int, int, bool]] = {}  # counter -> (word, shift, masked)
        self.at: list[IntArray] = []
        self.inside: list[IntArray] = []
        running = np.empty(size + 1, dtype=np.int64)  # running[i]: the sums over the rows before row i
        running[0] = 0
        for word, first in enumerate(range(0, len(counters), per_word)):  # a loop over words of counters
            chunk = counters[first : first + per_word]
            lut = np.zeros(2 * g, dtype=np.int64)
            for slot, (kind, j) in enumerate(chunk):
                lut[2 * j + 1] += 1 << (bits * slot)
                if kind == "rows":
                    lut[2 * j] += 1 << (bits * slot)
                self._slot[(kind, j)] = (word, bits * slot, slot < len(chunk) - 1)
            if g == 1:  # the events alone: the categories 0/1 are their own increments
                np.cumsum(q, out=running[1:])
            else:
                np.take(lut, q, out=running[1:], mode="clip")
                np.cumsum(running[1:], out=running[1:])
            at = np.take(running, bounds, mode="clip")
            self.at.append(at)
            self.inside.append(np.subtract(at[1:], at[:-1]))

    def field(self, kind: str, j: int, x: IntArray | None = None, *, inside: bool = True) -> IntArray:
        """Counter ``(kind, j)`` unpacked from words ``x`` (default: all of :attr:`inside`, or of :attr:`at`
        without its last entry); always a new array."""
        word, shift, masked = self._slot[(kind, j)]
        if x is None:
            x = self.inside[word] if inside else self.at[word][:-1]
        out = np.right_shift(x, shift) if shift else x.copy()
        if masked:
            out &= self._field
        return out

    def word(self, kind: str, j: int) -> int:
        """The word that holds counter ``(kind, j)``."""
        return self._slot[(kind, j)][0]

    def total(self, j: int) -> int:
        """All rows of column ``j``."""
        if j < self.g - 1:
            word, shift, _ = self._slot[("rows", j)]
            return (int(self.at[word][-1]) >> shift) & self._field
        return self.size - sum(self.total(i) for i in range(self.g - 1))


def packed_curve_counts(
    time: FloatArray, time_range: tuple[float, float], event: FloatArray, column: IntArray | None, n_columns: int
) -> list[CurveCounts] | None:
    """Kaplan-Meier counts of each curve (column) at its own times, equal to ``RiskSetTable.curve_counts`` of the
    table ``risk_set_table(..., curves=True)`` builds; ``None`` when :func:`sort_rows` declines."""
    rows = sort_rows(time, time_range, event, None, 1, column, n_columns)
    if rows is None:
        return None
    g = n_columns
    sc = SegmentCounts(rows.payload, rows.bounds, g)
    starts = rows.bounds[:-1]
    length = np.subtract(rows.bounds[1:], starts)
    others: IntArray | None = None  # rows of the columns before the last, summed
    curves = []
    for j in range(g):  # a loop over curves
        if j < g - 1:
            count_total = sc.field("rows", j)
            others = count_total.copy() if others is None else np.add(others, count_total, out=others)
        else:
            count_total = length if others is None else np.subtract(length, others, out=others)
        keep = np.flatnonzero(count_total > 0) if g > 1 else None
        if keep is not None:
            count_total = count_total[keep]
        words = _Picked(sc, keep)
        count_event = sc.field("events", j, words.inside("events", j))
        count_censor = np.subtract(count_total, count_event, out=count_total)
        if j < g - 1:
            before = sc.field("rows", j, words.before("rows", j), inside=False)
        else:
            before = starts.copy() if keep is None else starts[keep]
            for i in range(g - 1):
                before -= sc.field("rows", i, words.before("rows", i), inside=False)
        count_risk = np.subtract(sc.total(j), before, out=before)
        curves.append(
            CurveCounts(
                time=rows.values if keep is None else rows.values[keep],
                n_risk=count_risk.astype(np.float64),
                n_event=count_event.astype(np.float64),
                n_censor=count_censor.astype(np.float64),
                count_risk=count_risk,
                count_event=count_event,
                count_censor=count_censor,
            )
        )
    return curves


class _Picked:
    """The packed words of :class:`SegmentCounts` at the segments ``keep`` (all when ``None``), each gathered once."""

    def __init__(self, sc: SegmentCounts, keep: IntArray | None) -> None:
        self._sc, self._keep = sc, keep
        self._inside: dict[int, IntArray] = {}
        self._before: dict[int, IntArray] = {}

    def inside(self, kind: str, j: int) -> IntArray:
        word = self._sc.word(kind, j)
        if word not in self._inside:
            x = self._sc.inside[word]
            self._inside[word] = x if self._keep is None else x[self._keep]
        return self._inside[word]

    def before(self, kind: str, j: int) -> IntArray:
        word = self._sc.word(kind, j)
        if word not in self._before:
            x = self._sc.at[word]
            self._before[word] = x[:-1] if self._keep is None else x[self._keep]
        return self._before[word]


def packed_risk_sets(
    time: FloatArray,
    time_range: tuple[float, float],
    event: FloatArray,
    block: IntArray | None,
    n_blocks: int,
    column: IntArray | None,
    n_columns: int,
) -> RiskSets | None:
    """The :class:`RiskSets` of the unweighted table ``risk_set_table`` builds (blocks: strata, columns: groups),
    from :func:`sort_rows`; ``None`` when it declines."""
    rows = sort_rows(time, time_range, event, block, n_blocks, column, n_columns)
    if rows is None:
        return None
    g = n_columns
    parts = _block_counts(rows, n_blocks, g)
    lengths = np.array([sc.bounds.shape[0] - 1 for sc in parts], dtype=np.int64)
    m = int(lengths.sum())
    n_event, n_risk = np.empty((m, g)), np.empty((m, g))
    deaths, at_risk = np.empty(m), np.empty(m)
    n = np.zeros(g, dtype=np.int64)
    lo = 0
    for sc in parts:  # a loop over blocks
        hi = lo + sc.bounds.shape[0] - 1
        starts = sc.bounds[:-1]
        died, before_others = None, None
        for j in range(g):  # and groups
            events = sc.field("events", j)
            n_event[lo:hi, j] = events
            died = events if died is None else np.add(died, events, out=died)
            if j < g - 1:
                before = sc.field("rows", j, inside=False)
                before_others = before.copy() if before_others is None else np.add(before_others, before)
            else:
                before = starts.copy() if before_others is None else np.subtract(starts, before_others)
            n_risk[lo:hi, j] = np.subtract(sc.total(j), before, out=before)
            n[j] += sc.total(j)
        deaths[lo:hi] = died
        at_risk[lo:hi] = np.subtract(sc.size, starts)
        lo = hi
    return RiskSets(
        n_event=n_event,
        n_risk=n_risk,
        deaths=deaths,
        at_risk=at_risk,
        block=np.repeat(np.arange(n_blocks, dtype=np.int64), lengths),
        starts=np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
        n=n,
    )


def _block_counts(rows: SortedRows, n_blocks: int, g: int) -> list[SegmentCounts]:
    """The segment counts of every block at its own distinct times, blocks in order."""
    if n_blocks == 1:
        return [SegmentCounts(rows.payload, rows.bounds, g)]
    size = rows.payload.shape[0]
    n_cat = 2 * g
    codes = np.arange(n_blocks * n_cat, dtype=np.int64)
    block_of = (codes // n_cat)[rows.payload]
    category = (codes % n_cat)[rows.payload]
    index = np.zeros(size, dtype=np.int64)
    index[rows.bounds[1:-1]] = 1
    np.cumsum(index, out=index)  # the distinct time of each row
    out = []
    for b in range(n_blocks):  # a loop over blocks
        mine = block_of == b
        idx = index[mine]
        flags = np.empty(idx.shape[0] + 1, dtype=bool)
        flags[0] = flags[-1] = True
        np.not_equal(idx[1:], idx[:-1], out=flags[1:-1])
        out.append(SegmentCounts(category[mine], np.flatnonzero(flags), g))
    return out

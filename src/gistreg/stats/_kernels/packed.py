"""Risk sets of arbitrary floating-point times from one sort of packed keys, without ``np.unique`` or ``argsort``.

Times that are not whole numbers (or whose range is too wide to count directly) have to be sorted. Sorting the
values of an int64 array is several times faster than ``argsort`` or ``np.unique(return_inverse=True)``, so the
rows are put in time order without ever forming a permutation:

* each row's key holds its time above and a payload ``(block * g + column) * 2 + event`` in the lowest ``k`` bits.
  The time part is the time's bit pattern as int64 (monotone in the value for times >= 0) minus that of the
  smallest positive time, so it needs only as many bits as the times' range of binary exponents: usually all of
  them fit with the payload, and the sorted keys give the exact sorted times as well (:func:`sort_rows`). When
  they do not, the lowest ``drop`` bits of the time are dropped, which can only make equal times that differ by
  less than ``t * 2**(drop - 52)``: below R's ``aeqSurv`` tolerance ``2**-26`` while ``max(t) < 2**(26 - drop)``,
  so such times are tied in R as well; the exact times are then sorted separately;
* R's near-tie rule (``survival::aeqSurv``, as :func:`~gistreg.stats._kernels.counting.merge_near_ties`) is
  applied to neighbouring exact times: a new distinct time starts where the gap to the previous one exceeds
  :func:`tie_threshold`. Such a gap never lies between keys with equal time parts, so every row's payload is
  counted at its own distinct time;
* the sorted rows are then scanned in cache-sized blocks that end where a distinct time ends (:class:`_Scan`):
  running sums of several small counters packed into each int64 give the rows and events of every (block, column)
  at each distinct time and the rows before it, and each front end writes what it needs straight into its
  result arrays.

The counts built here are identical to those of :func:`~gistreg.stats._kernels.counting.risk_set_table` (same
times, rows and counts). Weighted rows, too many payload bits or times reaching ``2**(26 - drop)`` are declined
(``None``) and take that route.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gistreg.stats._kernels.counting import TIME_TOLERANCE, CurveCounts, FloatArray, IntArray
from gistreg.stats._kernels.logrank import LogRankStream, LogRankSums

#: Most payload bits in a key.
PACKED_MAX_BITS = 8

#: Rows per block of the passes over the rows (a block's share of every array stays in cache).
SCAN_ROWS = 1 << 14

BoolArray = NDArray[np.bool_]
_SIGN = (1 << 63) - 1  # clears the sign bit


@dataclass(frozen=True, slots=True)
class SortedRows:
    """The rows in time order and where R's distinct (near-tie merged) times start.

    Attributes
    ----------
    payload
        Shape (n,): ``(block * g + column) * 2 + event`` of each row, rows in time order.
    times
        Shape (n,): the exact times in ascending order.
    new_time
        Shape (n + 1,): True where a distinct time starts, and at ``n``.
    n_times
        The number of distinct times.
    """

    payload: IntArray
    times: FloatArray
    new_time: BoolArray
    n_times: int


def zero_one(values: ArrayLike, n: int) -> NDArray[Any] | None:
    """``values`` as an array if it is a 1-D boolean or integer array of ``n`` entries that are all 0 or 1 (checked
    by its minimum and maximum), else ``None`` (the caller then checks and converts it as usual)."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        return None
    if arr.ndim != 1 or arr.shape[0] != n or n == 0 or arr.dtype.kind not in "biu" or not arr.dtype.isnative:
        return None
    return arr if arr.dtype.kind == "b" or (arr.min() >= 0 and arr.max() <= 1) else None


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
    event: NDArray[Any],
    block: IntArray | None,
    n_blocks: int,
    column: IntArray | None,
    n_columns: int,
) -> SortedRows | None:
    """Put the rows in time order and find R's distinct times, or ``None`` when the packing does not apply.

    Preconditions: ``time`` finite float64 >= 0 with ``(min, max) = time_range``; ``event`` 0/1 (float, integer or
    boolean); codes in range (``None`` for a single block or column); all of length n.

    Notes
    -----
    The key of a row is ``((bits(t) - base) >> drop) << k | payload``: ``bits(t)`` is the time's bit pattern,
    ``base`` that of the smallest positive time (minus 1 when there are zeros, which map to 0). ``drop`` is 0
    unless the times' range of binary exponents leaves fewer than ``k`` free bits. ``None`` when n is 0, the payload
    needs more than :data:`PACKED_MAX_BITS` bits or ``max(t) >= 2**(26 - drop)``.
    """
    n = time.shape[0]
    k = payload_bits(n_blocks * n_columns)
    t_min, t_max = time_range
    if n == 0 or k > PACKED_MAX_BITS:
        return None
    bits = time.view(np.int64)
    zeros = not t_min > 0  # 0.0 or -0.0: the sign bit is cleared (-0.0 becomes 0.0)
    base = (_min_positive_bits(bits) - 1 if t_max > 0 else 0) if zeros else _float_bits(t_min)
    span = _float_bits(t_max) - base if t_max > 0 else 0
    drop = max(0, span.bit_length() - (63 - k))
    if drop and not t_max < 2.0 ** (26 - drop):
        return None
    key = np.empty(n, dtype=np.int64)
    code = np.empty(min(SCAN_ROWS, n), dtype=np.int64) if event.dtype.kind == "f" else None
    event = event.view(np.int64) if event.dtype == np.uint64 else event  # 0/1: the same values
    for lo in range(0, n, SCAN_ROWS):  # a loop over blocks of rows
        rows = slice(lo, min(lo + SCAN_ROWS, n))
        part = key[rows]
        if zeros:
            np.bitwise_and(bits[rows], _SIGN, out=part)
            part -= base
            np.maximum(part, 0, out=part)
        else:
            np.subtract(bits[rows], base, out=part)
        if drop:
            part >>= drop
        part <<= k
        # the payload goes into the k low bits, which are 0: adding is setting them
        if column is not None and n_columns > 1:
            part += column[rows]
            part += column[rows]
        if block is not None and n_blocks > 1:
            if n_columns == 1:
                part += block[rows]
                part += block[rows]
            else:
                part += block[rows] * (2 * n_columns)
        if code is None:
            part += event[rows]
        else:
            payload = code[: rows.stop - lo]
            np.copyto(payload, event[rows], casting="unsafe")
            part += payload
    key.sort()
    n_zeros = int(np.searchsorted(key, 1 << k)) if zeros else 0  # rows with time part 0
    times, ties = _split_keys(key, k, base, n_zeros, None if drop == 0 else time)
    new_time = _new_times(times, ties)
    return SortedRows(key, times, new_time, int(np.count_nonzero(new_time)) - 1)


def _float_bits(x: float) -> int:
    """The bit pattern of a float64 as a Python int."""
    return int(np.float64(x).view(np.int64))


def _min_positive_bits(bits: IntArray) -> int:
    """The smallest bit pattern of a positive time (``bits & _SIGN`` is 0 only for zeros; ``0 - 1`` is the
    largest unsigned value), in blocks of rows."""
    smallest = np.iinfo(np.uint64).max
    for lo in range(0, bits.shape[0], SCAN_ROWS):  # a loop over blocks of rows
        part = np.bitwise_and(bits[lo : lo + SCAN_ROWS], _SIGN)
        part -= 1
        smallest = min(smallest, int(part.view(np.uint64).min()))
    return smallest + 1


def _split_keys(key: IntArray, k: int, base: int, n_zeros: int, time: FloatArray | None) -> tuple[FloatArray, bool]:
    """Turn sorted keys into payloads in place; return the exact sorted times and whether two are equal.

    The times are decoded from the keys (``time is None``; the first ``n_zeros`` keys are times 0) or sorted from
    ``time``.
    """
    n = key.shape[0]
    times = np.sort(time) if time is not None else np.empty(n)
    decoded = times.view(np.int64)
    ties = False
    for lo in range(0, n, SCAN_ROWS):  # a loop over blocks of rows
        rows = slice(lo, min(lo + SCAN_ROWS, n))
        part = key[rows]
        if time is None:
            np.right_shift(part, k, out=decoded[rows])
            decoded[rows] += base
            if lo < n_zeros:
                times[lo : min(rows.stop, n_zeros)] = 0.0
        part &= (1 << k) - 1
        shown = times[max(lo - 1, 0) : rows.stop]
        ties = ties or not bool((shown[1:] > shown[:-1]).all())
    return times, ties


def _new_times(times: FloatArray, ties: bool) -> BoolArray:
    """Where R's distinct (near-tie merged) times start in sorted exact ``times`` (and True at ``n``).

    A new time starts where the gap to the previous value exceeds :func:`tie_threshold` of the mean of the
    distinct values (``mean(abs(unique(y)))`` in ``aeqSurv``; the values are >= 0, so ``abs`` could change only the
    sign of a zero, which does not change a sum of non-negative numbers that is not 0). Equal values have gap 0.
    """
    n = times.shape[0]
    flags = np.zeros(n + 1, dtype=bool)
    flags[0] = flags[n] = True
    if not times[-1] > times[0]:  # one distinct value
        return flags
    distinct = times[np.concatenate(([True], times[1:] != times[:-1]))] if ties else times
    threshold = tie_threshold(float(np.mean(distinct)))
    gaps = np.empty(min(SCAN_ROWS, n - 1))
    for lo in range(0, n - 1, SCAN_ROWS):  # a loop over blocks of rows; gap i is times[i + 1] - times[i]
        hi = min(lo + SCAN_ROWS, n - 1)
        gap = np.subtract(times[lo + 1 : hi + 1], times[lo:hi], out=gaps[: hi - lo])
        np.greater(gap, threshold, out=flags[lo + 1 : hi + 1])
    return flags


class _Scan:
    """Counts of every cell (block, column) at each distinct time, one block of sorted rows at a time.

    Counters: the rows of cells ``0..C-2`` and the events of every cell, ``bits`` apart with ``2**bits > n`` (no
    counter carries into the next), as many to an int64 word as fit. A row adds ``1 << shift`` to each counter
    of its cell; one running sum per word, started from the sums of the blocks before and read where the distinct
    times start, gives the counts before each time (:attr:`at`) and within it (:attr:`inside`). The rows of the
    last cell follow from the lengths of the times.
    """

    def __init__(self, rows: SortedRows, n_cells: int) -> None:
        n = rows.payload.shape[0]
        self.rows, self.n_cells = rows, n_cells
        bits = max(1, n.bit_length())
        self._field: int = (1 << bits) - 1
        counters = [("rows", i) for i in range(n_cells - 1)] + [("events", i) for i in range(n_cells)]
        per_word = 63 // bits
        self._slot: dict[tuple[str, int], tuple[int, int, bool]] = {}  # counter -> (word, shift, masked)
        self._luts: list[IntArray] = []
        for word, first in enumerate(range(0, len(counters), per_word)):
            chunk = counters[first : first + per_word]
            lut = np.zeros(2 * n_cells, dtype=np.int64)
            for slot, (kind, cell) in enumerate(chunk):
                lut[2 * cell + 1] += 1 << (bits * slot)
                if kind == "rows":
                    lut[2 * cell] += 1 << (bits * slot)
                self._slot[(kind, cell)] = (word, bits * slot, slot < len(chunk) - 1)
            self._luts.append(lut)
        self._sums: list[int] = [0] * len(self._luts)  # the running sums after the rows scanned so far
        # the current block: its first row, the local bounds of its distinct times, the words at / inside each
        self.lo = 0
        self.bounds = np.zeros(1, dtype=np.int64)
        self.at: list[IntArray] = []
        self.inside: list[IntArray] = []

    @property
    def starts(self) -> IntArray:
        """Where the distinct times of the current block start, relative to its first row."""
        return self.bounds[:-1]

    def blocks(self) -> Iterator[int]:
        """Scan the rows in blocks that end where a distinct time ends; yields the number of distinct times in
        the block, whose counts are then in the attributes."""
        rows = self.rows
        n = rows.payload.shape[0]
        running = np.empty(min(SCAN_ROWS, n) + 1, dtype=np.int64)
        lo = 0
        while lo < n:
            hi = min(lo + SCAN_ROWS, n)
            hi += int(np.argmax(rows.new_time[hi:]))  # on to the end of the distinct time (new_time[n] is True)
            if hi - lo + 1 > running.shape[0]:
                running = np.empty(hi - lo + 1, dtype=np.int64)
            self.lo, self.bounds = lo, np.append(np.flatnonzero(rows.new_time[lo:hi]), hi - lo)
            self.at, self.inside = [], []
            sums = running[: hi - lo + 1]
            for word, lut in enumerate(self._luts):  # a loop over words of counters
                sums[0] = self._sums[word]
                np.take(lut, rows.payload[lo:hi], out=sums[1:], mode="clip")
                np.cumsum(sums, out=sums)
                at = np.take(sums, self.bounds, mode="clip")
                self._sums[word] = int(at[-1])
                self.at.append(at[:-1])
                self.inside.append(np.subtract(at[1:], at[:-1]))
            yield self.bounds.shape[0] - 1
            lo = hi

    def _unpack(
        self, kind: str, cell: int, words: list[IntArray], idx: IntArray | None, out: IntArray | None
    ) -> IntArray:
        word, shift, masked = self._slot[(kind, cell)]
        x = words[word] if idx is None else words[word][idx]  # a gather is a new array
        if shift:
            x = np.right_shift(x, shift, out=out)
        elif out is not None:
            np.copyto(out, x)
            x = out
        elif idx is None:
            x = x.copy()
        if masked:
            x &= self._field
        return x

    def events(self, cell: int, idx: IntArray | None = None, out: IntArray | None = None) -> IntArray:
        """Events of ``cell`` at each distinct time of the block (or at its times ``idx``)."""
        return self._unpack("events", cell, self.inside, idx, out)

    def rows_at(self, cell: int, idx: IntArray | None = None) -> IntArray:
        """Rows of ``cell`` at each distinct time of the block (or at its times ``idx``)."""
        if cell < self.n_cells - 1:
            return self._unpack("rows", cell, self.inside, idx, None)
        b = self.bounds
        out = np.subtract(b[1:], b[:-1]) if idx is None else np.subtract(b[idx + 1], b[idx])
        for other in range(self.n_cells - 1):
            out -= self._unpack("rows", other, self.inside, idx, None)
        return out

    def before(self, cell: int, idx: IntArray | None = None, out: IntArray | None = None) -> IntArray:
        """Rows of ``cell`` before each distinct time of the block (or before its times ``idx``)."""
        if cell < self.n_cells - 1:
            return self._unpack("rows", cell, self.at, idx, out)
        x = np.add(self.starts if idx is None else self.starts[idx], self.lo, out=out)
        for other in range(self.n_cells - 1):
            x -= self._unpack("rows", other, self.at, idx, None)
        return x

    def total(self, cell: int) -> int:
        """All rows of ``cell`` scanned so far (all its rows once the scan is done)."""
        if cell < self.n_cells - 1:
            word, shift, _ = self._slot[("rows", cell)]
            return (self._sums[word] >> shift) & self._field
        scanned = self.lo + int(self.bounds[-1])
        return int(scanned - sum(self.total(other) for other in range(self.n_cells - 1)))


def _cell_rows(rows: SortedRows, n_cells: int) -> IntArray:
    """Rows per cell (block * g + column)."""
    by_payload = np.bincount(rows.payload, minlength=2 * n_cells)
    out: IntArray = by_payload[0::2] + by_payload[1::2]
    return out


def _trimmed(x: NDArray[np.generic], size: int) -> None:
    """Shrink the 1-D ``x`` (made here; nothing else refers to it) to its first ``size`` entries in place."""
    if x.shape[0] != size:
        x.resize(size, refcheck=False)


def packed_curve_counts(
    time: FloatArray, time_range: tuple[float, float], event: NDArray[Any], column: IntArray | None, n_columns: int
) -> list[CurveCounts] | None:
    """Kaplan-Meier counts of each curve (column) at its own times, equal to ``RiskSetTable.curve_counts`` of the
    table ``risk_set_table(..., curves=True)`` builds; ``None`` when :func:`sort_rows` declines.

    The curves are the blocks of the scan (one column each); a curve's times are the distinct times where it has
    rows. Its counts are written straight into arrays sized for all its possible times, which are then shrunk.
    """
    g = n_columns
    rows = sort_rows(time, time_range, event, column, g, None, 1)
    if rows is None:
        return None
    scan = _Scan(rows, g)
    # a curve has at most every distinct time, and at most its rows (counted when there are more than two curves,
    # so that the arrays stay within a few times n entries)
    size = np.minimum(_cell_rows(rows, g), rows.n_times) if g > 2 else np.full(g, rows.n_times)
    times = [np.empty(int(m)) for m in size]
    events, censored, risk = ([np.empty(int(m), dtype=np.int64) for m in size] for _ in range(3))
    filled = [0] * g
    for m in scan.blocks():
        for c in range(g):  # a loop over curves
            count = scan.rows_at(c)
            keep = np.flatnonzero(count > 0) if g > 1 else None
            if keep is not None:
                count = count[keep]
            dest = slice(filled[c], filled[c] + (m if keep is None else keep.shape[0]))
            starts = scan.starts if keep is None else scan.starts[keep]
            np.take(rows.times[scan.lo :], starts, out=times[c][dest], mode="clip")
            np.subtract(count, scan.events(c, keep, out=events[c][dest]), out=censored[c][dest])
            scan.before(c, keep, out=risk[c][dest])
            filled[c] = dest.stop
    curves = []
    for c in range(g):  # a loop over curves
        for x in (times[c], events[c], censored[c], risk[c]):
            _trimmed(x, filled[c])
        count_risk = np.subtract(scan.total(c), risk[c], out=risk[c])
        curves.append(CurveCounts.unweighted(times[c], count_risk, events[c], censored[c]))
    return curves


def packed_logrank_sums(
    time: FloatArray,
    time_range: tuple[float, float],
    event: NDArray[Any],
    block: IntArray | None,
    n_blocks: int,
    column: IntArray | None,
    n_columns: int,
    rho: float,
    gamma: float,
) -> tuple[LogRankSums, IntArray] | None:
    """The log-rank sums (blocks: strata, columns: groups) and the rows per group, equal to
    ``logrank_sums(risk_sets(risk_set_table(...)))`` of the unweighted table; ``None`` when :func:`sort_rows`
    declines.

    A stratum's rows are the distinct times where it has rows; each block of sorted rows is fed to the
    :class:`~gistreg.stats._kernels.logrank.LogRankStream` as soon as it is counted, so no table is formed.
    """
    nb, g = n_blocks, n_columns
    rows = sort_rows(time, time_range, event, block, nb, column, g)
    if rows is None:
        return None
    scan = _Scan(rows, nb * g)
    total = _cell_rows(rows, nb * g).reshape(nb, g)
    sizes = np.minimum(total.sum(axis=1), rows.n_times) if nb > 1 else np.array([rows.n_times])
    stream = LogRankStream(sizes.tolist(), g, rho, gamma, whole=True)
    for _ in scan.blocks():
        for b in range(nb):  # a loop over strata
            keep = None
            if nb > 1:
                count = scan.rows_at(b * g)
                for c in range(1, g):
                    count += scan.rows_at(b * g + c)
                keep = np.flatnonzero(count > 0)
            events = [scan.events(b * g + c, keep) for c in range(g)]
            before = [scan.before(b * g + c, keep) for c in range(g)]
            deaths, seen = events[0].copy(), before[0].copy()
            for c in range(1, g):  # a loop over groups
                deaths += events[c]
                seen += before[c]
            n_risk = [np.subtract(total[b, c], before[c], out=before[c]) for c in range(g)]
            stream.add(b, events, deaths, np.subtract(total[b].sum(), seen, out=seen), n_risk)
    return stream.result(), total.sum(axis=0)

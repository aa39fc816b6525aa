"""Risk-set counting shared by Kaplan-Meier, log-rank, RMST and median follow-up.

:func:`risk_set_table` counts events, censorings and weights per (block, distinct time, column) and turns them into
numbers at risk by reverse cumulative sums within each block. A block is a stratum (log-rank) or a curve
(Kaplan-Meier by group when the groups do not fit as columns); columns are the compared groups. Pure NumPy, no
Python loop over patients or over distinct times:

* whole-number times with a moderate range (:func:`integer_span`) are counted without sorting: one ``np.bincount``
  per summed quantity over an int64 key per row, in cache-sized blocks of rows (O(n + range));
* any other times are sorted once (:func:`code_times`, ``np.unique``) and near ties are merged as R's
  ``survival::aeqSurv`` does (:func:`merge_near_ties`; ``survfit`` and ``survdiff`` use it by default,
  ``timefix = TRUE``). Both paths give identical tables.

The most common input (unweighted whole-number times, integer events and codes) has a faster front door that
checks and counts the raw arrays in one pass: :mod:`gistreg.stats._kernels.fused`. It builds the same table.
Unweighted times that have to be sorted are counted without a table by one sort of packed keys
(:mod:`gistreg.stats._kernels.packed`), with the same counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
_Num = TypeVar("_Num", np.int64, np.float64)

#: R's ``sqrt(.Machine$double.eps)``: the tolerance of ``aeqSurv`` and of ``quantile.survfit``.
TIME_TOLERANCE = 2.0**-26

#: Integer-valued times with ``|t| < COUNTING_MAX_ABS_TIME`` can never be merged by ``aeqSurv`` (two distinct
#: integers differ by at least 1, and ``1 / mean(|t|) > 2**-26``), so they may skip the near-tie step.
COUNTING_MAX_ABS_TIME = 2.0**26

#: Largest time range (max - min + 1) coded by counting instead of sorting, unless ``2 n`` is larger.
COUNTING_MAX_RANGE = 1 << 22

#: Largest dense (block x time x column) table counted by ``np.bincount`` directly, unless
#: ``DENSE_CELLS_PER_ROW * n`` is larger; beyond it the occupied cells are found by sorting their keys.
DENSE_MAX_CELLS = 1 << 24
DENSE_CELLS_PER_ROW = 4

#: Rows per block of the counting pass (the keys of one block stay in cache).
CHUNK_ROWS = 1 << 16


@dataclass(frozen=True, slots=True)
class TimeCodes:
    """Integer codes of the (tie-merged) times.

    Attributes
    ----------
    index
        Shape (n,): position of each row's time in ``values``; always a new array, which callers may overwrite.
    values
        Shape (T,): ascending candidate times. On the counting path this is every integer from the smallest to
        the largest time, so some values may have no rows.
    """

    index: IntArray
    values: FloatArray


@dataclass(frozen=True, slots=True)
class CurveCounts:
    """The counts of one Kaplan-Meier curve at its distinct times (the rows where it has observations).

    ``n_*`` are weighted sums (equal to the ``count_*`` row counts without weights); ``sq_*`` are sums of squared
    weights, or ``None`` when not counted.
    """

    time: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray
    count_risk: IntArray
    count_event: IntArray
    count_censor: IntArray
    sq_event: FloatArray | None = None
    sq_censor: FloatArray | None = None

    @classmethod
    def unweighted(
        cls, time: FloatArray, count_risk: IntArray, count_event: IntArray, count_censor: IntArray
    ) -> CurveCounts:
        """The counts of an unweighted curve: the sums are the row counts, as float64."""
        return cls(
            time=time,
            n_risk=count_risk.astype(np.float64),
            n_event=count_event.astype(np.float64),
            n_censor=count_censor.astype(np.float64),
            count_risk=count_risk,
            count_event=count_event,
            count_censor=count_censor,
        )


@dataclass(frozen=True, slots=True)
class RiskSetTable:
    """Counts per block and distinct time, rows sorted by block, then time ascending.

    Only (block, time) pairs with at least one row in the block appear. Weighted sums are float64; plain row
    counts are int64. Column ``j`` holds the rows whose ``column`` code is ``j``. A table of curves (built with
    ``curves=True``) says where each curve is with :meth:`curve`.

    Attributes
    ----------
    time
        Shape (m,): the distinct time of each table row.
    block
        Shape (m,): the block of each table row.
    starts
        Shape (n_blocks + 1,): table rows of block ``b`` are ``starts[b]:starts[b + 1]`` (empty if it has no rows).
    n_event, n_censor, n_risk
        Shape (m, g): weighted events and censorings at the time, and weighted number at risk (time >= t).
    count_event, count_censor, count_risk
        Shape (m, g): the same as plain row counts.
    sq_event, sq_censor
        Shape (m, g) sums of squared weights of events and censorings (for the infinitesimal jackknife), or
        ``None`` when not requested.
    """

    time: FloatArray
    block: IntArray
    starts: IntArray
    n_event: FloatArray
    n_censor: FloatArray
    n_risk: FloatArray
    count_event: IntArray
    count_censor: IntArray
    count_risk: IntArray
    sq_event: FloatArray | None
    sq_censor: FloatArray | None
    curves_in_columns: bool = False

    def curve(self, j: int) -> tuple[IntArray, int]:
        """Table rows and column of curve ``j`` (a table built with ``curves=True``).

        Curves are either the columns of one block (rows where the curve has observations) or blocks of one
        column, whichever layout :func:`risk_set_table` chose.
        """
        if self.curves_in_columns:
            return np.flatnonzero((self.count_event[:, j] + self.count_censor[:, j]) > 0), j
        return np.arange(self.starts[j], self.starts[j + 1], dtype=np.int64), 0

    def curve_counts(self, j: int) -> CurveCounts:
        """The counts of curve ``j`` at its own times (a table built with ``curves=True``)."""
        rows, col = self.curve(j)

        def pick(x: NDArray[_Num]) -> NDArray[_Num]:
            return x[:, col][rows]  # = x[rows, col]; taking the column first is faster

        return CurveCounts(
            time=self.time[rows],
            n_risk=pick(self.n_risk),
            n_event=pick(self.n_event),
            n_censor=pick(self.n_censor),
            count_risk=pick(self.count_risk),
            count_event=pick(self.count_event),
            count_censor=pick(self.count_censor),
            sq_event=pick(self.sq_event) if self.sq_event is not None else None,
            sq_censor=pick(self.sq_censor) if self.sq_censor is not None else None,
        )


@dataclass(frozen=True, slots=True)
class RiskSets:
    """The part of a risk-set table that the log-rank kernel reads, rows sorted by block, then time ascending.

    Attributes
    ----------
    n_event, n_risk
        Shape (m, g), C-contiguous: weighted events and number at risk per row and column.
    deaths, at_risk
        Shape (m,): their row sums.
    block
        Shape (m,): the block of each row.
    starts
        Shape (n_blocks + 1,): rows of block ``b`` are ``starts[b]:starts[b + 1]``.
    n
        Shape (g,): rows (patients) per column.
    whole
        Whether ``n_event`` holds whole numbers whose sums are exact in any order (unweighted counts).
    """

    n_event: FloatArray
    n_risk: FloatArray
    deaths: FloatArray
    at_risk: FloatArray
    block: IntArray
    starts: IntArray
    n: IntArray
    whole: bool = False


def risk_sets(table: RiskSetTable, *, whole: bool = False) -> RiskSets:
    """The :class:`RiskSets` of a table (row sums formed as the log-rank kernel always formed them); ``whole``
    when it counts unweighted rows."""
    first_rows = table.starts[:-1][np.diff(table.starts) > 0]
    return RiskSets(
        n_event=table.n_event,
        n_risk=table.n_risk,
        deaths=_row_sums(table.n_event),
        at_risk=_row_sums(table.n_risk),
        block=table.block,
        starts=table.starts,
        n=table.count_risk[first_rows].sum(axis=0).astype(np.int64),
        whole=whole,
    )


def _row_sums(x: FloatArray) -> FloatArray:
    """Sums over the columns of each row; two columns are added directly (the same sum, without a slow reduction
    over a short axis)."""
    out: FloatArray = x[:, 0] + x[:, 1] if x.shape[1] == 2 else x.sum(axis=1)
    return out


def merge_near_ties(values: FloatArray) -> tuple[FloatArray, IntArray]:
    """Merge near-equal sorted distinct times as R ``survival::aeqSurv`` does.

    Parameters
    ----------
    values
        Shape (T,): strictly ascending, finite distinct times.

    Returns
    -------
    merged, cluster
        ``merged`` holds the first (smallest) value of each run of near ties; ``cluster[i]`` is the position in
        ``merged`` that ``values[i]`` maps to.

    Notes
    -----
    Two neighbouring distinct times are tied when their difference is ``<= tol`` or ``<= tol * mean(|values|)``
    with ``tol = sqrt(.Machine$double.eps)``; chains of ties collapse to their first value, exactly as the
    ``findInterval(x, cuts)`` step of ``aeqSurv``.
    """
    n = values.shape[0]
    if n < 2:
        return values, np.arange(n, dtype=np.int64)
    dy = np.diff(values)
    scale = float(np.mean(np.abs(values)))
    tied = (dy <= TIME_TOLERANCE) | (dy / scale <= TIME_TOLERANCE)
    if not tied.any():
        return values, np.arange(n, dtype=np.int64)
    new_run = np.concatenate(([True], ~tied))
    cluster = np.cumsum(new_run, dtype=np.int64) - 1
    return values[new_run], cluster


def integer_span(time: FloatArray, time_range: tuple[float, float] | None = None) -> tuple[int, int] | None:
    """Origin and length ``(base, T)`` of the counting table for ``time``, from its minimum and maximum only.

    ``time_range`` gives ``(min, max)`` when the caller knows them (saves two passes over the data).

    ``None`` when the times are certainly not eligible for the counting pass (fractional minimum, too wide a
    range, or absolute values reaching :data:`COUNTING_MAX_ABS_TIME`); eligible-looking times must still be checked
    to be whole numbers. The origin stays at 0 unless that would more than double the table.
    """
    n = time.shape[0]
    if n == 0:
        return None
    lo, hi = time_range if time_range is not None else (float(time.min()), float(time.max()))
    if not (
        lo > -COUNTING_MAX_ABS_TIME
        and hi < COUNTING_MAX_ABS_TIME
        and hi - lo < max(COUNTING_MAX_RANGE, 2 * n)
        and lo == np.floor(lo)
        and hi == np.floor(hi)
    ):
        return None
    base = 0 if 0 <= lo <= hi - lo + 1 else int(lo)
    return base, int(hi) + 1 - base


def sorting_needed(time: FloatArray, time_range: tuple[float, float] | None = None) -> bool:
    """Whether :func:`code_times` (and so :func:`risk_set_table`) has to sort ``time``: it is not made of whole
    numbers in a range :func:`integer_span` accepts. Whole numbers are checked block by block, stopping at the
    first fraction."""
    if integer_span(time, time_range) is None:
        return True
    blocks = (time[i : i + CHUNK_ROWS] for i in range(0, time.shape[0], CHUNK_ROWS))
    return not all(bool(np.array_equal(np.floor(b), b)) for b in blocks)


def code_times(time: FloatArray) -> TimeCodes:
    """Code times as positions among the distinct (tie-merged) times.

    Preconditions: ``time`` is a finite 1-D float64 array.

    Integer-valued times eligible by :func:`integer_span` are coded as themselves (minus the origin): no sort.
    Anything else is sorted once and near ties are merged by :func:`merge_near_ties`. Both paths give the same
    table downstream.
    """
    if time.shape[0] == 0:
        return TimeCodes(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))
    span = integer_span(time)
    if span is not None:
        base, n_times = span
        as_int = time.astype(np.int64)
        if np.array_equal(as_int, time):
            index = as_int - base if base != 0 else as_int
            return TimeCodes(index, np.arange(base, base + n_times, dtype=np.float64))
    values, inverse = np.unique(time, return_inverse=True)
    merged, cluster = merge_near_ties(values)
    index = inverse.reshape(-1).astype(np.int64, copy=False)
    if merged.shape[0] != values.shape[0]:
        index = cluster[index]
    return TimeCodes(index, merged)


def risk_set_table(
    time: FloatArray,
    event: FloatArray,
    block: IntArray | None,
    n_blocks: int,
    column: IntArray | None,
    n_columns: int,
    weights: FloatArray | None,
    *,
    squares: bool = False,
    curves: bool = False,
    time_range: tuple[float, float] | None = None,
) -> RiskSetTable:
    """Count events, censorings and weights per (block, distinct time, column) and form the risk sets.

    Preconditions: ``time`` finite float64; ``event`` 0/1 float64; ``block`` in ``0..n_blocks-1`` (``None`` when
    ``n_blocks == 1``); ``column`` in ``0..n_columns-1`` (``None`` when ``n_columns == 1``); ``weights`` is
    ``None`` (all ones) or finite and >= 0; all of length n. Rows need not be sorted.

    Parameters
    ----------
    time, event, block, n_blocks, column, n_columns, weights
        As in the preconditions; times are coded by :func:`code_times`.
    squares
        Also return sums of squared weights (needed only for the infinitesimal-jackknife variance).
    time_range
        ``(min, max)`` of ``time`` if already known.
    curves
        The columns are separate curves (Kaplan-Meier by group; ``block`` must be ``None``): they are kept as
        columns of one block while the (time x curve) table has at most ``max(DENSE_MAX_CELLS, n)`` cells, and
        otherwise turned into blocks of one column, so that memory stays O(n) with many distinct times and curves.

    Notes
    -----
    Every row gets one int64 key ``((block * T + time) * g + column) * 2 + event`` and each summed quantity is one
    ``np.bincount`` over the keys. Whole-number times are counted in cache-sized blocks of rows without sorting;
    other times are coded by one sort, and when the dense (block x time x column) table would be large the
    occupied (block, time) cells are found by sorting their keys.
    """
    n = event.shape[0]
    limit = max(DENSE_MAX_CELLS, DENSE_CELLS_PER_ROW * n)
    whole_weights = weights is None or bool(np.array_equal(weights, np.floor(weights)))

    def layout(n_times: int) -> tuple[IntArray | None, int, IntArray | None, int, bool]:
        in_columns = curves and n_times * n_columns <= max(DENSE_MAX_CELLS, n)
        if curves and not in_columns:
            return column, n_columns, None, 1, False
        return block, n_blocks, column, n_columns, in_columns

    span = integer_span(time, time_range)
    if span is not None:
        base, n_times = span
        blk, nb, col, g, in_columns = layout(n_times)
        if nb * n_times * g <= limit:
            sums = _count_integer_times(time, event, base, n_times, blk, nb, col, g, weights, squares, whole_weights)
            if sums is not None:
                counts, wsum, w2sum = sums
                values = np.arange(base, base + n_times, dtype=np.float64)
                rows = np.flatnonzero(counts.any(axis=1))
                return _assemble(
                    values,
                    rows,
                    nb,
                    g,
                    counts[rows],
                    wsum[rows] if wsum is not None else None,
                    w2sum[rows] if w2sum is not None else None,
                    whole_weights,
                    in_columns,
                )
    codes = code_times(time)
    n_times = codes.values.shape[0]
    blk, nb, col, g, in_columns = layout(n_times)
    key: IntArray
    if nb * n_times * g <= limit:
        if nb > 1 and blk is not None:
            key = blk * n_times
            key += codes.index
        else:
            key = codes.index  # a fresh array owned here: overwritten in place
        dense = True
        n_cells = nb * n_times
    else:
        cell = blk * n_times + codes.index if nb > 1 and blk is not None else codes.index
        occupied, pos = np.unique(cell, return_inverse=True)
        key = pos.reshape(-1).astype(np.int64, copy=False)
        dense = False
        n_cells = occupied.shape[0]
    if g > 1 and col is not None:
        key *= g
        key += col
    key <<= 1
    key += event != 0
    size = n_cells * g * 2
    counts = np.bincount(key, minlength=size).reshape(n_cells, g * 2)
    rows = np.flatnonzero(counts.any(axis=1)) if dense else occupied
    picked = rows if dense else slice(None)

    def summed(w: FloatArray) -> FloatArray:
        out: FloatArray = np.bincount(key, weights=w, minlength=size).astype(np.float64, copy=False)
        return out.reshape(n_cells, g * 2)[picked]

    wsum = summed(weights) if weights is not None else None
    w2sum = summed(weights * weights) if weights is not None and squares else None
    return _assemble(codes.values, rows, nb, g, counts[picked], wsum, w2sum, whole_weights, in_columns)


def _count_integer_times(
    time: FloatArray,
    event: FloatArray,
    base: int,
    n_times: int,
    block: IntArray | None,
    n_blocks: int,
    column: IntArray | None,
    g: int,
    weights: FloatArray | None,
    squares: bool,
    whole_weights: bool,
) -> tuple[IntArray, FloatArray | None, FloatArray | None] | None:
    """Dense counts for whole-number times, in cache-sized blocks of rows; ``None`` if a time is not whole.

    Returns counts of shape (n_blocks * n_times, 2 g), block-major (censorings and events interleaved per column),
    and the weighted and squared-weighted sums of the same shape (``None`` without weights / squares). Rows are taken in
    blocks of ``max(CHUNK_ROWS, table size)`` so that the keys never exist at full length and stay in cache; this
    is a loop over blocks of rows, not over patients. Fractional weights are summed in one block, so that their
    sums are rounded exactly as on the sorting path.
    """
    n = time.shape[0]
    size = n_blocks * n_times * g * 2
    counts = np.zeros(size, dtype=np.int64)
    wsum = np.zeros(size) if weights is not None else None
    w2sum = np.zeros(size) if weights is not None and squares else None
    step = max(CHUNK_ROWS, size) if whole_weights else max(n, 1)
    stride = 2 * g * n_blocks
    fbuf = np.empty(min(step, n))
    kbuf = np.empty(min(step, n), dtype=np.int64)
    for lo in range(0, n, step):
        rows = slice(lo, min(lo + step, n))
        t = time[rows]
        f, key = fbuf[: t.shape[0]], kbuf[: t.shape[0]]
        np.floor(t, out=f)
        if not (f == t).all():
            return None
        # key = ((time * n_blocks + block) * g + column) * 2 + event (time-major), the float part exact
        if base != 0:
            f -= base
        f *= stride
        f += event[rows]
        np.copyto(key, f, casting="unsafe")
        if n_blocks > 1 and block is not None:
            key += block[rows] * (2 * g)
        if g > 1 and column is not None:
            c = column[rows]
            key += c
            key += c
        counts += np.bincount(key, minlength=size)
        if wsum is not None and weights is not None:
            w = weights[rows]
            wsum += np.bincount(key, weights=w, minlength=size)
            if w2sum is not None:
                w2sum += np.bincount(key, weights=w * w, minlength=size)

    def block_major(x: NDArray[_Num]) -> NDArray[_Num]:
        by_time = x.reshape(n_times, n_blocks, g * 2)
        return np.ascontiguousarray(by_time.transpose(1, 0, 2)).reshape(n_blocks * n_times, g * 2)

    return (
        block_major(counts),
        block_major(wsum) if wsum is not None else None,
        block_major(w2sum) if w2sum is not None else None,
    )


def _assemble(
    values: FloatArray,
    rows: IntArray,
    n_blocks: int,
    g: int,
    counts: IntArray,
    wsum: FloatArray | None,
    w2sum: FloatArray | None,
    whole_weights: bool,
    in_columns: bool,
) -> RiskSetTable:
    """Build the table from counts of the occupied (block, time) cells ``rows`` (cell = block * T + time)."""
    n_times = values.shape[0]
    count_event = counts[:, 1::2].copy()
    count_censor = counts[:, 0::2].copy()
    block_of_row = (rows // n_times).astype(np.int64) if n_blocks > 1 else np.zeros(rows.shape[0], np.int64)
    starts = np.searchsorted(block_of_row, np.arange(n_blocks + 1)).astype(np.int64)
    count_risk = _segment_reverse_cumsum(count_event + count_censor, starts, exact=True)
    sq_event = sq_censor = None
    if wsum is None:
        n_event = count_event.astype(np.float64)
        n_censor = count_censor.astype(np.float64)
        n_risk = count_risk.astype(np.float64)
    else:
        n_event, n_censor = wsum[:, 1::2].copy(), wsum[:, 0::2].copy()
        n_risk = _segment_reverse_cumsum(n_event + n_censor, starts, exact=whole_weights)
        if w2sum is not None:
            sq_event, sq_censor = w2sum[:, 1::2].copy(), w2sum[:, 0::2].copy()
    return RiskSetTable(
        time=values[rows % n_times],
        block=block_of_row,
        starts=starts,
        n_event=n_event,
        n_censor=n_censor,
        n_risk=n_risk,
        count_event=count_event,
        count_censor=count_censor,
        count_risk=count_risk,
        sq_event=sq_event,
        sq_censor=sq_censor,
        curves_in_columns=in_columns,
    )


def _segment_reverse_cumsum(x: NDArray[_Num], starts: IntArray, *, exact: bool) -> NDArray[_Num]:
    """Sum of ``x`` over rows ``i..end of segment`` for every row ``i``, segments given by ``starts``.

    With ``exact`` (integers, or floats holding integers below 2**53) one global reverse cumulative sum is
    corrected per segment; otherwise each segment is summed on its own so that rounding never crosses segments.
    """
    if x.shape[0] == 0:
        return x.copy()
    if exact:
        rc = np.cumsum(x[::-1], axis=0)[::-1]
        if starts.shape[0] > 2:
            padded = np.concatenate([rc, np.zeros((1, *x.shape[1:]), dtype=rc.dtype)])
            offsets = padded[starts[1:]]
            rc = rc - np.repeat(offsets, np.diff(starts), axis=0)
        return rc
    out = np.empty_like(x)
    for b in range(starts.shape[0] - 1):
        lo, hi = int(starts[b]), int(starts[b + 1])
        if hi > lo:
            out[lo:hi] = np.cumsum(x[lo:hi][::-1], axis=0)[::-1]
    return out

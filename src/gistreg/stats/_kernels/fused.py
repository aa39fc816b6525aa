"""Checking and counting the most common survival input in one pass: the fast front door to the risk-set table.

Most calls get unweighted whole-number times (days), 0/1 events and small integer codes for group and stratum.
For those, :func:`fused_counts` reads every input array once, in blocks of :data:`CHUNK_ROWS` rows, and checks each
block while it is in cache, in the same pass that forms the count keys: no float copy of the events, no separate
reductions for the range checks and no coding of the labels first. :func:`fused_risk_set_table` turns the counts
into the same :class:`~gistreg.stats._kernels.counting.RiskSetTable` that
:func:`~gistreg.stats._kernels.counting.risk_set_table` builds from checked inputs.

The pass declines (returns ``None``, raises nothing) as soon as a row is outside what it handles: a fractional,
negative, NaN or infinite time, an event other than 0/1, a negative or large code, or a table that would be too
big. The caller then takes the general route (the checks in ``_prep``, which give the precise error message, and
``risk_set_table``). Both routes give identical tables.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from gistreg.stats._kernels.counting import (
    CHUNK_ROWS,
    COUNTING_MAX_ABS_TIME,
    COUNTING_MAX_RANGE,
    FloatArray,
    IntArray,
    RiskSetTable,
)

#: Group and stratum codes below this value are used as table positions.
FUSED_MAX_CODE = 1 << 10

#: Largest (event x column x block x time) table, in cells.
FUSED_MAX_CELLS = 1 << 22

#: Rows whose keys are counted by one ``np.bincount`` (at least; as many as the table has cells if that is more).
FUSED_BATCH_ROWS = 1 << 18

#: Up to this many columns the table is gathered column by column (faster than a transposing copy).
_FEW_COLUMNS = 8

BoolArray = NDArray[np.bool_]


def fused_counts(
    time: NDArray[Any], event: NDArray[Any], block: NDArray[Any] | None, column: NDArray[Any] | None
) -> IntArray | None:
    """Check and count unweighted rows in one pass: counts of shape (2, g, n_blocks, T), or ``None`` to decline.

    ``counts[e, c, b, t]`` is the number of rows with event ``e``, column code ``c``, block code ``b`` and time
    ``t``; ``g``, ``n_blocks`` and ``T`` are one more than the largest code and time seen (a missing ``block`` or
    ``column`` is the single code 0). Codes without rows stay in the table (:func:`fused_risk_set_table` drops them).

    Parameters
    ----------
    time
        Follow-up times: float64 or any integer type.
    event
        Boolean, integer or float event indicators.
    block, column
        Boolean or integer codes, or ``None``.

    Returns
    -------
    IntArray or None
        ``None`` unless all arrays are 1-D, equally long, non-empty and in native byte order, every time is a
        whole number ``0 <= t < min(COUNTING_MAX_ABS_TIME, max(COUNTING_MAX_RANGE, 2 n))``, every event is 0 or 1,
        every code is in ``0..FUSED_MAX_CODE-1`` and the table has at most :data:`FUSED_MAX_CELLS` cells. Declining
        costs at most the blocks of rows read so far.

    Notes
    -----
    Per block of rows (a loop over blocks, not over patients): float times are truncated and compared with
    themselves (whole numbers; NaN fails), cast to int64 and bounded by one reduction on their unsigned view (so
    negative values and infinity fail too); integer times, codes and events are each bounded by one reduction on
    their unsigned view, which also refuses negative values. The key ``((e * g + c) * n_blocks + b) * T + t`` is
    then formed in place and the keys of several blocks are counted by one ``np.bincount``. Whole numbers below
    ``2**26`` are never merged by R's ``aeqSurv``, so no near-tie step is needed.
    """
    if not _eligible(time, event, (block, column)):
        return None
    n = time.shape[0]
    t_cap = _value_cap(time, min(int(COUNTING_MAX_ABS_TIME), max(COUNTING_MAX_RANGE, 2 * n)))
    b_cap = _value_cap(block, FUSED_MAX_CODE) if block is not None else 1
    c_cap = _value_cap(column, FUSED_MAX_CODE) if column is not None else 1
    event = _as_signed(event)
    block = _as_signed(block) if block is not None else None
    column = _as_signed(column) if column is not None else None
    step = min(CHUNK_ROWS, n)
    tkey = np.empty(step, dtype=np.int64)
    fbuf = np.empty(step) if time.dtype.kind == "f" else None
    flags = np.empty(step, dtype=bool) if fbuf is not None or event.dtype.kind == "f" else None
    counter = _Counter(n, step)
    with np.errstate(invalid="ignore"):  # NaN or infinite times cast to int64; they are refused right after
        for lo in range(0, n, step):
            rows = slice(lo, min(lo + step, n))
            tk = tkey[: rows.stop - lo]
            t_max = _time_key(time[rows], tk, fbuf, flags)
            ev = _event_values(event[rows], flags)
            b = block[rows] if block is not None else None
            c = column[rows] if column is not None else None
            b_max = int(_unsigned(b).max()) if b is not None else 0
            c_max = int(_unsigned(c).max()) if c is not None else 0
            if not (0 <= t_max < t_cap and ev is not None and b_max < b_cap and c_max < c_cap):
                return None
            if not counter.fit(t_max, b_max, c_max):
                return None
            _combine(counter.slot(tk.shape[0]), tk, ev, b, c, counter.shape)
    counter.flush()
    return counter.counts.reshape(2, *counter.shape)


def _unsigned(x: NDArray[Any]) -> NDArray[Any]:
    """``x`` reinterpreted as unsigned integers of the same width: negative values become the largest ones."""
    return x.view(np.dtype(f"u{x.dtype.itemsize}"))


def _value_cap(x: NDArray[Any], cap: int) -> int:
    """``cap`` lowered so that no negative value of a signed ``x`` passes ``unsigned view < cap``."""
    return min(cap, 1 << (8 * x.dtype.itemsize - 1)) if x.dtype.kind == "i" else cap


def _as_signed(x: NDArray[Any]) -> NDArray[Any]:
    """uint64 as int64 (the same values below 2**63), so that adding it to int64 keys stays in integers."""
    return x.view(np.int64) if x.dtype == np.uint64 else x


def _eligible(time: NDArray[Any], event: NDArray[Any], codes: tuple[NDArray[Any] | None, ...]) -> bool:
    """Whether the arrays have the types, shapes and byte order that :func:`fused_counts` reads directly."""
    n = time.shape[0] if time.ndim == 1 else 0
    arrays = [a for a in (time, event, *codes) if a is not None]
    if n == 0 or any(a.ndim != 1 or a.shape[0] != n or not a.dtype.isnative for a in arrays):
        return False
    time_ok = time.dtype == np.float64 or time.dtype.kind in "iu"
    return time_ok and event.dtype.kind in "biuf" and all(c is None or c.dtype.kind in "biu" for c in codes)


def _time_key(t: NDArray[Any], key: IntArray, fbuf: FloatArray | None, flags: BoolArray | None) -> int:
    """Write the times of one block of rows into ``key`` as int64; return the largest as unsigned, -1 for a fraction.

    A negative, NaN or infinite time makes the result at least ``2**63`` (``cap`` of :func:`fused_counts` is far
    below): its int64 cast is negative or out of range, which the unsigned view turns into a huge value.
    """
    if fbuf is not None and flags is not None:
        f = fbuf[: t.shape[0]]
        np.trunc(t, out=f)
        if not np.equal(f, t, out=flags[: t.shape[0]]).all():
            return -1  # a fraction or NaN
        np.copyto(key, f, casting="unsafe")
        return int(_unsigned(key).max())
    np.copyto(key, t, casting="unsafe")
    return int(_unsigned(t).max())


def _event_values(ev: NDArray[Any], flags: BoolArray | None) -> NDArray[Any] | None:
    """The events of one block of rows as 0/1 values to put in the keys, or ``None`` if one is not 0 or 1."""
    kind = ev.dtype.kind
    if kind == "b":
        return ev
    if kind in "iu":
        return ev if int(_unsigned(ev).max()) <= 1 else None
    if flags is None:
        return None
    ones = np.equal(ev, 1, out=flags[: ev.shape[0]])
    return ones if np.count_nonzero(ev) == np.count_nonzero(ones) else None  # NaN is non-zero and not 1


def _combine(
    key: IntArray,
    tk: IntArray,
    ev: NDArray[Any],
    block: NDArray[Any] | None,
    column: NDArray[Any] | None,
    shape: tuple[int, int, int],
) -> None:
    """``key = ((ev * g + column) * n_blocks + block) * T + tk`` with ``shape = (g, n_blocks, T)``."""
    g, n_blocks, n_times = shape
    src: NDArray[Any] = ev
    if column is not None and g > 1:
        np.multiply(src, g, out=key, dtype=np.int64)
        np.add(key, column, out=key)
        src = key
    if block is not None and n_blocks > 1:
        np.multiply(src, n_blocks, out=key, dtype=np.int64)
        np.add(key, block, out=key)
        src = key
    np.multiply(src, n_times, out=key, dtype=np.int64)
    key += tk


class _Counter:
    """The growing count table ``counts[event, column, block, time]`` and the keys waiting to be counted.

    Keys of several blocks of rows are counted by one ``np.bincount``, so that the cost of each call (a table of
    the full size is allocated and added) stays small next to the rows it counts.
    """

    def __init__(self, n: int, step: int) -> None:
        self.n = n
        self.shape = (1, 1, 0)  # (g, n_blocks, T)
        self.counts = np.zeros(0, dtype=np.int64)
        self.keys = np.empty(min(n, max(FUSED_BATCH_ROWS, step)), dtype=np.int64)
        self.fill = 0

    def flush(self) -> None:
        """Count the waiting keys."""
        if self.fill:
            self.counts += np.bincount(self.keys[: self.fill], minlength=self.counts.shape[0])
            self.fill = 0

    def fit(self, t_max: int, b_max: int, c_max: int) -> bool:
        """Grow the table to hold these largest codes, keeping the counts so far; False if it would be too big."""
        g, n_blocks, n_times = self.shape
        shape = (max(g, c_max + 1), max(n_blocks, b_max + 1), max(n_times, t_max + 1))
        if shape == self.shape:
            return True
        cells = 2 * shape[0] * shape[1] * shape[2]
        if cells > FUSED_MAX_CELLS:
            return False
        self.flush()  # the waiting keys are in the old layout
        grown = np.zeros((2, *shape), dtype=np.int64)
        grown[:, :g, :n_blocks, :n_times] = self.counts.reshape(2, g, n_blocks, n_times)
        self.shape, self.counts = shape, grown.reshape(-1)
        if self.keys.shape[0] < min(self.n, cells):
            self.keys = np.empty(min(self.n, cells), dtype=np.int64)
        return True

    def slot(self, m: int) -> IntArray:
        """Room for the keys of the next ``m`` rows (the waiting keys are counted first if the buffer is full)."""
        if self.fill + m > self.keys.shape[0]:
            self.flush()
        self.fill += m
        return self.keys[self.fill - m : self.fill]


def fused_risk_set_table(counts: IntArray, *, curves: bool) -> tuple[RiskSetTable, IntArray, IntArray]:
    """The :class:`RiskSetTable` of counts from :func:`fused_counts`, and the block and column codes it holds.

    Blocks and columns without rows are dropped, so that the table numbers the codes present ``0..k-1`` in
    ascending order, as ``np.unique`` would. With ``curves`` the columns are separate curves of one block (the
    Kaplan-Meier layout). The table equals the one :func:`~gistreg.stats._kernels.counting.risk_set_table` builds.

    Returns
    -------
    table, block_codes, column_codes
        The table and the ascending codes of its blocks and columns.
    """
    total = counts[0] + counts[1]  # (g, n_blocks, T)
    by_code = total.sum(axis=2)
    column_codes = np.flatnonzero(by_code.any(axis=1))
    block_codes = np.flatnonzero(by_code.any(axis=0))
    if column_codes.shape[0] < counts.shape[1] or block_codes.shape[0] < counts.shape[2]:
        counts = counts[:, column_codes][:, :, block_codes]
        total = total[column_codes][:, block_codes]
    _, g, n_blocks, n_times = counts.shape
    occupied = total.sum(axis=0).reshape(-1)
    rows = np.flatnonzero(occupied)  # occupied (block, time) cells, block-major
    cumulative = np.cumsum(total, axis=2)
    at_risk = cumulative[:, :, -1:] - cumulative  # rows with time > t, within each block
    at_risk += total
    every = rows.shape[0] == occupied.shape[0]

    def pick(x: IntArray) -> IntArray:
        """(g, n_blocks, T) -> (occupied cells, g), C-contiguous like the general route's table."""
        flat = x.reshape(g, n_blocks * n_times)
        if g > _FEW_COLUMNS:
            return np.ascontiguousarray(flat[:, rows].T)
        out = np.empty((rows.shape[0], g), dtype=np.int64)
        for j in range(g):  # a loop over a few columns
            out[:, j] = flat[j] if every else flat[j][rows]
        return out

    count_event, count_censor, count_risk = pick(counts[1]), pick(counts[0]), pick(at_risk)
    if n_blocks > 1:
        block = rows // n_times
        time = (rows - block * n_times).astype(np.float64)
    else:
        block, time = np.zeros(rows.shape[0], dtype=np.int64), rows.astype(np.float64)
    table = RiskSetTable(
        time=time,
        block=block,
        starts=np.searchsorted(block, np.arange(n_blocks + 1)).astype(np.int64),
        n_event=count_event.astype(np.float64),
        n_censor=count_censor.astype(np.float64),
        n_risk=count_risk.astype(np.float64),
        count_event=count_event,
        count_censor=count_censor,
        count_risk=count_risk,
        sq_event=None,
        sq_censor=None,
        curves_in_columns=curves,
    )
    return table, block_codes, column_codes

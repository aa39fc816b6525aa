"""Checking and counting the most common survival input in one pass: the fast front door to the risk-set table.

Most calls get unweighted whole-number times (days), 0/1 events and small integer codes for group and stratum.
For those, :func:`fused_counts` reads every input array once, in blocks of :data:`FUSED_CHUNK_ROWS` rows, and
checks each block while it is in cache, in the same pass that forms the count keys: no float copy of the events,
no separate reductions for the range checks and no coding of the labels first. :func:`fused_risk_set_table` turns
the counts into the same :class:`~gistreg.stats._kernels.counting.RiskSetTable` that
:func:`~gistreg.stats._kernels.counting.risk_set_table` builds from checked inputs, and :func:`fused_curve_counts`
into the Kaplan-Meier curves' counts.

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
    COUNTING_MAX_ABS_TIME,
    COUNTING_MAX_RANGE,
    CurveCounts,
    IntArray,
    RiskSetTable,
)

#: Group and stratum codes below this value are used as table positions.
FUSED_MAX_CODE = 1 << 10

#: Largest (event x column x block x time) table, in cells.
FUSED_MAX_CELLS = 1 << 22

#: Rows per block of the pass: the block's share of every input and buffer stays in cache.
FUSED_CHUNK_ROWS = 1 << 14

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
    Rows are taken in blocks of :data:`FUSED_CHUNK_ROWS` (a loop over blocks, not over patients), so that every
    input array is read from memory once and the rest happens in cache. Integer codes and events are bounded by
    one reduction on their unsigned view each, which also refuses negative values. Float times are truncated and
    compared with themselves (whole numbers; NaN fails), scaled by the key's time stride while still float (exact
    below ``2**53``), cast to int64 and bounded by one reduction on the unsigned view (so negative values and
    infinity fail too); integer times are bounded first and then scaled. The key
    ``((t * n_blocks + b) * g + c) * 2 + e`` is completed in place and counted into the table by ``np.add.at``.
    Whole numbers below ``2**26`` are never merged by R's ``aeqSurv``, so no near-tie step is needed.
    """
    if not _eligible(time, event, (block, column)):
        return None
    n = time.shape[0]
    caps = (
        _value_cap(time, min(int(COUNTING_MAX_ABS_TIME), max(COUNTING_MAX_RANGE, 2 * n))),
        _value_cap(block, FUSED_MAX_CODE) if block is not None else 1,
        _value_cap(column, FUSED_MAX_CODE) if column is not None else 1,
    )
    step = min(FUSED_CHUNK_ROWS, n)
    scratch = _Scratch(step, time.dtype.kind == "f", event.dtype.kind == "f")
    inputs = _Inputs(time, event, block, column)
    table = _Table()
    with np.errstate(invalid="ignore"):  # NaN or infinite times cast to int64; they are refused right after
        for lo in range(0, n, step):
            if not _count_rows(inputs, slice(lo, min(lo + step, n)), table, scratch, caps):
                return None
    return table.event_major()


class _Inputs:
    """The input arrays, ready to be sliced block by block, with their unsigned views for the range checks."""

    def __init__(
        self, time: NDArray[Any], event: NDArray[Any], block: NDArray[Any] | None, column: NDArray[Any] | None
    ) -> None:
        self.time = time
        self.time_u = _unsigned(time) if time.dtype.kind in "iu" else None
        self.event = _as_signed(event)
        self.event_u = _unsigned(event) if event.dtype.kind in "iu" else None
        self.block = _as_signed(block) if block is not None else None
        self.block_u = _unsigned(block) if block is not None else None
        self.column = _as_signed(column) if column is not None else None
        self.column_u = _unsigned(column) if column is not None else None


class _Scratch:
    """Buffers for one block of rows, reused from block to block (they stay in cache)."""

    def __init__(self, step: int, float_time: bool, float_event: bool) -> None:
        self.step = step
        self.key = np.empty(step, dtype=np.int64)
        self.time = np.empty(step) if float_time else None
        self.whole = np.empty(step, dtype=bool) if float_time else None
        self.ones = np.empty(step, dtype=bool) if float_event else None
        self.block = np.empty(step, dtype=np.int64)
        self.time_key = np.empty(step, dtype=np.int64)


class _Table:
    """The growing count table ``counts[time, block, column, event]`` (time-major, flat)."""

    def __init__(self) -> None:
        self.shape = (0, 1, 1)  # (T, n_blocks, g)
        self.counts = np.zeros(0, dtype=np.int64)

    def fit_codes(self, b_max: int, c_max: int) -> bool:
        """Make room for these block and column codes, keeping the counts so far; False if it would be too big."""
        n_times, n_blocks, g = self.shape
        if b_max < n_blocks and c_max < g:
            return True
        shape = (n_times, max(n_blocks, b_max + 1), max(g, c_max + 1))
        if 2 * shape[0] * shape[1] * shape[2] > FUSED_MAX_CELLS:
            return False
        grown = np.zeros((*shape, 2), dtype=np.int64)
        grown[:, :n_blocks, :g] = self.counts.reshape(n_times, n_blocks, g, 2)
        self.shape, self.counts = shape, grown.reshape(-1)
        return True

    def fit_time(self, t_max: int) -> bool:
        """Make room for times up to ``t_max`` (appended: the layout is time-major); False if it would be too big."""
        n_times, n_blocks, g = self.shape
        if t_max < n_times:
            return True
        if 2 * (t_max + 1) * n_blocks * g > FUSED_MAX_CELLS:
            return False
        more = np.zeros(2 * (t_max + 1 - n_times) * n_blocks * g, dtype=np.int64)
        self.shape, self.counts = (t_max + 1, n_blocks, g), np.concatenate((self.counts, more))
        return True

    def event_major(self) -> IntArray:
        """The counts as ``counts[event, column, block, time]``."""
        table = self.counts.reshape(*self.shape, 2).transpose(3, 2, 1, 0)
        return np.ascontiguousarray(table)


def _count_rows(inputs: _Inputs, rows: slice, table: _Table, scratch: _Scratch, caps: tuple[int, int, int]) -> bool:
    """Check and count one block of rows; False (nothing counted) if a row is outside what the pass handles.

    Each input is used right after it is first read (its block is then still in the nearest cache).
    """
    m = rows.stop - rows.start
    b_max = int(inputs.block_u[rows].max()) if inputs.block_u is not None else 0
    c_max = int(inputs.column_u[rows].max()) if inputs.column_u is not None else 0
    if b_max >= caps[1] or c_max >= caps[2] or not table.fit_codes(b_max, c_max):
        return False
    _, n_blocks, g = table.shape
    key = scratch.key if m == scratch.step else scratch.key[:m]
    coded = _code_key(inputs, rows, key, n_blocks, g, scratch)
    t_max = _time_key(inputs, rows, key, 2 * n_blocks * g, scratch, coded)
    ones = _event_values(inputs, rows, scratch, m)
    if ones is None or not (0 <= t_max < caps[0] and table.fit_time(t_max)):
        return False
    key += ones
    np.add.at(table.counts, key, 1)
    return True


def _code_key(inputs: _Inputs, rows: slice, key: IntArray, n_blocks: int, g: int, scratch: _Scratch) -> bool:
    """Write ``(block * g + column) * 2`` of the rows into ``key``; False (nothing written) if both are constant."""
    column = inputs.column[rows] if inputs.column is not None and g > 1 else None
    if column is not None:
        np.add(column, column, out=key, dtype=np.int64)
    if inputs.block is None or n_blocks == 1:
        return column is not None
    if column is None:
        np.multiply(inputs.block[rows], 2 * g, out=key, dtype=np.int64)
    else:
        key += np.multiply(inputs.block[rows], 2 * g, out=scratch.block[: key.shape[0]], dtype=np.int64)
    return True


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


def _time_key(inputs: _Inputs, rows: slice, key: IntArray, stride: int, scratch: _Scratch, add: bool) -> int:
    """Put ``time * stride`` of the rows into ``key`` (added to it with ``add``); return the largest time, or -1
    for a fraction.

    A negative, NaN or infinite time returns at least ``2**62 // stride`` (far above any cap of
    :func:`fused_counts`): its int64 cast is negative or out of range, which the unsigned view makes huge (the
    code part added is below ``stride``). Integer times are bounded before they are scaled, so the product cannot
    overflow.
    """
    t = inputs.time[rows]
    m = key.shape[0]
    scaled = (scratch.time_key if m == scratch.step else scratch.time_key[:m]) if add else key
    if inputs.time_u is None and scratch.time is not None and scratch.whole is not None:
        f, whole = (scratch.time, scratch.whole) if m == scratch.step else (scratch.time[:m], scratch.whole[:m])
        np.trunc(t, out=f)
        if not np.equal(f, t, out=whole).all():
            return -1  # a fraction or NaN
        f *= stride  # exact: whole numbers below 2**26 times a stride below 2**22
        np.copyto(scaled, f, casting="unsafe")
        if add:
            key += scaled
        return int(key.view(np.uint64).max()) // stride
    t_max = int(inputs.time_u[rows].max()) if inputs.time_u is not None else -1
    if t_max >= 0 and t_max * stride < 1 << 62:  # a larger time is declined by the caller; scaling could overflow
        np.multiply(t, stride, out=scaled, dtype=np.int64)
        if add:
            key += scaled
    return t_max


def _event_values(inputs: _Inputs, rows: slice, scratch: _Scratch, m: int) -> NDArray[Any] | None:
    """The events of the rows as 0/1 values to put in the keys, or ``None`` if one is not 0 or 1."""
    ev = inputs.event[rows]
    if inputs.event_u is not None:
        return ev if int(inputs.event_u[rows].max()) <= 1 else None
    if ev.dtype.kind == "b":
        return ev
    if scratch.ones is None:
        return None
    is_one = np.equal(ev, 1, out=scratch.ones[:m])
    return is_one if np.count_nonzero(ev) == np.count_nonzero(is_one) else None  # NaN is non-zero and not 1


def fused_risk_set_table(counts: IntArray) -> tuple[RiskSetTable, IntArray, IntArray]:
    """The :class:`RiskSetTable` of counts from :func:`fused_counts`, and the block and column codes it holds.

    Blocks and columns without rows are dropped, so that the table numbers the codes present ``0..k-1`` in
    ascending order, as ``np.unique`` would. The table equals the one
    :func:`~gistreg.stats._kernels.counting.risk_set_table` builds (blocks: strata, columns: groups).

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
    )
    return table, block_codes, column_codes


def fused_curve_counts(counts: IntArray) -> tuple[list[CurveCounts], IntArray]:
    """Kaplan-Meier curve counts straight from :func:`fused_counts` with one block (the columns are the curves).

    Returns the counts of every column code that has rows, each at its own times, and those codes (ascending).
    They equal :meth:`RiskSetTable.curve_counts` of the table ``risk_set_table(..., curves=True)`` builds, without
    a table: the number at risk is the reverse cumulative sum of the curve's own rows (exact integers).
    """
    events, censored = counts[1, :, 0], counts[0, :, 0]  # (g, T)
    total = events + censored
    codes = np.flatnonzero(total.any(axis=1))
    curves = []
    for c in codes:  # a loop over curves
        rows = np.flatnonzero(total[c])
        count_event, count_censor, count_total = events[c][rows], censored[c][rows], total[c][rows]
        count_risk = np.cumsum(count_total[::-1])[::-1].copy()
        curves.append(
            CurveCounts(
                time=rows.astype(np.float64),
                n_risk=count_risk.astype(np.float64),
                n_event=count_event.astype(np.float64),
                n_censor=count_censor.astype(np.float64),
                count_risk=count_risk,
                count_event=count_event,
                count_censor=count_censor,
            )
        )
    return curves, codes

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
FloatArray = NDArray[np.float64]


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
    compared with themselves (whole numbers; NaN fails), then scaled by the key's time stride and cast to int64 in
    one multiplication (exact below ``2**53``) and bounded by one reduction on the unsigned view (so negative
    values and infinity fail too); integer times are bounded first and then scaled. The key
    ``((t * n_blocks + b) * g + c) * 2 + e`` is completed in place and counted into the table by ``np.add.at``.
    The table grows with room to spare and is returned as a view, not copied. Whole numbers below ``2**26`` are
    never merged by R's ``aeqSurv``, so no near-tie step is needed.
    """
    if not _eligible(time, event, (block, column)):
        return None
    n = time.shape[0]
    caps = (
        _value_cap(time, min(int(COUNTING_MAX_ABS_TIME), max(COUNTING_MAX_RANGE, 2 * n))),
        _value_cap(block, FUSED_MAX_CODE) if block is not None else 1,
        _value_cap(column, FUSED_MAX_CODE) if column is not None else 1,
    )
    block_pass = _BlockPass(time, event, block, column, min(FUSED_CHUNK_ROWS, n))
    table = _Table()
    step = block_pass.step
    with np.errstate(invalid="ignore"):  # NaN or infinite times cast to int64; they are refused right after
        for lo in range(0, n, step):
            if not block_pass.count(lo, min(lo + step, n), table, caps):
                return None
    return table.event_major()


#: The reductions and the count, called as ufunc methods: the array methods add a Python wrapper to every call.
_MAX = np.maximum.reduce
_ALL = np.logical_and.reduce
_COUNT = np.add.at


class _Buffers:
    """Buffers for one block of rows, reused from block to block so that they stay in cache.

    The fewer buffers a block needs, the more of it stays in the nearest caches: ``spare`` shares its memory with
    ``floor`` (the whole-number times are no longer needed once scaled into the keys), and ``flags`` holds first
    the whole-number test of the times, then the event test of float events.
    """

    __slots__ = ("flags", "floor", "key", "key_u", "spare")

    def __init__(self, key: IntArray, floor: FloatArray, flags: BoolArray) -> None:
        self.key, self.key_u = key, key.view(np.uint64)
        self.floor, self.spare = floor, floor.view(np.int64)
        self.flags = flags

    @classmethod
    def allocate(cls, step: int) -> _Buffers:
        """Buffers of ``step`` rows."""
        return cls(np.empty(step, dtype=np.int64), np.empty(step, dtype=np.float64), np.empty(step, dtype=np.bool_))

    def head(self, m: int) -> _Buffers:
        """The first ``m`` rows of every buffer (for the last, shorter block)."""
        return _Buffers(self.key[:m], self.floor[:m], self.flags[:m])


class _BlockPass:
    """Checking and counting rows block by block: the inputs, with unsigned views for the range checks, and the
    buffers. Each input's block is used right after it is first read (it is then still in the nearest cache)."""

    def __init__(
        self,
        time: NDArray[Any],
        event: NDArray[Any],
        block: NDArray[Any] | None,
        column: NDArray[Any] | None,
        step: int,
    ) -> None:
        self.step = step
        self.time = time
        self.time_u = _unsigned(time) if time.dtype.kind in "iu" else None
        self.event = _as_signed(event)
        self.event_u = _unsigned(event) if event.dtype.kind in "iu" else None
        self.float_event = event.dtype.kind == "f"
        self.block = (_as_signed(block), _unsigned(block)) if block is not None else None
        self.column = (_as_signed(column), _unsigned(column)) if column is not None else None
        self.buffers = _Buffers.allocate(step)

    def count(self, lo: int, hi: int, table: _Table, caps: tuple[int, int, int]) -> bool:
        """Check rows ``lo:hi`` and count them into ``table``; False (nothing counted) if a row is outside what the
        pass handles."""
        buf = self.buffers if hi - lo == self.step else self.buffers.head(hi - lo)
        if not self._check_time(lo, hi, buf, caps[0]):
            return False
        b_max = int(_MAX(self.block[1][lo:hi])) if self.block is not None else 0
        c_max = int(_MAX(self.column[1][lo:hi])) if self.column is not None else 0
        if b_max >= caps[1] or c_max >= caps[2] or not table.fit_codes(b_max, c_max):
            return False
        _, n_blocks, g = table.shape
        stride = 2 * n_blocks * g
        if self.time_u is None:  # exact: whole numbers below 2**26 times a stride below 2**23 (larger: refused)
            np.multiply(buf.floor, stride, out=buf.key, casting="unsafe")
        else:
            np.multiply(self.time[lo:hi], stride, out=buf.key, dtype=np.int64)
        # A negative, NaN or infinite time made the key negative (out of range values cast to the most negative
        # int64), which the unsigned view makes at least 2**63. The code and event parts added are below stride.
        t_max = int(_MAX(buf.key_u)) // stride
        if t_max >= caps[0] or not table.fit_time(t_max):
            return False
        self._add_codes(lo, hi, buf, n_blocks, g)
        if not self._add_events(lo, hi, buf):
            return False
        _COUNT(table.counts, buf.key, 1)
        return True

    def _check_time(self, lo: int, hi: int, buf: _Buffers, cap: int) -> bool:
        """Whether the times of the rows are whole numbers (float: kept in ``buf.floor``) or integers below ``cap``
        (negative ones are not: their unsigned view is large; bounded first, so that scaling cannot overflow)."""
        if self.time_u is not None:
            return int(_MAX(self.time_u[lo:hi])) < cap
        t = self.time[lo:hi]
        return bool(_ALL(np.equal(np.trunc(t, out=buf.floor), t, out=buf.flags)))

    def _add_codes(self, lo: int, hi: int, buf: _Buffers, n_blocks: int, g: int) -> None:
        """Add ``(block * g + column) * 2`` of the rows to ``buf.key`` (codes already checked)."""
        if self.column is not None and g > 1:
            column = self.column[0][lo:hi]
            np.add(buf.key, np.add(column, column, out=buf.spare, dtype=np.int64), out=buf.key)
        if self.block is not None and n_blocks > 1:
            np.add(buf.key, np.multiply(self.block[0][lo:hi], 2 * g, out=buf.spare, dtype=np.int64), out=buf.key)

    def _add_events(self, lo: int, hi: int, buf: _Buffers) -> bool:
        """Add the events of the rows to ``buf.key``; False if one is not 0 or 1."""
        ev = self.event[lo:hi]
        if self.event_u is not None:
            if int(_MAX(self.event_u[lo:hi])) > 1:
                return False
        elif self.float_event:
            ones = np.equal(ev, 1, out=buf.flags)
            if np.count_nonzero(ev) != np.count_nonzero(ones):  # NaN is non-zero and not 1
                return False
            ev = ones
        np.add(buf.key, ev, out=buf.key)
        return True


class _Table:
    """The growing count table ``counts[time, block, column, event]`` (time-major, flat), and the largest time seen."""

    def __init__(self) -> None:
        self.shape = (0, 1, 1)  # (T, n_blocks, g)
        self.counts = np.zeros(0, dtype=np.int64)
        self.t_seen = -1

    def fit_codes(self, b_max: int, c_max: int) -> bool:
        """Make room for these block and column codes, keeping the counts so far; False if it would be too big."""
        n_times, n_blocks, g = self.shape
        if b_max < n_blocks and c_max < g:
            return True
        shape = (n_times, max(n_blocks, b_max + 1), max(g, c_max + 1))
        if 2 * shape[0] * shape[1] * shape[2] > FUSED_MAX_CELLS:
            return False
        if n_times == 0:  # nothing counted yet: the first :meth:`fit_time` allocates the table
            self.shape = shape
            return True
        grown = np.zeros((*shape, 2), dtype=np.int64)
        grown[:, :n_blocks, :g] = self.counts.reshape(n_times, n_blocks, g, 2)
        self.shape, self.counts = shape, grown.reshape(-1)
        return True

    def fit_time(self, t_max: int) -> bool:
        """Make room for times up to ``t_max``; False if it would be too big.

        Times are appended (the layout is time-major) with room to spare, so that the somewhat larger times later
        blocks bring rarely copy the table again; :meth:`event_major` drops the unused times.
        """
        n_times, n_blocks, g = self.shape
        if t_max >= n_times:
            cells = 2 * n_blocks * g
            if (t_max + 1) * cells > FUSED_MAX_CELLS:
                return False
            grown = min(max(n_times + n_times // 4, (t_max + 1) * 9 // 8), FUSED_MAX_CELLS // cells)
            more = np.zeros((grown - n_times) * cells, dtype=np.int64)
            self.counts = np.concatenate((self.counts, more)) if n_times else more
            self.shape = (grown, n_blocks, g)
        if t_max > self.t_seen:
            self.t_seen = t_max
        return True

    def event_major(self) -> IntArray:
        """The counts as ``counts[event, column, block, time]``, up to the largest time seen (a strided view of
        the table: the users of the counts read a few small slices of it, so copying it would cost more)."""
        return self.counts.reshape(*self.shape, 2)[: self.t_seen + 1].transpose(3, 2, 1, 0)


#: Unsigned integer types by width in bytes.
_UNSIGNED: dict[int, np.dtype[Any]] = {
    1: np.dtype(np.uint8),
    2: np.dtype(np.uint16),
    4: np.dtype(np.uint32),
    8: np.dtype(np.uint64),
}


def _unsigned(x: NDArray[Any]) -> NDArray[Any]:
    """``x`` reinterpreted as unsigned integers of the same width: negative values become the largest ones."""
    return x.view(_UNSIGNED[x.dtype.itemsize])


def _value_cap(x: NDArray[Any], cap: int) -> int:
    """``cap`` lowered so that no negative value of a signed ``x`` passes ``unsigned view < cap``."""
    return min(cap, 1 << (8 * x.dtype.itemsize - 1)) if x.dtype.kind == "i" else cap


def _as_signed(x: NDArray[Any]) -> NDArray[Any]:
    """uint64 as int64 (the same values below 2**63), so that adding it to int64 keys stays in integers."""
    return x.view(np.int64) if x.dtype == np.uint64 else x


def _eligible(time: NDArray[Any], event: NDArray[Any], codes: tuple[NDArray[Any] | None, ...]) -> bool:
    """Whether the arrays have the types, shapes and byte order that :func:`fused_counts` reads directly."""
    n = time.shape[0] if time.ndim == 1 else 0
    kinds = {"time": "fiu", "event": "biuf", "code": "biu"}
    for role, a in (("time", time), ("event", event), ("code", codes[0]), ("code", codes[1])):
        if a is None:
            continue
        dt = a.dtype
        if a.ndim != 1 or a.shape[0] != n or not dt.isnative or dt.kind not in kinds[role]:
            return False
    return n > 0 and (time.dtype.kind != "f" or time.dtype.itemsize == 8)


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
    codes = np.logical_or.reduce(total, axis=1).nonzero()[0]
    curves = []
    for c in codes:  # a loop over curves
        rows = total[c].nonzero()[0]
        count_event, count_censor, count_total = events[c][rows], censored[c][rows], total[c][rows]
        count_risk = count_total[::-1].cumsum()[::-1].copy()
        curves.append(CurveCounts.unweighted(rows.astype(np.float64), count_risk, count_event, count_censor))
    return curves, codes

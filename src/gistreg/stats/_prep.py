"""Input preparation shared by every statistic: checks, casts and integer codes.

Front ends call these helpers; kernels then receive clean float64/int64 arrays and do no validation.
Every error names the argument, the offending position and value, and what was expected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gistreg.core.errors import InputError
from gistreg.stats._kernels.counting import CurveCounts, RiskSetTable
from gistreg.stats._kernels.fused import fused_counts, fused_curve_counts, fused_risk_set_table
from gistreg.stats._kernels.packed import zero_one

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def as_float_vector(name: str, values: ArrayLike, *, allow_nan: bool = False) -> FloatArray:
    """Return ``values`` as a 1-D float64 array, refusing non-numeric, NaN (unless allowed) or infinite entries."""
    arr = _to_float_vector(name, values)
    if not allow_nan and _all_finite(arr):
        return arr
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{name}: position {i} is {arr[i].item()!r}; expected a finite number"
            f" ({int(bad.sum())} such value(s) in all)"
        )
    return arr


def _to_float_vector(name: str, values: ArrayLike) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: expected numbers, got values that are not numeric ({exc})") from exc
    if arr.ndim != 1:
        raise InputError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    return arr


def _all_finite(arr: FloatArray) -> bool:
    """Whether every entry is finite, by two reductions and no temporary (NaN and +-inf reach the min or max)."""
    if arr.shape[0] == 0:
        return True
    lo, hi = _min_max(arr)
    return bool(np.isfinite(lo) and np.isfinite(hi))


#: Rows per block when several reductions read the same array: the second reduction then reads from cache.
_BLOCK = 1 << 16


def _min_max(arr: NDArray[Any]) -> tuple[Any, Any]:
    """Minimum and maximum of a non-empty 1-D array in one pass over memory (NaN propagates as in ``min``)."""
    lo, hi = np.minimum.reduce, np.maximum.reduce  # the ufunc methods: no Python wrapper per call
    if arr.shape[0] <= _BLOCK:
        return lo(arr), hi(arr)
    parts = [(lo(arr[i : i + _BLOCK]), hi(arr[i : i + _BLOCK])) for i in range(0, arr.shape[0], _BLOCK)]
    return lo(np.array([p[0] for p in parts])), hi(np.array([p[1] for p in parts]))


def _count_zero_one(arr: FloatArray) -> int:
    """Number of entries equal to 0 or 1, in one pass over memory."""
    return sum(
        int(np.count_nonzero(block == 0)) + int(np.count_nonzero(block == 1))
        for block in (arr[i : i + _BLOCK] for i in range(0, arr.shape[0], _BLOCK))
    )


def as_time_range(name: str, values: ArrayLike) -> tuple[FloatArray, float, float]:
    """Return follow-up times as float64 with their minimum and maximum (0, 0 when empty).

    Refuses negative, NaN or infinite times. Valid input costs two reductions and no temporary.
    """
    arr = _to_float_vector(name, values)
    if arr.shape[0] == 0:
        return arr, 0.0, 0.0
    low, high = _min_max(arr)
    lo, hi = float(low), float(high)
    if np.isfinite(lo) and np.isfinite(hi) and lo >= 0:
        return arr, lo, hi
    as_float_vector(name, arr)
    neg = arr < 0
    i = int(np.flatnonzero(neg)[0])
    raise InputError(f"{name}: position {i} is {arr[i].item()!r}; times must be >= 0")


def as_time(name: str, values: ArrayLike) -> FloatArray:
    """Return follow-up times as float64, refusing negative, NaN or infinite times."""
    return as_time_range(name, values)[0]


def as_event(name: str, values: ArrayLike, n: int) -> FloatArray:
    """Return an event indicator as float64 0/1 (booleans accepted), checking its length against ``n``."""
    arr = _to_float_vector(name, values)
    if arr.shape[0] == n and _count_zero_one(arr) == n:
        return arr  # only 0 and 1: finite, right length
    arr = as_float_vector(name, arr)
    check_length(name, arr, n)
    bad = (arr != 0) & (arr != 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{name}: position {i} is {arr[i].item()!r}; expected 0 (censored) or 1 (event)")
    return arr


def as_weights(name: str, values: ArrayLike | None, n: int) -> FloatArray:
    """Return case weights (ones when ``None``), refusing negative or non-finite weights."""
    if values is None:
        return np.ones(n, dtype=np.float64)
    arr = as_float_vector(name, values)
    check_length(name, arr, n)
    neg = arr < 0
    if neg.any():
        i = int(np.flatnonzero(neg)[0])
        raise InputError(f"{name}: position {i} is {arr[i].item()!r}; weights must be >= 0")
    return arr


def check_length(name: str, arr: NDArray[Any], n: int) -> None:
    """Raise if ``arr`` does not have ``n`` entries."""
    if arr.shape[0] != n:
        raise InputError(f"{name}: has {arr.shape[0]} entries but time has {n}; they must be equally long")


@dataclass(frozen=True, slots=True)
class Codes:
    """Integer codes ``0..k-1`` for a grouping variable and the labels they stand for (sorted as R's factor)."""

    codes: IntArray
    labels: tuple[Any, ...]

    @property
    def k(self) -> int:
        """Number of distinct levels."""
        return len(self.labels)


def encode(name: str, values: ArrayLike | None, n: int) -> Codes:
    """Encode a grouping/strata variable as integer codes; ``None`` means one level for everybody.

    Levels are sorted (numbers numerically, strings lexically), as R orders the levels of ``factor()``.
    Missing values (``None``/NaN) are refused with their position: dropping them silently would lose patients.
    """
    if values is None:
        return Codes(np.zeros(n, dtype=np.int64), ("all",))
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InputError(f"{name}: expected a 1-D array, got shape {arr.shape}")
    check_length(name, arr, n)
    if arr.dtype.kind == "f":
        miss = np.isnan(arr)
    elif arr.dtype.kind == "O":
        miss = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in arr], dtype=bool)
    else:
        miss = np.zeros(n, dtype=bool)
    if miss.any():
        i = int(np.flatnonzero(miss)[0])
        raise InputError(f"{name}: position {i} is missing; every row needs a {name} value")
    if n > 0 and (arr.dtype.kind in "biu" or (arr.dtype.kind == "f" and _whole_finite(arr))):
        fast = _encode_small_integers(arr, n)
        if fast is not None:
            return fast
    labels, codes = np.unique(arr, return_inverse=True)
    return Codes(codes.astype(np.int64).reshape(-1), tuple(labels.tolist()))


def _whole_finite(arr: FloatArray) -> bool:
    """Whether every entry of a non-empty float array is a finite whole number (checked block by block)."""
    low, high = _min_max(arr)
    if not (np.isfinite(low) and np.isfinite(high)):
        return False
    blocks = (arr[i : i + _BLOCK] for i in range(0, arr.shape[0], _BLOCK))
    return all(bool((np.floor(block) == block).all()) for block in blocks)


def _encode_small_integers(arr: NDArray[Any], n: int) -> Codes | None:
    """Codes for integer/boolean (or whole-number float) labels with a small range by one counting pass.

    Gives the same codes and labels as ``np.unique``.

    Returns ``None`` when the range is too wide for a counting table (more than ``max(n, 65536)`` values).
    Labels that already are ``0..k-1`` in int64 are used as their own codes without a copy (codes are never
    modified).
    """
    low, high = _min_max(arr)
    if arr.dtype.kind == "b":
        shifted = arr.astype(np.int64)
    else:
        if int(high) - int(low) > max(n, 1 << 16):
            return None
        shifted = arr.astype(np.int64, copy=False) if low == 0 else (arr - low).astype(np.int64)
    span = int(high) - int(low)
    # with at most two values the minimum and the maximum are all there is: no need to count
    two_at_most = arr.dtype.kind != "b" and span <= 1
    present = np.ones(span + 1, dtype=bool) if two_at_most else np.bincount(shifted) > 0
    levels = np.flatnonzero(present).astype(arr.dtype)
    labels = tuple((levels if arr.dtype.kind == "b" else levels + low).tolist())
    if present.all():  # levels are already 0..k-1 after the shift
        return Codes(shifted, labels)
    lookup = np.cumsum(present, dtype=np.int64) - 1
    return Codes(lookup[shifted], labels)


def as_covariates(
    name: str, values: ArrayLike, n: int, names: Sequence[str] | None
) -> tuple[FloatArray, tuple[str, ...]]:
    """Return a 2-D float64 covariate matrix (n × p) and its column names (``x1..xp`` when not given)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise InputError(f"{name}: expected a 2-D array (rows = patients), got shape {arr.shape}")
    if arr.shape[0] != n:
        raise InputError(f"{name}: has {arr.shape[0]} rows but time has {n}; they must be equally long")
    p = arr.shape[1]
    cols = tuple(names) if names is not None else tuple(f"x{j + 1}" for j in range(p))
    if len(cols) != p:
        raise InputError(f"{name}: {p} columns but {len(cols)} names were given")
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise InputError(f"{name}: row {i}, covariate {cols[j]!r} is {arr[i, j].item()!r}; expected a finite number")
    return np.ascontiguousarray(arr), cols


@dataclass(frozen=True, slots=True)
class FusedTable:
    """A risk-set table counted straight from the raw inputs, with the labels :func:`encode` would give."""

    table: RiskSetTable
    groups: tuple[Any, ...]
    strata: tuple[Any, ...]


def fused_table(
    time: ArrayLike, event: ArrayLike, group: ArrayLike | None, strata: ArrayLike | None
) -> FusedTable | None:
    """Check and count unweighted inputs in one pass (:func:`~gistreg.stats._kernels.fused.fused_counts`).

    Blocks of the table are the strata and columns the groups.
    Returns ``None`` whenever the inputs are not of the common kind that pass handles (whole-number times,
    integer or boolean events and small non-negative integer or boolean labels) or anything is wrong with them;
    the caller then checks them with :func:`as_time_range`, :func:`as_event` and :func:`encode`, which give the
    precise error, and counts with ``risk_set_table``. Both routes give identical tables and labels: the labels
    are the codes present, in the label's own type, as ``np.unique`` gives them.
    """
    counted = _counted(time, event, group, strata)
    if counted is None:
        return None
    counts, g, s = counted
    table, strata_codes, group_codes = fused_risk_set_table(counts)
    return FusedTable(table, _labels(g, group_codes), _labels(s, strata_codes))


def fused_curves(
    time: ArrayLike, event: ArrayLike, group: ArrayLike | None
) -> tuple[list[CurveCounts], tuple[Any, ...]] | None:
    """Kaplan-Meier curve counts per group, checked and counted in one pass, with the labels :func:`encode` gives.

    ``None`` under the same conditions as :func:`fused_table` (the caller then takes the general route).
    """
    counted = _counted(time, event, group, None)
    if counted is None:
        return None
    counts, g, _ = counted
    curves, group_codes = fused_curve_counts(counts)
    return curves, _labels(g, group_codes)


def _counted(
    time: ArrayLike, event: ArrayLike, group: ArrayLike | None, strata: ArrayLike | None
) -> tuple[IntArray, NDArray[Any] | None, NDArray[Any] | None] | None:
    """The counts of :func:`~gistreg.stats._kernels.fused.fused_counts` with the group and strata arrays, or
    ``None`` when the inputs cannot be made arrays or the pass declines them."""
    arrays = _as_arrays(time, event, group, strata)
    if arrays is None:
        return None
    t, e, g, s = arrays
    counts = fused_counts(t, e, s, g)
    return None if counts is None else (counts, g, s)


def _as_arrays(
    time: ArrayLike, event: ArrayLike, group: ArrayLike | None, strata: ArrayLike | None
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any] | None, NDArray[Any] | None] | None:
    """The inputs as arrays (no copies of arrays), or ``None`` if one cannot be made an array."""
    try:
        return (
            np.asarray(time),
            np.asarray(event),
            np.asarray(group) if group is not None else None,
            np.asarray(strata) if strata is not None else None,
        )
    except (TypeError, ValueError):  # e.g. ragged nested lists: the general route names the problem
        return None


def _labels(values: NDArray[Any] | None, present: IntArray) -> tuple[Any, ...]:
    """Labels of the codes ``present`` of integer or boolean ``values`` (``("all",)`` without values)."""
    if values is None:
        return ("all",)
    return tuple(present.astype(values.dtype).tolist())


def time_and_event(
    time: ArrayLike, event: ArrayLike, weights: ArrayLike | None
) -> tuple[FloatArray, float, float, NDArray[Any]]:
    """Checked follow-up times with their minimum and maximum, and the events, for KM and log-rank.

    Refuses an empty ``time``. Unweighted integer 0/1 events are returned as they are (the packed sort needs no
    float copy); anything else is checked and cast by :func:`as_event`.
    """
    t, t_min, t_max = as_time_range("time", time)
    n = t.shape[0]
    if n == 0:
        raise InputError("time: is empty; at least one observation is needed")
    raw = zero_one(event, n) if weights is None else None
    return t, t_min, t_max, (as_event("event", event, n) if raw is None else raw)

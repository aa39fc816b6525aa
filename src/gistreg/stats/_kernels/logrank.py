"""Log-rank kernel: observed and expected (weighted) events and their variance, for k groups within strata.

Formulas follow R ``survival`` 3.5-3 ``survdiff2.c``, vectorised over the distinct times of each stratum. The sums
are fed block of rows by block of rows (:class:`LogRankStream`), so that a caller that counts the rows in blocks
never forms the whole table; :func:`logrank_sums` feeds a table's strata whole. Both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gistreg.stats._kernels.counting import RiskSets

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Numbers = NDArray[np.float64] | NDArray[np.int64]

#: Up to this many groups, per-group arrays are formed column by column (long inner loops instead of a short axis).
_FEW_GROUPS = 8


@dataclass(frozen=True, slots=True)
class LogRankSums:
    """Observed and expected per group and stratum, shape (k, s); variance summed over strata, shape (k, k)."""

    observed: FloatArray
    expected: FloatArray
    variance: FloatArray


class LogRankStream:
    """Fleming-Harrington G(rho, gamma) weighted log-rank sums, fed with the distinct times of each stratum in
    ascending order, a block of times at a time (:meth:`add`).

    At each distinct time with ``D > 0`` deaths among ``N`` at risk (``d_g``, ``n_g`` per group) and weight
    ``w = S(t-)^rho (1 - S(t-))^gamma`` (``S`` the pooled left-continuous Kaplan-Meier of the stratum; ``w = 1``
    for the log-rank test): ``O_g += w d_g``, ``E_g += w D n_g / N`` and
    ``V += w^2 D (N - D) / (N (N - 1)) (diag(n) - n n' / N)``. Times with ``N <= 1`` add nothing to ``V`` (R skips
    ``N == 1``; with fractional case weights ``N < 1`` would make the hypergeometric factor negative).

    Parameters
    ----------
    sizes
        Per stratum, the number of its distinct times, or an upper bound of it.
    k
        Number of groups.
    rho, gamma
        The weight's exponents; (0, 0) is the log-rank test.
    whole
        The death counts are whole numbers whose sums are exact in any order (unweighted rows).
    n_risk
        Shape (sum(sizes), k): the numbers at risk of all strata, when the caller has them already (as a table
        does; ``sizes`` are then exact). Otherwise they are passed to :meth:`add` and kept here.

    Notes
    -----
    Observed and expected are summed per (stratum, group) in row order, one addition after the other (as R's
    loop over times), carried from block to block; rows that add exactly 0 (no deaths) are skipped, which leaves
    every sum unchanged, and whole numbers of deaths are summed in any order. ``S(t-)`` is a running product
    carried the same way. The variance is ``diag(c' n) - (n * c / N)' n`` by two matrix products over the rows of
    all strata, once all are fed (:meth:`result`).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        k: int,
        rho: float,
        gamma: float,
        *,
        whole: bool,
        n_risk: FloatArray | None = None,
    ) -> None:
        s = len(sizes)
        self._k, self._rho, self._gamma, self._whole = k, rho, gamma, whole
        self._weighted = not (rho == 0 and gamma == 0)
        self._offsets = np.concatenate(([0], np.cumsum(sizes, dtype=np.int64))).astype(np.int64)
        size = int(self._offsets[-1])
        self._own_n = n_risk is None
        self._n = np.empty((size, k)) if n_risk is None else n_risk
        self._coef, self._scaled = np.empty(size), np.empty(size)
        self._filled = [0] * s
        self._left = [1.0] * s  # S(t-) at the next time of each stratum
        self.observed, self.expected = np.zeros((k, s)), np.zeros((k, s))

    def add(
        self,
        stratum: int,
        events: Sequence[Numbers],
        deaths: Numbers,
        at_risk: Numbers,
        n_risk: Sequence[Numbers] = (),
    ) -> None:
        """Feed the next distinct times of ``stratum``: events per group (one array per group), their sum over the
        groups, the number at risk, and the numbers at risk per group (one array per group; not when the stream
        was given them)."""
        m = deaths.shape[0]
        if m == 0:
            return
        b, lo = stratum, int(self._offsets[stratum]) + self._filled[stratum]
        rows = slice(lo, lo + m)
        self._filled[stratum] += m
        n = self._n[rows]
        if self._own_n:
            for j in range(self._k):  # a loop over groups
                np.copyto(n[:, j], n_risk[j])
        d, at = np.asarray(deaths, dtype=np.float64), np.asarray(at_risk, dtype=np.float64)
        weight = self._weight(b, d, at) if self._weighted else None
        event_time = d > 0
        died = np.flatnonzero(event_time)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = d[died] if weight is None else (weight * d)[died]
            ratio = at[died]
            for j in range(self._k):  # a loop over groups
                column = share * n[:, j][died]
                column /= ratio
                self.expected[j, b] = _carried_sum(column, self.expected[j, b])
                observed = np.asarray(events[j], dtype=np.float64)
                if weight is not None:  # an infinite or NaN weight makes even 0 deaths count, as in the full sum
                    self.observed[j, b] = _carried_sum(weight * observed, self.observed[j, b])
                elif self._whole:
                    self.observed[j, b] += observed.sum()
                else:
                    self.observed[j, b] = _carried_sum(observed[died], self.observed[j, b])
            self._variance_factors(rows, d, at, event_time, weight)

    def _weight(self, stratum: int, d: FloatArray, at: FloatArray) -> FloatArray:
        """``S(t-)^rho (1 - S(t-))^gamma`` at the block's times, ``S(t-)`` carried on within the stratum."""
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(d > 0, (at - d) / at, 1.0)
        left = np.cumprod(np.concatenate(([self._left[stratum]], factor[:-1])))
        self._left[stratum] = float(left[-1] * factor[-1])
        weight: FloatArray = left**self._rho * (1.0 - left) ** self._gamma
        return weight

    def _variance_factors(
        self, rows: slice, d: FloatArray, at: FloatArray, event_time: NDArray[np.bool_], weight: FloatArray | None
    ) -> None:
        """``c = w^2 D (N - D) / (N (N - 1))`` and ``c / N`` at the rows, 0 where a time adds nothing."""
        # with weight 1 and finite N, a time without deaths and N > 1 has c = 0 (N - 0) / (N (N - 1)) = 0 already,
        # so only N <= 1 needs setting; a weight may be infinite where there are no deaths
        if weight is None and at.max() < np.inf:
            unused = np.flatnonzero(at <= 1)
        else:
            unused = np.flatnonzero(~(event_time & (at > 1)))
        squared = d if weight is None else weight * weight * d
        coef, scaled = self._coef[rows], self._scaled[rows]
        np.subtract(at, d, out=coef)
        np.multiply(squared, coef, out=coef)
        np.subtract(at, 1.0, out=scaled)
        np.multiply(at, scaled, out=scaled)
        np.divide(coef, scaled, out=coef)
        coef[unused] = 0.0
        np.divide(coef, at, out=scaled)
        scaled[unused] = 0.0

    def result(self) -> LogRankSums:
        """The sums over everything fed."""
        n, coef, scaled = self._n, self._coef, self._scaled
        ends = self._offsets[:-1] + np.array(self._filled, dtype=np.int64)
        if not np.array_equal(ends, self._offsets[1:]):  # sizes were upper bounds: keep the rows fed
            keep = np.concatenate([np.arange(lo, hi) for lo, hi in zip(self._offsets[:-1], ends, strict=True)])
            n, coef, scaled = n[keep], coef[keep], scaled[keep]
        variance = np.diag(coef @ n) - _times_rows(n, scaled).T @ n
        return LogRankSums(self.observed, self.expected, variance)


def logrank_sums(sets: RiskSets, n_strata: int, rho: float, gamma: float) -> LogRankSums:
    """Fleming-Harrington G(rho, gamma) weighted log-rank sums of a table (see :class:`LogRankStream`).

    Preconditions: ``sets`` has one block per stratum and one column per group.
    """
    starts = sets.starts
    k = sets.n_event.shape[1]
    stream = LogRankStream(np.diff(starts).tolist(), k, rho, gamma, whole=sets.whole, n_risk=sets.n_risk)
    for b in range(n_strata):  # a loop over strata
        rows = slice(int(starts[b]), int(starts[b + 1]))
        stream.add(b, [sets.n_event[rows, j] for j in range(k)], sets.deaths[rows], sets.at_risk[rows])
    return stream.result()


def _carried_sum(x: FloatArray, carry: float) -> float:
    """``carry`` plus the entries of ``x`` added one after the other (``x`` is overwritten)."""
    if x.shape[0] == 0:
        return carry
    x[0] += carry
    return float(np.cumsum(x, out=x)[-1])


def _times_rows(n: FloatArray, scale: FloatArray) -> FloatArray:
    """``n * scale[:, None]`` as a new C-contiguous array, column by column for a few groups."""
    k = n.shape[1]
    if k > _FEW_GROUPS:
        out: FloatArray = n * scale[:, None]
        return out
    out = np.empty_like(n)
    for j in range(k):  # a loop over groups
        np.multiply(n[:, j], scale, out=out[:, j])
    return out

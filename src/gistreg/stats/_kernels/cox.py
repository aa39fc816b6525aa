"""Cox partial likelihood: sorting, risk-set sums, Newton-Raphson as R ``coxph``, score residuals, zph score test.

Everything here takes clean NumPy arrays (the front ends in ``gistreg.stats.cox`` / ``coxzph`` validate) and does
no input checking.  The layout follows R survival's ``coxfit6.c``:

* rows are sorted once by stratum, then time *descending*, so a risk set is a prefix of its stratum;
* rows with the same (stratum, time) form a *tie group*; rows of a tie group with an event form a *run*;
* risk-set sums are cumulative sums over tie groups (``np.add.reduceat`` + a segmented ``cumsum``), so the work per
  Newton step is a handful of passes over the data, with no Python loop over rows or times;
* Efron's correction expands a run of ``d`` tied deaths into ``d`` *terms* with ``f = k/d`` (``k = 0..d-1``) of the
  deaths removed from the risk set; Breslow is the same code with one term per run and ``f = 0``.

The information matrix is ``sum_terms wt (C/den - m m')``; the ``C`` part is rearranged into
``X' diag(g) X`` with ``g_i = r_i (sum of wt/den over the terms whose risk set holds i)``, one BLAS product.
Harrell's concordance of a fit lives in ``cox_concordance``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gistreg.stats._kernels import counting

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


# --------------------------------------------------------------------------------------------- segments
@dataclass(frozen=True, slots=True)
class Segments:
    """Contiguous segments ``[start[s], end[s])`` of a sorted axis (the strata), with a plan for segmented sums.

    When there are more segments than the longest segment is long (e.g. matched sets), cumulative sums loop over
    the offset within the segment instead of over the segments: ``by_offset[k]`` lists the rows at offset ``k``
    from their segment's start and ``by_offset_rev[k]`` those at offset ``k`` from the end.
    """

    start: IntArray
    end: IntArray
    by_offset: tuple[IntArray, ...] | None
    by_offset_rev: tuple[IntArray, ...] | None


def make_segments(codes: IntArray) -> Segments:
    """Segments of equal consecutive ``codes`` (codes must already be grouped)."""
    n = codes.shape[0]
    brk = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    start = np.concatenate(([0], brk)).astype(np.int64)
    end = np.concatenate((brk, [n])).astype(np.int64)
    length = end - start
    if start.shape[0] <= 1 or start.shape[0] <= int(length.max()):
        return Segments(start, end, None, None)
    seg_of = np.repeat(np.arange(start.shape[0]), length)
    offset = np.arange(n) - start[seg_of]
    offset_rev = end[seg_of] - 1 - np.arange(n)
    order = np.argsort(offset, kind="stable")
    order_rev = np.argsort(offset_rev, kind="stable")
    cuts = np.cumsum(np.bincount(offset))
    cuts_rev = np.cumsum(np.bincount(offset_rev))
    return Segments(
        start,
        end,
        tuple(np.split(order, cuts[:-1])),
        tuple(np.split(order_rev, cuts_rev[:-1])),
    )


def seg_cumsum(v: FloatArray, seg: Segments, *, reverse: bool = False) -> FloatArray:
    """Cumulative sum along axis 0 restarting at each segment (from the segment's end when ``reverse``)."""
    if seg.start.shape[0] == 1:
        return np.cumsum(v[::-1], axis=0)[::-1] if reverse else np.cumsum(v, axis=0)
    if seg.by_offset is None or seg.by_offset_rev is None:
        out = np.empty_like(v)
        for a, b in zip(seg.start.tolist(), seg.end.tolist(), strict=True):
            if reverse:
                out[a:b] = np.cumsum(v[a:b][::-1], axis=0)[::-1]
            else:
                np.cumsum(v[a:b], axis=0, out=out[a:b])
        return out
    out = v.copy()
    if reverse:
        for rows in seg.by_offset_rev[1:]:
            out[rows] += out[rows + 1]
    else:
        for rows in seg.by_offset[1:]:
            out[rows] += out[rows - 1]
    return out


def seg_cumsum_last(v: FloatArray, seg: Segments) -> FloatArray:
    """Cumulative sum along the last axis of a (k, m) array, restarting at each segment of that axis."""
    if seg.start.shape[0] == 1:
        out: FloatArray = np.cumsum(v, axis=1)
        return out
    if seg.by_offset is None:
        out = np.empty_like(v)
        for a, b in zip(seg.start.tolist(), seg.end.tolist(), strict=True):
            np.cumsum(v[:, a:b], axis=1, out=out[:, a:b])
        return out
    return np.ascontiguousarray(seg_cumsum(np.ascontiguousarray(v.T), seg).T)


# --------------------------------------------------------------------------------------------- sorted data
CHUNK = 32768  # rows per pass: keeps temporaries in cache and reused
FEW_GROUPS = 8  # a chunk with fewer than rows / FEW_GROUPS tie groups is summed group by group


@dataclass(frozen=True, slots=True)
class CoxArrays:
    """Data sorted by stratum, then time descending, events before censorings, with the tie structure.

    Preconditions (the front end guarantees them): finite times, events in {0, 1}, weights > 0, finite covariates,
    strata coded ``0..k-1``.  Row chunks (``chunk_rows``) start at tie-group boundaries, so every tie group and every
    run lies inside one chunk.  Within a tie group the events come first, so a run is the first rows of its group;
    *segments* cut every tie group into its events and its censorings (``seg_start``), which lets one segmented
    sum give both the tie-group and the run totals.
    """

    order: IntArray  # sorted position -> original row
    event: BoolArray
    weight: FloatArray
    xt: FloatArray  # covariates minus their weighted mean, transposed: (p, n), C-contiguous (one row per covariate)
    means: FloatArray
    mean_abs_dev: FloatArray  # weighted mean of |x - mean| per covariate (coxfit6 scales by its inverse)
    wx_dead: FloatArray  # sum of w x over the events (centred)
    group_start: IntArray  # first row of each tie group
    group_of_row: IntArray
    group_segments: Segments  # strata as segments of tie groups
    death_rows: IntArray  # sorted positions of the events, ascending
    run_start: IntArray  # index into death_rows where each run starts
    run_group: IntArray  # tie group of each run
    run_time: FloatArray
    run_size: IntArray  # number of events d in the run
    run_weight: FloatArray  # summed case weight of the run's events
    death_run: IntArray  # run of each event
    tied_runs: IntArray  # runs with more than one event (the only ones with more than one Efron term)
    tied_start: IntArray  # where each tied run's terms start in ``tied_frac``
    tied_frac: FloatArray  # k/d per term of the tied runs: share of the run's events removed (Efron), k = 0..d-1
    group_end: IntArray  # one past the last row of each tie group
    run_row: IntArray  # first row of each run (its tie group's first row: events come first)
    row_slot: IntArray  # 2 * tie group + (0 for an event, 1 for a censoring), per row
    chunk_rows: IntArray  # chunk boundaries (rows), len = chunks + 1
    chunk_groups: IntArray  # first tie group of each chunk (+ total)
    chunk_runs: IntArray  # first run of each chunk (+ total)

    @property
    def x(self) -> FloatArray:
        """Centred covariates as an (n, p) view."""
        out: FloatArray = self.xt.T
        return out


def _argsort_small(key: IntArray, span: int) -> IntArray:
    """Ascending order of non-negative integer keys below ``span``: radix sorts of 16-bit digits when they fit."""
    if span <= 1 << 16:
        return np.argsort(key.astype(np.uint16), kind="stable").astype(np.int64, copy=False)
    if span <= 1 << 32:
        low = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
        high = (key >> 16).astype(np.uint16)[low]
        return low[np.argsort(high, kind="stable")].astype(np.int64, copy=False)
    return np.argsort(key).astype(np.int64, copy=False)


def _sort_keys(
    time: FloatArray, strata: IntArray, event: FloatArray | None, codes: counting.TimeCodes | None = None
) -> tuple[IntArray, IntArray, FloatArray, int]:
    """Sorting order, the sorted keys ``(stratum * T + T - 1 - time code) * 2 + censored`` and the coded times.

    Times are coded (unless ``codes`` are given) by one counting pass when they are whole numbers of moderate
    range, else by one sort (``counting.code_times``); the order is then a radix sort of small integer keys.
    """
    if codes is None:
        codes = counting.code_times(time)
    n_times = max(codes.values.shape[0], 1)
    key = (n_times - 1) - codes.index
    key <<= 1
    if event is not None:
        key += event == 0
    n_strata = int(strata.max()) + 1 if strata.shape[0] else 1
    if n_strata > 1:
        key += strata * (2 * n_times)
    order = _argsort_small(key, 2 * n_times * n_strata)
    return order, key[order], codes.values, n_times


def _chunk_bounds(group_start: IntArray, n: int) -> IntArray:
    """Chunk starts near multiples of CHUNK, moved to the next tie-group start."""
    want = np.arange(CHUNK, n, CHUNK)
    idx = np.searchsorted(group_start, want)
    starts = np.unique(np.concatenate(([0], group_start[idx[idx < group_start.shape[0]]])))
    return np.append(starts, n).astype(np.int64)


def _centred_transpose(
    x: FloatArray, order: IntArray, weight: FloatArray, w: FloatArray, wd: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Sorted covariates minus their weighted means as a (p, n) array (gathered and centred chunk by chunk, in
    cache), the means, the weighted mean absolute deviations and ``sum w x`` over the rows weighted by ``wd``."""
    n, p = x.shape
    total = float(weight.sum())
    means: FloatArray = (weight @ x) / total
    xt = np.empty((p, n))
    absdev = np.zeros(p)
    dead = np.zeros(p)
    for a in range(0, n, CHUNK):
        part = xt[:, a : a + CHUNK]
        part[...] = x.take(order[a : a + CHUNK], axis=0).T
        part -= means[:, None]
        absdev += np.abs(part) @ w[a : a + CHUNK]
        dead += part @ wd[a : a + CHUNK]
    return xt, means, absdev / total, dead


def prepare(
    time: FloatArray,
    event: FloatArray,
    x: FloatArray,
    weight: FloatArray,
    strata: IntArray,
    *,
    codes: counting.TimeCodes | None = None,
) -> CoxArrays:
    """Sort once and describe the tie groups, runs, segments, strata and row chunks.

    ``codes`` are the times already coded by ``counting.code_times`` (saves coding them again).
    """
    n = x.shape[0]
    order, keys, values, n_times = _sort_keys(time, strata, event, codes)
    ev = (keys & 1) == 0
    gkey = keys >> 1  # stratum * T + reversed time code: equal within a tie group
    brk = np.empty(n, dtype=bool)
    brk[:1] = True
    np.not_equal(gkey[1:], gkey[:-1], out=brk[1:])
    group_start = np.flatnonzero(brk).astype(np.int64)
    group_of_row = np.cumsum(brk, dtype=np.int64)
    group_of_row -= 1
    w = weight.take(order)
    xt, means, absdev, wx_dead = _centred_transpose(x, order, weight, w, np.where(ev, w, 0.0))
    death_rows = np.flatnonzero(ev).astype(np.int64)
    ngroups = group_start.shape[0]
    deaths_in_group = np.bincount(group_of_row[death_rows], minlength=ngroups)
    run_group = np.flatnonzero(deaths_in_group).astype(np.int64)
    run_size = deaths_in_group[run_group].astype(np.int64)
    run_start = np.zeros(run_size.shape[0], dtype=np.int64)
    np.cumsum(run_size[:-1], out=run_start[1:])
    death_run = np.repeat(np.arange(run_size.shape[0], dtype=np.int64), run_size)
    tied_runs = np.flatnonzero(run_size > 1).astype(np.int64)
    tied_size = run_size[tied_runs]
    tied_start = np.zeros(tied_runs.shape[0], dtype=np.int64)
    np.cumsum(tied_size[:-1], out=tied_start[1:])
    tied_frac = np.arange(int(tied_size.sum()), dtype=np.float64)
    tied_frac -= np.repeat(tied_start, tied_size)
    tied_frac /= np.repeat(tied_size, tied_size)
    group_end = np.append(group_start[1:], n)
    bounds = _chunk_bounds(group_start, n)
    row_slot = group_of_row * 2
    row_slot += ~ev
    wd = w[death_rows]
    return CoxArrays(
        order=order,
        event=ev,
        weight=w,
        xt=xt,
        means=means,
        mean_abs_dev=absdev,
        wx_dead=wx_dead,
        group_start=group_start,
        group_of_row=group_of_row,
        group_segments=make_segments(gkey[group_start] // n_times),
        death_rows=death_rows,
        run_start=run_start,
        run_group=run_group,
        run_time=values[n_times - 1 - gkey[group_start[run_group]] % n_times],
        run_size=run_size,
        run_weight=np.add.reduceat(wd, run_start) if run_start.size else np.zeros(0),
        death_run=death_run,
        tied_runs=tied_runs,
        tied_start=tied_start,
        tied_frac=tied_frac,
        group_end=group_end,
        run_row=group_start[run_group],
        row_slot=row_slot,
        chunk_rows=bounds,
        chunk_groups=np.searchsorted(group_start, bounds).astype(np.int64),
        chunk_runs=np.searchsorted(group_start[run_group], bounds).astype(np.int64),
    )


# --------------------------------------------------------------------------------------------- risk sets
@dataclass(frozen=True, slots=True)
class RiskSets:
    """Risk-set sums at one beta, reduced to one row per run (a run = the tied events of one time).

    A *term* is one event under Efron (``f = k/d`` of the run's events removed from the risk set) or one run under
    Breslow (``f = 0``).  Per run, sums over its terms of ``wt f^j / den^k`` are kept, so that everything the fit
    needs is a small run-level product: the term mean is ``m = (r1 - f d1)/den``.
    """

    risk: FloatArray  # w exp(eta) per sorted row
    r0: FloatArray  # risk-set total at each run (all tied rows in), (runs,)
    r1: FloatArray  # risk-set sum of risk * x, (runs, p)
    d1: FloatArray  # sum of risk * x over the run's events, (runs, p)
    log_den: float  # sum over terms of wt log(den)
    a: FloatArray  # sum wt/den
    b: FloatArray  # sum wt f/den
    alpha: FloatArray  # sum wt/den^2
    beta: FloatArray  # sum wt f/den^2
    gamma: FloatArray  # sum wt f^2/den^2
    inv: FloatArray  # sum 1/den      (unweighted: Schoenfeld means)
    finv: FloatArray  # sum f/den
    n_terms: IntArray


def _group_sums(ca: CoxArrays, beta: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Risks ``w exp(x beta)`` per row, and the sums of ``(risk, risk * x)`` per tie group and over each run's
    events, shape (1 + p, groups) and (1 + p, runs).

    A chunk with few tie groups (whole days, say) is summed group by group (``np.add.reduceat``); a chunk with many
    (continuous times) is summed cumulatively in cache and a group's (or run's) sum is the difference of the
    running sums at its ends, so the work does not grow with the number of groups.
    """
    p, n = ca.xt.shape
    risk = np.empty(n)
    gsum = np.empty((p + 1, ca.group_start.shape[0]))
    dsum = np.empty((p + 1, ca.run_row.shape[0]))
    longest = int(np.max(np.diff(ca.chunk_rows), initial=0))
    buf = np.zeros((p + 1, longest + 1))  # column 0 stays 0: the running sum before the chunk's first row
    for c in range(ca.chunk_rows.shape[0] - 1):
        a, b = int(ca.chunk_rows[c]), int(ca.chunk_rows[c + 1])
        ga, gb = int(ca.chunk_groups[c]), int(ca.chunk_groups[c + 1])
        ra, rb = int(ca.chunk_runs[c]), int(ca.chunk_runs[c + 1])
        xc = ca.xt[:, a:b]
        r = risk[a:b]
        np.matmul(beta, xc, out=r)
        np.exp(r, out=r)
        r *= ca.weight[a:b]
        body = buf[:, 1 : b - a + 1]
        body[0] = r
        np.multiply(xc, r, out=body[1:])
        start = ca.group_start[ga:gb] - a
        first = ca.run_row[ra:rb] - a
        end = first + ca.run_size[ra:rb]
        if (gb - ga) * FEW_GROUPS < b - a:  # few, long groups: sum each directly
            gsum[:, ga:gb] = np.add.reduceat(body, start, axis=1)
            cuts = np.column_stack((first, end)).ravel()
            dsum[:, ra:rb] = np.add.reduceat(body, cuts[:-1] if cuts[-1] == b - a else cuts, axis=1)[:, ::2]
            continue
        np.cumsum(body, axis=1, out=body)
        np.subtract(np.take(buf, ca.group_end[ga:gb] - a, axis=1), np.take(buf, start, axis=1), out=gsum[:, ga:gb])
        np.subtract(np.take(buf, end, axis=1), np.take(buf, first, axis=1), out=dsum[:, ra:rb])
    return risk, gsum, dsum


def _efron_terms(ca: CoxArrays, r0: FloatArray, d0: FloatArray) -> FloatArray:
    """Per run, sums over its Efron terms of ``1/den, f/den, 1/den^2, f/den^2, f^2/den^2, log den``: (6, runs).

    A run with one event has one term, ``den = r0``; only the tied runs are expanded into their terms, in blocks
    of whole runs of about ``CHUNK`` terms, so that they stay in cache.
    """
    out = np.empty((6, r0.shape[0]))
    np.divide(1.0, r0, out=out[0])
    out[1] = 0.0
    np.multiply(out[0], out[0], out=out[2])
    out[3] = 0.0
    out[4] = 0.0
    np.log(r0, out=out[5])
    runs, starts, frac = ca.tied_runs, ca.tied_start, ca.tied_frac
    nt, nterms = runs.shape[0], frac.shape[0]
    edges = np.append(np.unique(np.searchsorted(starts, np.arange(0, nterms, CHUNK))), nt)
    for ra, rb in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
        da = int(starts[ra])
        db = int(starts[rb]) if rb < nt else nterms
        sel = runs[ra:rb]
        size = ca.run_size[sel]
        f = frac[da:db]
        den = np.repeat(d0[sel], size)
        den *= f
        np.subtract(np.repeat(r0[sel], size), den, out=den)
        m = np.empty((6, db - da))
        np.divide(1.0, den, out=m[0])
        np.multiply(f, m[0], out=m[1])
        np.multiply(m[0], m[0], out=m[2])
        np.multiply(m[1], m[0], out=m[3])
        np.multiply(m[1], m[1], out=m[4])
        np.log(den, out=m[5])
        out[:, sel] = np.add.reduceat(m, starts[ra:rb] - da, axis=1)
    return out


def risk_sets(ca: CoxArrays, beta: FloatArray, efron: bool) -> RiskSets:
    """One pass over the chunks: risks, tie-group and run sums; then the risk-set sums and the run-level terms."""
    nruns = ca.run_start.shape[0]
    risk, gsum, dsum = _group_sums(ca, beta)
    r0 = seg_cumsum(gsum[0], ca.group_segments)[ca.run_group]
    r1 = np.ascontiguousarray(seg_cumsum_last(gsum[1:], ca.group_segments)[:, ca.run_group].T)
    d0 = dsum[0]
    d1 = np.ascontiguousarray(dsum[1:].T)
    if efron and nruns:
        sums = _efron_terms(ca, r0, d0)
        wt = ca.run_weight / ca.run_size
        n_terms = ca.run_size
    else:
        inv = 1.0 / r0
        zero = np.zeros(nruns)
        sums = np.vstack((inv, zero, inv * inv, zero, zero, np.log(r0)))
        wt = ca.run_weight
        n_terms = np.ones(nruns, dtype=np.int64)
    ws = sums * wt
    return RiskSets(
        risk, r0, r1, d1, float(ws[5].sum()),
        ws[0], ws[1], ws[2], ws[3], ws[4], sums[0], sums[1], n_terms,
    )


def _xdx(ca: CoxArrays, rs: RiskSets, a_run: FloatArray, b_run: FloatArray) -> FloatArray:
    """``X' diag(g) X`` with ``g_i = risk_i (sum of a over runs whose risk set holds i)`` minus, for an event
    row, ``risk_i b`` of its own run: the ``sum_terms wt C/den`` part of the information."""
    ngroups = ca.group_start.shape[0]
    a_grp = np.zeros(ngroups)
    a_grp[ca.run_group] = a_run
    acum = seg_cumsum(a_grp, ca.group_segments, reverse=True)
    slot = np.empty(2 * ngroups)
    slot[1::2] = acum  # a censored row: every run at or before its time
    slot[0::2] = acum
    slot[2 * ca.run_group] -= b_run  # an event row: its own run counts with a - b
    nonneg = bool(np.all(slot >= 0))  # then X' diag(g) X = Y'Y with Y = sqrt(g) X (a symmetric rank-k update)
    p = ca.xt.shape[0]
    out = np.zeros((p, p))
    longest = int(np.max(np.diff(ca.chunk_rows), initial=0))
    buf = np.empty((p, longest))
    for c in range(ca.chunk_rows.shape[0] - 1):
        a, b = int(ca.chunk_rows[c]), int(ca.chunk_rows[c + 1])
        g = slot[ca.row_slot[a:b]]
        g *= rs.risk[a:b]
        xc = ca.xt[:, a:b]
        if nonneg:
            y = np.multiply(xc, np.sqrt(g, out=g), out=buf[:, : b - a])
            out += y @ y.T
        else:
            out += np.multiply(xc, g, out=buf[:, : b - a]) @ xc.T
    return out


def _mm(rs: RiskSets, s: FloatArray) -> FloatArray:
    """``sum_terms wt s m m'`` with ``m = (r1 - f d1)/den``, expanded at run level (``s`` = per-run factor)."""
    r1, d1 = rs.r1, rs.d1
    cross = r1.T @ (d1 * (rs.beta * s)[:, None])
    out: FloatArray = r1.T @ (r1 * (rs.alpha * s)[:, None]) - cross - cross.T + d1.T @ (d1 * (rs.gamma * s)[:, None])
    return out


def _score_part(rs: RiskSets, s: FloatArray) -> FloatArray:
    """``sum_terms wt s m``."""
    out: FloatArray = (rs.a * s) @ rs.r1 - (rs.b * s) @ rs.d1
    return out


def loglik_score_info(ca: CoxArrays, beta: FloatArray, efron: bool) -> tuple[float, FloatArray, FloatArray]:
    """Log partial likelihood, its gradient (score) and the information matrix at ``beta``."""
    rs = risk_sets(ca, beta, efron)
    one = np.ones(rs.a.shape[0])
    loglik = float(ca.wx_dead @ beta) - rs.log_den
    score = ca.wx_dead - _score_part(rs, one)
    info = _xdx(ca, rs, rs.a, rs.b) - _mm(rs, one)
    return loglik, score, info


def loglik_at(ca: CoxArrays, beta: FloatArray, efron: bool) -> float:
    """Log partial likelihood at ``beta`` (one pass, no derivatives)."""
    return float(ca.wx_dead @ beta) - risk_sets(ca, beta, efron).log_den


def _run_means(rs: RiskSets) -> FloatArray:
    """Mean over each run's terms of the risk-set mean ``m`` (Schoenfeld residual centre)."""
    out: FloatArray = (rs.inv[:, None] * rs.r1 - rs.finv[:, None] * rs.d1) / rs.n_terms[:, None]
    return out


def score_residuals(ca: CoxArrays, beta: FloatArray, efron: bool) -> FloatArray:
    """Score residuals (unweighted, sorted rows), as R ``residuals(fit, "score")`` / ``coxscore2.c``.

    A row at risk at a term gets ``-(x - m) e h`` with ``e = exp(eta)`` and hazard ``h = wt/den``; an event at its
    own time gets ``(x - m)/d - (x - m) e h (1 - f)`` from each term of its run instead.
    """
    rs = risk_sets(ca, beta, efron)
    h1 = rs.a
    h2 = rs.alpha[:, None] * rs.r1 - rs.beta[:, None] * rs.d1
    own1 = rs.a - rs.b
    own2 = (rs.alpha - rs.beta)[:, None] * rs.r1 - (rs.beta - rs.gamma)[:, None] * rs.d1
    mbar = _run_means(rs)
    ngroups, p = ca.group_start.shape[0], ca.x.shape[1]
    g1 = np.zeros(ngroups)
    g1[ca.run_group] = h1
    g2 = np.zeros((ngroups, p))
    g2[ca.run_group] = h2
    c1 = seg_cumsum(g1, ca.group_segments, reverse=True)
    c2 = seg_cumsum(g2, ca.group_segments, reverse=True)
    e = rs.risk / ca.weight
    resid = -e[:, None] * (ca.x * c1[ca.group_of_row][:, None] - c2[ca.group_of_row])
    d, r = ca.death_rows, ca.death_run
    xd, ed = ca.x[d], e[d][:, None]
    resid[d] += ed * (xd * h1[r][:, None] - h2[r]) + (xd - mbar[r]) - ed * (xd * own1[r][:, None] - own2[r])
    return resid


def schoenfeld_means(ca: CoxArrays, beta: FloatArray, efron: bool) -> FloatArray:
    """Risk-set mean of x for each event (Efron: the mean over the run's terms), centred covariates."""
    out: FloatArray = _run_means(risk_sets(ca, beta, efron))[ca.death_run]
    return out


def zph_score_info(
    ca: CoxArrays, beta: FloatArray, efron: bool, g_run: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Score for the time-interaction block and the full ``2p x 2p`` information, as R ``zph1.c``.

    The augmented model has covariates ``(x, g(t) x)`` with ``g`` evaluated at each event time (``g_run``); the
    score of the first block is zero at the fitted ``beta`` and is not returned.
    """
    rs = risk_sets(ca, beta, efron)
    one = np.ones(g_run.shape[0])
    wd = ca.weight[ca.death_rows] * g_run[ca.death_run]
    u2 = wd @ ca.x[ca.death_rows] - _score_part(rs, g_run)
    i11 = _xdx(ca, rs, rs.a, rs.b) - _mm(rs, one)
    i12 = _xdx(ca, rs, rs.a * g_run, rs.b * g_run) - _mm(rs, g_run)
    g2 = g_run * g_run
    i22 = _xdx(ca, rs, rs.a * g2, rs.b * g2) - _mm(rs, g2)
    return u2, np.block([[i11, i12], [i12.T, i22]])


# --------------------------------------------------------------------------------------------- Newton-Raphson
@dataclass(frozen=True, slots=True)
class NewtonFit:
    """Outcome of :func:`newton` (coefficients on the centred scale equal those on the original scale)."""

    beta: FloatArray
    loglik_init: float
    loglik: float
    score: FloatArray  # gradient at ``beta``
    info: FloatArray  # information at ``beta``
    score_test: float  # U(init)' I(init)^-1 U(init)
    iterations: int
    converged: bool
    singular: tuple[int, ...]  # columns R's cholesky2 deems redundant (non-empty: the fit was abandoned)


def cholesky2_singular(info: FloatArray, scale: FloatArray, toler: float) -> tuple[int, ...]:
    """Columns that R's ``cholesky2`` (on the scaled information, as ``coxfit6``) flags as redundant."""
    a = info * np.outer(scale, scale)
    diag = np.diag(a)
    top = float(np.max(diag, initial=0.0)) if np.all(np.isfinite(diag)) else float(np.nanmax(diag))
    eps = toler * top if top > 0 else toler
    flagged: list[int] = []
    for i in range(a.shape[0]):
        piv = a[i, i]
        if not np.isfinite(piv) or piv < eps:
            flagged.append(i)
            continue
        col = a[i + 1 :, i].copy()
        a[i + 1 :, i + 1 :] -= np.outer(col, col) / piv
    return tuple(flagged)


def _finite(*arrays: FloatArray | float) -> bool:
    return all(bool(np.all(np.isfinite(a))) for a in arrays)


def newton(
    ca: CoxArrays, *, efron: bool, max_iter: int, eps: float, toler_chol: float, scale: FloatArray
) -> NewtonFit:
    """Newton-Raphson from beta = 0 with R ``coxfit6``'s convergence rule and step-halving.

    Converged when ``|1 - loglik_best / loglik_new| <= eps``; the answer is the beta at which that loglik was
    evaluated (no extra step).  A step that lowers the loglik (or is not finite) is pulled back towards the
    last good beta: ``new = (new + h*beta)/(h + 1)`` with ``h`` = 1, 2, ... consecutive failures.
    """
    p = ca.x.shape[1]
    beta = np.zeros(p)
    ll0, u, info = loglik_score_info(ca, beta, efron)

    def stop(b: FloatArray, ll: float, uu: FloatArray, ii: FloatArray, it: int, ok: bool,
             sing: tuple[int, ...] = ()) -> NewtonFit:
        return NewtonFit(b, ll0, ll, uu, ii, sctest, it, ok, sing)

    sctest = float("nan")
    sing = cholesky2_singular(info, scale, toler_chol)
    if sing:
        return stop(beta, ll0, u, info, 0, False, sing)
    step = np.linalg.solve(info, u)
    sctest = float(u @ step)
    if max_iter == 0 or not np.isfinite(ll0):
        return stop(beta, ll0, u, info, 0, False)
    best, newbeta, halving = ll0, beta + step, 0
    for it in range(1, max_iter + 1):
        newlk, u, info = loglik_score_info(ca, newbeta, efron)
        ok = _finite(newlk, u, info)
        sing = cholesky2_singular(info, scale, toler_chol) if ok else ()
        if ok and abs(1.0 - best / newlk) <= eps:
            return stop(newbeta, newlk, u, info, it, not sing, sing)
        if not ok or newlk < best:
            halving += 1
            newbeta = (newbeta + halving * beta) / (halving + 1.0)
            continue
        if sing:
            return stop(newbeta, newlk, u, info, it, False, sing)
        halving, best = 0, newlk
        beta, newbeta = newbeta, newbeta + np.linalg.solve(info, u)
    if max_iter > 1:
        best, u, info = loglik_score_info(ca, beta, efron)
    return stop(beta, best, u, info, max_iter, False, cholesky2_singular(info, scale, toler_chol))

"""Exact conditional p-value of an r×c contingency table (the network algorithm).

Given the row and column totals, a table ``x`` with those margins has the multivariate hypergeometric probability

    P(x) = prod_i r_i! prod_j c_j! / (n! prod_ij x_ij!).

Fisher's exact test sums P over every table that is no more probable than the observed one. The tables are
enumerated column by column as paths through a network (Mehta & Patel 1983): after ``k`` columns are filled, a node
is the vector of row totals still to be placed, sorted so that nodes differing only by a permutation of rows
merge. Each path into a node carries its *past*, the log of ``prod 1/x_ij!`` over the cells placed so far; equal
pasts at the same node are merged and carry a multiplicity. The longest and the shortest remaining path of a node
(max and min of ``-sum log x_ij!`` over its completions) decide a past without enumerating its completions:

* past + longest ≤ threshold: every completion counts; their total has the closed form ``n_k!/(prod s_i! prod c_j!)``;
* past + shortest > threshold: no completion counts, the past is dropped;
* otherwise the past moves on to the node's children.

Pasts at a node are kept sorted, so for each edge into a child the decided pasts are found by binary search and only
the undecided ones are materialised. All work of one stage is done on whole arrays.

Bounds: with two rows the state is one number and both paths are computed exactly by a backward recursion (unless
its tables would be huge). Otherwise the longest path is bounded by the smallest of a row-wise, a column-wise and two
Lagrangian relaxations (column constraints priced at ``-log c_j``), and the shortest path by the larger of the
row-wise and column-wise "fill the largest cells first" relaxations. Bounds only decide how early a past is
settled, never the p-value.

The work is capped: a stage may hold at most ``max_items`` edges or undecided paths and the whole run at most
``max_work``; beyond that :class:`~gistreg.core.errors.ComputationLimitError` is raised (before the arrays are
built), so a table too large for exact enumeration fails within seconds instead of running for hours.

References
----------
Mehta CR, Patel NR. A network algorithm for performing Fisher's exact test in r × c contingency tables.
J Am Stat Assoc 1983;78:427-434.
Mehta CR, Patel NR. Algorithm 643: FEXACT, a FORTRAN subroutine for Fisher's exact test on unordered r × c
contingency tables. ACM Trans Math Softw 1986;12:154-161.
Clarkson DB, Fan Y, Joe H. A remark on algorithm 643: FEXACT, an algorithm for performing Fisher's exact test
in r × c contingency tables. ACM Trans Math Softw 1993;19:484-488.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gistreg.core.errors import ComputationLimitError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Default cap on the edges, and on the undecided paths, handled in any one stage.
DEFAULT_MAX_ITEMS = 4_000_000
#: Default cap on the edges plus undecided paths summed over all stages.
DEFAULT_MAX_WORK = 10_000_000
#: Largest (tail + 1) × (column total + 1) table for the exact two-row bounds.
TWO_ROW_EXACT_CELLS = 4_000_000
#: Pasts closer than this (log units) at the same node are merged: they differ only by rounding of log-factorial
#: sums (magnitudes below ~1e4, so rounding is ~1e-12), far below the 1e-7 relative tolerance of the test.
PAST_MERGE_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class FisherNetworkResult:
    """Exact p-value and the size of the network that produced it.

    Attributes
    ----------
    p_value
        Sum of the probabilities of all tables with the observed margins whose log-probability is at most
        ``log_p_observed + log_tol``.
    log_p_observed
        Natural log of the probability of the observed table.
    nodes
        Number of network nodes that held at least one undecided past.
    pasts
        Number of (node, past) pairs carried between stages.
    work
        Edges plus undecided paths processed (the quantity capped by ``max_work``).
    """

    p_value: float
    log_p_observed: float
    nodes: int
    pasts: int
    work: int


class _Budget:
    """Counts work and raises :class:`ComputationLimitError` before a stage would exceed its caps."""

    def __init__(self, rows: IntArray, cols: IntArray, max_items: int, max_work: int) -> None:
        self.rows = rows
        self.cols = cols
        self.max_items = max_items
        self.max_work = max_work
        self.used = 0

    def charge(self, amount: int, what: str, stage: int) -> None:
        """Add ``amount`` units of work, raising first if that breaks a cap."""
        if amount > self.max_items or self.used + amount > self.max_work:
            raise ComputationLimitError(
                f"Fisher's exact test: column {stage + 1} of {self.cols.shape[0]} needs {amount:,} {what}"
                f" (after {self.used:,} already processed); the limits are {self.max_items:,} per column and"
                f" {self.max_work:,} in all. The table with row totals {self.rows.tolist()} and column totals"
                f" {self.cols.tolist()} is too large for exact enumeration; combine sparse categories or use"
                " chi_square"
            )
        self.used += amount


def log_factorials(n: int) -> FloatArray:
    """``log(k!)`` for k = 0..n."""
    from scipy.special import gammaln

    return np.asarray(gammaln(np.arange(n + 1, dtype=np.float64) + 1.0), dtype=np.float64)


def _ragged_arange(counts: IntArray) -> tuple[IntArray, IntArray]:
    """(owner, offset): ``owner`` repeats ``i`` ``counts[i]`` times and ``offset`` runs 0..counts[i]-1 alongside."""
    total = int(counts.sum())
    owner = np.repeat(np.arange(counts.shape[0], dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    offset = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
    return owner, offset


def _allocation_counts(states: IntArray, c: int) -> FloatArray:
    """Number of ways to place ``c`` into rows with caps ``states`` (M × R), before anything is enumerated.

    A recursion over rows on the counts of partial sums 0..c: adding a row with cap ``s`` maps ``f`` to
    ``g[k] = f[k] + ... + f[k - s]`` (a difference of cumulative sums). float64: exact to rounding, which is all the
    work limit needs.
    """
    m = states.shape[0]
    f = np.zeros((m, c + 1))
    f[:, 0] = 1.0
    k = np.arange(c + 1)
    for i in range(states.shape[1]):
        cum = np.cumsum(f, axis=1)
        below = k[None, :] - states[:, i : i + 1] - 1
        f = cum - np.where(below >= 0, np.take_along_axis(cum, np.maximum(below, 0), axis=1), 0.0)
    return np.maximum(np.round(f[:, c]), 0.0)


def _allocations(states: IntArray, c: int, budget: _Budget, stage: int) -> tuple[IntArray, IntArray]:
    """Every way to place a column total ``c`` into rows with remaining totals ``states`` (M × R).

    Returns ``(node, x)``: allocation ``a`` belongs to row ``node[a]`` of ``states`` and puts ``x[a]`` (R cells)
    in the column. Allocations are grouped by node in increasing node order. The number of allocations is
    charged to ``budget`` before they are built.
    """
    m, r = states.shape
    budget.charge(int(_allocation_counts(states, c).sum()), "edges", stage)
    suffix = np.zeros_like(states)
    suffix[:, :-1] = np.cumsum(states[:, ::-1], axis=1)[:, ::-1][:, 1:]
    node = np.arange(m, dtype=np.int64)
    rem = np.full(m, c, dtype=np.int64)
    owners: list[IntArray] = []
    cells: list[IntArray] = []
    for i in range(r - 1):
        lo = np.maximum(0, rem - suffix[node, i])
        hi = np.minimum(states[node, i], rem)
        owner, offset = _ragged_arange(np.maximum(hi - lo + 1, 0))
        node = node[owner]
        xi = lo[owner] + offset
        owners.append(owner)
        cells.append(xi)
        rem = rem[owner] - xi
    x = np.empty((node.shape[0], r), dtype=np.int64)
    x[:, r - 1] = rem
    idx = np.arange(node.shape[0], dtype=np.int64)
    for i in range(r - 2, -1, -1):
        x[:, i] = cells[i][idx]
        idx = owners[i][idx]
    return node, x


def _keys(states: IntArray, base: int) -> IntArray:
    """Integer key of each sorted state (the last entry is implied by the stage total and left out)."""
    key = np.zeros(states.shape[0], dtype=np.int64)
    for i in range(states.shape[1] - 1):
        key = key * base + states[:, i]
    return key


def _even_fill(lf: FloatArray, amount: IntArray, caps: IntArray) -> FloatArray:
    """Max of ``-sum log x!`` for ``amount`` (M,) spread over cells with ``caps`` (M × m, ascending per row).

    The fill as even as the caps allow is majorised by every other feasible fill, so it maximises this Schur-concave
    objective.
    """
    rem = amount.copy()
    val = np.zeros(caps.shape[0])
    done = np.zeros(caps.shape[0], dtype=bool)
    m = caps.shape[1]
    for i in range(m):
        left = m - i
        q = rem // left
        cap = caps[:, i]
        at_cap = ~done & (cap <= q)
        val[at_cap] -= lf[cap[at_cap]]
        rem = np.where(at_cap, rem - cap, rem)
        fin = ~done & ~at_cap
        if fin.any():
            qf = q[fin]
            e = rem[fin] - qf * left
            val[fin] -= (left - e) * lf[qf] + e * lf[qf + 1]
            done |= fin
    return val


def _greedy_fill(lf: FloatArray, amount: IntArray, caps: IntArray) -> FloatArray:
    """Min of ``-sum log x!`` for ``amount`` (M,) over cells with ``caps`` (M × m, ascending): largest caps first.

    That fill majorises every other feasible fill, so it minimises the Schur-concave objective.
    """
    rem = amount.copy()
    val = np.zeros(caps.shape[0])
    for i in range(caps.shape[1] - 1, -1, -1):
        take = np.minimum(caps[:, i], rem)
        val -= lf[take]
        rem = rem - take
    return val


class _Bounds:
    """Longest and shortest remaining path (max and min of ``-sum log x!`` over completions) of each node."""

    def __init__(self, cols: IntArray, lf: FloatArray, n_rows: int) -> None:
        self.cols = cols
        self.lf = lf
        k = cols.shape[0]
        self.tails = np.concatenate([np.cumsum(cols[::-1])[::-1], [0]]).astype(np.int64)
        self._two_row: list[tuple[FloatArray, FloatArray]] = []
        self._row_tables: list[tuple[FloatArray, FloatArray, list[tuple[FloatArray, float]]]] = []
        # the exact two-row recursion holds (tail + 1) × (column total + 1) cells per column; beyond a few million
        # (thousands of patients) the relaxations, whose tables grow only with the tail, are used instead
        exact_cells = int(((self.tails[:k] + 1) * (cols + 1)).max())
        if n_rows == 2 and exact_cells <= TWO_ROW_EXACT_CELLS:
            self._two_row = self._two_row_tables(k)
        else:
            self._row_tables = [self._row_relaxations(j) for j in range(k)]

    def _two_row_tables(self, k: int) -> list[tuple[FloatArray, FloatArray]]:
        """Exact longest/shortest path for two rows, indexed by the first row's remaining total."""
        lf = self.lf
        c = int(self.cols[k - 1])
        s = np.arange(c + 1)
        last = -lf[s] - lf[c - s]
        out: list[tuple[FloatArray, FloatArray]] = [(last, last)]
        for j in range(k - 2, -1, -1):
            c = int(self.cols[j])
            total = int(self.tails[j])
            nxt_total = int(self.tails[j + 1])
            nlong, nshort = out[-1]
            s2 = np.arange(total + 1)[:, None]
            x = np.arange(c + 1)[None, :]
            child = s2 - x
            ok = (child >= 0) & (child <= nxt_total) & (c - x <= total - s2)
            childc = np.clip(child, 0, nxt_total)
            edge = -lf[x] - lf[c - x]
            out.append(
                (
                    np.where(ok, edge + nlong[childc], -np.inf).max(axis=1),
                    np.where(ok, edge + nshort[childc], np.inf).min(axis=1),
                )
            )
        return out[::-1]

    def _row_relaxations(self, j: int) -> tuple[FloatArray, FloatArray, list[tuple[FloatArray, float]]]:
        """Per-row tables over a row total s = 0..tail for the columns ``j..``: even fill, greedy fill, Lagrangians.

        A Lagrangian table holds ``P[s]``, the sum of the ``s`` largest marginal gains ``-log t - mu_col`` over the
        remaining columns (t = 1..c_col). For any prices ``mu``, ``sum_col mu_col c_col + sum_i P[s_i]`` bounds the
        longest path, because only the column sums are relaxed; ``mu_col = -log(c_col + d)`` makes it nearly tight.
        """
        lf = self.lf
        cols = self.cols[j:]
        total = int(self.tails[j])
        s = np.arange(total + 1, dtype=np.int64)
        grid = np.repeat(np.sort(cols)[None, :], total + 1, axis=0)
        steps = np.concatenate([np.arange(1, c + 1) for c in cols.tolist()]).astype(np.float64)
        owner = np.repeat(cols, cols).astype(np.float64)
        lagrangians: list[tuple[FloatArray, float]] = []
        for d in (0.0, 0.5):
            gains = np.sort(np.log(owner + d) - np.log(steps))[::-1]
            prefix = np.concatenate([[0.0], np.cumsum(gains)])
            lagrangians.append((prefix, -float((np.log(cols + d) * cols).sum())))
        return _even_fill(lf, s, grid), _greedy_fill(lf, s, grid), lagrangians

    def __call__(self, stage: int, states: IntArray) -> tuple[FloatArray, FloatArray]:
        """(longest, shortest) remaining path for nodes ``states`` (M × R, sorted descending) at ``stage``."""
        if self._two_row:
            long_t, short_t = self._two_row[stage]
            return long_t[states[:, 0]], short_t[states[:, 0]]
        lf = self.lf
        cols = self.cols[stage:]
        if cols.shape[0] == 1:
            v = -lf[states].sum(axis=1)
            return v, v
        even, greedy, lagrangians = self._row_tables[stage]
        longest = even[states].sum(axis=1)
        for prefix, const in lagrangians:
            longest = np.minimum(longest, prefix[states].sum(axis=1) + const)
        shortest = greedy[states].sum(axis=1)
        asc = np.sort(states, axis=1)
        col_long = np.zeros(states.shape[0])
        col_short = np.zeros(states.shape[0])
        for c in cols.tolist():
            amount = np.full(states.shape[0], c, dtype=np.int64)
            col_long += _even_fill(lf, amount, asc)
            col_short += _greedy_fill(lf, amount, asc)
        return np.minimum(longest, col_long), np.maximum(shortest, col_short)


def _segment_search(seg_lo: IntArray, seg_hi: IntArray, values: FloatArray, query: FloatArray) -> IntArray:
    """Index of the first element greater than ``query`` in its segment ``values[seg_lo:seg_hi]`` (sorted).

    A binary search run on all queries at once.
    """
    lo = seg_lo.copy()
    hi = seg_hi.copy()
    active = lo < hi
    while active.any():
        mid = (lo + hi) // 2
        right = active & (values[np.where(active, mid, 0)] <= query)
        lo = np.where(right, mid + 1, lo)
        hi = np.where(active & ~right, mid, hi)
        active = lo < hi
    return lo


def _segment_prefix_sums(values: FloatArray, pos_in_seg: IntArray) -> FloatArray:
    """Inclusive prefix sums of ``values`` restarting at each segment (``pos_in_seg`` is 0 at segment starts).

    Computed by doubling, so no sum mixes two segments: a global cumsum followed by a subtraction would lose the
    small segments to cancellation.
    """
    out = values.copy()
    longest = int(pos_in_seg.max()) + 1 if pos_in_seg.size else 0
    step = 1
    while step < longest:
        has = np.flatnonzero(pos_in_seg >= step)
        add = np.zeros_like(out)
        add[has] = out[has - step]
        out = out + add
        step *= 2
    return out


@dataclass(slots=True)
class _Frontier:
    """Undecided pasts of one stage, sorted by (node, past)."""

    states: IntArray  # M × R node states (sorted descending)
    node: IntArray  # node of each past
    past: FloatArray  # log of prod 1/x! so far, plus the log of the constant factor
    weight: FloatArray  # number of paths merged into this past


def _merge(node: IntArray, past: FloatArray, weight: FloatArray, child_states: IntArray) -> _Frontier:
    """Sort new pasts by (node, past), merge equal pasts of a node and renumber the nodes that are used."""
    order = np.lexsort((past, node))
    node = node[order]
    past = past[order]
    weight = weight[order]
    brk = np.ones(node.shape[0], dtype=bool)
    brk[1:] = (node[1:] != node[:-1]) | (np.diff(past) > PAST_MERGE_TOL)
    starts = np.flatnonzero(brk)
    used, new_node = np.unique(node[starts], return_inverse=True)
    return _Frontier(child_states[used], new_node.reshape(-1), past[starts], np.add.reduceat(weight, starts))


def fisher_network_pvalue(
    table: IntArray,
    *,
    log_tol: float,
    max_items: int = DEFAULT_MAX_ITEMS,
    max_work: int = DEFAULT_MAX_WORK,
) -> FisherNetworkResult:
    """Exact two-sided p-value of Fisher's test for an r×c table.

    Parameters
    ----------
    table
        2-D array of non-negative integer counts.
    log_tol
        Tables whose log-probability is at most ``log P(observed) + log_tol`` count as "as or less probable".
    max_items, max_work
        Caps on the edges or undecided paths of one stage, and on their total over all stages.

    Preconditions
    -------------
    ``table`` holds non-negative integers; nothing is checked. Zero rows and columns are allowed (they do not change
    the set of tables and are dropped). With fewer than two non-empty rows or columns only one table exists: p = 1.

    Raises
    ------
    ComputationLimitError
        When a stage or the whole run would exceed its cap.
    """
    t = np.asarray(table, dtype=np.int64)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return FisherNetworkResult(1.0, 0.0, 0, 0, 0)
    if t.shape[0] > t.shape[1]:
        t = t.T
    rows = np.sort(t.sum(axis=1))[::-1].astype(np.int64)  # rows are the shorter side: smaller node states
    cols = np.sort(t.sum(axis=0)).astype(np.int64)  # small columns first: fewer edges near the root
    n = int(rows.sum())
    lf = log_factorials(n)
    const = float(lf[rows].sum() + lf[cols].sum() - lf[n])
    log_p_obs = const - float(lf[t].sum())
    threshold = log_p_obs + log_tol
    bounds = _Bounds(cols, lf, rows.shape[0])
    budget = _Budget(rows, cols, max_items, max_work)

    root = rows[None, :].copy()
    long0, _ = bounds(0, root)
    if const + long0[0] <= threshold:
        return FisherNetworkResult(1.0, log_p_obs, 1, 1, 0)
    front = _Frontier(root, np.zeros(1, dtype=np.int64), np.array([const]), np.ones(1))
    p_terms: list[float] = []
    n_nodes = 0
    n_pasts = 0
    for stage in range(cols.shape[0] - 1):
        n_nodes += front.states.shape[0]
        n_pasts += front.past.shape[0]
        front, settled = _advance(front, stage, cols, lf, bounds, threshold, int(rows.max()) + 1, budget)
        p_terms.append(settled)
        if front.past.shape[0] == 0:
            break
    p = float(np.sum(p_terms))
    return FisherNetworkResult(min(1.0, max(0.0, p)), log_p_obs, n_nodes, n_pasts, budget.used)


def _advance(
    front: _Frontier,
    stage: int,
    cols: IntArray,
    lf: FloatArray,
    bounds: _Bounds,
    threshold: float,
    base: int,
    budget: _Budget,
) -> tuple[_Frontier, float]:
    """Fill column ``stage``: settle what the children's bounds decide, return the undecided pasts at the children.

    Returns the new frontier and the probability of the tables settled as counted in this step.
    """
    m = front.states.shape[0]
    seg_counts = np.bincount(front.node, minlength=m).astype(np.int64)
    seg_lo = np.cumsum(seg_counts) - seg_counts
    seg_hi = seg_lo + seg_counts
    a_node, x = _allocations(front.states, int(cols[stage]), budget, stage)
    edge = -lf[x].sum(axis=1)
    child = np.sort(front.states[a_node] - x, axis=1)[:, ::-1]
    _, first, a_child = np.unique(_keys(child, base), return_index=True, return_inverse=True)
    a_child = a_child.reshape(-1)
    child_states = child[first]
    c_long, c_short = bounds(stage + 1, child_states)
    c_total = lf[int(bounds.tails[stage + 1])] - lf[child_states].sum(axis=1) - lf[cols[stage + 1 :]].sum()
    lo_seg = seg_lo[a_node]
    hi_seg = seg_hi[a_node]
    k_all = _segment_search(lo_seg, hi_seg, front.past, threshold - edge - c_long[a_child])
    # rounding can put the bounds of a single-completion node an ulp apart in either order
    k_keep = np.maximum(_segment_search(lo_seg, hi_seg, front.past, threshold - edge - c_short[a_child]), k_all)
    settled = 0.0
    has_all = np.flatnonzero(k_all > lo_seg)
    if has_all.size:
        shift = front.past[seg_hi - 1]  # largest past of each node: scaled terms are <= weight
        pos = np.arange(front.past.shape[0]) - np.repeat(seg_lo, seg_counts)
        pref = _segment_prefix_sums(front.weight * np.exp(front.past - shift[front.node]), pos)
        terms = pref[k_all[has_all] - 1] * np.exp(
            shift[a_node[has_all]] + edge[has_all] + c_total[a_child[has_all]]
        )
        settled = float(terms.sum())
    n_open = k_keep - k_all
    total = int(n_open.sum())
    budget.charge(total, "undecided paths", stage)
    owner, offset = _ragged_arange(n_open)
    src = k_all[owner] + offset
    nxt = _merge(a_child[owner], front.past[src] + edge[owner], front.weight[src], child_states)
    return nxt, settled

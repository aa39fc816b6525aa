"""Fisher's exact test: invariants, a brute-force enumerator for tiny tables, input errors and the work limit."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gistreg.core.errors import ComputationLimitError, InputError
from gistreg.stats import fisher_exact
from gistreg.stats._kernels.fisher import fisher_network_pvalue

R_FEXACT_LOG_TOL = 3.45254e-7


def _tables(rows: list[int], cols: list[int]) -> Iterator[list[list[int]]]:
    """Every table (as a list of columns) with the given margins, by plain recursion."""
    if len(cols) == 1:
        yield [list(rows)]
        return

    def fill(i: int, left: int, acc: list[int]) -> Iterator[list[int]]:
        if i == len(rows) - 1:
            if left <= rows[i]:
                yield [*acc, left]
            return
        for v in range(min(left, rows[i]) + 1):
            yield from fill(i + 1, left - v, [*acc, v])

    for col in fill(0, cols[0], []):
        for rest in _tables([r - v for r, v in zip(rows, col, strict=True)], cols[1:]):
            yield [col, *rest]


def _brute_force_p(table: list[list[int]]) -> float:
    t = np.asarray(table)
    rows, cols, n = t.sum(axis=1).tolist(), t.sum(axis=0).tolist(), int(t.sum())
    lf = math.lgamma
    const = sum(lf(r + 1) for r in rows) + sum(lf(c + 1) for c in cols) - lf(n + 1)

    def logp(cells: list[list[int]]) -> float:
        return const - sum(lf(v + 1) for col in cells for v in col)

    obs = logp(t.T.tolist())
    return math.fsum(math.exp(lp) for tab in _tables(rows, cols) if (lp := logp(tab)) <= obs + R_FEXACT_LOG_TOL)


small_tables = st.integers(2, 4).flatmap(
    lambda r: st.integers(2, 4).flatmap(
        lambda c: st.lists(st.lists(st.integers(0, 4), min_size=c, max_size=c), min_size=r, max_size=r)
    )
).filter(lambda t: 0 < sum(map(sum, t)) <= 16)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(small_tables)
def test_network_equals_brute_force_enumeration(table: list[list[int]]) -> None:
    got = fisher_network_pvalue(np.asarray(table), log_tol=R_FEXACT_LOG_TOL).p_value
    assert got == pytest.approx(_brute_force_p(table), rel=1e-10, abs=1e-300)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.data())
def test_invariant_to_permutation_and_transposition(data: st.DataObject) -> None:
    t = np.asarray(data.draw(small_tables))
    row_order = data.draw(st.permutations(range(t.shape[0])))
    col_order = data.draw(st.permutations(range(t.shape[1])))
    p = fisher_exact(t).p_value
    assert 0.0 < p <= 1.0
    # 2×2 uses R's own formula, larger tables the network: both must ignore labels and orientation
    assert fisher_exact(t[list(row_order)][:, list(col_order)]).p_value == pytest.approx(p, rel=1e-10)
    assert fisher_exact(t.T).p_value == pytest.approx(p, rel=1e-10)


@pytest.mark.parametrize(
    "table", [[[3, 1], [1, 3]], [[10, 2], [3, 15]], [[0, 5], [4, 2]], [[120, 80], [95, 105]], [[14, 0], [11, 1]]]
)
def test_two_by_two_formula_equals_network(table: list[list[int]]) -> None:
    # R's 2×2 rule (relative tolerance 1e-7) and the general kernel count the same tables
    net = fisher_network_pvalue(np.asarray(table), log_tol=math.log1p(1e-7)).p_value
    assert fisher_exact(table).p_value == pytest.approx(net, rel=1e-12)


def test_two_by_two_odds_ratio_orientation() -> None:
    r = fisher_exact([[10, 2], [3, 15]])
    swapped = fisher_exact([[2, 10], [15, 3]])  # columns swapped: odds ratio inverted, interval inverted
    assert r.odds_ratio is not None and swapped.odds_ratio is not None
    assert swapped.odds_ratio == pytest.approx(1 / r.odds_ratio, rel=1e-6)  # uniroot tolerance, as R
    assert r.conf_int is not None and swapped.conf_int is not None
    assert swapped.conf_int[0] == pytest.approx(1 / r.conf_int[1], rel=1e-5)
    assert r.conf_int[0] < r.odds_ratio < r.conf_int[1]


def test_one_sided_p_values_of_a_two_by_two_table() -> None:
    # hypergeometric tails by hand: margins (4, 4) x (4, 4), x11 = 3: P(X >= 3) = (16 + 1) / 70
    greater = fisher_exact([[3, 1], [1, 3]], alternative="greater")
    less = fisher_exact([[3, 1], [1, 3]], alternative="less")
    assert greater.p_value == pytest.approx(17 / 70, rel=1e-14)
    assert less.p_value == pytest.approx(69 / 70, rel=1e-14)
    assert greater.conf_int is not None and greater.conf_int[1] == math.inf
    assert less.conf_int is not None and less.conf_int[0] == 0.0


def test_zero_rows_and_columns_do_not_change_the_p_value() -> None:
    base = fisher_exact([[1, 2, 3], [5, 2, 0]]).p_value
    padded = fisher_exact([[1, 0, 2, 3], [0, 0, 0, 0], [5, 0, 2, 0]]).p_value
    assert padded == pytest.approx(base, rel=1e-12)


def test_a_single_possible_table_has_p_one() -> None:
    assert fisher_exact([[3, 4, 0], [0, 0, 0], [0, 0, 0]]).p_value == 1.0


def test_result_shape_does_not_depend_on_table_size() -> None:
    r22 = fisher_exact([[3, 1], [1, 3]])
    r23 = fisher_exact([[3, 1, 4], [1, 5, 9]])
    assert r22.table.dtype == np.int64 and r23.table.shape == (2, 3)
    assert r23.odds_ratio is None and r23.conf_int is None and r23.conf_level == 0.95


@pytest.mark.parametrize(
    ("table", "kwargs", "match"),
    [
        ([[1, 2, 3]], {}, "at least 2 rows and 2 columns"),
        ([1, 2, 3, 4], {}, "at least 2 rows and 2 columns"),
        ([[1, -2], [3, 4]], {}, "row 1, column 2 is -2.0"),
        ([[1, 2.5], [3, 4]], {}, "row 1, column 2 is 2.5; every cell must be a non-negative whole number"),
        ([[1, np.nan], [3, 4]], {}, "row 1, column 2 is nan"),
        ([["a", "b"], ["c", "d"]], {}, "not numeric"),
        ([[0, 0], [0, 0]], {}, "every cell is 0"),
        ([[1, 2], [3, 4]], {"alternative": "two.sided"}, "expected one of two-sided, less, greater"),
        ([[1, 2, 3], [3, 4, 5]], {"alternative": "less"}, "only for 2×2 tables"),
        ([[1, 2], [3, 4]], {"conf_level": 1.0}, "strictly between 0 and 1"),
    ],
)
def test_input_errors_name_the_problem(table: object, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        fisher_exact(table, **kwargs)  # type: ignore[arg-type]


def test_oversized_table_raises_computation_limit_error() -> None:
    # 8×8 with 1,000 patients: the first column alone has ~10^12 allocations; the count is known before any work
    rng = np.random.default_rng(11)
    table = rng.multinomial(1000, np.full(64, 1 / 64)).reshape(8, 8)
    with pytest.raises(ComputationLimitError, match=r"too large for exact enumeration") as err:
        fisher_exact(table)
    assert "column totals" in str(err.value) and "row totals" in str(err.value)


def test_work_limit_is_checked_per_column() -> None:
    table = np.array([[4, 5, 4, 2], [7, 1, 2, 3], [4, 2, 0, 1], [3, 5, 1, 4]])
    full = fisher_network_pvalue(table, log_tol=R_FEXACT_LOG_TOL)
    assert full.work > 1000
    with pytest.raises(ComputationLimitError, match=r"limits are 1,000 per column"):
        fisher_network_pvalue(table, log_tol=R_FEXACT_LOG_TOL, max_items=1000)
    with pytest.raises(ComputationLimitError, match=r"in all"):
        fisher_network_pvalue(table, log_tol=R_FEXACT_LOG_TOL, max_work=full.work - 1)

"""Table 1: baseline characteristics per arm with the test named for each row.

Categorical rows count patients per level and arm (``Not reported`` is a level of its own and is tested with
the others, as a reader of the table sees it); continuous rows give the median (range) or mean (SD) and the
number missing. Tests: Fisher's exact test on the whole r × c table, Pearson's χ² (with Yates' correction
only on request), Student's or Welch's t-test, Mann-Whitney U, Kruskal-Wallis. ``auto`` chooses Fisher when any
expected count is below 5 and χ² otherwise (categorical), and Mann-Whitney (continuous) — and says so.

Multi-select rows (a patient may have several metastatic sites) are tested, when asked, on the table of
*mentions*, as the seed study did; the row carries a note that this treats mentions as independent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gistreg.cohort.spec import Variable
from gistreg.core.errors import EstimationError
from gistreg.stats import chi_square, fisher_exact, kruskal_wallis, mann_whitney, t_test

TEST_NAMES: dict[str, str] = {
    "fisher": "Fisher's exact test",
    "chisq": "Pearson's chi-squared test",
    "chisq_yates": "Pearson's chi-squared test with Yates' continuity correction",
    "t": "Student's t-test (pooled variance)",
    "welch": "Welch's t-test",
    "mann_whitney": "Mann-Whitney U test",
    "kruskal": "Kruskal-Wallis test",
    "none": "not tested",
}

MULTISELECT_NOTE = "patients may have several levels; the test treats each mention as an observation"


@dataclass(frozen=True, slots=True)
class LevelCount:
    """Patients with ``level`` per arm (arms in study order)."""

    level: str
    n: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Table1Row:
    """One variable of Table 1.

    For categorical and multi-select variables ``levels`` holds the counts; for continuous ones ``summary``
    holds per arm (n non-missing, median, min, max, mean, sd) and ``n_missing`` the missing count per arm.
    """

    name: str
    label: str
    kind: str
    arms: tuple[str, ...]
    arm_sizes: tuple[int, ...]
    levels: tuple[LevelCount, ...]
    summary: tuple[tuple[float, ...], ...]
    summary_style: str
    n_missing: tuple[int, ...]
    test: str
    test_name: str
    p_value: float | None
    note: str = ""


def _choose_categorical(test: str, table: np.ndarray) -> str:
    if test != "auto":
        return test
    totals = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / totals if totals else table
    return "fisher" if (expected < 5).any() else "chisq"


def _categorical_p(test: str, table: np.ndarray) -> float | None:
    nonempty = table[(table.sum(axis=1) > 0)][:, table.sum(axis=0) > 0]
    if test == "none" or nonempty.shape[0] < 2 or nonempty.shape[1] < 2:
        return None
    if test == "fisher":
        return float(fisher_exact(nonempty).p_value)
    if test in ("chisq", "chisq_yates"):
        return float(chi_square(nonempty, correct=test == "chisq_yates").p_value)
    raise EstimationError(f"test {test!r} does not apply to a categorical variable")


def categorical_row(var: Variable, arms: Sequence[str], arm_sizes: Sequence[int],
                    counts: dict[str, list[int]], *, multiselect: bool = False,
                    natural_order: Sequence[str] = ()) -> Table1Row:
    """Build a categorical (or multi-select) row from counts per level (one count per arm).

    Levels appear in the spec's ``levels`` order, else in ``natural_order`` (e.g. CR, PR, SD, PD, NE), else
    sorted; levels found in the data but not named come last, so nothing is hidden.
    """
    if var.levels:
        order = [lv for lv, _ in var.levels]
    else:
        order = [lv for lv in natural_order if lv in counts] or sorted(counts)
    order += sorted(lv for lv in counts if lv not in order)
    levels = tuple(LevelCount(lv, tuple(counts.get(lv, [0] * len(arms)))) for lv in order
                   if lv in counts or var.levels)
    table = np.array([lc.n for lc in levels], dtype=np.int64).reshape(len(levels), len(arms))
    test = _choose_categorical(var.test, table)
    p = _categorical_p(test, table)
    return Table1Row(var.name, var.label, var.kind, tuple(arms), tuple(arm_sizes), levels, (), "", (),
                     test, TEST_NAMES[test], p, MULTISELECT_NOTE if multiselect else "")


def _describe(x: np.ndarray) -> tuple[float, ...]:
    if x.size == 0:
        return (0.0, np.nan, np.nan, np.nan, np.nan, np.nan)
    sd = float(np.std(x, ddof=1)) if x.size > 1 else np.nan
    return (float(x.size), float(np.median(x)), float(x.min()), float(x.max()), float(x.mean()), sd)


def continuous_row(var: Variable, arms: Sequence[str], arm_sizes: Sequence[int],
                   values: Sequence[np.ndarray]) -> Table1Row:
    """Build a continuous row from the values per arm (NaN = missing, counted)."""
    clean = [v[~np.isnan(v)] for v in values]
    missing = tuple(int(np.isnan(v).sum()) for v in values)
    test = var.test
    if test == "auto":
        test = "mann_whitney" if len(arms) == 2 else "kruskal"
    p: float | None = None
    if test != "none" and all(c.size > 0 for c in clean) and sum(c.size for c in clean) > len(clean):
        if test == "mann_whitney":
            p = float(mann_whitney(clean[0], clean[1]).p_value)
        elif test in ("t", "welch"):
            p = float(t_test(clean[0], clean[1], equal_var=test == "t").p_value)
        elif test == "kruskal":
            groups = np.concatenate([np.full(c.size, i) for i, c in enumerate(clean)])
            p = float(kruskal_wallis(np.concatenate(clean), groups).p_value)
        else:
            raise EstimationError(f"variable {var.name!r}: test {test!r} does not apply to a continuous variable")
    return Table1Row(var.name, var.label, var.kind, tuple(arms), tuple(arm_sizes), (),
                     tuple(_describe(c) for c in clean), var.summary, missing, test, TEST_NAMES[test], p)


__all__ = ["MULTISELECT_NOTE", "TEST_NAMES", "LevelCount", "Table1Row", "categorical_row", "continuous_row"]

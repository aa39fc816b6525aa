"""Wilcoxon rank-sum (Mann-Whitney) test against R 4.2.2 ``wilcox.test(x, y)``, the exact null distribution by
enumeration, and input errors.

Fixture: tests/reference/samples__wilcox.json, written by tests/reference/scripts/stats_tests.R.
"""

from __future__ import annotations

import itertools
import json
from functools import cache
from math import comb
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gistreg.core.errors import ComputationLimitError, EstimationError, InputError
from gistreg.stats import mann_whitney
from gistreg.stats.ranktests import rank_sum_distribution

REF = Path(__file__).resolve().parents[1] / "reference"


@cache
def _fixture() -> dict[str, Any]:
    return dict(json.loads((REF / "samples__wilcox.json").read_text()))


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in _fixture()["cases"]])
def test_wilcox_matches_r(case: dict[str, Any]) -> None:
    tol = _fixture()["tolerance"]
    opts = case["options"]
    r = mann_whitney(
        case["inputs"]["x"],
        case["inputs"]["y"],
        alternative=opts["alternative"],
        exact=opts.get("exact"),
        correct=opts["correct"],
    )
    want = case["values"]
    assert r.statistic == pytest.approx(want["statistic"], rel=0, abs=tol["statistic"]["atol"])
    assert r.p_value == pytest.approx(want["p_value"], rel=tol["p_value"]["rtol"], abs=tol["p_value"]["atol"])
    assert r.method == want["method"]
    assert r.exact == ("exact" in want["method"])


@pytest.mark.parametrize(("m", "n"), [(1, 1), (2, 3), (3, 3), (4, 2), (5, 4)])
def test_exact_distribution_by_enumeration(m: int, n: int) -> None:
    counts = np.zeros(m * n + 1)
    for subset in itertools.combinations(range(1, m + n + 1), m):
        counts[sum(subset) - m * (m + 1) // 2] += 1
    np.testing.assert_allclose(rank_sum_distribution(m, n), counts / comb(m + n, m), rtol=1e-14, atol=0)


def test_exact_distribution_is_symmetric_and_sums_to_one() -> None:
    d = rank_sum_distribution(30, 45)
    assert d.sum() == pytest.approx(1.0, rel=1e-14)
    np.testing.assert_allclose(d, d[::-1], rtol=1e-12)
    np.testing.assert_allclose(d, rank_sum_distribution(45, 30), rtol=1e-12)


def test_statistic_is_u_of_x() -> None:
    # x entirely below y: W = 0 and the exact one-sided p is 1 / C(5, 2)
    r = mann_whitney([1.0, 2.0], [3.0, 4.0, 5.0], alternative="less")
    assert r.statistic == 0.0 and r.p_value == pytest.approx(1 / 10, rel=1e-14)
    assert mann_whitney([3.0, 4.0, 5.0], [1.0, 2.0]).statistic == 6.0


def test_ties_force_the_normal_approximation() -> None:
    r = mann_whitney([1, 2, 2, 3], [2, 4, 5], exact=True)
    assert not r.exact and r.ties and r.continuity_correction
    assert r.method == "Wilcoxon rank sum test with continuity correction"


@pytest.mark.parametrize(
    ("x", "y", "kwargs", "error", "match"),
    [
        ([], [1.0], {}, InputError, "x: is empty"),
        ([1.0], [], {}, InputError, "y: is empty"),
        ([1.0, np.nan], [2.0], {}, InputError, "x: position 1 is nan"),
        ([1.0], [2.0], {"alternative": "two.sided"}, InputError, "expected one of"),
        ([2.0, 2.0], [2.0, 2.0, 2.0], {}, EstimationError, "variance 0"),
    ],
)
def test_mann_whitney_errors(x: list[float], y: list[float], kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        mann_whitney(x, y, **kwargs)


def test_exact_distribution_limit() -> None:
    with pytest.raises(ComputationLimitError, match="exact=False"):
        rank_sum_distribution(2000, 2000)

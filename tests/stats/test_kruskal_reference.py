"""Kruskal-Wallis test against R 4.2.2 ``kruskal.test(values, groups)``, plus hand values and input errors.

Fixture: tests/reference/samples__kruskal.json, written by tests/reference/scripts/stats_tests.R.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gistreg.core.errors import EstimationError, InputError
from gistreg.stats import kruskal_wallis

REF = Path(__file__).resolve().parents[1] / "reference"


@cache
def _fixture() -> dict[str, Any]:
    return dict(json.loads((REF / "samples__kruskal.json").read_text()))


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in _fixture()["cases"]])
def test_kruskal_matches_r(case: dict[str, Any]) -> None:
    tol = _fixture()["tolerance"]
    r = kruskal_wallis(case["inputs"]["values"], case["inputs"]["groups"])
    want = case["values"]
    assert r.statistic == pytest.approx(want["statistic"], rel=tol["statistic"]["rtol"], abs=tol["statistic"]["atol"])
    assert r.p_value == pytest.approx(want["p_value"], rel=tol["p_value"]["rtol"], abs=tol["p_value"]["atol"])
    assert r.df == want["df"] and r.method == want["method"]


def test_kruskal_by_hand_and_invariance() -> None:
    # no ties: rank sums 3, 7, 11 in groups of 2: H = 12 / (6 * 7) * (9 + 49 + 121) / 2 - 3 * 7 = 32/7
    r = kruskal_wallis([10, 20, 30, 40, 50, 60], ["a", "a", "b", "b", "c", "c"])
    assert r.statistic == pytest.approx(32 / 7, rel=1e-14)
    np.testing.assert_allclose(r.mean_ranks, [1.5, 3.5, 5.5])
    assert r.groups == ("a", "b", "c") and r.n.tolist() == [2, 2, 2]
    perm = [5, 0, 3, 1, 4, 2]
    shuffled = kruskal_wallis(np.array([10, 20, 30, 40, 50, 60])[perm], np.array(["a", "a", "b", "b", "c", "c"])[perm])
    assert shuffled.statistic == pytest.approx(r.statistic, rel=1e-14)


@pytest.mark.parametrize(
    ("values", "groups", "error", "match"),
    [
        ([1.0, 2.0, 3.0], ["a", "a", "a"], InputError, "same group"),
        ([1.0, 2.0], ["a", "b", "c"], InputError, "groups: has 3 entries"),
        ([1.0, np.inf, 3.0], ["a", "b", "b"], InputError, "values: position 1 is inf"),
        ([1.0, 2.0, 3.0], ["a", None, "b"], InputError, "groups: position 1 is missing"),
        ([4.0, 4.0, 4.0, 4.0], ["a", "b", "a", "b"], EstimationError, "every value is the same"),
    ],
)
def test_kruskal_errors(values: list[float], groups: list[Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        kruskal_wallis(values, groups)

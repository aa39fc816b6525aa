"""Two-sample t-test against R 4.2.2 ``t.test(x, y)`` (Welch and pooled), plus hand values and input errors.

Fixture: tests/reference/samples__ttest.json, written by tests/reference/scripts/stats_tests.R.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from gistreg.core.errors import EstimationError, InputError
from gistreg.stats import t_test

REF = Path(__file__).resolve().parents[1] / "reference"


@cache
def _fixture() -> dict[str, Any]:
    return dict(json.loads((REF / "samples__ttest.json").read_text()))


def _number(v: Any) -> float:
    return {"Inf": math.inf, "-Inf": -math.inf}[v] if isinstance(v, str) else float(v)


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in _fixture()["cases"]])
def test_ttest_matches_r(case: dict[str, Any]) -> None:
    tol = _fixture()["tolerance"]
    opts = case["options"]
    r = t_test(
        case["inputs"]["x"],
        case["inputs"]["y"],
        equal_var=opts["equal_var"],
        alternative=opts["alternative"],
        conf_level=opts["conf_level"],
    )
    want = case["values"]
    for field in ("statistic", "df", "p_value", "mean_x", "mean_y", "std_err"):
        t = tol[field]
        assert getattr(r, field) == pytest.approx(want[field], rel=t["rtol"], abs=t["atol"]), field
    for got, exp in zip(r.conf_int, want["conf_int"], strict=True):
        e = _number(exp)
        assert got == e if math.isinf(e) else got == pytest.approx(e, rel=tol["conf_int"]["rtol"], abs=1e-13)
    assert r.method == want["method"].strip()  # R writes " Two Sample t-test" with a leading space


def test_pooled_by_hand() -> None:
    # x = (1, 2, 3), y = (4, 5, 6): difference -3, pooled variance 1, se = sqrt(2/3), df = 4
    r = t_test([1, 2, 3], [4, 5, 6], equal_var=True)
    assert r.statistic == pytest.approx(-3 / math.sqrt(2 / 3), rel=1e-14)
    assert r.df == 4.0 and r.std_err == pytest.approx(math.sqrt(2 / 3), rel=1e-14)
    # equal variances and sizes: Welch's df is the pooled df
    assert t_test([1, 2, 3], [4, 5, 6]).df == pytest.approx(4.0, rel=1e-14)


@pytest.mark.parametrize(
    ("x", "y", "kwargs", "error", "match"),
    [
        ([1.0], [2.0, 3.0], {}, InputError, "x: 1 observation"),
        ([1.0, 2.0], [3.0], {}, InputError, "y: 1 observation"),
        ([1.0], [2.0], {"equal_var": True}, InputError, "at least 3"),
        ([1.0, 1.0], [1.0, 1.0], {}, EstimationError, "essentially constant"),
        ([1.0, 2.0], [3.0, 4.0], {"conf_level": 0.0}, InputError, "strictly between 0 and 1"),
        ([1.0, 2.0], [3.0, 4.0], {"alternative": "smaller"}, InputError, "expected one of"),
    ],
)
def test_ttest_errors(x: list[float], y: list[float], kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        t_test(x, y, **kwargs)

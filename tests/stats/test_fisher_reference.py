"""Fisher's exact test against R 4.2.2 ``fisher.test``.

Fixture: tests/reference/contingency__fisher.json, written by tests/reference/scripts/stats_tests.R (each case
records its exact R call; tolerances are per field in the fixture).
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from gistreg.stats import fisher_exact

REF = Path(__file__).resolve().parents[1] / "reference"


@cache
def _fixture() -> dict[str, Any]:
    return dict(json.loads((REF / "contingency__fisher.json").read_text()))


def _number(v: Any) -> float:
    if isinstance(v, str):
        return {"NA": math.nan, "NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}[v]
    return float(v)


def _close(got: float, want: float, tol: dict[str, float]) -> bool:
    if math.isinf(want) or math.isnan(want):
        return got == want or (math.isnan(want) and math.isnan(got))
    return abs(got - want) <= tol["atol"] + tol["rtol"] * abs(want)


CASES = [pytest.param(c, id=c["name"]) for c in _fixture()["cases"]]


@pytest.mark.parametrize("case", CASES)
def test_fisher_matches_r(case: dict[str, Any]) -> None:
    tol = _fixture()["tolerance"]
    opts = case["options"]
    r = fisher_exact(case["inputs"]["table"], alternative=opts["alternative"], conf_level=_number(opts["conf_level"]))
    want = case["values"]
    assert _close(r.p_value, _number(want["p_value"]), tol["p_value"]), (r.p_value, want["p_value"], case["call"])
    assert r.alternative == opts["alternative"]
    assert r.method == "Fisher's Exact Test for Count Data"
    if want["odds_ratio"] is None:
        assert r.odds_ratio is None and r.conf_int is None
    else:
        assert r.odds_ratio is not None and r.conf_int is not None
        assert _close(r.odds_ratio, _number(want["odds_ratio"]), tol["odds_ratio"]), (r.odds_ratio, case["call"])
        for got, exp in zip(r.conf_int, want["conf_int"], strict=True):
            assert _close(got, _number(exp), tol["conf_int"]), (r.conf_int, want["conf_int"], case["call"])


def test_fixture_covers_required_shapes() -> None:
    shapes = {(len(c["inputs"]["table"]), len(c["inputs"]["table"][0])) for c in _fixture()["cases"]}
    assert {(2, 2), (2, 3), (3, 3), (2, 5), (5, 5), (2, 10)} <= shapes
    alternatives = {c["options"]["alternative"] for c in _fixture()["cases"]}
    assert alternatives == {"two-sided", "less", "greater"}
    assert _fixture()["source"]["r_version"].startswith("R version 4.2.2")

"""Pearson's chi-squared test against R 4.2.2 ``chisq.test`` on a matrix, plus hand values and input errors.

Fixture: tests/reference/contingency__chisq.json, written by tests/reference/scripts/stats_tests.R.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gistreg.core.errors import InputError
from gistreg.stats import chi_square

REF = Path(__file__).resolve().parents[1] / "reference"


@cache
def _fixture() -> dict[str, Any]:
    return dict(json.loads((REF / "contingency__chisq.json").read_text()))


@pytest.mark.parametrize("case", [pytest.param(c, id=c["name"]) for c in _fixture()["cases"]])
def test_chisq_matches_r(case: dict[str, Any]) -> None:
    tol = _fixture()["tolerance"]
    r = chi_square(case["inputs"]["table"], correct=case["options"]["correct"])
    want = case["values"]
    for field in ("statistic", "p_value"):
        assert getattr(r, field) == pytest.approx(want[field], rel=tol[field]["rtol"], abs=tol[field]["atol"]), field
    for field in ("expected", "residuals", "stdres"):
        np.testing.assert_allclose(
            getattr(r, field), np.array(want[field]), rtol=tol[field]["rtol"], atol=tol[field]["atol"], err_msg=field
        )
    assert r.df == want["df"]
    assert r.method == want["method"]
    assert r.n_expected_below_5 == want["n_expected_below_5"]
    assert r.continuity_correction == want["method"].endswith("Yates' continuity correction")


def test_yates_by_hand() -> None:
    # [[8, 8], [6, 4]]: E11 = 16 * 14 / 26; |O - E| = 8 - 224/26 = -16/26 in every cell (abs 8/13 > 0.5)
    r = chi_square([[8, 8], [6, 4]])
    e = np.outer([16, 10], [14, 12]) / 26
    want = float((((8 / 13) - 0.5) ** 2 / e).sum())
    assert r.statistic == pytest.approx(want, rel=1e-14)
    raw = chi_square([[8, 8], [6, 4]], correct=False)
    assert raw.statistic == pytest.approx(float(((8 / 13) ** 2 / e).sum()), rel=1e-14)
    assert not raw.continuity_correction and raw.method == "Pearson's Chi-squared test"


def test_correction_is_ignored_beyond_two_by_two() -> None:
    t = [[9, 12, 13], [8, 6, 14], [10, 8, 5]]
    assert chi_square(t).statistic == chi_square(t, correct=False).statistic
    assert chi_square(t).df == 4 and not chi_square(t).continuity_correction


@pytest.mark.parametrize(
    ("table", "match"),
    [
        ([[3, 0], [2, 0]], "column 2 has total 0"),
        ([[0, 0, 0], [1, 2, 3]], "row 1 has total 0"),
        ([[0, 0], [0, 0]], "every cell is 0"),
        ([[1, -1], [2, 3]], "row 1, column 2 is -1.0"),
        ([[1, 2]], "at least 2 rows and 2 columns"),
    ],
)
def test_chisq_input_errors(table: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        chi_square(table)  # type: ignore[arg-type]

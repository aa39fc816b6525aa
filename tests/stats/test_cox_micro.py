"""Closed-form Cox answers on test data 1 of the survival package's "Validation" vignette (Therneau).

n = 6: one tied death time (6), a time with a death and a censoring (1), a death only (9) and a censoring only (8).
With r = exp(beta), the vignette derives the log partial likelihood, score U and information H exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from gistreg.stats import cox
from gistreg.stats._kernels import cox as kernel

TIME = np.array([1.0, 1.0, 6.0, 6.0, 8.0, 9.0])
STATUS = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0])
X = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])


def breslow(beta: float) -> tuple[float, float, float]:
    r = math.exp(beta)
    return (
        2 * beta - math.log(3 * r + 3) - 2 * math.log(r + 3),
        (6 + 3 * r - r * r) / ((r + 1) * (r + 3)),
        r / (r + 1) ** 2 + 6 * r / (r + 3) ** 2,
    )


def efron(beta: float) -> tuple[float, float, float]:
    r = math.exp(beta)
    return (
        2 * beta - math.log(3 * r + 3) - math.log(r + 3) - math.log(r / 2 + 5 / 2),
        (-(r**3) + 23 * r + 30) / ((r + 1) * (r + 3) * (r + 5)),
        r / (r + 1) ** 2 + 3 * r / (r + 3) ** 2 + 5 * r / (r + 5) ** 2,
    )


BRESLOW_HAT = math.log((3 + math.sqrt(33)) / 2)
EFRON_HAT = math.log(2 * math.sqrt(23 / 3) * math.cos(math.acos(45 / 23 * math.sqrt(3 / 23)) / 3))


def _kernel_at(beta: float, ties: str) -> tuple[float, float, float]:
    ca = kernel.prepare(TIME, STATUS, X[:, None], np.ones(6), np.zeros(6, dtype=np.int64))
    ll, u, info = kernel.loglik_score_info(ca, np.array([beta]), ties == "efron")
    return ll, float(u[0]), float(info[0, 0])


@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("beta", [0.0, -0.7, 0.4, 1.3, 2.5])
def test_loglik_score_information_closed_form(ties: str, beta: float) -> None:
    expected = (breslow if ties == "breslow" else efron)(beta)
    np.testing.assert_allclose(_kernel_at(beta, ties), expected, rtol=1e-13, atol=1e-14)


def test_vignette_values_at_zero() -> None:
    assert efron(0.0)[1] == pytest.approx(52 / 48, rel=1e-15)
    assert efron(0.0)[2] == pytest.approx(83 / 144, rel=1e-15)
    np.testing.assert_allclose(_kernel_at(0.0, "efron"), (efron(0.0)[0], 52 / 48, 83 / 144), rtol=1e-13)
    assert abs(EFRON_HAT - 1.676857) < 1e-6  # the vignette's rounded values
    assert abs(BRESLOW_HAT - 1.475285) < 1e-6


Form = Callable[[float], tuple[float, float, float]]


@pytest.mark.parametrize(("ties", "hat", "form"), [("breslow", BRESLOW_HAT, breslow), ("efron", EFRON_HAT, efron)])
def test_fit_reaches_the_exact_solution(ties: str, hat: float, form: Form) -> None:
    fit = cox(TIME, STATUS, X, ties="efron" if ties == "efron" else "breslow")
    assert fit.converged and fit.iterations == 4  # the vignette: coxph converges after 4 iterations
    assert fit.coef[0] == pytest.approx(hat, rel=1e-10)
    ll, _, h = form(hat)
    assert fit.loglik == pytest.approx(ll, rel=1e-12)
    assert fit.loglik_null == pytest.approx(form(0.0)[0], rel=1e-13)
    assert fit.variance[0, 0] == pytest.approx(1 / h, rel=1e-9)
    _, u0, h0 = form(0.0)
    assert fit.score_test.statistic == pytest.approx(u0 * u0 / h0, rel=1e-13)


def test_first_newton_step_is_eight_fifths() -> None:
    """Breslow from beta = 0: U(0) = 1, H(0) = 5/8, so the first iterate is 8/5 (vignette)."""
    fit = cox(TIME, STATUS, X, ties="breslow", max_iter=1)
    assert fit.coef[0] == pytest.approx(8 / 5, rel=1e-14)
    assert fit.loglik == pytest.approx(breslow(8 / 5)[0], rel=1e-14)
    assert not fit.converged


@pytest.mark.parametrize(
    ("ties", "expected"),
    [
        ("breslow", [5 / 12, -1 / 12, 7 / 24, -1 / 24, 5 / 24, 5 / 24]),
        ("efron", [5 / 12, -1 / 12, 55 / 144, -5 / 144, 29 / 144, 29 / 144]),
    ],
)
def test_score_residuals_at_zero(ties: str, expected: list[float]) -> None:
    ca = kernel.prepare(TIME, STATUS, X[:, None], np.ones(6), np.zeros(6, dtype=np.int64))
    resid = np.empty(6)
    resid[ca.order] = kernel.score_residuals(ca, np.zeros(1), ties == "efron")[:, 0]
    np.testing.assert_allclose(resid, expected, rtol=1e-13, atol=1e-15)
    assert resid.sum() == pytest.approx((breslow if ties == "breslow" else efron)(0.0)[1], rel=1e-13)

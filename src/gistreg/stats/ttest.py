"""Two-sample t-test (Welch or pooled variance), equal to R ``t.test(x, y)``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from gistreg.core.errors import EstimationError, InputError
from gistreg.stats._prep import as_float_vector

Alternative = Literal["two-sided", "less", "greater"]
_ALTERNATIVES = ("two-sided", "less", "greater")


@dataclass(frozen=True, slots=True)
class TTestResult:
    """Result of a two-sample t-test of ``mean(x) - mean(y) = 0``.

    Attributes
    ----------
    statistic, df, p_value
        t statistic, degrees of freedom (Welch–Satterthwaite, or ``n_x + n_y - 2`` pooled) and p-value.
    conf_int
        Confidence interval for ``mean_x - mean_y`` at ``conf_level`` (one-sided, with an infinite end, for
        ``less``/``greater``, as R).
    mean_x, mean_y
        Sample means (R's ``estimate``).
    std_err
        Standard error of the difference in means (R's ``stderr``).
    n_x, n_y
        Sample sizes.
    alternative, conf_level, equal_var
        The options used.
    method
        ``"Welch Two Sample t-test"`` or ``"Two Sample t-test"`` (R writes the latter with a leading space).
    """

    statistic: float
    df: float
    p_value: float
    conf_int: tuple[float, float]
    mean_x: float
    mean_y: float
    std_err: float
    n_x: int
    n_y: int
    alternative: Alternative
    conf_level: float
    equal_var: bool
    method: str


def t_test(
    x: ArrayLike,
    y: ArrayLike,
    *,
    equal_var: bool = False,
    alternative: Alternative = "two-sided",
    conf_level: float = 0.95,
) -> TTestResult:
    """Two-sample t-test, Welch's unequal-variance test by default, equal to R ``t.test(x, y, var.equal=)``.

    Parameters
    ----------
    x, y
        1-D arrays of finite numbers (missing values are refused with their position rather than dropped).
    equal_var
        ``False`` (default): Welch's test with Satterthwaite degrees of freedom; ``True``: pooled variance.
    alternative
        ``"two-sided"``, ``"less"`` (mean of ``x`` below that of ``y``) or ``"greater"``.
    conf_level
        Confidence level of the interval for the difference in means.

    Returns
    -------
    TTestResult

    Raises
    ------
    InputError
        For too few observations (Welch: 2 per sample; pooled: 1 per sample and 3 in all, as R), non-finite
        values, an unknown ``alternative`` or ``conf_level`` outside (0, 1).
    EstimationError
        When the data are essentially constant (standard error below ``10 eps max(|mean|)``, R's check).

    References
    ----------
    Student. The probable error of a mean. Biometrika 1908;6:1-25.
    Welch BL. The generalization of "Student's" problem when several different population variances are
    involved. Biometrika 1947;34:28-35.
    Satterthwaite FE. An approximate distribution of estimates of variance components. Biometrics Bull
    1946;2:110-114.
    """
    from scipy.special import stdtr, stdtrit

    if alternative not in _ALTERNATIVES:
        raise InputError(f"alternative: got {alternative!r}; expected one of {', '.join(_ALTERNATIVES)}")
    if isinstance(conf_level, bool) or not isinstance(conf_level, (int, float, np.floating)) or not (
        0.0 < float(conf_level) < 1.0
    ):
        raise InputError(f"conf_level: got {conf_level!r}; expected a number strictly between 0 and 1")
    level = float(conf_level)
    xv = as_float_vector("x", x)
    yv = as_float_vector("y", y)
    nx, ny = xv.shape[0], yv.shape[0]
    need = 1 if equal_var else 2
    if nx < need:
        raise InputError(f"x: {nx} observation(s); this t-test needs at least {need}")
    if ny < need:
        raise InputError(f"y: {ny} observation(s); this t-test needs at least {need}")
    if equal_var and nx + ny < 3:
        raise InputError(f"x and y: {nx + ny} observations in all; the pooled t-test needs at least 3")
    mx, my = float(xv.mean()), float(yv.mean())
    vx = float(xv.var(ddof=1)) if nx > 1 else 0.0
    vy = float(yv.var(ddof=1)) if ny > 1 else 0.0
    if equal_var:
        df = float(nx + ny - 2)
        pooled = ((nx - 1) * vx + (ny - 1) * vy) / df
        stderr = math.sqrt(pooled * (1.0 / nx + 1.0 / ny))
    else:
        sx2, sy2 = vx / nx, vy / ny
        stderr = math.sqrt(sx2 + sy2)
        df = stderr**4 / (sx2**2 / (nx - 1) + sy2**2 / (ny - 1)) if stderr > 0 else math.nan
    if stderr < 10.0 * float(np.finfo(np.float64).eps) * max(abs(mx), abs(my)) or stderr == 0.0:
        raise EstimationError(
            f"t_test: the data are essentially constant (standard error {stderr!r} with means {mx!r} and {my!r});"
            " no t statistic"
        )
    t = (mx - my) / stderr
    if alternative == "less":
        p = float(stdtr(df, t))
        ci = (-math.inf, t + float(stdtrit(df, level)))
    elif alternative == "greater":
        p = float(stdtr(df, -t))
        ci = (t - float(stdtrit(df, level)), math.inf)
    else:
        p = 2.0 * float(stdtr(df, -abs(t)))
        q = float(stdtrit(df, 1.0 - (1.0 - level) / 2.0))
        ci = (t - q, t + q)
    return TTestResult(
        statistic=t,
        df=df,
        p_value=p,
        conf_int=(ci[0] * stderr, ci[1] * stderr),
        mean_x=mx,
        mean_y=my,
        std_err=stderr,
        n_x=nx,
        n_y=ny,
        alternative=alternative,
        conf_level=level,
        equal_var=bool(equal_var),
        method="Two Sample t-test" if equal_var else "Welch Two Sample t-test",
    )

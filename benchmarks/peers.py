"""Adapters that run one benchmark task with one tool: gistreg, lifelines, statsmodels, scikit-survival, SciPy.

Every adapter has two parts. ``prepare`` turns the shared synthetic data into the container the tool expects (a
pandas frame for lifelines' Cox model, a structured array for scikit-survival); it is not timed, so no tool pays
for converting our arrays. Splitting the rows by group, for tools that fit one group at a time, is part of a
by-group task and is timed, as gistreg's grouping is. ``run`` is the timed call and
returns the numbers used to cross-check the tools against gistreg (medians, chi-square, coefficients, p).

Peers are optional. They are imported inside the adapters, only when a run asks for them, and a tool whose
package is not installed is reported as such instead of failing the run.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import importlib.util
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from benchmarks.data import BenchData, continuous_times, fisher_table
from numpy.typing import NDArray

Values = dict[str, float]

#: Benchmark tasks, in the order they are reported.
TASKS: tuple[str, ...] = ("km", "logrank", "logrank_strat", "cox", "fisher", "km_cont", "logrank_cont")
#: Tasks on continuous (non-integer) times: the same calls on :func:`benchmarks.data.continuous_times`.
CONTINUOUS_TASKS: tuple[str, ...] = ("km_cont", "logrank_cont")
TASK_TITLES: dict[str, str] = {
    "km": "Kaplan-Meier by group + medians with 95% CI",
    "logrank": "log-rank, 2 groups",
    "logrank_strat": "stratified log-rank (4 strata)",
    "cox": "Cox PH, Efron ties, 6 covariates",
    "fisher": "Fisher exact 2x5, n=200",
    "km_cont": "as km, on continuous times (nearly all distinct)",
    "logrank_cont": "as logrank, on continuous times (nearly all distinct)",
    "import": "start-up: python -c 'import ...'",
}
#: Python tools, in report order, with the module that must be importable and the distribution for versions.
TOOLS: dict[str, tuple[str, str]] = {
    "gistreg": ("gistreg.stats", "gistreg"),
    "statsmodels": ("statsmodels", "statsmodels"),
    "lifelines": ("lifelines", "lifelines"),
    "scikit-survival": ("sksurv", "scikit-survival"),
    "scipy": ("scipy", "scipy"),
}
#: Task/tool pairs the tool cannot do at all; reported as "n/a" with the reason.
NOT_SUPPORTED: dict[tuple[str, str], str] = {
    ("logrank_strat", "lifelines"): "n/a: no stratified log-rank (lifelines#541)",
    ("logrank_strat", "scikit-survival"): "n/a: no stratified log-rank",
    ("logrank_strat", "scipy"): "n/a: scipy.stats.logrank has no strata",
    ("cox", "scipy"): "n/a: no Cox model",
}


@dataclass(frozen=True, slots=True)
class Adapter:
    """How one tool runs one task: an untimed ``prepare`` and a timed ``run``; ``note`` says what it computes."""

    tool: str
    task: str
    prepare: Callable[[BenchData], Any]
    run: Callable[[Any], Values]
    note: str = ""


def tool_available(tool: str) -> bool:
    """Whether the tool's package can be imported in this environment."""
    module = TOOLS[tool][0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def tool_version(tool: str) -> str:
    """Installed version of the tool's distribution, or ``"not installed"``."""
    try:
        return importlib.metadata.version(TOOLS[tool][1])
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@functools.cache
def _mod(name: str) -> Any:
    """The module ``name``, imported on first use (a peer that is not installed fails only its own cells) and then
    kept: the timed calls look it up in a dict instead of going through the import machinery every time."""
    return importlib.import_module(name)


def _split(d: BenchData) -> list[tuple[NDArray[np.float64], NDArray[np.int64]]]:
    """(time, event) of group 0 and group 1."""
    return [(d.time[d.group == g], d.event[d.group == g]) for g in (0, 1)]


def _first_below_half(times: NDArray[np.float64], surv: NDArray[np.float64]) -> float:
    """Median read off a step curve: the first time with S(t) <= 0.5 (NaN if never reached)."""
    below = np.flatnonzero(surv <= 0.5)
    return float(times[below[0]]) if below.size else float("nan")


# ---------------------------------------------------------------- gistreg

def _gistreg_km(d: BenchData) -> Values:
    fit = _mod("gistreg.stats.km").kaplan_meier(d.time, d.event, group=d.group)
    med = fit.median()  # SurvivalQuantiles: arrays of shape (groups, probs)
    out: Values = {}
    for g in range(len(med.groups)):
        out[f"median_g{g}"] = float(med.estimate[g, 0])
        out[f"median_lo_g{g}"] = float(med.ci_lower[g, 0])
        out[f"median_hi_g{g}"] = float(med.ci_upper[g, 0])
    return out


def _gistreg_logrank(d: BenchData) -> Values:
    res = _mod("gistreg.stats.logrank").logrank(d.time, d.event, d.group)
    return {"chi2": float(res.statistic)}


def _gistreg_logrank_strat(d: BenchData) -> Values:
    res = _mod("gistreg.stats.logrank").logrank(d.time, d.event, d.group, strata=d.stratum)
    return {"chi2": float(res.statistic)}


def _gistreg_cox(d: BenchData) -> Values:
    res = _mod("gistreg.stats.cox").cox(d.time, d.event, d.covariates, names=d.names, ties="efron")
    return {f"coef_{name}": float(c) for name, c in zip(d.names, np.asarray(res.coef), strict=True)}


def _gistreg_fisher(table: NDArray[np.int64]) -> Values:
    res = _mod("gistreg.stats.contingency").fisher_exact(table)
    return {"p": float(res.p_value)}


# ---------------------------------------------------------------- statsmodels

def _sm_km(d: BenchData) -> Values:
    survfunc = _mod("statsmodels.duration.survfunc")
    out: Values = {}
    for g, (t, e) in enumerate(_split(d)):
        sf = survfunc.SurvfuncRight(t, e)
        with warnings.catch_warnings():  # statsmodels divides by S(t) = 0 at the end of a curve
            warnings.simplefilter("ignore", RuntimeWarning)
            lo, hi = sf.quantile_ci(0.5, method="log")
        out[f"median_g{g}"] = float(sf.quantile(0.5))
        out[f"median_lo_g{g}"] = float(lo)
        out[f"median_hi_g{g}"] = float(hi)
    return out


def _sm_logrank(d: BenchData) -> Values:
    chi2, _ = _mod("statsmodels.duration.survfunc").survdiff(d.time, d.event, d.group)
    return {"chi2": float(chi2)}


def _sm_logrank_strat(d: BenchData) -> Values:
    chi2, _ = _mod("statsmodels.duration.survfunc").survdiff(d.time, d.event, d.group, strata=d.stratum)
    return {"chi2": float(chi2)}


def _sm_cox(d: BenchData) -> Values:
    hr = _mod("statsmodels.duration.hazard_regression")
    res = hr.PHReg(d.time, d.covariates, status=d.event, ties="efron").fit()
    return {f"coef_{name}": float(c) for name, c in zip(d.names, np.asarray(res.params), strict=True)}


# ---------------------------------------------------------------- lifelines

def _ll_km(d: BenchData) -> Values:
    lifelines = _mod("lifelines")
    utils = _mod("lifelines.utils")
    out: Values = {}
    for g, (t, e) in enumerate(_split(d)):
        kmf = lifelines.KaplanMeierFitter().fit(t, e)
        utils.median_survival_times(kmf.confidence_interval_)  # log-log CI: computed, not compared
        out[f"median_g{g}"] = float(kmf.median_survival_time_)
    return out


def _ll_logrank(d: BenchData) -> Values:
    (t0, e0), (t1, e1) = _split(d)
    res = _mod("lifelines.statistics").logrank_test(t0, t1, e0, e1)
    return {"chi2": float(res.test_statistic)}


def _ll_cox_prepare(d: BenchData) -> Any:
    pd = _mod("pandas")
    frame = pd.DataFrame(d.covariates, columns=list(d.names))
    frame["time"] = d.time
    frame["event"] = d.event
    return (frame, d.names)


def _ll_cox(state: Any) -> Values:
    frame, names = state
    cph = _mod("lifelines").CoxPHFitter().fit(frame, duration_col="time", event_col="event")
    return {f"coef_{name}": float(cph.params_[name]) for name in names}


# ---------------------------------------------------------------- scikit-survival

def _sk_km_prepare(d: BenchData) -> Any:
    return (d.event.astype(bool), d.time, d.group)


def _sk_km(state: tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.int64]]) -> Values:
    nonparametric = _mod("sksurv.nonparametric")
    event, time, group = state
    out: Values = {}
    for g in (0, 1):
        mask = group == g
        times, surv, _ci = nonparametric.kaplan_meier_estimator(event[mask], time[mask], conf_type="log-log")
        out[f"median_g{g}"] = _first_below_half(times, surv)
    return out


def _sk_surv(d: BenchData) -> Any:
    return _mod("sksurv.util").Surv.from_arrays(d.event.astype(bool), d.time)


def _sk_logrank(state: tuple[Any, NDArray[np.int64]]) -> Values:
    y, group = state
    chi2, _ = _mod("sksurv.compare").compare_survival(y, group)
    return {"chi2": float(chi2)}


def _sk_cox(state: tuple[NDArray[np.float64], Any, tuple[str, ...]]) -> Values:
    x, y, names = state
    model = _mod("sksurv.linear_model").CoxPHSurvivalAnalysis(ties="efron").fit(x, y)
    return {f"coef_{name}": float(c) for name, c in zip(names, np.asarray(model.coef_), strict=True)}


# ---------------------------------------------------------------- SciPy

def _sp_samples(d: BenchData) -> list[Any]:
    stats = _mod("scipy.stats")
    return [stats.CensoredData.right_censored(t, e == 0) for t, e in _split(d)]


def _sp_km(d: BenchData) -> Values:
    stats = _mod("scipy.stats")
    out: Values = {}
    for g, sample in enumerate(_sp_samples(d)):
        sf = stats.ecdf(sample).sf
        with warnings.catch_warnings():  # SciPy warns where the log-log limits are undefined (S = 1 or 0)
            warnings.simplefilter("ignore", RuntimeWarning)
            sf.confidence_interval(method="log-log")  # computed, not compared (log-log, not R's "log")
        out[f"median_g{g}"] = _first_below_half(sf.quantiles, sf.probabilities)
    return out


def _sp_logrank(d: BenchData) -> Values:
    x, y = _sp_samples(d)
    res = _mod("scipy.stats").logrank(x, y)
    return {"chi2": float(res.statistic) ** 2}


def _sp_fisher(table: NDArray[np.int64]) -> Values:
    stats = _mod("scipy.stats")
    method = stats.MonteCarloMethod(rng=np.random.default_rng(1))
    return {"p": float(stats.fisher_exact(table, method=method).pvalue)}


def _ident(d: BenchData) -> BenchData:
    return d


def _table(_: BenchData) -> NDArray[np.int64]:
    return fisher_table()


ADAPTERS: tuple[Adapter, ...] = (
    Adapter("gistreg", "km", _ident, _gistreg_km, "log CI (R default)"),
    Adapter("statsmodels", "km", _ident, _sm_km, "SurvfuncRight per group; quantile_ci(method='log')"),
    Adapter("lifelines", "km", _ident, _ll_km, "KaplanMeierFitter per group; log-log CI"),
    Adapter("scikit-survival", "km", _sk_km_prepare, _sk_km, "kaplan_meier_estimator per group; log-log CI"),
    Adapter("scipy", "km", _ident, _sp_km, "stats.ecdf per group; log-log CI"),
    Adapter("gistreg", "logrank", _ident, _gistreg_logrank),
    Adapter("statsmodels", "logrank", _ident, _sm_logrank, "survdiff"),
    Adapter("lifelines", "logrank", _ident, _ll_logrank, "logrank_test"),
    Adapter("scikit-survival", "logrank", lambda d: (_sk_surv(d), d.group), _sk_logrank, "compare_survival"),
    Adapter("scipy", "logrank", _ident, _sp_logrank, "stats.logrank"),
    Adapter("gistreg", "logrank_strat", _ident, _gistreg_logrank_strat),
    Adapter("statsmodels", "logrank_strat", _ident, _sm_logrank_strat, "survdiff(strata=)"),
    Adapter("gistreg", "cox", _ident, _gistreg_cox, "Efron"),
    Adapter("statsmodels", "cox", _ident, _sm_cox, "PHReg(ties='efron')"),
    Adapter("lifelines", "cox", _ll_cox_prepare, _ll_cox, "CoxPHFitter (Efron)"),
    Adapter(
        "scikit-survival", "cox", lambda d: (d.covariates, _sk_surv(d), d.names), _sk_cox,
        "CoxPHSurvivalAnalysis(ties='efron'); no SEs",
    ),
    Adapter("gistreg", "fisher", _table, _gistreg_fisher, "exact"),
    Adapter("scipy", "fisher", _table, _sp_fisher, "Monte Carlo p (9999 tables), not exact"),
)


def _continuous_adapters() -> tuple[Adapter, ...]:
    """The km and logrank adapters again, each preparing continuous times first (untimed)."""
    out = []
    for task, base in (("km_cont", "km"), ("logrank_cont", "logrank")):
        for a in (a for a in ADAPTERS if a.task == base):
            prep = a.prepare
            out.append(Adapter(a.tool, task, lambda d, prep=prep: prep(continuous_times(d)), a.run, a.note))
    return tuple(out)


ADAPTERS += _continuous_adapters()


def adapters_for(task: str) -> list[Adapter]:
    """The adapters of one task, in report order."""
    return [a for a in ADAPTERS if a.task == task]


#: One-line import statements timed for the start-up task: (tool, label, statement).
IMPORTS: tuple[tuple[str, str, str], ...] = (
    ("gistreg", "import gistreg.stats", "import gistreg.stats"),
    (
        "gistreg",
        "import the benchmarked gistreg modules",
        "import gistreg.stats.km, gistreg.stats.logrank, gistreg.stats.cox, gistreg.stats.contingency",
    ),
    ("statsmodels", "import statsmodels.api", "import statsmodels.api"),
    ("lifelines", "import lifelines", "import lifelines"),
    ("scikit-survival", "import sksurv", "import sksurv"),
    (
        "scikit-survival",
        "import the benchmarked sksurv modules",
        "import sksurv.nonparametric, sksurv.compare, sksurv.linear_model",
    ),
)

"""Kaplan-Meier, log-rank, RMST and reverse-KM follow-up against R survival 3.5-3.

Fixtures: tests/reference/<dataset>__{km,logrank,rmst,followup}.json, written by
tests/reference/scripts/survival_km_logrank.R (each case records its exact R call and per-field tolerances).
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gistreg.stats import kaplan_meier, logrank, median_followup, rmst

REF = Path(__file__).resolve().parents[1] / "reference"
DATASETS = ("lung", "veteran", "ovarian", "aml", "micro")


def _number(v: Any) -> float:
    if isinstance(v, str):
        return {"NA": np.nan, "NaN": np.nan, "Inf": np.inf, "-Inf": -np.inf}[v]
    return float(v)


def _array(values: Any) -> np.ndarray:
    return np.array([_number(v) for v in np.ravel(np.array(values, dtype=object))], dtype=np.float64).reshape(
        np.shape(values)
    )


@cache
def _fixture(dataset: str, method: str) -> dict[str, Any] | None:
    path = REF / f"{dataset}__{method}.json"
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def _cases(method: str) -> list[Any]:
    out = []
    for ds in DATASETS:
        fx = _fixture(ds, method)
        if fx is not None:
            out += [pytest.param(ds, i, id=f"{ds}-{c['name']}") for i, c in enumerate(fx["cases"])]
    return out


@cache
def _csv(name: str) -> dict[str, list[str]]:
    with (REF / "data" / f"{name}.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    return {k: [r[k] for r in rows] for k in rows[0]}


def _labels(raw: list[str]) -> np.ndarray:
    """A CSV column as numbers when it holds numbers (integers as int64), otherwise as strings."""
    try:
        x = np.array([float(v) for v in raw])
    except ValueError:
        return np.array(raw)
    return x.astype(np.int64) if np.array_equal(x, np.floor(x)) else x


def _inputs(spec: dict[str, Any]) -> dict[str, Any]:
    data = _csv(spec["data"]) if spec.get("data") else None
    keep = np.ones(0, dtype=bool)
    if data is not None:
        keep = np.ones(len(next(iter(data.values()))), dtype=bool)
        for c in spec.get("drop_na", []) or []:
            keep &= np.array([v != "NA" for v in data[c]])

    def get(expr: dict[str, Any] | None, *, numeric: bool) -> Any:
        if expr is None:
            return None
        if "values" in expr:
            vals = expr["values"]
            return _array(vals) if numeric else np.array(vals)
        assert data is not None
        raw = [v for v, k in zip(data[expr["col"]], keep, strict=True) if k]
        if not numeric:
            return _labels(raw)
        x = np.array([float(v) for v in raw])
        if "divide" in expr:
            x = x / expr["divide"]
        if "equals" in expr:
            x = (x == expr["equals"]).astype(np.float64)
        return x

    return {
        "time": get(spec["time"], numeric=True),
        "event": get(spec["event"], numeric=True),
        "group": get(spec.get("group"), numeric=False),
        "strata": get(spec.get("strata"), numeric=False),
        "weights": get(spec.get("weights"), numeric=True),
    }


def _close(actual: Any, expected: Any, tol: dict[str, float], what: str) -> None:
    a = np.asarray(actual, dtype=np.float64)
    e = _array(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != R's {e.shape}"
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    assert np.array_equal(nan_a, nan_e), f"{what}: NA pattern differs: ours {a[nan_a != nan_e]}, R {e[nan_a != nan_e]}"
    inf = np.isinf(e)
    assert np.array_equal(a[inf], e[inf]), f"{what}: infinite values differ"
    fin = ~nan_e & ~inf
    err = np.abs(a[fin] - e[fin])
    bound = tol["atol"] + tol["rtol"] * np.abs(e[fin])
    if err.size:
        i = int(np.argmax(err - bound))
        assert err[i] <= bound[i], f"{what}: {a[fin][i]!r} vs R {e[fin][i]!r} (tolerance {tol})"


def _by_label(labels: tuple[Any, ...], r_labels: list[str]) -> list[int]:
    """Positions of R's group labels among ours (R's factor order may differ from sorted order)."""
    ours = [str(x) for x in labels]
    assert sorted(ours) == sorted(r_labels), f"groups {ours} vs R {r_labels}"
    return [ours.index(r) for r in r_labels]


@pytest.mark.parametrize(("dataset", "index"), _cases("km"))
def test_kaplan_meier_equals_survfit(dataset: str, index: int) -> None:
    fx = _fixture(dataset, "km")
    assert fx is not None
    case, tol = fx["cases"][index], fx["tolerance"]
    x = _inputs(case["inputs"])
    opts, vals = case["options"], case["values"]
    fit = kaplan_meier(
        x["time"],
        x["event"],
        group=x["group"],
        weights=x["weights"],
        conf_level=_number(opts["conf_level"]),
        conf_type=opts["conf_type"],
    )
    assert fit.variance_method == ("greenwood" if vals["logse"] else "infinitesimal-jackknife")
    order = _by_label(fit.groups, [c["group"] for c in vals["curves"]])
    quant = fit.quantile(_array(vals["probs"]))
    at = fit.at(_array(vals["times"]), extend=True)
    for pos, rc in zip(order, vals["curves"], strict=True):
        c, w = fit.curves[pos], f"{case['name']} group {rc['group']}"
        assert c.n == int(rc["n"])
        _close(c.time, rc["time"], tol["time"], f"{w} time")
        for ours, r in ((c.n_risk, "n_risk"), (c.n_event, "n_event"), (c.n_censor, "n_censor")):
            _close(ours, rc[r], tol["counts"], f"{w} {r}")
        _close(c.survival, rc["surv"], tol["surv"], f"{w} surv")
        # R's std.err is on the log scale for Greenwood and on the survival scale for the robust variance
        _close(c.std_err if vals["logse"] else c.std_err_survival, rc["std_err"], tol["std_err"], f"{w} std.err")
        _close(c.ci_lower, rc["lower"], tol["limits"], f"{w} lower")
        _close(c.ci_upper, rc["upper"], tol["limits"], f"{w} upper")
        _close(quant.estimate[pos], rc["quantile"], tol["quantile"], f"{w} quantile")
        _close(quant.ci_lower[pos], rc["quantile_lower"], tol["quantile"], f"{w} quantile lower")
        _close(quant.ci_upper[pos], rc["quantile_upper"], tol["quantile"], f"{w} quantile upper")
        _close(at.times, rc["at_time"], tol["time"], f"{w} summary time")
        _close(at.survival[pos], rc["at_surv"], tol["surv"], f"{w} summary surv")
        _close(at.std_err_survival[pos], rc["at_std_err"], tol["std_err"], f"{w} summary std.err")
        _close(at.ci_lower[pos], rc["at_lower"], tol["limits"], f"{w} summary lower")
        _close(at.ci_upper[pos], rc["at_upper"], tol["limits"], f"{w} summary upper")
        for name in ("n_risk", "n_event", "n_censor"):
            _close(getattr(at, name)[pos], rc[f"at_{name}"], tol["counts"], f"{w} summary {name}")


@pytest.mark.parametrize(("dataset", "index"), _cases("logrank"))
def test_logrank_equals_survdiff(dataset: str, index: int) -> None:
    fx = _fixture(dataset, "logrank")
    assert fx is not None
    case, tol = fx["cases"][index], fx["tolerance"]
    x = _inputs(case["inputs"])
    vals = case["values"]
    res = logrank(
        x["time"],
        x["event"],
        x["group"],
        strata=x["strata"],
        rho=_number(case["options"]["rho"]),
        gamma=_number(case["options"]["gamma"]),
        weights=x["weights"],
    )
    order = _by_label(res.groups, vals["groups"])
    _close(res.observed[order], vals["observed"], tol["observed"], "observed")
    _close(res.expected[order], vals["expected"], tol["expected"], "expected")
    _close(res.variance[np.ix_(order, order)], vals["variance"], tol["variance"], "variance")
    _close(res.statistic, vals["chisq"], tol["chisq"], "chisq")
    assert res.df == int(vals["df"])
    _close(res.p_value, vals["p"], tol["p"], "p")
    if vals.get("strata") is not None:
        s_order = _by_label(res.strata, vals["strata"])
        by = np.ix_(order, s_order)
        _close(res.observed_by_stratum[by], vals["observed_by_stratum"], tol["observed"], "observed by stratum")
        _close(res.expected_by_stratum[by], vals["expected_by_stratum"], tol["expected"], "expected by stratum")


@pytest.mark.parametrize(("dataset", "index"), _cases("rmst"))
def test_rmst_equals_print_survfit_rmean(dataset: str, index: int) -> None:
    fx = _fixture(dataset, "rmst")
    assert fx is not None
    case, tol = fx["cases"][index], fx["tolerance"]
    x = _inputs(case["inputs"])
    vals = case["values"]
    res = rmst(x["time"], x["event"], tau=_number(case["options"]["tau"]), group=x["group"])
    order = _by_label(res.groups, vals["groups"])
    _close(res.rmst[order], vals["rmean"], tol["rmean"], "rmean")
    _close(res.std_err[order], vals["se"], tol["se"], "se(rmean)")
    _close(res.n_event[order], vals["events"], tol["rmean"], "events")


@pytest.mark.parametrize(("dataset", "index"), _cases("followup"))
def test_median_followup_equals_reverse_survfit(dataset: str, index: int) -> None:
    fx = _fixture(dataset, "followup")
    assert fx is not None
    case, tol = fx["cases"][index], fx["tolerance"]
    x = _inputs(case["inputs"])
    vals = case["values"]
    res = median_followup(x["time"], x["event"], group=x["group"], conf_type=case["options"]["conf_type"])
    order = _by_label(res.groups, vals["groups"])
    _close(res.median[order], vals["median"], tol["median"], "median")
    _close(res.ci_lower[order], vals["lower"], tol["median"], "lower")
    _close(res.ci_upper[order], vals["upper"], tol["median"], "upper")
    _close(res.simple_median_observation_time[order], vals["simple_median"], tol["simple_median"], "simple")


def test_every_fixture_is_exercised() -> None:
    found = sorted(
        p.name for p in REF.glob("*__*.json") if p.stem.split("__")[1] in {"km", "logrank", "rmst", "followup"}
    )
    expected = sorted(
        f"{d}__{m}.json" for d in DATASETS for m in ("km", "logrank", "rmst", "followup") if _fixture(d, m)
    )
    assert found == expected
    assert len(found) >= 15

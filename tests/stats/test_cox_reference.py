"""cox() and cox_zph() against R survival 3.5-3 (coxph, cox.zph, concordance).

Fixtures: tests/reference/<dataset>__cox.json, written by tests/reference/scripts/survival_cox.R from the CSVs in
tests/reference/data/.  Each case carries the exact R call, a "spec" saying how to build the arrays from the CSV
(rows with missing values are removed explicitly, as R's na.omit does) and per-field tolerances.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gistreg.stats import cox, cox_zph

REF = Path(__file__).resolve().parents[1] / "reference"
DATASETS = ("lung", "veteran", "ovarian", "colon", "pbc", "survival_test1", "cox_monotone")


def _load(dataset: str) -> dict[str, Any]:
    with open(REF / f"{dataset}__cox.json", encoding="utf-8") as fh:
        out: dict[str, Any] = json.load(fh)
    return out


def _cases() -> list[Any]:
    out = []
    for ds in DATASETS:
        fx = _load(ds)
        for case in fx["cases"]:
            out.append(pytest.param(ds, case, fx["tolerance"], id=f"{ds}-{case['name']}"))
    return out


def _rows(dataset: str, spec: dict[str, Any]) -> list[dict[str, str]]:
    rules = spec["rows"] if isinstance(spec["rows"], dict) else {}
    name = rules.get("dataset", dataset)
    with open(REF / "data" / f"{name}.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    drop = rules.get("drop_na", [])
    drop = [drop] if isinstance(drop, str) else drop
    rows = [r for r in rows if all(r[c] != "NA" for c in drop)]
    for col, value in rules.get("where", {}).items():
        rows = [r for r in rows if float(r[col]) == float(value)]
    return rows


def _expr(expr: list[Any], rows: list[dict[str, str]]) -> np.ndarray:
    kind, col = expr[0], expr[1]
    if kind == "col":
        return np.array([float(r[col]) for r in rows])
    if kind == "log":
        out: np.ndarray = np.log(np.array([float(r[col]) for r in rows]))
        return out
    if kind == "scale":
        return np.array([float(r[col]) for r in rows]) * float(expr[2])
    if kind == "eq":
        value = expr[2]
        if isinstance(value, str):
            return np.array([float(r[col] == value) for r in rows])
        return np.array([float(float(r[col]) == float(value)) for r in rows])
    raise AssertionError(f"unknown spec expression {expr!r}")


def build(dataset: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Arrays and options for cox() from a fixture spec."""
    rows = _rows(dataset, spec)
    strata = None
    if spec["strata"] is not None:
        raw = [r[spec["strata"]] for r in rows]
        levels = spec.get("strata_levels")
        strata = np.array([levels.index(v) for v in raw]) if levels else np.array(raw)
    return {
        "time": np.array([float(r[spec["time"]]) for r in rows]),
        "event": _expr(spec["event"], rows),
        "covariates": np.column_stack([_expr(c[1], rows) for c in spec["columns"]]),
        "names": [c[0] for c in spec["columns"]],
        "strata": strata,
        "weights": None if spec["weights"] is None else _expr(spec["weights"], rows),
        "cluster": None if spec["cluster"] is None else np.array([r[spec["cluster"]] for r in rows]),
        "robust": bool(spec["robust"]),
        "ties": spec["ties"],
    }


def close(actual: Any, expected: Any, tol: dict[str, float], what: str) -> None:
    """``actual`` within tolerance of R's value; JSON null is R's Inf (JSON has no infinity) and must be inf."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64).reshape(a.shape)
    inf = np.isnan(e)
    assert np.all(np.isinf(a[inf])), f"{what}: R has Inf at {np.flatnonzero(inf)}, got {a[inf]}"
    np.testing.assert_allclose(a[~inf], e[~inf], rtol=tol["rtol"], atol=tol["atol"], err_msg=what)


def _check_test(ours: Any, ref: dict[str, Any], tol: dict[str, dict[str, float]], what: str) -> None:
    close(ours.statistic, ref["stat"], tol["test"], f"{what} statistic")
    close(ours.p, ref["p"], tol["p"], f"{what} p")
    assert ours.df == ref["df"]


@pytest.mark.parametrize(("dataset", "case", "tol"), _cases())
def test_cox_equals_r(dataset: str, case: dict[str, Any], tol: dict[str, dict[str, float]]) -> None:
    args = build(dataset, case["spec"])
    fit = cox(**args)
    ref = case["result"]
    assert list(fit.names) == list(np.atleast_1d(ref["names"]))
    assert fit.n == ref["n"] and fit.n_event == ref["n_event"] and fit.ties == ref["ties"]
    p = len(fit.names)
    for field in ("coef", "hr", "hr_ci_lower", "hr_ci_upper", "z"):
        close(getattr(fit, field), ref[field], tol["coef" if field != "z" else "se"], field)
    close(fit.p, ref["p"], tol["p"], "p")
    close(fit.se, ref["se"], tol["se"], "se")
    close(fit.variance, np.reshape(ref["var"], (p, p)), tol["var"], "variance")
    close(fit.information, np.reshape(ref["information"], (p, p)), tol["var"], "information")
    if ref.get("robust_se") is None:
        assert fit.robust_se is None and fit.robust_score_test is None
    else:
        close(fit.robust_se, ref["robust_se"], tol["se"], "robust_se")
        assert fit.robust_score_test is not None
        _check_test(fit.robust_score_test, ref["robust_score"], tol, "robust score test")
    close([fit.loglik_null, fit.loglik], ref["loglik"], tol["loglik"], "loglik")
    _check_test(fit.lr_test, ref["lr"], tol, "likelihood-ratio test")
    _check_test(fit.wald_test, ref["wald"], tol, "Wald test")
    _check_test(fit.score_test, ref["score"], tol, "score test")
    close(fit.concordance, ref["concordance"], tol["concordance"], "concordance")
    close(fit.concordance_se, ref["concordance_se"], tol["concordance_se"], "concordance se")
    counts = ref["concordance_counts"]
    c = fit.concordance_counts
    close(
        [c.concordant, c.discordant, c.tied_x, c.tied_y, c.tied_xy],
        [counts["concordant"], counts["discordant"], counts["tied.x"], counts["tied.y"], counts["tied.xy"]],
        tol["counts"],
        "concordance counts",
    )
    warnings = list(np.atleast_1d(ref["warnings"]))
    assert fit.converged == (not any("did not converge" in w for w in warnings))
    assert fit.iterations == (ref["iterations"] if fit.converged else ref["iterations"] - 1)
    assert bool(fit.possibly_infinite) == any("Loglik converged before" in w for w in warnings)


def _zph_cases() -> list[Any]:
    out = []
    for ds in DATASETS:
        fx = _load(ds)
        for case in fx["cases"]:
            for transform, ref in case["zph"].items():
                name = f"{ds}-{case['name']}-{transform}"
                out.append(pytest.param(ds, case, transform, ref, fx["tolerance"], id=name))
    return out


@pytest.mark.parametrize(("dataset", "case", "transform", "ref", "tol"), _zph_cases())
def test_cox_zph_equals_r(
    dataset: str, case: dict[str, Any], transform: str, ref: dict[str, Any], tol: dict[str, dict[str, float]]
) -> None:
    args = build(dataset, case["spec"])
    fit = cox(**args)
    terms = case["spec"]["terms"] or True
    z = cox_zph(
        fit, args["time"], args["event"], args["covariates"], strata=args["strata"], weights=args["weights"],
        transform=transform, terms=terms,  # type: ignore[arg-type]
    )
    assert list(z.terms) == list(np.atleast_1d(ref["terms"]))
    assert z.global_chisq is not None and z.global_df is not None and z.global_p is not None
    close(np.append(z.chisq, z.global_chisq), ref["chisq"], tol["zph_test"], "zph chisq")
    close(np.append(z.p, z.global_p), ref["p"], tol["p"], "zph p")
    assert list(np.append(z.df, z.global_df)) == list(np.atleast_1d(ref["df"]))
    if "y" in ref:
        close(z.transformed_time, ref["x"], tol["zph_resid"], "zph x")
        close(z.time, ref["time"], tol["zph_resid"], "zph time")
        y_ref = np.array([np.atleast_1d(col) for col in np.atleast_2d(ref["y"])], dtype=np.float64).T
        assert np.array_equal(np.isnan(z.scaled_schoenfeld), np.isnan(y_ref))  # NA: term constant in a stratum
        close(np.nan_to_num(z.scaled_schoenfeld), np.nan_to_num(y_ref), tol["zph_resid"], "zph y")
        k = len(z.terms)
        close(z.variance, np.reshape(ref["var"], (k, k)), tol["zph_resid"], "zph var")


def test_fixtures_record_their_source() -> None:
    for ds in DATASETS:
        src = _load(ds)["source"]
        assert src["survival_version"] == "3.5.3"
        assert src["r_version"].startswith("R version 4.2.2")
        for case in _load(ds)["cases"]:
            assert case["call"].startswith("coxph(")

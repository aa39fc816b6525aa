"""Methods and results paragraphs of a study report, generated from the spec and the results.

The methods text names every method and option used (Kaplan-Meier with its CI transformation, log-rank,
Cox with Efron ties, the per-row tests of Table 1, censoring rules per endpoint, line rules version, CTCAE
version, response criteria); the results paragraph states the numbers through :mod:`gistreg.report.format`.
"""

from __future__ import annotations

from gistreg.report import format as f
from gistreg.study.run import StudyResult

_ORIGIN = {"anchor_start": "the start of the index treatment", "anchor_end": "the end of the index treatment",
           "next_start": "the start of the next treatment line", "diagnosis": "diagnosis"}
_CONF = {"log": "log", "log-log": "log-log (complementary log-log)", "plain": "plain (linear)"}


_EVENT = {
    "os": "death from any cause",
    "pfs": "the first progression after time zero or death",
    "ttf": "discontinuation of the referenced line for any reason or death",
    "ttnt": "the start of the next treatment line or death",
    "dot": "discontinuation of the referenced line",
    "pfs2": "progression after the start of the following line or death",
}


def _endpoint_rules(res: StudyResult) -> list[str]:
    out = []
    for ep in res.spec.endpoints:
        origin = _ORIGIN.get(res.spec.index if ep.origin == "index" else ep.origin, str(ep.origin))
        kind = ep.kind.lower()
        censor = "at the last contact (capped at the data cut)"
        if kind == "pfs":
            censor = ("at the last tumour assessment without progression" if ep.pfs_censor == "last_assessment"
                      else "at the last contact (capped at the data cut)")
        rule = (f"{ep.label or ep.name} ({ep.name}) was measured from {origin} to {_EVENT.get(kind, kind)}; "
                f"patients without the event were censored {censor}; patients alive without contact in the "
                f"{ep.ltfu_months:g} months before the data cut were counted as lost to follow-up.")
        out.append(rule)
    return out


def methods_text(res: StudyResult) -> str:
    """The statistical methods paragraph(s), naming every method and option used."""
    s = res.spec
    an = s.analyses
    tests = sorted({r.test_name for r in res.table1 if r.p_value is not None})
    parts = [
        f"Patients were selected from the registry ({', '.join(s.countries) or 'all countries'}) with data cut "
        f"{s.data_cut.isoformat()}; treatment lines were derived with line rules version {s.line_rules.version}.",
        f"Baseline characteristics were compared between arms with: {'; '.join(tests) or 'no tests'} "
        "(test per row in the Table 1 footnotes).",
        f"Survival curves were estimated with the Kaplan-Meier method; pointwise 95% confidence intervals use the "
        f"Greenwood variance on the {_CONF.get(an.conf_type, an.conf_type)} scale, and medians with 95% CI follow "
        "Brookmeyer and Crowley. Curves were compared with the log-rank test.",
    ]
    if an.cox_endpoints:
        parts.append(f"Hazard ratios versus {an.reference_arm} were estimated with Cox proportional hazards "
                     "models with the arm as the only covariate, Efron's method for ties and Wald 95% confidence "
                     f"intervals ({', '.join(an.cox_endpoints)}).")
    if an.rmst_tau_months is not None:
        parts.append(f"Restricted mean survival time was computed up to {an.rmst_tau_months:g} months.")
    parts.append("Median follow-up was estimated with the reverse Kaplan-Meier method. Times are in months "
                 "(days / 30.4375).")
    parts += _endpoint_rules(res)
    if s.response is not None:
        r = s.response
        when = f"at {r.landmark_days} days" if r.landmark_days is not None else "as best overall response"
        parts.append(f"Tumour response was assessed with {r.criteria} criteria {when} (window ±{r.window_days} days; "
                     f"confirmation {'required' if r.confirm else 'not required'}); patients without an evaluable "
                     "assessment are reported as not evaluable.")
    if s.adverse_events is not None:
        parts.append(f"Adverse events were graded with CTCAE version {s.adverse_events.ctcae_version} and counted "
                     "per patient by worst grade.")
    parts.append("P-values are two-sided; p < 0.001 is shown as <0.001.")
    return " ".join(parts)


def results_text(res: StudyResult) -> str:
    """A results paragraph with the cohort size per arm and, per endpoint, medians, log-rank p and HR."""
    a = res.attrition
    parts = [f"Of {a.n_population} patients in the study population, {a.n_final} were included: "
             + ", ".join(f"{name} n = {n}" for name, n in a.arms) + "."]
    for o in res.outcomes:
        meds = "; ".join(f"{arm} {f.median_ci(o.median[i], o.median_ci_lower[i], o.median_ci_upper[i])} months "
                         f"({o.events[i]}/{o.n[i]} events)" for i, arm in enumerate(o.arms) if o.n[i])
        sent = f"Median {o.label.lower() if o.label else o.endpoint} was {meds}"
        if o.logrank is not None:
            sent += f" (log-rank p = {f.pvalue(o.logrank.p_value)})"
        for h in o.hazard_ratios:
            sent += f"; HR {h.arm} vs {h.reference} {f.hazard_ratio(h.hr, h.ci_lower, h.ci_upper)}"
        parts.append(sent + ".")
    return " ".join(parts)


__all__ = ["methods_text", "results_text"]

"""Plain-text rendering of a study run for the terminal: attrition, Table 1, outcomes, response, adverse events.

Pure functions from results to strings; printing is the caller's business.
"""

from __future__ import annotations

from gistreg.report import format as f
from gistreg.report.tables import continuous_cell
from gistreg.study.run import StudyResult


def _grid(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def format_attrition(res: StudyResult) -> str:
    """The flowchart as text: population, each step with its exclusions and reason, the arms."""
    a = res.attrition
    lines = [f"Attrition ({a.population}): {a.n_population}"]
    for s in a.steps:
        lines.append(f"  {s.step}. {s.label}: {s.n_in} → excluded {s.n_excluded} ({s.reason}) → {s.n_out}")
    lines.append("  Arms: " + ", ".join(f"{name} {n}" for name, n in a.arms) + f" (total {a.n_final})")
    return "\n".join(lines)


def format_table1(res: StudyResult) -> str:
    """Table 1 with n (%) or median (range) / mean (SD) per arm, the p-value and the test per row."""
    arms = res.arms
    sizes = dict(res.attrition.arms)
    header = ["Characteristic", *[f"{a} (n={sizes[a]})" for a in arms], "p", "test"]
    rows: list[list[str]] = []
    for row in res.table1:
        if row.kind == "continuous":
            style = "mean (SD)" if row.summary_style == "mean_sd" else "median (range)"
            rows.append([f"{row.label}, {style}", *[continuous_cell(row, i) for i in range(len(arms))],
                         f.pvalue(row.p_value), row.test_name])
            continue
        rows.append([row.label, *[""] * len(arms), f.pvalue(row.p_value), row.test_name])
        for lc in row.levels:
            rows.append([f"  {lc.level}", *[f.pct(n, sizes[a]) for n, a in zip(lc.n, arms, strict=True)], "", ""])
    notes = [f"  {r.label}: {r.note}" for r in res.table1 if r.note]
    text = "Table 1. Baseline characteristics\n" + _grid(header, rows)
    return text + ("\nNotes:\n" + "\n".join(notes) if notes else "")


def format_outcomes(res: StudyResult) -> str:
    """Per endpoint: events/n and median (95% CI) per arm, log-rank p, HR (95% CI), RMST and follow-up."""
    out = []
    for o in res.outcomes:
        header = ["Arm", "Events/n", "Median, months (95% CI)"]
        rows = [[a, f"{o.events[i]}/{o.n[i]}", f.median_ci(o.median[i], o.median_ci_lower[i], o.median_ci_upper[i])]
                for i, a in enumerate(o.arms)]
        block = [f"{o.label} ({o.endpoint})", _grid(header, rows)]
        if any(o.n_unavailable):
            block.append("  not applicable: " + ", ".join(
                f"{a} {n}" for a, n in zip(o.arms, o.n_unavailable, strict=True) if n))
        if any(o.n_lost):
            block.append("  lost to follow-up: " + ", ".join(
                f"{a} {n}" for a, n in zip(o.arms, o.n_lost, strict=True)))
        if o.logrank is not None:
            block.append(f"  log-rank p = {f.pvalue(o.logrank.p_value)} (χ² {f.num(o.logrank.statistic, 2)}, "
                         f"df {o.logrank.df})")
        for hr in o.hazard_ratios:
            block.append(f"  HR {hr.arm} vs {hr.reference} = {f.hazard_ratio(hr.hr, hr.ci_lower, hr.ci_upper)}, "
                         f"Wald p = {f.pvalue(hr.p_value)} (Cox, {hr.ties} ties)")
        if o.rmst is not None and o.rmst.difference is not None:
            g = o.rmst.groups
            block.append(f"  RMST to {o.rmst.tau:g} months, {g[1]} − {g[0]}: {f.num(o.rmst.difference, 2)} "
                         f"({f.interval(o.rmst.difference_ci_lower, o.rmst.difference_ci_upper, 2)})")
        if o.followup is not None:
            fu = o.followup
            parts = [f"{g} {f.median_ci(fu.median[i], fu.ci_lower[i], fu.ci_upper[i])}"
                     for i, g in enumerate(fu.groups)]
            block.append("  median follow-up (reverse KM), months: " + "; ".join(parts))
        out.append("\n".join(block))
    return "\n\n".join(out)


def format_response(res: StudyResult) -> str:
    """Response per arm, evaluable and not-evaluable patients shown apart."""
    r = res.response
    if r is None:
        return ""
    sizes = dict(res.attrition.arms)
    counts = dict(r.counts)
    header = ["Response", *r.arms]
    rows = [[c, *[str(n) for n in counts[c]]] for c in ("CR", "PR", "SD", "PD")]
    evaluable = [sizes[a] - counts["NE"][i] for i, a in enumerate(r.arms)]
    rows.append(["Evaluable", *[str(n) for n in evaluable]])
    rows.append(["Not evaluable", *[str(n) for n in counts["NE"]]])
    resp = [counts["CR"][i] + counts["PR"][i] for i in range(len(r.arms))]
    rows.append(["Response rate, evaluable", *[f.pct(n, e) for n, e in zip(resp, evaluable, strict=True)]])
    rows.append(["Response rate, all patients", *[f.pct(n, sizes[a]) for n, a in zip(resp, r.arms, strict=True)]])
    when = f"at {r.landmark_days} days" if r.landmark_days is not None else "best overall"
    return f"Response ({r.criteria}, {when})\n" + _grid(header, rows)


def format_adverse_events(res: StudyResult) -> str:
    """Patients by worst grade per term and arm."""
    ae = res.adverse_events
    if ae is None:
        return ""
    arms = res.arms
    groups = ("1", "2", "3-4", "5", "any")
    by = {(c.term, c.arm, c.grade_group): c for c in ae.counts}
    terms = sorted({c.term for c in ae.counts})
    header = ["Term (CTCAE v" + ae.ctcae_version + ")", *[f"{a} G{g}" for a in arms for g in groups]]
    rows = [[t, *[str(by[(t, a, g)].n) if (t, a, g) in by else "0" for a in arms for g in groups]] for t in terms]
    text = "Adverse events, patients by worst grade\n" + _grid(header, rows)
    if ae.n_other_version:
        text += f"\n{ae.n_other_version} event(s) graded under another CTCAE version are not tabulated."
    if ae.unmapped_terms:
        text += "\nTerms not in CTCAE v" + ae.ctcae_version + ": " + ", ".join(ae.unmapped_terms)
    return text


def format_study(res: StudyResult) -> str:
    """Everything, in reading order."""
    parts = [res.spec.title, format_attrition(res), format_table1(res), format_outcomes(res),
             format_response(res), format_adverse_events(res)]
    return "\n\n".join(p for p in parts if p)


__all__ = ["format_adverse_events", "format_attrition", "format_outcomes", "format_response", "format_study",
           "format_table1"]

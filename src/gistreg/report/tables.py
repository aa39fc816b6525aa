"""A shared table model for the study report, and its Markdown, CSV and plain-text renderers.

Each table of a study is built once as a :class:`TableSpec` (already formatted cells, through
:mod:`gistreg.report.format`), so the text, Markdown, CSV, HTML and DOCX forms show exactly the same rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from gistreg.report import format as f
from gistreg.study.run import StudyResult
from gistreg.study.table1 import Table1Row


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A display table: a title, a header row, body rows of formatted cells, and footnotes."""

    key: str
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    footnotes: tuple[str, ...] = ()


def continuous_cell(row: Table1Row, i: int) -> str:
    """The cell of a continuous Table 1 row for arm ``i``: median (range) or mean (SD), with missing count."""
    _n, med, lo, hi, mean, sd = row.summary[i]
    if row.summary_style == "mean_sd":
        cell = f"{f.num(mean)} ({f.num(sd)})"
    else:
        cell = f"{f.num(med)} ({f.num(lo)}–{f.num(hi)})"
    return cell + (f" [{row.n_missing[i]} missing]" if row.n_missing[i] else "")


def table1_spec(res: StudyResult) -> TableSpec:
    """Table 1: n (%) or median (range) / mean (SD) per arm and the p-value; the test of each row in a footnote."""
    arms = res.arms
    sizes = dict(res.attrition.arms)
    header = ("Characteristic", *[f"{a} (n={sizes[a]})" for a in arms], "p")
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for k, row in enumerate(res.table1, start=1):
        mark = f"{f.pvalue(row.p_value)}" + (f" [{k}]" if row.p_value is not None else "")
        if row.p_value is not None:
            notes.append(f"[{k}] {row.label}: {row.test_name}" + (f"; {row.note}" if row.note else ""))
        elif row.note:
            notes.append(f"{row.label}: {row.note}")
        if row.kind == "continuous":
            style = "mean (SD)" if row.summary_style == "mean_sd" else "median (range)"
            rows.append((f"{row.label}, {style}", *[continuous_cell(row, i) for i in range(len(arms))], mark))
            continue
        rows.append((row.label, *[""] * len(arms), mark))
        for lc in row.levels:
            rows.append((f"  {lc.level}", *[f.pct(n, sizes[a]) for n, a in zip(lc.n, arms, strict=True)], ""))
    return TableSpec("table1", "Table 1. Baseline characteristics", header, tuple(rows), tuple(notes))


def outcomes_spec(res: StudyResult) -> TableSpec:
    """Outcomes: per endpoint and arm events/n and median (95% CI); log-rank p, HR, RMST difference, follow-up."""
    header = ("Endpoint", "Arm", "Events/n", "Median, months (95% CI)", "Log-rank p", "HR (95% CI)",
              "RMST difference, months (95% CI)", "Median follow-up, months (95% CI)")
    rows: list[tuple[str, ...]] = []
    notes: list[str] = []
    for o in res.outcomes:
        hr_by_arm = {h.arm: h for h in o.hazard_ratios}
        fu = o.followup
        for i, a in enumerate(o.arms):
            h = hr_by_arm.get(a)
            hr_cell = (f.hazard_ratio(h.hr, h.ci_lower, h.ci_upper) if h is not None
                       else ("1 (reference)" if o.hazard_ratios and a == o.hazard_ratios[0].reference else ""))
            lr = f.pvalue(o.logrank.p_value) if (o.logrank is not None and i == 0) else ""
            rm = ""
            if i == 0 and o.rmst is not None and o.rmst.difference is not None:
                ci = f.interval(o.rmst.difference_ci_lower, o.rmst.difference_ci_upper, 2)
                rm = f"{f.num(o.rmst.difference, 2)} ({ci})"
            fu_cell = ""
            if fu is not None and a in fu.groups:
                j = fu.groups.index(a)
                fu_cell = f.median_ci(fu.median[j], fu.ci_lower[j], fu.ci_upper[j])
            rows.append((o.label if i == 0 else "", a, f"{o.events[i]}/{o.n[i]}",
                         f.median_ci(o.median[i], o.median_ci_lower[i], o.median_ci_upper[i]), lr, hr_cell, rm,
                         fu_cell))
        if o.rmst is not None and o.rmst.difference is not None:
            g = o.rmst.groups
            notes.append(f"{o.label}: RMST to {o.rmst.tau:g} months, {g[1]} − {g[0]}.")
        if any(o.n_unavailable):
            notes.append(f"{o.label}: endpoint not applicable for " + ", ".join(
                f"{a} {n}" for a, n in zip(o.arms, o.n_unavailable, strict=True) if n) + " patient(s).")
    notes.append("HR: Cox proportional hazards model with the arm as only covariate (Efron ties), Wald 95% CI. "
                 "NR: not reached. Follow-up by the reverse Kaplan-Meier method.")
    return TableSpec("outcomes", "Table 2. Time-to-event outcomes", header, tuple(rows), tuple(notes))


def response_spec(res: StudyResult) -> TableSpec | None:
    """Response per arm, evaluable and not-evaluable patients apart; rates over evaluable and over all."""
    r = res.response
    if r is None:
        return None
    sizes = dict(res.attrition.arms)
    counts = dict(r.counts)
    evaluable = [sizes[a] - counts["NE"][i] for i, a in enumerate(r.arms)]
    rows: list[tuple[str, ...]] = [("Evaluable", *[str(n) for n in evaluable])]
    rows += [(f"  {c}", *[f.pct(n, e) for n, e in zip(counts[c], evaluable, strict=True)])
             for c in ("CR", "PR", "SD", "PD")]
    resp = [counts["CR"][i] + counts["PR"][i] for i in range(len(r.arms))]
    rows.append(("  Response rate (CR+PR), evaluable", *[f.pct(n, e) for n, e in zip(resp, evaluable, strict=True)]))
    rows.append(("Not evaluable", *[str(n) for n in counts["NE"]]))
    rows.append(("Response rate (CR+PR), all patients",
                 *[f.pct(n, sizes[a]) for n, a in zip(resp, r.arms, strict=True)]))
    when = f"at {r.landmark_days} days" if r.landmark_days is not None else "best overall response"
    return TableSpec("response", f"Table 3. Tumour response ({r.criteria}, {when})", ("Response", *r.arms),
                     tuple(rows), ("Percentages of evaluable patients unless stated otherwise.",))


def adverse_events_spec(res: StudyResult) -> TableSpec | None:
    """Patients by worst CTCAE grade per term and arm."""
    ae = res.adverse_events
    if ae is None:
        return None
    arms = res.arms
    groups = ("1", "2", "3-4", "5", "any")
    by = {(c.term, c.arm, c.grade_group): c.n for c in ae.counts}
    terms = sorted({c.term for c in ae.counts})
    header = ("Term", *[f"{a} G{g}" for a in arms for g in groups])
    rows = tuple((t, *[str(by.get((t, a, g), 0)) for a in arms for g in groups]) for t in terms)
    notes = [f"Patients by worst grade, CTCAE v{ae.ctcae_version}."]
    if ae.n_other_version:
        notes.append(f"{ae.n_other_version} event(s) graded under another CTCAE version are not tabulated.")
    if ae.unmapped_terms:
        notes.append(f"Terms not in CTCAE v{ae.ctcae_version}: " + ", ".join(ae.unmapped_terms) + ".")
    return TableSpec("adverse_events", "Table 4. Adverse events", header, rows, tuple(notes))


def attrition_spec(res: StudyResult) -> TableSpec:
    """The attrition flow as a table: step, n in, excluded (reason), n out."""
    a = res.attrition
    rows = [(str(s.step), s.label, str(s.n_in), str(s.n_excluded), s.reason, str(s.n_out)) for s in a.steps]
    rows.append(("", "Arms: " + ", ".join(f"{name} {n}" for name, n in a.arms), "", "", "", str(a.n_final)))
    return TableSpec("attrition", f"Patient selection ({a.population}, n={a.n_population})",
                     ("Step", "Criterion", "n in", "Excluded", "Reason", "n out"), tuple(rows))


def study_tables(res: StudyResult) -> tuple[TableSpec, ...]:
    """All tables of a study in reading order (tables that do not apply are left out)."""
    specs = (attrition_spec(res), table1_spec(res), outcomes_spec(res), response_spec(res),
             adverse_events_spec(res))
    return tuple(s for s in specs if s is not None)


def render_csv(t: TableSpec) -> str:
    """The header and body rows as CSV (cells exactly as displayed, leading indentation stripped)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(t.header)
    w.writerows([c.strip() for c in r] for r in t.rows)
    return buf.getvalue()


def _md_cell(c: str) -> str:
    c = c.replace("|", "\\|")
    return ("&emsp;" + c.strip()) if c.startswith("  ") else c


def render_markdown(t: TableSpec) -> str:
    """A GitHub-flavoured Markdown table with its title above and footnotes below."""
    lines = [f"**{t.title}**", "", "| " + " | ".join(_md_cell(h) for h in t.header) + " |",
             "|" + "|".join("---" for _ in t.header) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in t.rows]
    if t.footnotes:
        lines += [""] + [f"{n}  " for n in t.footnotes]
    return "\n".join(lines) + "\n"


def render_text(t: TableSpec) -> str:
    """A fixed-width text table."""
    widths = [max(len(r[i]) for r in [t.header, *t.rows]) for i in range(len(t.header))]
    out = [t.title, "  ".join(h.ljust(w) for h, w in zip(t.header, widths, strict=True)),
           "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in t.rows]
    return "\n".join([*out, *t.footnotes])


__all__ = [
    "TableSpec",
    "adverse_events_spec",
    "attrition_spec",
    "continuous_cell",
    "outcomes_spec",
    "render_csv",
    "render_markdown",
    "render_text",
    "response_spec",
    "study_tables",
    "table1_spec",
]

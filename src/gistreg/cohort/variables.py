"""Baseline variables of a study (Table 1), derived relative to each patient's index date and lines.

Categorical variables become text levels (vocabulary labels, or the spec's own ``levels`` grouping, where
``"*"`` collects every code not named elsewhere); a missing value becomes the level ``Not reported`` and is
shown and tested as its own level, never dropped. Continuous variables stay numbers (``NULL`` when missing).
Multi-select variables (metastatic sites) are a long table of (patient, level).
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from gistreg.cohort.spec import Variable
from gistreg.core import vocab

MISSING = "Not reported"

#: Order of time-point responses from best to worst, for the best response of a line.
RESPONSE_ORDER: tuple[str, ...] = ("CR", "PR", "SD", "PD", "NE")

#: Window around the index date in which a performance status counts as "at index" (days before, after).
PS_WINDOW_DAYS: tuple[int, int] = (60, 14)

_VOCAB_OF = {"sex": "sex", "primary_site": "primary_site", "stage_at_dx": "stage_at_dx",
             "genotype_class": "genotype_class", "line_end_reason": "stop_reason",
             "metastatic_sites": "metastasis_site"}

_DAYS_PER_MONTH = 30.4375
_DAYS_PER_YEAR = 365.25


def _label(var: Variable, code: ir.StringValue) -> ir.StringValue:
    """Map codes to the spec's level names, or to vocabulary labels; NULL → ``Not reported``."""
    if var.levels is not None:
        cases = []
        rest: str | None = None
        for level, codes in var.levels:
            named = [c for c in codes if c != "*"]
            if named:
                cases.append((code.isin(named), level))
            if "*" in codes:
                rest = level
        expr = ibis.cases(*cases, else_=ibis.literal(rest) if rest is not None else code)
    elif var.source in _VOCAB_OF:
        v = vocab.VOCABULARIES[_VOCAB_OF[var.source]]
        expr = code.substitute(dict(v.codes), else_=code)
    else:
        expr = code
    return ibis.cases((code.isnull(), MISSING), else_=expr)


def _years(a: ir.DateValue, b: ir.DateValue) -> ir.FloatingValue:
    return b.delta(a, unit="day").cast("float64") / _DAYS_PER_YEAR


def _nearest_ps(cohort: ir.Table, ps: ir.Table, at: str, before: int, after: int, name: str) -> ir.Table:
    """ECOG value nearest to the date column ``at`` within [at − before, at + after] (ties: the earlier)."""
    e = ps.filter(ps.scale == "ECOG")
    c = cohort.select(_pid=cohort.patient_id, _at=cohort[at])
    j = e.join(c, [e.patient_id == c._pid])
    lag = j.assessment_date.delta(j._at, unit="day")
    j = j.filter((lag >= -before) & (lag <= after)).mutate(_dist=lag.abs(), _lag=lag)
    w = ibis.window(group_by="patient_id", order_by=["_dist", "_lag"])
    j = j.mutate(_rn=ibis.row_number().over(w)).filter(lambda t: t._rn == 0)
    return j.select(_ps_pid=j.patient_id, **{name: j.value})


def _best_response(cohort: ir.Table, ta: ir.Table, ref: str, name: str) -> ir.Table:
    c = cohort.select(_pid=cohort.patient_id, _s=cohort[f"{ref}_start_date"],
                      _e=cohort[f"{ref}_end_date"].coalesce(cohort.last_contact_date))
    j = ta.join(c, [ta.patient_id == c._pid, ta.exam_date >= c._s, ta.exam_date <= c._e])
    resp = j.tp_response.substitute({"nonCR_nonPD": "SD"}, else_=j.tp_response).fill_null("NE")
    rank = resp.substitute({r: i for i, r in enumerate(RESPONSE_ORDER)}, else_=len(RESPONSE_ORDER))
    g = j.mutate(_rank=rank).group_by("patient_id").aggregate(_best=ibis._["_rank"].min())
    best = g._best.substitute(dict(enumerate(RESPONSE_ORDER)), else_="NE")
    return g.select(_br_pid=g.patient_id, **{name: best})


def _column_expr(out: ir.Table, var: Variable) -> ir.Value | None:
    """The variable as an expression over the frame's own columns, or ``None`` if it needs a join."""
    src, r = var.source, var.line
    if src in ("sex", "primary_site", "stage_at_dx", "genotype_class"):
        return _label(var, out[src])
    if src == "age_at_index":
        return _years(out.birth_date, out.index_date)
    if src == "age_at_diagnosis":
        return _years(out.birth_date, out.diagnosis_date)
    if src == "size_cm":
        return out.size_mm / 10.0
    if src == "mitotic_class":
        return ibis.cases(
            (out.mitotic_count.isnull(), MISSING),
            (~out.mitotic_unit.isin(("per_50hpf", "per_5mm2")), "Other counting area"),
            (out.mitotic_count <= 5, "≤5"),
            else_=">5",
        )
    if src == "line_duration_months":
        end = out[f"{r}_end_date"].coalesce(out.last_contact_date)
        return end.delta(out[f"{r}_start_date"], unit="day").cast("float64") / _DAYS_PER_MONTH
    if src == "line_end_reason":
        return _label(var, out[f"{r}_end_reason"])
    if src == "line_regimen":
        text = out[f"{r}_agent"].concat(" ", out[f"{r}_first_dose_mg"].cast("string"), " mg ",
                                         out[f"{r}_first_schedule"])
        return _label(var, text)
    return None


def add_variables(cohort: ir.Table, tables: Mapping[str, ir.Table], variables: tuple[Variable, ...]) -> ir.Table:
    """Add one column ``bl_<position>`` per categorical or continuous variable of ``variables``."""
    out = cohort
    for i, var in enumerate(variables):
        col = f"bl_{i}"
        if var.kind == "multiselect":
            continue
        expr = _column_expr(out, var)
        if expr is not None:
            out = out.mutate(**{col: expr})
        elif var.source in ("ecog_at_index", "ecog_change"):
            out = _add_ecog(out, tables["performance_status"], var, col)
        elif var.source == "best_response":
            br = _best_response(out, tables["tumour_assessments"], str(var.line), "_br")
            out = out.left_join(br, out.patient_id == br._br_pid).drop("_br_pid")
            has_line = out[f"{var.line}_exists"]
            out = out.mutate(**{col: ibis.cases((~has_line, MISSING), else_=out._br.fill_null("NE"))}).drop("_br")
    return out


def _add_ecog(out: ir.Table, ps: ir.Table, var: Variable, col: str) -> ir.Table:
    before, after = PS_WINDOW_DAYS
    at_index = _nearest_ps(out, ps, "index_date", before, after, "_ps_index")
    out = out.left_join(at_index, out.patient_id == at_index._ps_pid).drop("_ps_pid")
    if var.source == "ecog_at_index":
        return out.mutate(**{col: _label(var, out._ps_index.cast("string"))}).drop("_ps_index")
    at_start = _nearest_ps(out, ps, "anchor_start_date", 30, 30, "_ps_start")
    out = out.left_join(at_start, out.patient_id == at_start._ps_pid).drop("_ps_pid")
    change = ibis.cases(
        (out._ps_index.isnull() | out._ps_start.isnull(), MISSING),
        (out._ps_index < out._ps_start, "Better"),
        (out._ps_index > out._ps_start, "Worse"),
        else_="No change",
    )
    return out.mutate(**{col: change}).drop("_ps_index", "_ps_start")


def multiselect_levels(cohort: ir.Table, tables: Mapping[str, ir.Table], var: Variable) -> ir.Table:
    """Long table ``(patient_id, level)`` of a multi-select variable (metastatic sites known at the index date)."""
    m = tables["metastases"]
    c = cohort.select(_pid=cohort.patient_id, _idx=cohort.index_date)
    j = m.join(c, [m.patient_id == c._pid, m.detected_date <= c._idx])
    return j.select(patient_id=j.patient_id, level=_label(var, j.site)).distinct()


__all__ = ["MISSING", "RESPONSE_ORDER", "add_variables", "multiselect_levels"]

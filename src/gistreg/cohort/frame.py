"""The patient frame: one row per patient with the fields and lines that criteria and arms test.

Built as one Ibis expression over the registry tables: patient fields (country, site, sex, primary site, stage
at diagnosis, genotype class, diagnosis date, birth date, vital status) and, for each line reference of the
study (``anchor``, ``previous``, ``next``, ``after_next``), the attributes of that line, as columns named
``<ref>_<attribute>`` (``anchor_agent``, ``next_start_date`` …). ``<ref>_exists`` says whether the line exists.
"""

from __future__ import annotations

from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from gistreg.cohort.spec import Anchor
from gistreg.lines.derive import assign_lines, summarise_lines
from gistreg.lines.rules import LineRules

#: Line attributes carried into the frame for every reference.
LINE_COLUMNS: tuple[str, ...] = (
    "line_id", "line_no", "agent", "first_dose_mg", "max_dose_mg", "first_schedule", "start_date", "end_date",
    "end_reason", "ongoing", "is_rechallenge", "contains_dose_escalation", "start_cause",
)

#: Offset of each line reference from the anchor line.
LINE_OFFSETS: dict[str, int] = {"anchor": 0, "previous": -1, "next": 1, "after_next": 2}


def derive_lines(tables: Mapping[str, ir.Table], rules: LineRules) -> ir.Table:
    """One row per treatment line (see :func:`gistreg.lines.derive.summarise_lines`)."""
    return summarise_lines(assign_lines(tables["drug_exposures"], tables["progressions"], rules), rules)


def select_anchor(lines: ir.Table, anchor: Anchor) -> ir.Table:
    """Each patient's anchor line: the first (or last) line of the setting matching the anchor conditions.

    Returns ``patient_id, line_setting, anchor_line_no``.
    """
    setting = "curative" if anchor.setting == "curative" else "palliative"
    cand = lines.filter(lines.line_setting == setting)
    if anchor.agent is not None:
        cand = cand.filter(cand.agent.isin(anchor.agent))
    if anchor.line_no is not None:
        cand = cand.filter(cand.line_no == anchor.line_no)
    if anchor.dose_mg is not None:
        cand = cand.filter(cand.first_dose_mg.isin(anchor.dose_mg))
    if anchor.after_agent is not None:
        prev = lines.filter((lines.line_setting == setting) & lines.agent.isin(anchor.after_agent))
        prev = prev.select(p_pid=prev.patient_id, p_no=prev.line_no)
        hit = cand.join(prev, [cand.patient_id == prev.p_pid, prev.p_no < cand.line_no])
        cand = hit.select(*[hit[c] for c in cand.columns]).distinct()
    agg = cand.line_no.min() if anchor.occurrence == "first" else cand.line_no.max()
    return cand.group_by("patient_id").aggregate(anchor_line_no=agg).mutate(line_setting=ibis.literal(setting))


def _attach_line(frame: ir.Table, lines: ir.Table, ref: str) -> ir.Table:
    offset = LINE_OFFSETS[ref]
    sub = lines.select(
        _pid=lines.patient_id, _setting=lines.line_setting, _no=lines.line_no,
        **{f"{ref}_{c}": lines[c] for c in LINE_COLUMNS},
    )
    j = frame.left_join(
        sub,
        [frame.patient_id == sub._pid, frame.line_setting == sub._setting,
         (frame.anchor_line_no + offset) == sub._no],
    )
    j = j.drop("_pid", "_setting", "_no")
    return j.mutate(**{f"{ref}_exists": j[f"{ref}_line_no"].notnull()})


def _first_per_patient(t: ir.Table, order: str) -> ir.Table:
    w = ibis.window(group_by="patient_id", order_by=[order])
    return t.mutate(_rn=ibis.row_number().over(w)).filter(lambda x: x._rn == 0).drop("_rn")


def patient_frame(tables: Mapping[str, ir.Table], lines: ir.Table, anchor: Anchor) -> ir.Table:
    """One row per registry patient: patient fields plus the anchor-relative lines (``NULL`` when absent)."""
    p = tables["patients"]
    s = tables["sites"].select(_site=tables["sites"].site_id, country=tables["sites"].country)
    frame = p.left_join(s, p.site_id == s._site).drop("_site")
    dx = _first_per_patient(tables["diagnoses"], "diagnosis_date")
    dx = dx.select(_pid=dx.patient_id, diagnosis_date=dx.diagnosis_date, primary_site=dx.primary_site,
                   stage_at_dx=dx.stage_at_dx, size_mm=dx.size_mm, mitotic_count=dx.mitotic_count,
                   mitotic_unit=dx.mitotic_unit)
    frame = frame.left_join(dx, frame.patient_id == dx._pid).drop("_pid")
    mut = tables["mutations"]
    mut = _first_per_patient(mut.mutate(_order=mut.mutation_id), "_order")
    mut = mut.select(_pid=mut.patient_id, genotype_class=mut.genotype_class)
    frame = frame.left_join(mut, frame.patient_id == mut._pid).drop("_pid")
    frame = frame.mutate(genotype_class=frame.genotype_class.fill_null("NOT_TESTED"))
    v = tables["vital_status"]
    v = v.select(_pid=v.patient_id, vital_status=v.status, death_date=v.death_date,
                 last_contact_date=v.last_contact_date, death_cause=v.cause)
    frame = frame.left_join(v, frame.patient_id == v._pid).drop("_pid")
    anc = select_anchor(lines, anchor)
    anc = anc.select(_pid=anc.patient_id, anchor_line_no=anc.anchor_line_no, line_setting=anc.line_setting)
    frame = frame.left_join(anc, frame.patient_id == anc._pid).drop("_pid")
    for ref in LINE_OFFSETS:
        frame = _attach_line(frame, lines, ref)
    return frame


__all__ = ["LINE_COLUMNS", "LINE_OFFSETS", "derive_lines", "patient_frame", "select_anchor"]

"""Time-to-event endpoints with an explicit time zero, event and censoring, as Ibis expressions.

Every endpoint of a study becomes four columns of the analysis dataset: ``<name>_origin`` (time zero),
``<name>_days`` (time from origin to event or censoring), ``<name>_event`` (1 event, 0 censored) and
``<name>_censor`` (why the patient was censored: ``data_cut``, ``last_contact``, ``lost_to_follow_up``,
``last_assessment``, ``ongoing``; ``NULL`` for events). Patients for whom the endpoint is not defined (e.g.
time to failure of a line they never received) have a ``NULL`` time and are counted, not dropped.

Definitions (research notes ``domain.md`` §2.4; FDA 2018 guidance on clinical trial endpoints):

- **OS**: death from any cause; censored at the last contact known alive (capped at the data cut).
  Patients alive whose last contact lies more than ``ltfu_months`` before the cut are *lost to follow-up*:
  still censored at their last contact, but labelled so that reports can count them per arm.
- **PFS**: the first progression strictly after time zero, or death; censored at the last tumour assessment
  without progression (``pfs_censor: last_assessment``, the FDA convention) or at the last contact.
- **TTF**: discontinuation of the referenced line for any reason, or death; ongoing lines censored at the
  last contact.
- **TTNT**: start of the line after the referenced line, or death; censored at the last contact.
- **DoT**: discontinuation of the referenced line (a death on treatment ends it); ongoing lines censored at
  the last contact.
- **PFS2**: progression after the start of the line following the referenced line, or death (patients
  without a following line can only have death as the event).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

from gistreg.cohort.spec import Endpoint, StudySpec

#: Days per month used to express times in months (365.25 / 12).
DAYS_PER_MONTH = 30.4375


def index_date(cohort: ir.Table, spec: StudySpec) -> ir.DateValue:
    """The index date (time zero of the study) of each cohort patient."""
    return {
        "anchor_start": cohort.anchor_start_date,
        "anchor_end": cohort.anchor_end_date,
        "next_start": cohort.next_start_date,
        "diagnosis": cohort.diagnosis_date,
    }[spec.index]


def _origin(cohort: ir.Table, ep: Endpoint) -> ir.DateValue:
    if ep.kind in ("ttf", "ttnt", "dot"):
        return cohort[f"{ep.line}_start_date"]
    if ep.origin == "index":
        return cohort.index_date
    return {
        "anchor_start": cohort.anchor_start_date,
        "anchor_end": cohort.anchor_end_date,
        "next_start": cohort.next_start_date,
        "diagnosis": cohort.diagnosis_date,
    }[ep.origin]


def _first_after(events: ir.Table, date_col: str, cohort: ir.Table, origin_col: str, name: str) -> ir.Table:
    """Per patient, the first event date strictly after the patient's origin."""
    c = cohort.select(_pid=cohort.patient_id, _origin=cohort[origin_col])
    j = events.join(c, [events.patient_id == c._pid, events[date_col] > c._origin])
    return j.group_by(j.patient_id).aggregate(**{name: j[date_col].min()})


def _last_in(events: ir.Table, date_col: str, cohort: ir.Table, origin_col: str, name: str) -> ir.Table:
    """Per patient, the last event date on or after the patient's origin."""
    c = cohort.select(_pid=cohort.patient_id, _origin=cohort[origin_col])
    j = events.join(c, [events.patient_id == c._pid, events[date_col] >= c._origin])
    return j.group_by(j.patient_id).aggregate(**{name: j[date_col].max()})


def _join_on_pid(left: ir.Table, right: ir.Table) -> ir.Table:
    r = right.rename(_rpid="patient_id")
    return left.left_join(r, left.patient_id == r._rpid).drop("_rpid")


def _days(a: ir.DateValue, b: ir.DateValue) -> ir.IntegerValue:
    return b.delta(a, unit="day")


def add_endpoint(
    cohort: ir.Table, tables: Mapping[str, ir.Table], ep: Endpoint, cut: dt.date
) -> ir.Table:
    """Add the four columns of endpoint ``ep`` to ``cohort`` (see the module docstring)."""
    n = ep.name
    oc = f"{n}_origin"
    t = cohort.mutate(**{oc: _origin(cohort, ep)})
    death = t.death_date
    contact = t.last_contact_date
    ltfu_limit = ibis.literal(cut) - ibis.interval(days=round(ep.ltfu_months * DAYS_PER_MONTH))
    alive_censor = ibis.cases(
        (contact < ltfu_limit, "lost_to_follow_up"),
        (contact >= ibis.literal(cut), "data_cut"),
        else_="last_contact",
    )
    if ep.kind == "os":
        ev_date: ir.DateValue = death
        cens_date: ir.DateValue = contact
        cens_reason = alive_censor
    elif ep.kind == "pfs" or ep.kind == "pfs2":
        origin_for_prog = oc
        if ep.kind == "pfs2":
            t = t.mutate(_pfs2_from=t[f"{_following(ep.line)}_start_date"])
            origin_for_prog = "_pfs2_from"
        prog = _first_after(tables["progressions"], "progression_date", t, origin_for_prog, "_prog")
        t = _join_on_pid(t, prog)
        ev_date = ibis.least(t._prog, t.death_date)
        if ep.pfs_censor == "last_assessment":
            last = _last_in(tables["tumour_assessments"], "exam_date", t, oc, "_last_scan")
            t = _join_on_pid(t, last)
            cens_date = t._last_scan.fill_null(t[oc])
            cens_reason = ibis.literal("last_assessment")
        else:
            cens_date = t.last_contact_date
            cens_reason = alive_censor
    elif ep.kind in ("ttf", "dot"):
        line_end = t[f"{ep.line}_end_date"]
        # DoT ends when the drug stops (death while on drug stops it); TTF also fails at an earlier death.
        ev_date = line_end.coalesce(death) if ep.kind == "dot" else ibis.least(line_end, death)
        cens_date = contact
        cens_reason = ibis.literal("ongoing")
    else:  # ttnt
        ev_date = ibis.least(t[f"{_following(ep.line)}_start_date"], death)
        cens_date = contact
        cens_reason = alive_censor
    event = ev_date.notnull()
    end = ibis.cases((event, ev_date), else_=ibis.greatest(cens_date, t[oc]))
    t = t.mutate(**{
        f"{n}_days": ibis.cases((t[oc].notnull(), _days(t[oc], end)), else_=ibis.null("int64")),
        f"{n}_event": ibis.cases((t[oc].notnull(), event.cast("int8")), else_=ibis.null("int8")),
        f"{n}_censor": ibis.cases((t[oc].notnull() & ~event, cens_reason), else_=ibis.null("string")),
    })
    return t.drop(*[c for c in t.columns if c.startswith("_")])


def _following(ref: str) -> str:
    return {"anchor": "next", "previous": "anchor", "next": "after_next"}.get(ref, "after_next")


def add_followup(cohort: ir.Table) -> ir.Table:
    """Observation time from the index date to death or last contact (for reverse-KM median follow-up)."""
    end = ibis.cases((cohort.death_date.notnull(), cohort.death_date), else_=cohort.last_contact_date)
    return cohort.mutate(
        followup_days=_days(cohort.index_date, end),
        followup_dead=cohort.death_date.notnull().cast("int8"),
    )


__all__ = ["DAYS_PER_MONTH", "add_endpoint", "add_followup", "index_date"]

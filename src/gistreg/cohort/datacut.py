"""Administrative data cut: what the registry knew on the cut date, and nothing after it.

Events after the cut are ignored (not deleted from the store): exposures that started after the cut are
left out; an exposure still running at the cut becomes ongoing; deaths after the cut become "alive at the
cut"; follow-up is capped at the cut.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import ibis
import ibis.expr.types as ir

#: Date column that places each row of a table in time (rows after the cut are left out).
_EVENT_DATE: dict[str, str] = {
    "drug_exposures": "start_date",
    "progressions": "progression_date",
    "tumour_assessments": "exam_date",
    "performance_status": "assessment_date",
    "adverse_events": "onset_date",
    "metastases": "detected_date",
    "surgeries": "surgery_date",
    "diagnoses": "diagnosis_date",
}


def apply_data_cut(tables: Mapping[str, ir.Table], cut: dt.date) -> dict[str, ir.Table]:
    """Return the registry tables as known on ``cut``.

    Parameters
    ----------
    tables
        Canonical tables by name (Ibis expressions over the store).
    cut
        The data cut date (inclusive).
    """
    c = ibis.literal(cut)
    out = dict(tables)
    for name, col in _EVENT_DATE.items():
        if name in out:
            t = out[name]
            out[name] = t.filter(t[col] <= c)
    if "drug_exposures" in out:
        e = out["drug_exposures"]
        after = e.stop_date > c
        out["drug_exposures"] = e.mutate(
            stop_date=ibis.cases((after, ibis.null("date")), else_=e.stop_date),
            stop_reason=ibis.cases((after, ibis.null("string")), else_=e.stop_reason),
        )
    if "adverse_events" in out:
        a = out["adverse_events"]
        out["adverse_events"] = a.mutate(
            end_date=ibis.cases((a.end_date > c, ibis.null("date")), else_=a.end_date)
        )
    if "vital_status" in out:
        v = out["vital_status"]
        dead_after = v.death_date.notnull() & (v.death_date > c)
        out["vital_status"] = v.mutate(
            status=ibis.cases((dead_after, "alive"), else_=v.status),
            death_date=ibis.cases((dead_after, ibis.null("date")), else_=v.death_date),
            cause=ibis.cases((dead_after, ibis.null("string")), else_=v.cause),
            last_contact_date=ibis.cases((v.last_contact_date > c, c), else_=v.last_contact_date),
        )
    return out


__all__ = ["apply_data_cut"]

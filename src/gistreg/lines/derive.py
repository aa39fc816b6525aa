"""Line-of-therapy derivation as relational expressions (Ibis), run where the data lives.

:func:`assign_lines` labels every drug-exposure row with its line; :func:`summarise_lines` collapses the rows
into one row per line. Both return Ibis expressions over the store's ``drug_exposures`` and ``progressions``
tables, so DuckDB (or another engine) does the work; nothing is pulled into Python.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from gistreg.lines.rules import LineRules

_CURATIVE = ("neoadjuvant", "adjuvant")


def _ordered(group: Any) -> Any:
    return ibis.window(group_by=group, order_by=["start_date", "exposure_id"])


def _progression_in_gaps(rows: ir.Table, progressions: ir.Table) -> ir.Table:
    """Flag rows preceded by an off-drug gap (previous stop → this start) that contains a progression."""
    p = progressions.select(prog_pid=progressions.patient_id, prog_date=progressions.progression_date)
    cand = rows.filter(rows.prev_stop.notnull()).select("exposure_id", "patient_id", "prev_stop", "start_date")
    hit = cand.join(
        p,
        [
            cand.patient_id == p.prog_pid,
            p.prog_date > cand.prev_stop,
            p.prog_date <= cand.start_date,
        ],
    )
    flagged = hit.select(gap_exposure_id=hit.exposure_id).distinct()
    out = rows.left_join(flagged, rows.exposure_id == flagged.gap_exposure_id)
    return out.mutate(progression_in_gap=out.gap_exposure_id.notnull()).drop("gap_exposure_id")


def assign_lines(exposures: ir.Table, progressions: ir.Table, rules: LineRules | None = None) -> ir.Table:
    """Label each exposure row with its line.

    Parameters
    ----------
    exposures
        The ``drug_exposures`` table (canonical columns).
    progressions
        The ``progressions`` table (``patient_id``, ``progression_date``).
    rules
        Line rules; the defaults of :class:`~gistreg.lines.rules.LineRules` when ``None``.

    Returns
    -------
    ibis.Table
        The exposure rows with ``line_setting`` (``curative``/``palliative``), ``line_no`` (1-based within the
        setting), ``opens_line`` and the reason the row opened its line (``line_start_cause``: ``first``,
        ``agent_switch``, ``escalation``, ``gap``, ``progression_in_gap``; ``NULL`` for continuation rows).
    """
    rules = rules or LineRules()
    e = exposures.mutate(
        line_setting=ibis.cases((exposures.setting.isin(_CURATIVE), "curative"), else_="palliative")
    )
    w = _ordered(["patient_id", "line_setting"])
    e = e.mutate(
        prev_agent=e.agent.lag().over(w),
        prev_dose=e.daily_dose_mg.lag().over(w),
        prev_stop=e.stop_date.lag().over(w),
    )
    e = _progression_in_gaps(e, progressions)
    gap_days = e.start_date.delta(e.prev_stop, unit="day")
    escalation = (
        (e.agent == e.prev_agent) & (e.daily_dose_mg > e.prev_dose) & (e.start_reason == "progression")
    )
    cause = ibis.cases(
        (e.prev_agent.isnull(), "first"),
        (e.agent != e.prev_agent, "agent_switch"),
        (e.progression_in_gap, "progression_in_gap"),
        (e.prev_stop.notnull() & (gap_days > rules.max_gap_days), "gap"),
        (escalation & ibis.literal(rules.escalation_is_new_line), "escalation"),
        else_=ibis.null("string"),
    )
    e = e.mutate(line_start_cause=cause, is_escalation=escalation.fill_null(False))
    e = e.mutate(opens_line=e.line_start_cause.notnull())
    cum = ibis.window(group_by=["patient_id", "line_setting"], order_by=["start_date", "exposure_id"],
                      rows=(None, 0))
    e = e.mutate(line_no=e.opens_line.cast("int64").sum().over(cum))
    return e.drop("prev_agent", "prev_dose", "prev_stop", "progression_in_gap")


def summarise_lines(assigned: ir.Table, rules: LineRules | None = None) -> ir.Table:
    """Collapse labelled exposure rows (from :func:`assign_lines`) into one row per line.

    Returns
    -------
    ibis.Table
        ``patient_id, line_setting, line_no, line_id, agent, first_dose_mg, max_dose_mg, first_schedule,
        start_date, end_date (NULL when ongoing), end_reason, ongoing, n_rows, contains_dose_escalation,
        is_rechallenge, start_cause, rule_version``. ``agent`` is the line's agent (one agent per line under
        these rules). ``is_rechallenge`` is true when the agent was given in an earlier line of any setting.
    """
    rules = rules or LineRules()
    a = assigned
    wl = ibis.window(group_by=["patient_id", "line_setting", "line_no"], order_by=["start_date", "exposure_id"])
    a = a.mutate(
        _first_dose=a.daily_dose_mg.first().over(wl),
        _first_schedule=a.schedule.first().over(wl),
        _start_cause=a.line_start_cause.first().over(wl),
        _last_reason=a.stop_reason.last().over(wl),
        _rn=ibis.row_number().over(wl),
    )
    g = a.group_by(["patient_id", "line_setting", "line_no"]).aggregate(
        agent=a.agent.arbitrary(),
        first_dose_mg=a._first_dose.arbitrary(),
        max_dose_mg=a.daily_dose_mg.max(),
        first_schedule=a._first_schedule.arbitrary(),
        start_date=a.start_date.min(),
        any_ongoing=(a.stop_date.isnull()).any(),
        last_stop=a.stop_date.max(),
        end_reason=a._last_reason.arbitrary(),
        n_rows=a.exposure_id.count(),
        contains_dose_escalation=a.is_escalation.any(),
        start_cause=a._start_cause.arbitrary(),
    )
    first_use = assigned.group_by(["patient_id", "agent"]).aggregate(agent_first_start=assigned.start_date.min())
    first_use = first_use.rename(fu_pid="patient_id", fu_agent="agent")
    j = g.left_join(first_use, [g.patient_id == first_use.fu_pid, g.agent == first_use.fu_agent])
    return j.select(
        patient_id=j.patient_id,
        line_setting=j.line_setting,
        line_no=j.line_no,
        line_id=j.patient_id.concat(":", j.line_setting.substr(0, 1).upper(), j.line_no.cast("string")),
        agent=j.agent,
        first_dose_mg=j.first_dose_mg,
        max_dose_mg=j.max_dose_mg,
        first_schedule=j.first_schedule,
        start_date=j.start_date,
        end_date=ibis.cases((j.any_ongoing, ibis.null("date")), else_=j.last_stop),
        end_reason=ibis.cases((j.any_ongoing, ibis.null("string")), else_=j.end_reason),
        ongoing=j.any_ongoing,
        n_rows=j.n_rows,
        contains_dose_escalation=j.contains_dose_escalation,
        is_rechallenge=(j.agent_first_start < j.start_date) & (j.start_cause != "escalation"),
        start_cause=j.start_cause,
        rule_version=ibis.literal(rules.version),
    ).order_by(["patient_id", "line_setting", "line_no"])


__all__ = ["assign_lines", "summarise_lines"]

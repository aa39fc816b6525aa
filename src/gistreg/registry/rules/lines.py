"""Rules on drug exposures as lines of treatment (L01–L08).

An exposure row is one constant-dose period. An ongoing row (no stop date) runs until the patient's last
contact (or today when there is none). Rows of a patient are ordered by start date, then exposure id;
"consecutive" rows are neighbours in that order (see :mod:`~gistreg.registry.rules.derived`).
"""

from __future__ import annotations

from gistreg.core.issues import Severity
from gistreg.core.vocab import AGENTS
from gistreg.registry.rules._sql import fmt_date, fmt_num, lit, lo, msg
from gistreg.registry.rules.base import Check, QueryBuilder, Rule, RuleContext, issue_columns, rule_of
from gistreg.registry.rules.derived import first_rows, start_text, stop_text

__all__ = ["RULES"]

_START_TXT = fmt_date("x.start_date", "x.start_date_precision")


def _later(a: str, b: str) -> str:
    """``b`` comes after ``a`` in the patient's order of rows."""
    return f"{b}.seq > {a}.seq"


def _l01(ctx: RuleContext) -> str:
    days = ctx.config.tki_overlap_days
    overlap = "date_diff('day', greatest(a.s_hi, b.s_hi), least(a.e_lo, b.e_lo))"
    m = msg(f"%s from %s overlaps %s (row %s, %s to %s) by %s days without a trial_id (different TKIs may "
            f"overlap at most {days} days unless given together in a trial)",
            "b.agent", start_text("b"), "a.agent", "a.source_row", start_text("a"), stop_text("a"), overlap)
    e = ctx.t("exposure_seq")
    return (f"SELECT {issue_columns('drug_exposures', 'b', start_text('b'), m)} "
            f"FROM {e} a JOIN {e} b ON a.patient_id = b.patient_id AND a.agent <> b.agent "
            f"WHERE a.agent <> 'other' AND b.agent <> 'other' AND {_later('a', 'b')} "
            f"AND a.trial_id IS NULL AND b.trial_id IS NULL AND {overlap} > {days}")


def _l02(ctx: RuleContext) -> str:
    exact = "coalesce(a.start_date_precision, 'D') = 'D' AND coalesce(b.start_date_precision, 'D') = 'D'"
    overlaps = (f"(a.stop_date IS NULL OR b.s_hi < {lo('a.stop_date', 'a.stop_date_precision')} "
                f"OR (a.start_date = b.start_date AND {exact}))")
    m = msg("%s: this %s row overlaps the %s row from %s to %s (row %s); rows of one agent must not overlap "
            "(a dose or schedule change stops one row and starts the next)",
            start_text("b"), "b.agent", "a.agent", start_text("a"), stop_text("a"), "a.source_row")
    e = ctx.t("exposure_seq")
    return (f"SELECT {issue_columns('drug_exposures', 'b', start_text('b'), m)} "
            f"FROM {e} a JOIN {e} b ON a.patient_id = b.patient_id AND a.agent = b.agent "
            f"WHERE {_later('a', 'b')} AND {overlaps}")


def _l03(ctx: RuleContext) -> str:
    days = ctx.config.interruption_gap_days
    gap = "date_diff('day', p_end_hi, s_lo)"
    m = msg(f"gap of %s days after the previous %s row (row %s, stopped %s) but start_reason is %s (a restart "
            f"after more than {days} days off drug needs start_reason resumption_after_interruption)",
            gap, "agent", "p_row", stop_text("x", "p_"), "coalesce(start_reason, 'empty')")
    return (f"SELECT {issue_columns('drug_exposures', 'x', 'start_reason', m)} FROM {ctx.t('exposure_seq')} x "
            f"WHERE agent = p_agent AND setting IS NOT DISTINCT FROM p_setting AND p_stop IS NOT NULL "
            f"AND {gap} > {days} AND start_reason IS DISTINCT FROM 'resumption_after_interruption'")


def _l08(ctx: RuleContext) -> str:
    m = msg("dose escalation of %s from %s to %s mg/day with start_reason %s (record why, e.g. progression, "
            "tdm_low or protocol: progression-driven and TDM-driven escalations are analysed differently)",
            "agent", fmt_num("p_dose"), fmt_num("daily_dose_mg"), "coalesce(start_reason, 'empty')")
    return (f"SELECT {issue_columns('drug_exposures', 'x', 'start_reason', m)} FROM {ctx.t('exposure_seq')} x "
            "WHERE agent = p_agent AND daily_dose_mg > p_dose AND (start_reason IS NULL OR start_reason = 'unknown')")


def _dose_values() -> str:
    rows = [f"({lit(a.code)}, {float(d)!r}, {lit(', '.join(_num(x) for x in a.doses_mg))})"
            for a in AGENTS.values() for d in a.doses_mg]
    return f"(VALUES {', '.join(rows)}) AS d(agent, dose, allowed)"


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _l05(ctx: RuleContext) -> str:
    agents = ", ".join(lit(a.code) for a in AGENTS.values() if a.doses_mg)
    doses = _dose_values()
    m = msg("%s mg/day is not a usual daily dose of %s (usual: %s mg)", fmt_num("x.daily_dose_mg"), "x.agent",
            "(SELECT any_value(allowed) FROM " + doses + " WHERE d.agent = x.agent)")
    return (f"SELECT {issue_columns('drug_exposures', 'x', fmt_num('x.daily_dose_mg'), m)} "
            f"FROM {ctx.t('drug_exposures')} x ANTI JOIN {doses} ON d.agent = x.agent "
            "AND round(d.dose, 3) = round(x.daily_dose_mg, 3) "
            f"WHERE x.agent IN ({agents}) AND x.daily_dose_mg IS NOT NULL")


def _schedule_values() -> str:
    rows = []
    for a in AGENTS.values():
        rows.append(f"({lit(a.code)}, NULL, {_list(a.schedules)})")
        rows += [f"({lit(a.code)}, {float(d)!r}, {_list(s)})" for d, s in a.schedules_by_dose.items()]
    return f"(VALUES {', '.join(rows)}) AS s(agent, dose, schedules)"


def _list(items: tuple[str, ...]) -> str:
    return "[" + ", ".join(lit(i) for i in items) + "]"


def _l06(ctx: RuleContext) -> str:
    sv = _schedule_values()
    by_dose = f"(SELECT agent, dose, schedules FROM {sv} WHERE dose IS NOT NULL)"
    by_agent = f"(SELECT agent, schedules FROM {sv} WHERE dose IS NULL)"
    expected = "coalesce(bd.schedules, ba.schedules)"
    m = msg("%s does not fit %s %s mg/day (expected: %s)", "x.schedule", "x.agent", fmt_num("x.daily_dose_mg"),
            f"array_to_string({expected}, ', ')")
    return (f"SELECT {issue_columns('drug_exposures', 'x', 'x.schedule', m)} FROM {ctx.t('drug_exposures')} x "
            f"JOIN {by_agent} ba ON ba.agent = x.agent "
            f"LEFT JOIN {by_dose} bd ON bd.agent = x.agent AND round(bd.dose, 3) = round(x.daily_dose_mg, 3) "
            f"WHERE x.schedule IS NOT NULL AND NOT list_contains({expected}, x.schedule)")


def _genotypes(ctx: RuleContext) -> str:
    return (f"(SELECT patient_id, list(DISTINCT genotype_class) AS classes FROM {ctx.t('mutations')} "
            "WHERE genotype_class IS NOT NULL GROUP BY patient_id)")


def _first(ctx: RuleContext, where: str) -> str:
    return first_rows(ctx, where)


def _l07_high_dose(ctx: RuleContext) -> str:
    m = msg("%s: first palliative treatment is imatinib 800 mg/day without a KIT exon 9 genotype (800 mg is "
            "the first-line dose for KIT exon 9)", _START_TXT)
    first = _first(ctx, "setting = 'palliative'")
    return (f"SELECT {issue_columns('drug_exposures', 'x', fmt_num('x.daily_dose_mg'), m)} "
            f"FROM {first} x LEFT JOIN {_genotypes(ctx)} g "
            "ON g.patient_id = x.patient_id WHERE x.agent = 'imatinib' AND x.daily_dose_mg >= 800 "
            "AND NOT coalesce(list_contains(g.classes, 'KIT_EX9'), false)")


def _l07_resistant(ctx: RuleContext) -> str:
    first = _first(ctx, "agent = 'imatinib'")
    m = msg("%s: imatinib for a %s genotype (usually resistant to imatinib)", _START_TXT,
            "array_to_string(list_sort(list_intersect(g.classes, ['PDGFRA_EX18_D842V', 'SDH_DEFICIENT'])), ', ')")
    return (f"SELECT {issue_columns('drug_exposures', 'x', 'x.agent', m)} "
            f"FROM {first} x JOIN {_genotypes(ctx)} g ON g.patient_id = x.patient_id "
            "WHERE list_has_any(g.classes, ['PDGFRA_EX18_D842V', 'SDH_DEFICIENT'])")


def _l07_sunitinib_first(ctx: RuleContext) -> str:
    first_ima = _first(ctx, "agent = 'imatinib'")
    first_sun = _first(ctx, "agent = 'sunitinib'")
    m = msg("%s: sunitinib without imatinib before it (sunitinib is the usual second line after imatinib)",
            _START_TXT)
    return (f"SELECT {issue_columns('drug_exposures', 'x', 'x.agent', m)} "
            f"FROM {first_sun} x LEFT JOIN {first_ima} i ON i.patient_id = x.patient_id "
            "WHERE i.start_date IS NULL OR i.start_date > x.start_date")


def _c(rule: str, sev: Severity, column: str, build: QueryBuilder) -> Check:
    return Check(rule, sev, "drug_exposures", column, build)


RULES: tuple[Rule, ...] = (
    rule_of(
        "L01", "No unexplained overlap of different TKIs",
        "Error when two exposures of different agents (any agent but 'other') of one patient overlap by more "
        "than 14 days (configurable switch window) and neither row has a trial_id; an investigational agent or a "
        "combination given in a trial is exempt when a trial_id is recorded. An ongoing row is taken to run until "
        "the last contact. Reported on the later-starting row.",
        (_c("L01", "error", "start_date", _l01),),
    ),
    rule_of(
        "L02", "No duplicate or overlapping rows of one agent",
        "Error when a row of an agent starts before an earlier row of the same agent has stopped (a stop and the "
        "next start on the same day is fine), when an earlier row of the agent is still ongoing, or when two rows "
        "of the agent start on the same day. Reported on the later row.",
        (_c("L02", "error", "start_date", _l02),),
    ),
    rule_of(
        "L03", "Long interruptions explained",
        "Warning when consecutive rows of a patient are of the same agent and setting, more than 90 days "
        "(configurable) lie between the stop of one and the start of the next, and the later row's start_reason "
        "is not resumption_after_interruption. A change of setting (adjuvant, then palliative) starts a new "
        "treatment episode and is not an interruption.",
        (_c("L03", "warning", "start_reason", _l03),),
    ),
    rule_of(
        "L05", "Usual daily dose",
        "Warning when the daily dose is not one of the agent's usual doses (imatinib 100–800, sunitinib 12.5–50, "
        "regorafenib 40–160, ripretinib 50–300, avapritinib 100–400 mg …; the list per agent is in the agents "
        "table). Agents without a dose list are not checked.",
        (_c("L05", "warning", "daily_dose_mg", _l05),),
    ),
    rule_of(
        "L06", "Schedule fits the dose",
        "Warning when the schedule is not one listed for the agent at that daily dose (for example sunitinib 50 "
        "mg is 4 weeks on / 2 off, 37.5 mg continuous; regorafenib 160 mg is 3 weeks on / 1 off), or, for doses "
        "without their own list, not one of the agent's schedules.",
        (_c("L06", "warning", "schedule", _l06),),
    ),
    rule_of(
        "L07", "Clinically unusual choices (notes)",
        "Info (valid in some eras): a patient's first palliative treatment is imatinib 800 mg without a KIT exon 9 "
        "genotype; imatinib for a PDGFRA D842V or SDH-deficient genotype; sunitinib without imatinib before it.",
        (
            _c("L07", "info", "daily_dose_mg", _l07_high_dose),
            _c("L07", "info", "agent", _l07_resistant),
            _c("L07", "info", "agent", _l07_sunitinib_first),
        ),
    ),
    rule_of(
        "L08", "Dose escalation explained",
        "Warning when a row has a higher daily dose than the patient's previous row of the same agent and its "
        "start_reason is missing or unknown: the reason tells progression-driven from TDM-driven escalation.",
        (_c("L08", "warning", "start_reason", _l08),),
    ),
)

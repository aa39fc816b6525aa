"""Cross-table rules (X01–X04): baselines, progression evidence, vital status, cause of death."""

from __future__ import annotations

from gistreg.registry.rules._sql import case, fmt_date, lit, msg
from gistreg.registry.rules.base import Check, Rule, RuleContext, issue_columns, rule_of
from gistreg.registry.rules.derived import period_starts

__all__ = ["RULES"]


# X01 ------------------------------------------------------------------------------------------------------------
def _x01(ctx: RuleContext) -> str:
    days = ctx.config.baseline_window_days
    ta = ctx.t("tumour_assessments")
    base = f"(SELECT patient_id, exam_date FROM {ta} WHERE is_baseline AND exam_date IS NOT NULL)"
    m = case(
        ("b.exam_date IS NULL", msg("%s: response assessment (%s) without any baseline assessment before it",
                                    fmt_date("x.exam_date"), "x.tp_response")),
        default=msg(f"%s: response assessment (%s) without a baseline assessment for the treatment period "
                    f"starting %s (the last baseline, %s, is more than {days} days before that start)",
                    fmt_date("x.exam_date"), "x.tp_response", fmt_date("r.period_start"), fmt_date("b.exam_date")),
    )
    return (
        f"SELECT {issue_columns('tumour_assessments', 'x', fmt_date('x.exam_date'), m)} FROM {ta} x "
        f"ASOF LEFT JOIN {period_starts(ctx)} r ON r.patient_id = x.patient_id AND x.exam_date >= r.start_date "
        f"ASOF LEFT JOIN {base} b ON b.patient_id = x.patient_id AND x.exam_date > b.exam_date "
        "WHERE x.exam_date IS NOT NULL AND x.tp_response IS NOT NULL AND x.is_baseline IS NOT DISTINCT FROM false "
        f"AND (b.exam_date IS NULL OR (r.period_start IS NOT NULL AND b.exam_date < r.period_start - {days}))"
    )


# X02 ------------------------------------------------------------------------------------------------------------
def _x02_assessment(ctx: RuleContext) -> str:
    w = ctx.config.event_window_days
    value = "CASE WHEN x.tp_response = 'PD' THEN 'PD' ELSE 'new lesion' END"
    m = msg(f"%s: %s without a progression recorded within {w} days (add the progression event, or correct "
            "the response)", fmt_date("x.exam_date"), value)
    return (f"SELECT {issue_columns('tumour_assessments', 'x', fmt_date('x.exam_date'), m)} "
            f"FROM {ctx.t('tumour_assessments')} x ANTI JOIN {ctx.t('progressions')} p "
            f"ON p.patient_id = x.patient_id AND p.progression_date BETWEEN x.exam_date - {w} AND x.exam_date + {w} "
            "WHERE x.exam_date IS NOT NULL AND (x.tp_response = 'PD' OR x.new_lesion = 'yes')")


def _x02_stop(ctx: RuleContext) -> str:
    w = ctx.config.event_window_days
    evidence = (f"(SELECT patient_id, progression_date AS d FROM {ctx.t('progressions')} "
                f"UNION ALL SELECT patient_id, exam_date FROM {ctx.t('tumour_assessments')} WHERE tp_response = 'PD')")
    stop = fmt_date("x.stop_date", "x.stop_date_precision")
    m = msg(f"stopped %s for progression, but no progression or PD assessment is recorded within {w} days", stop)
    return (f"SELECT {issue_columns('drug_exposures', 'x', 'x.stop_reason', m)} FROM {ctx.t('drug_exposures')} x "
            f"ANTI JOIN {evidence} p ON p.patient_id = x.patient_id "
            f"AND p.d BETWEEN x.stop_date - {w} AND x.stop_date + {w} "
            "WHERE x.stop_reason = 'progression' AND x.stop_date IS NOT NULL")


# X03 ------------------------------------------------------------------------------------------------------------
def _x03_no_date(ctx: RuleContext) -> str:
    m = lit("missing value: vital status is dead but no date of death is given")
    return (f"SELECT {issue_columns('vital_status', 'x', 'NULL', m)} FROM {ctx.t('vital_status')} x "
            "WHERE x.status = 'dead' AND x.death_date IS NULL")


def _x03_alive(ctx: RuleContext) -> str:
    m = msg("%s contradicts the date of death %s (a patient with a date of death is dead)", "x.status",
            fmt_date("x.death_date", "x.death_date_precision"))
    return (f"SELECT {issue_columns('vital_status', 'x', 'x.status', m)} FROM {ctx.t('vital_status')} x "
            "WHERE x.status = 'alive' AND x.death_date IS NOT NULL")


# X04 ------------------------------------------------------------------------------------------------------------
def _x04(ctx: RuleContext) -> str:
    advanced = (f"(SELECT patient_id FROM {ctx.t('metastases')} UNION ALL "
                f"SELECT patient_id FROM {ctx.t('progressions')} UNION ALL "
                f"SELECT patient_id FROM {ctx.t('diagnoses')} "
                "WHERE stage_at_dx IN ('metastatic', 'locally_advanced', 'multiple_localization'))")
    m = lit("gist_progression as cause of death, but no metastasis, progression or advanced stage is recorded")
    return (f"SELECT {issue_columns('vital_status', 'x', 'x.cause', m)} FROM {ctx.t('vital_status')} x "
            f"ANTI JOIN {advanced} a ON a.patient_id = x.patient_id WHERE x.cause = 'gist_progression'")


RULES: tuple[Rule, ...] = (
    rule_of(
        "X01", "Response assessed against a baseline",
        "Warning for a response assessment (not a baseline, with a time-point response) that has no baseline "
        "assessment of the patient before it within its treatment period. The treatment period is the run of "
        "consecutive exposure rows of one agent in one setting that contains the latest exposure started on or "
        "before the exam; its baseline must be dated between 60 days (configurable) before the period's start "
        "and the exam. Without any exposure started before the exam, any earlier baseline suffices.",
        (Check("X01", "warning", "tumour_assessments", "exam_date", _x01),),
    ),
    rule_of(
        "X02", "Progression documented",
        "Warning when a time-point response PD or a new lesion has no progression event within 30 days "
        "(configurable), and when an exposure stopped for progression has neither a progression event nor a PD "
        "assessment within 30 days of its stop date.",
        (
            Check("X02", "warning", "tumour_assessments", "exam_date", _x02_assessment),
            Check("X02", "warning", "drug_exposures", "stop_reason", _x02_stop),
        ),
    ),
    rule_of(
        "X03", "Vital status agrees with the date of death",
        "Error when the status is dead without a date of death (reported on death_date), or alive with a date of "
        "death (reported on status).",
        (
            Check("X03", "error", "vital_status", "death_date", _x03_no_date),
            Check("X03", "error", "vital_status", "status", _x03_alive),
        ),
    ),
    rule_of(
        "X04", "GIST death with recorded advanced disease",
        "Warning when the cause of death is progressive GIST but the patient has no metastasis, no progression "
        "and no advanced stage at diagnosis recorded.",
        (Check("X04", "warning", "vital_status", "cause", _x04),),
    ),
)

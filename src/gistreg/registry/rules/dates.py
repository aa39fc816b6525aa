"""Date rules (D01–D09): the order of life events, dates after death or the cutoff, implausible dates.

Partial dates (precision ``M`` or ``Y``) stand for an interval (the month or the year). An ordering error is
reported only when it holds for *every* day the partial dates can stand for; when only the imputed day (15th,
1 July) breaks the order, the issue is the warning D09 instead, so an imputation never makes an error.
"""

from __future__ import annotations

from gistreg.core.issues import Severity
from gistreg.registry.rules._sql import case, date_lit, fmt_date, hi, lo, msg
from gistreg.registry.rules.base import (
    Check,
    QueryBuilder,
    Rule,
    RuleContext,
    issue_columns,
    issue_columns_multi,
    rule_of,
    union_rows,
)
from gistreg.registry.rules.derived import first_rows
from gistreg.registry.schema import TABLES

__all__ = ["RULES"]

_DEATHS = "(SELECT patient_id, death_date AS dd, death_date_precision AS dp FROM {vs} WHERE death_date IS NOT NULL)"


def _deaths(ctx: RuleContext) -> str:
    return _DEATHS.format(vs=ctx.t("vital_status"))


_NO_PRECISION = "CAST(NULL AS VARCHAR)"


def _prec(table: str, column: str, alias: str) -> str | None:
    p = TABLES[table].date_precision_columns.get(column)
    return f"{alias}.{p}" if p else None


# ------------------------------------------------------------------------------------------------------------
# D01 birth < diagnosis ≤ last contact; age at diagnosis
# ------------------------------------------------------------------------------------------------------------

def _d01_join(ctx: RuleContext) -> str:
    return (f"FROM {ctx.t('diagnoses')} x JOIN {ctx.t('patients')} p ON p.patient_id = x.patient_id "
            "WHERE p.birth_date IS NOT NULL AND x.diagnosis_date IS NOT NULL")


_BIRTH = ("p.birth_date", "p.birth_date_precision")
_DIAG = ("x.diagnosis_date", "x.diagnosis_date_precision")


def _d01_birth(ctx: RuleContext) -> str:
    return (f"SELECT {issue_columns('diagnoses', 'x', fmt_date(*_DIAG), _d01_birth_msg())} {_d01_join(ctx)} "
            f"AND {lo(*_BIRTH)} >= {hi(*_DIAG)}")


def _d01_birth_msg() -> str:
    return msg("%s is not after the date of birth %s (diagnosis must follow birth)", fmt_date(*_DIAG),
               fmt_date(*_BIRTH))


def _d01_age_max(ctx: RuleContext) -> str:
    age = f"date_sub('year', {hi(*_BIRTH)}, {lo(*_DIAG)})"
    m = msg(f"%s gives an age at diagnosis of at least %s years (date of birth %s; expected 0–{ctx.config.max_age})",
            fmt_date(*_DIAG), age, fmt_date(*_BIRTH))
    return (f"SELECT {issue_columns('diagnoses', 'x', fmt_date(*_DIAG), m)} {_d01_join(ctx)} "
            f"AND {age} > {ctx.config.max_age}")


def _d01_paediatric(ctx: RuleContext) -> str:
    age = f"date_sub('year', {lo(*_BIRTH)}, {hi(*_DIAG)})"
    m = msg(f"%s gives an age at diagnosis of %s years: paediatric GIST (under {ctx.config.adult_age}, usually "
            "SDH-deficient); please confirm", fmt_date(*_DIAG), age)
    return (f"SELECT {issue_columns('diagnoses', 'x', fmt_date(*_DIAG), m)} {_d01_join(ctx)} "
            f"AND {lo(*_BIRTH)} < {hi(*_DIAG)} AND {age} < {ctx.config.adult_age}")


def _d01_last_contact(ctx: RuleContext) -> str:
    first = (f"(SELECT patient_id, max({lo('diagnosis_date', 'diagnosis_date_precision')}) AS dlo, "
             f"arg_max({fmt_date('diagnosis_date', 'diagnosis_date_precision')}, "
             f"{lo('diagnosis_date', 'diagnosis_date_precision')}) AS dtxt "
             f"FROM {ctx.t('diagnoses')} WHERE diagnosis_date IS NOT NULL GROUP BY patient_id)")
    m = msg("%s is before the diagnosis date %s (last contact must be on or after diagnosis)",
            fmt_date("x.last_contact_date"), "d.dtxt")
    return (f"SELECT {issue_columns('vital_status', 'x', fmt_date('x.last_contact_date'), m)} "
            f"FROM {ctx.t('vital_status')} x JOIN {first} d ON d.patient_id = x.patient_id "
            "WHERE x.last_contact_date < d.dlo")


# ------------------------------------------------------------------------------------------------------------
# D02 diagnosis ≤ first treatment start
# ------------------------------------------------------------------------------------------------------------

_START = ("x.start_date", "x.start_date_precision")
_STOP = ("x.stop_date", "x.stop_date_precision")


def _d02(ctx: RuleContext) -> str:
    w = ctx.config.neoadjuvant_window_days
    first = (f"(SELECT patient_id, min({lo('diagnosis_date', 'diagnosis_date_precision')}) AS dlo, "
             f"arg_min({fmt_date('diagnosis_date', 'diagnosis_date_precision')}, "
             f"{lo('diagnosis_date', 'diagnosis_date_precision')}) AS dtxt "
             f"FROM {ctx.t('diagnoses')} WHERE diagnosis_date IS NOT NULL GROUP BY patient_id)")
    allowed = f"(CASE WHEN x.setting = 'neoadjuvant' THEN {w} ELSE 0 END)"
    m = msg(f"%s is before the diagnosis date %s (treatment starts on or after diagnosis; neoadjuvant "
            f"treatment up to {w} days before)", fmt_date(*_START), "d.dtxt")
    return (f"SELECT {issue_columns('drug_exposures', 'x', fmt_date(*_START), m)} "
            f"FROM {ctx.t('drug_exposures')} x JOIN {first} d ON d.patient_id = x.patient_id "
            f"WHERE {hi(*_START)} < d.dlo - CAST({allowed} AS INTEGER)")


# ------------------------------------------------------------------------------------------------------------
# D03 start ≤ stop; nothing after death.  D09: the same orders broken by an imputed day only.
# ------------------------------------------------------------------------------------------------------------

def _in_order(table: str, first: str, second: str, certain: bool) -> QueryBuilder:
    """``first`` ≤ ``second`` within a row: D03 when broken for sure, D09 when only an imputed day breaks it."""
    def build(ctx: RuleContext) -> str:
        a = (f"x.{first}", _prec(table, first, "x"))
        b = (f"x.{second}", _prec(table, second, "x"))
        if certain:
            cond = f"{lo(*a)} > {hi(*b)}"
            m = msg(f"%s is before the {first.replace('_', ' ')} %s (expected on or after it)",
                    fmt_date(*b), fmt_date(*a))
        else:
            cond = f"{a[0]} > {b[0]} AND NOT ({lo(*a)} > {hi(*b)})"
            m = msg(f"%s is before the {first.replace('_', ' ')} %s only because of the imputed day of a partial "
                    "date (stored as %s and %s); please give the full dates", fmt_date(*b), fmt_date(*a), b[0], a[0])
        return (f"SELECT {issue_columns(table, 'x', fmt_date(*b), m)} FROM {ctx.t(table)} x "
                f"WHERE {a[0]} IS NOT NULL AND {b[0]} IS NOT NULL AND {cond}")
    return build


#: (table, date column, column of the same row whose own issue makes this one redundant)
_EVENT_DATES: tuple[tuple[str, str, str | None], ...] = (
    ("drug_exposures", "start_date", None),
    ("drug_exposures", "stop_date", "start_date"),
    ("tumour_assessments", "exam_date", None),
    ("progressions", "progression_date", None),
    ("performance_status", "assessment_date", None),
    ("adverse_events", "onset_date", None),
    ("adverse_events", "end_date", "onset_date"),
    ("metastases", "detected_date", None),
    ("surgeries", "surgery_date", None),
    ("mutations", "test_date", None),
    ("vital_status", "last_contact_date", None),
)


def _after_death(certain: bool) -> QueryBuilder:
    """Event dates after the date of death, over every table of :data:`_EVENT_DATES` in one query."""
    def build(ctx: RuleContext) -> str:
        parts = []
        for table, column, unless in _EVENT_DATES:
            p = _prec(table, column, "x") or _NO_PRECISION
            u = f"x.{unless}" if unless else "CAST(NULL AS DATE)"
            up = (_prec(table, unless, "x") if unless else None) or _NO_PRECISION
            parts.append((table, column, f"x.patient_id AS pid, x.{column} AS d, {p} AS p, {u} AS ud, {up} AS up"))
        d, death = ("u.d", "u.p"), ("dd.dd", "dd.dp")
        if certain:
            cond = f"{lo(*d)} > {hi(*death)}"
            m = msg("%s is after the date of death %s (nothing can be dated after death)", fmt_date(*d),
                    fmt_date(*death))
        else:
            cond = f"u.d > dd.dd AND NOT ({lo(*d)} > {hi(*death)})"
            m = msg("%s is after the date of death %s only because of the imputed day of a partial date "
                    "(stored as %s and %s); please give the full dates", fmt_date(*d), fmt_date(*death),
                    "u.d", "dd.dd")
        cond += f" AND NOT coalesce({lo('u.ud', 'u.up')} > {hi(*death)}, false)"
        return (f"SELECT {issue_columns_multi(fmt_date(*d), m)} FROM {union_rows(ctx, parts)} u "
                f"JOIN {_deaths(ctx)} dd ON dd.patient_id = u.pid WHERE u.d IS NOT NULL AND {cond}")
    return build


# ------------------------------------------------------------------------------------------------------------
# D04 after the cutoff
# ------------------------------------------------------------------------------------------------------------

def _after_cutoff(column: str, precision: str | None) -> QueryBuilder:
    def build(ctx: RuleContext) -> str | None:
        if ctx.cutoff is None:
            return None
        d = (f"x.{column}", f"x.{precision}" if precision else None)
        m = msg(f"%s is after the data cutoff {ctx.cutoff.isoformat()} (analyses of this cut truncate "
                "follow-up at the cutoff)", fmt_date(*d))
        return (f"SELECT {issue_columns('vital_status', 'x', fmt_date(*d), m)} FROM {ctx.t('vital_status')} x "
                f"WHERE {lo(*d)} > {date_lit(ctx.cutoff)}")
    return build


# ------------------------------------------------------------------------------------------------------------
# D05 adjuvant exposure after the primary resection and before distant recurrence
# ------------------------------------------------------------------------------------------------------------

def _d05_resection(ctx: RuleContext) -> str | None:
    if "surgeries" not in ctx.present:
        return None
    res = (f"(SELECT patient_id, min(surgery_date) AS first_res FROM {ctx.t('surgeries')} "
           "WHERE procedure = 'primary_resection' GROUP BY patient_id)")
    none = msg("%s: adjuvant treatment but no primary resection is recorded (adjuvant treatment follows the "
               "resection of the primary tumour; otherwise the setting is neoadjuvant or palliative)",
               fmt_date(*_START))
    before = msg("%s: adjuvant treatment starts before the primary resection on %s (adjuvant treatment follows "
                 "the resection)", fmt_date(*_START), fmt_date("r.first_res"))
    m = case(("r.first_res IS NULL", none), default=before)
    return (f"SELECT {issue_columns('drug_exposures', 'x', 'x.setting', m)} FROM {ctx.t('drug_exposures')} x "
            f"LEFT JOIN {res} r ON r.patient_id = x.patient_id WHERE x.setting = 'adjuvant' "
            f"AND x.start_date IS NOT NULL AND (r.first_res IS NULL OR {hi(*_START)} < r.first_res)")


def _d05_metastasis(ctx: RuleContext) -> str:
    met = (f"(SELECT patient_id, min(detected_date) AS first_met FROM {ctx.t('metastases')} "
           "WHERE detected_date IS NOT NULL GROUP BY patient_id)")
    m = msg("%s: adjuvant treatment starts on or after the first distant metastasis (detected %s); treatment "
            "of recurrent or metastatic disease is palliative", fmt_date(*_START), fmt_date("r.first_met"))
    return (f"SELECT {issue_columns('drug_exposures', 'x', 'x.setting', m)} FROM {ctx.t('drug_exposures')} x "
            f"JOIN {met} r ON r.patient_id = x.patient_id WHERE x.setting = 'adjuvant' "
            f"AND {lo(*_START)} >= r.first_met")


# ------------------------------------------------------------------------------------------------------------
# D06 palliative start on or after the first advanced-disease event
# ------------------------------------------------------------------------------------------------------------

_ADVANCED_STAGES = "('metastatic', 'locally_advanced', 'multiple_localization')"


def _d06(ctx: RuleContext) -> str:
    tol = ctx.config.palliative_tolerance_days
    events = (
        f"(SELECT patient_id, min(d) AS first_adv FROM ("
        f"SELECT patient_id, detected_date AS d FROM {ctx.t('metastases')} "
        f"UNION ALL SELECT patient_id, progression_date FROM {ctx.t('progressions')} "
        f"UNION ALL SELECT patient_id, {lo('diagnosis_date', 'diagnosis_date_precision')} "
        f"FROM {ctx.t('diagnoses')} WHERE stage_at_dx IN {_ADVANCED_STAGES}) e "
        "WHERE d IS NOT NULL GROUP BY patient_id)"
    )
    first_pal = first_rows(ctx, "setting = 'palliative'")
    none = msg("%s: palliative treatment but no metastasis, advanced stage at diagnosis or progression is "
               "recorded", fmt_date(*_START))
    early = msg(f"%s: palliative treatment starts more than {tol} days before the first metastasis, advanced "
                "stage or progression (%s)", fmt_date(*_START), fmt_date("e.first_adv"))
    m = case(("e.first_adv IS NULL", none), default=early)
    return (f"SELECT {issue_columns('drug_exposures', 'x', fmt_date(*_START), m)} FROM {first_pal} x "
            f"LEFT JOIN {events} e ON e.patient_id = x.patient_id "
            f"WHERE e.first_adv IS NULL OR {hi(*_START)} < e.first_adv - {tol}")


# ------------------------------------------------------------------------------------------------------------
# D08 implausible dates: future, Excel epoch and placeholders, before 1900; day/month swap
# ------------------------------------------------------------------------------------------------------------

_SENTINELS = ("1899-12-30", "1899-12-31", "1900-01-01", "1904-01-01")


def _implausible(ctx: RuleContext) -> str:
    """Every date column of every table in one query."""
    parts = [(t, c, f"x.{c} AS d, {_prec(t, c, 'x') or _NO_PRECISION} AS p") for t, c in _date_columns()]
    d, p = "u.d", "u.p"
    sentinel = f"(coalesce({p}, 'D') = 'D' AND {d} IN ({', '.join(f'DATE {s!r}' for s in _SENTINELS)}))"
    shown = fmt_date(d, p)
    m = case(
        (f"year({d}) >= 9999", msg("%s is a placeholder, not a date (leave the cell empty when unknown)", shown)),
        (sentinel, msg("%s is an Excel epoch or placeholder date (leave the cell empty when unknown)", shown)),
        (f"{d} < DATE '1900-01-01'", msg("%s is before 1900 (expected a date between 1900 and today)", shown)),
        default=msg(f"%s is in the future (today is {ctx.today.isoformat()})", shown),
    )
    cond = f"(year({d}) >= 9999 OR {sentinel} OR {d} < DATE '1900-01-01' OR {lo(d, p)} > {ctx.today_sql})"
    return f"SELECT {issue_columns_multi(shown, m)} FROM {union_rows(ctx, parts)} u WHERE {d} IS NOT NULL AND {cond}"


def _swap(d: str) -> str:
    return f"make_date(year({d}), least(day({d}), 12), month({d}))"  # only used where day ≤ 12


def _swap_check(table: str, first: str, second: str, swap_first: bool) -> QueryBuilder:
    """D08 warning: ``first > second`` for exact dates, and swapping day and month of one of them fixes it."""
    def build(ctx: RuleContext) -> str:
        a, b = f"x.{first}", f"x.{second}"
        pa, pb = _prec(table, first, "x"), _prec(table, second, "x")
        exact = " AND ".join(f"coalesce({p}, 'D') = 'D'" for p in (pa, pb) if p) or "true"
        target = a if swap_first else b
        fixed = f"{_swap(a)} <= {b}" if swap_first else f"{a} <= {_swap(b)}"
        other, relation = (second, "on or before") if swap_first else (first, "on or after")
        m = msg(f"%s may have day and month swapped: as %s it would be {relation} the {other.replace('_', ' ')} %s",
                fmt_date(target), fmt_date(_swap(target)), fmt_date(b if swap_first else a))
        return (f"SELECT {issue_columns(table, 'x', fmt_date(target), m)} FROM {ctx.t(table)} x "
                f"WHERE {a} > {b} AND {exact} AND day({target}) <= 12 AND day({target}) <> month({target}) "
                f"AND {fixed}")
    return build


# ------------------------------------------------------------------------------------------------------------
# The rules
# ------------------------------------------------------------------------------------------------------------

def _c(rule: str, sev: Severity, table: str, column: str | None, build: QueryBuilder) -> Check:
    return Check(rule, sev, table, column, build)


def _date_columns() -> list[tuple[str, str]]:
    return [(t.name, c.name) for t in TABLES.values() for c in t.columns if c.type == "date"]


RULES: tuple[Rule, ...] = (
    rule_of(
        "D01", "Birth before diagnosis before last contact; plausible age at diagnosis",
        "Error when the date of birth is not before the diagnosis date, when the last contact is before a "
        "diagnosis, or when the age at diagnosis exceeds 110 years (configurable). Warning when the age at "
        "diagnosis is under 18 years (paediatric GIST, usually SDH-deficient): please confirm.",
        (
            _c("D01", "error", "diagnoses", "diagnosis_date", _d01_birth),
            _c("D01", "error", "diagnoses", "diagnosis_date", _d01_age_max),
            _c("D01", "error", "vital_status", "last_contact_date", _d01_last_contact),
            _c("D01", "warning", "diagnoses", "diagnosis_date", _d01_paediatric),
        ),
    ),
    rule_of(
        "D02", "No treatment before diagnosis",
        "Error when a drug exposure starts before the patient's first diagnosis date. A neoadjuvant exposure "
        "may start up to 365 days (configurable) before the recorded diagnosis date, because the histological "
        "diagnosis is often dated on the resection specimen.",
        (_c("D02", "error", "drug_exposures", "start_date", _d02),),
    ),
    rule_of(
        "D03", "Periods in order; nothing dated after death",
        "Error when an exposure stops before it starts or an adverse event ends before its onset, or when an "
        "exposure, tumour assessment, progression, performance score, adverse event, metastasis, surgery, "
        "molecular test or last contact is dated after the date of death (grace 0 days).",
        (
            _c("D03", "error", "drug_exposures", "stop_date",
               _in_order("drug_exposures", "start_date", "stop_date", True)),
            _c("D03", "error", "adverse_events", "end_date",
               _in_order("adverse_events", "onset_date", "end_date", True)),
            Check("D03", "error", None, None, _after_death(True)),
        ),
    ),
    rule_of(
        "D04", "Follow-up within the data cutoff",
        "Warning (only when a data cutoff is given) when the date of death or of last contact is after the "
        "cutoff: analyses of the cut truncate follow-up at the cutoff; the data are not changed.",
        (
            _c("D04", "warning", "vital_status", "death_date", _after_cutoff("death_date", "death_date_precision")),
            _c("D04", "warning", "vital_status", "last_contact_date", _after_cutoff("last_contact_date", None)),
        ),
    ),
    rule_of(
        "D05", "Adjuvant treatment after the resection and before recurrence",
        "Error when an adjuvant exposure starts before the first primary resection (surgeries with procedure "
        "primary_resection) or when no primary resection is recorded (checked only when the export has a "
        "surgeries table), and when it starts on or after the first detected metastasis.",
        (
            _c("D05", "error", "drug_exposures", "setting", _d05_resection),
            _c("D05", "error", "drug_exposures", "setting", _d05_metastasis),
        ),
    ),
    rule_of(
        "D06", "Palliative treatment after advanced disease",
        "Warning when a patient's first palliative exposure starts more than 14 days (configurable) before the "
        "first sign of advanced disease (a metastasis, a progression, or a diagnosis with stage metastatic, "
        "locally advanced or multiple localisations), or when no such event is recorded.",
        (_c("D06", "warning", "drug_exposures", "start_date", _d06),),
    ),
    rule_of(
        "D08", "Implausible dates",
        "Error for any date in the future (after today), an Excel epoch or placeholder date (1899-12-30, "
        "1899-12-31, 1900-01-01, 1904-01-01 given to the day, or year 9999), or a date before 1900. Warning when "
        "a start is after its stop (exposures, adverse events) and swapping day and month of one of the two "
        "dates (both given to the day, day ≤ 12) would put them in order.",
        (
            Check("D08", "error", None, None, _implausible),
            _c("D08", "warning", "drug_exposures", "start_date",
               _swap_check("drug_exposures", "start_date", "stop_date", True)),
            _c("D08", "warning", "drug_exposures", "stop_date",
               _swap_check("drug_exposures", "start_date", "stop_date", False)),
            _c("D08", "warning", "adverse_events", "onset_date",
               _swap_check("adverse_events", "onset_date", "end_date", True)),
            _c("D08", "warning", "adverse_events", "end_date",
               _swap_check("adverse_events", "onset_date", "end_date", False)),
        ),
    ),
    rule_of(
        "D09", "Partial dates used consistently",
        "Warning when a precision column disagrees with the format of a partial date (YYYY-MM is M, YYYY is "
        "Y; the format wins), and when an order that D03 checks (start ≤ stop, nothing after death) is broken "
        "only by the imputed day of a partial date (15th of the month, 1 July): the order may hold, but the "
        "full date is needed.",
        (
            _c("D09", "warning", "drug_exposures", "stop_date",
               _in_order("drug_exposures", "start_date", "stop_date", False)),
            Check("D09", "warning", None, None, _after_death(False)),
        ),
    ),
)

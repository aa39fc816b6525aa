"""Value rules (V01–V05): tumour size, mitotic count, performance status, adverse-event grading, imaging values."""

from __future__ import annotations

from gistreg.core.issues import Severity
from gistreg.core.vocab import CTCAE_TERMS
from gistreg.registry.rules._sql import case, fmt_date, fmt_num, hi, lit, lo, msg
from gistreg.registry.rules.base import Check, QueryBuilder, Rule, RuleContext, issue_columns, rule_of

__all__ = ["RULES"]


def _where(table: str, column: str, value: str, cond: str, message: str) -> QueryBuilder:
    """A check of single rows of ``table``: ``cond`` over alias ``x``."""
    def build(ctx: RuleContext) -> str:
        return (f"SELECT {issue_columns(table, 'x', value, message)} FROM {ctx.t(table)} x "
                f"WHERE x.{column} IS NOT NULL AND {cond}")
    return build


def _deaths(ctx: RuleContext) -> str:
    return (f"(SELECT patient_id, death_date AS dd, death_date_precision AS dp FROM {ctx.t('vital_status')} "
            "WHERE death_date IS NOT NULL)")


# V01 ------------------------------------------------------------------------------------------------------------
_SIZE = fmt_num("x.size_mm")
_V01_ERR = _where("diagnoses", "size_mm", _SIZE, "(x.size_mm < 1 OR x.size_mm > 500)",
                  msg("%s mm is not a plausible tumour size (expected 1–500 mm)", _SIZE))
_V01_WARN = _where("diagnoses", "size_mm", _SIZE, "x.size_mm > 350 AND x.size_mm <= 500",
                   msg("%s mm is an unusually large tumour (over 350 mm); please confirm the unit is mm", _SIZE))

# V02 ------------------------------------------------------------------------------------------------------------
_MIT = fmt_num("x.mitotic_count")
_V02_VALUE = _where(
    "diagnoses", "mitotic_count", _MIT, "(x.mitotic_count < 0 OR x.mitotic_count <> trunc(x.mitotic_count))",
    case(("x.mitotic_count < 0", msg("%s is negative (a mitotic count is 0 or more)", _MIT)),
         default=msg("%s is not a whole number (mitoses are counted per area: 0, 1, 2 …)", _MIT)),
)
_V02_UNIT = _where("diagnoses", "mitotic_count", "NULL", "x.mitotic_unit IS NULL",
                   msg("missing value: the mitotic count %s needs its unit (per_5mm2, per_50hpf, per_10mm2 or other)",
                       _MIT))
_V02_HIGH = _where("diagnoses", "mitotic_count", _MIT, "x.mitotic_count > 200",
                   msg("%s mitoses %s is unusually high (over 200); please confirm", _MIT,
                       "coalesce(x.mitotic_unit, 'without unit')"))


# V03 ------------------------------------------------------------------------------------------------------------
def _v03_range(ctx: RuleContext) -> str:
    v = "x.value"
    bad = (f"((x.scale = 'ECOG' AND ({v} < 0 OR {v} > 5)) "
           f"OR (x.scale = 'KPS' AND ({v} < 0 OR {v} > 100 OR {v} % 10 <> 0)))")
    m = case(("x.scale = 'ECOG'", msg("%s is not an ECOG score (expected 0–5)", v)),
             default=msg("%s is not a Karnofsky score (expected 0–100 in steps of 10)", v))
    return (f"SELECT {issue_columns('performance_status', 'x', v, m)} FROM {ctx.t('performance_status')} x "
            f"WHERE x.value IS NOT NULL AND {bad}")


def _v03_dead(ctx: RuleContext) -> str:
    m = case(("d.dd IS NULL", lit("ECOG 5 (dead) but no date of death is recorded")),
             default=msg("ECOG 5 (dead) on %s but the date of death is %s (expected the same date)",
                         fmt_date("x.assessment_date"), fmt_date("d.dd", "d.dp")))
    return (f"SELECT {issue_columns('performance_status', 'x', 'x.value', m)} FROM {ctx.t('performance_status')} x "
            f"LEFT JOIN {_deaths(ctx)} d ON d.patient_id = x.patient_id "
            "WHERE x.scale = 'ECOG' AND x.value = 5 AND (d.dd IS NULL OR x.assessment_date NOT BETWEEN "
            f"{lo('d.dd', 'd.dp')} AND {hi('d.dd', 'd.dp')})")


# V04 ------------------------------------------------------------------------------------------------------------
_V04_GRADE = _where("adverse_events", "grade", "x.grade", "x.grade NOT IN (1, 2, 3, 4, 5)",
                    msg("%s is not a CTCAE grade (expected 1–5)", "x.grade"))


def _terms() -> str:
    rows = [f"({lit(v)}, {lit(t)})" for v, terms in CTCAE_TERMS.items() for t in sorted(terms)]
    return f"(VALUES {', '.join(rows)}) AS ct(version, term)"


def _v04_term(ctx: RuleContext) -> str:
    m = msg("%s is not a CTCAE %s term (use a term of the row's CTCAE version; common site wording such as "
            "anaemia or hand-foot syndrome is mapped)", "x.term", "x.ctcae_version")
    return (f"SELECT {issue_columns('adverse_events', 'x', 'x.term', m)} FROM {ctx.t('adverse_events')} x "
            f"ANTI JOIN {_terms()} ON ct.version = x.ctcae_version AND ct.term = x.term "
            "WHERE x.term IS NOT NULL AND x.ctcae_version IS NOT NULL")


def _v04_death(ctx: RuleContext) -> str:
    when = "coalesce(x.end_date, x.onset_date)"
    m = case(("d.dd IS NULL", lit("grade 5 (death) but no date of death is recorded")),
             default=msg("grade 5 (death) but the date of death %s differs from the adverse event's end %s "
                         "(expected the same date)", fmt_date("d.dd", "d.dp"), fmt_date(when)))
    return (f"SELECT {issue_columns('adverse_events', 'x', 'x.grade', m)} FROM {ctx.t('adverse_events')} x "
            f"LEFT JOIN {_deaths(ctx)} d ON d.patient_id = x.patient_id "
            f"WHERE x.grade = 5 AND (d.dd IS NULL OR {when} NOT BETWEEN {lo('d.dd', 'd.dp')} AND {hi('d.dd', 'd.dp')})")


# V05 ------------------------------------------------------------------------------------------------------------
_HU = fmt_num("x.mean_hu")
_V05_HU = _where("tumour_assessments", "mean_hu", _HU, "(x.mean_hu < -1000 OR x.mean_hu > 3000)",
                 msg("%s HU is outside the Hounsfield scale of tissue (expected −1000 to 3000)", _HU))
_V05_HU_SOFT = _where("tumour_assessments", "mean_hu", _HU,
                      "(x.mean_hu BETWEEN -1000 AND 3000) AND (x.mean_hu < -100 OR x.mean_hu > 200)",
                      msg("%s HU is unusual for a soft-tissue lesion (typically −100 to 200); please confirm", _HU))
_SUM = fmt_num("x.sum_diam_mm")
_V05_SUM = _where("tumour_assessments", "sum_diam_mm", _SUM, "x.sum_diam_mm < 0",
                  msg("%s mm is negative (a sum of diameters is 0 or more)", _SUM))


def _c(rule: str, sev: Severity, table: str, column: str, build: QueryBuilder) -> Check:
    return Check(rule, sev, table, column, build)


RULES: tuple[Rule, ...] = (
    rule_of(
        "V01", "Plausible tumour size",
        "Error when the largest tumour diameter is below 1 mm or above 500 mm; warning above 350 mm (the largest "
        "in the Dutch registry cohort was 35 cm).",
        (_c("V01", "error", "diagnoses", "size_mm", _V01_ERR), _c("V01", "warning", "diagnoses", "size_mm", _V01_WARN)),
    ),
    rule_of(
        "V02", "Valid mitotic count",
        "Error when the mitotic count is negative or not a whole number, or given without its unit (reported on "
        "mitotic_unit); warning when above 200.",
        (
            _c("V02", "error", "diagnoses", "mitotic_count", _V02_VALUE),
            _c("V02", "error", "diagnoses", "mitotic_unit", _V02_UNIT),
            _c("V02", "warning", "diagnoses", "mitotic_count", _V02_HIGH),
        ),
    ),
    rule_of(
        "V03", "Valid performance status",
        "Error when an ECOG score is outside 0–5 or a Karnofsky score outside 0–100 (steps of 10), and when "
        "ECOG 5 (dead) is recorded on another day than the date of death (or without one).",
        (
            _c("V03", "error", "performance_status", "value", _v03_range),
            _c("V03", "error", "performance_status", "value", _v03_dead),
        ),
    ),
    rule_of(
        "V04", "Valid CTCAE grading",
        "Error when the grade is outside 1–5, when the term is not a term of the row's CTCAE version (after "
        "mapping common site wording; the CTCAE version itself is required, T04), and when a grade 5 event's end "
        "(or onset, when it has no end) is not the date of death, or there is no date of death.",
        (
            _c("V04", "error", "adverse_events", "grade", _V04_GRADE),
            _c("V04", "error", "adverse_events", "term", _v04_term),
            _c("V04", "error", "adverse_events", "grade", _v04_death),
        ),
    ),
    rule_of(
        "V05", "Plausible imaging values",
        "Error when the mean density is outside −1000 to 3000 HU or the sum of target diameters is negative; "
        "warning when the density is outside −100 to 200 HU, unusual for soft-tissue lesions.",
        (
            _c("V05", "error", "tumour_assessments", "mean_hu", _V05_HU),
            _c("V05", "warning", "tumour_assessments", "mean_hu", _V05_HU_SOFT),
            _c("V05", "error", "tumour_assessments", "sum_diam_mm", _V05_SUM),
        ),
    ),
)

"""Completeness per site (M01): one info note per site and item, with the percentage missing."""

from __future__ import annotations

from gistreg.registry.rules._sql import date_lit
from gistreg.registry.rules.base import Check, QueryBuilder, Rule, RuleContext, rule_of

__all__ = ["RULES"]


def _sites(ctx: RuleContext) -> str:
    return f"(SELECT patient_id, coalesce(site_id, '(no site)') AS site FROM {ctx.t('patients')})"


def _note(counts: str, what: str, of: str) -> str:
    """SELECT turning ``counts`` (site, k missing, n) into issue rows."""
    pct = "printf('%.1f%%', 100.0 * k / n)"
    message = (f"printf('site %s: {what} missing for %s of %s {of} (%s)', site, CAST(k AS VARCHAR), "
               f"CAST(n AS VARCHAR), {pct})")
    return (f"SELECT NULL AS file, NULL AS row, {pct} AS value, site AS record_id, {message} AS message "
            f"FROM {counts} c WHERE n > 0 ORDER BY site")


def _mitotic(ctx: RuleContext) -> str:
    counts = (f"(SELECT s.site, count_if(d.mitotic_count IS NULL) AS k, count(*) AS n FROM {ctx.t('diagnoses')} d "
              f"JOIN {_sites(ctx)} s ON s.patient_id = d.patient_id GROUP BY s.site)")
    return _note(counts, "mitotic count", "diagnoses")


def _mutation(ctx: RuleContext) -> str:
    tested = (f"(SELECT DISTINCT patient_id FROM {ctx.t('mutations')} "
              "WHERE genotype_class IS NOT NULL AND genotype_class <> 'NOT_TESTED')")
    counts = (f"(SELECT s.site, count_if(t.patient_id IS NULL) AS k, count(*) AS n FROM {_sites(ctx)} s "
              f"LEFT JOIN {tested} t ON t.patient_id = s.patient_id GROUP BY s.site)")
    return _note(counts, "mutation status (no mutations row, or NOT_TESTED)", "patients")


def _ecog(ctx: RuleContext) -> str:
    w = ctx.config.event_window_days
    first = (f"(SELECT patient_id, min(start_date) AS d FROM {ctx.t('drug_exposures')} "
             "WHERE setting = 'palliative' AND start_date IS NOT NULL GROUP BY patient_id)")
    scored = (f"(SELECT DISTINCT f.patient_id FROM {first} f JOIN {ctx.t('performance_status')} ps "
              f"ON ps.patient_id = f.patient_id AND ps.scale = 'ECOG' AND ps.value IS NOT NULL "
              f"AND ps.assessment_date BETWEEN f.d - {w} AND f.d + {w})")
    counts = (f"(SELECT s.site, count_if(sc.patient_id IS NULL) AS k, count(*) AS n FROM {first} f "
              f"JOIN {_sites(ctx)} s ON s.patient_id = f.patient_id "
              f"LEFT JOIN {scored} sc ON sc.patient_id = f.patient_id GROUP BY s.site)")
    return _note(counts, f"ECOG within {w} days of the first palliative start", "palliatively treated patients")


def _follow_up(ctx: RuleContext) -> str:
    months = ctx.config.followup_months
    ref = ctx.reference_date
    since = f"{date_lit(ref)} - INTERVAL {months} MONTH"
    last = (f"(SELECT patient_id, max(last_contact_date) AS lc, bool_or(status = 'dead') AS dead "
            f"FROM {ctx.t('vital_status')} GROUP BY patient_id)")
    counts = (f"(SELECT s.site, count_if(v.lc IS NULL OR v.lc < {since}) AS k, count(*) AS n FROM {_sites(ctx)} s "
              f"LEFT JOIN {last} v ON v.patient_id = s.patient_id WHERE NOT coalesce(v.dead, false) GROUP BY s.site)")
    label = "the cutoff" if ctx.cutoff else "today"
    return _note(counts, f"last contact within {months} months of {label} ({ref.isoformat()})",
                 "patients not known to be dead")


def _check(table: str, column: str, build: QueryBuilder) -> Check:
    return Check("M01", "info", table, column, build)


RULES: tuple[Rule, ...] = (
    rule_of(
        "M01", "Completeness per site",
        "Info, one note per site and item with the percentage missing: mitotic count (of diagnoses); mutation "
        "status (patients without a mutations row or only NOT_TESTED); an ECOG score within 30 days of the first "
        "palliative start (of palliatively treated patients); last contact within 12 months of the cutoff, or of "
        "today without a cutoff (of patients not known to be dead).",
        (
            _check("diagnoses", "mitotic_count", _mitotic),
            _check("mutations", "genotype_class", _mutation),
            _check("performance_status", "value", _ecog),
            _check("vital_status", "last_contact_date", _follow_up),
        ),
    ),
)

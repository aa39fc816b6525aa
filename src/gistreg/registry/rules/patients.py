"""Keys and identities: duplicate keys and persons (P01), duplicate events (P02), references (K01)."""

from __future__ import annotations

from gistreg.registry.rules._sql import fmt_date, msg, quote
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
from gistreg.registry.schema import TABLES

__all__ = ["RULES"]


def _p01_keys(ctx: RuleContext) -> str:
    """Repeated primary keys of every table in one query. Repeating keys are found per table by aggregation
    first (usually none), so only the rows holding them are ranked."""
    parts = [(t.name, t.primary_key[0], f'x."{t.primary_key[0]}" AS k') for t in TABLES.values()]
    dups = " UNION ALL ".join(
        f"SELECT '{t.name}' AS tbl, x.\"{t.primary_key[0]}\" AS k FROM {ctx.t(t.name)} x "
        f"WHERE x.\"{t.primary_key[0]}\" IS NOT NULL GROUP BY 2 HAVING count(*) > 1"
        for t in TABLES.values()
    )
    w = "OVER (PARTITION BY u.tbl, u.k ORDER BY u.source_file, u.source_row)"
    ranked = (f"(SELECT u.*, row_number() {w} AS rn, first_value(u.source_file) {w} AS first_file, "
              f"first_value(u.source_row) {w} AS first_row FROM {union_rows(ctx, parts)} u "
              f"SEMI JOIN ({dups}) d ON d.tbl = u.tbl AND d.k = u.k)")
    m = msg("%s is a duplicate %s (first in %s row %s; each %s may occur once)", "u.k", "u.col", "u.first_file",
            "u.first_row", "u.col")
    return f"SELECT {issue_columns_multi('u.k', m)} FROM {ranked} u WHERE u.rn > 1"


def _p01_person(ctx: RuleContext) -> str:
    pd = (
        f"(SELECT p.*, d.diagnosis_date AS dx, d.primary_site AS psite, d.size_mm AS size "
        f"FROM {ctx.t('patients')} p JOIN {ctx.t('diagnoses')} d ON d.patient_id = p.patient_id "
        "WHERE p.birth_date IS NOT NULL AND coalesce(p.birth_date_precision, 'D') = 'D' AND p.sex IN ('M', 'F') "
        "AND d.diagnosis_date IS NOT NULL AND d.primary_site IS NOT NULL AND d.primary_site <> 'unknown')"
    )
    days = "abs(date_diff('day', a.dx, b.dx))"
    m = msg("may be the same person as patient %s of site %s (same birth date, sex and primary site; diagnoses "
            "%s days apart): link or merge the records if so", "a.patient_id", "a.site_id", days)
    return (
        f"SELECT DISTINCT {issue_columns('patients', 'b', 'b.patient_id', m)} FROM {pd} a JOIN {pd} b "
        "ON a.birth_date = b.birth_date AND a.sex = b.sex AND a.psite = b.psite "
        f"WHERE a.patient_id < b.patient_id AND a.site_id IS DISTINCT FROM b.site_id AND {days} <= 30 "
        "AND (a.size IS NULL OR b.size IS NULL OR abs(a.size - b.size) <= 10)"
    )


#: Tables whose rows describe events, with the columns that make two rows the same event (rule P02).
EVENT_KEYS: dict[str, tuple[str, ...]] = {
    "diagnoses": ("patient_id", "diagnosis_date", "primary_site"),
    "mutations": ("patient_id", "test_date", "gene", "variant"),
    "tumour_assessments": ("patient_id", "exam_date", "modality"),
    "progressions": ("patient_id", "progression_date"),
    "performance_status": ("patient_id", "assessment_date", "scale"),
    "adverse_events": ("patient_id", "term", "onset_date"),
    "metastases": ("patient_id", "site", "detected_date"),
    "surgeries": ("patient_id", "surgery_date", "procedure"),
}


def _p02(table: str) -> QueryBuilder:
    """Repeated events of one table, grouped on the key columns themselves (no text key to build per row)."""
    keys = EVENT_KEYS[table]
    date_col = next(c for c in keys if TABLES[table].column(c).type == "date")

    def build(ctx: RuleContext) -> str:
        k = ", ".join(f"x.{quote(c)}" for c in keys)
        not_null = " AND ".join(f"x.{quote(c)} IS NOT NULL" for c in keys if c != "variant")
        dups = (f"(SELECT {k} FROM {ctx.t(table)} x WHERE {not_null} GROUP BY {k} HAVING count(*) > 1)")
        on = " AND ".join(f"d.{quote(c)} IS NOT DISTINCT FROM x.{quote(c)}" for c in keys)
        w = f"OVER (PARTITION BY {k} ORDER BY x.source_file, x.source_row)"
        ranked = (f"(SELECT x.*, row_number() {w} AS rn, first_value(x.source_file) {w} AS first_file, "
                  f"first_value(x.source_row) {w} AS first_row FROM {ctx.t(table)} x SEMI JOIN {dups} d ON {on})")
        what = ", ".join(c for c in keys if c != "patient_id")
        m = msg(f"%s repeats the record in %s row %s (same {what}); remove the duplicate or correct one of them",
                fmt_date(f"x.{date_col}"), "x.first_file", "x.first_row")
        return f"SELECT {issue_columns(table, 'x', fmt_date(f'x.{date_col}'), m)} FROM {ranked} x WHERE x.rn > 1"
    return build


def _k01_patients(ctx: RuleContext) -> str | None:
    if "patients" not in ctx.present:
        return None  # a missing required table is reported by the reader, not once per row
    parts = [(t.name, "patient_id", "x.patient_id AS pid") for t in TABLES.values()
             if t.patient_column and t.name != "patients"]
    m = msg("%s is not in patients (every patient_id must refer to a row of the patients table)", "u.pid")
    return (f"SELECT {issue_columns_multi('u.pid', m)} FROM {union_rows(ctx, parts)} u "
            f"ANTI JOIN {ctx.t('patients')} p ON p.patient_id = u.pid WHERE u.pid IS NOT NULL")


def _k01(table: str, column: str, parent: str, parent_key: str) -> QueryBuilder:
    def build(ctx: RuleContext) -> str | None:
        if parent not in ctx.present:
            return None  # a missing required table is reported by the reader, not once per row
        c = f"x.{quote(column)}"
        m = msg(f"%s is not in {parent} (every {column} must refer to a row of the {parent} table)", c)
        return (f"SELECT {issue_columns(table, 'x', c, m)} FROM {ctx.t(table)} x "
                f"ANTI JOIN {ctx.t(parent)} p ON p.{quote(parent_key)} = {c} WHERE {c} IS NOT NULL")
    return build


RULES: tuple[Rule, ...] = (
    rule_of(
        "P01", "Unique records and persons",
        "Error when a primary key occurs more than once in a table (patient_id in patients and vital_status, "
        "diagnosis_id in diagnoses, …); every repeat is reported with the row of the first. Warning when two "
        "patients of different sites may be the same person (same full birth date, sex and primary site, "
        "diagnoses at most 30 days apart, sizes within 10 mm when both known): referrals between centres are "
        "common; link or merge after review.",
        (
            Check("P01", "error", None, None, _p01_keys),
            Check("P01", "warning", "patients", "patient_id", _p01_person),
        ),
    ),
    rule_of(
        "P02", "No duplicate events",
        "Warning when two rows describe the same event: the same patient and "
        + "; ".join(f"{t}: {', '.join(k for k in ks if k != 'patient_id')}" for t, ks in EVENT_KEYS.items())
        + ". The repeat is reported with the row of the first.",
        tuple(Check("P02", "warning", t, next(c for c in ks if TABLES[t].column(c).type == "date"), _p02(t))
              for t, ks in EVENT_KEYS.items()),
    ),
    rule_of(
        "K01", "References resolve",
        "Error when a record's patient_id is not in the patients table, or a patient's site_id is not in the "
        "sites table (checked when that table is in the export).",
        (
            Check("K01", "error", None, None, _k01_patients),
            Check("K01", "error", "patients", "site_id", _k01("patients", "site_id", "sites", "site_id")),
        ),
    ),
)

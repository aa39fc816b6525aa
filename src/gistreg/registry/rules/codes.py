"""Typing rules (T01–T04) and codes (C01).

On an import these are reported while typing (:mod:`gistreg.registry.typing`), where the raw text is still at
hand. The checks here re-apply C01 and T04 to tables that are already typed (a store being re-validated).
"""

from __future__ import annotations

from gistreg.core.vocab import VOCABULARIES
from gistreg.registry.rules._sql import allowed_codes_text, lit, msg, quote
from gistreg.registry.rules.base import Check, QueryBuilder, Rule, RuleContext, issue_columns, rule_of
from gistreg.registry.schema import TABLES

__all__ = ["RULES"]


def _code_check(table: str, column: str, vocab: str) -> QueryBuilder:
    def build(ctx: RuleContext) -> str:
        col = f"x.{quote(column)}"
        codes = ", ".join(lit(c) for c in VOCABULARIES[vocab].codes)
        m = msg(f"%s is not a known {vocab} code (allowed: {allowed_codes_text(vocab)})", col)
        return (f"SELECT {issue_columns(table, 'x', col, m)} FROM {ctx.t(table)} x "
                f"WHERE {col} IS NOT NULL AND {col} NOT IN ({codes})")
    return build


def _required_check(table: str, column: str) -> QueryBuilder:
    def build(ctx: RuleContext) -> str:
        col = f"x.{quote(column)}"
        return (f"SELECT {issue_columns(table, 'x', 'NULL', lit('missing value (the column is required)'))} "
                f"FROM {ctx.t(table)} x WHERE {col} IS NULL")
    return build


RULES: tuple[Rule, ...] = (
    rule_of(
        "T01", "Valid date",
        "Error when a date is not an ISO date: YYYY-MM-DD, or, for columns with a precision column, YYYY-MM "
        "(stored as the 15th, precision M) or YYYY (stored as 1 July, precision Y). Impossible days such as "
        "2019-02-30 are errors. The value is not imported.",
        levels=("error",),
    ),
    rule_of(
        "T02", "Valid number",
        "Error when a numeric column holds something other than a finite decimal number written with a point "
        "(integer columns: a whole number). The value is not imported.",
        levels=("error",),
    ),
    rule_of(
        "T03", "Valid yes/no value",
        "Error when a yes/no column holds something other than true/false, yes/no or 1/0 (any case).",
        levels=("error",),
    ),
    rule_of(
        "T04", "Required value present",
        "Error when a required column is empty, or missing from the file.",
        tuple(
            Check("T04", "error", t.name, c.name, _required_check(t.name, c.name), typed_only=True)
            for t in TABLES.values() for c in t.columns if c.required
        ),
    ),
    rule_of(
        "C01", "Code in the vocabulary",
        "Error when a coded value is not in its vocabulary after synonym mapping (codes, labels and synonyms "
        "such as brand names and ATC codes are matched in any case and mapped to the canonical code). The "
        "message lists the allowed codes.",
        tuple(
            Check("C01", "error", t.name, c.name, _code_check(t.name, c.name, c.vocab or ""), typed_only=True)
            for t in TABLES.values() for c in t.columns if c.type == "code"
        ),
    ),
)

"""Typing rules (T01–T04) and codes (C01).

On an import these are reported while typing (:mod:`gistreg.registry.typing`), where the raw text is still at
hand. The checks here re-apply C01 and T04 to tables that are already typed (a store being re-validated).
"""

from __future__ import annotations

from gistreg.core.vocab import VOCABULARIES
from gistreg.registry.rules._sql import allowed_codes_text, lit, msg, quote
from gistreg.registry.rules.base import Check, Rule, RuleContext, issue_columns_multi, rule_of, union_rows
from gistreg.registry.schema import TABLES

__all__ = ["RULES"]


def _codes(ctx: RuleContext) -> str:
    """Coded values outside their vocabulary, over every code column of every table in one query."""
    parts = [(t.name, c.name, f"x.{quote(c.name)} AS v, {lit(c.vocab or '')} AS vocab")
             for t in TABLES.values() for c in t.columns if c.type == "code"]
    codes = ", ".join(f"({lit(v)}, {lit(c)})" for v, voc in VOCABULARIES.items() for c in voc.codes)
    allowed = ", ".join(f"({lit(v)}, {lit(allowed_codes_text(v))})" for v in VOCABULARIES)
    m = msg("%s is not a known %s code (allowed: %s)", "u.v", "u.vocab", "a.allowed")
    return (f"SELECT {issue_columns_multi('u.v', m)} FROM {union_rows(ctx, parts)} u "
            f"ANTI JOIN (VALUES {codes}) k(vocab, code) ON k.vocab = u.vocab AND k.code = u.v "
            f"JOIN (VALUES {allowed}) a(vocab, allowed) ON a.vocab = u.vocab WHERE u.v IS NOT NULL")


def _required(ctx: RuleContext) -> str:
    """Missing required values, over every required column of every table in one query."""
    parts = [(t.name, c.name, f"x.{quote(c.name)} IS NULL AS missing")
             for t in TABLES.values() for c in t.columns if c.required]
    m = lit("missing value (the column is required)")
    return f"SELECT {issue_columns_multi('NULL', m)} FROM {union_rows(ctx, parts)} u WHERE u.missing"


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
        (Check("T04", "error", None, None, _required, typed_only=True),),
    ),
    rule_of(
        "C01", "Code in the vocabulary",
        "Error when a coded value is not in its vocabulary after synonym mapping (codes, labels and synonyms "
        "such as brand names and ATC codes are matched in any case and mapped to the canonical code). The "
        "message lists the allowed codes.",
        (Check("C01", "error", None, None, _codes, typed_only=True),),
    ),
)

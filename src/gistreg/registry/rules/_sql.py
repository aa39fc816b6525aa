"""Small SQL-text helpers shared by typing and the rules (DuckDB dialect).

Everything here returns SQL *text*; no helper executes anything. Identifiers are quoted with
:func:`gistreg.registry.ddl.quote`, string literals with :func:`lit`.
"""

from __future__ import annotations

import datetime as dt

from gistreg.core.vocab import VOCABULARIES
from gistreg.registry.ddl import SQL_TYPES, quote
from gistreg.registry.schema import Table

#: How many allowed codes a C01 message lists before ``…``.
ALLOWED_PREVIEW = 10

__all__ = [
    "ALLOWED_PREVIEW",
    "allowed_codes_text",
    "case",
    "date_lit",
    "empty_relation_sql",
    "fmt_date",
    "fmt_num",
    "hi",
    "lit",
    "lo",
    "msg",
    "quote",
    "select_issue",
    "txt",
]


def lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def date_lit(value: dt.date) -> str:
    """A SQL ``DATE`` literal."""
    return f"DATE '{value.isoformat()}'"


def lo(date: str, precision: str | None) -> str:
    """Earliest day a possibly partial date can stand for (first of the month or year)."""
    if precision is None:
        return date
    return (f"(CASE {precision} WHEN 'M' THEN CAST(date_trunc('month', {date}) AS DATE) "
            f"WHEN 'Y' THEN CAST(date_trunc('year', {date}) AS DATE) ELSE {date} END)")


def hi(date: str, precision: str | None) -> str:
    """Latest day a possibly partial date can stand for (last of the month or year)."""
    if precision is None:
        return date
    return (f"(CASE {precision} WHEN 'M' THEN last_day({date}) "
            f"WHEN 'Y' THEN make_date(year({date}), 12, 31) ELSE {date} END)")


def fmt_date(date: str, precision: str | None = None) -> str:
    """A date as text the way it was given: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``."""
    if precision is None:
        return f"strftime({date}, '%Y-%m-%d')"
    return (f"(CASE {precision} WHEN 'M' THEN strftime({date}, '%Y-%m') WHEN 'Y' THEN strftime({date}, '%Y') "
            f"ELSE strftime({date}, '%Y-%m-%d') END)")


def fmt_num(expr: str) -> str:
    """A number as text without a spurious ``.0`` (``400`` rather than ``400.0``)."""
    return (f"(CASE WHEN {expr} = trunc({expr}) AND abs({expr}) < 1e15 "
            f"THEN CAST(CAST({expr} AS BIGINT) AS VARCHAR) ELSE CAST({expr} AS VARCHAR) END)")


def txt(expr: str) -> str:
    """Any value as text (``NULL`` stays ``NULL``)."""
    return f"CAST({expr} AS VARCHAR)"


def msg(template: str, *args: str) -> str:
    """A ``printf`` message: ``template``'s ``%s`` filled by SQL expressions (``NULL`` → ``?``); ``%%`` is ``%``."""
    if not args:
        return lit(template.replace("%%", "%"))
    filled = ", ".join(f"coalesce(CAST({a} AS VARCHAR), '?')" for a in args)
    return f"printf({lit(template)}, {filled})"


def select_issue(alias: str, pk: str, value: str, message: str) -> str:
    """The select list of a check: ``file, row, value, record_id, message`` for rows of ``alias``."""
    return (f"{alias}.source_file AS file, {alias}.source_row AS row, CAST({value} AS VARCHAR) AS value, "
            f"CAST({alias}.{quote(pk)} AS VARCHAR) AS record_id, {message} AS message")


def case(*branches: tuple[str, str], default: str = "NULL") -> str:
    """``CASE WHEN c1 THEN v1 … ELSE default END``."""
    whens = " ".join(f"WHEN {c} THEN {v}" for c, v in branches)
    return f"(CASE {whens} ELSE {default} END)"


def allowed_codes_text(vocab: str) -> str:
    """The allowed codes of ``vocab`` for a message: all of them, or the first ten and ``…``."""
    codes = list(VOCABULARIES[vocab].codes)
    shown = ", ".join(codes[:ALLOWED_PREVIEW])
    return shown + (", …" if len(codes) > ALLOWED_PREVIEW else "")


def empty_relation_sql(table: Table) -> str:
    """A relation with ``table``'s typed columns and no rows (stands in for a table that is absent)."""
    cols = [f"CAST(NULL AS {SQL_TYPES[c.type]}) AS {quote(c.name)}" for c in table.columns]
    cols += ["CAST(NULL AS VARCHAR) AS source_file", "CAST(NULL AS BIGINT) AS source_row"]
    return f"(SELECT {', '.join(cols)} WHERE false)"

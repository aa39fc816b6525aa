"""Typing: staged text tables → typed tables, inside DuckDB, with an issue for every value that does not type.

For every canonical table ``<t>`` a reader staged as ``stage_<t>`` (all ``VARCHAR``), :func:`type_tables` creates
``typed_<t>`` with the schema's SQL types (``DATE``, ``DOUBLE``, ``BIGINT``, ``BOOLEAN``, ``VARCHAR``) and the
provenance columns ``source_file`` and ``source_row``. Canonical tables that were not staged get an empty typed
table, so later steps can treat every table as present.

Conversions (one SQL statement per table; no Python loop over rows):

- ``text``: surrounding spaces removed; an empty or blank cell is ``NULL`` (as for every type).
- ``int``: a decimal number with an integer value (``3``, ``3.0``); anything else is rule **T02**.
- ``float``: a finite decimal number with ``.`` as decimal separator (``1e3`` accepted; ``1,5``, ``nan``,
  ``inf`` and digit group separators are not); anything else is **T02**.
- ``bool``: ``true``/``false``, ``yes``/``no``, ``1``/``0`` (any case); anything else is **T03**.
- ``date``: ISO ``YYYY-MM-DD`` (a trailing midnight time ``00:00[:00]`` is accepted). Where the table has a
  ``<column>_precision`` column, ``YYYY-MM`` is stored as the 15th of the month with precision ``M`` and
  ``YYYY`` as 1 July with precision ``Y`` (never silently: the precision column records it). Anything else,
  including impossible days such as ``2019-02-30``, is **T01**. A precision given in the file is kept for full
  dates (a re-export of imputed dates) and must agree with the format of a partial date (else **D09**).
- ``code``: mapped to the canonical code of its vocabulary (code, label or synonym, any case; see
  :mod:`gistreg.core.vocab`); an unknown value is **C01**.
- ``adverse_events.term`` (text) is mapped to the CTCAE term of the row's CTCAE version where a term or synonym
  matches; unmatched terms are kept as given and reported by rule V04.

A value that fails to type is ``NULL`` in the typed table *and* an error issue, so nothing is half-imported.
A required value that is missing is **T04**.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from gistreg.core.issues import Issue
from gistreg.core.vocab import CTCAE_SYNONYMS, CTCAE_TERMS, VOCABULARIES, ctcae_term
from gistreg.registry.rules._sql import allowed_codes_text, empty_relation_sql, lit, quote
from gistreg.registry.schema import TABLES, Column, Table

__all__ = ["TypingResult", "type_table", "type_tables"]

_NUMBER_RE = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
_DAY10_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DAY_RE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T]00:00(:00(\.0+)?)?"
_MONTH_RE = r"[0-9]{4}-[0-9]{2}"
_YEAR_RE = r"[0-9]{4}"
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")

_VOCAB_TABLE = "_gistreg_vocab_map"
_FAILURES = "_gistreg_failures"
_CTCAE_TABLE = "_gistreg_ctcae_map"


@dataclass(frozen=True, slots=True)
class TypingResult:
    """Typed tables created and the issues found while typing."""

    tables: tuple[str, ...]
    issues: tuple[Issue, ...]


def _create_maps(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temporary lookup tables: vocabulary key → code, and (CTCAE version, key) → term."""
    vocab_rows: list[tuple[str, str, str]] = []
    for name, vocab in VOCABULARIES.items():
        keys = {k.lower() for k in (*vocab.codes, *vocab.codes.values(), *vocab.synonyms)}
        for key in sorted(keys):
            code = vocab.normalise(key)
            if code is not None:
                vocab_rows.append((name, key, code))
    ctcae_rows: list[tuple[str, str, str]] = []
    for version, terms in CTCAE_TERMS.items():
        keys = {t.lower() for t in terms}
        keys |= {k for synonyms in CTCAE_SYNONYMS.values() for k in synonyms}
        for key in sorted(keys):
            term = ctcae_term(version, key)
            if term is not None:
                ctcae_rows.append((version, key, term))
    for name, cols, rows in ((_VOCAB_TABLE, ("vocab", "key", "code"), vocab_rows),
                             (_CTCAE_TABLE, ("version", "key", "term"), ctcae_rows)):
        values = ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM (VALUES {values}) v({', '.join(cols)})")


def _drop_maps(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS {_VOCAB_TABLE}")
    con.execute(f"DROP TABLE IF EXISTS {_CTCAE_TABLE}")


def _date_formats(col: Column, has_precision: bool) -> tuple[str, str]:
    """(typed expression, imputed-precision expression) for a date column, over trimmed raw ``r``.

    The length picks the one pattern to match (one regular expression per value): 10 characters a full date,
    7 a month, 4 a year; other lengths a full date with a midnight time.
    """
    r = f"r_{col.name}"
    full = (f"WHEN 10 THEN CASE WHEN regexp_full_match({r}, '{_DAY10_RE}') THEN TRY_CAST({r} AS DATE) END "
            f"ELSE CASE WHEN regexp_full_match({r}, '{_DAY_RE}') THEN TRY_CAST(left({r}, 10) AS DATE) END END")
    if not has_precision:
        return f"CASE length({r}) {full}", "NULL"
    typed = (
        f"CASE length({r}) "
        f"WHEN 7 THEN CASE WHEN regexp_full_match({r}, '{_MONTH_RE}') THEN TRY_CAST({r} || '-15' AS DATE) END "
        f"WHEN 4 THEN CASE WHEN regexp_full_match({r}, '{_YEAR_RE}') THEN TRY_CAST({r} || '-07-01' AS DATE) END "
        f"{full}"
    )
    fmt = f"CASE length({r}) WHEN 7 THEN 'M' WHEN 4 THEN 'Y' ELSE 'D' END"  # read only where the date typed
    return typed, fmt


def _inner_expr(col: Column, table: Table) -> str:
    """Typed value of ``col`` from its trimmed raw text ``r_<col>`` (code columns: the looked-up ``c_<col>``)."""
    r = f"r_{col.name}"
    if col.type == "text":
        return r
    if col.type == "float":
        return (f"CASE WHEN regexp_full_match({r}, '{_NUMBER_RE}') AND isfinite(TRY_CAST({r} AS DOUBLE)) "
                f"THEN TRY_CAST({r} AS DOUBLE) END")
    if col.type == "int":
        x = f"TRY_CAST({r} AS DOUBLE)"
        return (f"CASE WHEN regexp_full_match({r}, '{_NUMBER_RE}') AND isfinite({x}) AND {x} = trunc({x}) "
                f"AND abs({x}) < 1e15 THEN CAST({x} AS BIGINT) END")
    if col.type == "bool":
        low = f"lower({r})"
        return (f"CASE WHEN {low} IN ({', '.join(map(lit, _TRUE))}) THEN true "
                f"WHEN {low} IN ({', '.join(map(lit, _FALSE))}) THEN false END")
    if col.type == "date":
        return _date_formats(col, col.name in table.date_precision_columns)[0]
    return f"c_{col.name}"


def _expected(col: Column, table: Table) -> tuple[str, str]:
    """(rule, the problem and what is allowed) for a value of ``col`` that does not type."""
    if col.type == "date":
        if col.name in table.date_precision_columns:
            return "T01", "is not a valid date (expected YYYY-MM-DD, YYYY-MM or YYYY)"
        return "T01", "is not a valid date (expected YYYY-MM-DD)"
    if col.type == "int":
        return "T02", "is not a whole number (expected an integer, e.g. 3)"
    if col.type == "float":
        return "T02", "is not a number (expected a decimal number with a point, e.g. 12.5)"
    if col.type == "bool":
        return "T03", "is not a yes/no value (expected true/false, yes/no or 1/0)"
    vocab = col.vocab or ""
    return "C01", f"is not a known {vocab} code (allowed: {allowed_codes_text(vocab)}; synonyms are mapped)"


def _typing_sql(table: Table, source: str, staged_cols: set[str]) -> str:
    """SELECT typing ``source``: the typed columns, provenance, and per column ``_e_<col>`` (the failure).

    ``_e_<col>`` is ``NULL`` when the value is fine or optional and missing, ``''`` when a required value is
    missing, and the raw text when it does not type. ``_p_<date>`` holds a given precision that disagrees with
    the format of a partial date.
    """
    precision_of = {p: d for d, p in table.date_precision_columns.items()}
    raw: list[str] = []
    joins: list[str] = []
    ctes: list[str] = []
    for col in table.columns:
        c = f"s.{quote(col.name)}"
        if col.name not in staged_cols:
            raw.append(f"CAST(NULL AS VARCHAR) AS r_{col.name}")
            if col.type == "code":
                raw.append(f"CAST(NULL AS VARCHAR) AS c_{col.name}")
        elif col.type == "code":
            # Codes are looked up once per distinct raw value, then joined on the raw text (no string
            # function per row): the map gives the code and the trimmed text (NULL when blank).
            m = f"m_{col.name}"
            ctes.append(f"{m} AS (SELECT d.raw, NULLIF(trim(d.raw), '') AS trimmed, v.code FROM "
                        f"(SELECT DISTINCT {quote(col.name)} AS raw FROM {source}) d LEFT JOIN {_VOCAB_TABLE} v "
                        f"ON v.vocab = {lit(col.vocab or '')} AND v.key = lower(trim(d.raw)))")
            joins.append(f"LEFT JOIN {m} ON {m}.raw = {c}")
            raw += [f"{m}.trimmed AS r_{col.name}", f"{m}.code AS c_{col.name}"]
        else:
            # trim only values that have surrounding spaces (trimming every value would copy every string)
            raw.append(f"CASE WHEN starts_with({c}, ' ') OR ends_with({c}, ' ') THEN NULLIF(trim({c}), '') "
                       f"WHEN {c} = '' THEN NULL ELSE {c} END AS r_{col.name}")
    raw += ["s.source_file AS source_file", "CAST(s.source_row AS BIGINT) AS source_row"]
    with_ = f"WITH {', '.join(ctes)} " if ctes else ""
    level1 = f"{with_}SELECT {', '.join(raw)} FROM {source} s {' '.join(joins)}"
    typed = [f"{_inner_expr(c, table)} AS t_{c.name}" for c in table.columns]
    typed += [f"{_date_formats(table.column(d), True)[1]} AS f_{d}" for d in table.date_precision_columns]
    level2 = f"SELECT *, {', '.join(typed)} FROM ({level1}) l1"
    out: list[str] = []
    extra_join = ""
    for col in table.columns:
        t = f"t_{col.name}"
        if col.name in precision_of:
            d = precision_of[col.name]
            value = f"CASE WHEN t_{d} IS NULL THEN NULL WHEN f_{d} <> 'D' THEN f_{d} ELSE coalesce({t}, 'D') END"
        elif table.name == "adverse_events" and col.name == "term":
            extra_join = (f" LEFT JOIN {_CTCAE_TABLE} ct ON ct.version = l2.t_ctcae_version "
                          f"AND ct.key = lower(l2.t_term)")
            value = f"coalesce(ct.term, {t})"
        else:
            value = t
        out.append(f"{value} AS {quote(col.name)}")
        missing = "''" if col.required and col.name in staged_cols else "NULL"
        fail = "false" if col.type == "text" else f"{t} IS NULL"
        out.append(f"CASE WHEN r_{col.name} IS NULL THEN {missing} WHEN {fail} THEN r_{col.name} END "
                   f"AS {quote('_e_' + col.name)}")
    for d, p in table.date_precision_columns.items():
        out.append(f"CASE WHEN t_{d} IS NOT NULL AND f_{d} <> 'D' AND t_{p} IS NOT NULL AND t_{p} <> f_{d} "
                   f"THEN r_{p} END AS {quote('_p_' + d)}")
    level3 = f"SELECT {', '.join(out)}, source_file, source_row FROM ({level2}) l2{extra_join}"
    markers = ", ".join(quote(m) for m in _failure_columns(table))
    keep = ", ".join(quote(c.name) for c in table.columns)
    return (f"SELECT {keep}, source_file, source_row, CASE WHEN coalesce({markers}) IS NOT NULL "
            f"THEN [{markers}] END AS {_FAILURES} FROM ({level3}) l3")


def _failure_columns(table: Table) -> list[str]:
    """Names of the failure markers, in the order of the ``_gistreg_failures`` list."""
    return [*(f"_e_{c.name}" for c in table.columns), *(f"_p_{d}" for d in table.date_precision_columns)]


def type_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    *,
    source: str | None,
    target: str,
    staged_columns: Iterable[str] = (),
) -> tuple[Issue, ...]:
    """Create typed table ``target`` from staging table ``source`` (an empty table when ``None``).

    The lookup tables made by :func:`type_tables` must exist. Returns the typing issues (T01–T04, C01, D09).
    """
    tq = quote(target)
    if source is None:
        con.execute(f"CREATE OR REPLACE TABLE {tq} AS SELECT * FROM {empty_relation_sql(table)}")
        return ()
    staged = set(staged_columns)
    # One pass: the typed table is created with the failure columns, which are read and then dropped (dropping
    # a column does not copy the table; copying the strings of a large table would double the cost).
    con.execute(f"CREATE OR REPLACE TABLE {tq} AS {_typing_sql(table, quote(source), staged)}")
    issues = (*_absent_required(con, table, tq, staged), *_collect_issues(con, table, tq))
    con.execute(f"ALTER TABLE {tq} DROP COLUMN {_FAILURES}")
    return issues


def _absent_required(con: duckdb.DuckDBPyConnection, table: Table, tmp: str, staged: set[str]) -> tuple[Issue, ...]:
    """One T04 issue per required column absent from a staged table that has rows (not one per row)."""
    absent = [c for c in table.columns if c.required and c.name not in staged]
    if not absent:
        return ()
    files = [str(r[0]) for r in con.execute(f"SELECT DISTINCT source_file FROM {tmp} ORDER BY 1").fetchall()]
    return tuple(
        Issue("T04", "error", f, None, c.name, None, "column is missing (the column is required)", table.name)
        for f in files for c in absent
    )


def _collect_issues(con: duckdb.DuckDBPyConnection, table: Table, typed: str) -> tuple[Issue, ...]:
    """Issues from the failure list of the rows that have one (usually few)."""
    pk = f"CAST({quote(table.primary_key[0])} AS VARCHAR)"
    rows = con.execute(f"SELECT source_file, source_row, {pk}, {_FAILURES} FROM {typed} "
                       f"WHERE {_FAILURES} IS NOT NULL ORDER BY source_file, source_row").fetchall()
    markers = _failure_columns(table)
    out: list[Issue] = []
    for file, row, rid, failures in rows:
        where = file or ""
        for marker, value in zip(markers, failures, strict=True):
            if value is None:
                continue
            if marker.startswith("_p_"):
                d = marker[3:]
                out.append(Issue("D09", "warning", where, row, table.date_precision_columns[d], value,
                                 f"{value} disagrees with the partial date given in {d} "
                                 "(the precision follows the date's format: YYYY-MM is M, YYYY is Y)",
                                 table.name, rid))
                continue
            col = table.column(marker[3:])
            if value == "":
                out.append(Issue("T04", "error", where, row, col.name, None,
                                 "missing value (the column is required)", table.name, rid))
            else:
                rule, problem = _expected(col, table)
                out.append(Issue(rule, "error", where, row, col.name, value, f"{value} {problem}", table.name, rid))
    return tuple(out)


def type_tables(
    con: duckdb.DuckDBPyConnection,
    staged: Iterable[str],
    *,
    source_prefix: str = "stage_",
    target_prefix: str = "typed_",
) -> TypingResult:
    """Type every canonical table: ``<source_prefix><t>`` → ``<target_prefix><t>``.

    Parameters
    ----------
    con
        Connection holding the staging tables.
    staged
        Canonical table names that were staged (others get an empty typed table).
    source_prefix, target_prefix
        Name prefixes of the staging and typed tables.

    Returns
    -------
    TypingResult
        The typed table names (every canonical table) and the typing issues.
    """
    names = set(staged)
    _create_maps(con)
    issues: list[Issue] = []
    try:
        for name, table in TABLES.items():
            source = f"{source_prefix}{name}" if name in names else None
            cols = _columns_of(con, source) if source else ()
            issues.extend(type_table(con, table, source=source, target=f"{target_prefix}{name}",
                                     staged_columns=cols))
    finally:
        _drop_maps(con)
    return TypingResult(tuple(f"{target_prefix}{n}" for n in TABLES), tuple(issues))


def _columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[str, ...]:
    rows = con.execute(f"SELECT * FROM {quote(relation)} LIMIT 0").description or []
    return tuple(str(r[0]) for r in rows)

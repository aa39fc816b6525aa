"""Running the checks of a set of rules over typed tables and turning their rows into issues."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace

import duckdb

from gistreg.core.issues import Issue
from gistreg.registry.rules._sql import empty_relation_sql, quote
from gistreg.registry.rules.base import Rule, RuleConfig, RuleContext
from gistreg.registry.rules.derived import DERIVED
from gistreg.registry.schema import TABLES

__all__ = ["make_context", "relation_name", "run_rules"]


def relation_name(prefix: str, table: str) -> str:
    """Quoted relation for ``table`` under ``prefix`` (``typed_`` → ``"typed_patients"``; ``store.`` →
    ``"store"."patients"``)."""
    *qualifiers, head = prefix.split(".")
    return ".".join([*(quote(q) for q in qualifiers), quote(head + table)])


def _exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    try:
        con.execute(f"SELECT * FROM {relation} LIMIT 0")
    except duckdb.CatalogException:
        return False
    return True


def make_context(
    con: duckdb.DuckDBPyConnection,
    *,
    table_prefix: str,
    today: dt.date,
    cutoff: dt.date | None,
    config: RuleConfig,
    present: Iterable[str] | None = None,
) -> RuleContext:
    """A context over the tables ``<table_prefix><t>``; absent tables become empty relations.

    ``present`` overrides which tables count as present (an import's typed tables all exist, but only the
    staged ones were in the export).
    """
    relations: dict[str, str] = {}
    found: set[str] = set()
    for name, table in TABLES.items():
        rel = relation_name(table_prefix, name)
        if _exists(con, rel):
            relations[name] = rel
            found.add(name)
        else:
            relations[name] = empty_relation_sql(table)
    shown = found if present is None else found & set(present)
    return RuleContext(relations, frozenset(shown), today, cutoff, config)


def run_rules(
    con: duckdb.DuckDBPyConnection, ctx: RuleContext, rules: Iterable[Rule], *, typed_only: bool
) -> list[Issue]:
    """Run every applicable check of ``rules``; ``typed_only`` also runs the checks marked ``typed_only``.

    The shared relations of :mod:`~gistreg.registry.rules.derived` are created as temporary tables first and
    dropped at the end.
    """
    derived = {name: quote(f"_gistreg_{name}") for name in DERIVED}
    try:
        for name, build in DERIVED.items():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {derived[name]} AS {build(ctx)}")
        return _run(con, replace(ctx, relations={**ctx.relations, **derived}), rules, typed_only=typed_only)
    finally:
        for rel in derived.values():
            con.execute(f"DROP TABLE IF EXISTS {rel}")


def _run(con: duckdb.DuckDBPyConnection, ctx: RuleContext, rules: Iterable[Rule], *, typed_only: bool) -> list[Issue]:
    issues: list[Issue] = []
    for rule in rules:
        for check in rule.checks:
            if check.typed_only and not typed_only:
                continue
            sql = check.query(ctx)
            if sql is None:
                continue
            rows = con.execute(sql).fetchall()
            if check.table is None:
                issues.extend(Issue(check.rule, check.severity, file or "", row, col, value, message, tbl, rid)
                              for file, row, value, rid, message, tbl, col in rows)
            else:
                issues.extend(Issue(check.rule, check.severity, file or "", row, check.column, value, message,
                                    check.table, rid) for file, row, value, rid, message in rows)
    return issues

"""Validation of registry data: an import's staged tables, or the typed tables of a store.

:func:`validate_staged` is what an import calls: it types the reader's ``stage_<table>`` tables into
``typed_<table>`` tables (:mod:`gistreg.registry.typing`) and runs every rule over them. :func:`validate_typed`
re-runs the rules over tables that are already typed, such as a store's (tables named as the canonical tables,
``table_prefix=""``). Both return a :class:`~gistreg.core.issues.ValidationReport` holding every issue, each
located by file, row and column; nothing is raised for bad data (see :mod:`gistreg.registry.rules` for the
rules and :class:`~gistreg.registry.rules.RuleConfig` for their settings).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from gistreg.core.issues import ValidationReport
from gistreg.ingest.base import StagedExport, staging_name
from gistreg.registry.rules import RULES, RuleConfig
from gistreg.registry.rules.runner import make_context, run_rules
from gistreg.registry.schema import TABLES
from gistreg.registry.typing import type_tables

__all__ = ["validate_staged", "validate_typed"]


def validate_staged(
    con: duckdb.DuckDBPyConnection,
    staged: StagedExport,
    *,
    cutoff: dt.date | None = None,
    today: dt.date | None = None,
    config: RuleConfig | None = None,
) -> ValidationReport:
    """Type the staged tables of an import and validate them.

    Parameters
    ----------
    con
        Connection holding ``stage_<table>`` for every table in ``staged.tables``.
    staged
        What the reader staged; its issues are merged into the report.
    cutoff
        Data cutoff of the analysis cut (rule D04; follow-up completeness in M01), if any.
    today
        Reference for future dates (rule D08); the current date by default.
    config
        Rule settings; the documented defaults when ``None``.

    Returns
    -------
    ValidationReport
        Reading, typing and rule issues. ``typed_<table>`` exists afterwards for every canonical table (empty
        when the export did not have it), with values that failed typing set to ``NULL``.
    """
    present = [t for t in staged.tables if t in TABLES]
    typing = type_tables(con, present, source_prefix=staging_name(""), target_prefix="typed_")
    ctx = make_context(con, table_prefix="typed_", today=today or dt.date.today(), cutoff=cutoff,
                       config=config or RuleConfig(), present=present)
    issues = run_rules(con, ctx, RULES, typed_only=False)
    return ValidationReport.of((*staged.issues, *typing.issues, *issues))


def validate_typed(
    con: duckdb.DuckDBPyConnection,
    *,
    cutoff: dt.date | None = None,
    today: dt.date | None = None,
    table_prefix: str = "typed_",
    config: RuleConfig | None = None,
) -> ValidationReport:
    """Validate tables that are already typed (``<table_prefix><table>``; absent tables count as empty).

    Re-checks codes (C01) and required values (T04) as well, since typed tables may have been written by
    other means than an import. Use ``table_prefix=""`` for a store's tables, or ``"schema."`` for tables of an
    attached database or schema.
    """
    ctx = make_context(con, table_prefix=table_prefix, today=today or dt.date.today(), cutoff=cutoff,
                       config=config or RuleConfig())
    return ValidationReport.of(run_rules(con, ctx, RULES, typed_only=True))

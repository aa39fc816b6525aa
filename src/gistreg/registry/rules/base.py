"""The building blocks of validation rules: a rule (what the catalogue documents) and its checks (SQL).

A :class:`Rule` is what a data manager reads about: an id such as ``D03``, the severities it can report, a title
and a description. Its :class:`Check` objects do the work: each one is a SQL query over the typed tables that
returns one row per offending record with the columns

``file, row, value, record_id, message``

(``file`` and ``row`` are the record's ``source_file`` and ``source_row``); the check adds the rule id, the
severity, the table and the column to make an :class:`~gistreg.core.issues.Issue`. A check that covers several
tables in one query (planning one query is much cheaper than planning one per table) returns ``tbl, col`` as
well. Checks see the tables
through a :class:`RuleContext`, which names the relation holding each canonical table (``typed_patients`` when
validating an import, ``patients`` in a store) and carries the run's dates and settings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from gistreg.core.issues import Severity
from gistreg.registry.rules._sql import date_lit, select_issue
from gistreg.registry.schema import TABLES

__all__ = [
    "Check",
    "QueryBuilder",
    "Rule",
    "RuleConfig",
    "RuleContext",
    "issue_columns",
    "issue_columns_multi",
    "rule_of",
    "union_rows",
]


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """Settings of the rules (the defaults are those documented in ``docs/data-format.md``).

    Parameters
    ----------
    neoadjuvant_window_days
        D02: a neoadjuvant exposure may start up to this many days before the recorded diagnosis date (the
        histological diagnosis is often dated on the resection specimen, after neoadjuvant treatment began).
    tki_overlap_days
        L01: two different TKIs may overlap at most this many days without a trial id (switch window).
    interruption_gap_days
        L03: longest gap between consecutive rows of the same agent without a resumption reason.
    event_window_days
        X02 and M01: window (± days) for matching a progression, a PD assessment or an ECOG score to a date.
    baseline_window_days
        X01: a baseline assessment counts for a treatment period if dated at most this many days before its
        start.
    palliative_tolerance_days
        D06: a palliative exposure may start this many days before the first advanced-disease event.
    adult_age
        D01: age at diagnosis below which a patient is flagged as paediatric.
    max_age
        D01: largest plausible age at diagnosis.
    followup_months
        M01: last contact counts as current when within this many months of the cutoff.
    """

    neoadjuvant_window_days: int = 365
    tki_overlap_days: int = 14
    interruption_gap_days: int = 90
    event_window_days: int = 30
    baseline_window_days: int = 60
    palliative_tolerance_days: int = 14
    adult_age: int = 18
    max_age: int = 110
    followup_months: int = 12


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a check's SQL needs: the relation of each table, the run's dates and settings.

    Parameters
    ----------
    relations
        Canonical table name → SQL relation (a quoted table name, or an empty sub-query for an absent table).
    present
        Canonical tables that exist (absent tables count as empty).
    today
        Dates after this day are in the future (D08).
    cutoff
        Data cutoff of the analysis cut, if any (D04, M01).
    config
        Rule settings.
    """

    relations: Mapping[str, str]
    present: frozenset[str]
    today: dt.date
    cutoff: dt.date | None = None
    config: RuleConfig = field(default_factory=RuleConfig)

    def t(self, table: str) -> str:
        """The SQL relation holding canonical ``table``."""
        return self.relations[table]

    @property
    def today_sql(self) -> str:
        """``today`` as a SQL literal."""
        return date_lit(self.today)

    @property
    def reference_date(self) -> dt.date:
        """The cutoff if given, else today (reference for follow-up completeness)."""
        return self.cutoff or self.today


#: A check's query builder: the SQL text, or ``None`` when the check does not apply in this run.
QueryBuilder = Callable[[RuleContext], str | None]


@dataclass(frozen=True, slots=True)
class Check:
    """One SQL query of a rule, reporting issues of one severity at one table and column.

    Parameters
    ----------
    rule
        Rule id.
    severity
        Severity of the issues it reports.
    table
        Canonical table the issues point at; ``None`` when one query covers several tables, and then the SQL
        returns the table and the column of each issue as two more columns (``tbl, col``).
    column
        Column the issues point at (``None`` for whole rows, or with ``table=None``).
    query
        Builds the SQL (columns ``file, row, value, record_id, message``, then ``tbl, col`` when ``table`` is
        ``None``) from a context.
    typed_only
        The check only runs when re-validating stored (already typed) tables, because typing already
        reports the same problem on an import (C01, T04).
    """

    rule: str
    severity: Severity
    table: str | None
    column: str | None
    query: QueryBuilder
    typed_only: bool = False


@dataclass(frozen=True, slots=True)
class Rule:
    """A validation rule as documented in the catalogue.

    Parameters
    ----------
    id
        Rule id (``D03``); the letter is the family: T typing, D dates, L lines of treatment, V values,
        P patients/keys, K references, C codes, X cross-table, M completeness.
    severity
        The most severe level the rule reports.
    title
        One line.
    description
        What exactly is checked, with the thresholds and which levels apply when.
    levels
        Every severity the rule can report.
    checks
        The SQL checks (empty for rules applied while typing).
    """

    id: str
    severity: Severity
    title: str
    description: str
    levels: tuple[Severity, ...] = ()
    checks: tuple[Check, ...] = ()


def rule_of(
    id: str, title: str, description: str, checks: tuple[Check, ...] = (), *, levels: tuple[Severity, ...] = ()
) -> Rule:
    """A :class:`Rule` whose levels are those of its checks (or ``levels`` for typing rules)."""
    order: dict[Severity, int] = {"error": 0, "warning": 1, "info": 2}
    found = tuple(sorted({*levels, *(c.severity for c in checks)}, key=order.__getitem__))
    if not found:
        raise ValueError(f"rule {id} has neither checks nor levels")
    for c in checks:
        if c.rule != id:
            raise ValueError(f"check for {c.rule} listed under rule {id}")
    return Rule(id, found[0], title, description, found, checks)


def issue_columns(table: str, alias: str, value: str, message: str) -> str:
    """Select list ``file, row, value, record_id, message`` for rows of canonical ``table`` aliased ``alias``."""
    return select_issue(alias, TABLES[table].primary_key[0], value, message)


def union_rows(ctx: RuleContext, parts: list[tuple[str, str, str]]) -> str:
    """One relation stacking rows of several tables: ``tbl, col, source_file, source_row, rid, <columns>``.

    ``parts`` holds ``(table, column, select list)`` where the select list gives the remaining columns over
    alias ``x`` of the table (same names and types in every part).
    """
    selects = [
        f"SELECT '{t}' AS tbl, '{c}' AS col, x.source_file, x.source_row, "
        f"CAST(x.\"{TABLES[t].primary_key[0]}\" AS VARCHAR) AS rid, {cols} FROM {ctx.t(t)} x"
        for t, c, cols in parts
    ]
    return "(" + " UNION ALL ".join(selects) + ")"


def issue_columns_multi(value: str, message: str, alias: str = "u") -> str:
    """Select list ``file, row, value, record_id, message, tbl, col`` over a :func:`union_rows` relation."""
    return (f"{alias}.source_file AS file, {alias}.source_row AS row, CAST({value} AS VARCHAR) AS value, "
            f"{alias}.rid AS record_id, {message} AS message, {alias}.tbl AS tbl, {alias}.col AS col")

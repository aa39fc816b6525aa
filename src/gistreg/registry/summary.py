"""What a registry holds, in counts only: rows per table, patients per site, loads, date ranges, vital status,
agents and stored treatment lines. No identifier (patient, exposure or assessment id) ever appears in a summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import MappingProxyType

import duckdb

from gistreg.registry.ddl import quote
from gistreg.registry.provenance import LoadRecord, read_loads
from gistreg.registry.schema import TABLES
from gistreg.registry.store import Registry


@dataclass(frozen=True, slots=True)
class DateRange:
    """Earliest and latest value of one date column (``None`` when the table is empty)."""

    table: str
    column: str
    first: date | None
    last: date | None


@dataclass(frozen=True, slots=True)
class AgentUse:
    """Exposure periods and distinct patients per agent and setting."""

    agent: str
    setting: str
    patients: int
    periods: int


@dataclass(frozen=True, slots=True)
class LineCount:
    """Stored treatment lines of one setting and number: patients, lines with an escalation, rechallenges."""

    setting: str
    line_no: int
    patients: int
    with_escalation: int
    rechallenges: int


@dataclass(frozen=True, slots=True)
class RegistrySummary:
    """Counts describing a registry store.

    Parameters
    ----------
    registry_name
        File name of the store.
    rows
        Records per canonical table, in schema order.
    patients_per_site
        ``(site_id, patients)`` for every site, sites without patients included.
    vital_status
        ``(status, patients)``.
    agents
        Use of each agent per setting.
    date_ranges
        Range of each table's main date column (birth dates are never summarised).
    loads
        Every load with its files and their SHA-256.
    stored_issues
        ``(rule, severity, count)`` of the warnings and notes stored with the data.
    lines
        Treatment lines per setting and number, from the derived table ``treatment_lines`` (empty when the
        store has none).
    line_rules
        Rule version the stored lines were derived with, or ``None`` when no lines are stored.
    """

    registry_name: str
    rows: Mapping[str, int]
    patients_per_site: tuple[tuple[str, int], ...]
    vital_status: tuple[tuple[str, int], ...]
    agents: tuple[AgentUse, ...]
    date_ranges: tuple[DateRange, ...]
    loads: tuple[LoadRecord, ...]
    stored_issues: tuple[tuple[str, str, int], ...]
    lines: tuple[LineCount, ...] = ()
    line_rules: str | None = None


#: The derived table of treatment lines (written by :mod:`gistreg.lines` after an import), if present.
LINES_TABLE = "treatment_lines"


#: The date column summarised per table: the first date column that is not a birth date.
MAIN_DATES: Mapping[str, str] = MappingProxyType(
    {
        t.name: next(c.name for c in t.columns if c.type == "date" and c.name != "birth_date")
        for t in TABLES.values()
        if any(c.type == "date" and c.name != "birth_date" for c in t.columns)
    }
)


def summarise(registry_path: str | Path) -> RegistrySummary:
    """Summarise the store at ``registry_path`` (read-only).

    Raises
    ------
    StoreError
        If the store does not exist or is not a gistreg registry.
    """
    reg = Registry.open(registry_path)
    with reg.connect() as con:
        rows = {t: int(con.execute(f"SELECT count(*) FROM {quote(t)}").fetchall()[0][0]) for t in TABLES}
        per_site = con.execute(
            "SELECT s.site_id, count(p.patient_id) FROM sites s LEFT JOIN patients p USING (site_id) "
            "GROUP BY s.site_id UNION ALL "
            "SELECT p.site_id, count(*) FROM patients p ANTI JOIN sites s USING (site_id) GROUP BY p.site_id "
            "ORDER BY 1"
        ).fetchall()
        vital = con.execute(
            "SELECT status, count(*) FROM vital_status GROUP BY status ORDER BY count(*) DESC, status"
        ).fetchall()
        agents = con.execute(
            "SELECT agent, setting, count(DISTINCT patient_id), count(*) FROM drug_exposures "
            "GROUP BY agent, setting ORDER BY agent, setting"
        ).fetchall()
        ranges = []
        for t, col in MAIN_DATES.items():
            first, last = con.execute(f"SELECT min({quote(col)}), max({quote(col)}) FROM {quote(t)}").fetchall()[0]
            ranges.append(DateRange(t, col, first, last))
        issues = con.execute(
            "SELECT rule, severity, count(*) FROM validation_issues GROUP BY rule, severity ORDER BY rule, severity"
        ).fetchall()
        loads = read_loads(con)
        lines, line_rules = _line_counts(con)
    return RegistrySummary(
        reg.path.name,
        MappingProxyType(rows),
        tuple((str(s), int(n)) for s, n in per_site),
        tuple((str(s), int(n)) for s, n in vital),
        tuple(AgentUse(str(a), str(s), int(p), int(n)) for a, s, p, n in agents),
        tuple(ranges),
        loads,
        tuple((str(r), str(s), int(n)) for r, s, n in issues),
        lines,
        line_rules,
    )


def _line_counts(con: duckdb.DuckDBPyConnection) -> tuple[tuple[LineCount, ...], str | None]:
    """Counts from the stored ``treatment_lines`` table, when the store has one."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                         [LINES_TABLE]).fetchall()[0][0]
    if not exists:
        return (), None
    rows = con.execute(
        "SELECT line_setting, line_no, count(DISTINCT patient_id), count(*) FILTER (WHERE contains_dose_escalation), "
        f"count(*) FILTER (WHERE is_rechallenge), min(rule_version) FROM {quote(LINES_TABLE)} "
        "GROUP BY line_setting, line_no ORDER BY line_setting, line_no"
    ).fetchall()
    versions = {str(r[5]) for r in rows}
    counts = tuple(LineCount(str(s), int(n), int(p), int(e), int(r)) for s, n, p, e, r, _ in rows)
    return counts, ", ".join(sorted(versions)) if versions else None


__all__ = ["LINES_TABLE", "MAIN_DATES", "AgentUse", "DateRange", "LineCount", "RegistrySummary", "summarise"]

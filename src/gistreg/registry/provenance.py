"""Provenance of imports: which export was loaded when, from which files (with their hashes), and its issues.

Only SQL on an open connection lives here; :mod:`gistreg.registry.store` decides when to write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from gistreg import __version__
from gistreg.core.issues import Issue, Severity, ValidationReport
from gistreg.ingest.base import SourceFile


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """One file of a load: name (no directory), SHA-256, data rows and the tables read from it."""

    name: str
    sha256: str
    n_rows: int
    tables: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LoadRecord:
    """One import that changed the store.

    Parameters
    ----------
    load_id
        Number of the load, 1 for the first.
    loaded_at
        Commit time (UTC, naive).
    source_name
        Name of the export folder or file (never a full path).
    reader_format
        Reader that read it (``csv``, ``xlsx``, ``redcap``).
    files
        Files read, with their SHA-256.
    changes
        Per table: ``inserted``, ``updated``, ``unchanged``, ``not_in_export`` row counts.
    cutoff
        Data cutoff the export was validated against, if any.
    gistreg_version
        gistreg version that imported it.
    """

    load_id: int
    loaded_at: datetime
    source_name: str
    reader_format: str
    files: tuple[LoadedFile, ...]
    changes: Mapping[str, Mapping[str, int]]
    cutoff: date | None
    gistreg_version: str


def _q(schema: str | None, name: str) -> str:
    return f'"{schema}"."{name}"' if schema else f'"{name}"'


def insert_rows(
    con: duckdb.DuckDBPyConnection, relation: str, types: tuple[str, ...], rows: list[list[object]]
) -> None:
    """Insert ``rows`` into ``relation`` in one statement (columns passed as typed lists, not row by row)."""
    if not rows:
        return
    columns = [list(col) for col in zip(*rows, strict=True)]
    select = ", ".join(f"unnest(?::{t}[])" for t in types)
    con.execute(f"INSERT INTO {relation} SELECT {select}", columns)


def next_load_id(con: duckdb.DuckDBPyConnection, *, schema: str | None = None) -> int:
    """The number the next load gets."""
    row = con.execute(f"SELECT coalesce(max(load_id), 0) + 1 FROM {_q(schema, 'loads')}").fetchone()
    return int(row[0]) if row else 1


def write_load(
    con: duckdb.DuckDBPyConnection,
    *,
    load_id: int,
    loaded_at: datetime,
    source_name: str,
    files: tuple[SourceFile, ...],
    changes: Mapping[str, Mapping[str, int]],
    cutoff: date | None,
    schema: str | None = None,
) -> None:
    """Insert the ``loads`` row and the ``load_files`` rows of one load."""
    formats = sorted({f.format for f in files})
    files_json = json.dumps(
        [{"name": f.name, "sha256": f.sha256, "format": f.format, "tables": list(f.tables), "n_rows": f.n_rows}
         for f in files],
        sort_keys=True,
    )
    con.execute(
        f"INSERT INTO {_q(schema, 'loads')} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, loaded_at, source_name, "+".join(formats) or "csv", files_json,
         json.dumps({t: dict(c) for t, c in changes.items()}, sort_keys=True), cutoff, __version__],
    )
    insert_rows(con, _q(schema, "load_files"), ("BIGINT", "VARCHAR", "VARCHAR", "BIGINT", "VARCHAR"),
                [[load_id, f.name, f.sha256, f.n_rows, ",".join(f.tables)] for f in files])


def write_issues(
    con: duckdb.DuckDBPyConnection, issues: Iterable[Issue], *, load_id: int, schema: str | None = None
) -> int:
    """Insert ``issues`` into ``validation_issues`` for ``load_id``; return how many were written."""
    rows: list[list[object]] = [
        [load_id, i.rule, i.severity, i.table, i.file, i.row, i.column, i.value, i.message, i.record_id]
        for i in issues
    ]
    types = ("BIGINT", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "VARCHAR", "VARCHAR", "VARCHAR",
             "VARCHAR")
    insert_rows(con, _q(schema, "validation_issues"), types, rows)
    return len(rows)


def read_loads(con: duckdb.DuckDBPyConnection, *, schema: str | None = None) -> tuple[LoadRecord, ...]:
    """Every load of the store, oldest first."""
    files: dict[int, list[LoadedFile]] = {}
    for lid, name, sha, n_rows, tables in con.execute(
        f"SELECT load_id, file_name, sha256, n_rows, tables FROM {_q(schema, 'load_files')} "
        "ORDER BY load_id, file_name"
    ).fetchall():
        files.setdefault(int(lid), []).append(
            LoadedFile(str(name), str(sha), int(n_rows), tuple(t for t in str(tables).split(",") if t))
        )
    out = []
    for lid, at, source, fmt, changes, cutoff, version in con.execute(
        "SELECT load_id, loaded_at, source_name, reader_format, changes, cutoff, gistreg_version "
        f"FROM {_q(schema, 'loads')} ORDER BY load_id"
    ).fetchall():
        out.append(LoadRecord(int(lid), at, str(source), str(fmt), tuple(files.get(int(lid), ())),
                              json.loads(changes), cutoff, str(version)))
    return tuple(out)


def read_issues(
    con: duckdb.DuckDBPyConnection, *, load_id: int | None = None, schema: str | None = None
) -> ValidationReport:
    """Stored issues, of one load or of all loads."""
    where = "" if load_id is None else " WHERE load_id = ?"
    params = [] if load_id is None else [load_id]
    rows = con.execute(
        "SELECT rule, severity, file_name, row_number, column_name, value, message, table_name, record_id "
        f"FROM {_q(schema, 'validation_issues')}{where}",
        params,
    ).fetchall()
    issues = []
    for rule, sev, file, row, col, value, msg, table, rec in rows:
        severity: Severity = "warning" if sev == "warning" else "info" if sev == "info" else "error"
        issues.append(Issue(rule, severity, file, None if row is None else int(row), col, value, msg, table, rec))
    return ValidationReport.of(issues)


__all__ = [
    "LoadRecord",
    "LoadedFile",
    "insert_rows",
    "next_load_id",
    "read_issues",
    "read_loads",
    "write_issues",
    "write_load",
]

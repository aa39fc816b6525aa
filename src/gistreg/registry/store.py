"""The registry store: one DuckDB file, filled by imports that land whole or not at all.

An import runs in three steps:

1. **stage** — the reader for the export's format writes ``stage_<table>`` tables of text into a scratch
   in-memory DuckDB connection (the registry file is not opened yet);
2. **validate** — :func:`gistreg.registry.validate.validate_staged` types the staged values into
   ``typed_<table>`` tables and runs every rule; any error-level issue raises
   :class:`~gistreg.core.errors.DataValidationError` and the registry file is never opened for writing;
3. **store** — the registry file is attached and, in one transaction, each table is upserted by primary key:
   new records are inserted, records whose data columns differ are updated, identical records are left
   untouched; the load's provenance (files and their SHA-256) and its warnings are written with the data.

Re-importing an export that changes nothing writes nothing: no load is recorded and the file keeps its bytes
(:attr:`ImportResult.load_id` is ``None``). Records in the store that an export does not contain are kept
and counted (rule ``S01``, info); the store never deletes a record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import MappingProxyType

import duckdb

from gistreg import __version__
from gistreg.core.errors import DataValidationError, StoreError
from gistreg.core.issues import Issue, ValidationReport
from gistreg.ingest.base import SourceFile, StagedExport
from gistreg.registry.ddl import SCHEMA_VERSION, SQL_TYPES, create_statements, quote
from gistreg.registry.provenance import LoadRecord, next_load_id, read_issues, read_loads, write_issues, write_load
from gistreg.registry.schema import TABLES, Table

#: ``progress(step, done, total)``: called as an import advances.
Progress = Callable[[str, int, int], None]

#: Rule id of the note "records in the store that were not in this export".
NOT_IN_EXPORT_RULE = "S01"

_ALIAS = "gistreg_store"


@dataclass(frozen=True, slots=True)
class TableChanges:
    """What an import did to one table.

    Parameters
    ----------
    inserted
        Records new to the store.
    updated
        Records already stored (same primary key) whose data changed.
    unchanged
        Records already stored with identical data (left untouched, provenance included).
    not_in_export
        Records in the store that the export did not contain (kept, never deleted).
    """

    inserted: int
    updated: int
    unchanged: int
    not_in_export: int

    def as_dict(self) -> dict[str, int]:
        """The four counts by name."""
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
                "not_in_export": self.not_in_export}


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Outcome of :func:`import_export`.

    Parameters
    ----------
    load_id
        The load recorded, or ``None`` when the import changed nothing (then nothing was written).
    changes
        Per canonical table (all of them, in schema order), what the import did.
    report
        Every validation issue (warnings and notes; errors never reach a result) plus the store's notes.
    source_name
        Name of the export folder or file.
    files
        Files read, with their SHA-256.
    """

    load_id: int | None
    changes: Mapping[str, TableChanges]
    report: ValidationReport
    source_name: str
    files: tuple[SourceFile, ...]

    @property
    def changed(self) -> bool:
        """Whether any record was inserted or updated."""
        return any(c.inserted or c.updated for c in self.changes.values())


@dataclass(frozen=True, slots=True)
class Registry:
    """A registry store: one DuckDB file created by :meth:`init`.

    Parameters
    ----------
    path
        The DuckDB file.
    """

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    @classmethod
    def init(cls, path: str | Path) -> Registry:
        """Create an empty store at ``path``.

        Raises
        ------
        StoreError
            If ``path`` already exists or cannot be written.
        """
        p = Path(path)
        if p.exists():
            raise StoreError(f"{p.name}: a file already exists there; choose a new file name for the registry")
        if not p.parent.is_dir():
            raise StoreError(f"{p.name}: the folder {p.parent.name or '.'} does not exist")
        try:
            con = duckdb.connect(str(p))
        except duckdb.Error as exc:
            raise StoreError(f"{p.name}: cannot create the registry ({exc})") from exc
        try:
            con.execute("BEGIN")
            for stmt in create_statements():
                con.execute(stmt)
            con.execute("INSERT INTO schema_version VALUES (?, ?, ?)", [SCHEMA_VERSION, _now(), __version__])
            con.execute("COMMIT")
        finally:
            con.close()
        return cls(p)

    @classmethod
    def open(cls, path: str | Path) -> Registry:
        """Open an existing store, checking that it is a gistreg registry of the current layout.

        Raises
        ------
        StoreError
            If ``path`` does not exist, is not a gistreg registry, or has another layout version.
        """
        reg = cls(Path(path))
        with reg.connect() as con:
            _check_layout(con, reg.path.name)
        return reg

    @contextmanager
    def connect(self, *, read_only: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the store (read-only by default), closed when the ``with`` block ends."""
        con = _connect_file(self.path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def loads(self) -> tuple[LoadRecord, ...]:
        """Every load, oldest first."""
        with self.connect() as con:
            return read_loads(con)

    def row_counts(self) -> dict[str, int]:
        """Records per canonical table."""
        with self.connect() as con:
            return {t: _count(con, quote(t)) for t in TABLES}

    def issues(self, *, load_id: int | None = None) -> ValidationReport:
        """Warnings and notes stored with the data (of one load, or of all)."""
        with self.connect() as con:
            return read_issues(con, load_id=load_id)


def import_export(
    registry_path: str | Path,
    export_path: str | Path,
    *,
    dictionary: str | Path | None = None,
    cutoff: date | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Validate an export and, when it has no error, upsert it into the registry in one transaction.

    Parameters
    ----------
    registry_path
        Store created by :meth:`Registry.init`.
    export_path
        A canonical CSV folder, an Excel workbook or a REDCap flat export (the format is detected).
    dictionary
        REDCap data dictionary, for REDCap exports.
    cutoff
        Data cutoff of the analysis cut: deaths and last contacts after it are reported (rule D04); ``None``
        for no cutoff. Dates after today are errors either way.
    progress
        Called with ``(step, done, total)`` as the import advances.

    Returns
    -------
    ImportResult
        The load recorded (``None`` if nothing changed), the changes per table and the report.

    Raises
    ------
    DataValidationError
        If validation found any error; ``exc.report`` has every issue. The registry file is untouched.
    StoreError
        If the registry does not exist, is not a gistreg registry, is locked or cannot be written.
    """
    registry = Registry.open(registry_path)
    export = Path(export_path)
    con = duckdb.connect()
    try:
        staged, report = _stage_and_validate(con, export, dictionary=dictionary, cutoff=cutoff, progress=progress)
        if not report.ok:
            raise DataValidationError(_error_summary(report, export.name), report)
        return store_validated(con, registry.path, staged, report, source_name=export.name, cutoff=cutoff,
                               progress=progress)
    finally:
        con.close()


def validate_export(
    export_path: str | Path,
    *,
    dictionary: str | Path | None = None,
    cutoff: date | None = None,
    progress: Progress | None = None,
) -> ValidationReport:
    """Read and validate an export without importing it; return every issue (nothing is written)."""
    con = duckdb.connect()
    try:
        return _stage_and_validate(con, Path(export_path), dictionary=dictionary, cutoff=cutoff,
                                   progress=progress)[1]
    finally:
        con.close()


def validate_registry(registry_path: str | Path, *, cutoff: date | None = None) -> ValidationReport:
    """Run every validation rule on the data in a store (read-only); return every issue.

    The stored tables are copied into a scratch in-memory database and checked there, so the registry file
    is only read. ``cutoff`` is as for :func:`import_export`.
    """
    from gistreg.registry.validate import validate_typed

    registry = Registry.open(registry_path)
    con = duckdb.connect()
    try:
        _attach(con, registry.path, read_only=True)
        try:
            for t in TABLES:
                con.execute(f"CREATE TABLE {quote('typed_' + t)} AS SELECT * EXCLUDE (load_id) FROM {_store(t)}")
        finally:
            con.execute(f"DETACH {_ALIAS}")
        return validate_typed(con, cutoff=cutoff, table_prefix="typed_")
    finally:
        con.close()


def store_validated(
    con: duckdb.DuckDBPyConnection,
    registry_path: str | Path,
    staged: StagedExport,
    report: ValidationReport,
    *,
    source_name: str,
    cutoff: date | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Upsert validated ``typed_<table>`` tables of ``con`` into the registry file in one transaction.

    This is the last step of :func:`import_export`, for callers that staged and validated themselves.
    ``report`` must have no error. Tables of the schema that ``staged`` lacks are left as they are.

    Raises
    ------
    DataValidationError
        If ``report`` has errors (nothing is written).
    StoreError
        If a staged table repeats a primary key, or the registry cannot be written (the transaction is
        rolled back; the file keeps its content).
    """
    path = Path(registry_path)
    if not report.ok:
        raise DataValidationError(_error_summary(report, source_name), report)
    present = [t for t in TABLES if t in staged.row_counts]
    for t in present:
        _prepare_incoming(con, TABLES[t])
    _attach(con, path, read_only=False)
    try:
        _check_layout(con, path.name, schema=_ALIAS)
        changes = {t: _diff(con, tbl, present=t in present) for t, tbl in TABLES.items()}
        notes = tuple(
            Issue(NOT_IN_EXPORT_RULE, "info", "", None, None, str(c.not_in_export),
                  _not_in_export_message(t, c.not_in_export), t)
            for t, c in changes.items() if c.not_in_export
        )
        full = report.merged(ValidationReport.of(notes))
        result_changes = MappingProxyType(changes)
        if not any(c.inserted or c.updated for c in changes.values()):
            return ImportResult(None, result_changes, full, source_name, staged.files)
        load_id = _write(con, changes, present, full, staged, source_name=source_name, cutoff=cutoff,
                         progress=progress)
        return ImportResult(load_id, result_changes, full, source_name, staged.files)
    finally:
        con.execute(f"DETACH {_ALIAS}")


# ----------------------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _store(table: str) -> str:
    return f"{_ALIAS}.{quote(table)}"


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    row = con.execute(f"SELECT count(*) FROM {relation}").fetchone()
    return int(row[0]) if row else 0


def _connect_file(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    if not path.is_file():
        raise StoreError(f"{path.name}: no registry there; create one with `gistreg init {path.name}`")
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"{path.name}: cannot open the registry ({exc})") from exc


def _attach(con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool) -> None:
    if not path.is_file():
        raise StoreError(f"{path.name}: no registry there; create one with `gistreg init {path.name}`")
    literal = "'" + str(path).replace("'", "''") + "'"
    try:
        con.execute(f"ATTACH {literal} AS {_ALIAS}{' (READ_ONLY)' if read_only else ''}")
    except duckdb.Error as exc:
        raise StoreError(f"{path.name}: cannot open the registry ({exc})") from exc


def _check_layout(con: duckdb.DuckDBPyConnection, name: str, *, schema: str | None = None) -> None:
    relation = f"{schema}.schema_version" if schema else "schema_version"
    try:
        row = con.execute(f"SELECT max(version) FROM {relation}").fetchone()
    except duckdb.Error as exc:
        raise StoreError(f"{name} is not a gistreg registry (it has no schema_version table)") from exc
    version = row[0] if row else None
    if version != SCHEMA_VERSION:
        raise StoreError(
            f"{name}: registry layout version {version} is not supported; this gistreg reads version "
            f"{SCHEMA_VERSION}"
        )


def _stage_and_validate(
    con: duckdb.DuckDBPyConnection,
    export: Path,
    *,
    dictionary: str | Path | None,
    cutoff: date | None,
    progress: Progress | None,
) -> tuple[StagedExport, ValidationReport]:
    from gistreg.ingest import open_reader
    from gistreg.registry.validate import validate_staged

    if progress:
        progress("read", 0, 2)
    staged = open_reader(export, tables=TABLES, dictionary=dictionary).stage(con)
    if progress:
        progress("validate", 1, 2)
    report = validate_staged(con, staged, cutoff=cutoff)
    if progress:
        progress("validate", 2, 2)
    known = set(report.issues)
    missing = [i for i in staged.issues if i not in known]
    return staged, report.merged(ValidationReport.of(missing)) if missing else report


def _not_in_export_message(table: str, n: int) -> str:
    return (f"{n} record{'s' if n != 1 else ''} of table {table} in the store {'were' if n != 1 else 'was'} "
            "not in this export; kept unchanged (the store never deletes records)")


def _error_summary(report: ValidationReport, source: str) -> str:
    errors = report.errors
    rules = sorted({i.rule for i in errors})
    return (f"{source}: {len(errors)} error{'s' if len(errors) != 1 else ''} "
            f"(rules {', '.join(rules)}); nothing was imported")


def _prepare_incoming(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """``incoming_<t>``: the typed rows cast to the store's column types, with a duplicate-key check."""
    typed = quote(f"typed_{table.name}")
    have = {str(r[0]) for r in con.execute(f"DESCRIBE {typed}").fetchall()}
    cols = [
        f"CAST({quote(c.name) if c.name in have else 'NULL'} AS {SQL_TYPES[c.type]}) AS {quote(c.name)}"
        for c in table.columns
    ]
    cols += ["CAST(source_file AS VARCHAR) AS source_file", "CAST(source_row AS BIGINT) AS source_row"]
    con.execute(f"CREATE OR REPLACE TEMP TABLE {quote('incoming_' + table.name)} AS SELECT {', '.join(cols)} "
                f"FROM {typed}")
    keys = ", ".join(quote(k) for k in table.primary_key)
    dup = con.execute(
        f"SELECT count(*), min(n) FROM (SELECT count(*) AS n FROM {quote('incoming_' + table.name)} "
        f"GROUP BY {keys} HAVING count(*) > 1)"
    ).fetchone()
    if dup and dup[0]:
        raise StoreError(
            f"{table.name}: {dup[0]} values of the primary key ({', '.join(table.primary_key)}) occur more than "
            "once in the export; each record must appear once"
        )


def _key_match(table: Table, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{quote(k)} = {right}.{quote(k)}" for k in table.primary_key)


def _diff(con: duckdb.DuckDBPyConnection, table: Table, *, present: bool) -> TableChanges:
    """Classify incoming rows as insert / update / same (``diff_<t>``) and count store rows not in the export."""
    if not present:
        return TableChanges(0, 0, 0, _count(con, _store(table.name)))
    incoming = quote("incoming_" + table.name)
    data = [c.name for c in table.columns if c.name not in table.primary_key]
    differs = " OR ".join(f"i.{quote(c)} IS DISTINCT FROM r.{quote(c)}" for c in data) or "FALSE"
    first_key = quote(table.primary_key[0])
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote('diff_' + table.name)} AS SELECT i.*, "
        f"CASE WHEN r.{first_key} IS NULL THEN 'insert' WHEN {differs} THEN 'update' ELSE 'same' END "
        f"AS gistreg_action FROM {incoming} AS i LEFT JOIN {_store(table.name)} AS r "
        f"ON {_key_match(table, 'i', 'r')}"
    )
    counts = dict(con.execute(
        f"SELECT gistreg_action, count(*) FROM {quote('diff_' + table.name)} GROUP BY gistreg_action"
    ).fetchall())
    missing = _count(
        con,
        f"{_store(table.name)} AS r WHERE NOT EXISTS (SELECT 1 FROM {incoming} AS i "
        f"WHERE {_key_match(table, 'i', 'r')})",
    )
    return TableChanges(int(counts.get("insert", 0)), int(counts.get("update", 0)), int(counts.get("same", 0)),
                        missing)


def _apply(con: duckdb.DuckDBPyConnection, table: Table, load_id: int) -> None:
    diff = quote("diff_" + table.name)
    names = [*table.column_names, "source_file", "source_row"]
    data = [c for c in names if c not in table.primary_key]
    sets = ", ".join(f"{quote(c)} = d.{quote(c)}" for c in data)
    con.execute(
        f"UPDATE {_store(table.name)} AS r SET {sets}, load_id = ? FROM {diff} AS d "
        f"WHERE d.gistreg_action = 'update' AND {_key_match(table, 'd', 'r')}",
        [load_id],
    )
    cols = ", ".join(quote(c) for c in names)
    con.execute(
        f"INSERT INTO {_store(table.name)} ({cols}, load_id) SELECT {cols}, ? FROM {diff} "
        "WHERE gistreg_action = 'insert'",
        [load_id],
    )


def _write(
    con: duckdb.DuckDBPyConnection,
    changes: Mapping[str, TableChanges],
    present: list[str],
    report: ValidationReport,
    staged: StagedExport,
    *,
    source_name: str,
    cutoff: date | None,
    progress: Progress | None,
) -> int:
    """Write the changed rows, the load and its issues in one transaction; return the load id."""
    con.execute("BEGIN TRANSACTION")
    try:
        load_id = next_load_id(con, schema=_ALIAS)
        for k, t in enumerate(present, start=1):
            if changes[t].inserted or changes[t].updated:
                _apply(con, TABLES[t], load_id)
            if progress:
                progress("store", k, len(present))
        write_load(con, load_id=load_id, loaded_at=_now(), source_name=source_name, files=staged.files,
                   changes={t: c.as_dict() for t, c in changes.items()}, cutoff=cutoff, schema=_ALIAS)
        write_issues(con, (i for i in report.issues if i.severity != "error"), load_id=load_id, schema=_ALIAS)
        con.execute("COMMIT")
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise StoreError(f"writing the load to the registry failed and was rolled back ({exc})") from exc
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return load_id


__all__ = [
    "NOT_IN_EXPORT_RULE",
    "ImportResult",
    "Progress",
    "Registry",
    "TableChanges",
    "import_export",
    "store_validated",
    "validate_export",
    "validate_registry",
]

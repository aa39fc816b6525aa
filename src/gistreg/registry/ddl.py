"""The store's tables, as DuckDB DDL generated from the canonical schema.

The store holds one table per canonical table, under the same name, with the schema's columns in their SQL
types plus three provenance columns (``source_file``, ``source_row``, ``load_id``: the load that last changed
the row), and four bookkeeping tables:

- ``schema_version``: the version of this layout (for future migrations);
- ``loads``: one row per import that changed something;
- ``load_files``: the files of each load, with their SHA-256;
- ``validation_issues``: the warnings and notes of each load, stored with the data.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from gistreg.registry.schema import TABLES, ColumnType, Table

#: Version of the store layout written by :func:`create_statements`.
SCHEMA_VERSION = 1

#: SQL type of each schema column type.
SQL_TYPES: Mapping[ColumnType, str] = MappingProxyType(
    {"text": "VARCHAR", "code": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "date": "DATE", "bool": "BOOLEAN"}
)

#: Provenance columns of every canonical table in the store, with their SQL types.
STORE_PROVENANCE: tuple[tuple[str, str], ...] = (
    ("source_file", "VARCHAR"),
    ("source_row", "BIGINT"),
    ("load_id", "BIGINT"),
)

#: Bookkeeping tables: name → ((column, SQL type, description), ...).
META_TABLES: Mapping[str, tuple[tuple[str, str, str], ...]] = MappingProxyType(
    {
        "schema_version": (
            ("version", "INTEGER NOT NULL", "Version of the store layout"),
            ("created_at", "TIMESTAMP NOT NULL", "When the store was created or migrated (UTC)"),
            ("gistreg_version", "VARCHAR NOT NULL", "gistreg version that wrote the layout"),
        ),
        "loads": (
            ("load_id", "BIGINT PRIMARY KEY", "Number of the load (1, 2, …)"),
            ("loaded_at", "TIMESTAMP NOT NULL", "When the load was committed (UTC)"),
            ("source_name", "VARCHAR NOT NULL", "Name of the export folder or file (never a full path)"),
            ("reader_format", "VARCHAR NOT NULL", "Reader that read the export (csv, xlsx, redcap)"),
            ("files", "VARCHAR NOT NULL", "JSON list of the files read: name, sha256, format, tables, n_rows"),
            ("changes", "VARCHAR NOT NULL",
             "JSON object: per table the rows inserted, updated, unchanged and not in this export"),
            ("cutoff", "DATE", "Data cutoff the export was validated against"),
            ("gistreg_version", "VARCHAR NOT NULL", "gistreg version that imported it"),
        ),
        "load_files": (
            ("load_id", "BIGINT NOT NULL", "The load"),
            ("file_name", "VARCHAR NOT NULL", "File name (no directory)"),
            ("sha256", "VARCHAR NOT NULL", "SHA-256 of the file's bytes"),
            ("n_rows", "BIGINT NOT NULL", "Data rows read from the file"),
            ("tables", "VARCHAR NOT NULL", "Canonical tables read from the file (comma-separated)"),
        ),
        "validation_issues": (
            ("load_id", "BIGINT NOT NULL", "The load whose validation found the issue"),
            ("rule", "VARCHAR NOT NULL", "Rule identifier"),
            ("severity", "VARCHAR NOT NULL", "warning or info (errors never reach the store)"),
            ("table_name", "VARCHAR NOT NULL", "Canonical table"),
            ("file_name", "VARCHAR NOT NULL", "Source file"),
            ("row_number", "BIGINT", "Row in the source file (header = row 1)"),
            ("column_name", "VARCHAR", "Column"),
            ("value", "VARCHAR", "Offending value as text"),
            ("message", "VARCHAR NOT NULL", "What is wrong and what is expected"),
            ("record_id", "VARCHAR", "Primary key of the record concerned"),
        ),
    }
)


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def column_sql(table: Table) -> tuple[tuple[str, str], ...]:
    """``(column, SQL type)`` of every column of ``table`` in the store, provenance last."""
    return (*((c.name, SQL_TYPES[c.type]) for c in table.columns), *STORE_PROVENANCE)


def create_table_sql(table: Table, *, schema: str | None = None) -> str:
    """``CREATE TABLE`` statement for the store table of canonical ``table``."""
    name = f"{quote(schema)}.{quote(table.name)}" if schema else quote(table.name)
    cols = [
        f"{quote(c.name)} {SQL_TYPES[c.type]}{' NOT NULL' if c.required or c.name in table.primary_key else ''}"
        for c in table.columns
    ]
    cols.extend(f"{quote(n)} {t}" for n, t in STORE_PROVENANCE)
    cols.append(f"PRIMARY KEY ({', '.join(quote(k) for k in table.primary_key)})")
    return f"CREATE TABLE {name} ({', '.join(cols)})"


def create_meta_sql(name: str, *, schema: str | None = None) -> str:
    """``CREATE TABLE`` statement of bookkeeping table ``name``."""
    qualified = f"{quote(schema)}.{quote(name)}" if schema else quote(name)
    return f"CREATE TABLE {qualified} ({', '.join(f'{quote(c)} {t}' for c, t, _ in META_TABLES[name])})"


def create_statements(*, schema: str | None = None) -> tuple[str, ...]:
    """Every ``CREATE TABLE`` statement of an empty store, canonical tables first."""
    return (
        *(create_table_sql(t, schema=schema) for t in TABLES.values()),
        *(create_meta_sql(m, schema=schema) for m in META_TABLES),
    )


__all__ = [
    "META_TABLES",
    "SCHEMA_VERSION",
    "SQL_TYPES",
    "STORE_PROVENANCE",
    "column_sql",
    "create_meta_sql",
    "create_statements",
    "create_table_sql",
    "quote",
]

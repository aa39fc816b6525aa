"""The contract between readers and the registry: staged tables of text with provenance.

A reader turns one export (a canonical CSV folder, an Excel workbook, a REDCap flat export with its data
dictionary) into *staging tables* inside a DuckDB connection it is given:

- one table ``stage_<table>`` per canonical table present in the export (``<table>`` as in
  :data:`gistreg.registry.schema.TABLES`);
- every canonical column of that table present as ``VARCHAR`` (values kept as text, exactly as exported
  after decoding: IDs keep their leading zeros; empty cells are ``NULL``); optional columns absent from the
  file are added as all-``NULL``;
- two provenance columns: ``source_file VARCHAR`` (file name, or ``workbook.xlsx:sheet``, never a directory)
  and ``source_row BIGINT`` (the row as a spreadsheet shows it: the header is row 1, the first record row 2).

A reader is given the canonical schema (``tables``: table name → :class:`TableSpec`, in practice
:data:`gistreg.registry.schema.TABLES`) by its caller: ``ingest`` comes before ``registry`` in the pipeline and
does not import it, so it only relies on the small structural protocols :class:`TableSpec` and
:class:`ColumnSpec` below, which the registry's ``Table`` and ``Column`` satisfy.

Readers decide nothing about validity beyond what they must to read: a file that cannot be decoded, a
missing required column, an unknown column or a malformed row becomes an :class:`~gistreg.core.issues.Issue`
(rule ``R..``) in :attr:`StagedExport.issues`; a reader never raises on bad content. Typing values,
mapping codes and every validation rule happen in :mod:`gistreg.registry`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import duckdb

from gistreg.core.issues import Issue

SourceFormat = Literal["csv", "xlsx", "redcap"]


class ColumnSpec(Protocol):
    """What a reader needs to know about a canonical column (satisfied by ``registry.schema.Column``)."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def required(self) -> bool: ...

    @property
    def vocab(self) -> str | None: ...


class TableSpec(Protocol):
    """What a reader needs to know about a canonical table (satisfied by ``registry.schema.Table``)."""

    @property
    def name(self) -> str: ...

    @property
    def columns(self) -> Sequence[ColumnSpec]: ...

    @property
    def primary_key(self) -> Sequence[str]: ...

    @property
    def patient_column(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class SourceFile:
    """Provenance of one file of an export.

    Parameters
    ----------
    name
        File name as given to the user in messages (no directory).
    sha256
        Hex SHA-256 of the file's bytes.
    format
        Reader that read it.
    tables
        Canonical tables staged from it.
    n_rows
        Data rows read (header excluded), summed over its tables.
    """

    name: str
    sha256: str
    format: SourceFormat
    tables: tuple[str, ...]
    n_rows: int


@dataclass(frozen=True, slots=True)
class StagedExport:
    """What a reader staged: row counts per canonical table, the files read and the reading issues."""

    row_counts: Mapping[str, int]
    files: tuple[SourceFile, ...]
    issues: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def tables(self) -> tuple[str, ...]:
        """Canonical tables staged (``stage_<name>`` exists for each)."""
        return tuple(self.row_counts)


class Reader(Protocol):
    """A reader of one export format."""

    def stage(self, con: duckdb.DuckDBPyConnection) -> StagedExport:
        """Create ``stage_<table>`` tables in ``con`` and return what was staged."""
        ...


def staging_name(table: str) -> str:
    """Name of the staging table for canonical ``table``."""
    return f"stage_{table}"


__all__ = ["ColumnSpec", "Reader", "SourceFile", "SourceFormat", "StagedExport", "TableSpec", "staging_name"]

"""Reader of the canonical CSV folder: one file ``<table>.csv`` per canonical table.

What is accepted, and what each deviation becomes (rule codes in :data:`gistreg.ingest.READER_RULES`):

- **Files.** ``<table>.csv`` for each canonical table (file name matched without regard to case). Other files
  are not read (R06, info, with a hint when the name is close to a table's); hidden files are ignored. Two
  files for one table (``patients.csv`` and ``Patients.CSV``) are an error (R08); the first in name order is
  read. A single ``<table>.csv`` file may also be given instead of a folder.
- **Encoding.** UTF-8 with or without byte-order mark, or Windows-1252 (cp1252), detected per file (R01 for
  what cannot be decoded; see :mod:`gistreg.ingest._delimited`).
- **Delimiter.** ``,``, ``;`` or tab, detected per file from its header line. In a ``;``- or tab-separated
  file, decimal commas (``12,5``) in the columns the schema types as ``int`` or ``float`` are read as
  ``12.5`` (R07, info, listing the columns); other columns are left as written.
- **Header.** Column names are matched without regard to case or surrounding spaces. A missing required
  column is an error (R02) and the column is absent from the staged table; an unknown column is a warning
  (R03): its values are not imported; a column named twice is an error (R04). Optional columns absent from
  the file are staged as all-``NULL``.
- **Rows.** Quoted values may hold delimiters, quotes (written ``""``) and line breaks. A row with more or
  fewer fields than the header, or a broken quoted value, is an error (R05) and is not staged. Empty rows are
  skipped (R14). ``source_row`` is the spreadsheet row: header = 1, and a record with line breaks inside a
  quoted value is one row (its first line).
- **Values.** Everything is text, exactly as written (``00123`` stays ``00123``); empty cells are ``NULL``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import duckdb

from gistreg.core.errors import InputError
from gistreg.ingest._common import (
    IssueSink,
    close_match,
    create_empty_stage,
    drop,
    drop_stale_stages,
    sha256_file,
    stage_raw,
    table_for_name,
)
from gistreg.ingest._delimited import read_delimited
from gistreg.ingest.base import SourceFile, StagedExport, TableSpec


class CsvFolderReader:
    """Reads a folder of canonical CSV files (or one ``<table>.csv`` file).

    Parameters
    ----------
    path
        The folder (or a single file named after a canonical table).
    tables
        The canonical schema: table name → table (``gistreg.registry.schema.TABLES``).
    """

    def __init__(self, path: str | os.PathLike[str], *, tables: Mapping[str, TableSpec]) -> None:
        self.path = Path(path)
        self.tables = tables
        if not self.path.exists():
            raise InputError(f"{self.path}: no such folder or file")

    def _files(self, sink: IssueSink) -> list[tuple[str, Path]]:
        """(table, file) pairs to read, in file-name order; other entries become R06/R08 issues."""
        if self.path.is_file():
            entries = [self.path]
        else:
            try:
                entries = sorted(self.path.iterdir(), key=lambda p: p.name)
            except OSError as exc:
                raise InputError(f"{self.path}: cannot list the folder ({exc.strerror or exc})") from exc
        chosen: dict[str, Path] = {}
        for entry in entries:
            if entry.name.startswith("."):
                continue
            table = table_for_name(entry.stem, self.tables) if entry.suffix.lower() == ".csv" else None
            if table is None or not entry.is_file():
                kind = "folder" if entry.is_dir() else "file"
                sink.add("R06", "info", entry.name, f"{kind} is not a canonical table file (<table>.csv); not read"
                         + close_match(entry.stem, self.tables))
                continue
            if table in chosen:
                sink.add("R08", "error", entry.name, f"a second file for table {table} (besides "
                         f"{chosen[table].name}); not read", table=table)
                continue
            chosen[table] = entry
        return sorted(chosen.items(), key=lambda kv: kv[1].name)

    def stage(self, con: duckdb.DuckDBPyConnection) -> StagedExport:
        """Create ``stage_<table>`` for every table file in the folder and return what was staged."""
        if not self.path.exists():
            raise InputError(f"{self.path}: no such folder or file")
        sink = IssueSink()
        files = self._files(sink)
        drop_stale_stages(con, self.tables)
        counts: dict[str, int] = {}
        sources: list[SourceFile] = []
        with tempfile.TemporaryDirectory(prefix="gistreg-csv-") as work:
            for table, path in files:
                n, digest = _stage_file(con, self.tables[table], path, sink=sink, workdir=Path(work))
                counts[table] = n
                sources.append(SourceFile(path.name, digest, "csv", (table,), n))
        return StagedExport(counts, tuple(sources), sink.issues())


def _stage_file(con: duckdb.DuckDBPyConnection, spec: TableSpec, path: Path, *, sink: IssueSink,
                workdir: Path) -> tuple[int, str]:
    """Stage one table file; returns (rows staged, SHA-256). Unreadable files stage an empty table (R01/R10)."""
    name = path.name
    try:
        read = read_delimited(con, path, file=name, sink=sink, workdir=workdir)
    except (OSError, duckdb.Error) as exc:
        sink.add("R10", "error", name, f"the file cannot be read ({_reason(exc)}); nothing was read from it",
                 table=spec.name)
        create_empty_stage(con, spec)
        return 0, _digest_or_blank(path)
    if read.raw is None:
        create_empty_stage(con, spec)
        return 0, read.sha256
    try:
        n = stage_raw(con, spec, read.raw, file=name, sink=sink, decimal_comma=read.delimiter in (";", "\t"))
    finally:
        drop(con, read.raw.name)
    return n, read.sha256


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _digest_or_blank(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return ""


__all__ = ["CsvFolderReader"]

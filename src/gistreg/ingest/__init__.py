"""gistreg.ingest: readers that stage an export as text tables with provenance, for the registry to validate.

Use :func:`open_reader` to pick the reader for a path, then ``reader.stage(con)`` to create
``stage_<table>`` tables in a DuckDB connection (the contract is in :mod:`gistreg.ingest.base`)::

    from gistreg.registry.schema import TABLES
    staged = open_reader("export/", tables=TABLES).stage(con)

Readers never raise on the content of a file: what they cannot read becomes an issue with a reader rule
code (:data:`READER_RULES`), located by file, row and column. The readers:

- :class:`CsvFolderReader` — the canonical folder of ``<table>.csv`` files (``,``/``;``/tab, UTF-8 or
  Windows-1252, decimal commas), fast enough for millions of rows (DuckDB's CSV reader);
- :class:`ExcelReader` — an ``.xlsx`` workbook with one sheet per table (serial dates in both date systems);
- :class:`RedcapReader` — a REDCap flat export with its data dictionary (``docs/import-redcap.md``).
"""

from gistreg.ingest._common import READER_RULES
from gistreg.ingest._redcap_dict import DEFAULT_MISSING_CODES
from gistreg.ingest.base import (
    ColumnSpec,
    Reader,
    SourceFile,
    SourceFormat,
    StagedExport,
    TableSpec,
    staging_name,
)
from gistreg.ingest.csv_folder import CsvFolderReader
from gistreg.ingest.detect import open_reader
from gistreg.ingest.excel import ExcelReader
from gistreg.ingest.redcap import RedcapReader

__all__ = [
    "DEFAULT_MISSING_CODES",
    "READER_RULES",
    "ColumnSpec",
    "CsvFolderReader",
    "ExcelReader",
    "Reader",
    "RedcapReader",
    "SourceFile",
    "SourceFormat",
    "StagedExport",
    "TableSpec",
    "open_reader",
    "staging_name",
]
